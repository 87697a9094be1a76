// Pure functions from what Segment sends to what the loyalty engine is asked to do: no I/O, so a
// host can unit-test its mappings with plain objects.
import { ConfigurationError, ValidationError } from '../../core/errors.js';
import { compileMapping, withoutUnsafeKeys, type CompiledMapping } from '../../core/mapping-kit.js';
import { describe } from '../../core/model.js';
import { DEFAULT_TRIGGERS, defaultSegmentInboundFields } from './defaults.js';
import {
  parseLoyaltyEventPayload,
  parseProfileUpdatePayload,
  type LoyaltyEventPayload,
  type ProfileUpdatePayload,
  type SegmentInboundAction,
  type SegmentInboundMapping,
} from './schemas.js';
import { parseTrigger, TriggerSyntaxError, type Trigger } from './subscription.js';

/** The fields each kind of mapping may set. */
export const MAPPING_FIELDS: Readonly<Record<SegmentInboundAction, readonly string[]>> = {
  loyaltyEvent: ['customer', 'action', 'account', 'data', 'timestamp'],
  profileUpdate: ['customer', 'account', 'data'],
};

/** A mapping parsed and compiled once, ready to match and resolve events. */
export interface CompiledSegmentInboundMapping {
  /** The mapping's name. */
  readonly name: string;
  /** What it asks of the engine. */
  readonly action: SegmentInboundAction;
  /** Its parsed trigger. */
  readonly trigger: Trigger;
  /** Whether it is enabled. */
  readonly enabled: boolean;
  /** Resolves its fields against an event. */
  readonly resolve: CompiledMapping;
}

/** One thing to apply to the engine, produced by a mapping or by an Antavo-format body. */
export type InboundItem = LoyaltyEventItem | ProfileUpdateItem;

/** A loyalty event to register. */
export interface LoyaltyEventItem {
  /** Discriminator. */
  kind: 'loyaltyEvent';
  /** The mapping that produced it (`antavo` for Antavo-format bodies). */
  mapping: string;
  /** What to register. */
  payload: LoyaltyEventPayload;
}

/** A profile update to apply. */
export interface ProfileUpdateItem {
  /** Discriminator. */
  kind: 'profileUpdate';
  /** The mapping that produced it (`antavo` for Antavo-format bodies). */
  mapping: string;
  /** What to apply. */
  payload: ProfileUpdatePayload;
}

/** A matched mapping whose fields did not resolve to a valid payload. */
export interface InvalidInboundItem {
  /** What the mapping would have asked of the engine. */
  kind: SegmentInboundAction;
  /** The mapping's name. */
  mapping: string;
  /** Why, naming the field. */
  error: ValidationError;
}

/**
 * Parses and compiles mappings once: triggers, fields (a field left out takes its default from
 * `defaultSegmentInboundFields`), unique names.
 *
 * @throws {@link ConfigurationError} naming the option path (`mappings.0.trigger`,
 * `mappings.1.fields.data`) for a trigger that does not parse (with its position), a malformed field
 * mapping, a field the action does not have, or a duplicate name.
 */
export function compileSegmentInboundMappings(mappings: readonly SegmentInboundMapping[], option = 'mappings'): CompiledSegmentInboundMapping[] {
  const names = new Set<string>();
  return mappings.map((mapping, index) => {
    const at = `${option}.${index}`;
    if (names.has(mapping.name)) {
      throw new ConfigurationError(`${at}.name: the mapping name '${mapping.name}' is used twice; names must be unique`, { option: `${at}.name` });
    }
    names.add(mapping.name);
    const allowed = MAPPING_FIELDS[mapping.action];
    for (const field of Object.keys(mapping.fields ?? {})) {
      if (!allowed.includes(field)) {
        throw new ConfigurationError(`${at}.fields: mapping '${mapping.name}' (${mapping.action}) has no field '${field}' (expected ${allowed.join(', ')})`, {
          option: `${at}.fields.${field}`,
        });
      }
    }
    const fields = { ...defaultSegmentInboundFields(mapping.action), ...(mapping.fields ?? {}) };
    let trigger: Trigger;
    try {
      trigger = parseTrigger(mapping.trigger ?? DEFAULT_TRIGGERS[mapping.action], `${at}.trigger`);
    } catch (error) {
      if (!(error instanceof TriggerSyntaxError)) throw error;
      throw new TriggerSyntaxError(`mapping '${mapping.name}': ${error.message}`, { option: `${at}.trigger`, position: error.position, trigger: error.trigger });
    }
    return {
      name: mapping.name,
      action: mapping.action,
      trigger,
      enabled: mapping.enabled ?? true,
      resolve: compileMapping(fields, `${at}.fields`),
    };
  });
}

