// Options of the outbound feed and the payload types it produces, with mParticle's documented
// limits in one place (docs.mparticle.com: Events API, JSON reference, default service limits).
import { z } from 'zod';
import { ConfigurationError } from '../core/errors.js';
import { parseOptions } from '../core/options.js';

/** The `custom_event_type` values mParticle's Events API accepts for a `custom_event`. */
export const MPARTICLE_CUSTOM_EVENT_TYPES = [
  'navigation',
  'location',
  'search',
  'transaction',
  'user_content',
  'user_preference',
  'social',
  'media',
  'other',
] as const;

/** A `custom_event_type` of a `custom_event`. */
export type MParticleCustomEventType = (typeof MPARTICLE_CUSTOM_EVENT_TYPES)[number];

/** The `user_identities` keys of an Events API batch (mParticle's JSON reference). */
export const MPARTICLE_IDENTITY_TYPES = [
  'customer_id',
  'email',
  'other',
  'other_id_2',
  'other_id_3',
  'other_id_4',
  'other_id_5',
  'other_id_6',
  'other_id_7',
  'other_id_8',
  'other_id_9',
  'other_id_10',
  'mobile_number',
  'phone_number_2',
  'phone_number_3',
  'facebook',
  'twitter',
  'google',
  'microsoft',
] as const;

/** A user identity an outbound batch can carry. */
export type MParticleIdentityType = (typeof MPARTICLE_IDENTITY_TYPES)[number];

/** An mParticle data pod (its data-localization region). */
export type MParticlePod = 'us1' | 'us2' | 'eu1' | 'au1';

/** Events API base URLs of mParticle's data pods, for the `pod` option. */
export const MPARTICLE_POD_URLS: Readonly<Record<MParticlePod, string>> = Object.freeze({
  us1: 'https://s2s.us1.mparticle.com/v2',
  us2: 'https://s2s.us2.mparticle.com/v2',
  eu1: 'https://s2s.eu1.mparticle.com/v2',
  au1: 'https://s2s.au1.mparticle.com/v2',
});

/** The Events API base URL used when neither `apiUrl`, `pod` nor `partnerFeed` is set. */
export const MPARTICLE_DEFAULT_API_URL = 'https://s2s.mparticle.com/v2';

/** The base URL partner feeds post to (`partnerFeed: true`). */
export const MPARTICLE_PARTNER_FEED_URL = 'https://inbound.mparticle.com/s2s/v2';

/**
 * mParticle's documented Events API limits. Sizes are in bytes; "256kb"/"128kb" are read as
 * decimal kilobytes, the smaller reading, so a request we build is never over either reading.
 */
export const MPARTICLE_LIMITS = {
  /** Batches in one `/bulkevents` request. */
  batchesPerRequest: 100,
  /** Bytes of one request body. */
  requestBytes: 256_000,
  /** Bytes of one batch. */
  batchBytes: 128_000,
  /** Characters of an `event_name`. */
  eventNameChars: 256,
  /** User attributes in one batch. */
  userAttributesPerBatch: 100,
  /** Custom attributes of one event. */
  customAttributesPerEvent: 100,
  /** Characters of an attribute name (user or custom attribute). */
  attributeNameChars: 256,
  /** Characters of an attribute value. */
  attributeValueChars: 4096,
  /** Entries of a list-valued user attribute. */
  listEntries: 1000,
  /** Characters of one entry of a list-valued user attribute. */
  listEntryChars: 512,
  /** Batches per second an account may send by default; more gets HTTP 429. */
  defaultBatchesPerSecond: 270,
} as const;

/**
 * mParticle's reserved user attributes in their canonical spelling, keyed by lower case. mParticle's
 * docs spell them both ways (`$FirstName` and `$firstname`); we send the SDK spelling.
 */
export const MPARTICLE_RESERVED_USER_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({
  $age: '$Age',
  $gender: '$Gender',
  $country: '$Country',
  $zip: '$Zip',
  $city: '$City',
  $state: '$State',
  $address: '$Address',
  $firstname: '$FirstName',
  $lastname: '$LastName',
  $mobile: '$Mobile',
});

