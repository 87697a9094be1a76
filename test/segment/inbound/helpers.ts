import { createHmac } from 'node:crypto';
import { MemoryLogStore } from '../../../src/core/memory-log-store.js';
import type { LogRecord } from '../../../src/core/logs.js';
import { SegmentInbound } from '../../../src/segment/inbound/segment-inbound.js';
import type { SegmentInboundOptions } from '../../../src/segment/inbound/schemas.js';
import { InMemoryLoyaltyEngine } from '../../../src/testing/memory-engine.js';

// Canary secrets: none of these (nor their Basic-auth base64 forms) may ever appear in a log record or an answer.
export const WRITE_KEY = 'wk_canary_Q7x2L9';
export const API_KEY = 'ak_canary_R5p8N1';
export const SHARED_SECRET = 'ss_canary_T4m6B3';
export const BEARER_TOKEN = 'bt_canary_W8n1K5';
export const CANARIES = [WRITE_KEY, API_KEY, SHARED_SECRET, BEARER_TOKEN, Buffer.from(`${WRITE_KEY}:`).toString('base64').replace(/=+$/, '')];

/** A clock tests move by hand. */
export function manualClock(start = Date.UTC(2026, 10, 20, 9)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

export function setup(options: Partial<SegmentInboundOptions> = {}) {
  const engine = new InMemoryLoyaltyEngine([{ id: 'cus_1' }, { id: 'cus_2' }, { id: 'cus_3' }]);
  const logs = new MemoryLogStore();
  const clock = manualClock();
  const inbound = new SegmentInbound({
    engine,
    writeKey: WRITE_KEY,
    apiKey: API_KEY,
    sharedSecret: SHARED_SECRET,
    bearerToken: BEARER_TOKEN,
    logSink: logs,
    now: clock.now,
    ...options,
  });
  return { engine, logs, clock, inbound };
}

export const basic = (key = WRITE_KEY) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });
export const sign = (text: string, secret = SHARED_SECRET) => createHmac('sha1', secret).update(text).digest('hex');

/** POSTs `body` (JSON-encoded unless a string) to the handler's `fetch`. */
export async function post(
  inbound: SegmentInbound,
  body: unknown,
  headers: Record<string, string> = basic(),
  path = '/v1/batch',
): Promise<{ status: number; json: any }> {
  const response = await inbound.fetch(
    new Request(`http://localhost${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
  return { status: response.status, json: await response.json() };
}

let sequence = 0;
export function trackEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  sequence += 1;
  return {
    type: 'track',
    userId: 'cus_1',
    event: 'point_add',
    properties: { points: 10 * sequence },
    messageId: `msg-${sequence}`,
    timestamp: '2026-11-20T09:00:00.000Z',
    context: { library: { name: '@segment/analytics-node', version: '3.1.0' } },
    ...overrides,
  };
}

export function allRecords(logs: MemoryLogStore): LogRecord[] {
  return logs.query({ limit: 10_000, sort: { by: 'timestamp', order: 'asc' } }).records;
}
