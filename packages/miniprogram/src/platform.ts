/// <reference types="miniprogram-api-typings" />
/**
 * What the SDK needs of the mini program's runtime: `wx` itself, or Taro's `Taro` and uni-app's `uni`, which keep
 * `wx`'s call shapes. Only callbacks are used (every one of the three takes `success` / `fail`), never promises.
 */
export interface Platform {
  /** `wx.login`: a one-time code for the service to exchange at WeChat. */
  login(options: {
    timeout?: number;
    success(result: { code: string }): void;
    fail(error: PlatformError): void;
  }): unknown;
  /** `wx.request`: `success` for any HTTP status, `fail` only when no answer came. */
  request(options: PlatformRequestOptions): unknown;
  /** `wx.getStorageSync`: `''` for a missing key. */
  getStorageSync?(key: string): unknown;
  /** `wx.setStorageSync`. */
  setStorageSync?(key: string, value: unknown): void;
  /** `wx.removeStorageSync`. */
  removeStorageSync?(key: string): void;
  /** `wx.getAccountInfoSync`: the running mini program's appid. */
  getAccountInfoSync?(): { miniProgram: { appId: string } };
  /** `wx.getRandomValues` (base library 2.15.0): cryptographically random bytes for the login nonce. */
  getRandomValues?(options: {
    length: number;
    success(result: { randomValues: ArrayBuffer }): void;
    fail(error: PlatformError): void;
  }): unknown;
}

/** What a `fail` callback receives: `errMsg` is `<api>:fail <reason>`; some failures carry an `errno`. */
export interface PlatformError {
  errMsg?: string;
  errno?: number;
}

/** The methods `wx.request` has. There is no PATCH. */
export type RequestMethod = 'OPTIONS' | 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'TRACE' | 'CONNECT';

/** A request body (or, for GET, the query's fields) as `wx.request` takes it. */
export type RequestData = string | Record<string, unknown> | ArrayBuffer;

/** Options of {@link Platform.request}. */
export interface PlatformRequestOptions {
  url: string;
  method: RequestMethod;
  data?: RequestData;
  header: Record<string, string>;
  /** Milliseconds. */
  timeout: number;
  dataType: 'json';
  success(result: PlatformResponse): void;
  fail(error: PlatformError): void;
}

/** What `wx.request` succeeds with, whatever the HTTP status. */
export interface PlatformResponse {
  statusCode: number;
  data: unknown;
  header?: Record<string, string | undefined>;
}

// Compile-time proof that WeChat's own `wx` (its official typings) is a Platform: a type only, so nothing is emitted
// and the published declarations never need miniprogram-api-typings.
type Fits<T extends Platform> = T;
// biome-ignore lint/correctness/noUnusedVariables: a compile-time check, used by nothing on purpose
type WxIsAPlatform = Fits<WechatMiniprogram.Wx>;

/** The global `wx` when the code runs in a mini program; undefined elsewhere (Taro and uni-app pass theirs). */
export function globalWx(): Platform | undefined {
  return typeof wx === 'undefined' ? undefined : (wx as unknown as Platform);
}

/**
 * Taro and uni-app also return a promise from a call given callbacks, which rejects when `fail` runs: the SDK
 * listens to the callbacks only, so that promise is caught here instead of surfacing as an unhandled rejection.
 */
export function ignoreResult(result: unknown): void {
  if (typeof result === 'object' && result !== null && typeof (result as { catch?: unknown }).catch === 'function') {
    (result as Promise<unknown>).catch(() => undefined);
  }
}
