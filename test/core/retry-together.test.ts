import { describe, expect, it } from 'vitest';
import { toyQueue } from './helpers.js';

describe('DeliveryQueue retries', () => {
  it('schedules every message of a failed request at one time, so the batch is retried whole', async () => {
    const { queue, vendors, clock, add } = toyQueue({ retry: { jitter: 'full', baseDelayMs: 10_000 } });
    vendors.script('/v1/batch', { status: 503 });
    for (const id of ['m1', 'm2', 'm3']) await add(id);
    expect(await queue.flush()).toMatchObject({ retryScheduled: 3, requests: 1 });
    const times = new Set((await queue.pending()).map((m) => m.nextAttemptAt));
    expect(times.size).toBe(1);
    clock.advance([...times][0]! - clock.now());
    expect(await queue.flush()).toMatchObject({ delivered: 3, requests: 1 });
  });
});
