// One request-handling path for both ways in: a web `Request` (`fetch`) and a request
// `toNodeListener` already buffered (its NODE_FAST_PATH, which skips building web objects).
import { randomId } from '../../core/ids.js';
import { InboundError, readBodyText, readBufferedBodyText, type ErrorBody } from '../../core/inbound.js';
import type { Logger } from '../../core/logs.js';
import type { BufferedRequest } from '../../core/node-adapter.js';

/** What a handler answers: a status and a JSON body. */
export interface Answer {
  status: number;
  body: unknown;
}

/** The parts of an incoming request the handler reads. */
export interface IncomingView {
  method: string;
  header(name: string): string | undefined;
  /** The body as text, under the shared guards (413, 415). */
  text(maxBodyBytes: number): Promise<string> | string;
}

/** Per-request state, as `handleInbound` keeps it. */
export interface GuardState {
  receivedAt: number;
  requestId: string | undefined;
  raw?: string;
}

/** A web `Request` as an {@link IncomingView}. */
export function webView(request: Request): IncomingView {
  return {
    method: request.method,
    header: (name) => request.headers.get(name) ?? undefined,
    text: (maxBodyBytes) => readBodyText(request, { maxBodyBytes }),
  };
}

/** A request buffered by `toNodeListener` as an {@link IncomingView}. */
export function bufferedView(request: BufferedRequest): IncomingView {
  const header = (name: string): string | undefined => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  return {
    method: request.method,
    header,
    text: (maxBodyBytes) => readBufferedBodyText(request.body, header('content-type'), { maxBodyBytes }),
  };
}

/**
 * Runs `work` so that no input can escape as an exception, like the core's `handleInbound`: an
 * {@link InboundError} becomes its JSON error answer, anything else a 500 `internal_error`; both
 * are written to the incoming-error log with the request time and the (authenticated) payload.
 */
export async function guardInbound(
  context: { connector: string; logger: Logger; now: () => number },
  view: IncomingView,
  work: (state: GuardState) => Promise<Answer>,
): Promise<Answer> {
  const state: GuardState = { receivedAt: context.now(), requestId: undefined };
  try {
    return await work(state);
  } catch (error) {
    const inbound =
      error instanceof InboundError
        ? error
        : new InboundError(500, 'internal_error', `unexpected failure: ${error instanceof Error ? error.message : String(error)}`, {
            source: 'engine-processing',
          });
    context.logger.write({
      kind: 'incoming-error',
      connector: context.connector,
      requestId: state.requestId ?? view.header('x-request-id') ?? randomId(),
      errorCode: inbound.errorCode,
      message: inbound.message,
      source: inbound.source,
      createdAt: new Date(state.receivedAt).toISOString(),
      ...(state.raw === undefined ? {} : { payload: state.raw.slice(0, 64 * 1024) }),
    });
    const body: ErrorBody = {
      error: { code: inbound.errorCode, message: inbound.message, ...(inbound.details === undefined ? {} : { details: inbound.details }) },
    };
    return { status: inbound.status, body };
  }
}
