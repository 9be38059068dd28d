import { inspect } from 'node:util';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisClient, createRedisClient, waitForRedisReady } from '../src/redis/redis-client.js';
import { REVOCATION_CHANNEL, RevocationBus, type RevocationEvent } from '../src/redis/revocation-bus.js';
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

describe(`${REDIS_TAG} RevocationBus`, () => {
  if (!redisAvailable(target)) return;

  let t: TestRedis;
  const clients: Redis[] = [];
  const buses: RevocationBus[] = [];
  const proxies: RedisProxy[] = [];

  /** One "instance": its own connection and bus, on this file's channel. */
  async function instance(url = t.url, options: { logger?: ReturnType<typeof recordingLogger> } = {}) {
    const client = createRedisClient(url, { keyPrefix: t.prefix, maxReconnectDelayMs: 100 });
    clients.push(client);
    if (url === t.url) expect(await waitForRedisReady(client, 3000)).toBe(true);
    const bus = new RevocationBus(client, options);
    buses.push(bus);
    return bus;
  }
  /** Subscribes and collects events; resolves once the subscription is live. */
  async function listen(bus: RevocationBus): Promise<RevocationEvent[]> {
    const received: RevocationEvent[] = [];
    bus.subscribe((event) => received.push(event));
    expect(await bus.whenSubscribed(3000)).toBe(true);
    return received;
  }

  beforeAll(async () => {
    t = await openTestRedis(target);
  });
  afterEach(async () => {
    await Promise.allSettled(buses.splice(0).map((bus) => bus.close()));
    await Promise.allSettled(clients.splice(0).map((client) => closeRedisClient(client)));
    await Promise.allSettled(proxies.splice(0).map((proxy) => proxy.stop()));
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it("uses the client's keyPrefix in front of wxlogin:revocation as its channel", async () => {
    const bus = await instance();
    expect(bus.channel).toBe(`${t.prefix}${REVOCATION_CHANNEL}`);
    expect(inspect(bus)).toContain(REVOCATION_CHANNEL);
  });

  it('an event published by one instance reaches a subscriber on another within 1 s', async () => {
    const [publisher, subscriber] = [await instance(), await instance()];
    const received = await listen(subscriber);
    const started = performance.now();
    expect(await publisher.publish({ type: 'sid', id: 'session-1' })).toBe(true);
    expect(await publisher.publish({ type: 'user', id: 'user-1' })).toBe(true);
    expect(await eventually(() => received.length === 2, 1000)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(received).toEqual([
      { type: 'sid', id: 'session-1' },
      { type: 'user', id: 'user-1' },
    ]);
  });

  it('every handler of every instance gets the event, the publisher included; unsubscribe stops one', async () => {
    const [a, b] = [await instance(), await instance()];
    const onA = await listen(a);
    const onB = await listen(b);
    const second: RevocationEvent[] = [];
    const stop = b.subscribe((event) => second.push(event));
    await a.publish({ type: 'user', id: 'u-1' });
    expect(await eventually(() => onA.length === 1 && onB.length === 1 && second.length === 1, 1000)).toBe(true);
    stop();
    await a.publish({ type: 'user', id: 'u-2' });
    expect(await eventually(() => onB.length === 2, 1000)).toBe(true);
    expect(second).toHaveLength(1);
  });

  it('a malformed message is dropped and the subscriber keeps working', async () => {
    const logger = recordingLogger();
    const [publisher, subscriber] = [await instance(), await instance(t.url, { logger })];
    const received = await listen(subscriber);
    const junk = [
      'not json',
      '{"type":"sid"}',
      '{"type":"other","id":"x"}',
      '{"type":"user","id":42}',
      '{"type":"sid","id":""}',
      JSON.stringify({ type: 'sid', id: 'x'.repeat(1000) }),
      'null',
      '[1,2]',
      '"just a string"',
    ];
    for (const message of junk) await t.admin.publish(subscriber.channel, message);
    await publisher.publish({ type: 'sid', id: 'after-junk' });
    expect(await eventually(() => received.length === 1, 1000)).toBe(true);
    expect(received).toEqual([{ type: 'sid', id: 'after-junk' }]);
    expect(logger.lines.filter((line) => line.msg === 'ignored a malformed revocation message')).toHaveLength(
      junk.length,
    );
  });

  it('extra fields are not passed on', async () => {
    const subscriber = await instance();
    const received = await listen(subscriber);
    await t.admin.publish(subscriber.channel, JSON.stringify({ type: 'user', id: 'u-9', evil: true }));
    expect(await eventually(() => received.length === 1, 1000)).toBe(true);
    expect(received[0]).toEqual({ type: 'user', id: 'u-9' });
  });

  it('a throwing handler is logged and does not stop the next one', async () => {
    const logger = recordingLogger();
    const [publisher, subscriber] = [await instance(), await instance(t.url, { logger })];
    subscriber.subscribe(() => {
      throw new Error('handler bug');
    });
    const received = await listen(subscriber);
    await publisher.publish({ type: 'sid', id: 's-1' });
    expect(await eventually(() => received.length === 1, 1000)).toBe(true);
    expect(logger.text()).toContain('handler bug');
  });

  it('publish rejects a malformed event (a programming error) with TypeError', async () => {
    const bus = await instance();
    await expect(bus.publish({ type: 'nope', id: 'x' } as unknown as RevocationEvent)).rejects.toThrow(TypeError);
    await expect(bus.publish({ type: 'sid', id: '' })).rejects.toThrow(TypeError);
  });

  it('Redis down: publish resolves false at once instead of failing the revocation', async () => {
    const bus = await instance('redis://127.0.0.1:1');
    const started = performance.now();
    expect(await bus.publish({ type: 'sid', id: 's-1' })).toBe(false);
    expect(performance.now() - started).toBeLessThan(400);
    bus.subscribe(() => undefined);
    expect(await bus.whenSubscribed(100)).toBe(false);
  });

  it('the subscription comes back by itself after Redis returns', async () => {
    const proxy = await startRedisProxy(t.url);
    proxies.push(proxy);
    const publisher = await instance();
    const subscriber = await instance(proxy.url);
    const received = await listen(subscriber);

    await proxy.stop();
    await publisher.publish({ type: 'sid', id: 'lost-while-down' });
    await proxy.start();
    // Resubscribed: a new event arrives (what was published during the outage is gone, by design).
    const found = await eventually(async () => {
      await publisher.publish({ type: 'sid', id: 'after-recovery' });
      return received.some((event) => event.id === 'after-recovery');
    }, 3000);
    expect(found).toBe(true);
    expect(received.some((event) => event.id === 'lost-while-down')).toBe(false);
  });
});
