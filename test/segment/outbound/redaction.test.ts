import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/core/errors.js';
import { ada, pointAdd, setup, WRITE_KEY } from './helpers.js';

const basic = Buffer.from(`${WRITE_KEY}:`).toString('base64');
const leaks = (text: string) => [WRITE_KEY, basic, basic.replace(/=+$/, '')].filter((canary) => text.includes(canary));

describe('SegmentOutbound keeps the write key secret', () => {
  it('sends it only in the Authorization header, never in a log record', async () => {
    const { segment, vendors, logs } = setup({ customerFields: ['tier'] });
    // The worst case: the vendor echoes the key and the header back, and the data carries it too.
    vendors.script('/v1/batch', { status: 401, body: { error: `invalid write key ${WRITE_KEY}`, header: `Basic ${basic}` } });
    await segment.trackEvent(ada, pointAdd('evt_1', { data: { note: `key=${WRITE_KEY}`, writeKey: 'also-hidden' } }));
    await segment.updateProfile(ada);
    await segment.flush();
    expect(vendors.requests[0]!.headers.authorization).toBe(`Basic ${basic}`);
    expect(vendors.requests[0]!.body).not.toContain(basic);
    const records = logs.query({ limit: 1_000 }).records;
    expect(records.length).toBe(2);
    const text = JSON.stringify(records) + records.map((r) => logs.export(r.id, 'text')).join('');
    expect(leaks(text)).toEqual([]);
    expect(text).not.toContain('also-hidden');
    expect(text).toContain('invalid write key');
    expect(records.map((r) => r.kind === 'outbound' && r.error)).toEqual([expect.stringMatching(/HTTP 401: Segment refused the write key/), expect.any(String)]);
  });

  it('keeps it out of dead letters and pending listings errors', async () => {
    const { segment, vendors } = setup();
    vendors.script('/v1/batch', { status: 403, body: `forbidden for ${WRITE_KEY}` });
    await segment.trackEvent(ada, pointAdd());
    await segment.flush();
    const [dead] = await segment.deadLetters();
    expect(dead!.lastError).toContain('forbidden for');
    expect(leaks(dead!.lastError!)).toEqual([]);
  });

  it('keeps it out of validation errors and their log records', async () => {
    const { segment, logs } = setup();
    const error = await segment
      .trackEvent({ id: WRITE_KEY }, pointAdd('evt_2', { customerId: WRITE_KEY, data: { note: 'é'.repeat(20_000) } }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(leaks(String(error) + JSON.stringify(error))).toEqual([]);
    expect(leaks(JSON.stringify(logs.query().records))).toEqual([]);
  });
});
