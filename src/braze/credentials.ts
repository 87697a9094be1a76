import { AuthenticationError, DeliveryError } from '../core/errors.js';
import { RetryPolicy } from '../core/retry.js';
import { TransportTimeoutError, type Transport, type TransportResponse } from '../core/transport.js';
import { brazeEventListResponseSchema } from './schemas.js';

/** What {@link checkBrazeCredentials} needs. */
export interface BrazeCredentialCheck {
  /** Base REST URL, without a trailing slash. */
  instanceUrl: string;
  /** REST API key. */
  apiKey: string;
  /** How the request is sent. */
  transport: Transport;
  /** Request timeout in milliseconds. */
  timeoutMs: number;
}

/** Braze's error text, when the body carries one (`{"message": …}`), for error messages. */
function brazeMessage(body: string): string {
  try {
    const message = (JSON.parse(body) as { message?: unknown }).message;
    return typeof message === 'string' && message.trim() !== '' ? ` (Braze: "${message.slice(0, 200)}")` : '';
  } catch {
    return '';
  }
}

function responseOf(response: TransportResponse) {
  return { status: response.status, headers: response.headers, body: response.body };
}

/**
 * Checks a REST API key with `GET /events/list?page=0`: read-only, no data points, but it needs the
 * `events.list` permission and draws on a 1,000-per-hour budget. Returns the first page of custom
 * event names.
 *
 * @throws {@link AuthenticationError} on 401 (wrong, inactive or missing key, or a key of another
 * Braze instance) and on 403 (the key lacks `events.list`, or the plan or account refuses).
 * @throws {@link DeliveryError} when Braze cannot be reached, answers with another status, or
 * answers 2xx with something other than an event list (a URL that is not the REST endpoint).
 */
export async function checkBrazeCredentials(check: BrazeCredentialCheck): Promise<string[]> {
  const url = `${check.instanceUrl}/events/list?page=0`;
  let response: TransportResponse;
  try {
    response = await check.transport({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${check.apiKey}`, accept: 'application/json' },
      timeoutMs: check.timeoutMs,
    });
  } catch (error) {
    const timedOut = error instanceof TransportTimeoutError;
    throw new DeliveryError(
      timedOut
        ? `Braze did not answer GET /events/list within ${check.timeoutMs} ms at ${check.instanceUrl}`
        : `could not reach Braze at ${check.instanceUrl}: ${error instanceof Error ? error.message : String(error)}`,
      { status: 0, retryable: true, cause: error },
    );
  }
  const { status } = response;
  if (status === 401) {
    throw new AuthenticationError(
      `Braze refused the REST API key (401)${brazeMessage(response.body)}: either the key is wrong, inactive or missing, ` +
        `or it belongs to another Braze instance than ${check.instanceUrl} (keys work only on their own instance's REST endpoint; ` +
        'see Settings › APIs and Identifiers)',
      { status },
    );
  }
  if (status === 403) {
    throw new AuthenticationError(
      `Braze accepted the REST API key but refused GET /events/list (403)${brazeMessage(response.body)}: the key lacks the ` +
        "'events.list' permission (a BrazeSync key needs users.track and events.list), or the plan or account does not allow the call. " +
        'Permissions cannot be edited after a key is created: create a new key with them.',
      { status },
    );
  }
  if (status < 200 || status >= 300) {
    throw new DeliveryError(`Braze answered GET /events/list with HTTP ${status}${brazeMessage(response.body)}`, {
      status,
      retryable: new RetryPolicy().classifyStatus(status) === 'retry',
      response: responseOf(response),
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    json = undefined;
  }
  const parsed = brazeEventListResponseSchema.safeParse(json);
  if (!parsed.success) {
    throw new DeliveryError(
      `Braze answered GET /events/list with HTTP ${status} but no event list: is ${check.instanceUrl} the REST endpoint of your instance (e.g. https://rest.iad-01.braze.com), not the dashboard?`,
      { status, retryable: false, response: responseOf(response) },
    );
  }
  return parsed.data.events;
}
