import { MemoryDedupeStore, type DedupeStore } from '../../core/dedupe-store.js';
import type { CustomerLists, LoyaltyEngine } from '../../core/engine.js';
import { ConfigurationError, type ValidationError } from '../../core/errors.js';
import { randomId } from '../../core/ids.js';
import {
  InboundError,
  bufferedJsonResponse,
  bufferedView,
  guardInbound,
  jsonResponse,
  parseJson,
  webView,
  type InboundAnswer,
  type IncomingView,
} from '../../core/inbound.js';
import { NODE_FAST_PATH, type BufferedRequest, type BufferedResponse } from '../../core/node-adapter.js';
import type { Logger } from '../../core/logs.js';
import { parseOptions } from '../../core/options.js';
import { registerSecret } from '../../core/redact.js';
import { TokenCheck } from './auth.js';
import { stringifyForLog } from './json.js';
import type { FirehoseEnvelope } from './firehose.js';
import {
  toAudienceSubscriptionItem,
  screenEventRequest,
  toMembershipWorkItems,
  toValidationError,
  type InboundRequestMeta,
  type RejectedInboundItem,
} from './mapping.js';
import { processInboundQueue, type InboundProcessReport } from './processor.js';
import { MemoryInboundQueue, type InboundQueue, type InboundWorkItem } from './queue.js';
import {
  toAudienceMembershipResponse,
  toAudienceSubscriptionResponse,
  toEventProcessingResponse,
  toRegistrationResponse,
} from './responses.js';
import {
  audienceMembershipChangeRequestSchema,
  audienceSubscriptionRequestSchema,
  checkEventProcessingRequest,
  mparticleInboundOptionsSchema,
  type MParticleInboundOptions,
  type ParsedInboundOptions,
} from './schemas.js';

/** The connector name on this direction's log records. */
export const MPARTICLE_INBOUND_CONNECTOR = 'mparticle-inbound';

/** What {@link MParticleInbound} needs from its host (`MParticleFeed` passes its own). */
export interface MParticleInboundContext {
  /** The loyalty engine events are registered in and customers found in. */
  engine: LoyaltyEngine;
  /** Customer lists, needed when `trackAudiences` is on. */
  lists?: CustomerLists;
  /** Where log records go (the feed's shared log sink). */
  logger: Logger;
  /** Clock in epoch milliseconds. */
  now: () => number;
}

type Handler = (message: FirehoseEnvelope, meta: InboundRequestMeta, raw: string) => Promise<InboundAnswer>;

/**
 * The inbound half of `MParticleFeed` (mParticle's Output/Event direction): answers mParticle's
 * Firehose requests fast and queues the work; {@link MParticleInbound.processInboundQueue} applies
 * it to the loyalty engine.
 *
 * @example
 * ```ts
 * const inbound = new MParticleInbound({ authToken, eventMappings }, { engine, lists: engine, logger, now: Date.now });
 * http.createServer(toNodeListener(inbound.fetch)).listen(3000);
 * setInterval(() => void inbound.processInboundQueue(), 60_000);
 * ```
 */
export class MParticleInbound {
  /** The parsed options. */
  readonly options: ParsedInboundOptions;
  private readonly context: MParticleInboundContext;
  private readonly queue: InboundQueue;
  private readonly dedupe: DedupeStore;
  private readonly token: TokenCheck;
  private readonly handlers: Record<string, Handler>;

  /**
   * @throws {@link ConfigurationError} when an option is invalid, when `autoSubscribe` is on but the
   * engine has no `createCustomer`, or when `trackAudiences` is on but no `lists` were supplied.
   */
  constructor(options: MParticleInboundOptions, context: MParticleInboundContext) {
    // Registered before parsing so that even a rejected token never reaches an error message.
    if (options && typeof options === 'object' && typeof options.authToken === 'string') registerSecret(options.authToken);
    this.options = parseOptions('MParticleFeed inbound', mparticleInboundOptionsSchema, options);
    if (this.options.autoSubscribe && typeof context.engine.createCustomer !== 'function') {
      throw new ConfigurationError(
        'MParticleFeed inbound: autoSubscribe needs a loyalty engine that implements createCustomer()',
        { option: 'inbound.autoSubscribe' },
      );
    }
    if (this.options.trackAudiences && !context.lists) {
      throw new ConfigurationError(
        'MParticleFeed inbound: trackAudiences needs a CustomerLists implementation (pass `lists`)',
        { option: 'inbound.trackAudiences' },
      );
    }
    this.context = context;
    this.queue = this.options.queue ?? new MemoryInboundQueue();
    this.dedupe = this.options.dedupeStore ?? new MemoryDedupeStore();
    this.token = new TokenCheck(this.options.authToken);
    this.handlers = {
      event_processing_request: (message, meta, raw) => this.acceptEvents(message, meta, raw),
      audience_subscription_request: (message, meta) => this.acceptSubscription(message, meta),
      audience_membership_change_request: (message, meta) => this.acceptMembership(message, meta),
    };
  }

