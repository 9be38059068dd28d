import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_DONE_CHANNEL, LoginWait } from '../src/redis/login-wait.js';
import { closeRedisClient, createRedisClient, waitForRedisReady } from '../src/redis/redis-client.js';
import { openTestRedis, REDIS_TAG, redisAvailable, testRedisTarget, type TestRedis } from './helpers/redis.js';

const target = testRedisTarget();
const codeHash = (): string => randomBytes(32).toString('hex');

describe(`${REDIS_TAG} LoginWait`, () => {
  if (!redisAvailable(target)) return;

  let t: TestRedis;
  const clients: Redis[] = [];
  const waits: LoginWait[] = [];

  /** One "instance": its own connection and LoginWait, subscribed before it is returned. */
  async function instance(url = t.url): Promise<LoginWait> {
    const client = createRedisClient(url, { keyPrefix: t.prefix });
    clients.push(client);
    const wait = new LoginWait(client);
    waits.push(wait);
    if (url === t.url) {
      expect(await waitForRedisReady(client, 3000)).toBe(true);
      expect(await wait.whenSubscribed(3000)).toBe(true);
    }
    return wait;
  }

  beforeAll(async () => {
    t = await openTestRedis(target);
  });
  afterEach(async () => {
    await Promise.allSettled(waits.splice(0).map((w) => w.close()));
    await Promise.allSettled(clients.splice(0).map((c) => closeRedisClient(c)));
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it("uses the client's keyPrefix in front of wxlogin:login-done as its channel", async () => {
    expect((await instance()).channel).toBe(`${t.prefix}${LOGIN_DONE_CHANNEL}`);
  });

  it('notify on one instance wakes every waiter on another well before the timeout', async () => {
    const [winner, loser] = [await instance(), await instance()];
    const hash = codeHash();
    const started = performance.now();
    const woken = Promise.all([loser.wait(hash, 5000), loser.wait(hash, 5000)]);
    expect(await winner.notify(hash)).toBe(true);
    expect(await woken).toEqual([true, true]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a notification for another code does not wake the waiter: it times out with false', async () => {
    const [winner, loser] = [await instance(), await instance()];
    const started = performance.now();
    const waiting = loser.wait(codeHash(), 200);
    await winner.notify(codeHash());
    expect(await waiting).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('an abort signal ends the wait with false', async () => {
    const wait = await instance();
    const controller = new AbortController();
    const waiting = wait.wait(codeHash(), 5000, controller.signal);
    controller.abort();
    expect(await waiting).toBe(false);
    expect(await wait.wait(codeHash(), 5000, controller.signal)).toBe(false);
  });

  it('close ends pending waits with false at once', async () => {
    const wait = await instance();
    const started = performance.now();
    const waiting = wait.wait(codeHash(), 5000);
    await wait.close();
    expect(await waiting).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('Redis down: notify resolves false at once, and wait is a plain sleep of its timeout', async () => {
    const wait = await instance('redis://127.0.0.1:1');
    const hash = codeHash();
    const notifyStarted = performance.now();
    expect(await wait.notify(hash)).toBe(false);
    expect(performance.now() - notifyStarted).toBeLessThan(400);
    const started = performance.now();
    expect(await wait.wait(hash, 150)).toBe(false);
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(140);
    expect(took).toBeLessThan(1000);
  });
});
