// `npm run bench -- mparticle-inbound`: the mParticle inbound handler's requests/s on 100-event
// `event_processing_request` bodies through `toNodeListener`, beside a bare `node:http` ceiling
// (read the body, JSON.parse it, answer 200), each server in its own process and the load from
// another process over keep-alive connections; then `processInboundQueue()` events/s with
// `InMemoryLoyaltyEngine`. MP_INBOUND_REFERENCE=1 also measures the ceiling plus keeping each body
// (the least any queue holds), to tell the cost of holding the work from the cost of checking it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { Logger, MemoryLogStore, toNodeListener } from 'loyalty-cdp';
import { MParticleInbound, type MParticleInboundOptions } from 'loyalty-cdp/mparticle';
import { InMemoryLoyaltyEngine } from 'loyalty-cdp/testing';
import { contenderArg, postPrepacked, report, runContender, table, trackPeakRss, type ContenderResult } from './lib.js';

const script = fileURLToPath(import.meta.url);
const TOKEN = 'bench-token-0123456789abcdef';
const EVENTS_PER_REQUEST = 100;
const REQUESTS = Number(process.env.MP_INBOUND_REQUESTS ?? 4000);
const SLICE = 200;
const WARMUP = Number(process.env.MP_INBOUND_WARMUP ?? 500);
const CONCURRENCY = Number(process.env.MP_INBOUND_CONCURRENCY ?? 8);
const CUSTOMERS = 1000;
const PROCESS_REQUESTS = Number(process.env.MP_INBOUND_PROCESS_REQUESTS ?? 1500);
// MP_INBOUND_REFERENCE=1 adds a server that is the ceiling plus keeping each body in an array.
const REFERENCE = process.env.MP_INBOUND_REFERENCE === '1';
// Of every 10 events: 4 custom events, 3 screen views and 2 purchases are mapped; 1 session event is not.
const MAPPED_PER_REQUEST = 90;

const MAPPINGS: MParticleInboundOptions['eventMappings'] = [
  { loyaltyEvent: 'coupon_redeem', eventType: 'custom_event', eventName: 'Coupon Redeemed', priority: 5, fields: { coupon: '{coupon_code}', source: 'mparticle' } },
  { loyaltyEvent: 'checkout', eventType: 'product_action', eventName: 'purchase', priority: 1, fields: { transaction_id: '{transaction_id}', total: '{total_amount}', items: '{products}' } },
  { loyaltyEvent: 'page_view', eventType: 'screen_view', priority: 10, fields: { page: '{screen_name}' } },
];

/** One realistic 100-event request of customer `c`: 40 custom events, 30 screen views, 20 purchases, 10 unmapped session events. */
function eventRequest(seq: number): string {
  const customer = `crm-${seq % CUSTOMERS}`;
  const base = 1763629200000 + seq * 1000;
  const events: unknown[] = [];
  for (let i = 0; i < EVENTS_PER_REQUEST; i++) {
    const id = `${seq.toString(16).padStart(8, '0')}-${i.toString(16).padStart(4, '0')}-4000-8000-${(seq * 100 + i).toString(16).padStart(12, '0')}`;
    const common = { id, timestamp_ms: base + i, source_id: '15f84c64-f75e-4580-bd6a-695010fc182e', session_id: seq };
    const kind = i % 10;
    if (kind < 4) events.push({ type: 'custom_event', ...common, name: 'Coupon Redeemed', custom_event_type: 'transaction', attributes: { coupon_code: `C-${seq}-${i}`, channel: 'app' } });
    else if (kind < 7) events.push({ type: 'screen_view', ...common, screen_name: 'Rewards Catalogue', attributes: { tab: 'featured' } });
    else if (kind < 9) {
      events.push({
        type: 'product_action', ...common, action: 'purchase', transaction_id: `tx-${seq}-${i}`, total_amount: 59.9, currency_code: 'EUR',
        products: [{ id: 'sku-1', name: 'Coffee beans', price: 19.95, quantity: 2 }, { id: 'sku-2', name: 'Mug', price: 20, quantity: 1 }],
      });
    } else events.push({ type: 'session_start', ...common });
  }
  return JSON.stringify({
    type: 'event_processing_request',
    id: `0000${seq.toString(16).padStart(4, '0')}-a3a6-4ca9-b432-53b7810bdf67`,
    timestamp_ms: base,
    firehose_version: '3.2.0',
    source_id: '1a6f90d4-5d9b-4a85-9ec7-1038ca460c6b',
    account: { account_id: 123456, account_settings: {} },
    user_identities: [{ type: 'customer', encoding: 'raw', value: customer }, { type: 'email', encoding: 'md5', value: 'e179e95c00e7718ab4a23840f992ea63' }],
    user_attributes: { $FirstName: 'Ada', $City: 'London' },
    runtime_environment: { type: 'ios', sdk_version: '8.19.0' },
    source_channel: 'native',
    mpid: String(-8183371295728413417n + BigInt(seq)),
    events,
  });
}