  /**
   * Answers one mParticle request (`(Request) => Promise<Response>`, usable with any web-standard
   * server or with `toNodeListener`, which serves it through its `NODE_FAST_PATH` without building
   * web `Request`/`Response` objects). Registration requests need no token; everything else needs
   * `Authorization: Token <authToken>` (401 otherwise). Accepted work is queued, not applied. Never
   * rejects: a bad request gets a 4xx JSON error and an incoming-error log record.
   */
  readonly fetch: (request: Request) => Promise<Response> = Object.assign(
    async (request: Request): Promise<Response> => {
      const answer = await this.answer(webView(request));
      return jsonResponse(answer.status, answer.body);
    },
    {
      [NODE_FAST_PATH]: async (request: BufferedRequest): Promise<BufferedResponse> => {
        const answer = await this.answer(bufferedView(request));
        return bufferedJsonResponse(answer.status, answer.body);
      },
    },
  );

  private answer(view: IncomingView): Promise<InboundAnswer> {
    return guardInbound({ connector: MPARTICLE_INBOUND_CONNECTOR, logger: this.context.logger, now: this.context.now }, view, async (state) => {
      if (view.method !== 'POST') {
        throw new InboundError(405, 'method_not_allowed', `mParticle posts its requests; received ${view.method}`);
      }
      const raw = await view.text(this.options.maxBodyBytes);
      const authorization = view.header('authorization');
      const authorized = this.token.accepts(authorization ?? null);
      // Only an authenticated body is kept for the error log: strangers cannot write into it.
      if (authorized) state.raw = raw;
      const message = parseJson(raw);
      if (message === null || typeof message !== 'object' || Array.isArray(message) || typeof (message as FirehoseEnvelope).type !== 'string') {
        throw new InboundError(400, 'invalid_message', "expected a Firehose message: a JSON object with a string 'type'");
      }
      const envelope = message as FirehoseEnvelope;
      const requestId = typeof envelope.id === 'string' && envelope.id !== '' ? envelope.id : (view.header('x-request-id') ?? randomId());
      state.requestId = requestId;
      const meta: InboundRequestMeta = { requestId, receivedAt: state.receivedAt };
      if (envelope.type === 'module_registration_request') {
        return { status: 200, body: toRegistrationResponse(envelope, this.options, this.context.now(), requestId) };
      }
      if (!authorized) {
        throw new InboundError(
          401,
          'unauthorized',
          authorization !== undefined
            ? 'the Authorization token does not match inbound.authToken'
            : "missing Authorization header: mParticle sends 'Authorization: Token <token>'",
        );
      }
      const handler = Object.hasOwn(this.handlers, envelope.type) ? this.handlers[envelope.type] : undefined;
      if (!handler) {
        throw new InboundError(400, 'unsupported_message_type', `unsupported Firehose message type '${envelope.type.slice(0, 60)}'`, {
          details: { expected: ['module_registration_request', ...Object.keys(this.handlers)] },
        });
      }
      return handler(envelope, meta, raw);
    });
  }

  /**
   * Applies queued work to the loyalty engine, lowest mapping `priority` first, then by arrival;
   * schedule it like a cron job. Never throws for an item: each failure is logged (inbound log and
   * incoming-error log); transient engine failures are retried by later runs, up to `maxAttempts`.
   */
  processInboundQueue(): Promise<InboundProcessReport> {
    return processInboundQueue({
      connector: MPARTICLE_INBOUND_CONNECTOR,
      engine: this.context.engine,
      lists: this.context.lists,
      logger: this.context.logger,
      now: this.context.now,
      queue: this.queue,
      dedupe: this.dedupe,
      options: this.options,
    });
  }

