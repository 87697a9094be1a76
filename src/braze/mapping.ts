// Pure mapping from loyalty data to Braze `/users/track` objects: data in, objects out, no I/O.
import { utf8Bytes } from '../core/batching.js';
import { ValidationError } from '../core/errors.js';
import { describe, resolveCustomerId, toIsoTimestamp, type Customer, type LoyaltyEvent, type UserIdField } from '../core/model.js';
import { BRAZE_CONTROL_KEYS, BRAZE_IDENTIFIER_FIELDS, isBrazeStandardField, nameProblem } from './fields.js';
import type { BrazeFieldMapping, ResolvedBrazePurchaseOptions } from './schemas.js';
import { toBrazeAttributeValue, toBrazeEventProperties, toBrazeStandardFieldValue, type BrazeValue } from './values.js';

/** One attributes object of `/users/track`: the profile's `external_id` plus attributes to set. */
export interface BrazeAttributesObject {
  /** The member's Braze `external_id`. */
  external_id: string;
  /** Custom attributes and standard profile fields. */
  [attribute: string]: BrazeValue;
}

/** One custom event object of `/users/track`. */
export interface BrazeEventObject {
  /** The member's Braze `external_id`. */
  external_id: string;
  /** The Braze app identifier, when configured. */
  app_id?: string;
  /** Event name: the loyalty action. */
  name: string;
  /** When it happened, ISO 8601. */
  time: string;
  /** The loyalty event's data. */
  properties?: { [key: string]: BrazeValue };
}

/** One purchase object of `/users/track`. */
export interface BrazePurchaseObject {
  /** The member's Braze `external_id`. */
  external_id: string;
  /** The Braze app identifier, when configured. */
  app_id?: string;
  /** Product ID, at most 255 characters. */
  product_id: string;
  /** ISO 4217 currency code, upper case. */
  currency: string;
  /** Unit price in the currency's base unit. */
  price: number;
  /** 1 to 100. */
  quantity: number;
  /** When it happened, ISO 8601. */
  time: string;
  /** The item's other fields. */
  properties?: { [key: string]: BrazeValue };
}

/** The body of a `POST /users/track` request. */
export interface BrazeTrackRequestBody {
  /** Attribute updates. */
  attributes?: BrazeAttributesObject[];
  /** Custom events. */
  events?: BrazeEventObject[];
  /** Purchases. */
  purchases?: BrazePurchaseObject[];
}

/** The customer-ID and app settings every mapping function needs. */
export interface BrazeIdentity {
  /**
   * Which customer ID becomes `external_id`.
   * @default 'id'
   */
  userIdField?: UserIdField;
  /** The Braze app identifier sent as `app_id` on events and purchases. */
  appId?: string | undefined;
}

/** Braze's documented ceiling for `external_id`. */
export const BRAZE_EXTERNAL_ID_MAX_BYTES = 987;

/** Braze takes at most this quantity in one purchase object. */
export const BRAZE_MAX_PURCHASE_QUANTITY = 100;

/**
 * The member's Braze `external_id`, following `userIdField`.
 *
 * @throws {@link ValidationError} when the ID is missing or longer than 987 bytes.
 */
export function toBrazeExternalId(customer: Customer, userIdField: UserIdField = 'id'): string {
  const id = resolveCustomerId(customer, userIdField);
  const bytes = utf8Bytes(id);
  if (bytes > BRAZE_EXTERNAL_ID_MAX_BYTES) {
    throw new ValidationError({
      path: userIdField === 'id' ? 'customer.id' : `customer.attributes.${userIdField}`,
      expected: `an external_id of at most ${BRAZE_EXTERNAL_ID_MAX_BYTES} bytes`,
      received: `${bytes} bytes`,
    });
  }
  return id;
}

function readLoyaltyField(customer: Customer, field: string): unknown {
  const value = customer.attributes?.[field];
  return value === undefined && field === 'id' ? customer.id : value;
}

function mappedValue(customer: Customer, field: BrazeFieldMapping, unsetWhenMissing: boolean): BrazeValue | undefined {
  const path = `customer.attributes.${field.loyaltyField}`;
  const raw = readLoyaltyField(customer, field.loyaltyField);
  if (raw === undefined) return unsetWhenMissing ? null : undefined;
  return field.standard ? toBrazeStandardFieldValue(field.brazeName, raw, path) : toBrazeAttributeValue(raw, path);
}

/**
 * The whole mapped picture of a member: one attributes object with every mapped field that has a
 * value. A field named in `changedFields` that no longer has a value is sent as `null` (unset).
 * Returns undefined when no mapped field has a value.
 *
 * @throws {@link ValidationError} for a missing customer ID or a value Braze would refuse.
 */
