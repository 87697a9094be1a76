// Reference check against the official `mparticle` npm package (mParticle/mparticle-node-sdk): the
// same batch built with it and with our mapping must have the same shape on the wire.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LeasedMessage } from '../../../src/core/store.js';
import { mparticleDestination } from '../../../src/mparticle/destination.js';
import { toCustomEventBatch, toUserAttributeBatch } from '../../../src/mparticle/mapping.js';
import { parseMParticleOutboundOptions } from '../../../src/mparticle/schemas.js';
import { startFakeVendorServer, type FakeVendorServer } from '../../../src/testing/fake-vendors.js';

// The package is CommonJS without type declarations; this is the slice of it the test uses.
interface OfficialSdk {
  EventsApi: new (configuration: unknown) => {
    apiClient: { basePath: string };
    bulkUploadEvents(batches: unknown[], callback: (error: unknown) => void): void;
  };
  Configuration: new (key: string, secret: string) => unknown;
  Batch: { new (environment: string): OfficialBatch; Environment: { production: string; development: string } };
  UserIdentities: new () => Record<string, string>;
  AppEvent: {
    new (type: string, name: string): Record<string, unknown>;
    CustomEventType: Record<string, string>;
  };
}
interface OfficialBatch {
  user_identities?: Record<string, string>;
  user_attributes?: Record<string, unknown>;
  source_request_id?: string;
  addEvent(event: unknown): void;
}

const mp = createRequire(import.meta.url)('mparticle') as OfficialSdk;

const customer = { id: 'cus_1', attributes: { email: 'ada@example.com', tier: 'gold' } };
const event = { id: 'evt_1', customerId: 'cus_1', action: 'point_add', data: { points: 50, reason: 'review' }, timestamp: '2026-01-02T03:04:05.678Z' };

describe('reference check against the official mparticle package', () => {
  let server: FakeVendorServer;
  beforeAll(async () => {
    server = await startFakeVendorServer();
  });
  afterAll(() => server.close());

  it('builds custom events and user attributes with the same shape, except the documented customer_id key', async () => {
    const config = parseMParticleOutboundOptions({
      apiKey: 'example-api-key',
      apiSecret: 'example-api-secret',
      apiUrl: `${server.url}/v2`,
      fieldMapping: { tier: 'antavo_tier' },
      externalEvents: { point_add: { customEventType: 'transaction' } },
    });
    const ours = [toCustomEventBatch(customer, event, config)!, toUserAttributeBatch(customer, config, { changedAt: 0 })!];

    // The same two batches, written as the package's README shows.
    const official = ours.map((our) => {
      const batch = new mp.Batch(mp.Batch.Environment.production);
      batch.user_identities = new mp.UserIdentities();
      batch.user_identities.customerid = 'cus_1';
      batch.user_identities.email = 'ada@example.com';
      batch.source_request_id = our.source_request_id;
      if (our.user_attributes) batch.user_attributes = { antavo_tier: 'gold' };
      for (const e of our.events ?? []) {
        const appEvent = new mp.AppEvent(mp.AppEvent.CustomEventType.transaction!, 'point_add');
        appEvent.custom_attributes = { points: 50, reason: 'review' };
        appEvent.timestamp_unixtime_ms = Date.parse(event.timestamp);
        appEvent.source_message_id = e.data.source_message_id;
        batch.addEvent(appEvent);
      }
      return batch;
    });

    const api = new mp.EventsApi(new mp.Configuration('example-api-key', 'example-api-secret'));
    api.apiClient.basePath = `${server.url}/v2`;
    await new Promise<void>((resolve, reject) => api.bulkUploadEvents(official, (error) => (error ? reject(error) : resolve())));
    const [theirs] = server.vendors.requests;

    const request = mparticleDestination(config).buildRequest(ours.map((batch) => ({ body: JSON.stringify(batch) }) as LeasedMessage));
    const oursOnWire = JSON.parse(request.body!) as Array<Record<string, unknown>>;
    const theirsOnWire = theirs!.json as Array<Record<string, unknown>>;

    // Same wrapper (`event_type` + `data`), same placement of `custom_event_type` and `event_name`.
    expect(oursOnWire[0]!.events).toEqual(theirsOnWire[0]!.events);
    expect((theirsOnWire[0]!.events as Array<Record<string, unknown>>)[0]).toMatchObject({ event_type: 'custom_event', data: { custom_event_type: 'transaction', event_name: 'point_add' } });

    // The package writes `customerid`; mParticle's JSON reference and schema document
    // `customer_id` (the schema rejects `customerid`), so we follow the documentation.
    expect(theirsOnWire.map((b) => b.user_identities)).toEqual([
      { customerid: 'cus_1', email: 'ada@example.com' },
      { customerid: 'cus_1', email: 'ada@example.com' },
    ]);
    const renamed = theirsOnWire.map((b) => {
      const { customerid, ...rest } = b.user_identities as Record<string, string>;
      return { ...b, user_identities: { customer_id: customerid, ...rest } };
    });
    expect(oursOnWire).toEqual(renamed);

    // Same endpoint and credentials header.
    expect(new URL(request.url).pathname).toBe(theirs!.path);
    expect(request.headers.authorization).toBe(theirs!.headers.authorization);
    expect(request.headers.authorization).toBe('Basic ZXhhbXBsZS1hcGkta2V5OmV4YW1wbGUtYXBpLXNlY3JldA==');
  });
});