/** How a loyalty action is sent as an mParticle `custom_event`. */
export interface MParticleExternalEvent {
  /**
   * The `event_name` (at most 256 characters).
   * @default the loyalty action, e.g. `point_add`
   */
  name?: string;
  /** The `custom_event_type`. */
  customEventType: MParticleCustomEventType;
}

/** The `outbound` section of `MParticleFeed`'s options: where and what the feed sends. */
export interface MParticleOutboundOptions {
  /** The feed's server-to-server key (HTTP Basic user name). Registered as a secret. */
  apiKey: string;
  /** The feed's server-to-server secret (HTTP Basic password). Registered as a secret. */
  apiSecret: string;
  /**
   * Events API base URL; any URL for tests. Cannot be combined with `pod` or `partnerFeed`.
   * @default 'https://s2s.mparticle.com/v2'
   */
  apiUrl?: string;
  /** The data pod whose Events API host to use: `us1`, `us2`, `eu1` or `au1`. */
  pod?: MParticlePod;
  /**
   * Post to the partner-feed host `https://inbound.mparticle.com/s2s/v2`, as a partner integration
   * (Antavo's feed) does.
   * @default false
   */
  partnerFeed?: boolean;
  /**
   * `'development'` keeps the data apart from production in mParticle (the feed's Development
   * checkbox).
   * @default 'production'
   */
  environment?: 'production' | 'development';
  /**
   * The customer attribute that identifies the member in mParticle, or `'id'` for the loyalty
   * engine's own customer ID.
   * @default 'id'
   */
  loyaltyIdentifierField?: string;
  /**
   * The mParticle user identity the member's identifier fills.
   * @default 'customer_id'
   */
  identity?: MParticleIdentityType;
  /**
   * When true only the configured `identity` is sent; when false the customer's `email` attribute is
   * sent as the `email` identity too.
   * @default false
   */
  syncOnlyConfiguredIdentifiers?: boolean;
  /**
   * Loyalty customer field → mParticle user attribute (at most 100). Reserved attributes (`$age`,
   * `$gender`, `$country`, `$zip`, `$city`, `$state`, `$address`, `$firstname`, `$lastname`,
   * `$mobile`) are accepted in any case and sent as `$Age`, `$FirstName`, …; any other name is a
   * custom attribute (prefix them, e.g. `antavo_tier`). Only mapped fields are synced.
   * @default {}
   */
  fieldMapping?: Record<string, string>;
  /**
   * Loyalty action → the `custom_event` it becomes. Only associated actions are sent; `trackEvent`
   * skips the rest.
   * @default {}
   */
  externalEvents?: Record<string, MParticleExternalEvent>;
}

/** The outbound configuration as parsed: defaults filled, URL resolved, names canonical. */
export interface MParticleOutboundConfig extends MParticleMappingConfig {
  /** Events API base URL, without a trailing slash. */
  apiUrl: string;
  /** Server-to-server key. */
  apiKey: string;
  /** Server-to-server secret. */
  apiSecret: string;
}

/** The part of the configuration the pure mapping functions read (no credentials). */
export interface MParticleMappingConfig {
  /** `environment` of every batch. */
  environment: 'production' | 'development';
  /** Customer attribute (or `'id'`) holding the member's identifier. */
  loyaltyIdentifierField: string;
  /** The identity the identifier fills. */
  identity: MParticleIdentityType;
  /** Whether the email identity is left out. */
  syncOnlyConfiguredIdentifiers: boolean;
  /** Loyalty field → mParticle user attribute, reserved names in canonical spelling. */
  fieldMapping: Readonly<Record<string, string>>;
  /** Loyalty action → event name and type. */
  externalEvents: Readonly<Record<string, MParticleEventSpec>>;
}

/** How an associated loyalty action is sent, once parsed. */
export interface MParticleEventSpec {
  /** The `event_name`. */
  name: string;
  /** The `custom_event_type`. */
  customEventType: MParticleCustomEventType;
}

const nonEmpty = (what: string) => z.string({ message: `expected ${what}` }).trim().min(1, { message: `expected ${what}` });

