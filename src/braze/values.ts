import { utf8Bytes } from '../core/batching.js';
import { ValidationError } from '../core/errors.js';
import { describe } from '../core/model.js';
import { nameProblem } from './fields.js';

/** A JSON value as Braze receives it in an attribute or a property. */
export type BrazeValue = string | number | boolean | null | BrazeValue[] | { [key: string]: BrazeValue };

/** Braze's per-value limits, from its custom-data documentation. */
export const BRAZE_VALUE_LIMITS = {
  /** Characters of a string value. */
  stringChars: 255,
  /** UTF-8 bytes of one nested custom attribute (an object). */
  nestedObjectBytes: 50 * 1024,
  /** UTF-8 bytes of one array-of-objects attribute. */
  objectArrayBytes: 100 * 1024,
  /** UTF-8 bytes of an event's or purchase's properties. */
  propertiesBytes: 100 * 1024,
  /** Levels of nesting accepted, a guard against cycles. */
  depth: 32,
} as const;

/**
 * A change to an attribute instead of a new value: add to or remove from a simple array, or
 * increment a number. Pass one as an attribute value (in `customer.attributes` or
 * `syncAttributes`).
 *
 * @example
 * ```ts
 * await braze.syncAttributes(customer, { badges: BrazeAttributeOperation.add(['early-bird']) });
 * ```
 */
export class BrazeAttributeOperation {
  private constructor(
    /** The Braze operator: `add`, `remove` or `inc`. */
    readonly operator: 'add' | 'remove' | 'inc',
    /** The values to add or remove, or the increment. */
    readonly operand: ReadonlyArray<string | number | boolean> | number,
  ) {}

  /** Adds values to a simple array attribute (Braze keeps values unique; an existing one moves to the end). */
  static add(values: ReadonlyArray<string | number | boolean>): BrazeAttributeOperation {
    return new BrazeAttributeOperation('add', [...values]);
  }

  /** Removes values from a simple array attribute. */
  static remove(values: ReadonlyArray<string | number | boolean>): BrazeAttributeOperation {
    return new BrazeAttributeOperation('remove', [...values]);
  }

  /** Increments (or with a negative integer, decrements) an integer attribute. */
  static increment(by: number): BrazeAttributeOperation {
    return new BrazeAttributeOperation('inc', by);
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

const chars = (text: string) => (text.length <= 255 ? text.length : [...text].length);

function fail(path: string, expected: string, value: unknown, message?: string): never {
  throw new ValidationError({ path, expected, received: describe(value), ...(message ? { message } : {}) });
}

function checkString(value: string, path: string): string {
  const length = chars(value);
  if (length > BRAZE_VALUE_LIMITS.stringChars) {
    fail(path, `a string of at most 255 characters (Braze's limit)`, value, `${path}: Braze takes strings of at most 255 characters, received ${length}`);
  }
  return value;
}

function checkNumber(value: number, path: string): number {
  if (!Number.isFinite(value)) fail(path, 'a finite number', value);
  return value;
}

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

// What toISOString() gives, about twice as fast for years 1000–9999 (one join, a flat string);
// other years (six-digit forms) go to toISOString() itself.
function isoOf(value: Date, path: string): string {
  if (Number.isNaN(value.getTime())) fail(path, 'a valid Date', value);
  const year = value.getUTCFullYear();
  if (year < 1000 || year > 9999) return value.toISOString();
  return [
    year,
    '-',
    PAD2[value.getUTCMonth() + 1],
    '-',
    PAD2[value.getUTCDate()],
    'T',
    PAD2[value.getUTCHours()],
    ':',
    PAD2[value.getUTCMinutes()],
    ':',
    PAD2[value.getUTCSeconds()],
    '.',
    PAD3[value.getUTCMilliseconds()],
    'Z',
  ].join('');
}

function checkKey(key: string, path: string): void {
  const problem = nameProblem(key);
  if (problem) fail(`${path}.${key}`, 'a key of 1-255 characters, without whitespace or a leading "$"', key, `${path}: key '${key.slice(0, 60)}' is ${problem}`);
}

function checkSize(value: BrazeValue, path: string, limit: number, what: string): void {
  const bytes = utf8Bytes(JSON.stringify(value));
  if (bytes > limit) fail(path, `${what} of at most ${limit / 1024} KB`, value, `${path}: ${what} is ${bytes} bytes; Braze takes at most ${limit / 1024} KB`);
}

/** A simple-array element: string, number or boolean; a Date becomes its ISO string. */
function primitiveElement(value: unknown, path: string): string | number | boolean {
  if (typeof value === 'string') return checkString(value, path);
  if (typeof value === 'number') return checkNumber(value, path);
  if (typeof value === 'boolean') return value;
  if (value instanceof Date) return isoOf(value, path);
  return fail(path, 'a string, number, boolean or Date in a simple array', value);
}

/**
 * Converts a value inside a nested custom attribute: dates become `{ "$time": … }`, `null` is
 * refused (Braze drops every nested update in the request when one nested value is null).
 */
function nestedValue(value: unknown, path: string, depth: number): BrazeValue | undefined {
  if (value === undefined) return undefined;
  if (depth > BRAZE_VALUE_LIMITS.depth) fail(path, `at most ${BRAZE_VALUE_LIMITS.depth} levels of nesting`, value);
  if (value === null) {
    fail(path, 'a value (null is not allowed inside a nested attribute)', value, `${path}: null is not allowed inside a nested attribute (Braze would drop every nested update in the request); omit the key, or set the whole attribute to null to unset it`);
  }
  if (value instanceof Date) return { $time: isoOf(value, path) };
  if (typeof value === 'string') return checkString(value, path);
  if (typeof value === 'number') return checkNumber(value, path);
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value)) return arrayValue(value, path, depth);
  if (isPlainObject(value)) return objectValue(value, path, depth);
  return fail(path, 'a string, number, boolean, Date, array or plain object', value);
}

