import { z } from 'zod';
import type { EnqueueResult, OutboundConnector } from '../core/connector.js';
import { MemoryDedupeStore, type DedupeStore } from '../core/dedupe-store.js';
import { addReport, DeliveryQueue, emptyReport, type DeliveryReport, type DeliverySettings } from '../core/delivery.js';
import type { CustomerLists, LoyaltyEngine } from '../core/engine.js';
import { ConfigurationError, DisconnectedError, ValidationError } from '../core/errors.js';
import { handleInbound, InboundError } from '../core/inbound.js';
import { NODE_FAST_PATH, type BufferedRequest, type BufferedResponse, type NodeFastPath } from '../core/node-adapter.js';
import { Logger, type LogSink } from '../core/logs.js';
import type { Customer, LoyaltyEvent } from '../core/model.js';
import { deliveryOptionsShape, parseOptions, resolveDelivery, type DeliveryOptions } from '../core/options.js';
import { registerSecret } from '../core/redact.js';
import type { OutboundMessage, StoredMessage } from '../core/store.js';
import {
  generateAuthToken,
  MemoryInboundQueue,
  MParticleInbound,
  mparticleInboundOptionsSchema,
  type InboundProcessReport,
  type InboundQueue,
  type MParticleInboundOptions,
} from './inbound/index.js';
import { MPARTICLE_INBOUND_CONNECTOR } from './inbound/mparticle-inbound.js';
import { MPARTICLE_CONNECTOR, mparticleAuthorization, mparticleDestination } from './destination.js';
import { toCustomEventBatch, toTriggeredEventBatch, toUserAttributeBatch, type MParticleTriggeredEvent } from './mapping.js';
import { toResendQueueEntry, type ResendQueueEntry } from './resend-queue.js';
import { parseMParticleOutboundOptions, type MParticleBatch, type MParticleOutboundConfig, type MParticleOutboundOptions } from './schemas.js';

/**
 * Requests per second the feed sends unless `rateLimit` says otherwise: with 100 batches a request
 * that stays under mParticle's default account limit of 270 batches per second.
 */
export const MPARTICLE_DEFAULT_RATE_LIMIT: {
  /** Requests per interval. */
  readonly requests: number;
  /** The interval, in milliseconds. */
  readonly intervalMs: number;
} = Object.freeze({ requests: 2, intervalMs: 1000 });

/** The two configuration sections of a feed: what `configure()` takes and `disconnect()` removes. */
export interface MParticleFeedConfiguration {
  /** The Input/Feed direction (loyalty → mParticle). Required: mParticle needs Input enabled to use Output. */
  outbound: MParticleOutboundOptions;
  /** The Output/Event direction (mParticle → loyalty); needs `engine`. */
  inbound?: MParticleInboundOptions;
}

/** Options of {@link MParticleFeed}: the two sections, the host's engine, and delivery options shared by both halves. */
export interface MParticleFeedOptions extends DeliveryOptions {
  /** The Input/Feed direction. Without it the feed starts disconnected; call `configure()` later. */
  outbound?: MParticleOutboundOptions;
  /** The Output/Event direction. Requires `outbound` and `engine`. */
  inbound?: MParticleInboundOptions;
  /** The loyalty engine inbound events are applied to. Required with `inbound`. */
  engine?: LoyaltyEngine;
  /** Customer lists mParticle audiences become (with `inbound.trackAudiences`). */
  lists?: CustomerLists;
}

/** Options of one {@link MParticleFeed.updateProfile} call beyond the changed fields. */
export interface MParticleProfileUpdateOptions {
  /**
   * When the profile changed; part of the batch's `source_request_id`. Pass the engine's change
   * time so that reporting the same change twice sends it once.
   * @default the time of the call
   */
  changedAt?: Date | string | number;
}

/** A custom event for {@link MParticleFeed.sendCustomEvent}; `timestamp` defaults to now. */
export type MParticleCustomEventInput = Omit<MParticleTriggeredEvent, 'timestamp'> & {
  /**
   * When it happened.
   * @default the time of the call
   */
  timestamp?: Date | string | number;
};

interface Connection {
  config: MParticleOutboundConfig;
  queue: DeliveryQueue;
  inbound: MParticleInbound | undefined;
}

const custom = (what: string, methods: string[]) =>
  z
    .custom<object>((v) => typeof v === 'object' && v !== null && methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function'), {
      message: `expected ${what} (an object with ${methods.join(', ')})`,
    })
    .optional();

