import { describe, expect, it } from 'vitest';
import { MemoryDedupeStore, type DedupeStore } from '../../../src/core/dedupe-store.js';
import { EngineRefusal, type LoyaltyEngine } from '../../../src/core/engine.js';
import { ConfigurationError } from '../../../src/core/errors.js';
import type { InboundLogRecord, IncomingErrorRecord } from '../../../src/core/logs.js';
import { SegmentInbound } from '../../../src/segment/inbound/segment-inbound.js';
import { TriggerSyntaxError } from '../../../src/segment/inbound/subscription.js';
import { InMemoryLoyaltyEngine } from '../../../src/testing/memory-engine.js';
import { API_KEY, BEARER_TOKEN, CANARIES, WRITE_KEY, allRecords, basic, post, setup, sign, trackEvent } from './helpers.js';

describe('Antavo (Actions) format', () => {
  it('registers a loyalty event and answers 200 with the event id', async () => {
    const { inbound, engine } = setup();
    const { status, json } = await post(inbound, { customer: 'cus_1', action: 'point_add', data: { points: 5 }, api_key: API_KEY }, {});
    expect(status).toBe(200);
    expect(json.results).toEqual([{ index: 0, mapping: 'antavo', action: 'point_add', customerId: 'cus_1', status: 'success', eventId: 'evt_1' }]);
    expect(engine.events).toMatchObject([{ customerId: 'cus_1', action: 'point_add', data: { points: 5 } }]);
    expect(engine.events[0]!.idempotencyKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5/);
  });

  it('applies action "profile" as a profile update with data as the attributes', async () => {
    const { inbound, engine } = setup();
    const { status } = await post(inbound, { customer: 'cus_2', action: 'profile', data: { first_name: 'Alan' }, account: 'acc', api_key: API_KEY }, {});
    expect(status).toBe(200);
    expect(engine.profileUpdates).toMatchObject([{ customerId: 'cus_2', attributes: { first_name: 'Alan' }, account: 'acc' }]);
    expect(engine.customers.get('cus_2')!.attributes.first_name).toBe('Alan');
    expect(engine.events).toHaveLength(0);
  });

  it('answers 401 for a wrong or missing api_key, and when no apiKey is configured', async () => {
    const { inbound, engine } = setup();
    const wrong = await post(inbound, { customer: 'cus_1', action: 'point_add', api_key: 'nope' }, {});
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toEqual({ code: 'unauthorized', message: "invalid credentials: 'api_key' is not the configured key" });
    expect((await post(inbound, { customer: 'cus_1', action: 'point_add' }, {})).status).toBe(401);
    // A valid Basic header does not stand in for the body's api_key.
    expect((await post(inbound, { customer: 'cus_1', action: 'point_add' }, basic())).status).toBe(401);
    const { inbound: noKey } = setup({ apiKey: undefined });
    const refused = await post(noKey, { customer: 'cus_1', action: 'point_add', api_key: API_KEY }, {});
    expect(refused.status).toBe(401);
    expect(refused.json.error.message).toMatch(/no apiKey is configured/);
    expect(engine.events).toHaveLength(0);
  });

  it('answers 400 naming the missing field, and requires account with Multi-accounts', async () => {
    const { inbound } = setup({ multiAccounts: true });
    const missing = await post(inbound, { action: 'point_add', api_key: API_KEY }, {});
    expect(missing.status).toBe(400);
    expect(missing.json.error.code).toBe('invalid_event');
    expect(missing.json.error.message).toMatch(/Antavo-format body: missing required field 'customer'/);
    expect(missing.json.error.details.results[0].error).toEqual({ path: 'customer', message: "Antavo-format body: missing required field 'customer'" });
    const noAccount = await post(inbound, { customer: 'cus_1', action: 'point_add', api_key: API_KEY }, {});
    expect(noAccount.json.error.message).toMatch(/missing required field 'account'/);
    expect((await post(inbound, { customer: 'cus_1', action: 'point_add', account: 'a1', api_key: API_KEY }, {})).status).toBe(200);
  });
});

