import { ERROR_CATALOGUE, type ErrorCode } from './catalogue.js';

/**
 * What kind of failure a WeChat answer (or a failed call) is, as the Contract names them.
 * `retryable` is true for `unavailable` only: `rate_limited` waits for the client, `token_expired` is handled
 * inside the client, everything else will fail the same way again.
 */
export type WeChatErrorKind =
  | 'invalid_code'
  | 'code_used'
  | 'rate_limited'
  | 'blocked'
  | 'config'
  | 'token_expired'
  | 'session_invalid'
  | 'unavailable'
  | 'unknown';

/** The WeChat server APIs the client speaks, as named in `WeChatCallEvent.api` and `WeChatError.api`. */
export type WeChatApi = 'code2Session' | 'stableToken' | 'getPhoneNumber' | 'checkSession' | 'resetSessionKey';

/**
 * Errcodes the client makes up for failures that never got a WeChat answer. WeChat's own errcodes are 0, -1 and
 * positive numbers, so these (all below -1000) can never be confused with one; they show up in `WeChatError.errcode`
 * and in `WeChatCallEvent.errcode`, so metrics can tell a timeout from a refused connection.
 */
export const SYNTHETIC_ERRCODES = {
  /** The whole-call budget (`timeoutMs`) or an undici connect/headers/body timeout ran out. */
  TIMEOUT: -1001,
  /** The connection failed: refused, reset, dropped, DNS, TLS. */
  NETWORK: -1002,
  /** An HTTP status other than 2xx (WeChat answers 200 even for errors, so this is a proxy or an outage). */
  HTTP_STATUS: -1003,
  /** The body was not a JSON object (HTML error page, truncated, too large) or lacked the expected field. */
  BAD_BODY: -1004,
  /** The client's own concurrency cap (`maxInFlight` + `maxQueued`) is full: the call was refused before it began. */
  OVERLOADED: -1005,
  /** A forced access-token refresh was refused by the daily budget. */
  FORCE_REFRESH_BUDGET: -1006,
  /** The appid is not one of the configured apps: no upstream call was made. */
  UNKNOWN_APP: -1007,
  /** The client's circuit breaker is open after repeated `unavailable` outcomes: the call was refused before it began. */
  CIRCUIT_OPEN: -1008,
} as const;

/** One row of the errcode table. */
export interface ErrcodeRule {
  /** The kind of failure. */
  readonly kind: WeChatErrorKind;
  /** The service's error code (`ERROR_CATALOGUE` key) this failure becomes. */
  readonly code: ErrorCode;
  /** What the errcode means, in a few words (documentation, and the message of a synthetic error). */
  readonly meaning: string;
}

/** The result of {@link classifyErrcode}: the table row plus the HTTP status the service answers with. */
export interface ErrcodeClassification extends ErrcodeRule {
  /** HTTP status of `code` in `ERROR_CATALOGUE`. */
  readonly status: number;
}

const unavailable = (meaning: string): ErrcodeRule => ({ kind: 'unavailable', code: 'WECHAT_UNAVAILABLE', meaning });
const config = (meaning: string): ErrcodeRule => ({ kind: 'config', code: 'APP_MISCONFIGURED', meaning });
const tokenRejected = (meaning: string): ErrcodeRule => ({ kind: 'token_expired', code: 'WECHAT_ERROR', meaning });

/**
 * THE errcode table: errcode → kind → the service's error code. `docs/errors.md` documents it row by row
 * (a test keeps the two in step). Any errcode not listed is `unknown` / `WECHAT_ERROR`.
 */
