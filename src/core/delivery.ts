import PQueue from 'p-queue';
import pRetry from 'p-retry';
import { packBatches, utf8Bytes, type BatchLimits } from './batching.js';
import { DisconnectedError, ValidationError } from './errors.js';
import type { Logger, LogRecordInput } from './logs.js';
import { redactText } from './redact.js';
import type { RateLimit } from './options.js';
import type { RetryPolicy } from './retry.js';
import type { EnqueueOutcome, LeasedMessage, OutboundMessage, QueueStore, StoredMessage } from './store.js';
import { TransportTimeoutError, type Transport, type TransportRequest, type TransportResponse } from './transport.js';

/** The outcome of one message within a request. */
export type ItemResult =
  | {
      /** Delivered. */
      ok: true;
    }
  | {
      /** Not delivered. */
      ok: false;
      /** Whether the retry policy may try again. */
      retryable: boolean;
      /** What went wrong, for the dead letter and the log. */
      error: string;
      /** The outcome is unknown: the destination may have applied it (timeout, 504). */
      ambiguous?: boolean;
    };

/**
 * How a connector's destination takes batches and answers: the small declaration each connector
 * makes so that the core can queue, pack, send, retry and log for it.
 */
export interface Destination {
  /** The connector name used in the store and the logs. */
  connector: string;
  /** Request limits for {@link packBatches}. */
  limits: BatchLimits;
  /** Builds the HTTP request that carries a batch; the bodies are `message.body` as enqueued. */
  buildRequest(batch: readonly LeasedMessage[]): Omit<TransportRequest, 'timeoutMs'>;
  /**
   * Per-message results for a response, aligned with `batch`, when the destination reports
   * per-item outcomes (partial success, vendor codes). Return undefined to use the status-based
   * default.
   */
  interpret?(response: TransportResponse, batch: readonly LeasedMessage[]): ItemResult[] | undefined;
  /**
   * Headers that say how long to wait before retrying, most specific first.
   * @default ['retry-after']
   */
  retryAfterHeaders?: readonly string[];
  /**
   * HTTP statuses whose `retryAfterHeaders` are honoured, for vendors that send a rate-limit reset
   * header on every answer (Braze). Default: every status.
   */
  retryAfterStatuses?: readonly number[];
  /**
   * Whether a message whose outcome is unknown may be retried. Default: always, which suits
   * destinations that deduplicate.
   */
  retryAmbiguous?(message: LeasedMessage): boolean;
}

/** What {@link DeliveryQueue.submit} enqueued. */
export interface SubmitResult {
  /** One outcome per message, in order. */
  outcomes: EnqueueOutcome[];
  /** The messages built by the mapping. */
  messages: OutboundMessage[];
}

/** What one `flush()` did. */
export interface DeliveryReport {
  /** Messages the destination accepted. */
  delivered: number;
  /** Messages that failed and wait for a retry. */
  retryScheduled: number;
  /** Messages kept as dead letters. */
  deadLettered: number;
  /** HTTP requests made. */
  requests: number;
}

/** Settings of a {@link DeliveryQueue}, resolved from a connector's options. */
export interface DeliverySettings {
  /** Where messages wait. */
  store: QueueStore;
  /** Where log records go. */
  logger: Logger;
  /** How requests are sent. */
  transport: Transport;
  /** Which failures are retried, and when. */
  retry: RetryPolicy;
  /** Requests in flight at once. */
  concurrency: number;
  /** Request rate limit, if any. */
  rateLimit?: RateLimit | undefined;
  /** Per-request timeout in milliseconds. */
  timeoutMs: number;
  /** Lease time in milliseconds. */
  leaseMs: number;
  /** In-process flush interval, or false. */
  autoFlushMs?: number | false | undefined;
  /** Clock in epoch milliseconds. */
  now: () => number;
}

const RESPONSE_LOG_LIMIT = 4096;

// One shared, frozen "delivered" result: settle only rewrites failed ones.
const DELIVERED: ItemResult = Object.freeze({ ok: true });

/**
 * The shared outbound engine: validates sizes on enqueue, then on `flush()` leases due messages,
 * packs them into as few requests as the destination's limits allow, sends them with bounded
 * concurrency and rate, and settles every message: acked, scheduled for retry, or dead-lettered,
 * with one log record per message and attempt.
 */
export class DeliveryQueue {
  private readonly requests: PQueue;
  private running: Promise<DeliveryReport> | undefined;
  private followUp: Promise<DeliveryReport> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private closed = false;

  constructor(
    private readonly destination: Destination,
    private readonly settings: DeliverySettings,
  ) {
    this.requests = new PQueue({
      concurrency: settings.concurrency,
      ...(settings.rateLimit
        ? { intervalCap: settings.rateLimit.requests, interval: settings.rateLimit.intervalMs, strict: true }
        : {}),
    });
    if (settings.autoFlushMs) {
      this.timer = setInterval(() => {
        this.flush().catch(() => undefined);
      }, settings.autoFlushMs);
      this.timer.unref?.();
    }
  }

