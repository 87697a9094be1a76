import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { TransportTimeoutError, type Transport } from './transport.js';

/** Options of {@link nodeHttpTransport}. */
export interface NodeHttpTransportOptions {
  /**
   * Most sockets per host; the delivery core's `concurrency` bounds requests in flight anyway.
   * @default 64
   */
  maxSockets?: number;
}

/** A parsed request URL. */
interface Target {
  secure: boolean;
  options: ReturnType<typeof urlToHttpOptions>;
}

/**
 * A {@link Transport} on Node's own `http`/`https` modules with keep-alive agents: the same
 * contract as {@link kyTransport} (every HTTP status resolves, a timeout rejects with
 * {@link TransportTimeoutError}, nothing is retried), at a fraction of the CPU per request. Worth it
 * for high-volume batch senders; `timeoutMs` covers the whole exchange, body included.
 * Responses are read as sent (no `accept-encoding` is requested).
 */
export function nodeHttpTransport(options: NodeHttpTransportOptions = {}): Transport {
  const maxSockets = options.maxSockets ?? 64;
  const http = new HttpAgent({ keepAlive: true, maxSockets });
  const https = new HttpsAgent({ keepAlive: true, maxSockets });
  // A connector posts to one or two URLs: each is parsed once.
  const targets = new Map<string, Target>();
  return (request) =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      let target = targets.get(request.url);
      if (target === undefined) {
        const url = new URL(request.url);
        if (targets.size >= 64) targets.clear();
        target = { secure: url.protocol === 'https:', options: urlToHttpOptions(url) };
        targets.set(request.url, target);
      }
      const { secure } = target;
      // The body goes out as the string it is (Node writes it with the head, no Buffer copy).
      const body = request.body;
      const headers: Record<string, string | number> = { ...request.headers };
      if (body !== undefined) headers['content-length'] = Buffer.byteLength(body, 'utf8');
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const onResponse = (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => finish(() => reject(error)));
        response.on('end', () => {
          const flat: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          finish(() =>
            resolve({
              status: response.statusCode ?? 0,
              headers: flat,
              body: Buffer.concat(chunks).toString('utf8'),
              durationMs: Math.round((performance.now() - started) * 100) / 100,
            }),
          );
        });
      };
      const outgoing = (secure ? httpsRequest : httpRequest)(
        { ...target.options, method: request.method, headers, agent: secure ? https : http },
        onResponse,
      );
      const timer = setTimeout(() => {
        const error = new TransportTimeoutError(request.timeoutMs);
        finish(() => reject(error));
        outgoing.destroy(error);
      }, request.timeoutMs);
      outgoing.on('error', (error) => finish(() => reject(error)));
      if (body === undefined) outgoing.end();
      else outgoing.end(body, 'utf8');
    });
}
