import { BrazeSync } from '../../src/braze/braze-sync.js';
import type { BrazeSyncOptions } from '../../src/braze/schemas.js';
import type { BrazeTrackRequestBody } from '../../src/braze/mapping.js';
import { MemoryLogStore } from '../../src/core/memory-log-store.js';
import { MemoryStore } from '../../src/core/memory-store.js';
import type { Customer, LoyaltyEvent } from '../../src/core/model.js';
import type { OutboundLogRecord } from '../../src/core/logs.js';
import { FakeVendors, fakeTransport } from '../../src/testing/fake-vendors.js';
import { manualClock } from '../core/helpers.js';

export const INSTANCE = 'https://rest.fra-01.braze.eu';
/** A canary API key: it must never show up in a log record, an error or a dead letter. */
export const CANARY_KEY = 'brz-canary-5f0c7e1d-api-key';

/** A BrazeSync on an in-process fake Braze, a manual clock and no jitter. */
export function brazeHarness(options: Partial<BrazeSyncOptions> = {}) {
  const vendors = new FakeVendors();
  const clock = manualClock();
  const store = new MemoryStore();
  const logs = new MemoryLogStore({ now: clock.now });
  const sync = new BrazeSync({
    instanceUrl: INSTANCE,
    apiKey: CANARY_KEY,
    transport: fakeTransport(vendors),
    store,
    logSink: logs,
    now: clock.now,
    retry: { jitter: 'none' },
    fieldMapping: { tier: 'loyalty_tier', points: 'loyalty_points', first_name: { standard: 'first_name' } },
    ...options,
  });
  const tracks = () => vendors.requestsTo('/users/track');
  const bodies = () => tracks().map((r) => r.json as BrazeTrackRequestBody);
  const outbound = () =>
    logs.query({ kind: 'outbound', limit: 100_000, sort: { by: 'timestamp', order: 'asc' } }).records as OutboundLogRecord[];
  return { sync, vendors, clock, store, logs, tracks, bodies, outbound };
}

export function member(id: string, attributes: Record<string, unknown> = {}): Customer {
  return { id, attributes: { tier: 'gold', points: 100, first_name: 'Ada', ...attributes } };
}

export function loyaltyEvent(id: string, customerId: string, action = 'point_add', data: Record<string, unknown> = { points: 5 }): LoyaltyEvent {
  return { id, customerId, action, data, timestamp: '2026-01-01T10:00:00.000Z' };
}
