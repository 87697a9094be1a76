import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import type { OutboundLogRecord } from '../../../src/core/logs.js';
import { MParticleFeed } from '../../../src/mparticle/feed.js';
import { API_KEY, API_SECRET, customer, feedFixture, outbound, pointAdd } from './helpers.js';

const basic = `Basic ${Buffer.from(`${API_KEY}:${API_SECRET}`).toString('base64')}`;

function outboundRecords(logs: ReturnType<typeof feedFixture>['logs']): OutboundLogRecord[] {
  return logs.query({ kind: 'outbound', limit: 10_000, sort: { by: 'timestamp', order: 'asc' } }).records as OutboundLogRecord[];
}

describe('MParticleFeed outbound: requests', () => {
  it('posts one user per batch to /bulkevents with HTTP Basic key:secret', async () => {
    const { feed, vendors, urls, batchesOf } = feedFixture();
    expect(await feed.trackEvent(customer(1), pointAdd(1))).toMatchObject({ status: 'queued', messageIds: [expect.any(String)] });
    expect(await feed.updateProfile(customer(2))).toMatchObject({ status: 'queued' });
    expect(await feed.flush()).toEqual({ delivered: 2, retryScheduled: 0, deadLettered: 0, requests: 1 });
    expect(urls).toEqual(['https://s2s.mparticle.com/v2/bulkevents']);
    const [request] = vendors.requests;
    expect(request!.method).toBe('POST');
    expect(request!.headers.authorization).toBe(basic);
    expect(request!.headers['content-type']).toBe('application/json');
    const batches = batchesOf(0);
    expect(batches.map((b) => b.user_identities)).toEqual([
      { customer_id: 'cus_1', email: 'member1@example.com' },
      { customer_id: 'cus_2', email: 'member2@example.com' },
    ]);
    expect(batches[0]!.events).toEqual([
      expect.objectContaining({ event_type: 'custom_event', data: expect.objectContaining({ event_name: 'point_add', custom_event_type: 'transaction', custom_attributes: { points: 10 } }) }),
    ]);
    expect(batches[1]!.user_attributes).toEqual({ $FirstName: 'Member 2', antavo_tier: 'gold', antavo_points: 200 });
  });

  it('sends to the selected pod or partner-feed host', async () => {
    for (const [option, url] of [
      [{ pod: 'eu1' as const }, 'https://s2s.eu1.mparticle.com/v2/bulkevents'],
      [{ pod: 'au1' as const }, 'https://s2s.au1.mparticle.com/v2/bulkevents'],
      [{ partnerFeed: true }, 'https://inbound.mparticle.com/s2s/v2/bulkevents'],
      [{ apiUrl: 'http://127.0.0.1:4010/v2' }, 'http://127.0.0.1:4010/v2/bulkevents'],
    ] as const) {
      const { feed, urls } = feedFixture({ outbound: option });
      await feed.trackEvent(customer(1), pointAdd(1));
      await feed.flush();
      expect(urls).toEqual([url]);
    }
  });

  it('sends only the configured identity with syncOnlyConfiguredIdentifiers and the development environment when asked', async () => {
    const { feed, batchesOf } = feedFixture({ outbound: { syncOnlyConfiguredIdentifiers: true, environment: 'development', identity: 'other', loyaltyIdentifierField: 'email' } });
    await feed.trackEvent(customer(1), pointAdd(1));
    await feed.flush();
    expect(batchesOf(0)[0]).toMatchObject({ environment: 'development', user_identities: { other: 'member1@example.com' } });
    expect(Object.keys(batchesOf(0)[0]!.user_identities as object)).toEqual(['other']);
  });

  it('skips actions that are not associated, and tracks the same event once', async () => {
    const { feed, vendors } = feedFixture();
    expect(await feed.trackEvent(customer(1), { ...pointAdd(1), action: 'checkout' })).toMatchObject({ status: 'skipped', reason: expect.stringContaining('externalEvents') });
    const first = await feed.trackEvent(customer(1), pointAdd(1));
    expect(await feed.trackEvent(customer(1), pointAdd(1))).toEqual({ status: 'duplicate', messageIds: first.messageIds });
    await feed.flush();
    expect((vendors.requests[0]!.json as unknown[]).length).toBe(1);
  });

  it('supersedes undelivered updates of the same attributes, and skips when no mapped field changed', async () => {
    const { feed, clock, batchesOf } = feedFixture();
    await feed.updateProfile(customer(1, { points: 1 }), ['points']);
    clock.advance(1);
    await feed.updateProfile(customer(1, { points: 2 }), ['points']);
    await feed.updateProfile(customer(1), ['tier']);
    expect(await feed.updateProfile(customer(1), ['email'])).toMatchObject({ status: 'skipped', reason: 'none of the changed fields is in fieldMapping' });
    await feed.flush();
    expect(batchesOf(0).map((b) => b.user_attributes)).toEqual([{ antavo_points: 2 }, { antavo_tier: 'gold' }]);
  });

  it('sends a triggered custom event once per trigger ID', async () => {
    const { feed, batchesOf } = feedFixture();
    const input = { id: 'workflow-run-7', name: 'Send win-back email', customEventType: 'other' as const, attributes: { template: 'winback' } };
    expect(await feed.sendCustomEvent(customer(1), input)).toMatchObject({ status: 'queued' });
    expect(await feed.sendCustomEvent(customer(1), input)).toMatchObject({ status: 'duplicate' });
    await feed.flush();
    expect(batchesOf(0)).toHaveLength(1);
    expect(batchesOf(0)[0]!.events).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ event_name: 'Send win-back email', custom_event_type: 'other', custom_attributes: { template: 'winback' } }) }),
    ]);
  });
});

