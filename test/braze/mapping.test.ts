import { describe, expect, it } from 'vitest';
import {
  toBrazeChangedAttributes,
  toBrazeEvent,
  toBrazeExternalId,
  toBrazeProfileAttributes,
  toBrazePurchases,
  toBrazeSyncAttributes,
} from '../../src/braze/mapping.js';
import { resolveFieldMapping, type ResolvedBrazePurchaseOptions } from '../../src/braze/schemas.js';
import { BrazeAttributeOperation, toBrazeAttributeValue, toBrazeEventProperties } from '../../src/braze/values.js';
import { ValidationError } from '../../src/core/errors.js';
import { loyaltyEvent, member } from './helpers.js';
import { thrownBy } from '../thrown.js';

const fields = resolveFieldMapping({ tier: 'loyalty_tier', points: 'loyalty_points', joined: 'loyalty_joined', first_name: { standard: 'first_name' } });

const validationError = (run: () => unknown) => thrownBy(ValidationError, run);

describe('attribute values', () => {
  it('keeps numbers, strings, booleans and simple arrays, and turns a Date into ISO 8601', () => {
    expect(toBrazeAttributeValue(12.5, 'p')).toBe(12.5);
    expect(toBrazeAttributeValue('gold', 'p')).toBe('gold');
    expect(toBrazeAttributeValue(false, 'p')).toBe(false);
    expect(toBrazeAttributeValue(['a', 2, true], 'p')).toEqual(['a', 2, true]);
    expect(toBrazeAttributeValue(new Date(Date.UTC(2026, 1, 3, 4, 5, 6)), 'p')).toBe('2026-02-03T04:05:06.000Z');
  });

  it('sends null to unset and leaves undefined out', () => {
    expect(toBrazeAttributeValue(null, 'p')).toBeNull();
    expect(toBrazeAttributeValue(undefined, 'p')).toBeUndefined();
  });

  it('turns dates inside nested objects and arrays of objects into {"$time": …}', () => {
    const at = new Date(Date.UTC(2026, 4, 28));
    expect(toBrazeAttributeValue({ level: 'gold', since: at, history: { first: at } }, 'p')).toEqual({
      level: 'gold',
      since: { $time: '2026-05-28T00:00:00.000Z' },
      history: { first: { $time: '2026-05-28T00:00:00.000Z' } },
    });
    expect(toBrazeAttributeValue([{ id: 1, at }, { id: 2, at }], 'p')).toEqual([
      { id: 1, at: { $time: '2026-05-28T00:00:00.000Z' } },
      { id: 2, at: { $time: '2026-05-28T00:00:00.000Z' } },
    ]);
  });

  it('refuses a string over 255 characters, naming the path', () => {
    expect(toBrazeAttributeValue('x'.repeat(255), 'p')).toHaveLength(255);
    const error = validationError(() => toBrazeAttributeValue('x'.repeat(256), 'customer.attributes.note'));
    expect(error.path).toBe('customer.attributes.note');
    expect(error.message).toContain('255');
    // Characters, not UTF-16 units: 255 emoji are fine.
    expect(toBrazeAttributeValue('😀'.repeat(255), 'p')).toBe('😀'.repeat(255));
  });

  it('refuses null inside a nested object, keys with spaces or "$", NaN, and class instances', () => {
    expect(validationError(() => toBrazeAttributeValue({ a: null }, 'p')).path).toBe('p.a');
    expect(validationError(() => toBrazeAttributeValue({ 'a b': 1 }, 'p')).message).toContain('whitespace');
    expect(validationError(() => toBrazeAttributeValue({ $a: 1 }, 'p')).message).toContain('"$"');
    expect(validationError(() => toBrazeAttributeValue(Number.NaN, 'p')).expected).toBe('a finite number');
    expect(validationError(() => toBrazeAttributeValue(new Map(), 'p')).received).toBe('an object');
    expect(validationError(() => toBrazeAttributeValue(['a', { b: 1 }], 'p')).path).toBe('p[1]');
  });

  it('refuses a nested object over 50 KB', () => {
    const big = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, 'v'.repeat(200)]));
    expect(validationError(() => toBrazeAttributeValue(big, 'p')).message).toContain('50 KB');
  });

  it('writes array add/remove and increments as Braze operators', () => {
    expect(toBrazeAttributeValue(BrazeAttributeOperation.add(['early-bird', 3]), 'p')).toEqual({ add: ['early-bird', 3] });
    expect(toBrazeAttributeValue(BrazeAttributeOperation.remove(['x']), 'p')).toEqual({ remove: ['x'] });
    expect(toBrazeAttributeValue(BrazeAttributeOperation.increment(-5), 'p')).toEqual({ inc: -5 });
    expect(() => toBrazeAttributeValue(BrazeAttributeOperation.increment(1.5), 'p')).toThrow(ValidationError);
  });
});

