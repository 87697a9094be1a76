import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TransportTimeoutError, type Transport } from '../core/transport.js';

/** A request a {@link FakeVendors} received. */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** Path with query, e.g. `/v1/batch`. */
  path: string;
  /** Headers, lower-case names. */
  headers: Record<string, string>;
  /** Body text. */
  body: string;
  /** Body parsed as JSON, when it is JSON. */
  json: unknown;
  /** Epoch milliseconds. */
  receivedAt: number;
}

/** A scripted answer. */
export interface ScriptedResponse {
  /** HTTP status. */
  status: number;
  /** Response headers. */
  headers?: Record<string, string>;
  /** Body: text, or a value sent as JSON. */
  body?: unknown;
  /** Wait this long before answering (to provoke client timeouts). */
  delayMs?: number;
}

/** A plain request/answer pair, independent of the HTTP stack that carries it. */
export interface FakeExchange {
  /** HTTP method. */
  method: string;
  /** Path with query. */
  path: string;
  /** Headers, lower-case names. */
  headers: Record<string, string>;
  /** Body text. */
  body: string;
}

/** The answer {@link FakeVendors.respond} gives. */
export interface FakeAnswer {
  /** HTTP status. */
  status: number;
  /** Headers. */
  headers: Record<string, string>;
  /** Body text. */
  body: string;
}

/** Options of {@link FakeVendors}. */
export interface FakeVendorsOptions {
  /**
   * Keep every request (`full`) or only count them (`count`, for benchmarks).
   * @default 'full'
   */
  record?: 'full' | 'count';
}

/**
 * Stand-ins for the Segment, mParticle and Braze endpoints: records what arrives and answers like
 * the vendor does (Segment `/v1/batch` 200, mParticle `/bulkevents` 202, Braze `/users/track` 201
 * and `/events/list` 200), unless scripted otherwise. The same instance backs a local HTTP server
 * ({@link startFakeVendorServer}), an in-process transport ({@link fakeTransport}) and msw handlers
 * ({@link createMswHandlers}).
 */
export class FakeVendors {
  /** Every request received, in order (empty in `count` mode). */
  readonly requests: RecordedRequest[] = [];
  /** Number of requests received. */
  count = 0;
  private readonly scripts: Array<{ match: (path: string) => boolean; responses: ScriptedResponse[] }> = [];
  private readonly record: 'full' | 'count';
  private readonly eventNames = new Set<string>();

  constructor(options: FakeVendorsOptions = {}) {
    this.record = options.record ?? 'full';
  }

  /**
   * Answers the next requests whose path starts with `path` (or matches the RegExp) with these
   * responses, one each, before falling back to the default answers.
   */
  script(path: string | RegExp, ...responses: ScriptedResponse[]): this {
    const match = typeof path === 'string' ? (p: string) => p.startsWith(path) || p.includes(path) : (p: string) => path.test(p);
    this.scripts.push({ match, responses: [...responses] });
    return this;
  }

