import type { ErrorBody } from '../../core/inbound.js';

/** What became of one inbound item (one event × one matching mapping, or one Antavo-format body). */
export interface SegmentInboundItemResult {
  /** Position of the event in the body (0 for a single event or an Antavo-format body). */
  index: number;
  /** The event's `messageId`, when it had one. */
  messageId?: string;
  /** The mapping that produced the item (`antavo` for Antavo-format bodies). */
  mapping?: string;
  /** The loyalty action applied (`profile` for profile updates). */
  action?: string;
  /** The loyalty customer ID. */
  customerId?: string;
  /**
   * `success`: applied now; `duplicate`: applied by an earlier delivery, not applied again;
   * `skipped`: nothing to apply (loop guard, no matching mapping); `invalid`: the event or a mapped
   * field is wrong (not retried); `refused`: the engine refused it for good; `failed`: the engine or
   * the dedupe store failed transiently (the answer is 503, so Segment redelivers).
   */
  status: 'success' | 'duplicate' | 'skipped' | 'invalid' | 'refused' | 'failed';
  /** The event ID the engine registered (loyalty events). */
  eventId?: string;
  /** Why it was skipped, refused or failed: `loop_guard`, `no_mapping`, the engine's refusal reason, `engine_unavailable`, `in_progress`. */
  reason?: string;
  /** What was wrong, for `invalid`, `refused` and `failed`. */
  error?: SegmentInboundItemError;
}

/** Why an item was invalid, refused or failed. */
export interface SegmentInboundItemError {
  /** Where in the body, for invalid items, e.g. `batch[3].customer`. */
  path?: string;
  /** What happened. */
  message: string;
}

/** The body of a 200 answer: one result per item. */
export interface SegmentInboundAnswer {
  /** One result per item, in body order. */
  results: SegmentInboundItemResult[];
}

/** What `SegmentInbound.handle` returns: the status and JSON body to answer with. */
export interface SegmentInboundResponse {
  /** HTTP status: 200, 400, 401, 405, 413, 415, 500 or 503. */
  status: number;
  /** `{ results }` on 200; `{ error: { code, message, details? } }` otherwise (`details.results` when items were processed). */
  body: SegmentInboundAnswer | ErrorBody;
}

/**
 * The answer for a set of item results: 503 when any failed transiently (Segment redelivers, and
 * the dedupe store keeps the applied ones from being applied twice), else 400 when any was invalid
 * or refused (Segment does not retry 4xx), else 200.
 */
export function answerFor(results: SegmentInboundItemResult[]): SegmentInboundResponse {
  const failed = results.find((r) => r.status === 'failed');
  if (failed) {
    const count = results.filter((r) => r.status === 'failed').length;
    return errorAnswer(503, 'temporarily_unavailable', `${count} of ${results.length} items could not be applied now (${failed.error?.message ?? failed.reason}); redeliver`, results);
  }
  const invalid = results.find((r) => r.status === 'invalid');
  if (invalid) {
    const count = results.filter((r) => r.status === 'invalid').length;
    return errorAnswer(400, 'invalid_event', `${count} of ${results.length} items invalid: ${invalid.error?.message ?? 'invalid'}`, results);
  }
  const refused = results.find((r) => r.status === 'refused');
  if (refused) {
    const count = results.filter((r) => r.status === 'refused').length;
    return errorAnswer(400, 'engine_refused', `${count} of ${results.length} items refused by the loyalty engine: ${refused.error?.message ?? refused.reason}`, results);
  }
  return { status: 200, body: { results } };
}

function errorAnswer(status: number, code: string, message: string, results: SegmentInboundItemResult[]): SegmentInboundResponse {
  return { status, body: { error: { code, message, details: { results } } } };
}
