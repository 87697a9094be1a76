import { describe, expect, it } from 'vitest';
import { brazeHarness, CANARY_KEY, loyaltyEvent, member } from './helpers.js';
import type { BrazeTrackRequestBody } from '../../src/braze/mapping.js';

const objectCount = (body: BrazeTrackRequestBody) => (body.attributes?.length ?? 0) + (body.events?.length ?? 0) + (body.purchases?.length ?? 0);

async function membersWithEvents(sync: ReturnType<typeof brazeHarness>['sync'], count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await sync.updateProfile(member(`cus_${i}`));
    await sync.trackEvent(member(`cus_${i}`), loyaltyEvent(`evt_${i}`, `cus_${i}`));
  }
}

describe('BrazeSync batching', () => {
  it('puts at most 75 objects in total in a request, in order', async () => {
    const { sync, bodies } = brazeHarness();
    await membersWithEvents(sync, 80);
    expect(await sync.flush()).toMatchObject({ delivered: 160, requests: 3 });
    expect(bodies().map(objectCount)).toEqual([75, 75, 10]);
    const externalIds = bodies().flatMap((b) => (b.attributes ?? []).map((a) => a.external_id));
    expect(externalIds).toEqual(Array.from({ length: 80 }, (_, i) => `cus_${i}`));
  });

  it('in legacy mode puts up to 75 objects in each array', async () => {
    const { sync, bodies } = brazeHarness({ legacyLimits: true });
    await membersWithEvents(sync, 80);
    expect(await sync.flush()).toMatchObject({ delivered: 160, requests: 2 });
    expect(bodies().map((b) => [b.attributes?.length, b.events?.length])).toEqual([
      [75, 75],
      [5, 5],
    ]);
  });

  it('honours a smaller objectsPerRequest', async () => {
    const { sync, bodies } = brazeHarness({ objectsPerRequest: 10 });
    await membersWithEvents(sync, 12);
    await sync.flush();
    expect(bodies().map(objectCount)).toEqual([10, 10, 4]);
  });

  it('keeps every request under 4 MB', async () => {
    const { sync, tracks } = brazeHarness();
    const blob = 'x'.repeat(250);
    const data = { list: Array.from({ length: 350 }, () => blob) };
    for (let i = 0; i < 60; i++) await sync.trackEvent(member('c'), loyaltyEvent(`e${i}`, 'c', 'point_add', data));
    expect(await sync.flush()).toMatchObject({ delivered: 60, requests: 2 });
    for (const request of tracks()) expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(4_000_000);
  });
});

