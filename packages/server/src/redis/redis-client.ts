import { createRequire } from 'node:module';
import type { Redis, RedisOptions } from 'ioredis';
import { redactUrl, withRedactedView } from '../config/redacted-view.js';
import { silentLogger, type LogMethod, type Logger } from '../logger.js';

/** Options of {@link createRedisClient}. */
export interface RedisClientOptions {
  /**
   * Put in front of every key (e.g. `prod-a:`), so several deployments can share one Redis. The pub/sub channels of
   * `RevocationBus` and `LoginWait` carry it too.
   */
  keyPrefix?: string;
  /** Where the connection's outages are reported (once per outage, never the URL's password). */
  logger?: Logger;
  /**
   * The setting the URL came from (`WXLOGIN_REDIS_URL`), named in the outage log: an operator reading "Redis
   * unreachable" must know which setting to check.
   */
  setting?: string;
  /** TCP/TLS connect budget, ms (default 1000); the handshake after it is bounded by the command timeout. */
  connectTimeoutMs?: number;
  /** Budget of one command on a live connection, ms (default 500): a hung Redis must not hang a login. */
  commandTimeoutMs?: number;
  /** Longest pause between reconnection attempts, ms (default 2000). */
  maxReconnectDelayMs?: number;
}

// Loaded when the first client is made: a deployment without Redis never pays for ioredis at start (~90 ms, measured).
const require = createRequire(import.meta.url);
let RedisClass: typeof Redis | undefined;
const loadRedis = (): typeof Redis => (RedisClass ??= (require('ioredis') as typeof import('ioredis')).Redis);

/** What `/readyz` shows for Redis: informational only, never a reason to fail readiness. */
export type RedisState = 'ok' | 'unreachable';

const DEFAULT_CONNECT_TIMEOUT_MS = 1000;
const DEFAULT_COMMAND_TIMEOUT_MS = 500;
const DEFAULT_MAX_RECONNECT_DELAY_MS = 2000;
const FIRST_RECONNECT_DELAY_MS = 50;

/**
 * An ioredis client set up for a login service: commands fail at once while Redis is down (no offline queue, no
 * retries, short timeouts) so callers fall back to their per-process paths instead of waiting; the connection is
 * retried forever with a capped backoff so recovery needs no restart. Connecting starts in the background:
 * construction never throws for an unreachable Redis (only for a URL that is not `redis://` / `rediss://`).
 * Close it with {@link closeRedisClient}.
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  if (!/^rediss?:\/\//i.test(url)) {
    throw new TypeError(`Redis URL must start with redis:// or rediss:// (got ${redactUrl(url)})`);
  }
  const maxDelay = options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS;
  const redisOptions: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    // In-flight commands of a dropped connection fail at once rather than being resent later: a resent INCR or
    // SET NX could count twice or take a lock nobody waits for.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(FIRST_RECONNECT_DELAY_MS * 2 ** Math.min(attempt - 1, 10), maxDelay),
    // A failed-over primary turns into a replica: reconnect so DNS points us at the new primary.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
    connectionName: 'wxlogin',
    // ioredis waits 2 s by default before giving up a client closed mid-reconnect: that delays every shutdown
    // while Redis is down.
    disconnectTimeout: 200,
    ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
  };
  const client = new (loadRedis())(url, redisOptions);
  hideConnectionSecrets(client);
  watchConnection(client, options.logger ?? silentLogger, options.setting);
  routeConsoleNotices(client, options.logger ?? silentLogger);
  client.connect().catch(() => undefined);
  return client;
}

/**
 * A second connection with the same settings, for pub/sub (a subscribed connection can run nothing else). Watched
 * and connecting like the original; its outages are logged at debug level, since the original already reports the
 * same outage as a warning.
 */
export function duplicateRedisClient(client: Redis, logger: Logger, overrides: Partial<RedisOptions> = {}): Redis {
  const copy = client.duplicate({ ...overrides, lazyConnect: true });
  hideConnectionSecrets(copy);
  const quiet: LogMethod = (obj, msg) => logger.debug(obj, msg);
  const quietLogger: Logger = { debug: quiet, info: quiet, warn: quiet, error: (obj, msg) => logger.error(obj, msg) };
  watchConnection(copy, quietLogger);
  routeConsoleNotices(copy, quietLogger);
  copy.connect().catch(() => undefined);
  return copy;
}

/** `ok` while the connection is ready for commands, else `unreachable` (connecting, reconnecting, closed). */
export function redisState(client: Redis): RedisState {
  return client.status === 'ready' ? 'ok' : 'unreachable';
}

/**
 * Resolves true once the client is ready (at once if it is), false after `timeoutMs`. Never rejects: a start-up may
 * wait briefly for Redis and carry on without it.
 */
export function waitForRedisReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const onReady = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    client.once('ready', onReady);
  });
}

