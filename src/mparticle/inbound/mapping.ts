// Pure mapping of Firehose requests to queued inbound work: no I/O, no clock, no randomness.
import { ValidationError } from '../../core/errors.js';
import { stableId } from '../../core/ids.js';
import { describe } from '../../core/model.js';
import type { FirehoseEvent, FirehoseIdentity } from './firehose.js';
import type {
  InboundAudienceMembershipItem,
  InboundAudienceSubscriptionItem,
  InboundEventItem,
  InboundIdentity,
} from './queue.js';
import {
  EVENT_NAME_FIELDS,
  audienceChangeSchema,
  userProfileSchema,
  type FirehoseEventType,
  type ParsedEventMapping,
  type ParsedInboundOptions,
} from './schemas.js';

/** What mapping needs from the parsed options. */
export type InboundMappingSettings = Pick<ParsedInboundOptions, 'customerIdentity' | 'loyaltyIdentifierField' | 'eventMappings'>;

/** Where a request came from, stamped on every item it yields. */
export interface InboundRequestMeta {
  /** The mParticle message ID (or a generated one). */
  requestId: string;
  /** When the request arrived, epoch milliseconds. */
  receivedAt: number;
}

/** An item refused while mapping: logged as an incoming error with source `proxy-request`. */
export interface RejectedInboundItem {
  /** Machine-readable reason: `invalid_event`, `missing_identity`, `hashed_identity`, `missing_field`, `invalid_audience`. */
  code: string;
  /** Which field was wrong and what was expected. */
  error: ValidationError;
  /** The offending part of the request (event, profile or audience change). */
  payload: unknown;
  /** mParticle's ID of the item, when it had one. */
  identifier?: string;
  /** The loyalty action it would have become, when known. */
  action?: string;
}

/** The outcome of mapping one request. */
export interface MappedRequest<T> {
  /** Items to queue. */
  items: T[];
  /** Items refused, each with its reason. */
  rejected: RejectedInboundItem[];
  /** Items nothing applies to (events no mapping matches, audience `attribute_update`s). */
  ignored: number;
}

/** Priority of audience work: with the default event priority 0, audiences and events interleave by arrival. */
export const AUDIENCE_PRIORITY = 0;

/** The engine and dedupe key of an mParticle event: stable across redeliveries. */
export function toIdempotencyKey(sourceEventId: string): string {
  return `mparticle:${sourceEventId}`;
}

interface CompiledField {
  key: string;
  literal?: string | number | boolean | null;
  path?: string;
  segments?: string[];
}

interface CompiledMapping {
  mapping: ParsedEventMapping;
  fields: CompiledField[];
}

interface TypeEntry {
  /** The event field matched against `eventName`, when this type has one. */
  nameField: 'name' | 'screen_name' | 'action' | undefined;
  byName: Map<string, CompiledMapping>;
  any?: CompiledMapping;
}

interface MappingIndex {
  byType: Map<FirehoseEventType | string, TypeEntry>;
}

const compiled = new WeakMap<readonly ParsedEventMapping[], MappingIndex>();
const FIELD_REFERENCE = /^\{([^{}]+)\}$/;

function indexOf(mappings: readonly ParsedEventMapping[]): MappingIndex {
  let index = compiled.get(mappings);
  if (index) return index;
  index = { byType: new Map() };
  for (const mapping of mappings) {
    let entry = index.byType.get(mapping.eventType);
    if (!entry) index.byType.set(mapping.eventType, (entry = { nameField: EVENT_NAME_FIELDS[mapping.eventType], byName: new Map() }));
    const compiledMapping = compileMapping(mapping);
    if (mapping.eventName === undefined) entry.any ??= compiledMapping;
    else if (!entry.byName.has(mapping.eventName)) entry.byName.set(mapping.eventName, compiledMapping);
  }
  compiled.set(mappings, index);
  return index;
}

function compileMapping(mapping: ParsedEventMapping): CompiledMapping {
  const fields = Object.entries(mapping.fields).map(([key, value]): CompiledField => {
    const reference = typeof value === 'string' ? FIELD_REFERENCE.exec(value) : null;
    const path = reference?.[1]!.trim();
    return path === undefined ? { key, literal: value } : { key, path, segments: path.split('.') };
  });
  return { mapping, fields };
}

