/**
 * Remembers which inbound items were already applied, so a redelivery (Segment and mParticle both
 * redeliver on timeouts and 5xx) is answered as a success without being applied twice. Hosts with
 * several processes supply a shared implementation (a SQL table or Redis `SET NX PX`).
 */
export interface DedupeStore {
  /**
   * Claims `key` for `ttlMs`. Returns `true` when the key was free (the caller applies the item),
   * `false` when it is already claimed or done (a redelivery). A claim that is neither completed nor
   * released expires after `ttlMs`.
   */
  claim(key: string, ttlMs: number, now: number): Promise<boolean>;
  /** Marks a claimed key done and stores what was answered for it (e.g. the registered event ID). */
  complete(key: string, result: string, ttlMs: number, now: number): Promise<void>;
  /** Frees a claimed key after a transient failure, so a redelivery may try again. */
  release(key: string): Promise<void>;
  /** What {@link DedupeStore.complete} stored for a key, if it is done and unexpired. */
  result(key: string, now: number): Promise<string | undefined>;
}

/** Default dedupe window: 7 days. */
export const DEFAULT_DEDUPE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** The embedded {@link DedupeStore}: in memory, with expired keys swept as it goes. */
export class MemoryDedupeStore implements DedupeStore {
  private readonly entries = new Map<string, { until: number; result?: string }>();
  private sweptAt = 0;

  async claim(key: string, ttlMs: number, now: number): Promise<boolean> {
    this.sweep(now);
    const entry = this.entries.get(key);
    if (entry && entry.until > now) return false;
    this.entries.set(key, { until: now + ttlMs });
    return true;
  }

  async complete(key: string, result: string, ttlMs: number, now: number): Promise<void> {
    this.entries.set(key, { until: now + ttlMs, result });
  }

  async release(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async result(key: string, now: number): Promise<string | undefined> {
    const entry = this.entries.get(key);
    return entry && entry.until > now ? entry.result : undefined;
  }

  /** Keys held (claimed or done, expired ones not yet swept included). */
  get size(): number {
    return this.entries.size;
  }

  private sweep(now: number): void {
    // Sweeping at most once a minute keeps claim() O(1) on average.
    if (now - this.sweptAt < 60_000) return;
    this.sweptAt = now;
    for (const [key, entry] of this.entries) if (entry.until <= now) this.entries.delete(key);
  }
}