function engine(): InMemoryLoyaltyEngine {
  return new InMemoryLoyaltyEngine(Array.from({ length: CUSTOMERS }, (_, i) => ({ id: `cus_${i}`, attributes: { external_id: `crm-${i}` } })));
}

function inboundOver(loyalty: InMemoryLoyaltyEngine, logs: MemoryLogStore): MParticleInbound {
  return new MParticleInbound(
    { authToken: TOKEN, customerIdentity: 'customer', loyaltyIdentifierField: 'external_id', eventMappings: MAPPINGS },
    { engine: loyalty, lists: loyalty, logger: new Logger(logs), now: Date.now },
  );
}

// ---- contender processes ---------------------------------------------------------------------

/** A server process: prints its port, answers `/__stats` with its peak RSS, stops on SIGTERM. */
type ServerName = 'server-bare' | 'server-bare-keep' | 'server-ours' | 'server-ours-web';

function serve(name: ServerName): void {
  const peak = trackPeakRss();
  let served = 0;
  let cpuAtFirst: NodeJS.CpuUsage | undefined;
  let inbound: MParticleInbound | undefined;
  let handler: (req: IncomingMessage, res: ServerResponse) => void;
  if (name === 'server-bare' || name === 'server-bare-keep') {
    const kept: string[] = [];
    handler = (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const message = JSON.parse(text) as { id?: string };
        if (name === 'server-bare-keep') kept.push(text);
        const body = JSON.stringify({ type: 'event_processing_response', id: message.id, timestamp_ms: Date.now(), firehose_version: '3.2.0' });
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
    };
  } else {
    inbound = inboundOver(engine(), new MemoryLogStore());
    const fetchHandler = inbound.fetch;
    // A plain wrapper hides the handler's NODE_FAST_PATH: web Request/Response objects every time.
    handler = toNodeListener(name === 'server-ours' ? fetchHandler : (request: Request) => fetchHandler(request));
  }
  const server = createServer((req, res) => {
    if (req.url === '/__stats') {
      void (inbound?.pending() ?? Promise.resolve(0)).then((queued) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const cpu = cpuAtFirst ? process.cpuUsage(cpuAtFirst) : { user: 0, system: 0 };
        res.end(JSON.stringify({ peakRssMb: peak(), queued, served, cpuMicros: cpu.user + cpu.system }));
      });
      return;
    }
    if (req.url === '/__mark') {
      cpuAtFirst = process.cpuUsage();
      served = 0;
      res.end('{}');
      return;
    }
    served += 1;
    handler(req, res);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
}

/**
 * The load process. Both servers are measured in one paired run: the requests go in slices,
 * alternating between the servers (and which goes first), so both see the same machine conditions
 * (other processes on a shared machine move absolute figures a lot).
 */
async function load(): Promise<void> {
  const targets = JSON.parse(process.env.MP_INBOUND_TARGETS!) as Record<string, string>;
  const names = Object.keys(targets);
  const headers = { 'content-type': 'application/json', authorization: `Token ${TOKEN}` };
  const warmup = Array.from({ length: WARMUP }, (_, i) => eventRequest(i));
  const bodies = Array.from({ length: REQUESTS }, (_, i) => eventRequest(WARMUP + i));
  for (const url of Object.values(targets)) {
    await postPrepacked(url, warmup, headers, CONCURRENCY);
    await fetch(`${new URL(url).origin}/__mark`);
  }
  const seconds: Record<string, number> = Object.fromEntries(names.map((name) => [name, 0]));
  for (let slice = 0, start = 0; start < bodies.length; slice++, start += SLICE) {
    const part = bodies.slice(start, start + SLICE);
    // Rotate who goes first, so slow moments of the machine fall on every server alike.
    for (let k = 0; k < names.length; k++) {
      const name = names[(slice + k) % names.length]!;
      seconds[name]! += (await postPrepacked(targets[name]!, part, headers, CONCURRENCY)).seconds;
    }
  }
  report({ name: 'load', items: REQUESTS, seconds: 0, requests: REQUESTS * names.length, peakRssMb: 0, extra: { seconds, bodyBytes: Buffer.byteLength(bodies[0]!) } });
}

/** processInboundQueue(): fills the queue through the handler (untimed), then times one run. */
async function processRun(): Promise<void> {
  const loyalty = engine();
  const inbound = inboundOver(loyalty, new MemoryLogStore());
  for (let i = 0; i < PROCESS_REQUESTS; i++) {
    const response = await inbound.fetch(
      new Request('http://127.0.0.1/mparticle', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Token ${TOKEN}` }, body: eventRequest(i) }),
    );
    if (response.status !== 200) throw new Error(`fill failed: ${response.status} ${await response.text()}`);
  }
  const queuedRequests = await inbound.pending();
  const expected = PROCESS_REQUESTS * MAPPED_PER_REQUEST;
  (globalThis as { gc?: () => void }).gc?.();
  const peak = trackPeakRss();
  const started = performance.now();
  const result = await inbound.processInboundQueue();
  const seconds = (performance.now() - started) / 1000;
  if (queuedRequests !== PROCESS_REQUESTS || result.registered !== expected) {
    throw new Error(`queued ${queuedRequests} requests, registered ${result.registered} of ${expected} events`);
  }
  report({ name: 'ours: processInboundQueue()', items: result.registered, seconds, requests: 0, peakRssMb: peak(), extra: { ...result } });
}

// ---- orchestration ---------------------------------------------------------------------------

interface ServerStats {
  peakRssMb: number;
  queued: number;
  served: number;
  cpuMicros: number;
}

interface ServerProcess {
  url: string;
  stats(): Promise<ServerStats>;
  stop(): void;
}

type ServerKey = 'bare' | 'keep' | 'ours' | 'web';

const SERVER_OF: Record<ServerKey, ServerName> = { bare: 'server-bare', keep: 'server-bare-keep', ours: 'server-ours', web: 'server-ours-web' };

const LABELS: Record<ServerKey, string> = {
  bare: 'ceiling: bare node:http + JSON.parse',
  keep: 'reference: ceiling + keeps each body',
  ours: 'ours: toNodeListener(inbound.fetch)',
  web: 'ours, web Request/Response path',
};

async function startServer(name: ServerName): Promise<ServerProcess> {
  const tsx = join(dirname(script), '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const child: ChildProcess = spawn(process.execPath, ['--expose-gc', tsx, script, `--contender=${name}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()).port as number));
    child.once('error', reject);
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url: `${url}/mparticle`,
    stats: async () => (await (await fetch(`${url}/__stats`)).json()) as ServerStats,
    stop: () => child.kill('SIGTERM'),
  };
}

