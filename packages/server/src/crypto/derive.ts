import { createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';

/** HKDF `info` of the refresh-token MAC key; changing it invalidates every refresh token. */
const REFRESH_KEY_INFO = 'wxlogin/refresh-token-mac/v1';

/**
 * The refresh-token HMAC key, derived from the master key with HKDF-SHA256 (own `info` label, so the master key
 * itself never touches a MAC). Derived once at start.
 */
export function deriveRefreshKey(masterKey: Uint8Array): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', masterKey, new Uint8Array(0), REFRESH_KEY_INFO, 32)));
}
