import { BodyArena, bodyAt, type BodyRef } from './body-arena.js';
import type { FirehoseEvent } from './firehose.js';

/** Fields every queued inbound item has. */
export interface InboundItemBase {
  /**
   * Item ID, unique in the queue. Events (`mparticle:<event id>`) and audience changes keep theirs
   * across mParticle's redeliveries; a queued request gets a fresh one (its events are deduplicated
   * when processed).
   */
  id: string;
  /** Processing order: lower first, then arrival. */
  priority: number;
  /** When the request that carried it arrived, epoch milliseconds. */
  receivedAt: number;
  /** The mParticle request (message) ID. */
  requestId: string;
  /** Processing attempts so far (0 when first queued). */
  attempts: number;
}

/** The identity an item's customer is found by. */
export interface InboundIdentity {
  /** Firehose identity type, e.g. `customer`. */
  type: string;
  /** Its raw value. */
  value: string;
}

/**
 * An accepted `event_processing_request`, kept as the JSON text received: storing text rather than
 * parsed events keeps the answer to mParticle fast and the queue compact. `processInboundQueue()`
 * maps its events when it runs.
 */
export interface InboundEventRequestItem extends InboundItemBase {
  /** Discriminator. */
  kind: 'event-request';
  /** The request body as received. */
  body: string;
  /** Indexes of events already refused on arrival (and logged then). */
  skip?: number[];
}

/** A mapped mParticle event waiting to be registered as a loyalty event (how a retried event waits). */
export interface InboundEventItem extends InboundItemBase {
  /** Discriminator. */
  kind: 'event';
  /** Who it belongs to. */
  identity: InboundIdentity;
  /** The loyalty action to register. */
  action: string;
  /** The loyalty event's data, built from the mapping's `fields`. */
  data: Record<string, unknown>;
  /** When the event happened, epoch milliseconds, when mParticle said (kept as a number: formatting waits for processing). */
  timestampMs?: number;
  /** mParticle's event ID. */
  sourceEventId: string;
  /** The key the engine and the dedupe store see; derived from mParticle's event ID. */
  idempotencyKey: string;
  /** The mParticle event as received (for the logs). */
  event: FirehoseEvent;
}

/** An audience connected (`add`), renamed (`update`) or disconnected (`remove`). */
export interface InboundAudienceSubscriptionItem extends InboundItemBase {
  /** Discriminator. */
  kind: 'audience-subscription';
  /** What happened to the audience. */
  action: 'add' | 'update' | 'remove';
  /** mParticle audience ID, as a string: the customer list's ID. */
  audienceId: string;
  /** The audience's name: the customer list's name. */
  audienceName: string;
}

/** A user who joined (`add`) or left (`delete`) an audience. */
export interface InboundAudienceMembershipItem extends InboundItemBase {
  /** Discriminator. */
  kind: 'audience-membership';
  /** Joined or left. */
  action: 'add' | 'delete';
  /** mParticle audience ID, as a string. */
  audienceId: string;
  /** The audience's name. */
  audienceName: string;
  /** Who joined or left. */
  identity: InboundIdentity;
  /** mParticle ID of the user, when sent. */
  mpid?: string;
}

/** Any unit of accepted inbound work. Plain JSON, so a host queue can store it as it is. */
export type InboundWorkItem = InboundEventRequestItem | InboundEventItem | InboundAudienceSubscriptionItem | InboundAudienceMembershipItem;

/**
 * Where accepted inbound work waits between the fast answer to mParticle and
 * `processInboundQueue()`. The in-memory default suits one process; hosts with several supply
 * their own (a SQL table ordered by `priority, arrival`, with a lease column).
 */
export interface InboundQueue {
  /**
   * Stores accepted items. An item whose ID is already held may be ignored. Throw when the items
   * cannot be stored: mParticle then gets a 503 and redelivers.
   */
  enqueue(items: readonly InboundWorkItem[]): Promise<void>;
  /**
   * Leases up to `limit` due items, lowest `priority` first, then oldest arrival. Leased items are
   * not handed out again until `ack`, `retry`, or `now + leaseMs`.
   */
  lease(limit: number, now: number, leaseMs: number): Promise<InboundWorkItem[]>;
  /** Removes settled items. */
  ack(ids: readonly string[]): Promise<void>;
  /**
   * Holds `item` until `availableAt`: a leased item put back after a transient failure (with its
   * new `attempts`), or a new one split off a leased request (an event of it that must be retried).
   */
  retry(item: InboundWorkItem, availableAt: number): Promise<void>;
  /** Items held: queued, leased or waiting for a retry. */
  size(): Promise<number>;
}

