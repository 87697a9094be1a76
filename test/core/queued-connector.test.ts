import { describe, expect, it } from 'vitest';
import { QueuedConnector, toEnqueueResult } from '../../src/core/queued-connector.js';
import type { DeliveryQueue } from '../../src/core/delivery.js';
import { toyQueue } from './helpers.js';

class ToyConnector extends QueuedConnector {
  constructor(protected readonly queue: DeliveryQueue) {
    super();
  }
}

describe('QueuedConnector', () => {
  it('hands the shared verbs to its queue', async () => {
    const { queue, vendors, add } = toyQueue();
    const connector = new ToyConnector(queue);
    vendors.script('/v1/batch', { status: 400 });
    await add('m1');
    expect(await connector.flush()).toMatchObject({ deadLettered: 1 });
    expect((await connector.deadLetters()).map((m) => m.id)).toEqual(['m1']);
    expect(await connector.replay()).toEqual(['m1']);
    expect((await connector.pending()).map((m) => m.id)).toEqual(['m1']);
    expect(await connector.close()).toMatchObject({ delivered: 1 });
  });

  it('reports duplicate only when every message was already held', () => {
    const m = (id: string) => ({ id }) as never;
    expect(toEnqueueResult(['duplicate', 'duplicate'], [m('a'), m('b')])).toEqual({ status: 'duplicate', messageIds: ['a', 'b'] });
    expect(toEnqueueResult(['duplicate', 'queued'], [m('a'), m('b')])).toEqual({ status: 'queued', messageIds: ['a', 'b'] });
  });
});
