import { LoyaltyCdpError } from './errors.js';
import { randomId } from './ids.js';
import type { IncomingErrorSource, Logger } from './logs.js';
import type { BufferedRequest, BufferedResponse } from './node-adapter.js';

/** The JSON body of every error answer: `{ "error": { "code", "message", "details"? } }`. */
export interface ErrorBody {
  /** The error. */
  error: ErrorDetail;
}

/** The inside of an {@link ErrorBody}. */
export interface ErrorDetail {
  /** Machine-readable code, e.g. `invalid_json`, `unauthorized`. */
  code: string;
  /** What went wrong, for a person. */
  message: string;
  /** Field paths, expected values and the like. */
  details?: unknown;
}

/** A request body as {@link readJsonBody} read it. */
export interface JsonBody {
  /** The body text exactly as received (for signature checks). */
  raw: string;
  /** The parsed JSON. */
  json: unknown;
}

/**
 * An inbound request that must be answered with an error status. Thrown inside handlers and
 * turned into a JSON error answer (and an incoming-error log record) by {@link handleInbound}.
 */
export class InboundError extends LoyaltyCdpError {
  /** HTTP status to answer with. */
  readonly status: number;
  /** Machine-readable error code, e.g. `payload_too_large`, `invalid_json`. */
  readonly errorCode: string;
  /** Extra detail for the caller (field paths, expected values). */
  readonly details: unknown;
  /** Where the failure happened, for the incoming-error log. */
  readonly source: IncomingErrorSource;

  constructor(
    status: number,
    errorCode: string,
    message: string,
    options: { details?: unknown; source?: IncomingErrorSource } = {},
  ) {
    super('inbound', message);
    this.status = status;
    this.errorCode = errorCode;
    this.details = options.details;
    this.source = options.source ?? 'proxy-request';
  }
}

/** Options of the shared inbound guards. */
export interface InboundGuardOptions {
  /**
   * Largest accepted body in bytes; larger ones get 413.
   * @default 1048576 (1 MB)
   */
  maxBodyBytes?: number;
}

/** Default inbound body limit: 1 MB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

// One decoder for every body: decode() without `stream` keeps no state between calls.
const UTF8 = new TextDecoder();

/** A JSON answer. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': JSON_CONTENT_TYPE, ...headers },
  });
}

/** {@link jsonResponse} for a handler's Node fast path: the same answer, without a web `Response`. */
export function bufferedJsonResponse(status: number, body: unknown): BufferedResponse {
  return { status, headers: { 'content-type': JSON_CONTENT_TYPE }, body: JSON.stringify(body) };
}

/** A JSON error answer in the shared `{ error: { code, message, details? } }` shape. */
export function errorResponse(status: number, code: string, message: string, details?: unknown): Response {
  return jsonResponse(status, errorBody(code, message, details));
}

function errorBody(code: string, message: string, details: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/**
 * Reads a request's body as text under the shared guards: 413 when it is larger than allowed, 415
 * when it is not JSON. Throws {@link InboundError}.
 */
export async function readBodyText(request: Request, options: InboundGuardOptions = {}): Promise<string> {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > max) throw tooLarge(max);
  assertJsonContentType(request.headers.get('content-type'));
  const buffer = await readLimited(request, max);
  return UTF8.decode(buffer);
}

/**
 * Throws {@link InboundError} 415 `unsupported_media_type` unless `contentType` is JSON
 * (`application/json` or `application/<something>+json`, any parameters).
 */
export function assertJsonContentType(contentType: string | null | undefined): void {
  const type = (contentType ?? '').toLowerCase();
  if (!/^application\/([\w.+-]*\+)?json\b/.test(type.trim())) {
    throw new InboundError(415, 'unsupported_media_type', `expected Content-Type application/json, received ${type ? `'${type.slice(0, 80)}'` : 'none'}`);
  }
}