  /** Items waiting in the queue (queued, in progress or waiting for a retry). */
  pending(): Promise<number> {
    return this.queue.size();
  }

  private async acceptEvents(message: FirehoseEnvelope, meta: InboundRequestMeta, raw: string): Promise<InboundAnswer> {
    const invalid = checkEventProcessingRequest(message);
    if (invalid) throw invalidMessage(invalid);
    const events = message.events as unknown[] | undefined;
    if (events && events.length > 0) {
      const screened = screenEventRequest(message, this.options);
      this.logRejected(screened.rejected, meta);
      if (screened.mapped > 0) {
        await this.enqueue([
          {
            kind: 'event-request',
            // Unique rather than derived from the message ID: two different requests must never
            // collapse into one. Redeliveries are caught per event, by the dedupe store.
            id: `mparticle-request:${randomId()}`,
            priority: screened.priority,
            receivedAt: meta.receivedAt,
            requestId: meta.requestId,
            attempts: 0,
            body: raw,
            ...(screened.skip.length > 0 ? { skip: screened.skip } : {}),
          },
        ]);
      }
    }
    return { status: 200, body: toEventProcessingResponse(message, this.context.now(), meta.requestId) };
  }

  private async acceptSubscription(message: FirehoseEnvelope, meta: InboundRequestMeta): Promise<InboundAnswer> {
    if (this.options.trackAudiences) {
      const checked = audienceSubscriptionRequestSchema.safeParse(message);
      if (!checked.success) throw invalidMessage(toValidationError(checked.error.issues[0], 'request', message));
      await this.enqueue([toAudienceSubscriptionItem(checked.data, meta)]);
    }
    return { status: 200, body: toAudienceSubscriptionResponse(message, this.context.now(), meta.requestId) };
  }

  private async acceptMembership(message: FirehoseEnvelope, meta: InboundRequestMeta): Promise<InboundAnswer> {
    if (this.options.trackAudiences) {
      const checked = audienceMembershipChangeRequestSchema.safeParse(message);
      if (!checked.success) throw invalidMessage(toValidationError(checked.error.issues[0], 'request', message));
      const mapped = toMembershipWorkItems(checked.data, this.options, meta);
      this.logRejected(mapped.rejected, meta);
      await this.enqueue(mapped.items);
    }
    return { status: 200, body: toAudienceMembershipResponse(message, this.context.now(), meta.requestId) };
  }

  private async enqueue(items: InboundWorkItem[]): Promise<void> {
    if (items.length === 0) return;
    try {
      await this.queue.enqueue(items);
    } catch (error) {
      // 503 is one of the statuses mParticle retries, so nothing accepted is lost.
      throw new InboundError(503, 'queue_unavailable', `the inbound queue refused the work: ${error instanceof Error ? error.message : String(error)}`, {
        source: 'proxy-forwarding',
      });
    }
  }

  private logRejected(rejected: RejectedInboundItem[], meta: InboundRequestMeta): void {
    const { logger } = this.context;
    for (const item of rejected) {
      const payload = stringifyForLog(item.payload);
      logger.write({
        kind: 'inbound',
        connector: MPARTICLE_INBOUND_CONNECTOR,
        status: 'failed',
        ...(item.action ? { action: item.action } : {}),
        ...(item.identifier ? { identifier: item.identifier } : {}),
        error: `${item.code}: ${item.error.message}`,
        requestBody: payload,
      });
      logger.write({
        kind: 'incoming-error',
        connector: MPARTICLE_INBOUND_CONNECTOR,
        requestId: meta.requestId,
        errorCode: item.code,
        message: item.error.message,
        source: 'proxy-request',
        createdAt: new Date(meta.receivedAt).toISOString(),
        payload,
      });
    }
  }
}

function invalidMessage(error: ValidationError): InboundError {
  return new InboundError(400, 'invalid_message', error.message, { details: { path: error.path, expected: error.expected, received: error.received } });
}
