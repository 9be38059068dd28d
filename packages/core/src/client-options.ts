import type { WeChatCallListener } from './api/call-event.js';
import type { TokenCache } from './token/token-cache.js';

/** One mini program the client may call for. The secret stays on the server. */
export interface WeChatAppCredentials {
  /** The appid (real ones are `wx` + 16 hex; any non-empty string is accepted, e.g. `wxdevapp00000001`). */
  appid: string;
  /** Its AppSecret. */
  secret: string;
}

/** Socket-level timeouts of the connection pool, ms. Each is also cut short by the whole-call budget. */
export interface WeChatTimeouts {
  /** TCP/TLS connect (default 2000). */
  connectMs?: number;
  /** Until the response headers arrive (default `timeoutMs`). */
  headersMs?: number;
  /** Between body chunks (default `timeoutMs`). */
  bodyMs?: number;
}

/**
 * The circuit breaker of a client's upstream origin. It counts consecutive `unavailable` call outcomes (timeout,
 * network failure, non-2xx, bad body, -1 after its retries); errcodes of other kinds (40029, 45011…) count as the
 * transport working. At `failureThreshold` it opens: for `openMs` every call fails at once with errcode -1008
 * (`unavailable`, `retryAfterSeconds` = the rest of the cool-down) without reaching WeChat. Then one probe call goes
 * through; an answer closes it, another `unavailable` opens it again.
 */
export interface WeChatBreakerOptions {
  /** Consecutive `unavailable` outcomes that open the breaker (default 20). */
  failureThreshold?: number;
  /** Cool-down before the probe call, ms, measured on `clock` (default 5000). */
  openMs?: number;
}

/** Options of `new WeChatClient(…)`. */
export interface WeChatClientOptions {
  /** The mini programs this client may call for (at least one; appids unique). */
  apps: readonly WeChatAppCredentials[];
  /** WeChat's API origin (default `https://api.weixin.qq.com`); the simulator's URL in dev and tests. */
  baseUrl?: string;
  /** Whole-call budget of one public call, retries and token fetches included, ms (default 5000). */
  timeoutMs?: number;
  /** Socket-level timeouts. */
  timeouts?: WeChatTimeouts;
  /** Where access tokens are shared (default: a `MemoryTokenCache` on `clock`). */
  tokenCache?: TokenCache;
  /** Called after every upstream request, e.g. for metrics. */
  onCall?: WeChatCallListener;
  /** Wall clock, epoch ms (default `Date.now`): the day of the forced-refresh budget, and the default cache's TTLs. */
  clock?: () => number;
  /** Upstream requests in flight at once (default 256). */
  maxInFlight?: number;
  /** Upstream requests waiting for a slot (default 256); beyond that a call fails at once as `unavailable`. */
  maxQueued?: number;
  /** Forced access-token refreshes allowed per appid per Beijing day (default 10; WeChat allows 20). */
  forceRefreshDailyBudget?: number;
  /** The circuit breaker (default on: 20 consecutive failures, 5 s open); `false` turns it off. */
  breaker?: WeChatBreakerOptions | false;
}

/** Options of `getAccessToken`. */
export interface GetAccessTokenOptions {
  /**
   * Mint a new token (`force_refresh: true`), killing the one every instance holds. Meant for a leaked token; within
   * 30 s of the last forced refresh it returns the current token instead, and past the daily budget it throws.
   */
  forceRefresh?: boolean;
}

/** Options of `getPhoneNumber`. */
export interface GetPhoneNumberOptions {
  /** The session's openid: WeChat then rejects a code tapped by another user. */
  openid?: string;
}
