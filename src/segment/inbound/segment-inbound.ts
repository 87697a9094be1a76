import { DEFAULT_DEDUPE_TTL_MS, MemoryDedupeStore, type DedupeStore } from '../../core/dedupe-store.js';
import { EngineRefusal, type LoyaltyEngine, type RegisterEventInput, type UpdateProfileInput } from '../../core/engine.js';
import { ValidationError } from '../../core/errors.js';
import { stableId, sha256Hex } from '../../core/ids.js';
import {
  DEFAULT_MAX_BODY_BYTES,
  InboundError,
  bufferedJsonResponse,
  bufferedView,
  guardInbound,
  jsonResponse,
  parseJson,
  webView,
  type InboundContext,
  type InboundState,
  type IncomingView,
} from '../../core/inbound.js';
import { Logger, type InboundLogRecord, type LogSink } from '../../core/logs.js';
import { MemoryLogStore } from '../../core/memory-log-store.js';
import { NODE_FAST_PATH, type BufferedRequest } from '../../core/node-adapter.js';
import { parseOptions } from '../../core/options.js';
import { registerSecret } from '../../core/redact.js';
import { LIBRARY_NAME } from '../../core/version.js';
import { authenticateAntavoBody, authenticateSegmentRequest, type SegmentHeaderLookup, type SegmentInboundCredentials } from './credentials.js';
import { defaultSegmentInboundMappings } from './defaults.js';
import {
  compileSegmentInboundMappings,
  fromAntavoBody,
  isAntavoFormat,
  libraryName,
  mapSegmentEvent,
  messageIdOf,
  readSegmentEvents,
  ANTAVO_FORMAT_MAPPING,
  type CompiledSegmentInboundMapping,
  type InboundItem,
} from './mapping.js';
import { rawEventSlices } from './raw-slices.js';
import { answerFor, type SegmentInboundItemResult, type SegmentInboundResponse } from './results.js';
import { segmentInboundOptionsSchema, type SegmentInboundOptions } from './schemas.js';

const CONNECTOR = 'segment-inbound';

/** A request as {@link SegmentInbound.handle} takes it, from any framework. */
export interface SegmentInboundRequest {
  /**
   * The parsed JSON body. When absent, `rawBody` is parsed. A `Uint8Array`/`Buffer` or string is
   * taken as the raw body.
   */
  body?: unknown;
  /** The body exactly as received: needed to check `X-Signature` byte for byte. */
  rawBody?: string | Uint8Array;
  /** Request headers (a `Headers`, or a plain object as Node and Express give them). */
  headers?: Headers | Record<string, string | string[] | undefined>;
  /** The request path; `/v1/track`, `/v1/identify`, … give a single event without `type` its type. */
  path?: string;
}

/** Where an item came from, for its result, dedupe key and log record. */
interface ItemOrigin {
  index: number;
  /** `messageId`, or a hash of the body when there is none. */
  identifier: string;
  messageId?: string;
  /** Where the event sits in the body, for error paths (`batch[2]`, `[2]` or ``). */
  at: string;
  /** The event or body as received, JSON, for the log. */
  requestBody: string;
}

/**
 * Segment → loyalty: a webhook handler that turns Segment events into loyalty events and profile
 * updates in the host's {@link LoyaltyEngine}.
 *
 * It accepts two formats: the Antavo (Actions) destination's `{ customer, action, account?, data?,
 * api_key }` (`action: "profile"` updates the profile), and raw Segment events — one event, an
 * array (Webhooks destination) or `{ batch: [...] }` (Segment's libraries, `/v1/batch`) — matched
 * against mappings (trigger + fields, like the destination's Mappings page). Raw events authenticate
 * with `X-Signature`, a bearer token, or HTTP Basic with the write key, as Segment's libraries send it.
 *
 * Each item is applied once: its `messageId` (or a hash of the body) is claimed in a dedupe store
 * before the engine is called, so a redelivery is answered as a success without being applied again.
 * Events produced by our own `SegmentOutbound` (`context.library.name` = `loyalty-cdp`) are skipped.
 * The answer is 200 when every item succeeded or was a duplicate or skipped, 400 when one is invalid
 * or refused, 401 for bad credentials, 503 when the engine failed transiently (Segment redelivers).
 *
 * @example
 * ```ts
 * const inbound = new SegmentInbound({ engine, writeKey: process.env.SEGMENT_INBOUND_WRITE_KEY });
 * http.createServer(toNodeListener(inbound.fetch)).listen(3000); // or export { inbound.fetch as POST }
 * ```
 */
