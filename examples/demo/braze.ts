// Braze: mapped loyalty fields as custom attributes, loyalty events as custom events and checkouts
// as purchases (one per item), through /users/track on the local stand-in: a 429 that waits for
// X-Ratelimit-Retry-After, a 201 with a per-object error that dead-letters exactly that object, and
// a field mapping refused at construction.
import { ConfigurationError, MemoryLogStore, type OutboundLogRecord } from 'loyalty-cdp';
import { BrazeSync, type BrazeTrackRequestBody } from 'loyalty-cdp/braze';
import type { DemoContext, DemoSection } from './context.js';
import { customers, events, profileChanges } from './programme.js';

const API_KEY = 'demo-braze-rest-api-key';

export default async function demo({ vendorsUrl, vendors }: DemoContext): Promise<DemoSection> {
  const lines: string[] = [];
  try {
    new BrazeSync({ instanceUrl: vendorsUrl, apiKey: API_KEY, fieldMapping: { email: 'Email' } });
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    lines.push(`refused at construction: ${error.message.slice(0, 150)}…`);
  }

  const logs = new MemoryLogStore();
  const braze = new BrazeSync({
    instanceUrl: vendorsUrl,
    apiKey: API_KEY,
    appId: 'demo-app-id',
    userIdField: 'external_id',
    fieldMapping: { tier: 'loyalty_tier', points: 'loyalty_points', first_name: { standard: 'first_name' }, email: { standard: 'email' } },
    purchases: { actions: ['checkout'] },
    logSink: logs,
    retry: { baseDelayMs: 50 },
  });
  lines.push(`connect(): key accepted, ${(await braze.connect()).length} custom event names known so far`);
  const byId = new Map(customers.map((c) => [c.id, c]));
  const before = vendors.requestsTo('/users/track').length;

  for (const event of events) {
    const result = await braze.trackEvent(byId.get(event.customerId)!, event);
    lines.push(`trackEvent ${event.action.padEnd(12)} ${event.customerId}: ${result.status}, ${result.messageIds.length} object(s)`);
  }
  for (const { customer, changed } of profileChanges) {
    const result = await braze.updateProfile(customer, changed);
    lines.push(`updateProfile ${customer.id} [${changed.join(', ')}]: ${result.status}`);
  }

  // The first answer is a 429 asking for one second; then Braze accepts all but the second purchase.
  vendors.script(
    '/users/track',
    { status: 429, headers: { 'x-ratelimit-retry-after': '1' }, body: { message: 'rate limited' } },
    { status: 201, body: { message: 'success', errors: [{ type: "'quantity' is not valid", input_array: 'purchases', index: 1 }] } },
  );
  const started = Date.now();
  const report = await braze.drain(10_000);
  lines.push(`after a 429 (X-Ratelimit-Retry-After: 1) waited ${((Date.now() - started) / 1000).toFixed(1)} s: delivered ${report.delivered}, dead-lettered ${report.deadLettered}, ${report.requests} requests`);

  const body = vendors.requestsTo('/users/track').slice(before).at(-1)!.json as BrazeTrackRequestBody;
  lines.push(`attributes (burst of points changes coalesced): ${body.attributes?.map((a) => JSON.stringify(a)).join('; ')}`);
  lines.push(`an event as sent: ${JSON.stringify(body.events?.[0])}`);
  lines.push(`purchases: ${body.purchases?.map((p) => `${p.product_id} ${p.quantity}×${p.price} ${p.currency}`).join(', ')}`);

  const [dead] = await braze.deadLetters();
  lines.push(`dead letter: ${dead?.kind} ${JSON.parse(dead?.body ?? '{}').product_id} (${dead?.lastError})`);

  const records = logs.query({ kind: 'outbound', limit: 1000 }).records as OutboundLogRecord[];
  const outcomes = records.reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.outcome]: (acc[r.outcome] ?? 0) + 1 }), {});
  lines.push(`outbound log records (one per object and attempt): ${JSON.stringify(outcomes)}; API key in logs: ${JSON.stringify(records).includes(API_KEY)}`);
  lines.push(`connect() now lists: ${(await braze.connect()).join(', ')}`);
  await braze.close();
  return { title: 'braze (BrazeSync → /users/track)', lines };
}
