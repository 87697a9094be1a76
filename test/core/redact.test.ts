import { describe, expect, it } from 'vitest';
import { registerSecret, redactText, redactValue, REDACTED } from '../../src/core/redact.js';
import { DeliveryError, ValidationError, ConfigurationError } from '../../src/core/errors.js';
import { MemoryLogStore } from '../../src/core/memory-log-store.js';
import { Logger } from '../../src/core/logs.js';
import { handleInbound } from '../../src/core/inbound.js';
import { parseOptions } from '../../src/core/options.js';
import { z } from 'zod';
import { toyQueue } from './helpers.js';

const CANARY = 'canary-wk-3f9c1d7e';
registerSecret(CANARY);
const basic = Buffer.from(`${CANARY}:`).toString('base64');

describe('redaction', () => {
  it('masks registered secrets, also in their Basic-auth base64 form', () => {
    expect(redactText(`key ${CANARY} and ${basic}`)).not.toMatch(new RegExp(`${CANARY}|${basic.replace(/=+$/, '')}`));
  });

  it('masks secret shapes it was never told about', () => {
    const text = [
      'Authorization: Bearer sk_live_abcdef123456',
      '"api_key":"ak-unregistered-1"',
      '"writeKey": "wk-unregistered-2"',
      'https://api.eu7.antavo.com/customers?api_key=ak-unregistered-3&x=1',
      'Token tok-unregistered-4',
    ].join('\n');
    const out = redactText(text);
    for (const leak of ['sk_live_abcdef123456', 'ak-unregistered-1', 'wk-unregistered-2', 'ak-unregistered-3', 'tok-unregistered-4']) {
      expect(out).not.toContain(leak);
    }
    expect(out).toContain('x=1');
  });

  it('masks secret-named properties in structured values', () => {
    const out = redactValue({ headers: { Authorization: 'whatever', 'content-type': 'application/json' }, api_key: 'k', nested: [{ token: 't' }] });
    expect(out).toEqual({ headers: { Authorization: REDACTED, 'content-type': 'application/json' }, api_key: REDACTED, nested: [{ token: REDACTED }] });
  });

  it('keeps canaries out of every error class', () => {
    const errors = [
      new DeliveryError(`HTTP 401 for ${CANARY}`, { status: 401, retryable: false, response: { status: 401, headers: {}, body: `{"writeKey":"${CANARY}"}` } }),
      new ValidationError({ path: 'x', expected: 'y', received: CANARY }),
      new ConfigurationError(`bad ${basic}`),
    ];
    for (const error of errors) expect(JSON.stringify({ m: error.message, r: (error as DeliveryError).response })).not.toContain(CANARY);
  });

  it('does not echo an invalid secret option back in a configuration error', () => {
    const schema = z.object({ writeKey: z.string().min(40) });
    expect(() => parseOptions('Thing', schema, { writeKey: 'short-secret-value' })).toThrow(ConfigurationError);
    try {
      parseOptions('Thing', schema, { writeKey: 'short-secret-value' });
    } catch (error) {
      expect((error as Error).message).toContain("'writeKey'");
      expect((error as Error).message).not.toContain('short-secret-value');
    }
  });

  it('keeps canaries out of outbound log records', async () => {
    const { queue, vendors, logs } = toyQueue();
    vendors.script('/v1/batch', { status: 401, body: { error: `bad key ${CANARY}` } });
    await queue.enqueue([queue.message({ id: 'm1', kind: 'track', customerId: 'c', payload: { api_key: CANARY, note: `Basic ${basic}` } })]);
    await queue.flush();
    const records = JSON.stringify(logs.query().records);
    expect(logs.query().records.length).toBeGreaterThan(0);
    expect(records).not.toContain(CANARY);
    expect(records).not.toContain(basic);
    // The dead letter keeps the body verbatim for replay, but its error is redacted.
    const [dead] = await queue.deadLetters();
    expect(dead!.lastError).toContain('bad key');
    expect(dead!.lastError).not.toContain(CANARY);
  });

  it('keeps canaries out of inbound and incoming-error records', async () => {
    const logs = new MemoryLogStore();
    const logger = new Logger(logs);
    logger.write({ kind: 'inbound', connector: 'x', status: 'failed', requestBody: `{"api_key":"${CANARY}"}`, error: `api_key=${CANARY}` });
    await handleInbound({ connector: 'x', logger, now: Date.now }, new Request('http://h/', { method: 'POST', headers: { authorization: `Token ${CANARY}` } }), async (state) => {
      state.raw = `{"token":"${CANARY}"}`;
      throw new Error(`engine said ${CANARY}`);
    });
    const records = logs.query().records;
    expect(records.map((r) => r.kind).sort()).toEqual(['inbound', 'incoming-error']);
    expect(JSON.stringify(records)).not.toContain(CANARY);
    for (const r of records) expect(logs.export(r.id, 'text')).not.toContain(CANARY);
  });
});

describe('redactText quick rejection', () => {
  it('returns text that holds no secret shape as it is, and still masks every shape and registered value', () => {
    registerSecret('probe_secret_value_9k2');
    const plain = '{"type":"track","userId":"cus_1","properties":{"points":10}}';
    expect(redactText(plain)).toBe(plain);
    expect(redactText('segment-inbound')).toBe('segment-inbound');
    // Every pattern alone, so the one-scan probe cannot miss any of them.
    expect(redactText('Authorization: Bearer abc.def')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactText('{"writeKey" : "wk-1"}')).toBe(`{"writeKey" : "${REDACTED}"}`);
    expect(redactText('https://x.test/?api_key=abc&x=1')).toBe(`https://x.test/?api_key=${REDACTED}&x=1`);
    expect(redactText('id probe_secret_value_9k2 end')).toBe(`id ${REDACTED} end`);
    expect(redactText(Buffer.from('probe_secret_value_9k2:').toString('base64'))).not.toContain(Buffer.from('probe_secret_value_9k2:').toString('base64').replace(/=+$/, ''));
    // The probe ignores case; the patterns keep their own case rules.
    expect(redactText('a bearer abc')).toBe('a bearer abc');
  });
});

describe('redaction of repeated log text', () => {
  it('re-redacts a repeated response body once a new secret is registered', () => {
    const logs = new MemoryLogStore();
    const logger = new Logger(logs);
    const late = 'late-secret-7d1e93aa';
    const body = `{"echo":"${late}"}`;
    logger.write({ kind: 'outbound', connector: 'x', customerId: 'c', eventType: 'track', identifier: 'a', outcome: 'delivered', responseBody: body });
    registerSecret(late);
    logger.write({ kind: 'outbound', connector: 'x', customerId: 'c', eventType: 'track', identifier: 'b', outcome: 'delivered', responseBody: body });
    const second = logs.query({ where: { identifier: 'b' } }).records[0];
    expect(second && 'responseBody' in second && second.responseBody).toBe(`{"echo":"${REDACTED}"}`);
  });
});
