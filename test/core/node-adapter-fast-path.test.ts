import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InboundError, assertJsonContentType, parseJson, readBufferedBodyText } from '../../src/core/inbound.js';
import { NODE_FAST_PATH, toNodeListener, type BufferedRequest, type NodeFastPath } from '../../src/core/node-adapter.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(listener: ReturnType<typeof toNodeListener>): Promise<string> {
  server = createServer(listener);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function withFastPath(fast: NodeFastPath) {
  let fetchCalls = 0;
  const handler = Object.assign(
    async () => {
      fetchCalls += 1;
      return new Response('from fetch');
    },
    { [NODE_FAST_PATH]: fast },
  );
  return { handler, fetchCalls: () => fetchCalls };
}

describe('toNodeListener with a NODE_FAST_PATH', () => {
  it('hands the buffered request to the fast path instead of building a web Request', async () => {
    const seen: BufferedRequest[] = [];
    const { handler, fetchCalls } = withFastPath(async (request) => {
      seen.push(request);
      return { status: 201, headers: { 'content-type': 'application/json', 'x-fast': 'yes' }, body: '{"é":1}' };
    });
    const url = await serve(toNodeListener(handler));
    const response = await fetch(`${url}/hooks/segment?x=1`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-signature': 'abc' }, body: '{"a":"é"}' });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-fast')).toBe('yes');
    expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength('{"é":1}')));
    expect(await response.text()).toBe('{"é":1}');
    expect(fetchCalls()).toBe(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.url).toBe('/hooks/segment?x=1');
    expect(seen[0]!.headers['x-signature']).toBe('abc');
    expect(Buffer.from(seen[0]!.body!).toString()).toBe('{"a":"é"}');
  });

  it('gives GET no body, cuts a large body one byte past the limit, and answers 500 when the fast path throws', async () => {
    const sizes: Array<number | undefined> = [];
    const { handler } = withFastPath(async (request) => {
      if (request.headers['x-boom']) throw new Error('bug');
      sizes.push(request.body?.byteLength);
      return { status: 200, headers: {}, body: 'ok' };
    });
    const url = await serve(toNodeListener(handler, { maxBodyBytes: 100 }));
    await fetch(url);
    await fetch(url, { method: 'POST', body: 'x'.repeat(10_000) });
    expect(sizes).toEqual([undefined, 101]);
    const failed = await fetch(url, { method: 'POST', headers: { 'x-boom': '1' }, body: '{}' });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: { code: 'internal_error', message: 'the handler failed' } });
  });

  it('leaves handlers without a fast path on the web Request path', async () => {
    const url = await serve(toNodeListener(async (request) => new Response(`web ${request.method}`)));
    expect(await (await fetch(url, { method: 'POST', body: '{}' })).text()).toBe('web POST');
  });
});

describe('readBufferedBodyText', () => {
  const status = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(InboundError);
      return [(error as InboundError).status, (error as InboundError).errorCode];
    }
    return [200, 'ok'];
  };

  it('applies the same guards as readBodyText: 413 then 415', () => {
    const bytes = new TextEncoder().encode('{"a":"é"}');
    expect(readBufferedBodyText(bytes, 'application/json; charset=utf-8')).toBe('{"a":"é"}');
    expect(readBufferedBodyText(undefined, 'application/json')).toBe('');
    expect(status(() => readBufferedBodyText(bytes, 'application/json', { maxBodyBytes: 3 }))).toEqual([413, 'payload_too_large']);
    expect(status(() => readBufferedBodyText(bytes, 'text/plain', { maxBodyBytes: 3 }))).toEqual([413, 'payload_too_large']);
    expect(status(() => readBufferedBodyText(bytes, 'text/plain'))).toEqual([415, 'unsupported_media_type']);
    expect(status(() => readBufferedBodyText(bytes, undefined))).toEqual([415, 'unsupported_media_type']);
    expect(status(() => parseJson(readBufferedBodyText(new TextEncoder().encode('{'), 'application/json')))).toEqual([400, 'invalid_json']);
  });

  it('decodes a Node Buffer exactly as TextDecoder decodes the same bytes (byte-order mark, bad UTF-8)', () => {
    const bodies = [
      [0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"a":"é"}')],
      [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x7b, 0x7d],
      [0xef, 0xbb],
      [0x7b, 0x22, 0xc3, 0x22, 0xff, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x98, 0x22, 0x7d],
    ];
    for (const bytes of bodies) {
      const expected = new TextDecoder().decode(new Uint8Array(bytes));
      expect(readBufferedBodyText(Buffer.from(bytes), 'application/json')).toBe(expected);
      expect(readBufferedBodyText(new Uint8Array(bytes), 'application/json')).toBe(expected);
    }
  });

  it('accepts +json media types', () => {
    expect(status(() => assertJsonContentType('application/vnd.segment+json'))).toEqual([200, 'ok']);
    expect(status(() => assertJsonContentType('application/jsonx'))).toEqual([415, 'unsupported_media_type']);
  });
});
