import { randomId } from './ids.js';
import type {
  EnqueueOutcome,
  LeasedMessage,
  LeaseRef,
  OutboundMessage,
  QueueStore,
  StoredMessage,
} from './store.js';

interface Held extends StoredMessage {
  leaseToken?: string;
  leaseUntil?: number;
}

interface Scheduled {
  at: number;
  id: string;
  /** Scheduling order: messages due at the same time come back in the order they were scheduled. */
  seq: number;
}

let scheduledSeq = 0;

class ConnectorQueue {
  readonly messages = new Map<string, Held>();
  /** Pending and due, in arrival order. Entries may be stale; lease re-checks them. */
  readonly ready = new Map<string, true>();
  /** Pending with a future `nextAttemptAt`, as a min-heap. */
  readonly scheduled: Scheduled[] = [];
  readonly leased = new Map<string, Held>();
  /**
   * No lease in `leased` ends before this (a lower bound), so `lease` looks for expired leases
   * only when one may have expired instead of walking every lease on every call.
   */
  leaseFloor = Infinity;
  readonly dead = new Map<string, Held>();
  /**
   * coalesceKey → ID of the live (pending or leased) message holding it, or a set when several
   * do (a leased snapshot and its newer pending one). One string in the usual case: a set per key
   * cost an allocation per keyed message.
   */
  readonly byKey = new Map<string, string | Set<string>>();

  schedule(message: Held, now: number): void {
    message.state = 'pending';
    if (message.nextAttemptAt <= now) {
      this.ready.set(message.id, true);
    } else {
      heapPush(this.scheduled, { at: message.nextAttemptAt, id: message.id, seq: scheduledSeq++ });
    }
  }

  keyed(message: Held): void {
    const key = message.coalesceKey;
    if (key === undefined) return;
    const ids = this.byKey.get(key);
    if (ids === undefined) this.byKey.set(key, message.id);
    else if (typeof ids === 'string') {
      if (ids !== message.id) this.byKey.set(key, new Set([ids, message.id]));
    } else ids.add(message.id);
  }

  unkey(message: Held): void {
    const key = message.coalesceKey;
    if (key === undefined) return;
    const ids = this.byKey.get(key);
    if (ids === undefined) return;
    if (typeof ids === 'string') {
      if (ids === message.id) this.byKey.delete(key);
      return;
    }
    ids.delete(message.id);
    if (ids.size === 1) this.byKey.set(key, ids.values().next().value!);
    else if (ids.size === 0) this.byKey.delete(key);
  }

  /** IDs of the live messages holding `key` (a copy when several, so callers may remove while iterating). */
  holders(key: string): readonly string[] {
    const ids = this.byKey.get(key);
    if (ids === undefined) return NONE;
    return typeof ids === 'string' ? [ids] : [...ids];
  }

  /** Another live message with the same key that was created after `message`. */
  newerSibling(message: Held): Held | undefined {
    if (message.coalesceKey === undefined) return undefined;
    for (const id of this.holders(message.coalesceKey)) {
      const other = this.messages.get(id);
      if (other && id !== message.id && other.createdAt >= message.createdAt) return other;
    }
    return undefined;
  }

  siblingLeased(message: Held, now: number): boolean {
    if (message.coalesceKey === undefined) return false;
    const ids = this.byKey.get(message.coalesceKey);
    // The usual case: the message holds its key alone.
    if (ids === undefined || typeof ids === 'string') {
      if (ids === undefined || ids === message.id) return false;
      const other = this.leased.get(ids);
      return other !== undefined && (other.leaseUntil ?? 0) > now;
    }
    for (const id of ids) {
      const other = this.leased.get(id);
      if (other && id !== message.id && (other.leaseUntil ?? 0) > now) return true;
    }
    return false;
  }

  remove(message: Held): void {
    this.messages.delete(message.id);
    this.ready.delete(message.id);
    this.leased.delete(message.id);
    this.dead.delete(message.id);
    this.unkey(message);
  }

  take(ref: LeaseRef): Held | undefined {
    const message = this.leased.get(ref.id);
    if (!message || message.leaseToken !== ref.leaseToken) return undefined;
    this.leased.delete(ref.id);
    message.leaseToken = undefined;
    message.leaseUntil = undefined;
    return message;
  }
}

