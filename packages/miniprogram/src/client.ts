// Over 300 lines on purpose: `createClient` is one closure whose methods share the session, the one in-flight login
// and refresh, and the epoch; splitting it would hand that state around. The login and refresh flow is `auth-flow.ts`.
import { AuthFlow } from './auth-flow.js';
import { isWxloginError, WxloginError } from './errors.js';
import { errorOf, send, type HttpRequest, type HttpResponse } from './http.js';
import { phoneBody, type PhoneNumberDetail } from './phone-detail.js';
import { globalWx, type Platform, type RequestData, type RequestMethod } from './platform.js';
import { platformStorage, SessionStore } from './session-store.js';
import type { SessionStorage, User } from './types.js';
import { originOf, resolveUrl } from './urls.js';

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** The service: origin plus an optional path prefix, e.g. `https://api.example.com` or `https://example.com/auth`. */
  baseUrl: string;
  /** The mini program's appid; default `wx.getAccountInfoSync().miniProgram.appId`. */
  appid?: string;
  /** The runtime: default the global `wx`; pass `Taro` or `uni` there. */
  platform?: Platform;
  /** Where the session is kept; default the platform's `*StorageSync`. */
  storage?: SessionStorage;
  /** The storage key; default `"wxlogin"`. */
  storageKey?: string;
  /** Other origins (e.g. `https://api.example.com`) that get the bearer token besides `baseUrl`'s. */
  apiOrigins?: string[];
  /** Per-request timeout in ms; default 10000. */
  timeoutMs?: number;
  /** Replaces `wx.login` (WeChat DevTools against the simulator). Never in production. */
  codeProvider?: () => Promise<string>;
  /** The device clock in epoch ms; default `Date.now` (tests move it to expire tokens). */
  now?: () => number;
}

/** Options of {@link WxloginClient.request}; `url` is relative to `baseUrl` or absolute. */
export interface RequestOptions {
  url: string;
  /** Default GET. `wx.request` has no PATCH. */
  method?: RequestMethod;
  data?: RequestData;
  header?: Record<string, string>;
  /** Milliseconds; default the client's `timeoutMs`. */
  timeout?: number;
}

/** An answer with a status below 400. Header names are lowercased. */
export interface Response<T = unknown> {
  statusCode: number;
  data: T;
  header: Record<string, string>;
}

/** A profile change: `null` (or `""` for the nickname) clears a field. */
export interface ProfilePatch {
  nickname?: string | null;
  /** An `https://` URL of an avatar already uploaded: never chooseAvatar's temporary path. */
  avatarUrl?: string | null;
}

/** The SDK: one per mini program, made in `app.js`. */
export interface WxloginClient {
  /** The user, logging in only when no session is stored. The one call `App.onLaunch` makes; every page awaits it. */
  ready(): Promise<User>;
  /** A new login (`wx.login` → the service), shared with one already under way. */
  login(): Promise<{ user: User; isNew: boolean }>;
  /** True while a session is stored (synchronous; says nothing of whether the service still accepts it). */
  isLoggedIn(): boolean;
  /** A valid access token: the stored one, refreshed, or after a login. */
  getAccessToken(): Promise<string>;
  /**
   * `wx.request` with the session: `Authorization: Bearer` on the service's origin and `apiOrigins` only, a refresh
   * and one replay after a 401. Resolves for statuses below 400; rejects with {@link WxloginError} otherwise.
   */
  request<T = unknown>(options: RequestOptions): Promise<Response<T>>;
  /** `GET /v1/me`. */
  getUser(): Promise<User>;
  /** `POST /v1/me/profile`. */
  updateProfile(patch: ProfilePatch): Promise<User>;
  /**
   * Binds the phone number from the `getphonenumber` event's `detail`. A second tap while one is under way shares
   * its request. `WECHAT_SESSION_STALE` (legacy encryptedData): the SDK has logged in again; ask for another tap.
   */
  bindPhone(detail: PhoneNumberDetail): Promise<User>;
  /** Opens `encryptedData` (run data, share info) on the service with the user's session_key. */
  decrypt<T = unknown>(payload: { encryptedData: string; iv: string }): Promise<T>;
  /** Ends this session (`all`: every session of the user); storage is cleared whatever the network does. */
  logout(options?: { all?: boolean }): Promise<void>;
  /** Deletes the account on the service, then clears storage. */
  deleteAccount(): Promise<void>;
  /** Calls `listener` with the user after each change, or `null` when logged out; returns the unsubscribe. */
  onChange(listener: (user: User | null) => void): () => void;
}

