// Pure mapping: loyalty data in, Segment calls out. No I/O and no clock, so a configuration can be
// unit-tested in isolation.
import { ValidationError } from '../../core/errors.js';
import { stableId } from '../../core/ids.js';
import { describe, resolveCustomerId, toIsoTimestamp, type Customer, type LoyaltyEvent } from '../../core/model.js';
import { LIBRARY_NAME, VERSION } from '../../core/version.js';
import {
  assertSegmentCall,
  isPlainObject,
  type SegmentContext,
  type SegmentIdentifyCall,
  type SegmentIntegrations,
  type SegmentMappingOptions,
  type SegmentTrackCall,
} from './schemas.js';

/**
 * The Integrations object sent unless overridden: keeps loyalty data from flowing back into the
 * loyalty engine (Antavo's own destination) or into the Salesforce destinations that Antavo's
 * Segment source also turns off, which would loop. The exact key Antavo's destination answers to
 * is unpublished, so both names are set.
 */
export const DEFAULT_INTEGRATIONS: Readonly<SegmentIntegrations> = Object.freeze({
  'Salesforce (Actions)': false,
  'Salesforce Marketing Cloud (Actions)': false,
  'Antavo (Actions)': false,
  Antavo: false,
});

/** `context.library` of every call: names this SDK so `SegmentInbound` can skip our own calls. */
export const SEGMENT_LIBRARY_CONTEXT: Readonly<SegmentContext> = Object.freeze({
  library: Object.freeze({ name: LIBRARY_NAME, version: VERSION }),
});

/** A profile change for {@link toIdentifyCall}. */
export interface ProfileChange {
  /**
   * The attributes that changed; only synced ones are sent. Omitted: a full snapshot of every
   * synced attribute the customer has.
   */
  changedFields?: readonly string[];
  /**
   * When the profile changed. It becomes the call's `timestamp` and part of its `messageId`, so
   * a profile that changes back to an earlier value is not dropped by Segment as a duplicate.
   */
  changedAt: Date | string | number;
}

const merged = new WeakSet<object>([DEFAULT_INTEGRATIONS]);

/**
 * {@link DEFAULT_INTEGRATIONS} with `overrides` merged over it (your keys win). The result is
 * frozen; passing a result back in returns it as is, so a connector merges once, not per call.
 */
export function resolveIntegrations(overrides?: SegmentIntegrations): Readonly<SegmentIntegrations> {
  if (!overrides) return DEFAULT_INTEGRATIONS;
  if (merged.has(overrides)) return overrides;
  const result = Object.freeze({ ...DEFAULT_INTEGRATIONS, ...overrides });
  merged.add(result);
  return result;
}

/** Whether the `events` option selects `action`. */
export function isEventSynced(action: string, events: SegmentMappingOptions['events'] = 'all'): boolean {
  return events === 'all' || events.includes(action);
}

/**
 * The `messageId` of a loyalty event's `track`: derived from the event ID alone, so every retry,
 * replay and repeated `trackEvent` of that event carries the same value and Segment keeps one.
 *
 * @throws {@link ValidationError} when the event has no ID.
 */
export function trackMessageId(event: Pick<LoyaltyEvent, 'id'>): string {
  if ((typeof event.id !== 'string' && typeof event.id !== 'number') || String(event.id).trim() === '') {
    throw new ValidationError({ path: 'event.id', expected: 'a non-empty event ID', received: describe(event.id) });
  }
  return stableId('segment', 'track', event.id);
}

/**
 * The `messageId` of an `identify`: derived from the customer, the traits sent (names and values)
 * and the time of the change, so the same change always gets the same ID.
 */
export function identifyMessageId(userId: string, traits: Record<string, unknown>, changedAt: string): string {
  return stableId('segment', 'identify', userId, canonicalJson(traits), changedAt);
}

