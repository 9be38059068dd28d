import { ERROR_CATALOGUE, type ErrorCode } from './catalogue.js';

/** WeChat's part of an error answer: its errcode and request id (WeChat support asks for the rid). */
export interface WeChatErrorDetail {
  /** WeChat's errcode (never one of core's synthetic ones: those are not WeChat's to show). */
  errcode: number;
  /** WeChat's request id, or `null` when its answer carried none. */
  rid: string | null;
}

/** Options of {@link AppError}. */
export interface AppErrorOptions {
  /** WeChat's errcode and rid, when a WeChat answer caused the error. */
  wechat?: WeChatErrorDetail;
  /** Becomes the `Retry-After` header. */
  retryAfterSeconds?: number;
  /** What went wrong underneath; logged (it must be secret-free), never answered. */
  cause?: unknown;
}

/**
 * An error the service answers with: a catalogue `code` (its HTTP status comes from `ERROR_CATALOGUE`), an English
 * message safe to show a client, and optionally WeChat's errcode/rid and a `Retry-After`. Every function of
 * `createAuth` throws only these for expected failures.
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  /** The catalogue code: what the client reads. */
  readonly code: ErrorCode;
  /** HTTP status, from the catalogue. */
  readonly status: number;
  /** WeChat's errcode and rid, when a WeChat answer caused the error. */
  readonly wechat?: WeChatErrorDetail;
  /** Seconds the client should wait (the `Retry-After` header). */
  readonly retryAfterSeconds?: number;

  /**
   * @param code the catalogue code.
   * @param message shown to the client; the catalogue's message when left out, so never put a secret in it.
   * @param options WeChat's detail, `Retry-After`, cause.
   */
  constructor(code: ErrorCode, message?: string, options: AppErrorOptions = {}) {
    super(message ?? ERROR_CATALOGUE[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    if (options.wechat !== undefined) this.wechat = options.wechat;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The plain form, for logs: no cause, no stack. */
  toJSON(): {
    name: 'AppError';
    code: ErrorCode;
    message: string;
    wechat?: WeChatErrorDetail;
    retryAfterSeconds?: number;
  } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.wechat === undefined ? {} : { wechat: this.wechat }),
      ...(this.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: this.retryAfterSeconds }),
    };
  }
}

/**
 * A bug inside the service (an invariant broken, a wiring mistake) met on a request path: answered as
 * `INTERNAL_ERROR` with the catalogue's generic message, while `detail` (for the log only) says what broke.
 * @param detail what broke, in words for an engineer; logged as the cause, never answered.
 * @param cause the error underneath, if any (kept on the logged cause).
 */
export function internalError(detail: string, cause?: unknown): AppError {
  const why = cause === undefined ? new Error(detail) : new Error(detail, { cause });
  return new AppError('INTERNAL_ERROR', undefined, { cause: why });
}
