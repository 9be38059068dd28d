import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { inspect } from 'node:util';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  closeRedisClient,
  createRedisClient,
  duplicateRedisClient,
  redisState,
  waitForRedisReady,
} from '../src/redis/redis-client.js';
import { HUNG_AFTER_TIMEOUTS } from '../src/redis/hung-connection-guard.js';
import { RedisTokenCache } from '../src/redis/redis-token-cache.js';
import {
  eventually,
  openTestRedis,
  recordingLogger,
  REDIS_TAG,
  redisAvailable,
  startRedisProxy,
  testRedisTarget,
  type RedisProxy,
  type TestRedis,
} from './helpers/redis.js';

const target = testRedisTarget();
const PASSWORD = 'hunter2-redis-password';
/** Fail fast = well under a second; generous enough for a loaded 2-core machine. */
const FAST_MS = 400;

/** Runs every TokenCache method once; answers how long each took to reject and whether all rejected. */
async function timeEveryMethod(cache: RedisTokenCache): Promise<{ slowestMs: number; allRejected: boolean }> {
  const calls: Array<() => Promise<unknown>> = [
    () => cache.get('token:wx1'),
    () => cache.set('token:wx1', 'v', 1000),
    () => cache.setIfAbsent('lock:wx1', 'v', 1000),
    () => cache.deleteIfEquals('lock:wx1', 'v'),
    () => cache.increment('forced-count:wx1:1', 1000),
  ];
  let slowestMs = 0;
  let allRejected = true;
  for (const call of calls) {
    const started = performance.now();
    const rejected = await call().then(
      () => false,
      () => true,
    );
    slowestMs = Math.max(slowestMs, performance.now() - started);
    allRejected &&= rejected;
  }
  return { slowestMs, allRejected };
}

/**
 * A loopback stand-in for a Redis whose ACL forbids INFO (as some managed services do): INFO is refused with
 * NOPERM, PING answers PONG, anything else OK. Only what the ready check needs; the real server is never touched.
 */
