import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { NODE_FAST_PATH, toNodeListener } from '../../../src/core/node-adapter.js';
import { MemoryInboundQueue, type InboundWorkItem } from '../../../src/mparticle/inbound/index.js';
import { TOKEN, fixture, records, setup } from './helpers.js';

describe('MParticleInbound.fetch: registration', () => {
  it('answers module_registration_request without a token, declaring the raw identity and mapped event types', async () => {
    const { post, logs } = setup({ trackAudiences: true });
    const response = await post(fixture('module-registration-request'), { token: null });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, any>;
    expect(body.type).toBe('module_registration_response');
    expect(body.id).toBe('ef423e29-8dfc-4289-a5da-93a2fa52dfbd');
    expect(body.firehose_version).toBe('3.2.0');
    expect(body.permissions.user_identities).toEqual([{ type: 'customer', encoding: 'raw', required: true }]);
    expect(body.event_processing_registration.supported_event_types.sort()).toEqual(['custom_event', 'product_action', 'screen_view']);
    expect(body.audience_processing_registration).toBeDefined();
    expect(records(logs, 'incoming-error')).toHaveLength(0);
  });

  it('leaves audience processing out of the registration when trackAudiences is off', async () => {
    const { post } = setup({ trackAudiences: false });
    const body = (await (await post(fixture('module-registration-request'), { token: null })).json()) as Record<string, unknown>;
    expect(body.audience_processing_registration).toBeUndefined();
  });
});

describe('MParticleInbound.fetch: events', () => {
  it('queues mapped events and answers an event_processing_response echoing the id', async () => {
    const { post, inbound, clock } = setup();
    const response = await post(fixture('event-processing-request'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual({
      type: 'event_processing_response',
      id: '006d8826-a3a6-4ca9-b432-53b7810bdf67',
      timestamp_ms: clock.now(),
      firehose_version: '3.2.0',
    });
    // The request is queued as received; session_start and "Article Shared" have no mapping, so
    // processing applies three of its five events.
    expect(await inbound.pending()).toBe(1);
    expect(await inbound.processInboundQueue()).toMatchObject({ requests: 1, processed: 3, registered: 3 });
  });

  it('answers a verification ping (empty events) normally and queues nothing', async () => {
    const { post, inbound, logs } = setup();
    const response = await post(fixture('event-processing-ping'));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { type: string }).type).toBe('event_processing_response');
    expect(await inbound.pending()).toBe(0);
    expect(logs.size).toBe(0);
  });

  it('treats a request without an events field as eventless and answers it', async () => {
    const { post, inbound } = setup();
    const ping = fixture('event-processing-ping');
    delete ping.events;
    expect((await post(ping)).status).toBe(200);
    expect(await inbound.pending()).toBe(0);
  });

  it('rejects a hashed customer identity per event with a clear error, answering 200 so mParticle does not resend', async () => {
    const { post, inbound, logs } = setup();
    const response = await post(fixture('event-processing-hashed-identity'));
    expect(response.status).toBe(200);
    expect(await inbound.pending()).toBe(0);
    const [error] = records(logs, 'incoming-error');
    expect(error).toMatchObject({ errorCode: 'hashed_identity', source: 'proxy-request', requestId: '1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b' });
    expect(error!.message).toContain("'customer' identity arrived hashed (md5)");
    expect(error!.message).toContain('forward it raw');
    expect(JSON.parse(error!.payload as string).id).toBe('7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d');
  });

  it('rejects only the malformed events of a request and queues the rest', async () => {
    const { post, inbound, logs } = setup();
    const body = fixture<Record<string, any>>('event-processing-request');
    body.events[1].id = 42; // the coupon event
    const response = await post(body);
    expect(response.status).toBe(200);
    const [error] = records(logs, 'incoming-error');
    expect(error).toMatchObject({ errorCode: 'invalid_event', source: 'proxy-request' });
    expect(error!.message).toContain('events[1].id');
    expect(await inbound.processInboundQueue()).toMatchObject({ processed: 2, registered: 2, failed: 0 });
    expect(records(logs, 'incoming-error')).toHaveLength(1);
  });

  it('refuses an event whose mapped {field} is missing when the queue is processed, naming the field and the mapping', async () => {
    const { post, inbound, logs, clock } = setup();
    const body = fixture<Record<string, any>>('event-processing-request');
    delete body.events[1].attributes.coupon_code;
    const receivedAt = clock.now();
    await post(body);
    clock.advance(60_000);
    expect(await inbound.processInboundQueue()).toMatchObject({ registered: 2, failed: 1 });
    const [error] = records(logs, 'incoming-error');
    expect(error).toMatchObject({ errorCode: 'missing_field', source: 'proxy-request', createdAt: new Date(receivedAt).toISOString() });
    expect(error!.message).toContain("'{coupon_code}' (mapping 'coupon_redeem', field 'coupon')");
  });

  it('answers 400 invalid_message when events is not an array, and logs it with the payload', async () => {
    const { post, logs } = setup();
    const body = fixture<Record<string, any>>('event-processing-request');
    body.events = { not: 'an array' };
    const response = await post(body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: { code: string; message: string; details: { path: string } } };
    expect(answer.error.code).toBe('invalid_message');
    expect(answer.error.details.path).toBe('request.events');
    const [error] = records(logs, 'incoming-error');
    expect(error).toMatchObject({ errorCode: 'invalid_message', source: 'proxy-request' });
    expect(error!.payload).toContain('"not":"an array"');
  });
});

