import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/core/errors.js';
import { SegmentOutbound, type SegmentOutboundOptions } from '../../../src/segment/outbound/index.js';
import { WRITE_KEY } from './helpers.js';
import { thrownBy } from '../../thrown.js';

const configError = (options: unknown) => thrownBy(ConfigurationError, () => new SegmentOutbound(options as SegmentOutboundOptions));

describe('SegmentOutbound options', () => {
  it('requires a write key', () => {
    expect(configError({}).option).toBe('writeKey');
    expect(configError({ writeKey: '' }).option).toBe('writeKey');
    expect(configError(undefined).option).toBe('(options)');
  });

  it('names the offending option and what was expected', () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ region: 'ap' }, 'region', /'region'.*"us"/],
      [{ endpoint: 'ftp://proxy.example' }, 'endpoint', /http\(s\)/],
      [{ endpoint: 'https://proxy.example/v1' }, 'endpoint', /without \/v1/],
      [{ endpoint: 'https://proxy.example/v1/batch' }, 'endpoint', /without \/v1/],
      [{ events: 'some' }, 'events', /'events'/],
      [{ events: ['point_add', ''] }, 'events.1', /'events\.1'/],
      [{ customerFields: 'tier' }, 'customerFields', /'customerFields'/],
      [{ integrations: { Antavo: 'off' } }, 'integrations.Antavo', /'integrations\.Antavo'/],
      [{ userIdField: '' }, 'userIdField', /'userIdField'/],
      [{ concurrency: 0 }, 'concurrency', /'concurrency'/],
      [{ retry: { retries: -1 } }, 'retry.retries', /'retry\.retries'/],
      [{ writekey: 'typo' }, '(options)', /writekey/],
    ];
    for (const [extra, option, message] of cases) {
      const error = configError({ writeKey: WRITE_KEY, ...extra });
      expect(error.option, JSON.stringify(extra)).toBe(option);
      expect(error.message).toMatch(message);
      expect(error.message).toContain('SegmentOutbound');
    }
  });

  it('refuses a write key with surrounding spaces without echoing it', () => {
    const error = configError({ writeKey: ` ${WRITE_KEY}\n` });
    expect(error.option).toBe('writeKey');
    expect(error.message).not.toContain(WRITE_KEY);
  });

  it('never echoes the write key when another option is wrong', () => {
    const error = configError({ writeKey: 'wk-other-canary-77aa', region: 'wk-other-canary-77aa' });
    expect(error.message).not.toContain('wk-other-canary-77aa');
  });

  it('picks the region URL, or the endpoint override with /v1/batch appended', () => {
    expect(new SegmentOutbound({ writeKey: WRITE_KEY }).url).toBe('https://api.segment.io/v1/batch');
    expect(new SegmentOutbound({ writeKey: WRITE_KEY, region: 'us' }).url).toBe('https://api.segment.io/v1/batch');
    expect(new SegmentOutbound({ writeKey: WRITE_KEY, region: 'eu' }).url).toBe('https://events.eu1.segmentapis.com/v1/batch');
    expect(new SegmentOutbound({ writeKey: WRITE_KEY, region: 'eu', endpoint: 'http://127.0.0.1:8080/segment/' }).url).toBe(
      'http://127.0.0.1:8080/segment/v1/batch',
    );
  });
});
