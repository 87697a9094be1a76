import { ValidationError } from './errors.js';

/** A loyalty programme member as the loyalty engine holds it. */
export interface Customer {
  /** The loyalty engine's own customer ID. */
  id: string;
  /** Profile attributes (first_name, tier, points, an external ID, …). */
  attributes?: Record<string, unknown>;
}

/** Something that happened in the loyalty programme: points added, a reward claimed, a checkout. */
export interface LoyaltyEvent {
  /** The loyalty engine's event ID; outbound idempotency keys are derived from it. */
  id: string;
  /** The loyalty engine's ID of the customer the event belongs to. */
  customerId: string;
  /** The loyalty action, e.g. `point_add`, `reward_claim`, `checkout`. */
  action: string;
  /** Action-specific data (points, items, reward ID, …). */
  data?: Record<string, unknown>;
  /** When the event happened: a `Date` or an ISO-8601 string. */
  timestamp: Date | string;
  /** Points account (Antavo's Multi-accounts), when the programme has several. */
  account?: string;
}

/**
 * Which customer ID a connector sends to the destination: `'id'` (the loyalty engine's ID, the
 * default) or the name of a customer attribute that holds an external customer ID.
 */
export type UserIdField = 'id' | (string & {});

/**
 * Resolves the customer ID a destination should see, following the `userIdField` option.
 *
 * @throws {@link ValidationError} when the customer lacks that attribute, or it is not a non-empty
 * string or number.
 */
export function resolveCustomerId(customer: Customer, userIdField: UserIdField = 'id'): string {
  const value = userIdField === 'id' ? customer.id : customer.attributes?.[userIdField];
  const path = userIdField === 'id' ? 'customer.id' : `customer.attributes.${userIdField}`;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ValidationError({
      path,
      expected: userIdField === 'id' ? 'a non-empty customer ID' : `a non-empty '${userIdField}' attribute (userIdField)`,
      received: describe(value),
    });
  }
  return value;
}

/**
 * Normalises an event timestamp to an ISO-8601 UTC string with milliseconds.
 *
 * @throws {@link ValidationError} for a value that is not a valid date.
 */
export function toIsoTimestamp(value: Date | string | number, path = 'event.timestamp'): string {
  // Already canonical and certainly valid (day ≤ 28, hour ≤ 23, so nothing for Date to roll over):
  // returned as is, which skips a Date parse and format on the hot path of every outbound message.
  if (typeof value === 'string' && CANONICAL_SAFE_ISO.test(value)) return value;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new ValidationError({ path, expected: 'a Date or an ISO-8601 timestamp', received: describe(value) });
  }
  return date.toISOString();
}

const CANONICAL_SAFE_ISO = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/** A short, secret-free description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : 'a Date';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