describe('MParticleInbound.fetch: authentication and bad requests', () => {
  it('answers 401 without a token and logs it', async () => {
    const { post, inbound, logs } = setup();
    const response = await post(fixture('event-processing-request'), { token: null });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: 'unauthorized',
      message: "missing Authorization header: mParticle sends 'Authorization: Token <token>'",
    });
    expect(await inbound.pending()).toBe(0);
    const [error] = records(logs, 'incoming-error');
    expect(error).toMatchObject({ errorCode: 'unauthorized', source: 'proxy-request', requestId: '006d8826-a3a6-4ca9-b432-53b7810bdf67' });
    // An unauthenticated body is not written into the log.
    expect(error!.payload).toBeUndefined();
  });

  it('answers 401 to a wrong token and to a wrong scheme', async () => {
    const { post, inbound, inbound: _i } = setup();
    expect((await post(fixture('event-processing-request'), { token: `${TOKEN}x` })).status).toBe(401);
    const sameLength = `${TOKEN.slice(0, -1)}${TOKEN.endsWith('z') ? 'y' : 'z'}`;
    expect((await post(fixture('event-processing-request'), { token: sameLength })).status).toBe(401);
    const bearer = await inbound.fetch(
      new Request('https://loyalty.example/mparticle', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(fixture('event-processing-request')),
      }),
    );
    expect(bearer.status).toBe(401);
    expect(await _i.pending()).toBe(0);
  });

  it('accepts the Token scheme in any case', async () => {
    const { inbound } = setup();
    const response = await inbound.fetch(
      new Request('https://loyalty.example/mparticle', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `token ${TOKEN}` },
        body: JSON.stringify(fixture('event-processing-ping')),
      }),
    );
    expect(response.status).toBe(200);
  });

  it('answers 400 unsupported_message_type to an unknown type (and to DSR requests) and logs it', async () => {
    const { post, logs } = setup();
    const unknown = await post({ type: 'loyalty_points_request', id: 'x-1' });
    expect(unknown.status).toBe(400);
    const body = (await unknown.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unsupported_message_type');
    expect(body.error.message).toContain("'loyalty_points_request'");
    expect((await post({ type: 'dsr_processing_request', id: 'x-2' })).status).toBe(400);
    expect(records(logs, 'incoming-error').map((r) => r.errorCode)).toEqual(['unsupported_message_type', 'unsupported_message_type']);
  });

  it('answers 400 to invalid JSON, 415 to a non-JSON content type, 405 to GET and 413 to an oversize body', async () => {
    const { post, logs } = setup({ maxBodyBytes: 2048 });
    expect((await post('{"type": "event_processing_request", ')).status).toBe(400);
    expect((await post('type=event', { contentType: 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await post(undefined, { method: 'GET' })).status).toBe(405);
    expect((await post({ type: 'event_processing_request', padding: 'x'.repeat(4096) })).status).toBe(413);
    expect(records(logs, 'incoming-error').map((r) => r.errorCode)).toEqual([
      'invalid_json',
      'unsupported_media_type',
      'method_not_allowed',
      'payload_too_large',
    ]);
  });

  it('never crashes on arbitrary bodies: every answer is JSON with a 2xx or 4xx status', async () => {
    const { post } = setup({ trackAudiences: true });
    const bodies: unknown[] = [
      'null', '[]', '42', '"text"', '{}', '{"type":null}', '{"type":["event_processing_request"]}',
      { type: 'event_processing_request', events: [null, 1, 'x', [], {}, { type: 'custom_event' }] },
      { type: 'event_processing_request', user_identities: 'nope', events: [] },
      { type: 'event_processing_request', user_identities: [{ type: 'customer' }], events: [{ type: 'custom_event', id: 'e', name: 'Coupon Redeemed' }] },
      { type: 'audience_subscription_request' },
      { type: 'audience_subscription_request', audience_id: 'abc', action: 'add' },
      { type: 'audience_membership_change_request', user_profiles: 'x' },
      { type: 'audience_membership_change_request', user_profiles: [null, 5, { audiences: 'x' }, { audiences: [null, {}] }] },
      { type: 'event_processing_request', events: [{ type: 'custom_event', id: 'e', name: 'Coupon Redeemed', attributes: { coupon_code: { nested: true } } }] },
      '\u0000\u0001',
      `{"type":"event_processing_request","events":[${'['.repeat(5000)}${']'.repeat(5000)}]}`,
    ];
    for (const body of bodies) {
      const response = await post(body);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBeLessThan(500);
      expect(response.headers.get('content-type')).toContain('application/json');
      await response.json();
    }
  });
});

describe('MParticleInbound.fetch: audiences', () => {
  it('when trackAudiences is false, acknowledges audience messages, changes no list and writes no log', async () => {
    const { post, inbound, logs, engine } = setup({ trackAudiences: false });
    for (const name of ['audience-subscription-add', 'audience-membership-change', 'audience-subscription-remove']) {
      const response = await post(fixture(name));
      expect(response.status).toBe(200);
    }
    const membership = (await (await post(fixture('audience-membership-change'))).json()) as Record<string, unknown>;
    expect(membership).toMatchObject({ type: 'audience_membership_change_response', suspend_subscription: false });
    expect(await inbound.pending()).toBe(0);
    await inbound.processInboundQueue();
    expect(engine.lists.size).toBe(0);
    expect(logs.size).toBe(0);
  });

  it('when trackAudiences is true, queues subscriptions and memberships and answers each type', async () => {
    const { post, inbound } = setup({ trackAudiences: true });
    const subscription = await post(fixture('audience-subscription-add'));
    expect(await subscription.json()).toMatchObject({ type: 'audience_subscription_response', id: '4b8ae32a-8e5a-4092-b65f-00f901bc7973' });
    const membership = await post(fixture('audience-membership-change'));
    expect(await membership.json()).toMatchObject({ type: 'audience_membership_change_response', id: '4d1f4616-27d6-4721-ae0e-78dce5dd26c4', suspend_subscription: false });
    // 1 subscription + ada: add 1234, delete 654 (attribute_update ignored) + alan: add 1234; the empty profile yields nothing.
    expect(await inbound.pending()).toBe(4);
  });

  it('answers a membership ping without user_profiles and queues nothing', async () => {
    const { post, inbound, logs } = setup({ trackAudiences: true });
    expect((await post(fixture('audience-membership-ping'))).status).toBe(200);
    expect(await inbound.pending()).toBe(0);
    expect(logs.size).toBe(0);
  });

  it('answers 400 to a subscription request without an audience_id', async () => {
    const { post } = setup({ trackAudiences: true });
    const body = fixture<Record<string, unknown>>('audience-subscription-add');
    delete body.audience_id;
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { details: { path: string } } }).error.details.path).toBe('request.audience_id');
  });
});

