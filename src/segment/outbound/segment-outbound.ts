import type { EnqueueResult, OutboundConnector } from '../../core/connector.js';
import { QueuedConnector, toEnqueueResult } from '../../core/queued-connector.js';
import { DeliveryQueue } from '../../core/delivery.js';
import { ValidationError } from '../../core/errors.js';
import type { LogSink } from '../../core/logs.js';
import type { Customer, LoyaltyEvent } from '../../core/model.js';
import { parseOptions, resolveDelivery } from '../../core/options.js';
import { registerSecret } from '../../core/redact.js';
import type { OutboundMessage } from '../../core/store.js';
import { SEGMENT_RATE_LIMIT, segmentBatchUrl, segmentDestination } from './destination.js';
import { isEventSynced, resolveIntegrations, toIdentifyCall, toTrackCall } from './mapping.js';
import { segmentOutboundOptionsSchema, type SegmentCall, type SegmentMappingOptions, type SegmentOutboundOptions } from './schemas.js';

/** Options of one {@link SegmentOutbound.updateProfile} call beyond the changed fields. */
export interface ProfileUpdateOptions {
  /**
   * When the profile changed (the `identify` timestamp, and part of its `messageId`). Pass the
   * engine's change time to make a repeated report of the same change deduplicate in Segment.
   * @default the time of the call
   */
  changedAt?: Date | string | number;
}

/**
 * Sends loyalty data to Segment through the HTTP Tracking API (`/v1/batch`): loyalty events as
 * `track` calls and profile updates as `identify` calls. Calls validate, map and enqueue;
 * `flush()` (or `autoFlush`) delivers in as few requests as Segment's limits allow, with retries,
 * dead letters and one log record per message and attempt.
 *
 * @example
 * ```ts
 * const segment = new SegmentOutbound({ writeKey: process.env.SEGMENT_WRITE_KEY!, customerFields: ['tier', 'points'] });
 * await segment.trackEvent(customer, { id: 'evt_1', customerId: customer.id, action: 'point_add', data: { points: 50 }, timestamp: new Date() });
 * await segment.flush();
 * ```
 */
export class SegmentOutbound extends QueuedConnector implements OutboundConnector {
  /** Where this connector's log records go (a `MemoryLogStore` unless `logSink` was given). */
  readonly logSink: LogSink;
  /** The `/v1/batch` URL requests go to. */
  readonly url: string;
  /** The delivery queue. */
  protected readonly queue: DeliveryQueue;
  private readonly mapping: SegmentMappingOptions;
  private readonly now: () => number;

  /**
   * @throws {@link ConfigurationError} when an option is missing or invalid; `option` names it
   * (the write key's value is never part of the message).
   */
  constructor(options: SegmentOutboundOptions) {
    super();
    // Registered before parsing so that not even a parse error can echo it.
    if (typeof (options as { writeKey?: unknown } | undefined)?.writeKey === 'string') registerSecret(options.writeKey);
    // The schema checks the store, sink and transport by shape only; the interface types them.
    const parsed = parseOptions('SegmentOutbound', segmentOutboundOptionsSchema, options) as SegmentOutboundOptions;
    const { settings, logSink } = resolveDelivery(parsed, { rateLimit: SEGMENT_RATE_LIMIT });
    this.logSink = logSink;
    this.now = settings.now;
    this.url = segmentBatchUrl(parsed.region, parsed.endpoint);
    this.mapping = {
      userIdField: parsed.userIdField ?? 'id',
      events: parsed.events ?? 'all',
      customerFields: parsed.customerFields ?? [],
      integrations: resolveIntegrations(parsed.integrations),
    };
    this.queue = new DeliveryQueue(segmentDestination({ url: this.url, writeKey: parsed.writeKey, now: this.now }), settings);
  }

  /**
   * Enqueues a loyalty event as a `track`, unless `events` does not select its action (then
   * `status` is `skipped`). The `messageId` comes from the event ID, so tracking the same event
   * again is harmless.
   *
   * @throws {@link ValidationError} when the event cannot be sent (no customer ID attribute, no
   * action, a call over 32 KB, …); it is logged as `rejected` and nothing is enqueued.
   * @throws {@link DisconnectedError} after `close()`.
   */
  async trackEvent(customer: Customer, event: LoyaltyEvent): Promise<EnqueueResult> {
    if (!isEventSynced(event.action, this.mapping.events)) {
      return { status: 'skipped', messageIds: [], reason: `action '${event.action}' is not in the events option` };
    }
    const { outcomes, messages } = await this.queue.submit(
      { kind: 'track', customerId: customer.id, identifier: event.id },
      () => [this.toMessage(toTrackCall(customer, event, this.mapping))],
    );
    return toEnqueueResult(outcomes, messages);
  }

  /**
   * Enqueues an `identify` with the synced customer fields (only the changed ones when
   * `changedFields` is given). Sends nothing (`status: 'skipped'`) when no synced field is left.
   * An undelivered update (also one waiting for a retry) is superseded by a newer one of the same
   * customer and the same set of traits, so a burst of changes costs one call and a retry does not
   * overwrite those traits with older values; updates of different traits are each sent.
   *
   * @throws {@link ValidationError} when the profile cannot be sent (no customer ID attribute, a
   * call over 32 KB, …); it is logged as `rejected` and nothing is enqueued.
   * @throws {@link DisconnectedError} after `close()`.
   */
  async updateProfile(customer: Customer, changedFields?: readonly string[], options: ProfileUpdateOptions = {}): Promise<EnqueueResult> {
    const change = { changedAt: options.changedAt ?? this.now(), ...(changedFields ? { changedFields } : {}) };
    let skipped = false;
    const { outcomes, messages } = await this.queue.submit({ kind: 'identify', customerId: customer.id }, () => {
      const call = toIdentifyCall(customer, change, this.mapping);
      if (!call) {
        skipped = true;
        return [];
      }
      return [this.toMessage(call, `identify\u001f${call.userId}\u001f${Object.keys(call.traits).sort().join('\u001f')}`)];
    });
    if (skipped) {
      return {
        status: 'skipped',
        messageIds: [],
        reason: changedFields ? 'none of the changed fields is in customerFields' : 'the customer has none of the customerFields',
      };
    }
    return toEnqueueResult(outcomes, messages);
  }

  private toMessage(call: SegmentCall, coalesceKey?: string): OutboundMessage {
    try {
      return this.queue.message({
        id: call.messageId,
        kind: call.type,
        customerId: call.userId,
        payload: call,
        ...(coalesceKey === undefined ? {} : { coalesceKey }),
      });
    } catch (error) {
      // JSON.stringify throws TypeError for BigInt values and circular structures.
      throw new ValidationError({
        path: call.type === 'track' ? 'event.data' : 'customer.attributes',
        expected: 'JSON-serialisable values',
        received: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