  /**
   * Adds messages for delivery. All are checked first: when one is larger than the destination
   * takes, none is enqueued, the refusal is logged, and a {@link ValidationError} is thrown.
   */
  async enqueue(messages: readonly OutboundMessage[]): Promise<EnqueueOutcome[]> {
    this.assertOpen();
    this.checkSizes(messages);
    return this.settings.store.enqueue(messages);
  }

  // Throws (and logs) when one message is larger than the destination takes.
  private checkSizes(messages: readonly OutboundMessage[]): void {
    const { maxItemBytes, maxBytes, envelopeBytes } = this.destination.limits;
    const limit = Math.min(maxItemBytes ?? Infinity, maxBytes - envelopeBytes);
    for (const message of messages) {
      if (message.bytes > limit) {
        const error = new ValidationError({
          path: message.kind,
          expected: `at most ${limit} bytes (UTF-8) per message`,
          received: `${message.bytes} bytes`,
          message: `${message.kind} message ${message.id} is ${message.bytes} bytes (UTF-8); the destination takes at most ${limit}`,
        });
        this.log(message, 'rejected', error.message, undefined);
        throw error;
      }
    }
  }

  /**
   * Builds an {@link OutboundMessage} from a payload: serialises it once (the body goes on the
   * wire as is) and measures its UTF-8 bytes.
   */
  message(fields: { id: string; kind: string; customerId: string; payload: unknown; coalesceKey?: string | undefined }): OutboundMessage {
    const body = JSON.stringify(fields.payload);
    // One literal of one shape (no spread): this runs once per message.
    const message: OutboundMessage = {
      id: fields.id,
      connector: this.destination.connector,
      kind: fields.kind,
      customerId: fields.customerId,
      body,
      bytes: utf8Bytes(body),
      createdAt: this.settings.now(),
    };
    if (fields.coalesceKey !== undefined) message.coalesceKey = fields.coalesceKey;
    return message;
  }

  /**
   * Runs a connector's pure mapping and enqueues what it returns. A `ValidationError` from the
   * mapping (or from the size check) is written to the log as a `rejected` record and rethrown;
   * nothing of that call is enqueued.
   */
  async submit(
    context: { kind: string; customerId?: string; identifier?: string },
    build: () => OutboundMessage[],
  ): Promise<SubmitResult> {
    this.assertOpen();
    let messages: OutboundMessage[];
    try {
      messages = build();
    } catch (error) {
      if (error instanceof ValidationError) {
        this.log(
          { id: context.identifier ?? '', kind: context.kind, customerId: context.customerId ?? '', body: '' },
          'rejected',
          error.message,
          undefined,
        );
      }
      throw error;
    }
    // What enqueue() does, without another promise per call.
    this.checkSizes(messages);
    return { outcomes: await this.settings.store.enqueue(messages), messages };
  }

  /**
   * Delivers every message due now: new ones and retries whose time has come. A call made while a
   * flush runs waits for it and then runs once more (callers arriving meanwhile share that run), so
   * whatever was enqueued before the call is attempted when it resolves. Resolves with what was
   * done; never rejects for delivery failures.
   */
  flush(): Promise<DeliveryReport> {
    if (this.running) {
      this.followUp ??= this.running.then(() => {
        this.followUp = undefined;
        return this.flush();
      });
      return this.followUp;
    }
    this.running = this.deliverDue().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * Flushes repeatedly, waiting for scheduled retries, until nothing is pending or `timeoutMs` has
   * passed. Returns the summed report.
   */
  async drain(timeoutMs = 30_000): Promise<DeliveryReport> {
    const deadline = this.settings.now() + timeoutMs;
    const total = emptyReport();
    try {
      await pRetry(
        async () => {
          addReport(total, await this.flush());
          const [next] = await this.settings.store.listPending(this.destination.connector, { limit: 1 });
          if (next) throw new PendingRetries(next.nextAttemptAt);
        },
        {
          retries: Number.POSITIVE_INFINITY,
          minTimeout: 0,
          maxTimeout: 0,
          shouldRetry: ({ error }) => error instanceof PendingRetries && error.nextAttemptAt <= deadline,
          onFailedAttempt: async ({ error }) => {
            if (error instanceof PendingRetries) await sleep(error.nextAttemptAt - this.settings.now());
          },
        },
      );
    } catch (error) {
      if (!(error instanceof PendingRetries)) throw error;
    }
    return total;
  }

  /** Stops the auto-flush timer, delivers what is due, and refuses further messages. */
  async close(): Promise<DeliveryReport> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const report = await this.flush();
    this.closed = true;
    return report;
  }

