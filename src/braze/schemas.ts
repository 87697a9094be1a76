import { z } from 'zod';
import { ConfigurationError } from '../core/errors.js';
import type { UserIdField } from '../core/model.js';
import { deliveryOptionsShape, parseOptions, type DeliveryOptions } from '../core/options.js';
import {
  BRAZE_CONTROL_KEYS,
  BRAZE_IDENTIFIER_FIELDS,
  BRAZE_STANDARD_FIELDS,
  isBrazeStandardField,
  isStandardFieldName,
  nameProblem,
  type BrazeStandardField,
} from './fields.js';

/**
 * Where a loyalty field goes in Braze: a custom attribute name, or `{ standard: 'first_name' }` to
 * write one of Braze's standard profile fields on purpose.
 */
export type BrazeFieldTarget = string | BrazeStandardFieldTarget;

/** A field mapping target that writes one of Braze's standard profile fields on purpose. */
export interface BrazeStandardFieldTarget {
  /** The standard profile field, e.g. `first_name`, `dob`, `email_subscribe`. */
  standard: BrazeStandardField;
}

/**
 * Which loyalty actions become Braze purchases, and where an event's data holds the purchase
 * fields. One purchase object is sent per item.
 */
export interface BrazePurchaseOptions {
  /** Loyalty actions that become purchases, e.g. `['checkout']`. */
  actions: readonly string[];
  /**
   * Key of `event.data` that holds the array of items; `false` when `event.data` itself is the one
   * item (a single-product action).
   * @default 'items'
   */
  items?: string | false;
  /**
   * Item key of the product ID (a string or number, at most 255 characters).
   * @default 'product_id'
   */
  productId?: string;
  /**
   * Item key of the unit price, in the currency's base unit (dollars, not cents).
   * @default 'price'
   */
  price?: string;
  /**
   * Item key of the quantity; a missing quantity is 1. Braze takes at most 100 per purchase
   * object, so a larger quantity is split into several purchases of the same product.
   * @default 'quantity'
   */
  quantity?: string;
  /**
   * Key of the ISO 4217 currency code, looked up on the item first, then on `event.data`.
   * @default 'currency'
   */
  currency?: string;
  /** Currency used when neither the item nor the event data names one. Default: none (an error). */
  defaultCurrency?: string;
}

/** Options of {@link BrazeSync}. Validated when the connector is constructed. */
export interface BrazeSyncOptions extends DeliveryOptions {
  /**
   * The Braze REST endpoint of the customer's instance, e.g. `https://rest.iad-01.braze.com` or
   * `https://rest.fra-01.braze.eu` (Settings › APIs and Identifiers). Any https URL is accepted (a
   * trailing slash is removed); plain http only for a loopback host, for local stand-ins.
   */
  instanceUrl: string;
  /**
   * REST API key, sent as a Bearer token. Needs the permissions `users.track` (sync) and
   * `events.list` (`connect()`); the Antavo-style setup also grants `events.data_series` and
   * `events.get`. Registered as a secret: it never reaches a log record or an error message.
   */
  apiKey: string;
  /** The Braze app identifier, sent as `app_id` on events and purchases. Default: not sent. */
  appId?: string;
  /**
   * Which customer ID becomes Braze's `external_id`: `'id'` or the name of a customer attribute.
   * @default 'id'
   */
  userIdField?: UserIdField;
  /**
   * Loyalty field (a key of `customer.attributes`) → Braze custom attribute, the "Sync Fields"
   * page. A remote name that is a Braze standard profile field (in any letter case), starts with
   * `$`, contains whitespace or is longer than 255 characters is refused, unless the target is
   * `{ standard: '<field>' }`, which writes that standard field on purpose.
   * @default {}
   */
  fieldMapping?: Readonly<Record<string, BrazeFieldTarget>>;
  /**
   * Loyalty actions that become Braze custom events (named after the action): `'all'` (every
   * action not configured as a purchase) or a list. A purchase action listed here explicitly
   * produces both the purchases and an event.
   * @default 'all'
   */
  events?: 'all' | readonly string[];
  /** Loyalty actions that become purchases, and how to read them. Default: no purchases. */
  purchases?: BrazePurchaseOptions;
  /**
   * Most objects per `/users/track` request: in total across attributes, events and purchases, or
   * per array with `legacyLimits`.
   * @default 75
   */
  objectsPerRequest?: number;
  /**
   * The account has Braze's legacy rate limits: `objectsPerRequest` applies to each of the three
   * arrays separately (up to 225 objects per request).
   * @default false
   */
  legacyLimits?: boolean;
  /**
   * Send only the mapped fields that changed (one attributes object per field) instead of every
   * mapped field on each change. Saves data points on contracts billed per data point; Braze no
   * longer gets the whole mapped picture on every change.
   * @default false
   */
  onlyChanged?: boolean;
  /**
   * Retry events and purchases whose outcome is unknown (a timeout after the request was sent, a
   * 504). Braze stores a replayed event twice, so `false` dead-letters them instead; attribute
   * snapshots are always retried, since repeating them is harmless.
   * @default true
   */
  retryAmbiguous?: boolean;
}