/**
 * Closes the connection: a polite QUIT when connected, else at once; resolves once it has ended (bounded by the
 * command timeout). Safe to call twice.
 */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'reconnecting') {
    // Between attempts there is no socket: cancelling the next attempt is the whole close (ioredis then leaves the
    // status at `reconnecting` and never emits `end`).
    client.disconnect(false);
    return;
  }
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  const bound = client.options.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, bound);
  });
  try {
    if (client.status === 'ready') {
      // QUIT may time out or lose its connection meanwhile: then cut it below.
      await client.quit().catch(() => undefined);
    }
    // Re-read: QUIT may have ended it meanwhile (TypeScript still narrows the status from above).
    if ((client.status as string) !== 'end') client.disconnect(false);
    await Promise.race([ended, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `host:port` (or the socket path): enough to say which Redis, and free of credentials by construction. */
export function redisEndpoint(client: Redis): string {
  const { path, host, port, db } = client.options;
  const where = path ?? `${host ?? '127.0.0.1'}:${port ?? 6379}`;
  return db ? `${where}/${db}` : where;
}

// ioredis keeps the password in `client.options`: make a logged or inspected client show only where it points.
function hideConnectionSecrets(client: Redis): void {
  withRedactedView(client, () => ({ redis: redisEndpoint(client), status: client.status }));
}

/**
 * Logs the start of an outage once (however many reconnection attempts fail) and its end once. Also the one
 * `error` listener ioredis requires, without which it prints every failed attempt to the console.
 */
function watchConnection(client: Redis, logger: Logger, setting?: string): void {
  let down = false;
  let everReady = false;
  const endpoint = redisEndpoint(client);
  const named = setting === undefined ? {} : { setting };
  const outage = (reason: string): void => {
    if (down) return;
    down = true;
    const what = everReady
      ? 'Redis connection lost; using per-process fallbacks until it returns'
      : 'Redis unreachable; using per-process fallbacks until it connects';
    logger.warn({ redis: endpoint, ...named, reason }, setting === undefined ? what : `${what} (${setting})`);
  };
  client.on('error', (error: unknown) => outage(describeError(error)));
  client.on('reconnecting', () => outage('connection closed'));
  client.on('ready', () => {
    if (down) logger.info({ redis: endpoint }, 'Redis connection restored');
    down = false;
    everReady = true;
  });
}

/** A console notice of ioredis, recognised by the error reply that triggers it. */
interface ConsoleNotice {
  /** The reply's text, as ioredis tests it. */
  reply: string;
  level: 'warn' | 'error';
  message: string;
}

// ioredis 5 prints these with console.warn, outside the JSON log, on every (re)connection: during an outage with
// reconnection attempts that is a stream of unstructured lines. Each is logged here once per client instead.
const AUTH_NOTICES: readonly ConsoleNotice[] = [
  {
    reply: 'no password is set',
    level: 'warn',
    message: 'Redis needs no password, but the Redis URL carries one; it is ignored',
  },
  {
    reply: 'without any password configured for the default user',
    level: 'warn',
    message: 'Redis needs no password, but the Redis URL carries one; it is ignored',
  },
  {
    reply: "wrong number of arguments for 'auth' command",
    level: 'error',
    message: 'Redis 5 or older refused AUTH with a username: put only the password in the Redis URL',
  },
];
const READY_CHECK_NOTICE: ConsoleNotice = {
  reply: 'NOPERM',
  level: 'warn',
  message: 'the Redis user may not run INFO: connecting without checking that Redis has finished loading',
};

type Callback = (error: unknown, result?: unknown) => void;

/**
 * Catches, at their error reply, the connection notices ioredis would print with `console.warn` (an AUTH the server
 * did not need, Redis 5's AUTH without username, a ready check refused by ACL) and logs each through `logger` once
 * per client. The reply then reads as ioredis treats it anyway (it goes on connecting): `OK`, or an empty INFO.
 * Only ioredis' own calls pass a callback; commands issued as promises are untouched.
 */
function routeConsoleNotices(client: Redis, logger: Logger): void {
  const endpoint = redisEndpoint(client);
  const reported = new Set<ConsoleNotice>();
  const intercept = (method: 'auth' | 'info', notices: readonly ConsoleNotice[], substitute: unknown): void => {
    const target = client as unknown as Record<typeof method, (...args: unknown[]) => unknown>;
    const original = target[method].bind(client);
    target[method] = (...args: unknown[]) => {
      const callback = args.at(-1);
      if (typeof callback !== 'function') return original(...args);
      const replied: Callback = (error, result) => {
        const text = error instanceof Error ? error.message : '';
        const notice = notices.find((n) => text.includes(n.reply));
        if (notice === undefined) return (callback as Callback)(error, result);
        if (!reported.has(notice)) {
          reported.add(notice);
          logger[notice.level]({ redis: endpoint }, notice.message);
        }
        return (callback as Callback)(null, substitute);
      };
      return original(...args.slice(0, -1), replied);
    };
  };
  intercept('auth', AUTH_NOTICES, 'OK');
  intercept('info', [READY_CHECK_NOTICE], '');
}

/** The error's code or message only: never an attached command (its arguments may be tokens). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const code = (error as { code?: unknown }).code;
  let text = error.message;
  if (typeof code === 'string' && code !== '' && !text.includes(code)) text = `${code}: ${text}`;
  return redactUrl(text).slice(0, 200);
}