const DEFAULT_TIMEOUT_MS = 10_000;
// A token this young cannot have expired: a 401 for it from another API is not fixed by a refresh.
const FRESH_TOKEN_MS = 30_000;

/** Makes the SDK client. Throws a `TypeError` for options that cannot work (no platform, a relative `baseUrl`). */
export function createClient(options: ClientOptions): WxloginClient {
  const platform = options.platform ?? globalWx();
  if (platform === undefined) throw new TypeError('wxlogin: no `wx` here; pass `platform` (Taro, uni)');
  const baseUrl = options.baseUrl;
  const serviceOrigin = typeof baseUrl === 'string' ? originOf(baseUrl) : undefined;
  if (serviceOrigin === undefined || !/^https?:/.test(serviceOrigin)) {
    throw new TypeError('wxlogin: `baseUrl` must be an absolute http(s) URL, e.g. https://api.example.com');
  }
  const appid = options.appid ?? platform.getAccountInfoSync?.().miniProgram.appId;
  if (typeof appid !== 'string' || appid === '') throw new TypeError('wxlogin: no appid; pass `appid`');
  const trusted = [serviceOrigin];
  for (const origin of options.apiOrigins ?? []) {
    const parsed = typeof origin === 'string' ? originOf(origin) : undefined;
    if (parsed === undefined || !/^https?:/.test(parsed)) {
      throw new TypeError(`wxlogin: apiOrigins entry ${String(origin)} is not an absolute http(s) URL`);
    }
    trusted.push(parsed);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const store = new SessionStore(options.storage ?? platformStorage(platform), options.storageKey ?? 'wxlogin', now);

  const listeners: ((user: User | null) => void)[] = [];
  // Listeners hear of changes only: a silent re-login as the same user with the same profile is no change.
  let told = JSON.stringify(store.get()?.user ?? null);
  const notify = (user: User | null): void => {
    const next = JSON.stringify(user);
    if (next === told) return;
    told = next;
    for (const listener of listeners.slice()) {
      try {
        listener(user);
      } catch {
        // A listener's bug must not break the login that told it.
      }
    }
  };

  const flow = new AuthFlow({
    platform,
    baseUrl,
    appid,
    timeoutMs,
    codeProvider: options.codeProvider,
    store,
    now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    notify,
  });

  /**
   * A request with the session's bearer; after a 401, one renewal and one replay. `guard` runs before each send. A
   * 401 from another of `apiOrigins` for a token received moments ago is about something else (its audience, its
   * own rules), not expiry: it surfaces without rotating the refresh token at every call.
   */
  const authed = async (request: HttpRequest, guard?: () => void): Promise<HttpResponse> => {
    let session = await flow.validSession();
    guard?.();
    let response = await send(platform, withBearer(request, session.accessToken));
    const renewable = originOf(request.url) === serviceOrigin || now() - session.receivedAt >= FRESH_TOKEN_MS;
    if (response.statusCode === 401 && renewable) {
      session = await flow.renew(session.accessToken);
      guard?.();
      response = await send(platform, withBearer(request, session.accessToken));
    }
    if (response.statusCode >= 400) {
      const error = errorOf(response, now);
      if (error.code === 'USER_DISABLED') flow.forget();
      throw error;
    }
    return response;
  };

  const service = (method: RequestMethod, path: string, data?: Record<string, unknown>): HttpRequest => ({
    url: resolveUrl(baseUrl, path),
    method,
    header: { 'content-type': 'application/json' },
    timeoutMs,
    ...(data === undefined ? {} : { data }),
  });

  const keepUser = (data: unknown): User => {
    const user = data as User;
    store.saveUser(user);
    // Logged out while the call was under way: the answer is returned, but listeners keep hearing "logged out".
    const session = store.get();
    if (session !== undefined) notify(session.user);
    return user;
  };

  /**
   * Sends encryptedData sealed with the session_key WeChat held at the tap. A `wx.login` after the tap may have
   * replaced that key, so if one happened (no session stored, or a re-login on the way) the payload is not sent.
   * When the service cannot open it, the SDK logs in again so the service holds the current key, and the caller
   * asks the user to tap again: the same payload is never replayed.
   */
  const sendSealed = async (path: string, body: { encryptedData: string; iv: string }): Promise<unknown> => {
    const fetched = flow.codesFetched;
    const guard = (): void => {
      if (flow.codesFetched !== fetched) {
        throw new WxloginError('WECHAT_SESSION_STALE', 'A new wx.login happened after the data was sealed; tap again.');
      }
    };
    try {
      return (await authed(service('POST', path, body), guard)).data;
    } catch (error) {
      if (isWxloginError(error, 'WECHAT_SESSION_STALE') && flow.codesFetched === fetched) {
        await flow.login().catch(() => undefined);
      }
      throw error;
    }
  };

  let phoneInFlight: Promise<User> | undefined;

  return {
    ready: async () => flow.current()?.user ?? (await flow.login()).user,
    login: async () => {
      const { user, isNew } = await flow.login();
      return { user, isNew };
    },
    isLoggedIn: () => flow.current() !== undefined,
    getAccessToken: async () => (await flow.validSession()).accessToken,

    async request<T>(requestOptions: RequestOptions): Promise<Response<T>> {
      const method = (requestOptions.method ?? 'GET').toUpperCase() as RequestMethod;
      if (!REQUEST_METHODS.includes(method)) {
        throw new TypeError(`wxlogin: wx.request has no ${method}; use one of ${REQUEST_METHODS.join(', ')}`);
      }
      const url = resolveUrl(baseUrl, requestOptions.url);
      const request: HttpRequest = {
        url,
        method,
        header: { ...(requestOptions.header ?? {}) },
        timeoutMs: requestOptions.timeout ?? timeoutMs,
        ...(requestOptions.data === undefined ? {} : { data: requestOptions.data }),
      };
      const origin = originOf(url);
      let response: HttpResponse;
      if (origin !== undefined && trusted.includes(origin)) {
        response = await authed(request);
      } else {
        // Not ours: the session's bearer never goes there (a header the caller set itself is the caller's).
        response = await send(platform, request);
        if (response.statusCode >= 400) throw errorOf(response, now);
      }
      return { statusCode: response.statusCode, data: response.data as T, header: response.header };
    },

    getUser: async () => keepUser((await authed(service('GET', '/v1/me'))).data),
    updateProfile: async (patch) => keepUser((await authed(service('POST', '/v1/me/profile', { ...patch }))).data),

    bindPhone(detail) {
      if (phoneInFlight === undefined) {
        const bind = async (): Promise<User> => {
          const body = phoneBody(detail);
          const data =
            'code' in body
              ? (await authed(service('POST', '/v1/me/phone', body))).data
              : await sendSealed('/v1/me/phone', body);
          return keepUser(data);
        };
        phoneInFlight = bind().then(
          (user) => ((phoneInFlight = undefined), user),
          (error: unknown) => {
            phoneInFlight = undefined;
            throw error;
          },
        );
      }
      return phoneInFlight;
    },

    async decrypt<T>(payload: { encryptedData: string; iv: string }): Promise<T> {
      const data = (await sendSealed('/v1/me/decrypt', { encryptedData: payload.encryptedData, iv: payload.iv })) as {
        data: T;
      };
      return data.data;
    },

    async logout(logoutOptions = {}) {
      const session = flow.current();
      if (session === undefined) return flow.forget();
      try {
        if (logoutOptions.all === true) {
          // Needs a bearer the service accepts: refreshed when expired or refused, never a new login.
          const logoutAll = (accessToken: string): Promise<HttpResponse> =>
            send(platform, withBearer(service('POST', '/v1/auth/logout', { all: true }), accessToken));
          let current = now() < session.accessExpiresAt ? session : await flow.refresh(session, false);
          let response = await logoutAll(current.accessToken);
          if (response.statusCode === 401) {
            current = await flow.refresh(current, false);
            response = await logoutAll(current.accessToken);
          }
          if (response.statusCode >= 400) throw errorOf(response, now);
        } else {
          // Idempotent on the service; if it cannot be reached, the token is gone from the device all the same.
          await flow.post('/v1/auth/logout', { refreshToken: session.refreshToken }).catch(() => undefined);
        }
      } finally {
        flow.forget();
      }
    },

    async deleteAccount() {
      await authed(service('DELETE', '/v1/me'));
      flow.forget();
    },

    onChange(listener) {
      listeners.push(listener);
      return () => {
        const at = listeners.indexOf(listener);
        if (at !== -1) listeners.splice(at, 1);
      };
    },
  };
}

const REQUEST_METHODS: RequestMethod[] = ['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT'];

function withoutAuthorization(header: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(header))
    if (name.toLowerCase() !== 'authorization') out[name] = header[name] as string;
  return out;
}

function withBearer(request: HttpRequest, accessToken: string): HttpRequest {
  return { ...request, header: { ...withoutAuthorization(request.header), authorization: `Bearer ${accessToken}` } };
}
