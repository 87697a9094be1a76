// mParticle Output/Event: mParticle's Firehose requests arrive over HTTP, are answered at once and
// queued; processInboundQueue() (the host's cron job) turns events into loyalty events and
// audiences into customer lists. Errors land in the incoming-error log; disconnect() answers 410.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryLogStore, toNodeListener, type IncomingErrorRecord } from 'loyalty-cdp';
import { MParticleFeed, type MParticleInboundOptions } from 'loyalty-cdp/mparticle';
import type { DemoContext, DemoSection } from './context.js';

const at = (minutes: number) => Date.UTC(2026, 10, 20, 10, minutes);

/** One user's batch of events as mParticle's Firehose sends it. */
function eventRequest(id: string, customer: { type: string; encoding?: string; value: string }, events: object[]) {
  return {
    type: 'event_processing_request',
    id,
    timestamp_ms: at(30),
    firehose_version: '3.2.0',
    account: { account_id: 123456, account_settings: {} },
    user_identities: [customer],
    user_attributes: { $FirstName: 'Ada' },
    runtime_environment: { type: 'ios', sdk_version: '8.19.0' },
    events,
  };
}

export default async function demo({ vendorsUrl, engine }: DemoContext): Promise<DemoSection> {
  const lines: string[] = [];
  const authToken = MParticleFeed.generateAuthToken();
  const inbound: MParticleInboundOptions = {
    authToken,
    customerIdentity: 'customer', // mParticle's Customer ID identity…
    loyaltyIdentifierField: 'external_id', // …matched against this loyalty attribute
    trackAudiences: true,
    autoSubscribe: true,
    eventMappings: [
      { loyaltyEvent: 'checkout', eventType: 'commerce_event', eventName: 'purchase', priority: 1, fields: { transaction_id: '{transaction_id}', total: '{total_amount}', currency: '{currency_code}' } },
      { loyaltyEvent: 'coupon_redeem', eventType: 'custom_event', eventName: 'Coupon Redeemed', priority: 5, fields: { coupon: '{coupon_code}', channel: 'mparticle' } },
      { loyaltyEvent: 'point_add', eventType: 'screen_view', eventName: 'Rewards Catalogue', priority: 10, fields: { points: 5, screen: '{screen_name}', reason: 'catalogue visit' } },
    ],
  };
  const logs = new MemoryLogStore();
  const feed = new MParticleFeed({
    outbound: { apiKey: 'demo-s2s-key', apiSecret: 'demo-s2s-secret', apiUrl: `${vendorsUrl}/v2` }, // inbound requires outbound
    inbound,
    engine,
    lists: engine,
    logSink: logs,
  });
  const server = createServer(toNodeListener(feed.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mparticle`;
  const post = async (body: object, token: string | null = authToken) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Token ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  try {
    const registration = await post({ type: 'module_registration_request', id: 'reg-1', timestamp_ms: at(0), firehose_version: '3.2.0' }, null);
    lines.push(`registration (no token needed): asks for '${registration.body.permissions.user_identities[0].type}' identities, raw; event types ${registration.body.event_processing_registration.supported_event_types.join(', ')}`);

    const ada = { type: 'customer', encoding: 'raw', value: 'crm-ada' };
    const events = await post(eventRequest('req-ada-1', ada, [
      { type: 'screen_view', id: '1b0e7c1e-0001-4c1e-9a00-000000000001', timestamp_ms: at(31), screen_name: 'Rewards Catalogue' },
      { type: 'custom_event', id: '1b0e7c1e-0002-4c1e-9a00-000000000002', timestamp_ms: at(32), name: 'Coupon Redeemed', custom_event_type: 'transaction', attributes: { coupon_code: 'WELCOME10' } },
      { type: 'product_action', id: '1b0e7c1e-0003-4c1e-9a00-000000000003', timestamp_ms: at(33), action: 'purchase', transaction_id: 'tx-42', total_amount: 24.5, currency_code: 'EUR' },
      { type: 'session_end', id: '1b0e7c1e-0004-4c1e-9a00-000000000004', timestamp_ms: at(34) },
    ]));
    lines.push(`event_processing_request → ${events.status} ${events.body.type} (queued, not yet applied)`);
    const resent = await post(eventRequest('req-ada-1-resent', ada, [
      { type: 'custom_event', id: '1b0e7c1e-0002-4c1e-9a00-000000000002', timestamp_ms: at(32), name: 'Coupon Redeemed', custom_event_type: 'transaction', attributes: { coupon_code: 'WELCOME10' } },
    ]));
    lines.push(`the same coupon event redelivered in another request → ${resent.status}`);
    await post(eventRequest('req-newbie', { type: 'customer', encoding: 'raw', value: 'crm-newbie' }, [
      { type: 'custom_event', id: '1b0e7c1e-0005-4c1e-9a00-000000000005', timestamp_ms: at(35), name: 'Coupon Redeemed', attributes: { coupon_code: 'HELLO' } },
    ]));
    const ping = await post({ type: 'event_processing_request', id: 'ping-1', timestamp_ms: at(36), firehose_version: '3.2.0', events: [] });
    lines.push(`verification ping (no events) → ${ping.status}`);
    const hashed = await post(eventRequest('req-hashed', { type: 'customer', encoding: 'sha256', value: 'c0ffee'.repeat(10) + 'c0ff' }, [
      { type: 'custom_event', id: '1b0e7c1e-0006-4c1e-9a00-000000000006', name: 'Coupon Redeemed', attributes: { coupon_code: 'X' } },
    ]));
    lines.push(`hashed customer identity → ${hashed.status}, event refused and logged (hashed_identity)`);
    const stranger = await post(eventRequest('req-stranger', ada, []), 'not-the-configured-token');
    lines.push(`wrong token → ${stranger.status} ${stranger.body.error.code}`);

    await post({ type: 'audience_subscription_request', id: 'aud-1', timestamp_ms: at(40), firehose_version: '3.2.0', audience_id: 4711, audience_name: 'Lapsed Gold Members', action: 'add' });
    await post({
      type: 'audience_membership_change_request',
      id: 'aud-2',
      timestamp_ms: at(41),
      firehose_version: '3.2.0',
      user_profiles: [
        { user_identities: [ada], audiences: [{ audience_id: 4711, audience_name: 'Lapsed Gold Members', action: 'add' }] },
        { user_identities: [{ type: 'customer', encoding: 'raw', value: 'crm-grace' }], audiences: [{ audience_id: 4711, audience_name: 'Lapsed Gold Members', action: 'add' }] },
      ],
    });

    // The host's scheduled job.
    const before = engine.events.length;
    const report = await feed.processInboundQueue();
    lines.push(
      `processInboundQueue(): ${report.processed} items from ${report.requests} requests → ${report.registered} loyalty events, ${report.listChanges} list changes, ` +
        `${report.customersCreated} customer created inactive, ${report.skipped} duplicate skipped, ${report.failed} failed`,
    );
    lines.push('  registered in priority order (checkout 1, coupon_redeem 5, point_add 10):');
    for (const event of engine.events.slice(before)) {
      lines.push(`    ${event.customerId} ${event.action} ${JSON.stringify(event.data)} key=${event.idempotencyKey}`);
    }
    const list = engine.lists.get('4711');
    lines.push(`customer list '${list?.name}' (from the audience): ${[...(list?.members ?? [])].join(', ')}`);

    const errors = logs.query({ kind: 'incoming-error', sort: { by: 'createdAt', order: 'asc' } }).records as IncomingErrorRecord[];
    lines.push(`incoming-error log (${errors.length}; kept 90 days, filterable, payloads exportable):`);
    for (const error of errors) lines.push(`  ${error.source} ${error.errorCode}: ${error.message.slice(0, 110)}`);

    await feed.disconnect();
    const gone = await post(eventRequest('req-after', ada, []));
    lines.push(`after disconnect(): ${gone.status} ${gone.body.error.code} (reconnecting means configuring outbound and inbound again)`);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return { title: 'mParticle inbound (Output/Event): Firehose requests → loyalty events and customer lists', lines };
}
