import type { WeChatApi, WeChatError, WeChatErrorKind } from '@wxlogin/core';
import type { ErrorCode } from './catalogue.js';

/**
 * What the service answers for each kind of WeChat failure. Core classifies (errcode → kind); the answer is the
 * service's choice, made here. `docs/errors.md` documents every row (a test keeps the two in step).
 */
export const KIND_ERROR_CODES: Readonly<Record<WeChatErrorKind, ErrorCode>> = {
  invalid_code: 'INVALID_CODE',
  code_used: 'CODE_ALREADY_USED',
  rate_limited: 'WECHAT_RATE_LIMITED',
  blocked: 'USER_BLOCKED',
  config: 'APP_MISCONFIGURED',
  // The client has already refetched (and maybe force-refreshed) the token: a rejection that survives that is WeChat's.
  token_expired: 'WECHAT_ERROR',
  session_invalid: 'WECHAT_SESSION_STALE',
  unavailable: 'WECHAT_UNAVAILABLE',
  unknown: 'WECHAT_ERROR',
};

/**
 * Errcodes whose answer is not their kind's. -1007 is core's "appid not configured": a `config` failure, but of the
 * request (a wrong appid), not of the server, so it is a 400 rather than an alert.
 */
export const ERRCODE_ERROR_CODES: ReadonlyMap<number, ErrorCode> = new Map<number, ErrorCode>([[-1007, 'UNKNOWN_APP']]);

/**
 * Errcodes whose answer at one API is not their kind's. A refused phone code is cured by another tap of the
 * button; a new wx.login() (INVALID_CODE's advice) would change nothing.
 */
export const API_ERRCODE_ERROR_CODES: ReadonlyMap<WeChatApi, ReadonlyMap<number, ErrorCode>> = new Map([
  ['getPhoneNumber', new Map<number, ErrorCode>([[40029, 'INVALID_PHONE_CODE']])],
]);

/**
 * The catalogue code the service answers a failed WeChat call with: the API's own row, else the errcode's, else
 * its kind's.
 */
export function errorCodeOfWeChat(error: Pick<WeChatError, 'errcode' | 'kind' | 'api'>): ErrorCode {
  return (
    API_ERRCODE_ERROR_CODES.get(error.api)?.get(error.errcode) ??
    ERRCODE_ERROR_CODES.get(error.errcode) ??
    KIND_ERROR_CODES[error.kind]
  );
}
