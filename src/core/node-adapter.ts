import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** A web-standard inbound handler, as every inbound connector's `fetch` is. */
export type FetchHandler = (request: Request) => Promise<Response>;

/** A request as {@link toNodeListener} buffered it, for a {@link NodeFastPath}. */
export interface BufferedRequest {
  /** HTTP method. */
  method: string;
  /** Path and query as received (Express: `originalUrl`). */
  url: string;
  /** Node's headers (lower-case names). */
  headers: IncomingHttpHeaders;
  /** The body (cut one byte past `maxBodyBytes`), absent for GET and HEAD. */
  body: Uint8Array | undefined;
}

/** What a {@link NodeFastPath} answers. */
export interface BufferedResponse {
  /** HTTP status. */
  status: number;
  /** Response headers. */
  headers: Record<string, string>;
  /** Response body. */
  body: string;
}

/**
 * The same handler as a connector's `fetch`, serving a buffered Node request directly: building a
 * web `Request` and `Response` per call costs more than a small handler itself. It must answer
 * exactly as `fetch` would (same guards, statuses, bodies and log records) and never reject.
 */
export type NodeFastPath = (request: BufferedRequest) => Promise<BufferedResponse>;

/**
 * A `fetch` handler may carry its {@link NodeFastPath} under this key; {@link toNodeListener} then
 * uses it instead of building a web `Request`. Other runtimes keep calling `fetch`.
 */
export const NODE_FAST_PATH: unique symbol = Symbol.for('loyalty-cdp.node-fast-path');

/** Options of {@link toNodeListener}. */
export interface NodeListenerOptions {
  /**
   * Bytes buffered before the handler sees the body; a larger body is cut one byte past this so
   * that the handler's own guard answers 413.
   * @default 1048576 (1 MB)
   */
  maxBodyBytes?: number;
}

type ExpressLikeRequest = IncomingMessage & { body?: unknown; originalUrl?: string };

/**
 * Adapts a web `fetch(request)` handler to Node's `http` server and to Express (mount it before any
 * body parser, or with `express.raw({ type: 'application/json' })`, so signatures can be checked
 * against the raw body). A handler failure never escapes: the client gets a 500 JSON error. A handler
 * carrying a {@link NODE_FAST_PATH} is served through it, without building web `Request`/`Response`s.
 *
 * @example
 * ```ts
 * http.createServer(toNodeListener(inbound.fetch)).listen(3000);
 * app.post('/segment', toNodeListener(inbound.fetch));
 * ```
 */
export function toNodeListener(
  handler: FetchHandler,
  options: NodeListenerOptions = {},
): (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void {
  const max = options.maxBodyBytes ?? 1024 * 1024;
  const fast = (handler as FetchHandler & { [NODE_FAST_PATH]?: unknown })[NODE_FAST_PATH];
  if (typeof fast === 'function') {
    return (req, res) => {
      void serveBuffered(fast as NodeFastPath, req as ExpressLikeRequest, res, max);
    };
  }
  return (req, res) => {
    void serve(handler, req as ExpressLikeRequest, res, max);
  };
}

async function serveBuffered(fast: NodeFastPath, req: ExpressLikeRequest, res: ServerResponse, max: number): Promise<void> {
  try {
    const method = req.method ?? 'GET';
    const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req, max);
    const answer = await fast({ method, url: req.originalUrl ?? req.url ?? '/', headers: req.headers, body });
    // A string body (not a Buffer) lets Node send the head and the body in one write to the socket,
    // as a bare handler that answers with res.end(text) does: a Buffer goes out as a second chunk.
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) });
    res.end(answer.body);
  } catch (error) {
    fail(res, error);
  }
}

async function serve(handler: FetchHandler, req: ExpressLikeRequest, res: ServerResponse, max: number): Promise<void> {
  try {
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await readBody(req, max);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const host = req.headers.host ?? '127.0.0.1';
    const request = new Request(`http://${host}${req.originalUrl ?? req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers,
      ...(body === undefined ? {} : { body: body as unknown as BodyInit }),
    });
    const response = await handler(request);
    const out: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      out[name] = value;
    });
    const payload = Buffer.from(await response.arrayBuffer());
    out['content-length'] = String(payload.byteLength);
    res.writeHead(response.status, out);
    res.end(payload);
  } catch (error) {
    fail(res, error);
  }
}

function fail(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy(error instanceof Error ? error : undefined);
    return;
  }
  const payload = JSON.stringify({ error: { code: 'internal_error', message: 'the handler failed' } });
  res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
  res.end(payload);
}

function readBody(req: ExpressLikeRequest, max: number): Promise<Uint8Array> {
  // A body parser ran before us: use what it kept.
  if (Buffer.isBuffer(req.body)) return Promise.resolve(req.body);
  if (typeof req.body === 'string') return Promise.resolve(Buffer.from(req.body));
  if (req.body !== undefined && req.readableEnded) return Promise.resolve(Buffer.from(JSON.stringify(req.body)));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let cut = false;
    req.on('data', (chunk: Buffer) => {
      if (cut) return;
      size += chunk.byteLength;
      chunks.push(chunk);
      if (size > max) {
        cut = true;
        resolve(Buffer.concat(chunks).subarray(0, max + 1));
      }
    });
    req.on('end', () => {
      if (!cut) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}