describe('raw Segment events: authentication', () => {
  it("accepts HTTP Basic with the write key as Segment's libraries send it", async () => {
    const { inbound, engine } = setup();
    const { status } = await post(inbound, { batch: [trackEvent()], sentAt: '2026-11-20T09:00:00.000Z' }, basic());
    expect(status).toBe(200);
    expect(engine.events).toHaveLength(1);
  });

  it('accepts the write key in the body, and a bearer token', async () => {
    const { inbound, engine } = setup();
    expect((await post(inbound, { batch: [trackEvent()], writeKey: WRITE_KEY }, {})).status).toBe(200);
    expect((await post(inbound, trackEvent(), { authorization: `Bearer ${BEARER_TOKEN}` })).status).toBe(200);
    expect(engine.events).toHaveLength(2);
  });

  it('accepts X-Signature over the raw body of a single event', async () => {
    const { inbound, engine } = setup();
    const raw = JSON.stringify(trackEvent());
    expect((await post(inbound, raw, { 'x-signature': sign(raw) })).status).toBe(200);
    expect((await post(inbound, raw.replace('point_add', 'point_sub'), { 'x-signature': sign(raw) })).status).toBe(401);
    expect(engine.events.map((e) => e.action)).toEqual(['point_add']);
  });

  it('accepts X-Signature over the first event only of a batched (array) delivery', async () => {
    const { inbound, engine } = setup();
    const batch = [trackEvent(), trackEvent({ userId: 'cus_2' })];
    const firstOnly = await post(inbound, JSON.stringify(batch), { 'x-signature': sign(JSON.stringify(batch[0])) });
    expect(firstOnly.status).toBe(200);
    expect(engine.events.map((e) => e.customerId)).toEqual(['cus_1', 'cus_2']);
    const wholeBatch = [trackEvent(), trackEvent()];
    expect((await post(inbound, JSON.stringify(wholeBatch), { 'x-signature': sign(JSON.stringify(wholeBatch)) })).status).toBe(401);
    expect(engine.events).toHaveLength(2);
  });

  it('answers 401 for wrong credentials of every kind, naming what was wrong but no value', async () => {
    const { inbound, engine } = setup();
    const cases: Array<[Record<string, string>, unknown, RegExp]> = [
      [basic('wrong-key'), { batch: [trackEvent()] }, /write key in the Authorization header \(Basic\) is not the configured one/],
      [{ authorization: `Basic ${Buffer.from(WRITE_KEY).toString('base64')}` }, { batch: [trackEvent()] }, /\(Basic\) is not the configured one/],
      [{ authorization: 'Bearer wrong-token' }, trackEvent(), /bearer token is not the configured one/],
      [{ 'x-signature': sign('{}') }, trackEvent(), /X-Signature does not match/],
      [{ 'x-signature': sign(JSON.stringify(trackEvent()), 'other-secret') }, trackEvent(), /X-Signature does not match/],
      [{}, { batch: [trackEvent()], writeKey: 'wrong' }, /body writeKey is not the configured write key/],
    ];
    for (const [headers, body, message] of cases) {
      const { status, json } = await post(inbound, body, headers);
      expect(status, JSON.stringify(headers)).toBe(401);
      expect(json.error.code).toBe('unauthorized');
      expect(json.error.message).toMatch(message);
    }
    expect(engine.events).toHaveLength(0);
  });

  it('answers 401 listing the accepted methods when no credential is presented', async () => {
    const { inbound } = setup({ sharedSecret: undefined, bearerToken: undefined });
    const { status, json } = await post(inbound, { batch: [trackEvent()] }, {});
    expect(status).toBe(401);
    expect(json.error.message).toBe('missing credentials: expected the write key in the Authorization header (Basic, as Segment libraries send it) or in the body');
    // A method that is not configured does not count.
    expect((await post(inbound, trackEvent(), { authorization: `Bearer ${BEARER_TOKEN}` })).status).toBe(401);
  });
});

