import { z } from 'zod';
import { ValidationError } from '../../core/errors.js';
import { describe, type UserIdField } from '../../core/model.js';
import { deliveryOptionsShape, type DeliveryOptions } from '../../core/options.js';

/** A Regional Segment data-processing region. */
export type SegmentRegion = 'us' | 'eu';

/**
 * The Integrations object of a Segment call: destination names (case-sensitive, e.g.
 * `Salesforce (Actions)`, or `All`) mapped to `true`/`false` or to destination-specific options.
 */
export type SegmentIntegrations = Record<string, boolean | Record<string, unknown>>;

/**
 * What the pure mappings need to know: the parts of {@link SegmentOutboundOptions} that shape a
 * call. Pass the same object you give `SegmentOutbound` to test a configuration in isolation.
 */
export interface SegmentMappingOptions {
  /**
   * Which customer ID becomes `userId`: `'id'` (the loyalty engine's ID) or the name of the customer
   * attribute holding the external customer ID.
   * @default 'id'
   */
  userIdField?: UserIdField;
  /**
   * Loyalty actions sent as `track` calls: `'all'` or a list such as `['point_add', 'checkout']`.
   * Events with other actions are skipped (not an error).
   * @default 'all'
   */
  events?: 'all' | readonly string[];
  /**
   * Customer attributes synced into `identify` traits. Only these go out; nothing else of the
   * profile ever does, so personal data is sent only when named here.
   * @default [] (no traits: `updateProfile` sends nothing until fields are chosen)
   */
  customerFields?: readonly string[];
  /**
   * The Integrations object of every call, merged over {@link DEFAULT_INTEGRATIONS} (your keys win).
   * The defaults turn off the destinations that would send the data back into the loyalty engine.
   * @default {@link DEFAULT_INTEGRATIONS}
   */
  integrations?: SegmentIntegrations;
}

/** Options of `SegmentOutbound`. */
export interface SegmentOutboundOptions extends SegmentMappingOptions, DeliveryOptions {
  /**
   * The write key of the Segment source (Connections › Sources › your source › Settings › API
   * Keys). Registered as a secret: it never appears in a log record or an error message.
   */
  writeKey: string;
  /**
   * The region of the Segment workspace. A write key used against the other region's endpoint is
   * rejected or, worse, accepted and silently lost, so this must match the workspace.
   * @default 'us'
   */
  region?: SegmentRegion;
  /**
   * Base URL that replaces the region's (a proxy, a test server); `/v1/batch` is appended, so
   * give it without `/v1`.
   * @default the region's URL: `https://api.segment.io` (us), `https://events.eu1.segmentapis.com` (eu)
   */
  endpoint?: string;
}

const integrationValue = z.union([z.boolean(), z.record(z.string(), z.unknown())]);

/** zod schema of {@link SegmentOutboundOptions}; unknown options are refused, so typos surface. */
export const segmentOutboundOptionsSchema = z
  .object({
    writeKey: z
      .string({ error: 'expected the source write key (a string)' })
      .min(1, 'expected a non-empty write key')
      .refine((key) => key.trim() === key, 'expected a write key without leading or trailing spaces'),
    region: z.enum(['us', 'eu']).optional(),
    endpoint: z
      .url({ protocol: /^https?$/, error: 'expected an http(s) base URL' })
      .refine((url) => !/\/v1(\/batch)?\/?$/.test(url), 'expected the base URL without /v1 or /v1/batch (it is appended)')
      .optional(),
    userIdField: z.string().min(1).optional(),
    events: z.union([z.literal('all'), z.array(z.string().min(1))]).optional(),
    customerFields: z.array(z.string().min(1)).optional(),
    integrations: z.record(z.string(), integrationValue).optional(),
    ...deliveryOptionsShape,
  })
  .strict();

/**
 * The most characters Segment keeps of a `messageId`.
 */
export const MAX_MESSAGE_ID_LENGTH = 100;

/** Names the library that sent a call (`context.library`). */
export interface SegmentLibrary {
  /** Package name: `loyalty-cdp`. */
  name: string;
  /** Package version. */
  version: string;
}

/** The `context` object of every call this SDK sends. */
export interface SegmentContext {
  /** This SDK, so that `SegmentInbound` recognises (and ignores) its own calls. */
  library: SegmentLibrary;
}

/** The fields every call this SDK sends to Segment carries. */
interface SegmentCallBase {
  /** Idempotency key: Segment drops a second call with the same value. At most 100 characters. */
  messageId: string;
  /** The customer ID from `userIdField`. */
  userId: string;
  /** When it happened, ISO-8601 UTC. */
  timestamp: string;
  /** Names this SDK, so that `SegmentInbound` recognises (and ignores) its own calls. */
  context: SegmentContext;
  /** Which destinations receive the call. */
  integrations: SegmentIntegrations;
}

/** A `track` call as sent in a `/v1/batch` body: one loyalty event. */
export interface SegmentTrackCall extends SegmentCallBase {
  /** Discriminator. */
  type: 'track';
  /** The loyalty action, e.g. `point_add`. */
  event: string;
  /** The event's data. */
  properties: Record<string, unknown>;
}

/** An `identify` call as sent in a `/v1/batch` body: one profile update. */
export interface SegmentIdentifyCall extends SegmentCallBase {
  /** Discriminator. */
  type: 'identify';
  /** The synced customer fields. */
  traits: Record<string, unknown>;
}

/** Either call. */
export type SegmentCall = SegmentTrackCall | SegmentIdentifyCall;

/**
 * Checks what Segment would otherwise accept with a 200 and silently drop: a `userId`, an `event`
 * on a track, a `messageId` of at most 100 characters, object `properties`/`traits`.
 *
 * @throws {@link ValidationError} naming the offending field.
 */
export function assertSegmentCall(call: SegmentCall): void {
  if (typeof call.userId !== 'string' || call.userId === '') {
    throw new ValidationError({ path: 'userId', expected: 'a non-empty string', received: describe(call.userId) });
  }
  if (typeof call.messageId !== 'string' || call.messageId === '' || call.messageId.length > MAX_MESSAGE_ID_LENGTH) {
    throw new ValidationError({
      path: 'messageId',
      expected: `a string of 1 to ${MAX_MESSAGE_ID_LENGTH} characters`,
      received: describe(call.messageId),
    });
  }
  if (call.type === 'track') {
    if (typeof call.event !== 'string' || call.event.trim() === '') {
      throw new ValidationError({ path: 'event', expected: 'a non-empty event name', received: describe(call.event) });
    }
    if (!isPlainObject(call.properties)) {
      throw new ValidationError({ path: 'properties', expected: 'an object', received: describe(call.properties) });
    }
  } else if (!isPlainObject(call.traits)) {
    throw new ValidationError({ path: 'traits', expected: 'an object', received: describe(call.traits) });
  }
}

/** True for `{}`-style objects (not arrays, dates, class instances or null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
