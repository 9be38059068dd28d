import { isWxloginError, WxloginError } from './errors.js';
import { errorOf, send } from './http.js';
import { makeNonce } from './nonce.js';
import { ignoreResult, type Platform } from './platform.js';
import { withRetries, type RetryPolicy } from './retry.js';
import type { Session, SessionStore } from './session-store.js';
import type { TokenAnswer, User } from './types.js';
import { resolveUrl } from './urls.js';

/** What {@link AuthFlow} works with. */
export interface AuthFlowOptions {
  platform: Platform;
  baseUrl: string;
  appid: string;
  timeoutMs: number;
  codeProvider: (() => Promise<string>) | undefined;
  store: SessionStore;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Told the user after every change of session (`null`: logged out). */
  notify: (user: User | null) => void;
}

/** What a login gives. */
export interface LoginOutcome {
  user: User;
  isNew: boolean;
  session: Session;
}

// A login retried with the same code and nonce costs no second WeChat call (the service replays its answer for 60 s
// after it handled the first, and takes over the claim of a request that died): worth several seconds. A refresh
// retried with the same token gets the same successor only inside the service's rotation grace
// (`WXLOGIN_REFRESH_GRACE_S`, 10 s by default, counted from the rotation's statement, which ran after our first
// attempt began): so no refresh retry starts later than 8 s after the first attempt — a slow failure is not retried.
const LOGIN_RETRY: RetryPolicy = { retries: 3, maxWaitSeconds: 10, maxElapsedMs: 30_000 };
const REFRESH_RETRY: RetryPolicy = { retries: 2, maxWaitSeconds: 2, maxElapsedMs: 8_000 };

/**
 * Logging in and keeping the session fresh, one at a time: concurrent callers share one in-flight login and one
 * in-flight refresh, so five pages awaiting `ready()` make one `wx.login` and twenty requests meeting a 401 make one
 * refresh (a second rotation of the same token would look like theft to the service).
 */
export class AuthFlow {
  #login: Promise<LoginOutcome> | undefined;
  #refresh: Promise<Session> | undefined;
  #codesFetched = 0;

  constructor(private readonly options: AuthFlowOptions) {}

  /** The stored session, if any. */
  current(): Session | undefined {
    return this.options.store.get();
  }

  /**
   * How many login codes were fetched so far. Any `wx.login` may give the user a new session_key at WeChat, so
   * `encryptedData` received before a fetch may no longer open on the service.
   */
  get codesFetched(): number {
    return this.#codesFetched;
  }

