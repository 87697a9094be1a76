// Segment → loyalty as a Next.js App Router route handler: save as
// app/webhooks/segment/route.ts. Next hands route handlers the web Request and sends back the
// Response they return, so `inbound.fetch` is the handler.
import { SegmentInbound } from 'loyalty-cdp/segment';
import { InMemoryLoyaltyEngine } from 'loyalty-cdp/testing';

// Route handlers may run in several processes (and serverless instances): give SegmentInbound a
// shared `dedupeStore` in production, or a redelivery that lands elsewhere is applied again.
const engine = new InMemoryLoyaltyEngine(); // replace with your LoyaltyEngine implementation

const inbound = new SegmentInbound({
  engine,
  sharedSecret: process.env.SEGMENT_SHARED_SECRET,
  writeKey: process.env.SEGMENT_INBOUND_WRITE_KEY,
});

// The Node.js runtime (the default): node:crypto signs and verifies X-Signature.
export const runtime = 'nodejs';

export async function POST(request: Request): Promise<Response> {
  return inbound.fetch(request);
}