describe('mappings and answers', () => {
  it('maps a batch of track and identify with the default mappings, skipping what matches nothing', async () => {
    const { inbound, engine } = setup();
    const { status, json } = await post(inbound, {
      batch: [
        trackEvent({ messageId: 'm-track' }),
        { type: 'identify', userId: 'cus_2', traits: { firstName: 'Alan', email: 'alan@example.com' }, messageId: 'm-identify' },
        { type: 'page', userId: 'cus_1', name: 'Home', messageId: 'm-page' },
      ],
    });
    expect(status).toBe(200);
    expect(json.results).toEqual([
      { index: 0, messageId: 'm-track', mapping: 'Loyalty events', action: 'point_add', customerId: 'cus_1', status: 'success', eventId: 'evt_1' },
      { index: 1, messageId: 'm-identify', mapping: 'Profile updates', action: 'profile', customerId: 'cus_2', status: 'success' },
      { index: 2, messageId: 'm-page', status: 'skipped', reason: 'no_mapping' },
    ]);
    expect(engine.events[0]).toMatchObject({ timestamp: '2026-11-20T09:00:00.000Z' });
    expect(engine.profileUpdates).toMatchObject([{ customerId: 'cus_2', attributes: { first_name: 'Alan', email: 'alan@example.com' } }]);
  });

  it('gives a typeless event posted to /v1/track the track type', async () => {
    const { inbound, engine } = setup();
    const { status } = await post(inbound, { userId: 'cus_3', event: 'opt_in', messageId: 'm-path' }, basic(), '/segment/v1/track');
    expect(status).toBe(200);
    expect(engine.events).toMatchObject([{ customerId: 'cus_3', action: 'opt_in' }]);
  });

  it('answers 400 naming the event and field when one is invalid, and still applies the valid ones', async () => {
    const { inbound, engine } = setup();
    const { status, json } = await post(inbound, { batch: [trackEvent(), trackEvent({ userId: undefined, anonymousId: 'anon-1' }), 7] });
    expect(status).toBe(400);
    expect(json.error.code).toBe('invalid_event');
    expect(json.error.message).toBe("2 of 3 items invalid: batch[1]: mapping 'Loyalty events': missing required field 'customer'");
    expect(json.error.details.results[1].error).toEqual({ path: 'batch[1].customer', message: "batch[1]: mapping 'Loyalty events': missing required field 'customer'" });
    expect(json.error.details.results[2].error.path).toBe('batch[2]');
    expect(engine.events).toHaveLength(1);
  });

  it('uses host mappings with triggers and directives', async () => {
    const { inbound, engine } = setup({
      mappings: [
        {
          name: 'Purchases',
          action: 'loyaltyEvent',
          trigger: 'type = "track" and event = "Order Completed" and properties.total >= 10',
          fields: { action: 'checkout', data: { transaction_id: { '@path': '$.properties.order_id' }, total: { '@path': '$.properties.total' } } },
        },
      ],
    });
    const { json } = await post(inbound, {
      batch: [
        trackEvent({ event: 'Order Completed', properties: { order_id: 'o-1', total: 25 } }),
        trackEvent({ event: 'Order Completed', properties: { order_id: 'o-2', total: 5 } }),
        trackEvent({ event: 'point_add' }),
      ],
    });
    expect(json.results.map((r: { status: string }) => r.status)).toEqual(['success', 'skipped', 'skipped']);
    expect(engine.events).toMatchObject([{ action: 'checkout', data: { transaction_id: 'o-1', total: 25 } }]);
  });
});

