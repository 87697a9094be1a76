// Send loyalty events and profile updates to Segment.
//
//   SEGMENT_WRITE_KEY=… SEGMENT_REGION=eu npx tsx examples/segment-outbound.ts   # a real source
//   npx tsx examples/segment-outbound.ts                                          # a local stand-in
//
// Without SEGMENT_WRITE_KEY it starts a local stand-in for Segment on 127.0.0.1 and prints what
// arrived, so it runs with no account and no network.
import { MemoryLogStore, type Customer, type LoyaltyEvent, type OutboundLogRecord } from 'loyalty-cdp';
import { SegmentOutbound } from 'loyalty-cdp/segment';
import { startFakeVendorServer } from 'loyalty-cdp/testing';

const writeKey = process.env.SEGMENT_WRITE_KEY;
const standIn = writeKey ? undefined : await startFakeVendorServer();
const logs = new MemoryLogStore();

const segment = new SegmentOutbound({
  writeKey: writeKey ?? 'local-demo-key',
  // Must match the workspace's region: data sent to the other region is rejected or lost.
  region: process.env.SEGMENT_REGION === 'eu' ? 'eu' : 'us',
  ...(standIn ? { endpoint: standIn.url } : {}),
  userIdField: 'external_id',
  events: 'all',
  customerFields: ['first_name', 'tier', 'points'],
  logSink: logs,
});

const customer: Customer = {
  id: 'cus_1001',
  attributes: { external_id: 'crm-ada', first_name: 'Ada', email: 'ada@example.com', tier: 'gold', points: 12_500 },
};
const event: LoyaltyEvent = {
  id: 'evt_example_1',
  customerId: customer.id,
  action: 'point_add',
  data: { points: 500, reason: 'birthday bonus' },
  timestamp: new Date(),
};

console.log('track:', await segment.trackEvent(customer, event));
console.log('identify:', await segment.updateProfile(customer, ['tier', 'points']));
console.log('delivery:', await segment.drain(30_000));
console.log('dead letters:', (await segment.deadLetters()).length);
for (const record of logs.query({ kind: 'outbound' }).records as OutboundLogRecord[]) {
  console.log(`log: ${record.eventType} ${record.identifier} → ${record.outcome} ${record.statusCode ?? ''} ${record.error ?? ''}`);
}
await segment.close();

if (standIn) {
  const [request] = standIn.vendors.requestsTo('/v1/batch');
  console.log(`\nthe stand-in received POST ${request?.path}:\n${JSON.stringify(request?.json, null, 2)}`);
  await standIn.close();
}
