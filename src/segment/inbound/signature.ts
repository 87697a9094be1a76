import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The hex HMAC-SHA1 of `text` under `secret`: Segment's `X-Signature`. */
export function signSegmentPayload(secret: string, text: string): string {
  return createHmac('sha1', secret).update(text).digest('hex');
}

/**
 * Compares two strings in time that does not depend on where they differ (nor, since both are
 * hashed first, on their lengths), for credentials and signatures.
 */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/**
 * The text Segment signs for a delivery: the body itself for one event, but only
 * `JSON.stringify(body[0])` for a batched delivery (a JSON array) — Segment signs the first event of
 * a batch, not the batch. Throws a `RangeError` for a body nested too deeply to serialise.
 */
export function segmentSignedText(body: unknown, rawBody?: string): string {
  if (Array.isArray(body)) return JSON.stringify(body[0]) ?? '';
  return rawBody ?? JSON.stringify(body) ?? '';
}

/**
 * Whether `signature` (the `X-Signature` header) is the hex HMAC-SHA1 of what Segment signs for
 * this body (see {@link segmentSignedText}), compared in constant time. For a single event the raw
 * body is checked first, then its re-serialisation (for hosts whose framework parsed the body before
 * we saw it); pass `rawBody` whenever you have it.
 */
export function verifySegmentSignature(input: { secret: string; signature: string; body: unknown; rawBody?: string }): boolean {
  const given = input.signature.trim().toLowerCase();
  // An HMAC-SHA1 is 40 hex digits for everyone, so comparing lengths first reveals nothing.
  if (!/^[0-9a-f]{40}$/.test(given)) return false;
  const expected = Buffer.from(given, 'hex');
  const matches = (text: string) => timingSafeEqual(createHmac('sha1', input.secret).update(text).digest(), expected);
  try {
    if (matches(segmentSignedText(input.body, input.rawBody))) return true;
    if (Array.isArray(input.body) || input.rawBody === undefined) return false;
    return matches(JSON.stringify(input.body) ?? '');
  } catch {
    // JSON.stringify gives up on bodies nested too deeply: Segment cannot have signed those.
    return false;
  }
}

/** The `Authorization` header Segment's libraries send for a write key: `Basic base64(writeKey + ':')`. */
export function basicAuthorization(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}
