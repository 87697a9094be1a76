import type { DeliveryQueue, DeliveryReport } from './delivery.js';
import type { EnqueueResult } from './connector.js';
import type { EnqueueOutcome, OutboundMessage, StoredMessage } from './store.js';

/**
 * The queue verbs every outbound connector shares, written once: a connector extends this, builds
 * its {@link DeliveryQueue} from its options, and adds its own mapping verbs (`trackEvent`,
 * `updateProfile`, …).
 */
export abstract class QueuedConnector {
  /** The connector's delivery queue. */
  protected abstract readonly queue: DeliveryQueue;

  /**
   * Delivers every message due now: new ones and retries whose time has come. Never rejects for
   * delivery failures; see the report, the logs and `deadLetters()`.
   */
  flush(): Promise<DeliveryReport> {
    return this.queue.flush();
  }

  /** Flushes until nothing is pending (waiting out scheduled retries) or `timeoutMs` has passed. */
  drain(timeoutMs?: number): Promise<DeliveryReport> {
    return this.queue.drain(timeoutMs);
  }

  /** Stops auto-flush, delivers what is due, and refuses further calls. */
  close(): Promise<DeliveryReport> {
    return this.queue.close();
  }

  /** Messages that failed permanently or exhausted their retries, oldest first. */
  deadLetters(limit?: number): Promise<StoredMessage[]> {
    return this.queue.deadLetters(limit);
  }

  /** Messages waiting for delivery or a retry, soonest first. */
  pending(limit?: number): Promise<StoredMessage[]> {
    return this.queue.pending(limit);
  }

  /**
   * Puts dead letters back in the queue unchanged (same IDs, so a destination that deduplicates
   * keeps one copy); `flush()` sends them. Returns the IDs moved.
   */
  replay(ids: readonly string[] | 'all' = 'all'): Promise<string[]> {
    return this.queue.replay(ids);
  }
}

/** The {@link EnqueueResult} of enqueueing `messages`: `duplicate` when every one was already held. */
export function toEnqueueResult(outcomes: readonly EnqueueOutcome[], messages: readonly OutboundMessage[]): EnqueueResult {
  return { status: outcomes.every((o) => o === 'duplicate') ? 'duplicate' : 'queued', messageIds: messages.map((m) => m.id) };
}
