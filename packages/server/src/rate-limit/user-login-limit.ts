import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { FailOpenCounter, type FailOpenListener } from './fail-open-counter.js';
import { rateLimitedError } from './rate-limited-error.js';

/**
 * Logins per (appid, openid) per minute (`WXLOGIN_USER_RATE_LIMIT_PER_MIN`). The openid is known only once WeChat
 * has answered code2Session, so the login flow asks after that call and before it writes the user, the session and
 * the tokens: the limit protects the database and token issuance from one looping client; WeChat's own per-user
 * quota (45011) protects WeChat.
 */
export interface UserLoginLimit {
  /** Counts one login of the user; throws `RATE_LIMITED` (with `Retry-After`) past the limit. */
  check(appid: string, openid: string): Promise<void>;
}

/** Options of {@link createUserLoginLimit}. */
export interface UserLoginLimitOptions {
  /** Logins per user per minute; `0` turns the limit off. */
  perMinute: number;
  /** Count in Redis, shared by every instance (per-process counters take over while it is down). */
  redis?: Redis | undefined;
  onFailOpen?: FailOpenListener | undefined;
}

/** Redis key namespace of the per-user counters (after the client's `keyPrefix`). */
export const USER_RATE_LIMIT_NAMESPACE = 'wxlogin:rl:user:';

const WINDOW_MS = 60_000;

/** The per-user login limit, or `undefined` when it is off. */
export function createUserLoginLimit(options: UserLoginLimitOptions): UserLoginLimit | undefined {
  if (options.perMinute <= 0) return undefined;
  const max = options.perMinute;
  const counter = new FailOpenCounter({
    redis: options.redis,
    namespace: USER_RATE_LIMIT_NAMESPACE,
    onFailOpen: options.onFailOpen,
  });
  return {
    async check(appid, openid) {
      // Hashed: openids are personal data and have no business sitting in Redis in the clear.
      const key = createHash('sha256').update(`${appid}|${openid}`).digest('base64url').slice(0, 32);
      const hit = await counter.hit(key, WINDOW_MS);
      if (hit.current > max) throw rateLimitedError(hit.ttl);
    },
  };
}