  /** Dead letters, oldest first. */
  deadLetters(limit?: number): Promise<StoredMessage[]> {
    return this.settings.store.listDeadLetters(this.destination.connector, limit === undefined ? {} : { limit });
  }

  /** Messages waiting for delivery or retry, soonest first. */
  pending(limit?: number): Promise<StoredMessage[]> {
    return this.settings.store.listPending(this.destination.connector, limit === undefined ? {} : { limit });
  }

  /**
   * Moves dead letters back into the queue, unchanged (same IDs, so destinations that deduplicate
   * do), due at once. Returns the IDs moved; deliver them with `flush()`.
   */
  replay(ids: readonly string[] | 'all' = 'all'): Promise<string[]> {
    this.assertOpen();
    return this.settings.store.replay(this.destination.connector, ids, this.settings.now());
  }

  private assertOpen(): void {
    if (this.closed) throw new DisconnectedError(`${this.destination.connector}: the connector is closed`);
  }

  private async deliverDue(): Promise<DeliveryReport> {
    const report = emptyReport();
    const { store, concurrency, leaseMs } = this.settings;
    const { connector, limits } = this.destination;
    // Leasing at the flush's start time keeps retries scheduled during this flush out of it.
    const startedAt = this.settings.now();
    const leaseLimit = limits.maxItems * Math.max(2, concurrency) * 2;
    let carried: LeasedMessage[] = [];
    for (;;) {
      const leased = await store.lease(connector, { limit: leaseLimit, leaseMs, now: startedAt });
      const items = carried.length > 0 ? carried.concat(leased) : leased;
      if (items.length === 0) break;
      const { batches, oversize } = packBatches(items, limits);
      if (oversize.length > 0) await this.settle(oversize, oversize.map(() => tooLarge(limits)), undefined, report);
      // A partly filled last batch waits for the next lease, so that rounds do not cost extra requests.
      const more = leased.length === leaseLimit;
      carried = more && batches.length > 1 ? batches.pop()! : [];
      for (const batch of batches) this.requests.add(() => this.send(batch, startedAt, report));
      await this.requests.onSizeLessThan(concurrency);
      if (!more && carried.length === 0) break;
    }
    await this.requests.onIdle();
    return report;
  }

  private async send(batch: LeasedMessage[], startedAt: number, report: DeliveryReport): Promise<void> {
    const request = { ...this.destination.buildRequest(batch), timeoutMs: this.settings.timeoutMs };
    report.requests += 1;
    let response: TransportResponse | undefined;
    let results: ItemResult[];
    try {
      response = await this.settings.transport(request);
      results = this.destination.interpret?.(response, batch) ?? this.byStatus(response, batch.length);
    } catch (error) {
      const ambiguous = error instanceof TransportTimeoutError;
      const text = `${ambiguous ? 'timeout' : 'network error'}: ${error instanceof Error ? error.message : String(error)}`;
      results = batch.map(() => ({ ok: false, retryable: true, ambiguous, error: text }));
    }
    await this.settle(batch, results, response, report, startedAt);
  }

  private byStatus(response: TransportResponse, count: number): ItemResult[] {
    if (response.status >= 200 && response.status < 300) return new Array<ItemResult>(count).fill(DELIVERED);
    const retryable = this.settings.retry.classifyStatus(response.status) === 'retry';
    const error = `HTTP ${response.status}: ${response.body.slice(0, 500)}`;
    const ambiguous = response.status === 504;
    return Array.from({ length: count }, () => ({ ok: false, retryable, ambiguous, error }));
  }

