import type { StoredMessage } from '../core/store.js';

/** One batch of the outbound resend queue, as `MParticleFeed.resendQueue()` lists it. */
export interface ResendQueueEntry {
  /** The batch's `source_request_id` (also its ID in the store and the logs). */
  id: string;
  /** The identifier of the customer the batch is about, as mParticle sees it. */
  customerId: string;
  /** `custom_event` or `user_attributes`. */
  eventType: string;
  /** The `event_name`, for a custom event. */
  eventName?: string;
  /** Attempts made so far. */
  attempts: number;
  /** When the next attempt is due, epoch milliseconds. */
  nextAttemptAt: number;
  /** Why the last attempt failed (redacted). */
  lastError?: string;
  /** `pending` (waiting) or `leased` (being resent right now). */
  state: 'pending' | 'leased';
}

/** A stored message as a {@link ResendQueueEntry}. */
export function toResendQueueEntry(message: StoredMessage): ResendQueueEntry {
  const eventName = message.kind === 'custom_event' ? eventNameOf(message.body) : undefined;
  return {
    id: message.id,
    customerId: message.customerId,
    eventType: message.kind,
    ...(eventName === undefined ? {} : { eventName }),
    attempts: message.attempts,
    nextAttemptAt: message.nextAttemptAt,
    ...(message.lastError === undefined ? {} : { lastError: message.lastError }),
    state: message.state === 'leased' ? 'leased' : 'pending',
  };
}

function eventNameOf(body: string): string | undefined {
  try {
    const name = (JSON.parse(body) as { events?: Array<{ data?: { event_name?: unknown } }> }).events?.[0]?.data?.event_name;
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}
