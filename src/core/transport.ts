import ky from 'ky';

/** One HTTP request as the delivery core hands it to a {@link Transport}. */
export interface TransportRequest {
  /** HTTP method. */
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute URL. */
  url: string;
  /** Request headers. */
  headers: Record<string, string>;
  /** Request body text (JSON for every vendor here). */
  body?: string;
  /** Give up after this many milliseconds and throw a {@link TransportTimeoutError}. */
  timeoutMs: number;
}

/** What a {@link Transport} returns for any HTTP answer, success or not. */
export interface TransportResponse {
  /** HTTP status code. */
  status: number;
  /** Response headers with lower-case names. */
  headers: Record<string, string>;
  /** Response body text. */
  body: string;
  /** Milliseconds from sending the request to reading the whole body. */
  durationMs: number;
}

/**
 * Sends one HTTP request. It resolves with the response for every HTTP status, and rejects only
 * when no response arrived: with a {@link TransportTimeoutError} on timeout, with any other error
 * for network failures. It must not retry; the delivery core owns retries.
 */
export type Transport = (request: TransportRequest) => Promise<TransportResponse>;

/**
 * The request timed out. The request may have reached the destination, so the outcome is unknown
 * (an "ambiguous" failure).
 */
export class TransportTimeoutError extends Error {
  constructor(timeoutMs: number, options?: { cause?: unknown }) {
    super(`request timed out after ${timeoutMs} ms`, options);
    this.name = 'TransportTimeoutError';
  }
}

/**
 * The default {@link Transport}: ky over the platform's fetch, with ky's own retries off (the core
 * owns retries), HTTP errors returned rather than thrown, a timeout, and keep-alive connections
 * (Node's fetch pools and reuses them).
 */
export function kyTransport(): Transport {
  const client = ky.create({ retry: 0, throwHttpErrors: false });
  return async (request) => {
    const started = performance.now();
    let response: Response;
    try {
      response = await client(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        timeout: request.timeoutMs,
      });
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw new TransportTimeoutError(request.timeoutMs, { cause: error });
      }
      throw error;
    }
    const body = await response.text();
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers.entries()),
      body,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    };
  };
}
