import { describe, expect, it } from 'vitest';
import { toyDestination, toyQueue } from './helpers.js';
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

describe('DeliveryQueue retries', () => {
  it('honours Retry-After on a 429 and delivers once the wait is over', async () => {
    const { queue, vendors, clock, add } = toyQueue();
    vendors.script('/v1/batch', { status: 429, headers: { 'retry-after': '3' } });
    await add('m1');
    expect(await queue.flush()).toMatchObject({ retryScheduled: 1 });
    const [pending] = await queue.pending();
    expect(pending!.nextAttemptAt - clock.now()).toBe(3000);
    clock.advance(2999);
    expect(await queue.flush()).toMatchObject({ requests: 0 });
    clock.advance(1);
    expect(await queue.flush()).toMatchObject({ delivered: 1, requests: 1 });
  });

  it('gives up after five retries and keeps the message as a dead letter', async () => {
    const { queue, vendors, clock, add } = toyQueue();
    vendors.script('/v1/batch', ...Array.from({ length: 10 }, () => ({ status: 503 })));
    await add('m1');
    const reports = [];
    for (let i = 0; i < 6; i++) {
      reports.push(await queue.flush());
      clock.advance(60_000);
    }
    expect(reports.map((r) => r.retryScheduled)).toEqual([1, 1, 1, 1, 1, 0]);
    expect(reports[5]!.deadLettered).toBe(1);
    expect(vendors.count).toBe(6);
    const [dead] = await queue.deadLetters();
    expect(dead!.lastError).toMatch(/HTTP 503.*gave up after 6 attempts/);
  });

  it('treats a network failure as retryable', async () => {
    const { queue, add, logs } = toyQueue({ transport: async () => Promise.reject(new Error('ECONNREFUSED')) });
    await add('m1');
    expect(await queue.flush()).toMatchObject({ retryScheduled: 1, requests: 1 });
    const [record] = logs.query({ kind: 'outbound' }).records;
    expect(record).toMatchObject({ outcome: 'retry-scheduled', error: 'network error: ECONNREFUSED' });
    expect(record && 'statusCode' in record && record.statusCode).toBeFalsy();
  });

  it('dead-letters ambiguous failures when the destination forbids retrying them', async () => {
    const { queue, vendors, add } = toyQueue({}, toyDestination({ retryAmbiguous: (m) => m.kind !== 'event' }));
    vendors.script('/v1/batch', { status: 504 });
    await add('e1', { kind: 'event' });
    await add('a1', { kind: 'attributes' });
    expect(await queue.flush()).toMatchObject({ deadLettered: 1, retryScheduled: 1 });
    const [dead] = await queue.deadLetters();
    expect(dead).toMatchObject({ id: 'e1' });
    expect(dead!.lastError).toContain('retryAmbiguous is false');
  });

  it('settles each item by the destination’s per-item results', async () => {
    const destination = toyDestination({
      interpret: (_response, batch) => batch.map((m) => (m.id === 'bad' ? { ok: false as const, retryable: false, error: 'invalid item' } : { ok: true as const })),
    });
    const { queue, add } = toyQueue({}, destination);
    await add('good');
    await add('bad');
    expect(await queue.flush()).toEqual({ delivered: 1, retryScheduled: 0, deadLettered: 1, requests: 1 });
    expect((await queue.deadLetters()).map((m) => [m.id, m.lastError])).toEqual([['bad', 'invalid item']]);
  });

  it('sends one snapshot for a burst of profile changes of one customer', async () => {
    const { queue, vendors, add } = toyQueue();
    for (let v = 1; v <= 5; v++) await add(`snap-${v}`, { kind: 'identify', coalesceKey: 'cust-1', payload: { version: v } });
    expect(await queue.flush()).toMatchObject({ delivered: 1, requests: 1 });
    expect(vendors.requests[0]!.json).toEqual({ batch: [{ version: 5 }] });
  });

  it('drains: waits for scheduled retries until everything is settled', async () => {
    const { queue, vendors, add } = toyQueue({ now: Date.now, retry: { jitter: 'none', baseDelayMs: 20 } });
    vendors.script('/v1/batch', { status: 500 }, { status: 500 });
    await add('m1');
    const report = await queue.drain(5_000);
    expect(report).toMatchObject({ delivered: 1, retryScheduled: 2, requests: 3 });
  });

  it('refuses new messages after close()', async () => {
    const { queue, add } = toyQueue();
    await add('m1');
    expect(await queue.close()).toMatchObject({ delivered: 1 });
    await expect(add('m2')).rejects.toMatchObject({ code: 'disconnected' });
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const transport = async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight -= 1;
      return { status: 200, headers: {}, body: '', durationMs: 5 };
    };
    const { queue, add } = toyQueue({ transport, concurrency: 2 });
    for (let i = 0; i < 30; i++) await add(`m${i}`);
    expect(await queue.flush()).toMatchObject({ delivered: 30, requests: 10 });
    expect(peak).toBe(2);
  });
});

describe('DeliveryQueue flush scheduling and rate', () => {
  it('runs once more for a flush called during a flush, so later messages are not left behind', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const transport = async () => {
      calls += 1;
      if (calls === 1) await gate;
      return { status: 200, headers: {}, body: '', durationMs: 1 };
    };
    const { queue, add } = toyQueue({ transport });
    await add('first');
    const firstFlush = queue.flush();
    await new Promise((r) => setTimeout(r, 5));
    await add('second');
    const secondFlush = queue.flush();
    const thirdFlush = queue.flush();
    release();
    expect(await firstFlush).toMatchObject({ delivered: 1 });
    expect(await secondFlush).toMatchObject({ delivered: 1 });
    expect(thirdFlush).toBe(secondFlush);
  });

  it('keeps to the rate limit: never more than `requests` starts in any window', async () => {
    const starts: number[] = [];
    const transport = async () => {
      starts.push(performance.now());
      return { status: 200, headers: {}, body: '', durationMs: 1 };
    };
    const { queue, add } = toyQueue({ transport, concurrency: 8, rateLimit: { requests: 2, intervalMs: 50 } });
    for (let i = 0; i < 18; i++) await add(`m${i}`);
    expect(await queue.flush()).toMatchObject({ delivered: 18, requests: 6 });
    for (let i = 2; i < starts.length; i++) expect(starts[i]! - starts[i - 2]!).toBeGreaterThanOrEqual(45);
  });
});
