import { describe, expect, it } from 'vitest';
import { toyDestination, toyQueue } from './helpers.js';

describe('Destination.retryAfterStatuses', () => {
  it('honours the retry-after headers only on the listed statuses', async () => {
    const destination = toyDestination({ retryAfterHeaders: ['x-ratelimit-reset'], retryAfterStatuses: [429] });
    const { queue, vendors, clock, add } = toyQueue({}, destination);
    vendors.script('/v1/batch', { status: 503, headers: { 'x-ratelimit-reset': '30' } }, { status: 429, headers: { 'x-ratelimit-reset': '30' } });
    await add('m1');
    await queue.flush();
    expect((await queue.pending())[0]!.nextAttemptAt - clock.now()).toBe(500);
    clock.advance(500);
    await queue.flush();
    expect((await queue.pending())[0]!.nextAttemptAt - clock.now()).toBe(30_000);
  });

  it('honours them on every status when not set', async () => {
    const { queue, vendors, clock, add } = toyQueue({}, toyDestination({ retryAfterHeaders: ['x-ratelimit-reset'] }));
    vendors.script('/v1/batch', { status: 503, headers: { 'x-ratelimit-reset': '30' } });
    await add('m1');
    await queue.flush();
    expect((await queue.pending())[0]!.nextAttemptAt - clock.now()).toBe(30_000);
  });
});
