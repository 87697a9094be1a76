// The framework examples are real apps: each takes a signed Segment event over HTTP and the event
// lands in the loyalty engine.
import { createHmac } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { SegmentInbound } from '../../src/segment/index.js';
import { InMemoryLoyaltyEngine } from '../../src/testing/index.js';
import { createSegmentApp as createExpressApp } from '../../examples/segment-inbound-express.js';
import { createSegmentApp as createHonoApp } from '../../examples/segment-inbound-hono.js';

const SECRET = 'example-shared-secret';
const event = {
  type: 'track',
  event: 'point_add',
  userId: 'cus_1001',
  messageId: 'msg-example-1',
  properties: { points: 25 },
  timestamp: '2026-11-20T09:00:00.000Z',
};

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

function fixture() {
  const engine = new InMemoryLoyaltyEngine([{ id: 'cus_1001' }]);
  return { engine, inbound: new SegmentInbound({ engine, sharedSecret: SECRET }) };
}

async function postSigned(base: string, body: string, secret = SECRET) {
  return fetch(`${base}/webhooks/segment`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha1', secret).update(body).digest('hex') },
    body,
  });
}

describe('framework examples', () => {
  it('Express: a signed event is registered; a wrongly signed one is refused with 401', async () => {
    const { engine, inbound } = fixture();
    server = createExpressApp(inbound).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server!.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const body = JSON.stringify(event);
    expect((await postSigned(base, body)).status).toBe(200);
    expect(engine.events.map((e) => [e.customerId, e.action, e.data])).toEqual([['cus_1001', 'point_add', { points: 25 }]]);
    expect((await postSigned(base, body, 'wrong-secret')).status).toBe(401);
    expect(engine.events).toHaveLength(1);
  });

  it('Hono on @hono/node-server: a signed event is registered', async () => {
    const { engine, inbound } = fixture();
    const app = createHonoApp(inbound);
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect((await postSigned(base, JSON.stringify(event))).status).toBe(200);
    expect(engine.events).toHaveLength(1);
  });
});