const feedOptionsSchema = z
  .object({
    outbound: z.unknown().optional(),
    inbound: z.unknown().optional(),
    engine: custom('a LoyaltyEngine', ['registerEvent', 'updateProfile', 'findCustomer']),
    lists: custom('CustomerLists', ['upsertList', 'deleteList', 'addMembers', 'removeMembers']),
    ...deliveryOptionsShape,
  })
  .strict();

/**
 * mParticle's two-way partner integration in one object, as mParticle models it: the Input/Feed
 * direction sends customer attributes and loyalty events to mParticle's Events API
 * (`/bulkevents`, one user per batch, with a resend queue and dead letters); the Output/Event
 * direction answers mParticle's Firehose requests (`fetch`) and applies them to the loyalty engine
 * (`processInboundQueue()`). Both share one configuration, one log sink and one `disconnect()`.
 *
 * @example
 * ```ts
 * const feed = new MParticleFeed({
 *   outbound: { apiKey, apiSecret, fieldMapping: { tier: 'antavo_tier', first_name: '$firstname' },
 *     externalEvents: { point_add: { customEventType: 'transaction' } } },
 * });
 * await feed.trackEvent(customer, event);
 * await feed.flush(); // schedule it like a cron job, or set `autoFlush`
 * ```
 */
export class MParticleFeed implements OutboundConnector {
  /** Where both halves write log records (a `MemoryLogStore` unless `logSink` was given). */
  readonly logSink: LogSink;
  private readonly settings: DeliverySettings;
  private readonly autoFlushMs: number | false;
  private readonly logger: Logger;
  private readonly engine: LoyaltyEngine | undefined;
  private readonly lists: CustomerLists | undefined;
  private connection: Connection | undefined;
  private closed = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private flushing: Promise<DeliveryReport> | undefined;
  // Kept across disconnect/configure so work accepted before a disconnect is not lost.
  private inboundQueue: InboundQueue | undefined;
  private dedupeStore: DedupeStore | undefined;

  /**
   * Makes a strong random token for `inbound.authToken` (give the same value to mParticle).
   */
  static generateAuthToken(): string {
    return generateAuthToken();
  }

  /**
   * @throws {@link ConfigurationError} when an option is missing or invalid (`option` names it, e.g.
   * `outbound.apiKey`; secret values are never part of the message); when `inbound` is given without
   * `outbound` (mParticle: Input must be enabled to use Output) or without `engine`.
   */
  constructor(options: MParticleFeedOptions = {}) {
    registerSecrets(options);
    const parsed = parseOptions('MParticleFeed', feedOptionsSchema, options) as MParticleFeedOptions;
    const { settings, logSink } = resolveDelivery({ ...parsed, autoFlush: false }, { rateLimit: MPARTICLE_DEFAULT_RATE_LIMIT });
    this.settings = settings;
    this.logSink = logSink;
    this.autoFlushMs = parsed.autoFlush ?? false;
    this.logger = new Logger(logSink, settings.now);
    this.engine = parsed.engine;
    this.lists = parsed.lists;
    if (parsed.outbound !== undefined || parsed.inbound !== undefined) {
      this.configure({ outbound: parsed.outbound as MParticleOutboundOptions, ...(parsed.inbound === undefined ? {} : { inbound: parsed.inbound }) });
    }
  }

  /** Whether the feed is configured (and not disconnected or closed). */
  get connected(): boolean {
    return this.connection !== undefined;
  }

  /** Whether the inbound half is configured. */
  get inboundEnabled(): boolean {
    return this.connection?.inbound !== undefined;
  }

