import { afterEach, describe, expect, it } from 'vitest';
import { setupServer } from 'msw/node';
import { FakeVendors, createMswHandlers, fakeTransport } from '../../src/testing/fake-vendors.js';

describe('FakeVendors', () => {
  it('answers like each vendor by default', async () => {
    const vendors = new FakeVendors();
    const ask = (path: string, method = 'POST') => vendors.respond({ method, path, headers: {}, body: '{"events":[{"name":"point_add"}]}' });
    expect((await ask('/v1/batch')).status).toBe(200);
    expect((await ask('/v2/bulkevents')).status).toBe(202);
    expect((await ask('/users/track')).status).toBe(201);
    expect(JSON.parse((await ask('/events/list?page=0', 'GET')).body)).toEqual({ events: ['point_add'], message: 'success' });
    expect((await ask('/nope')).status).toBe(404);
    expect(vendors.requestsTo('/users/track')).toHaveLength(1);
  });

  it('plays scripted answers once each, in order, then falls back', async () => {
    const vendors = new FakeVendors();
    vendors.script('/v1/batch', { status: 429, headers: { 'retry-after': '1' } }, { status: 500 });
    const transport = fakeTransport(vendors);
    const send = () => transport({ method: 'POST', url: 'https://api.segment.io/v1/batch', headers: {}, body: '{}', timeoutMs: 1000 });
    expect((await send()).status).toBe(429);
    expect((await send()).status).toBe(500);
    expect((await send()).status).toBe(200);
  });

  describe('msw handlers', () => {
    const server = setupServer();
    afterEach(() => {
      server.resetHandlers();
      server.close();
    });

    it('intercept the vendor hosts', async () => {
      const vendors = new FakeVendors();
      server.use(...((await createMswHandlers(vendors)) as Parameters<typeof server.use>));
      server.listen({ onUnhandledRequest: 'error' });
      const response = await fetch('https://rest.iad-01.braze.com/users/track', { method: 'POST', body: '{}' });
      expect(response.status).toBe(201);
      expect(vendors.requests[0]).toMatchObject({ path: '/users/track', method: 'POST' });
    });
  });
});
