import { ConfigurationError } from '../../core/errors.js';
import { getAt, parsePath, type ParsedPath } from '../../core/mapping-kit.js';

/**
 * A mapping's trigger that does not parse. Thrown when a `SegmentInbound` is constructed (or
 * by {@link parseTrigger}); `position` is the 0-based character offset of the problem in the trigger.
 */
export class TriggerSyntaxError extends ConfigurationError {
  /** 0-based offset into the trigger text. */
  readonly position: number;
  /** The trigger text. */
  readonly trigger: string;

  constructor(message: string, details: { option: string; position: number; trigger: string }) {
    super(message, { option: details.option });
    this.position = details.position;
    this.trigger = details.trigger;
  }
}

/** A parsed trigger: evaluate it against a Segment event with `matches`. */
export interface Trigger {
  /** The trigger text as given. */
  readonly source: string;
  /** Whether `event` satisfies the trigger. Never throws, whatever `event` is. */
  matches(event: unknown): boolean;
}

/**
 * Event fields a trigger may test, as in Segment's subscription syntax: `type`, `event`, `name`,
 * the identifiers, and any path under `properties`, `traits` or `context`.
 */
export const TRIGGER_FIELDS: ReadonlySet<string> = new Set([
  'type',
  'event',
  'name',
  'userId',
  'anonymousId',
  'messageId',
  'groupId',
  'properties',
  'traits',
  'context',
]);

type Value = string | number | boolean | null;
type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; operand: Node }
  | { kind: 'compare'; path: ParsedPath; operator: Operator; value: Value }
  | { kind: 'contains' | 'match'; path: ParsedPath; text: string };
type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=';

type Token =
  | { type: 'path'; text: string; position: number }
  | { type: 'string'; value: string; position: number }
  | { type: 'number'; value: number; position: number }
  | { type: 'op'; text: Operator | '(' | ')' | ',' | '!'; position: number }
  | { type: 'end'; position: number };

/**
 * Parses a trigger written in Segment's subscription syntax, once, into a matcher. Supported:
 * `type = "track"`, `event = "Order Completed"`, `!=`, numeric `<`, `<=`, `>`, `>=` (the field must
 * hold a number), `= null` / `!= null` (missing or present), `= true` / `= false` (strict booleans),
 * `= 42` (a number, strictly), `contains(field, "x")`, `match(field, "x*")` (`*` matches any run of
 * characters), `!` before a function or a parenthesised group, `and`, `or` and parentheses. `and`
 * binds tighter than `or` (Segment's own parser instead lets the last conjunction of a group decide;
 * write parentheses to mean the same thing everywhere). `=` with a string compares strings strictly:
 * the number `5` does not equal `"5"`. Nothing is evaluated as code.
 *
 * @param source The trigger text.
 * @param option The option path to name in errors. @default 'trigger'
 * @throws {@link TriggerSyntaxError} (a {@link ConfigurationError}) naming the position of the first
 * problem: an unknown field, a missing value, an unbalanced parenthesis, an unterminated string, a
 * numeric comparison with a non-number.
 *
 * @example
 * ```ts
 * const trigger = parseTrigger('type = "track" and (event = "Order Completed" or properties.points >= 100)');
 * trigger.matches({ type: 'track', event: 'Order Completed' }); // true
 * ```
 */
export function parseTrigger(source: string, option = 'trigger'): Trigger {
  const parser = new Parser(source, option);
  const root = parser.parse();
  return { source, matches: (event) => evaluate(root, event) };
}

function evaluate(node: Node, event: unknown): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, event) && evaluate(node.right, event);
    case 'or':
      return evaluate(node.left, event) || evaluate(node.right, event);
    case 'not':
      return !evaluate(node.operand, event);
    case 'contains': {
      const actual = getAt(event, node.path);
      return typeof actual === 'string' && actual.includes(node.text);
    }
    case 'match': {
      const actual = getAt(event, node.path);
      return typeof actual === 'string' && globMatches(node.text, actual);
    }
    default:
      return compare(getAt(event, node.path), node.operator, node.value);
  }
}

