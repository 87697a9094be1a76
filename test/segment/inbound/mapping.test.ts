import { describe, expect, it } from 'vitest';
import { ConfigurationError, ValidationError } from '../../../src/core/errors.js';
import { defaultSegmentInboundMappings } from '../../../src/segment/inbound/defaults.js';
import {
  compileSegmentInboundMappings,
  fromAntavoBody,
  isAntavoFormat,
  libraryName,
  mapSegmentEvent,
  readSegmentEvents,
  type InboundItem,
  type InvalidInboundItem,
} from '../../../src/segment/inbound/mapping.js';
import type { SegmentInboundMapping } from '../../../src/segment/inbound/schemas.js';
import { TriggerSyntaxError } from '../../../src/segment/inbound/subscription.js';

const defaults = compileSegmentInboundMappings(defaultSegmentInboundMappings());
const track = {
  type: 'track',
  userId: 'cus_1',
  event: 'point_add',
  properties: { points: 50, reason: 'review' },
  timestamp: '2026-11-20T09:00:00Z',
  messageId: 'm-1',
};

function only(items: Array<InboundItem | InvalidInboundItem>): InboundItem {
  expect(items).toHaveLength(1);
  const [item] = items;
  if (!item || 'error' in item) throw new Error(`expected a valid item, got ${item && 'error' in item ? item.error.message : 'nothing'}`);
  return item;
}

describe('default mappings (Antavo destination)', () => {
  it('map a track to a loyalty event: customer ← userId, action ← event, data ← properties, timestamp', () => {
    expect(only(mapSegmentEvent(track, defaults))).toEqual({
      kind: 'loyaltyEvent',
      mapping: 'Loyalty events',
      payload: { customer: 'cus_1', action: 'point_add', data: { points: 50, reason: 'review' }, timestamp: '2026-11-20T09:00:00.000Z' },
    });
  });

  it('map an identify to a profile update with the reserved traits, birthday as birth_date', () => {
    const identify = {
      type: 'identify',
      userId: 'cus_2',
      traits: {
        first_name: 'Ada',
        last_name: 'Lovelace',
        email: 'ada@example.com',
        birthday: '1815-12-10',
        gender: 'female',
        language: 'en',
        phone: '+441',
        mobile_phone: '+442',
        tier: 'gold',
      },
    };
    expect(only(mapSegmentEvent(identify, defaults))).toEqual({
      kind: 'profileUpdate',
      mapping: 'Profile updates',
      payload: {
        customer: 'cus_2',
        data: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', birth_date: '1815-12-10', gender: 'female', language: 'en', phone: '+441', mobile_phone: '+442' },
      },
    });
  });

  it('accept camelCase spellings of reserved traits, snake_case winning when both are present', () => {
    const camel = { type: 'identify', userId: 'cus_3', traits: { firstName: 'Grace', lastName: 'Hopper', mobilePhone: '+1' } };
    expect(only(mapSegmentEvent(camel, defaults)).payload).toEqual({ customer: 'cus_3', data: { first_name: 'Grace', last_name: 'Hopper', mobile_phone: '+1' } });
    const both = { type: 'identify', userId: 'cus_3', traits: { first_name: 'Snake', firstName: 'Camel' } };
    expect(only(mapSegmentEvent(both, defaults)).payload).toEqual({ customer: 'cus_3', data: { first_name: 'Snake' } });
  });

  it('an identify without traits is a profile update with empty data', () => {
    expect(only(mapSegmentEvent({ type: 'identify', userId: 'cus_4' }, defaults)).payload).toEqual({ customer: 'cus_4', data: {} });
  });

  it('match nothing for page, screen, group and alias', () => {
    for (const type of ['page', 'screen', 'group', 'alias']) expect(mapSegmentEvent({ type, userId: 'cus_1' }, defaults)).toEqual([]);
  });
});