describe('MParticleInbound.fetch: queueing failures', () => {
  it('answers 503 (which mParticle retries) and logs a proxy-forwarding error when the queue refuses the work', async () => {
    class BrokenQueue extends MemoryInboundQueue {
      override async enqueue(_items: readonly InboundWorkItem[]): Promise<void> {
        throw new Error('database is read-only');
      }
    }
    const { post, logs } = setup({ queue: new BrokenQueue() });
    const response = await post(fixture('event-processing-request'));
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('queue_unavailable');
    const [error] = records(logs, 'incoming-error');
    expect(error).toMatchObject({ errorCode: 'queue_unavailable', source: 'proxy-forwarding', requestId: '006d8826-a3a6-4ca9-b432-53b7810bdf67' });
    expect(error!.message).toContain('database is read-only');
    expect(JSON.parse(error!.payload as string).type).toBe('event_processing_request');
  });
});

describe('MParticleInbound: secrets', () => {
  it('never writes the token into a log record or an answer, even when a client echoes it in the body', async () => {
    const { post, logs, inbound } = setup();
    await post({ type: 'mystery', token: TOKEN, note: `Token ${TOKEN}` });
    await post({ type: 'event_processing_request', events: {}, echoed: TOKEN });
    const bad = await post(fixture('event-processing-request'), { token: 'wrong-token-wrong-token' });
    expect(JSON.stringify(await bad.json())).not.toContain(TOKEN);
    await post(fixture('event-processing-hashed-identity'));
    await inbound.processInboundQueue();
    const all = JSON.stringify(logs.query({ limit: 1000 }).records);
    expect(all.length).toBeGreaterThan(200);
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain('wrong-token-wrong-token');
  });
});