describe('profile attributes', () => {
  it('sends every mapped field that has a value, under its Braze name', () => {
    const customer = member('cus_1', { joined: new Date(Date.UTC(2025, 0, 1)), unmapped: 'not sent' });
    expect(toBrazeProfileAttributes(customer, fields)).toEqual({
      external_id: 'cus_1',
      loyalty_tier: 'gold',
      loyalty_points: 100,
      loyalty_joined: '2025-01-01T00:00:00.000Z',
      first_name: 'Ada',
    });
  });

  it('unsets a changed field that no longer has a value, and skips absent unchanged ones', () => {
    const customer = { id: 'cus_1', attributes: { points: 5 } };
    expect(toBrazeProfileAttributes(customer, fields, { changedFields: ['tier'] })).toEqual({ external_id: 'cus_1', loyalty_tier: null, loyalty_points: 5 });
    expect(toBrazeProfileAttributes({ id: 'cus_2' }, fields)).toBeUndefined();
  });

  it('in onlyChanged mode gives one object per changed mapped field', () => {
    const objects = toBrazeChangedAttributes(member('cus_1'), fields, { changedFields: ['points', 'unmapped'] });
    expect(objects.map((o) => o.object)).toEqual([{ external_id: 'cus_1', loyalty_points: 100 }]);
  });

  it('follows userIdField and refuses an external_id over 987 bytes', () => {
    const customer = member('cus_1', { crm_id: 'crm-42' });
    expect(toBrazeProfileAttributes(customer, fields, { userIdField: 'crm_id' })?.external_id).toBe('crm-42');
    expect(validationError(() => toBrazeProfileAttributes(member('cus_1'), fields, { userIdField: 'crm_id' })).path).toBe('customer.attributes.crm_id');
    expect(validationError(() => toBrazeExternalId({ id: 'x'.repeat(988) })).expected).toContain('987 bytes');
  });

  it('checks standard profile fields by their own rules', () => {
    const standard = resolveFieldMapping({ birthday: { standard: 'dob' }, sex: { standard: 'gender' }, mail_optin: { standard: 'email_subscribe' } });
    expect(toBrazeProfileAttributes({ id: 'c', attributes: { birthday: new Date(Date.UTC(1990, 5, 7, 12)), sex: 'f', mail_optin: 'opted_in' } }, standard)).toEqual({
      external_id: 'c',
      dob: '1990-06-07',
      gender: 'F',
      email_subscribe: 'opted_in',
    });
    expect(validationError(() => toBrazeProfileAttributes({ id: 'c', attributes: { sex: 'female' } }, standard)).path).toBe('customer.attributes.sex');
    expect(validationError(() => toBrazeProfileAttributes({ id: 'c', attributes: { mail_optin: 'yes' } }, standard)).expected).toContain('opted_in');
  });

  it('syncAttributes names Braze attributes directly and refuses identifiers, "$" and spaces', () => {
    expect(toBrazeSyncAttributes(member('c'), { lifetime_points: 9000, email: 'ada@example.com' })).toEqual({ external_id: 'c', lifetime_points: 9000, email: 'ada@example.com' });
    expect(validationError(() => toBrazeSyncAttributes(member('c'), { external_id: 'other' })).path).toBe('attributes.external_id');
    expect(validationError(() => toBrazeSyncAttributes(member('c'), { $points: 1 })).path).toBe('attributes.$points');
    expect(validationError(() => toBrazeSyncAttributes(member('c'), { 'my points': 1 })).path).toBe('attributes.my points');
  });
});

describe('custom events', () => {
  it('names the event after the action, with time, app_id and the data as properties', () => {
    const event = loyaltyEvent('evt_1', 'cus_1', 'reward_claim', { reward_id: 'r1', points: -100, at: new Date(Date.UTC(2026, 0, 2)), tags: ['a'], detail: { n: 1 } });
    expect(toBrazeEvent(member('cus_1'), event, { appId: 'app-1' })).toEqual({
      external_id: 'cus_1',
      app_id: 'app-1',
      name: 'reward_claim',
      time: '2026-01-01T10:00:00.000Z',
      properties: { reward_id: 'r1', points: -100, at: '2026-01-02T00:00:00.000Z', tags: ['a'], detail: { n: 1 } },
    });
    expect(toBrazeEvent(member('cus_1'), loyaltyEvent('e', 'cus_1', 'opt_in', {}))).not.toHaveProperty('properties');
  });

  it.each([
    ['time', { time: 'now' }],
    ['event_name', { event_name: 'x' }],
    ['$revenue', { $revenue: 1 }],
  ])('refuses the reserved property key %s with a clear error', (key, data) => {
    const error = validationError(() => toBrazeEvent(member('c'), loyaltyEvent('e', 'c', 'point_add', data)));
    expect(error.path).toBe(`event.data.${key}`);
    expect(error.message).toContain('reserved by Braze');
  });

  it('refuses a property string over 255 characters, a bad timestamp and another customer', () => {
    expect(validationError(() => toBrazeEvent(member('c'), loyaltyEvent('e', 'c', 'point_add', { note: 'n'.repeat(300) }))).path).toBe('event.data.note');
    expect(validationError(() => toBrazeEvent(member('c'), { ...loyaltyEvent('e', 'c'), timestamp: 'yesterday' })).path).toBe('event.timestamp');
    expect(validationError(() => toBrazeEvent(member('c'), loyaltyEvent('e', 'other'))).path).toBe('event.customerId');
    expect(validationError(() => toBrazeEventProperties({ big: 'x'.repeat(200), list: Array.from({ length: 600 }, () => 'y'.repeat(200)) }, 'd')).message).toContain('100 KB');
  });
});