const attributeName = z
  .string()
  .min(1, { message: 'expected a non-empty mParticle attribute name' })
  .max(MPARTICLE_LIMITS.attributeNameChars, { message: `expected at most ${MPARTICLE_LIMITS.attributeNameChars} characters` });

const outboundOptionsObject = z
  .object({
    apiKey: nonEmpty('the feed\'s server-to-server key (a non-empty string)'),
    apiSecret: nonEmpty('the feed\'s server-to-server secret (a non-empty string)'),
    apiUrl: z.url({ protocol: /^https?$/, message: 'expected an http(s) URL' }).optional(),
    pod: z.enum(Object.keys(MPARTICLE_POD_URLS) as [MParticlePod, ...MParticlePod[]]).optional(),
    partnerFeed: z.boolean().optional(),
    environment: z.enum(['production', 'development']).default('production'),
    loyaltyIdentifierField: nonEmpty("a customer attribute name or 'id'").default('id'),
    identity: z.enum(MPARTICLE_IDENTITY_TYPES).default('customer_id'),
    syncOnlyConfiguredIdentifiers: z.boolean().default(false),
    fieldMapping: z
      .record(z.string().min(1, { message: 'expected a non-empty loyalty field name' }), attributeName)
      .refine((m) => Object.keys(m).length <= MPARTICLE_LIMITS.userAttributesPerBatch, {
        message: `expected at most ${MPARTICLE_LIMITS.userAttributesPerBatch} mapped fields (mParticle's user attributes per batch)`,
      })
      .default({}),
    externalEvents: z
      .record(
        z.string().min(1, { message: 'expected a non-empty loyalty action' }),
        z
          .object({
            name: z
              .string()
              .trim()
              .min(1, { message: 'expected a non-empty event name' })
              .max(MPARTICLE_LIMITS.eventNameChars, { message: `expected at most ${MPARTICLE_LIMITS.eventNameChars} characters` })
              .optional(),
            customEventType: z.enum(MPARTICLE_CUSTOM_EVENT_TYPES),
          })
          .strict(),
      )
      .default({}),
  })
  .strict();

/** {@link MParticleOutboundOptions} as the schema returns them: defaults filled in. */
export type ParsedMParticleOutboundOptions = MParticleOutboundOptions &
  Required<Pick<MParticleOutboundOptions, 'environment' | 'loyaltyIdentifierField' | 'identity' | 'syncOnlyConfiguredIdentifiers' | 'fieldMapping' | 'externalEvents'>>;

/**
 * zod schema of {@link MParticleOutboundOptions} (field checks only; the cross-field checks and the
 * URL resolution are in {@link parseMParticleOutboundOptions}, which is what to call).
 */
export const mparticleOutboundOptionsSchema: z.ZodType<ParsedMParticleOutboundOptions, MParticleOutboundOptions> = outboundOptionsObject;

/**
 * The canonical spelling of a user attribute name: a reserved attribute in any case becomes
 * mParticle's spelling (`$firstname` → `$FirstName`); any other name is returned unchanged.
 */
export function canonicalUserAttributeName(name: string): string {
  return MPARTICLE_RESERVED_USER_ATTRIBUTES[name.toLowerCase()] ?? name;
}

/**
 * Validates the `outbound` options and resolves them into an {@link MParticleOutboundConfig}.
 * `option` prefixes option paths in errors.
 *
 * @throws {@link ConfigurationError} naming the offending option: a missing key or secret, an
 * `apiUrl` combined with `pod` or `partnerFeed`, an unknown pod, identity, environment or
 * `customEventType`, an attribute name over 256 characters, more than 100 mapped fields, or two
 * fields mapped to the same mParticle attribute.
 */
