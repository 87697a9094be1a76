import { describe, expect, it } from 'vitest';
import { EngineRefusal } from '../../../src/core/engine.js';
import { ConfigurationError } from '../../../src/core/errors.js';
import { Logger } from '../../../src/core/logs.js';
import { MemoryLogStore } from '../../../src/core/memory-log-store.js';
import { MParticleInbound, MemoryInboundQueue, inboundRetryDelay, type InboundWorkItem } from '../../../src/mparticle/inbound/index.js';
import { InMemoryLoyaltyEngine } from '../../../src/testing/memory-engine.js';
import { MAPPINGS, TOKEN, engineWithCustomers, fixture, records, setup } from './helpers.js';

/** An event_processing_request for one customer with the given custom events. */
function customEvents(customer: string, events: Array<{ id: string; name: string; attributes?: Record<string, string>; timestamp_ms?: number }>, id = `req-${events[0]!.id}`) {
  return {
    type: 'event_processing_request',
    id,
    timestamp_ms: 1763629500000,
    firehose_version: '3.2.0',
    user_identities: [{ type: 'customer', encoding: 'raw', value: customer }],
    events: events.map((e) => ({ type: 'custom_event', custom_event_type: 'other', timestamp_ms: 1763629400000, attributes: {}, ...e })),
  };
}

