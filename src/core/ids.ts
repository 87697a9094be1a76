import * as crypto from 'node:crypto';

// One-shot `crypto.hash` (Node 20.12+) is several times faster than createHash().update().digest()
// for short inputs, and stableId runs once per outbound message; older Node 20 falls back.
const sha256 = (text: string): string =>
  typeof crypto.hash === 'function' ? crypto.hash('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex');

/**
 * A deterministic ID from its parts: the same parts always give the same ID, so every retry and
 * replay of a message carries the same idempotency key. Formatted as a UUID (version 5 layout,
 * SHA-256 based) because several destinations expect UUID-shaped IDs.
 */
export function stableId(...parts: Array<string | number>): string {
  const hex = sha256(parts.map(String).join('\u001f'));
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  // join() builds one flat string; a template literal would leave a rope of slices that every Map
  // lookup, hash and retained log record pays for again.
  return [hex.slice(0, 8), hex.slice(8, 12), `5${hex.slice(13, 16)}`, `${variant}${hex.slice(17, 20)}`, hex.slice(20, 32)].join('-');
}

/** A SHA-256 hex digest of `text`, for deriving keys from bodies that carry no ID of their own. */
export function sha256Hex(text: string): string {
  return sha256(text);
}

// Random bytes drawn 4 KiB at a time (as crypto.randomUUID() buffers them too).
let pool = Buffer.alloc(0);
let poolAt = 0;

/**
 * A random UUID (version 4), for records that need a unique ID and no idempotency. Built from the
 * hex of 16 random bytes with one `join()`, so the ID is one flat string: `crypto.randomUUID()`
 * returns a rope of ~20 pieces that every Map lookup had to flatten first (it runs once per Braze
 * attributes snapshot and once per lease).
 */
export function randomId(): string {
  if (poolAt + 16 > pool.length) {
    pool = crypto.randomBytes(4096);
    poolAt = 0;
  }
  pool[poolAt + 6] = (pool[poolAt + 6]! & 0x0f) | 0x40;
  pool[poolAt + 8] = (pool[poolAt + 8]! & 0x3f) | 0x80;
  const hex = pool.toString('hex', poolAt, poolAt + 16);
  poolAt += 16;
  return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join('-');
}