  /**
   * Sets (or replaces) both configuration sections and resumes both directions. Messages and
   * inbound work accepted earlier, also before a `disconnect()`, are delivered under the new
   * configuration. On error the previous configuration stays in force.
   *
   * @throws {@link ConfigurationError} as the constructor does.
   * @throws {@link DisconnectedError} after `close()`.
   */
  configure(configuration: MParticleFeedConfiguration): void {
    if (this.closed) throw new DisconnectedError('MParticleFeed: the feed is closed');
    registerSecrets(configuration);
    const { outbound, inbound } = (configuration ?? {}) as Partial<MParticleFeedConfiguration>;
    if (outbound === undefined) {
      throw new ConfigurationError(
        inbound === undefined
          ? 'MParticleFeed: outbound is required to configure the feed'
          : 'MParticleFeed: inbound requires outbound: mParticle needs the Input (feed) enabled to use the Output',
        { option: 'outbound' },
      );
    }
    const config = parseMParticleOutboundOptions(outbound, 'outbound');
    let inboundHalf: MParticleInbound | undefined;
    if (inbound !== undefined) {
      if (!this.engine) {
        throw new ConfigurationError('MParticleFeed: inbound needs the loyalty engine: pass `engine` to the constructor', { option: 'engine' });
      }
      parseOptions('MParticleFeed', z.object({ inbound: mparticleInboundOptionsSchema }), { inbound });
      inboundHalf = new MParticleInbound(
        { ...inbound, queue: inbound.queue ?? (this.inboundQueue ??= new MemoryInboundQueue()), dedupeStore: inbound.dedupeStore ?? (this.dedupeStore ??= new MemoryDedupeStore()) },
        { engine: this.engine, ...(this.lists ? { lists: this.lists } : {}), logger: this.logger, now: this.settings.now },
      );
    }
    this.stopTimer();
    this.connection = { config, queue: new DeliveryQueue(mparticleDestination(config), this.settings), inbound: inboundHalf };
    if (this.autoFlushMs) {
      this.timer = setInterval(() => {
        this.flush().catch(() => undefined);
      }, this.autoFlushMs);
      this.timer.unref?.();
    }
  }

  /**
   * Removes both configuration sections (credentials and mappings included) and stops both
   * directions: afterwards `fetch` answers 410, and outbound calls and `processInboundQueue()`
   * throw {@link DisconnectedError}, until `configure()` is called again with both sections.
   * Nothing already accepted is dropped: queued messages stay in the store and inbound work in its
   * queue. Waits for a flush in progress.
   */
  async disconnect(): Promise<void> {
    this.stopTimer();
    this.connection = undefined;
    await this.flushing?.catch(() => undefined);
  }

  /**
   * Enqueues a loyalty event as a `custom_event`, when `externalEvents` associates its action
   * (otherwise `status` is `skipped`). Its `source_request_id` comes from the event ID, so tracking
   * the same event again is harmless.
   *
   * @throws {@link ValidationError} when the event cannot be sent (no identifier, data mParticle does
   * not take, a batch over 128 KB); it is logged as `rejected` and nothing is enqueued.
   * @throws {@link DisconnectedError} when the feed is disconnected or closed.
   */
  async trackEvent(customer: Customer, event: LoyaltyEvent): Promise<EnqueueResult> {
    const { config, queue } = this.requireConnection();
    if (!Object.prototype.hasOwnProperty.call(config.externalEvents, event.action)) {
      return { status: 'skipped', messageIds: [], reason: `action '${event.action}' is not associated with an mParticle event (externalEvents)` };
    }
    const { outcomes, messages } = await queue.submit({ kind: 'custom_event', customerId: customer.id, identifier: event.id }, () => [
      this.toMessage(queue, config, 'custom_event', toCustomEventBatch(customer, event, config)!, 'event.data'),
    ]);
    return result(outcomes, messages);
  }

  /**
   * Enqueues the customer's mapped attributes (only the changed ones when `changedFields` is given;
   * a field now `null` or absent is deleted in mParticle). Sends nothing (`status: 'skipped'`) when no
   * mapped field is left. Undelivered updates of the same customer and attributes are superseded by
   * the newest, so a retry never overwrites newer values.
   *
   * @throws {@link ValidationError} when the profile cannot be sent (no identifier, an object value, a
   * value over 4,096 characters); it is logged as `rejected` and nothing is enqueued.
   * @throws {@link DisconnectedError} when the feed is disconnected or closed.
   */
  async updateProfile(customer: Customer, changedFields?: readonly string[], options: MParticleProfileUpdateOptions = {}): Promise<EnqueueResult> {
    const { config, queue } = this.requireConnection();
    const change = { changedAt: options.changedAt ?? this.settings.now(), ...(changedFields ? { changedFields } : {}) };
    let skipped = false;
    const { outcomes, messages } = await queue.submit({ kind: 'user_attributes', customerId: customer.id }, () => {
      const batch = toUserAttributeBatch(customer, config, change);
      if (!batch) {
        skipped = true;
        return [];
      }
      const names = [...Object.keys(batch.user_attributes ?? {}), ...(batch.deleted_user_attributes ?? [])].sort();
      return [this.toMessage(queue, config, 'user_attributes', batch, 'customer.attributes', `${identityOf(batch, config)}\u001f${names.join('\u001f')}`)];
    });
    if (skipped) {
      return {
        status: 'skipped',
        messageIds: [],
        reason:
          Object.keys(config.fieldMapping).length === 0
            ? 'no fieldMapping is configured'
            : changedFields
              ? 'none of the changed fields is in fieldMapping'
              : 'the customer has none of the fields in fieldMapping',
      };
    }
    return result(outcomes, messages);
  }

