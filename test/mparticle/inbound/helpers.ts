import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '../../../src/core/logs.js';
import { MemoryLogStore } from '../../../src/core/memory-log-store.js';
import { MParticleInbound, type MParticleInboundOptions } from '../../../src/mparticle/inbound/index.js';
import { InMemoryLoyaltyEngine } from '../../../src/testing/memory-engine.js';
import { manualClock } from '../../core/helpers.js';

const here = dirname(fileURLToPath(import.meta.url));

/** A fixture as parsed JSON (a fresh copy each time). */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(here, 'fixtures', `${name}.json`), 'utf8')) as T;
}

/** The token every test configures; long enough and distinctive enough to grep for in logs. */
export const TOKEN = 'canary-mp-token-7Hq2Lx9Vw4Rz';

/** Mappings matching the event-processing fixture. */
export const MAPPINGS: NonNullable<MParticleInboundOptions['eventMappings']> = [
  { loyaltyEvent: 'coupon_redeem', eventType: 'custom_event', eventName: 'Coupon Redeemed', priority: 5, fields: { coupon: '{coupon_code}', source: 'mparticle' } },
  { loyaltyEvent: 'checkout', eventType: 'commerce_event', eventName: 'purchase', priority: 1, fields: { transaction_id: '{transaction_id}', total: '{total_amount}', currency: '{currency_code}', items: '{products}' } },
  { loyaltyEvent: 'page_view', eventType: 'screen_view', priority: 10, fields: { page: '{screen_name}', first_name: '{$firstname}' } },
];

/** Customers of the in-memory engine, identified by `external_id` like the demo programme. */
export function engineWithCustomers(): InMemoryLoyaltyEngine {
  return new InMemoryLoyaltyEngine([
    { id: 'cus_1001', attributes: { external_id: 'crm-ada', email: 'ada@example.com' } },
    { id: 'cus_1002', attributes: { external_id: 'crm-alan', email: 'alan@example.com' } },
  ]);
}

/** An inbound connector over an in-memory engine, a log store and a manual clock. */
export function setup(options: Partial<MParticleInboundOptions> = {}, engine = engineWithCustomers()) {
  const clock = manualClock(Date.UTC(2026, 10, 20, 9, 0));
  const logs = new MemoryLogStore({ now: clock.now });
  const logger = new Logger(logs, clock.now);
  const inbound = new MParticleInbound(
    { authToken: TOKEN, customerIdentity: 'customer', loyaltyIdentifierField: 'external_id', eventMappings: MAPPINGS, ...options },
    { engine, lists: engine, logger, now: clock.now },
  );
  /** POSTs a body (object or raw text) the way mParticle does. */
  const post = (body: unknown, init: { token?: string | null; contentType?: string; method?: string } = {}) => {
    const headers: Record<string, string> = { 'content-type': init.contentType ?? 'application/json' };
    const token = init.token === undefined ? TOKEN : init.token;
    if (token !== null) headers.authorization = `Token ${token}`;
    return inbound.fetch(
      new Request('https://loyalty.example/mparticle', {
        method: init.method ?? 'POST',
        headers,
        ...(init.method === 'GET' ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      }),
    );
  };
  return { inbound, engine, logs, clock, post };
}

/** Every record of a kind, oldest first. */
export function records(logs: MemoryLogStore, kind: 'inbound' | 'incoming-error' | 'outbound') {
  return logs.query({ kind, sort: { by: 'timestamp', order: 'asc' }, limit: 10_000 }).records as unknown as Array<Record<string, unknown>>;
}