/**
 * The mapping that applies to an mParticle event: one naming the event (custom event `name`, screen
 * view `screen_name`, product/promotion `action`) wins over one matching the whole type.
 */
export function selectMapping(event: FirehoseEvent, mappings: readonly ParsedEventMapping[]): ParsedEventMapping | undefined {
  return select(event, indexOf(mappings))?.mapping;
}

function select(event: FirehoseEvent, index: MappingIndex): CompiledMapping | undefined {
  const entry = index.byType.get(event.type);
  if (!entry) return undefined;
  const name = entry.nameField ? event[entry.nameField] : undefined;
  return (typeof name === 'string' ? entry.byName.get(name) : undefined) ?? entry.any;
}

/**
 * Reads a `{field}` reference: a field (or dotted path) of the event, then a key of its
 * `attributes`, then a user attribute of the request (`$`-prefixed reserved names match in any
 * case), then a request field such as `mpid`. Undefined when none holds it.
 */
export function readEventField(path: string, event: FirehoseEvent, request: Record<string, unknown> = {}): unknown {
  return readField(path, path.split('.'), event, request);
}

function readField(path: string, segments: readonly string[], event: FirehoseEvent, request: Record<string, unknown>): unknown {
  const own = readPath(event, segments);
  if (own !== undefined) return own;
  const attributes = event.attributes;
  if (attributes && typeof attributes === 'object' && Object.hasOwn(attributes, path)) return attributes[path];
  const userAttributes = request.user_attributes as Record<string, unknown> | undefined;
  if (userAttributes && typeof userAttributes === 'object') {
    if (Object.hasOwn(userAttributes, path)) return userAttributes[path];
    if (path.startsWith('$')) {
      const lower = path.toLowerCase();
      for (const [key, value] of Object.entries(userAttributes)) if (key.toLowerCase() === lower) return value;
    }
  }
  const lists = request.user_attribute_lists as Record<string, unknown> | undefined;
  if (lists && typeof lists === 'object' && Object.hasOwn(lists, path)) return lists[path];
  return readPath(request, segments);
}

function readPath(source: unknown, segments: readonly string[]): unknown {
  let current: unknown = source;
  for (const part of segments) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/**
 * Builds the loyalty event's data from a mapping's `fields`.
 *
 * @throws {@link ValidationError} when a `{field}` the mapping reads is absent from the event.
 */
export function buildEventData(
  mapping: ParsedEventMapping,
  event: FirehoseEvent,
  request: Record<string, unknown> = {},
  path = 'event',
): Record<string, unknown> {
  return buildData(compileMapping(mapping), event, request, path);
}

function buildData(compiledMapping: CompiledMapping, event: FirehoseEvent, request: Record<string, unknown>, path: string): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const field of compiledMapping.fields) {
    if (field.path === undefined) {
      data[field.key] = field.literal;
      continue;
    }
    const value = readField(field.path, field.segments!, event, request);
    if (value === undefined || value === null) {
      throw new ValidationError({
        path: `${path}.${field.path}`,
        expected: `a value for '{${field.path}}' (mapping '${compiledMapping.mapping.loyaltyEvent}', field '${field.key}')`,
        received: describe(value),
      });
    }
    data[field.key] = value;
  }
  return data;
}

/** The configured identity was found raw. */
export interface IdentityFound {
  /** Discriminator. */
  ok: true;
  /** The identity to match the customer by. */
  identity: InboundIdentity;
}

/** The configured identity is missing, or arrived only hashed. */
export interface IdentityRefused {
  /** Discriminator. */
  ok: false;
  /** `missing_identity` or `hashed_identity`. */
  code: 'missing_identity' | 'hashed_identity';
  /** Which identity was expected and what arrived. */
  error: ValidationError;
}

/** The outcome of looking up the configured identity in a list of identities. */
export type IdentityLookup = IdentityFound | IdentityRefused;

/**
 * Finds the raw value of identity `type`. A hashed one (md5, sha1, sha256) cannot be matched
 * against a loyalty attribute and is refused with `hashed_identity`.
 */
