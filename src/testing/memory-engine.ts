import type {
  CreateCustomerInput,
  CustomerLists,
  LoyaltyEngine,
  RegisteredEventRef,
  RegisterEventInput,
  UpdateProfileInput,
} from '../core/engine.js';
import { EngineRefusal } from '../core/engine.js';
import type { Customer } from '../core/model.js';

/** A customer as {@link InMemoryLoyaltyEngine} holds it. */
export interface MemoryCustomer extends Customer {
  /** Attributes (always present here). */
  attributes: Record<string, unknown>;
  /** Membership status. */
  status: 'active' | 'inactive';
}

/** An event {@link InMemoryLoyaltyEngine} registered. */
export interface RegisteredEvent extends RegisterEventInput {
  /** The ID it was given. */
  eventId: string;
}

/** A customer list {@link InMemoryLoyaltyEngine} holds. */
export interface MemoryList {
  /** List ID (the mParticle audience ID, for lists made from audiences). */
  id: string;
  /** Display name. */
  name: string;
  /** Inactive lists refuse new members. */
  active: boolean;
  /** Member customer IDs. */
  members: Set<string>;
}

/**
 * A reference {@link LoyaltyEngine} and {@link CustomerLists} held in memory, for tests and the demo.
 * It records every call and, unlike a real engine, does not deduplicate by idempotency key, so a
 * test sees exactly what a connector asked for. `failNext()` scripts transient failures.
 */
export class InMemoryLoyaltyEngine implements LoyaltyEngine, CustomerLists {
  /** Customers by ID. */
  readonly customers = new Map<string, MemoryCustomer>();
  /** Every registered event, in order. */
  readonly events: RegisteredEvent[] = [];
  /** Every profile update applied, in order. */
  readonly profileUpdates: UpdateProfileInput[] = [];
  /** Lists by ID. */
  readonly lists = new Map<string, MemoryList>();
  private failures: Error[] = [];
  private nextId = 1;

  constructor(customers: Array<Customer & { status?: 'active' | 'inactive' }> = []) {
    for (const c of customers) this.customers.set(c.id, { id: c.id, attributes: { ...c.attributes }, status: c.status ?? 'active' });
  }

  /** Makes the next `count` engine calls throw `error` (a transient failure by default). */
  failNext(count = 1, error: Error = new Error('engine temporarily unavailable')): void {
    for (let i = 0; i < count; i++) this.failures.push(error);
  }

  /** Registered events of one customer. */
  eventsOf(customerId: string): RegisteredEvent[] {
    return this.events.filter((e) => e.customerId === customerId);
  }

  async registerEvent(input: RegisterEventInput): Promise<RegisteredEventRef> {
    this.maybeFail();
    if (!this.customers.has(input.customerId)) {
      throw new EngineRefusal('unknown_customer', `customer '${input.customerId}' does not exist`);
    }
    const eventId = `evt_${this.nextId++}`;
    this.events.push({ ...input, eventId });
    return { eventId };
  }

  async updateProfile(input: UpdateProfileInput): Promise<void> {
    this.maybeFail();
    const customer = this.customers.get(input.customerId);
    if (!customer) throw new EngineRefusal('unknown_customer', `customer '${input.customerId}' does not exist`);
    Object.assign(customer.attributes, input.attributes);
    this.profileUpdates.push(input);
  }

  async findCustomer(query: { field: string; value: string }): Promise<MemoryCustomer | undefined> {
    this.maybeFail();
    if (query.field === 'id') return this.customers.get(query.value);
    for (const c of this.customers.values()) if (String(c.attributes[query.field] ?? '') === query.value) return c;
    return undefined;
  }

  async createCustomer(input: CreateCustomerInput): Promise<MemoryCustomer> {
    this.maybeFail();
    const id = typeof input.attributes.id === 'string' ? input.attributes.id : `cus_${this.nextId++}`;
    const customer: MemoryCustomer = { id, attributes: { ...input.attributes }, status: input.status };
    this.customers.set(id, customer);
    return customer;
  }

  async upsertList(input: { id: string; name: string }): Promise<void> {
    this.maybeFail();
    const list = this.lists.get(input.id);
    if (list) list.name = input.name;
    else this.lists.set(input.id, { id: input.id, name: input.name, active: true, members: new Set() });
  }

  async deleteList(id: string): Promise<void> {
    this.maybeFail();
    this.lists.delete(id);
  }

  async addMembers(listId: string, customerIds: readonly string[]): Promise<void> {
    this.maybeFail();
    const list = this.lists.get(listId);
    if (!list) throw new EngineRefusal('unknown_list', `list '${listId}' does not exist`);
    if (!list.active) throw new EngineRefusal('inactive_list', `list '${list.name}' is inactive: customers cannot be added`);
    for (const id of customerIds) list.members.add(id);
  }

  async removeMembers(listId: string, customerIds: readonly string[]): Promise<void> {
    this.maybeFail();
    const list = this.lists.get(listId);
    if (!list) return;
    for (const id of customerIds) list.members.delete(id);
  }

  private maybeFail(): void {
    const failure = this.failures.shift();
    if (failure) throw failure;
  }
}
