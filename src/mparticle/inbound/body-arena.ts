// Request bodies held by MemoryInboundQueue until the queue processor runs. V8 copies a young
// string each time it survives a scavenge, up to twice before it settles in old space. Joined into
// one string of a few megabytes, the bodies live in V8's large-object space instead, which is never
// copied: holding a 28 KB body cost ≈ 28 µs as its own string and ≈ 20 µs joined (measured
// in-process; the rest is the first touch of new memory, which no layout avoids).

/** Waiting bodies are joined once they hold this many characters. */
const JOIN_AT = 2 * 1024 * 1024;

interface Chunk {
  /** The bodies not joined yet; `undefined` once joined into `text`. */
  parts: string[] | undefined;
  text: string;
}

/** Where one body is held. */
export interface BodyRef {
  readonly chunk: Chunk;
  readonly index: number;
  readonly start: number;
  readonly end: number;
}

/** Holds request bodies in large joined strings; a chunk is freed once no {@link BodyRef} points into it. */
export class BodyArena {
  private chunk: Chunk = { parts: [], text: '' };
  private length = 0;

  put(body: string): BodyRef {
    const chunk = this.chunk;
    const ref: BodyRef = { chunk, index: chunk.parts!.length, start: this.length, end: this.length + body.length };
    chunk.parts!.push(body);
    this.length = ref.end;
    if (this.length >= JOIN_AT) {
      chunk.text = chunk.parts!.join('');
      chunk.parts = undefined;
      this.chunk = { parts: [], text: '' };
      this.length = 0;
    }
    return ref;
  }
}

/**
 * The body, as a string of its own: a plain substring would keep its whole chunk alive for as long
 * as it is kept (in a failure's log record, for 90 days).
 */
export function bodyAt(ref: BodyRef): string {
  const { chunk } = ref;
  if (chunk.parts) return chunk.parts[ref.index]!;
  const body = chunk.text.slice(ref.start, ref.end);
  // A UTF-8 round trip copies; only a string with a lone surrogate would not survive it.
  return (body as WellFormedCheck).isWellFormed() ? Buffer.from(body, 'utf8').toString('utf8') : body;
}

// Node 20 has String.prototype.isWellFormed; the ES2023 lib this package compiles against does not.
type WellFormedCheck = string & { isWellFormed(): boolean };
