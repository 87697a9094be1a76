import { describe, expect, it } from 'vitest';
import { bufferedView, guardInbound, handleInbound, InboundError, parseJson, readJsonBody, webView, type IncomingView } from '../../src/core/inbound.js';
import { Logger } from '../../src/core/logs.js';
import { MemoryLogStore } from '../../src/core/memory-log-store.js';
import type { BufferedRequest } from '../../src/core/node-adapter.js';

const post = (body: BodyInit | null, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  new Request('http://localhost/hook', { method: 'POST', headers, body });

/** A tiny handler built like the connectors' ones: guards, then echo. */
function echoHandler(logs = new MemoryLogStore()) {
  const logger = new Logger(logs);
  const handler = (request: Request) =>
    handleInbound({ connector: 'echo', logger, now: Date.now }, request, async (state) => {
      const { raw, json } = await readJsonBody(request, { maxBodyBytes: 64 });
      state.raw = raw;
      return Response.json({ received: json });
    });
  return { handler, logs };
}

async function errorOf(response: Response) {
  return { status: response.status, body: (await response.json()) as { error: { code: string; message: string } } };
}

describe('inbound guards', () => {
  it('passes a small JSON body through', async () => {
    const { handler } = echoHandler();
    const response = await handler(post('{"a":1}'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: { a: 1 } });
  });

  it('answers 413 for a body over the limit, by header or by bytes read', async () => {
    const { handler, logs } = echoHandler();
    const declared = await errorOf(await handler(post('{}', { 'content-type': 'application/json', 'content-length': '100000' })));
    expect(declared).toMatchObject({ status: 413, body: { error: { code: 'payload_too_large' } } });
    const streamed = await errorOf(await handler(post(JSON.stringify({ text: 'é'.repeat(40) }))));
    expect(streamed.status).toBe(413);
    expect(logs.query({ kind: 'incoming-error', where: { errorCode: 'payload_too_large' } }).records).toHaveLength(2);
  });

  it('answers 415 for a body that is not declared JSON', async () => {
    const { handler } = echoHandler();
    for (const headers of [{ 'content-type': 'text/plain' }, {}] as Array<Record<string, string>>) {
      const { status, body } = await errorOf(await handler(post('{"a":1}', headers)));
      expect(status).toBe(415);
      expect(body.error.code).toBe('unsupported_media_type');
    }
    expect((await handler(post('{"a":1}', { 'content-type': 'application/vnd.api+json; charset=utf-8' }))).status).toBe(200);
  });

  it('answers 400 for malformed JSON and logs the payload as received', async () => {
    const { handler, logs } = echoHandler();
    const { status, body } = await errorOf(await handler(post('{"a":')));
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'invalid_json' });
    const [record] = logs.query({ kind: 'incoming-error' }).records;
    expect(record).toMatchObject({ errorCode: 'invalid_json', source: 'proxy-request' });
  });

  it('turns an unexpected failure into a 500 JSON error instead of throwing', async () => {
    const logs = new MemoryLogStore();
    const response = await handleInbound({ connector: 'x', logger: new Logger(logs), now: Date.now }, post('{}'), async () => {
      throw new TypeError('boom');
    });
    expect(await errorOf(response)).toMatchObject({ status: 500, body: { error: { code: 'internal_error' } } });
    expect(logs.query({ where: { source: 'engine-processing' } }).records).toHaveLength(1);
  });

  it('carries status, code and details of an InboundError', async () => {
    const response = await handleInbound({ connector: 'x', logger: new Logger(undefined), now: Date.now }, post('{}'), async () => {
      throw new InboundError(401, 'unauthorized', 'bad token', { details: { header: 'authorization' } });
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: 'unauthorized', message: 'bad token', details: { header: 'authorization' } } });
  });
});

describe('guardInbound through webView and bufferedView', () => {
  const LIMIT = 64;
  const cases: Array<{ label: string; headers: Record<string, string>; body: string; status: number; code: string }> = [
    { label: '413', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'x'.repeat(LIMIT) }), status: 413, code: 'payload_too_large' },
    { label: '415', headers: { 'content-type': 'text/plain' }, body: '{}', status: 415, code: 'unsupported_media_type' },
    { label: '400', headers: { 'content-type': 'application/json' }, body: '{"a":', status: 400, code: 'invalid_json' },
    { label: 'thrown TypeError', headers: { 'content-type': 'application/json' }, body: '{"boom":true}', status: 500, code: 'internal_error' },
  ];

  /** Guards, reads, keeps the body for the log, then fails on `boom` the way a bug would. */
  function answer(view: IncomingView, logs: MemoryLogStore) {
    return guardInbound({ connector: 'echo', logger: new Logger(logs), now: () => 0 }, view, async (state) => {
      const raw = await view.text(LIMIT);
      state.raw = raw;
      const json = parseJson(raw) as { boom?: boolean };
      if (json.boom) throw new TypeError('boom');
      return { status: 200, body: { received: json } };
    });
  }

  const incomingErrors = (logs: MemoryLogStore) =>
    logs.query({ kind: 'incoming-error' }).records.map((r) => (r.kind === 'incoming-error' ? [r.requestId, r.errorCode, r.message, r.source, r.createdAt, r.payload] : []));

  it.each(cases)('answers a $label the same either way in, with one incoming-error record each', async ({ headers, body, status, code }) => {
    const withId = { ...headers, 'x-request-id': 'req-1' };
    const webLogs = new MemoryLogStore();
    const bufferedLogs = new MemoryLogStore();
    const web = await answer(webView(post(body, withId)), webLogs);
    const buffered: BufferedRequest = { method: 'POST', url: '/hook', headers: withId, body: new TextEncoder().encode(body) };
    const fast = await answer(bufferedView(buffered), bufferedLogs);

    expect(web).toEqual(fast);
    expect(web).toMatchObject({ status, body: { error: { code } } });
    expect(incomingErrors(webLogs)).toHaveLength(1);
    expect(incomingErrors(webLogs)).toEqual(incomingErrors(bufferedLogs));
    expect(incomingErrors(webLogs)[0]?.slice(0, 2)).toEqual(['req-1', code]);
  });
});
