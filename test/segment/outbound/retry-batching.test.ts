import { describe, expect, it } from 'vitest';
import { setup } from './helpers.js';

describe('SegmentOutbound retries', () => {
  it('retries a failed batch together, in as few requests as the first attempt', async () => {
    // Real clock and the default full jitter: the delay is drawn once per failed request.
    const { segment, vendors } = setup({ now: Date.now, retry: { baseDelayMs: 300 } });
    vendors.script('/v1/batch', { status: 503 });
    for (let i = 0; i < 300; i++) await segment.trackEvent({ id: `c${i}` }, { id: `e${i}`, customerId: `c${i}`, action: 'point_add', timestamp: '2026-11-20T09:00:00Z' });
    const report = await segment.drain(5_000);
    expect(report).toMatchObject({ delivered: 300, retryScheduled: 300 });
    expect(vendors.requests.map((r) => (r.json as { batch: unknown[] }).batch.length)).toEqual([300, 300]);
  });
});