/**
 * What a Segment event asks of the engine: one item per enabled mapping whose trigger matches, in
 * mapping order, or an {@link InvalidInboundItem} for a mapping whose fields do not resolve (e.g.
 * `mapping 'Loyalty events': missing required field 'customer'`). Empty when nothing matches.
 */
export function mapSegmentEvent(
  event: unknown,
  mappings: readonly CompiledSegmentInboundMapping[],
  options: { multiAccounts?: boolean } = {},
): Array<InboundItem | InvalidInboundItem> {
  const out: Array<InboundItem | InvalidInboundItem> = [];
  for (const mapping of mappings) {
    if (!mapping.enabled || !mapping.trigger.matches(event)) continue;
    const resolved = withoutUnsafeKeys(mapping.resolve(event));
    const label = `mapping '${mapping.name}'`;
    try {
      out.push(
        mapping.action === 'loyaltyEvent'
          ? { kind: 'loyaltyEvent', mapping: mapping.name, payload: parseLoyaltyEventPayload(resolved, { label, multiAccounts: options.multiAccounts ?? false }) }
          : { kind: 'profileUpdate', mapping: mapping.name, payload: parseProfileUpdatePayload(resolved, { label }) },
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      out.push({ kind: mapping.action, mapping: mapping.name, error });
    }
  }
  return out;
}

/** The mapping name Antavo-format bodies are logged and deduplicated under. */
export const ANTAVO_FORMAT_MAPPING = 'antavo';

/**
 * An Antavo (Actions)-format body `{ customer, action, account?, data?, api_key }` as an engine
 * item: `action: "profile"` is a profile update with `data` as the attributes, any other action a
 * loyalty event. `api_key` is not part of the item.
 *
 * @throws {@link ValidationError}, e.g. `Antavo-format body: missing required field 'customer'`.
 */
export function fromAntavoBody(body: Record<string, unknown>, options: { multiAccounts?: boolean } = {}): InboundItem {
  const { api_key: _apiKey, ...rest } = withoutUnsafeKeys(body);
  const label = 'Antavo-format body';
  if (rest.action === 'profile') {
    return { kind: 'profileUpdate', mapping: ANTAVO_FORMAT_MAPPING, payload: parseProfileUpdatePayload(rest, { label }) };
  }
  return { kind: 'loyaltyEvent', mapping: ANTAVO_FORMAT_MAPPING, payload: parseLoyaltyEventPayload({ ...rest, timestamp: undefined }, { label, multiAccounts: options.multiAccounts ?? false }) };
}

/**
 * Whether a parsed body is in the Antavo (Actions) format rather than a Segment event: a JSON
 * object with no `type` and no `batch`, carrying `api_key`, `customer` or `action`.
 */
export function isAntavoFormat(body: unknown): body is Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  const record = body as Record<string, unknown>;
  if ('type' in record || 'batch' in record) return false;
  return 'api_key' in record || 'customer' in record || 'action' in record;
}

const CALL_TYPES = new Set(['identify', 'track', 'page', 'screen', 'group', 'alias']);