async function startAclRestrictedRedis(): Promise<{ port: number; commands(): string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      // Bounded: one pass per complete command in what arrived.
      for (let round = 0; round < 1000; round += 1) {
        const match = /^\*(\d+)\r\n/.exec(pending);
        if (!match) return;
        let at = match[0].length;
        const parts: string[] = [];
        for (let i = 0; i < Number(match[1]); i += 1) {
          const header = /^\$(\d+)\r\n/.exec(pending.slice(at));
          if (!header || pending.length < at + header[0].length + Number(header[1]) + 2) return;
          at += header[0].length;
          parts.push(pending.slice(at, at + Number(header[1])));
          at += Number(header[1]) + 2;
        }
        pending = pending.slice(at);
        const name = (parts[0] ?? '').toUpperCase();
        seen.push(name);
        if (name === 'INFO') socket.write("-NOPERM User default has no permissions to run the 'info' command\r\n");
        else if (name === 'PING') socket.write('+PONG\r\n');
        else socket.write('+OK\r\n');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    commands: () => [...seen],
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe(`${REDIS_TAG} createRedisClient`, () => {
  if (!redisAvailable(target)) return;

  let t: TestRedis;
  const opened: Redis[] = [];
  const proxies: RedisProxy[] = [];
  const open = (url: string, options: Parameters<typeof createRedisClient>[1] = {}): Redis => {
    const client = createRedisClient(url, { keyPrefix: t.prefix, ...options });
    opened.push(client);
    return client;
  };
  const proxy = async (): Promise<RedisProxy> => {
    const started = await startRedisProxy(t.url);
    proxies.push(started);
    return started;
  };

  beforeAll(async () => {
    t = await openTestRedis(target);
  });
  afterAll(async () => {
    await Promise.allSettled(opened.map((client) => closeRedisClient(client)));
    await Promise.allSettled(proxies.map((p) => p.stop()));
    await t?.cleanup();
  });

  it('connects in the background: construction returns at once and the client becomes ready', async () => {
    const client = open(t.url);
    expect(redisState(client)).toBe('unreachable');
    expect(await waitForRedisReady(client, 3000)).toBe(true);
    expect(redisState(client)).toBe('ok');
    expect(await client.ping()).toBe('PONG');
  });

  it('applies keyPrefix to every key', async () => {
    const client = open(t.url);
    expect(await waitForRedisReady(client, 3000)).toBe(true);
    await client.set('plain-key', 'v', 'PX', 10_000);
    expect(await t.admin.get(`${t.prefix}plain-key`)).toBe('v');
  });

  it('rejects a URL that is not redis:// or rediss://, without echoing its password', () => {
    expect(() => createRedisClient(`http://user:${PASSWORD}@127.0.0.1:6379`)).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => createRedisClient(`http://user:${PASSWORD}@127.0.0.1:6379`)).not.toThrow(new RegExp(PASSWORD));
  });

  it('Redis down (closed port): every method fails fast; the outage is logged once, without the password', async () => {
    const logger = recordingLogger();
    const client = open(`redis://:${PASSWORD}@127.0.0.1:1`, { logger, maxReconnectDelayMs: 50 });
    const cache = new RedisTokenCache(client);
    const { slowestMs, allRejected } = await timeEveryMethod(cache);
    expect(allRejected).toBe(true);
    expect(slowestMs).toBeLessThan(FAST_MS);
    // Several reconnection attempts later, still one line.
    await eventually(() => (client as unknown as { retryAttempts: number }).retryAttempts >= 4, 3000);
    expect(logger.lines.filter((line) => line.level === 'warn')).toHaveLength(1);
    expect(logger.text()).toContain('127.0.0.1:1');
    expect(logger.text()).toContain('ECONNREFUSED');
    expect(logger.text()).not.toContain(PASSWORD);
    expect(redisState(client)).toBe('unreachable');
    expect(`${inspect(client)} ${JSON.stringify(client)}`).not.toContain(PASSWORD);
  });

  it('Redis accepts connections but never answers: every method still fails fast', async () => {
    const sockets = new Set<Socket>();
    const blackHole: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    blackHole.listen(0, '127.0.0.1');
    await once(blackHole, 'listening');
    try {
      const { port } = blackHole.address() as AddressInfo;
      const client = open(`redis://127.0.0.1:${port}`, { connectTimeoutMs: 300 });
      const { slowestMs, allRejected } = await timeEveryMethod(new RedisTokenCache(client));
      expect(allRejected).toBe(true);
      expect(slowestMs).toBeLessThan(FAST_MS);
    } finally {
      for (const socket of sockets) socket.destroy();
      blackHole.close();
    }
  });

  it('Redis hangs: commands time out after commandTimeoutMs; 3 in a row → it redials and calls fail fast', async () => {
    const p = await proxy();
    const logger = recordingLogger();
    const client = open(p.url, { commandTimeoutMs: 200, maxReconnectDelayMs: 100, logger });
    expect(await waitForRedisReady(client, 3000)).toBe(true);
    const cache = new RedisTokenCache(client);
    await cache.set('token:wxhang', 'v', 10_000);
    p.freeze();
    for (let i = 0; i < HUNG_AFTER_TIMEOUTS; i += 1) {
      const started = performance.now();
      await expect(cache.get('token:wxhang')).rejects.toThrow(/timed out/i);
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(150);
      expect(took).toBeLessThan(FAST_MS + 200);
    }
    // No longer waiting on a connection that never answers.
    expect(await eventually(() => redisState(client) === 'unreachable', 1000)).toBe(true);
    const { slowestMs, allRejected } = await timeEveryMethod(cache);
    expect(allRejected).toBe(true);
    expect(slowestMs).toBeLessThan(100);
    expect(logger.lines.filter((line) => line.level === 'warn')).toHaveLength(1);
    expect(logger.text()).toContain('timed out; reconnecting');

    p.thaw();
    expect(await waitForRedisReady(client, 3000)).toBe(true);
    expect(await cache.get('token:wxhang')).toBe('v');
  });

  it('recovers without a restart once Redis is back, logging one warning and one "restored"', async () => {
    const p = await proxy();
    const logger = recordingLogger();
    const client = open(p.url, { logger, maxReconnectDelayMs: 100 });
    const cache = new RedisTokenCache(client);
    expect(await waitForRedisReady(client, 3000)).toBe(true);
    await cache.set('token:wxrecover', 'before', 10_000);

    await p.stop();
    expect(await eventually(() => redisState(client) === 'unreachable', 2000)).toBe(true);
    const { slowestMs, allRejected } = await timeEveryMethod(cache);
    expect(allRejected).toBe(true);
    expect(slowestMs).toBeLessThan(FAST_MS);

    await p.start();
    expect(await waitForRedisReady(client, 3000)).toBe(true);
    expect(await cache.get('token:wxrecover')).toBe('before');
    expect(logger.lines.filter((line) => line.level === 'warn')).toHaveLength(1);
    expect(logger.lines.filter((line) => line.msg === 'Redis connection restored')).toHaveLength(1);
  });

  it("ioredis' console [WARN] for a password Redis does not need: never printed, across an outage and its reconnection; one JSON warning", async () => {
    const printed: string[] = [];
    const capture = (...args: unknown[]): void => void printed.push(args.map(String).join(' '));
    const spies = [vi.spyOn(console, 'warn'), vi.spyOn(console, 'error'), vi.spyOn(console, 'log')].map((spy) =>
      spy.mockImplementation(capture),
    );
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    try {
      const p = await proxy();
      const withPassword = new URL(p.url);
      withPassword.password = PASSWORD; // the test Redis has none: ioredis' AUTH meets "no password configured"
      const logger = recordingLogger();
      const client = open(withPassword.toString(), { logger, maxReconnectDelayMs: 100 });
      const subscriber = duplicateRedisClient(client, logger);
      opened.push(subscriber);
      expect(await waitForRedisReady(client, 3000)).toBe(true);
      expect(await waitForRedisReady(subscriber, 3000)).toBe(true);
      await p.stop();
      expect(await eventually(() => redisState(client) === 'unreachable', 2000)).toBe(true);
      await p.start();
      expect(await waitForRedisReady(client, 3000)).toBe(true); // a second AUTH, a second chance to print
      expect(await waitForRedisReady(subscriber, 3000)).toBe(true);
      expect(await client.ping()).toBe('PONG');

      expect(printed).toEqual([]);
      const notices = logger.lines.filter((line) => line.msg?.includes('needs no password'));
      // Once per connection however often it reconnects: the command connection's at warn, the copy's at debug.
      expect(notices.map((line) => line.level).sort()).toEqual(['debug', 'warn']);
      expect(notices.find((line) => line.level === 'warn')!.obj).toEqual({ redis: `127.0.0.1:${withPassword.port}` });
      expect(logger.text()).not.toContain(PASSWORD);
    } finally {
      for (const spy of [...spies, stderr]) spy.mockRestore();
    }
  });

  it("ioredis' console line for a ready check refused by ACL (NOPERM on INFO): never printed; one JSON warning, and the client is ready", async () => {
    const printed: string[] = [];
    const spies = [vi.spyOn(console, 'warn'), vi.spyOn(console, 'error')].map((spy) =>
      spy.mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' '))),
    );
    const server = await startAclRestrictedRedis();
    try {
      const logger = recordingLogger();
      const client = open(`redis://127.0.0.1:${server.port}`, { logger });
      expect(await waitForRedisReady(client, 3000)).toBe(true);
      expect(await client.ping()).toBe('PONG');
      expect(server.commands()).toContain('INFO'); // the ready check did run, and was refused
      expect(printed).toEqual([]);
      expect(logger.lines.filter((line) => line.msg?.includes('may not run INFO')).map((line) => line.level)).toEqual([
        'warn',
      ]);
    } finally {
      for (const spy of spies) spy.mockRestore();
      await server.close();
    }
  });

  it('closeRedisClient ends the connection, also when it never connected, and is safe twice', async () => {
    const live = open(t.url);
    expect(await waitForRedisReady(live, 3000)).toBe(true);
    await closeRedisClient(live);
    expect(live.status).toBe('end');
    await closeRedisClient(live);

    const dead = open('redis://127.0.0.1:1');
    await closeRedisClient(dead);
    expect(dead.status).toBe('end');
    expect(await waitForRedisReady(dead, 50)).toBe(false);
  });
});
