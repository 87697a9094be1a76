import { z } from 'zod';
import type { DedupeStore } from '../../core/dedupe-store.js';
import type { LoyaltyEngine } from '../../core/engine.js';
import { ValidationError } from '../../core/errors.js';
import type { LogSink } from '../../core/logs.js';
import type { FieldMapping } from '../../core/mapping-kit.js';
import { describe } from '../../core/model.js';

/** What a matched mapping asks of the loyalty engine. */
export type SegmentInboundAction = 'loyaltyEvent' | 'profileUpdate';

/**
 * One mapping, as on the Antavo (Actions) destination's Mappings page: when `trigger` matches a
 * Segment event, `fields` are resolved against it and the result is applied to the loyalty engine.
 *
 * Fields of a `loyaltyEvent` mapping: `customer` (required), `action` (required), `account`
 * (required when `multiAccounts` is on), `data` (an object), `timestamp`. Fields of a
 * `profileUpdate` mapping: `customer` (required), `account`, `data` (the attributes). A field left
 * out takes its default (see `defaultSegmentInboundFields`).
 */
export interface SegmentInboundMapping {
  /** Shown in errors and logs, and part of each item's dedupe key, so keep it stable. Unique. */
  name: string;
  /** `loyaltyEvent` registers an event; `profileUpdate` updates the customer's attributes. */
  action: SegmentInboundAction;
  /**
   * A condition in Segment's subscription syntax (see `parseTrigger`).
   * @default 'type = "track"' for loyaltyEvent, 'type = "identify"' for profileUpdate
   */
  trigger?: string;
  /** Field mappings (see `FieldMapping`); a field left out takes its default. */
  fields?: Record<string, FieldMapping>;
  /**
   * A disabled mapping matches nothing.
   * @default true
   */
  enabled?: boolean;
}

/** Options of `SegmentInbound`. At least one of `apiKey`, `sharedSecret`, `bearerToken`, `writeKey` is required. */
export interface SegmentInboundOptions {
  /** The loyalty engine events and profile updates are applied to. */
  engine: LoyaltyEngine;
  /**
   * The key Antavo (Actions)-format bodies must carry in `api_key` (compared in constant time).
   * Without it, Antavo-format bodies are refused with 401.
   */
  apiKey?: string;
  /** Shared secret of Segment's Webhooks destination: requests must carry a valid `X-Signature` (hex HMAC-SHA1). */
  sharedSecret?: string;
  /** Requests may authenticate with `Authorization: Bearer <bearerToken>`. */
  bearerToken?: string;
  /**
   * Requests may authenticate as Segment's libraries do: HTTP Basic with `writeKey` as the user and
   * an empty password, or `writeKey` in the JSON body.
   */
  writeKey?: string;
  /**
   * Mappings applied to raw Segment events, in order; every enabled mapping whose trigger matches
   * is applied.
   * @default defaultSegmentInboundMappings()
   */
  mappings?: SegmentInboundMapping[];
  /**
   * The engine has Multi-accounts on: loyalty events must then carry an `account`.
   * @default false
   */
  multiAccounts?: boolean;
  /**
   * Where applied items are remembered, so a redelivery is not applied twice. Supply a shared one
   * (SQL, Redis) when several processes serve the webhook.
   * @default a new MemoryDedupeStore
   */
  dedupeStore?: DedupeStore;
  /**
   * How long an applied item is remembered, in milliseconds.
   * @default 604800000 (7 days)
   */
  dedupeTtlMs?: number;
  /**
   * Events whose `context.library.name` is one of these are skipped (logged as `skipped`): they came
   * from our own `SegmentOutbound`, and applying them would loop.
   * @default ['loyalty-cdp']
   */
  ignoreLibraries?: string[];
  /**
   * Where log records go.
   * @default a new MemoryLogStore
   */
  logSink?: LogSink;
  /**
   * Largest accepted request body in bytes; larger ones get 413.
   * @default 1048576 (1 MB)
   */
  maxBodyBytes?: number;
  /** Clock in epoch milliseconds, for tests. @default Date.now */
  now?: () => number;
}

const hasMethods = (name: string, methods: string[]) =>
  z.custom<object>((v) => typeof v === 'object' && v !== null && methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function'), {
    message: `expected ${name} (an object with ${methods.join(', ')})`,
  });
const secret = z.string().min(4, 'expected a string of at least 4 characters').optional();

