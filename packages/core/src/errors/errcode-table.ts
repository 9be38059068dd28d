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
  /** What the errcode means, in a few words (documentation, and the message of a synthetic error). */
  readonly meaning: string;
}

const unavailable = (meaning: string): ErrcodeRule => ({ kind: 'unavailable', meaning });
const config = (meaning: string): ErrcodeRule => ({ kind: 'config', meaning });
const tokenRejected = (meaning: string): ErrcodeRule => ({ kind: 'token_expired', meaning });

/**
 * THE errcode table: errcode → kind. `docs/errors.md` documents it row by row (a test keeps the two in step).
 * Any errcode not listed is `unknown`. What the service answers for each kind is the server's business, not core's.
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
    { kind: 'rate_limited', meaning: 'forced token refresh budget used up (synthetic)' },
  ],
  [SYNTHETIC_ERRCODES.UNKNOWN_APP, config('appid not configured (synthetic)')],
  [40029, { kind: 'invalid_code', meaning: 'invalid code' }],
  [41008, { kind: 'invalid_code', meaning: 'missing code' }],
  [40163, { kind: 'code_used', meaning: 'code been used' }],
  [45011, { kind: 'rate_limited', meaning: 'API minute-quota reached' }],
  [45009, { kind: 'rate_limited', meaning: 'API daily quota reached' }],
  [40226, { kind: 'blocked', meaning: 'high-risk user, login blocked' }],
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
  [87009, { kind: 'session_invalid', meaning: 'invalid signature (session_key stale)' }],
]);

/** Errcodes that mean "the access token this call carried was rejected". */
export const TOKEN_REJECTED_ERRCODES: ReadonlySet<number> = new Set([40001, 42001, 40014]);

const UNKNOWN_RULE: ErrcodeRule = { kind: 'unknown', meaning: 'not in the errcode table' };

/**
 * The rows that one API answers differently from {@link ERRCODE_TABLE}, because there the same errcode means another
 * thing (or asks the caller for another remedy). `docs/errors.md` documents them too.
 */
export const API_ERRCODE_TABLE: ReadonlyMap<WeChatApi, ReadonlyMap<number, ErrcodeRule>> = new Map([
  // At the token endpoint 40001 means "wrong AppSecret", not "bad token": there is no token to refetch.
  ['stableToken', new Map([[40001, config('invalid credential (wrong AppSecret)')]])],
  // Same kind as elsewhere, but the code is the phone button's: the server tells the user to tap again, not to log in.
  ['getPhoneNumber', new Map<number, ErrcodeRule>([[40029, { kind: 'invalid_code', meaning: 'invalid phone code' }]])],
]);

/** The APIs whose request carries a one-time code (`wx.login()`'s or the phone button's) that WeChat can use up. */
export const CODE_CARRYING_APIS: ReadonlySet<WeChatApi> = new Set<WeChatApi>(['code2Session', 'getPhoneNumber']);

// WeChat did not take the code up: it never answered or was busy, it refused the caller (quota) or the app (config)
// before looking at the code. A timeout counts here too: if WeChat did take the code, the retry meets 40163.
const CODE_KEPT_KINDS: ReadonlySet<WeChatErrorKind> = new Set<WeChatErrorKind>([
  'unavailable',
  'rate_limited',
  'config',
]);

/**
 * Whether a failed call may have used up the one-time code it carried, so that the same code must not be tried again.
 * @param kind the kind of the failure.
 * @param api the API that failed; only {@link CODE_CARRYING_APIS} carry a code (for the others: `false`).
 */
export function isCodeConsumed(kind: WeChatErrorKind, api: WeChatApi): boolean {
  return CODE_CARRYING_APIS.has(api) && !CODE_KEPT_KINDS.has(kind);
}

/**
 * Looks an errcode up in the errcode table.
 * @param errcode WeChat's errcode, or one of {@link SYNTHETIC_ERRCODES}.
 * @param api the API that answered; needed because some errcodes mean another thing there
 *   ({@link API_ERRCODE_TABLE}: 40001 at `stableToken` is a wrong secret, 40029 at `getPhoneNumber` a phone code).
 * @returns the kind and a short meaning; unlisted errcodes are `unknown`.
 */
export function classifyErrcode(errcode: number, api?: WeChatApi): ErrcodeRule {
  return (
    (api === undefined ? undefined : API_ERRCODE_TABLE.get(api)?.get(errcode)) ??
    ERRCODE_TABLE.get(errcode) ??
    UNKNOWN_RULE
  );
}