/** The Segment events of a body, and how they came. */
export interface SegmentEvents {
  /** `single` (one event), `array` (Webhooks destination batches) or `batch` (`{ batch: [...] }`, as Segment's libraries send). */
  shape: 'single' | 'array' | 'batch';
  /** The events; batch-level `context` and `integrations` merged into each. Invalid ones are listed in `invalid`. */
  events: unknown[];
  /** Indexes of `events` that are not Segment events, with why (paths relative to the event). */
  invalid: Map<number, ValidationError>;
  /** A `writeKey` carried in the body, if any. */
  writeKey?: string;
}

/**
 * Splits a parsed body into Segment events: one event, an array, or `{ batch: [...] }` (whose
 * `context` and `integrations` are merged into each event, the event's own keys winning). When the
 * request path ends in a Segment call type (`/v1/track`, `/v1/identify`, …) and a single event has
 * no `type`, the path gives it. An event must be an object with a string `type`.
 *
 * @throws {@link ValidationError} when the body is none of these shapes.
 */
export function readSegmentEvents(body: unknown, path = ''): SegmentEvents {
  if (Array.isArray(body)) return { shape: 'array', events: body, invalid: checkEvents(body) };
  if (body === null || typeof body !== 'object') {
    throw new ValidationError({ path: '(body)', expected: 'a Segment event, an array of events or { batch: [...] }', received: describe(body) });
  }
  const record = body as Record<string, unknown>;
  const writeKey = typeof record.writeKey === 'string' ? record.writeKey : undefined;
  if ('batch' in record) {
    if (!Array.isArray(record.batch)) {
      throw new ValidationError({ path: 'batch', expected: 'an array of Segment events', received: describe(record.batch) });
    }
    const events = mergeBatchContext(record.batch, record.context, record.integrations);
    return { shape: 'batch', events, invalid: checkEvents(events), ...(writeKey === undefined ? {} : { writeKey }) };
  }
  let event: unknown = body;
  if (record.type === undefined) {
    const call = /\/([a-z]+)\/?$/.exec(path)?.[1];
    if (call && CALL_TYPES.has(call)) event = { ...record, type: call };
  }
  return { shape: 'single', events: [event], invalid: checkEvents([event]), ...(writeKey === undefined ? {} : { writeKey }) };
}

function mergeBatchContext(batch: unknown[], context: unknown, integrations: unknown): unknown[] {
  const hasContext = isPlainObject(context);
  const hasIntegrations = isPlainObject(integrations);
  if (!hasContext && !hasIntegrations) return batch;
  return batch.map((event) => {
    if (!isPlainObject(event)) return event;
    const merged: Record<string, unknown> = { ...event };
    if (hasContext) merged.context = { ...withoutUnsafeKeys(context), ...(isPlainObject(event.context) ? event.context : {}) };
    if (hasIntegrations) merged.integrations = { ...withoutUnsafeKeys(integrations), ...(isPlainObject(event.integrations) ? event.integrations : {}) };
    return merged;
  });
}

function checkEvents(events: unknown[]): Map<number, ValidationError> {
  const invalid = new Map<number, ValidationError>();
  events.forEach((event, index) => {
    if (!isPlainObject(event)) {
      invalid.set(index, new ValidationError({ path: '(event)', expected: 'a Segment event (an object)', received: describe(event) }));
    } else if (typeof event.type !== 'string') {
      invalid.set(index, new ValidationError({ path: 'type', expected: `a Segment call type (${[...CALL_TYPES].join(', ')})`, received: describe(event.type) }));
    }
  });
  return invalid;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The `context.library.name` of an event, if it has one. */
export function libraryName(event: unknown): string | undefined {
  if (!isPlainObject(event) || !isPlainObject(event.context) || !isPlainObject(event.context.library)) return undefined;
  const name = event.context.library.name;
  return typeof name === 'string' ? name : undefined;
}

/** The event's `messageId`, when it is a non-empty string. */
export function messageIdOf(event: unknown): string | undefined {
  if (!isPlainObject(event)) return undefined;
  const id = event.messageId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