function objectValue(value: Record<string, unknown>, path: string, depth: number): { [key: string]: BrazeValue } {
  return convertEntries(value, path, depth, nestedValue);
}

/** A plain object's entries, keys checked and values converted by `convert`; undefined values are left out. */
function convertEntries(
  value: Record<string, unknown>,
  path: string,
  depth: number,
  convert: (value: unknown, path: string, depth: number) => BrazeValue | undefined,
): { [key: string]: BrazeValue } {
  const out: { [key: string]: BrazeValue } = {};
  for (const [key, inner] of Object.entries(value)) {
    checkKey(key, path);
    const converted = convert(inner, `${path}.${key}`, depth + 1);
    if (converted !== undefined) out[key] = converted;
  }
  return out;
}

function arrayValue(value: readonly unknown[], path: string, depth: number): BrazeValue[] {
  if (value.length > 0 && value.every(isPlainObject)) {
    return value.map((item, i) => objectValue(item as Record<string, unknown>, `${path}[${i}]`, depth + 1));
  }
  return value.map((item, i) => primitiveElement(item, `${path}[${i}]`));
}

/**
 * Converts a loyalty value into a Braze custom attribute value. Numbers, strings (at most 255
 * characters), booleans, simple arrays (which replace the stored array), plain objects (nested
 * attributes, dates inside become `{ "$time": … }`), arrays of objects, a `Date` (ISO 8601),
 * `null` (unsets the attribute) and {@link BrazeAttributeOperation}s. `undefined` gives undefined:
 * nothing is sent.
 *
 * @throws {@link ValidationError} naming `path` for any other value or a value over Braze's limits.
 */
export function toBrazeAttributeValue(value: unknown, path: string): BrazeValue | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (value instanceof BrazeAttributeOperation) {
    if (value.operator === 'inc') {
      if (!Number.isInteger(value.operand)) fail(path, 'an integer increment', value.operand);
      return { inc: value.operand as number };
    }
    return { [value.operator]: (value.operand as ReadonlyArray<unknown>).map((v, i) => primitiveElement(v, `${path}.${value.operator}[${i}]`)) };
  }
  if (value instanceof Date) return isoOf(value, path);
  if (typeof value === 'string') return checkString(value, path);
  if (typeof value === 'number') return checkNumber(value, path);
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    const converted = arrayValue(value, path, 0);
    if (converted.length > 0 && isPlainObject(converted[0])) checkSize(converted, path, BRAZE_VALUE_LIMITS.objectArrayBytes, 'an array of objects');
    return converted;
  }
  if (isPlainObject(value)) {
    const converted = objectValue(value, path, 0);
    checkSize(converted, path, BRAZE_VALUE_LIMITS.nestedObjectBytes, 'a nested attribute');
    return converted;
  }
  return fail(path, 'a number, string, boolean, Date, array, plain object or null', value);
}

const RESERVED_PROPERTY_KEYS = new Set(['time', 'event_name']);

function propertyValue(value: unknown, path: string, depth: number): BrazeValue | undefined {
  if (value === undefined) return undefined;
  if (depth > BRAZE_VALUE_LIMITS.depth) fail(path, `at most ${BRAZE_VALUE_LIMITS.depth} levels of nesting`, value);
  if (value === null) return null;
  if (value instanceof Date) return isoOf(value, path);
  if (typeof value === 'string') return checkString(value, path);
  if (typeof value === 'number') return checkNumber(value, path);
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((item, i) => propertyValue(item, `${path}[${i}]`, depth + 1) ?? null);
  if (isPlainObject(value)) return convertEntries(value, path, depth, propertyValue);
  return fail(path, 'a string, number, boolean, Date, array, plain object or null', value);
}

