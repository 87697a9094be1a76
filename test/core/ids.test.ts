import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex, stableId } from '../../src/core/ids.js';

// stableId switched to one-shot crypto.hash for speed; the IDs already handed out must not change.
describe('ids', () => {
  it('sha256Hex equals the createHash digest', () => {
    for (const text of ['', 'abc', 'é€😀', 'x'.repeat(10_000)]) {
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'));
    }
  });

  it('stableId keeps its UUID layout over the SHA-256 of the joined parts', () => {
    const hex = createHash('sha256').update(['segment', 'track', 'evt_1'].join('\u001f')).digest('hex');
    const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
    const expected = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    expect(stableId('segment', 'track', 'evt_1')).toBe(expected);
  });
});

describe('randomId', () => {
  it('returns version 4 UUIDs, unique across more than one pool of random bytes', async () => {
    const { randomId } = await import('../../src/core/ids.js');
    const ids = Array.from({ length: 1_000 }, () => randomId());
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