export class SegmentInbound {
  /**
   * The web-standard handler, bound: pass it as it is to Hono, a Next.js route, Bun, Deno or
   * `toNodeListener`. It never rejects: any failure becomes a JSON error answer and a log record.
   * It carries a `NODE_FAST_PATH`, so `toNodeListener(inbound.fetch)` answers the same without
   * building web `Request`/`Response` objects.
   */
  readonly fetch: (request: Request) => Promise<Response>;

  private readonly engine: LoyaltyEngine;
  private readonly credentials: SegmentInboundCredentials;
  private readonly mappings: CompiledSegmentInboundMapping[];
  private readonly multiAccounts: boolean;
  private readonly dedupe: DedupeStore;
  private readonly dedupeTtlMs: number;
  private readonly ignoredLibraries: ReadonlySet<string>;
  private readonly sink: LogSink;
  private readonly logger: Logger;
  private readonly maxBodyBytes: number;
  private readonly now: () => number;
  private readonly guardContext: InboundContext;

  /**
   * @throws {@link ConfigurationError} naming the option when an option is invalid, when no
   * credential is configured, or when a mapping does not compile (a `TriggerSyntaxError` gives the
   * position of a bad trigger).
   */
  constructor(options: SegmentInboundOptions) {
    const parsed = parseOptions('SegmentInbound', segmentInboundOptionsSchema, options) as SegmentInboundOptions;
    for (const secret of [parsed.apiKey, parsed.sharedSecret, parsed.bearerToken, parsed.writeKey]) registerSecret(secret);
    this.engine = parsed.engine;
    this.credentials = { apiKey: parsed.apiKey, sharedSecret: parsed.sharedSecret, bearerToken: parsed.bearerToken, writeKey: parsed.writeKey };
    this.mappings = compileSegmentInboundMappings(parsed.mappings ?? defaultSegmentInboundMappings());
    this.multiAccounts = parsed.multiAccounts ?? false;
    this.dedupe = parsed.dedupeStore ?? new MemoryDedupeStore();
    this.dedupeTtlMs = parsed.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS;
    this.ignoredLibraries = new Set(parsed.ignoreLibraries ?? [LIBRARY_NAME]);
    this.now = parsed.now ?? Date.now;
    this.sink = parsed.logSink ?? new MemoryLogStore({ now: this.now });
    this.logger = new Logger(this.sink, this.now);
    this.maxBodyBytes = parsed.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.guardContext = { connector: CONNECTOR, logger: this.logger, now: this.now };
    this.fetch = Object.assign(
      async (request: Request) => {
        const answer = await this.serve(webView(request));
        return jsonResponse(answer.status, answer.body);
      },
      {
        [NODE_FAST_PATH]: async (request: BufferedRequest) => {
          const answer = await this.serve(bufferedView(request));
          return bufferedJsonResponse(answer.status, answer.body);
        },
      },
    );
  }

  /** Where log records go (a `MemoryLogStore` unless one was given): query it for the inbound log. */
  get logSink(): LogSink {
    return this.sink;
  }

  /** The dedupe store in use. */
  get dedupeStore(): DedupeStore {
    return this.dedupe;
  }

  /**
   * The framework-free core: takes a body (parsed or raw) and headers, returns the status and JSON
   * body to answer with. Never rejects: bad input becomes a 4xx answer and a log record.
   */
  async handle(input: SegmentInboundRequest): Promise<SegmentInboundResponse> {
    const header = headerLookup(input.headers);
    return guardInbound(this.guardContext, { header }, async (state) => {
      try {
        return await this.handleInput(input, header, state);
      } catch (error) {
        // A body handed over parsed is serialised for the error log only when a request fails.
        state.raw ??= input.body === undefined ? undefined : serialise(input.body);
        throw error;
      }
    });
  }

