import type { Destination, ItemResult } from '../core/delivery.js';
import type { LeasedMessage } from '../core/store.js';
import type { TransportResponse } from '../core/transport.js';
import { brazeTrackErrorSchema, brazeTrackResponseSchema } from './schemas.js';

/** The kind of a queued Braze message: one object of one of the three `/users/track` arrays. */
export type BrazeMessageKind = 'attributes' | 'event' | 'purchase';

/** The `/users/track` array each message kind goes into. */
export const BRAZE_ARRAY_OF: Readonly<Record<BrazeMessageKind, 'attributes' | 'events' | 'purchases'>> = {
  attributes: 'attributes',
  event: 'events',
  purchase: 'purchases',
};

const ARRAYS = ['attributes', 'events', 'purchases'] as const;

const DELIVERED: ItemResult = Object.freeze({ ok: true });

/** Braze refuses bodies over 4 MB with a 413; decimal megabytes keep a margin. */
export const BRAZE_MAX_REQUEST_BYTES = 4_000_000;

/** The bytes a body takes besides its objects, with all three arrays present. */
const ENVELOPE_BYTES = '{"attributes":[],"events":[],"purchases":[]}'.length;

/** How a {@link brazeDestination} is set up. */
export interface BrazeDestinationConfig {
  /** Base REST URL, without a trailing slash. */
  instanceUrl: string;
  /** REST API key. */
  apiKey: string;
  /** Objects per request, in total or per array with `legacyLimits`. */
  objectsPerRequest: number;
  /** Count `objectsPerRequest` per array (Braze's legacy rate limits). */
  legacyLimits: boolean;
  /** Retry events and purchases whose outcome is unknown. */
  retryAmbiguous: boolean;
}

function arrayOf(kind: string): 'attributes' | 'events' | 'purchases' {
  return BRAZE_ARRAY_OF[kind as BrazeMessageKind] ?? 'events';
}

/**
 * Groups a batch into the three `/users/track` arrays, keeping order within each; returns for each
 * array the batch positions of its objects, so answers can be matched by (`input_array`, `index`).
 */
export function groupByArray(batch: readonly Pick<LeasedMessage, 'kind'>[]): Record<'attributes' | 'events' | 'purchases', number[]> {
  const positions = { attributes: [] as number[], events: [] as number[], purchases: [] as number[] };
  batch.forEach((message, i) => positions[arrayOf(message.kind)].push(i));
  return positions;
}

/**
 * Reads per-object outcomes from a `/users/track` answer. A 2xx whose `errors` name
 * (`input_array`, `index`) fails exactly those objects, permanently (Braze found them invalid);
 * the others are delivered. A 2xx whose `message` is not `"success"` fails every object not
 * otherwise marked. Non-2xx answers are left to the core's status rules.
 */
export function interpretBrazeTrackResponse(response: TransportResponse, batch: readonly Pick<LeasedMessage, 'kind'>[]): ItemResult[] | undefined {
  if (response.status < 200 || response.status >= 300) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    return undefined;
  }
  const parsed = brazeTrackResponseSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const { message, errors = [] } = parsed.data;
  // One shared, frozen "delivered" result: the core only rewrites failed ones.
  const results: ItemResult[] = new Array<ItemResult>(batch.length).fill(DELIVERED);
  const positions = errors.length > 0 ? groupByArray(batch) : undefined;
  for (const raw of errors) {
    const entry = brazeTrackErrorSchema.safeParse(raw);
    if (!entry.success) continue;
    const { input_array: array, index, type } = entry.data;
    const position = array && index !== undefined && (ARRAYS as readonly string[]).includes(array) ? positions![array as (typeof ARRAYS)[number]][index] : undefined;
    if (position === undefined) continue;
    results[position] = { ok: false, retryable: false, error: `Braze rejected ${array}[${index}]: ${type ?? 'no reason given'}` };
  }
  if (message !== undefined && message !== 'success') {
    for (let i = 0; i < results.length; i++) {
      if (results[i]!.ok) results[i] = { ok: false, retryable: false, error: `Braze answered ${response.status} with message: ${message.slice(0, 300)}` };
    }
  }
  return results;
}

/**
 * The delivery core's view of Braze `POST /users/track`: one queued message is one object; a
 * request carries at most `objectsPerRequest` objects (in total, or per array in legacy mode) and
 * 4 MB; 429 waits for `X-Ratelimit-Retry-After`, `Retry-After` or `X-RateLimit-Reset`.
 */
export function brazeDestination(config: BrazeDestinationConfig): Destination {
  const n = config.objectsPerRequest;
  const headers = {
    authorization: `Bearer ${config.apiKey}`,
    'content-type': 'application/json',
    accept: 'application/json',
  };
  return {
    connector: 'braze',
    limits: config.legacyLimits
      ? { maxItems: 3 * n, maxBytes: BRAZE_MAX_REQUEST_BYTES, envelopeBytes: ENVELOPE_BYTES, perKind: { attributes: n, event: n, purchase: n } }
      : { maxItems: n, maxBytes: BRAZE_MAX_REQUEST_BYTES, envelopeBytes: ENVELOPE_BYTES },
    buildRequest(batch) {
      const bodies = { attributes: [] as string[], events: [] as string[], purchases: [] as string[] };
      for (const message of batch) bodies[arrayOf(message.kind)].push(message.body);
      const parts = ARRAYS.filter((array) => bodies[array].length > 0).map((array) => `"${array}":[${bodies[array].join(',')}]`);
      return { method: 'POST', url: `${config.instanceUrl}/users/track`, headers, body: `{${parts.join(',')}}` };
    },
    interpret: interpretBrazeTrackResponse,
    retryAfterHeaders: ['x-ratelimit-retry-after', 'retry-after', 'x-ratelimit-reset'],
    // Braze sends X-RateLimit-Reset on every answer; only a 429 asks us to wait for it.
    retryAfterStatuses: [429],
    // Braze has no idempotency key: a replayed event or purchase is stored twice.
    retryAmbiguous: (message) => message.kind === 'attributes' || config.retryAmbiguous,
  };
}