  /** A new login (shared with one already under way). */
  login(): Promise<LoginOutcome> {
    if (this.#login === undefined) {
      this.#login = this.#loginNow().then(
        (outcome) => ((this.#login = undefined), outcome),
        (error: unknown) => {
          this.#login = undefined;
          throw error;
        },
      );
    }
    return this.#login;
  }

  /** A session whose access token is not expired: the stored one, refreshed, or a new login. */
  async validSession(): Promise<Session> {
    const session = this.current();
    if (session === undefined) return (await this.login()).session;
    if (this.options.now() < session.accessExpiresAt) return session;
    return this.refresh(session, true);
  }

  /** After `rejected` met a 401: the session another caller renewed meanwhile, else a refresh (or a login). */
  async renew(rejected: string): Promise<Session> {
    const session = this.current();
    if (session === undefined) return (await this.login()).session;
    if (session.accessToken !== rejected) return session;
    return this.refresh(session, true);
  }

  /**
   * Rotates the refresh token (shared with a refresh already under way). When the service says the session is over
   * (`SESSION_EXPIRED`, `REFRESH_TOKEN_REUSED`, `UNAUTHORIZED`) and `relogin` is set, logs in again silently: the
   * same WeChat user comes back as the same user.
   */
  refresh(session: Session, relogin: boolean): Promise<Session> {
    if (this.#refresh === undefined) {
      this.#refresh = this.#refreshNow(session, relogin).then(
        (fresh) => ((this.#refresh = undefined), fresh),
        (error: unknown) => {
          this.#refresh = undefined;
          throw error;
        },
      );
    }
    return this.#refresh;
  }

  /** Clears the session in storage and tells the listeners. */
  forget(): void {
    this.options.store.clear();
    this.options.notify(null);
  }

  /** POSTs `body` to the service's `path` without a bearer; rejects with the answer's error for a status ≥ 400. */
  async post(path: string, body: Record<string, unknown>): Promise<unknown> {
    const response = await send(this.options.platform, {
      url: resolveUrl(this.options.baseUrl, path),
      method: 'POST',
      data: body,
      header: { 'content-type': 'application/json' },
      timeoutMs: this.options.timeoutMs,
    });
    if (response.statusCode >= 400) throw errorOf(response, this.options.now);
    return response.data;
  }

  async #loginNow(): Promise<LoginOutcome> {
    const { store, sleep, now, appid } = this.options;
    const epoch = store.epoch;
    // WeChat refused the code (unknown, expired, used): one fresh code, never the same one again.
    for (let freshCodes = 0; ; freshCodes++) {
      const code = await this.#fetchCode();
      const loginNonce = await makeNonce(this.options.platform);
      try {
        const answer = await withRetries(
          async () => tokenAnswer(await this.post('/v1/auth/login', { code, appid, loginNonce })),
          LOGIN_RETRY,
          { now, sleep },
        );
        const replaced = store.get();
        const session = this.#keep(answer, epoch);
        // One session per device: the one this login replaced is ended on the service (best effort).
        if (replaced !== undefined && replaced.refreshToken !== session.refreshToken) {
          this.post('/v1/auth/logout', { refreshToken: replaced.refreshToken }).catch(() => undefined);
        }
        return { user: answer.user, isNew: answer.isNew === true, session };
      } catch (error) {
        if (freshCodes === 0 && isWxloginError(error, 'INVALID_CODE', 'CODE_ALREADY_USED')) continue;
        if (isWxloginError(error, 'USER_DISABLED')) this.forget();
        throw error;
      }
    }
  }

  async #refreshNow(session: Session, relogin: boolean): Promise<Session> {
    const { store, sleep, now } = this.options;
    const epoch = store.epoch;
    try {
      const answer = await withRetries(
        async () => tokenAnswer(await this.post('/v1/auth/refresh', { refreshToken: session.refreshToken })),
        REFRESH_RETRY,
        { now, sleep },
      );
      return this.#keep(answer, epoch);
    } catch (error) {
      if (isWxloginError(error, 'USER_DISABLED')) this.forget();
      if (!relogin || store.epoch !== epoch) throw error;
      if (!isWxloginError(error, 'SESSION_EXPIRED', 'REFRESH_TOKEN_REUSED', 'UNAUTHORIZED')) throw error;
      // The session is over: it is no session any more, whatever the new login gives.
      store.clear();
      try {
        return (await this.login()).session;
      } catch (loginError) {
        this.options.notify(null);
        throw loginError;
      }
    }
  }

  #keep(answer: TokenAnswer, epoch: number): Session {
    const session = this.options.store.save(answer, epoch);
    if (session === undefined) throw new WxloginError('SESSION_EXPIRED', 'Logged out while the login was under way.');
    this.options.notify(answer.user);
    return session;
  }

  async #fetchCode(): Promise<string> {
    this.#codesFetched += 1;
    const { codeProvider, platform, timeoutMs } = this.options;
    let code: unknown;
    if (codeProvider !== undefined) {
      try {
        code = await codeProvider();
      } catch (error) {
        throw new WxloginError(
          'WX_LOGIN_FAILED',
          `codeProvider failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    } else {
      code = await new Promise<string>((resolve, reject) => {
        const fail = (error: { errMsg?: string; errno?: number }): void => {
          const errMsg = typeof error?.errMsg === 'string' ? error.errMsg : 'login:fail';
          reject(
            new WxloginError('WX_LOGIN_FAILED', `wx.login failed: ${errMsg}`, {
              errMsg,
              ...(typeof error?.errno === 'number' ? { errno: error.errno } : {}),
            }),
          );
        };
        try {
          ignoreResult(platform.login({ timeout: timeoutMs, success: (result) => resolve(result?.code), fail }));
        } catch (error) {
          fail({ errMsg: `login:fail ${error instanceof Error ? error.message : String(error)}` });
        }
      });
    }
    if (typeof code !== 'string' || code === '') throw new WxloginError('WX_LOGIN_FAILED', 'wx.login gave no code.');
    return code;
  }
}

/** The token answer in `data`, or `HTTP_ERROR` when the body is not one (a proxy's page, a wrong baseUrl). */
function tokenAnswer(data: unknown): TokenAnswer {
  const answer = data as Partial<TokenAnswer> | null;
  if (
    typeof answer !== 'object' ||
    answer === null ||
    typeof answer.accessToken !== 'string' ||
    typeof answer.refreshToken !== 'string' ||
    typeof answer.expiresIn !== 'number' ||
    typeof answer.user !== 'object' ||
    answer.user === null
  ) {
    throw new WxloginError(
      'HTTP_ERROR',
      'The service answered something that is not a token answer: is baseUrl right?',
      { data },
    );
  }
  return answer as TokenAnswer;
}
