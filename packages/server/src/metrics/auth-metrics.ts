import type { WeChatCallEvent } from '@wxlogin/core';

/**
 * What the auth functions report to metrics. Each method is a counter increment at most: it must not throw, block
 * or allocate per call beyond that. `createApp` passes a Prometheus-backed one ({@link createPrometheusMetrics});
 * `createAuth` used as a library gets {@link silentMetrics} unless given one.
 */
export interface AuthMetrics {
  /** A login finished: `outcome` is `success` or the catalogue error code it failed with. */
  loginFinished(appid: string | undefined, outcome: string): void;
  /** A refresh answered new tokens (a rotation; a replay of the predecessor within the grace window counts too). */
  tokenRefreshed(): void;
  /** A refresh presented an older generation: the session was revoked (`REFRESH_TOKEN_REUSED`). */
  refreshReuseDetected(): void;
  /** A phone code was redeemed at WeChat (`getPhoneNumber`): `outcome` is `success` or the catalogue error code. */
  phoneCodeRedeemed(appid: string, outcome: string): void;
  /** A Redis-backed rate limit could not reach Redis and let the request through. */
  rateLimitFailedOpen(): void;
  /** One upstream WeChat request finished (the `onCall` listener of `@wxlogin/core`'s client). */
  wechatCall(event: WeChatCallEvent): void;
}

const noop = (): void => {};

/** Counts nothing: the default of `createAuth` without metrics. */
export const silentMetrics: AuthMetrics = Object.freeze({
  loginFinished: noop,
  tokenRefreshed: noop,
  refreshReuseDetected: noop,
  phoneCodeRedeemed: noop,
  rateLimitFailedOpen: noop,
  wechatCall: noop,
});
