import { describe, expect, it } from 'vitest';
import { BrazeSync } from '../../src/braze/braze-sync.js';
import { normaliseInstanceUrl, type BrazeSyncOptions } from '../../src/braze/schemas.js';
import { ConfigurationError } from '../../src/core/errors.js';
import { CANARY_KEY, INSTANCE } from './helpers.js';
import { thrownBy } from '../thrown.js';

const configurationError = (options: Partial<BrazeSyncOptions>) =>
  thrownBy(ConfigurationError, () => new BrazeSync({ instanceUrl: INSTANCE, apiKey: CANARY_KEY, ...options } as BrazeSyncOptions));

describe('BrazeSync options', () => {
  it('accepts any https REST endpoint and removes trailing slashes', () => {
    expect(normaliseInstanceUrl('https://rest.iad-01.braze.com/')).toBe('https://rest.iad-01.braze.com');
    expect(normaliseInstanceUrl('https://rest.fra-02.braze.eu')).toBe('https://rest.fra-02.braze.eu');
    expect(normaliseInstanceUrl('https://braze-proxy.example.com/braze//')).toBe('https://braze-proxy.example.com/braze');
    expect(normaliseInstanceUrl('http://127.0.0.1:4010')).toBe('http://127.0.0.1:4010');
  });

  it.each([
    ['rest.iad-01.braze.com', 'not a URL'],
    ['http://rest.iad-01.braze.com', 'https only'],
    ['https://dashboard-01.braze.com', 'dashboard'],
    ['https://rest.iad-01.braze.com/users/track', 'without /users/track'],
    ['https://rest.iad-01.braze.com?x=1', 'query string'],
  ])('refuses instanceUrl %s', (instanceUrl, why) => {
    const error = configurationError({ instanceUrl });
    expect(error.option).toBe('instanceUrl');
    expect(error.message).toContain(why);
  });

  it('names a missing apiKey and an unknown option', () => {
    expect(configurationError({ apiKey: '' }).option).toBe('apiKey');
    expect(configurationError({ objectsPerRequest: 100 }).message).toContain('at most 75');
    expect(configurationError({ typo: true } as Partial<BrazeSyncOptions>).message).toContain('typo');
  });

  it.each([
    ['first_name', 'first_name', "{ standard: 'first_name' }"],
    ['mail', 'Email', "{ standard: 'email' }"],
    ['id', 'external_id', 'loyalty_external_id'],
    ['points', '$points', 'leading "$"'],
    ['points', 'loyalty points', 'whitespace'],
    ['points', 'x'.repeat(256), '255'],
  ])('refuses mapping %s onto the reserved or malformed name %s', (loyaltyField, remote, hint) => {
    const error = configurationError({ fieldMapping: { [loyaltyField]: remote } });
    expect(error.option).toBe(`fieldMapping.${loyaltyField}`);
    expect(error.message).toContain(hint);
  });

  it('allows a standard field on purpose, but never an identifier, and refuses two fields on one name', () => {
    expect(() => new BrazeSync({ instanceUrl: INSTANCE, apiKey: CANARY_KEY, fieldMapping: { first_name: { standard: 'first_name' }, tier: 'loyalty_tier' } })).not.toThrow();
    expect(configurationError({ fieldMapping: { id: { standard: 'external_id' } } }).message).toContain('userIdField');
    expect(configurationError({ fieldMapping: { tier: 'loyalty_tier', level: 'loyalty_tier' } }).option).toBe('fieldMapping.level');
  });

  it('never puts the API key in a configuration error', () => {
    const error = configurationError({ apiKey: CANARY_KEY, instanceUrl: `https://x.example.com/?k=${CANARY_KEY}` });
    expect(error.message).not.toContain(CANARY_KEY);
  });
});