/** One entry of `fieldMapping`, resolved and checked at construction. */
export interface BrazeFieldMapping {
  /** Key of `customer.attributes` (or `id` for the customer ID). */
  loyaltyField: string;
  /** Braze attribute name. */
  brazeName: string;
  /** Whether `brazeName` is a Braze standard profile field. */
  standard: boolean;
}

/** {@link BrazePurchaseOptions} with every default filled in. */
export interface ResolvedBrazePurchaseOptions {
  /** Loyalty actions that become purchases. */
  actions: readonly string[];
  /** Key of `event.data` holding the items, or `false` for the data itself. */
  items: string | false;
  /** Item key of the product ID. */
  productId: string;
  /** Item key of the unit price. */
  price: string;
  /** Item key of the quantity. */
  quantity: string;
  /** Key of the currency code, on the item or the event data. */
  currency: string;
  /** Upper-case currency used when none is given, if configured. */
  defaultCurrency?: string;
}

const fieldTargetSchema = z.union([
  z.string(),
  z.object({ standard: z.enum(BRAZE_STANDARD_FIELDS) }).strict(),
]);

const purchaseSchema = z
  .object({
    actions: z.array(z.string().min(1)).min(1),
    items: z.union([z.string().min(1), z.literal(false)]).optional(),
    productId: z.string().min(1).optional(),
    price: z.string().min(1).optional(),
    quantity: z.string().min(1).optional(),
    currency: z.string().min(1).optional(),
    defaultCurrency: z.string().regex(/^[A-Za-z]{3}$/, 'expected a 3-letter ISO 4217 currency code').optional(),
  })
  .strict();

/** zod schema of {@link BrazeSyncOptions}. */
export const brazeSyncOptionsSchema = z
  .object({
    ...deliveryOptionsShape,
    instanceUrl: z.string().min(1, 'expected the Braze REST endpoint URL'),
    apiKey: z.string().min(1, 'expected the Braze REST API key'),
    appId: z.string().min(1).optional(),
    userIdField: z.string().min(1).optional(),
    fieldMapping: z.record(z.string().min(1), fieldTargetSchema).optional(),
    events: z.union([z.literal('all'), z.array(z.string().min(1))]).optional(),
    purchases: purchaseSchema.optional(),
    objectsPerRequest: z.number().int().min(1).max(75, 'Braze takes at most 75 objects per request (per array with legacyLimits)').optional(),
    legacyLimits: z.boolean().optional(),
    onlyChanged: z.boolean().optional(),
    retryAmbiguous: z.boolean().optional(),
  })
  .strict();

/** The options of {@link BrazeSync} after validation, with defaults filled in. */
export interface ResolvedBrazeSyncOptions {
  /** Base REST URL without a trailing slash. */
  instanceUrl: string;
  /** REST API key. */
  apiKey: string;
  /** App identifier, when configured. */
  appId: string | undefined;
  /** Customer ID source. */
  userIdField: UserIdField;
  /** Field mapping entries in declaration order. */
  fields: BrazeFieldMapping[];
  /** `'all'` or the set of actions sent as custom events. */
  events: 'all' | ReadonlySet<string>;
  /** Purchase settings, when purchases are configured. */
  purchases: ResolvedBrazePurchaseOptions | undefined;
  /** Objects per request (per array with `legacyLimits`). */
  objectsPerRequest: number;
  /** Legacy per-array limits. */
  legacyLimits: boolean;
  /** Send only changed fields. */
  onlyChanged: boolean;
  /** Retry events and purchases with an unknown outcome. */
  retryAmbiguous: boolean;
}

/**
 * Validates `input` and fills in defaults.
 *
 * @throws {@link ConfigurationError} naming the offending option: a missing or malformed
 * `instanceUrl` or `apiKey`, a field mapping onto a reserved name, an unknown option.
 */
