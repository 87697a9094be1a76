import { describe, expect, it } from 'vitest';
import { toyQueue } from './helpers.js';
import { ValidationError } from '../../src/core/errors.js';

describe('DeliveryQueue', () => {
  it('packs due messages into as few requests as the item limit allows and reports the figures', async () => {
    const { queue, vendors, add } = toyQueue();
    for (let i = 0; i < 7; i++) await add(`m${i}`);
    const report = await queue.flush();
    expect(report).toEqual({ delivered: 7, retryScheduled: 0, deadLettered: 0, requests: 3 });
    expect(vendors.requests.map((r) => (r.json as { batch: unknown[] }).batch.length)).toEqual([3, 3, 1]);
    expect(await queue.flush()).toEqual({ delivered: 0, retryScheduled: 0, deadLettered: 0, requests: 0 });
  });

  it('retries a 500 at the scheduled time and then delivers', async () => {
    const { queue, vendors, clock, add, logs } = toyQueue();
    vendors.script('/v1/batch', { status: 500, body: 'boom' });
    await add('m1');
    expect(await queue.flush()).toMatchObject({ delivered: 0, retryScheduled: 1, requests: 1 });
    expect(await queue.flush()).toMatchObject({ requests: 0 });
    clock.advance(500);
    expect(await queue.flush()).toMatchObject({ delivered: 1, requests: 1 });
    const outcomes = logs.query({ kind: 'outbound', sort: { by: 'timestamp', order: 'asc' } }).records.map((r) => r.kind === 'outbound' && r.outcome);
    expect(outcomes.sort()).toEqual(['delivered', 'retry-scheduled']);
  });

  it('dead-letters a 400 without retrying and replays it with the same body', async () => {
    const { queue, vendors, add } = toyQueue();
    vendors.script('/v1/batch', { status: 400, body: { error: 'bad' } });
    await add('m1', { payload: { messageId: 'm1' } });
    expect(await queue.flush()).toMatchObject({ deadLettered: 1, requests: 1 });
    const [dead] = await queue.deadLetters();
    expect(dead).toMatchObject({ id: 'm1', attempts: 1 });
    expect(dead!.lastError).toContain('HTTP 400');
    expect(await queue.replay(['m1'])).toEqual(['m1']);
    expect(await queue.flush()).toMatchObject({ delivered: 1 });
    expect(vendors.requests.map((r) => r.body)).toEqual([vendors.requests[0]!.body, vendors.requests[0]!.body]);
  });

  it('refuses an oversize message alone and logs it', async () => {
    const { queue, add, logs } = toyQueue();
    await add('small');
    await expect(add('big', { payload: { text: 'é'.repeat(100) } })).rejects.toBeInstanceOf(ValidationError);
    expect(await queue.flush()).toMatchObject({ delivered: 1 });
    expect(logs.query({ where: { outcome: 'rejected' } }).records).toHaveLength(1);
  });
});
