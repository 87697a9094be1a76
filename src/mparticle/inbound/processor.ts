// Applies queued inbound work to the loyalty engine: the "queue processor" the host schedules.
import type { DedupeStore } from '../../core/dedupe-store.js';
import type { CustomerLists, LoyaltyEngine } from '../../core/engine.js';
import { LoyaltyCdpError } from '../../core/errors.js';
import type { IncomingErrorSource, Logger } from '../../core/logs.js';
import type { Customer } from '../../core/model.js';
import type {
  InboundAudienceMembershipItem,
  InboundAudienceSubscriptionItem,
  InboundEventItem,
  InboundEventRequestItem,
  InboundIdentity,
  InboundQueue,
  InboundWorkItem,
} from './queue.js';
import type { ParsedInboundOptions } from './schemas.js';
import { toEventWorkItems } from './mapping.js';
import { stringifyForLog } from './json.js';

/** What one `processInboundQueue()` run did. */
export interface InboundProcessReport {
  /** Events and audience changes taken from the queue (a queued request counts once per event a mapping applies to). */
  processed: number;
  /** Queued `event_processing_request`s expanded into their events. */
  requests: number;
  /** Loyalty events registered. */
  registered: number;
  /** Customer list changes applied (created, renamed, deleted, members added or removed). */
  listChanges: number;
  /** Customers created inactive by `autoSubscribe`. */
  customersCreated: number;
  /** Items skipped: redeliveries of events already registered, removals of unknown customers. */
  skipped: number;
  /** Items that failed for good (refused by the engine, unknown customer, attempts exhausted); each is in the incoming-error log. */
  failed: number;
  /** Items that failed transiently and wait for a later run. */
  retrying: number;
  /** Items still held by the queue after the run (new arrivals, retries not yet due). */
  remaining: number;
  /** Wall-clock duration of the run in milliseconds. */
  durationMs: number;
}

/** What the processor works with. */
export interface InboundProcessorContext {
  connector: string;
  engine: LoyaltyEngine;
  lists: CustomerLists | undefined;
  logger: Logger;
  now: () => number;
  queue: InboundQueue;
  dedupe: DedupeStore;
  options: ParsedInboundOptions;
}

// Requests leased (and parsed) at once; priority ordering holds within one window.
const LEASE_WINDOW = 256;
const RETRY_BASE_MS = 30_000;
const RETRY_CAP_MS = 15 * 60_000;

type Outcome = { ack: true } | { ack: false; retry: InboundWorkItem; at: number };
/** What is applied one at a time: queued requests are expanded into events first. */
type UnitItem = Exclude<InboundWorkItem, InboundEventRequestItem>;

const ACK: Outcome = { ack: true };

/** Delay before a transiently failed item is due again: 30 s doubling per attempt, capped at 15 min. */
export function inboundRetryDelay(attempts: number): number {
  return Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
}

/**
 * One run over the queue: processes at most the items held when it starts (so a steady stream of
 * arrivals cannot keep it running), in the queue's order (priority, then arrival).
 */
export async function processInboundQueue(context: InboundProcessorContext): Promise<InboundProcessReport> {
  const run = new Run(context);
  return run.execute();
}

class Run {
  private readonly report: InboundProcessReport = {
    processed: 0,
    requests: 0,
    registered: 0,
    listChanges: 0,
    customersCreated: 0,
    skipped: 0,
    failed: 0,
    retrying: 0,
    remaining: 0,
    durationMs: 0,
  };
  // Customers found or created during this run, by identity value: a user's 100 events cost one lookup.
  private readonly customers = new Map<string, Customer>();

  constructor(private readonly context: InboundProcessorContext) {}

  async execute(): Promise<InboundProcessReport> {
    const started = performance.now();
    const { queue, options, now } = this.context;
    const budget = await queue.size();
    let taken = 0;
    while (taken < budget) {
      const window = await queue.lease(Math.min(LEASE_WINDOW, budget - taken), now(), options.leaseMs);
      if (window.length === 0) break;
      taken += window.length;
      await this.runWindow(window);
    }
    this.report.remaining = await queue.size();
    this.report.durationMs = Math.round((performance.now() - started) * 100) / 100;
    return this.report;
  }

