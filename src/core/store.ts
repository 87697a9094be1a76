/** A message a connector hands to the delivery core: one item of a destination's batch body. */
export interface OutboundMessage {
  /**
   * Idempotency key, unique per connector and stable across retries and replays (Segment's
   * `messageId`, mParticle's `source_request_id`, …). Enqueueing an ID that is already held is a
   * no-op.
   */
  id: string;
  /** The connector's name, e.g. `segment`. Stores keep each connector's messages apart. */
  connector: string;
  /** What the item is, e.g. `track`, `identify`, `custom_event`, `attributes`, `purchase`. */
  kind: string;
  /** The customer ID the destination sees; logged with every attempt. */
  customerId: string;
  /** The item encoded as the destination expects it (JSON text), exactly as it goes on the wire. */
  body: string;
  /** UTF-8 byte length of `body`. */
  bytes: number;
  /**
   * Snapshot key: while undelivered, a newer message with the same key supersedes an older one, so a
   * burst of profile changes costs one request and a retry never overwrites newer data.
   */
  coalesceKey?: string;
  /** When the message was created, in epoch milliseconds. */
  createdAt: number;
}

/** A message as a {@link QueueStore} holds it. */
export interface StoredMessage extends OutboundMessage {
  /** Delivery attempts started so far. */
  attempts: number;
  /** Earliest time of the next attempt, epoch milliseconds. */
  nextAttemptAt: number;
  /** The last failure, redacted. */
  lastError?: string;
  /** `pending` (due or scheduled), `leased` (being delivered) or `dead` (dead letter). */
  state: 'pending' | 'leased' | 'dead';
  /** When it became a dead letter. */
  deadAt?: number;
}

/** A message leased to one worker; only the holder of `leaseToken` can settle it. */
export interface LeasedMessage extends StoredMessage {
  /** Compare-and-set token: settling with a stale token is ignored. */
  leaseToken: string;
}

/** Identifies a lease to settle. */
export interface LeaseRef {
  /** Message ID. */
  id: string;
  /** The token the lease was handed out with. */
  leaseToken: string;
}

/** Outcome of enqueueing one message. */
export type EnqueueOutcome = 'queued' | 'duplicate';

/**
 * Where outbound messages wait, are leased, retried and dead-lettered. `MemoryStore` is the
 * embedded default; hosts supply their own for durability. The contract suits a SQL table with
 * `SELECT … FOR UPDATE SKIP LOCKED` for `lease`, and a compare-and-set on the lease token for
 * `ack`, `retry` and `deadLetter`.
 */
export interface QueueStore {
  /**
   * Adds messages. Idempotent by `id`: a message whose ID is held (pending, leased or dead) is
   * reported as `duplicate` and left alone. A message with a `coalesceKey` replaces a pending,
   * not leased, message with the same key.
   */
  enqueue(messages: readonly OutboundMessage[]): Promise<EnqueueOutcome[]>;
  /**
   * Leases up to `limit` messages due at `now` (oldest first) for `leaseMs`, incrementing their
   * `attempts`. A leased message is invisible to other callers until settled or until its lease
   * expires. A message is not leased while another message with the same `coalesceKey` is leased,
   * which keeps snapshots of one customer in order.
   */
  lease(connector: string, options: { limit: number; leaseMs: number; now: number }): Promise<LeasedMessage[]>;
  /** Marks leased messages delivered and forgets them. Stale tokens are ignored. */
  ack(connector: string, leases: readonly LeaseRef[]): Promise<void>;
  /**
   * Schedules leased messages for another attempt at `at` with the error. A snapshot that a newer
   * message with the same `coalesceKey` has superseded is dropped instead. Stale tokens are ignored.
   */
  retry(connector: string, items: ReadonlyArray<LeaseRef & { at: number; error: string }>): Promise<void>;
  /** Keeps leased messages as dead letters with the error. Stale tokens are ignored. */
  deadLetter(connector: string, items: ReadonlyArray<LeaseRef & { error: string; now: number }>): Promise<void>;
  /** Lists dead letters, oldest first. */
  listDeadLetters(connector: string, options?: { limit?: number }): Promise<StoredMessage[]>;
  /** Lists messages waiting for delivery (pending or leased), soonest first. */
  listPending(connector: string, options?: { limit?: number }): Promise<StoredMessage[]>;
  /**
   * Moves dead letters back to pending with `attempts` reset and due at `now`; the body and ID are
   * unchanged. A snapshot superseded by a newer message with the same key is dropped instead.
   * Returns the IDs that were moved.
   */
  replay(connector: string, ids: readonly string[] | 'all', now: number): Promise<string[]>;
}