/** zod schema of one {@link SegmentInboundMapping} (its trigger and fields are checked when compiled). */
export const segmentInboundMappingSchema = z
  .object({
    name: z.string().trim().min(1, 'expected a non-empty name'),
    action: z.enum(['loyaltyEvent', 'profileUpdate']),
    trigger: z.string().optional(),
    fields: z.record(z.string(), z.unknown()).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

/** zod schema of {@link SegmentInboundOptions}. */
export const segmentInboundOptionsSchema = z
  .object({
    engine: hasMethods('a LoyaltyEngine', ['registerEvent', 'updateProfile', 'findCustomer']),
    apiKey: secret,
    sharedSecret: secret,
    bearerToken: secret,
    writeKey: secret,
    mappings: z.array(segmentInboundMappingSchema).optional(),
    multiAccounts: z.boolean().optional(),
    dedupeStore: hasMethods('a DedupeStore', ['claim', 'complete', 'release', 'result']).optional(),
    dedupeTtlMs: z.number().int().min(1000).optional(),
    ignoreLibraries: z.array(z.string()).optional(),
    logSink: hasMethods('a LogSink', ['write']).optional(),
    maxBodyBytes: z.number().int().min(1).optional(),
    now: z.custom<() => number>((v) => typeof v === 'function', { message: 'expected a clock function' }).optional(),
  })
  .strict()
  .refine((o) => o.apiKey !== undefined || o.sharedSecret !== undefined || o.bearerToken !== undefined || o.writeKey !== undefined, {
    message: 'expected at least one credential: apiKey, sharedSecret, bearerToken or writeKey',
    path: ['apiKey'],
  });

/** A loyalty event ready for the engine, as a `loyaltyEvent` mapping or an Antavo-format body yields it. */
export interface LoyaltyEventPayload {
  /** The loyalty customer ID. */
  customer: string;
  /** The loyalty action. */
  action: string;
  /** Points account (Multi-accounts). */
  account?: string;
  /** Action data. */
  data: Record<string, unknown>;
  /** When it happened, ISO-8601. */
  timestamp?: string;
}

/** A profile update ready for the engine. */
export interface ProfileUpdatePayload {
  /** The loyalty customer ID. */
  customer: string;
  /** Points account (Multi-accounts). */
  account?: string;
  /** Attributes to set. */
  data: Record<string, unknown>;
}

// Mirrors the Antavo destination: numbers become strings, and '' or null count as missing.
const toText = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : value === '' || value === null ? undefined : value);
const requiredText = (field: string) =>
  z.preprocess(
    toText,
    z.string({
      error: (issue) => (issue.input === undefined ? `missing required field '${field}'` : `field '${field}': expected a string, received ${describe(issue.input)}`),
    }),
  );
const optionalText = (field: string) =>
  z.preprocess(toText, z.string({ error: (issue) => `field '${field}': expected a string, received ${describe(issue.input)}` }).optional());
const dataObject = z.preprocess(
  (value) => (value === null ? undefined : value),
  z
    .custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
      error: (issue) => `field 'data': expected an object, received ${describe(issue.input)}`,
    })
    .optional(),
);

const loyaltyEventSchema = z.object({
  customer: requiredText('customer'),
  action: requiredText('action'),
  account: optionalText('account'),
  data: dataObject,
  timestamp: z.unknown().optional(),
});
const loyaltyEventWithAccountSchema = loyaltyEventSchema.extend({ account: requiredText('account') });
const profileUpdateSchema = z.object({ customer: requiredText('customer'), account: optionalText('account'), data: dataObject });

/**
 * Checks a mapped loyalty event: `customer` and `action` are required (and `account` with
 * `multiAccounts`), numbers become strings, `data` defaults to `{}`, `timestamp` becomes ISO-8601.
 *
 * @throws {@link ValidationError} whose message starts with `label` (e.g. `mapping 'Loyalty events'`),
 * e.g. `mapping 'Loyalty events': missing required field 'customer'`.
 */
export function parseLoyaltyEventPayload(value: unknown, options: { label: string; multiAccounts?: boolean }): LoyaltyEventPayload {
  const parsed = check(options.multiAccounts ? loyaltyEventWithAccountSchema : loyaltyEventSchema, value, options.label);
  const out: LoyaltyEventPayload = { customer: parsed.customer, action: parsed.action, data: parsed.data ?? {} };
  if (parsed.account !== undefined) out.account = parsed.account;
  const timestamp = parseTimestamp(parsed.timestamp, options.label);
  if (timestamp !== undefined) out.timestamp = timestamp;
  return out;
}

/**
 * Checks a mapped profile update: `customer` is required, `data` defaults to `{}`.
 *
 * @throws {@link ValidationError}, e.g. `mapping 'Profile updates': missing required field 'customer'`.
 */
export function parseProfileUpdatePayload(value: unknown, options: { label: string }): ProfileUpdatePayload {
  const parsed = check(profileUpdateSchema, value, options.label);
  const out: ProfileUpdatePayload = { customer: parsed.customer, data: parsed.data ?? {} };
  if (parsed.account !== undefined) out.account = parsed.account;
  return out;
}

function check<S extends z.ZodType>(schema: S, value: unknown, label: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String).join('.') || '(payload)';
  const missing = issue.message.startsWith('missing required field');
  throw new ValidationError({
    path,
    expected: missing ? 'a non-empty value' : issue.message.replace(/^field '[^']*': /, '').replace(/, received .*$/, ''),
    received: missing ? 'nothing' : describe(pathValue(value, issue.path)),
    message: `${label}: ${issue.message}`,
  });
}

function pathValue(value: unknown, path: PropertyKey[]): unknown {
  let current = value;
  for (const key of path) current = current !== null && typeof current === 'object' ? (current as Record<PropertyKey, unknown>)[key] : undefined;
  return current;
}

// What Segment's libraries send: already canonical, so parsing and re-formatting it can be skipped.
const CANONICAL_ISO = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

function parseTimestamp(value: unknown, label: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string' && CANONICAL_ISO.test(value)) return value;
  const date = typeof value === 'string' || typeof value === 'number' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new ValidationError({
      path: 'timestamp',
      expected: 'an ISO-8601 timestamp',
      received: describe(value),
      message: `${label}: field 'timestamp': expected an ISO-8601 timestamp, received ${describe(value)}`,
    });
  }
  return date.toISOString();
}
