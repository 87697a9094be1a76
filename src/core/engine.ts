import type { Customer } from './model.js';
import { LoyaltyCdpError } from './errors.js';

/** A loyalty event an inbound connector asks the engine to register. */
export interface RegisterEventInput {
  /** The loyalty engine's customer ID. */
  customerId: string;
  /** The loyalty action (`point_add`, `checkout`, …). */
  action: string;
  /** Action data. */
  data: Record<string, unknown>;
  /** Points account, with Multi-accounts. */
  account?: string;
  /** When it happened, ISO-8601, when the source said. */
  timestamp?: string;
  /** Stable per source event: the engine may use it to refuse a second registration. */
  idempotencyKey: string;
}

/** What the engine answers for a registered event. */
export interface RegisteredEventRef {
  /** The engine's ID of the registered event. */
  eventId: string;
}

/** A profile update an inbound connector asks the engine to apply. */
export interface UpdateProfileInput {
  /** The loyalty engine's customer ID. */
  customerId: string;
  /** Attributes to set. */
  attributes: Record<string, unknown>;
  /** Points account, with Multi-accounts. */
  account?: string;
  /** Stable per source event. */
  idempotencyKey: string;
}

/** A new customer an inbound connector asks the engine to create (auto-subscribe). */
export interface CreateCustomerInput {
  /** Attributes of the new customer, including the identifying one. */
  attributes: Record<string, unknown>;
  /** Membership status. */
  status: 'active' | 'inactive';
}

/**
 * The loyalty engine, as inbound connectors call it. The host implements it over its own engine
 * (Antavo's Events and Customer APIs, or an in-house one); `InMemoryLoyaltyEngine` in
 * `loyalty-cdp/testing` is a reference implementation. Throw {@link EngineRefusal} for a permanent
 * refusal (the source should not retry); any other error counts as transient.
 */
export interface LoyaltyEngine {
  /** Registers a loyalty event; returns the engine's event ID. */
  registerEvent(input: RegisterEventInput): Promise<RegisteredEventRef>;
  /** Applies profile attributes. */
  updateProfile(input: UpdateProfileInput): Promise<void>;
  /** Finds a customer by `id` or by an attribute's value. */
  findCustomer(query: { field: string; value: string }): Promise<Customer | undefined>;
  /** Creates a customer; optional, needed for auto-subscribe. */
  createCustomer?(input: CreateCustomerInput): Promise<Customer>;
}

/**
 * Customer lists (segments/audiences) in the loyalty engine, as the mParticle inbound connector
 * maintains them from mParticle audiences.
 */
export interface CustomerLists {
  /** Creates a list, or renames it when it exists. */
  upsertList(input: { id: string; name: string }): Promise<void>;
  /** Deletes a list. */
  deleteList(id: string): Promise<void>;
  /** Adds customers; throw {@link EngineRefusal} when the list is inactive. */
  addMembers(listId: string, customerIds: readonly string[]): Promise<void>;
  /** Removes customers. */
  removeMembers(listId: string, customerIds: readonly string[]): Promise<void>;
}

/**
 * The loyalty engine refused a call for good (unknown action, inactive list, business rule): the
 * sender should not retry. `reason` is a machine-readable code.
 */
export class EngineRefusal extends LoyaltyCdpError {
  /** Machine-readable reason, e.g. `inactive_list`, `unknown_action`. */
  readonly reason: string;

  constructor(reason: string, message: string) {
    super('engine', message);
    this.reason = reason;
  }
}