/**
 * {@link readBodyText} for a body that is already buffered (as `toNodeListener` hands it to a
 * handler's Node fast path): 413 when larger than allowed, 415 when not JSON. Throws
 * {@link InboundError}.
 */
export function readBufferedBodyText(
  body: Uint8Array | undefined,
  contentType: string | null | undefined,
  options: InboundGuardOptions = {},
): string {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (body && body.byteLength > max) throw tooLarge(max);
  assertJsonContentType(contentType);
  if (!body) return '';
  // Node's own decoder is the faster; TextDecoder drops a leading byte-order mark, so this does too.
  if (Buffer.isBuffer(body)) return body.toString('utf8', body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0);
  return UTF8.decode(body);
}

/** Parses JSON text, or throws {@link InboundError} 400 `invalid_json` with the parser's reason. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InboundError(400, 'invalid_json', `request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** {@link readBodyText} then {@link parseJson}. */
export async function readJsonBody(request: Request, options: InboundGuardOptions = {}): Promise<JsonBody> {
  const raw = await readBodyText(request, options);
  return { raw, json: parseJson(raw) };
}

async function readLimited(request: Request, max: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function tooLarge(max: number): InboundError {
  return new InboundError(413, 'payload_too_large', `request body is larger than ${max} bytes`);
}

/** Incoming-error records keep at most this much of the payload. */
const MAX_LOGGED_PAYLOAD = 64 * 1024;

/** Who answers an inbound request, as the guard needs it for the incoming-error log. */
export interface InboundContext {
  /** The connector name on log records, e.g. `segment-inbound`. */
  connector: string;
  /** Where the incoming-error records go. */
  logger: Logger;
  /** Clock in epoch milliseconds. */
  now: () => number;
}

/** An answer before it is written out: an HTTP status and a JSON body. */
export interface InboundAnswer<Body = unknown> {
  /** HTTP status. */
  status: number;
  /** The JSON body. */
  body: Body;
}

/**
 * The parts of an incoming request a handler reads, the same whichever way it came in: a web
 * `Request` ({@link webView}) or a request `toNodeListener` already buffered ({@link bufferedView}).
 */
export interface IncomingView {
  /** HTTP method. */
  readonly method: string;
  /** The URL as received: absolute for a web `Request`, the request target (`/v1/batch?x=1`) for a buffered one. */
  readonly url: string;
  /** The path of {@link IncomingView.url}, without query or fragment (`''` when it cannot be parsed). */
  readonly path: string;
  /** Reads one header by its lower-case name. */
  header(name: string): string | undefined;
  /**
   * The body as text, under the shared guards: {@link InboundError} 413 when larger than
   * `maxBodyBytes`, 415 when not declared JSON.
   */
  text(maxBodyBytes: number): Promise<string> | string;
}

/** A web `Request` as an {@link IncomingView}. */
export function webView(request: Request): IncomingView {
  return {
    method: request.method,
    url: request.url,
    get path() {
      return pathOf(request.url);
    },
    header: (name) => request.headers.get(name) ?? undefined,
    text: (maxBodyBytes) => readBodyText(request, { maxBodyBytes }),
  };
}

/** A request buffered by `toNodeListener` (its `NODE_FAST_PATH` argument) as an {@link IncomingView}. */
export function bufferedView(request: BufferedRequest): IncomingView {
  // Node already lower-cases header names, so a plain lookup is enough on this hot path.
  const header = (name: string): string | undefined => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  return {
    method: request.method,
    url: request.url,
    get path() {
      return pathOf(request.url);
    },
    header,
    text: (maxBodyBytes) => readBufferedBodyText(request.body, header('content-type'), { maxBodyBytes }),
  };
}

/** The path of an absolute URL or of a request target (`/v1/batch?x=1`). */
function pathOf(url: string): string {
  if (url.startsWith('/')) {
    const end = url.search(/[?#]/);
    return end < 0 ? url : url.slice(0, end);
  }
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}

/** What a guarded handler may tell the guard about its request, for the incoming-error log. */
export interface InboundState {
  /** When the request arrived, epoch milliseconds. */
  receivedAt: number;
  /** The request ID to log, when the handler knows a better one than `x-request-id` (mParticle's message ID). */
  requestId?: string;
  /**
   * The body to log with a failure. Set it only once the body may be kept: an unauthenticated
   * stranger must not be able to write into the log.
   */
  raw?: string;
}

/**
 * Runs `work` so that no input can escape as an exception: an {@link InboundError} becomes its
 * JSON error answer, anything else a 500 `internal_error`; both are written to the incoming-error
 * log (see {@link recordInboundFailure}). Only the request's headers are read, so a caller without a
 * whole {@link IncomingView} may pass just `{ header }`.
 *
 * @typeParam A - The answers `work` gives.
 */
export function guardInbound<A extends InboundAnswer>(
  context: InboundContext,
  view: Pick<IncomingView, 'header'>,
  work: (state: InboundState) => Promise<A>,
): Promise<A | InboundAnswer<ErrorBody>> {
  return guard<A | InboundAnswer<ErrorBody>>(context, view, work, (failure) => failure);
}

/**
 * Turns whatever a handler threw into an {@link InboundError} (anything else becomes a 500
 * `internal_error` from `engine-processing`) and writes it to the incoming-error log with the
 * request ID (`state.requestId`, else `x-request-id`, else a random one), the request time and the
 * payload (`state.raw`, cut to 64 KiB).
 */
export function recordInboundFailure(
  context: InboundContext,
  view: Pick<IncomingView, 'header'>,
  state: InboundState,
  error: unknown,
): InboundError {
  const inbound = toInboundError(error);
  context.logger.write({
    kind: 'incoming-error',
    connector: context.connector,
    requestId: state.requestId ?? view.header('x-request-id') ?? randomId(),
    errorCode: inbound.errorCode,
    message: inbound.message,
    source: inbound.source,
    createdAt: new Date(state.receivedAt).toISOString(),
    ...(state.raw === undefined ? {} : { payload: state.raw.slice(0, MAX_LOGGED_PAYLOAD) }),
  });
  return inbound;
}

function toInboundError(error: unknown): InboundError {
  if (error instanceof InboundError) return error;
  return new InboundError(500, 'internal_error', `unexpected failure: ${error instanceof Error ? error.message : String(error)}`, {
    source: 'engine-processing',
  });
}

/**
 * Runs an inbound handler body so that no input can crash the host: an {@link InboundError}
 * becomes its JSON error answer, anything else a 500 `internal_error`; both are written to the
 * incoming-error log with the request time and the (redacted) payload. {@link guardInbound} for a
 * handler that answers with a web `Response`.
 */
export function handleInbound(
  context: InboundContext,
  request: Request,
  handler: (state: { receivedAt: number; requestId: string; raw?: string }) => Promise<Response>,
): Promise<Response> {
  const view = webView(request);
  return guard(context, view, (state) => handler(withRequestId(state, view)), (failure) => jsonResponse(failure.status, failure.body));
}

/** `handleInbound`'s handlers are promised a request ID before they start. */
function withRequestId(state: InboundState, view: IncomingView): InboundState & { requestId: string } {
  return Object.assign(state, { requestId: state.requestId ?? view.header('x-request-id') ?? randomId() });
}

/** The one guard behind {@link guardInbound} and {@link handleInbound}; `answer` shapes the error answer. */
async function guard<T>(
  context: InboundContext,
  view: Pick<IncomingView, 'header'>,
  work: (state: InboundState) => Promise<T>,
  answer: (failure: InboundAnswer<ErrorBody>) => T,
): Promise<T> {
  const state: InboundState = { receivedAt: context.now() };
  try {
    return await work(state);
  } catch (error) {
    const inbound = recordInboundFailure(context, view, state, error);
    return answer({ status: inbound.status, body: errorBody(inbound.errorCode, inbound.message, inbound.details) });
  }
}
