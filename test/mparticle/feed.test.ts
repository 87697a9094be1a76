import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, DisconnectedError } from '../../src/core/errors.js';
import type { IncomingErrorRecord } from '../../src/core/logs.js';
import { NODE_FAST_PATH, toNodeListener } from '../../src/core/node-adapter.js';
import { MParticleFeed } from '../../src/mparticle/feed.js';
import { InMemoryLoyaltyEngine } from '../../src/testing/memory-engine.js';
import { API_KEY, API_SECRET, customer, feedFixture, outbound, pointAdd } from './outbound/helpers.js';
import { thrownBy } from '../thrown.js';

const TOKEN = 'inbound-token-canary-0123456789';

const inbound = {
  authToken: TOKEN,
  eventMappings: [{ loyaltyEvent: 'point_add', eventType: 'custom_event', eventName: 'review_submitted', fields: { points: 10, stars: '{stars}' } }],
};

function eventRequest(eventId: string, customerId = 'cus_1') {
  return {
    type: 'event_processing_request',
    id: `req-${eventId}`,
    timestamp_ms: 1_767_261_600_000,
    firehose_version: '3.2.0',
    source_id: 'src-1',
    account: { account_id: 42, account_settings: {} },
    user_identities: [{ type: 'customer', encoding: 'raw', value: customerId }],
    events: [{ type: 'custom_event', id: eventId, timestamp_ms: 1_767_261_600_000, name: 'review_submitted', custom_event_type: 'other', attributes: { stars: '5' } }],
  };
}

