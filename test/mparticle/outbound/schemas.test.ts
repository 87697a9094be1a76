import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/core/errors.js';
import { canonicalUserAttributeName, parseMParticleOutboundOptions } from '../../../src/mparticle/schemas.js';
import { thrownBy } from '../../thrown.js';

const base = { apiKey: 'key-canary-7731', apiSecret: 'secret-canary-7731' };

const configError = (input: unknown) => thrownBy(ConfigurationError, () => parseMParticleOutboundOptions(input));

describe('parseMParticleOutboundOptions', () => {
  it('fills the documented defaults', () => {
    expect(parseMParticleOutboundOptions(base)).toEqual({
      ...base,
      apiUrl: 'https://s2s.mparticle.com/v2',
      environment: 'production',
      loyaltyIdentifierField: 'id',
      identity: 'customer_id',
      syncOnlyConfiguredIdentifiers: false,
      fieldMapping: {},
      externalEvents: {},
    });
  });

  it('selects the pod host, the partner-feed host, or any URL', () => {
    expect(parseMParticleOutboundOptions({ ...base, pod: 'eu1' }).apiUrl).toBe('https://s2s.eu1.mparticle.com/v2');
    expect(parseMParticleOutboundOptions({ ...base, pod: 'us2' }).apiUrl).toBe('https://s2s.us2.mparticle.com/v2');
    expect(parseMParticleOutboundOptions({ ...base, pod: 'au1' }).apiUrl).toBe('https://s2s.au1.mparticle.com/v2');
    expect(parseMParticleOutboundOptions({ ...base, partnerFeed: true }).apiUrl).toBe('https://inbound.mparticle.com/s2s/v2');
    expect(parseMParticleOutboundOptions({ ...base, apiUrl: 'http://127.0.0.1:9999/v2/' }).apiUrl).toBe('http://127.0.0.1:9999/v2');
  });

  it('refuses conflicting host options and unknown pods', () => {
    expect(configError({ ...base, pod: 'eu1', apiUrl: 'https://example.com' }).option).toBe('outbound.pod');
    expect(configError({ ...base, pod: 'eu1', partnerFeed: true }).option).toBe('outbound.partnerFeed');
    expect(configError({ ...base, pod: 'eu2' }).option).toBe('outbound.pod');
    expect(configError({ ...base, apiUrl: 'ftp://example.com' }).option).toBe('outbound.apiUrl');
  });

  it('names missing credentials without echoing secret values', () => {
    expect(configError({ apiKey: 'key-canary-7731' }).option).toBe('outbound.apiSecret');
    expect(configError({ apiSecret: 'secret-canary-7731' }).option).toBe('outbound.apiKey');
    const error = configError({ ...base, environment: 'staging' });
    expect(error.option).toBe('outbound.environment');
    expect(error.message).not.toContain('canary');
  });

  it('validates identity, event types and attribute names', () => {
    expect(configError({ ...base, identity: 'customerid' }).option).toBe('outbound.identity');
    expect(configError({ ...base, externalEvents: { point_add: { customEventType: 'attribution' } } }).option).toBe('outbound.externalEvents.point_add.customEventType');
    expect(configError({ ...base, externalEvents: { point_add: { customEventType: 'other', name: 'n'.repeat(257) } } }).option).toBe(
      'outbound.externalEvents.point_add.name',
    );
    expect(configError({ ...base, externalEvents: { ['a'.repeat(257)]: { customEventType: 'other' } } }).option).toBe(`outbound.externalEvents.${'a'.repeat(257)}.name`);
    expect(configError({ ...base, fieldMapping: { tier: 'x'.repeat(257) } }).option).toBe('outbound.fieldMapping.tier');
    expect(configError({ ...base, fieldMapping: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`f${i}`, `a${i}`])) }).option).toBe(
      'outbound.fieldMapping',
    );
  });

  it('canonicalises reserved attributes and refuses two fields on one attribute', () => {
    expect(parseMParticleOutboundOptions({ ...base, fieldMapping: { first_name: '$FIRSTNAME', zip: '$zip', tier: 'antavo_tier' } }).fieldMapping).toEqual({
      first_name: '$FirstName',
      zip: '$Zip',
      tier: 'antavo_tier',
    });
    expect(configError({ ...base, fieldMapping: { first_name: '$firstname', given_name: '$FirstName' } }).option).toBe('outbound.fieldMapping.given_name');
  });

  it('resolves an event name to the action by default', () => {
    expect(parseMParticleOutboundOptions({ ...base, externalEvents: { point_add: { customEventType: 'transaction' } } }).externalEvents).toEqual({
      point_add: { name: 'point_add', customEventType: 'transaction' },
    });
  });
});

describe('canonicalUserAttributeName', () => {
  it('spells every reserved attribute as mParticle does and leaves others alone', () => {
    const spelled = ['$age', '$GENDER', '$Country', '$zip', '$city', '$STATE', '$address', '$firstname', '$lastName', '$mobile'].map(canonicalUserAttributeName);
    expect(spelled).toEqual(['$Age', '$Gender', '$Country', '$Zip', '$City', '$State', '$Address', '$FirstName', '$LastName', '$Mobile']);
    expect(canonicalUserAttributeName('antavo_tier')).toBe('antavo_tier');
    expect(canonicalUserAttributeName('$custom')).toBe('$custom');
  });
});
