import { describe, expect, it } from 'vitest';
import { MemoryDedupeStore } from '../../src/core/dedupe-store.js';

describe('MemoryDedupeStore', () => {
  it('lets one claimant through, remembers the result, and forgets it after the TTL', async () => {
    const store = new MemoryDedupeStore();
    expect(await store.claim('k', 1000, 0)).toBe(true);
    expect(await store.claim('k', 1000, 10)).toBe(false);
    await store.complete('k', 'evt_1', 1000, 20);
    expect(await store.result('k', 500)).toBe('evt_1');
    expect(await store.claim('k', 1000, 1019)).toBe(false);
    expect(await store.claim('k', 1000, 1020)).toBe(true);
    expect(await store.result('k', 1020)).toBeUndefined();
  });

  it('frees a claim after a transient failure', async () => {
    const store = new MemoryDedupeStore();
    expect(await store.claim('k', 1000, 0)).toBe(true);
    await store.release('k');
    expect(await store.claim('k', 1000, 1)).toBe(true);
  });

  it('sweeps expired keys', async () => {
    const store = new MemoryDedupeStore();
    for (let i = 0; i < 10; i++) await store.claim(`k${i}`, 1000, 0);
    await store.claim('later', 1000, 120_000);
    expect(store.size).toBe(1);
  });
});
