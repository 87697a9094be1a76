/**
 * A destination's request limits, as the core packs batches against them. Byte figures are UTF-8
 * bytes of the serialised body.
 */
export interface BatchLimits {
  /** Most items in one request. */
  maxItems: number;
  /** Most bytes in one request body, envelope included. */
  maxBytes: number;
  /** Bytes the body takes besides its items (wrapper object, `sentAt`, …), as an upper bound. */
  envelopeBytes: number;
  /** Most bytes of one item; larger items are refused when enqueued. */
  maxItemBytes?: number;
  /** Most items of one kind in one request, e.g. Braze's legacy 75 per array. */
  perKind?: Readonly<Record<string, number>>;
}

/** An item as {@link packBatches} sees it. */
export interface Packable {
  /** UTF-8 bytes of the item's JSON. */
  bytes: number;
  /** The item's kind, for per-kind limits. */
  kind: string;
}

/** The result of {@link packBatches}. */
export interface PackedBatches<T> {
  /** Batches in order; each respects every limit. */
  batches: T[][];
  /** Items that cannot fit in any request on their own. */
  oversize: T[];
}

/**
 * Packs items into as few request bodies as the limits allow, keeping their order (next-fit: a
 * batch closes when the next item would break a limit). Items are separated by one byte (a comma).
 * An item that cannot fit even alone is returned in `oversize` and never sinks a batch.
 */
export function packBatches<T extends Packable>(items: readonly T[], limits: BatchLimits): PackedBatches<T> {
  const batches: T[][] = [];
  const oversize: T[] = [];
  let current: T[] = [];
  let bytes = limits.envelopeBytes;
  // Per-kind counts only when there are per-kind limits.
  const perKind = limits.perKind;
  let kinds = perKind ? new Map<string, number>() : undefined;
  const room = limits.maxBytes - limits.envelopeBytes;
  for (const item of items) {
    if (item.bytes > room || (limits.maxItemBytes !== undefined && item.bytes > limits.maxItemBytes)) {
      oversize.push(item);
      continue;
    }
    const added = item.bytes + (current.length > 0 ? 1 : 0);
    const kindCount = kinds ? (kinds.get(item.kind) ?? 0) : 0;
    const kindLimit = perKind?.[item.kind];
    if (
      current.length > 0 &&
      (current.length >= limits.maxItems ||
        bytes + added > limits.maxBytes ||
        (kindLimit !== undefined && kindCount >= kindLimit))
    ) {
      batches.push(current);
      current = [];
      bytes = limits.envelopeBytes;
      if (kinds) kinds = new Map();
    }
    bytes += item.bytes + (current.length > 0 ? 1 : 0);
    current.push(item);
    if (kinds) kinds.set(item.kind, (kinds.get(item.kind) ?? 0) + 1);
  }
  if (current.length > 0) batches.push(current);
  return { batches, oversize };
}

/** UTF-8 byte length of a string. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
