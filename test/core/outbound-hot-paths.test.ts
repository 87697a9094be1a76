// The outbound per-message paths were tuned for throughput (a lease-expiry floor instead of a walk
// over every lease, one ID per coalesce key instead of a set, settling an all-delivered batch as
// it is, log records built in one literal, parsed URLs reused by nodeHttpTransport); these pin the
// behaviour those tunings keep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/core/memory-store.js';
import { nodeHttpTransport } from '../../src/core/node-http-transport.js';
import type { OutboundMessage } from '../../src/core/store.js';
import { startFakeVendorServer, type FakeVendorServer } from '../../src/testing/fake-vendors.js';
import { toyQueue } from './helpers.js';

const msg = (id: string, extra: Partial<OutboundMessage> = {}): OutboundMessage => ({
  id,
  connector: 'c',
  kind: 'k',
  customerId: 'u',
  body: `{"id":"${id}"}`,
  bytes: 10,
  createdAt: 0,
  ...extra,
});

describe('MemoryStore lease expiry', () => {
  it('takes back a short lease granted after a long one, and only once it has expired', async () => {
    const store = new MemoryStore();
    await store.enqueue([msg('long')]);
    const [long] = await store.lease('c', { limit: 10, leaseMs: 1_000, now: 0 });
    await store.enqueue([msg('short')]);
    const [short] = await store.lease('c', { limit: 10, leaseMs: 10, now: 5 });
    expect(await store.lease('c', { limit: 10, leaseMs: 10, now: 14 })).toEqual([]);
    const again = await store.lease('c', { limit: 10, leaseMs: 1_000, now: 15 });
    expect(again.map((m) => [m.id, m.attempts])).toEqual([['short', 2]]);
    // The stale token settles nothing; the long lease is untouched until it ends.
    await store.ack('c', [{ id: 'short', leaseToken: short!.leaseToken }]);
    expect(await store.lease('c', { limit: 10, leaseMs: 10, now: 999 })).toEqual([]);
    const late = await store.lease('c', { limit: 10, leaseMs: 10, now: 1_000 });
    expect(late.map((m) => [m.id, m.attempts])).toEqual([['long', 2]]);
    await store.ack('c', [{ id: 'long', leaseToken: long!.leaseToken }]);
    expect((await store.listPending('c')).map((m) => m.id).sort()).toEqual(['long', 'short']);
    await store.ack('c', [...late, ...again]);
    expect(await store.listPending('c')).toEqual([]);
  });
});

describe('MemoryStore coalesce keys', () => {
  it('tracks a leased snapshot and its newer pending ones, then one holder again', async () => {
    const store = new MemoryStore();
    await store.enqueue([msg('v1', { coalesceKey: 'k', createdAt: 1 })]);
    const [v1] = await store.lease('c', { limit: 10, leaseMs: 100, now: 1 });
    // v1 is leased: v2 is held beside it and not leased while v1 is.
    await store.enqueue([msg('v2', { coalesceKey: 'k', createdAt: 2 })]);
    expect(await store.lease('c', { limit: 10, leaseMs: 100, now: 2 })).toEqual([]);
    await store.ack('c', [v1!]);
    // v3 supersedes the pending v2, not a leased one.
    await store.enqueue([msg('v3', { coalesceKey: 'k', createdAt: 3 })]);
    const leased = await store.lease('c', { limit: 10, leaseMs: 100, now: 3 });
    expect(leased.map((m) => m.id)).toEqual(['v3']);
    // A retry of v3 with no newer sibling is kept; a later v4 then supersedes it while pending.
    await store.retry('c', [{ id: 'v3', leaseToken: leased[0]!.leaseToken, at: 10, error: 'e' }]);
    expect((await store.listPending('c')).map((m) => m.id)).toEqual(['v3']);
    await store.enqueue([msg('v4', { coalesceKey: 'k', createdAt: 4 })]);
    expect((await store.listPending('c')).map((m) => m.id)).toEqual(['v4']);
  });
});

describe('DeliveryQueue outbound log records', () => {
  it('writes the same fields for delivered, retried and dead-lettered attempts', async () => {
    const { queue, vendors, logs, add, clock } = toyQueue({ retry: { retries: 1, jitter: 'none' } });
    await add('a', { customerId: 'c-a' });
    vendors.script('/v1/batch', { status: 200, body: { ok: true } });
    await queue.flush();
    await add('b', { customerId: 'c-b' });
    vendors.script('/v1/batch', { status: 503, body: 'busy' }, { status: 503, body: 'still busy' });
    expect(await queue.flush()).toMatchObject({ retryScheduled: 1 });
    clock.advance(3_600_000);
    expect(await queue.flush()).toMatchObject({ deadLettered: 1 });
    const records = logs.query({ kind: 'outbound', sort: { by: 'id', order: 'asc' } }).records;
    const shape = (r: object) => Object.keys(r).sort();
    const common = ['attempt', 'connector', 'customerId', 'eventType', 'id', 'identifier', 'kind', 'outcome', 'requestBody', 'responseBody', 'responseTimeMs', 'statusCode', 'timestamp'];
    expect(records.map((r) => [r.kind === 'outbound' && r.identifier, r.kind === 'outbound' && r.outcome])).toEqual([
      ['a', 'delivered'],
      ['b', 'retry-scheduled'],
      ['b', 'dead-lettered'],
    ]);
    expect(shape(records[0]!)).toEqual(common);
    expect(shape(records[1]!)).toEqual([...common, 'error'].sort());
    expect(records[2]).toMatchObject({ customerId: 'c-b', attempt: 2, statusCode: 503, responseBody: 'still busy', requestBody: '{"id":"b"}', error: expect.stringContaining('gave up after 2 attempts') });
  });
});

describe('nodeHttpTransport URLs', () => {
  let server: FakeVendorServer;
  beforeAll(async () => {
    server = await startFakeVendorServer();
  });
  afterAll(() => server.close());

  it('sends each request to its own path and query, also when URLs alternate', async () => {
    const transport = nodeHttpTransport();
    const paths = ['/v1/batch', '/events/list?page=0', '/v1/batch', '/events/list?page=1'];
    for (const path of paths) {
      await transport({ method: 'POST', url: `${server.url}${path}`, headers: {}, body: 'é', timeoutMs: 5_000 });
    }
    expect(server.vendors.requests.slice(-4).map((r) => [r.path, r.body, r.headers['content-length']])).toEqual(paths.map((p) => [p, 'é', '2']));
  });
});