async function main(): Promise<void> {
  console.log(
    `mParticle inbound: ${REQUESTS} requests x ${EVENTS_PER_REQUEST} events to each server (after ${WARMUP} warm-up), ` +
      `${CONCURRENCY} keep-alive connections, alternating slices of ${SLICE}`,
  );
  // The reference server shares the machine's 2 cores with the others (its garbage collector runs
  // on after its own slices), so it is measured only when asked for.
  const keys = (REFERENCE ? ['bare', 'keep', 'ours', 'web'] : ['bare', 'ours', 'web']) as ServerKey[];
  const servers = {} as Record<ServerKey, ServerProcess>;
  for (const key of keys) servers[key] = await startServer(SERVER_OF[key]);
  let results: Record<ServerKey, ContenderResult>;
  let cpu: Record<ServerKey, number>;
  let queued: number;
  try {
    const run = await runContender(script, 'load', { MP_INBOUND_TARGETS: JSON.stringify(Object.fromEntries(keys.map((k) => [k, servers[k].url]))) });
    const stats = Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await servers[k].stats()] as const))) as Record<ServerKey, ServerStats>;
    const { seconds, bodyBytes } = run.extra as { seconds: Record<ServerKey, number>; bodyBytes: number };
    console.log(`body size: ${bodyBytes} bytes`);
    results = Object.fromEntries(keys.map((k) => [k, { name: LABELS[k], items: REQUESTS, seconds: seconds[k], requests: REQUESTS, peakRssMb: stats[k].peakRssMb }])) as Record<ServerKey, ContenderResult>;
    cpu = Object.fromEntries(keys.map((k) => [k, stats[k].cpuMicros / stats[k].served])) as Record<ServerKey, number>;
    queued = stats.ours.queued;
  } finally {
    for (const key of keys) servers[key].stop();
  }
  console.log(table(keys.map((k) => results[k]), 'requests'));
  const timesCeiling = (k: ServerKey) => (results.bare.seconds / results[k].seconds).toFixed(2);
  const ratio = results.bare.seconds / results.ours.seconds;
  console.log(`ours queued ${queued} requests (${MAPPED_PER_REQUEST} of ${EVENTS_PER_REQUEST} events each are mapped), applied later by processInboundQueue()`);
  console.log(
    `server CPU per request: ${keys.map((k) => `${k} ${Math.round(cpu[k])} µs`).join(', ')} ` +
      `(ceiling/ours ${(cpu.bare / cpu.ours).toFixed(2)}: the throughput ratio to expect when the server's CPU, not the load, is the limit)`,
  );
  if (REFERENCE) console.log(`ceiling + keeping each body (the least a queue holds, before any check): ${timesCeiling('keep')} x the ceiling`);
  console.log(`web path (a wrapper without NODE_FAST_PATH, e.g. another framework's adapter): ${timesCeiling('web')} x the ceiling`);

  const processing = await runContender(script, 'process', {});
  console.log('');
  console.log(`processInboundQueue(): ${PROCESS_REQUESTS * EVENTS_PER_REQUEST} events received, ${processing.items} mapped events registered`);
  console.log(table([processing], 'events'));
  console.log('');
  console.log(`target: handler requests/s >= 0.8 x ceiling: ${ratio.toFixed(2)} x -> ${ratio >= 0.8 ? 'PASS' : 'FAIL'}`);
  console.log(`processInboundQueue(): ${Math.round(processing.items / processing.seconds)} events/s (no target; reported)`);
  if (ratio < 0.8) process.exitCode = 1;
}

const contender = contenderArg();
if (contender === 'server-bare' || contender === 'server-bare-keep' || contender === 'server-ours' || contender === 'server-ours-web') serve(contender);
else if (contender === 'load') await load();
else if (contender === 'process') await processRun();
else await main();