/**
 * The traits an `identify` carries: the synced attributes (`customerFields`), narrowed to
 * `changedFields` when given. A changed synced attribute the customer no longer has is sent as
 * `null`, which clears it in Segment; a full snapshot sends only attributes the customer has, so it
 * never clears what other sources set.
 */
export function syncedTraits(
  customer: Customer,
  customerFields: readonly string[] = [],
  changedFields?: readonly string[],
): Record<string, unknown> {
  const attributes = customer.attributes ?? {};
  const traits: Record<string, unknown> = {};
  const fields = changedFields === undefined ? customerFields : customerFields.filter((f) => changedFields.includes(f));
  for (const field of fields) {
    const value = attributes[field];
    if (value !== undefined) traits[field] = value;
    else if (changedFields !== undefined) traits[field] = null;
  }
  return traits;
}

/**
 * Maps a loyalty event to a Segment `track`: `event` is the loyalty action, `properties` the event
 * data (plus `account` when the event has one), `userId` from `userIdField`, `timestamp` the event's
 * time in ISO-8601 UTC. Does not apply the `events` selection: see {@link isEventSynced}.
 *
 * @throws {@link ValidationError} for a missing customer ID attribute, an event without ID or action,
 * data that is not an object, an invalid timestamp, or an event that belongs to another customer.
 */
export function toTrackCall(customer: Customer, event: LoyaltyEvent, options: SegmentMappingOptions = {}): SegmentTrackCall {
  if (event.customerId !== undefined && event.customerId !== customer.id) {
    throw new ValidationError({
      path: 'event.customerId',
      expected: `the ID of the customer passed along (${describe(customer.id)})`,
      received: describe(event.customerId),
    });
  }
  if (typeof event.action !== 'string' || event.action.trim() === '') {
    throw new ValidationError({ path: 'event.action', expected: 'a non-empty loyalty action', received: describe(event.action) });
  }
  if (event.data !== undefined && !isPlainObject(event.data)) {
    throw new ValidationError({ path: 'event.data', expected: 'an object', received: describe(event.data) });
  }
  const properties: Record<string, unknown> = event.data ? { ...event.data } : {};
  if (event.account !== undefined && !('account' in properties)) properties.account = event.account;
  const call: SegmentTrackCall = {
    type: 'track',
    messageId: trackMessageId(event),
    userId: resolveCustomerId(customer, options.userIdField),
    event: event.action,
    properties,
    timestamp: toIsoTimestamp(event.timestamp),
    context: SEGMENT_LIBRARY_CONTEXT,
    integrations: resolveIntegrations(options.integrations),
  };
  assertSegmentCall(call);
  return call;
}

/**
 * Maps a profile change to a Segment `identify` whose `traits` hold only synced customer fields
 * ({@link syncedTraits}). Returns `undefined` when no synced field is left: nothing is sent then.
 *
 * @throws {@link ValidationError} for a missing customer ID attribute or an invalid `changedAt`.
 */
export function toIdentifyCall(
  customer: Customer,
  change: ProfileChange,
  options: SegmentMappingOptions = {},
): SegmentIdentifyCall | undefined {
  const userId = resolveCustomerId(customer, options.userIdField);
  const timestamp = toIsoTimestamp(change.changedAt, 'changedAt');
  const traits = syncedTraits(customer, options.customerFields, change.changedFields);
  if (Object.keys(traits).length === 0) return undefined;
  const call: SegmentIdentifyCall = {
    type: 'identify',
    messageId: identifyMessageId(userId, traits, timestamp),
    userId,
    traits,
    timestamp,
    context: SEGMENT_LIBRARY_CONTEXT,
    integrations: resolveIntegrations(options.integrations),
  };
  assertSegmentCall(call);
  return call;
}

/** JSON with object keys sorted at every depth, so equal data hashes equally whatever its key order. */
function canonicalJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) =>
      isPlainObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
    );
  } catch (error) {
    throw new ValidationError({
      path: 'traits',
      expected: 'JSON-serialisable attribute values',
      received: error instanceof Error ? error.message : String(error),
    });
  }
}
