/**
 * Every bound and enum that more than one layer states: the configuration, the route schemas (validation and the
 * OpenAPI document) and the auth functions (which hosts may call without the routes) all read them from here, so a
 * limit cannot be loosened in one place and stay tight in another. This file imports nothing: anything may use it.
 */

/** The JWS algorithms wxlogin signs with (`WXLOGIN_JWT_ALG`); verification pins each `kid` to its own. */
export const SIGNING_ALGS = ['ES256', 'EdDSA', 'RS256'] as const;

/** One of {@link SIGNING_ALGS}. */
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/** Longest `wx.login()` or getPhoneNumber code accepted: WeChat's are far shorter, this leaves room for a change. */
export const CODE_MAX = 256;

/** Longest `loginNonce` accepted (the SDK's is a short hex string). */
export const LOGIN_NONCE_MAX = 256;

/**
 * Longest appid a request may name. Looser than {@link CONFIGURED_APPID_MAX} on purpose: an appid that cannot be
 * configured is answered `UNKNOWN_APP`, like any other appid this server does not serve.
 */
export const APPID_MAX = 64;

/** Longest appid the configuration accepts: the `appid` columns are `varchar(32)`. */
export const CONFIGURED_APPID_MAX = 32;

/** Longest refresh token accepted (`wxr1.<sessionId>.<generation>.<mac>` is about 100 characters). */
export const REFRESH_TOKEN_MAX = 512;

/** Nickname limit, in characters (code points, so a CJK or emoji nickname counts as people read it). */
export const NICKNAME_MAX = 64;

/** Avatar URL limit, in characters. */
export const AVATAR_URL_MAX = 1024;

/**
 * The avatar URL rule: `https:` with a host and no credentials. An avatar is shown to other users: a plain `http:`
 * one could be swapped in transit, and credentials in it would be shown to everyone.
 */
export function isHttpsUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' && url.hostname.length > 0 && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

/** Longest `encryptedData` accepted (base64 characters): WeRun's 30 days of steps are a few KiB; a phone payload far less. */
export const ENCRYPTED_DATA_MAX = 60_000;

/** Longest legacy phone `encryptedData` accepted: a phone number's payload is a few hundred characters. */
export const PHONE_ENCRYPTED_DATA_MAX = 4096;

/** Longest `iv` accepted (base64 of 16 bytes is 24 characters). */
export const IV_MAX = 256;

/** Largest admin page size; larger ones are refused, never clamped behind the caller's back. */
export const PAGE_LIMIT_MAX = 100;

/** Admin page size when the caller names none. */
export const PAGE_LIMIT_DEFAULT = 50;

/** Longest admin paging cursor (a UUID is 36 characters). */
export const CURSOR_MAX = 64;

/** Longest admin user search (`q`): an id, openid, unionid or E.164 phone. */
export const USER_SEARCH_MAX = 128;

/** Longest reason an operator may give when disabling a user (the `disabled_reason` column). */
export const DISABLE_REASON_MAX = 255;

/** Longest audit action a filter may name (`refresh.reuse_detected` is 22). */
export const AUDIT_ACTION_MAX = 64;
