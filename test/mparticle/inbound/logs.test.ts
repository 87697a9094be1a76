import { describe, expect, it } from 'vitest';
import { DEFAULT_LOG_RETENTION_MS } from '../../../src/core/memory-log-store.js';
import { fixture, records, setup } from './helpers.js';

/** A connector with one record of each error source in its log. */
async function withEveryErrorSource() {
  const context = setup({ trackAudiences: true });
  const { post, inbound, engine, clock } = context;
  await post(fixture('event-processing-request'), { token: 'not-the-token-at-all' }); // proxy-request (401)
  await post(fixture('event-processing-hashed-identity')); // proxy-request (hashed identity)
  clock.advance(1000);
  await post({ type: 'event_processing_request', id: 'req-missing', user_identities: [{ type: 'customer', value: 'crm-nobody' }], events: [
    { type: 'custom_event', id: 'e-unknown', name: 'Coupon Redeemed', attributes: { coupon_code: 'Z' } },
  ] });
  await post({ type: 'event_processing_request', id: 'req-flaky', user_identities: [{ type: 'customer', value: 'crm-alan' }], events: [
    { type: 'custom_event', id: 'e-flaky', name: 'Coupon Redeemed', attributes: { coupon_code: 'F' } },
  ] });
  clock.advance(1000);
  // The unknown customer fails with engine-request; then the engine fails transiently once for the next item.
  const original = engine.findCustomer.bind(engine);
  let calls = 0;
  engine.findCustomer = async (query) => {
    calls += 1;
    if (calls === 2) throw new Error('engine timed out');
    return original(query);
  };
  await inbound.processInboundQueue(); // engine-request + engine-processing
  return context;
}

describe('incoming-error log', () => {
  it('records every failed request or item with code, message, source, created at (request time), logged at and payload', async () => {
    const { logs } = await withEveryErrorSource();
    const errors = records(logs, 'incoming-error');
    expect(errors.map((e) => `${e.source}:${e.errorCode}`)).toEqual([
      'proxy-request:unauthorized',
      'proxy-request:hashed_identity',
      'engine-request:unknown_customer',
      'engine-processing:engine_unavailable',
    ]);
    const unknown = errors[2]!;
    expect(unknown.createdAt).toBe('2026-11-20T09:00:01.000Z'); // when the request arrived
    expect(unknown.loggedAt).toBe('2026-11-20T09:00:02.000Z'); // when processing failed
    expect(unknown.requestId).toBe('req-missing');
    expect(JSON.parse(unknown.payload as string)).toMatchObject({ id: 'e-unknown' });
  });

  it('is filterable and sortable on its fields', async () => {
    const { logs } = await withEveryErrorSource();
    expect(logs.query({ kind: 'incoming-error', where: { source: 'engine-request' } }).records).toHaveLength(1);
    expect(logs.query({ kind: 'incoming-error', where: { errorCode: 'hashed_identity' } }).records).toHaveLength(1);
    expect(logs.query({ kind: 'incoming-error', where: { message: 'TIMED OUT' } }).records).toHaveLength(1);
    expect(logs.query({ kind: 'incoming-error', where: { connector: 'mparticle-inbound' } }).records).toHaveLength(4);
    const bySource = logs.query({ kind: 'incoming-error', sort: { by: 'source', order: 'asc' } }).records.map((r) => (r as { source: string }).source);
    expect(bySource).toEqual(['engine-processing', 'engine-request', 'proxy-request', 'proxy-request']);
    const byCreated = logs.query({ kind: 'incoming-error', sort: { by: 'createdAt', order: 'desc' }, limit: 1 });
    expect((byCreated.records[0] as { createdAt: string }).createdAt).toBe('2026-11-20T09:00:01.000Z');
    expect(byCreated.nextCursor).toBeDefined();
    expect(logs.query({ kind: 'inbound', where: { status: 'failed', action: 'coupon_redeem' } }).records.length).toBeGreaterThanOrEqual(2);
  });

  it('exports each payload as pretty JSON or as the text received', async () => {
    const { logs } = await withEveryErrorSource();
    const [hashed] = logs.query({ kind: 'incoming-error', where: { errorCode: 'hashed_identity' } }).records;
    const pretty = logs.export(hashed!.id, 'json')!;
    expect(pretty).toContain('\n  "type": "custom_event"');
    expect(JSON.parse(pretty)).toMatchObject({ id: '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d' });
    const text = logs.export(hashed!.id, 'text')!;
    expect(text).not.toContain('\n');
    expect(JSON.parse(text)).toEqual(JSON.parse(pretty));
  });

  it('keeps records 90 days: purge() drops older ones only', async () => {
    const { logs, clock, post } = await withEveryErrorSource();
    const before = logs.size;
    clock.advance(DEFAULT_LOG_RETENTION_MS - 5000);
    await post({ type: 'bogus' }); // a fresh record
    expect(logs.purge()).toBe(0);
    clock.advance(10_000);
    const purged = logs.purge();
    expect(purged).toBe(before);
    expect(records(logs, 'incoming-error').map((r) => r.errorCode)).toEqual(['unsupported_message_type']);
  });
});
