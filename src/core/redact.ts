/** What every redacted secret is replaced with. */
export const REDACTED = '[REDACTED]';

const secretValues = new Set<string>();
let secretsVersion = 0;

/**
 * Changes whenever a secret is registered, so a cache of redacted text can tell it is stale.
 * @internal
 */
export function redactionVersion(): number {
  return secretsVersion;
}
let secretValuePattern: RegExp | undefined;
let secretValueProbe: RegExp | undefined;

/**
 * Registers a secret value (a write key, API key, token) so that it is replaced by `[REDACTED]`
 * wherever it would appear in a log record or an error message. Connectors call this for every
 * secret option; hosts may call it for secrets of their own. Values shorter than 4 characters are
 * ignored, since masking them would mangle ordinary text.
 */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 4 || secretValues.has(value)) return;
  secretValues.add(value);
  secretsVersion += 1;
  // Longest first, so a secret that contains another is masked whole.
  const alternatives = [...secretValues]
    .sort((a, b) => b.length - a.length)
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // Base64 forms too: Basic auth headers carry `base64(key + ':')`.
  for (const s of secretValues) {
    alternatives.push(Buffer.from(`${s}:`).toString('base64').replace(/=+$/, '').replace(/[+/]/g, '\\$&'));
  }
  secretValuePattern = new RegExp(alternatives.join('|'), 'g');
  secretValueProbe = new RegExp(alternatives.join('|'));
  anySecretProbe = probeFor(alternatives);
}

const SECRET_KEY = /^(authorization|proxy-authorization|x-api-key|api[-_]?key|api[-_]?secret|secret|shared[-_]?secret|client[-_]?secret|write[-_]?key|auth[-_]?token|access[-_]?token|token|password|x-signature|cookie|set-cookie)$/i;

// One pass over text for the shapes secrets take in headers, JSON and URLs.
const TEXT_PATTERNS: Array<[RegExp, string]> = [
  [/\b(Basic|Bearer|Token)\s+[A-Za-z0-9._~+/=-]+/g, `$1 ${REDACTED}`],
  [
    /("(?:authorization|api[-_]?key|api[-_]?secret|apiKey|apiSecret|secret|sharedSecret|client[-_]?secret|write[-_]?key|writeKey|auth[-_]?token|authToken|access[-_]?token|token|password)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi,
    `$1"${REDACTED}"`,
  ],
  [/([?&](?:api_key|apikey|access_token|client_secret|token|key|secret)=)[^&\s"'#]*/gi, `$1${REDACTED}`],
];

// Non-global twins for a cheap `test` first: most text holds no secret, and a global `replace`
// that finds nothing costs several times a failed `test` (it dominated log writes).
const TEXT_PROBES: Array<[RegExp, RegExp, string]> = TEXT_PATTERNS.map(([pattern, replacement]) => [
  new RegExp(pattern.source, pattern.flags.replace('g', '')),
  pattern,
  replacement,
]);

// One case-insensitive scan that matches wherever any pattern or registered secret could: most text
// holds no secret, and one failed scan costs a fraction of four. It only decides whether the exact
// patterns run, so being broader than they are (case, overlaps) is harmless.
function probeFor(secrets: string[]): RegExp {
  return new RegExp([...TEXT_PATTERNS.map(([pattern]) => pattern.source), ...secrets].join('|'), 'i');
}
let anySecretProbe = probeFor([]);

/** Replaces every registered secret value and every known secret shape in `text`. */
export function redactText(text: string): string {
  if (!anySecretProbe.test(text)) return text;
  let out = text;
  for (const [probe, pattern, replacement] of TEXT_PROBES) if (probe.test(out)) out = out.replace(pattern, replacement);
  if (secretValueProbe?.test(out)) out = out.replace(secretValuePattern!, REDACTED);
  return out;
}

/**
 * Returns a deep copy of `value` in which properties named like secrets (`authorization`,
 * `api_key`, `writeKey`, `token`, …) are replaced by `[REDACTED]` and every string is passed
 * through {@link redactText}.
 */
export function redactValue<T>(value: T): T {
  return redact(value, 0) as T;
}

function redact(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object' || depth > 32) return value;
  if (value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (typeof Headers !== 'undefined' && value instanceof Headers) {
    return redact(Object.fromEntries(value.entries()), depth);
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && v != null && v !== '' ? REDACTED : redact(v, depth + 1);
  }
  return out;
}