const NONE: readonly string[] = [];

/**
 * The embedded, in-memory {@link QueueStore}: fast and dependency-free, but lost when the process
 * exits. Use it for tests, demos and hosts that accept that; supply a durable store otherwise.
 * Delivered messages are forgotten, so enqueue is idempotent against messages still held.
 */
export class MemoryStore implements QueueStore {
  private readonly queues = new Map<string, ConnectorQueue>();
  // Connectors rarely change between calls: the last one looked up is remembered.
  private lastConnector: string | undefined;
  private lastQueue: ConnectorQueue | undefined;

  private queue(connector: string): ConnectorQueue {
    if (connector === this.lastConnector) return this.lastQueue!;
    let queue = this.queues.get(connector);
    if (!queue) this.queues.set(connector, (queue = new ConnectorQueue()));
    this.lastConnector = connector;
    this.lastQueue = queue;
    return queue;
  }

  async enqueue(messages: readonly OutboundMessage[]): Promise<EnqueueOutcome[]> {
    const outcomes = new Array<EnqueueOutcome>(messages.length);
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      const queue = this.queue(message.connector);
      if (queue.messages.has(message.id)) {
        outcomes[i] = 'duplicate';
        continue;
      }
      if (message.coalesceKey !== undefined && queue.byKey.has(message.coalesceKey)) {
        for (const id of queue.holders(message.coalesceKey)) {
          const older = queue.messages.get(id);
          if (older?.state === 'pending') queue.remove(older);
        }
      }
      const held = holdNew(message);
      queue.messages.set(held.id, held);
      queue.keyed(held);
      queue.ready.set(held.id, true);
      outcomes[i] = 'queued';
    }
    return outcomes;
  }

  async lease(connector: string, options: { limit: number; leaseMs: number; now: number }): Promise<LeasedMessage[]> {
    const queue = this.queue(connector);
    const { now } = options;
    if (queue.leaseFloor <= now) {
      let floor = Infinity;
      for (const [id, message] of queue.leased) {
        const until = message.leaseUntil ?? 0;
        if (until <= now) {
          queue.leased.delete(id);
          message.leaseToken = undefined;
          message.leaseUntil = undefined;
          queue.schedule(message, now);
        } else if (until < floor) floor = until;
      }
      queue.leaseFloor = floor;
    }
    while (queue.scheduled.length > 0 && queue.scheduled[0]!.at <= now) {
      const { id, at } = heapPop(queue.scheduled)!;
      const message = queue.messages.get(id);
      if (message?.state === 'pending' && message.nextAttemptAt === at) queue.ready.set(id, true);
    }
    const out: LeasedMessage[] = [];
    const leaseToken = randomId();
    const leaseUntil = now + options.leaseMs;
    for (const id of queue.ready.keys()) {
      if (out.length >= options.limit) break;
      const message = queue.messages.get(id);
      if (!message || message.state !== 'pending') {
        queue.ready.delete(id);
        continue;
      }
      if (queue.siblingLeased(message, now)) continue;
      queue.ready.delete(id);
      message.state = 'leased';
      message.attempts += 1;
      message.leaseToken = leaseToken;
      message.leaseUntil = leaseUntil;
      queue.leased.set(id, message);
      out.push(leasedCopy(message, leaseToken));
    }
    if (out.length > 0 && leaseUntil < queue.leaseFloor) queue.leaseFloor = leaseUntil;
    return out;
  }

  async ack(connector: string, leases: readonly LeaseRef[]): Promise<void> {
    const queue = this.queue(connector);
    for (let i = 0; i < leases.length; i++) {
      const message = queue.take(leases[i]!);
      if (message === undefined) continue;
      // A leased message is in no other index (take removed it from `leased`).
      queue.messages.delete(message.id);
      queue.unkey(message);
    }
  }

  async retry(connector: string, items: ReadonlyArray<LeaseRef & { at: number; error: string }>): Promise<void> {
    const queue = this.queue(connector);
    for (const item of items) {
      const message = queue.take(item);
      if (!message) continue;
      if (queue.newerSibling(message)) {
        queue.remove(message);
        continue;
      }
      message.lastError = item.error;
      message.nextAttemptAt = item.at;
      queue.schedule(message, -Infinity);
    }
  }

  async deadLetter(connector: string, items: ReadonlyArray<LeaseRef & { error: string; now: number }>): Promise<void> {
    const queue = this.queue(connector);
    for (const item of items) {
      const message = queue.take(item);
      if (!message) continue;
      queue.unkey(message);
      message.state = 'dead';
      message.lastError = item.error;
      message.deadAt = item.now;
      queue.dead.set(message.id, message);
    }
  }

  async listDeadLetters(connector: string, options: { limit?: number } = {}): Promise<StoredMessage[]> {
    return [...this.queue(connector).dead.values()].slice(0, options.limit ?? Infinity).map(snapshot);
  }

  async listPending(connector: string, options: { limit?: number } = {}): Promise<StoredMessage[]> {
    const queue = this.queue(connector);
    return [...queue.messages.values()]
      .filter((m) => m.state !== 'dead')
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt)
      .slice(0, options.limit ?? Infinity)
      .map(snapshot);
  }

  async replay(connector: string, ids: readonly string[] | 'all', now: number): Promise<string[]> {
    const queue = this.queue(connector);
    const chosen = ids === 'all' ? [...queue.dead.keys()] : ids;
    const moved: string[] = [];
    for (const id of chosen) {
      const message = queue.dead.get(id);
      if (!message) continue;
      queue.dead.delete(id);
      if (queue.newerSibling(message)) {
        queue.remove(message);
        continue;
      }
      message.attempts = 0;
      message.nextAttemptAt = now;
      message.deadAt = undefined;
      queue.keyed(message);
      queue.schedule(message, now);
      moved.push(id);
    }
    return moved;
  }
}

