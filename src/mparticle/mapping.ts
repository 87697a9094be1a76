// Pure mapping: loyalty data in, mParticle Events API batches out. No I/O and no clock (times are
// passed in), so a configuration can be unit-tested in isolation.
import { ValidationError } from '../core/errors.js';
import { stableId } from '../core/ids.js';
import { describe, resolveCustomerId, toIsoTimestamp, type Customer, type LoyaltyEvent } from '../core/model.js';
import {
  MPARTICLE_CUSTOM_EVENT_TYPES,
  MPARTICLE_LIMITS,
  type MParticleBatch,
  type MParticleCustomAttributeValue,
  type MParticleCustomEventType,
  type MParticleMappingConfig,
  type MParticleUserAttributeValue,
  type MParticleUserIdentities,
} from './schemas.js';

/** A profile change for {@link toUserAttributeBatch}. */
export interface MParticleProfileChange {
  /**
   * The customer fields that changed; only mapped ones are sent. Omitted: every mapped field the
   * customer has (a full snapshot).
   */
  changedFields?: readonly string[];
  /**
   * When the profile changed. It is part of the batch's `source_request_id`, so a value that
   * changes back to an earlier one is a new request and not a duplicate mParticle drops.
   */
  changedAt: Date | string | number;
}

/** A custom event the host triggers directly (the "Trigger marketing communication" action). */
export interface MParticleTriggeredEvent {
  /** The `event_name`, at most 256 characters. */
  name: string;
  /** The `custom_event_type`. */
  customEventType: MParticleCustomEventType;
  /** Event attributes; nested objects are flattened into dotted names, as for loyalty events. */
  attributes?: Record<string, unknown>;
  /**
   * The trigger's own ID (a workflow run, a campaign send), which makes the batch's
   * `source_request_id`: triggering twice with the same ID sends once. Without it the ID is derived
   * from the customer, the name, the attributes and the timestamp.
   */
  id?: string;
  /** When it happened. */
  timestamp: Date | string | number;
}

/**
 * The `user_identities` of a customer's batches: the member's identifier as the configured
 * identity, plus the `email` attribute as `email` unless `syncOnlyConfiguredIdentifiers`.
 *
 * @throws {@link ValidationError} when the customer lacks the `loyaltyIdentifierField` attribute.
 */
export function toUserIdentities(
  customer: Customer,
  config: Pick<MParticleMappingConfig, 'loyaltyIdentifierField' | 'identity' | 'syncOnlyConfiguredIdentifiers'>,
): MParticleUserIdentities {
  // Documented key `customer_id`; the official `mparticle` package writes `customerid` instead.
  const identities: MParticleUserIdentities = { [config.identity]: resolveCustomerId(customer, config.loyaltyIdentifierField) };
  if (!config.syncOnlyConfiguredIdentifiers && config.identity !== 'email') {
    const email = customer.attributes?.email;
    if (typeof email === 'string' && email.trim() !== '') identities.email = email.trim();
  }
  return identities;
}

/**
 * The batch that sets a customer's mapped attributes: `user_attributes` for fields with a value,
 * `deleted_user_attributes` for fields set to `null` (or changed and now absent). Undefined when
 * there is nothing to send: no field mapped, none of `changedFields` mapped, or the customer has
 * none of the mapped fields.
 *
 * @throws {@link ValidationError} for a missing identifier, an invalid `changedAt`, or a value
 * mParticle does not take (an object, a string over 4,096 characters, a list over 1,000 entries).
 */
export function toUserAttributeBatch(customer: Customer, config: MParticleMappingConfig, change: MParticleProfileChange): MParticleBatch | undefined {
  const changed = change.changedFields ? new Set(change.changedFields) : undefined;
  const fields = Object.keys(config.fieldMapping).filter((field) => !changed || changed.has(field));
  if (fields.length === 0) return undefined;
  const user_identities = toUserIdentities(customer, config);
  const changedAt = toIsoTimestamp(change.changedAt, 'changedAt');
  const attributes = customer.attributes ?? {};
  const set: Array<[string, MParticleUserAttributeValue]> = [];
  const deleted: string[] = [];
  for (const field of fields) {
    const name = config.fieldMapping[field]!;
    const value = Object.prototype.hasOwnProperty.call(attributes, field) ? attributes[field] : undefined;
    if (value === null || (value === undefined && changed)) deleted.push(name);
    else if (value !== undefined) set.push([name, toUserAttributeValue(value, `customer.attributes.${field}`)]);
  }
  if (set.length === 0 && deleted.length === 0) return undefined;
  const user_attributes = Object.fromEntries(set);
  const identifier = Object.values(user_identities)[0]!;
  return {
    environment: config.environment,
    source_request_id: stableId('mparticle', 'user_attributes', identifier, canonicalJson({ set: user_attributes, deleted }), changedAt),
    user_identities,
    ...(set.length > 0 ? { user_attributes } : {}),
    ...(deleted.length > 0 ? { deleted_user_attributes: deleted } : {}),
  };
}

