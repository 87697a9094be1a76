import { redactText } from './redact.js';

/** Machine-readable error codes carried by every {@link LoyaltyCdpError}. */
export type LoyaltyCdpErrorCode =
  | 'configuration'
  | 'validation'
  | 'authentication'
  | 'delivery'
  | 'disconnected'
  | 'engine'
  | 'inbound';

/**
 * Base class of every error the SDK throws. Messages are redacted: they never contain a
 * configured secret, an `Authorization` header or an `api_key`.
 */
export class LoyaltyCdpError extends Error {
  /** Stable machine-readable code. */
  readonly code: LoyaltyCdpErrorCode;

  constructor(code: LoyaltyCdpErrorCode, message: string, options?: { cause?: unknown }) {
    super(redactText(message), options);
    this.name = new.target.name;
    this.code = code;
  }

  /** True for any error thrown by this SDK, also across realms or duplicate installs. */
  static is(error: unknown): error is LoyaltyCdpError {
    return error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && 'isLoyaltyCdpError' in error;
  }

  /** Marker used by {@link LoyaltyCdpError.is}. */
  get isLoyaltyCdpError(): true {
    return true;
  }
}

/**
 * Thrown by a constructor (or `configure()`) when its options are invalid: a missing option, a value
 * of the wrong type, a trigger that does not parse, a reserved name. `option` names the offending
 * option path, e.g. `outbound.apiKey`.
 */
export class ConfigurationError extends LoyaltyCdpError {
  /** Dotted path of the offending option, when known. */
  readonly option: string | undefined;

  constructor(message: string, options?: { option?: string; cause?: unknown }) {
    super('configuration', message, options);
    this.option = options?.option;
  }
}

/**
 * Thrown when data handed to the SDK (a customer, an event, an inbound payload) cannot be mapped or
 * would be dropped by the destination: a missing customer ID, an oversize message, a value of the
 * wrong type. Nothing already accepted is lost when it is thrown.
 */
export class ValidationError extends LoyaltyCdpError {
  /** Dotted path of the offending field, e.g. `event.data.items[0].price`. */
  readonly path: string;
  /** What was expected, in words. */
  readonly expected: string;
  /** A short description of what was received (never the raw value of a secret). */
  readonly received: string;

  constructor(details: { path: string; expected: string; received: string; message?: string }) {
    super(
      'validation',
      details.message ?? `${details.path}: expected ${details.expected}, received ${details.received}`,
    );
    this.path = details.path;
    this.expected = details.expected;
    this.received = details.received;
  }
}

/**
 * Thrown when a destination rejects the credentials (HTTP 401/403), or an inbound request carries
 * wrong or missing credentials.
 */
export class AuthenticationError extends LoyaltyCdpError {
  /** The HTTP status that revealed the problem, when there was one. */
  readonly status: number | undefined;

  constructor(message: string, options?: { status?: number; cause?: unknown }) {
    super('authentication', message, options);
    this.status = options?.status;
  }
}

/** The part of an HTTP response a {@link DeliveryError} keeps (body redacted and truncated). */
export interface DeliveryErrorResponse {
  /** HTTP status code. */
  status: number;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
  /** Response body text, redacted and truncated to 2,000 characters. */
  body: string;
}

/**
 * A delivery attempt failed: the destination answered with a non-success status, or the request
 * never got an answer (`status` is 0 then, and `cause` holds the network error or timeout).
 */
export class DeliveryError extends LoyaltyCdpError {
  /** HTTP status, 0 when there was no response. */
  readonly status: number;
  /** Whether the core's retry policy would try again. */
  readonly retryable: boolean;
  /** The response, when there was one. */
  readonly response: DeliveryErrorResponse | undefined;

  constructor(
    message: string,
    details: { status: number; retryable: boolean; response?: DeliveryErrorResponse; cause?: unknown },
  ) {
    super('delivery', message, { cause: details.cause });
    this.status = details.status;
    this.retryable = details.retryable;
    this.response = details.response
      ? { ...details.response, body: redactText(details.response.body).slice(0, 2000) }
      : undefined;
  }
}

/** Thrown by a connector that was disconnected or closed, until it is configured again. */
export class DisconnectedError extends LoyaltyCdpError {
  constructor(message: string) {
    super('disconnected', message);
  }
}