// Explicit literals with one fixed shape: spreading messages of varying shapes (optional
// `coalesceKey`, `lastError`, …) sent V8 to its slow generic copy on every enqueue and lease.
function holdNew(message: OutboundMessage): Held {
  return {
    id: message.id,
    connector: message.connector,
    kind: message.kind,
    customerId: message.customerId,
    body: message.body,
    bytes: message.bytes,
    coalesceKey: message.coalesceKey,
    createdAt: message.createdAt,
    attempts: 0,
    nextAttemptAt: message.createdAt,
    lastError: undefined,
    state: 'pending',
    deadAt: undefined,
    leaseToken: undefined,
    leaseUntil: undefined,
  };
}

// One literal with the token in it: adding it to a snapshot afterwards cost a second allocation.
function leasedCopy(message: Held, leaseToken: string): LeasedMessage {
  return {
    id: message.id,
    connector: message.connector,
    kind: message.kind,
    customerId: message.customerId,
    body: message.body,
    bytes: message.bytes,
    coalesceKey: message.coalesceKey,
    createdAt: message.createdAt,
    attempts: message.attempts,
    nextAttemptAt: message.nextAttemptAt,
    lastError: message.lastError,
    state: message.state,
    deadAt: message.deadAt,
    leaseToken,
  };
}

function snapshot(message: Held): StoredMessage {
  return {
    id: message.id,
    connector: message.connector,
    kind: message.kind,
    customerId: message.customerId,
    body: message.body,
    bytes: message.bytes,
    coalesceKey: message.coalesceKey,
    createdAt: message.createdAt,
    attempts: message.attempts,
    nextAttemptAt: message.nextAttemptAt,
    lastError: message.lastError,
    state: message.state,
    deadAt: message.deadAt,
  };
}

function earlier(a: Scheduled, b: Scheduled): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function heapPush(heap: Scheduled[], item: Scheduled): void {
  heap.push(item);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!earlier(heap[i]!, heap[parent]!)) break;
    [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
    i = parent;
  }
}

function heapPop(heap: Scheduled[]): Scheduled | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length > 0 && last) {
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && earlier(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && earlier(heap[r]!, heap[m]!)) m = r;
      if (m === i) break;
      [heap[m], heap[i]] = [heap[i]!, heap[m]!];
      i = m;
    }
  }
  return top;
}
