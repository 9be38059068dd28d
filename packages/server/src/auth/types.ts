import type { DecryptedData } from '@wxlogin/core';
import type { AuthMetrics } from '../metrics/auth-metrics.js';
import type { AdminApi } from '../admin/types.js';
import type { AccessTokenClaims } from '../tokens/access-token.js';
import type { PublishedJwk } from '../tokens/signing-keys.js';
import type { User } from './user-view.js';

// The shapes of `Auth`'s inputs and answers live here, not beside the flows that take them: every flow imports
// this file (directly or through its context), so this file must import none of them.

/** What `login` needs: the `wx.login()` code, and the app when more than one is configured. */
export interface LoginInput {
  code: string;
  /** Optional only when exactly one app is configured. */
  appid?: string;
  /** A random value the SDK sends with every login; a replay of the same code must carry the same one. */
  loginNonce?: string;
  /** Client address and user agent, kept on the session (device list). */
  ip?: string;
  userAgent?: string;
}

/** What `PATCH /v1/me` may change; `null` clears a field. */
export interface ProfilePatch {
  nickname?: string | null;
  avatarUrl?: string | null;
}

/**
 * Body of `POST /v1/me/phone`: exactly one of `{ code }` (the getPhoneNumber button's code, redeemed at WeChat with
 * the session's openid) or the legacy `{ encryptedData, iv }` (opened with the stored session_key).
 */
export interface BindPhoneInput {
  code?: string;
  encryptedData?: string;
  iv?: string;
}

/** WeChat's `encryptedData` + `iv`, as the mini program received them (base64). */
export interface DecryptInput {
  encryptedData: string;
  iv: string;
}

/** Tokens of a session: the Contract's login/refresh answer without `isNew`. */
export interface TokenResponse {
  accessToken: string;
  refreshToken: string;
  /** Access-token lifetime in seconds; clients compute expiry from this, not from `exp`. */
  expiresIn: number;
  tokenType: 'Bearer';
  user: User;
}

/** The Contract's login answer. */
export interface LoginResponse extends TokenResponse {
  /** True when this login created the user for (appid, openid). */
  isNew: boolean;
}

/** Readiness of the instance, for `/readyz`. */
export interface Readiness {
  /** False only when the database is unreachable. */
  ok: boolean;
  database: 'ok' | 'unreachable';
  /** Informational: Redis down never fails readiness. */
  redis: 'not_configured' | 'ok' | 'unreachable';
  wechat: {
    baseUrl: string;
    /** Set when the base URL is not one of WeChat's API hosts (the simulator, a proxy). */
    warning?: string;
    /** The circuit breaker: `open` means WeChat stopped answering and calls fail fast for a few seconds. */
    circuit?: 'closed' | 'open' | 'half_open' | 'disabled';
  };
}

/** The subset of `@wxlogin/core`'s `WeChatClient` that login and phone binding use (so a host may pass its own client). */
export interface WeChatLoginClient {
  code2Session(appid: string, code: string): Promise<{ openid: string; sessionKey: string; unionid?: string }>;
  /** Redeems a getPhoneNumber code; with `openid`, WeChat refuses a code tapped by another user. */
  getPhoneNumber(
    appid: string,
    code: string,
    options?: { openid?: string },
  ): Promise<{ phoneNumber: string; purePhoneNumber: string; countryCode: string }>;
  close?(): Promise<void>;
  /** The WeChat circuit breaker's state, shown in `/readyz` (core's `WeChatClient` has it). */
  readonly circuitState?: 'closed' | 'open' | 'half_open' | 'disabled';
}

/**
 * The service as plain async functions; each throws `AppError` (catalogue codes) for expected failures. Mount them
 * in any framework, or use the Fastify routes plugin.
 */
export interface Auth {
  login(input: LoginInput): Promise<LoginResponse>;
  refresh(input: { refreshToken: string }): Promise<TokenResponse>;
  /** Ends the session of a refresh token. Idempotent: unknown, malformed, expired or revoked tokens do nothing. */
  logout(input: { refreshToken: string }): Promise<void>;
  /** Ends every session of the token's user; answers how many were live. */
  logoutAll(claims: AccessTokenClaims): Promise<number>;
  /** Verifies an access token and checks its session and user against the database (cached ≤ 5 s). */
  verifyAccessToken(token: string): Promise<AccessTokenClaims>;
  me(claims: AccessTokenClaims): Promise<User>;
  updateMe(claims: AccessTokenClaims, patch: ProfilePatch): Promise<User>;
  /** Binds the number of a getPhoneNumber code (or legacy encryptedData) to the token's user; answers the user. */
  bindPhone(claims: AccessTokenClaims, input: BindPhoneInput): Promise<User>;
  /** Opens encryptedData with the user's stored session_key, watermark checked; answers the decrypted object. */
  decrypt(claims: AccessTokenClaims, input: DecryptInput): Promise<{ data: DecryptedData }>;
  /**
   * Account deletion by the token's user: sessions revoked, session_key and user row deleted, audited with the openid
   * hashed. A later login of the same WeChat user creates a new user.
   */
  deleteMe(claims: AccessTokenClaims): Promise<void>;
  /** The operator's functions (served under `/admin/api` only when `WXLOGIN_ADMIN_TOKEN` is set). */
  readonly admin: AdminApi;
  jwks(): Promise<{ keys: PublishedJwk[] }>;
  readiness(): Promise<Readiness>;
  /** The counters this auth reports to (silent unless `createAuth` got some): e.g. a rate limit failing open. */
  readonly metrics: AuthMetrics;
  /** Closes what `createAuth` opened itself (store, WeChat client); injected ones are left to their owner. */
  close(): Promise<void>;
}
