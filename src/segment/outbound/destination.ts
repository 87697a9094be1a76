import type { BatchLimits } from '../../core/batching.js';
import type { Destination, ItemResult } from '../../core/delivery.js';
import type { RateLimit } from '../../core/options.js';
import { LIBRARY_NAME, VERSION } from '../../core/version.js';
import type { SegmentRegion } from './schemas.js';

/** Base URL of each Regional Segment region's Tracking API. */
export const SEGMENT_REGION_URLS: Readonly<Record<SegmentRegion, string>> = Object.freeze({
  us: 'https://api.segment.io',
  eu: 'https://events.eu1.segmentapis.com',
});

/** The batch path appended to the base URL. */
export const SEGMENT_BATCH_PATH = '/v1/batch';

const ENVELOPE_SAMPLE = `{"batch":[],"sentAt":"${new Date(0).toISOString()}"}`;

/**
 * Segment's `/v1/batch` limits as the delivery core packs against them. Segment states "32 KB"
 * per call, "500 KB" per request and "up to 2500 events" per batch without saying whether a KB is
 * 1,000 or 1,024 bytes, and an oversize call makes Segment refuse the whole request with a 400, so
 * the decimal reading (the smaller) is used. No further padding is needed (analytics-node pads to
 * 480 KB because it only estimates sizes): the core measures the exact UTF-8 body, envelope included.
 */
export const SEGMENT_LIMITS: Readonly<BatchLimits> = Object.freeze({
  maxItems: 2500,
  maxBytes: 500_000,
  maxItemBytes: 32_000,
  envelopeBytes: Buffer.byteLength(ENVELOPE_SAMPLE, 'utf8'),
});

/**
 * Segment's recommended ceiling, 1,000 requests per second per workspace (beyond it Segment may
 * answer 429).
 */
export const SEGMENT_RATE_LIMIT: Readonly<RateLimit> = Object.freeze({
  requests: 1000,
  intervalMs: 1000,
});

/** The `/v1/batch` URL for a region or an endpoint override (which wins). */
export function segmentBatchUrl(region: SegmentRegion = 'us', endpoint?: string): string {
  const base = (endpoint ?? SEGMENT_REGION_URLS[region]).replace(/\/+$/, '');
  return `${base}${SEGMENT_BATCH_PATH}`;
}

/** The HTTP Basic `Authorization` header Segment documents: the write key as user, no password. */
export function segmentAuthorization(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`, 'utf8').toString('base64')}`;
}

/**
 * The delivery core's view of Segment's `/v1/batch`: limits, the request (with `sentAt` stamped at
 * send time, so Segment's clock-skew correction measures the real send), and which headers say
 * when to retry.
 */
export function segmentDestination(config: { url: string; writeKey: string; now: () => number }): Destination {
  const headers = Object.freeze({
    authorization: segmentAuthorization(config.writeKey),
    'content-type': 'application/json',
    'user-agent': `${LIBRARY_NAME}/${VERSION}`,
  });
  return {
    connector: 'segment',
    limits: SEGMENT_LIMITS,
    buildRequest(batch) {
      let items = '';
      for (let i = 0; i < batch.length; i++) items += i === 0 ? batch[i]!.body : `,${batch[i]!.body}`;
      const sentAt = new Date(config.now()).toISOString();
      return { method: 'POST', url: config.url, headers: { ...headers }, body: `{"batch":[${items}],"sentAt":"${sentAt}"}` };
    },
    interpret(response, batch) {
      const hint = FAILURE_HINTS[response.status];
      if (!hint) return undefined;
      const error: ItemResult = { ok: false, retryable: false, error: `HTTP ${response.status}: ${hint}; response: ${response.body.slice(0, 300)}` };
      return batch.map(() => error);
    },
    retryAfterHeaders: ['retry-after', 'x-ratelimit-reset'],
  };
}

// Segment answers 200 to nearly everything; these are the answers worth explaining in a dead letter.
const FAILURE_HINTS: Readonly<Record<number, string>> = {
  400: 'Segment refused the request (a call over 32 KB, a request over 500 KB, or invalid JSON)',
  401: 'Segment refused the write key (check writeKey, and that region matches the workspace)',
  403: 'Segment refused the write key (check writeKey, and that region matches the workspace)',
};