export function findIdentity(
  identities: readonly FirehoseIdentity[] | undefined,
  type: string,
  loyaltyIdentifierField: string,
  path = 'user_identities',
): IdentityLookup {
  let hashed: FirehoseIdentity | undefined;
  for (const identity of identities ?? []) {
    if (identity.type !== type) continue;
    const encoding = (identity.encoding ?? 'raw').toLowerCase();
    if (encoding === 'raw' && identity.value.trim() !== '') return { ok: true, identity: { type, value: identity.value } };
    if (encoding !== 'raw') hashed = identity;
  }
  if (hashed) {
    return {
      ok: false,
      code: 'hashed_identity',
      error: new ValidationError({
        path,
        expected: `a raw '${type}' identity to match against '${loyaltyIdentifierField}'`,
        received: `'${type}' hashed with ${hashed.encoding}`,
        message: `${path}: the '${type}' identity arrived hashed (${hashed.encoding}); a hash cannot be matched against the loyalty attribute '${loyaltyIdentifierField}'. Configure the mParticle connection to forward it raw.`,
      }),
    };
  }
  const present = [...new Set((identities ?? []).map((i) => i.type))];
  return {
    ok: false,
    code: 'missing_identity',
    error: new ValidationError({
      path,
      expected: `a '${type}' identity (customerIdentity)`,
      received: present.length ? `identities ${present.join(', ')}` : 'no identities',
    }),
  };
}

/**
 * Maps an `event_processing_request` to queued loyalty events: picks each event's mapping, finds
 * the customer identity, builds the data from `fields`. Events no mapping matches are ignored;
 * events that cannot be mapped are rejected with the reason.
 */
export function toEventWorkItems(
  request: Record<string, unknown>,
  settings: InboundMappingSettings,
  meta: InboundRequestMeta,
  skip: ReadonlySet<number> = NO_INDEXES,
): MappedRequest<InboundEventItem> {
  const index = indexOf(settings.eventMappings);
  const events = Array.isArray(request.events) ? (request.events as unknown[]) : [];
  const result: MappedRequest<InboundEventItem> = { items: [], rejected: [], ignored: 0 };
  let identity: IdentityLookup | undefined;
  for (let i = 0; i < events.length; i++) {
    if (skip.has(i)) continue;
    const raw = events[i];
    const path = `events[${i}]`;
    const candidate = raw as FirehoseEvent;
    const selected = raw !== null && typeof raw === 'object' && typeof candidate.type === 'string' ? select(candidate, index) : undefined;
    if (raw !== null && typeof raw === 'object' && typeof candidate.type === 'string' && !selected) {
      result.ignored += 1;
      continue;
    }
    const invalid = checkEvent(raw, i);
    if (invalid) {
      result.rejected.push({ code: 'invalid_event', error: invalid, payload: raw, ...idOf(raw) });
      continue;
    }
    const event = raw as FirehoseEvent;
    const mapping = selected!;
    identity ??= findIdentity(request.user_identities as FirehoseIdentity[] | undefined, settings.customerIdentity, settings.loyaltyIdentifierField);
    if (!identity.ok) {
      result.rejected.push({ code: identity.code, error: identity.error, payload: event, identifier: event.id, action: mapping.mapping.loyaltyEvent });
      continue;
    }
    let data: Record<string, unknown>;
    try {
      data = buildData(mapping, event, request, path);
    } catch (error) {
      result.rejected.push({ code: 'missing_field', error: error as ValidationError, payload: event, identifier: event.id, action: mapping.mapping.loyaltyEvent });
      continue;
    }
    const key = toIdempotencyKey(event.id);
    result.items.push({
      kind: 'event',
      id: key,
      priority: mapping.mapping.priority,
      receivedAt: meta.receivedAt,
      requestId: meta.requestId,
      attempts: 0,
      identity: identity.identity,
      action: mapping.mapping.loyaltyEvent,
      data,
      ...(typeof event.timestamp_ms === 'number' ? { timestampMs: event.timestamp_ms } : {}),
      sourceEventId: event.id,
      idempotencyKey: key,
      event,
    });
  }
  return result;
}

const NO_INDEXES: ReadonlySet<number> = new Set();

