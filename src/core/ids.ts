import { createHash, randomUUID } from 'node:crypto';

/**
 * A deterministic ID from its parts: the same parts always give the same ID, so every retry and
 * replay of a message carries the same idempotency key. Formatted as a UUID (version 5 layout,
 * SHA-256 based) because several destinations expect UUID-shaped IDs.
 */
export function stableId(...parts: Array<string | number>): string {
  const hex = createHash('sha256').update(parts.map(String).join('\u001f')).digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A SHA-256 hex digest of `text`, for deriving keys from bodies that carry no ID of their own. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A random UUID, for records that need a unique ID and no idempotency. */
export function randomId(): string {
  return randomUUID();
}