export const ERRCODE_TABLE: ReadonlyMap<number, ErrcodeRule> = new Map<number, ErrcodeRule>([
  [-1, unavailable('system busy')],
  [SYNTHETIC_ERRCODES.TIMEOUT, unavailable('timeout (synthetic)')],
  [SYNTHETIC_ERRCODES.NETWORK, unavailable('network failure (synthetic)')],
  [SYNTHETIC_ERRCODES.HTTP_STATUS, unavailable('non-2xx HTTP status (synthetic)')],
  [SYNTHETIC_ERRCODES.BAD_BODY, unavailable('HTML, truncated or non-JSON body (synthetic)')],
  [SYNTHETIC_ERRCODES.OVERLOADED, unavailable('client concurrency cap reached (synthetic)')],
  [SYNTHETIC_ERRCODES.CIRCUIT_OPEN, unavailable('circuit breaker open (synthetic)')],
  [
    SYNTHETIC_ERRCODES.FORCE_REFRESH_BUDGET,
    { kind: 'rate_limited', code: 'WECHAT_RATE_LIMITED', meaning: 'forced token refresh budget used up (synthetic)' },
  ],
  [
    SYNTHETIC_ERRCODES.UNKNOWN_APP,
    { kind: 'config', code: 'UNKNOWN_APP', meaning: 'appid not configured (synthetic)' },
  ],
  [40029, { kind: 'invalid_code', code: 'INVALID_CODE', meaning: 'invalid code' }],
  [41008, { kind: 'invalid_code', code: 'INVALID_CODE', meaning: 'missing code' }],
  [40163, { kind: 'code_used', code: 'CODE_ALREADY_USED', meaning: 'code been used' }],
  [45011, { kind: 'rate_limited', code: 'WECHAT_RATE_LIMITED', meaning: 'API minute-quota reached' }],
  [45009, { kind: 'rate_limited', code: 'WECHAT_RATE_LIMITED', meaning: 'API daily quota reached' }],
  [40226, { kind: 'blocked', code: 'USER_BLOCKED', meaning: 'high-risk user, login blocked' }],
  [40013, config('invalid appid')],
  [40125, config('invalid appsecret')],
  [40164, config('caller IP not on the whitelist')],
  [40243, config('AppSecret frozen')],
  [41002, config('appid missing')],
  [41004, config('appsecret missing')],
  [40002, config('invalid grant_type')],
  [47001, config('request body not JSON')],
  [87008, config('invalid sig_method')],
  [40001, tokenRejected('access_token invalid or not latest')],
  [42001, tokenRejected('access_token expired')],
  [40014, tokenRejected('invalid access_token')],
  [87009, { kind: 'session_invalid', code: 'WECHAT_SESSION_STALE', meaning: 'invalid signature (session_key stale)' }],
]);

/** Errcodes that mean "the access token this call carried was rejected". */
export const TOKEN_REJECTED_ERRCODES: ReadonlySet<number> = new Set([40001, 42001, 40014]);

const UNKNOWN_RULE: ErrcodeRule = { kind: 'unknown', code: 'WECHAT_ERROR', meaning: 'not in the errcode table' };

/**
 * The rows that one API answers differently from {@link ERRCODE_TABLE}, because there the same errcode asks the
 * caller for another remedy. `docs/errors.md` documents them too.
 */
export const API_ERRCODE_TABLE: ReadonlyMap<WeChatApi, ReadonlyMap<number, ErrcodeRule>> = new Map([
  // At the token endpoint 40001 means "wrong AppSecret", not "bad token": there is no token to refetch.
  ['stableToken', new Map([[40001, config('invalid credential (wrong AppSecret)')]])],
  // A refused phone code is cured by another tap of the button; a new wx.login() (INVALID_CODE's advice) changes nothing.
  [
    'getPhoneNumber',
    new Map<number, ErrcodeRule>([[40029, { kind: 'invalid_code', code: 'INVALID_PHONE_CODE', meaning: 'invalid phone code' }]]),
  ],
]);

/**
 * Looks an errcode up in the errcode table.
 * @param errcode WeChat's errcode, or one of {@link SYNTHETIC_ERRCODES}.
 * @param api the API that answered; needed because some errcodes mean another thing there
 *   ({@link API_ERRCODE_TABLE}: 40001 at `stableToken` is a wrong secret, 40029 at `getPhoneNumber` a phone code).
 * @returns kind, service error code, its HTTP status and a short meaning;
 *   unlisted errcodes are `unknown` / `WECHAT_ERROR`.
 */
export function classifyErrcode(errcode: number, api?: WeChatApi): ErrcodeClassification {
  const rule =
    (api === undefined ? undefined : API_ERRCODE_TABLE.get(api)?.get(errcode)) ?? ERRCODE_TABLE.get(errcode) ?? UNKNOWN_RULE;
  return { ...rule, status: ERROR_CATALOGUE[rule.code].status };
}