  private async handleInput(input: SegmentInboundRequest, header: SegmentHeaderLookup, state: InboundState): Promise<SegmentInboundResponse> {
    let raw = typeof input.rawBody === 'string' ? input.rawBody : input.rawBody ? new TextDecoder().decode(input.rawBody) : undefined;
    let body = input.body;
    if (typeof body === 'string' || body instanceof Uint8Array) {
      raw ??= typeof body === 'string' ? body : new TextDecoder().decode(body);
      body = undefined;
    }
    if (raw !== undefined) state.raw = raw;
    if (body === undefined) {
      if (raw === undefined) throw new InboundError(400, 'invalid_json', 'request body is empty');
      if (Buffer.byteLength(raw) > this.maxBodyBytes) throw new InboundError(413, 'payload_too_large', `request body is larger than ${this.maxBodyBytes} bytes`);
      body = parseJson(raw);
    }
    return this.process(body, raw, header, input.path ?? '');
  }

  /** `fetch` and its Node fast path: the same guards, answers and logs whichever way the request came in. */
  private serve(view: IncomingView): Promise<SegmentInboundResponse> {
    return guardInbound(this.guardContext, view, async (state) => {
      if (view.method !== 'POST') throw notAllowed(view.method);
      const raw = await view.text(this.maxBodyBytes);
      state.raw = raw;
      return this.process(parseJson(raw), raw, (name) => view.header(name), view.path);
    });
  }

