import { inspect } from 'node:util';
import type { TokenCache } from '@wxlogin/core';
import type { Redis } from 'ioredis';
import { noteCommandOutcome } from './hung-connection-guard.js';
import { RedisCommandError } from './redis-command-error.js';

/** Options of {@link RedisTokenCache}. */
export interface RedisTokenCacheOptions {
  /** Put before core's keys (`token:<appid>`, `lock:<appid>`, …), after the client's own `keyPrefix`. */
  prefix?: string;
}

/** Where WeChat access tokens and their lock and counters live: `wxlogin:wxtoken:token:<appid>`, … */
export const TOKEN_CACHE_PREFIX = 'wxlogin:wxtoken:';

// Both scripts touch one key, so they stay atomic and would work on a cluster slot too.
const DELETE_IF_EQUALS_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

// Only a new counter gets an expiry: later increments must not push the end of the day further away.
const INCREMENT_LUA = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count`;

// Names are per client (defineCommand adds methods to the instance), prefixed so they can't shadow a real command.
const DELETE_IF_EQUALS = 'wxloginDeleteIfEquals';
const INCREMENT = 'wxloginIncrementWithTtl';

interface TokenCacheScripts {
  [DELETE_IF_EQUALS](key: string, expected: string): Promise<number>;
  [INCREMENT](key: string, ttlMs: number): Promise<number>;
}

/**
 * core's `TokenCache` on Redis, shared by every instance: one WeChat access token per appid for the whole cluster,
 * and the lock that lets only one instance fetch it. Each method is one command or one Lua script (EVALSHA, loaded
 * again by ioredis after a Redis restart). Every failure rejects with a {@link RedisCommandError}, which core's
 * client answers by falling back to its per-process cache; values (tokens) never appear in an error or a log.
 */
export class RedisTokenCache implements TokenCache {
  readonly #client: Redis;
  readonly #scripts: TokenCacheScripts;
  readonly #prefix: string;

  constructor(client: Redis, options: RedisTokenCacheOptions = {}) {
    this.#client = client;
    this.#prefix = options.prefix ?? TOKEN_CACHE_PREFIX;
    client.defineCommand(DELETE_IF_EQUALS, { numberOfKeys: 1, lua: DELETE_IF_EQUALS_LUA });
    client.defineCommand(INCREMENT, { numberOfKeys: 1, lua: INCREMENT_LUA });
    // defineCommand adds the methods at run time; ioredis's types can't know them.
    this.#scripts = client as unknown as TokenCacheScripts;
  }

  async get(key: string): Promise<string | null> {
    return this.#run('get', () => this.#client.get(this.#key(key)));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const px = toPx(ttlMs);
    await this.#run('set', () => this.#client.set(this.#key(key), value, 'PX', px));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const px = toPx(ttlMs);
    const reply = await this.#run('setIfAbsent', () => this.#client.set(this.#key(key), value, 'PX', px, 'NX'));
    return reply === 'OK';
  }

  async deleteIfEquals(key: string, expected: string): Promise<boolean> {
    const deleted = await this.#run('deleteIfEquals', () => this.#scripts[DELETE_IF_EQUALS](this.#key(key), expected));
    return deleted === 1;
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const px = toPx(ttlMs);
    return this.#run('increment', () => this.#scripts[INCREMENT](this.#key(key), px));
  }

  #key(key: string): string {
    return this.#prefix + key;
  }

  async #run<T>(operation: string, command: () => Promise<T>): Promise<T> {
    try {
      const result = await command();
      noteCommandOutcome(this.#client);
      return result;
    } catch (error) {
      noteCommandOutcome(this.#client, error);
      throw new RedisCommandError(operation, error);
    }
  }

  // Holds a client whose options include the Redis password: show only the prefix.
  [inspect.custom](): string {
    return `RedisTokenCache { prefix: ${JSON.stringify(this.#prefix)} }`;
  }

  toJSON(): { prefix: string } {
    return { prefix: this.#prefix };
  }
}

/** PX takes a positive whole number of ms; a TTL that rounds to nothing still lives 1 ms rather than erroring. */
function toPx(ttlMs: number): number {
  if (!Number.isFinite(ttlMs)) throw new RangeError(`ttlMs must be a finite number (got ${ttlMs})`);
  return Math.max(1, Math.ceil(ttlMs));
}
