// SegmentOutbound vs @segment/analytics-node (defaults) vs the ceiling: 100,000 `track` events to a
// local sink on 127.0.0.1. Each contender runs in its own process (so its peak RSS is its own),
// loads only the library it uses, and is fed the same events in the same way: chunks of 1,000
// calls, yielding to the event loop between chunks as a host serving requests would, then a final
// flush. Every contender sends the same call content (messageId, timestamp, integrations, context
// aside from the library name).
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Customer, LoyaltyEvent } from 'loyalty-cdp';
import { contenderArg, postPrepacked, report, runAgainstSink, table, trackPeakRss, type ContenderResult } from './lib.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const CHUNK = 1_000;
const WRITE_KEY = 'bench_write_key_0123456789';
const script = fileURLToPath(import.meta.url);

function customerOf(i: number): Customer {
  return { id: `cus_${i % 10_000}` };
}

const ACTIONS = ['point_add', 'checkout', 'reward_claim', 'point_spend'] as const;
const two = (n: number) => String(n).padStart(2, '0');

// Cheap to build, so that generating events weighs little in either contender's time.
function eventOf(i: number): LoyaltyEvent {
  const second = i % 86_400;
  return {
    id: `evt_${i}`,
    customerId: `cus_${i % 10_000}`,
    action: ACTIONS[i % ACTIONS.length]!,
    data: { points: (i * 7) % 1_000, reason: 'purchase', store: `store-${i % 50}` },
    timestamp: `2026-11-01T${two(Math.floor(second / 3600))}:${two(Math.floor(second / 60) % 60)}:${two(second % 60)}.000Z`,
  };
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function ours(url: string, variant: 'default' | 'capped-logs'): Promise<ContenderResult> {
  const { MemoryLogStore } = await import('loyalty-cdp');
  const { SegmentOutbound } = await import('loyalty-cdp/segment');
  const peak = trackPeakRss();
  const segment = new SegmentOutbound({
    writeKey: WRITE_KEY,
    endpoint: url,
    autoFlush: 20,
    ...(variant === 'capped-logs' ? { logSink: new MemoryLogStore({ maxRecords: 10_000 }) } : {}),
  });
  const started = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    await segment.trackEvent(customerOf(i), eventOf(i));
    if (i % CHUNK === CHUNK - 1) await yieldToLoop();
  }
  await segment.drain(60_000);
  await segment.close();
  const seconds = (performance.now() - started) / 1000;
  const dead = (await segment.deadLetters()).length;
  const name = variant === 'default' ? 'loyalty-cdp SegmentOutbound' : 'loyalty-cdp, log store capped at 10k';
  return { name, items: EVENTS, seconds, requests: 0, peakRssMb: peak(), extra: { dead } };
}

// The same call content as SegmentOutbound sends, computed without loading loyalty-cdp.
const INTEGRATIONS = { 'Salesforce (Actions)': false, 'Salesforce Marketing Cloud (Actions)': false, 'Antavo (Actions)': false, Antavo: false };
function messageIdOf(event: LoyaltyEvent): string {
  const hex = createHash('sha256').update(['segment', 'track', event.id].join('\u001f')).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return [hex.slice(0, 8), hex.slice(8, 12), `5${hex.slice(13, 16)}`, `${variant}${hex.slice(17, 20)}`, hex.slice(20, 32)].join('-');
}

async function analyticsNode(url: string): Promise<ContenderResult> {
  const { Analytics } = await import('@segment/analytics-node');
  const peak = trackPeakRss();
  const analytics = new Analytics({ writeKey: WRITE_KEY, host: url });
  let failed = 0;
  analytics.on('error', () => (failed += 1));
  const started = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    const event = eventOf(i);
    analytics.track({
      userId: customerOf(i).id,
      event: event.action,
      properties: event.data ?? {},
      timestamp: event.timestamp,
      messageId: messageIdOf(event),
      integrations: INTEGRATIONS,
    });
    if (i % CHUNK === CHUNK - 1) await yieldToLoop();
  }
  await analytics.closeAndFlush({ timeout: 120_000 });
  const seconds = (performance.now() - started) / 1000;
  return { name: '@segment/analytics-node (defaults)', items: EVENTS, seconds, requests: 0, peakRssMb: peak(), extra: { failed } };
}

async function ceiling(url: string): Promise<ContenderResult> {
  const { packBatches } = await import('loyalty-cdp');
  const { SEGMENT_LIMITS, segmentAuthorization, toTrackCall } = await import('loyalty-cdp/segment');
  // Our exact wire bodies, mapped and packed before the clock starts.
  const items = Array.from({ length: EVENTS }, (_, i) => {
    const body = JSON.stringify(toTrackCall(customerOf(i), eventOf(i)));
    return { body, bytes: Buffer.byteLength(body), kind: 'track' };
  });
  const sentAt = new Date().toISOString();
  const bodies = packBatches(items, SEGMENT_LIMITS).batches.map((b) => `{"batch":[${b.map((m) => m.body).join(',')}],"sentAt":"${sentAt}"}`);
  const peak = trackPeakRss();
  const headers = { authorization: segmentAuthorization(WRITE_KEY), 'content-type': 'application/json' };
  const { seconds, requests } = await postPrepacked(`${url}/v1/batch`, bodies, headers, 4);
  return { name: 'ceiling (pre-packed, keep-alive)', items: EVENTS, seconds, requests, peakRssMb: peak() };
}

const contender = contenderArg();
if (contender) {
  const url = process.env.SINK_URL!;
  const runs = {
    ceiling: () => ceiling(url),
    'analytics-node': () => analyticsNode(url),
    ours: () => ours(url, 'default'),
    'ours-capped-logs': () => ours(url, 'capped-logs'),
  };
  report(await runs[contender as keyof typeof runs]());
} else {
  const runs = await runAgainstSink(script, ['ceiling', 'analytics-node', 'ours', 'ours-capped-logs']);
  const results: ContenderResult[] = runs.map(({ result, sink }) => ({ ...result, requests: sink.requests }));
  const delivered = runs.map((run) => run.sink.items);
  const [top, theirs, mine] = results as [ContenderResult, ContenderResult, ContenderResult];
  console.log(`\n${EVENTS} track events to a local sink (node ${process.version}; events received by the sink: ${delivered.join(' / ')})\n`);
  console.log(table(results, 'events'));
  console.log(
    '\nTargets are checked on the default configuration, whose MemoryLogStore keeps all 100,000 log records' +
      '\n(with request bodies); the last row caps it to show what that retention costs.\n',
  );
  const rate = (r: ContenderResult) => r.items / r.seconds;
  const throughput = rate(mine) / rate(theirs);
  const fewerRequests = theirs.requests / mine.requests;
  const ofCeiling = rate(mine) / rate(top);
  const checks: Array<[string, boolean, string]> = [
    ['all events delivered by every contender', delivered.every((d) => d === EVENTS), delivered.join(' / ')],
    ['throughput >= 3x analytics-node', throughput >= 3, `${throughput.toFixed(1)}x`],
    ['requests >= 10x fewer than analytics-node', fewerRequests >= 10, `${fewerRequests.toFixed(1)}x fewer`],
    ['peak RSS <= analytics-node', mine.peakRssMb <= theirs.peakRssMb, `${mine.peakRssMb} MB vs ${theirs.peakRssMb} MB`],
    ['throughput >= half the ceiling (aim)', ofCeiling >= 0.5, `${Math.round(ofCeiling * 100)}% of the ceiling`],
  ];
  for (const [name, ok, detail] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
  process.exit(checks.slice(0, 4).every(([, ok]) => ok) ? 0 : 1);
}
