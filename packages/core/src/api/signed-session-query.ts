import { sessionKeySignature } from '../crypto/session-key-signature.js';

/**
 * The query of `checksession` / `resetusersessionkey`: the session_key itself never travels, only its signature
 * (sent in the query, as every SDK does).
 */
export function signedSessionQuery(accessToken: string, openid: string, sessionKey: string): Record<string, string> {
  return { access_token: accessToken, openid, signature: sessionKeySignature(sessionKey), sig_method: 'hmac_sha256' };
}
