import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrazeSync } from '../../src/braze/braze-sync.js';
import { AuthenticationError, DeliveryError } from '../../src/core/errors.js';
import { startFakeVendorServer, type FakeVendorServer } from '../../src/testing/fake-vendors.js';
import { brazeHarness, CANARY_KEY, loyaltyEvent, member } from './helpers.js';

async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('BrazeSync.connect', () => {
  it('checks the key with GET /events/list?page=0 and returns the event names', async () => {
    const { sync, vendors } = brazeHarness();
    vendors.script('/events/list', { status: 200, body: { message: 'success', events: ['point_add', 'reward_claim'] } });
    expect(await sync.connect()).toEqual(['point_add', 'reward_claim']);
    const [request] = vendors.requests;
    expect(request).toMatchObject({ method: 'GET', path: '/events/list?page=0' });
    expect(request!.headers.authorization).toBe(`Bearer ${CANARY_KEY}`);
  });

  it('explains a 401 as a bad key or a key of another instance', async () => {
    const { sync, vendors } = brazeHarness();
    vendors.script('/events/list', { status: 401, body: { message: `Invalid API key: ${CANARY_KEY}` } });
    const error = await failure(() => sync.connect());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 401 });
    expect(error.message).toMatch(/wrong, inactive or missing/);
    expect(error.message).toMatch(/another Braze instance than https:\/\/rest\.fra-01\.braze\.eu/);
    expect(error.message).not.toContain(CANARY_KEY);
  });

  it('explains a 403 as a missing permission and names it', async () => {
    const { sync, vendors } = brazeHarness();
    vendors.script('/events/list', { status: 403, body: { message: 'Access Denied' } });
    const error = await failure(() => sync.connect());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 403 });
    expect(error.message).toContain("lacks the 'events.list' permission");
    expect(error.message).toContain('Access Denied');
  });

  it('reports a 5xx, a timeout and a non-REST URL as delivery errors', async () => {
    const { sync, vendors } = brazeHarness({ timeoutMs: 20 });
    vendors.script('/events/list', { status: 503, body: 'busy' }, { status: 200, body: {}, delayMs: 60 }, { status: 200, body: '<html>dashboard</html>' });
    expect(await failure(() => sync.connect())).toMatchObject({ status: 503, retryable: true });
    const timeout = await failure(() => sync.connect());
    expect(timeout).toBeInstanceOf(DeliveryError);
    expect(timeout.message).toContain('did not answer');
    const html = await failure(() => sync.connect());
    expect(html).toMatchObject({ retryable: false });
    expect(html.message).toContain('REST endpoint');
  });
});

describe('BrazeSync over real HTTP', () => {
  let server: FakeVendorServer;
  beforeAll(async () => {
    server = await startFakeVendorServer();
  });
  afterAll(() => server.close());

  it('connects and posts /users/track with the Bearer key and a JSON body through the default transport', async () => {
    const sync = new BrazeSync({ instanceUrl: `${server.url}/`, apiKey: CANARY_KEY, fieldMapping: { tier: 'loyalty_tier' } });
    await sync.trackEvent(member('c'), loyaltyEvent('e', 'c'));
    expect(await sync.connect()).toEqual([]);
    await sync.updateProfile(member('c'));
    expect(await sync.flush()).toMatchObject({ delivered: 2, requests: 1 });
    const track = server.vendors.requestsTo('/users/track')[0]!;
    expect(track.headers).toMatchObject({ authorization: `Bearer ${CANARY_KEY}`, 'content-type': 'application/json' });
    expect(track.json).toEqual({
      attributes: [{ external_id: 'c', loyalty_tier: 'gold' }],
      events: [{ external_id: 'c', name: 'point_add', time: '2026-01-01T10:00:00.000Z', properties: { points: 5 } }],
    });
    expect(await sync.connect()).toEqual(['point_add']);
  });
});
