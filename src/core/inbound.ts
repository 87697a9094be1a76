import { LoyaltyCdpError } from './errors.js';
import { randomId } from './ids.js';
import type { IncomingErrorSource, Logger } from './logs.js';

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

/** A JSON answer. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** A JSON error answer in the shared `{ error: { code, message, details? } }` shape. */
export function errorResponse(status: number, code: string, message: string, details?: unknown): Response {
  const body: ErrorBody = { error: { code, message, ...(details === undefined ? {} : { details }) } };
  return jsonResponse(status, body);
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
  return new TextDecoder().decode(buffer);
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
  return body ? new TextDecoder().decode(body) : '';
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

/**
 * Runs an inbound handler body so that no input can crash the host: an {@link InboundError}
 * becomes its JSON error answer, anything else a 500 `internal_error`; both are written to the
 * incoming-error log with the request time and the (redacted) payload.
 */
export async function handleInbound(
  context: { connector: string; logger: Logger; now: () => number },
  request: Request,
  handler: (state: { receivedAt: number; requestId: string; raw?: string }) => Promise<Response>,
): Promise<Response> {
  const state: { receivedAt: number; requestId: string; raw?: string } = {
    receivedAt: context.now(),
    requestId: request.headers.get('x-request-id') ?? randomId(),
  };
  try {
    return await handler(state);
  } catch (error) {
    const inbound =
      error instanceof InboundError
        ? error
        : new InboundError(500, 'internal_error', `unexpected failure: ${error instanceof Error ? error.message : String(error)}`, {
            source: 'engine-processing',
          });
    context.logger.write({
      kind: 'incoming-error',
      connector: context.connector,
      requestId: state.requestId,
      errorCode: inbound.errorCode,
      message: inbound.message,
      source: inbound.source,
      createdAt: new Date(state.receivedAt).toISOString(),
      ...(state.raw === undefined ? {} : { payload: state.raw.slice(0, 64 * 1024) }),
    });
    return errorResponse(inbound.status, inbound.errorCode, inbound.message, inbound.details);
  }
}
