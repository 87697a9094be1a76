import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { toNodeListener } from '../../src/core/node-adapter.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(handler: (r: Request) => Promise<Response>, options?: { maxBodyBytes?: number }) {
  server = createServer(toNodeListener(handler, options));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('toNodeListener', () => {
  it('hands the handler a web Request with method, path, headers and body, and streams back its Response', async () => {
    const url = await serve(async (request) =>
      Response.json(
        { method: request.method, path: new URL(request.url).pathname + new URL(request.url).search, type: request.headers.get('content-type'), body: await request.text() },
        { status: 201, headers: { 'x-handled': 'yes' } },
      ),
    );
    const response = await fetch(`${url}/hooks/segment?x=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"é":1}' });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-handled')).toBe('yes');
    expect(await response.json()).toEqual({ method: 'POST', path: '/hooks/segment?x=1', type: 'application/json', body: '{"é":1}' });
  });

  it('answers 500 JSON when the handler throws, and keeps serving', async () => {
    let calls = 0;
    const url = await serve(async () => {
      calls += 1;
      if (calls === 1) throw new Error('bug');
      return new Response('ok');
    });
    const first = await fetch(url, { method: 'POST', body: '{}' });
    expect(first.status).toBe(500);
    expect(await first.json()).toEqual({ error: { code: 'internal_error', message: 'the handler failed' } });
    expect(await (await fetch(url, { method: 'POST', body: '{}' })).text()).toBe('ok');
  });

  it('cuts a body just past the limit so the handler can answer 413', async () => {
    const url = await serve(async (request) => Response.json({ bytes: (await request.arrayBuffer()).byteLength }), { maxBodyBytes: 100 });
    const response = await fetch(url, { method: 'POST', body: 'x'.repeat(10_000) });
    expect(await response.json()).toEqual({ bytes: 101 });
  });

  it('uses a body an Express parser already read', async () => {
    const listener = toNodeListener(async (request) => Response.json({ body: await request.text() }));
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        Object.assign(req, { body: Buffer.concat(chunks) });
        listener(req, res);
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const text = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/' }, (res) => {
        let out = '';
        res.on('data', (c) => (out += c));
        res.on('end', () => resolve(out));
      });
      req.on('error', reject);
      req.end('{"raw":true}');
    });
    expect(JSON.parse(text)).toEqual({ body: '{"raw":true}' });
  });
});
