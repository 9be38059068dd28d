import { createHash, randomBytes } from 'node:crypto';

/** A new openid: 28 characters starting with `o`, like WeChat's. */
export function newOpenid(): string {
  return `o${randomBytes(21).toString('base64url').slice(0, 27)}`;
}

/** A new session_key: 16 random bytes, base64 (24 characters). */
export function newSessionKey(): string {
  return randomBytes(16).toString('base64');
}

/** A new wx.login code (32 hex characters). */
export function newLoginCode(): string {
  return randomBytes(16).toString('hex');
}

/** A new phone-number code (64 hex characters, like the one in WeChat's documentation). */
export function newPhoneCode(): string {
  return randomBytes(32).toString('hex');
}

/** A new access_token, as long and as URL-safe as WeChat's. */
export function newAccessToken(): string {
  return `sim_${randomBytes(96).toString('base64url')}`;
}

/**
 * A mainland mobile number that stays the same for one (appid, openid), so that distinct users get distinct numbers
 * unless a test asks for a given one.
 */
export function defaultPhoneNumber(appid: string, openid: string): string {
  const digest = createHash('sha256').update(`${appid}\n${openid}`).digest();
  const digits = (digest.readBigUInt64BE(0) % 1_000_000_000n).toString().padStart(9, '0');
  return `13${digits}`;
}
