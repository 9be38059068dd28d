import { DatabaseTimeoutError } from './unavailable.js';

/**
 * How much longer than the session's statement timeout the client waits for a statement's answer. The server's own
 * cancel comes first whenever the server is there (the connection stays usable then); only a server that cannot
 * answer at all — partitioned away, frozen — reaches the client-side bound, and that connection is destroyed.
 */
export const CLIENT_TIMEOUT_MARGIN_MS = 1000;

/**
 * The client-side bound of one statement on a connection whose session statement timeout is `sessionTimeoutMs`
 * (`0`: lifted, as for migrations and lock waits — then only TCP keep-alive and the request deadline bound it).
 */
export function clientStatementTimeoutMs(sessionTimeoutMs: number): number | undefined {
  return sessionTimeoutMs > 0 ? sessionTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS : undefined;
}

/**
 * How long a connection may sit idle before TCP keep-alive probes it: a server that vanished without a word (power
 * loss, partition) is then noticed on idle connections too, not only by the next statement's timeout.
 */
export const KEEP_ALIVE_INITIAL_DELAY_MS = 10_000;

/**
 * Settles like `work`, or rejects with a {@link DatabaseTimeoutError} saying `what` after `ms`. `work` runs on (its
 * own bounds end it); its late failure is swallowed here, since the caller has already been answered.
 */
export function settleWithin<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DatabaseTimeoutError(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