/**
 * The batch carrying a loyalty event as a `custom_event`, when its action is associated in
 * `externalEvents`; undefined otherwise. `source_request_id` and `source_message_id` derive from
 * the event ID, so every resend and repeated call carries the same values.
 *
 * @throws {@link ValidationError} for an event without an ID, of another customer, with an invalid
 * timestamp, or with data mParticle does not take (see {@link toCustomAttributes}).
 */
export function toCustomEventBatch(customer: Customer, event: LoyaltyEvent, config: MParticleMappingConfig): MParticleBatch | undefined {
  const spec = config.externalEvents[event.action];
  if (!spec) return undefined;
  const eventId = requireId(event.id, 'event.id');
  if (event.customerId !== undefined && event.customerId !== customer.id) {
    throw new ValidationError({ path: 'event.customerId', expected: `the customer's ID '${customer.id}'`, received: describe(event.customerId) });
  }
  return {
    environment: config.environment,
    source_request_id: stableId('mparticle', 'custom_event', eventId),
    user_identities: toUserIdentities(customer, config),
    events: [
      customEvent({
        name: spec.name,
        customEventType: spec.customEventType,
        attributes: toCustomAttributes(event.data, 'event.data'),
        timestampMs: toEpochMs(event.timestamp, 'event.timestamp'),
        messageId: stableId('mparticle', 'source_message_id', eventId),
      }),
    ],
  };
}

/**
 * The batch carrying a custom event the host triggers directly (see {@link MParticleTriggeredEvent}).
 *
 * @throws {@link ValidationError} for an empty or over-long name, an unknown `customEventType`, an
 * invalid timestamp, or attributes mParticle does not take.
 */
export function toTriggeredEventBatch(customer: Customer, event: MParticleTriggeredEvent, config: MParticleMappingConfig): MParticleBatch {
  const name = requireEventName(event.name, 'name');
  if (!(MPARTICLE_CUSTOM_EVENT_TYPES as readonly string[]).includes(event.customEventType)) {
    throw new ValidationError({ path: 'customEventType', expected: `one of ${MPARTICLE_CUSTOM_EVENT_TYPES.join(', ')}`, received: describe(event.customEventType) });
  }
  const user_identities = toUserIdentities(customer, config);
  const timestampMs = toEpochMs(event.timestamp, 'timestamp');
  const attributes = toCustomAttributes(event.attributes, 'attributes');
  const requestId =
    event.id === undefined
      ? stableId('mparticle', 'triggered_event', Object.values(user_identities)[0]!, name, canonicalJson(attributes ?? {}), timestampMs)
      : stableId('mparticle', 'triggered_event', requireId(event.id, 'id'));
  return {
    environment: config.environment,
    source_request_id: requestId,
    user_identities,
    events: [
      customEvent({
        name,
        customEventType: event.customEventType,
        attributes,
        timestampMs,
        messageId: stableId('mparticle', 'source_message_id', requestId),
      }),
    ],
  };
}

/**
 * Event data as mParticle `custom_attributes`, which take scalars only: strings, numbers and
 * booleans pass; dates become ISO strings; nested objects and arrays are flattened into dotted names
 * (`items.0.price`); `null` and `undefined` are left out. Undefined when nothing remains.
 *
 * @throws {@link ValidationError} naming the path of a value that cannot be sent (a function, a
 * non-finite number, a string over 4,096 characters, nesting deeper than 8 levels), of a name over
 * 256 characters, or when more than 100 attributes result.
 */
export function toCustomAttributes(data: Record<string, unknown> | undefined, path = 'event.data'): Record<string, MParticleCustomAttributeValue> | undefined {
  if (data === undefined || data === null) return undefined;
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ValidationError({ path, expected: 'an object of event attributes', received: describe(data) });
  }
  const out: Array<[string, MParticleCustomAttributeValue]> = [];
  flatten(data, '', path, out, 0);
  if (out.length > MPARTICLE_LIMITS.customAttributesPerEvent) {
    throw new ValidationError({
      path,
      expected: `at most ${MPARTICLE_LIMITS.customAttributesPerEvent} attributes after flattening (mParticle's limit per event)`,
      received: `${out.length} attributes`,
    });
  }
  return out.length > 0 ? Object.fromEntries(out) : undefined;
}

/**
 * A customer field's value as an mParticle user attribute: a scalar, or a list of strings. Dates
 * become ISO strings; list entries are turned into strings.
 *
 * @throws {@link ValidationError} for an object, a function, a non-finite number, a string over
 * 4,096 characters, or a list over 1,000 entries or with an entry over 512 characters.
 */
