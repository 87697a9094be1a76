import { InboundError } from '../../core/inbound.js';
import { safeEqual, verifySegmentSignature } from './signature.js';

/** The credentials a `SegmentInbound` accepts (each optional; configure at least one). */
export interface SegmentInboundCredentials {
  /** Antavo (Actions)-format bodies carry it as `api_key`. */
  apiKey?: string | undefined;
  /** Shared secret behind `X-Signature`. */
  sharedSecret?: string | undefined;
  /** `Authorization: Bearer <token>`. */
  bearerToken?: string | undefined;
  /** `Authorization: Basic base64(writeKey + ':')`, or `writeKey` in the body. */
  writeKey?: string | undefined;
}

/** How a request proved who it is. */
export type SegmentInboundAuthMethod = 'api-key' | 'signature' | 'bearer' | 'basic' | 'body-write-key';

/** Reads one request header, case-insensitively. */
export type SegmentHeaderLookup = (name: string) => string | undefined;

/**
 * Authenticates a raw-Segment-events request: it passes when any configured method holds —
 * `X-Signature` (see `verifySegmentSignature`), a bearer token, HTTP Basic with the write key as
 * Segment's libraries send it, or the write key in the body. Every comparison is constant-time.
 *
 * @throws {@link InboundError} 401 `unauthorized` naming what was missing or wrong (never a value).
 */
export function authenticateSegmentRequest(
  credentials: SegmentInboundCredentials,
  request: { header: SegmentHeaderLookup; body: unknown; rawBody?: string; bodyWriteKey?: string },
): SegmentInboundAuthMethod {
  const problems: string[] = [];
  const signature = request.header('x-signature');
  if (signature !== undefined && credentials.sharedSecret !== undefined) {
    const input = { secret: credentials.sharedSecret, signature, body: request.body, ...(request.rawBody === undefined ? {} : { rawBody: request.rawBody }) };
    if (verifySegmentSignature(input)) return 'signature';
    problems.push('X-Signature does not match the shared secret');
  }
  const authorization = /^(\S+)\s+(.*)$/.exec(request.header('authorization')?.trim() ?? '');
  const scheme = authorization?.[1]?.toLowerCase();
  const value = authorization?.[2]?.trim() ?? '';
  if (scheme === 'bearer' && credentials.bearerToken !== undefined) {
    if (safeEqual(value, credentials.bearerToken)) return 'bearer';
    problems.push('the bearer token is not the configured one');
  }
  if (scheme === 'basic' && credentials.writeKey !== undefined) {
    if (safeEqual(Buffer.from(value, 'base64').toString('utf8'), `${credentials.writeKey}:`)) return 'basic';
    problems.push('the write key in the Authorization header (Basic) is not the configured one');
  }
  if (request.bodyWriteKey !== undefined && credentials.writeKey !== undefined) {
    if (safeEqual(request.bodyWriteKey, credentials.writeKey)) return 'body-write-key';
    problems.push('the body writeKey is not the configured write key');
  }
  if (problems.length > 0) throw unauthorized(`invalid credentials: ${problems.join('; ')}`);
  throw unauthorized(`missing credentials: expected ${accepted(credentials)}`);
}

/**
 * Authenticates an Antavo (Actions)-format body by its `api_key`, constant-time.
 *
 * @throws {@link InboundError} 401 `unauthorized` when `api_key` is missing or wrong, or when no
 * `apiKey` is configured (Antavo-format bodies are then not accepted).
 */
export function authenticateAntavoBody(credentials: SegmentInboundCredentials, body: Record<string, unknown>): 'api-key' {
  if (credentials.apiKey === undefined) {
    throw unauthorized('Antavo-format bodies are not accepted: no apiKey is configured');
  }
  const given = body.api_key;
  if (typeof given !== 'string' || given === '') throw unauthorized(`missing credentials: expected 'api_key' in the body`);
  if (!safeEqual(given, credentials.apiKey)) throw unauthorized(`invalid credentials: 'api_key' is not the configured key`);
  return 'api-key';
}

function accepted(credentials: SegmentInboundCredentials): string {
  const methods: string[] = [];
  if (credentials.sharedSecret !== undefined) methods.push('an X-Signature header');
  if (credentials.bearerToken !== undefined) methods.push('a bearer token in the Authorization header');
  if (credentials.writeKey !== undefined) methods.push('the write key in the Authorization header (Basic, as Segment libraries send it) or in the body');
  if (methods.length === 0) return 'nothing: only Antavo-format bodies (with api_key) are accepted';
  return methods.join(', or ');
}

function unauthorized(message: string): InboundError {
  return new InboundError(401, 'unauthorized', message);
}
