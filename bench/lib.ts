// Shared benchmark plumbing: a sink in its own process, contenders in their own processes (so each
// peak RSS is its own), and the "ceiling": the same items pre-packed into bodies and POSTed with
// keep-alive, no queue.
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

/** A running sink process. */
export interface Sink {
  url: string;
  stats(): Promise<{ requests: number; bytes: number; items: number }>;
  reset(): Promise<void>;
  stop(): void;
}

/** Starts bench/sink.mjs in a child process on 127.0.0.1. */
export async function startSink(env: Record<string, string> = {}): Promise<Sink> {
  const child: ChildProcess = spawn(process.execPath, [join(here, 'sink.mjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()).port));
    child.once('error', reject);
  });
  const url = `http://127.0.0.1:${port}`;
  const get = async (path: string) => (await fetch(url + path)).json();
  return {
    url,
    stats: () => get('/__stats') as Promise<{ requests: number; bytes: number; items: number }>,
    reset: async () => {
      await get('/__reset');
    },
    stop: () => child.kill('SIGTERM'),
  };
}

/** What a contender prints as its last stdout line (JSON). */
export interface ContenderResult {
  name: string;
  items: number;
  seconds: number;
  requests: number;
  peakRssMb: number;
  extra?: Record<string, unknown>;
}

/**
 * Runs `script` (a bench file) with `--contender=name` in a fresh Node process via tsx and returns
 * the JSON it prints last. Each contender has the machine to itself apart from the sink.
 */
export async function runContender(script: string, name: string, env: Record<string, string>): Promise<ContenderResult> {
  const tsx = join(here, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const child = spawn(process.execPath, ['--expose-gc', tsx, script, `--contender=${name}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0) throw new Error(`contender ${name} exited ${code}: ${out.slice(-500)}`);
  return JSON.parse(last) as ContenderResult;
}

/** Samples RSS every 20 ms until stopped; returns the peak in MB. */
export function trackPeakRss(): () => number {
  // memoryUsage.rss() rather than memoryUsage(): the full report walks the V8 heap, which cost a
  // server holding a large heap measurably more per sample than one holding little.
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  return () => {
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage.rss());
    return Math.round((peak / 1024 / 1024) * 10) / 10;
  };
}

/** Prints a contender result as the last stdout line (call once, at the end of a contender run). */
export function report(result: ContenderResult): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** The `--contender=` argument of this process, if any. */
export function contenderArg(): string | undefined {
  return process.argv.find((a) => a.startsWith('--contender='))?.slice('--contender='.length);
}

/**
 * The ceiling: POSTs pre-packed bodies to `url` over keep-alive connections, `concurrency` at a
 * time, with no queue, no mapping and no retries. Returns elapsed seconds and requests.
 */
export async function postPrepacked(
  url: string,
  bodies: readonly string[],
  headers: Record<string, string>,
  concurrency = 4,
): Promise<{ seconds: number; requests: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      await new Promise<void>((resolve, reject) => {
        const req = request(
          { agent, host: target.hostname, port: target.port, path: target.pathname + target.search, method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return { seconds: (performance.now() - started) / 1000, requests: bodies.length };
}

/** Formats a comparison table of contenders. */
export function table(results: ContenderResult[], unit = 'items'): string {
  const rows = results.map((r) => [
    r.name,
    String(r.items),
    String(Math.round(r.items / r.seconds)),
    String(r.requests),
    r.peakRssMb ? String(r.peakRssMb) : '-',
    r.seconds.toFixed(2),
  ]);
  const head = [`contender`, unit, `${unit}/s`, 'requests', 'peak RSS MB', 'seconds'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** One contender's run against the shared sink, with what the sink itself counted. */
export interface SinkRun {
  result: ContenderResult;
  sink: { requests: number; bytes: number; items: number };
}

/**
 * Starts a sink that counts items, runs each named contender of `script` against it in turn (each
 * in its own process, the sink reset in between), and stops the sink.
 */
export async function runAgainstSink(script: string, names: readonly string[]): Promise<SinkRun[]> {
  const sink = await startSink({ SINK_COUNT_ITEMS: '1' });
  const runs: SinkRun[] = [];
  try {
    for (const name of names) {
      await sink.reset();
      const result = await runContender(script, name, { SINK_URL: sink.url });
      runs.push({ result, sink: await sink.stats() });
    }
  } finally {
    sink.stop();
  }
  return runs;
}
