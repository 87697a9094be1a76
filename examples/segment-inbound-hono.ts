// Segment → loyalty in a Hono app (Node, Bun, Deno, Cloudflare Workers): Hono hands routes the web
// Request, which is exactly what `inbound.fetch` takes.
//
//   npm install hono
//
//   import { Hono } from 'hono';
//   import { inbound } from './segment-inbound-hono.js';
//
//   const app = new Hono();
//   app.post('/webhooks/segment', (c) => inbound.fetch(c.req.raw));
//   export default app;                                   // Bun, Deno, Workers
//   // Node: import { serve } from '@hono/node-server'; serve(app);
//
// Read nothing from the body before `inbound.fetch` does (no c.req.json()): the X-Signature is
// checked against the raw body.
import { SegmentInbound } from 'loyalty-cdp/segment';
import { InMemoryLoyaltyEngine } from 'loyalty-cdp/testing';

// Replace with your LoyaltyEngine implementation. On Workers, also pass a shared `dedupeStore`
// (e.g. over KV or Durable Objects): isolates do not share memory.
const engine = new InMemoryLoyaltyEngine();

export const inbound = new SegmentInbound({
  engine,
  sharedSecret: process.env.SEGMENT_SHARED_SECRET,
  bearerToken: process.env.SEGMENT_INBOUND_TOKEN,
});

/** The route handler, for frameworks that pass a context with the raw Request at `c.req.raw`. */
export const segmentRoute = (c: { req: { raw: Request } }): Promise<Response> => inbound.fetch(c.req.raw);
