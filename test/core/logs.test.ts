import { describe, expect, it } from 'vitest';
import { Logger, type LogRecord } from '../../src/core/logs.js';
import { MemoryLogStore } from '../../src/core/memory-log-store.js';
import { manualClock } from './helpers.js';

const DAY = 24 * 60 * 60 * 1000;

function seeded() {
  const clock = manualClock(Date.UTC(2026, 0, 1));
  const store = new MemoryLogStore({ now: clock.now });
  const logger = new Logger(store, clock.now);
  logger.write({ kind: 'outbound', connector: 'segment', customerId: 'c1', eventType: 'track', identifier: 'm1', outcome: 'delivered', statusCode: 200, responseTimeMs: 12, requestBody: '{"event":"point_add"}' });
  clock.advance(1000);
  logger.write({ kind: 'outbound', connector: 'segment', customerId: 'c2', eventType: 'identify', identifier: 'm2', outcome: 'dead-lettered', statusCode: 400, error: 'HTTP 400: Bad Request' });
  clock.advance(1000);
  logger.write({ kind: 'inbound', connector: 'segment-inbound', customerId: 'c1', action: 'point_add', status: 'success', eventId: 'evt_1', identifier: 'seg-1' });
  clock.advance(1000);
  logger.write({ kind: 'inbound', connector: 'segment-inbound', customerId: 'c3', action: 'profile', status: 'skipped', identifier: 'seg-2' });
  clock.advance(1000);
  logger.write({ kind: 'incoming-error', connector: 'mparticle-inbound', requestId: 'r1', errorCode: 'unauthorized', message: 'bad token', source: 'proxy-request', createdAt: new Date(clock.now() - 5).toISOString(), payload: '{"type":"event_processing_request"}' });
  return { clock, store, logger };
}

const ids = (records: LogRecord[]) => records.map((r) => ('identifier' in r ? r.identifier : r.kind === 'incoming-error' ? r.requestId : ''));

describe('MemoryLogStore', () => {
  it('stamps records with an id and a timestamp', () => {
    const { store } = seeded();
    const [latest] = store.query().records;
    expect(latest).toMatchObject({ kind: 'incoming-error', timestamp: '2026-01-01T00:00:04.000Z', loggedAt: '2026-01-01T00:00:04.000Z' });
    expect(latest!.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    [{ kind: 'outbound' as const }, ['m2', 'm1']],
    [{ where: { customerId: 'c1' } }, ['seg-1', 'm1']],
    [{ where: { eventType: 'identify' } }, ['m2']],
    [{ where: { action: 'point_add' } }, ['seg-1']],
    [{ where: { statusCode: 400 } }, ['m2']],
    [{ where: { status: 'skipped' as const } }, ['seg-2']],
    [{ where: { identifier: 'm1' } }, ['m1']],
    [{ where: { error: 'bad request' } }, ['m2']],
    [{ kind: 'outbound' as const, where: { error: false } }, ['m1']],
    [{ where: { source: 'proxy-request' } }, ['r1']],
  ])('filters %j', (query, expected) => {
    expect(ids(seeded().store.query(query).records)).toEqual(expected);
  });

  it('sorts by any field and pages with a cursor', () => {
    const { store } = seeded();
    const first = store.query({ sort: { by: 'timestamp', order: 'asc' }, limit: 2 });
    expect(ids(first.records)).toEqual(['m1', 'm2']);
    const second = store.query({ sort: { by: 'timestamp', order: 'asc' }, limit: 2, cursor: first.nextCursor! });
    expect(ids(second.records)).toEqual(['seg-1', 'seg-2']);
    const last = store.query({ sort: { by: 'timestamp', order: 'asc' }, limit: 2, cursor: second.nextCursor! });
    expect(ids(last.records)).toEqual(['r1']);
    expect(last.nextCursor).toBeUndefined();
    expect(ids(store.query({ kind: 'outbound', sort: { by: 'statusCode', order: 'desc' } }).records)).toEqual(['m2', 'm1']);
  });

  it('purges records past the 90-day retention by default', () => {
    const { store, clock, logger } = seeded();
    clock.advance(89 * DAY);
    logger.write({ kind: 'inbound', connector: 'x', status: 'success', identifier: 'recent' });
    expect(store.purge()).toBe(0);
    clock.advance(2 * DAY);
    expect(store.purge()).toBe(5);
    expect(ids(store.query().records)).toEqual(['recent']);
    expect(store.purge(new Date(clock.now() + 1))).toBe(1);
  });

  it('exports a payload as pretty JSON or plain text', () => {
    const { store } = seeded();
    const [error] = store.query({ kind: 'incoming-error' }).records;
    expect(store.export(error!.id, 'json')).toBe('{\n  "type": "event_processing_request"\n}');
    expect(store.export(error!.id, 'text')).toBe('{"type":"event_processing_request"}');
    expect(store.export('nope')).toBeUndefined();
  });

  it('bounds memory by dropping the oldest records past maxRecords', () => {
    const store = new MemoryLogStore({ maxRecords: 10 });
    const logger = new Logger(store);
    for (let i = 0; i < 25; i++) logger.write({ kind: 'inbound', connector: 'x', status: 'success', identifier: `i${i}` });
    expect(store.size).toBe(10);
    expect(ids(store.query({ sort: { by: 'identifier', order: 'asc' }, limit: 100 }).records)).not.toContain('i14');
  });

  it('never lets a failing sink break the caller', () => {
    const logger = new Logger({ write: () => { throw new Error('disk full'); } });
    expect(() => logger.write({ kind: 'inbound', connector: 'x', status: 'success' })).not.toThrow();
  });
});
