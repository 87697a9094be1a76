// mParticle's `/bulkevents` endpoint as the delivery core sees it: limits, request, answers.
import type { Destination, ItemResult } from '../core/delivery.js';
import type { TransportResponse } from '../core/transport.js';
import { LIBRARY_NAME, VERSION } from '../core/version.js';
import { MPARTICLE_LIMITS, type MParticleOutboundConfig } from './schemas.js';

/** The connector name of the outbound feed in the store and the logs. */
export const MPARTICLE_CONNECTOR = 'mparticle';

/** The `Authorization` header of the Events API: HTTP Basic with the feed's key and secret. */
export function mparticleAuthorization(apiKey: string, apiSecret: string): string {
  return `Basic ${Buffer.from(`${apiKey}:${apiSecret}`, 'utf8').toString('base64')}`;
}

/**
 * The {@link Destination} of the outbound feed: each queued message is one batch (one user), and a
 * request is a JSON array of at most 100 batches and 256 KB, each batch at most 128 KB.
 */
export function mparticleDestination(config: Pick<MParticleOutboundConfig, 'apiUrl' | 'apiKey' | 'apiSecret'>): Destination {
  const url = `${config.apiUrl}/bulkevents`;
  const headers = {
    authorization: mparticleAuthorization(config.apiKey, config.apiSecret),
    'content-type': 'application/json',
    accept: 'application/json',
    'user-agent': `${LIBRARY_NAME}/${VERSION}`,
  };
  return {
    connector: MPARTICLE_CONNECTOR,
    limits: {
      maxItems: MPARTICLE_LIMITS.batchesPerRequest,
      maxBytes: MPARTICLE_LIMITS.requestBytes,
      envelopeBytes: 2, // the enclosing `[` and `]`
      maxItemBytes: MPARTICLE_LIMITS.batchBytes,
    },
    buildRequest: (batch) => ({ method: 'POST', url, headers, body: `[${batch.map((m) => m.body).join(',')}]` }),
    interpret: (response, batch) => (response.status === 429 ? batch.map(() => rateLimited(response)) : undefined),
  };
}

// A 429 names the exhausted limit in a header; keeping it in the error tells the operator which
// limit (feed, app, account, org, acceleration) to raise.
function rateLimited(response: TransportResponse): ItemResult {
  const scope = response.headers['x-mp-rate-limit-exceeded'];
  const after = response.headers['retry-after'];
  return {
    ok: false,
    retryable: true,
    error: `HTTP 429: rate limited${scope ? ` (${scope} limit)` : ''}${after ? `, Retry-After ${after} s` : ''}${response.body ? `: ${response.body.slice(0, 300)}` : ''}`,
  };
}
