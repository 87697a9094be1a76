import { MemoryLogStore } from '../../../src/core/memory-log-store.js';
import type { Customer, LoyaltyEvent } from '../../../src/core/model.js';
import type { Transport } from '../../../src/core/transport.js';
import { MParticleFeed, type MParticleFeedOptions } from '../../../src/mparticle/feed.js';
import type { MParticleOutboundOptions } from '../../../src/mparticle/schemas.js';
import { FakeVendors, fakeTransport } from '../../../src/testing/fake-vendors.js';
import { manualClock } from '../../core/helpers.js';

/** Canary credentials: they must never show up in a log record or an error. */
export const API_KEY = 'mp-key-canary-4411';
export const API_SECRET = 'mp-secret-canary-4411';

export const outbound: MParticleOutboundOptions = {
  apiKey: API_KEY,
  apiSecret: API_SECRET,
  fieldMapping: { first_name: '$firstname', tier: 'antavo_tier', points: 'antavo_points' },
  externalEvents: { point_add: { customEventType: 'transaction' }, reward_claim: { name: 'Reward claimed', customEventType: 'other' } },
};

export function customer(n: number, extra: Record<string, unknown> = {}): Customer {
  return { id: `cus_${n}`, attributes: { email: `member${n}@example.com`, first_name: `Member ${n}`, tier: 'gold', points: 100 * n, ...extra } };
}

export function pointAdd(n: number, customerNumber = n, data: Record<string, unknown> = { points: 10 }): LoyaltyEvent {
  return { id: `evt_${n}`, customerId: `cus_${customerNumber}`, action: 'point_add', data, timestamp: '2026-01-01T10:00:00.000Z' };
}

/** A feed on the fake vendors, a manual clock and no jitter, with the rate limit lifted for speed. */
export function feedFixture(options: Omit<Partial<MParticleFeedOptions>, 'outbound'> & { outbound?: Partial<MParticleOutboundOptions> } = {}) {
  const vendors = new FakeVendors();
  const clock = manualClock();
  const logs = new MemoryLogStore({ now: clock.now });
  const urls: string[] = [];
  const fake = fakeTransport(vendors);
  const transport: Transport = (request) => {
    urls.push(request.url);
    return fake(request);
  };
  const { outbound: outboundOverrides, ...rest } = options;
  const feed = new MParticleFeed({
    transport,
    logSink: logs,
    now: clock.now,
    retry: { jitter: 'none' },
    rateLimit: { requests: 1000, intervalMs: 1000 },
    ...rest,
    outbound: { ...outbound, ...outboundOverrides },
  });
  const batchesOf = (i: number) => vendors.requests[i]!.json as Array<Record<string, unknown>>;
  return { feed, vendors, clock, logs, urls, batchesOf };
}