export function toBrazeProfileAttributes(
  customer: Customer,
  fields: readonly BrazeFieldMapping[],
  options: BrazeIdentity & { changedFields?: readonly string[] | undefined } = {},
): BrazeAttributesObject | undefined {
  const externalId = toBrazeExternalId(customer, options.userIdField);
  const changed = new Set(options.changedFields ?? []);
  const object: BrazeAttributesObject = { external_id: externalId };
  let count = 0;
  for (const field of fields) {
    const value = mappedValue(customer, field, changed.has(field.loyaltyField));
    if (value === undefined) continue;
    object[field.brazeName] = value;
    count += 1;
  }
  return count > 0 ? object : undefined;
}

/** One mapped field's own attributes object, as `onlyChanged` sends it. */
export interface BrazeFieldAttributes {
  /** The mapping entry the object writes. */
  field: BrazeFieldMapping;
  /** `external_id` plus that one attribute. */
  object: BrazeAttributesObject;
}

/**
 * One attributes object per changed mapped field (the `onlyChanged` mode): just the deltas, each
 * its own snapshot, so that coalescing per field never drops another field's change. A changed
 * field that no longer has a value is sent as `null`. Without `changedFields`, every mapped field
 * with a value is sent.
 *
 * @throws {@link ValidationError} for a missing customer ID or a value Braze would refuse.
 */
export function toBrazeChangedAttributes(
  customer: Customer,
  fields: readonly BrazeFieldMapping[],
  options: BrazeIdentity & { changedFields?: readonly string[] | undefined } = {},
): BrazeFieldAttributes[] {
  const externalId = toBrazeExternalId(customer, options.userIdField);
  const changed = options.changedFields ? new Set(options.changedFields) : undefined;
  const out: BrazeFieldAttributes[] = [];
  for (const field of fields) {
    if (changed && !changed.has(field.loyaltyField)) continue;
    const value = mappedValue(customer, field, changed !== undefined);
    if (value === undefined) continue;
    out.push({ field, object: { external_id: externalId, [field.brazeName]: value } });
  }
  return out;
}

/**
 * An attributes object from attributes named by their Braze names (custom attributes or standard
 * profile fields; identifiers and control keys are refused).
 *
 * @throws {@link ValidationError} naming the offending attribute.
 */
export function toBrazeSyncAttributes(customer: Customer, attributes: Readonly<Record<string, unknown>>, options: BrazeIdentity = {}): BrazeAttributesObject {
  const externalId = toBrazeExternalId(customer, options.userIdField);
  const object: BrazeAttributesObject = { external_id: externalId };
  for (const [name, raw] of Object.entries(attributes)) {
    const path = `attributes.${name}`;
    const problem = nameProblem(name);
    if (problem) throw new ValidationError({ path, expected: 'a Braze attribute name of 1-255 characters, without whitespace or a leading "$"', received: problem });
    if (BRAZE_IDENTIFIER_FIELDS.has(name) || BRAZE_CONTROL_KEYS.has(name)) {
      throw new ValidationError({ path, expected: 'an attribute name, not a Braze identifier or control key', received: JSON.stringify(name) });
    }
    const value = isBrazeStandardField(name) ? toBrazeStandardFieldValue(name, raw, path) : toBrazeAttributeValue(raw, path);
    if (value !== undefined) object[name] = value;
  }
  return object;
}

function checkEvent(customer: Customer, event: LoyaltyEvent): void {
  if (typeof event.id !== 'string' || event.id.trim() === '') {
    throw new ValidationError({ path: 'event.id', expected: 'a non-empty event ID', received: describe(event.id) });
  }
  if (typeof event.action !== 'string' || event.action.trim() === '' || (event.action.length > 255 && [...event.action].length > 255)) {
    throw new ValidationError({ path: 'event.action', expected: 'a non-empty action name of at most 255 characters', received: describe(event.action) });
  }
  if (event.customerId !== customer.id) {
    throw new ValidationError({ path: 'event.customerId', expected: `the customer's ID (${JSON.stringify(customer.id)})`, received: describe(event.customerId) });
  }
}

/**
 * A Braze custom event named after the loyalty action, with the event's data as properties.
 *
 * @throws {@link ValidationError} for a missing ID, a bad timestamp, a reserved property name
 * (`time`, `event_name`, a leading `$`) or a value Braze would refuse.
 */
export function toBrazeEvent(customer: Customer, event: LoyaltyEvent, options: BrazeIdentity = {}): BrazeEventObject {
  checkEvent(customer, event);
  const object: BrazeEventObject = {
    external_id: toBrazeExternalId(customer, options.userIdField),
    ...(options.appId ? { app_id: options.appId } : {}),
    name: event.action,
    time: toIsoTimestamp(event.timestamp),
  };
  const properties = toBrazeEventProperties(event.data, 'event.data');
  if (properties) object.properties = properties;
  return object;
}

