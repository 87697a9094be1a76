import type { LogRecord, LogSink } from './logs.js';

/** Filters of {@link LogQuery}. Strings match case-insensitively as substrings for `error` and `message`, exactly elsewhere. */
export type LogWhere = {
  /** Message or request identifier. */
  identifier?: string;
  /** Customer ID. */
  customerId?: string;
  /** Outbound event type (`track`, `identify`, …). */
  eventType?: string;
  /** Inbound action. */
  action?: string;
  /** A substring of the error, or `true` / `false` for "has an error" / "has none". */
  error?: string | boolean;
  /** HTTP status code. */
  statusCode?: number;
  /** Inbound status. */
  status?: 'success' | 'failed' | 'skipped';
  /** Connector name. */
  connector?: string;
  /** Outbound outcome (`delivered`, `retry-scheduled`, `dead-lettered`, `rejected`). */
  outcome?: string;
  /** Incoming-error request ID. */
  requestId?: string;
  /** Incoming-error code. */
  errorCode?: string;
  /** Incoming-error source. */
  source?: string;
  /** A substring of an incoming-error message. */
  message?: string;
};

/** Sort order of a {@link LogQuery}. */
export interface LogSort {
  /** Any record field, e.g. `timestamp`, `statusCode`, `customerId`. */
  by: string;
  /** Ascending or descending. @default 'desc' */
  order?: 'asc' | 'desc';
}

/** A query over a {@link MemoryLogStore}. */
export interface LogQuery {
  /** Only records of this kind. */
  kind?: LogRecord['kind'];
  /** Field filters; all must hold. */
  where?: LogWhere;
  /**
   * Sort field and order.
   * @default { by: 'timestamp', order: 'desc' }
   */
  sort?: LogSort;
  /**
   * Page size.
   * @default 100
   */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/** One page of query results. */
export interface LogPage {
  /** The records of this page. */
  records: LogRecord[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** Options of {@link MemoryLogStore}. */
export interface MemoryLogStoreOptions {
  /**
   * How long records are kept by {@link MemoryLogStore.purge} when it is called without a date.
   * @default 90 days
   */
  retentionMs?: number;
  /**
   * At most this many records are held; the oldest go first. Bounds memory in long-running processes.
   * @default 100000
   */
  maxRecords?: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** Default log retention: 90 days. */
export const DEFAULT_LOG_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;

/**
 * The embedded {@link LogSink}: keeps records in memory and answers queries, purges and exports,
 * like a connector's log page.
 */
export class MemoryLogStore implements LogSink {
  private records: LogRecord[] = [];
  private readonly retentionMs: number;
  private readonly maxRecords: number;
  private readonly now: () => number;

  constructor(options: MemoryLogStoreOptions = {}) {
    this.retentionMs = options.retentionMs ?? DEFAULT_LOG_RETENTION_MS;
    this.maxRecords = options.maxRecords ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  /** Stores one record. */
  write(record: LogRecord): void {
    this.records.push(record);
    if (this.records.length > this.maxRecords * 1.1) {
      this.records = this.records.slice(this.records.length - this.maxRecords);
    }
  }

  /** Number of records held. */
  get size(): number {
    return Math.min(this.records.length, this.maxRecords);
  }

  /** Records matching `query`, one page at a time. */
  query(query: LogQuery = {}): LogPage {
    const { by = 'timestamp', order = 'desc' } = query.sort ?? {};
    const limit = query.limit ?? 100;
    const offset = query.cursor ? Number.parseInt(Buffer.from(query.cursor, 'base64url').toString(), 10) || 0 : 0;
    const matching = this.live()
      .filter((r) => (query.kind ? r.kind === query.kind : true) && matches(r, query.where ?? {}))
      .sort((a, b) => compare(field(a, by), field(b, by)) * (order === 'asc' ? 1 : -1));
    const records = matching.slice(offset, offset + limit);
    const next = offset + limit;
    return next < matching.length
      ? { records, nextCursor: Buffer.from(String(next)).toString('base64url') }
      : { records };
  }

  /** One record by ID. */
  get(id: string): LogRecord | undefined {
    return this.live().find((r) => r.id === id);
  }

  /**
   * Deletes records older than `olderThan` (default: now minus the retention, 90 days).
   * Returns how many were deleted.
   */
  purge(olderThan: Date = new Date(this.now() - this.retentionMs)): number {
    const cutoff = olderThan.toISOString();
    const before = this.records.length;
    this.records = this.records.filter((r) => r.timestamp >= cutoff);
    return before - this.records.length;
  }

  /**
   * One record's payload (request body, or the incoming-error payload) as pretty JSON (`json`)
   * or as the plain text received (`text`). Undefined when the record does not exist.
   */
  export(id: string, format: 'json' | 'text' = 'json'): string | undefined {
    const record = this.get(id);
    if (!record) return undefined;
    const payload = record.kind === 'incoming-error' ? record.payload : record.requestBody;
    if (format === 'text') return payload ?? '';
    if (payload === undefined) return JSON.stringify(record, null, 2);
    try {
      return JSON.stringify(JSON.parse(payload), null, 2);
    } catch {
      return JSON.stringify(payload, null, 2);
    }
  }

  /** Deletes every record. */
  clear(): void {
    this.records = [];
  }

  private live(): LogRecord[] {
    return this.records.length > this.maxRecords ? this.records.slice(-this.maxRecords) : this.records;
  }
}

function field(record: LogRecord, name: string): unknown {
  return (record as unknown as Record<string, unknown>)[name];
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return 1;
  if (b === undefined || b === null) return -1;
  return (a as number | string) < (b as number | string) ? -1 : 1;
}

function matches(record: LogRecord, where: LogWhere): boolean {
  for (const [key, wanted] of Object.entries(where)) {
    if (wanted === undefined) continue;
    const actual = field(record, key);
    if (typeof wanted === 'boolean') {
      if ((actual !== undefined && actual !== '') !== wanted) return false;
    } else if (key === 'error' || key === 'message') {
      if (typeof actual !== 'string' || !actual.toLowerCase().includes(String(wanted).toLowerCase())) return false;
    } else if (actual !== wanted) {
      return false;
    }
  }
  return true;
}
