import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/core/errors.js';
import { parseTrigger, TriggerSyntaxError } from '../../../src/segment/inbound/subscription.js';

const order = {
  type: 'track',
  event: 'Order Completed',
  userId: 'cus_1',
  properties: { points: 150, total: 59.9, text: '100', vip: true, trial: false, gone: null, sku: 'NIKE-AIR-1' },
  traits: { tier: 'gold' },
  context: { library: { name: 'analytics.js' } },
};
const matches = (trigger: string, event: unknown = order) => parseTrigger(trigger).matches(event);

describe('parseTrigger operators', () => {
  it('= and != compare strings strictly', () => {
    expect(matches('type = "track"')).toBe(true);
    expect(matches('type = "identify"')).toBe(false);
    expect(matches("event = 'Order Completed'")).toBe(true);
    expect(matches('event != "Order Completed"')).toBe(false);
    expect(matches('event != "Product Viewed"')).toBe(true);
    // The number 150 is not the string "150".
    expect(matches('properties.points = "150"')).toBe(false);
    expect(matches('properties.text = "100"')).toBe(true);
    expect(matches('userId = "cus_1"')).toBe(true);
    expect(matches('traits.tier = "gold"')).toBe(true);
    expect(matches('context.library.name = "analytics.js"')).toBe(true);
  });

  it('= and != with a number compare numbers strictly', () => {
    expect(matches('properties.points = 150')).toBe(true);
    expect(matches('properties.text = 100')).toBe(false);
    expect(matches('properties.points != 150')).toBe(false);
  });

  it('<, <=, >, >= hold only for numbers', () => {
    expect(matches('properties.points > 100')).toBe(true);
    expect(matches('properties.points > 150')).toBe(false);
    expect(matches('properties.points >= 150')).toBe(true);
    expect(matches('properties.points < 150')).toBe(false);
    expect(matches('properties.points <= 150')).toBe(true);
    expect(matches('properties.total < 59.95')).toBe(true);
    expect(matches('properties.points > -1.5e2')).toBe(true);
    // A numeric-looking string is not a number, and a missing field is not either.
    expect(matches('properties.text > 1')).toBe(false);
    expect(matches('properties.missing < 1000')).toBe(false);
  });

  it('= null / != null test for missing (or null) and present', () => {
    expect(matches('userId != null')).toBe(true);
    expect(matches('userId = null')).toBe(false);
    expect(matches('properties.gone = null')).toBe(true);
    expect(matches('properties.missing = null')).toBe(true);
    expect(matches('properties.missing != null')).toBe(false);
  });

  it('= true / = false are strict booleans', () => {
    expect(matches('properties.vip = true')).toBe(true);
    expect(matches('properties.trial = false')).toBe(true);
    expect(matches('properties.trial = true')).toBe(false);
    expect(matches('properties.text = true')).toBe(false);
    expect(matches('properties.missing = false')).toBe(false);
    expect(matches('properties.vip != true')).toBe(false);
  });

  it('contains(field, "x") and match(field, pattern) test strings, and ! negates them', () => {
    expect(matches('contains(event, "Complete")')).toBe(true);
    expect(matches('contains(event, "Viewed")')).toBe(false);
    expect(matches('contains(properties.points, "15")')).toBe(false);
    expect(matches('match(properties.sku, "NIKE*")')).toBe(true);
    expect(matches('match(properties.sku, "*-1")')).toBe(true);
    expect(matches('match(properties.sku, "*AIR*")')).toBe(true);
    expect(matches('match(properties.sku, "N*K*1")')).toBe(true);
    expect(matches('match(properties.sku, "ADIDAS*")')).toBe(false);
    expect(matches('match(properties.sku, "NIKE")')).toBe(false);
    expect(matches('match(event, "Order Completed")')).toBe(true);
    expect(matches('!contains(event, "Viewed")')).toBe(true);
    expect(matches('!match(properties.sku, "NIKE*")')).toBe(false);
  });

  it('glob characters other than * are literal', () => {
    expect(matches('match(event, "Order.*")', { event: 'Order.x' })).toBe(true);
    expect(matches('match(event, "Order.*")', { event: 'OrderXx' })).toBe(false);
    expect(matches('match(event, "a*a")', { event: 'a' })).toBe(false);
  });
});