  /** Requests whose path contains `fragment`. */
  requestsTo(fragment: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.includes(fragment));
  }

  /** Forgets requests and scripts. */
  reset(): void {
    this.requests.length = 0;
    this.scripts.length = 0;
    this.count = 0;
  }

  /** Records one request and computes its answer. */
  async respond(exchange: FakeExchange): Promise<FakeAnswer> {
    this.count += 1;
    let json: unknown;
    if (this.record === 'full') {
      try {
        json = exchange.body ? JSON.parse(exchange.body) : undefined;
      } catch {
        json = undefined;
      }
      this.requests.push({ ...exchange, json, receivedAt: Date.now() });
      this.noteEventNames(json);
    }
    const script = this.scripts.find((s) => s.responses.length > 0 && s.match(exchange.path));
    const scripted = script?.responses.shift();
    if (scripted) {
      if (scripted.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
      const body = scripted.body === undefined ? '' : typeof scripted.body === 'string' ? scripted.body : JSON.stringify(scripted.body);
      return { status: scripted.status, headers: { 'content-type': 'application/json', ...scripted.headers }, body };
    }
    return this.defaultAnswer(exchange);
  }

  private defaultAnswer(exchange: FakeExchange): FakeAnswer {
    const json = (status: number, body: unknown): FakeAnswer => ({
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const path = exchange.path.split('?')[0] ?? '';
    if (path.endsWith('/v1/batch') || path.endsWith('/v1/track') || path.endsWith('/v1/identify')) return json(200, { success: true });
    if (path.endsWith('/bulkevents') || path.endsWith('/events') && exchange.method === 'POST') return { status: 202, headers: {}, body: '' };
    if (path.endsWith('/users/track')) return json(201, { message: 'success' });
    if (path.endsWith('/events/list')) return json(200, { events: [...this.eventNames].sort(), message: 'success' });
    return json(404, { error: `no fake for ${exchange.method} ${path}` });
  }

  private noteEventNames(json: unknown): void {
    const events = (json as { events?: Array<{ name?: unknown }> } | undefined)?.events;
    if (Array.isArray(events)) for (const e of events) if (typeof e?.name === 'string') this.eventNames.add(e.name);
  }
}

/** A running local HTTP server in front of a {@link FakeVendors}. */
export interface FakeVendorServer {
  /** Base URL, e.g. `http://127.0.0.1:53211`. */
  url: string;
  /** The recorder and script behind it. */
  vendors: FakeVendors;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Starts a {@link FakeVendors} behind an HTTP server on 127.0.0.1 (a free port unless given). */
export async function startFakeVendorServer(
  options: FakeVendorsOptions & { port?: number; vendors?: FakeVendors } = {},
): Promise<FakeVendorServer> {
  const vendors = options.vendors ?? new FakeVendors(options);
  const server: Server = createServer((req, res) => {
    readAll(req)
      .then((body) =>
        vendors.respond({
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          headers: flattenHeaders(req.headers),
          body,
        }),
      )
      .then((answer) => {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      })
      .catch(() => {
        res.writeHead(500);
        res.end();
      });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    vendors,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A {@link Transport} that hands requests straight to a {@link FakeVendors}, with no sockets: fast
 * unit tests of a whole connector. Scripted `delayMs` beyond the request's timeout becomes a timeout.
 */
export function fakeTransport(vendors: FakeVendors): Transport {
  return async (request) => {
    const started = performance.now();
    const url = new URL(request.url);
    const answer = await vendors.respond({
      method: request.method,
      path: url.pathname + url.search,
      headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v])),
      body: request.body ?? '',
    });
    const durationMs = performance.now() - started;
    if (durationMs > request.timeoutMs) {
      throw new TransportTimeoutError(request.timeoutMs);
    }
    return {
      status: answer.status,
      headers: Object.fromEntries(Object.entries(answer.headers).map(([k, v]) => [k.toLowerCase(), v])),
      body: answer.body,
      durationMs,
    };
  };
}

/** The vendor hosts the msw handlers intercept by default. */
export const VENDOR_HOSTS = /^https?:\/\/(api\.segment\.io|events\.eu1\.segmentapis\.com|([\w-]+\.)*mparticle\.com|rest\.[\w.-]+\.braze\.(com|eu))(\/|$)/;

/**
 * msw request handlers that answer the vendors' hosts from a {@link FakeVendors}. Requires the
 * optional peer dependency `msw` (v2).
 *
 * @example
 * ```ts
 * const vendors = new FakeVendors();
 * const server = setupServer(...(await createMswHandlers(vendors)));
 * server.listen({ onUnhandledRequest: 'error' });
 * ```
 */
export async function createMswHandlers(vendors: FakeVendors, hosts: RegExp = VENDOR_HOSTS): Promise<unknown[]> {
  const { http, HttpResponse } = await import('msw');
  return [
    http.all(hosts, async ({ request }) => {
      const url = new URL(request.url);
      const answer = await vendors.respond({
        method: request.method,
        path: url.pathname + url.search,
        headers: Object.fromEntries(request.headers.entries()),
        body: await request.text(),
      });
      return new HttpResponse(answer.body === '' ? null : answer.body, { status: answer.status, headers: answer.headers });
    }),
  ];
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}
