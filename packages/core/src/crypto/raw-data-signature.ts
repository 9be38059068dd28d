import { createHash, timingSafeEqual } from 'node:crypto';

/** Input of {@link verifyRawDataSignature}. */
export interface RawDataSignatureInput {
  /** `rawData` exactly as the mini program sent it. */
  rawData: string;
  /** `signature` from the mini program (hex SHA-1). */
  signature: string;
  /** The user's current session_key (its base64 text, as WeChat gave it). */
  sessionKey: string;
}

/**
 * Checks the legacy `wx.getUserInfo` signature: `signature = sha1(rawData + session_key)` in hex.
 * Compares in constant time; anything malformed (wrong length, non-hex, non-string) is simply `false`.
 */
export function verifyRawDataSignature(input: RawDataSignatureInput): boolean {
  const { rawData, signature, sessionKey } = input;
  if (typeof rawData !== 'string' || typeof signature !== 'string' || typeof sessionKey !== 'string') return false;
  const expected = createHash('sha1')
    .update(rawData + sessionKey, 'utf8')
    .digest();
  if (!/^[0-9a-fA-F]{40}$/.test(signature)) return false;
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}
