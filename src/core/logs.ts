import { randomId } from './ids.js';
import { redactionVersion, redactText, redactValue } from './redact.js';

/** Fields every log record has. */
export interface LogRecordBase {
  /** Unique record ID. */
  id: string;
  /** When the record was written, ISO-8601 UTC. */
  timestamp: string;
  /** The connector that wrote it, e.g. `segment`, `segment-inbound`, `mparticle`, `braze`. */
  connector: string;
}

/** One delivery attempt of one outbound message. */
export interface OutboundLogRecord extends LogRecordBase {
  /** Discriminator. */
  kind: 'outbound';
  /** The customer ID the destination saw. */
  customerId: string;
  /** What was sent: `track`, `identify`, `custom_event`, `user_attributes`, `purchase`, … */
  eventType: string;
  /** What became of the attempt. */
  outcome: 'delivered' | 'retry-scheduled' | 'dead-lettered' | 'rejected' | 'superseded';
  /** HTTP status; absent when no response arrived or nothing was sent. */
  statusCode?: number;
  /** Response time of the request that carried the message, in milliseconds. */
  responseTimeMs?: number;
  /** The error, redacted, when the attempt failed. */
  error?: string;
  /** The message's idempotency key (Segment `messageId`, mParticle `source_request_id`, …). */
  identifier: string;
  /** Attempt number, 1 for the first. */
  attempt?: number;
  /** The message as sent (redacted). */
  requestBody?: string;
  /** The destination's answer (redacted). */
  responseBody?: string;
}

/** One inbound item (an event or a profile update) applied to the loyalty engine. */
export interface InboundLogRecord extends LogRecordBase {
  /** Discriminator. */
  kind: 'inbound';
  /** The loyalty customer ID, when known. */
  customerId?: string;
  /** The loyalty action applied (`point_add`, `profile`, `list_add`, …). */
  action?: string;
  /** `success`, `failed`, or `skipped` (loop guard, no matching mapping, duplicate). */
  status: 'success' | 'failed' | 'skipped';
  /** The event ID the engine registered. */
  eventId?: string;
  /** The error, redacted. */
  error?: string;
  /** The inbound item's ID (Segment `messageId`, mParticle event ID, …). */
  identifier?: string;
  /** The item as received (redacted). */
  requestBody?: string;
  /** What was answered or registered (redacted). */
  responseBody?: string;
}

/** Where an incoming request or item failed. */
export type IncomingErrorSource = 'proxy-request' | 'proxy-forwarding' | 'engine-request' | 'engine-processing';

/** A failed incoming request or item. */
export interface IncomingErrorRecord extends LogRecordBase {
  /** Discriminator. */
  kind: 'incoming-error';
  /** The request's ID (or a generated one). */
  requestId: string;
  /** Machine-readable error code, e.g. `unauthorized`, `invalid_json`, `unknown_customer`. */
  errorCode: string;
  /** Human-readable message, redacted. */
  message: string;
  /**
   * `proxy-request`: rejected on arrival; `proxy-forwarding`: accepted but could not be queued;
   * `engine-request`: the loyalty engine refused the call; `engine-processing`: it failed while
   * processing.
   */
  source: IncomingErrorSource;
  /** When the request arrived, ISO-8601. */
  createdAt: string;
  /** When the error was logged, ISO-8601. */
  loggedAt: string;
  /** The offending payload (redacted). */
  payload?: string;
}

/** Any log record. */
export type LogRecord = OutboundLogRecord | InboundLogRecord | IncomingErrorRecord;

/** A record as a connector writes it; the logger adds `id` and `timestamp`. */
export type LogRecordInput =
  | Omit<OutboundLogRecord, 'id' | 'timestamp'>
  | Omit<InboundLogRecord, 'id' | 'timestamp'>
  | Omit<IncomingErrorRecord, 'id' | 'timestamp' | 'loggedAt'>;

/**
 * Receives log records. Records arrive already redacted. A sink that throws or rejects never
 * breaks delivery: the failure is reported once on `console.warn` and the record is dropped.
 */
export interface LogSink {
  /** Stores or forwards one record. */
  write(record: LogRecord): void | Promise<void>;
}

/**
 * The connectors' single way into a {@link LogSink}: it stamps, redacts, and shields delivery from
 * sink failures.
 */
export class Logger {
  private warned = false;
  private lastMs = Number.NaN;
  private lastIso = '';
  // Record IDs are a random UUID prefix per logger plus a counter: UUID-shaped and unique, but one
  // small string each. crypto.randomUUID() returns a rope of ~20 pieces that kept ~480 bytes alive
  // per retained record, which tripled the memory of a log store.
  private readonly idPrefix = randomId().slice(0, 24);
  private sequence = 0;

  constructor(
    private readonly sink: LogSink | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes one record (redacted) to the sink; never throws. */
  write(input: LogRecordInput): void {
    if (!this.sink) return;
    const timestamp = this.isoTime(this.now());
    const record = this.redactRecord(input);
    record.id = this.idPrefix + (this.sequence++).toString(16).padStart(12, '0');
    record.timestamp = timestamp;
    if (record.kind === 'incoming-error') record.loggedAt = timestamp;
    try {
      const result = this.sink.write(record);
      if (result && typeof (result as Promise<void>).catch === 'function') {
        (result as Promise<void>).catch((error: unknown) => this.warn(error));
      }
    } catch (error) {
      this.warn(error);
    }
  }

  // The records of one request share their response body and error text: redact each once.
  private readonly lastRedacted = new Map<string, { text: string; version: number; redacted: string }>();

  private redactRecord(input: LogRecordInput): LogRecord {
    const out: Record<string, unknown> = {};
    const version = redactionVersion();
    for (const key in input) {
      const value = (input as Record<string, unknown>)[key];
      if (typeof value !== 'string') {
        out[key] = redactValue(value);
      } else if (key === 'responseBody' || key === 'error') {
        const last = this.lastRedacted.get(key);
        if (last && last.text === value && last.version === version) {
          out[key] = last.redacted;
        } else {
          const redacted = redactText(value);
          this.lastRedacted.set(key, { text: value, version, redacted });
          out[key] = redacted;
        }
      } else {
        out[key] = redactText(value);
      }
    }
    return out as unknown as LogRecord;
  }

  // A flush writes a record per message, mostly within one millisecond: format each instant once.
  private isoTime(ms: number): string {
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = new Date(ms).toISOString();
    }
    return this.lastIso;
  }

  private warn(error: unknown): void {
    if (this.warned) return;
    this.warned = true;
    console.warn(`loyalty-cdp: log sink failed, records are being dropped: ${redactText(String(error))}`);
  }
}
