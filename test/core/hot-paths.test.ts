// The per-message paths were tuned for throughput (probe-then-replace redaction, one timestamp
// string per millisecond, fixed-shape store records); these pin the behaviour those tunings keep.
import { describe, expect, it } from 'vitest';
import { Logger, type LogRecord } from '../../src/core/logs.js';
import { MemoryStore } from '../../src/core/memory-store.js';
import { toIsoTimestamp } from '../../src/core/model.js';
import { REDACTED, redactText, registerSecret } from '../../src/core/redact.js';
import { manualClock } from './helpers.js';

describe('redactText probes', () => {
  const secret = 'hot-path-canary-81f2';
  registerSecret(secret);

  it('masks every occurrence on every call (no state carried between calls)', () => {
    const text = `a ${secret} b {"token":"t1"} c ?api_key=k1&x=1 Bearer abc.def ${secret}`;
    for (let i = 0; i < 3; i++) {
      const out = redactText(text);
      expect(out).not.toContain(secret);
      expect(out).not.toContain('t1');
      expect(out).not.toContain('k1');
      expect(out).not.toContain('abc.def');
      expect(out.split(REDACTED)).toHaveLength(6);
    }
  });

  it('returns text without secrets unchanged', () => {
    const body = '{"type":"track","event":"point_add","properties":{"points":5}}';
    expect(redactText(body)).toBe(body);
    expect(redactText('')).toBe('');
  });
});

describe('Logger', () => {
  it('stamps each record with its own instant, also when records share a millisecond', () => {
    const clock = manualClock(Date.UTC(2026, 0, 1));
    const records: LogRecord[] = [];
    const logger = new Logger({ write: (r) => void records.push(r) }, clock.now);
    const write = (customerId: string) => logger.write({ kind: 'outbound', connector: 'x', customerId, eventType: 't', identifier: customerId, outcome: 'delivered' });
    write('a');
    write('b');
    clock.advance(1);
    write('c');
    logger.write({ kind: 'incoming-error', connector: 'x', requestId: 'r', errorCode: 'e', message: 'm', source: 'proxy-request', createdAt: 'then' });
    expect(records.map((r) => r.timestamp)).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.001Z', '2026-01-01T00:00:00.001Z']);
    expect(new Set(records.map((r) => r.id)).size).toBe(4);
    expect(records[3]).toMatchObject({ loggedAt: '2026-01-01T00:00:00.001Z', createdAt: 'then' });
    expect(records[0]).toMatchObject({ customerId: 'a', outcome: 'delivered' });
  });
});

describe('MemoryStore records', () => {
  it('never lists lease fields, and a re-leased message gets a fresh token', async () => {
    const store = new MemoryStore();
    await store.enqueue([{ id: 'm1', connector: 'c', kind: 'k', customerId: 'u', body: '{}', bytes: 2, createdAt: 0 }]);
    const [first] = await store.lease('c', { limit: 10, leaseMs: 100, now: 0 });
    expect(first).toMatchObject({ id: 'm1', attempts: 1, state: 'leased', leaseToken: expect.any(String) });
    for (const listed of await store.listPending('c')) expect(listed).not.toHaveProperty('leaseToken');
    await store.retry('c', [{ id: 'm1', leaseToken: first!.leaseToken, at: 5, error: 'boom' }]);
    const [second] = await store.lease('c', { limit: 10, leaseMs: 100, now: 5 });
    expect(second).toMatchObject({ id: 'm1', attempts: 2, lastError: 'boom' });
    expect(second!.leaseToken).not.toBe(first!.leaseToken);
    // The first lease is stale: settling with it changes nothing.
    await store.ack('c', [{ id: 'm1', leaseToken: first!.leaseToken }]);
    expect(await store.listPending('c')).toHaveLength(1);
    await store.deadLetter('c', [{ id: 'm1', leaseToken: second!.leaseToken, error: 'gone', now: 9 }]);
    const [dead] = await store.listDeadLetters('c');
    expect(dead).toMatchObject({ id: 'm1', state: 'dead', lastError: 'gone', deadAt: 9 });
    expect(dead).not.toHaveProperty('leaseToken');
    expect(dead).not.toHaveProperty('leaseUntil');
  });
});

describe('toIsoTimestamp', () => {
  it('gives what Date gives for every string, canonical or not', () => {
    const samples: string[] = [];
    for (const year of ['0000', '1999', '2024', '2026', '9999']) {
      for (const month of ['00', '01', '02', '04', '12', '13']) {
        for (const day of ['00', '01', '28', '29', '30', '31', '32']) {
          for (const time of ['00:00:00.000', '23:59:59.999', '24:00:00.000', '12:60:00.000', '12:00:60.000']) samples.push(`${year}-${month}-${day}T${time}Z`);
        }
      }
    }
    samples.push('2026-11-20T10:00:00Z', '2026-11-20T10:00:00.000+01:00', '2026-11-20', '2026-11-20T10:00:00.0000Z');
    for (const text of samples) {
      const date = new Date(text);
      if (Number.isNaN(date.getTime())) expect(() => toIsoTimestamp(text), text).toThrow();
      else expect(toIsoTimestamp(text), text).toBe(date.toISOString());
    }
  });
});
