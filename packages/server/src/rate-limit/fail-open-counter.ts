import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { noteCommandOutcome } from '../redis/hung-connection-guard.js';

/** One counted hit: the count in the current window and the ms left in it. */
export interface CounterHit {
  current: number;
  ttl: number;
}

/** Called once per hit counted in-process because Redis could not count it (`wxlogin_rate_limit_fail_open_total`). */
export type FailOpenListener = () => void;

type IncrCallback = (error: Error | null, result?: CounterHit) => void;

/** The counting half of `@fastify/rate-limit`'s stores (their `incr`, with the window and max it is given). */
interface PluginStore {
  incr(key: string, callback: IncrCallback, timeWindowMs: number, max: number): void;
}

// @fastify/rate-limit ships its two stores as CommonJS files without types; they are reused here rather than
// rewritten, so the Redis keys and the Lua script are the plugin's own.
const require = createRequire(import.meta.url);
const LocalStore = require('@fastify/rate-limit/store/LocalStore') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  cache?: number,
) => PluginStore;
const RedisStore = require('@fastify/rate-limit/store/RedisStore') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: Redis,
  keyPrefix?: string,
) => PluginStore;

/** Options of {@link FailOpenCounter}. */
export interface FailOpenCounterOptions {
  /** Shared counters across instances; without it the counters are per process. */
  redis?: Redis | undefined;
  /** Put before every key in Redis (after the client's own `keyPrefix`), e.g. `wxlogin:rl:ip:`. */
  namespace: string;
  /** Keys the per-process counters hold at most (least recently used go first). */
  localKeys?: number;
  onFailOpen?: FailOpenListener | undefined;
}

const DEFAULT_LOCAL_KEYS = 50_000;

/**
 * Fixed-window hit counters for rate limits: in Redis when given one (every instance counts together), and in
 * process otherwise — also whenever Redis is not ready or a command fails, so a Redis outage never refuses or delays
 * a login (docs/operations.md "Rate limits": limits fail open to per-process counters, with a metric).
 */
export class FailOpenCounter {
  readonly #redis: Redis | undefined;
  readonly #redisStore: PluginStore | undefined;
  readonly #local: PluginStore;
  readonly #onFailOpen: FailOpenListener | undefined;

  constructor(options: FailOpenCounterOptions) {
    this.#redis = options.redis;
    this.#redisStore = options.redis === undefined ? undefined : new RedisStore(false, false, options.redis, options.namespace);
    this.#local = new LocalStore(false, false, options.localKeys ?? DEFAULT_LOCAL_KEYS);
    this.#onFailOpen = options.onFailOpen;
  }

  /** Counts one hit on `key` in a window of `timeWindowMs`. Never rejects because of Redis. */
  async hit(key: string, timeWindowMs: number, max: number): Promise<CounterHit> {
    if (this.#redis !== undefined && this.#redisStore !== undefined) {
      // Not ready (connecting, reconnecting): count here at once instead of waiting for a command to fail.
      if (this.#redis.status === 'ready') {
        try {
          const hit = await incr(this.#redisStore, key, timeWindowMs, max);
          noteCommandOutcome(this.#redis);
          return hit;
        } catch (error) {
          // The client reports the outage itself (once), and drops a connection that keeps timing out.
          noteCommandOutcome(this.#redis, error);
        }
      }
      this.#onFailOpen?.();
    }
    return incr(this.#local, key, timeWindowMs, max);
  }
}

function incr(store: PluginStore, key: string, timeWindowMs: number, max: number): Promise<CounterHit> {
  return new Promise((resolve, reject) => {
    store.incr(key, (error, result) => (error || result === undefined ? reject(error ?? new Error('no count')) : resolve(result)), timeWindowMs, max);
  });
}
