import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisClient, createRedisClient, waitForRedisReady } from '../src/redis/redis-client.js';
import { RedisCommandError } from '../src/redis/redis-command-error.js';
import { RedisTokenCache, TOKEN_CACHE_PREFIX } from '../src/redis/redis-token-cache.js';
import { openTestRedis, REDIS_TAG, redisAvailable, testRedisTarget, type TestRedis } from './helpers/redis.js';

const target = testRedisTarget();

describe(`${REDIS_TAG} RedisTokenCache`, () => {
  if (!redisAvailable(target)) return;

  let t: TestRedis;
  let client: Redis;
  let cache: RedisTokenCache;
  /** The key as Redis stores it, for the admin connection. */
  const stored = (key: string): string => `${t.prefix}${TOKEN_CACHE_PREFIX}${key}`;
  /** A fresh key per test: tests never see each other's state. */
  const newKey = (kind = 'token'): string => `${kind}:wx${randomUUID().replaceAll('-', '').slice(0, 16)}`;

  beforeAll(async () => {
    t = await openTestRedis(target);
    client = createRedisClient(t.url, { keyPrefix: t.prefix });
    expect(await waitForRedisReady(client, 3000)).toBe(true);
    cache = new RedisTokenCache(client);
  });
  afterAll(async () => {
    if (client !== undefined) await closeRedisClient(client);
    await t?.cleanup();
  });

  it('get answers null for an absent key, and what set stored under wxlogin:wxtoken:<key> with PX', async () => {
    const key = newKey();
    expect(await cache.get(key)).toBeNull();
    await cache.set(key, 'ACCESS-TOKEN-1', 60_000);
    expect(await cache.get(key)).toBe('ACCESS-TOKEN-1');
    expect(await t.admin.get(stored(key))).toBe('ACCESS-TOKEN-1');
    const pttl = await t.admin.pttl(stored(key));
    expect(pttl).toBeGreaterThan(55_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it('set replaces the value and its TTL', async () => {
    const key = newKey();
    await cache.set(key, 'old', 60_000);
    await cache.set(key, 'new', 5_000);
    expect(await cache.get(key)).toBe('new');
    const pttl = await t.admin.pttl(stored(key));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(5_000);
  });

  it('a value is gone once its TTL has passed', async () => {
    const key = newKey();
    await cache.set(key, 'short-lived', 30);
    const deadline = Date.now() + 2000;
    while ((await cache.get(key)) !== null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await cache.get(key)).toBeNull();
  });

  it('a fractional or sub-millisecond TTL is rounded up, never rejected by Redis', async () => {
    const key = newKey();
    await cache.set(key, 'v', 1500.4);
    const pttl = await t.admin.pttl(stored(key));
    expect(pttl).toBeGreaterThan(1000);
    expect(pttl).toBeLessThanOrEqual(1501);
    await expect(cache.set(newKey(), 'v', 0.2)).resolves.toBeUndefined();
    await expect(cache.set(newKey(), 'v', Number.NaN)).rejects.toThrow(RangeError);
  });

  it('setIfAbsent stores with PX only when the key is absent, and keeps the first value and TTL', async () => {
    const key = newKey('lock');
    expect(await cache.setIfAbsent(key, 'owner-a', 10_000)).toBe(true);
    expect(await cache.setIfAbsent(key, 'owner-b', 60_000)).toBe(false);
    expect(await cache.get(key)).toBe('owner-a');
    const pttl = await t.admin.pttl(stored(key));
    expect(pttl).toBeGreaterThan(5_000);
    expect(pttl).toBeLessThanOrEqual(10_000);
  });

  it('setIfAbsent: 20 concurrent callers on two connections → exactly one winner', async () => {
    const other = createRedisClient(t.url, { keyPrefix: t.prefix });
    try {
      expect(await waitForRedisReady(other, 3000)).toBe(true);
      const caches = [cache, new RedisTokenCache(other)];
      const key = newKey('lock');
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => caches[i % 2]!.setIfAbsent(key, `owner-${i}`, 10_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await cache.get(key)).toBe(`owner-${winner}`);
    } finally {
      await closeRedisClient(other);
    }
  });

  it('deleteIfEquals deletes only when the key holds the expected value', async () => {
    const key = newKey('lock');
    await cache.set(key, 'mine', 10_000);
    expect(await cache.deleteIfEquals(key, 'someone-else')).toBe(false);
    expect(await cache.get(key)).toBe('mine');
    expect(await cache.deleteIfEquals(key, 'mine')).toBe(true);
    expect(await cache.get(key)).toBeNull();
    expect(await t.admin.exists(stored(key))).toBe(0);
    expect(await cache.deleteIfEquals(key, 'mine')).toBe(false);
  });

  it('increment counts from 1 and sets the expiry once, on the first increment only', async () => {
    const key = newKey('forced-count');
    expect(await cache.increment(key, 60_000)).toBe(1);
    const first = await t.admin.pttl(stored(key));
    expect(first).toBeGreaterThan(55_000);
    expect(first).toBeLessThanOrEqual(60_000);
    // A later increment with another TTL must not move the counter's end.
    expect(await cache.increment(key, 600_000)).toBe(2);
    expect(await cache.increment(key, 600_000)).toBe(3);
    const later = await t.admin.pttl(stored(key));
    expect(later).toBeLessThanOrEqual(first);
    expect(await cache.get(key)).toBe('3');
  });

  it('increment: 20 concurrent increments → 1..20, each once', async () => {
    const key = newKey('forced-count');
    const counts = await Promise.all(Array.from({ length: 20 }, () => cache.increment(key, 60_000)));
    expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await t.admin.pttl(stored(key))).toBeGreaterThan(0);
  });

  it('a custom prefix replaces wxlogin:wxtoken:', async () => {
    const custom = new RedisTokenCache(client, { prefix: 'custom:' });
    const key = newKey();
    await custom.set(key, 'v', 10_000);
    expect(await t.admin.get(`${t.prefix}custom:${key}`)).toBe('v');
    expect(await cache.get(key)).toBeNull();
  });

  it('inspect and JSON show the prefix, not the client and its password', () => {
    expect(inspect(cache)).toBe(`RedisTokenCache { prefix: "${TOKEN_CACHE_PREFIX}" }`);
    expect(JSON.stringify(cache)).toBe(JSON.stringify({ prefix: TOKEN_CACHE_PREFIX }));
  });

  it('a failing command rejects with RedisCommandError that holds neither the value nor the password', async () => {
    const down = createRedisClient('redis://:hunter2-password@127.0.0.1:1', { connectTimeoutMs: 200 });
    try {
      const downCache = new RedisTokenCache(down);
      const error = await downCache.set('token:wx1', 'SECRET-ACCESS-TOKEN', 10_000).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RedisCommandError);
      expect((error as RedisCommandError).operation).toBe('set');
      const shown = `${String(error)} ${inspect(error)} ${JSON.stringify(error)} ${String((error as Error).cause)}`;
      expect(shown).not.toContain('SECRET-ACCESS-TOKEN');
      expect(shown).not.toContain('hunter2-password');
      expect(`${inspect(down)} ${JSON.stringify(down)}`).not.toContain('hunter2-password');
    } finally {
      await closeRedisClient(down);
    }
  });
});