  private async process(body: unknown, raw: string | undefined, header: SegmentHeaderLookup, path: string): Promise<SegmentInboundResponse> {
    if (isAntavoFormat(body)) {
      authenticateAntavoBody(this.credentials, body);
      const { api_key: _apiKey, ...unsigned } = body;
      const requestBody = serialise(body);
      if (requestBody === undefined) throw tooDeep('(body)');
      const origin: ItemOrigin = { index: 0, identifier: `sha256:${sha256Hex(serialise(unsigned) ?? requestBody)}`, at: '', requestBody };
      let item: InboundItem;
      try {
        item = fromAntavoBody(body, { multiAccounts: this.multiAccounts });
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return answerFor([this.invalid(origin, ANTAVO_FORMAT_MAPPING, error)]);
      }
      return answerFor([await this.apply(item, origin)]);
    }

    const bodyWriteKey = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as { writeKey?: unknown }).writeKey : undefined;
    authenticateSegmentRequest(this.credentials, {
      header,
      body,
      ...(raw === undefined ? {} : { rawBody: raw }),
      ...(typeof bodyWriteKey === 'string' ? { bodyWriteKey } : {}),
    });
    let events;
    try {
      events = readSegmentEvents(body, path);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new InboundError(400, 'invalid_body', error.message, { details: { path: error.path, expected: error.expected } });
    }
    const results: SegmentInboundItemResult[] = [];
    const slices = raw === undefined ? undefined : rawSlicesOf(body, raw, events.shape, events.events);
    for (let index = 0; index < events.events.length; index++) {
      const event = events.events[index];
      const at = events.shape === 'batch' ? `batch[${index}]` : events.shape === 'array' ? `[${index}]` : '';
      // Log the text received rather than serialise the event again: a single event is the body
      // itself, a batched one its slice of the body (when it is the element as received).
      const requestBody = event === body && raw !== undefined ? raw : (slices?.[index] ?? serialise(event));
      if (requestBody === undefined) {
        results.push(this.invalid({ index, identifier: `${index}`, at, requestBody: '(not serialisable)' }, undefined, tooDeepEvent()));
        continue;
      }
      // The key of an event without messageId hashes the event as serialised, whichever text is logged.
      const hashed = slices === undefined ? requestBody : undefined;
      await this.processEvent(event, requestBody, hashed, index, at, events.invalid.get(index), results);
    }
    return answerFor(results);
  }

  private async processEvent(
    event: unknown,
    requestBody: string,
    hashed: string | undefined,
    index: number,
    at: string,
    invalid: ValidationError | undefined,
    results: SegmentInboundItemResult[],
  ): Promise<void> {
    const messageId = messageIdOf(event);
    const origin: ItemOrigin = {
      index,
      identifier: messageId ?? `sha256:${sha256Hex(hashed ?? serialise(event) ?? requestBody)}`,
      at,
      requestBody,
      ...(messageId === undefined ? {} : { messageId }),
    };
    if (invalid) {
      results.push(this.invalid(origin, undefined, invalid));
      return;
    }
    const library = libraryName(event);
    if (library !== undefined && this.ignoredLibraries.has(library)) {
      results.push(this.skipped(origin, 'loop_guard', `sent by ${library} (loop guard)`));
      return;
    }
    const items = mapSegmentEvent(event, this.mappings, { multiAccounts: this.multiAccounts });
    if (items.length === 0) {
      results.push(this.skipped(origin, 'no_mapping', 'no enabled mapping matches the event'));
      return;
    }
    for (const item of items) {
      results.push('error' in item ? this.invalid(origin, item.mapping, item.error) : await this.apply(item, origin));
    }
  }

  /** Claims the item's dedupe key, applies it, and completes or releases the key. */
  private async apply(item: InboundItem, origin: ItemOrigin): Promise<SegmentInboundItemResult> {
    const { payload } = item;
    const action = item.kind === 'loyaltyEvent' ? item.payload.action : 'profile';
    // Built by assignment rather than conditional spreads (this runs once per item); the key order
    // is the answer's: index, messageId, mapping, action, customerId, status, eventId.
    const base = { index: origin.index } as SegmentInboundItemResult;
    if (origin.messageId !== undefined) base.messageId = origin.messageId;
    base.mapping = item.mapping;
    base.action = action;
    base.customerId = payload.customer;
    base.status = 'success';
    const key = `${CONNECTOR}:${origin.identifier}:${item.mapping}`;
    const now = this.now();
    let claimed: boolean;
    try {
      claimed = await this.dedupe.claim(key, this.dedupeTtlMs, now);
      if (!claimed) {
        const prior = await this.dedupe.result(key, now);
        if (prior !== undefined) {
          return this.record(origin, { ...base, status: 'duplicate', ...(prior ? { eventId: prior } : {}) }, 'skipped');
        }
        return this.record(origin, { ...base, status: 'failed', reason: 'in_progress', error: { message: 'an earlier delivery of this item is still being applied' } }, 'failed');
      }
    } catch (error) {
      return this.record(origin, { ...base, status: 'failed', reason: 'dedupe_unavailable', error: { message: `dedupe store failed: ${messageOf(error)}` } }, 'failed');
    }

    let eventId: string | undefined;
    try {
      const idempotencyKey = stableId(CONNECTOR, origin.identifier, item.mapping);
      if (item.kind === 'loyaltyEvent') {
        const input: RegisterEventInput = { customerId: payload.customer, action, data: payload.data } as RegisterEventInput;
        if (payload.account !== undefined) input.account = payload.account;
        if (item.payload.timestamp !== undefined) input.timestamp = item.payload.timestamp;
        input.idempotencyKey = idempotencyKey;
        const registered = await this.engine.registerEvent(input);
        eventId = registered?.eventId === undefined ? undefined : String(registered.eventId);
      } else {
        const input: UpdateProfileInput = { customerId: payload.customer, attributes: payload.data } as UpdateProfileInput;
        if (payload.account !== undefined) input.account = payload.account;
        input.idempotencyKey = idempotencyKey;
        await this.engine.updateProfile(input);
      }
    } catch (error) {
      await this.dedupe.release(key).catch(() => undefined);
      if (error instanceof EngineRefusal) {
        return this.record(origin, { ...base, status: 'refused', reason: error.reason, error: { message: error.message } }, 'failed');
      }
      return this.record(origin, { ...base, status: 'failed', reason: 'engine_unavailable', error: { message: `loyalty engine failed: ${messageOf(error)}` } }, 'failed');
    }

    // The item is applied: whatever the store says now, it must not be answered as a failure.
    await this.dedupe.complete(key, eventId ?? '', this.dedupeTtlMs, this.now()).catch(() => undefined);
    if (eventId !== undefined) base.eventId = eventId;
    return this.record(origin, base, 'success');
  }

  private invalid(origin: ItemOrigin, mapping: string | undefined, error: ValidationError): SegmentInboundItemResult {
    const path = [origin.at, error.path === '(event)' ? '' : error.path].filter(Boolean).join('.').replace('.[', '[') || '(body)';
    const message = origin.at ? `${origin.at}: ${error.message}` : error.message;
    const result: SegmentInboundItemResult = {
      index: origin.index,
      ...(origin.messageId === undefined ? {} : { messageId: origin.messageId }),
      ...(mapping === undefined ? {} : { mapping }),
      status: 'invalid',
      error: { path, message },
    };
    return this.record(origin, result, 'failed');
  }

  private skipped(origin: ItemOrigin, reason: string, message: string): SegmentInboundItemResult {
    const result: SegmentInboundItemResult = {
      index: origin.index,
      ...(origin.messageId === undefined ? {} : { messageId: origin.messageId }),
      status: 'skipped',
      reason,
    };
    this.logger.write({
      kind: 'inbound',
      connector: CONNECTOR,
      status: 'skipped',
      identifier: origin.identifier,
      error: message,
      requestBody: origin.requestBody,
      responseBody: JSON.stringify(result),
    });
    return result;
  }

  private record(origin: ItemOrigin, result: SegmentInboundItemResult, status: 'success' | 'failed' | 'skipped'): SegmentInboundItemResult {
    // Built by assignment rather than conditional spreads: this runs once per item.
    const record: Omit<InboundLogRecord, 'id' | 'timestamp'> = {
      kind: 'inbound',
      connector: CONNECTOR,
      status,
      identifier: origin.identifier,
      requestBody: origin.requestBody,
      responseBody: JSON.stringify(result),
    };
    if (result.customerId !== undefined) record.customerId = result.customerId;
    if (result.action !== undefined) record.action = result.action;
    if (result.eventId !== undefined) record.eventId = result.eventId;
    if (result.error !== undefined) record.error = result.error.message;
    this.logger.write(record);
    return result;
  }
}