/**
 * Converts loyalty event data into Braze event (or purchase) properties. Keys must be 1-255
 * characters without a leading `$`; `time` and `event_name` are reserved by Braze. Dates become
 * ISO 8601 strings; nested objects and arrays are kept; the whole must stay within 100 KB.
 * Returns undefined when nothing remains.
 *
 * @throws {@link ValidationError} naming the offending key or value.
 */
export function toBrazeEventProperties(data: Readonly<Record<string, unknown>> | undefined, path: string): { [key: string]: BrazeValue } | undefined {
  if (data === undefined) return undefined;
  if (!isPlainObject(data)) fail(path, 'a plain object', data);
  const out: { [key: string]: BrazeValue } = {};
  let keys = 0;
  let nested = false;
  for (const key in data) {
    const value = data[key];
    if (RESERVED_PROPERTY_KEYS.has(key)) {
      fail(`${path}.${key}`, 'a property name other than "time" and "event_name"', key, `${path}.${key}: '${key}' is reserved by Braze for event properties; rename it (e.g. 'loyalty_${key}')`);
    }
    if (key.startsWith('$')) {
      fail(`${path}.${key}`, 'a property name without a leading "$"', key, `${path}.${key}: property names starting with "$" are reserved by Braze`);
    }
    checkKey(key, path);
    const converted = propertyValue(value, `${path}.${key}`, 0);
    if (converted === undefined) continue;
    out[key] = converted;
    keys += 1;
    if (typeof converted === 'object' && converted !== null) nested = true;
  }
  if (keys === 0) return undefined;
  // Flat properties of at most 50 keys cannot pass 100 KB (keys and strings are at most 255
  // characters, 4 bytes each in UTF-8), so only nested or wide ones are measured.
  if (nested || keys > 50) checkSize(out, path, BRAZE_VALUE_LIMITS.propertiesBytes, 'the properties');
  return out;
}

const SUBSCRIBE_STATES = ['opted_in', 'subscribed', 'unsubscribed'];
const GENDERS = ['M', 'F', 'O', 'N', 'P'];

/**
 * Converts a value for one of Braze's standard profile fields, following that field's rules:
 * `dob` as `YYYY-MM-DD`, session and spam dates as ISO 8601, `gender` and the subscription states
 * from their fixed sets, the tracking flags as booleans, `current_location` as
 * `{ longitude, latitude }`; other fields as ordinary attribute values. `null` unsets.
 *
 * @throws {@link ValidationError} naming `path` when the value does not fit the field.
 */
export function toBrazeStandardFieldValue(field: string, value: unknown, path: string): BrazeValue | undefined {
  if (value === undefined || value === null) return value as null | undefined;
  switch (field) {
    case 'dob': {
      if (value instanceof Date) return isoOf(value, path).slice(0, 10);
      if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value))) return value;
      return fail(path, 'a Date or a "YYYY-MM-DD" string (Braze dob)', value);
    }
    case 'date_of_first_session':
    case 'date_of_last_session':
    case 'marked_email_as_spam_at': {
      if (value instanceof Date) return isoOf(value, path);
      if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return value;
      return fail(path, 'a Date or an ISO-8601 string', value);
    }
    case 'gender': {
      const upper = typeof value === 'string' ? value.toUpperCase() : undefined;
      if (upper && GENDERS.includes(upper)) return upper;
      return fail(path, `one of ${GENDERS.join(', ')} or null (Braze gender)`, value);
    }
    case 'email_subscribe':
    case 'push_subscribe': {
      if (typeof value === 'string' && SUBSCRIBE_STATES.includes(value)) return value;
      return fail(path, `one of ${SUBSCRIBE_STATES.join(', ')}`, value);
    }
    case 'email_open_tracking_disabled':
    case 'email_click_tracking_disabled': {
      if (typeof value === 'boolean') return value;
      return fail(path, 'a boolean', value);
    }
    case 'current_location': {
      const location = value as { longitude?: unknown; latitude?: unknown };
      if (isPlainObject(value) && typeof location.longitude === 'number' && typeof location.latitude === 'number') {
        return { longitude: checkNumber(location.longitude, `${path}.longitude`), latitude: checkNumber(location.latitude, `${path}.latitude`) };
      }
      return fail(path, 'an object { longitude: number, latitude: number }', value);
    }
    case 'first_name':
    case 'last_name':
    case 'email':
    case 'phone':
    case 'home_city':
    case 'country':
    case 'language':
    case 'time_zone': {
      if (typeof value === 'string') return checkString(value, path);
      return fail(path, 'a string', value);
    }
    default:
      return toBrazeAttributeValue(value, path);
  }
}
