import type { AccessTokenState, DecryptedData } from '@wxlogin/core';
import type { Static } from 'typebox';
import type { AuthMetrics } from '../metrics/auth-metrics.js';
import type { AdminApi } from '../admin/types.js';
import type { BindPhoneInput, DecryptInput } from '../schemas/phone.js';
import type { CircuitStatus, Readiness } from '../schemas/readiness.js';
import type { LoginBodySchema, LoginResponse, TokenResponse } from '../schemas/tokens.js';
import type { ProfilePatch, User } from '../schemas/user.js';
import type { AccessTokenClaims } from '../tokens/access-token.js';
import type { PublishedJwk } from '../tokens/signing-keys.js';

// The `Auth` interface and its inputs live here, not beside the flows that take them: every flow imports this file
// (directly or through its context), so this file must import none of them. The shapes of the answers are TypeBox
// schemas in `../schemas/`, the same ones the routes serialise with.

/** What `login` needs: the body of `POST /v1/auth/login`, and what the transport knows of the client. */
export type LoginInput = Static<typeof LoginBodySchema> & {
  /** Client address and user agent, kept on the session (device list). */
  ip?: string;
  userAgent?: string;
};

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
  /** What is known of an app's access_token, never the token (core's `WeChatClient` has it): for the console. */
  accessTokenState?(appid: string): Promise<AccessTokenState>;
  /** The WeChat circuit breaker's state, shown in `/readyz` (core's `WeChatClient` has it). */
  readonly circuitState?: CircuitStatus;
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
