import { z } from 'zod';

/** Options of the core's {@link RetryPolicy}. */
export interface RetryOptions {
  /**
   * Retries after the first attempt; a message that fails this many retries becomes a dead letter.
   * @default 5
   */
  retries?: number;
  /**
   * Base delay of the exponential backoff, in milliseconds.
   * @default 500
   */
  baseDelayMs?: number;
  /**
   * Upper bound of a computed backoff delay, in milliseconds.
   * @default 60000
   */
  maxDelayMs?: number;
  /**
   * Upper bound of a delay the destination asks for (`Retry-After` and vendor headers).
   * @default 300000
   */
  maxRetryAfterMs?: number;
  /**
   * `'full'` draws each delay uniformly from 0 to the exponential value (AWS "full jitter");
   * `'none'` uses the exponential value itself (handy in tests).
   * @default 'full'
   */
  jitter?: 'full' | 'none';
}

/**
 * zod schema of {@link RetryOptions}, reused by every connector's option schema.
 * @internal
 */
export const retryOptionsSchema = z
  .object({
    retries: z.number().int().min(0).max(100).optional(),
    baseDelayMs: z.number().min(0).optional(),
    maxDelayMs: z.number().min(0).optional(),
    maxRetryAfterMs: z.number().min(0).optional(),
    jitter: z.enum(['full', 'none']).optional(),
  })
  .strict();

/** How a failed attempt should be handled. */
export type FailureClass = 'retry' | 'fail';

/**
 * The core's retry policy: which failures are retried and how long to wait. Defaults: 5 retries,
 * full-jitter exponential backoff from 500 ms capped at 60 s; network errors, timeouts, 408, 429
 * and 5xx except 501 and 505 are retried, every other status is not. A delay the destination asks
 * for (`Retry-After` in seconds or as an HTTP date, or a vendor header) wins over the backoff and is
 * capped at 300 s.
 */
export class RetryPolicy {
  /** Retries after the first attempt. */
  readonly retries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly jitter: 'full' | 'none';
  private readonly random: () => number;

  constructor(options: RetryOptions = {}, random: () => number = Math.random) {
    this.retries = options.retries ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 300_000;
    this.jitter = options.jitter ?? 'full';
    this.random = random;
  }

  /** Classifies an HTTP status; `0` stands for "no response" (network error or timeout). */
  classifyStatus(status: number): FailureClass {
    if (status === 0 || status === 408 || status === 429) return 'retry';
    if (status >= 500) return status === 501 || status === 505 ? 'fail' : 'retry';
    return 'fail';
  }

  /**
   * Whether a message that has now failed `attempts` times (first attempt included) may be tried
   * again.
   */
  canRetry(attempts: number): boolean {
    return attempts <= this.retries;
  }

  /** Backoff before retry number `retry` (1 for the first retry), in milliseconds. */
  backoffMs(retry: number): number {
    const exponential = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, retry - 1));
    return this.jitter === 'full' ? Math.round(this.random() * exponential) : exponential;
  }

  /**
   * The delay a response asks for, from the first of `headerNames` that parses: delta-seconds or
   * an HTTP date for `retry-after`; for other names, seconds, or an epoch timestamp (seconds or
   * milliseconds) when the number is too large to be a delay. Capped at `maxRetryAfterMs`.
   * Returns undefined when no header gives a delay.
   */
  retryAfterMs(
    headers: Record<string, string>,
    headerNames: readonly string[] = ['retry-after'],
    now: number = Date.now(),
  ): number | undefined {
    for (const name of headerNames) {
      const raw = headers[name.toLowerCase()];
      if (raw === undefined || raw.trim() === '') continue;
      const ms = parseDelay(raw.trim(), now);
      if (ms !== undefined) return Math.min(Math.max(0, ms), this.maxRetryAfterMs);
    }
    return undefined;
  }

  /**
   * The wait before retry number `retry`: the server's requested delay when it gave one, else the
   * backoff.
   */
  delayMs(retry: number, requestedMs?: number): number {
    return requestedMs ?? this.backoffMs(retry);
  }
}

function parseDelay(raw: string, now: number): number | undefined {
  if (/^\d+(\.\d+)?$/.test(raw)) {
    const n = Number(raw);
    if (n > 1e12) return n - now; // epoch milliseconds
    if (n > 1e9) return n * 1000 - now; // epoch seconds
    return n * 1000;
  }
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : date - now;
}