describe('idempotency', () => {
  it('answers a redelivered batch as success without registering anything twice', async () => {
    const { inbound, engine, logs } = setup();
    const body = { batch: [trackEvent(), trackEvent({ userId: 'cus_2' })] };
    const first = await post(inbound, body);
    const second = await post(inbound, body);
    expect(second.status).toBe(200);
    expect(second.json.results.map((r: { status: string; eventId: string }) => [r.status, r.eventId])).toEqual([
      ['duplicate', first.json.results[0].eventId],
      ['duplicate', first.json.results[1].eventId],
    ]);
    expect(engine.events).toHaveLength(2);
    const skipped = logs.query({ kind: 'inbound', where: { status: 'skipped' } }).records as InboundLogRecord[];
    expect(skipped).toHaveLength(2);
    expect(skipped[0]!.responseBody).toMatch(/"status":"duplicate"/);
  });

  it('dedupes events without a messageId and Antavo-format bodies by a hash of the body', async () => {
    const { inbound, engine } = setup();
    const event = { type: 'track', userId: 'cus_1', event: 'point_add', properties: { points: 1 } };
    await post(inbound, event);
    await post(inbound, event);
    const antavo = { customer: 'cus_1', action: 'point_add', data: { points: 2 }, api_key: API_KEY };
    await post(inbound, antavo, {});
    const again = await post(inbound, antavo, {});
    expect(again.json.results[0].status).toBe('duplicate');
    expect(engine.events).toHaveLength(2);
  });

  it('forgets an item after the dedupe TTL', async () => {
    const { inbound, engine, clock } = setup({ dedupeTtlMs: 60_000 });
    const body = { batch: [trackEvent()] };
    await post(inbound, body);
    clock.advance(30_000);
    await post(inbound, body);
    expect(engine.events).toHaveLength(1);
    clock.advance(31_000);
    await post(inbound, body);
    expect(engine.events).toHaveLength(2);
  });

  it('answers 503 when the engine fails transiently, then applies only what is missing on redelivery', async () => {
    const { inbound, engine } = setup();
    const body = { batch: [trackEvent(), trackEvent(), trackEvent()] };
    engine.failNext(1); // the first event's call fails
    const first = await post(inbound, body);
    expect(first.status).toBe(503);
    expect(first.json.error.code).toBe('temporarily_unavailable');
    expect(first.json.error.details.results.map((r: { status: string }) => r.status)).toEqual(['failed', 'success', 'success']);
    expect(first.json.error.details.results[0]).toMatchObject({ reason: 'engine_unavailable', error: { message: 'loyalty engine failed: engine temporarily unavailable' } });
    const second = await post(inbound, body);
    expect(second.status).toBe(200);
    expect(second.json.results.map((r: { status: string }) => r.status)).toEqual(['success', 'duplicate', 'duplicate']);
    // Each event registered exactly once.
    expect(engine.events.map((e) => e.data.points).sort()).toEqual((body.batch.map((e) => (e.properties as { points: number }).points)).sort());
  });

  it('answers 400 engine_refused for a permanent refusal, and lets a later redelivery apply', async () => {
    const { inbound, engine } = setup();
    const body = { batch: [trackEvent({ userId: 'cus_new' })] };
    const refused = await post(inbound, body);
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe('engine_refused');
    expect(refused.json.error.details.results[0]).toMatchObject({ status: 'refused', reason: 'unknown_customer' });
    await engine.createCustomer({ attributes: { id: 'cus_new' }, status: 'active' });
    expect((await post(inbound, body)).status).toBe(200);
    expect(engine.events).toHaveLength(1);
  });

  it('answers 503 in_progress to a redelivery that arrives while the first delivery is still being applied', async () => {
    const inner = new InMemoryLoyaltyEngine([{ id: 'cus_1' }]);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: LoyaltyEngine = {
      registerEvent: async (input) => {
        await gate;
        return inner.registerEvent(input);
      },
      updateProfile: (input) => inner.updateProfile(input),
      findCustomer: (query) => inner.findCustomer(query),
    };
    const { inbound } = setup({ engine: slow });
    const body = { batch: [trackEvent()] };
    const first = post(inbound, body);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const concurrent = await post(inbound, body);
    expect(concurrent.status).toBe(503);
    expect(concurrent.json.error.details.results[0]).toMatchObject({ status: 'failed', reason: 'in_progress' });
    release();
    expect((await first).status).toBe(200);
    expect((await post(inbound, body)).json.results[0].status).toBe('duplicate');
    expect(inner.events).toHaveLength(1);
  });

  it('uses a host-supplied dedupe store, shared between handlers', async () => {
    const store = new MemoryDedupeStore();
    const a = setup({ dedupeStore: store });
    const b = setup({ dedupeStore: store, engine: a.engine });
    const body = { batch: [trackEvent()] };
    await post(a.inbound, body);
    expect((await post(b.inbound, body)).json.results[0].status).toBe('duplicate');
    expect(a.engine.events).toHaveLength(1);
    expect(b.inbound.dedupeStore).toBe(store);
  });

  it('answers 503 when the dedupe store fails, without calling the engine', async () => {
    const broken: DedupeStore = {
      claim: async () => {
        throw new Error('redis down');
      },
      complete: async () => undefined,
      release: async () => undefined,
      result: async () => undefined,
    };
    const { inbound, engine } = setup({ dedupeStore: broken });
    const { status, json } = await post(inbound, { batch: [trackEvent()] });
    expect(status).toBe(503);
    expect(json.error.details.results[0]).toMatchObject({ reason: 'dedupe_unavailable', error: { message: 'dedupe store failed: redis down' } });
    expect(engine.events).toHaveLength(0);
  });
});

describe('loop guard', () => {
  it("skips events our SegmentOutbound produced (context.library.name 'loyalty-cdp') and logs them as skipped", async () => {
    const { inbound, engine, logs } = setup();
    const own = trackEvent({ context: { library: { name: 'loyalty-cdp', version: '0.1.0' } } });
    const { status, json } = await post(inbound, { batch: [own, trackEvent()] });
    expect(status).toBe(200);
    expect(json.results[0]).toEqual({ index: 0, messageId: own.messageId, status: 'skipped', reason: 'loop_guard' });
    expect(engine.events).toHaveLength(1);
    const record = logs.query({ kind: 'inbound', where: { identifier: own.messageId as string } }).records[0] as InboundLogRecord;
    expect(record).toMatchObject({ status: 'skipped', error: 'sent by loyalty-cdp (loop guard)' });
  });

  it('also sees a batch-level context, and can be configured', async () => {
    const { inbound, engine } = setup();
    await post(inbound, { batch: [trackEvent({ context: undefined })], context: { library: { name: 'loyalty-cdp' } } });
    expect(engine.events).toHaveLength(0);
    const custom = setup({ ignoreLibraries: ['antavo-event-cloud'] });
    await post(custom.inbound, { batch: [trackEvent({ context: { library: { name: 'antavo-event-cloud' } } }), trackEvent({ context: { library: { name: 'loyalty-cdp' } } })] });
    expect(custom.engine.events).toHaveLength(1);
  });
});

