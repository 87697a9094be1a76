import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/core/memory-store.js';
import type { OutboundMessage } from '../../src/core/store.js';

const message = (id: string): OutboundMessage => ({ id, connector: 'c', kind: 'k', customerId: 'u', body: '{}', bytes: 2, createdAt: 0 });

describe('MemoryStore retry order', () => {
  it('gives back messages retried for the same time in the order they were retried', async () => {
    const store = new MemoryStore();
    const ids = Array.from({ length: 40 }, (_, i) => `m${i}`);
    await store.enqueue(ids.map(message));
    const leased = await store.lease('c', { limit: 100, leaseMs: 1000, now: 0 });
    expect(leased.map((m) => m.id)).toEqual(ids);
    await store.retry('c', leased.map((m) => ({ id: m.id, leaseToken: m.leaseToken, at: 500, error: 'HTTP 429' })));
    const again = await store.lease('c', { limit: 100, leaseMs: 1000, now: 500 });
    expect(again.map((m) => m.id)).toEqual(ids);
  });
});
