// mParticle Input/Feed: customer attributes and loyalty events go to the (local stand-in of the)
// Events API, one user per batch, many batches per /bulkevents request; a 503 shows the resend queue;
// disconnect() stops the feed until it is configured again.
import { DisconnectedError, MemoryLogStore, type OutboundLogRecord } from 'loyalty-cdp';
import { MParticleFeed, type MParticleOutboundOptions } from 'loyalty-cdp/mparticle';
import type { DemoContext, DemoSection } from './context.js';
import { customers, events, profileChanges } from './programme.js';

export default async function demo({ vendorsUrl, vendors }: DemoContext): Promise<DemoSection> {
  const lines: string[] = [];
  const outbound: MParticleOutboundOptions = {
    apiKey: 'demo-s2s-key',
    apiSecret: 'demo-s2s-secret',
    apiUrl: `${vendorsUrl}/v2`, // in production: `pod: 'eu1'`, or `partnerFeed: true`
    environment: 'development',
    fieldMapping: { first_name: '$firstname', last_name: '$LastName', tier: 'antavo_tier', points: 'antavo_points' },
    externalEvents: {
      point_add: { name: 'Points added', customEventType: 'transaction' },
      reward_claim: { name: 'Reward claimed', customEventType: 'user_preference' },
      checkout: { customEventType: 'transaction' },
    },
  };
  const logs = new MemoryLogStore();
  const feed = new MParticleFeed({ outbound, logSink: logs });
  const before = vendors.requestsTo('/bulkevents').length;

  for (const customer of customers) await feed.updateProfile(customer);
  for (const event of events) {
    const customer = customers.find((c) => c.id === event.customerId)!;
    const result = await feed.trackEvent(customer, event);
    if (result.status === 'skipped') lines.push(`skipped ${event.action}: ${result.reason}`);
  }
  for (const { customer, changed } of profileChanges) await feed.updateProfile(customer, changed);
  await feed.sendCustomEvent(customers[0]!, { id: 'workflow-run-1', name: 'Trigger marketing communication', customEventType: 'other', attributes: { campaign: 'birthday' } });

  const report = await feed.flush();
  const sent = vendors.requestsTo('/bulkevents').slice(before);
  const batches = sent.flatMap((r) => r.json as Array<{ user_identities: Record<string, string>; user_attributes?: object; events?: Array<{ data: { event_name: string } }> }>);
  lines.push(`${report.delivered} batches (one user each) in ${report.requests} /bulkevents request(s):`);
  for (const batch of batches) {
    const what = batch.events ? `custom_event '${batch.events[0]!.data.event_name}'` : `user_attributes ${JSON.stringify(batch.user_attributes)}`;
    lines.push(`  ${batch.user_identities.customer_id}: ${what}`);
  }
  const changeBatches = batches.filter((b) => b.user_attributes).length - customers.length;
  lines.push(`${profileChanges.length} profile changes → ${changeBatches} batches: an undelivered update of the same attributes is superseded by the newest`);

  // mParticle has a bad moment: the batch waits in the resend queue and goes again, same source_request_id.
  vendors.script('/bulkevents', { status: 503, headers: { 'retry-after': '1' } });
  await feed.updateProfile({ ...customers[2]!, attributes: { ...customers[2]!.attributes, tier: 'silver' } }, ['tier']);
  await feed.flush();
  for (const entry of await feed.resendQueue()) {
    lines.push(`resend queue: ${entry.customerId} ${entry.eventType}, attempt ${entry.attempts}, next in ${Math.round((entry.nextAttemptAt - Date.now()) / 100) / 10} s, last error "${entry.lastError}"`);
  }
  const drained = await feed.drain(5_000);
  const attempts = (logs.query({ kind: 'outbound', where: { eventType: 'user_attributes' }, sort: { by: 'timestamp', order: 'asc' } }).records as OutboundLogRecord[]).slice(-2);
  lines.push(`after drain(): ${drained.delivered} delivered; log: ${attempts.map((r) => `${r.outcome} (HTTP ${r.statusCode})`).join(', then ')}`);

  // Disconnect removes both configurations and stops both directions until configure() again.
  await feed.disconnect();
  try {
    await feed.trackEvent(customers[0]!, events[0]!);
  } catch (error) {
    if (error instanceof DisconnectedError) lines.push(`after disconnect(): trackEvent → ${error.name}; fetch → HTTP ${(await feed.fetch(new Request(`${vendorsUrl}/mparticle`, { method: 'POST', body: '{}' }))).status}`);
  }
  feed.configure({ outbound });
  lines.push(`configure() again: connected = ${feed.connected}`);
  await feed.close();
  return { title: 'mParticle outbound (MParticleFeed, Input/Feed)', lines };
}
