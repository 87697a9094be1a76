import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/core/memory-store.js';
import type { OutboundMessage } from '../../src/core/store.js';

const T0 = 1_000_000;
const msg = (id: string, extra: Partial<OutboundMessage> = {}): OutboundMessage => ({
  id,
  connector: 'c',
  kind: 'identify',
  customerId: 'u1',
  body: `{"id":"${id}"}`,
  bytes: 10 + id.length,
  createdAt: T0,
  ...extra,
});

describe('MemoryStore', () => {
  it('enqueues idempotently by id', async () => {
    const store = new MemoryStore();
    expect(await store.enqueue([msg('a'), msg('a')])).toEqual(['queued', 'duplicate']);
    expect(await store.enqueue([msg('a')])).toEqual(['duplicate']);
    expect(await store.listPending('c')).toHaveLength(1);
  });

  it('hides a leased message from other workers until it is acked or its lease expires', async () => {
    const store = new MemoryStore();
    await store.enqueue([msg('a'), msg('b')]);
    const first = await store.lease('c', { limit: 1, leaseMs: 1000, now: T0 });
    expect(first.map((m) => m.id)).toEqual(['a']);
    expect(first[0]!.attempts).toBe(1);
    const second = await store.lease('c', { limit: 10, leaseMs: 1000, now: T0 });
    expect(second.map((m) => m.id)).toEqual(['b']);
    // Lease of "a" expires: another worker gets it, with the attempt counted.
    const third = await store.lease('c', { limit: 10, leaseMs: 1000, now: T0 + 1000 });
    expect(third.map((m) => [m.id, m.attempts])).toEqual([['a', 2], ['b', 2]]);
    // The first worker's stale token can no longer settle it.
    await store.ack('c', [{ id: 'a', leaseToken: first[0]!.leaseToken }]);
    expect((await store.listPending('c')).map((m) => m.id).sort()).toEqual(['a', 'b']);
    await store.ack('c', third);
    expect(await store.listPending('c')).toEqual([]);
  });

  it('schedules retries and leases them only when due', async () => {
    const store = new MemoryStore();
    await store.enqueue([msg('a')]);
    const [a] = await store.lease('c', { limit: 10, leaseMs: 1000, now: T0 });
    await store.retry('c', [{ ...a!, at: T0 + 5000, error: 'HTTP 500' }]);
    expect(await store.lease('c', { limit: 10, leaseMs: 1000, now: T0 + 4999 })).toEqual([]);
    const [again] = await store.lease('c', { limit: 10, leaseMs: 1000, now: T0 + 5000 });
    expect(again).toMatchObject({ id: 'a', attempts: 2, lastError: 'HTTP 500' });
  });

  it('keeps dead letters until replayed, then delivers them unchanged', async () => {
    const store = new MemoryStore();
    await store.enqueue([msg('a')]);
    const [a] = await store.lease('c', { limit: 10, leaseMs: 1000, now: T0 });
    await store.deadLetter('c', [{ ...a!, error: 'HTTP 400', now: T0 }]);
    expect(await store.lease('c', { limit: 10, leaseMs: 1000, now: T0 + 10_000 })).toEqual([]);
    expect(await store.listDeadLetters('c')).toMatchObject([{ id: 'a', state: 'dead', lastError: 'HTTP 400', deadAt: T0 }]);
    expect(await store.enqueue([msg('a')])).toEqual(['duplicate']);
    expect(await store.replay('c', ['a', 'missing'], T0 + 1)).toEqual(['a']);
    const [replayed] = await store.lease('c', { limit: 10, leaseMs: 1000, now: T0 + 1 });
    expect(replayed).toMatchObject({ id: 'a', attempts: 1, body: '{"id":"a"}' });
    expect(await store.listDeadLetters('c')).toEqual([]);
  });

  describe('coalescing', () => {
    it('lets a newer snapshot replace a pending one with the same key', async () => {
      const store = new MemoryStore();
      await store.enqueue([msg('v1', { coalesceKey: 'u1' }), msg('other')]);
      await store.enqueue([msg('v2', { coalesceKey: 'u1', createdAt: T0 + 1 })]);
      const leased = await store.lease('c', { limit: 10, leaseMs: 1000, now: T0 + 1 });
      expect(leased.map((m) => m.id).sort()).toEqual(['other', 'v2']);
    });

    it('holds a newer snapshot back while an older one is in flight, and drops the older on retry', async () => {
      const store = new MemoryStore();
      await store.enqueue([msg('v1', { coalesceKey: 'u1' })]);
      const [v1] = await store.lease('c', { limit: 10, leaseMs: 1000, now: T0 });
      await store.enqueue([msg('v2', { coalesceKey: 'u1', createdAt: T0 + 1 })]);
      // v2 must not overtake v1 on the wire.
      expect(await store.lease('c', { limit: 10, leaseMs: 1000, now: T0 + 1 })).toEqual([]);
      // v1 fails: retrying it would overwrite v2's newer data, so it is dropped.
      await store.retry('c', [{ ...v1!, at: T0 + 2, error: 'HTTP 503' }]);
      const leased = await store.lease('c', { limit: 10, leaseMs: 1000, now: T0 + 10 });
      expect(leased.map((m) => m.id)).toEqual(['v2']);
      expect((await store.listPending('c')).map((m) => m.id)).toEqual(['v2']);
    });

    it('does not replay a dead snapshot over a newer one', async () => {
      const store = new MemoryStore();
      await store.enqueue([msg('v1', { coalesceKey: 'u1' })]);
      const [v1] = await store.lease('c', { limit: 10, leaseMs: 1000, now: T0 });
      await store.deadLetter('c', [{ ...v1!, error: 'HTTP 400', now: T0 }]);
      await store.enqueue([msg('v2', { coalesceKey: 'u1', createdAt: T0 + 1 })]);
      expect(await store.replay('c', 'all', T0 + 2)).toEqual([]);
    });
  });

  it('keeps connectors apart', async () => {
    const store = new MemoryStore();
    await store.enqueue([msg('a'), msg('a', { connector: 'd' })]);
    expect((await store.lease('d', { limit: 10, leaseMs: 1000, now: T0 })).map((m) => m.connector)).toEqual(['d']);
    expect(await store.listPending('c')).toHaveLength(1);
  });
});