describe('parseTrigger combinations', () => {
  it('and binds tighter than or', () => {
    // false and false or true → (false and false) or true = true
    expect(matches('type = "identify" and event = "x" or userId = "cus_1"')).toBe(true);
    // true or false and false → true or (false and false) = true
    expect(matches('userId = "cus_1" or type = "identify" and event = "x"')).toBe(true);
    // (true or false) and false = false: parentheses change it
    expect(matches('(userId = "cus_1" or type = "identify") and event = "x"')).toBe(false);
  });

  it('parentheses nest and can be negated', () => {
    expect(matches('type = "track" and (event = "Product Added" or event = "Order Completed")')).toBe(true);
    expect(matches('type = "track" and ((event = "Product Added") or (properties.points >= 200))')).toBe(false);
    expect(matches('!(type = "identify" or event = "x")')).toBe(true);
    expect(matches('type = "track" AND event = "Order Completed" OR type = "identify"')).toBe(true);
  });

  it('never throws at match time, whatever the event', () => {
    const trigger = parseTrigger('properties.points > 1 and contains(event, "a") and traits.tier = "gold"');
    for (const event of [null, undefined, 42, 'track', [], { properties: 'x' }, { properties: { points: {} } }]) {
      expect(trigger.matches(event)).toBe(false);
    }
  });

  it('never resolves prototype paths', () => {
    expect(matches('properties.__proto__ != null', JSON.parse('{"properties":{"__proto__":{"a":1}}}'))).toBe(false);
    expect(matches('properties.constructor != null', { properties: {} })).toBe(false);
    expect(matches('properties.toString != null', { properties: {} })).toBe(false);
  });
});

describe('parseTrigger errors', () => {
  const error = (trigger: string) => {
    try {
      parseTrigger(trigger, 'mappings.0.trigger');
    } catch (e) {
      expect(e).toBeInstanceOf(TriggerSyntaxError);
      expect(e).toBeInstanceOf(ConfigurationError);
      expect((e as ConfigurationError).option).toBe('mappings.0.trigger');
      return e as TriggerSyntaxError;
    }
    return expect.unreachable(`'${trigger}' should not parse`);
  };

  it('names the position of the problem', () => {
    expect(error('type = ').position).toBe(7);
    expect(error('type = ').message).toMatch(/position 7: expected a quoted string, a number, true, false or null after '='/);
    expect(error('type = "track" and').position).toBe(18);
    expect(error('type = "track" and (event = "x"').message).toMatch(/expected '\)' to close the '\(' at position 19/);
    expect(error('type = "track")').message).toMatch(/position 14: unbalanced '\)'/);
    expect(error('type = "track').position).toBe(7);
    expect(error('type = "track').message).toMatch(/unterminated string/);
    expect(error('type == "track"').message).toMatch(/position 5: use '=' \(not '=='\)/);
    expect(error('type "track"').message).toMatch(/expected an operator/);
    expect(error('properties.points > "100"').message).toMatch(/position 20: expected a number after '>'/);
    expect(error('contains(event "x")').message).toMatch(/expected ',' after the field of contains\(\)/);
    expect(error('contains(event, 5)').message).toMatch(/expected a quoted string as the second argument of contains\(\)/);
    expect(error('type = "a" @ b').message).toMatch(/position 11: unexpected character '@'/);
    expect(error('').message).toMatch(/the trigger is empty/);
    expect(error('type = "a" event = "b"').message).toMatch(/position 11: expected 'and', 'or' or the end/);
  });

  it('refuses unknown fields, so a typo does not silently match nothing', () => {
    const e = error('evnt = "Order Completed"');
    expect(e.position).toBe(0);
    expect(e.message).toMatch(/unknown field 'evnt'/);
    expect(error('type = "track" and propertes.x = 1').position).toBe(19);
  });

  it('never evaluates code: JavaScript in a trigger is a syntax error', () => {
    expect(error('process.exit(1)').message).toMatch(/unknown field 'process.exit'/);
    expect(error('type = "track" || (globalThis.hacked = true)').message).toMatch(/unexpected character '\|'/);
    expect((globalThis as Record<string, unknown>).hacked).toBeUndefined();
  });
});