describe('purchases', () => {
  const purchases: ResolvedBrazePurchaseOptions = { actions: ['checkout'], items: 'items', productId: 'product_id', price: 'price', quantity: 'quantity', currency: 'currency' };
  const checkout = loyaltyEvent('evt_9', 'cus_1', 'checkout', {
    transaction_id: 'tx-1',
    currency: 'eur',
    items: [
      { product_id: 'sku-1', product_name: 'Coffee beans', price: 19.95, quantity: 2 },
      { product_id: 42, price: '20', currency: 'USD' },
    ],
  });

  it('gives one purchase per item, with the item currency or the event currency, and the other item fields as properties', () => {
    expect(toBrazePurchases(member('cus_1'), checkout, { purchases, appId: 'app-1' })).toEqual([
      { external_id: 'cus_1', app_id: 'app-1', product_id: 'sku-1', currency: 'EUR', price: 19.95, quantity: 2, time: '2026-01-01T10:00:00.000Z', properties: { product_name: 'Coffee beans' } },
      { external_id: 'cus_1', app_id: 'app-1', product_id: '42', currency: 'USD', price: 20, quantity: 1, time: '2026-01-01T10:00:00.000Z' },
    ]);
  });

  it('splits a quantity over 100 into purchases of at most 100, keeping the revenue', () => {
    const bulk = loyaltyEvent('e', 'c', 'checkout', { currency: 'EUR', items: [{ product_id: 'cup', price: 1, quantity: 250 }] });
    expect(toBrazePurchases(member('c'), bulk, { purchases }).map((p) => p.quantity)).toEqual([100, 100, 50]);
  });

  it('reads a single-product action from the event data itself with items: false', () => {
    const claim = loyaltyEvent('e', 'c', 'reward_claim', { reward_id: 'r-1', value: 0, note: 'free coffee' });
    const single = { ...purchases, items: false as const, productId: 'reward_id', price: 'value', defaultCurrency: 'EUR' };
    expect(toBrazePurchases(member('c'), claim, { purchases: single })).toEqual([
      { external_id: 'c', product_id: 'r-1', currency: 'EUR', price: 0, quantity: 1, time: '2026-01-01T10:00:00.000Z', properties: { note: 'free coffee' } },
    ]);
  });

  it.each([
    [{ currency: 'EUR', items: [] }, 'event.data.items'],
    [{ currency: 'EUR', items: [{ price: 1 }] }, 'event.data.items[0].product_id'],
    [{ currency: 'EUR', items: [{ product_id: 'p'.repeat(256), price: 1 }] }, 'event.data.items[0].product_id'],
    [{ currency: 'EUR', items: [{ product_id: 'a', price: 'free' }] }, 'event.data.items[0].price'],
    [{ currency: 'EUR', items: [{ product_id: 'a', price: 1, quantity: 0 }] }, 'event.data.items[0].quantity'],
    [{ currency: 'EURO', items: [{ product_id: 'a', price: 1 }] }, 'event.data.items[0].currency'],
    [{ items: [{ product_id: 'a', price: 1 }] }, 'event.data.items[0].currency'],
  ])('refuses %j at %s', (data, path) => {
    expect(validationError(() => toBrazePurchases(member('c'), loyaltyEvent('e', 'c', 'checkout', data), { purchases })).path).toBe(path);
  });
});

describe('Date attributes', () => {
  it('format exactly as toISOString() does, for every year (four-digit fast path or not)', () => {
    const samples = [Date.UTC(2026, 1, 3, 4, 5, 6, 7), Date.UTC(1999, 11, 31, 23, 59, 59, 999), Date.UTC(1000, 0, 1), Date.UTC(9999, 11, 31, 23, 59, 59, 999), Date.UTC(999, 5, 1), Date.UTC(10000, 0, 1), -62198755200000 - 1, 0];
    for (let i = 0; i < 2_000; i++) samples.push(Math.round(Math.random() * 400_000_000_000_000) - 200_000_000_000_000);
    for (const ms of samples) {
      const date = new Date(ms);
      if (Number.isNaN(date.getTime())) continue;
      expect(toBrazeAttributeValue(date, 'p'), String(ms)).toBe(date.toISOString());
      expect(toBrazeAttributeValue({ at: date }, 'p'), String(ms)).toEqual({ at: { $time: date.toISOString() } });
    }
  });
});
