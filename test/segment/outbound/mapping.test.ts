import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { LIBRARY_NAME, VERSION } from '../../../src/core/version.js';
import {
  DEFAULT_INTEGRATIONS,
  assertSegmentCall,
  isEventSynced,
  resolveIntegrations,
  syncedTraits,
  toIdentifyCall,
  toTrackCall,
  type SegmentTrackCall,
} from '../../../src/segment/outbound/index.js';
import { ada, pointAdd } from './helpers.js';
import { thrownBy } from '../../thrown.js';

const changedAt = '2026-11-20T10:00:00.000Z';

const thrown = (fn: () => unknown) => thrownBy(ValidationError, fn);

describe('toTrackCall', () => {
  it('maps a loyalty event to a track call', () => {
    const call = toTrackCall(ada, pointAdd('evt_1', { timestamp: new Date(Date.UTC(2026, 10, 20, 9, 0, 0)) }));
    expect(call).toEqual({
      type: 'track',
      messageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      userId: 'cus_1001',
      event: 'point_add',
      properties: { points: 500, reason: 'birthday bonus' },
      timestamp: '2026-11-20T09:00:00.000Z',
      context: { library: { name: LIBRARY_NAME, version: VERSION } },
      integrations: DEFAULT_INTEGRATIONS,
    });
    expect(call.context.library.name).toBe('loyalty-cdp');
  });

  it('normalises the timestamp to ISO-8601 UTC and rejects an invalid one', () => {
    expect(toTrackCall(ada, pointAdd('e', { timestamp: '2026-11-20T10:00:00+01:00' })).timestamp).toBe('2026-11-20T09:00:00.000Z');
    expect(thrown(() => toTrackCall(ada, pointAdd('e', { timestamp: 'yesterday' }))).path).toBe('event.timestamp');
  });

  it('adds the points account to the properties unless the data has its own', () => {
    expect(toTrackCall(ada, pointAdd('e', { account: 'coins' })).properties).toEqual({ points: 500, reason: 'birthday bonus', account: 'coins' });
    expect(toTrackCall(ada, pointAdd('e', { account: 'coins', data: { account: 'own' } })).properties).toEqual({ account: 'own' });
    expect(toTrackCall(ada, pointAdd('e', { data: undefined })).properties).toEqual({});
  });

  it('does not share or alter the event data', () => {
    const event = pointAdd('e', { account: 'coins' });
    const call = toTrackCall(ada, event);
    expect(event.data).toEqual({ points: 500, reason: 'birthday bonus' });
    expect(call.properties).not.toBe(event.data);
  });

  it('derives the messageId from the event ID alone', () => {
    const a = toTrackCall(ada, pointAdd('evt_42'));
    const again = toTrackCall({ ...ada, attributes: { tier: 'silver' } }, pointAdd('evt_42', { data: { points: 1 } }), { userIdField: 'id' });
    const other = toTrackCall(ada, pointAdd('evt_43'));
    expect(again.messageId).toBe(a.messageId);
    expect(other.messageId).not.toBe(a.messageId);
    expect(a.messageId.length).toBeLessThanOrEqual(100);
    expect(toTrackCall(ada, pointAdd('x'.repeat(500))).messageId.length).toBeLessThanOrEqual(100);
  });

  it('maps the customer ID from the loyalty ID or an external-ID attribute', () => {
    expect(toTrackCall(ada, pointAdd()).userId).toBe('cus_1001');
    expect(toTrackCall(ada, pointAdd(), { userIdField: 'external_id' }).userId).toBe('crm-ada');
  });

  it('names the missing external-ID attribute', () => {
    const error = thrown(() => toTrackCall({ id: 'cus_2', attributes: { email: 'x@example.com' } }, pointAdd('e', { customerId: 'cus_2' }), { userIdField: 'external_id' }));
    expect(error.path).toBe('customer.attributes.external_id');
    expect(error.message).toContain('external_id');
  });

  it('refuses events Segment would accept and silently drop, naming the field', () => {
    expect(thrown(() => toTrackCall(ada, pointAdd('e', { action: '' }))).path).toBe('event.action');
    expect(thrown(() => toTrackCall(ada, pointAdd('')))).toMatchObject({ path: 'event.id' });
    expect(thrown(() => toTrackCall(ada, pointAdd('e', { data: [1, 2] as unknown as Record<string, unknown> }))).path).toBe('event.data');
    expect(thrown(() => toTrackCall(ada, pointAdd('e', { customerId: 'cus_other' }))).path).toBe('event.customerId');
    expect(thrown(() => toTrackCall({ id: '' }, pointAdd('e', { customerId: '' }))).path).toBe('customer.id');
  });

  it('applies the default integrations and merges user keys over them', () => {
    expect(toTrackCall(ada, pointAdd()).integrations).toEqual({
      'Salesforce (Actions)': false,
      'Salesforce Marketing Cloud (Actions)': false,
      'Antavo (Actions)': false,
      Antavo: false,
    });
    const merged = toTrackCall(ada, pointAdd(), { integrations: { Antavo: true, Amplitude: { session_id: 7 }, All: false } }).integrations;
    expect(merged).toEqual({
      'Salesforce (Actions)': false,
      'Salesforce Marketing Cloud (Actions)': false,
      'Antavo (Actions)': false,
      Antavo: true,
      Amplitude: { session_id: 7 },
      All: false,
    });
  });
});