describe('BrazeSync answers', () => {
  it('maps a 201 with errors to exactly the failed objects by (input_array, index)', async () => {
    const { sync, vendors } = brazeHarness({ purchases: { actions: ['checkout'] } });
    vendors.script('/users/track', {
      status: 201,
      body: {
        message: 'success',
        errors: [
          { type: "'quantity' is not valid", input_array: 'purchases', index: 1 },
          { type: 'The value provided for the email field is not a valid email.', input_array: 'attributes', index: 0 },
        ],
      },
    });
    await sync.trackEvent(member('c0'), loyaltyEvent('e0', 'c0'));
    await sync.updateProfile(member('c0'));
    await sync.trackEvent(member('c1'), loyaltyEvent('e1', 'c1', 'checkout', { currency: 'EUR', items: [{ product_id: 'a', price: 1 }, { product_id: 'b', price: 2 }] }));
    await sync.updateProfile(member('c1'));
    expect(await sync.flush()).toMatchObject({ delivered: 3, deadLettered: 2, retryScheduled: 0, requests: 1 });
    const dead = await sync.deadLetters();
    expect(dead.map((d) => [d.kind, d.customerId, JSON.parse(d.body).product_id ?? null])).toEqual(
      expect.arrayContaining([
        ['purchase', 'c1', 'b'],
        ['attributes', 'c0', null],
      ]),
    );
    expect(dead.find((d) => d.kind === 'purchase')!.lastError).toContain("'quantity' is not valid");
    expect(dead.find((d) => d.kind === 'attributes')!.lastError).toContain('not a valid email');
  });

  it.each([
    ['x-ratelimit-retry-after', '7', 7_000],
    ['retry-after', '7', 7_000],
    ['x-ratelimit-reset', 'epoch', 7_000],
    ['x-ratelimit-reset', '7', 7_000],
  ])('waits for a 429 with %s: %s', async (header, value, waitMs) => {
    const { sync, vendors, clock } = brazeHarness();
    const headerValue = value === 'epoch' ? String(Math.floor(clock.now() / 1000) + 7) : value;
    vendors.script('/users/track', { status: 429, headers: { [header]: headerValue } });
    await sync.trackEvent(member('c'), loyaltyEvent('e', 'c'));
    expect(await sync.flush()).toMatchObject({ retryScheduled: 1 });
    const [pending] = await sync.pending();
    expect(pending!.nextAttemptAt - clock.now()).toBe(waitMs);
    clock.advance(waitMs - 1);
    expect(await sync.flush()).toMatchObject({ requests: 0 });
    clock.advance(1);
    expect(await sync.flush()).toMatchObject({ delivered: 1, requests: 1 });
  });

  it('keeps the objects in order when a whole request is retried', async () => {
    const { sync, vendors, clock, bodies } = brazeHarness();
    vendors.script('/users/track', { status: 429, headers: { 'x-ratelimit-retry-after': '1' } });
    await membersWithEvents(sync, 30);
    await sync.flush();
    clock.advance(1_000);
    await sync.flush();
    const [first, retried] = bodies();
    expect(retried).toEqual(first);
  });

  it('prefers X-Ratelimit-Retry-After over Retry-After over X-RateLimit-Reset', async () => {
    const { sync, vendors, clock } = brazeHarness();
    vendors.script('/users/track', { status: 429, headers: { 'x-ratelimit-retry-after': '3', 'retry-after': '9', 'x-ratelimit-reset': '20' } });
    await sync.trackEvent(member('c'), loyaltyEvent('e', 'c'));
    await sync.flush();
    expect((await sync.pending())[0]!.nextAttemptAt - clock.now()).toBe(3_000);
  });

  it('ignores X-RateLimit-Reset on a 5xx and backs off instead', async () => {
    const { sync, vendors, clock } = brazeHarness();
    vendors.script('/users/track', { status: 500, headers: { 'x-ratelimit-reset': '30' } });
    await sync.trackEvent(member('c'), loyaltyEvent('e', 'c'));
    await sync.flush();
    expect((await sync.pending())[0]!.nextAttemptAt - clock.now()).toBe(500);
  });

  it.each([400, 401, 403, 404, 413])('does not retry a %s', async (status) => {
    const { sync, vendors } = brazeHarness();
    vendors.script('/users/track', { status, body: { message: 'nope' } });
    await sync.updateProfile(member('c'));
    await sync.trackEvent(member('c'), loyaltyEvent('e', 'c'));
    expect(await sync.flush()).toMatchObject({ deadLettered: 2, retryScheduled: 0 });
    expect((await sync.deadLetters()).every((d) => d.attempts === 1 && d.lastError!.includes(`HTTP ${status}`))).toBe(true);
  });

  it.each([500, 502, 503, 504])('retries attributes and events after a %s by default', async (status) => {
    const { sync, vendors, clock } = brazeHarness();
    vendors.script('/users/track', { status });
    await sync.updateProfile(member('c'));
    await sync.trackEvent(member('c'), loyaltyEvent('e', 'c'));
    expect(await sync.flush()).toMatchObject({ retryScheduled: 2 });
    clock.advance(500);
    expect(await sync.flush()).toMatchObject({ delivered: 2 });
  });

  it('with retryAmbiguous: false dead-letters events and purchases after a 504 but retries attributes', async () => {
    const { sync, vendors, clock } = brazeHarness({ retryAmbiguous: false, purchases: { actions: ['checkout'] } });
    vendors.script('/users/track', { status: 504 });
    await sync.updateProfile(member('c'));
    await sync.trackEvent(member('c'), loyaltyEvent('e', 'c'));
    await sync.trackEvent(member('c'), loyaltyEvent('p', 'c', 'checkout', { currency: 'EUR', items: [{ product_id: 'a', price: 1 }] }));
    expect(await sync.flush()).toMatchObject({ retryScheduled: 1, deadLettered: 2 });
    const dead = await sync.deadLetters();
    expect(dead.map((d) => d.kind).sort()).toEqual(['event', 'purchase']);
    expect(dead[0]!.lastError).toContain('retryAmbiguous is false');
    clock.advance(500);
    expect(await sync.flush()).toMatchObject({ delivered: 1 });
  });

  it('with retryAmbiguous: false dead-letters an event after a timeout, and still retries it after a 503', async () => {
    const { sync, vendors, clock } = brazeHarness({ retryAmbiguous: false, timeoutMs: 20 });
    vendors.script('/users/track', { status: 201, body: { message: 'success' }, delayMs: 60 }, { status: 503 });
    await sync.updateProfile(member('c'));
    await sync.trackEvent(member('c'), loyaltyEvent('e1', 'c'));
    expect(await sync.flush()).toMatchObject({ retryScheduled: 1, deadLettered: 1 });
    expect((await sync.deadLetters())[0]!.lastError).toContain('timeout');
    await sync.trackEvent(member('c'), loyaltyEvent('e2', 'c'));
    clock.advance(500);
    expect(await sync.flush()).toMatchObject({ retryScheduled: 2 });
  });

  it('replays a dead letter with the same ID and body', async () => {
    const { sync, vendors, tracks } = brazeHarness();
    vendors.script('/users/track', { status: 400, body: { message: 'bad' } });
    const { messageIds } = await sync.trackEvent(member('c'), loyaltyEvent('e', 'c'));
    await sync.flush();
    expect(await sync.replay()).toEqual(messageIds);
    expect(await sync.flush()).toMatchObject({ delivered: 1 });
    expect(tracks()[1]!.body).toBe(tracks()[0]!.body);
  });
});

