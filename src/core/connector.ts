import type { DeliveryReport } from './delivery.js';
import type { Customer, LoyaltyEvent } from './model.js';
import type { StoredMessage } from './store.js';

/** What became of one `trackEvent` / `updateProfile` call. */
export interface EnqueueResult {
  /**
   * `queued`: accepted for delivery; `duplicate`: an identical message (same ID) is already held;
   * `skipped`: the configuration does not sync it (an action not selected, no synced field changed).
   */
  status: 'queued' | 'duplicate' | 'skipped';
  /** IDs of the messages enqueued (or found already held). */
  messageIds: string[];
  /** Why it was skipped. */
  reason?: string;
}

/**
 * The verbs every outbound connector offers. Calls validate and enqueue; `flush()` delivers. Bad
 * input rejects with a `ValidationError` and enqueues nothing.
 */
export interface OutboundConnector {
  /** Enqueues a loyalty event for delivery. */
  trackEvent(customer: Customer, event: LoyaltyEvent): Promise<EnqueueResult>;
  /**
   * Enqueues a profile snapshot of `customer`; with `changedFields`, only a change of a synced
   * field counts.
   */
  updateProfile(customer: Customer, changedFields?: readonly string[]): Promise<EnqueueResult>;
  /** Delivers everything due: new messages and retries whose time has come. */
  flush(): Promise<DeliveryReport>;
  /** Stops auto-flush, delivers what is due and refuses further calls. */
  close(): Promise<DeliveryReport>;
  /** Messages that exhausted their retries or failed permanently. */
  deadLetters(): Promise<StoredMessage[]>;
  /** Puts dead letters back in the queue with the same IDs; `flush()` sends them. */
  replay(ids?: readonly string[] | 'all'): Promise<string[]>;
}