function compare(actual: unknown, operator: Operator, expected: Value): boolean {
  if (operator === '=' || operator === '!=') {
    const equal = expected === null ? actual === undefined || actual === null : actual === expected;
    return operator === '=' ? equal : !equal;
  }
  if (typeof actual !== 'number' || typeof expected !== 'number') return false;
  switch (operator) {
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    default:
      return actual >= expected;
  }
}

/** `*` matches any run of characters; everything else matches itself. No regular expression is built. */
function globMatches(pattern: string, text: string): boolean {
  const pieces = pattern.split('*');
  if (pieces.length === 1) return text === pattern;
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  if (!text.startsWith(first) || text.length < first.length + last.length || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    const found = text.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

class Parser {
  private readonly tokens: Token[];
  private index = 0;

  constructor(
    private readonly source: string,
    private readonly option: string,
  ) {
    if (typeof source !== 'string') throw this.fail(`expected the trigger to be a string`, 0);
    this.tokens = this.tokenize();
  }

  parse(): Node {
    if (this.peek().type === 'end') throw this.fail('the trigger is empty', 0);
    const node = this.parseOr();
    const next = this.peek();
    if (next.type !== 'end') {
      throw this.fail(next.type === 'op' && next.text === ')' ? `unbalanced ')'` : `expected 'and', 'or' or the end, found ${describeToken(next)}`, next.position);
    }
    return node;
  }

  private parseOr(): Node {
    let left = this.parseAnd();
    while (this.isKeyword(this.peek(), 'or')) {
      this.index += 1;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Node {
    let left = this.parseUnary();
    while (this.isKeyword(this.peek(), 'and')) {
      this.index += 1;
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): Node {
    const token = this.peek();
    if (token.type === 'op' && token.text === '!') {
      this.index += 1;
      return { kind: 'not', operand: this.parseUnary() };
    }
    return this.parseAtom();
  }

  private parseAtom(): Node {
    const token = this.next();
    if (token.type === 'op' && token.text === '(') {
      const inner = this.parseOr();
      const close = this.next();
      if (close.type !== 'op' || close.text !== ')') throw this.fail(`expected ')' to close the '(' at position ${token.position}, found ${describeToken(close)}`, close.position);
      return inner;
    }
    if (token.type !== 'path') throw this.fail(`expected a field, a function or '(', found ${describeToken(token)}`, token.position);
    const name = token.text.toLowerCase();
    const after = this.peek();
    if ((name === 'contains' || name === 'match') && after.type === 'op' && after.text === '(') {
      this.index += 1;
      const path = this.field(this.next());
      this.expectOp(',', `',' after the field of ${name}()`);
      const text = this.next();
      if (text.type !== 'string') throw this.fail(`expected a quoted string as the second argument of ${name}(), found ${describeToken(text)}`, text.position);
      this.expectOp(')', `')' to close ${name}(`);
      return { kind: name, path, text: text.value };
    }
    const path = this.field(token);
    const operator = this.next();
    if (operator.type !== 'op' || !['=', '!=', '<', '<=', '>', '>='].includes(operator.text)) {
      throw this.fail(`expected an operator (=, !=, <, <=, >, >=) after '${token.text}', found ${describeToken(operator)}`, operator.position);
    }
    const op = operator.text as Operator;
    const valueToken = this.next();
    const value = this.value(valueToken, op);
    return { kind: 'compare', path, operator: op, value };
  }

  private value(token: Token, operator: Operator): Value {
    const numeric = operator !== '=' && operator !== '!=';
    if (token.type === 'number') return token.value;
    if (numeric) throw this.fail(`expected a number after '${operator}', found ${describeToken(token)}`, token.position);
    if (token.type === 'string') return token.value;
    if (token.type === 'path') {
      const word = token.text.toLowerCase();
      if (word === 'null') return null;
      if (word === 'true') return true;
      if (word === 'false') return false;
    }
    throw this.fail(`expected a quoted string, a number, true, false or null after '${operator}', found ${describeToken(token)}`, token.position);
  }

  private field(token: Token): ParsedPath {
    if (token.type !== 'path') throw this.fail(`expected a field, found ${describeToken(token)}`, token.position);
    const parsed = parsePath(token.text);
    if ('error' in parsed) throw this.fail(`invalid field '${token.text}': ${parsed.error}`, token.position + parsed.position);
    const root = parsed.segments[0];
    if (root === undefined || !TRIGGER_FIELDS.has(root)) {
      throw this.fail(`unknown field '${token.text}' (expected ${[...TRIGGER_FIELDS].join(', ')}, or a path under properties, traits or context)`, token.position);
    }
    return parsed.segments;
  }

  private expectOp(text: string, what: string): void {
    const token = this.next();
    if (token.type !== 'op' || token.text !== text) throw this.fail(`expected ${what}, found ${describeToken(token)}`, token.position);
  }

  private isKeyword(token: Token, word: string): boolean {
    return token.type === 'path' && token.text.toLowerCase() === word;
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const token = this.tokens[this.index]!;
    if (token.type !== 'end') this.index += 1;
    return token;
  }

  private tokenize(): Token[] {
    const s = this.source;
    const tokens: Token[] = [];
    let i = 0;
    while (i < s.length) {
      const ch = s[i]!;
      if (/\s/.test(ch)) {
        i += 1;
        continue;
      }
      if (ch === '"' || ch === "'") {
        const start = i;
        let value = '';
        i += 1;
        for (;;) {
          if (i >= s.length) throw this.fail(`unterminated string`, start);
          const c = s[i]!;
          if (c === '\\' && i + 1 < s.length) {
            value += s[i + 1]!;
            i += 2;
            continue;
          }
          if (c === ch) break;
          value += c;
          i += 1;
        }
        i += 1;
        tokens.push({ type: 'string', value, position: start });
        continue;
      }
      const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(s.slice(i));
      if (number && !/[\w$]/.test(s[i + number[0].length] ?? '')) {
        tokens.push({ type: 'number', value: Number(number[0]), position: i });
        i += number[0].length;
        continue;
      }
      const two = s.slice(i, i + 2);
      if (two === '!=' || two === '<=' || two === '>=') {
        tokens.push({ type: 'op', text: two, position: i });
        i += 2;
        continue;
      }
      if (ch === '=' && s[i + 1] === '=') throw this.fail(`use '=' (not '==') to compare`, i);
      if ('=<>(),!'.includes(ch)) {
        tokens.push({ type: 'op', text: ch as Operator, position: i });
        i += 1;
        continue;
      }
      const path = /^[A-Za-z_$][\w$-]*(?:\.[\w$-]+|\[(?:"[^"]*"|'[^']*'|\d+)\])*/.exec(s.slice(i));
      if (path) {
        tokens.push({ type: 'path', text: path[0], position: i });
        i += path[0].length;
        continue;
      }
      throw this.fail(`unexpected character '${ch}'`, i);
    }
    tokens.push({ type: 'end', position: s.length });
    return tokens;
  }

  private fail(reason: string, position: number): TriggerSyntaxError {
    const text = typeof this.source === 'string' ? this.source : '';
    return new TriggerSyntaxError(`${this.option}: invalid trigger at position ${position}: ${reason} (in ${JSON.stringify(text)})`, {
      option: this.option,
      position,
      trigger: text,
    });
  }
}

function describeToken(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'the end of the trigger';
    case 'string':
      return `the string ${JSON.stringify(token.value)}`;
    case 'number':
      return `the number ${token.value}`;
    case 'op':
      return `'${token.text}'`;
    default:
      return `'${token.text}'`;
  }
}
