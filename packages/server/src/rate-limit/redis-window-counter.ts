import type { Redis } from 'ioredis';
import type { CounterHit } from './counter-hit.js';

// One script, so the increment and the expiry of a new window are atomic: a crash between two commands would leave a
// counter without an expiry, refusing its key forever. Later hits must not push the end of the window away, so only
// the first one sets the expiry; the others read what is left of it.
const HIT_LUA = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return {current, tonumber(ARGV[1])}
end
return {current, redis.call('PTTL', KEYS[1])}`;

// Per client (defineCommand adds a method to the instance), prefixed so it can't shadow a real command.
const HIT = 'wxloginRateLimitHit';

interface RateLimitScripts {
  [HIT](key: string, windowMs: number): Promise<[number, number]>;
}

/**
 * Fixed-window hit counters in Redis, shared by every instance: one key per counter, `namespace` + key (after the
 * client's own `keyPrefix`), expiring with its window. The counting is the one of `@fastify/rate-limit`'s Redis
 * store, so a cluster upgraded while counting carries on in the same windows. Rejects when Redis does.
 */
export class RedisWindowCounter {
  readonly #scripts: RateLimitScripts;
  readonly #namespace: string;

  constructor(client: Redis, namespace: string) {
    client.defineCommand(HIT, { numberOfKeys: 1, lua: HIT_LUA });
    // defineCommand adds the method at run time; ioredis's types can't know it.
    this.#scripts = client as unknown as RateLimitScripts;
    this.#namespace = namespace;
  }

  /** Counts one hit on `key`; a window opens with the first hit and lasts `windowMs`. */
  async hit(key: string, windowMs: number): Promise<CounterHit> {
    const [current, ttl] = await this.#scripts[HIT](this.#namespace + key, windowMs);
    return { current, ttl };
  }
}