interface Slot {
  /** The item; a queued request's `body` is held in {@link Slot.body} instead. */
  item: InboundWorkItem;
  sequence: number;
  body?: BodyRef;
}

interface Bucket {
  slots: Slot[];
  head: number;
}

/**
 * The embedded {@link InboundQueue}: priority buckets in memory, arrival order within each. Request
 * bodies are held joined in chunks of about 2 MB; a chunk is freed once none of its requests is held.
 */
export class MemoryInboundQueue implements InboundQueue {
  private readonly buckets = new Map<number, Bucket>();
  private priorities: number[] = [];
  private readonly held = new Set<string>();
  private readonly leased = new Map<string, { slot: Slot; until: number }>();
  private delayed: Array<{ slot: Slot; at: number }> = [];
  private sequence = 0;
  private readonly bodies = new BodyArena();

  async enqueue(items: readonly InboundWorkItem[]): Promise<void> {
    for (const item of items) {
      if (this.held.has(item.id)) continue;
      this.held.add(item.id);
      this.bucket(item.priority).slots.push(this.slot(item, this.sequence++));
    }
  }

  async lease(limit: number, now: number, leaseMs: number): Promise<InboundWorkItem[]> {
    this.restore(now);
    const out: InboundWorkItem[] = [];
    for (const priority of this.priorities) {
      const bucket = this.buckets.get(priority)!;
      while (out.length < limit && bucket.head < bucket.slots.length) {
        const slot = bucket.slots[bucket.head++]!;
        this.leased.set(slot.item.id, { slot, until: now + leaseMs });
        out.push(slot.body ? { ...(slot.item as InboundEventRequestItem), body: bodyAt(slot.body) } : slot.item);
      }
      this.compact(bucket);
      if (out.length >= limit) break;
    }
    return out;
  }

  async ack(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      if (this.leased.delete(id)) this.held.delete(id);
    }
  }

  async retry(item: InboundWorkItem, availableAt: number): Promise<void> {
    const entry = this.leased.get(item.id);
    if (entry) this.leased.delete(item.id);
    else if (this.held.has(item.id)) return;
    this.held.add(item.id);
    this.delayed.push({ slot: this.slot(item, entry ? entry.slot.sequence : this.sequence++), at: availableAt });
  }

  async size(): Promise<number> {
    return this.held.size;
  }

  private slot(item: InboundWorkItem, sequence: number): Slot {
    if (item.kind !== 'event-request') return { item, sequence };
    return { item: { ...item, body: '' }, sequence, body: this.bodies.put(item.body) };
  }

  // Expired leases and due retries go back to their bucket at their original arrival position.
  private restore(now: number): void {
    const back: Slot[] = [];
    for (const [id, entry] of this.leased) {
      if (entry.until <= now) {
        this.leased.delete(id);
        back.push(entry.slot);
      }
    }
    if (this.delayed.length > 0) {
      const waiting: Array<{ slot: Slot; at: number }> = [];
      for (const entry of this.delayed) {
        if (entry.at <= now) back.push(entry.slot);
        else waiting.push(entry);
      }
      this.delayed = waiting;
    }
    for (const slot of back) this.insertInOrder(this.bucket(slot.item.priority), slot);
  }

  private insertInOrder(bucket: Bucket, slot: Slot): void {
    let low = bucket.head;
    let high = bucket.slots.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (bucket.slots[mid]!.sequence < slot.sequence) low = mid + 1;
      else high = mid;
    }
    bucket.slots.splice(low, 0, slot);
  }

  private bucket(priority: number): Bucket {
    let bucket = this.buckets.get(priority);
    if (!bucket) {
      bucket = { slots: [], head: 0 };
      this.buckets.set(priority, bucket);
      this.priorities = [...this.buckets.keys()].sort((a, b) => a - b);
    }
    return bucket;
  }

  private compact(bucket: Bucket): void {
    if (bucket.head > 1024 && bucket.head * 2 > bucket.slots.length) {
      bucket.slots = bucket.slots.slice(bucket.head);
      bucket.head = 0;
    }
  }
}