describe('required fields', () => {
  const invalid = (items: Array<InboundItem | InvalidInboundItem>): ValidationError => {
    expect(items).toHaveLength(1);
    const [item] = items;
    if (!item || !('error' in item)) throw new Error('expected an invalid item');
    expect(item.error).toBeInstanceOf(ValidationError);
    return item.error;
  };

  it("a missing customer gives \"missing required field 'customer'\" with the mapping's name", () => {
    const error = invalid(mapSegmentEvent({ ...track, userId: undefined }, defaults));
    expect(error.message).toBe("mapping 'Loyalty events': missing required field 'customer'");
    expect(error.path).toBe('customer');
  });

  it("an empty or null customer counts as missing (like the destination's removeEmptyValues)", () => {
    expect(invalid(mapSegmentEvent({ ...track, userId: '' }, defaults)).message).toMatch(/missing required field 'customer'/);
    expect(invalid(mapSegmentEvent({ ...track, userId: null }, defaults)).message).toMatch(/missing required field 'customer'/);
  });

  it('a missing action on a loyalty event is reported; numbers become strings; objects are refused', () => {
    const mappings = compileSegmentInboundMappings([{ name: 'Points', action: 'loyaltyEvent', fields: { action: { '@path': '$.properties.kind' } } }]);
    expect(invalid(mapSegmentEvent(track, mappings)).message).toBe("mapping 'Points': missing required field 'action'");
    expect(only(mapSegmentEvent({ ...track, userId: 1234 }, defaults)).payload.customer).toBe('1234');
    const error = invalid(mapSegmentEvent({ ...track, userId: { id: 1 } }, defaults));
    expect(error.message).toBe("mapping 'Loyalty events': field 'customer': expected a string, received an object");
  });

  it('data must be an object, timestamp a date', () => {
    expect(invalid(mapSegmentEvent({ ...track, properties: 'lots' }, defaults)).message).toBe(
      `mapping 'Loyalty events': field 'data': expected an object, received "lots"`,
    );
    expect(invalid(mapSegmentEvent({ ...track, timestamp: 'yesterday' }, defaults)).message).toMatch(/field 'timestamp': expected an ISO-8601 timestamp/);
  });

  it('with Multi-accounts on, a loyalty event needs an account; profile updates do not', () => {
    expect(invalid(mapSegmentEvent(track, defaults, { multiAccounts: true })).message).toBe("mapping 'Loyalty events': missing required field 'account'");
    const withAccount = compileSegmentInboundMappings([{ name: 'Points', action: 'loyaltyEvent', fields: { account: { '@path': '$.properties.account' } } }]);
    expect(only(mapSegmentEvent({ ...track, properties: { account: 'acc_eu' } }, withAccount, { multiAccounts: true })).payload).toMatchObject({ account: 'acc_eu' });
    expect(only(mapSegmentEvent({ type: 'identify', userId: 'cus_1' }, defaults, { multiAccounts: true })).kind).toBe('profileUpdate');
  });
});

describe('custom mappings', () => {
  it('use each directive in fields; fields left out keep their defaults', () => {
    const mappings: SegmentInboundMapping[] = [
      {
        name: 'Purchases',
        action: 'loyaltyEvent',
        trigger: 'type = "track" and event = "Order Completed"',
        fields: {
          action: 'checkout',
          account: { '@if': { exists: { '@path': '$.properties.account' }, then: { '@path': '$.properties.account' }, else: 'main' } },
          data: {
            transaction_id: { '@path': '$.properties.order_id' },
            total: { '@path': '$.properties.revenue' },
            note: { '@template': 'Order {{properties.order_id}} by {{traits.tier}} member' },
            channel: { '@literal': 'web' },
            coupon: { '@if': { blank: { '@path': '$.properties.coupon' }, then: { '@path': '$.properties.coupon' } } },
          },
        },
      },
    ];
    const compiled = compileSegmentInboundMappings(mappings);
    const order = { type: 'track', event: 'Order Completed', userId: 'cus_9', properties: { order_id: 'o-1', revenue: 42, coupon: '' }, traits: { tier: 'gold' } };
    expect(only(mapSegmentEvent(order, compiled)).payload).toEqual({
      customer: 'cus_9',
      action: 'checkout',
      account: 'main',
      data: { transaction_id: 'o-1', total: 42, note: 'Order o-1 by gold member', channel: 'web' },
    });
    expect(mapSegmentEvent({ ...order, event: 'Product Viewed' }, compiled)).toEqual([]);
  });

  it('every matching mapping yields an item, in order; a disabled one never matches', () => {
    const compiled = compileSegmentInboundMappings([
      { name: 'All tracks', action: 'loyaltyEvent' },
      { name: 'Big orders', action: 'loyaltyEvent', trigger: 'properties.points >= 50', fields: { action: 'bonus' } },
      { name: 'Off', action: 'loyaltyEvent', enabled: false },
    ]);
    expect(mapSegmentEvent(track, compiled).map((i) => [i.mapping, 'payload' in i ? i.payload.customer + ':' + (i.payload as { action: string }).action : 'error'])).toEqual([
      ['All tracks', 'cus_1:point_add'],
      ['Big orders', 'cus_1:bonus'],
    ]);
  });

  it('strips prototype keys from mapped data', () => {
    const event = JSON.parse('{"type":"track","userId":"cus_1","event":"x","properties":{"__proto__":{"admin":true},"points":1,"nested":{"constructor":{"prototype":{"x":1}}}}}');
    const payload = only(mapSegmentEvent(event, defaults)).payload;
    expect(payload.data).toEqual({ points: 1, nested: {} });
    expect(Object.prototype.hasOwnProperty.call(payload.data, '__proto__')).toBe(false);
  });
});

