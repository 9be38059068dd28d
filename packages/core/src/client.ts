import { inspect } from 'node:util';
import type { WeChatCallListener } from './api/call-event.js';
import type { CallContext } from './api/call-wechat.js';
import { requestCheckSession } from './api/check-session.js';
import { requestCode2Session, type Code2SessionResult } from './api/code2session.js';
import { requestPhoneNumber, type PhoneNumberResult } from './api/get-phone-number.js';
import { requestResetSessionKey } from './api/reset-session-key.js';
import type {
  GetAccessTokenOptions,
  GetPhoneNumberOptions,
  WeChatAppCredentials,
  WeChatClientOptions,
} from './client-options.js';
import { SYNTHETIC_ERRCODES, TOKEN_REJECTED_ERRCODES, type WeChatApi } from './errors/errcode-table.js';
import { WeChatError } from './errors/wechat-error.js';
import { CircuitBreaker, type CircuitState } from './http/circuit-breaker.js';
import { ConcurrencyGate } from './http/concurrency-gate.js';
import { Deadline } from './http/deadline.js';
import { UpstreamPool } from './http/upstream-pool.js';
import { AccessTokenManager, type AccessTokenState, type ForceRefusal } from './token/access-token-manager.js';
import { MemoryTokenCache } from './token/memory-token-cache.js';
import { requestStableToken } from './token/stable-token.js';

const DEFAULTS = {
  baseUrl: 'https://api.weixin.qq.com',
  timeoutMs: 5000,
  connectMs: 2000,
  maxInFlight: 256,
  maxQueued: 256,
  forceRefreshDailyBudget: 10,
  breakerFailureThreshold: 20,
  breakerOpenMs: 5000,
} as const;

const REFUSAL_TEXT: Record<ForceRefusal, string> = {
  recent: 'a forced token refresh happened less than 30 s ago',
  budget: 'the daily forced-refresh budget is used up',
  lock_busy: 'another instance holds the token lock',
  cache_down: 'the token cache is unavailable, forced refresh suspended',
};

/**
 * WeChat's mini program server API for one or more apps: code2Session, the stable access token, phone numbers,
 * session-key checks. One keep-alive pool to `baseUrl`, a whole-call budget per call, a concurrency cap, a circuit
 * breaker, typed errors ({@link WeChatError}) and no secret in anything it prints. Every call names its appid.
 */
export class WeChatClient {
  readonly #apps: ReadonlyMap<string, WeChatAppCredentials>;
  readonly #timeoutMs: number;
  readonly #context: CallContext;
  readonly #tokens: AccessTokenManager;

