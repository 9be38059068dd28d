import { DecryptError, ERROR_CATALOGUE, WeChatError, type ErrorCode } from '@wxlogin/core';
import { isDatabaseUnavailable } from './store/unavailable.js';

/** WeChat's part of an error answer: its errcode and request id (WeChat support asks for the rid). */
export interface WeChatErrorDetail {
  errcode: number;
  rid: string | null;
}

/** Options of {@link AppError}. */
export interface AppErrorOptions {
  wechat?: WeChatErrorDetail;
  /** Becomes the `Retry-After` header. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/**
 * An error the service answers with: a catalogue `code` (its HTTP status comes from `ERROR_CATALOGUE`), an English
 * message safe to show a client, and optionally WeChat's errcode/rid and a `Retry-After`. Every function of
 * `createAuth` throws only these for expected failures.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  /** HTTP status, from the catalogue. */
  readonly status: number;
  readonly wechat?: WeChatErrorDetail;
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message?: string, options: AppErrorOptions = {}) {
    super(message ?? ERROR_CATALOGUE[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    if (options.wechat !== undefined) this.wechat = options.wechat;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The plain form, for logs: no cause, no stack. */
  toJSON(): { name: 'AppError'; code: ErrorCode; message: string; wechat?: WeChatErrorDetail; retryAfterSeconds?: number } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.wechat === undefined ? {} : { wechat: this.wechat }),
      ...(this.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: this.retryAfterSeconds }),
    };
  }
}

// The catalogue promises `Retry-After` on these; WeChat's minute quota (45011) resets within a minute.
const DEFAULT_RETRY_AFTER_S: Partial<Record<ErrorCode, number>> = { WECHAT_UNAVAILABLE: 1, WECHAT_RATE_LIMITED: 60 };

// Below -1000 are the client's synthetic errcodes (timeout, network…): not WeChat's, so not shown as WeChat's.
const isWeChatErrcode = (errcode: number): boolean => errcode >= -1;

/**
 * Maps `@wxlogin/core` errors to {@link AppError}: a {@link WeChatError} keeps its catalogue code, errcode, rid
 * and `Retry-After`; a {@link DecryptError} becomes `DECRYPT_FAILED` or `WECHAT_SESSION_STALE`; a database driver
 * error saying the database is unreachable or timed out becomes `DEPENDENCY_UNAVAILABLE` (503, `Retry-After: 1`). An
 * `AppError` is answered as is; anything else is `undefined` (an unexpected error: a 500).
 */
export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error instanceof WeChatError) {
    const retryAfterSeconds = error.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_S[error.code];
    return new AppError(error.code, undefined, {
      ...(isWeChatErrcode(error.errcode) ? { wechat: { errcode: error.errcode, rid: error.rid } } : {}),
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      cause: error,
    });
  }
  if (error instanceof DecryptError) return new AppError(error.code, error.message, { cause: error });
  if (isDatabaseUnavailable(error)) {
    // Only what failed, not the driver's error: MySQL's carries the statement with its values (a phone number…).
    const cause = { code: typeof error.code === 'string' ? error.code : error.message };
    return new AppError('DEPENDENCY_UNAVAILABLE', undefined, { retryAfterSeconds: 1, cause });
  }
  return undefined;
}
