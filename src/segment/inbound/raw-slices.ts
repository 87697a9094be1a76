// The text of each event of a batched body, cut from the body as received, so that the inbound
// log can keep each event's request body without serialising the parsed event again (a
// JSON.stringify per event cost more than the rest of the log record).

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MAX_DEPTH = 256;

/**
 * The raw text of each element of the body's event array: the top-level array itself, or the array
 * under the top-level `"batch"` key. `text` must be JSON that `JSON.parse` accepted. Returns
 * `undefined` whenever the slices cannot be trusted to be exactly the elements `JSON.parse` gave
 * (a key spelled with escapes, a different element count, …): the caller then serialises instead.
 *
 * @internal
 */
export function rawEventSlices(text: string, shape: 'array' | 'batch', expected: number): string[] | undefined {
  let i = skipSpace(text, 0);
  if (shape === 'array') {
    if (text.charCodeAt(i) !== OPEN_BRACKET) return undefined;
    return elements(text, i, expected);
  }
  if (text.charCodeAt(i) !== OPEN_BRACE) return undefined;
  // Walk the top-level keys; JSON.parse keeps the last of duplicated keys, so do we.
  let batchAt = -1;
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_BRACE) return undefined;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = endOfString(text, i);
    if (keyEnd < 0) return undefined;
    const key = text.slice(i + 1, keyEnd - 1);
    // An escaped key might decode to "batch": too rare to decode here, let the caller serialise.
    if (key.includes('\\')) return undefined;
    i = skipSpace(text, keyEnd);
    if (text.charCodeAt(i) !== COLON) return undefined;
    i = skipSpace(text, i + 1);
    if (key === 'batch') batchAt = i;
    const valueEnd = endOfValue(text, i);
    if (valueEnd < 0) return undefined;
    i = skipSpace(text, valueEnd);
    const c = text.charCodeAt(i);
    if (c === COMMA) {
      i = skipSpace(text, i + 1);
      continue;
    }
    if (c === CLOSE_BRACE) break;
    return undefined;
  }
  if (batchAt < 0 || text.charCodeAt(batchAt) !== OPEN_BRACKET) return undefined;
  return elements(text, batchAt, expected);
}

/** The elements of the array starting at `start` (its `[`). */
function elements(text: string, start: number, expected: number): string[] | undefined {
  const out: string[] = [];
  let i = skipSpace(text, start + 1);
  if (text.charCodeAt(i) === CLOSE_BRACKET) return expected === 0 ? out : undefined;
  for (;;) {
    const end = endOfValue(text, i);
    if (end < 0) return undefined;
    out.push(text.slice(i, end));
    i = skipSpace(text, end);
    const c = text.charCodeAt(i);
    if (c === COMMA) {
      i = skipSpace(text, i + 1);
      continue;
    }
    if (c === CLOSE_BRACKET) break;
    return undefined;
  }
  return out.length === expected ? out : undefined;
}

/** One past the end of the JSON value starting at `i`, or -1. */
function endOfValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return endOfString(text, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text.charCodeAt(j);
      if (d === QUOTE) {
        j = endOfString(text, j) - 1;
        if (j < 0) return -1;
      } else if (d === OPEN_BRACE || d === OPEN_BRACKET) {
        // Too deep to be an event: let the caller serialise, which reports it as it always has.
        if (++depth > MAX_DEPTH) return -1;
      } else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        if (--depth === 0) return j + 1;
      }
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter.
  let j = i;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || isSpace(d)) break;
    j++;
  }
  return j > i ? j : -1;
}

/** One past the closing quote of the string whose opening quote is at `i`, or -1. */
function endOfString(text: string, i: number): number {
  let from = i + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    // The quote closes the string unless an odd number of backslashes escapes it.
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
