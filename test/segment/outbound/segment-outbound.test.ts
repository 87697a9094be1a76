import { describe, expect, it } from 'vitest';
import { packBatches } from '../../../src/core/batching.js';
import { DisconnectedError, ValidationError } from '../../../src/core/errors.js';
import { SEGMENT_LIMITS, segmentDestination } from '../../../src/segment/outbound/index.js';
import { ada, pointAdd, setup, WRITE_KEY } from './helpers.js';

describe('SegmentOutbound delivery', () => {
  it('posts {batch, sentAt} to /v1/batch with Basic auth of the write key and a colon', async () => {
    const { segment, vendors, clock } = setup();
    await segment.trackEvent(ada, pointAdd());
    clock.advance(5_000);
    expect(await segment.flush()).toMatchObject({ delivered: 1, requests: 1 });
    const [request] = vendors.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/batch' });
    expect(request!.headers.authorization).toBe(`Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(Object.keys(request!.json as object)).toEqual(['batch', 'sentAt']);
    // sentAt is the send time, not the enqueue time.
    expect((request!.json as { sentAt: string }).sentAt).toBe('2026-11-20T12:00:05.000Z');
  });

  it('sends the track and identify calls as mapped', async () => {
    const { segment, sent } = setup({ customerFields: ['tier', 'points'], userIdField: 'external_id' });
    await segment.trackEvent(ada, pointAdd('evt_7'));
    await segment.updateProfile(ada, ['tier', 'email'], { changedAt: '2026-11-20T11:00:00Z' });
    await segment.flush();
    const [track, identify] = sent();
    expect(track).toMatchObject({
      type: 'track',
      userId: 'crm-ada',
      event: 'point_add',
      properties: { points: 500, reason: 'birthday bonus' },
      timestamp: '2026-11-20T09:00:00.000Z',
      context: { library: { name: 'loyalty-cdp' } },
      integrations: { 'Antavo (Actions)': false, Antavo: false },
    });
    expect(identify).toMatchObject({ type: 'identify', userId: 'crm-ada', traits: { tier: 'gold' }, timestamp: '2026-11-20T11:00:00.000Z' });
    expect(identify!.traits).toEqual({ tier: 'gold' });
  });

  it('stamps an identify with the time of the call when no change time is given', async () => {
    const { segment, sent, clock } = setup({ customerFields: ['tier'] });
    clock.advance(1234);
    await segment.updateProfile(ada);
    await segment.flush();
    expect(sent()[0]!.timestamp).toBe('2026-11-20T12:00:01.234Z');
  });

  it('skips unselected actions and profile updates without synced fields, sending nothing', async () => {
    const { segment, vendors } = setup({ events: ['checkout'], customerFields: ['tier'] });
    expect(await segment.trackEvent(ada, pointAdd())).toMatchObject({ status: 'skipped', messageIds: [], reason: expect.stringContaining('point_add') });
    expect(await segment.updateProfile(ada, ['email'])).toMatchObject({ status: 'skipped', messageIds: [] });
    expect(await segment.updateProfile({ id: 'cus_2', attributes: {} })).toMatchObject({ status: 'skipped' });
    expect(await segment.trackEvent(ada, pointAdd('evt_2', { action: 'checkout' }))).toMatchObject({ status: 'queued', messageIds: [expect.any(String)] });
    await segment.flush();
    expect(vendors.requests).toHaveLength(1);
    expect((vendors.requests[0]!.json as { batch: unknown[] }).batch).toHaveLength(1);
  });

  it('reports a repeated event as a duplicate while it is held', async () => {
    const { segment, sent } = setup();
    const first = await segment.trackEvent(ada, pointAdd('evt_1'));
    const again = await segment.trackEvent(ada, pointAdd('evt_1'));
    expect(again).toEqual({ status: 'duplicate', messageIds: first.messageIds });
    await segment.flush();
    expect(sent()).toHaveLength(1);
  });

  it('rejects an event without the external-ID attribute, logs it, and keeps what was accepted', async () => {
    const { segment, sent, outbound } = setup({ userIdField: 'external_id' });
    await segment.trackEvent(ada, pointAdd('evt_ok'));
    const error = await segment.trackEvent({ id: 'cus_9' }, pointAdd('evt_bad', { customerId: 'cus_9' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ path: 'customer.attributes.external_id' });
    expect(await segment.flush()).toMatchObject({ delivered: 1 });
    expect(sent().map((c) => c.userId)).toEqual(['crm-ada']);
    const rejected = outbound().filter((r) => r.outcome === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ connector: 'segment', customerId: 'cus_9', eventType: 'track', identifier: 'evt_bad' });
    expect(rejected[0]!.error).toContain('external_id');
  });

  it('turns unserialisable event data into a ValidationError', async () => {
    const { segment } = setup();
    const data: Record<string, unknown> = { points: 1 };
    data.self = data;
    await expect(segment.trackEvent(ada, pointAdd('evt_c', { data }))).rejects.toMatchObject({ name: 'ValidationError', path: 'event.data' });
  });

  it('refuses a call over 32 KB counted in UTF-8 bytes, alone, and logs it', async () => {
    const { segment, sent, outbound } = setup();
    await segment.trackEvent(ada, pointAdd('evt_small'));
    // 11,000 characters but 33,000 UTF-8 bytes: a character count would let it through.
    const big = pointAdd('evt_big', { data: { note: '€'.repeat(11_000) } });
    const error = await segment.trackEvent(ada, big).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(/bytes \(UTF-8\).*32000/);
    await segment.trackEvent(ada, pointAdd('evt_after'));
    expect(await segment.flush()).toMatchObject({ delivered: 2, deadLettered: 0, requests: 1 });
    expect(sent().map((c) => (c.properties as { note?: string }).note)).toEqual([undefined, undefined]);
    expect(outbound().filter((r) => r.outcome === 'rejected')).toMatchObject([{ eventType: 'track', error: expect.stringContaining('32000') }]);
  });

  it('accepts a call just under 32,000 bytes', async () => {
    const { segment, sent } = setup();
    const base = Buffer.byteLength(JSON.stringify({ note: '' }));
    const probe = await segment.trackEvent(ada, pointAdd('evt_probe', { data: { note: '' } }));
    expect(probe.status).toBe('queued');
    await segment.flush();
    const overhead = Buffer.byteLength(JSON.stringify(sent()[0])) - base;
    const room = 32_000 - overhead - base;
    await segment.trackEvent(ada, pointAdd('evt_probe', { data: { note: 'é'.repeat(Math.floor(room / 2)) } }));
    expect(await segment.flush()).toMatchObject({ delivered: 1 });
  });

  it('splits batches at 500,000 bytes, each request within the limit', async () => {
    const { segment, vendors, sent } = setup();
    // ~20 KB calls: 24 fit in 500,000 bytes.
    for (let i = 0; i < 60; i++) await segment.trackEvent(ada, pointAdd(`evt_${i}`, { data: { note: 'ü'.repeat(10_000) } }));
    expect(await segment.flush()).toMatchObject({ delivered: 60, requests: 3 });
    const sizes = vendors.requests.map((r) => Buffer.byteLength(r.body));
    for (const size of sizes) expect(size).toBeLessThanOrEqual(500_000);
    expect(sizes[0]).toBeGreaterThan(500_000 - 21_000);
    expect(vendors.requests.map((r) => (r.json as { batch: unknown[] }).batch.length)).toEqual([24, 24, 12]);
    // Order is kept across requests.
    expect(sent().map((c) => c.properties && c.messageId)).toHaveLength(60);
  });

  it('puts at most 2,500 calls in one request', () => {
    // Real calls carry ~300 bytes of context and integrations, so the 500,000-byte limit binds
    // first; the count limit is checked on small items as the core packs them.
    expect(SEGMENT_LIMITS).toMatchObject({ maxItems: 2_500, maxBytes: 500_000, maxItemBytes: 32_000 });
    const items = Array.from({ length: 2_600 }, (_, i) => ({ bytes: 20, kind: i % 2 ? 'track' : 'identify' }));
    expect(packBatches(items, SEGMENT_LIMITS).batches.map((b) => b.length)).toEqual([2_500, 100]);
  });

  it('counts the envelope: a full request body is at most 500,000 bytes', () => {
    const destination = segmentDestination({ url: 'https://api.segment.io/v1/batch', writeKey: WRITE_KEY, now: () => Date.UTC(2026, 0, 1) });
    const body = 'x'.repeat(SEGMENT_LIMITS.maxBytes - SEGMENT_LIMITS.envelopeBytes);
    const request = destination.buildRequest([{ body } as never]);
    expect(Buffer.byteLength(request.body!)).toBe(SEGMENT_LIMITS.maxBytes);
  });

  it('keeps the same messageId across a 500, the retry, a 400 dead letter and its replay', async () => {
    const { segment, vendors, clock, sent } = setup();
    vendors.script('/v1/batch', { status: 500, body: 'upstream' });
    const { messageIds } = await segment.trackEvent(ada, pointAdd('evt_r'));
    expect(await segment.flush()).toMatchObject({ retryScheduled: 1 });
    clock.advance(500);
    expect(await segment.flush()).toMatchObject({ delivered: 1 });
    expect(sent().map((c) => c.messageId)).toEqual([messageIds[0], messageIds[0]]);

    vendors.reset();
    vendors.script('/v1/batch', { status: 400, body: { error: 'bad' } });
    await segment.trackEvent(ada, pointAdd('evt_d'));
    expect(await segment.flush()).toMatchObject({ deadLettered: 1 });
    const [dead] = await segment.deadLetters();
    expect(await segment.replay()).toEqual([dead!.id]);
    expect(await segment.flush()).toMatchObject({ delivered: 1 });
    expect(new Set(sent().map((c) => c.messageId))).toEqual(new Set([dead!.id]));
    expect(vendors.requests[0]!.json).toMatchObject({ batch: [JSON.parse(dead!.body)] });
    expect(sent()[0]).toEqual(sent()[1]);
  });

  it('honours Retry-After on a 429', async () => {
    const { segment, vendors, clock } = setup();
    vendors.script('/v1/batch', { status: 429, headers: { 'retry-after': '3' } });
    await segment.trackEvent(ada, pointAdd());
    expect(await segment.flush()).toMatchObject({ retryScheduled: 1, requests: 1 });
    clock.advance(2_999);
    expect(await segment.flush()).toMatchObject({ requests: 0 });
    clock.advance(1);
    expect(await segment.flush()).toMatchObject({ delivered: 1, requests: 1 });
  });

  it('honours X-RateLimit-Reset on a 429 without Retry-After', async () => {
    const { segment, vendors, clock } = setup();
    vendors.script('/v1/batch', { status: 429, headers: { 'x-ratelimit-reset': '7' } });
    await segment.trackEvent(ada, pointAdd());
    await segment.flush();
    const [pending] = await segment.pending();
    expect(pending!.nextAttemptAt - clock.now()).toBe(7_000);
  });

  it('retries a 500 and then delivers', async () => {
    const { segment, vendors, clock, outbound } = setup();
    vendors.script('/v1/batch', { status: 500 }, { status: 503 });
    await segment.trackEvent(ada, pointAdd());
    await segment.flush();
    clock.advance(500);
    await segment.flush();
    clock.advance(1_000);
    expect(await segment.flush()).toMatchObject({ delivered: 1 });
    expect(vendors.requests).toHaveLength(3);
    expect(outbound().map((r) => [r.outcome, r.statusCode, r.attempt])).toEqual([
      ['retry-scheduled', 500, 1],
      ['retry-scheduled', 503, 2],
      ['delivered', 200, 3],
    ]);
  });

  it('dead-letters a 400 without retrying', async () => {
    const { segment, vendors, clock } = setup();
    vendors.script('/v1/batch', { status: 400, body: { message: 'Exceed payload limit' } });
    await segment.trackEvent(ada, pointAdd());
    expect(await segment.flush()).toMatchObject({ deadLettered: 1, retryScheduled: 0 });
    clock.advance(600_000);
    expect(await segment.flush()).toMatchObject({ requests: 0 });
    expect(vendors.requests).toHaveLength(1);
    const [dead] = await segment.deadLetters();
    expect(dead!.lastError).toMatch(/HTTP 400.*32 KB/);
    expect(await segment.pending()).toEqual([]);
  });

  it('dead-letters after the retries run out', async () => {
    const { segment, vendors } = setup({ now: Date.now, retry: { retries: 2, jitter: 'none', baseDelayMs: 1 } });
    vendors.script('/v1/batch', { status: 502 }, { status: 502 }, { status: 502 });
    await segment.trackEvent(ada, pointAdd());
    const report = await segment.drain(1_000);
    expect(report).toMatchObject({ deadLettered: 1, retryScheduled: 2, requests: 3 });
    expect((await segment.deadLetters())[0]!.lastError).toContain('gave up after 3 attempts');
  });

  it('writes one log record per message and attempt, with what the issue lists', async () => {
    const { segment, vendors, outbound } = setup({ customerFields: ['tier'], now: Date.now, retry: { jitter: 'none', baseDelayMs: 1 } });
    vendors.script('/v1/batch', { status: 503, body: 'busy' });
    const track = await segment.trackEvent(ada, pointAdd());
    const identify = await segment.updateProfile(ada);
    await segment.drain(5_000);
    const records = outbound();
    expect(records).toHaveLength(4);
    const delivered = records.filter((r) => r.outcome === 'delivered');
    expect(delivered.map((r) => [r.eventType, r.identifier])).toEqual([
      ['track', track.messageIds[0]],
      ['identify', identify.messageIds[0]],
    ]);
    for (const record of records) {
      expect(record).toMatchObject({ connector: 'segment', customerId: 'cus_1001', statusCode: expect.any(Number), responseTimeMs: expect.any(Number) });
      expect(Date.parse(record.timestamp)).not.toBeNaN();
      expect(JSON.parse(record.requestBody!)).toMatchObject({ messageId: record.identifier, type: record.eventType });
    }
    expect(records.filter((r) => r.outcome === 'retry-scheduled').map((r) => [r.statusCode, r.error, r.responseBody])).toEqual([
      [503, 'HTTP 503: busy', 'busy'],
      [503, 'HTTP 503: busy', 'busy'],
    ]);
    expect(delivered[0]!.responseBody).toBe('{"success":true}');
  });

  it('supersedes an undelivered profile update of the same traits, but never a different set', async () => {
    const { segment, sent } = setup({ customerFields: ['tier', 'points'] });
    await segment.updateProfile({ ...ada, attributes: { ...ada.attributes, points: 1 } }, ['points'], { changedAt: 1 });
    await segment.updateProfile({ ...ada, attributes: { ...ada.attributes, tier: 'silver' } }, ['tier'], { changedAt: 2 });
    await segment.updateProfile({ ...ada, attributes: { ...ada.attributes, points: 3 } }, ['points'], { changedAt: 3 });
    await segment.flush();
    expect(sent().map((c) => c.traits)).toEqual([{ tier: 'silver' }, { points: 3 }]);
  });

  it('keeps sending the right values when a profile changes back', async () => {
    const { segment, sent } = setup({ customerFields: ['tier'] });
    for (const [tier, at] of [['gold', 1], ['silver', 2], ['gold', 3]] as const) {
      await segment.updateProfile({ ...ada, attributes: { tier } }, ['tier'], { changedAt: at });
      await segment.flush();
    }
    const ids = sent().map((c) => c.messageId);
    expect(sent().map((c) => c.traits)).toEqual([{ tier: 'gold' }, { tier: 'silver' }, { tier: 'gold' }]);
    expect(new Set(ids).size).toBe(3);
  });

  it('delivers on its own with autoFlush', async () => {
    const { segment, vendors } = setup({ autoFlush: 10, now: Date.now });
    await segment.trackEvent(ada, pointAdd());
    await expect.poll(() => vendors.requests.length, { timeout: 2_000, interval: 10 }).toBe(1);
    await segment.close();
  });

  it('refuses calls after close, and close delivers what is due', async () => {
    const { segment, sent } = setup();
    await segment.trackEvent(ada, pointAdd());
    expect(await segment.close()).toMatchObject({ delivered: 1 });
    expect(sent()).toHaveLength(1);
    await expect(segment.trackEvent(ada, pointAdd('evt_2'))).rejects.toBeInstanceOf(DisconnectedError);
    await expect(segment.updateProfile(ada)).rejects.toBeInstanceOf(DisconnectedError);
  });
});