describe('BrazeSync logs', () => {
  it('writes one outbound record per object and attempt, with the outcome, and never the API key', async () => {
    const { sync, vendors, clock, outbound } = brazeHarness();
    vendors.script('/users/track', { status: 500, body: `upstream said Bearer ${CANARY_KEY}` });
    await sync.updateProfile(member('c1'));
    await sync.trackEvent(member('c1'), loyaltyEvent('e1', 'c1'));
    await sync.flush();
    clock.advance(500);
    await sync.flush();
    const records = outbound();
    expect(records.map((r) => [r.eventType, r.outcome, r.attempt, r.customerId])).toEqual([
      ['attributes', 'retry-scheduled', 1, 'c1'],
      ['event', 'retry-scheduled', 1, 'c1'],
      ['attributes', 'delivered', 2, 'c1'],
      ['event', 'delivered', 2, 'c1'],
    ]);
    expect(records[3]!.identifier).toBe((await sync.trackEvent(member('c1'), loyaltyEvent('e1', 'c1'))).messageIds[0]);
    expect(JSON.parse(records[1]!.requestBody!)).toMatchObject({ name: 'point_add', external_id: 'c1' });
    expect(records[0]!.statusCode).toBe(500);
    vendors.script('/users/track', { status: 400, body: { message: `bad key ${CANARY_KEY}` } });
    await sync.trackEvent(member('c1'), loyaltyEvent('e2', 'c1'));
    await sync.flush();
    const [dead] = await sync.deadLetters();
    expect(dead!.lastError).toContain('HTTP 400');
    expect(dead!.lastError).not.toContain(CANARY_KEY);
    const everything = JSON.stringify(outbound()) + JSON.stringify(vendors.requests.map((r) => r.body));
    expect(everything).not.toContain(CANARY_KEY);
    expect(JSON.stringify(records)).not.toMatch(/Bearer\s+(?!\[REDACTED\])/);
  });
});
