import { ConfigurationError } from './errors.js';

/**
 * A field mapping: a literal JSON value, a nested object or array of mappings, or a directive — an
 * object with exactly one `@` key:
 *
 * - `{ "@path": "$.properties.points" }`: the value at a path of the input (`$.` optional, dots and
 *   `[0]` indexes; `"$."` is the whole input). Missing values are `undefined`.
 * - `{ "@template": "Tier {{traits.tier}}" }`: a string with `{{path}}` (or `{{{path}}}`)
 *   placeholders; a missing value renders as `""`, an object as JSON. Nothing is HTML-escaped.
 * - `{ "@if": { "exists" | "blank": mapping, "then"?: mapping, "else"?: mapping } }`: `exists` holds
 *   when the value is neither `undefined` nor `null`; `blank` holds when the value is present and not
 *   loosely equal to `""` (so `0` and `false` count as blank, as in Segment's mapping-kit). A missing
 *   branch resolves to `undefined`.
 * - `{ "@literal": value }`: `value` as it is, directives inside it resolved.
 *
 * `undefined` results are dropped from objects and arrays; `null` is kept. This is the subset of
 * Segment's action-destinations mapping-kit that the connectors use, with the same semantics.
 */
export type FieldMapping =
  | null
  | boolean
  | number
  | string
  | FieldMapping[]
  | { [key: string]: FieldMapping }
  | PathDirective
  | TemplateDirective
  | IfDirective
  | LiteralDirective;

/** `{ "@path": "$.properties.points" }`: the value at a path of the input. */
export interface PathDirective {
  /** The path, e.g. `$.properties.items[0].sku`. */
  '@path': string;
}

/** `{ "@template": "Tier {{traits.tier}}" }`: a string with placeholders. */
export interface TemplateDirective {
  /** The template text. */
  '@template': string;
}

/** `{ "@if": { exists | blank, then?, else? } }`: one of two mappings, by a condition. */
export interface IfDirective {
  /** The condition (exactly one of `exists`, `blank`) and the branches (at least one). */
  '@if': {
    /** Holds when this resolves to neither `undefined` nor `null`. */
    exists?: FieldMapping;
    /** Holds when this resolves to a value not loosely equal to `""`. */
    blank?: FieldMapping;
    /** Resolved when the condition holds. */
    then?: FieldMapping;
    /** Resolved when it does not. */
    else?: FieldMapping;
  };
}

/** `{ "@literal": value }`: the value as it is. */
export interface LiteralDirective {
  /** The value. */
  '@literal': FieldMapping;
}

/** A mapping compiled once by {@link compileMapping}: a pure function of the input. */
export type CompiledMapping = (input: unknown) => unknown;

/**
 * Path segments that never resolve, so that a mapping or a trigger can never reach an object's
 * prototype (`$.__proto__.polluted`, `$.constructor.prototype`), whatever the input.
 */
export const UNSAFE_PATH_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const DIRECTIVES = new Set(['@path', '@template', '@if', '@literal']);

/** A parsed path: its segments, in order. */
export type ParsedPath = readonly string[];

/** What {@link parsePath} returns: the segments, or why the path does not parse. */
export type PathParseResult =
  | {
      /** The path's segments. */
      segments: ParsedPath;
    }
  | {
      /** What is wrong. */
      error: string;
      /** 0-based offset of the problem. */
      position: number;
    };

/**
 * Parses a path such as `$.properties.items[0].sku` (the `$.` is optional, `$.` or `$` alone is the
 * whole input) into segments. Returns an error description with its position instead of throwing,
 * so callers can report it in their own terms.
 */
