import { describe, expect, it } from 'vitest';
import { packBatches, utf8Bytes } from '../../src/core/batching.js';

const item = (text: string, kind = 'track') => ({ text, kind, bytes: utf8Bytes(JSON.stringify(text)) });

describe('packBatches', () => {
  it('splits by item count, keeping order', () => {
    const items = Array.from({ length: 7 }, (_, i) => item(`e${i}`));
    const { batches, oversize } = packBatches(items, { maxItems: 3, maxBytes: 10_000, envelopeBytes: 10 });
    expect(batches.map((b) => b.map((i) => i.text))).toEqual([['e0', 'e1', 'e2'], ['e3', 'e4', 'e5'], ['e6']]);
    expect(oversize).toEqual([]);
  });

  it('measures UTF-8 bytes, so multibyte text fills a batch sooner than its length suggests', () => {
    // "€" is 1 UTF-16 unit but 3 UTF-8 bytes: each item is 30 chars yet 92 bytes as JSON.
    const euros = item('€'.repeat(30));
    expect(euros.bytes).toBe(92);
    const { batches } = packBatches([euros, euros, euros], { maxItems: 100, maxBytes: 10 + 92 * 2 + 1, envelopeBytes: 10 });
    expect(batches.map((b) => b.length)).toEqual([2, 1]);
    // Body bytes of every batch stay within the limit: envelope + items + separators.
    for (const b of batches) expect(10 + b.reduce((n, i) => n + i.bytes, 0) + b.length - 1).toBeLessThanOrEqual(195);
  });

  it('fails an item that can never fit alone, without sinking its neighbours', () => {
    const big = item('x'.repeat(500));
    const { batches, oversize } = packBatches([item('a'), big, item('b')], { maxItems: 10, maxBytes: 200, envelopeBytes: 20 });
    expect(oversize).toEqual([big]);
    expect(batches.map((b) => b.map((i) => i.text))).toEqual([['a', 'b']]);
  });

  it('honours maxItemBytes below the request room', () => {
    const { oversize } = packBatches([item('x'.repeat(50))], { maxItems: 10, maxBytes: 1000, envelopeBytes: 0, maxItemBytes: 40 });
    expect(oversize).toHaveLength(1);
  });

  it('closes a batch when a per-kind limit is reached', () => {
    const items = [item('a', 'attributes'), item('b', 'attributes'), item('c', 'events'), item('d', 'attributes')];
    const { batches } = packBatches(items, { maxItems: 10, maxBytes: 10_000, envelopeBytes: 0, perKind: { attributes: 2 } });
    expect(batches.map((b) => b.map((i) => i.text))).toEqual([['a', 'b', 'c'], ['d']]);
  });
});
