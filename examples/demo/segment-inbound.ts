// Segment inbound: a local Segment-style sender (@segment/analytics-node with `host` pointed at a
// node:http server wrapping SegmentInbound) sends identify and track calls; then a Webhooks-style
// signed batch, an Antavo (Actions)-format body, a redelivery, an event our own outbound produced,
// an engine outage and a wrong write key — and what the loyalty engine and the inbound log saw.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { Analytics } from '@segment/analytics-node';
import { MemoryLogStore, toNodeListener, type InboundLogRecord } from 'loyalty-cdp';
import { SegmentInbound } from 'loyalty-cdp/segment';
import type { DemoContext, DemoSection } from './context.js';

const WRITE_KEY = 'demo-inbound-write-key';
const SHARED_SECRET = 'demo-inbound-shared-secret';
const API_KEY = 'demo-inbound-api-key';

export default async function demo({ engine }: DemoContext): Promise<DemoSection> {
  const lines: string[] = [];
  const logs = new MemoryLogStore();
  const inbound = new SegmentInbound({
    engine,
    writeKey: WRITE_KEY,
    sharedSecret: SHARED_SECRET,
    apiKey: API_KEY,
    logSink: logs,
    mappings: [
      { name: 'Loyalty events', action: 'loyaltyEvent', trigger: 'type = "track" and event != "Order Completed"' },
      {
        name: 'Purchases',
        action: 'loyaltyEvent',
        trigger: 'type = "track" and event = "Order Completed" and properties.revenue > 0',
        fields: { action: 'checkout', data: { transaction_id: { '@path': '$.properties.order_id' }, total: { '@path': '$.properties.revenue' }, currency: { '@path': '$.properties.currency' } } },
      },
      { name: 'Profile updates', action: 'profileUpdate' },
    ],
  });
  const server = createServer(toNodeListener(inbound.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const eventsBefore = engine.events.length;
  const updatesBefore = engine.profileUpdates.length;
  const post = async (body: string, headers: Record<string, string>) => {
    const response = await fetch(`${url}/webhooks/segment`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: response.status, json: (await response.json()) as { results?: Array<{ status: string }>; error?: { code: string; message: string } } };
  };

  try {
    // 1. Segment's own Node library, `host` pointed at the handler: it posts /v1/batch with Basic auth.
    const analytics = new Analytics({ writeKey: WRITE_KEY, host: url, flushAt: 20, maxRetries: 0 });
    analytics.identify({ userId: 'cus_1002', traits: { firstName: 'Alan', lastName: 'Turing', email: 'alan@example.com', birthday: '1912-06-23' } });
    analytics.track({ userId: 'cus_1001', event: 'point_add', properties: { points: 250, reason: 'app review' } });
    analytics.track({ userId: 'cus_1003', event: 'Order Completed', properties: { order_id: 'ord-77', revenue: 42.5, currency: 'EUR' } });
    analytics.page({ userId: 'cus_1003', name: 'Rewards' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    lines.push(`analytics-node → /v1/batch: ${engine.events.length - eventsBefore} loyalty events, ${engine.profileUpdates.length - updatesBefore} profile update, the page call skipped (no mapping)`);
    for (const event of engine.events.slice(eventsBefore)) lines.push(`  registered ${event.eventId} ${event.customerId} ${event.action} ${JSON.stringify(event.data)}`);
    const update = engine.profileUpdates[updatesBefore];
    if (update) lines.push(`  profile ${update.customerId} ← ${JSON.stringify(update.attributes)} (camelCase traits mapped)`);

    // 2. The Webhooks destination, batched: an array, X-Signature over the first event only.
    const batch = [
      { type: 'track', userId: 'cus_1002', event: 'point_add', properties: { points: 40 }, messageId: 'wh-1' },
      { type: 'track', userId: 'cus_1001', event: 'point_add', properties: { points: 60 }, messageId: 'wh-2' },
    ];
    const signature = createHmac('sha1', SHARED_SECRET).update(JSON.stringify(batch[0])).digest('hex');
    const signed = await post(JSON.stringify(batch), { 'x-signature': signature });
    lines.push(`Webhooks batch (signed first event): ${signed.status} ${signed.json.results?.map((r) => r.status).join(', ')}`);

    // 3. Segment redelivers on timeouts: the same batch again is answered 200 and applied once.
    const again = await post(JSON.stringify(batch), { 'x-signature': signature });
    lines.push(`redelivery of the same batch: ${again.status} ${again.json.results?.map((r) => r.status).join(', ')}`);

    // 4. The Antavo (Actions) destination's own format.
    const antavo = await post(JSON.stringify({ customer: 'cus_1003', action: 'opt_in', data: {}, api_key: API_KEY }), {});
    lines.push(`Antavo-format body (opt_in): ${antavo.status} ${antavo.json.results?.[0]?.status}`);

    // 5. An event our SegmentOutbound produced comes back through Segment: skipped, no loop.
    const echo = { type: 'track', userId: 'cus_1001', event: 'point_add', properties: { points: 500 }, messageId: 'echo-1', context: { library: { name: 'loyalty-cdp', version: '0.1.0' } } };
    const echoed = await post(JSON.stringify(echo), { 'x-signature': createHmac('sha1', SHARED_SECRET).update(JSON.stringify(echo)).digest('hex') });
    lines.push(`event sent by loyalty-cdp itself: ${echoed.status} ${echoed.json.results?.[0]?.status} (loop guard)`);

    // 6. The engine is briefly down: 503 so Segment retries; the retry applies it exactly once.
    const outage = JSON.stringify({ batch: [{ type: 'track', userId: 'cus_1002', event: 'point_add', properties: { points: 15 }, messageId: 'outage-1' }] });
    engine.failNext(1);
    const down = await post(outage, { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` });
    const up = await post(outage, { authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` });
    const times = engine.events.filter((e) => e.data.points === 15 && e.customerId === 'cus_1002').length;
    lines.push(`engine outage: ${down.status} (${down.json.error?.code}), redelivered: ${up.status}; registered ${times} time(s)`);

    // 7. A wrong write key: 401, nothing applied.
    const denied = await post(outage.replace('outage-1', 'denied-1'), { authorization: `Basic ${Buffer.from('wrong-key:').toString('base64')}` });
    lines.push(`wrong write key: ${denied.status} ${denied.json.error?.message}`);

    const records = logs.query({ kind: 'inbound', limit: 1_000 }).records as InboundLogRecord[];
    const statuses = new Map<string, number>();
    for (const r of records) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    lines.push(`inbound log: ${[...statuses].map(([s, n]) => `${s} ${n}`).join(', ')}; incoming errors: ${logs.query({ kind: 'incoming-error' }).records.length}`);
    const all = JSON.stringify(logs.query({ limit: 1_000 }).records);
    const leaked = [WRITE_KEY, SHARED_SECRET, API_KEY].some((secret) => all.includes(secret));
    lines.push(`a secret in any log record: ${leaked ? 'YES (bug)' : 'no'}`);
  } finally {
    server.close();
  }
  return { title: 'Segment inbound (Segment → SegmentInbound → loyalty engine)', lines };
}