  /**
   * Enqueues a custom event the host triggers directly, e.g. for the workflow action "Trigger
   * marketing communication". Give it an `id` to make triggering twice send once.
   *
   * @throws {@link ValidationError} for an empty or over-long name, an unknown `customEventType`, or
   * attributes mParticle does not take; logged as `rejected`, nothing is enqueued.
   * @throws {@link DisconnectedError} when the feed is disconnected or closed.
   */
  async sendCustomEvent(customer: Customer, event: MParticleCustomEventInput): Promise<EnqueueResult> {
    const { config, queue } = this.requireConnection();
    const { outcomes, messages } = await queue.submit({ kind: 'custom_event', customerId: customer.id, ...(event?.id ? { identifier: event.id } : {}) }, () => [
      this.toMessage(queue, config, 'custom_event', toTriggeredEventBatch(customer, { ...event, timestamp: event?.timestamp ?? this.settings.now() }, config), 'attributes'),
    ]);
    return result(outcomes, messages);
  }

  /**
   * Delivers everything due now: new batches and resends whose time has come. Schedule it like a
   * cron job (or set `autoFlush`). Never rejects for delivery failures.
   *
   * @throws {@link DisconnectedError} when the feed is disconnected or closed.
   */
  async flush(): Promise<DeliveryReport> {
    const { queue } = this.requireConnection();
    const run = queue.flush();
    this.flushing = run;
    return run;
  }

