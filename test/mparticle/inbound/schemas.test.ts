import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/core/errors.js';
import { parseOptions } from '../../../src/core/options.js';
import { generateAuthToken, mparticleInboundOptionsSchema } from '../../../src/mparticle/inbound/index.js';
import { TOKEN } from './helpers.js';
import { thrownBy } from '../../thrown.js';

const parse = (input: unknown) => parseOptions('MParticleFeed inbound', mparticleInboundOptionsSchema, input);
const failure = (input: unknown) => thrownBy(ConfigurationError, () => parse(input));

describe('mparticleInboundOptionsSchema', () => {
  it('fills in the documented defaults', () => {
    expect(parse({ authToken: TOKEN })).toMatchObject({
      customerIdentity: 'customer',
      loyaltyIdentifierField: 'id',
      trackAudiences: false,
      autoSubscribe: false,
      eventMappings: [],
      dedupeTtlMs: 7 * 24 * 60 * 60 * 1000,
      maxAttempts: 5,
      concurrency: 1,
      maxBodyBytes: 1024 * 1024,
    });
  });

  it('requires an authToken of at least 16 characters and points to generateAuthToken', () => {
    expect(failure({}).option).toBe('authToken');
    const short = failure({ authToken: 'short' });
    expect(short.option).toBe('authToken');
    expect(short.message).toContain('generateAuthToken()');
    expect(short.message).not.toContain("'short'");
  });

  it('accepts the Firehose identity names and the S2S aliases', () => {
    expect(parse({ authToken: TOKEN, customerIdentity: 'email' }).customerIdentity).toBe('email');
    expect(parse({ authToken: TOKEN, customerIdentity: 'customer_id' }).customerIdentity).toBe('customer');
    expect(parse({ authToken: TOKEN, customerIdentity: 'other_id_3' }).customerIdentity).toBe('other3');
  });

  it('rejects hashed identity types with a clear explanation, and unknown ones with the list', () => {
    const hashed = failure({ authToken: TOKEN, customerIdentity: 'email_sha256' });
    expect(hashed.option).toBe('customerIdentity');
    expect(hashed.message).toContain('hashed identity');
    expect(hashed.message).toContain('cannot be matched against a loyalty attribute');
    const unknown = failure({ authToken: TOKEN, customerIdentity: 'loyalty_card' });
    expect(unknown.message).toContain('expected an mParticle identity type (customer, email');
  });

  it('normalises commerce_event to product_action and rejects unknown event types', () => {
    const parsed = parse({ authToken: TOKEN, eventMappings: [{ loyaltyEvent: 'checkout', eventType: 'commerce_event', eventName: 'purchase' }] });
    expect(parsed.eventMappings[0]).toEqual({ loyaltyEvent: 'checkout', eventType: 'product_action', eventName: 'purchase', priority: 0, fields: {} });
    expect(failure({ authToken: TOKEN, eventMappings: [{ loyaltyEvent: 'x', eventType: 'page_view' }] }).option).toBe('eventMappings.0.eventType');
  });

  it('requires eventName for custom_event and refuses it where no name is matched', () => {
    expect(failure({ authToken: TOKEN, eventMappings: [{ loyaltyEvent: 'x', eventType: 'custom_event' }] }).option).toBe('eventMappings.0.eventName');
    const misplaced = failure({ authToken: TOKEN, eventMappings: [{ loyaltyEvent: 'x', eventType: 'session_start', eventName: 'boot' }] });
    expect(misplaced.option).toBe('eventMappings.0.eventName');
    expect(misplaced.message).toContain("not used with eventType 'session_start'");
  });

  it('refuses two mappings for the same events', () => {
    const duplicate = failure({
      authToken: TOKEN,
      eventMappings: [
        { loyaltyEvent: 'a', eventType: 'screen_view' },
        { loyaltyEvent: 'b', eventType: 'custom_event', eventName: 'X' },
        { loyaltyEvent: 'c', eventType: 'screen_view' },
      ],
    });
    expect(duplicate.option).toBe('eventMappings.2');
    expect(duplicate.message).toContain('matches the same events as eventMappings.0');
  });

  it('refuses field values that are not scalars, and unknown options', () => {
    expect(failure({ authToken: TOKEN, eventMappings: [{ loyaltyEvent: 'a', eventType: 'screen_view', fields: { x: { y: 1 } } }] }).option).toBe('eventMappings.0.fields.x');
    expect(failure({ authToken: TOKEN, trackAudience: true }).message).toContain('trackAudience');
  });

  it('refuses a queue or dedupe store without the needed methods', () => {
    expect(failure({ authToken: TOKEN, queue: { enqueue() {} } }).message).toContain('expected an InboundQueue');
    expect(failure({ authToken: TOKEN, dedupeStore: {} }).option).toBe('dedupeStore');
  });
});

describe('generateAuthToken', () => {
  it('makes distinct 43-character base64url tokens the schema accepts', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => generateAuthToken()));
    expect(tokens.size).toBe(50);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(parse({ authToken: token }).authToken).toBe(token);
    }
  });
});