  constructor(options: WeChatClientOptions) {
    this.#apps = checkApps(options.apps);
    this.#timeoutMs = positive('timeoutMs', options.timeoutMs ?? DEFAULTS.timeoutMs);
    const clock = options.clock ?? Date.now;
    const maxInFlight = positive('maxInFlight', options.maxInFlight ?? DEFAULTS.maxInFlight);
    const maxQueued = nonNegative('maxQueued', options.maxQueued ?? DEFAULTS.maxQueued);
    const pool = new UpstreamPool(
      options.baseUrl ?? DEFAULTS.baseUrl,
      {
        connectMs: positive(
          'timeouts.connectMs',
          options.timeouts?.connectMs ?? Math.min(DEFAULTS.connectMs, this.#timeoutMs),
        ),
        headersMs: positive('timeouts.headersMs', options.timeouts?.headersMs ?? this.#timeoutMs),
        bodyMs: positive('timeouts.bodyMs', options.timeouts?.bodyMs ?? this.#timeoutMs),
      },
      maxInFlight,
    );
    const onCall: WeChatCallListener | undefined = options.onCall;
    const breaker =
      options.breaker === false
        ? undefined
        : new CircuitBreaker({
            failureThreshold: positiveInteger(
              'breaker.failureThreshold',
              options.breaker?.failureThreshold ?? DEFAULTS.breakerFailureThreshold,
            ),
            openMs: positive('breaker.openMs', options.breaker?.openMs ?? DEFAULTS.breakerOpenMs),
            clock,
          });
    this.#context = { pool, gate: new ConcurrencyGate(maxInFlight, maxQueued), onCall, breaker };
    this.#tokens = new AccessTokenManager({
      cache: options.tokenCache ?? new MemoryTokenCache({ clock }),
      clock,
      fetchToken: (appid, force, deadline) =>
        requestStableToken(this.#context, this.#app(appid, 'stableToken'), force, deadline),
      fetchBudgetMs: this.#timeoutMs,
      forceRefreshDailyBudget: nonNegative(
        'forceRefreshDailyBudget',
        options.forceRefreshDailyBudget ?? DEFAULTS.forceRefreshDailyBudget,
      ),
    });
  }

  /**
   * The circuit breaker's state: `closed` (calls go through), `open` (calls fail at once after consecutive
   * failures), `half_open` (one probe may go), or `disabled` (`breaker: false`). For readiness pages and dashboards.
   */
  get circuitState(): CircuitState | 'disabled' {
    return this.#context.breaker?.state ?? 'disabled';
  }

  /** The configured appids. */
  get appids(): string[] {
    return [...this.#apps.keys()];
  }

  /**
   * Exchanges a `wx.login()` code (`GET /sns/jscode2session`).
   * @throws WeChatError e.g. `invalid_code` (40029), `code_used` (40163), `blocked` (40226), `unavailable`.
   */
  async code2Session(appid: string, code: string): Promise<Code2SessionResult> {
    const app = this.#app(appid, 'code2Session');
    const deadline = new Deadline(this.#timeoutMs);
    try {
      return await requestCode2Session(this.#context, app, code, deadline);
    } finally {
      deadline.dispose();
    }
  }

  /**
   * The app's access token from `POST /cgi-bin/stable_token`: cached until WeChat's `expires_in` minus
   * min(300 s, half of it), fetched once per appid at a time.
   */
  async getAccessToken(appid: string, options: GetAccessTokenOptions = {}): Promise<string> {
    this.#app(appid, 'stableToken');
    const deadline = new Deadline(this.#timeoutMs);
    if (options.forceRefresh === true) return this.#tokens.forceRefresh(appid, deadline);
    return this.#tokens.get(appid, deadline);
  }

  /**
   * What is known of the app's access token, never the token itself: whether one is cached, when it was fetched
   * and expires, and the forced refreshes spent this Beijing day (shared across instances with a shared cache).
   */
  async accessTokenState(appid: string): Promise<AccessTokenState> {
    this.#app(appid, 'stableToken');
    return this.#tokens.state(appid);
  }

  /**
   * Redeems a phone-number button code (`POST /wxa/business/getuserphonenumber`).
   * @returns the number; `countryCode` is always a string.
   */
  async getPhoneNumber(appid: string, code: string, options: GetPhoneNumberOptions = {}): Promise<PhoneNumberResult> {
    this.#app(appid, 'getPhoneNumber');
    const deadline = new Deadline(this.#timeoutMs);
    return this.#withAccessToken(appid, deadline, (token) =>
      requestPhoneNumber(this.#context, appid, token, code, options.openid, deadline),
    );
  }

  /**
   * Asks WeChat whether `sessionKey` is still the user's current one (`GET /wxa/checksession`).
   * @returns true when valid; false on 87009 (stale, or WeChat cannot tell it from a bad signature).
   */
  async checkSession(appid: string, openid: string, sessionKey: string): Promise<boolean> {
    this.#app(appid, 'checkSession');
    const deadline = new Deadline(this.#timeoutMs);
    return this.#withAccessToken(appid, deadline, (token) =>
      requestCheckSession(this.#context, appid, token, openid, sessionKey, deadline),
    );
  }

  /**
   * Replaces the user's session_key (`GET /wxa/resetusersessionkey`); the old one stops working at once.
   * @returns the new session_key.
   * @throws WeChatError `session_invalid` (87009) when `sessionKey` is not the current one.
   */
  async resetSessionKey(appid: string, openid: string, sessionKey: string): Promise<string> {
    this.#app(appid, 'resetSessionKey');
    const deadline = new Deadline(this.#timeoutMs);
    return this.#withAccessToken(appid, deadline, (token) =>
      requestResetSessionKey(this.#context, appid, token, openid, sessionKey, deadline),
    );
  }

  /** Closes the connection pool (waits for calls in flight). Calls after `close()` fail as `unavailable`. */
  async close(): Promise<void> {
    await this.#context.pool.close();
  }

  // Runs a call that carries the access token; on a rejected token, one replacement and one retry.
  async #withAccessToken<T>(appid: string, deadline: Deadline, call: (token: string) => Promise<T>): Promise<T> {
    const token = await this.#tokens.get(appid, deadline);
    try {
      return await call(token);
    } catch (error) {
      if (!(error instanceof WeChatError) || !TOKEN_REJECTED_ERRCODES.has(error.errcode)) throw error;
      const outcome = await this.#tokens.replaceRejected(appid, token, deadline);
      if ('refused' in outcome) {
        throw new WeChatError({
          errcode: error.errcode,
          // Prefixed, not appended: the rid is everything after "rid: ".
          errmsg: `${REFUSAL_TEXT[outcome.refused]}; WeChat said: ${error.errmsg}`,
          api: error.api,
          appid,
        });
      }
      return call(outcome.token);
    }
  }

  #app(appid: string, api: WeChatApi): WeChatAppCredentials {
    const app = typeof appid === 'string' ? this.#apps.get(appid) : undefined;
    if (app === undefined) {
      throw new WeChatError({
        errcode: SYNTHETIC_ERRCODES.UNKNOWN_APP,
        errmsg: 'this appid is not configured',
        api,
        appid: String(appid).slice(0, 64),
      });
    }
    return app;
  }

  /** A secret-free description for logs. */
  toJSON(): { appids: string[] } {
    return { appids: this.appids };
  }

  [inspect.custom](): string {
    return `WeChatClient { appids: ${inspect(this.appids)} }`;
  }
}

function checkApps(apps: readonly WeChatAppCredentials[]): ReadonlyMap<string, WeChatAppCredentials> {
  if (!Array.isArray(apps) || apps.length === 0) throw new TypeError('WeChatClient: `apps` must list at least one app');
  const byId = new Map<string, WeChatAppCredentials>();
  apps.forEach((app, index) => {
    if (typeof app?.appid !== 'string' || app.appid.length === 0) {
      throw new TypeError(`WeChatClient: apps[${index}].appid must be a non-empty string`);
    }
    if (typeof app.secret !== 'string' || app.secret.length === 0) {
      throw new TypeError(`WeChatClient: apps[${index}].secret (for ${app.appid}) must be a non-empty string`);
    }
    if (byId.has(app.appid)) throw new TypeError(`WeChatClient: appid ${app.appid} is listed twice`);
    byId.set(app.appid, Object.freeze({ appid: app.appid, secret: app.secret }));
  });
  return byId;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`WeChatClient: ${name} must be a positive number`);
  return value;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new TypeError(`WeChatClient: ${name} must be a positive integer`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new TypeError(`WeChatClient: ${name} must be a non-negative integer`);
  }
  return value;
}
