import { describe, expect, it } from 'vitest';
import type { InboundLogRecord } from '../../../src/core/logs.js';
import { rawEventSlices } from '../../../src/segment/inbound/raw-slices.js';
import { allRecords, post, setup, trackEvent } from './helpers.js';

describe('rawEventSlices', () => {
  it('cuts the elements of a top-level array exactly as written', () => {
    const text = ' [ {"a": 1 } ,\n{"b":"x]}\\"{["}, 3, "s", null ] ';
    expect(rawEventSlices(text, 'array', 5)).toEqual(['{"a": 1 }', '{"b":"x]}\\"{["}', '3', '"s"', 'null']);
  });

  it('cuts the elements of the top-level batch key, the last one when repeated, skipping other keys', () => {
    const text = '{"sentAt":"2026","context":{"batch":[9]},"batch":[{"x":1}],"batch" : [ {"y":"\\\\"} , {"z":[1,{"w":2}]} ],"writeKey":"k"}';
    expect(rawEventSlices(text, 'batch', 2)).toEqual(['{"y":"\\\\"}', '{"z":[1,{"w":2}]}']);
    expect(JSON.parse(text).batch).toEqual(rawEventSlices(text, 'batch', 2)!.map((s) => JSON.parse(s)));
  });

  it('gives up when the slices might not be the parsed elements', () => {
    expect(rawEventSlices('{"b\\u0061tch":[{"a":1}]}', 'batch', 1)).toBeUndefined();
    expect(rawEventSlices('[{"a":1},{"b":2}]', 'array', 3)).toBeUndefined();
    expect(rawEventSlices('{"batch":{}}', 'batch', 0)).toBeUndefined();
    expect(rawEventSlices('{"other":[]}', 'batch', 0)).toBeUndefined();
    expect(rawEventSlices(`[${'['.repeat(300)}${']'.repeat(300)}]`, 'array', 1)).toBeUndefined();
    expect(rawEventSlices('[]', 'array', 0)).toEqual([]);
  });
});

describe('the inbound log of batched events', () => {
  it('keeps each event as received, without serialising it again', async () => {
    const { inbound, logs } = setup();
    const first = trackEvent({ messageId: 'raw-1' });
    const second = trackEvent({ messageId: 'raw-2' });
    const text = `{ "batch": [\n  ${JSON.stringify(first, null, 1)},\n  ${JSON.stringify(second)}\n ], "sentAt": "2026-11-20T09:00:00.000Z" }`;
    expect((await post(inbound, text)).status).toBe(200);
    const records = allRecords(logs) as InboundLogRecord[];
    expect(records.map((r) => r.requestBody)).toEqual([JSON.stringify(first, null, 1), JSON.stringify(second)]);
  });

  it('logs the event merged with a batch-level context as it was applied', async () => {
    const { inbound, logs } = setup();
    const event = trackEvent({ messageId: 'merged-1', context: undefined });
    expect((await post(inbound, { batch: [event], context: { locale: 'en-GB' } })).status).toBe(200);
    const [record] = allRecords(logs) as InboundLogRecord[];
    expect(JSON.parse(record!.requestBody!)).toMatchObject({ messageId: 'merged-1', context: { locale: 'en-GB' } });
  });

  it('keys an event without messageId on its content, however the batch was formatted', async () => {
    const { inbound, engine, logs } = setup();
    const event = trackEvent({ messageId: undefined });
    expect((await post(inbound, `{"batch":[${JSON.stringify(event)}]}`)).json.results[0].status).toBe('success');
    const again = await post(inbound, `{ "batch" : [ ${JSON.stringify(event, null, 2)} ] }`);
    expect(again.json.results[0].status).toBe('duplicate');
    expect(engine.events).toHaveLength(1);
    const identifiers = (allRecords(logs) as InboundLogRecord[]).map((r) => r.identifier);
    expect(identifiers[0]).toMatch(/^sha256:/);
    expect(identifiers[1]).toBe(identifiers[0]);
  });
});
