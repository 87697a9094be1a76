import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigurationError } from '../../src/core/errors.js';
import { deliveryOptionsShape, parseOptions, resolveDelivery } from '../../src/core/options.js';
import { MemoryLogStore } from '../../src/core/memory-log-store.js';

const schema = z.object({ apiKey: z.string(), region: z.enum(['us', 'eu']).default('us'), ...deliveryOptionsShape }).strict();

describe('parseOptions', () => {
  it('returns parsed options with defaults', () => {
    expect(parseOptions('Thing', schema, { apiKey: 'k' })).toEqual({ apiKey: 'k', region: 'us' });
  });

  it.each([
    [{}, 'apiKey'],
    [{ apiKey: 'k', region: 'ap' }, 'region'],
    [{ apiKey: 'k', concurrency: 0 }, 'concurrency'],
    [{ apiKey: 'k', store: {} }, 'store'],
    [{ apiKey: 'k', retry: { retries: -1 } }, 'retry.retries'],
    [{ apiKey: 'k', unknownOption: 1 }, '(options)'],
  ])('names the offending option in %j', (input, option) => {
    let error: unknown;
    try {
      parseOptions('Thing', schema, input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ option, code: 'configuration' });
    expect((error as Error).message).toMatch(/^Thing: invalid option/);
  });
});

describe('resolveDelivery', () => {
  it('fills in the embedded defaults', () => {
    const { settings, logSink } = resolveDelivery({});
    expect(logSink).toBeInstanceOf(MemoryLogStore);
    expect(settings).toMatchObject({ concurrency: 4, timeoutMs: 10_000, autoFlushMs: false });
    expect(settings.retry.retries).toBe(5);
  });

  it('takes a destination default rate and lets the user override it', () => {
    const rate = { requests: 3000, intervalMs: 3000 };
    expect(resolveDelivery({}, { rateLimit: rate }).settings.rateLimit).toEqual(rate);
    expect(resolveDelivery({ rateLimit: { requests: 1, intervalMs: 1000 } }, { rateLimit: rate }).settings.rateLimit).toEqual({ requests: 1, intervalMs: 1000 });
  });
});
