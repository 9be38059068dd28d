/** Shared-state adapters (Redis): the access-token cache, revocation fan-out and the login memo's fast path. */
export {
  closeRedisClient,
  createRedisClient,
  redisEndpoint,
  redisState,
  waitForRedisReady,
  type RedisClientOptions,
  type RedisState,
} from './redis/redis-client.js';
export { RedisCommandError } from './redis/redis-command-error.js';
export { RedisTokenCache, TOKEN_CACHE_PREFIX, type RedisTokenCacheOptions } from './redis/redis-token-cache.js';
export {
  REVOCATION_CHANNEL,
  RevocationBus,
  type RevocationBusOptions,
  type RevocationEvent,
  type RevocationHandler,
} from './redis/revocation-bus.js';
export { LOGIN_DONE_CHANNEL, LoginWait, type LoginWaitOptions } from './redis/login-wait.js';
