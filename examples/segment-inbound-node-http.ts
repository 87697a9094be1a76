// Segment → loyalty on a bare node:http server.
//
//   npx tsx examples/segment-inbound-node-http.ts
//
// Starts the webhook on 127.0.0.1:3000, posts one signed Webhooks-destination delivery and one
// `/v1/batch` the way Segment's libraries send it, prints what the loyalty engine received, and
// stops. Set SEGMENT_INBOUND_PORT to keep it running for your own tests.
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import { MemoryLogStore, toNodeListener } from 'loyalty-cdp';
import { SegmentInbound, basicAuthorization } from 'loyalty-cdp/segment';
import { InMemoryLoyaltyEngine } from 'loyalty-cdp/testing';

// Your engine goes here: implement LoyaltyEngine over it (registerEvent, updateProfile,
// findCustomer). Throw EngineRefusal for permanent refusals; anything else counts as transient.
const engine = new InMemoryLoyaltyEngine([{ id: 'cus_1001' }, { id: 'cus_1002' }]);

const sharedSecret = process.env.SEGMENT_SHARED_SECRET ?? 'example-shared-secret';
const writeKey = process.env.SEGMENT_INBOUND_WRITE_KEY ?? 'example-write-key';
const logs = new MemoryLogStore();
const inbound = new SegmentInbound({
  engine,
  sharedSecret, // Webhooks (Actions) destination → Settings → Shared Secret
  writeKey, // any Segment library with `host` pointed here
  mappings: [
    // Every matching mapping applies, so keep purchases out of the generic one.
    { name: 'Loyalty events', action: 'loyaltyEvent', trigger: 'type = "track" and userId != null and event != "Order Completed"' },
    {
      name: 'Purchases',
      action: 'loyaltyEvent',
      trigger: 'type = "track" and event = "Order Completed"',
      fields: { action: 'checkout', data: { transaction_id: { '@path': '$.properties.order_id' }, total: { '@path': '$.properties.revenue' } } },
    },
    { name: 'Profile updates', action: 'profileUpdate' },
  ],
  logSink: logs,
});

const port = Number(process.env.SEGMENT_INBOUND_PORT ?? 3000);
const server = createServer(toNodeListener(inbound.fetch)).listen(port, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${port}`;
console.log(`SegmentInbound listening on ${url}`);

if (!process.env.SEGMENT_INBOUND_PORT) {
  // What the Webhooks destination sends: the event, signed with the shared secret.
  const event = JSON.stringify({ type: 'identify', userId: 'cus_1001', traits: { firstName: 'Ada', email: 'ada@example.com' }, messageId: 'example-1' });
  const signed = await fetch(`${url}/webhooks/segment`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha1', sharedSecret).update(event).digest('hex') },
    body: event,
  });
  console.log('webhook delivery:', signed.status, await signed.text());

  // What analytics-node posts to `${host}/v1/batch`.
  const batch = JSON.stringify({
    batch: [
      { type: 'track', userId: 'cus_1002', event: 'Order Completed', properties: { order_id: 'o-1', revenue: 59.9 }, messageId: 'example-2' },
      { type: 'track', anonymousId: 'anon-7', event: 'Product Viewed', messageId: 'example-3' },
    ],
    sentAt: new Date().toISOString(),
  });
  const library = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basicAuthorization(writeKey) }, body: batch });
  console.log('library batch:', library.status, await library.text());

  console.log('engine events:', engine.events.map((e) => `${e.customerId} ${e.action} ${JSON.stringify(e.data)}`));
  console.log('profile updates:', engine.profileUpdates.map((p) => `${p.customerId} ${JSON.stringify(p.attributes)}`));
  console.log('inbound log:', logs.query({ kind: 'inbound' }).records.map((r) => (r.kind === 'inbound' ? `${r.identifier} ${r.status}` : '')));
  server.close();
}
