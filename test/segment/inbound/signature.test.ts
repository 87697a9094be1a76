import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { basicAuthorization, safeEqual, segmentSignedText, signSegmentPayload, verifySegmentSignature } from '../../../src/segment/inbound/signature.js';

const secret = 'whsec_canary_3f9a';
// Computed independently of the module under test.
const hmac = (text: string) => createHmac('sha1', secret).update(text).digest('hex');

describe('X-Signature', () => {
  it('is the hex HMAC-SHA1 of the text', () => {
    expect(signSegmentPayload(secret, '{"a":1}')).toBe(hmac('{"a":1}'));
    expect(signSegmentPayload(secret, '{"a":1}')).toMatch(/^[0-9a-f]{40}$/);
  });

  it('covers the raw body of a single event', () => {
    const raw = '{"type":"track","userId":"u","event":"x"}';
    const body = JSON.parse(raw);
    expect(verifySegmentSignature({ secret, signature: hmac(raw), body, rawBody: raw })).toBe(true);
    expect(verifySegmentSignature({ secret, signature: hmac(raw).toUpperCase(), body, rawBody: raw })).toBe(true);
    expect(verifySegmentSignature({ secret, signature: hmac(raw.replace('"x"', '"y"')), body, rawBody: raw })).toBe(false);
    expect(verifySegmentSignature({ secret: 'other-secret', signature: hmac(raw), body, rawBody: raw })).toBe(false);
  });

  it('accepts a re-serialised body when a framework parsed it first (pretty-printed raw text)', () => {
    const body = { type: 'track', userId: 'u', event: 'x' };
    const pretty = JSON.stringify(body, null, 2);
    expect(verifySegmentSignature({ secret, signature: hmac(JSON.stringify(body)), body, rawBody: pretty })).toBe(true);
    expect(verifySegmentSignature({ secret, signature: hmac(JSON.stringify(body)), body })).toBe(true);
  });

  it('for a batch (JSON array) covers only JSON.stringify(body[0])', () => {
    const batch = [
      { type: 'track', userId: 'u1', event: 'a' },
      { type: 'track', userId: 'u2', event: 'b' },
    ];
    const raw = JSON.stringify(batch);
    expect(segmentSignedText(batch, raw)).toBe(JSON.stringify(batch[0]));
    expect(verifySegmentSignature({ secret, signature: hmac(JSON.stringify(batch[0])), body: batch, rawBody: raw })).toBe(true);
    // Signing the whole batch is not what Segment does, so it does not verify.
    expect(verifySegmentSignature({ secret, signature: hmac(raw), body: batch, rawBody: raw })).toBe(false);
  });

  it('rejects garbage signatures of any length', () => {
    const body = { type: 'track' };
    for (const signature of ['', 'abc', 'z'.repeat(40), hmac('x') + '00']) {
      expect(verifySegmentSignature({ secret, signature, body, rawBody: '{"type":"track"}' })).toBe(false);
    }
  });
});

describe('credential helpers', () => {
  it("basicAuthorization is what Segment's libraries send: base64(writeKey + ':')", () => {
    expect(basicAuthorization('abc123')).toBe('Basic YWJjMTIzOg==');
  });

  it('safeEqual compares exactly', () => {
    expect(safeEqual('token-1', 'token-1')).toBe(true);
    expect(safeEqual('token-1', 'token-2')).toBe(false);
    expect(safeEqual('token-1', 'token-1 ')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });
});