  // Expands the leased requests into their events, orders all units by priority then arrival, applies
  // them, and settles each leased item: acked, or (for a unit that failed transiently) held for a retry.
  private async runWindow(window: InboundWorkItem[]): Promise<void> {
    const { queue } = this.context;
    const units: Array<{ item: UnitItem; parent: number; order: number }> = [];
    // Whether each leased item is settled and may be acknowledged.
    const settled = window.map(() => true);
    window.forEach((item, w) => {
      if (item.kind === 'event-request') {
        this.expand(item).forEach((event, k) => units.push({ item: event, parent: w, order: k }));
      } else {
        units.push({ item, parent: w, order: 0 });
      }
    });
    units.sort((a, b) => a.item.priority - b.item.priority || a.item.receivedAt - b.item.receivedAt || a.parent - b.parent || a.order - b.order);
    this.report.processed += units.length;
    const outcomes = await this.runBatch(units.map((u) => u.item));
    for (let i = 0; i < units.length; i++) {
      const outcome = outcomes[i]!;
      if (outcome.ack) continue;
      const unit = units[i]!;
      try {
        await queue.retry(outcome.retry, outcome.at);
        // A leased item that went back itself is held by the queue again; an event split off a
        // request is a new item, and the request is done.
        if (unit.item === window[unit.parent]) settled[unit.parent] = false;
      } catch {
        // The queue could not hold the retry: leave the leased item unacknowledged so its lease
        // expires and it runs again (the dedupe store keeps applied events from registering twice).
        settled[unit.parent] = false;
      }
    }
    await queue.ack(window.filter((_, w) => settled[w]).map((item) => item.id));
  }

  // Parses a queued request and maps its events; events that cannot be mapped are logged and dropped.
  private expand(item: InboundEventRequestItem): InboundEventItem[] {
    this.report.requests += 1;
    let message: unknown;
    try {
      message = JSON.parse(item.body);
    } catch (error) {
      this.fail(item, 'invalid_json', `queued request is not valid JSON: ${messageOf(error)}`, 'proxy-request');
      return [];
    }
    let mapped: ReturnType<typeof toEventWorkItems>;
    try {
      mapped = toEventWorkItems(message as Record<string, unknown>, this.context.options, item, new Set(item.skip ?? []));
    } catch (error) {
      // Arrival checks make this unreachable for requests this version queued; a host queue may hold older ones.
      this.fail(item, 'unmappable_request', `queued request could not be mapped: ${messageOf(error)}`, 'proxy-request');
      return [];
    }
    for (const rejected of mapped.rejected) {
      this.report.failed += 1;
      const payload = stringifyForLog(rejected.payload);
      this.context.logger.write({
        kind: 'inbound',
        connector: this.context.connector,
        status: 'failed',
        ...(rejected.action ? { action: rejected.action } : {}),
        ...(rejected.identifier ? { identifier: rejected.identifier } : {}),
        error: `${rejected.code}: ${rejected.error.message}`,
        requestBody: payload,
      });
      this.context.logger.write({
        kind: 'incoming-error',
        connector: this.context.connector,
        requestId: item.requestId,
        errorCode: rejected.code,
        message: rejected.error.message,
        source: 'proxy-request',
        createdAt: new Date(item.receivedAt).toISOString(),
        payload,
      });
    }
    return mapped.items;
  }

