// Segment → loyalty in an Express app:
//
//   npx tsx examples/segment-inbound-express.ts      (listens on PORT, default 3000)
//
// Mount the handler BEFORE express.json(): X-Signature is checked against the raw body. If a JSON
// parser must run first, put express.raw({ type: 'application/json' }) on this route instead.
// toNodeListener(inbound.fetch) is an Express-compatible (req, res, next) handler; it never calls
// next() with an error: every failure is answered as JSON and logged.
import express, { type Express } from 'express';
import { toNodeListener } from 'loyalty-cdp';
import { SegmentInbound } from 'loyalty-cdp/segment';
import { InMemoryLoyaltyEngine } from 'loyalty-cdp/testing';

/** An Express app that takes Segment's webhooks and Segment libraries pointed at it. */
export function createSegmentApp(inbound: SegmentInbound): Express {
  const app = express();
  const segmentWebhook = toNodeListener(inbound.fetch);
  app.post('/webhooks/segment', segmentWebhook);
  app.post('/v1/batch', segmentWebhook); // Segment libraries with `host` set to this app
  app.use(express.json()); // the rest of your app
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // Replace with your LoyaltyEngine implementation.
  const engine = new InMemoryLoyaltyEngine([{ id: 'cus_1001' }]);
  const inbound = new SegmentInbound({
    engine,
    sharedSecret: process.env.SEGMENT_SHARED_SECRET ?? 'local-shared-secret',
    writeKey: process.env.SEGMENT_INBOUND_WRITE_KEY ?? 'local-write-key',
  });
  const port = Number(process.env.PORT ?? 3000);
  createSegmentApp(inbound).listen(port, '127.0.0.1', () => console.log(`Segment webhooks on http://127.0.0.1:${port}/webhooks/segment`));
}