/** What {@link screenEventRequest} found in a request on arrival. */
export interface ScreenedEventRequest {
  /** Events a mapping applies to that passed the checks: the request is worth queueing when above 0. */
  mapped: number;
  /** The lowest priority among those events (the queue position of the request). */
  priority: number;
  /** Indexes of events refused on arrival. */
  skip: number[];
  /** The refused events, each with its reason. */
  rejected: RejectedInboundItem[];
}

/**
 * The arrival check of an `event_processing_request`, cheap enough for the 100 ms answer: picks
 * the events a mapping applies to, checks their shape, and checks the customer identity once.
 * Building the loyalty events waits for processing ({@link toEventWorkItems}).
 */
export function screenEventRequest(request: Record<string, unknown>, settings: InboundMappingSettings): ScreenedEventRequest {
  const index = indexOf(settings.eventMappings);
  const events = Array.isArray(request.events) ? (request.events as unknown[]) : [];
  const result: ScreenedEventRequest = { mapped: 0, priority: Number.POSITIVE_INFINITY, skip: [], rejected: [] };
  // Nothing is allocated per event on the common path: this runs before mParticle gets its answer.
  for (let i = 0; i < events.length; i++) {
    const raw = events[i];
    const wellTyped = raw !== null && typeof raw === 'object' && typeof (raw as FirehoseEvent).type === 'string';
    const selected = wellTyped ? select(raw as FirehoseEvent, index) : undefined;
    if (wellTyped && !selected) continue;
    const invalid = checkEvent(raw, i);
    if (invalid) {
      result.skip.push(i);
      result.rejected.push({ code: 'invalid_event', error: invalid, payload: raw, ...idOf(raw) });
      continue;
    }
    result.mapped += 1;
    if (selected!.mapping.priority < result.priority) result.priority = selected!.mapping.priority;
  }
  if (result.mapped === 0) return result;
  const identity = findIdentity(request.user_identities as FirehoseIdentity[] | undefined, settings.customerIdentity, settings.loyaltyIdentifierField);
  if (identity.ok) return result;
  // Without the identity no event can be applied: refuse each mapped event, as it would have been queued.
  const refused = new Set(result.skip);
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as FirehoseEvent;
    const selected = refused.has(i) ? undefined : select(event, index);
    if (!selected) continue;
    result.skip.push(i);
    result.rejected.push({ code: identity.code, error: identity.error, payload: event, identifier: event.id, action: selected.mapping.loyaltyEvent });
  }
  result.mapped = 0;
  return result;
}

/** Maps a validated `audience_subscription_request` to its queued list change. */
export function toAudienceSubscriptionItem(
  request: { audience_id: number | string; audience_name?: string | undefined; action: 'add' | 'update' | 'remove' },
  meta: InboundRequestMeta,
): InboundAudienceSubscriptionItem {
  const audienceId = String(request.audience_id);
  return {
    kind: 'audience-subscription',
    id: stableId('mparticle-audience-subscription', meta.requestId, audienceId, request.action),
    priority: AUDIENCE_PRIORITY,
    receivedAt: meta.receivedAt,
    requestId: meta.requestId,
    attempts: 0,
    action: request.action,
    audienceId,
    audienceName: audienceNameOf(request.audience_name, audienceId),
  };
}

/**
 * Maps an `audience_membership_change_request` to queued membership changes, one per profile and
 * audience. Tolerates empty profiles and a missing `user_profiles`; `attribute_update` changes are
 * ignored.
 */
