// Segment → loyalty in a Hono app (Node, Bun, Deno, Cloudflare Workers): Hono hands routes the web
// Request, which is exactly what `inbound.fetch` takes.
//
//   npx tsx examples/segment-inbound-hono.ts         (Node, via @hono/node-server; PORT, default 3000)
//
// Read nothing from the body before `inbound.fetch` does (no c.req.json()): the X-Signature is
// checked against the raw body. On Workers, also pass SegmentInbound a shared `dedupeStore` (over
// KV or Durable Objects): isolates do not share memory.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { SegmentInbound } from 'loyalty-cdp/segment';
import { InMemoryLoyaltyEngine } from 'loyalty-cdp/testing';

/** A Hono app that takes Segment's webhooks. `export default app` on Bun, Deno and Workers. */
export function createSegmentApp(inbound: SegmentInbound): Hono {
  const app = new Hono();
  app.post('/webhooks/segment', (c) => inbound.fetch(c.req.raw));
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const engine = new InMemoryLoyaltyEngine([{ id: 'cus_1001' }]); // replace with your LoyaltyEngine
  const inbound = new SegmentInbound({
    engine,
    sharedSecret: process.env.SEGMENT_SHARED_SECRET ?? 'local-shared-secret',
    bearerToken: process.env.SEGMENT_INBOUND_TOKEN ?? 'local-bearer-token',
  });
  const port = Number(process.env.PORT ?? 3000);
  serve({ fetch: createSegmentApp(inbound).fetch, port, hostname: '127.0.0.1' });
  console.log(`Segment webhooks on http://127.0.0.1:${port}/webhooks/segment`);
}
