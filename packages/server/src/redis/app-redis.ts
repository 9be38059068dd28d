import type { Redis } from 'ioredis';
import { envNameOf } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { closeRedisClient, createRedisClient } from './redis-client.js';

/** The app's Redis connection, shared by the auth functions and the HTTP rate limit. */
export interface AppRedis {
  /** Undefined when Redis is not configured. */
  readonly redis: Redis | undefined;
  /** Closes the connection if it was opened here (an injected one is its owner's). */
  close(): Promise<void>;
}

/** Uses `injected`, or opens a connection (in the background) when `redisUrl` is set. */
export function openAppRedis(redisUrl: string | undefined, injected: Redis | undefined, logger: Logger): AppRedis {
  if (injected !== undefined || redisUrl === undefined) return { redis: injected, close: async () => {} };
  const redis = createRedisClient(redisUrl, { logger, setting: envNameOf('redisUrl') });
  return { redis, close: () => closeRedisClient(redis) };
}
