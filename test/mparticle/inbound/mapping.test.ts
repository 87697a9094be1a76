import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import {
  buildEventData,
  findIdentity,
  mparticleInboundOptionsSchema,
  readEventField,
  selectMapping,
  toEventWorkItems,
  toMembershipWorkItems,
  screenEventRequest,
  type FirehoseEvent,
} from '../../../src/mparticle/inbound/index.js';
import { MAPPINGS, TOKEN, fixture } from './helpers.js';

const settings = mparticleInboundOptionsSchema.parse({ authToken: TOKEN, customerIdentity: 'customer', loyaltyIdentifierField: 'external_id', eventMappings: MAPPINGS });
const meta = { requestId: 'req-1', receivedAt: Date.UTC(2026, 0, 1) };

describe('selectMapping', () => {
  const mappings = mparticleInboundOptionsSchema.parse({
    authToken: TOKEN,
    eventMappings: [
      { loyaltyEvent: 'any_purchase_action', eventType: 'product_action' },
      { loyaltyEvent: 'checkout', eventType: 'product_action', eventName: 'purchase' },
      { loyaltyEvent: 'coupon_redeem', eventType: 'custom_event', eventName: 'Coupon Redeemed' },
    ],
  }).eventMappings;

  it('prefers a mapping naming the event over one matching the whole type', () => {
    expect(selectMapping({ type: 'product_action', id: '1', action: 'purchase' }, mappings)?.loyaltyEvent).toBe('checkout');
    expect(selectMapping({ type: 'product_action', id: '2', action: 'add_to_cart' }, mappings)?.loyaltyEvent).toBe('any_purchase_action');
  });

  it('matches custom events by exact name only', () => {
    expect(selectMapping({ type: 'custom_event', id: '1', name: 'Coupon Redeemed' }, mappings)?.loyaltyEvent).toBe('coupon_redeem');
    expect(selectMapping({ type: 'custom_event', id: '1', name: 'coupon redeemed' }, mappings)).toBeUndefined();
    expect(selectMapping({ type: 'screen_view', id: '1', screen_name: 'Home' }, mappings)).toBeUndefined();
  });
});

describe('readEventField', () => {
  const event: FirehoseEvent = { type: 'product_action', id: 'e1', action: 'purchase', products: [{ id: 'sku-1' }], attributes: { store: 'online', action: 'shadowed' } };
  const request = { mpid: '42', user_attributes: { $FirstName: 'Ada', tier: 'gold' }, user_attribute_lists: { tags: ['a', 'b'] } };

  it('reads the event first, then its attributes, then user attributes, then the request', () => {
    expect(readEventField('action', event, request)).toBe('purchase');
    expect(readEventField('store', event, request)).toBe('online');
    expect(readEventField('tier', event, request)).toBe('gold');
    expect(readEventField('tags', event, request)).toEqual(['a', 'b']);
    expect(readEventField('mpid', event, request)).toBe('42');
    expect(readEventField('nothing', event, request)).toBeUndefined();
  });

  it('follows dotted paths and matches reserved $ attributes in any case', () => {
    expect(readEventField('products.0.id', event, request)).toBe('sku-1');
    expect(readEventField('attributes.action', event, request)).toBe('shadowed');
    expect(readEventField('$firstname', event, request)).toBe('Ada');
  });

  it('does not read inherited properties', () => {
    expect(readEventField('constructor', event, {})).toBeUndefined();
    expect(readEventField('toString', event, {})).toBeUndefined();
  });
});

