import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/core/errors.js';
import { applyMapping, compileMapping, getPath, parsePath, renderTemplate, withoutUnsafeKeys } from '../../src/core/mapping-kit.js';

const event = {
  type: 'track',
  userId: 'cus_1',
  event: 'Order Completed',
  properties: { points: 120, zero: 0, no: false, empty: '', nothing: null, items: [{ sku: 'a' }, { sku: 'b' }], 'odd key': 'x' },
  traits: { tier: 'gold' },
};

describe('getPath', () => {
  it('follows dots and [index], with or without the $. prefix; "$." is the whole input', () => {
    expect(getPath(event, '$.properties.points')).toBe(120);
    expect(getPath(event, 'properties.points')).toBe(120);
    expect(getPath(event, '$.properties.items[1].sku')).toBe('b');
    expect(getPath(event, '$.properties.items.0.sku')).toBe('a');
    expect(getPath(event, "$.properties['odd key']")).toBe('x');
    expect(getPath(event, '$.')).toBe(event);
    expect(getPath(event, '$.properties.missing.deeper')).toBeUndefined();
  });

  it('never resolves __proto__, constructor, prototype or inherited properties', () => {
    expect(getPath(event, '$.__proto__')).toBeUndefined();
    expect(getPath(event, '$.constructor')).toBeUndefined();
    expect(getPath(event, '$.constructor.prototype')).toBeUndefined();
    expect(getPath(event, '$.properties.toString')).toBeUndefined();
    expect(getPath(event, '$.properties.hasOwnProperty')).toBeUndefined();
    // An own "__proto__" key, as JSON.parse makes one, is not followed either.
    const parsed = JSON.parse('{"__proto__":{"polluted":true},"a":{"constructor":{"prototype":1}}}');
    expect(getPath(parsed, '$.__proto__.polluted')).toBeUndefined();
    expect(getPath(parsed, '$.a.constructor.prototype')).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('does not read properties of strings and numbers', () => {
    expect(getPath(event, '$.event.length')).toBeUndefined();
    expect(getPath(event, '$.properties.points.toFixed')).toBeUndefined();
  });

  it('reports malformed paths with a position', () => {
    expect(parsePath('$.a..b')).toEqual({ error: 'empty path segment', position: 4 });
    expect(parsePath('a[0')).toMatchObject({ error: "unclosed '['" });
    expect(getPath(event, '$.a..b')).toBeUndefined();
  });
});

describe('compileMapping directives', () => {
  it('@path resolves a value, undefined when missing', () => {
    expect(applyMapping({ '@path': '$.properties.points' }, event)).toBe(120);
    expect(applyMapping({ '@path': '$.properties.nope' }, event)).toBeUndefined();
  });

  it('@template fills {{path}} and {{{path}}}, missing values render as "", objects as JSON, nothing escaped', () => {
    expect(applyMapping({ '@template': 'Tier {{traits.tier}} / {{{userId}}} / [{{traits.nope}}]' }, event)).toBe('Tier gold / cus_1 / []');
    expect(applyMapping({ '@template': '{{properties.items[0]}}' }, event)).toBe('{"sku":"a"}');
    expect(renderTemplate('<{{x}}>', { x: '"&' })).toBe('<"&>');
    expect(renderTemplate('{{__proto__}}{{constructor}}', {})).toBe('');
  });

  it('@if exists takes then when the value is neither undefined nor null', () => {
    const mapping = { '@if': { exists: { '@path': '$.properties.zero' }, then: 'yes', else: 'no' } };
    expect(applyMapping(mapping, event)).toBe('yes');
    expect(applyMapping({ '@if': { exists: { '@path': '$.properties.nothing' }, then: 'yes', else: 'no' } }, event)).toBe('no');
    expect(applyMapping({ '@if': { exists: { '@path': '$.properties.nope' }, then: 'yes', else: 'no' } }, event)).toBe('no');
  });

  it('@if blank takes then only for a non-blank value (0, false and "" count as blank, as in Segment)', () => {
    const blank = (path: string) => applyMapping({ '@if': { blank: { '@path': path }, then: 'filled', else: 'blank' } }, event);
    expect(blank('$.properties.points')).toBe('filled');
    expect(blank('$.properties.empty')).toBe('blank');
    expect(blank('$.properties.zero')).toBe('blank');
    expect(blank('$.properties.no')).toBe('blank');
    expect(blank('$.properties.nothing')).toBe('blank');
  });

  it('@if with a missing branch resolves to undefined, which drops the key', () => {
    expect(applyMapping({ flag: { '@if': { exists: { '@path': '$.nope' }, then: true } }, keep: 1 }, event)).toEqual({ keep: 1 });
  });

  it('@literal returns its value, resolving directives inside it', () => {
    expect(applyMapping({ '@literal': true }, event)).toBe(true);
    expect(applyMapping({ '@literal': { a: { '@path': '$.userId' } } }, event)).toEqual({ a: 'cus_1' });
  });

  it('resolves literals, nested objects and arrays; drops undefined, keeps null', () => {
    const mapping = {
      fixed: 'point_add',
      count: 3,
      nothing: null,
      gone: { '@path': '$.nope' },
      nested: { points: { '@path': '$.properties.points' }, tier: { '@path': '$.traits.tier' } },
      list: [{ '@path': '$.userId' }, { '@path': '$.nope' }, 'x'],
    };
    expect(applyMapping(mapping, event)).toEqual({
      fixed: 'point_add',
      count: 3,
      nothing: null,
      nested: { points: 120, tier: 'gold' },
      list: ['cus_1', 'x'],
    });
  });

  it('compiles once and evaluates many inputs', () => {
    const compiled = compileMapping({ customer: { '@path': '$.userId' } });
    expect(compiled({ userId: 'a' })).toEqual({ customer: 'a' });
    expect(compiled({ userId: 'b' })).toEqual({ customer: 'b' });
    expect(compiled('not an object')).toEqual({});
  });
});

describe('compileMapping configuration errors', () => {
  const fails = (mapping: unknown, option: string, message: RegExp) => {
    try {
      compileMapping(mapping, 'fields');
      expect.unreachable('should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).option).toBe(option);
      expect((error as Error).message).toMatch(message);
    }
  };

  it('names the option path of an unknown directive, a mixed object, and wrong argument types', () => {
    fails({ data: { '@unknown': 1 } }, 'fields.data.@unknown', /unknown directive '@unknown'/);
    fails({ data: { '@path': '$.a', other: 1 } }, 'fields.data', /directive must be the only key/);
    fails({ data: { '@path': 5 } }, 'fields.data.@path', /expected a path string, received number/);
    fails({ data: { '@template': {} } }, 'fields.data.@template', /expected a template string/);
    fails({ data: { '@path': '$.a..b' } }, 'fields.data.@path', /invalid path '\$\.a\.\.b': empty path segment at position 4/);
  });

  it('checks @if: exactly one condition, at least one branch, no unknown keys', () => {
    fails({ x: { '@if': { then: 1 } } }, 'fields.x.@if', /exactly one condition/);
    fails({ x: { '@if': { exists: 1, blank: 1, then: 1 } } }, 'fields.x.@if', /exactly one condition/);
    fails({ x: { '@if': { exists: 1 } } }, 'fields.x.@if', /at least one branch/);
    fails({ x: { '@if': { exists: 1, then: 1, otherwise: 2 } } }, 'fields.x.@if.otherwise', /unknown key 'otherwise'/);
    fails({ x: { '@if': 'yes' } }, 'fields.x.@if', /expected an object/);
  });

  it('refuses keys that could reach a prototype, and non-JSON values', () => {
    fails(JSON.parse('{"data":{"__proto__":{"@path":"$.a"}}}'), 'fields.data.__proto__', /'__proto__' is not allowed/);
    fails({ data: { constructor: 1 } }, 'fields.data.constructor', /'constructor' is not allowed/);
    fails({ data: () => 1 }, 'fields.data', /expected a JSON value or a directive, received function/);
  });
});

describe('withoutUnsafeKeys', () => {
  it('removes __proto__, constructor and prototype keys at any depth and copies only what changed', () => {
    const input = JSON.parse('{"a":{"__proto__":{"x":1},"keep":1},"b":[{"constructor":2,"ok":3}],"c":{"fine":true}}');
    const output = withoutUnsafeKeys(input);
    expect(output).toEqual({ a: { keep: 1 }, b: [{ ok: 3 }], c: { fine: true } });
    expect(Object.prototype.hasOwnProperty.call(output.a, '__proto__')).toBe(false);
    expect(output.c).toBe(input.c);
    const clean = { x: { y: 1 } };
    expect(withoutUnsafeKeys(clean)).toBe(clean);
    // Merging the cleaned value cannot change a prototype.
    const target: Record<string, unknown> = {};
    Object.assign(target, withoutUnsafeKeys(JSON.parse('{"__proto__":{"polluted":true}}')));
    expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
  });
});
