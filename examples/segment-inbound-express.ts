// Segment → loyalty in an Express app.
//
//   npm install express
//
//   import express from 'express';
//   import { segmentWebhook } from './segment-inbound-express.js';
//
//   const app = express();
//   // Mount it BEFORE express.json(): X-Signature is checked against the raw body. If a JSON parser
//   // must run first, use express.raw({ type: 'application/json' }) on this route instead.
//   app.post('/webhooks/segment', segmentWebhook);
//   app.post('/v1/batch', segmentWebhook); // Segment libraries with `host` set to this app
//   app.use(express.json());
//   app.listen(3000);
//
// toNodeListener(inbound.fetch) is an Express-compatible (req, res, next) handler; it never calls
// next() with an error: every failure is answered as JSON and logged.
import { toNodeListener } from 'loyalty-cdp';
import { SegmentInbound } from 'loyalty-cdp/segment';
import { InMemoryLoyaltyEngine } from 'loyalty-cdp/testing';

// Replace with your LoyaltyEngine implementation.
const engine = new InMemoryLoyaltyEngine();

export const inbound = new SegmentInbound({
  engine,
  sharedSecret: process.env.SEGMENT_SHARED_SECRET,
  writeKey: process.env.SEGMENT_INBOUND_WRITE_KEY,
});

/** The Express route handler. */
export const segmentWebhook = toNodeListener(inbound.fetch);
