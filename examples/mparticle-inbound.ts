// mParticle → loyalty (Output/Event) in a Node host: the Firehose endpoint plus the queue processor.
//
//   npx tsx examples/mparticle-inbound.ts
//
// Starts the endpoint on 127.0.0.1:3001, sends it what mParticle sends (a registration request, a
// batch of events, an audience and its members), runs the queue processor once, prints what the
// loyalty engine received and the incoming-error log, and stops. Set MPARTICLE_INBOUND_PORT to keep
// it running; MPARTICLE_INBOUND_TOKEN to use your own token. Works offline.
import { createServer } from 'node:http';
import { MemoryLogStore, toNodeListener } from 'loyalty-cdp';
import { MParticleFeed } from 'loyalty-cdp/mparticle';
import { InMemoryLoyaltyEngine, startFakeVendorServer } from 'loyalty-cdp/testing';

// Your engine goes here: implement LoyaltyEngine (registerEvent, updateProfile, findCustomer and,
// for autoSubscribe, createCustomer) and CustomerLists over it. Throw EngineRefusal for permanent
// refusals (an inactive list, an unknown action); anything else counts as transient and is retried.
const engine = new InMemoryLoyaltyEngine([{ id: 'cus_1001', attributes: { external_id: 'crm-ada' } }]);

// Paste this token into the mParticle connection; mParticle sends it as "Authorization: Token …".
const authToken = process.env.MPARTICLE_INBOUND_TOKEN ?? MParticleFeed.generateAuthToken();
const standIn = await startFakeVendorServer(); // the outbound half needs an Events API; offline here
const logs = new MemoryLogStore();
const feed = new MParticleFeed({
  // mParticle: "Input must be enabled to use the Output", so inbound requires outbound.
  outbound: { apiKey: 'offline-key', apiSecret: 'offline-secret', apiUrl: `${standIn.url}/v2` },
  inbound: {
    authToken,
    customerIdentity: 'customer', // the mParticle identity that carries the member's ID…
    loyaltyIdentifierField: 'external_id', // …and the loyalty attribute it is matched against
    autoSubscribe: false, // true: unknown customers are created inactive before their events
    trackAudiences: true, // audiences become customer lists
    eventMappings: [
      // '{field}' reads the mParticle event (then its attributes, then user attributes); anything else is literal.
      { loyaltyEvent: 'checkout', eventType: 'commerce_event', eventName: 'purchase', priority: 1, fields: { transaction_id: '{transaction_id}', total: '{total_amount}' } },
      { loyaltyEvent: 'coupon_redeem', eventType: 'custom_event', eventName: 'Coupon Redeemed', priority: 5, fields: { coupon: '{coupon_code}' } },
    ],
  },
  engine,
  lists: engine,
  logSink: logs,
});

const port = Number(process.env.MPARTICLE_INBOUND_PORT ?? 3001);
const server = createServer(toNodeListener(feed.fetch)).listen(port, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const endpoint = `http://127.0.0.1:${port}/mparticle`;

// The queue processor: schedule it like a cron job (every minute here).
const cron = setInterval(() => {
  feed
    .processInboundQueue()
    .then((report) => report.processed > 0 && console.log('processed', report))
    .catch((error: unknown) => console.error('processing failed', error));
}, 60_000);

// What mParticle sends (abridged from its Firehose protocol).
const send = (body: object, token: string | null = authToken) =>
  fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Token ${token}` } : {}) },
    body: JSON.stringify(body),
  }).then(async (response) => `${response.status} ${await response.text()}`);

console.log('registration:', (await send({ type: 'module_registration_request', id: 'r-1', timestamp_ms: Date.now(), firehose_version: '3.2.0' }, null)).slice(0, 120), '…');
console.log(
  'events:',
  await send({
    type: 'event_processing_request',
    id: 'e0f5a0a2-6e0f-4f7e-9f55-0d6b1f2a3c4d',
    timestamp_ms: Date.now(),
    firehose_version: '3.2.0',
    user_identities: [{ type: 'customer', encoding: 'raw', value: 'crm-ada' }],
    events: [
      { type: 'custom_event', id: '7d1c2b3a-0000-4000-8000-000000000001', timestamp_ms: Date.now(), name: 'Coupon Redeemed', custom_event_type: 'transaction', attributes: { coupon_code: 'WELCOME10' } },
      { type: 'product_action', id: '7d1c2b3a-0000-4000-8000-000000000002', timestamp_ms: Date.now(), action: 'purchase', transaction_id: 'tx-1', total_amount: 42 },
    ],
  }),
);
console.log('audience:', await send({ type: 'audience_subscription_request', id: 'a-1', timestamp_ms: Date.now(), firehose_version: '3.2.0', audience_id: 77, audience_name: 'VIP', action: 'add' }));
console.log(
  'members:',
  await send({
    type: 'audience_membership_change_request',
    id: 'a-2',
    timestamp_ms: Date.now(),
    firehose_version: '3.2.0',
    user_profiles: [{ user_identities: [{ type: 'customer', encoding: 'raw', value: 'crm-unknown' }], audiences: [{ audience_id: 77, audience_name: 'VIP', action: 'add' }] }],
  }),
);

console.log('run:', await feed.processInboundQueue());
console.log('loyalty events:', engine.events.map((e) => `${e.action} ${JSON.stringify(e.data)}`));
console.log('list VIP:', [...(engine.lists.get('77')?.members ?? [])]);
for (const record of logs.query({ kind: 'incoming-error' }).records) {
  console.log('incoming error:', record.id, logs.export(record.id, 'text'));
}

if (!process.env.MPARTICLE_INBOUND_PORT) {
  clearInterval(cron);
  await feed.close();
  server.close();
  await standIn.close();
}
