import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import type { Customer, LoyaltyEvent } from '../../../src/core/model.js';
import {
  toCustomAttributes,
  toCustomEventBatch,
  toTriggeredEventBatch,
  toUserAttributeBatch,
  toUserIdentities,
} from '../../../src/mparticle/mapping.js';
import { parseMParticleOutboundOptions, type MParticleOutboundOptions } from '../../../src/mparticle/schemas.js';

const ada: Customer = {
  id: 'cus_1',
  attributes: { email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', tier: 'gold', points: 1200, crm_id: 'crm-9', tags: ['vip', 'beta'], gender: 'female' },
};

const pointAdd: LoyaltyEvent = {
  id: 'evt_1',
  customerId: 'cus_1',
  action: 'point_add',
  data: { points: 50, reason: 'review' },
  timestamp: '2026-01-02T03:04:05.678Z',
};

function config(overrides: Partial<MParticleOutboundOptions> = {}) {
  return parseMParticleOutboundOptions({
    apiKey: 'key-1234',
    apiSecret: 'secret-1234',
    fieldMapping: { first_name: '$firstname', last_name: '$LASTNAME', gender: '$Gender', tier: 'antavo_tier', points: 'antavo_points', tags: 'antavo_tags' },
    externalEvents: { point_add: { customEventType: 'transaction' }, reward_claim: { name: 'Reward claimed', customEventType: 'user_preference' } },
    ...overrides,
  });
}

describe('toUserIdentities', () => {
  it('sends the loyalty ID as customer_id and the email too by default', () => {
    expect(toUserIdentities(ada, config())).toEqual({ customer_id: 'cus_1', email: 'ada@example.com' });
  });

  it('fills the configured identity from the configured attribute', () => {
    expect(toUserIdentities(ada, config({ identity: 'other_id_3', loyaltyIdentifierField: 'crm_id' }))).toEqual({ other_id_3: 'crm-9', email: 'ada@example.com' });
  });

  it('sends only the configured identity when syncOnlyConfiguredIdentifiers is set', () => {
    expect(toUserIdentities(ada, config({ syncOnlyConfiguredIdentifiers: true }))).toEqual({ customer_id: 'cus_1' });
  });

  it('does not duplicate the email when it is the configured identity, and leaves out a missing email', () => {
    expect(toUserIdentities(ada, config({ identity: 'email', loyaltyIdentifierField: 'email' }))).toEqual({ email: 'ada@example.com' });
    expect(toUserIdentities({ id: 'cus_2' }, config())).toEqual({ customer_id: 'cus_2' });
  });

  it('names the missing identifier attribute', () => {
    expect(() => toUserIdentities({ id: 'cus_2', attributes: {} }, config({ loyaltyIdentifierField: 'crm_id' }))).toThrow(
      expect.objectContaining({ name: 'ValidationError', path: 'customer.attributes.crm_id' }),
    );
  });
});

describe('toUserAttributeBatch', () => {
  const at = '2026-01-02T00:00:00.000Z';

  it('maps every mapped field, with reserved attributes in canonical spelling whatever their case', () => {
    const batch = toUserAttributeBatch(ada, config(), { changedAt: at })!;
    expect(batch.user_attributes).toEqual({
      $FirstName: 'Ada',
      $LastName: 'Lovelace',
      $Gender: 'female',
      antavo_tier: 'gold',
      antavo_points: 1200,
      antavo_tags: ['vip', 'beta'],
    });
    expect(batch).toMatchObject({ environment: 'production', user_identities: { customer_id: 'cus_1', email: 'ada@example.com' } });
    expect(batch.events).toBeUndefined();
  });

  it('sends only the changed mapped fields and deletes a changed field that is now absent or null', () => {
    const customer = { id: 'cus_1', attributes: { ...ada.attributes, tier: null, points: undefined } };
    const batch = toUserAttributeBatch(customer, config(), { changedAt: at, changedFields: ['tier', 'points', 'first_name', 'unmapped'] })!;
    expect(batch.user_attributes).toEqual({ $FirstName: 'Ada' });
    expect(batch.deleted_user_attributes).toEqual(['antavo_tier', 'antavo_points']);
  });

  it('returns undefined when no mapped field changed or nothing is mapped', () => {
    expect(toUserAttributeBatch(ada, config(), { changedAt: at, changedFields: ['unmapped'] })).toBeUndefined();
    expect(toUserAttributeBatch(ada, config({ fieldMapping: {} }), { changedAt: at })).toBeUndefined();
    expect(toUserAttributeBatch({ id: 'cus_3' }, config(), { changedAt: at })).toBeUndefined();
  });

  it('derives source_request_id from customer, attributes and change time', () => {
    const a = toUserAttributeBatch(ada, config(), { changedAt: at })!;
    const again = toUserAttributeBatch(ada, config(), { changedAt: at })!;
    const later = toUserAttributeBatch(ada, config(), { changedAt: '2026-01-03T00:00:00.000Z' })!;
    const other = toUserAttributeBatch({ ...ada, attributes: { ...ada.attributes, tier: 'silver' } }, config(), { changedAt: at })!;
    expect(a.source_request_id).toBe(again.source_request_id);
    expect(new Set([a.source_request_id, later.source_request_id, other.source_request_id]).size).toBe(3);
  });

  it('refuses values mParticle cannot store, naming the field', () => {
    const nested = { id: 'cus_1', attributes: { tier: { name: 'gold' } } };
    expect(() => toUserAttributeBatch(nested, config(), { changedAt: at })).toThrow(
      expect.objectContaining({ name: 'ValidationError', path: 'customer.attributes.tier' }),
    );
    const long = { id: 'cus_1', attributes: { tier: 'x'.repeat(4097) } };
    expect(() => toUserAttributeBatch(long, config(), { changedAt: at })).toThrow(/at most 4096 characters/);
    const bigList = { id: 'cus_1', attributes: { tags: Array.from({ length: 1001 }, (_, i) => `t${i}`) } };
    expect(() => toUserAttributeBatch(bigList, config(), { changedAt: at })).toThrow(/at most 1000 entries/);
  });
});

describe('toCustomEventBatch', () => {
  it('builds a custom_event in the data wrapper with a UUID source_message_id', () => {
    const batch = toCustomEventBatch(ada, pointAdd, config())!;
    expect(batch).toEqual({
      environment: 'production',
      source_request_id: expect.any(String),
      user_identities: { customer_id: 'cus_1', email: 'ada@example.com' },
      events: [
        {
          event_type: 'custom_event',
          data: {
            event_name: 'point_add',
            custom_event_type: 'transaction',
            custom_attributes: { points: 50, reason: 'review' },
            timestamp_unixtime_ms: Date.parse('2026-01-02T03:04:05.678Z'),
            source_message_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
          },
        },
      ],
    });
  });

  it('uses the configured event name and type, and derives the IDs from the event ID only', () => {
    const claim = { ...pointAdd, action: 'reward_claim', data: {} };
    const batch = toCustomEventBatch(ada, claim, config({ environment: 'development' }))!;
    expect(batch.environment).toBe('development');
    expect(batch.events![0]!.data).toMatchObject({ event_name: 'Reward claimed', custom_event_type: 'user_preference' });
    expect(batch.events![0]!.data.custom_attributes).toBeUndefined();
    const again = toCustomEventBatch({ ...ada, attributes: { ...ada.attributes, tier: 'x' } }, claim, config())!;
    expect(again.source_request_id).toBe(batch.source_request_id);
    expect(again.events![0]!.data.source_message_id).toBe(batch.events![0]!.data.source_message_id);
    expect(toCustomEventBatch(ada, { ...claim, id: 'evt_2' }, config())!.source_request_id).not.toBe(batch.source_request_id);
  });

  it('returns undefined for an action not associated in externalEvents', () => {
    expect(toCustomEventBatch(ada, { ...pointAdd, action: 'checkout' }, config())).toBeUndefined();
  });

  it("refuses an event of another customer or with a bad timestamp", () => {
    expect(() => toCustomEventBatch(ada, { ...pointAdd, customerId: 'cus_9' }, config())).toThrow(expect.objectContaining({ path: 'event.customerId' }));
    expect(() => toCustomEventBatch(ada, { ...pointAdd, timestamp: 'yesterday' }, config())).toThrow(expect.objectContaining({ path: 'event.timestamp' }));
    expect(() => toCustomEventBatch(ada, { ...pointAdd, id: '' }, config())).toThrow(expect.objectContaining({ path: 'event.id' }));
  });
});

describe('toCustomAttributes', () => {
  it('flattens nested objects and arrays into dotted names and keeps scalars only', () => {
    const when = new Date('2026-01-01T00:00:00Z');
    expect(
      toCustomAttributes({ total: 59.9, paid: true, at: when, skip: null, gone: undefined, items: [{ sku: 'a', qty: 2 }], address: { city: 'Oslo' } }),
    ).toEqual({ total: 59.9, paid: true, at: '2026-01-01T00:00:00.000Z', 'items.0.sku': 'a', 'items.0.qty': 2, 'address.city': 'Oslo' });
  });

  it('returns undefined for empty data and keeps a __proto__ key as data', () => {
    expect(toCustomAttributes({})).toBeUndefined();
    expect(toCustomAttributes(undefined)).toBeUndefined();
    const out = toCustomAttributes(JSON.parse('{"__proto__": "x"}'))!;
    expect(Object.keys(out)).toEqual(['__proto__']);
  });

  it('refuses what mParticle rejects, naming the path', () => {
    const cases: Array<[Record<string, unknown>, string | RegExp]> = [
      [{ fn: () => 1 }, 'event.data.fn'],
      [{ n: Number.NaN }, 'event.data.n'],
      [{ when: new Map() }, 'event.data.when'],
      [{ text: 'x'.repeat(4097) }, 'event.data.text'],
      [{ ['k'.repeat(257)]: 1 }, `event.data.${'k'.repeat(257)}`],
    ];
    for (const [data, path] of cases) {
      let error: unknown;
      try {
        toCustomAttributes(data);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).path).toBe(path);
    }
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`a${i}`, i]));
    expect(() => toCustomAttributes(many)).toThrow(/at most 100 attributes/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => toCustomAttributes(cyclic)).toThrow(/nesting/);
  });
});