export function parseBrazeSyncOptions(input: unknown): { resolved: ResolvedBrazeSyncOptions; delivery: DeliveryOptions } {
  const options = parseOptions('BrazeSync', brazeSyncOptionsSchema, input);
  const purchases = options.purchases;
  return {
    delivery: options as DeliveryOptions,
    resolved: {
      instanceUrl: normaliseInstanceUrl(options.instanceUrl),
      apiKey: options.apiKey,
      appId: options.appId,
      userIdField: options.userIdField ?? 'id',
      fields: resolveFieldMapping(options.fieldMapping ?? {}),
      events: options.events === undefined || options.events === 'all' ? 'all' : new Set(options.events),
      purchases: purchases && {
        actions: purchases.actions,
        items: purchases.items ?? 'items',
        productId: purchases.productId ?? 'product_id',
        price: purchases.price ?? 'price',
        quantity: purchases.quantity ?? 'quantity',
        currency: purchases.currency ?? 'currency',
        ...(purchases.defaultCurrency ? { defaultCurrency: purchases.defaultCurrency.toUpperCase() } : {}),
      },
      objectsPerRequest: options.objectsPerRequest ?? 75,
      legacyLimits: options.legacyLimits ?? false,
      onlyChanged: options.onlyChanged ?? false,
      retryAmbiguous: options.retryAmbiguous ?? true,
    },
  };
}

/**
 * Checks and normalises the Braze REST endpoint: https (http only for loopback hosts), no query,
 * fragment or credentials, trailing slashes removed.
 *
 * @throws {@link ConfigurationError} with option `instanceUrl`.
 */
export function normaliseInstanceUrl(raw: string): string {
  const fail = (why: string) =>
    new ConfigurationError(`BrazeSync: invalid option 'instanceUrl': ${why}; expected the REST endpoint of your Braze instance, e.g. https://rest.iad-01.braze.com or https://rest.fra-01.braze.eu`, { option: 'instanceUrl' });
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw fail('not a URL');
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) throw fail(`${url.protocol}// is not allowed (https only, http for loopback hosts)`);
  if (url.username || url.password) throw fail('credentials in the URL are not allowed (pass apiKey)');
  if (url.search || url.hash) throw fail('a query string or fragment is not allowed');
  if (/^dashboard/i.test(url.hostname)) throw fail(`${url.hostname} is a dashboard host, not the REST endpoint`);
  const path = url.pathname.replace(/\/+$/, '');
  if (/\/users\/track$/.test(path)) throw fail('give the base endpoint, without /users/track');
  return `${url.origin}${path}`;
}

/**
 * Resolves `fieldMapping` into entries, refusing remote names that would collide with Braze's
 * standard profile fields, start with `$`, contain whitespace, or are used twice.
 *
 * @throws {@link ConfigurationError} with option `fieldMapping.<loyalty field>`.
 */
export function resolveFieldMapping(mapping: Readonly<Record<string, BrazeFieldTarget>>): BrazeFieldMapping[] {
  const seen = new Map<string, string>();
  return Object.entries(mapping).map(([loyaltyField, target]) => {
    const option = `fieldMapping.${loyaltyField}`;
    const fail = (why: string) => new ConfigurationError(`BrazeSync: invalid option '${option}': ${why}`, { option });
    let entry: BrazeFieldMapping;
    if (typeof target === 'string') {
      const problem = nameProblem(target);
      if (problem) throw fail(`'${target}' is ${problem}; Braze custom attribute names need 1-255 characters, no whitespace and no leading "$"`);
      if (isStandardFieldName(target) || BRAZE_CONTROL_KEYS.has(target)) {
        const standard = isBrazeStandardField(target.toLowerCase()) && !BRAZE_IDENTIFIER_FIELDS.has(target.toLowerCase());
        throw fail(
          `'${target}' collides with Braze's reserved field '${target.toLowerCase()}'` +
            (standard ? `; to write that standard profile field on purpose, map it as { standard: '${target.toLowerCase()}' }, otherwise pick a custom name such as 'loyalty_${target.toLowerCase()}'` : `; pick a custom name such as 'loyalty_${target.toLowerCase()}'`),
        );
      }
      entry = { loyaltyField, brazeName: target, standard: false };
    } else {
      if (BRAZE_IDENTIFIER_FIELDS.has(target.standard)) {
        throw fail(`'${target.standard}' identifies the Braze profile and cannot be mapped; external_id comes from userIdField`);
      }
      entry = { loyaltyField, brazeName: target.standard, standard: true };
    }
    const earlier = seen.get(entry.brazeName);
    if (earlier !== undefined) throw fail(`'${entry.brazeName}' is already the target of '${earlier}'`);
    seen.set(entry.brazeName, loyaltyField);
    return entry;
  });
}

/** One per-object error of a `/users/track` answer. */
export const brazeTrackErrorSchema = z.object({
  type: z.string().optional(),
  input_array: z.string().optional(),
  index: z.number().int().optional(),
});

/** The JSON body of a `/users/track` answer. */
export const brazeTrackResponseSchema = z.object({
  message: z.string().optional(),
  errors: z.array(z.unknown()).optional(),
});

/** The JSON body of a `/events/list` answer. */
export const brazeEventListResponseSchema = z.object({
  events: z.array(z.string()),
  message: z.string().optional(),
});
