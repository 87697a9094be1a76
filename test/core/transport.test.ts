import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kyTransport, TransportTimeoutError } from '../../src/core/transport.js';
import { startFakeVendorServer, type FakeVendorServer } from '../../src/testing/fake-vendors.js';

let server: FakeVendorServer;
beforeAll(async () => {
  server = await startFakeVendorServer();
});
afterAll(() => server.close());

describe('kyTransport', () => {
  const transport = kyTransport();

  it('returns every status as a response, with lower-case headers, body and duration', async () => {
    server.vendors.script('/v1/batch', { status: 503, headers: { 'Retry-After': '2' }, body: { error: 'busy' } });
    const response = await transport({ method: 'POST', url: `${server.url}/v1/batch`, headers: { 'content-type': 'application/json' }, body: '{"batch":[]}', timeoutMs: 5000 });
    expect(response).toMatchObject({ status: 503, body: '{"error":"busy"}' });
    expect(response.headers['retry-after']).toBe('2');
    expect(response.durationMs).toBeGreaterThan(0);
    expect(server.vendors.requests.at(-1)).toMatchObject({ method: 'POST', body: '{"batch":[]}' });
  });

  it('does not retry by itself', async () => {
    const before = server.vendors.count;
    server.vendors.script('/v1/batch', { status: 500 });
    await transport({ method: 'POST', url: `${server.url}/v1/batch`, headers: {}, body: '{}', timeoutMs: 5000 });
    expect(server.vendors.count - before).toBe(1);
  });

  it('throws TransportTimeoutError when the answer is too slow', async () => {
    server.vendors.script('/v1/batch', { status: 200, delayMs: 300 });
    await expect(transport({ method: 'POST', url: `${server.url}/v1/batch`, headers: {}, body: '{}', timeoutMs: 50 })).rejects.toBeInstanceOf(TransportTimeoutError);
  });

  it('rejects with a network error when nothing listens', async () => {
    await expect(transport({ method: 'GET', url: 'http://127.0.0.1:1/', headers: {}, timeoutMs: 1000 })).rejects.toThrow();
  });
});
