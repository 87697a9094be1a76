// toNodeListener(inbound.fetch) takes SegmentInbound's Node fast path; it must answer and log exactly
// as the web fetch path does.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { toNodeListener } from '../../../src/core/node-adapter.js';
import { API_KEY, allRecords, basic, setup, sign } from './helpers.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function listen(listener: ReturnType<typeof toNodeListener>): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const event = (id: string, extra: Record<string, unknown> = {}) => ({ type: 'track', userId: 'cus_1', event: 'point_add', properties: { points: 1 }, messageId: id, ...extra });
const single = JSON.stringify(event('fp-single'));
const requests: Array<{ label: string; init: RequestInit; path?: string }> = [
  { label: 'batch with Basic', init: { method: 'POST', headers: { 'content-type': 'application/json', ...basic() }, body: JSON.stringify({ batch: [event('fp-1'), event('fp-2')] }) } },
  { label: 'redelivery', init: { method: 'POST', headers: { 'content-type': 'application/json', ...basic() }, body: JSON.stringify({ batch: [event('fp-1')] }) } },
  { label: 'signed single', init: { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': sign(single) }, body: single } },
  { label: 'typeless /v1/track', path: '/v1/track', init: { method: 'POST', headers: { 'content-type': 'application/json', ...basic() }, body: JSON.stringify({ userId: 'cus_2', event: 'opt_in', messageId: 'fp-3' }) } },
  { label: 'Antavo', init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customer: 'cus_3', action: 'profile', data: { tier: 'gold' }, api_key: API_KEY }) } },
  { label: 'bad credentials', init: { method: 'POST', headers: { 'content-type': 'application/json', ...basic('wrong') }, body: JSON.stringify({ batch: [event('fp-4')] }) } },
  { label: 'invalid event', init: { method: 'POST', headers: { 'content-type': 'application/json', ...basic() }, body: JSON.stringify({ batch: [event('fp-5', { userId: null })] }) } },
  { label: 'unknown customer', init: { method: 'POST', headers: { 'content-type': 'application/json', ...basic() }, body: JSON.stringify({ batch: [event('fp-6', { userId: 'nobody' })] }) } },
  { label: 'invalid JSON', init: { method: 'POST', headers: { 'content-type': 'application/json', ...basic() }, body: '{"batch":' } },
  { label: 'wrong media type', init: { method: 'POST', headers: { 'content-type': 'text/plain', ...basic() }, body: '{}' } },
  { label: 'too large', init: { method: 'POST', headers: { 'content-type': 'application/json', ...basic() }, body: JSON.stringify({ batch: [event('fp-7', { properties: { blob: 'x'.repeat(5_000) } })] }) } },
  { label: 'GET', init: { method: 'GET' } },
  { label: 'null body', init: { method: 'POST', headers: { 'content-type': 'application/json', ...basic() }, body: 'null' } },
];

describe('SegmentInbound through toNodeListener', () => {
  it('answers and logs the same on the Node fast path as on the web fetch path', async () => {
    const fast = setup({ maxBodyBytes: 4_000 });
    const web = setup({ maxBodyBytes: 4_000 });
    const fastUrl = await listen(toNodeListener(fast.inbound.fetch, { maxBodyBytes: 4_000 }));
    const webUrl = await listen(toNodeListener((request) => web.inbound.fetch(request), { maxBodyBytes: 4_000 }));
    for (const { label, init, path = '/v1/batch' } of requests) {
      const a = await fetch(fastUrl + path, init);
      const b = await fetch(webUrl + path, init);
      expect(a.status, label).toBe(b.status);
      expect(a.headers.get('content-type'), label).toBe(b.headers.get('content-type'));
      expect(await a.json(), label).toEqual(await b.json());
    }
    const shape = (records: ReturnType<typeof allRecords>) =>
      records.map((r) =>
        r.kind === 'incoming-error'
          ? [r.kind, r.errorCode, r.source, r.payload]
          : r.kind === 'inbound'
            ? [r.kind, r.status, r.identifier, r.customerId, r.eventId, r.requestBody, r.responseBody]
            : [r.kind],
      );
    expect(shape(allRecords(fast.logs))).toEqual(shape(allRecords(web.logs)));
    expect(fast.engine.events).toEqual(web.engine.events);
    expect(fast.engine.events).toHaveLength(4);
  });
});