export function parseMParticleOutboundOptions(input: unknown, option = 'outbound'): MParticleOutboundConfig {
  const parsed = parseOptions('MParticleFeed', z.object({ [option]: mparticleOutboundOptionsSchema }), { [option]: input })[option]!;
  const chosen = [parsed.apiUrl && 'apiUrl', parsed.pod && 'pod', parsed.partnerFeed && 'partnerFeed'].filter(Boolean);
  if (chosen.length > 1) {
    throw new ConfigurationError(`MParticleFeed: set only one of ${option}.apiUrl, ${option}.pod and ${option}.partnerFeed (received ${chosen.join(' and ')})`, {
      option: `${option}.${chosen[1]}`,
    });
  }
  const apiUrl = (parsed.apiUrl ?? (parsed.pod ? MPARTICLE_POD_URLS[parsed.pod] : parsed.partnerFeed ? MPARTICLE_PARTNER_FEED_URL : MPARTICLE_DEFAULT_API_URL)).replace(/\/+$/, '');
  const fieldMapping: Record<string, string> = {};
  const mappedFrom = new Map<string, string>();
  for (const [field, attribute] of Object.entries(parsed.fieldMapping)) {
    const canonical = canonicalUserAttributeName(attribute);
    const other = mappedFrom.get(canonical.toLowerCase());
    if (other !== undefined) {
      throw new ConfigurationError(`MParticleFeed: ${option}.fieldMapping maps both '${other}' and '${field}' to the mParticle attribute '${canonical}'`, {
        option: `${option}.fieldMapping.${field}`,
      });
    }
    mappedFrom.set(canonical.toLowerCase(), field);
    fieldMapping[field] = canonical;
  }
  const externalEvents: Record<string, MParticleEventSpec> = {};
  for (const [action, spec] of Object.entries(parsed.externalEvents)) {
    const name = spec.name ?? action;
    if (name.length > MPARTICLE_LIMITS.eventNameChars) {
      throw new ConfigurationError(
        `MParticleFeed: ${option}.externalEvents.${action}: the event name defaults to the action, which is over ${MPARTICLE_LIMITS.eventNameChars} characters; set 'name'`,
        { option: `${option}.externalEvents.${action}.name` },
      );
    }
    externalEvents[action] = { name, customEventType: spec.customEventType };
  }
  return {
    apiUrl,
    apiKey: parsed.apiKey,
    apiSecret: parsed.apiSecret,
    environment: parsed.environment,
    loyaltyIdentifierField: parsed.loyaltyIdentifierField,
    identity: parsed.identity,
    syncOnlyConfiguredIdentifiers: parsed.syncOnlyConfiguredIdentifiers,
    fieldMapping: Object.freeze(fieldMapping),
    externalEvents: Object.freeze(externalEvents),
  };
}

/** A user attribute value as mParticle stores it: a scalar, `null` (a tag), or a list of strings. */
export type MParticleUserAttributeValue = string | number | boolean | null | string[];

/** A `custom_attributes` value: scalars only. */
export type MParticleCustomAttributeValue = string | number | boolean;

/** The `user_identities` object of a batch. */
export type MParticleUserIdentities = Partial<Record<MParticleIdentityType, string>>;

/** A `custom_event` in a batch's `events`, in the Events API's `{ event_type, data }` wrapper. */
export interface MParticleCustomEvent {
  /** Always `custom_event`. */
  event_type: 'custom_event';
  /** The event. */
  data: {
    /** Event name, at most 256 characters. */
    event_name: string;
    /** Event category. */
    custom_event_type: MParticleCustomEventType;
    /** Scalar attributes. */
    custom_attributes?: Record<string, MParticleCustomAttributeValue>;
    /** When it happened, epoch milliseconds. */
    timestamp_unixtime_ms: number;
    /** A UUID per event. */
    source_message_id: string;
  };
}

/** One Events API batch: one user, its identities, attributes and events. */
export interface MParticleBatch {
  /** `production` or `development`. */
  environment: 'production' | 'development';
  /** mParticle deduplicates requests on it; the same for every resend of the batch. */
  source_request_id: string;
  /** Who the batch is about. */
  user_identities: MParticleUserIdentities;
  /** Attributes to set. */
  user_attributes?: Record<string, MParticleUserAttributeValue>;
  /** Attributes to remove. */
  deleted_user_attributes?: string[];
  /** Events. */
  events?: MParticleCustomEvent[];
}

// Compile-time check that the hand-written options interface matches what the schema accepts.
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const inputMatches: Equal<z.input<typeof outboundOptionsObject>, MParticleOutboundOptions> = true;
const outputMatches: Equal<z.output<typeof outboundOptionsObject>, ParsedMParticleOutboundOptions> = true;
void inputMatches;
void outputMatches;
