import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { basename } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  closeRedisClient,
  createRedisClient,
  waitForRedisReady,
  type RedisClientOptions,
} from '../../src/redis/redis-client.js';
import { redactUrl } from '../../src/config/redacted-view.js';
import type { Logger } from '../../src/logger.js';
import { declareAvailability } from './unavailable.js';

/** Put in every describe name of a Redis suite: CI counts tests per backend by it. */
export const REDIS_TAG = '[redis]';

const VARIABLE = 'WXLOGIN_TEST_REDIS_URL';
const EXAMPLE = 'redis://127.0.0.1:6379';

/** The Redis the suites run against, or why they can't. */
export interface TestRedisTarget {
  url: string | undefined;
  /** Set when the suite cannot run here: then it is skipped, or, when `fail`, it fails (CI must run it). */
  unavailable?: { reason: string; fail: boolean };
}

/** `WXLOGIN_TEST_REDIS_URL`, or why the Redis suites can't run (a failure under `CI=true`, else a skip). */
export function testRedisTarget(): TestRedisTarget {
  const url = process.env[VARIABLE]?.trim() || undefined;
  if (url !== undefined) return { url };
  const ci = process.env['CI'] === 'true';
  const reason = ci
    ? `${VARIABLE} is not set, and CI=true requires the Redis suites (e.g. ${VARIABLE}=${EXAMPLE})`
    : `${VARIABLE} is not set (e.g. ${VARIABLE}=${EXAMPLE})`;
  return { url, unavailable: { reason, fail: ci } };
}

/**
 * Call at the top of a `describe` body. When Redis is not configured it declares one test that says so — skipped
 * with the reason, or failing with it under CI — and answers false: return from the body then. (An unreachable
 * Redis fails {@link openTestRedis} in `beforeAll`, with or without CI: the variable asked for it.)
 */
export function redisAvailable(target: TestRedisTarget): target is TestRedisTarget & { url: string } {
  return declareAvailability(REDIS_TAG, 'Redis', target.unavailable);
}

/** A test file's own corner of the shared Redis. */
export interface TestRedis {
  /** The server URL. */
  url: string;
  /** `wxlogin-test-<file>-<pid>:`: give it as `keyPrefix` to every client, so keys and channels are this file's. */
  prefix: string;
  /** A plain connection without prefix (keys must be spelled in full), for PTTL checks and the like. */
  admin: Redis;
  /** Deletes every key under {@link prefix} (SCAN + DEL; never FLUSHDB, the server is shared) and disconnects. */
  cleanup(): Promise<void>;
}

/** `wxlogin-test-<file>-<pid>:` for the running test file. */
function filePrefix(): string {
  const file = basename(expect.getState().testPath ?? 'test')
    .replace(/\.test\.ts$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-');
  return `wxlogin-test-${file}-${process.pid}:`;
}

/**
 * Connects the admin connection (failing with a clear message when Redis can't be reached) and picks the prefix.
 * Call in `beforeAll`, and `cleanup()` in `afterAll`.
 */
export async function openTestRedis(target: TestRedisTarget & { url: string }): Promise<TestRedis> {
  const { url } = target;
  const admin = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let connectionError: unknown;
  admin.on('error', (error: unknown) => void (connectionError ??= error));
  try {
    await admin.connect();
    await admin.ping();
  } catch (error) {
    admin.disconnect();
    const cause = connectionError ?? error;
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`${REDIS_TAG} Redis at ${redactUrl(url)} (${VARIABLE}) is unreachable: ${why}`);
  }
  const prefix = filePrefix();
  return {
    url,
    prefix,
    admin,
    async cleanup() {
      try {
        await deleteByPrefix(admin, prefix);
      } finally {
        admin.disconnect();
      }
    },
  };
}

/**
 * {@link openTestRedis} for a whole describe: opens it in `beforeAll`, and in `afterAll` closes every client made by
 * `client()` and deletes the file's keys. Its fields read through to the opened {@link TestRedis}.
 */
