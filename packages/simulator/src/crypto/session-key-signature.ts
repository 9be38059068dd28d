import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * WeChat's "login state signature": lowercase hex HMAC-SHA256 of `data` keyed with the session_key's base64 TEXT
 * (not its decoded bytes). GET calls such as checksession sign the empty string.
 */
export function signWithSessionKey(sessionKey: string, data = ''): string {
  return createHmac('sha256', Buffer.from(sessionKey, 'utf8')).update(data, 'utf8').digest('hex');
}

/** Whether `signature` is the login state signature of `data` under `sessionKey`; constant-time, lowercase hex. */
export function isValidSessionKeySignature(sessionKey: string, signature: string, data = ''): boolean {
  const expected = Buffer.from(signWithSessionKey(sessionKey, data), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