const ISO_4217_BEYOND_ICU = new Set(['BOV', 'CHE', 'CHW', 'CLF', 'COU', 'MXV', 'USN', 'UYI', 'UYW', 'VED', 'XAG', 'XAU', 'XBA', 'XBB', 'XBC', 'XBD', 'XPD', 'XPT', 'XSU', 'XTS', 'XUA', 'XXX']);
let knownCurrencies: ReadonlySet<string> | undefined;

/** Whether `code` is an ISO 4217 alphabetic currency code (upper case). */
export function isIso4217(code: string): boolean {
  knownCurrencies ??= new Set([...Intl.supportedValuesOf('currency'), ...ISO_4217_BEYOND_ICU]);
  return knownCurrencies.has(code);
}

function purchaseItems(event: LoyaltyEvent, purchases: ResolvedBrazePurchaseOptions): Array<{ item: Record<string, unknown>; path: string }> {
  const data = event.data ?? {};
  if (purchases.items === false) return [{ item: data, path: 'event.data' }];
  const items = data[purchases.items];
  const path = `event.data.${purchases.items}`;
  if (!Array.isArray(items) || items.length === 0) {
    throw new ValidationError({ path, expected: 'a non-empty array of purchased items', received: describe(items) });
  }
  return items.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new ValidationError({ path: `${path}[${i}]`, expected: 'an item object', received: describe(item) });
    }
    return { item: item as Record<string, unknown>, path: `${path}[${i}]` };
  });
}

function productIdOf(value: unknown, path: string): string {
  const id = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  if (typeof id !== 'string' || id.trim() === '' || [...id].length > 255) {
    throw new ValidationError({ path, expected: 'a product ID (string or number) of 1-255 characters', received: describe(value) });
  }
  return id;
}

function priceOf(value: unknown, path: string): number {
  const price = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof price !== 'number' || !Number.isFinite(price)) {
    throw new ValidationError({ path, expected: 'a price as a finite number in the base currency unit', received: describe(value) });
  }
  return price;
}

function quantityOf(value: unknown, path: string): number {
  if (value === undefined || value === null) return 1;
  const quantity = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1) {
    throw new ValidationError({ path, expected: 'a whole quantity of at least 1', received: describe(value) });
  }
  return quantity;
}

function currencyOf(item: Record<string, unknown>, event: LoyaltyEvent, purchases: ResolvedBrazePurchaseOptions, path: string): string {
  const raw = item[purchases.currency] ?? event.data?.[purchases.currency] ?? purchases.defaultCurrency;
  const code = typeof raw === 'string' ? raw.trim().toUpperCase() : raw;
  if (typeof code !== 'string' || !isIso4217(code)) {
    throw new ValidationError({
      path: `${path}.${purchases.currency}`,
      expected: `an ISO 4217 currency code on the item or the event data${purchases.defaultCurrency ? '' : ' (or set purchases.defaultCurrency)'}`,
      received: describe(raw),
    });
  }
  return code;
}

/**
 * Braze purchase objects for a loyalty event: one per item (or, with `items: false`, one for the
 * event data itself). A quantity above 100 is split into several purchases of the same product, so
 * revenue (price × quantity) is kept. The item's other fields become the purchase's properties.
 *
 * @throws {@link ValidationError} naming the item field that is missing or invalid (product ID,
 * price, quantity, ISO 4217 currency), or a reserved property name.
 */
export function toBrazePurchases(
  customer: Customer,
  event: LoyaltyEvent,
  options: BrazeIdentity & { purchases: ResolvedBrazePurchaseOptions },
): BrazePurchaseObject[] {
  checkEvent(customer, event);
  const { purchases } = options;
  const externalId = toBrazeExternalId(customer, options.userIdField);
  const time = toIsoTimestamp(event.timestamp);
  const consumed = new Set([purchases.productId, purchases.price, purchases.quantity, purchases.currency]);
  const out: BrazePurchaseObject[] = [];
  for (const { item, path } of purchaseItems(event, purchases)) {
    const productId = productIdOf(item[purchases.productId], `${path}.${purchases.productId}`);
    const price = priceOf(item[purchases.price], `${path}.${purchases.price}`);
    let quantity = quantityOf(item[purchases.quantity], `${path}.${purchases.quantity}`);
    const currency = currencyOf(item, event, purchases, path);
    const rest = Object.fromEntries(Object.entries(item).filter(([key]) => !consumed.has(key)));
    const properties = toBrazeEventProperties(rest, path);
    while (quantity > 0) {
      const part = Math.min(quantity, BRAZE_MAX_PURCHASE_QUANTITY);
      quantity -= part;
      out.push({
        external_id: externalId,
        ...(options.appId ? { app_id: options.appId } : {}),
        product_id: productId,
        currency,
        price,
        quantity: part,
        time,
        ...(properties ? { properties } : {}),
      });
    }
  }
  return out;
}