export function toMembershipWorkItems(
  request: Record<string, unknown>,
  settings: Pick<InboundMappingSettings, 'customerIdentity' | 'loyaltyIdentifierField'>,
  meta: InboundRequestMeta,
): MappedRequest<InboundAudienceMembershipItem> {
  const profiles = Array.isArray(request.user_profiles) ? (request.user_profiles as unknown[]) : [];
  const result: MappedRequest<InboundAudienceMembershipItem> = { items: [], rejected: [], ignored: 0 };
  profiles.forEach((raw, p) => {
    const path = `user_profiles[${p}]`;
    const profile = userProfileSchema.safeParse(raw);
    if (!profile.success) {
      result.rejected.push({ code: 'invalid_profile', error: toValidationError(profile.error.issues[0], path, raw), payload: raw });
      return;
    }
    const audiences = profile.data.audiences ?? [];
    const changes: Array<{ audience_id: number | string; audience_name?: string | undefined; action: 'add' | 'delete' }> = [];
    audiences.forEach((rawChange, a) => {
      const change = audienceChangeSchema.safeParse(rawChange);
      if (!change.success) {
        result.rejected.push({ code: 'invalid_audience', error: toValidationError(change.error.issues[0], `${path}.audiences[${a}]`, rawChange), payload: rawChange });
      } else if (change.data.action === 'attribute_update') {
        result.ignored += 1;
      } else {
        changes.push({ audience_id: change.data.audience_id, audience_name: change.data.audience_name, action: change.data.action });
      }
    });
    if (changes.length === 0) return;
    const identity = findIdentity(profile.data.user_identities, settings.customerIdentity, settings.loyaltyIdentifierField, `${path}.user_identities`);
    if (!identity.ok) {
      result.rejected.push({ code: identity.code, error: identity.error, payload: raw, action: 'list_membership' });
      return;
    }
    const mpid = profile.data.mpid === undefined ? undefined : String(profile.data.mpid);
    for (const change of changes) {
      const audienceId = String(change.audience_id);
      result.items.push({
        kind: 'audience-membership',
        id: stableId('mparticle-audience-membership', meta.requestId, p, audienceId, change.action, identity.identity.value),
        priority: AUDIENCE_PRIORITY,
        receivedAt: meta.receivedAt,
        requestId: meta.requestId,
        attempts: 0,
        action: change.action,
        audienceId,
        audienceName: audienceNameOf(change.audience_name, audienceId),
        identity: identity.identity,
        ...(mpid === undefined ? {} : { mpid }),
      });
    }
  });
  return result;
}

// Hand-written rather than zod, and the path built only for a failure: it runs for every mapped event
// on the path mParticle wants answered in 100 ms.
function checkEvent(raw: unknown, at: number): ValidationError | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return eventError(at, '', 'an event object', raw);
  const event = raw as Record<string, unknown>;
  if (typeof event.type !== 'string' || event.type === '') return eventError(at, '.type', 'a non-empty event type', event.type);
  if (typeof event.id !== 'string' || event.id === '') return eventError(at, '.id', 'a non-empty event ID (mParticle sends a UUID)', event.id);
  if (event.timestamp_ms !== undefined && (typeof event.timestamp_ms !== 'number' || !Number.isFinite(event.timestamp_ms))) {
    return eventError(at, '.timestamp_ms', 'epoch milliseconds (a number)', event.timestamp_ms);
  }
  if (event.attributes !== undefined && (event.attributes === null || typeof event.attributes !== 'object' || Array.isArray(event.attributes))) {
    return eventError(at, '.attributes', 'an object of event attributes', event.attributes);
  }
  return undefined;
}

function eventError(at: number, field: string, expected: string, received: unknown): ValidationError {
  return new ValidationError({ path: `events[${at}]${field}`, expected, received: describe(received) });
}

function audienceNameOf(name: string | undefined, audienceId: string): string {
  return name && name.trim() !== '' ? name : `mParticle audience ${audienceId}`;
}

function idOf(raw: unknown): { identifier?: string } {
  const id = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>).id : undefined;
  return typeof id === 'string' ? { identifier: id } : {};
}

/** Turns a zod issue into a {@link ValidationError} rooted at `prefix`. */
export function toValidationError(
  issue: { path: PropertyKey[]; message: string; expected?: unknown } | undefined,
  prefix: string,
  value: unknown,
): ValidationError {
  const steps = issue?.path ?? [];
  const path = steps.reduce<string>((acc, step) => (typeof step === 'number' ? `${acc}[${step}]` : `${acc}.${String(step)}`), prefix);
  return new ValidationError({
    path,
    expected: expectedOf(issue),
    received: describe(steps.reduce<unknown>((v, s) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[s] : undefined), value)),
  });
}

function expectedOf(issue: { message: string; expected?: unknown } | undefined): string {
  if (!issue) return 'a valid value';
  if (typeof issue.expected === 'string') return issue.expected === 'object' ? 'an object' : issue.expected === 'array' ? 'an array' : `a ${issue.expected}`;
  return issue.message.replace(/^Invalid (input|option): /, '');
}