describe('processInboundQueue: events', () => {
  it('registers mapped events with data built from {field} references and literals, and an idempotency key from the mParticle event id', async () => {
    const { post, inbound, engine } = setup();
    await post(fixture('event-processing-request'));
    const report = await inbound.processInboundQueue();
    expect(report).toMatchObject({ processed: 3, registered: 3, failed: 0, skipped: 0, retrying: 0, remaining: 0 });
    const byAction = Object.fromEntries(engine.events.map((e) => [e.action, e]));
    expect(byAction.coupon_redeem).toMatchObject({
      customerId: 'cus_1001',
      data: { coupon: 'WELCOME10', source: 'mparticle' },
      timestamp: '2025-11-20T09:03:40.000Z',
      idempotencyKey: 'mparticle:ab5849e7-61a5-4464-984b-ff48a61aac09',
    });
    expect(byAction.checkout!.data).toEqual({
      transaction_id: 'tx-9001',
      total: 59.9,
      currency: 'EUR',
      items: [
        expect.objectContaining({ id: 'sku-1', price: 19.95, quantity: 2 }),
        expect.objectContaining({ id: 'sku-2', price: 20, quantity: 1 }),
      ],
    });
    // '{$firstname}' finds the reserved user attribute '$FirstName' in any case.
    expect(byAction.page_view!.data).toEqual({ page: 'Rewards Catalogue', first_name: 'Ada' });
  });

  it('a literal that merely contains brackets stays a literal', async () => {
    const { post, inbound, engine } = setup({
      eventMappings: [{ loyaltyEvent: 'point_add', eventType: 'custom_event', eventName: 'Bonus', fields: { points: 50, note: 'bonus {x} for {y}', code: '{code}' } }],
    });
    await post(customEvents('crm-ada', [{ id: 'e-1', name: 'Bonus', attributes: { code: 'B-1' } }]));
    await inbound.processInboundQueue();
    expect(engine.events[0]!.data).toEqual({ points: 50, note: 'bonus {x} for {y}', code: 'B-1' });
  });

  it('processes queued events in mapping priority order (lower first), then by arrival', async () => {
    const { post, inbound, engine } = setup();
    // Arrival order: coupon (priority 5), page_view (10), checkout (1) in one request; then another coupon.
    await post(fixture('event-processing-request'));
    await post(customEvents('crm-alan', [{ id: 'e-late', name: 'Coupon Redeemed', attributes: { coupon_code: 'LATE' } }]));
    await inbound.processInboundQueue();
    expect(engine.events.map((e) => `${e.action}:${e.customerId}`)).toEqual([
      'checkout:cus_1001',
      'coupon_redeem:cus_1001',
      'coupon_redeem:cus_1002',
      'page_view:cus_1001',
    ]);
  });

  it('never registers a redelivered event twice, across requests and across runs', async () => {
    const { post, inbound, engine, logs } = setup();
    const body = fixture('event-processing-request');
    await post(body);
    await post(body); // mParticle resends while the first is still queued
    const first = await inbound.processInboundQueue();
    await post(body); // and again after it was applied
    const second = await inbound.processInboundQueue();
    expect(engine.events).toHaveLength(3);
    expect(first.registered + second.registered).toBe(3);
    expect(first).toMatchObject({ requests: 2, processed: 6, registered: 3, skipped: 3 });
    expect(second).toMatchObject({ processed: 3, registered: 0, skipped: 3 });
    const skipped = records(logs, 'inbound').filter((r) => r.status === 'skipped');
    expect(skipped).toHaveLength(6);
    expect(skipped[0]!.error).toMatch(/^duplicate: mParticle event .+ was already registered as evt_\d+$/);
    expect(skipped[0]!.eventId).toMatch(/^evt_\d+$/);
  });

  it('never registers the same mParticle event twice when it arrives in two different requests', async () => {
    const { post, inbound, engine } = setup();
    const first = fixture<Record<string, unknown>>('event-processing-request');
    const resent = { ...fixture<Record<string, unknown>>('event-processing-request'), id: 'a-new-message-id' };
    await post(first);
    await post(resent);
    expect(await inbound.pending()).toBe(2);
    const report = await inbound.processInboundQueue();
    expect(report).toMatchObject({ requests: 2, processed: 6, registered: 3, skipped: 3 });
    expect(engine.events).toHaveLength(3);
  });

  it('with autoSubscribe off, an unknown customer fails the event with unknown_customer (engine-request)', async () => {
    const { post, inbound, engine, logs } = setup({ autoSubscribe: false });
    await post(customEvents('crm-nobody', [{ id: 'e-1', name: 'Coupon Redeemed', attributes: { coupon_code: 'X' } }]));
    const report = await inbound.processInboundQueue();
    expect(report).toMatchObject({ failed: 1, registered: 0, customersCreated: 0 });
    expect(engine.customers.size).toBe(2);
    const [error] = records(logs, 'incoming-error');
    expect(error).toMatchObject({ errorCode: 'unknown_customer', source: 'engine-request', requestId: 'req-e-1' });
    expect(error!.message).toBe("no customer has external_id = 'crm-nobody' (mParticle identity 'customer')");
    const [inboundRecord] = records(logs, 'inbound');
    expect(inboundRecord).toMatchObject({ status: 'failed', action: 'coupon_redeem', identifier: 'e-1' });
  });

  it('with autoSubscribe on, an unknown customer is created inactive first, then the event registered', async () => {
    const { post, inbound, engine, logs } = setup({ autoSubscribe: true });
    await post(customEvents('crm-newbie', [
      { id: 'e-1', name: 'Coupon Redeemed', attributes: { coupon_code: 'A' } },
      { id: 'e-2', name: 'Coupon Redeemed', attributes: { coupon_code: 'B' } },
    ]));
    const report = await inbound.processInboundQueue();
    expect(report).toMatchObject({ customersCreated: 1, registered: 2 });
    const created = [...engine.customers.values()].find((c) => c.attributes.external_id === 'crm-newbie')!;
    expect(created.status).toBe('inactive');
    expect(engine.eventsOf(created.id)).toHaveLength(2);
    expect(records(logs, 'inbound').find((r) => r.action === 'customer_create')).toMatchObject({ status: 'success', customerId: created.id });
  });

  it('matches the identity against the engine ID when loyaltyIdentifierField is id', async () => {
    const { post, inbound, engine } = setup({ loyaltyIdentifierField: 'id', customerIdentity: 'other' });
    const body = customEvents('ignored', [{ id: 'e-1', name: 'Coupon Redeemed', attributes: { coupon_code: 'A' } }]);
    body.user_identities = [{ type: 'other', encoding: 'raw', value: 'cus_1002' }];
    await post(body);
    await inbound.processInboundQueue();
    expect(engine.events[0]!.customerId).toBe('cus_1002');
  });

  it('a transient engine failure is logged (engine-processing) and retried by a later run, not lost', async () => {
    const { post, inbound, engine, logs, clock } = setup();
    await post(customEvents('crm-ada', [{ id: 'e-1', name: 'Coupon Redeemed', attributes: { coupon_code: 'A' } }]));
    engine.failNext(1, new Error('connection reset by engine'));
    const first = await inbound.processInboundQueue();
    expect(first).toMatchObject({ processed: 1, retrying: 1, registered: 0, remaining: 1 });
    const [error] = records(logs, 'incoming-error');
    expect(error).toMatchObject({ errorCode: 'engine_unavailable', source: 'engine-processing' });
    expect(error!.message).toContain('connection reset by engine (attempt 1 of 5');
    // Not due yet: a run straight away leaves it waiting.
    expect(await inbound.processInboundQueue()).toMatchObject({ processed: 0, remaining: 1 });
    clock.advance(inboundRetryDelay(1));
    expect(await inbound.processInboundQueue()).toMatchObject({ processed: 1, registered: 1, remaining: 0 });
    expect(engine.events).toHaveLength(1);
  });

  it('gives an item up after maxAttempts transient failures, keeping its payload in the incoming-error log', async () => {
    const { post, inbound, engine, logs, clock } = setup({ maxAttempts: 3 });
    await post(customEvents('crm-ada', [{ id: 'e-1', name: 'Coupon Redeemed', attributes: { coupon_code: 'A' } }]));
    engine.failNext(10);
    for (let run = 1; run <= 3; run++) {
      await inbound.processInboundQueue();
      clock.advance(inboundRetryDelay(run));
    }
    expect(await inbound.pending()).toBe(0);
    const last = records(logs, 'incoming-error').at(-1)!;
    expect(last).toMatchObject({ errorCode: 'retries_exhausted', source: 'engine-processing' });
    expect(last.message).toContain('gave up after 3 attempts');
    expect(JSON.parse(last.payload as string)).toMatchObject({ id: 'e-1', name: 'Coupon Redeemed' });
  });

  it('when the queue cannot hold a retry, the request stays leased, runs again after its lease, and registers nothing twice', async () => {
    class NoRetries extends MemoryInboundQueue {
      refuse = true;
      override async retry(item: InboundWorkItem, availableAt: number): Promise<void> {
        if (this.refuse) throw new Error('queue is read-only');
        return super.retry(item, availableAt);
      }
    }
    const queue = new NoRetries();
    const engine = engineWithCustomers();
    const original = engine.registerEvent.bind(engine);
    let failOnce = true;
    engine.registerEvent = async (input) => {
      if (input.action === 'page_view' && failOnce) {
        failOnce = false;
        throw new Error('engine hiccup');
      }
      return original(input);
    };
    const { post, inbound, clock } = setup({ queue, leaseMs: 1000 }, engine);
    await post(fixture('event-processing-request'));
    expect(await inbound.processInboundQueue()).toMatchObject({ registered: 2, retrying: 1, remaining: 1 });
    queue.refuse = false;
    expect(await inbound.processInboundQueue()).toMatchObject({ processed: 0, remaining: 1 }); // still leased
    clock.advance(1000);
    expect(await inbound.processInboundQueue()).toMatchObject({ processed: 3, registered: 1, skipped: 2, remaining: 0 });
    expect(engine.events.map((e) => e.action).sort()).toEqual(['checkout', 'coupon_redeem', 'page_view']);
  });

  it('an engine refusal fails the item at once (engine-request) and the rest of the queue proceeds', async () => {
    const engine = engineWithCustomers();
    const original = engine.registerEvent.bind(engine);
    engine.registerEvent = async (input) => {
      if (input.data.coupon === 'EXPIRED') throw new EngineRefusal('coupon_expired', 'coupon EXPIRED has expired');
      return original(input);
    };
    const { post, inbound, logs } = setup({}, engine);
    await post(customEvents('crm-ada', [
      { id: 'e-1', name: 'Coupon Redeemed', attributes: { coupon_code: 'EXPIRED' } },
      { id: 'e-2', name: 'Coupon Redeemed', attributes: { coupon_code: 'FINE' } },
    ]));
    const report = await inbound.processInboundQueue();
    expect(report).toMatchObject({ failed: 1, registered: 1, retrying: 0, remaining: 0 });
    expect(records(logs, 'incoming-error')[0]).toMatchObject({ errorCode: 'coupon_expired', source: 'engine-request', message: 'coupon EXPIRED has expired' });
  });

  it('a failed event can be redelivered and registered once the cause is fixed', async () => {
    const { post, inbound, engine } = setup();
    const body = customEvents('crm-later', [{ id: 'e-1', name: 'Coupon Redeemed', attributes: { coupon_code: 'A' } }]);
    await post(body);
    expect(await inbound.processInboundQueue()).toMatchObject({ failed: 1 });
    engine.customers.set('cus_9', { id: 'cus_9', attributes: { external_id: 'crm-later' }, status: 'active' });
    await post(body);
    expect(await inbound.processInboundQueue()).toMatchObject({ registered: 1 });
  });

  it('with concurrency above 1, one customer\'s events still register in order', async () => {
    const engine = engineWithCustomers();
    const original = engine.registerEvent.bind(engine);
    // Make earlier events slower, so any reordering within a customer would show.
    engine.registerEvent = async (input) => {
      await new Promise((resolve) => setTimeout(resolve, Number(input.data.coupon) % 3));
      return original(input);
    };
    const { post, inbound } = setup({ concurrency: 8 }, engine);
    const events = (customer: string) =>
      Array.from({ length: 12 }, (_, i) => ({ id: `${customer}-${i}`, name: 'Coupon Redeemed', attributes: { coupon_code: String(12 - i) } }));
    await post(customEvents('crm-ada', events('crm-ada')));
    await post(customEvents('crm-alan', events('crm-alan')));
    const report = await inbound.processInboundQueue();
    expect(report.registered).toBe(24);
    for (const customerId of ['cus_1001', 'cus_1002']) {
      expect(engine.eventsOf(customerId).map((e) => e.data.coupon)).toEqual(Array.from({ length: 12 }, (_, i) => String(12 - i)));
    }
  });

  it('writes one inbound record per processed item with customer, action, status, event id, identifier and bodies', async () => {
    const { post, inbound, logs } = setup();
    await post(fixture('event-processing-request'));
    await inbound.processInboundQueue();
    const coupon = records(logs, 'inbound').find((r) => r.action === 'coupon_redeem')!;
    expect(coupon).toMatchObject({
      connector: 'mparticle-inbound',
      customerId: 'cus_1001',
      status: 'success',
      identifier: 'ab5849e7-61a5-4464-984b-ff48a61aac09',
      eventId: expect.stringMatching(/^evt_/),
    });
    expect(JSON.parse(coupon.requestBody as string)).toMatchObject({ type: 'custom_event', name: 'Coupon Redeemed' });
    expect(JSON.parse(coupon.responseBody as string)).toEqual({ eventId: coupon.eventId });
    expect(typeof coupon.timestamp).toBe('string');
  });
});

