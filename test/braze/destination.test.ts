import { describe, expect, it } from 'vitest';
import { brazeDestination, interpretBrazeTrackResponse } from '../../src/braze/destination.js';

const batch = [{ kind: 'attributes' }, { kind: 'event' }, { kind: 'event' }, { kind: 'purchase' }];
const answer = (status: number, body: unknown) => ({ status, headers: {}, body: typeof body === 'string' ? body : JSON.stringify(body), durationMs: 1 });

describe('interpretBrazeTrackResponse', () => {
  it('fails exactly the indexed object of each array', () => {
    const results = interpretBrazeTrackResponse(answer(201, { message: 'success', errors: [{ type: 'bad', input_array: 'events', index: 1 }] }), batch);
    expect(results!.map((r) => r.ok)).toEqual([true, true, false, true]);
    expect(results![2]).toEqual({ ok: false, retryable: false, error: 'Braze rejected events[1]: bad' });
  });

  it('ignores errors it cannot place, and treats a non-JSON 2xx as success', () => {
    const results = interpretBrazeTrackResponse(answer(201, { message: 'success', errors: [{ type: 'x', input_array: 'events', index: 9 }, 'odd', { input_array: 'users', index: 0 }] }), batch);
    expect(results!.every((r) => r.ok)).toBe(true);
    expect(interpretBrazeTrackResponse(answer(201, ''), batch)).toBeUndefined();
  });

  it('fails every object when a 2xx carries a message other than "success"', () => {
    const results = interpretBrazeTrackResponse(answer(200, { message: 'Valid data must be provided', errors: [] }), batch);
    expect(results!.every((r) => !r.ok && !r.retryable)).toBe(true);
  });

  it('leaves non-2xx answers to the core status rules', () => {
    expect(interpretBrazeTrackResponse(answer(400, { message: 'x', errors: [{ input_array: 'events', index: 0 }] }), batch)).toBeUndefined();
  });
});

describe('brazeDestination', () => {
  const destination = brazeDestination({ instanceUrl: 'https://rest.iad-01.braze.com', apiKey: 'k-123456', objectsPerRequest: 75, legacyLimits: false, retryAmbiguous: false });

  it('builds one /users/track body from the objects, grouped by array and in order', () => {
    const messages = [
      { kind: 'event', body: '{"name":"a"}' },
      { kind: 'attributes', body: '{"x":1}' },
      { kind: 'event', body: '{"name":"b"}' },
    ] as unknown as Parameters<typeof destination.buildRequest>[0];
    const request = destination.buildRequest(messages);
    expect(request).toMatchObject({ method: 'POST', url: 'https://rest.iad-01.braze.com/users/track' });
    expect(JSON.parse(request.body!)).toEqual({ attributes: [{ x: 1 }], events: [{ name: 'a' }, { name: 'b' }] });
  });

  it('declares the limits, the 429 headers and which kinds may be retried when ambiguous', () => {
    expect(destination.limits).toMatchObject({ maxItems: 75, maxBytes: 4_000_000 });
    expect(destination.retryAfterHeaders).toEqual(['x-ratelimit-retry-after', 'retry-after', 'x-ratelimit-reset']);
    const kinds = ['attributes', 'event', 'purchase'].map((kind) => destination.retryAmbiguous!({ kind } as never));
    expect(kinds).toEqual([true, false, false]);
    const legacy = brazeDestination({ instanceUrl: 'https://x.example', apiKey: 'k-123456', objectsPerRequest: 75, legacyLimits: true, retryAmbiguous: true });
    expect(legacy.limits).toMatchObject({ maxItems: 225, perKind: { attributes: 75, event: 75, purchase: 75 } });
  });
});
