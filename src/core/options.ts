import { z } from 'zod';
import { ConfigurationError } from './errors.js';
import { Logger, type LogSink } from './logs.js';
import { MemoryLogStore } from './memory-log-store.js';
import { MemoryStore } from './memory-store.js';
import { RetryPolicy, retryOptionsSchema, type RetryOptions } from './retry.js';
import type { QueueStore } from './store.js';
import { kyTransport, type Transport } from './transport.js';
import type { DeliveryQueue, DeliverySettings } from './delivery.js';

/** A request rate: at most `requests` per `intervalMs`. */
export interface RateLimit {
  /** Requests allowed per interval. */
  requests: number;
  /** Interval length in milliseconds. */
  intervalMs: number;
}

/** Options every outbound connector shares: where messages wait, how they travel, how they are retried. */
export interface DeliveryOptions {
  /**
   * Where messages wait between `flush()` calls.
   * @default a new {@link MemoryStore}
   */
  store?: QueueStore;
  /**
   * Where log records go.
   * @default a new {@link MemoryLogStore}
   */
  logSink?: LogSink;
  /**
   * How requests are sent.
   * @default {@link kyTransport}()
   */
  transport?: Transport;
  /** Retry policy options. */
  retry?: RetryOptions;
  /**
   * Requests in flight at once.
   * @default 4
   */
  concurrency?: number;
  /** At most `requests` requests per `intervalMs` (sliding window). Default: the destination's documented limit, if any. */
  rateLimit?: RateLimit;
  /**
   * Call `flush()` in-process every this many milliseconds; `false` leaves flushing to the host's scheduler.
   * @default false
   */
  autoFlush?: number | false;
  /**
   * Per-request timeout in milliseconds.
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * How long a flush holds leased messages before another worker may take them, in milliseconds.
   * @default 120000
   */
  leaseMs?: number;
  /** Clock in epoch milliseconds, for tests. @default Date.now */
  now?: () => number;
}

const isFunction = (name: string) => z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: `expected ${name}` });
const hasMethods = (name: string, methods: string[]) =>
  z.custom<object>((v) => typeof v === 'object' && v !== null && methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function'), {
    message: `expected ${name} (an object with ${methods.join(', ')})`,
  });

/**
 * zod shape of {@link DeliveryOptions}, spread into each connector's option schema.
 * @internal
 */
export const deliveryOptionsShape = {
  store: hasMethods('a QueueStore', ['enqueue', 'lease', 'ack', 'retry', 'deadLetter', 'listDeadLetters', 'listPending', 'replay']).optional(),
  logSink: hasMethods('a LogSink', ['write']).optional(),
  transport: isFunction('a Transport function').optional(),
  retry: retryOptionsSchema.optional(),
  concurrency: z.number().int().min(1).max(256).optional(),
  rateLimit: z.object({ requests: z.number().int().min(1), intervalMs: z.number().int().min(1) }).strict().optional(),
  autoFlush: z.union([z.number().int().min(10), z.literal(false)]).optional(),
  timeoutMs: z.number().int().min(1).optional(),
  leaseMs: z.number().int().min(1).optional(),
  now: isFunction('a clock function').optional(),
};

/**
 * Parses `input` with `schema`, or throws a {@link ConfigurationError} that names the first
 * offending option and what was expected (never its value, which may be a secret).
 */
export function parseOptions<S extends z.ZodType>(owner: string, schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const option = issue.path.map(String).join('.') || '(options)';
  const problems = result.error.issues.map((i) => `'${i.path.map(String).join('.') || '(options)'}': ${i.message}`);
  throw new ConfigurationError(`${owner}: invalid option ${problems.join('; ')}`, { option });
}

/** The delivery settings plus the log sink a connector exposes. */
export interface ResolvedDelivery {
  /** Settings for a {@link DeliveryQueue}. */
  settings: DeliverySettings;
  /** The log sink in use (the caller's, or a new {@link MemoryLogStore}). */
  logSink: LogSink;
}

/** Fills in the defaults of {@link DeliveryOptions}. */
export function resolveDelivery(
  options: DeliveryOptions,
  defaults: { rateLimit?: RateLimit; concurrency?: number } = {},
): ResolvedDelivery {
  const now = options.now ?? Date.now;
  const logSink = options.logSink ?? new MemoryLogStore({ now });
  return {
    logSink,
    settings: {
      store: options.store ?? new MemoryStore(),
      logger: new Logger(logSink, now),
      transport: options.transport ?? kyTransport(),
      retry: new RetryPolicy(options.retry),
      concurrency: options.concurrency ?? defaults.concurrency ?? 4,
      rateLimit: options.rateLimit ?? defaults.rateLimit,
      timeoutMs: options.timeoutMs ?? 10_000,
      leaseMs: options.leaseMs ?? 120_000,
      autoFlushMs: options.autoFlush ?? false,
      now,
    },
  };
}
