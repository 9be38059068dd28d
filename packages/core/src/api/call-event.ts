import type { WeChatApi } from '../errors/errcode-table.js';

/**
 * Reported through `onCall` after every upstream HTTP request (each -1 retry is its own request), e.g. to count and
 * time WeChat calls (`wxlogin_wechat_request_duration_seconds{api,errcode}`). Refusals that never reach WeChat
 * (unknown appid, concurrency cap, open circuit breaker) are not reported.
 */
export interface WeChatCallEvent {
  /** The API called. */
  api: WeChatApi;
  /** The appid of the call. */
  appid: string;
  /**
   * 0 on success; WeChat's errcode (e.g. -1, 40029) when it answered with one; a synthetic errcode below -1000 when
   * there was no usable answer (-1001 timeout, -1002 network, -1003 HTTP status, -1004 bad body; see
   * `SYNTHETIC_ERRCODES`).
   */
  errcode: number;
  /** Wall time of the request, milliseconds (monotonic clock). */
  durationMs: number;
  /** For `stableToken`: whether it was a forced refresh (`force_refresh: true`). */
  forced?: boolean;
}

/** Receives {@link WeChatCallEvent}s; must not throw (a throw is swallowed so the call is unaffected). */
export type WeChatCallListener = (event: WeChatCallEvent) => void;
