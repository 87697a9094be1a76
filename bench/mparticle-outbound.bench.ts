// `npm run bench -- mparticle-outbound`: 20,000 users × (1 attribute update + 5 loyalty events) =
// 120,000 mParticle batches to a local sink, three ways, each in its own process:
//   ours     — MParticleFeed: map, enqueue, flush (100 batches per /bulkevents request)
//   official — the `mparticle` npm package: one uploadEvents call per batch, as its README shows
//              (8 calls in flight, its best setting on this machine)
//   ceiling  — the same batches pre-packed into /bulkevents bodies and POSTed with keep-alive
// Targets (issue 5): ours ≥ 5× official throughput, ≥ 20× fewer requests; aim ≥ ½ ceiling.
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { packBatches, utf8Bytes } from 'loyalty-cdp';
import {
  MParticleFeed,
  mparticleAuthorization,
  mparticleDestination,
  parseMParticleOutboundOptions,
  toCustomEventBatch,
  toUserAttributeBatch,
  type MParticleOutboundOptions,
} from 'loyalty-cdp/mparticle';
import type { Customer, LoyaltyEvent } from 'loyalty-cdp';
import { contenderArg, postPrepacked, report, runAgainstSink, table, trackPeakRss, type ContenderResult } from './lib.js';

const USERS = Number(process.env.BENCH_USERS ?? 20_000);
const EVENTS_PER_USER = 5;
const ITEMS = USERS * (1 + EVENTS_PER_USER);
const CHUNK_USERS = 2_000; // ours: a flush every 12,000 batches, as a host's scheduled flush would
const API_KEY = 'bench-key';
const API_SECRET = 'bench-secret';
const ACTIONS = ['point_add', 'reward_claim', 'checkout', 'point_add', 'coupon_redeem'] as const;

function outboundOptions(url: string): MParticleOutboundOptions {
  return {
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    apiUrl: `${url}/v2`,
    fieldMapping: { first_name: '$firstname', last_name: '$lastname', tier: 'antavo_tier', points: 'antavo_points' },
    externalEvents: {
      point_add: { customEventType: 'transaction' },
      reward_claim: { name: 'Reward claimed', customEventType: 'other' },
      checkout: { customEventType: 'transaction' },
      coupon_redeem: { customEventType: 'transaction' },
    },
  };
}

function user(i: number): { customer: Customer; events: LoyaltyEvent[] } {
  const customer: Customer = {
    id: `cus_${i}`,
    attributes: { email: `member${i}@example.com`, first_name: `First${i}`, last_name: `Last${i}`, tier: i % 3 === 0 ? 'gold' : 'silver', points: i * 7 },
  };
  const events = ACTIONS.map((action, k) => ({
    id: `evt_${i}_${k}`,
    customerId: customer.id,
    action,
    data: { points: 10 * (k + 1), reason: 'purchase', channel: 'web' },
    timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000 + k).toISOString(),
  }));
  return { customer, events };
}

const CHANGED_AT = Date.UTC(2026, 0, 1);

async function ours(url: string): Promise<ContenderResult> {
  const peak = trackPeakRss();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const feed = new MParticleFeed({
    outbound: outboundOptions(url),
    // The sink does not throttle; the default (2 requests/s, under mParticle's default 270 batches/s
    // per account) would measure the rate limiter, not the feed.
    rateLimit: { requests: 1_000_000, intervalMs: 1000 },
  });
  let requests = 0;
  let delivered = 0;
  for (let start = 0; start < USERS; start += CHUNK_USERS) {
    for (let i = start; i < Math.min(USERS, start + CHUNK_USERS); i++) {
      const { customer, events } = user(i);
      await feed.updateProfile(customer, undefined, { changedAt: CHANGED_AT });
      for (const event of events) await feed.trackEvent(customer, event);
    }
    const flushed = await feed.flush();
    requests += flushed.requests;
    delivered += flushed.delivered;
  }
  const seconds = (performance.now() - started) / 1000;
  if (delivered !== ITEMS) throw new Error(`ours delivered ${delivered} of ${ITEMS}`);
  return { name: 'ours (MParticleFeed)', items: ITEMS, seconds, requests, peakRssMb: peak(), extra: { cpuSeconds: cpuSeconds(cpu) } };
}

interface OfficialSdk {
  EventsApi: new (configuration: unknown) => { apiClient: { basePath: string }; uploadEvents(batch: unknown, callback: (error: unknown) => void): void };
  Configuration: new (key: string, secret: string) => unknown;
  Batch: { new (environment: string): Record<string, unknown> & { addEvent(event: unknown): void }; Environment: { production: string } };
  UserIdentities: new () => Record<string, string>;
  AppEvent: { new (type: string, name: string): Record<string, unknown>; CustomEventType: Record<string, string> };
}