function headerLookup(headers: SegmentInboundRequest['headers']): SegmentHeaderLookup {
  if (!headers) return () => undefined;
  if (typeof Headers !== 'undefined' && headers instanceof Headers) return (name) => headers.get(name) ?? undefined;
  const lower = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) lower.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value);
  }
  return (name) => lower.get(name);
}

/**
 * Each event's text as received, when the events are the body's array elements themselves (not
 * copies merged with a batch-level `context` or `integrations`).
 */
function rawSlicesOf(body: unknown, raw: string, shape: 'single' | 'array' | 'batch', events: unknown[]): string[] | undefined {
  if (shape === 'array') return events === body ? rawEventSlices(raw, 'array', events.length) : undefined;
  if (shape === 'batch') return events === (body as { batch?: unknown }).batch ? rawEventSlices(raw, 'batch', events.length) : undefined;
  return undefined;
}

/** `JSON.stringify`, or `undefined` for a value nested too deeply to serialise (it throws a RangeError). */
function serialise(value: unknown): string | undefined {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch {
    return undefined;
  }
}

function tooDeepEvent(): ValidationError {
  return new ValidationError({ path: '(event)', expected: 'an event nested less deeply', received: 'a value too deeply nested to serialise' });
}

function tooDeep(path: string): InboundError {
  return new InboundError(400, 'invalid_body', `${path}: the body is nested too deeply to process`);
}

function notAllowed(method: string): InboundError {
  return new InboundError(405, 'method_not_allowed', `expected POST, received ${method}`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

