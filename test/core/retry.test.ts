import { describe, expect, it } from 'vitest';
import { RetryPolicy } from '../../src/core/retry.js';

describe('RetryPolicy', () => {
  const policy = new RetryPolicy();

  it.each([
    [0, 'retry'], // network error or timeout
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [504, 'retry'],
    [501, 'fail'],
    [505, 'fail'],
    [400, 'fail'],
    [401, 'fail'],
    [403, 'fail'],
    [404, 'fail'],
    [413, 'fail'],
    [422, 'fail'],
  ] as const)('classifies status %i as %s', (status, expected) => {
    expect(policy.classifyStatus(status)).toBe(expected);
  });

  it('allows five retries after the first attempt by default', () => {
    expect([1, 2, 3, 4, 5, 6].map((attempts) => policy.canRetry(attempts))).toEqual([true, true, true, true, true, false]);
  });

  it('backs off exponentially from 500 ms, capped at 60 s', () => {
    const exact = new RetryPolicy({ jitter: 'none' });
    expect([1, 2, 3, 4, 8, 20].map((n) => exact.backoffMs(n))).toEqual([500, 1000, 2000, 4000, 60_000, 60_000]);
  });

  it('draws full jitter between 0 and the exponential value', () => {
    expect(new RetryPolicy({}, () => 0).backoffMs(3)).toBe(0);
    expect(new RetryPolicy({}, () => 0.5).backoffMs(3)).toBe(1000);
    expect(new RetryPolicy({}, () => 0.999).backoffMs(3)).toBeLessThanOrEqual(2000);
  });

  it('reads Retry-After in seconds', () => {
    expect(policy.retryAfterMs({ 'retry-after': '7' })).toBe(7000);
  });

  it('reads Retry-After as an HTTP date', () => {
    const now = Date.UTC(2026, 10, 22, 12, 0, 0);
    const date = new Date(now + 42_000).toUTCString();
    expect(policy.retryAfterMs({ 'retry-after': date }, ['retry-after'], now)).toBe(42_000);
  });

  it('caps a requested delay at 300 s', () => {
    expect(policy.retryAfterMs({ 'retry-after': '3600' })).toBe(300_000);
    expect(new RetryPolicy({ maxRetryAfterMs: 10_000 }).retryAfterMs({ 'retry-after': '60' })).toBe(10_000);
  });

  it('takes the first vendor header that parses, including epoch resets', () => {
    const now = 1_800_000_000_000;
    const headers = { 'x-ratelimit-reset': String(now / 1000 + 12), 'retry-after': '99' };
    expect(policy.retryAfterMs(headers, ['x-ratelimit-retry-after', 'x-ratelimit-reset', 'retry-after'], now)).toBe(12_000);
    expect(policy.retryAfterMs({ 'retry-after': 'soon' })).toBeUndefined();
    expect(policy.retryAfterMs({})).toBeUndefined();
  });

  it('prefers the requested delay over the backoff', () => {
    const exact = new RetryPolicy({ jitter: 'none' });
    expect(exact.delayMs(1, 3000)).toBe(3000);
    expect(exact.delayMs(2)).toBe(1000);
  });
});
