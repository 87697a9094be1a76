import { z } from 'zod';
import { ValidationError } from '../../core/errors.js';
import { describe } from '../../core/model.js';
import { DEFAULT_DEDUPE_TTL_MS, type DedupeStore } from '../../core/dedupe-store.js';
import { DEFAULT_MAX_BODY_BYTES } from '../../core/inbound.js';
import type { InboundQueue } from './queue.js';

/** The user identity types mParticle's Firehose output sends (`customer`, not `customer_id`). */
export const FIREHOSE_USER_IDENTITY_TYPES = [
  'customer',
  'email',
  'other',
  'other2',
  'other3',
  'other4',
  'other5',
  'other6',
  'other7',
  'other8',
  'other9',
  'other10',
  'mobile_number',
  'phone_number_2',
  'phone_number_3',
  'facebook',
  'twitter',
  'google',
  'microsoft',
  'yahoo',
] as const;

/** A user identity type as mParticle's Firehose output names it. */
export type FirehoseUserIdentityType = (typeof FIREHOSE_USER_IDENTITY_TYPES)[number];

// The S2S input names (what the outbound side is configured with) map onto the Firehose names, so
// one identity setting can be copied from `outbound` to `inbound`.
const IDENTITY_ALIASES: Record<string, FirehoseUserIdentityType> = {
  customer_id: 'customer',
  customerid: 'customer',
  other_id_2: 'other2',
  other_id_3: 'other3',
  other_id_4: 'other4',
  other_id_5: 'other5',
  other_id_6: 'other6',
  other_id_7: 'other7',
  other_id_8: 'other8',
  other_id_9: 'other9',
  other_id_10: 'other10',
};

/** The event types mParticle's Firehose output sends. */
export const FIREHOSE_EVENT_TYPES = [
  'custom_event',
  'screen_view',
  'product_action',
  'promotion_action',
  'impression',
  'session_start',
  'session_end',
  'error',
  'privacy_setting_change',
  'user_attribute_change',
  'user_identity_change',
  'push_subscription',
  'push_message_receipt',
  'push_message_open',
  'application_state_transition',
  'attribution',
] as const;

/** An event type as mParticle's Firehose output names it. */
export type FirehoseEventType = (typeof FIREHOSE_EVENT_TYPES)[number];

/** Event types whose `eventName` is matched, and the event field it is matched against. */
export const EVENT_NAME_FIELDS: Partial<Record<FirehoseEventType, 'name' | 'screen_name' | 'action'>> = {
  custom_event: 'name',
  screen_view: 'screen_name',
  product_action: 'action',
  promotion_action: 'action',
};

const HASHED = /md5|sha1|sha256|sha-256|hash/i;

const identityTypeSchema = z.string().transform((value, ctx): FirehoseUserIdentityType => {
  const normalised = IDENTITY_ALIASES[value.toLowerCase()] ?? value.toLowerCase();
  if ((FIREHOSE_USER_IDENTITY_TYPES as readonly string[]).includes(normalised)) return normalised as FirehoseUserIdentityType;
  ctx.addIssue({
    code: 'custom',
    message: HASHED.test(value)
      ? `'${value}' is a hashed identity: a hash cannot be matched against a loyalty attribute; use a raw identity type (${FIREHOSE_USER_IDENTITY_TYPES.slice(0, 4).join(', ')}, …) and let mParticle send it raw`
      : `expected an mParticle identity type (${FIREHOSE_USER_IDENTITY_TYPES.join(', ')}), received '${value.slice(0, 40)}'`,
  });
  return z.NEVER;
});

const eventTypeSchema = z.string().transform((value, ctx): FirehoseEventType => {
  // `commerce_event` is the S2S input name of what the Firehose output calls `product_action`.
  const normalised = value === 'commerce_event' ? 'product_action' : value;
  if ((FIREHOSE_EVENT_TYPES as readonly string[]).includes(normalised)) return normalised as FirehoseEventType;
  ctx.addIssue({
    code: 'custom',
    message: `expected an mParticle event type (${FIREHOSE_EVENT_TYPES.join(', ')}, or commerce_event), received '${value.slice(0, 40)}'`,
  });
  return z.NEVER;
});

const fieldValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const eventMappingSchema = z
  .strictObject({
    loyaltyEvent: z.string().min(1, 'expected the loyalty action to register, e.g. point_add'),
    eventType: eventTypeSchema,
    eventName: z.string().min(1).optional(),
    priority: z.number().int().default(0),
    fields: z.record(z.string().min(1), fieldValueSchema).default({}),
  })
  .superRefine((mapping, ctx) => {
    const nameField = EVENT_NAME_FIELDS[mapping.eventType];
    if (mapping.eventType === 'custom_event' && mapping.eventName === undefined) {
      ctx.addIssue({ code: 'custom', path: ['eventName'], message: "required when eventType is 'custom_event': the mParticle event name to match" });
    }
    if (mapping.eventName !== undefined && !nameField) {
      ctx.addIssue({
        code: 'custom',
        path: ['eventName'],
        message: `not used with eventType '${mapping.eventType}': only ${Object.keys(EVENT_NAME_FIELDS).join(', ')} events are matched by name`,
      });
    }
  });

const hasMethods = <T>(name: string, methods: string[]) =>
  z.custom<T>(
    (v) => typeof v === 'object' && v !== null && methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
    { message: `expected ${name} (an object with ${methods.join(', ')})` },
  );

/** Default number of processing attempts of one queued item before it is given up. */
export const DEFAULT_INBOUND_MAX_ATTEMPTS = 5;

/** The smallest accepted `authToken`, in characters. */
export const MIN_AUTH_TOKEN_LENGTH = 16;

/** zod schema of the parsed `inbound` options; see {@link MParticleInboundOptions}. */
const inboundOptionsObject = z
  .strictObject({
    authToken: z
      .string({ message: 'expected a string: the token mParticle sends as "Authorization: Token <token>"' })
      .min(MIN_AUTH_TOKEN_LENGTH, `expected at least ${MIN_AUTH_TOKEN_LENGTH} characters; MParticleFeed.generateAuthToken() makes a strong one`),
    customerIdentity: identityTypeSchema.default('customer'),
    loyaltyIdentifierField: z.string().min(1).default('id'),
    trackAudiences: z.boolean().default(false),
    autoSubscribe: z.boolean().default(false),
    eventMappings: z.array(eventMappingSchema).default([]),
    queue: hasMethods<InboundQueue>('an InboundQueue', ['enqueue', 'lease', 'ack', 'retry', 'size']).optional(),
    dedupeStore: hasMethods<DedupeStore>('a DedupeStore', ['claim', 'complete', 'release', 'result']).optional(),
    dedupeTtlMs: z.number().int().min(1).default(DEFAULT_DEDUPE_TTL_MS),
    maxAttempts: z.number().int().min(1).max(100).default(DEFAULT_INBOUND_MAX_ATTEMPTS),
    leaseMs: z.number().int().min(1).default(120_000),
    concurrency: z.number().int().min(1).max(64).default(1),
    maxBodyBytes: z.number().int().min(1024).default(DEFAULT_MAX_BODY_BYTES),
  })
  .superRefine((options, ctx) => {
    const seen = new Map<string, number>();
    options.eventMappings.forEach((mapping, index) => {
      const key = `${mapping.eventType}\u0000${mapping.eventName ?? ''}`;
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['eventMappings', index],
          message: `matches the same events as eventMappings.${first} (eventType '${mapping.eventType}'${mapping.eventName ? `, eventName '${mapping.eventName}'` : ''}); keep one`,
        });
      } else {
        seen.set(key, index);
      }
    });
  });

/** One entry of `eventMappings`: which mParticle events become which loyalty event. */
export interface MParticleEventMapping {
  /** The loyalty action to register, e.g. `point_add`, `coupon_redeem`. */
  loyaltyEvent: string;
  /**
   * The mParticle event type: `custom_event` (needs `eventName`), `screen_view`, `product_action`
   * (`commerce_event` is accepted as a synonym), `promotion_action`, `session_start`, ….
   */
  eventType: string;
  /**
   * The event name to match: the custom event's `name`, the screen view's `screen_name`, or the
   * product/promotion `action` (`purchase`, `refund`, …). Without it, every event of the type matches;
   * a mapping with a name wins over one without.
   */
  eventName?: string;
  /**
   * Processing order: queued events of lower priority are applied first, then by arrival.
   * @default 0
   */
  priority?: number;
  /**
   * Loyalty event attribute → value. A string in curly brackets (`'{coupon_code}'`) reads that field
   * of the mParticle event (dotted paths such as `'{products.0.id}'` work), then of its `attributes`,
   * then of the user's attributes; anything else is a literal value.
   * @default {}
   */
  fields?: Record<string, string | number | boolean | null>;
}

