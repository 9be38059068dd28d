import { createHmac } from 'node:crypto';

/**
 * WeChat's user-login-state signature of a payload: lowercase hex HMAC-SHA256 keyed by the session_key's base64
 * TEXT (not its decoded bytes). For GET APIs the payload is the empty string.
 */
export function loginStateSignature(sessionKey: string, payload: string): string {
  return createHmac('sha256', sessionKey).update(payload, 'utf8').digest('hex');
}

/**
 * The `signature` for `checksession` / `resetusersessionkey`: lowercase hex HMAC-SHA256 of the empty string,
 * keyed by the session_key's base64 text.
 */
export function sessionKeySignature(sessionKey: string): string {
  return loginStateSignature(sessionKey, '');
}