describe('processInboundQueue: audiences', () => {
  it('subscription add creates a list named after the audience, update renames it, remove deletes it', async () => {
    const { post, inbound, engine, logs } = setup({ trackAudiences: true });
    await post(fixture('audience-subscription-add'));
    await inbound.processInboundQueue();
    expect(engine.lists.get('1234')).toMatchObject({ name: 'Lapsed Gold Members', active: true });
    await post(fixture('audience-subscription-update'));
    await inbound.processInboundQueue();
    expect(engine.lists.get('1234')!.name).toBe('Lapsed Gold Members (90 days)');
    await post(fixture('audience-subscription-remove'));
    const report = await inbound.processInboundQueue();
    expect(report.listChanges).toBe(1);
    expect(engine.lists.has('1234')).toBe(false);
    expect(records(logs, 'inbound').map((r) => `${r.action}:${r.status}`)).toEqual(['list_create:success', 'list_rename:success', 'list_delete:success']);
  });

  it('membership add and delete add and remove the customer; attribute_update changes nothing', async () => {
    const { post, inbound, engine } = setup({ trackAudiences: true });
    await engine.upsertList({ id: '654', name: 'Spring Promo' });
    await engine.addMembers('654', ['cus_1001']);
    await engine.upsertList({ id: '789', name: 'Coffee Lovers' });
    await post(fixture('audience-subscription-add'));
    await post(fixture('audience-membership-change'));
    const report = await inbound.processInboundQueue();
    expect(report).toMatchObject({ processed: 4, listChanges: 4, failed: 0 });
    expect([...engine.lists.get('1234')!.members].sort()).toEqual(['cus_1001', 'cus_1002']);
    expect(engine.lists.get('654')!.members.size).toBe(0);
    expect(engine.lists.get('789')!.members.size).toBe(0);
  });

  it('an inactive list refuses members: logged as an error (engine-request), the rest proceeds', async () => {
    const { post, inbound, engine, logs } = setup({ trackAudiences: true });
    await post(fixture('audience-subscription-add'));
    await inbound.processInboundQueue();
    engine.lists.get('1234')!.active = false;
    await engine.upsertList({ id: '654', name: 'Spring Promo' });
    await engine.addMembers('654', ['cus_1001']);
    await post(fixture('audience-membership-change'));
    const report = await inbound.processInboundQueue();
    expect(report).toMatchObject({ failed: 2, listChanges: 1 });
    expect(engine.lists.get('1234')!.members.size).toBe(0);
    expect(engine.lists.get('654')!.members.size).toBe(0);
    const errors = records(logs, 'incoming-error');
    expect(errors.map((e) => `${e.errorCode}:${e.source}`)).toEqual(['inactive_list:engine-request', 'inactive_list:engine-request']);
    expect(errors[0]!.message).toContain('inactive');
    expect(JSON.parse(errors[0]!.payload as string)).toMatchObject({ audiences: [{ audience_id: '1234', action: 'add' }] });
  });

  it('a membership change for an unknown customer is an error on add and a skip on delete', async () => {
    const { post, inbound, engine, logs } = setup({ trackAudiences: true });
    await engine.upsertList({ id: '1234', name: 'Lapsed Gold Members' });
    const body = fixture<Record<string, any>>('audience-membership-change');
    body.user_profiles = [{ user_identities: [{ type: 'customer', encoding: 'raw', value: 'crm-ghost' }], audiences: [
      { audience_id: 1234, audience_name: 'Lapsed Gold Members', action: 'add' },
      { audience_id: 1234, audience_name: 'Lapsed Gold Members', action: 'delete' },
    ] }];
    await post(body);
    expect(await inbound.processInboundQueue()).toMatchObject({ failed: 1, skipped: 1 });
    expect(records(logs, 'incoming-error')).toHaveLength(1);
  });

  it('a profile with only hashed identities is rejected on arrival with hashed_identity', async () => {
    const { post, inbound, logs } = setup({ trackAudiences: true });
    const body = fixture<Record<string, any>>('audience-membership-change');
    body.user_profiles = [{ user_identities: [{ type: 'customer', encoding: 'sha256', value: 'ab'.repeat(32) }], audiences: [{ audience_id: 1, action: 'add' }] }];
    await post(body);
    expect(await inbound.pending()).toBe(0);
    expect(records(logs, 'incoming-error')[0]).toMatchObject({ errorCode: 'hashed_identity', source: 'proxy-request' });
  });
});