  private async runBatch(batch: UnitItem[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = new Array(batch.length);
    if (this.context.options.concurrency === 1) {
      for (let i = 0; i < batch.length; i++) outcomes[i] = await this.settle(batch[i]!);
      return outcomes;
    }
    // Subscription changes run alone so a list exists before members are added to it.
    let segment: number[] = [];
    for (let i = 0; i < batch.length; i++) {
      if (batch[i]!.kind === 'audience-subscription') {
        await this.runConcurrently(batch, segment, outcomes);
        segment = [];
        outcomes[i] = await this.settle(batch[i]!);
      } else {
        segment.push(i);
      }
    }
    await this.runConcurrently(batch, segment, outcomes);
    return outcomes;
  }

  // Up to `concurrency` items in flight; one customer's items one after another, in order.
  private async runConcurrently(batch: UnitItem[], indexes: number[], outcomes: Outcome[]): Promise<void> {
    const limit = this.context.options.concurrency;
    const chains = new Map<string, Promise<void>>();
    const waiting: Array<() => void> = [];
    let active = 0;
    const acquire = async (): Promise<void> => {
      while (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      active += 1;
    };
    const release = (): void => {
      active -= 1;
      waiting.shift()?.();
    };
    const runs = indexes.map((i) => {
      const item = batch[i]!;
      const key = item.kind === 'audience-subscription' ? item.id : item.identity.value;
      const next = (chains.get(key) ?? Promise.resolve()).then(async () => {
        await acquire();
        try {
          outcomes[i] = await this.settle(item);
        } finally {
          release();
        }
      });
      chains.set(key, next);
      return next;
    });
    await Promise.all(runs);
  }

  private async settle(item: UnitItem): Promise<Outcome> {
    try {
      switch (item.kind) {
        case 'event':
          return await this.applyEvent(item);
        case 'audience-membership':
          return await this.applyMembership(item);
        case 'audience-subscription':
          return await this.applySubscription(item);
        default:
          this.fail(item, 'unknown_item', `queued item of unknown kind '${(item as { kind?: unknown }).kind}'`, 'engine-processing');
          return ACK;
      }
    } catch (error) {
      return this.failure(item, error);
    }
  }

  private async applyEvent(item: InboundEventItem): Promise<Outcome> {
    const { engine, dedupe, options, now } = this.context;
    const key = item.idempotencyKey;
    if (!(await dedupe.claim(key, options.leaseMs, now()))) {
      const prior = await dedupe.result(key, now());
      this.report.skipped += 1;
      this.log(item, {
        status: 'skipped',
        action: item.action,
        ...(prior ? { eventId: prior } : {}),
        error: prior ? `duplicate: mParticle event ${item.sourceEventId} was already registered as ${prior}` : `duplicate: mParticle event ${item.sourceEventId} is being processed by another worker`,
      });
      return ACK;
    }
    let eventId: string;
    let customer: Customer | undefined;
    try {
      customer = await this.findCustomer(item.identity, options.autoSubscribe);
      if (!customer) {
        await dedupe.release(key);
        this.fail(item, 'unknown_customer', this.unknownCustomerMessage(item.identity), 'engine-request');
        return ACK;
      }
      ({ eventId } = await engine.registerEvent({
        customerId: customer.id,
        action: item.action,
        data: item.data,
        ...(item.timestampMs === undefined ? {} : { timestamp: new Date(item.timestampMs).toISOString() }),
        idempotencyKey: key,
      }));
    } catch (error) {
      await dedupe.release(key).catch(() => undefined);
      return this.failure(item, error, customer?.id);
    }
    // Registered: whatever happens to the dedupe record now, the item must not be retried.
    try {
      await dedupe.complete(key, eventId, options.dedupeTtlMs, now());
    } catch (error) {
      this.context.logger.write({
        kind: 'incoming-error',
        connector: this.context.connector,
        requestId: item.requestId,
        errorCode: 'dedupe_unavailable',
        message: `event registered as ${eventId}, but the dedupe store failed to record it, so a redelivery may register it again: ${messageOf(error)}`,
        source: 'engine-processing',
        createdAt: new Date(item.receivedAt).toISOString(),
        payload: payloadOf(item),
      });
    }
    this.report.registered += 1;
    this.log(item, { status: 'success', customerId: customer.id, action: item.action, eventId, responseBody: JSON.stringify({ eventId }) });
    return ACK;
  }

  private async applyMembership(item: InboundAudienceMembershipItem): Promise<Outcome> {
    const lists = this.requireLists();
    const action = item.action === 'add' ? 'list_add' : 'list_remove';
    let customer: Customer | undefined;
    try {
      customer = await this.findCustomer(item.identity, false);
      if (!customer) {
        if (item.action === 'delete') {
          this.report.skipped += 1;
          this.log(item, { status: 'skipped', action, error: `${this.unknownCustomerMessage(item.identity)}: nothing to remove` });
        } else {
          this.fail(item, 'unknown_customer', this.unknownCustomerMessage(item.identity), 'engine-request', action);
        }
        return ACK;
      }
      if (item.action === 'add') await lists.addMembers(item.audienceId, [customer.id]);
      else await lists.removeMembers(item.audienceId, [customer.id]);
    } catch (error) {
      return this.failure(item, error, customer?.id, action);
    }
    this.report.listChanges += 1;
    this.log(item, { status: 'success', customerId: customer.id, action });
    return ACK;
  }

  private async applySubscription(item: InboundAudienceSubscriptionItem): Promise<Outcome> {
    const lists = this.requireLists();
    const action = item.action === 'add' ? 'list_create' : item.action === 'update' ? 'list_rename' : 'list_delete';
    try {
      if (item.action === 'remove') await lists.deleteList(item.audienceId);
      else await lists.upsertList({ id: item.audienceId, name: item.audienceName });
    } catch (error) {
      return this.failure(item, error, undefined, action);
    }
    this.report.listChanges += 1;
    this.log(item, { status: 'success', action });
    return ACK;
  }

  private async findCustomer(identity: InboundIdentity, create: boolean): Promise<Customer | undefined> {
    const cached = this.customers.get(identity.value);
    if (cached) return cached;
    const { engine, options } = this.context;
    let customer = await engine.findCustomer({ field: options.loyaltyIdentifierField, value: identity.value });
    if (!customer && create && engine.createCustomer) {
      customer = await engine.createCustomer({ attributes: { [options.loyaltyIdentifierField]: identity.value }, status: 'inactive' });
      this.report.customersCreated += 1;
      this.context.logger.write({
        kind: 'inbound',
        connector: this.context.connector,
        customerId: customer.id,
        action: 'customer_create',
        status: 'success',
        identifier: identity.value,
        responseBody: JSON.stringify({ id: customer.id, status: 'inactive' }),
      });
    }
    if (customer) this.customers.set(identity.value, customer);
    return customer;
  }

  private unknownCustomerMessage(identity: InboundIdentity): string {
    return `no customer has ${this.context.options.loyaltyIdentifierField} = '${identity.value}' (mParticle identity '${identity.type}')`;
  }

  private requireLists(): CustomerLists {
    const lists = this.context.lists;
    // The constructor refuses trackAudiences without lists; items queued before a reconfiguration end here.
    if (!lists) throw new Error('no CustomerLists were supplied, so audience changes cannot be applied');
    return lists;
  }

  private failure(item: InboundWorkItem, error: unknown, customerId?: string, action?: string): Outcome {
    if (LoyaltyCdpError.is(error) && error.code === 'engine') {
      const reason = typeof (error as { reason?: unknown }).reason === 'string' ? (error as unknown as { reason: string }).reason : 'engine_refused';
      this.fail(item, reason, error.message, 'engine-request', action, customerId);
      return ACK;
    }
    const attempts = item.attempts + 1;
    const { maxAttempts } = this.context.options;
    if (attempts >= maxAttempts) {
      this.fail(item, 'retries_exhausted', `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${messageOf(error)}`, 'engine-processing', action, customerId);
      return ACK;
    }
    const delay = inboundRetryDelay(attempts);
    const message = `${messageOf(error)} (attempt ${attempts} of ${maxAttempts}; retried by a run after ${new Date(this.context.now() + delay).toISOString()})`;
    this.report.retrying += 1;
    this.log(item, { status: 'failed', action: action ?? actionOf(item), error: message, ...(customerId ? { customerId } : {}) });
    this.incomingError(item, 'engine_unavailable', message, 'engine-processing');
    return { ack: false, retry: { ...item, attempts }, at: this.context.now() + delay };
  }

  private fail(item: InboundWorkItem, code: string, message: string, source: IncomingErrorSource, action?: string, customerId?: string): void {
    this.report.failed += 1;
    this.log(item, { status: 'failed', action: action ?? actionOf(item), error: `${code}: ${message}`, ...(customerId ? { customerId } : {}) });
    this.incomingError(item, code, message, source);
  }

  private incomingError(item: InboundWorkItem, code: string, message: string, source: IncomingErrorSource): void {
    this.context.logger.write({
      kind: 'incoming-error',
      connector: this.context.connector,
      requestId: item.requestId,
      errorCode: code,
      message,
      source,
      createdAt: new Date(item.receivedAt).toISOString(),
      payload: payloadOf(item),
    });
  }

  private log(
    item: InboundWorkItem,
    fields: { status: 'success' | 'failed' | 'skipped'; action?: string; customerId?: string; eventId?: string; error?: string; responseBody?: string },
  ): void {
    this.context.logger.write({
      kind: 'inbound',
      connector: this.context.connector,
      identifier: identifierOf(item),
      requestBody: payloadOf(item),
      ...fields,
    });
  }
}

/** The loyalty action an item stands for, for the logs. */
export function actionOf(item: InboundWorkItem): string {
  switch (item.kind) {
    case 'event-request':
      return 'event_processing_request';
    case 'event':
      return item.action;
    case 'audience-membership':
      return item.action === 'add' ? 'list_add' : 'list_remove';
    default:
      return item.action === 'add' ? 'list_create' : item.action === 'update' ? 'list_rename' : 'list_delete';
  }
}

/** The item's mParticle identifier, for the logs: the event ID, or the audience. */
export function identifierOf(item: InboundWorkItem): string {
  if (item.kind === 'event-request') return item.requestId;
  return item.kind === 'event' ? item.sourceEventId : `audience:${item.audienceId}`;
}

/** What the logs keep of an item: the mParticle event as received, or the audience change. */
export function payloadOf(item: InboundWorkItem): string {
  if (item.kind === 'event-request') return item.body;
  if (item.kind === 'event') return stringifyForLog(item.event);
  if (item.kind === 'audience-subscription') {
    return JSON.stringify({ type: 'audience_subscription_request', id: item.requestId, audience_id: item.audienceId, audience_name: item.audienceName, action: item.action });
  }
  return JSON.stringify({
    type: 'audience_membership_change_request',
    id: item.requestId,
    user_identities: [{ type: item.identity.type, encoding: 'raw', value: item.identity.value }],
    ...(item.mpid ? { mpid: item.mpid } : {}),
    audiences: [{ audience_id: item.audienceId, audience_name: item.audienceName, action: item.action }],
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
