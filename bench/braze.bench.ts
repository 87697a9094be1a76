// BrazeSync vs braze-api (one users.track call per member, its usage) vs the ceiling: 50,000
// members' attribute updates plus 50,000 custom events to a local sink on 127.0.0.1. Each contender
// runs in its own process (so its peak RSS is its own) and maps the same members and events with
// the same mapping functions. Ours takes them in chunks of 1,500 members (3,000 objects, a multiple
// of 75) and flushes after each chunk, as a host's sync job would.
import { fileURLToPath } from 'node:url';
import { Braze } from 'braze-api';
import type { Customer, LoyaltyEvent } from 'loyalty-cdp';
import { BrazeSync, toBrazeEvent, toBrazeProfileAttributes, type BrazeFieldMapping } from 'loyalty-cdp/braze';
import { nodeHttpTransport } from '../src/core/node-http-transport.js';
import { contenderArg, postPrepacked, report, runAgainstSink, table, trackPeakRss, type ContenderResult } from './lib.js';

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 50_000);
const OBJECTS = MEMBERS * 2;
const CHUNK = 1_500;
const CONCURRENCY = 4;
const API_KEY = 'bench-braze-rest-key-0123456789';
const script = fileURLToPath(import.meta.url);

const fieldMapping = { tier: 'loyalty_tier', points: 'loyalty_points', lifetime_points: 'loyalty_lifetime_points', joined_at: 'loyalty_joined_at', first_name: { standard: 'first_name' as const } };
const fields: BrazeFieldMapping[] = [
  { loyaltyField: 'tier', brazeName: 'loyalty_tier', standard: false },
  { loyaltyField: 'points', brazeName: 'loyalty_points', standard: false },
  { loyaltyField: 'lifetime_points', brazeName: 'loyalty_lifetime_points', standard: false },
  { loyaltyField: 'joined_at', brazeName: 'loyalty_joined_at', standard: false },
  { loyaltyField: 'first_name', brazeName: 'first_name', standard: true },
];
const tiers = ['bronze', 'silver', 'gold', 'platinum'] as const;

/** CPU seconds (user + system) this process spends from now until the returned function is called. */
function cpuClock(): () => number {
  const start = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(start);
    return Math.round((used.user + used.system) / 10_000) / 100;
  };
}

function memberOf(i: number): Customer {
  return {
    id: `cus_${i}`,
    attributes: { tier: tiers[i % 4], points: (i * 37) % 20_000, lifetime_points: i * 11, joined_at: new Date(Date.UTC(2024, 0, 1) + i * 60_000), first_name: `Member ${i}` },
  };
}

function eventOf(i: number): LoyaltyEvent {
  return {
    id: `evt_${i}`,
    customerId: `cus_${i}`,
    action: i % 3 === 0 ? 'reward_claim' : 'point_add',
    data: { points: (i * 7) % 1_000, reason: 'purchase', store: `store-${i % 50}` },
    timestamp: new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString(),
  };
}

async function ours(url: string, variant: 'defaults' | 'nodeHttpTransport'): Promise<ContenderResult> {
  const peak = trackPeakRss();
  const transport = variant === 'nodeHttpTransport' ? { transport: nodeHttpTransport() } : {};
  const braze = new BrazeSync({ instanceUrl: url, apiKey: API_KEY, fieldMapping, concurrency: CONCURRENCY, ...transport });
  const cpu = cpuClock();
  const started = performance.now();
  let requests = 0;
  for (let from = 0; from < MEMBERS; from += CHUNK) {
    for (let i = from; i < Math.min(MEMBERS, from + CHUNK); i++) {
      const customer = memberOf(i);
      await braze.updateProfile(customer);
      await braze.trackEvent(customer, eventOf(i));
    }
    requests += (await braze.flush()).requests;
  }
  requests += (await braze.drain(60_000)).requests;
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpu();
  const dead = (await braze.deadLetters()).length;
  return { name: `loyalty-cdp BrazeSync (${variant})`, items: OBJECTS, seconds, requests, peakRssMb: peak(), extra: { dead, cpuSeconds } };
}

