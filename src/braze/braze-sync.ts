import type { EnqueueResult, OutboundConnector } from '../core/connector.js';
import { QueuedConnector, toEnqueueResult } from '../core/queued-connector.js';
import { DeliveryQueue } from '../core/delivery.js';
import { randomId, stableId } from '../core/ids.js';
import type { LogSink } from '../core/logs.js';
import type { Customer, LoyaltyEvent } from '../core/model.js';
import { resolveDelivery, type RateLimit } from '../core/options.js';
import { registerSecret } from '../core/redact.js';
import type { OutboundMessage } from '../core/store.js';
import { checkBrazeCredentials } from './credentials.js';
import { brazeDestination, type BrazeMessageKind } from './destination.js';
import {
  toBrazeChangedAttributes,
  toBrazeEvent,
  toBrazeProfileAttributes,
  toBrazePurchases,
  toBrazeSyncAttributes,
} from './mapping.js';
import { parseBrazeSyncOptions, type BrazeSyncOptions, type ResolvedBrazeSyncOptions } from './schemas.js';

/** Braze's documented `/users/track` rate: 3,000 requests per 3 seconds. */
export const BRAZE_DEFAULT_RATE_LIMIT: Readonly<RateLimit> = { requests: 3_000, intervalMs: 3_000 };

/**
 * One-way sync from a loyalty engine into Braze through `POST /users/track`, identified by
 * `external_id`: mapped loyalty fields become custom attributes (or standard profile fields),
 * loyalty events become custom events and, for purchase actions, one purchase per item.
 *
 * Calls validate and enqueue; `flush()` (or `autoFlush`) delivers in requests of up to 75
 * objects, at most 3,000 requests per 3 s, with retries, per-object partial-success handling,
 * dead letters and one log record per object and attempt.
 *
 * @example
 * ```ts
 * const braze = new BrazeSync({
 *   instanceUrl: 'https://rest.fra-01.braze.eu',
 *   apiKey: process.env.BRAZE_API_KEY!,
 *   fieldMapping: { tier: 'loyalty_tier', points: 'loyalty_points' },
 *   purchases: { actions: ['checkout'] },
 * });
 * await braze.connect();
 * await braze.updateProfile(customer, ['points']);
 * await braze.trackEvent(customer, event);
 * await braze.flush();
 * ```
 */
export class BrazeSync extends QueuedConnector implements OutboundConnector {
  /** Where this connector's log records go (a `MemoryLogStore` unless `logSink` was given). */
  readonly logSink: LogSink;
  private readonly options: ResolvedBrazeSyncOptions;
  /** The delivery queue. */
  protected readonly queue: DeliveryQueue;
  private readonly settings: ReturnType<typeof resolveDelivery>['settings'];

  /**
   * @throws {@link ConfigurationError} when an option is missing or invalid (see
   * {@link BrazeSyncOptions}); the message names the option and never contains the API key.
   */
  constructor(options: BrazeSyncOptions) {
    super();
    // Registered before validation, so that not even a validation message can carry it.
    if (typeof (options as { apiKey?: unknown } | undefined)?.apiKey === 'string') registerSecret(options.apiKey);
    const { resolved, delivery } = parseBrazeSyncOptions(options);
    this.options = resolved;
    const { settings, logSink } = resolveDelivery(delivery, { rateLimit: BRAZE_DEFAULT_RATE_LIMIT });
    this.settings = settings;
    this.logSink = logSink;
    this.queue = new DeliveryQueue(brazeDestination(resolved), settings);
  }

  /**
   * Checks the credentials with `GET /events/list?page=0` (read-only, no data points) and returns
   * the first page of custom event names (up to 250, alphabetical).
   *
   * @throws {@link AuthenticationError} on 401 (the key is wrong or inactive, or belongs to another
   * Braze instance) or 403 (the key lacks the `events.list` permission, or the plan or account does
   * not allow the call).
   * @throws {@link DeliveryError} when Braze cannot be reached or answers otherwise.
   */
  async connect(): Promise<string[]> {
    return checkBrazeCredentials({
      instanceUrl: this.options.instanceUrl,
      apiKey: this.options.apiKey,
      transport: this.settings.transport,
      timeoutMs: this.settings.timeoutMs,
    });
  }

