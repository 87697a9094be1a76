import { describe, expect, it } from 'vitest';
import { MemoryInboundQueue, type InboundWorkItem } from '../../../src/mparticle/inbound/index.js';

const item = (id: string, priority: number): InboundWorkItem => ({
  kind: 'audience-subscription',
  id,
  priority,
  receivedAt: 0,
  requestId: 'r',
  attempts: 0,
  action: 'add',
  audienceId: id,
  audienceName: id,
});
const ids = (items: InboundWorkItem[]) => items.map((i) => i.id);
const request = (id: string, body: string): InboundWorkItem => ({ kind: 'event-request', id, priority: 0, receivedAt: 0, requestId: id, attempts: 0, body });
const bodies = (items: InboundWorkItem[]) => items.map((i) => (i.kind === 'event-request' ? i.body : undefined));

describe('MemoryInboundQueue', () => {
  it('leases lowest priority first, then by arrival', async () => {
    const queue = new MemoryInboundQueue();
    await queue.enqueue([item('a5', 5), item('b1', 1), item('c5', 5)]);
    await queue.enqueue([item('d-3', -3), item('e1', 1)]);
    expect(ids(await queue.lease(10, 0, 1000))).toEqual(['d-3', 'b1', 'e1', 'a5', 'c5']);
  });

  it('respects the limit and hides leased items until acked or the lease expires', async () => {
    const queue = new MemoryInboundQueue();
    await queue.enqueue([item('a', 0), item('b', 0), item('c', 0)]);
    expect(ids(await queue.lease(2, 0, 1000))).toEqual(['a', 'b']);
    expect(ids(await queue.lease(5, 10, 1000))).toEqual(['c']);
    await queue.ack(['a']);
    expect(await queue.size()).toBe(2);
    // b's and c's leases expire at 1000 and 1010: they come back in arrival order.
    expect(ids(await queue.lease(5, 1010, 1000))).toEqual(['b', 'c']);
  });

  it('ignores an item whose ID it already holds', async () => {
    const queue = new MemoryInboundQueue();
    await queue.enqueue([item('a', 0)]);
    await queue.enqueue([item('a', 0), item('b', 0)]);
    expect(await queue.size()).toBe(2);
    await queue.lease(1, 0, 1000);
    await queue.enqueue([item('a', 0)]);
    expect(await queue.size()).toBe(2);
  });

  it('puts a retried item back at its arrival position once it is due, with its new attempt count', async () => {
    const queue = new MemoryInboundQueue();
    await queue.enqueue([item('a', 0), item('b', 0), item('c', 0)]);
    const [a] = await queue.lease(1, 0, 1000);
    await queue.retry({ ...a!, attempts: 1 }, 500);
    expect(ids(await queue.lease(1, 100, 1000))).toEqual(['b']);
    const due = await queue.lease(5, 600, 1000);
    expect(ids(due)).toEqual(['a', 'c']);
    expect(due[0]!.attempts).toBe(1);
  });

  it('holds a new item handed to retry() (an event split off a request) until it is due', async () => {
    const queue = new MemoryInboundQueue();
    await queue.retry(item('split', 0), 500);
    expect(await queue.size()).toBe(1);
    expect(await queue.lease(5, 100, 1000)).toEqual([]);
    expect(ids(await queue.lease(5, 500, 1000))).toEqual(['split']);
  });

  it('keeps memory bounded while many items flow through', async () => {
    const queue = new MemoryInboundQueue();
    for (let round = 0; round < 20; round++) {
      await queue.enqueue(Array.from({ length: 500 }, (_, i) => item(`${round}-${i}`, i % 3)));
      const leased = await queue.lease(500, round, 1000);
      await queue.ack(ids(leased));
    }
    expect(await queue.size()).toBe(0);
    expect(await queue.lease(10, 100, 1000)).toEqual([]);
  });

  it('hands back every queued request body exactly, however many are held', async () => {
    const queue = new MemoryInboundQueue();
    // Enough bodies (about 6 MB) to fill several of the queue's joined chunks, and odd ones too: a lone
    // surrogate (first, so that it is joined), an empty body, non-ASCII text.
    const sent = [`{"lone":"${String.fromCharCode(0xd800)}"}`];
    for (let i = 0; i < 400; i++) sent.push(`{"n":${i},"pad":"${'x'.repeat(15_000 + i)}","é":"\u00e9 ✓ 🎉"}`);
    sent.push('', '{"escaped":"\\ud800"}');
    await queue.enqueue(sent.map((body, i) => request(`r${i}`, body)));
    const leased = await queue.lease(1000, 0, 1000);
    expect(bodies(leased)).toEqual(sent);
    // A retried request keeps its body, and so does one whose lease expired.
    await queue.retry({ ...leased[3]!, attempts: 1 }, 10);
    const again = await queue.lease(1000, 2000, 1000);
    expect(again.length).toBe(sent.length);
    expect(bodies(again)).toEqual(sent);
  });

  it('does not keep the caller\'s item: changing it after enqueue changes nothing queued', async () => {
    const queue = new MemoryInboundQueue();
    const queued = request('r', '{"a":1}');
    await queue.enqueue([queued]);
    (queued as { body: string }).body = 'changed';
    expect(bodies(await queue.lease(1, 0, 1000))).toEqual(['{"a":1}']);
  });
});