describe('MParticleInbound through toNodeListener (NODE_FAST_PATH)', () => {
  it('answers over real HTTP exactly as fetch does, and logs the same records', async () => {
    const web = setup({ trackAudiences: true, maxBodyBytes: 4096 });
    const node = setup({ trackAudiences: true, maxBodyBytes: 4096 });
    expect(typeof (node.inbound.fetch as unknown as Record<symbol, unknown>)[NODE_FAST_PATH]).toBe('function');
    const server = createServer(toNodeListener(node.inbound.fetch, { maxBodyBytes: 4096 }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mparticle`;
    try {
      const cases: Array<{ body: unknown; token?: string | null; contentType?: string; method?: string }> = [
        { body: fixture('module-registration-request'), token: null },
        { body: fixture('event-processing-ping') },
        { body: fixture('event-processing-hashed-identity') },
        { body: fixture('audience-subscription-add') },
        { body: fixture('event-processing-ping'), token: null },
        { body: fixture('event-processing-ping'), token: 'a-wrong-token-of-some-length' },
        { body: '{"type":' },
        { body: { type: 'mystery', id: 'm-1' } },
        { body: 'a=b', contentType: 'text/plain' },
        { body: { type: 'event_processing_request', padding: 'x'.repeat(5000) } },
        { body: undefined, method: 'GET' },
      ];
      for (const c of cases) {
        const headers: Record<string, string> = { 'content-type': c.contentType ?? 'application/json' };
        const token = c.token === undefined ? TOKEN : c.token;
        if (token !== null) headers.authorization = `Token ${token}`;
        const body = c.method === 'GET' ? undefined : typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
        const overHttp = await fetch(url, { method: c.method ?? 'POST', headers, ...(body === undefined ? {} : { body }) });
        const inProcess = await web.post(c.body, { ...(c.token === undefined ? {} : { token: c.token }), ...(c.contentType ? { contentType: c.contentType } : {}), ...(c.method ? { method: c.method } : {}) });
        const label = JSON.stringify(c).slice(0, 60);
        expect(overHttp.status, label).toBe(inProcess.status);
        expect(overHttp.headers.get('content-type'), label).toContain('application/json');
        expect(await overHttp.json(), label).toEqual(await inProcess.json());
      }
      const strip = (rs: Array<Record<string, unknown>>) => rs.map(({ id: _id, timestamp: _t, loggedAt: _l, requestId: _r, ...rest }) => rest);
      expect(strip(records(node.logs, 'incoming-error')).map((r) => r.errorCode)).toEqual([
        'hashed_identity', 'unauthorized', 'unauthorized', 'invalid_json', 'unsupported_message_type', 'unsupported_media_type', 'payload_too_large', 'method_not_allowed',
      ]);
      expect(strip(records(node.logs, 'inbound'))).toEqual(strip(records(web.logs, 'inbound')));
      expect(await node.inbound.pending()).toBe(await web.inbound.pending());
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
