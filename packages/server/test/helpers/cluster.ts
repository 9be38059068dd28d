import { DEFAULT_DEV_SECRET, DEV_APPID, createSimulator, type Simulator } from '@wxlogin/simulator';
import type { LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import { createApp, type WxloginApp } from '../../src/app.js';
import { LOGIN_DONE_CHANNEL } from '../../src/redis/login-wait.js';
import { closeRedisClient, createRedisClient, waitForRedisReady } from '../../src/redis/redis-client.js';
import { REVOCATION_CHANNEL } from '../../src/redis/revocation-bus.js';
import { loadConfig, type WxloginConfig } from '../../src/config/load-config.js';
import type { Store } from '../../src/store/types.js';
import type { TestStore } from './databases.js';
import { eventually, type TestRedis } from './redis.js';
import { createTestClock, type TestClock } from './test-clock.js';

/** One wxlogin instance of a {@link TestCluster}: its own app, database pool and Redis connection. */
export interface ClusterInstance {
  /** `A`, `B`, `C`… */
  name: string;
  app: WxloginApp;
  store: Store;
  redis: Redis;
  /** `POST` JSON to a path of this instance. */
  post(url: string, body: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** `GET` a path of this instance, with an optional bearer token. */
  get(url: string, accessToken?: string): Promise<LightMyRequestResponse>;
}

/**
 * Several `createApp` instances behind no load balancer (the test picks the instance of each request), sharing one
 * database, one Redis key namespace, one simulator and one injected clock.
 */
export interface TestCluster {
  instances: ClusterInstance[];
  simulator: Simulator;
  /** The clock of every instance and of the simulator. */
  clock: TestClock;
  config: WxloginConfig;
  /** The `WXLOGIN_*` environment the instances were configured from (what `wxlogin keys rotate` would read). */
  env: Record<string, string>;
  /** Every instance's Redis `keyPrefix`. */
  keyPrefix: string;
  /** The dev appid. */
  appid: string;
  /** Stops every instance, its Redis connection and database pool, and the simulator. Safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@link startCluster}. */
export interface StartClusterOptions {
  /** The shared database (made by `createTestStore`, migrated). */
  testStore: TestStore;
  /** The test file's Redis; the instances use `namespace` under its prefix. */
  redis: TestRedis;
  /** Unique per cluster, so one cluster never sees another's cached tokens or messages. */
  namespace: string;
  /** The master key that sealed the database's signing keys (the same for every cluster on it). */
  masterKey: string;
  /** How many instances (default 2). */
  size?: number;
  /** More `WXLOGIN_*` variables. */
  env?: Record<string, string>;
}

/**
 * The database URL a separate process would be given for `testStore`: for PostgreSQL the isolated schema travels as
 * the connection's `search_path` option.
 */
export function databaseUrlOf(testStore: TestStore): string {
  const schema = testStore.storeOptions.schema;
  if (schema === undefined) return testStore.url;
  const url = new URL(testStore.url);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/**
 * Starts `size` instances and resolves once every one of them is subscribed to the revocation and login-done
 * channels (so a message sent by one reaches all). The clock starts at the real time, so a key rotated by the real
 * `wxlogin keys rotate` (which uses the system clock) is newer than the keys the instances made.
 */
export async function startCluster(options: StartClusterOptions): Promise<TestCluster> {
  const clock = createTestClock(Date.now());
  const simulator = createSimulator({ clock });
  const keyPrefix = `${options.redis.prefix}${options.namespace}:`;
  const instances: ClusterInstance[] = [];
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const instance of instances.splice(0)) {
      await instance.app.close().catch(() => undefined);
      await closeRedisClient(instance.redis).catch(() => undefined);
      await instance.store.close().catch(() => undefined);
    }
    await simulator.close();
  };

  try {
    const simulatorUrl = await simulator.listen({ port: 0 });
    const env: Record<string, string> = {
      WXLOGIN_APPS: `${DEV_APPID}:${DEFAULT_DEV_SECRET}`,
      WXLOGIN_MASTER_KEY: options.masterKey,
      WXLOGIN_DATABASE_URL: databaseUrlOf(options.testStore),
      WXLOGIN_WECHAT_BASE_URL: simulatorUrl,
      WXLOGIN_WECHAT_TIMEOUT_MS: '3000',
      WXLOGIN_LOG_LEVEL: 'silent',
      ...options.env,
    };
    const config = loadConfig({ env });
    const names = ['A', 'B', 'C', 'D', 'E'];
    for (let i = 0; i < (options.size ?? 2); i++) {
      // Opened with the test helper's options (the PostgreSQL schema), not from the URL: closed in `close`.
      const store = await options.testStore.open();
      const redis = createRedisClient(options.redis.url, { keyPrefix });
      const app = await createApp(config, { store, clock, redis }).catch(async (error: unknown) => {
        await closeRedisClient(redis);
        await store.close();
        throw error;
      });
      const instance: ClusterInstance = {
        name: names[i] ?? `I${i}`,
        app,
        store,
        redis,
        post: (url, body, headers = {}) => app.inject({ method: 'POST', url, payload: body as object, headers }),
        get: (url, accessToken) =>
          app.inject({ method: 'GET', url, headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {} }),
      };
      instances.push(instance);
      expect(await waitForRedisReady(redis, 3000), `instance ${instance.name} connects to Redis`).toBe(true);
    }
    const channels = [`${keyPrefix}${REVOCATION_CHANNEL}`, `${keyPrefix}${LOGIN_DONE_CHANNEL}`];
    const subscribed = await eventually(async () => {
      const reply = (await options.redis.admin.call('PUBSUB', 'NUMSUB', ...channels)) as (string | number)[];
      return [reply[1], reply[3]].every((count) => Number(count) >= instances.length);
    }, 5000);
    expect(subscribed, 'every instance subscribed to the revocation and login-done channels').toBe(true);
    return { instances: [...instances], simulator, clock, config, env, keyPrefix, appid: DEV_APPID, close };
  } catch (error) {
    await close();
    throw error;
  }
}