describe('MParticleFeed outbound: default rate limit', () => {
  it('sends at most 2 requests per second unless rateLimit says otherwise (≤ 200 of mParticle\'s 270 batches/s)', async () => {
    const started: number[] = [];
    const timed = new MParticleFeed({
      outbound,
      transport: async () => {
        started.push(performance.now());
        return { status: 202, headers: {}, body: '', durationMs: 0 };
      },
    });
    for (let i = 1; i <= 201; i++) await timed.trackEvent(customer(i), pointAdd(i));
    expect(await timed.flush()).toMatchObject({ delivered: 201, requests: 3 });
    expect(started[1]! - started[0]!).toBeLessThan(500);
    expect(started[2]! - started[0]!).toBeGreaterThanOrEqual(900);
  });
});

describe('MParticleFeed outbound: bulk limits', () => {
  it('puts at most 100 batches in a request', async () => {
    const { feed, vendors } = feedFixture();
    for (let i = 1; i <= 250; i++) await feed.trackEvent(customer(i), pointAdd(i));
    expect(await feed.flush()).toMatchObject({ delivered: 250, requests: 3 });
    expect(vendors.requests.map((r) => (r.json as unknown[]).length)).toEqual([100, 100, 50]);
    const ids = vendors.requests.flatMap((r) => (r.json as Array<{ source_request_id: string }>).map((b) => b.source_request_id));
    expect(new Set(ids).size).toBe(250);
  });

  it('keeps every request within 256 KB', async () => {
    const { feed, vendors } = feedFixture();
    // About 60 KB per batch: four fit in a request, a fifth does not.
    const bulky = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`note${i}`, 'x'.repeat(4000)]));
    for (let i = 1; i <= 10; i++) await feed.trackEvent(customer(i), pointAdd(i, i, bulky));
    expect(await feed.flush()).toMatchObject({ delivered: 10, requests: 3 });
    const sizes = vendors.requests.map((r) => Buffer.byteLength(r.body));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(256_000);
    expect(vendors.requests.map((r) => (r.json as unknown[]).length)).toEqual([4, 4, 2]);
  });

  it('refuses a batch over 128 KB alone, logs it, and loses nothing else', async () => {
    const { feed, logs } = feedFixture();
    await feed.trackEvent(customer(1), pointAdd(1));
    const huge = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`note${i}`, 'x'.repeat(4000)]));
    await expect(feed.trackEvent(customer(2), pointAdd(2, 2, huge))).rejects.toThrow(ValidationError);
    await expect(feed.trackEvent(customer(2), pointAdd(2, 2, huge))).rejects.toThrow(/takes at most 128000/);
    await feed.trackEvent(customer(3), pointAdd(3));
    expect(await feed.flush()).toMatchObject({ delivered: 2 });
    expect(outboundRecords(logs).filter((r) => r.outcome === 'rejected')).toHaveLength(2);
  });

  it('validates before sending: an event_name over 256 characters and over-long attribute values are refused', async () => {
    const { feed, vendors } = feedFixture();
    await expect(feed.sendCustomEvent(customer(1), { name: 'n'.repeat(257), customEventType: 'other' })).rejects.toThrow(expect.objectContaining({ path: 'name' }));
    await expect(feed.updateProfile(customer(1, { tier: 't'.repeat(4097) }))).rejects.toThrow(expect.objectContaining({ path: 'customer.attributes.tier' }));
    await expect(feed.trackEvent(customer(1), pointAdd(1, 1, { nested: { fn: () => 0 } }))).rejects.toThrow(expect.objectContaining({ path: 'event.data.nested.fn' }));
    expect(await feed.flush()).toMatchObject({ requests: 0 });
    expect(vendors.requests).toHaveLength(0);
  });
});