export function parsePath(path: string): PathParseResult {
  let rest = path.trim();
  let offset = path.length - path.trimStart().length;
  if (rest === '$' || rest === '$.') return { segments: [] };
  if (rest.startsWith('$.')) {
    rest = rest.slice(2);
    offset += 2;
  } else if (rest.startsWith('$[')) {
    rest = rest.slice(1);
    offset += 1;
  }
  const segments: string[] = [];
  let i = 0;
  let expectSegment = true;
  while (i < rest.length) {
    const ch = rest[i]!;
    if (ch === '[') {
      const close = rest.indexOf(']', i);
      if (close < 0) return { error: `unclosed '['`, position: offset + i };
      let inner = rest.slice(i + 1, close).trim();
      if (/^(['"]).*\1$/.test(inner)) inner = inner.slice(1, -1);
      if (inner === '') return { error: `empty '[]'`, position: offset + i };
      segments.push(inner);
      i = close + 1;
      expectSegment = false;
      continue;
    }
    if (ch === '.') {
      if (expectSegment) return { error: `empty path segment`, position: offset + i };
      expectSegment = true;
      i += 1;
      continue;
    }
    let j = i;
    while (j < rest.length && rest[j] !== '.' && rest[j] !== '[') j += 1;
    if (!expectSegment) return { error: `expected '.' or '['`, position: offset + i };
    segments.push(rest.slice(i, j));
    i = j;
    expectSegment = false;
  }
  if (expectSegment && segments.length > 0) return { error: `path ends with '.'`, position: offset + rest.length };
  return { segments };
}

/**
 * Reads the value at `segments` in `input`, following own properties of objects and arrays only:
 * inherited properties and {@link UNSAFE_PATH_SEGMENTS} never resolve, and neither do properties of
 * strings or numbers. Returns `undefined` when any step is missing.
 */
export function getAt(input: unknown, segments: ParsedPath): unknown {
  let current = input;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    if (UNSAFE_PATH_SEGMENTS.has(segment)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * The value at `path` in `input` (see {@link parsePath} and {@link getAt}); `undefined` when the path
 * is missing, unsafe or malformed.
 *
 * @example
 * ```ts
 * getPath({ properties: { points: 5 } }, '$.properties.points'); // 5
 * getPath({}, '$.__proto__.polluted'); // undefined
 * ```
 */
export function getPath(input: unknown, path: string): unknown {
  const parsed = parsePath(path);
  return 'segments' in parsed ? getAt(input, parsed.segments) : undefined;
}

/**
 * Compiles a {@link FieldMapping} once into a pure function of the input. `option` is the mapping's
 * option path, used in errors.
 *
 * @throws {@link ConfigurationError} naming the offending option path when the mapping is malformed:
 * an unknown `@` directive, a directive mixed with other keys, a directive with the wrong argument
 * type, a path that does not parse, or a key that could reach a prototype (`__proto__`,
 * `constructor`, `prototype`).
 */
export function compileMapping(mapping: unknown, option = 'mapping'): CompiledMapping {
  if (mapping === null || typeof mapping !== 'object') {
    if (mapping === undefined || typeof mapping === 'function' || typeof mapping === 'symbol' || typeof mapping === 'bigint') {
      throw new ConfigurationError(`${option}: expected a JSON value or a directive, received ${typeof mapping}`, { option });
    }
    return () => mapping;
  }
  if (Array.isArray(mapping)) {
    const items = mapping.map((item, i) => compileMapping(item, `${option}.${i}`));
    return (input) => {
      const out: unknown[] = [];
      for (const item of items) {
        const value = item(input);
        if (value !== undefined) out.push(value);
      }
      return out;
    };
  }
  const keys = Object.keys(mapping);
  const directiveKeys = keys.filter((k) => k.startsWith('@'));
  if (directiveKeys.length > 0) {
    if (keys.length > 1) {
      throw new ConfigurationError(
        `${option}: a directive must be the only key of its object, found ${keys.map((k) => `'${k}'`).join(', ')}`,
        { option },
      );
    }
    return compileDirective(directiveKeys[0]!, (mapping as Record<string, unknown>)[directiveKeys[0]!], `${option}.${directiveKeys[0]!}`);
  }
  const entries = keys.map((key) => {
    if (UNSAFE_PATH_SEGMENTS.has(key)) {
      throw new ConfigurationError(`${option}: the key '${key}' is not allowed in a mapping`, { option: `${option}.${key}` });
    }
    return [key, compileMapping((mapping as Record<string, unknown>)[key], `${option}.${key}`)] as const;
  });
  return (input) => {
    const out: Record<string, unknown> = {};
    for (const [key, compiled] of entries) {
      const value = compiled(input);
      if (value !== undefined) out[key] = value;
    }
    return out;
  };
}

/**
 * Resolves `mapping` against `input` in one go ({@link compileMapping} then run). Prefer compiling
 * once when the same mapping serves many inputs.
 *
 * @throws {@link ConfigurationError} when the mapping is malformed.
 */
export function applyMapping(mapping: FieldMapping, input: unknown): unknown {
  return compileMapping(mapping)(input);
}

/**
 * Renders `{{path}}` and `{{{path}}}` placeholders of `template` from `input`: a missing value
 * becomes `""`, an object or array its JSON, anything else its string form.
 */
export function renderTemplate(template: string, input: unknown): string {
  return compileTemplate(template, 'template')(input);
}

function compileDirective(name: string, argument: unknown, option: string): CompiledMapping {
  if (!DIRECTIVES.has(name)) {
    throw new ConfigurationError(`${option}: unknown directive '${name}' (expected one of ${[...DIRECTIVES].join(', ')})`, { option });
  }
  switch (name) {
    case '@path': {
      if (typeof argument !== 'string') throw new ConfigurationError(`${option}: expected a path string, received ${kindOf(argument)}`, { option });
      const parsed = parsePath(argument);
      if ('error' in parsed) {
        throw new ConfigurationError(`${option}: invalid path '${argument}': ${parsed.error} at position ${parsed.position}`, { option });
      }
      const segments = parsed.segments;
      return (input) => getAt(input, segments);
    }
    case '@template': {
      if (typeof argument !== 'string') throw new ConfigurationError(`${option}: expected a template string, received ${kindOf(argument)}`, { option });
      return compileTemplate(argument, option);
    }
    case '@literal':
      return compileMapping(argument, option);
    default:
      return compileIf(argument, option);
  }
}

function compileIf(argument: unknown, option: string): CompiledMapping {
  if (argument === null || typeof argument !== 'object' || Array.isArray(argument)) {
    throw new ConfigurationError(`${option}: expected an object { exists | blank, then?, else? }, received ${kindOf(argument)}`, { option });
  }
  const spec = argument as Record<string, unknown>;
  for (const key of Object.keys(spec)) {
    if (!['exists', 'blank', 'then', 'else'].includes(key)) {
      throw new ConfigurationError(`${option}: unknown key '${key}' (expected exists or blank, then, else)`, { option: `${option}.${key}` });
    }
  }
  const hasExists = spec.exists !== undefined;
  const hasBlank = spec.blank !== undefined;
  if (hasExists === hasBlank) {
    throw new ConfigurationError(`${option}: expected exactly one condition, 'exists' or 'blank'`, { option });
  }
  if (spec.then === undefined && spec.else === undefined) {
    throw new ConfigurationError(`${option}: expected at least one branch, 'then' or 'else'`, { option });
  }
  const condition = hasExists ? compileMapping(spec.exists, `${option}.exists`) : compileMapping(spec.blank, `${option}.blank`);
  const whenTrue = spec.then === undefined ? undefined : compileMapping(spec.then, `${option}.then`);
  const whenFalse = spec.else === undefined ? undefined : compileMapping(spec.else, `${option}.else`);
  return (input) => {
    const value = condition(input);
    // `!= ''` is deliberately loose: Segment's mapping-kit treats 0 and false as blank too.
    const holds = value !== undefined && value !== null && (hasExists || value != '');
    const branch = holds ? whenTrue : whenFalse;
    return branch ? branch(input) : undefined;
  };
}

function compileTemplate(template: string, option: string): (input: unknown) => string {
  // Split once into literal text and path lookups, so rendering is a join.
  const parts: Array<string | ParsedPath> = [];
  const pattern = /\{\{\{([^}]+)\}\}\}|\{\{([^}]+)\}\}/g;
  let last = 0;
  for (let match = pattern.exec(template); match; match = pattern.exec(template)) {
    parts.push(template.slice(last, match.index));
    const path = (match[1] ?? match[2] ?? '').trim();
    const parsed = parsePath(path);
    if ('error' in parsed) {
      throw new ConfigurationError(`${option}: invalid placeholder '{{${path}}}': ${parsed.error}`, { option });
    }
    parts.push(parsed.segments);
    last = match.index + match[0].length;
  }
  parts.push(template.slice(last));
  return (input) => {
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      const value = getAt(input, part);
      if (value === undefined || value === null) continue;
      out += typeof value === 'object' ? JSON.stringify(value) : String(value);
    }
    return out;
  };
}

/**
 * Returns `value` without any `__proto__`, `constructor` or `prototype` keys at any depth, copying
 * only the objects that had one. Apply it to data taken from untrusted input before handing it to
 * code that merges objects (`Object.assign`, spread into class instances, deep merges).
 */
export function withoutUnsafeKeys<T>(value: T): T {
  return strip(value, 0) as T;
}

function strip(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const cleaned = strip(item, depth + 1);
      if (cleaned !== item) {
        copy ??= value.slice();
        copy[i] = cleaned;
      }
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (UNSAFE_PATH_SEGMENTS.has(key)) {
      copy ??= { ...record };
      delete copy[key];
      continue;
    }
    const item = record[key];
    const cleaned = strip(item, depth + 1);
    if (cleaned !== item) {
      copy ??= { ...record };
      copy[key] = cleaned;
    }
  }
  return copy ?? value;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