  private async settle(
    batch: LeasedMessage[],
    results: ItemResult[],
    response: TransportResponse | undefined,
    report: DeliveryReport,
    startedAt = this.settings.now(),
  ): Promise<void> {
    const { store, retry, now } = this.settings;
    const { connector } = this.destination;
    // The usual case, every message delivered, settles the batch as it is: no per-message arrays.
    let allOk = true;
    for (let i = 0; i < batch.length; i++) {
      if (results[i]?.ok !== true) {
        allOk = false;
        break;
      }
    }
    let acks: LeasedMessage[] = batch;
    const retries: Array<LeasedMessage & { at: number; error: string }> = [];
    const deads: Array<LeasedMessage & { error: string; now: number }> = [];
    if (!allOk) {
      acks = [];
      const requested =
        response && (this.destination.retryAfterStatuses?.includes(response.status) ?? true)
          ? retry.retryAfterMs(response.headers, this.destination.retryAfterHeaders ?? ['retry-after'], now())
          : undefined;
      const retryTimes = new Map<number, number>();
      for (let i = 0; i < batch.length; i++) {
        const message = batch[i]!;
        const result = results[i] ?? { ok: false, retryable: false, error: 'no result for this item' };
        if (result.ok) {
          acks.push(message);
          continue;
        }
        // The error lands in the store and in dead-letter listings, so it is redacted once here.
        result.error = redactText(result.error);
        const blockedAsAmbiguous = result.ambiguous === true && this.destination.retryAmbiguous?.(message) === false;
        if (result.retryable && !blockedAsAmbiguous && retry.canRetry(message.attempts)) {
          // One retry time per request and attempt count: a failed batch is retried together, in as
          // few requests as before, not scattered by per-message jitter and clock reads.
          let at = retryTimes.get(message.attempts);
          if (at === undefined) {
            at = Math.max(now() + retry.delayMs(message.attempts, requested), startedAt + 1);
            retryTimes.set(message.attempts, at);
          }
          retries.push({ ...message, at, error: result.error });
        } else {
          const error = blockedAsAmbiguous
            ? `${result.error} (outcome unknown; not retried because retryAmbiguous is false)`
            : result.retryable
              ? `${result.error} (gave up after ${message.attempts} attempts)`
              : result.error;
          deads.push({ ...message, error, now: now() });
        }
      }
    }
    if (acks.length > 0) await store.ack(connector, acks);
    if (retries.length > 0) await store.retry(connector, retries);
    if (deads.length > 0) await store.deadLetter(connector, deads);
    report.delivered += acks.length;
    report.retryScheduled += retries.length;
    report.deadLettered += deads.length;
    const answer: Answer | undefined = response
      ? { statusCode: response.status, responseTimeMs: response.durationMs, responseBody: response.body.slice(0, RESPONSE_LOG_LIMIT) }
      : undefined;
    for (let i = 0; i < acks.length; i++) this.log(acks[i]!, 'delivered', undefined, answer);
    for (let i = 0; i < retries.length; i++) this.log(retries[i]!, 'retry-scheduled', retries[i]!.error, answer);
    for (let i = 0; i < deads.length; i++) this.log(deads[i]!, 'dead-lettered', deads[i]!.error, answer);
  }

  // Builds the record in one literal, fields in a fixed order, absent ones left out (no spreads):
  // this runs once per message and attempt.
  private log(
    message: Pick<OutboundMessage, 'id' | 'kind' | 'customerId' | 'body'> & { attempts?: number },
    outcome: 'delivered' | 'retry-scheduled' | 'dead-lettered' | 'rejected',
    error: string | undefined,
    answer: Answer | undefined,
  ): void {
    if (message.attempts && message.body && answer) {
      // The usual record, in one literal of one shape.
      const full: Record<string, unknown> = {
        kind: 'outbound',
        connector: this.destination.connector,
        customerId: message.customerId,
        eventType: message.kind,
        identifier: message.id,
        attempt: message.attempts,
        requestBody: message.body,
        statusCode: answer.statusCode,
        responseTimeMs: answer.responseTimeMs,
        responseBody: answer.responseBody,
        outcome,
      };
      if (error !== undefined) full.error = error;
      this.settings.logger.write(full as unknown as LogRecordInput);
      return;
    }
    const record: Record<string, unknown> = {
      kind: 'outbound',
      connector: this.destination.connector,
      customerId: message.customerId,
      eventType: message.kind,
      identifier: message.id,
    };
    // Same keys, same order as ever: attempt, requestBody, the answer, outcome, error.
    if (message.attempts) record.attempt = message.attempts;
    if (message.body) record.requestBody = message.body;
    if (answer) {
      record.statusCode = answer.statusCode;
      record.responseTimeMs = answer.responseTimeMs;
      record.responseBody = answer.responseBody;
    }
    record.outcome = outcome;
    if (error !== undefined) record.error = error;
    this.settings.logger.write(record as unknown as LogRecordInput);
  }
}

/** The response fields every log record of a request shares. */
interface Answer {
  statusCode: number;
  responseTimeMs: number;
  responseBody: string;
}

class PendingRetries extends Error {
  constructor(readonly nextAttemptAt: number) {
    super('messages are waiting for a retry');
  }
}

function tooLarge(limits: BatchLimits): ItemResult {
  return {
    ok: false,
    retryable: false,
    error: `message does not fit in one request (at most ${Math.min(limits.maxItemBytes ?? Infinity, limits.maxBytes - limits.envelopeBytes)} bytes)`,
  };
}

/** A report with every figure at zero. */
export function emptyReport(): DeliveryReport {
  return { delivered: 0, retryScheduled: 0, deadLettered: 0, requests: 0 };
}

/** Adds `more` into `total`. */
export function addReport(total: DeliveryReport, more: DeliveryReport): DeliveryReport {
  total.delivered += more.delivered;
  total.retryScheduled += more.retryScheduled;
  total.deadLettered += more.deadLettered;
  total.requests += more.requests;
  return total;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
