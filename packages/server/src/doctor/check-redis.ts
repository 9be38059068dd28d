import type { Logger } from '../logger.js';
import type { Redis } from 'ioredis';
import { closeRedisClient, createRedisClient } from '../redis/redis-client.js';
import type { CheckResult } from './check-result.js';
import { describeRedis } from '../config/describe-targets.js';
import { withinDeadline } from './within-deadline.js';

const CONNECT_WAIT_MS = 3000;
const PINGS = 3;
// Every login makes a few Redis round trips, and a command is given up after 500 ms (redis-client.ts).
const SLOW_ROUND_TRIP_MS = 100;

/** Connects to `WXLOGIN_REDIS_URL` (when set) and measures a PING's round trip; writes nothing. */
export function checkRedis(redisUrl: string | undefined, timeoutMs: number): Promise<CheckResult> {
  if (redisUrl === undefined) {
    return Promise.resolve({
      check: 'redis',
      status: 'ok',
      summary: 'not configured: fine for one instance; several instances need WXLOGIN_REDIS_URL to share state',
      data: { configured: false },
    });
  }
  const target = describeRedis(redisUrl);
  const unreachable = (reason: string): CheckResult => ({
    check: 'redis',
    status: 'fail',
    summary: `cannot reach Redis at ${target}: ${reason}`,
    next: `check WXLOGIN_REDIS_URL (${target}): is Redis running there, is the password right, may this machine connect? Without it the service runs on per-process fallbacks (token cache, rate limits, revocations not shared between instances)`,
    data: { configured: true, target },
  });
  return withinDeadline(
    () => pingRedis(redisUrl, target, unreachable),
    timeoutMs,
    (seconds) => unreachable(`no answer within ${seconds} s`),
    unreachable,
  );
}

async function pingRedis(
  url: string,
  target: string,
  unreachable: (reason: string) => CheckResult,
): Promise<CheckResult> {
  let reason: string | undefined;
  let settle: (ready: boolean) => void = () => {};
  // The client reports why it could not connect through its logger (once per outage), never the URL's password;
  // the first failed attempt answers the check (the client would go on retrying).
  const capture = (obj: object): void => {
    const said = (obj as { reason?: unknown }).reason;
    if (reason === undefined && typeof said === 'string') reason = said;
    settle(false);
  };
  const logger: Logger = { debug: () => {}, info: () => {}, warn: capture, error: capture };
  const client = createRedisClient(url, { logger, connectTimeoutMs: 2000, commandTimeoutMs: 1000 });
  try {
    if (!(await connected(client, (fn) => (settle = fn)))) {
      return unreachable(reason ?? `not ready within ${CONNECT_WAIT_MS / 1000} s`);
    }
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < PINGS; i += 1) {
      const started = performance.now();
      await client.ping();
      best = Math.min(best, performance.now() - started);
    }
    const roundTripMs = Math.round(best * 100) / 100;
    const data = { configured: true, target, roundTripMs };
    if (roundTripMs > SLOW_ROUND_TRIP_MS) {
      return {
        check: 'redis',
        status: 'warn',
        summary: `Redis at ${target} reachable, but a PING takes ${roundTripMs} ms`,
        next: 'run Redis close to the service (same region or zone): logins wait for several round trips, and commands are given up after 500 ms',
        data,
      };
    }
    return {
      check: 'redis',
      status: 'ok',
      summary: `Redis at ${target} reachable (PING ${roundTripMs} ms, best of ${PINGS})`,
      data,
    };
  } finally {
    await closeRedisClient(client);
  }
}

/**
 * Resolves true once the client is ready, false on the first failure (`onSettle` is handed the way to say so) or after
 * CONNECT_WAIT_MS; its timer is cleared either way, so a failed check leaves nothing holding the process.
 */
function connected(client: Redis, onSettle: (settle: (ready: boolean) => void) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ready: boolean): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ready);
    };
    const onReady = (): void => done(true);
    const timer = setTimeout(() => done(false), CONNECT_WAIT_MS);
    client.once('ready', onReady);
    onSettle(done);
    if (client.status === 'ready') done(true);
  });
}