describe('resolveIntegrations', () => {
  it('merges once and returns a merged object as is', () => {
    const overrides = { Mixpanel: false };
    const merged = resolveIntegrations(overrides);
    expect(Object.isFrozen(merged)).toBe(true);
    expect(resolveIntegrations(merged)).toBe(merged);
    expect(resolveIntegrations()).toBe(DEFAULT_INTEGRATIONS);
    // A caller's own object is merged afresh each time, so later edits to it count.
    overrides.Mixpanel = true;
    expect(resolveIntegrations(overrides).Mixpanel).toBe(true);
  });
});

describe('isEventSynced', () => {
  it('selects all actions or only the listed ones', () => {
    expect(isEventSynced('point_add')).toBe(true);
    expect(isEventSynced('point_add', 'all')).toBe(true);
    expect(isEventSynced('point_add', ['checkout', 'point_add'])).toBe(true);
    expect(isEventSynced('reward_claim', ['checkout', 'point_add'])).toBe(false);
    expect(isEventSynced('point_add', [])).toBe(false);
  });
});

describe('toIdentifyCall', () => {
  const options = { customerFields: ['first_name', 'tier', 'points', 'phone'] };

  it('sends only the synced customer fields as traits', () => {
    const call = toIdentifyCall(ada, { changedAt }, options);
    expect(call).toEqual({
      type: 'identify',
      messageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      userId: 'cus_1001',
      traits: { first_name: 'Ada', tier: 'gold', points: 12_500 },
      timestamp: changedAt,
      context: { library: { name: 'loyalty-cdp', version: VERSION } },
      integrations: DEFAULT_INTEGRATIONS,
    });
    expect(call!.traits).not.toHaveProperty('email');
    expect(call!.traits).not.toHaveProperty('phone');
  });

  it('narrows to the changed synced fields, and clears a changed field the customer no longer has', () => {
    expect(toIdentifyCall(ada, { changedAt, changedFields: ['tier', 'email'] }, options)!.traits).toEqual({ tier: 'gold' });
    expect(toIdentifyCall(ada, { changedAt, changedFields: ['phone', 'points'] }, options)!.traits).toEqual({ phone: null, points: 12_500 });
  });

  it('returns undefined when no synced field is left', () => {
    expect(toIdentifyCall(ada, { changedAt, changedFields: ['email'] }, options)).toBeUndefined();
    expect(toIdentifyCall(ada, { changedAt, changedFields: [] }, options)).toBeUndefined();
    expect(toIdentifyCall(ada, { changedAt })).toBeUndefined();
    expect(toIdentifyCall({ id: 'cus_9' }, { changedAt }, options)).toBeUndefined();
  });

  it('uses the external-ID attribute and names it when missing', () => {
    expect(toIdentifyCall(ada, { changedAt }, { ...options, userIdField: 'external_id' })!.userId).toBe('crm-ada');
    expect(thrown(() => toIdentifyCall({ id: 'cus_9', attributes: { tier: 'gold' } }, { changedAt }, { ...options, userIdField: 'external_id' })).path).toBe(
      'customer.attributes.external_id',
    );
  });

  it('derives the messageId from the customer, the traits and the time of the change', () => {
    const base = toIdentifyCall(ada, { changedAt }, options)!;
    const reordered = { id: ada.id, attributes: { points: 12_500, tier: 'gold', first_name: 'Ada' } };
    expect(toIdentifyCall(reordered, { changedAt }, options)!.messageId).toBe(base.messageId);
    expect(toIdentifyCall({ ...ada, attributes: { ...ada.attributes, tier: 'silver' } }, { changedAt }, options)!.messageId).not.toBe(base.messageId);
    // The same values again later (a change back) is a new change, so Segment must not drop it.
    expect(toIdentifyCall(ada, { changedAt: '2026-11-21T10:00:00.000Z' }, options)!.messageId).not.toBe(base.messageId);
    expect(toIdentifyCall({ ...ada, id: 'cus_2' }, { changedAt }, options)!.messageId).not.toBe(base.messageId);
  });

  it('refuses an invalid change time and values that are not JSON', () => {
    expect(thrown(() => toIdentifyCall(ada, { changedAt: 'soon' }, options)).path).toBe('changedAt');
    expect(thrown(() => toIdentifyCall({ id: 'c', attributes: { tier: 10n } }, { changedAt }, options)).path).toBe('traits');
  });
});

describe('syncedTraits', () => {
  it('never lets an unlisted attribute through', () => {
    expect(syncedTraits(ada)).toEqual({});
    expect(syncedTraits(ada, ['email'], ['email', 'tier'])).toEqual({ email: 'ada@example.com' });
  });
});

describe('assertSegmentCall', () => {
  const good = toTrackCall(ada, pointAdd());

  it('accepts a mapped call and names what Segment would drop', () => {
    expect(() => assertSegmentCall(good)).not.toThrow();
    const bad = (patch: Partial<SegmentTrackCall>) => thrown(() => assertSegmentCall({ ...good, ...patch }));
    expect(bad({ messageId: 'm'.repeat(101) })).toMatchObject({ path: 'messageId', expected: 'a string of 1 to 100 characters' });
    expect(bad({ userId: '' }).path).toBe('userId');
    expect(bad({ event: ' ' }).path).toBe('event');
    expect(bad({ properties: null as unknown as Record<string, unknown> }).path).toBe('properties');
    expect(() => assertSegmentCall({ ...good, messageId: 'm'.repeat(100) })).not.toThrow();
  });
});