/**
 * The `inbound` options of `MParticleFeed` (mParticle's Output/Event direction: mParticle →
 * loyalty engine).
 */
export interface MParticleInboundOptions {
  /**
   * The token mParticle sends as `Authorization: Token <token>`; at least 16 characters.
   * `MParticleFeed.generateAuthToken()` makes a strong one. Never logged.
   */
  authToken: string;
  /**
   * The mParticle user identity that identifies the customer, as the Firehose output names it:
   * `customer`, `email`, `other`, `other2`…`other10`, `mobile_number`, …. The S2S names
   * (`customer_id`, `other_id_2`, …) are accepted too. Hashed identities cannot be matched.
   * @default 'customer'
   */
  customerIdentity?: string;
  /**
   * The loyalty customer attribute (or `'id'`, the engine's own ID) the identity is matched against.
   * @default 'id'
   */
  loyaltyIdentifierField?: string;
  /**
   * Whether mParticle audiences become customer lists. When false, audience messages are answered
   * and ignored: no list changes, no log records.
   * @default false
   */
  trackAudiences?: boolean;
  /**
   * Whether an event for an unknown customer first creates that customer with status `inactive`
   * (needs `LoyaltyEngine.createCustomer`). When false the event fails with `unknown_customer`.
   * @default false
   */
  autoSubscribe?: boolean;
  /**
   * Which mParticle events become which loyalty events. Events no mapping matches are answered and
   * ignored.
   * @default []
   */
  eventMappings?: MParticleEventMapping[];
  /**
   * Where accepted work waits for `processInboundQueue()`. Supply a shared one when several
   * processes answer mParticle.
   * @default a new {@link MemoryInboundQueue}
   */
  queue?: InboundQueue;
  /**
   * Remembers applied mParticle event IDs so a redelivery never registers twice. Supply a shared one
   * when several processes run `processInboundQueue()`.
   * @default a new `MemoryDedupeStore`
   */
  dedupeStore?: DedupeStore;
  /**
   * How long an applied event ID is remembered, in milliseconds.
   * @default 604800000 (7 days)
   */
  dedupeTtlMs?: number;
  /**
   * Processing attempts of one queued item before a transient engine failure is given up (logged as
   * `retries_exhausted`, its payload kept in the incoming-error log).
   * @default 5
   */
  maxAttempts?: number;
  /**
   * How long `processInboundQueue()` holds an item before another worker may take it, in milliseconds.
   * @default 120000
   */
  leaseMs?: number;
  /**
   * Engine calls in flight at once while processing. Above 1, one customer's items still run one at
   * a time, in order, and audience subscription changes run alone.
   * @default 1
   */
  concurrency?: number;
  /**
   * Largest accepted request body in bytes (413 above it). Pass the same value to `toNodeListener`.
   * @default 1048576 (1 MB)
   */
  maxBodyBytes?: number;
}

/** The zod schema of {@link MParticleInboundOptions} (defaults filled in by parsing). */
export const mparticleInboundOptionsSchema: z.ZodType<ParsedInboundOptions, MParticleInboundOptions> = inboundOptionsObject;

/** {@link MParticleInboundOptions} after parsing: defaults filled in, identity and event types normalised. */
export interface ParsedInboundOptions {
  /** See {@link MParticleInboundOptions.authToken}. */
  authToken: string;
  /** See {@link MParticleInboundOptions.customerIdentity}. */
  customerIdentity: FirehoseUserIdentityType;
  /** See {@link MParticleInboundOptions.loyaltyIdentifierField}. */
  loyaltyIdentifierField: string;
  /** See {@link MParticleInboundOptions.trackAudiences}. */
  trackAudiences: boolean;
  /** See {@link MParticleInboundOptions.autoSubscribe}. */
  autoSubscribe: boolean;
  /** See {@link MParticleInboundOptions.eventMappings}. */
  eventMappings: ParsedEventMapping[];
  /** See {@link MParticleInboundOptions.queue}. */
  queue?: InboundQueue | undefined;
  /** See {@link MParticleInboundOptions.dedupeStore}. */
  dedupeStore?: DedupeStore | undefined;
  /** See {@link MParticleInboundOptions.dedupeTtlMs}. */
  dedupeTtlMs: number;
  /** See {@link MParticleInboundOptions.maxAttempts}. */
  maxAttempts: number;
  /** See {@link MParticleInboundOptions.leaseMs}. */
  leaseMs: number;
  /** See {@link MParticleInboundOptions.concurrency}. */
  concurrency: number;
  /** See {@link MParticleInboundOptions.maxBodyBytes}. */
  maxBodyBytes: number;
}