describe('malformed input', () => {
  it('answers 400 invalid_json, 415, 413 and 405 from the shared guards', async () => {
    const { inbound, logs } = setup({ maxBodyBytes: 1_000 });
    expect((await post(inbound, '{"batch": [')).json.error.code).toBe('invalid_json');
    const wrongType = await inbound.fetch(new Request('http://localhost/v1/batch', { method: 'POST', headers: { 'content-type': 'text/plain', ...basic() }, body: '{}' }));
    expect(wrongType.status).toBe(415);
    const large = await post(inbound, { batch: [trackEvent({ properties: { blob: 'x'.repeat(2_000) } })] });
    expect(large.status).toBe(413);
    const get = await inbound.fetch(new Request('http://localhost/v1/batch', { method: 'GET' }));
    expect(get.status).toBe(405);
    const errors = logs.query({ kind: 'incoming-error', limit: 10 }).records as IncomingErrorRecord[];
    expect(errors.map((r) => r.errorCode).sort()).toEqual(['invalid_json', 'method_not_allowed', 'payload_too_large', 'unsupported_media_type']);
  });

  it('answers 4xx JSON, never 5xx, and never throws, whatever the body', async () => {
    const { inbound, engine } = setup();
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    const bodies = [
      'null',
      '5',
      '"track"',
      'true',
      '[]',
      '{}',
      '[null, 1, "x", [], {}]',
      '{"batch": "nope"}',
      '{"batch": [{"type": 5}]}',
      '{"type": "track", "userId": {"a": 1}, "event": "x"}',
      '{"type": "track", "userId": "cus_1", "event": ["x"]}',
      '{"type": "identify", "userId": "cus_1", "traits": "none"}',
      '{"type": "track", "userId": "cus_1", "event": "x", "properties": 5}',
      '{"type": "track", "userId": "cus_1", "event": "x", "timestamp": {}}',
      `{"batch": [${deep}]}`,
      `[${deep}]`,
      '\u0000\uffff',
      '',
    ];
    for (const body of bodies) {
      const response = await inbound.fetch(
        new Request('http://localhost/v1/batch', { method: 'POST', headers: { 'content-type': 'application/json', ...basic() }, body }),
      );
      expect(response.status, body.slice(0, 60)).toBeLessThan(500);
      const json = await response.json();
      if (response.status !== 200) expect(typeof json.error.message, body.slice(0, 60)).toBe('string');
    }
    expect(engine.events).toHaveLength(0);
  });

  it('does not pollute prototypes through __proto__, constructor or prototype keys', async () => {
    const { inbound, engine } = setup();
    const body =
      '{"batch":[{"type":"track","userId":"cus_1","event":"point_add","messageId":"m-proto","__proto__":{"polluted":1},' +
      '"properties":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"points":3}}],' +
      '"context":{"__proto__":{"polluted":1}}}';
    expect((await post(inbound, body)).status).toBe(200);
    const antavo = '{"customer":"cus_2","action":"profile","api_key":"' + API_KEY + '","data":{"__proto__":{"isAdmin":true},"tier":"gold"}}';
    expect((await post(inbound, antavo, {})).status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(engine.events[0]!.data).toEqual({ points: 3 });
    const attributes = engine.customers.get('cus_2')!.attributes;
    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
    expect(attributes).toEqual({ tier: 'gold' });
  });
});

describe('logs', () => {
  it('writes one inbound record per item with customer, action, status, event id, identifier and bodies', async () => {
    const { inbound, logs } = setup();
    const event = trackEvent({ messageId: 'm-log' });
    await post(inbound, { batch: [event] });
    const [record] = logs.query({ kind: 'inbound', where: { identifier: 'm-log' } }).records as InboundLogRecord[];
    expect(record).toMatchObject({
      kind: 'inbound',
      connector: 'segment-inbound',
      customerId: 'cus_1',
      action: 'point_add',
      status: 'success',
      eventId: 'evt_1',
      identifier: 'm-log',
      timestamp: '2026-11-20T09:00:00.000Z',
    });
    expect(JSON.parse(record!.requestBody!)).toEqual(event);
    expect(JSON.parse(record!.responseBody!)).toMatchObject({ status: 'success', eventId: 'evt_1' });
  });

  it('never lets a secret reach a log record or an answer', async () => {
    const { inbound, logs } = setup();
    const answers: string[] = [];
    const keep = async (p: Promise<{ json: unknown }>) => answers.push(JSON.stringify((await p).json));
    await keep(post(inbound, { batch: [trackEvent()], writeKey: WRITE_KEY }, basic()));
    await keep(post(inbound, { batch: [trackEvent()], writeKey: 'wrong' }, basic('wrong')));
    await keep(post(inbound, { customer: 'cus_1', action: 'point_add', api_key: API_KEY }, {}));
    await keep(post(inbound, { customer: 'cus_1', api_key: API_KEY }, {}));
    await keep(post(inbound, `{"api_key":"${API_KEY}", "broken`, {}));
    await keep(post(inbound, trackEvent({ properties: { note: `token is ${BEARER_TOKEN}` } }), { authorization: `Bearer ${BEARER_TOKEN}` }));
    await keep(post(inbound, trackEvent(), { authorization: `Bearer ${BEARER_TOKEN}x` }));
    const text = JSON.stringify(allRecords(logs)) + answers.join('\n');
    expect(allRecords(logs).length).toBeGreaterThanOrEqual(7);
    for (const canary of CANARIES) expect(text).not.toContain(canary);
  });
});

describe('framework-free core and options', () => {
  it('handle() takes a parsed body, raw text or bytes, and header objects', async () => {
    const { inbound, engine } = setup();
    const raw = JSON.stringify(trackEvent());
    const viaParsed = await inbound.handle({ body: JSON.parse(raw), rawBody: raw, headers: { 'X-Signature': sign(raw) } });
    expect(viaParsed.status).toBe(200);
    const bytes = JSON.stringify({ batch: [trackEvent()] });
    expect((await inbound.handle({ body: new TextEncoder().encode(bytes), headers: basic() })).status).toBe(200);
    expect((await inbound.handle({ rawBody: JSON.stringify(trackEvent()), headers: { Authorization: [`Bearer ${BEARER_TOKEN}`] as unknown as string } })).status).toBe(200);
    expect(engine.events).toHaveLength(3);
    const bad = await inbound.handle({ rawBody: '{', headers: basic() });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_json' } } });
    expect((await inbound.handle({ headers: basic() })).status).toBe(400);
  });

  it('refuses bad options with a ConfigurationError naming the option, never the secret', () => {
    const engine = new InMemoryLoyaltyEngine();
    const error = (options: unknown) => {
      try {
        new SegmentInbound(options as never);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigurationError);
        return e as ConfigurationError;
      }
      return expect.unreachable();
    };
    expect(error({ engine }).option).toBe('apiKey');
    expect(error({ engine }).message).toMatch(/at least one credential/);
    expect(error({ writeKey: WRITE_KEY }).option).toBe('engine');
    const short = error({ engine, writeKey: 'ab1' });
    expect(short.option).toBe('writeKey');
    expect(short.message).not.toContain('ab1');
    expect(error({ engine, writeKey: WRITE_KEY, mappings: [{ name: 'x', action: 'points' }] }).option).toBe('mappings.0.action');
    expect(error({ engine, writeKey: WRITE_KEY, mappings: [{ name: 'x', action: 'loyaltyEvent', trigger: 'type =' }] })).toBeInstanceOf(TriggerSyntaxError);
    expect(error({ engine, writeKey: WRITE_KEY, colour: 'red' }).message).toMatch(/colour/);
  });

  it('passes refusals for unknown actions through as engine_refused', async () => {
    const engine: LoyaltyEngine = {
      registerEvent: async () => {
        throw new EngineRefusal('unknown_action', "action 'cehckout' is not known");
      },
      updateProfile: async () => undefined,
      findCustomer: async () => undefined,
    };
    const { inbound } = setup({ engine });
    const { status, json } = await post(inbound, { batch: [trackEvent({ event: 'cehckout' })] });
    expect(status).toBe(400);
    expect(json.error.message).toBe("1 of 1 items refused by the loyalty engine: action 'cehckout' is not known");
  });
});