describe('MParticleFeed outbound: resend queue', () => {
  it('resends a 500 at most five times with the same source_request_id, then keeps a dead letter', async () => {
    const { feed, vendors, clock } = feedFixture();
    vendors.script('/bulkevents', ...Array.from({ length: 6 }, () => ({ status: 500, body: { errors: [{ code: 'INTERNAL', message: 'try later' }] } })));
    const { messageIds } = await feed.trackEvent(customer(1), pointAdd(1));
    expect(await feed.flush()).toMatchObject({ retryScheduled: 1, requests: 1 });
    const [waiting] = await feed.resendQueue();
    expect(waiting).toEqual({
      id: messageIds[0],
      customerId: 'cus_1',
      eventType: 'custom_event',
      eventName: 'point_add',
      attempts: 1,
      nextAttemptAt: clock.now() + 500,
      lastError: expect.stringContaining('HTTP 500'),
      state: 'pending',
    });
    for (let resend = 1; resend <= 5; resend++) {
      clock.advance(60_000);
      expect(await feed.flush()).toMatchObject({ requests: 1 });
    }
    expect(vendors.requests).toHaveLength(6);
    expect(new Set(vendors.requests.map((r) => r.body)).size).toBe(1);
    expect((vendors.requests[5]!.json as Array<{ source_request_id: string }>)[0]!.source_request_id).toBe(messageIds[0]);
    expect(await feed.resendQueue()).toEqual([]);
    const [dead] = await feed.deadLetters();
    expect(dead).toMatchObject({ id: messageIds[0], attempts: 6, lastError: expect.stringContaining('gave up after 6 attempts') });
    clock.advance(600_000);
    expect(await feed.flush()).toMatchObject({ requests: 0 });
    expect(await feed.replay()).toEqual(messageIds);
    expect(await feed.flush()).toMatchObject({ delivered: 1 });
    expect(vendors.requests[6]!.body).toBe(vendors.requests[0]!.body);
  });

  it("honours a 429's Retry-After seconds and names the exhausted limit", async () => {
    const { feed, vendors, clock } = feedFixture();
    vendors.script('/bulkevents', { status: 429, headers: { 'retry-after': '7', 'x-mp-rate-limit-exceeded': 'feed' } });
    await feed.updateProfile(customer(1));
    const sentAt = clock.now();
    expect(await feed.flush()).toMatchObject({ retryScheduled: 1 });
    const [waiting] = await feed.resendQueue();
    expect(waiting).toMatchObject({ eventType: 'user_attributes', nextAttemptAt: sentAt + 7000, lastError: expect.stringMatching(/429.*feed limit.*Retry-After 7/) });
    clock.advance(6999);
    expect(await feed.flush()).toMatchObject({ requests: 0 });
    clock.advance(1);
    expect(await feed.flush()).toMatchObject({ delivered: 1, requests: 1 });
    expect(vendors.requests[1]!.body).toBe(vendors.requests[0]!.body);
  });

  it('resends after a timeout', async () => {
    const { feed, vendors, clock } = feedFixture({ timeoutMs: 20 });
    vendors.script('/bulkevents', { status: 202, delayMs: 60 });
    await feed.trackEvent(customer(1), pointAdd(1));
    expect(await feed.flush()).toMatchObject({ retryScheduled: 1 });
    expect((await feed.resendQueue())[0]!.lastError).toMatch(/timeout/);
    clock.advance(500);
    expect(await feed.flush()).toMatchObject({ delivered: 1 });
    expect(vendors.requests[1]!.body).toBe(vendors.requests[0]!.body);
  });

  it('does not resend a 400, 401 or 403', async () => {
    for (const status of [400, 401, 403]) {
      const { feed, vendors, clock } = feedFixture();
      vendors.script('/bulkevents', { status, body: { errors: [{ code: 'BAD_REQUEST', message: 'no' }] } });
      await feed.trackEvent(customer(1), pointAdd(1));
      expect(await feed.flush()).toMatchObject({ deadLettered: 1, retryScheduled: 0 });
      clock.advance(3_600_000);
      expect(await feed.flush()).toMatchObject({ requests: 0 });
      expect(await feed.resendQueue()).toEqual([]);
      expect((await feed.deadLetters())[0]).toMatchObject({ attempts: 1, lastError: expect.stringContaining(`HTTP ${status}`) });
    }
  });
});