/** An {@link MParticleEventMapping} after parsing. */
export interface ParsedEventMapping {
  /** See {@link MParticleEventMapping.loyaltyEvent}. */
  loyaltyEvent: string;
  /** The Firehose event type (`commerce_event` normalised to `product_action`). */
  eventType: FirehoseEventType;
  /** See {@link MParticleEventMapping.eventName}. */
  eventName?: string | undefined;
  /** See {@link MParticleEventMapping.priority}. */
  priority: number;
  /** See {@link MParticleEventMapping.fields}. */
  fields: Record<string, string | number | boolean | null>;
}

// Compile-time checks that the hand-written interfaces match what the schema accepts and returns.
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const inputMatches: Equal<z.input<typeof inboundOptionsObject>, MParticleInboundOptions> = true;
const outputMatches: Equal<z.output<typeof inboundOptionsObject>, ParsedInboundOptions> = true;
void inputMatches;
void outputMatches;

// Request validation: just enough structure to map an item safely; everything else passes through.
const identitySchema = z.looseObject({ type: z.string(), encoding: z.string().optional(), value: z.string() });

/**
 * Checks the request-level fields of an `event_processing_request` (events are checked one by one
 * while mapping). Hand-written rather than zod: it runs on the path mParticle wants answered in
 * 100 ms. Returns the first problem, or undefined.
 */
export function checkEventProcessingRequest(message: Record<string, unknown>): ValidationError | undefined {
  if (message.id !== undefined && typeof message.id !== 'string') return new ValidationError({ path: 'request.id', expected: 'a string message ID', received: describe(message.id) });
  if (message.events !== undefined && !Array.isArray(message.events)) return new ValidationError({ path: 'request.events', expected: 'an array of events', received: describe(message.events) });
  const identities = message.user_identities;
  if (identities === undefined) return undefined;
  if (!Array.isArray(identities)) return new ValidationError({ path: 'request.user_identities', expected: 'an array of { type, encoding, value }', received: describe(identities) });
  for (let i = 0; i < identities.length; i++) {
    const identity = identities[i] as Record<string, unknown> | null;
    const path = `request.user_identities[${i}]`;
    if (identity === null || typeof identity !== 'object') return new ValidationError({ path, expected: 'an identity object { type, encoding, value }', received: describe(identity) });
    if (typeof identity.type !== 'string') return new ValidationError({ path: `${path}.type`, expected: 'an identity type string', received: describe(identity.type) });
    if (typeof identity.value !== 'string') return new ValidationError({ path: `${path}.value`, expected: 'an identity value string', received: describe(identity.value) });
    if (identity.encoding !== undefined && typeof identity.encoding !== 'string') return new ValidationError({ path: `${path}.encoding`, expected: 'raw, md5, sha1 or sha256', received: describe(identity.encoding) });
  }
  return undefined;
}

/** Validates an `audience_subscription_request`. */
export const audienceSubscriptionRequestSchema = z.looseObject({
  type: z.literal('audience_subscription_request'),
  id: z.string().optional(),
  audience_id: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
  audience_name: z.string().optional(),
  action: z.enum(['add', 'update', 'remove']),
});

/** Validates the request-level fields of an `audience_membership_change_request`. */
export const audienceMembershipChangeRequestSchema = z.looseObject({
  type: z.literal('audience_membership_change_request'),
  id: z.string().optional(),
  user_profiles: z.array(z.unknown()).optional(),
});

/** Validates one user profile of an `audience_membership_change_request`. */
export const userProfileSchema = z.looseObject({
  user_identities: z.array(identitySchema).optional(),
  mpid: z.union([z.string(), z.number()]).optional(),
  audiences: z.array(z.unknown()).optional(),
});

/** Validates one audience change of a user profile. */
export const audienceChangeSchema = z.looseObject({
  audience_id: z.union([z.number().int(), z.string().regex(/^\d+$/)]),
  audience_name: z.string().optional(),
  action: z.enum(['add', 'delete', 'attribute_update']),
});
