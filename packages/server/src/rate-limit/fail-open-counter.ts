import type { Redis } from 'ioredis';
import { noteCommandOutcome } from '../redis/hung-connection-guard.js';
import type { CounterHit } from './counter-hit.js';
import { LocalWindowCounter } from './local-window-counter.js';
import { RedisWindowCounter } from './redis-window-counter.js';

export type { CounterHit } from './counter-hit.js';

/** Called once per hit counted in-process because Redis could not count it (`wxlogin_rate_limit_fail_open_total`). */
export type FailOpenListener = () => void;

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
  readonly #shared: RedisWindowCounter | undefined;
  readonly #local: LocalWindowCounter;
  readonly #onFailOpen: FailOpenListener | undefined;

  constructor(options: FailOpenCounterOptions) {
    this.#redis = options.redis;
    this.#shared = options.redis === undefined ? undefined : new RedisWindowCounter(options.redis, options.namespace);
    this.#local = new LocalWindowCounter(options.localKeys ?? DEFAULT_LOCAL_KEYS);
    this.#onFailOpen = options.onFailOpen;
  }

  /** Counts one hit on `key` in a window of `windowMs`. Never rejects because of Redis. */
  async hit(key: string, windowMs: number): Promise<CounterHit> {
    if (this.#redis !== undefined && this.#shared !== undefined) {
      // Not ready (connecting, reconnecting): count here at once instead of waiting for a command to fail.
      if (this.#redis.status === 'ready') {
        try {
          const hit = await this.#shared.hit(key, windowMs);
          noteCommandOutcome(this.#redis);
          return hit;
        } catch (error) {
          // The client reports the outage itself (once), and drops a connection that keeps timing out.
          noteCommandOutcome(this.#redis, error);
        }
      }
      this.#onFailOpen?.();
    }
    return this.#local.hit(key, windowMs);
  }
}