describe('toTriggeredEventBatch', () => {
  const input = { name: 'Send birthday email', customEventType: 'other' as const, attributes: { template: 'bday' }, timestamp: 1_767_225_600_000 };

  it('builds a custom_event, with the ID from the trigger ID when given', () => {
    const batch = toTriggeredEventBatch(ada, { ...input, id: 'run-1' }, config());
    expect(batch.events![0]).toMatchObject({ event_type: 'custom_event', data: { event_name: 'Send birthday email', custom_event_type: 'other', custom_attributes: { template: 'bday' }, timestamp_unixtime_ms: 1_767_225_600_000 } });
    expect(toTriggeredEventBatch(ada, { ...input, id: 'run-1', timestamp: 5 }, config()).source_request_id).toBe(batch.source_request_id);
    expect(toTriggeredEventBatch(ada, input, config()).source_request_id).toBe(toTriggeredEventBatch(ada, input, config()).source_request_id);
    expect(toTriggeredEventBatch(ada, { ...input, timestamp: 5 }, config()).source_request_id).not.toBe(toTriggeredEventBatch(ada, input, config()).source_request_id);
  });

  it('requires an event name of at most 256 characters and a known type', () => {
    expect(() => toTriggeredEventBatch(ada, { ...input, name: '' }, config())).toThrow(/event_name/);
    expect(() => toTriggeredEventBatch(ada, { ...input, name: 'n'.repeat(257) }, config())).toThrow(/at most 256 characters/);
    expect(() => toTriggeredEventBatch(ada, { ...input, customEventType: 'attribution' as 'other' }, config())).toThrow(
      expect.objectContaining({ path: 'customEventType' }),
    );
  });
});
