/**
 * The service's error catalogue: every error code wxlogin answers with, its HTTP status and a default message.
 * Defined once here; the server throws these codes ({@link AppError}) and its single error handler renders
 * `{ "error": { "code", "message", "wechat"? } }` from them. `docs/errors.md` documents each. Codes are API: never
 * rename one.
 */
export const ERROR_CATALOGUE = {
  VALIDATION_FAILED: { status: 400, message: 'The request is not valid.' },
  UNKNOWN_APP: { status: 400, message: 'This appid is not configured.' },
  INVALID_CODE: { status: 400, message: 'The login code is invalid or expired; call wx.login() again.' },
  CODE_ALREADY_USED: { status: 400, message: 'The login code was already used; call wx.login() again.' },
  /** The phone flow's own: its remedy is another tap of the button, not a new wx.login(). */
  INVALID_PHONE_CODE: {
    status: 400,
    message: 'The phone-number code is invalid, used or expired; ask the user to tap the button again.',
  },
  DECRYPT_FAILED: { status: 400, message: 'The encrypted data could not be decrypted.' },
  UNAUTHORIZED: { status: 401, message: 'Missing or invalid credentials.' },
  REFRESH_TOKEN_REUSED: { status: 401, message: 'This refresh token was already used; the session has been ended.' },
  SESSION_EXPIRED: { status: 401, message: 'The session has ended; log in again.' },
  USER_DISABLED: { status: 403, message: 'This user is disabled.' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  USER_BLOCKED: { status: 403, message: 'WeChat blocked this login (high-risk user).' },
  PHONE_IN_USE: { status: 409, message: 'This phone number is bound to another user.' },
  WECHAT_SESSION_STALE: {
    status: 409,
    message: 'The WeChat session key has changed; call wx.login() and fetch the data again.',
  },
  /** The client took too long to send its request (headers or body): slow clients are cut, not waited for. */
  REQUEST_TIMEOUT: { status: 408, message: 'The request took too long to arrive.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body must be JSON.' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; retry later.' },
  WECHAT_RATE_LIMITED: { status: 429, message: 'WeChat rate-limited this user; retry later.' },
  APP_MISCONFIGURED: {
    status: 500,
    message: 'The mini program is misconfigured on the server (appid, secret or IP whitelist).',
  },
  WECHAT_ERROR: { status: 502, message: 'WeChat answered with an error.' },
  WECHAT_UNAVAILABLE: { status: 503, message: 'WeChat is unavailable; retry later.' },
  DEPENDENCY_UNAVAILABLE: { status: 503, message: 'A dependency of the service is unavailable.' },
  /** This instance is draining for a restart or deploy: another instance (or this one, later) will answer. */
  SHUTTING_DOWN: { status: 503, message: 'This instance is shutting down; retry.' },
  /** The answer to a bug (never to bad input), so that even then the envelope keeps its shape. */
  INTERNAL_ERROR: { status: 500, message: 'Internal server error.' },
} as const satisfies Record<string, { status: number; message: string }>;

/** One of the service's error codes (UPPER_SNAKE). */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** True when `code` is one of the catalogue's codes (for codes read back from storage or from a client). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CATALOGUE, code);
}
