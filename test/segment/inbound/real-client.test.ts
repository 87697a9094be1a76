// @segment/analytics-node, pointed (`host`) at a local node:http server that wraps the handler with
// toNodeListener, sends identify and track calls the way it sends them to Segment: they must arrive
// in the loyalty engine.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Analytics } from '@segment/analytics-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundLogRecord } from '../../../src/core/logs.js';
import { toNodeListener } from '../../../src/core/node-adapter.js';
import type { SegmentInbound } from '../../../src/segment/inbound/segment-inbound.js';
import { WRITE_KEY, setup } from './helpers.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function listen(listener: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(listener);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function sendWithAnalyticsNode(host: string, writeKey: string) {
  const analytics = new Analytics({ writeKey, host, flushAt: 10, maxRetries: 0 });
  const failures: unknown[] = [];
  analytics.on('error', (error) => failures.push(error));
  analytics.identify({ userId: 'cus_1', traits: { firstName: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', birthday: '1815-12-10' } });
  analytics.track({ userId: 'cus_1', event: 'point_add', properties: { points: 500, reason: 'birthday bonus' } });
  analytics.track({ userId: 'cus_2', event: 'checkout', properties: { transaction_id: 'tx-1', total: 59.9 } });
  await analytics.closeAndFlush({ timeout: 10_000 });
  return failures;
}

describe('@segment/analytics-node as the sender', () => {
  const paths: Array<[string, (inbound: SegmentInbound) => Parameters<typeof createServer>[1]]> = [
    ['toNodeListener(inbound.fetch) (Node fast path)', (inbound) => toNodeListener(inbound.fetch)],
    ['toNodeListener over a plain fetch wrapper (web Request path)', (inbound) => toNodeListener((request) => inbound.fetch(request))],
  ];

  for (const [label, wrap] of paths) {
    it(`delivers identify and track calls into the engine through ${label}`, async () => {
      const { inbound, engine, logs } = setup();
      const host = await listen(wrap(inbound));
      const failures = await sendWithAnalyticsNode(host, WRITE_KEY);
      expect(failures).toEqual([]);
      expect(engine.profileUpdates).toMatchObject([
        { customerId: 'cus_1', attributes: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', birth_date: '1815-12-10' } },
      ]);
      expect(engine.events.map((e) => [e.customerId, e.action, e.data])).toEqual([
        ['cus_1', 'point_add', { points: 500, reason: 'birthday bonus' }],
        ['cus_2', 'checkout', { transaction_id: 'tx-1', total: 59.9 }],
      ]);
      // analytics-node stamps every event with a messageId: that is the log identifier and the dedupe key.
      const records = logs.query({ kind: 'inbound', limit: 10 }).records as InboundLogRecord[];
      expect(records).toHaveLength(3);
      for (const record of records) expect(record.identifier).toMatch(/^node-next-\d+-/);
    });
  }

  it('is refused (401, not retried) with the wrong write key, and nothing is applied', async () => {
    const { inbound, engine, logs } = setup();
    const host = await listen(toNodeListener(inbound.fetch));
    const failures = await sendWithAnalyticsNode(host, 'not-the-write-key');
    expect(failures.length).toBeGreaterThan(0);
    expect(engine.events).toHaveLength(0);
    expect(engine.profileUpdates).toHaveLength(0);
    expect(logs.query({ kind: 'incoming-error', where: { errorCode: 'unauthorized' } }).records.length).toBeGreaterThan(0);
  });
});
