import type { ServerOptions } from 'node:http';

/** The HTTP timeouts of the configuration (`WXLOGIN_REQUEST_TIMEOUT_MS`, …), in milliseconds. */
export interface HttpTimeouts {
  /** The whole request (headers and body) must arrive within this. */
  requestTimeoutMs: number;
  /** The request headers must arrive within this. */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
}

/** The Fastify options that carry {@link HttpTimeouts} into Node's HTTP server. */
export interface HttpTimeoutOptions {
  /** Fastify's copy of the request deadline (it overwrites the server's with its own, else 0: off). */
  requestTimeout: number;
  /** Fastify's copy of the keep-alive idle time (it overwrites the server's likewise). */
  keepAliveTimeout: number;
  /** What Fastify hands to `http.createServer`. */
  http: ServerOptions;
}

// Node checks the request and headers deadlines only on a periodic sweep (30 s by default), so a deadline can be
// overrun by a whole interval: sweep about ten times per deadline, and at least every second.
const MIN_CHECK_INTERVAL_MS = 100;
const MAX_CHECK_INTERVAL_MS = 1000;

/**
 * Fastify options under which a client that trickles its headers or body (slowloris) is cut with `408` within its
 * deadline plus at most a second, and an idle keep-alive connection is closed after `keepAliveTimeoutMs`.
 *
 * Both Fastify's own `requestTimeout` / `keepAliveTimeout` and `http` are set: Fastify assigns the former onto the
 * server after creating it (its defaults would switch the request deadline off), and only the options handed to
 * `http.createServer` reach `headersTimeout` and `connectionsCheckingInterval`.
 */
export function httpTimeoutOptions(timeouts: HttpTimeouts): HttpTimeoutOptions {
  const { requestTimeoutMs, keepAliveTimeoutMs } = timeouts;
  // Node refuses a headers deadline past the whole-request one; the request deadline bounds the headers anyway.
  const headersTimeoutMs = Math.min(timeouts.headersTimeoutMs, requestTimeoutMs);
  const connectionsCheckingInterval = Math.min(
    MAX_CHECK_INTERVAL_MS,
    Math.max(MIN_CHECK_INTERVAL_MS, Math.floor(headersTimeoutMs / 10)),
  );
  return {
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: headersTimeoutMs,
      keepAliveTimeout: keepAliveTimeoutMs,
      connectionsCheckingInterval,
    },
  };
}
