// Sync loyalty fields, events and purchases into Braze.
//
//   BRAZE_API_KEY=… BRAZE_INSTANCE_URL=https://rest.fra-01.braze.eu npx tsx examples/braze-sync.ts   # a real workspace
//   npx tsx examples/braze-sync.ts                                                                    # a local stand-in
//
// Without BRAZE_API_KEY it starts a local stand-in for Braze on 127.0.0.1 and prints what arrived,
// so it runs with no account and no network. Against a real workspace it writes to the profile
// with external_id "crm-ada": use a test workspace.
import { MemoryLogStore, type Customer, type LoyaltyEvent, type OutboundLogRecord } from 'loyalty-cdp';
import { BrazeAttributeOperation, BrazeSync } from 'loyalty-cdp/braze';
import { startFakeVendorServer } from 'loyalty-cdp/testing';

const apiKey = process.env.BRAZE_API_KEY;
const standIn = apiKey ? undefined : await startFakeVendorServer();
const logs = new MemoryLogStore();

const braze = new BrazeSync({
  instanceUrl: standIn?.url ?? process.env.BRAZE_INSTANCE_URL ?? 'https://rest.iad-01.braze.com',
  apiKey: apiKey ?? 'local-demo-key',
  ...(process.env.BRAZE_APP_ID ? { appId: process.env.BRAZE_APP_ID } : {}),
  userIdField: 'external_id',
  // Loyalty field → Braze custom attribute; { standard } writes a standard profile field on purpose.
  fieldMapping: {
    tier: 'loyalty_tier',
    points: 'loyalty_points',
    points_expire_at: 'loyalty_points_expire_at',
    first_name: { standard: 'first_name' },
  },
  events: ['point_add', 'reward_claim'],
  purchases: { actions: ['checkout'], items: 'items', productId: 'product_id', price: 'price', quantity: 'quantity', currency: 'currency' },
  logSink: logs,
});

// 401 (bad key or wrong instance) and 403 (missing permission) throw an AuthenticationError here.
console.log('custom events known to Braze:', await braze.connect());

const customer: Customer = {
  id: 'cus_1001',
  attributes: { external_id: 'crm-ada', first_name: 'Ada', tier: 'gold', points: 12_500, points_expire_at: new Date('2027-01-01T00:00:00Z') },
};
const events: LoyaltyEvent[] = [
  { id: 'evt_example_1', customerId: customer.id, action: 'point_add', data: { points: 500, reason: 'birthday bonus' }, timestamp: new Date() },
  {
    id: 'evt_example_2',
    customerId: customer.id,
    action: 'checkout',
    data: { currency: 'EUR', items: [{ product_id: 'coffee-beans', price: 19.95, quantity: 2 }, { product_id: 'mug', price: 20 }] },
    timestamp: new Date(),
  },
];

console.log('profile:', await braze.updateProfile(customer, ['points']));
for (const event of events) console.log(`${event.action}:`, await braze.trackEvent(customer, event));
console.log('badges:', await braze.syncAttributes(customer, { loyalty_badges: BrazeAttributeOperation.add(['early-bird']) }));
console.log('delivery:', await braze.drain(30_000));
console.log('dead letters:', (await braze.deadLetters()).length);
for (const record of logs.query({ kind: 'outbound', sort: { by: 'timestamp', order: 'asc' } }).records as OutboundLogRecord[]) {
  console.log(`log: ${record.eventType} ${record.identifier} → ${record.outcome} ${record.statusCode ?? ''} ${record.error ?? ''}`);
}
await braze.close();

if (standIn) {
  const [request] = standIn.vendors.requestsTo('/users/track');
  console.log(`\nthe stand-in received POST ${request?.path}:\n${JSON.stringify(request?.json, null, 2)}`);
  await standIn.close();
}
