// Over the default transport (ky over fetch): msw answers for the real Segment hosts, and a local
// HTTP server stands in for an endpoint override. Nothing reaches the network.
import { http, passthrough } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SegmentOutbound } from '../../../src/segment/outbound/index.js';
import { createMswHandlers, FakeVendors, startFakeVendorServer } from '../../../src/testing/fake-vendors.js';
import { ada, pointAdd, WRITE_KEY } from './helpers.js';

const vendors = new FakeVendors();
let server: ReturnType<typeof setupServer>;

beforeAll(async () => {
  const handlers = (await createMswHandlers(vendors)) as Parameters<typeof setupServer>;
  // The local stand-in server is reached for real; anything else unhandled fails the test.
  server = setupServer(...handlers, http.all(/^http:\/\/127\.0\.0\.1:\d+\//, () => passthrough()));
  server.listen({ onUnhandledRequest: 'error' });
});
afterEach(() => vendors.reset());
afterAll(() => server.close());

describe('SegmentOutbound over HTTP', () => {
  it.each([
    ['us', 'https://api.segment.io/v1/batch'],
    ['eu', 'https://events.eu1.segmentapis.com/v1/batch'],
  ] as const)('posts to the %s region at %s', async (region, url) => {
    const segment = new SegmentOutbound({ writeKey: WRITE_KEY, region });
    await segment.trackEvent(ada, pointAdd());
    expect(await segment.flush()).toMatchObject({ delivered: 1, requests: 1 });
    expect(segment.url).toBe(url);
    const [request] = vendors.requests;
    expect(request!.path).toBe('/v1/batch');
    expect(request!.headers.authorization).toBe(`Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.json).toMatchObject({ batch: [{ type: 'track', event: 'point_add' }] });
  });

  it('honours Retry-After from a real response', async () => {
    vendors.script('/v1/batch', { status: 429, headers: { 'retry-after': '1' } });
    let clock = Date.UTC(2026, 0, 1);
    const segment = new SegmentOutbound({ writeKey: WRITE_KEY, now: () => clock });
    await segment.trackEvent(ada, pointAdd());
    expect(await segment.flush()).toMatchObject({ retryScheduled: 1 });
    const [pending] = await segment.pending();
    expect(pending!.nextAttemptAt - clock).toBe(1_000);
    clock += 1_000;
    expect(await segment.flush()).toMatchObject({ delivered: 1 });
  });

  it('posts to an endpoint override on a local server', async () => {
    const local = await startFakeVendorServer();
    try {
      const segment = new SegmentOutbound({ writeKey: WRITE_KEY, endpoint: `${local.url}/proxy/segment/`, region: 'eu' });
      await segment.trackEvent(ada, pointAdd());
      expect(await segment.flush()).toMatchObject({ delivered: 1, requests: 1 });
      expect(local.vendors.requests.map((r) => r.path)).toEqual(['/proxy/segment/v1/batch']);
      expect(vendors.requests).toHaveLength(0);
    } finally {
      await local.close();
    }
  });
});