describe('buildEventData', () => {
  const [coupon] = settings.eventMappings;
  it("reads '{field}' values and keeps literals", () => {
    expect(buildEventData(coupon!, { type: 'custom_event', id: 'e', name: 'Coupon Redeemed', attributes: { coupon_code: 'C1' } })).toEqual({ coupon: 'C1', source: 'mparticle' });
  });

  it('throws a ValidationError naming the missing field and the mapping', () => {
    const error = (() => {
      try {
        buildEventData(coupon!, { type: 'custom_event', id: 'e', name: 'Coupon Redeemed' }, {}, 'events[3]');
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error!.path).toBe('events[3].coupon_code');
    expect(error!.expected).toBe("a value for '{coupon_code}' (mapping 'coupon_redeem', field 'coupon')");
  });
});

describe('findIdentity', () => {
  it('returns the raw value of the configured type', () => {
    expect(findIdentity([{ type: 'email', encoding: 'raw', value: 'a@x' }, { type: 'customer', value: 'c-1' }], 'customer', 'id')).toEqual({
      ok: true,
      identity: { type: 'customer', value: 'c-1' },
    });
  });

  it('prefers a raw value when the same type also arrives hashed', () => {
    const lookup = findIdentity([{ type: 'customer', encoding: 'md5', value: 'ff' }, { type: 'customer', encoding: 'raw', value: 'c-1' }], 'customer', 'id');
    expect(lookup.ok && lookup.identity.value).toBe('c-1');
  });

  it('rejects a hashed-only identity with hashed_identity and says what to do', () => {
    const lookup = findIdentity([{ type: 'email', encoding: 'sha256', value: 'ab' }], 'email', 'email');
    expect(lookup.ok).toBe(false);
    if (lookup.ok) return;
    expect(lookup.code).toBe('hashed_identity');
    expect(lookup.error.message).toContain("the 'email' identity arrived hashed (sha256)");
    expect(lookup.error.message).toContain('forward it raw');
  });

  it('reports a missing identity with the types that were present', () => {
    const lookup = findIdentity([{ type: 'email', value: 'a@x' }, { type: 'other', value: '1' }], 'customer', 'id');
    expect(lookup.ok).toBe(false);
    if (lookup.ok) return;
    expect(lookup.code).toBe('missing_identity');
    expect(lookup.error.received).toBe('identities email, other');
  });
});

describe('toEventWorkItems', () => {
  it('maps the fixture: three mapped events queued, two ignored, none rejected', () => {
    const mapped = toEventWorkItems(fixture('event-processing-request'), settings, meta);
    expect(mapped.ignored).toBe(2);
    expect(mapped.rejected).toEqual([]);
    expect(mapped.items.map((i) => [i.action, i.priority, i.identity.value])).toEqual([
      ['coupon_redeem', 5, 'crm-ada'],
      ['page_view', 10, 'crm-ada'],
      ['checkout', 1, 'crm-ada'],
    ]);
    expect(mapped.items[0]).toMatchObject({ id: 'mparticle:ab5849e7-61a5-4464-984b-ff48a61aac09', requestId: 'req-1', receivedAt: meta.receivedAt, attempts: 0 });
  });

  it('is deterministic: the same request maps to the same item IDs', () => {
    const a = toEventWorkItems(fixture('event-processing-request'), settings, meta);
    const b = toEventWorkItems(fixture('event-processing-request'), settings, { requestId: 'other', receivedAt: 5 });
    expect(a.items.map((i) => i.id)).toEqual(b.items.map((i) => i.id));
  });
});

describe('screenEventRequest', () => {
  it('counts the events a mapping applies to and takes the lowest priority among them', () => {
    expect(screenEventRequest(fixture('event-processing-request'), settings)).toEqual({ mapped: 3, priority: 1, skip: [], rejected: [] });
  });

  it('refuses malformed mapped events by index, and ignores malformed unmapped ones only if they have a type', () => {
    const request = fixture<Record<string, any>>('event-processing-request');
    request.events[3].id = '';
    request.events.push(42);
    const screened = screenEventRequest(request, settings);
    expect(screened.mapped).toBe(2);
    expect(screened.skip).toEqual([3, 5]);
    expect(screened.rejected.map((r) => `${r.code}:${r.error.path}`)).toEqual(['invalid_event:events[3].id', 'invalid_event:events[5]']);
  });

  it('refuses every mapped event when the identity is hashed, so nothing is queued', () => {
    const screened = screenEventRequest(fixture('event-processing-hashed-identity'), settings);
    expect(screened.mapped).toBe(0);
    expect(screened.rejected.map((r) => r.code)).toEqual(['hashed_identity']);
  });
});

describe('toMembershipWorkItems', () => {
  it('yields one item per add/delete, ignores attribute_update and tolerates empty profiles', () => {
    const mapped = toMembershipWorkItems(fixture('audience-membership-change'), settings, meta);
    expect(mapped.items.map((i) => `${i.identity.value}:${i.action}:${i.audienceId}`)).toEqual(['crm-ada:add:1234', 'crm-ada:delete:654', 'crm-alan:add:1234']);
    expect(mapped.ignored).toBe(1);
    expect(mapped.rejected).toEqual([]);
    expect(mapped.items[0]!.mpid).toBe('-8183371295728413417');
  });

  it('yields nothing for a ping without user_profiles', () => {
    expect(toMembershipWorkItems(fixture('audience-membership-ping'), settings, meta)).toEqual({ items: [], rejected: [], ignored: 0 });
  });

  it('rejects a malformed audience entry and keeps the profile\'s other changes', () => {
    const request = fixture<Record<string, any>>('audience-membership-change');
    request.user_profiles[0].audiences[0].action = 'join';
    const mapped = toMembershipWorkItems(request, settings, meta);
    expect(mapped.items).toHaveLength(2);
    expect(mapped.rejected[0]!.code).toBe('invalid_audience');
    expect(mapped.rejected[0]!.error.path).toBe('user_profiles[0].audiences[0].action');
  });
});