export function useTestRedis(
  target: TestRedisTarget & { url: string },
): TestRedis & { client(options?: RedisClientOptions & { url?: string }): Promise<Redis> } {
  let opened: TestRedis | undefined;
  const clients: Redis[] = [];
  beforeAll(async () => {
    opened = await openTestRedis(target);
  });
  afterAll(async () => {
    for (const c of clients) await closeRedisClient(c);
    await opened?.cleanup();
  });
  const get = (): TestRedis => {
    if (!opened) throw new Error('useTestRedis: read before its beforeAll ran');
    return opened;
  };
  return {
    get url() {
      return get().url;
    },
    get prefix() {
      return get().prefix;
    },
    get admin() {
      return get().admin;
    },
    cleanup: () => get().cleanup(),
    /** A wxlogin Redis client under the file's prefix (at `url`, e.g. a proxy, when given), connected. */
    async client({ url, ...options } = {}) {
      const c = createRedisClient(url ?? get().url, { keyPrefix: get().prefix, ...options });
      clients.push(c);
      expect(await waitForRedisReady(c, 3000)).toBe(true);
      return c;
    },
  };
}

/** Every key under `prefix`, spelled in full. */
export async function keysByPrefix(admin: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  // Bounded: a test file makes a handful of keys.
  for (let round = 0; round < 10_000; round += 1) {
    const [next, batch] = await admin.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 500);
    found.push(...batch);
    cursor = next;
    if (cursor === '0') break;
  }
  return found;
}

async function deleteByPrefix(admin: Redis, prefix: string): Promise<void> {
  const keys = await keysByPrefix(admin, prefix);
  for (let i = 0; i < keys.length; i += 500) await admin.del(...keys.slice(i, i + 500));
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * A loopback TCP proxy in front of the test Redis: the way to take "Redis" down and bring it back, or make it hang,
 * without touching the shared server. `url` is the test URL pointed at the proxy (credentials kept).
 */
export interface RedisProxy {
  url: string;
  /** Stops forwarding in both directions (connections stay open): Redis "hangs". */
  freeze(): void;
  /** Forwards again. */
  thaw(): void;
  /** Closes the listener and every connection: Redis is "down" (connections are refused). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

/** Starts a {@link RedisProxy} to `url`'s server. Call `stop()` when done. */
export async function startRedisProxy(url: string): Promise<RedisProxy> {
  const upstream = new URL(url);
  const upstreamHost = upstream.hostname || '127.0.0.1';
  const upstreamPort = Number(upstream.port || 6379);
  const sockets = new Set<Socket>();
  let frozen = false;
  let server: Server | undefined;
  let port = 0;

  const forward = (from: Socket, to: Socket): void => {
    from.on('data', (chunk) => {
      if (!frozen) to.write(chunk);
    });
    from.on('close', () => to.destroy());
    from.on('error', () => to.destroy());
  };
  const start = async (): Promise<void> => {
    const listener = createServer((client) => {
      const remote = connect(upstreamPort, upstreamHost);
      sockets.add(client).add(remote);
      client.on('close', () => sockets.delete(client));
      remote.on('close', () => sockets.delete(remote));
      forward(client, remote);
      forward(remote, client);
    });
    listener.listen(port, '127.0.0.1');
    await once(listener, 'listening');
    port = (listener.address() as AddressInfo).port;
    server = listener;
  };
  await start();
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);
  return {
    url: proxied.toString(),
    freeze: () => void (frozen = true),
    thaw: () => void (frozen = false),
    async stop() {
      const listener = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (listener !== undefined) await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
    start,
  };
}

/** Polls `check` every 20 ms until it holds, for at most `timeoutMs`. @returns whether it held. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; round < 10_000 && Date.now() < deadline; round += 1) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return check();
}

/** One captured log call. */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string | undefined;
}

/** A logger that keeps what it is given, and the same lines as one string (to search for leaked secrets). */
export function recordingLogger(): Logger & { lines: LogLine[]; text(): string } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    text: () => lines.map((line) => `${line.level} ${line.msg ?? ''} ${JSON.stringify(line.obj)}`).join('\n'),
  };
}
