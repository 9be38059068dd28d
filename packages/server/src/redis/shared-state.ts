import type { TokenCache } from '@wxlogin/core';
import type { Redis } from 'ioredis';
import type { SessionCheck } from '../auth/session-check.js';
import type { Logger } from '../logger.js';
import { LoginWait } from './login-wait.js';
import { closeRedisClient, createRedisClient, redisState, type RedisState } from './redis-client.js';
import { RedisTokenCache } from './redis-token-cache.js';
import { RevocationBus } from './revocation-bus.js';
import { fanOutRevocations } from './revocation-fanout.js';

/** What `/readyz` shows for Redis (informational: never a reason to fail readiness). */
export type RedisStatus = 'not_configured' | RedisState;

/** Options of {@link openSharedState}. */
export interface SharedStateOptions {
  /** A connection to use instead of opening one from `redisUrl`; its owner closes it. */
  redis?: Redis | undefined;
  logger: Logger;
}

/**
 * The state instances share through Redis (docs/redis.md "What it is used for"): WeChat access tokens and their
 * lock, the login memo's fast path, revocation fan-out to the session caches, and the connection the rate limits
 * count on. Without Redis every part is absent and each instance keeps its own; with Redis down each part falls back
 * on its own (nothing here fails a request).
 */
export interface SharedState {
  /** The connection, when Redis is configured. */
  readonly redis: Redis | undefined;
  /** core's token cache on Redis, when configured. */
  readonly tokenCache: TokenCache | undefined;
  /** The login memo's fast path (wakes waiting requests when a code's row is final), when configured. */
  readonly loginWait: LoginWait | undefined;
  /** The session check, made cluster-wide when Redis is configured (else answered as is). */
  sessions(check: SessionCheck): SessionCheck;
  redisStatus(): RedisStatus;
  /** Stops the subscriptions and closes the connection if it was opened here. Safe to call twice. */
  close(): Promise<void>;
}

/** Connects (in the background: an unreachable Redis never fails a start) when `redisUrl` is set or a client given. */
export function openSharedState(redisUrl: string | undefined, options: SharedStateOptions): SharedState {
  const owned = options.redis === undefined && redisUrl !== undefined;
  const redis =
    options.redis ?? (redisUrl === undefined ? undefined : createRedisClient(redisUrl, { logger: options.logger }));
  if (redis === undefined) {
    return {
      redis: undefined,
      tokenCache: undefined,
      loginWait: undefined,
      sessions: (check) => check,
      redisStatus: () => 'not_configured',
      close: async () => {},
    };
  }
  const bus = new RevocationBus(redis, { logger: options.logger });
  const loginWait = new LoginWait(redis, { logger: options.logger });
  const stops: (() => void)[] = [];
  let closing: Promise<void> | undefined;
  return {
    redis,
    tokenCache: new RedisTokenCache(redis),
    loginWait,
    sessions(check) {
      const fanned = fanOutRevocations(check, bus);
      stops.push(fanned.stop);
      return fanned.sessions;
    },
    redisStatus: () => redisState(redis),
    close() {
      closing ??= (async () => {
        for (const stop of stops) stop();
        await Promise.all([bus.close(), loginWait.close()]);
        if (owned) await closeRedisClient(redis);
      })();
      return closing;
    },
  };
}