describe('MParticleInbound construction', () => {
  const logger = new Logger(new MemoryLogStore());

  it('refuses autoSubscribe when the engine cannot create customers', () => {
    const engine = new InMemoryLoyaltyEngine() as Partial<InMemoryLoyaltyEngine>;
    const limited = { registerEvent: engine.registerEvent!, updateProfile: engine.updateProfile!, findCustomer: engine.findCustomer! };
    expect(() => new MParticleInbound({ authToken: TOKEN, autoSubscribe: true }, { engine: limited, logger, now: Date.now })).toThrow(
      expect.objectContaining({ name: 'ConfigurationError', option: 'inbound.autoSubscribe' }),
    );
  });

  it('refuses trackAudiences without CustomerLists', () => {
    expect(() => new MParticleInbound({ authToken: TOKEN, trackAudiences: true }, { engine: new InMemoryLoyaltyEngine(), logger, now: Date.now })).toThrow(ConfigurationError);
  });

  it('names the offending option and never echoes the token', () => {
    let error: ConfigurationError | undefined;
    try {
      new MParticleInbound({ authToken: TOKEN, eventMappings: [{ ...MAPPINGS[0]!, eventName: undefined }] }, { engine: new InMemoryLoyaltyEngine(), logger, now: Date.now });
    } catch (e) {
      error = e as ConfigurationError;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error!.option).toBe('eventMappings.0.eventName');
    expect(error!.message).toContain("required when eventType is 'custom_event'");
    expect(error!.message).not.toContain(TOKEN);
  });
});