describe('MParticleFeed outbound: log records', () => {
  it('writes one record per batch and attempt, with the event type and source_request_id, and no credentials', async () => {
    const { feed, vendors, clock, logs } = feedFixture();
    vendors.script('/bulkevents', { status: 503 });
    const event = await feed.trackEvent(customer(1), pointAdd(1));
    const profile = await feed.updateProfile(customer(1));
    await feed.flush();
    clock.advance(1000);
    await feed.flush();
    await expect(feed.trackEvent({ id: 'cus_9', attributes: { secret_note: API_SECRET } }, pointAdd(9, 9, { leak: `${API_KEY}` }))).resolves.toMatchObject({ status: 'queued' });
    const records = outboundRecords(logs);
    expect(records.map((r) => [r.eventType, r.outcome, r.attempt, r.statusCode])).toEqual([
      ['custom_event', 'retry-scheduled', 1, 503],
      ['user_attributes', 'retry-scheduled', 1, 503],
      ['custom_event', 'delivered', 2, 202],
      ['user_attributes', 'delivered', 2, 202],
    ]);
    expect(records.map((r) => r.identifier)).toEqual([event.messageIds[0], profile.messageIds[0], event.messageIds[0], profile.messageIds[0]]);
    expect(records.every((r) => r.connector === 'mparticle' && r.customerId === 'cus_1')).toBe(true);
    expect(JSON.parse(records[0]!.requestBody!)).toMatchObject({ source_request_id: event.messageIds[0] });
    await feed.flush();
    const everything = JSON.stringify(logs.query({ limit: 10_000 }).records);
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toContain(API_SECRET);
    expect(everything).not.toContain(Buffer.from(`${API_KEY}:${API_SECRET}`).toString('base64'));
  });

  it('logs a refused event as rejected with the reason and the customer', async () => {
    const { feed, logs } = feedFixture({ outbound: { loyaltyIdentifierField: 'crm_id' } });
    await expect(feed.trackEvent(customer(1), pointAdd(1))).rejects.toThrow(expect.objectContaining({ path: 'customer.attributes.crm_id' }));
    expect(outboundRecords(logs)).toEqual([
      expect.objectContaining({ outcome: 'rejected', eventType: 'custom_event', customerId: 'cus_1', identifier: 'evt_1', error: expect.stringContaining('crm_id') }),
    ]);
  });
});
