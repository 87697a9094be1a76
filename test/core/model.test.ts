import { describe, expect, it } from 'vitest';
import { resolveCustomerId, toIsoTimestamp } from '../../src/core/model.js';
import { ValidationError } from '../../src/core/errors.js';
import { stableId } from '../../src/core/ids.js';
import { VERSION, LIBRARY_NAME } from '../../src/core/version.js';
import pkg from '../../package.json' with { type: 'json' };

describe('customer-ID mapping', () => {
  const customer = { id: 'cus_1', attributes: { external_id: 'crm-9', empty: '', numeric: 42 } };

  it('uses the engine ID by default and an attribute when configured', () => {
    expect(resolveCustomerId(customer)).toBe('cus_1');
    expect(resolveCustomerId(customer, 'external_id')).toBe('crm-9');
    expect(resolveCustomerId(customer, 'numeric')).toBe('42');
  });

  it('throws a ValidationError naming the attribute when it is missing or empty', () => {
    for (const field of ['missing', 'empty']) {
      let error: unknown;
      try {
        resolveCustomerId(customer, field);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ path: `customer.attributes.${field}` });
      expect((error as Error).message).toContain(`'${field}'`);
    }
  });
});

describe('timestamps and ids', () => {
  it('normalises to ISO-8601 UTC and rejects invalid dates', () => {
    expect(toIsoTimestamp('2026-11-20T10:00:00+01:00')).toBe('2026-11-20T09:00:00.000Z');
    expect(toIsoTimestamp(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
    expect(() => toIsoTimestamp('yesterday')).toThrow(ValidationError);
  });

  it('derives stable, UUID-shaped IDs', () => {
    expect(stableId('a', 1)).toBe(stableId('a', 1));
    expect(stableId('a', 1)).not.toBe(stableId('a', 2));
    expect(stableId('ab', 'c')).not.toBe(stableId('a', 'bc'));
    expect(stableId('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('reports the package name and version', () => {
    expect({ LIBRARY_NAME, VERSION }).toEqual({ LIBRARY_NAME: pkg.name, VERSION: pkg.version });
  });
});
