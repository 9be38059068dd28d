import { DecryptError, WeChatError } from '@wxlogin/core';
import { isDatabaseUnavailable } from '../store/unavailable.js';
import { AppError } from './app-error.js';
import type { ErrorCode } from './catalogue.js';
import { errorCodeOfWeChat } from './wechat-error-code.js';

// The catalogue promises `Retry-After` on these; WeChat's minute quota (45011) resets within a minute.
const DEFAULT_RETRY_AFTER_S: Partial<Record<ErrorCode, number>> = { WECHAT_UNAVAILABLE: 1, WECHAT_RATE_LIMITED: 60 };

// Below -1000 are the client's synthetic errcodes (timeout, network…): not WeChat's, so not shown as WeChat's.
const isWeChatErrcode = (errcode: number): boolean => errcode >= -1;

/**
 * Maps `@wxlogin/core` errors to {@link AppError}: a {@link WeChatError} gets its catalogue code from
 * `errorCodeOfWeChat` and keeps its errcode, rid and `Retry-After`; a {@link DecryptError} becomes `DECRYPT_FAILED`
 * or `WECHAT_SESSION_STALE`; a database driver error saying the database is unreachable or timed out becomes
 * `DEPENDENCY_UNAVAILABLE` (503, `Retry-After: 1`). An `AppError` is answered as is; anything else is `undefined`
 * (an unexpected error: a 500).
 */
export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error instanceof WeChatError) {
    const code = errorCodeOfWeChat(error);
    const retryAfterSeconds = error.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_S[code];
    return new AppError(code, undefined, {
      ...(isWeChatErrcode(error.errcode) ? { wechat: { errcode: error.errcode, rid: error.rid } } : {}),
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      cause: error,
    });
  }
  // DecryptError's two classes share the catalogue's names (`satisfies` keeps them so).
  if (error instanceof DecryptError)
    return new AppError(error.code satisfies ErrorCode, error.message, { cause: error });
  if (isDatabaseUnavailable(error)) {
    // Only what failed, not the driver's error: MySQL's carries the statement with its values (a phone number…).
    const cause = { code: typeof error.code === 'string' ? error.code : error.message };
    return new AppError('DEPENDENCY_UNAVAILABLE', undefined, { retryAfterSeconds: 1, cause });
  }
  return undefined;
}
