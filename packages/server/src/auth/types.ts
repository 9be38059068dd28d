import type { AccessTokenClaims } from '../tokens/access-token.js';
import type { PublishedJwk } from '../tokens/signing-keys.js';
import type { ProfilePatch } from './profile-patch.js';
import type { User } from './user-view.js';

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
  redis: 'not_configured';
  wechat: {
    baseUrl: string;
    /** Set when the base URL is not one of WeChat's API hosts (the simulator, a proxy). */
    warning?: string;
  };
}

/** The subset of `@wxlogin/core`'s `WeChatClient` that login uses (so a host may pass its own client). */
export interface WeChatLoginClient {
  code2Session(appid: string, code: string): Promise<{ openid: string; sessionKey: string; unionid?: string }>;
  close?(): Promise<void>;
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
  jwks(): Promise<{ keys: PublishedJwk[] }>;
  readiness(): Promise<Readiness>;
  /** Closes what `createAuth` opened itself (store, WeChat client); injected ones are left to their owner. */
  close(): Promise<void>;
}