async function official(url: string): Promise<ContenderResult> {
  const mp = createRequire(import.meta.url)('mparticle') as OfficialSdk;
  const config = outboundOptions(url);
  const peak = trackPeakRss();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const api = new mp.EventsApi(new mp.Configuration(API_KEY, API_SECRET));
  api.apiClient.basePath = `${url}/v2`;
  const identities = (customer: Customer) => {
    const ids = new mp.UserIdentities();
    ids.customerid = customer.id;
    ids.email = String(customer.attributes!.email);
    return ids;
  };
  // The same 120,000 batches, built with the package's models, one uploadEvents call each.
  function* batches() {
    for (let i = 0; i < USERS; i++) {
      const { customer, events } = user(i);
      const profile = new mp.Batch(mp.Batch.Environment.production);
      profile.user_identities = identities(customer);
      profile.source_request_id = randomUUID();
      const a = customer.attributes!;
      profile.user_attributes = { $FirstName: a.first_name, $LastName: a.last_name, antavo_tier: a.tier, antavo_points: a.points };
      yield profile;
      for (const event of events) {
        const spec = config.externalEvents![event.action]!;
        const batch = new mp.Batch(mp.Batch.Environment.production);
        batch.user_identities = identities(customer);
        batch.source_request_id = randomUUID();
        const appEvent = new mp.AppEvent(spec.customEventType, spec.name ?? event.action);
        appEvent.custom_attributes = event.data;
        appEvent.timestamp_unixtime_ms = Date.parse(String(event.timestamp));
        batch.addEvent(appEvent);
        yield batch;
      }
    }
  }
  const source = batches();
  let requests = 0;
  const worker = async () => {
    for (let next = source.next(); !next.done; next = source.next()) {
      requests += 1;
      await new Promise<void>((resolve, reject) => api.uploadEvents(next.value, (error) => (error ? reject(error) : resolve())));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { name: 'official mparticle (uploadEvents)', items: ITEMS, seconds, requests, peakRssMb: peak(), extra: { cpuSeconds: cpuSeconds(cpu) } };
}

async function ceiling(url: string): Promise<ContenderResult> {
  // Untimed: the same batches as ours, serialised and packed the way the feed packs them.
  const config = parseMParticleOutboundOptions(outboundOptions(url));
  const destination = mparticleDestination(config);
  const items: Array<{ body: string; bytes: number; kind: string }> = [];
  for (let i = 0; i < USERS; i++) {
    const { customer, events } = user(i);
    for (const batch of [toUserAttributeBatch(customer, config, { changedAt: CHANGED_AT })!, ...events.map((e) => toCustomEventBatch(customer, e, config)!)]) {
      const body = JSON.stringify(batch);
      items.push({ body, bytes: utf8Bytes(body), kind: 'batch' });
    }
  }
  const bodies = packBatches(items, destination.limits).batches.map((b) => `[${b.map((m) => m.body).join(',')}]`);
  items.length = 0;
  const peak = trackPeakRss();
  const cpu = process.cpuUsage();
  const posted = await postPrepacked(
    `${url}/v2/bulkevents`,
    bodies,
    { authorization: mparticleAuthorization(API_KEY, API_SECRET), 'content-type': 'application/json' },
    4,
  );
  return { name: 'ceiling (pre-packed, keep-alive)', items: ITEMS, seconds: posted.seconds, requests: posted.requests, peakRssMb: peak(), extra: { cpuSeconds: cpuSeconds(cpu) } };
}

/** CPU seconds (user + system) this process spent since `since`. */
function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return Math.round((used.user + used.system) / 10_000) / 100;
}

const contender = contenderArg();
if (contender) {
  const url = process.env.SINK_URL!;
  const run = { ours, official, ceiling }[contender as 'ours' | 'official' | 'ceiling'];
  report(await run(url));
} else {
  const script = fileURLToPath(import.meta.url);
  console.log(`mParticle outbound: ${USERS.toLocaleString('en')} users × (1 attribute update + ${EVENTS_PER_USER} events) = ${ITEMS.toLocaleString('en')} batches → a local sink`);
  const results: ContenderResult[] = [];
  for (const { result, sink: seen } of await runAgainstSink(script, ['ours', 'official', 'ceiling'])) {
    if (seen.items !== ITEMS) throw new Error(`${result.name}: the sink saw ${seen.items} batches, expected ${ITEMS}`);
    if (seen.requests !== result.requests) throw new Error(`${result.name}: reported ${result.requests} requests, the sink saw ${seen.requests}`);
    results.push({ ...result, extra: { ...result.extra, sinkBytes: seen.bytes } });
  }
  console.log(`\n${table(results, 'batches')}\n`);
  // The machine may be shared: CPU seconds show what each contender itself cost, whatever the load.
  for (const r of results) {
    const cpu = Number(r.extra?.cpuSeconds ?? 0);
    console.log(`${r.name}: ${cpu} CPU s in its process (${Math.round(r.items / cpu)} batches per CPU second), ${(Number(r.extra?.sinkBytes) / 1e6).toFixed(1)} MB to the sink`);
  }
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  const [o, off, ceil] = results as [ContenderResult, ContenderResult, ContenderResult];
  const rate = (r: ContenderResult) => r.items / r.seconds;
  const checks: Array<[string, boolean, string]> = [
    ['throughput ≥ 5× official', rate(o) >= 5 * rate(off), `${(rate(o) / rate(off)).toFixed(1)}×`],
    ['requests ≤ official / 20', o.requests * 20 <= off.requests, `${(off.requests / o.requests).toFixed(1)}× fewer`],
    ['throughput ≥ ½ ceiling (aim)', rate(o) >= 0.5 * rate(ceil), `${((100 * rate(o)) / rate(ceil)).toFixed(0)}% of ceiling`],
  ];
  for (const [what, ok, figure] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${what}: ${figure}`);
  process.exit(checks.slice(0, 2).every(([, ok]) => ok) ? 0 : 1);
}
