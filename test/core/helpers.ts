import { DeliveryQueue, type Destination } from '../../src/core/delivery.js';
import { resolveDelivery, type DeliveryOptions } from '../../src/core/options.js';
import { MemoryLogStore } from '../../src/core/memory-log-store.js';
import { MemoryStore } from '../../src/core/memory-store.js';
import { FakeVendors, fakeTransport } from '../../src/testing/fake-vendors.js';

/** A toy destination shaped like Segment's batch endpoint. */
export function toyDestination(overrides: Partial<Destination> = {}): Destination {
  return {
    connector: 'toy',
    limits: { maxItems: 3, maxBytes: 200, envelopeBytes: 12 },
    buildRequest: (batch) => ({
      method: 'POST',
      url: 'https://toy.example/v1/batch',
      headers: { 'content-type': 'application/json' },
      body: `{"batch":[${batch.map((m) => m.body).join(',')}]}`,
    }),
    ...overrides,
  };
}

/** A clock tests move by hand. */
export function manualClock(start = Date.UTC(2026, 0, 1)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

export function toyQueue(options: DeliveryOptions = {}, destination = toyDestination()) {
  const vendors = new FakeVendors();
  const clock = manualClock();
  const store = new MemoryStore();
  const logs = new MemoryLogStore({ now: clock.now });
  const { settings } = resolveDelivery({
    transport: fakeTransport(vendors),
    store,
    logSink: logs,
    now: clock.now,
    retry: { jitter: 'none' },
    ...options,
  });
  const queue = new DeliveryQueue(destination, settings);
  const add = (id: string, extra: { kind?: string; payload?: unknown; coalesceKey?: string; customerId?: string } = {}) =>
    queue.enqueue([
      queue.message({ id, kind: extra.kind ?? 'track', customerId: extra.customerId ?? 'c1', payload: extra.payload ?? { id }, ...(extra.coalesceKey ? { coalesceKey: extra.coalesceKey } : {}) }),
    ]);
  return { queue, vendors, clock, store, logs, add };
}