async function brazeApi(url: string): Promise<ContenderResult> {
  const peak = trackPeakRss();
  const braze = new Braze(url, API_KEY);
  let next = 0;
  let failed = 0;
  const cpu = cpuClock();
  const started = performance.now();
  // Its usage: one users.track call per member, with that member's attributes and event; as many
  // calls in flight as our connector's concurrency.
  const worker = async () => {
    while (next < MEMBERS) {
      const i = next++;
      const customer = memberOf(i);
      try {
        await braze.users.track({ attributes: [toBrazeProfileAttributes(customer, fields)!], events: [toBrazeEvent(customer, eventOf(i))] });
      } catch {
        failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { name: 'braze-api (users.track per member)', items: OBJECTS, seconds, requests: MEMBERS, peakRssMb: peak(), extra: { failed, cpuSeconds: cpu() } };
}

async function ceiling(url: string): Promise<ContenderResult> {
  // Our exact objects, mapped and packed 75 per request (in our order) before the clock starts.
  const objects: Array<{ array: 'attributes' | 'events'; body: string }> = [];
  for (let i = 0; i < MEMBERS; i++) {
    objects.push({ array: 'attributes', body: JSON.stringify(toBrazeProfileAttributes(memberOf(i), fields)) });
    objects.push({ array: 'events', body: JSON.stringify(toBrazeEvent(memberOf(i), eventOf(i))) });
  }
  const bodies: string[] = [];
  for (let at = 0; at < objects.length; at += 75) {
    const batch = objects.slice(at, at + 75);
    const arrays = (['attributes', 'events'] as const)
      .map((array) => [array, batch.filter((o) => o.array === array).map((o) => o.body)] as const)
      .filter(([, items]) => items.length > 0)
      .map(([array, items]) => `"${array}":[${items.join(',')}]`);
    bodies.push(`{${arrays.join(',')}}`);
  }
  const peak = trackPeakRss();
  const headers = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
  const cpu = cpuClock();
  const { seconds, requests } = await postPrepacked(`${url}/users/track`, bodies, headers, CONCURRENCY);
  return { name: 'ceiling (pre-packed, keep-alive)', items: OBJECTS, seconds, requests, peakRssMb: peak(), extra: { cpuSeconds: cpu() } };
}

const contender = contenderArg();
if (contender) {
  const url = process.env.SINK_URL!;
  const contenders = { ours: (u: string) => ours(u, 'defaults'), 'ours-http': (u: string) => ours(u, 'nodeHttpTransport'), 'braze-api': brazeApi, ceiling };
  const run = contenders[contender as keyof typeof contenders];
  report(await run(url));
} else {
  const runs = await runAgainstSink(script, ['ceiling', 'braze-api', 'ours', 'ours-http']);
  const results: ContenderResult[] = runs.map(({ result, sink }) => ({ ...result, requests: sink.requests }));
  const delivered = runs.map((run) => run.sink.items);
  const [top, theirs, mine, mineHttp] = results as [ContenderResult, ContenderResult, ContenderResult, ContenderResult];
  console.log(`\n${MEMBERS} members' attribute updates + ${MEMBERS} events = ${OBJECTS} objects to a local sink (node ${process.version}; objects received by the sink: ${delivered.join(' / ')})\n`);
  console.log(table(results, 'objects'));
  // Wall time swings with other load on the machine; the contender's own CPU time much less.
  console.log(`\nCPU seconds in the contender's process (client side only): ${results.map((r) => `${r.name} ${String(r.extra?.cpuSeconds)}`).join('; ')}`);
  const rate = (r: ContenderResult) => r.items / r.seconds;
  const expectedRequests = Math.ceil(OBJECTS / 75);
  const checks: Array<[string, boolean, string]> = [
    ['every object delivered by every contender', delivered.every((d) => d === OBJECTS) && mine.extra?.dead === 0 && mineHttp.extra?.dead === 0, delivered.join(' / ')],
  ];
  for (const r of [mine, mineHttp]) {
    const throughput = rate(r) / rate(theirs);
    const ofCeiling = rate(r) / rate(top);
    const cpuRatio = Number(theirs.extra?.cpuSeconds) / Number(r.extra?.cpuSeconds);
    checks.push(
      [`${r.name}: requests = ceil(objects / 75) = ${expectedRequests} exactly`, r.requests === expectedRequests, `${r.requests} requests (braze-api: ${theirs.requests})`],
      [`${r.name}: throughput >= 10x braze-api`, throughput >= 10, `${throughput.toFixed(1)}x (client CPU per object: ${cpuRatio.toFixed(1)}x less)`],
      [`${r.name}: throughput >= half the ceiling (aim)`, ofCeiling >= 0.5, `${Math.round(ofCeiling * 100)}% of the ceiling`],
    );
  }
  console.log('');
  for (const [name, ok, detail] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
  const targets = checks.filter(([name]) => !name.includes('(aim)'));
  process.exit(targets.every(([, ok]) => ok) ? 0 : 1);
}
