import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHttpTransport } from '../../src/core/node-http-transport.js';
import { TransportTimeoutError } from '../../src/core/transport.js';
import { startFakeVendorServer, type FakeVendorServer } from '../../src/testing/fake-vendors.js';

let server: FakeVendorServer;
beforeAll(async () => {
  server = await startFakeVendorServer();
});
afterAll(() => server.close());

describe('nodeHttpTransport', () => {
  const transport = nodeHttpTransport();

  it('returns every status as a response, with lower-case headers, the body and a duration', async () => {
    server.vendors.script('/v1/batch', { status: 503, headers: { 'Retry-After': '2' }, body: { error: 'busy é' } });
    const response = await transport({ method: 'POST', url: `${server.url}/v1/batch`, headers: { 'content-type': 'application/json' }, body: '{"batch":["é"]}', timeoutMs: 5000 });
    expect(response).toMatchObject({ status: 503, body: '{"error":"busy é"}' });
    expect(response.headers['retry-after']).toBe('2');
    expect(response.durationMs).toBeGreaterThan(0);
    expect(server.vendors.requests.at(-1)).toMatchObject({ method: 'POST', body: '{"batch":["é"]}' });
    expect(server.vendors.requests.at(-1)!.headers['content-length']).toBe(String(Buffer.byteLength('{"batch":["é"]}')));
  });

  it('sends GET requests without a body and does not retry by itself', async () => {
    const before = server.vendors.count;
    server.vendors.script('/events/list', { status: 500 });
    const response = await transport({ method: 'GET', url: `${server.url}/events/list?page=0`, headers: { authorization: 'Bearer k' }, timeoutMs: 5000 });
    expect(response.status).toBe(500);
    expect(server.vendors.count - before).toBe(1);
    expect(server.vendors.requests.at(-1)).toMatchObject({ method: 'GET', path: '/events/list?page=0', body: '' });
  });

  it('reuses kept-alive connections', async () => {
    let connections = 0;
    const raw = createServer((req, res) => req.resume().on('end', () => res.end('ok')));
    raw.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/`;
    for (let i = 0; i < 5; i++) expect((await transport({ method: 'POST', url, headers: {}, body: '{}', timeoutMs: 5000 })).body).toBe('ok');
    raw.closeAllConnections();
    await new Promise((resolve) => raw.close(resolve));
    expect(connections).toBe(1);
  });

  it('throws TransportTimeoutError when the answer is too slow', async () => {
    server.vendors.script('/v1/batch', { status: 200, delayMs: 300 });
    await expect(transport({ method: 'POST', url: `${server.url}/v1/batch`, headers: {}, body: '{}', timeoutMs: 50 })).rejects.toBeInstanceOf(TransportTimeoutError);
  });

  it('rejects with a network error, not a timeout, when nothing listens', async () => {
    const error = await transport({ method: 'GET', url: 'http://127.0.0.1:1/', headers: {}, timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TransportTimeoutError);
  });
});
