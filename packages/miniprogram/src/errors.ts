/** The codes the service answers with (its error catalogue; see docs/errors.md). */
export type ServiceErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNKNOWN_APP'
  | 'INVALID_CODE'
  | 'CODE_ALREADY_USED'
  | 'INVALID_PHONE_CODE'
  | 'DECRYPT_FAILED'
  | 'UNAUTHORIZED'
  | 'REFRESH_TOKEN_REUSED'
  | 'SESSION_EXPIRED'
  | 'USER_DISABLED'
  | 'NOT_FOUND'
  | 'USER_BLOCKED'
  | 'PHONE_IN_USE'
  | 'WECHAT_SESSION_STALE'
  | 'REQUEST_TIMEOUT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'HEADERS_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'WECHAT_RATE_LIMITED'
  | 'APP_MISCONFIGURED'
  | 'WECHAT_ERROR'
  | 'WECHAT_UNAVAILABLE'
  | 'DEPENDENCY_UNAVAILABLE'
  | 'SHUTTING_DOWN'
  | 'INTERNAL_ERROR';

/**
 * The SDK's own codes, for failures that have no answer of the service behind them: no network answer
 * (`NETWORK_ERROR`, also `request:fail interrupted` after 5 s in the background), `wx.login` failing
 * (`WX_LOGIN_FAILED`), the phone button refused or its quota used up (`PHONE_DENIED`, `PHONE_QUOTA_EXCEEDED`: no
 * request is made), and an HTTP error outside the service's envelope (`HTTP_ERROR`: a gateway's 502, another API).
 */
export type SdkErrorCode = 'NETWORK_ERROR' | 'WX_LOGIN_FAILED' | 'PHONE_DENIED' | 'PHONE_QUOTA_EXCEEDED' | 'HTTP_ERROR';

/** Every code a {@link WxloginError} can carry. */
export type WxloginErrorCode = ServiceErrorCode | SdkErrorCode;

/** WeChat's part of an error answer: its errcode and request id (WeChat support asks for the rid). */
export interface WeChatErrorInfo {
  errcode: number;
  rid: string | null;
}

/** Fields of a {@link WxloginError} besides code and message. */
export interface WxloginErrorDetails {
  statusCode?: number;
  data?: unknown;
  wechat?: WeChatErrorInfo;
  retryAfterSeconds?: number;
  /** The platform's `errMsg` (`request:fail …`, `login:fail …`, `getPhoneNumber:fail …`). */
  errMsg?: string;
  /** The platform's `errno` (1400001: the phone-number quota is used up). */
  errno?: number;
}

/**
 * The one error the SDK rejects with. `code` is the service's catalogue code, or one of the SDK's own
 * ({@link SdkErrorCode}); `errorMessage(code)` gives a text to show the user. `message` is for developers.
 */
export class WxloginError extends Error {
  readonly code: WxloginErrorCode;
  /** The HTTP status, when the service (or another server) answered. */
  readonly statusCode?: number;
  /** The answer's body, when there was one. */
  readonly data?: unknown;
  /** WeChat's errcode and rid, when the failure came from WeChat. */
  readonly wechat?: WeChatErrorInfo;
  /** Seconds to wait before trying again (`Retry-After`). */
  readonly retryAfterSeconds?: number;
  /** The platform's `errMsg`, for failures of `wx` itself. */
  readonly errMsg?: string;
  /** The platform's `errno`, when it gave one. */
  readonly errno?: number;

  constructor(code: WxloginErrorCode, message: string, details: WxloginErrorDetails = {}) {
    super(message);
    this.name = 'WxloginError';
    this.code = code;
    if (details.statusCode !== undefined) this.statusCode = details.statusCode;
    if (details.data !== undefined) this.data = details.data;
    if (details.wechat !== undefined) this.wechat = details.wechat;
    if (details.retryAfterSeconds !== undefined) this.retryAfterSeconds = details.retryAfterSeconds;
    if (details.errMsg !== undefined) this.errMsg = details.errMsg;
    if (details.errno !== undefined) this.errno = details.errno;
  }
}

/** True when `error` is a {@link WxloginError} with one of `codes` (any code when none is given). */
export function isWxloginError(error: unknown, ...codes: WxloginErrorCode[]): error is WxloginError {
  return error instanceof WxloginError && (codes.length === 0 || codes.indexOf(error.code) !== -1);
}