export function toUserAttributeValue(value: unknown, path: string): MParticleUserAttributeValue {
  if (value === null) return null;
  if (Array.isArray(value)) {
    if (value.length > MPARTICLE_LIMITS.listEntries) {
      throw new ValidationError({ path, expected: `a list of at most ${MPARTICLE_LIMITS.listEntries} entries`, received: describe(value) });
    }
    return value.map((entry, i) => {
      const scalar = toScalar(entry, `${path}.${i}`);
      if (scalar === undefined) {
        throw new ValidationError({ path: `${path}.${i}`, expected: 'a string, number or boolean list entry', received: describe(entry) });
      }
      const text = String(scalar);
      if (text.length > MPARTICLE_LIMITS.listEntryChars) {
        throw new ValidationError({ path: `${path}.${i}`, expected: `at most ${MPARTICLE_LIMITS.listEntryChars} characters per list entry`, received: describe(text) });
      }
      return text;
    });
  }
  const scalar = toScalar(value, path);
  if (scalar === undefined) {
    throw new ValidationError({
      path,
      expected: 'a string, number, boolean, date or list (mParticle user attributes cannot be objects; map a flat field instead)',
      received: describe(value),
    });
  }
  return scalar;
}

function flatten(value: unknown, name: string, path: string, out: Array<[string, MParticleCustomAttributeValue]>, depth: number): void {
  if (value === undefined || value === null) return;
  if (depth > 8) throw new ValidationError({ path, expected: 'at most 8 levels of nesting', received: 'deeper nesting (or a cycle)' });
  if (typeof value === 'object' && !(value instanceof Date)) {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : isPlainObject(value)
        ? Object.entries(value)
        : undefined;
    if (!entries) throw new ValidationError({ path, expected: 'a scalar, a plain object or an array', received: value.constructor?.name ?? 'an object' });
    for (const [key, item] of entries) flatten(item, name ? `${name}.${key}` : key, `${path}.${key}`, out, depth + 1);
    return;
  }
  const scalar = toScalar(value, path);
  if (scalar === undefined) throw new ValidationError({ path, expected: 'a string, number, boolean or date', received: describe(value) });
  if (name.length > MPARTICLE_LIMITS.attributeNameChars) {
    throw new ValidationError({ path, expected: `an attribute name of at most ${MPARTICLE_LIMITS.attributeNameChars} characters`, received: `${name.length} characters` });
  }
  out.push([name, scalar]);
}

/** A scalar attribute value, or undefined for a value that is not one. */
function toScalar(value: unknown, path: string): MParticleCustomAttributeValue | undefined {
  switch (typeof value) {
    case 'string':
      if (value.length > MPARTICLE_LIMITS.attributeValueChars) {
        throw new ValidationError({ path, expected: `at most ${MPARTICLE_LIMITS.attributeValueChars} characters`, received: describe(value) });
      }
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new ValidationError({ path, expected: 'a finite number', received: describe(value) });
      return value;
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    default:
      if (value instanceof Date) return toIsoTimestamp(value, path);
      return undefined;
  }
}

function customEvent(input: {
  name: string;
  customEventType: MParticleCustomEventType;
  attributes: Record<string, MParticleCustomAttributeValue> | undefined;
  timestampMs: number;
  messageId: string;
}): NonNullable<MParticleBatch['events']>[number] {
  return {
    event_type: 'custom_event',
    data: {
      event_name: input.name,
      custom_event_type: input.customEventType,
      ...(input.attributes ? { custom_attributes: input.attributes } : {}),
      timestamp_unixtime_ms: input.timestampMs,
      source_message_id: input.messageId,
    },
  };
}

/** Epoch milliseconds of a timestamp, parsed once. */
function toEpochMs(value: Date | string | number, path: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) toIsoTimestamp(value, path); // throws the shared ValidationError
  return ms;
}

function requireEventName(name: unknown, path: string): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new ValidationError({ path, expected: 'a non-empty event name (mParticle requires event_name)', received: describe(name) });
  }
  if (name.length > MPARTICLE_LIMITS.eventNameChars) {
    throw new ValidationError({ path, expected: `an event name of at most ${MPARTICLE_LIMITS.eventNameChars} characters`, received: describe(name) });
  }
  return name;
}

function requireId(id: unknown, path: string): string {
  if ((typeof id !== 'string' && typeof id !== 'number') || String(id).trim() === '') {
    throw new ValidationError({ path, expected: 'a non-empty ID', received: describe(id) });
  }
  return String(id);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** JSON with object keys sorted, so equal content always hashes the same. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]))
      : v,
  );
}