function post(body: unknown, token: string | undefined = TOKEN): Request {
  return new Request('https://loyalty.example/mparticle', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Token ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

function withInbound() {
  const engine = new InMemoryLoyaltyEngine([{ id: 'cus_1', attributes: { email: 'member1@example.com' } }]);
  const fixture = feedFixture({ engine, lists: engine });
  fixture.feed.configure({ outbound, inbound });
  return { ...fixture, engine };
}

const configurationError = (run: () => unknown) => thrownBy(ConfigurationError, run);

describe('MParticleFeed configuration', () => {
  it('refuses inbound without outbound (mParticle: Input must be enabled to use Output)', () => {
    const engine = new InMemoryLoyaltyEngine();
    const error = configurationError(() => new MParticleFeed({ inbound, engine }));
    expect(error.option).toBe('outbound');
    expect(error.message).toMatch(/Input/);
    expect(error.message).not.toContain(TOKEN);
  });

  it('refuses inbound without an engine, and names bad inbound options with their section', () => {
    expect(configurationError(() => new MParticleFeed({ outbound, inbound })).option).toBe('engine');
    const engine = new InMemoryLoyaltyEngine();
    expect(configurationError(() => new MParticleFeed({ outbound, inbound: { ...inbound, authToken: 'short' }, engine })).option).toBe('inbound.authToken');
    expect(configurationError(() => new MParticleFeed({ outbound: { ...outbound, apiSecret: '' } })).option).toBe('outbound.apiSecret');
  });

  it('starts disconnected without a configuration', async () => {
    const feed = new MParticleFeed();
    expect(feed.connected).toBe(false);
    await expect(feed.trackEvent(customer(1), pointAdd(1))).rejects.toBeInstanceOf(DisconnectedError);
    expect(configurationError(() => feed.configure({} as never)).option).toBe('outbound');
  });

  it('keeps the previous configuration when a new one is invalid', async () => {
    const { feed, vendors } = feedFixture();
    expect(() => feed.configure({ outbound: { ...outbound, pod: 'xx' as never } })).toThrow(ConfigurationError);
    await feed.trackEvent(customer(1), pointAdd(1));
    expect(await feed.flush()).toMatchObject({ delivered: 1 });
    expect(vendors.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`${API_KEY}:${API_SECRET}`).toString('base64')}`);
  });

  it('makes strong inbound tokens', () => {
    const tokens = new Set(Array.from({ length: 20 }, () => MParticleFeed.generateAuthToken()));
    expect(tokens.size).toBe(20);
    for (const token of tokens) expect(token.length).toBeGreaterThanOrEqual(16);
  });
});

describe('MParticleFeed inbound delegation', () => {
  it('answers mParticle through the inbound half and applies queued events to the engine; both halves log to one sink', async () => {
    const { feed, engine, logs } = withInbound();
    const registration = await feed.fetch(post({ type: 'module_registration_request', id: 'reg-1', timestamp_ms: 1, firehose_version: '3.2.0' }, undefined));
    expect(registration.status).toBe(200);
    expect(await registration.json()).toMatchObject({ type: 'module_registration_response' });
    const accepted = await feed.fetch(post(eventRequest('e-1')));
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({ type: 'event_processing_response' });
    expect(await feed.processInboundQueue()).toMatchObject({ registered: 1 });
    expect(engine.events).toEqual([expect.objectContaining({ customerId: 'cus_1', action: 'point_add', data: { points: 10, stars: '5' } })]);

    await feed.trackEvent(customer(1), pointAdd(1));
    await feed.flush();
    const connectors = new Set(logs.query({ limit: 1000 }).records.map((r) => r.connector));
    expect(connectors).toEqual(new Set(['mparticle', 'mparticle-inbound']));
  });

  it('works as a bound handler under toNodeListener', async () => {
    const { feed, engine } = withInbound();
    const server: Server = createServer(toNodeListener(feed.fetch));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Token ${TOKEN}` },
        body: JSON.stringify(eventRequest('e-2')),
      });
      expect(response.status).toBe(200);
      await feed.processInboundQueue();
      expect(engine.events).toHaveLength(1);
      // The feed forwards the inbound handler's Node fast path, and still refuses once disconnected.
      expect(typeof (feed.fetch as unknown as Record<symbol, unknown>)[NODE_FAST_PATH]).toBe('function');
      await feed.disconnect();
      const refused = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Token ${TOKEN}` },
        body: JSON.stringify(eventRequest('e-3')),
      });
      expect(refused.status).toBe(410);
      expect(await refused.json()).toMatchObject({ error: { code: 'disconnected' } });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('answers 404 with a JSON error when only the outbound half is configured', async () => {
    const { feed, logs } = feedFixture();
    const response = await feed.fetch(post(eventRequest('e-3')));
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'inbound_not_configured', message: expect.any(String) } });
    expect(logs.query({ kind: 'incoming-error' }).records).toEqual([expect.objectContaining({ errorCode: 'inbound_not_configured', connector: 'mparticle-inbound' })]);
    await expect(feed.processInboundQueue()).rejects.toThrow(ConfigurationError);
  });
});

describe('MParticleFeed disconnect', () => {
  it('stops both directions until configured again, keeping what was accepted', async () => {
    const { feed, engine, vendors, logs } = withInbound();
    // Accepted before the disconnect, in each direction.
    await feed.trackEvent(customer(1), pointAdd(1));
    expect((await feed.fetch(post(eventRequest('e-4')))).status).toBe(200);

    await feed.disconnect();
    expect(feed.connected).toBe(false);
    const gone = await feed.fetch(post(eventRequest('e-5')));
    expect(gone.status).toBe(410);
    expect(await gone.json()).toEqual({ error: { code: 'disconnected', message: expect.stringContaining('disconnected') } });
    const [record] = logs.query({ kind: 'incoming-error' }).records as IncomingErrorRecord[];
    expect(record).toMatchObject({ errorCode: 'disconnected', source: 'proxy-request' });
    expect(JSON.stringify(record)).not.toContain(TOKEN);

    await expect(feed.trackEvent(customer(1), pointAdd(2))).rejects.toBeInstanceOf(DisconnectedError);
    await expect(feed.updateProfile(customer(1))).rejects.toBeInstanceOf(DisconnectedError);
    await expect(feed.sendCustomEvent(customer(1), { name: 'x', customEventType: 'other' })).rejects.toBeInstanceOf(DisconnectedError);
    await expect(feed.flush()).rejects.toThrow(DisconnectedError);
    await expect(feed.drain(10)).rejects.toThrow(DisconnectedError);
    await expect(feed.replay()).rejects.toThrow(DisconnectedError);
    await expect(feed.processInboundQueue()).rejects.toThrow(DisconnectedError);
    expect(vendors.requests).toHaveLength(0);
    expect(engine.events).toHaveLength(0);
    // What was accepted is still there, and readable.
    expect(await feed.pending()).toHaveLength(1);
    expect(await feed.resendQueue()).toEqual([]);

    // Reconnecting means configuring both directions again; new credentials apply.
    feed.configure({ outbound: { ...outbound, apiKey: 'new-key-5566', apiSecret: 'new-secret-5566' }, inbound });
    expect(await feed.flush()).toMatchObject({ delivered: 1 });
    expect(vendors.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('new-key-5566:new-secret-5566').toString('base64')}`);
    expect(await feed.processInboundQueue()).toMatchObject({ registered: 1 });
    expect(engine.events).toEqual([expect.objectContaining({ customerId: 'cus_1', action: 'point_add' })]);
    expect((await feed.fetch(post(eventRequest('e-6')))).status).toBe(200);
  });

  it('answers 410 after disconnect even for the registration request, and a reconfigure without inbound keeps inbound off', async () => {
    const { feed } = withInbound();
    await feed.disconnect();
    expect((await feed.fetch(post({ type: 'module_registration_request', id: 'r', timestamp_ms: 1, firehose_version: '3.2.0' }, undefined))).status).toBe(410);
    feed.configure({ outbound });
    expect(feed.inboundEnabled).toBe(false);
    expect((await feed.fetch(post(eventRequest('e-7')))).status).toBe(404);
  });

  it('close() delivers what is due and refuses everything afterwards, configure included', async () => {
    const { feed, vendors } = feedFixture();
    await feed.trackEvent(customer(1), pointAdd(1));
    expect(await feed.close()).toMatchObject({ delivered: 1 });
    expect(vendors.requests).toHaveLength(1);
    await expect(feed.trackEvent(customer(1), pointAdd(2))).rejects.toThrow(/closed/);
    expect(() => feed.configure({ outbound })).toThrow(DisconnectedError);
    expect((await feed.fetch(post(eventRequest('e-8')))).status).toBe(410);
  });

  it('drain() sits out resends until delivered, and stops when the feed is disconnected', async () => {
    const { feed, vendors } = feedFixture({ now: Date.now, retry: { jitter: 'none', baseDelayMs: 20 } });
    vendors.script('/bulkevents', { status: 500 }, { status: 500 });
    await feed.trackEvent(customer(1), pointAdd(1));
    expect(await feed.drain(5_000)).toMatchObject({ delivered: 1, retryScheduled: 2, requests: 3 });

    vendors.script('/bulkevents', ...Array.from({ length: 5 }, () => ({ status: 500 })));
    await feed.trackEvent(customer(2), pointAdd(2));
    const draining = feed.drain(5_000);
    await waitFor(() => vendors.requests.length === 4);
    await feed.disconnect();
    expect(await draining).toMatchObject({ delivered: 0, requests: 1 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(vendors.requests).toHaveLength(4);
    expect(await feed.resendQueue()).toEqual([expect.objectContaining({ attempts: 1 })]);
  });

  it('stops auto-flush on disconnect and restarts it on configure', async () => {
    const { feed, vendors } = feedFixture({ autoFlush: 10, now: Date.now });
    await feed.trackEvent(customer(1), pointAdd(1));
    await waitFor(() => vendors.requests.length === 1);
    await feed.disconnect();
    feed.configure({ outbound });
    await feed.disconnect();
    feed.configure({ outbound });
    await feed.trackEvent(customer(2), pointAdd(2));
    await waitFor(() => vendors.requests.length === 2);
    await feed.disconnect();
    await feed.close();
    expect(vendors.requests).toHaveLength(2);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