  /**
   * Flushes until nothing waits (sitting out scheduled resends), `timeoutMs` has passed, or the feed
   * is disconnected.
   *
   * @throws {@link DisconnectedError} when the feed is disconnected or closed.
   */
  async drain(timeoutMs = 30_000): Promise<DeliveryReport> {
    const { queue } = this.requireConnection();
    const deadline = this.settings.now() + timeoutMs;
    const total = emptyReport();
    // The core's drain cannot be stopped; this loop stops as soon as the feed is disconnected.
    while (this.connection?.queue === queue) {
      addReport(total, await this.flush());
      const [next] = await this.settings.store.listPending(MPARTICLE_CONNECTOR, { limit: 1 });
      if (!next || next.nextAttemptAt > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next.nextAttemptAt - this.settings.now())));
    }
    return total;
  }

  /**
   * The outbound resend queue: batches that failed (timeout, 429, 5xx) and wait to be resent, soonest
   * first, with their customer, event type, attempts, next attempt and last error. Readable while
   * disconnected.
   */
  async resendQueue(limit?: number): Promise<ResendQueueEntry[]> {
    const waiting = await this.settings.store.listPending(MPARTICLE_CONNECTOR);
    return waiting
      .filter((message) => message.lastError !== undefined)
      .slice(0, limit ?? Infinity)
      .map(toResendQueueEntry);
  }

  /** Batches waiting for delivery or a resend, soonest first. Readable while disconnected. */
  pending(limit?: number): Promise<StoredMessage[]> {
    return this.settings.store.listPending(MPARTICLE_CONNECTOR, limit === undefined ? {} : { limit });
  }

  /**
   * Batches mParticle refused (400, 401, 403) or that failed six times (the first attempt and five
   * resends), oldest first. Readable while disconnected.
   */
  deadLetters(limit?: number): Promise<StoredMessage[]> {
    return this.settings.store.listDeadLetters(MPARTICLE_CONNECTOR, limit === undefined ? {} : { limit });
  }

  /**
   * Puts dead letters back in the queue unchanged (same `source_request_id`, so mParticle keeps one
   * copy if an earlier attempt did arrive). Returns the IDs moved; `flush()` sends them.
   *
   * @throws {@link DisconnectedError} when the feed is disconnected or closed.
   */
  async replay(ids?: readonly string[] | 'all'): Promise<string[]> {
    return this.requireConnection().queue.replay(ids);
  }

  /**
   * Stops auto-flush, delivers what is due, and refuses further calls for good (unlike
   * `disconnect()`, which `configure()` undoes).
   */
  async close(): Promise<DeliveryReport> {
    if (this.closed) return emptyReport();
    this.stopTimer();
    const connection = this.connection;
    this.connection = undefined;
    this.closed = true;
    await this.flushing?.catch(() => undefined);
    return connection ? connection.queue.close() : emptyReport();
  }

  /**
   * The inbound HTTP handler (mParticle's Firehose requests), a bound function: mount it with
   * `toNodeListener(feed.fetch)` or return it from any web-standard route. Answers 410 with a JSON
   * error while the feed is disconnected and 404 when `inbound` is not configured; never throws.
   */
  readonly fetch: (request: Request) => Promise<Response> = Object.assign(
    async (request: Request): Promise<Response> => {
      const inbound = this.connection?.inbound;
      return inbound ? inbound.fetch(request) : this.refuse(request);
    },
    {
      // Keeps the inbound handler's Node fast path reachable through the feed (toNodeListener).
      [NODE_FAST_PATH]: async (request: BufferedRequest): Promise<BufferedResponse> => {
        const fast = (this.connection?.inbound?.fetch as { [NODE_FAST_PATH]?: NodeFastPath } | undefined)?.[NODE_FAST_PATH];
        if (fast) return fast(request);
        const response = await this.refuse(new Request(`http://localhost${request.url}`, { method: 'GET' }));
        return { status: response.status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: await response.text() };
      },
    },
  );

  private refuse(request: Request): Promise<Response> {
    const connected = this.connection !== undefined;
    return handleInbound({ connector: MPARTICLE_INBOUND_CONNECTOR, logger: this.logger, now: this.settings.now }, request, async () => {
      throw connected
        ? new InboundError(404, 'inbound_not_configured', 'this mParticle feed has no inbound (Output) configuration')
        : new InboundError(410, 'disconnected', 'this mParticle feed is disconnected; it must be configured again');
    });
  }

  /**
   * Applies queued inbound work to the loyalty engine (schedule it like a cron job).
   *
   * @throws {@link DisconnectedError} when the feed is disconnected or closed.
   * @throws {@link ConfigurationError} when `inbound` is not configured.
   */
  async processInboundQueue(): Promise<InboundProcessReport> {
    const { inbound } = this.requireConnection();
    if (!inbound) throw new ConfigurationError('MParticleFeed: inbound is not configured', { option: 'inbound' });
    return inbound.processInboundQueue();
  }

  private requireConnection(): Connection {
    if (this.connection) return this.connection;
    throw new DisconnectedError(
      this.closed ? 'MParticleFeed: the feed is closed' : 'MParticleFeed: the feed is disconnected; call configure({ outbound, inbound? }) to reconnect',
    );
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private toMessage(queue: DeliveryQueue, config: MParticleOutboundConfig, kind: string, batch: MParticleBatch, path: string, coalesceKey?: string): OutboundMessage {
    try {
      return queue.message({
        id: batch.source_request_id,
        kind,
        customerId: identityOf(batch, config),
        payload: batch,
        ...(coalesceKey === undefined ? {} : { coalesceKey }),
      });
    } catch (error) {
      // JSON.stringify throws a TypeError for circular structures.
      throw new ValidationError({ path, expected: 'JSON-serialisable values', received: error instanceof Error ? error.message : String(error) });
    }
  }
}

/** The identifier the batch is about: the configured identity's value. */
function identityOf(batch: MParticleBatch, config: MParticleOutboundConfig): string {
  return batch.user_identities[config.identity] ?? '';
}

function result(outcomes: readonly string[], messages: readonly OutboundMessage[]): EnqueueResult {
  return { status: outcomes.length > 0 && outcomes.every((o) => o === 'duplicate') ? 'duplicate' : 'queued', messageIds: messages.map((m) => m.id) };
}

// Registered before parsing so that not even a parse error can echo them.
function registerSecrets(options: { outbound?: unknown; inbound?: unknown } | undefined): void {
  const outbound = options?.outbound as { apiKey?: unknown; apiSecret?: unknown } | undefined;
  const inbound = options?.inbound as { authToken?: unknown } | undefined;
  const key = typeof outbound?.apiKey === 'string' ? outbound.apiKey : undefined;
  const secret = typeof outbound?.apiSecret === 'string' ? outbound.apiSecret : undefined;
  registerSecret(key);
  registerSecret(secret);
  if (key && secret) registerSecret(mparticleAuthorization(key, secret).slice('Basic '.length));
  if (typeof inbound?.authToken === 'string') registerSecret(inbound.authToken);
}
