import { describe, expect, it } from 'vitest';
import { DisconnectedError } from '../../../src/core/errors.js';
import { MemoryLogStore } from '../../../src/core/memory-log-store.js';
import { MParticleFeed } from '../../../src/mparticle/index.js';
import { FakeVendors, fakeTransport } from '../../../src/testing/fake-vendors.js';
import { MAPPINGS, TOKEN, engineWithCustomers, fixture } from './helpers.js';

const post = (feed: MParticleFeed, body: unknown) =>
  feed.fetch(
    new Request('https://loyalty.example/mparticle', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Token ${TOKEN}` },
      body: JSON.stringify(body),
    }),
  );

describe('MParticleInbound through MParticleFeed', () => {
  it('answers and processes through the feed, shares its log sink, and answers 410 after disconnect()', async () => {
    const engine = engineWithCustomers();
    const logs = new MemoryLogStore();
    const outbound = { apiKey: 'feed-key-canary-123', apiSecret: 'feed-secret-canary-456' };
    const inbound = { authToken: TOKEN, loyaltyIdentifierField: 'external_id', eventMappings: MAPPINGS };
    const feed = new MParticleFeed({ outbound, inbound, engine, lists: engine, logSink: logs, transport: fakeTransport(new FakeVendors()) });

    expect((await post(feed, fixture('event-processing-request'))).status).toBe(200);
    expect(await feed.processInboundQueue()).toMatchObject({ registered: 3 });
    expect(logs.query({ kind: 'inbound', where: { connector: 'mparticle-inbound', status: 'success' } }).records).toHaveLength(3);

    await feed.disconnect();
    const gone = await post(feed, fixture('event-processing-request'));
    expect(gone.status).toBe(410);
    await expect(Promise.resolve().then(() => feed.processInboundQueue())).rejects.toThrow(DisconnectedError);

    // Reconnecting means configuring both directions again.
    feed.configure({ outbound, inbound });
    expect((await post(feed, fixture('event-processing-ping'))).status).toBe(200);
    expect(engine.events).toHaveLength(3);
  });
});
