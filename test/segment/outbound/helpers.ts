import { MemoryLogStore } from '../../../src/core/memory-log-store.js';
import type { Customer, LoyaltyEvent } from '../../../src/core/model.js';
import { SegmentOutbound, type SegmentOutboundOptions } from '../../../src/segment/outbound/index.js';
import { FakeVendors, fakeTransport } from '../../../src/testing/fake-vendors.js';
import { manualClock } from '../../core/helpers.js';

export const WRITE_KEY = 'wk-canary-5e0b9c21d4';

/** A SegmentOutbound on the in-process fake, a manual clock, a log store and retries without jitter. */
export function setup(options: Partial<SegmentOutboundOptions> = {}) {
  const vendors = new FakeVendors();
  const clock = manualClock(Date.UTC(2026, 10, 20, 12, 0, 0));
  const logs = new MemoryLogStore({ now: clock.now });
  const segment = new SegmentOutbound({
    writeKey: WRITE_KEY,
    transport: fakeTransport(vendors),
    logSink: logs,
    now: clock.now,
    retry: { jitter: 'none' },
    ...options,
  });
  const batches = () => vendors.requestsTo('/v1/batch').map((r) => r.json as { batch: Array<Record<string, unknown>>; sentAt: string });
  const sent = () => batches().flatMap((b) => b.batch);
  const outbound = () =>
    logs.query({ kind: 'outbound', sort: { by: 'timestamp', order: 'asc' }, limit: 10_000 }).records.flatMap((r) => (r.kind === 'outbound' ? [r] : []));
  return { segment, vendors, clock, logs, batches, sent, outbound };
}

export const ada: Customer = {
  id: 'cus_1001',
  attributes: { email: 'ada@example.com', first_name: 'Ada', tier: 'gold', points: 12_500, external_id: 'crm-ada' },
};

export function pointAdd(id = 'evt_1', extra: Partial<LoyaltyEvent> = {}): LoyaltyEvent {
  return { id, customerId: ada.id, action: 'point_add', data: { points: 500, reason: 'birthday bonus' }, timestamp: '2026-11-20T09:00:00.000Z', ...extra };
}
