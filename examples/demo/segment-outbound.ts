// Segment outbound: loyalty events as `track`, profile changes as `identify`, through the delivery
// core against the local stand-in: a 503 that is retried, a 400 that is dead-lettered and replayed,
// and a call over 32 KB refused on its own.
import { MemoryLogStore, ValidationError, type OutboundLogRecord } from 'loyalty-cdp';
import { SegmentOutbound } from 'loyalty-cdp/segment';
import type { DemoContext, DemoSection } from './context.js';
import { customers, events, profileChanges } from './programme.js';

export default async function demo({ vendorsUrl, vendors }: DemoContext): Promise<DemoSection> {
  const lines: string[] = [];
  const logs = new MemoryLogStore();
  const segment = new SegmentOutbound({
    writeKey: 'demo-write-key',
    endpoint: vendorsUrl,
    userIdField: 'external_id',
    events: ['point_add', 'checkout', 'reward_claim'],
    customerFields: ['first_name', 'tier', 'points'],
    logSink: logs,
    retry: { baseDelayMs: 50 },
  });
  const byId = new Map(customers.map((c) => [c.id, c]));
  const before = vendors.requestsTo('/v1/batch').length;

  for (const event of events) {
    const result = await segment.trackEvent(byId.get(event.customerId)!, event);
    lines.push(`track ${event.action.padEnd(12)} ${event.customerId}: ${result.status}${result.reason ? ` (${result.reason})` : ''}`);
  }
  for (const { customer, changed } of profileChanges) {
    const result = await segment.updateProfile(customer, changed);
    lines.push(`identify ${customer.id} [${changed.join(', ')}]: ${result.status}`);
  }
  try {
    await segment.trackEvent(customers[0]!, { id: 'evt_big', customerId: customers[0]!.id, action: 'point_add', data: { note: '€'.repeat(11_000) }, timestamp: new Date() });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    lines.push(`refused alone: ${error.message}`);
  }

  // The first request meets a 503 and is retried; everything arrives with the same messageIds.
  vendors.script('/v1/batch', { status: 503, body: 'try again' });
  const first = await segment.drain(10_000);
  lines.push(`delivered ${first.delivered} calls in ${first.requests} requests (the first answered 503, retried whole)`);

  const calls = new Map<string, Record<string, unknown>>();
  for (const request of vendors.requestsTo('/v1/batch').slice(before)) {
    for (const call of (request.json as { batch: Array<Record<string, unknown>> }).batch) calls.set(call.messageId as string, call);
  }
  const track = [...calls.values()].find((c) => c.type === 'track');
  lines.push(`a track as sent: ${JSON.stringify(track).slice(0, 150)}…`);
  const identifies = [...calls.values()].filter((c) => c.type === 'identify').map((c) => `${c.userId as string} ${JSON.stringify(c.traits)}`);
  lines.push(`identify traits (burst of points changes superseded): ${identifies.join('; ')}`);

  // A 400 is not retried: the call waits as a dead letter until replayed.
  vendors.script('/v1/batch', { status: 400, body: { message: 'bad request' } });
  await segment.trackEvent(byId.get('cus_1003')!, { id: 'evt_6', customerId: 'cus_1003', action: 'point_add', data: { points: 50 }, timestamp: new Date() });
  await segment.flush();
  const dead = await segment.deadLetters();
  lines.push(`dead letters after a 400: ${dead.length} (${dead[0]?.lastError?.slice(0, 60)}…)`);
  const replayed = await segment.replay();
  const again = await segment.flush();
  lines.push(`replayed ${replayed.length} with the same messageId: delivered ${again.delivered}`);
  await segment.close();

  const records = logs.query({ kind: 'outbound', limit: 1_000 }).records as OutboundLogRecord[];
  const outcomes = new Map<string, number>();
  for (const r of records) outcomes.set(`${r.eventType}/${r.outcome}`, (outcomes.get(`${r.eventType}/${r.outcome}`) ?? 0) + 1);
  lines.push(`log records: ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  const leaked = JSON.stringify(records).includes('demo-write-key');
  lines.push(`write key in any log record: ${leaked ? 'YES (bug)' : 'no'}`);
  return { title: 'Segment outbound (SegmentOutbound → /v1/batch)', lines };
}