  /**
   * Enqueues a member's profile. When any mapped field is in `changedFields` (or no list is
   * given), every mapped field goes to Braze in one attributes object; with `onlyChanged`, just
   * the changed mapped fields, one object each. A snapshot supersedes an undelivered older one of
   * the same member (or field), so a burst costs one object and a retry never overwrites newer
   * data. A field in `changedFields` that no longer has a value is unset (`null`).
   *
   * @throws {@link ValidationError} when the customer ID is missing or a mapped value does not fit
   * Braze (nothing is enqueued then, and a `rejected` log record is written).
   * @throws {@link DisconnectedError} after `close()`.
   */
  async updateProfile(customer: Customer, changedFields?: readonly string[]): Promise<EnqueueResult> {
    const { fields, onlyChanged, userIdField } = this.options;
    if (fields.length === 0) return skipped('fieldMapping is empty');
    if (changedFields && !fields.some((f) => changedFields.includes(f.loyaltyField))) {
      return skipped('no mapped field changed');
    }
    const { outcomes, messages } = await this.queue.submit({ kind: 'attributes', customerId: customer.id }, () => {
      if (onlyChanged) {
        return toBrazeChangedAttributes(customer, fields, { userIdField, changedFields }).map(({ field, object }) =>
          this.message('attributes', object.external_id, object, { coalesceKey: [object.external_id, 'field', field.brazeName].join('\u001f') }),
        );
      }
      const object = toBrazeProfileAttributes(customer, fields, { userIdField, changedFields });
      return object ? [this.message('attributes', object.external_id, object, { coalesceKey: [object.external_id, 'profile'].join('\u001f') })] : [];
    });
    if (messages.length === 0) return skipped('no mapped field has a value');
    return toEnqueueResult(outcomes, messages);
  }

  /**
   * Enqueues attributes given by their Braze names, for data not held in mapped fields (the
   * "sync loyalty data occasionally" workflow action). Values follow the same rules as mapped
   * fields; standard profile fields may be named directly. A later call for the same member and
   * the same attribute names supersedes an undelivered earlier one.
   *
   * @throws {@link ValidationError} for a missing customer ID, a reserved or malformed name, or a
   * value Braze would refuse.
   * @throws {@link DisconnectedError} after `close()`.
   */
  async syncAttributes(customer: Customer, attributes: Readonly<Record<string, unknown>>): Promise<EnqueueResult> {
    const { outcomes, messages } = await this.queue.submit({ kind: 'attributes', customerId: customer.id }, () => {
      const object = toBrazeSyncAttributes(customer, attributes, { userIdField: this.options.userIdField });
      const names = Object.keys(object).filter((k) => k !== 'external_id').sort();
      if (names.length === 0) return [];
      return [this.message('attributes', object.external_id, object, { coalesceKey: [object.external_id, 'sync', ...names].join('\u001f') })];
    });
    if (messages.length === 0) return skipped('no attribute has a value');
    return toEnqueueResult(outcomes, messages);
  }

  /**
   * Enqueues a loyalty event: a custom event when its action is selected by `events`, and one
   * purchase per item when it is a purchase action. IDs derive from `event.id`, so tracking the
   * same event twice while it is held is a no-op (`duplicate`).
   *
   * @throws {@link ValidationError} for a missing ID, a customer mismatch, a bad timestamp, a
   * reserved property name (`time`, `event_name`, a leading `$`), a string over 255 characters,
   * or a purchase item without a valid product ID, price, quantity or ISO 4217 currency.
   * @throws {@link DisconnectedError} after `close()`.
   */
  async trackEvent(customer: Customer, event: LoyaltyEvent): Promise<EnqueueResult> {
    const { purchases, events, userIdField, appId } = this.options;
    const asPurchases = purchases?.actions.includes(event.action) ?? false;
    const asEvent = events === 'all' ? !asPurchases : events.has(event.action);
    if (!asPurchases && !asEvent) return skipped(`action '${event.action}' is not synced to Braze`);
    const kind: BrazeMessageKind = asPurchases && !asEvent ? 'purchase' : 'event';
    const { outcomes, messages } = await this.queue.submit({ kind, customerId: customer.id, identifier: event.id }, () => {
      const out: OutboundMessage[] = [];
      if (asEvent) {
        const object = toBrazeEvent(customer, event, { userIdField, appId });
        out.push(this.message('event', object.external_id, object, { id: stableId('braze', 'event', event.id) }));
      }
      if (asPurchases && purchases) {
        toBrazePurchases(customer, event, { userIdField, appId, purchases }).forEach((object, i) => {
          out.push(this.message('purchase', object.external_id, object, { id: stableId('braze', 'purchase', event.id, i) }));
        });
      }
      return out;
    });
    return toEnqueueResult(outcomes, messages);
  }

  /**
   * Puts dead letters back in the queue unchanged; `flush()` sends them. Braze has no idempotency
   * key: replaying an event or purchase that Braze did store records it twice.
   */
  override replay(ids: readonly string[] | 'all' = 'all'): Promise<string[]> {
    return super.replay(ids);
  }

  private message(
    kind: BrazeMessageKind,
    externalId: string,
    payload: unknown,
    extra: { id?: string; coalesceKey?: string },
  ): OutboundMessage {
    // A snapshot's ID is minted when it is taken and kept through retries and replays; unique per
    // snapshot, so a store that remembers delivered IDs never takes a later, equal one for a duplicate.
    return this.queue.message({ id: extra.id ?? randomId(), kind, customerId: externalId, payload, coalesceKey: extra.coalesceKey || undefined });
  }
}

function skipped(reason: string): EnqueueResult {
  return { status: 'skipped', messageIds: [], reason };
}


