import { WeChatClient } from '@wxlogin/core';
import { createSimulator, DEFAULT_DEV_SECRET, DEV_APPID, type Simulator } from '@wxlogin/simulator';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisClient, createRedisClient, waitForRedisReady } from '../src/redis/redis-client.js';
import { RedisTokenCache, TOKEN_CACHE_PREFIX } from '../src/redis/redis-token-cache.js';
import {
  keysByPrefix,
  openTestRedis,
  REDIS_TAG,
  redisAvailable,
  testRedisTarget,
  type TestRedis,
} from './helpers/redis.js';

const target = testRedisTarget();
const STABLE = '/cgi-bin/stable_token';

describe(`${REDIS_TAG} WeChatClient sharing access tokens through RedisTokenCache`, () => {
  if (!redisAvailable(target)) return;

  let t: TestRedis;
  let sim: Simulator;
  let generation = 0;
  const redisClients: Redis[] = [];
  const wechatClients: WeChatClient[] = [];

  /**
   * One "instance": its own Redis connection and WeChat client. Each test uses its own key namespace (a fresh
   * generation), so a token cached by an earlier test is not seen.
   */
  async function instance(url = t.url, ns = `${t.prefix}g${generation}:`): Promise<WeChatClient> {
    const redis = createRedisClient(url, { keyPrefix: ns, connectTimeoutMs: 300 });
    redisClients.push(redis);
    if (url === t.url) expect(await waitForRedisReady(redis, 3000)).toBe(true);
    const wechat = new WeChatClient({
      apps: [{ appid: DEV_APPID, secret: DEFAULT_DEV_SECRET }],
      baseUrl: sim.url,
      tokenCache: new RedisTokenCache(redis),
    });
    wechatClients.push(wechat);
    return wechat;
  }
  const stored = (key: string): string => `${t.prefix}g${generation}:${TOKEN_CACHE_PREFIX}${key}`;

  beforeAll(async () => {
    t = await openTestRedis(target);
    sim = createSimulator();
    await sim.listen({ port: 0 });
  });
  afterEach(async () => {
    sim.clearFaults();
    sim.resetStats();
    generation += 1;
    await Promise.allSettled(wechatClients.splice(0).map((c) => c.close()));
    await Promise.allSettled(redisClients.splice(0).map((c) => closeRedisClient(c)));
  });
  afterAll(async () => {
    await sim?.close();
    await t?.cleanup();
  });

  it('two instances, 50 concurrent getAccessToken across both → exactly one stable_token call', async () => {
    const [a, b] = [await instance(), await instance()];
    // Slow WeChat down so the second instance really arrives while the first holds the lock.
    sim.setFaults({ latencyMs: 150 });
    const tokens = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).getAccessToken(DEV_APPID)),
    );
    expect(new Set(tokens).size).toBe(1);
    expect(sim.stats()[STABLE]).toBe(1);

    // Stored once for the cluster, by WeChat's expires_in (7200 s) minus the 300 s margin; the lock is released.
    expect(await t.admin.get(stored(`token:${DEV_APPID}`))).toBe(tokens[0]);
    const pttl = await t.admin.pttl(stored(`token:${DEV_APPID}`));
    expect(pttl).toBeGreaterThan(6_800_000);
    expect(pttl).toBeLessThanOrEqual(6_900_000);
    expect(await t.admin.exists(stored(`lock:${DEV_APPID}`))).toBe(0);

    // A third instance started later takes the cluster's token without calling WeChat.
    const c = await instance();
    expect(await c.getAccessToken(DEV_APPID)).toBe(tokens[0]);
    expect(sim.stats()[STABLE]).toBe(1);
  });

  it('a forced refresh on one instance is seen by the other; the 30 s spacing holds across the cluster', async () => {
    const [a, b] = [await instance(), await instance()];
    const first = await a.getAccessToken(DEV_APPID);
    const forced = await a.getAccessToken(DEV_APPID, { forceRefresh: true });
    expect(forced).not.toBe(first);
    expect(sim.stats()[STABLE]).toBe(2);
    expect(await b.getAccessToken(DEV_APPID)).toBe(forced);
    // Within 30 s of A's forced refresh, B's forced refresh answers the current token without calling WeChat.
    expect(await b.getAccessToken(DEV_APPID, { forceRefresh: true })).toBe(forced);
    expect(sim.stats()[STABLE]).toBe(2);
    const counters = (await keysByPrefix(t.admin, stored('forced-count:'))).filter((k) => k.includes(DEV_APPID));
    expect(counters).toHaveLength(1);
    expect(await t.admin.get(counters[0]!)).toBe('1');
    expect(await t.admin.pttl(counters[0]!)).toBeGreaterThan(0);
    expect(await t.admin.pttl(stored(`forced-recent:${DEV_APPID}`))).toBeGreaterThan(0);
  });

  it("accessTokenState is the cluster's: another instance sees the fetch time, WeChat's expiry and today's forced count", async () => {
    const [a, b] = [await instance(), await instance()];
    expect(await b.accessTokenState(DEV_APPID)).toMatchObject({ cached: false, fetchedAt: null, forcedToday: 0 });
    const before = Date.now();
    await a.getAccessToken(DEV_APPID);
    await a.getAccessToken(DEV_APPID, { forceRefresh: true });
    const seen = await b.accessTokenState(DEV_APPID);
    expect(seen).toMatchObject({ cached: true, forcedToday: 1 });
    expect(seen.fetchedAt).toBeGreaterThanOrEqual(before);
    // WeChat's expires_in is the remaining lifetime, in whole seconds.
    expect(seen.expiresAt! - seen.fetchedAt!).toBeGreaterThan(7_100_000);
    expect(seen.expiresAt! - seen.fetchedAt!).toBeLessThanOrEqual(7_200_000);
    expect(await a.accessTokenState(DEV_APPID)).toEqual(seen);
    // What is kept beside the token holds no token.
    const meta = await t.admin.get(stored(`token-meta:${DEV_APPID}`));
    expect(meta).not.toContain(await a.getAccessToken(DEV_APPID));
    expect(await t.admin.pttl(stored(`token-meta:${DEV_APPID}`))).toBeGreaterThan(6_800_000);
  });

  it('Redis down: getAccessToken still gets a token in normal mode, fast, and keeps it per process', async () => {
    const wechat = await instance('redis://127.0.0.1:1');
    const started = performance.now();
    const token = await wechat.getAccessToken(DEV_APPID);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(token).toMatch(/\S/);
    expect(sim.stats()[STABLE]).toBe(1);
    // The per-process fallback serves the next calls: no second fetch.
    const again = await Promise.all(Array.from({ length: 10 }, () => wechat.getAccessToken(DEV_APPID)));
    expect(new Set(again)).toEqual(new Set([token]));
    expect(sim.stats()[STABLE]).toBe(1);
  });

  it('Redis down: a forced refresh is refused (suspended) and answers the current token', async () => {
    const wechat = await instance('redis://127.0.0.1:1');
    const token = await wechat.getAccessToken(DEV_APPID);
    expect(await wechat.getAccessToken(DEV_APPID, { forceRefresh: true })).toBe(token);
    expect(sim.stats()[STABLE]).toBe(1);
  });
});