describe('compileSegmentInboundMappings errors', () => {
  it('a bad trigger is a TriggerSyntaxError naming the mapping, the option and the position', () => {
    try {
      compileSegmentInboundMappings([{ name: 'Loyalty events', action: 'loyaltyEvent' }, { name: 'Broken', action: 'loyaltyEvent', trigger: 'type = "track" and' }]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TriggerSyntaxError);
      expect((error as TriggerSyntaxError).option).toBe('mappings.1.trigger');
      expect((error as TriggerSyntaxError).position).toBe(18);
      expect((error as Error).message).toMatch(/^mapping 'Broken': mappings\.1\.trigger: invalid trigger at position 18/);
    }
  });

  it('refuses a field the action does not have, duplicate names and malformed fields', () => {
    expect(() => compileSegmentInboundMappings([{ name: 'P', action: 'profileUpdate', fields: { action: 'x' } }])).toThrow(
      /mapping 'P' \(profileUpdate\) has no field 'action'/,
    );
    expect(() => compileSegmentInboundMappings([{ name: 'A', action: 'loyaltyEvent' }, { name: 'A', action: 'profileUpdate' }])).toThrow(/'A' is used twice/);
    try {
      compileSegmentInboundMappings([{ name: 'A', action: 'loyaltyEvent', fields: { data: { '@nope': 1 } } }]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).option).toBe('mappings.0.fields.data.@nope');
    }
  });
});

describe('Antavo-format bodies', () => {
  it('are recognised by api_key, customer or action without type or batch', () => {
    expect(isAntavoFormat({ customer: 'c', action: 'point_add', api_key: 'k' })).toBe(true);
    expect(isAntavoFormat({ customer: 'c' })).toBe(true);
    expect(isAntavoFormat({ type: 'track', customer: 'c' })).toBe(false);
    expect(isAntavoFormat({ batch: [], api_key: 'k' })).toBe(false);
    expect(isAntavoFormat([{ customer: 'c' }])).toBe(false);
    expect(isAntavoFormat(null)).toBe(false);
  });

  it('profile → profile update with data as attributes; anything else → loyalty event; api_key dropped', () => {
    expect(fromAntavoBody({ customer: 'c1', action: 'profile', data: { first_name: 'Ada' }, api_key: 'k' })).toEqual({
      kind: 'profileUpdate',
      mapping: 'antavo',
      payload: { customer: 'c1', data: { first_name: 'Ada' } },
    });
    expect(fromAntavoBody({ customer: 'c1', action: 'point_add', account: 'acc', data: { points: 5 }, api_key: 'k' })).toEqual({
      kind: 'loyaltyEvent',
      mapping: 'antavo',
      payload: { customer: 'c1', action: 'point_add', account: 'acc', data: { points: 5 } },
    });
    expect(fromAntavoBody({ customer: 'c1', action: 'opt_in', account: '' }).payload).toEqual({ customer: 'c1', action: 'opt_in', data: {} });
  });

  it('report missing fields and a missing account under Multi-accounts', () => {
    expect(() => fromAntavoBody({ action: 'point_add' })).toThrow("Antavo-format body: missing required field 'customer'");
    expect(() => fromAntavoBody({ customer: 'c' })).toThrow("Antavo-format body: missing required field 'action'");
    expect(() => fromAntavoBody({ customer: 'c', action: 'point_add' }, { multiAccounts: true })).toThrow("Antavo-format body: missing required field 'account'");
    expect(() => fromAntavoBody({ customer: 'c', action: 'profile', data: [1] })).toThrow(/field 'data': expected an object, received an array of 1/);
  });
});

describe('readSegmentEvents', () => {
  it('reads one event, an array, or { batch }', () => {
    expect(readSegmentEvents(track)).toMatchObject({ shape: 'single', events: [track] });
    expect(readSegmentEvents([track, track])).toMatchObject({ shape: 'array', events: [track, track] });
    expect(readSegmentEvents({ batch: [track], writeKey: 'wk', sentAt: 'x' })).toMatchObject({ shape: 'batch', events: [track], writeKey: 'wk' });
  });

  it('merges batch-level context and integrations into each event, the event winning', () => {
    const { events } = readSegmentEvents({
      batch: [{ ...track, context: { locale: 'fr' } }, { ...track, integrations: { Braze: false } }],
      context: { locale: 'en', library: { name: 'loyalty-cdp' } },
      integrations: { All: true },
    });
    expect(events[0]).toMatchObject({ context: { locale: 'fr', library: { name: 'loyalty-cdp' } }, integrations: { All: true } });
    expect(events[1]).toMatchObject({ context: { locale: 'en' }, integrations: { All: true, Braze: false } });
    expect(libraryName(events[1])).toBe('loyalty-cdp');
  });

  it('gives a typeless single event the type of a /v1/<type> path', () => {
    const { events, invalid } = readSegmentEvents({ userId: 'u', event: 'x' }, '/hooks/v1/track');
    expect(events[0]).toMatchObject({ type: 'track' });
    expect(invalid.size).toBe(0);
    expect(readSegmentEvents({ userId: 'u' }, '/v1/batch').invalid.get(0)?.path).toBe('type');
  });

  it('lists events that are not objects or have no type, and throws for bodies of no known shape', () => {
    const { invalid } = readSegmentEvents({ batch: [track, 5, { userId: 'u' }, { type: 3 }] });
    expect([...invalid.keys()]).toEqual([1, 2, 3]);
    expect(invalid.get(1)?.message).toBe('(event): expected a Segment event (an object), received number 5');
    expect(invalid.get(2)?.path).toBe('type');
    expect(() => readSegmentEvents('track')).toThrow(ValidationError);
    expect(() => readSegmentEvents({ batch: 'x' })).toThrow(/batch: expected an array of Segment events/);
  });
});
