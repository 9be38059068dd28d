import { createDecipheriv } from 'node:crypto';
import { DecryptError } from './decrypt-error.js';
import { decodeStrictBase64 } from './strict-base64.js';

/** The watermark WeChat puts in every piece of encrypted data. */
export interface Watermark {
  /** The appid the data was sealed for. */
  appid: string;
  /** When it was sealed, epoch seconds. */
  timestamp: number;
}

/** Decrypted WeChat data: a JSON object with its watermark, other fields as WeChat sent them. */
export interface DecryptedData {
  watermark: Watermark;
  [field: string]: unknown;
}

/** Input of {@link decryptData}. */
export interface DecryptDataInput {
  /** The app's own appid: the watermark must name it. */
  appid: string;
  /** The user's current session_key (base64 of 16 bytes), from code2Session. */
  sessionKey: string;
  /** `encryptedData` from the mini program (base64). */
  encryptedData: string;
  /** `iv` from the mini program (base64 of 16 bytes). */
  iv: string;
  /** Reject data whose watermark is older than this many seconds; absent or 0: no age check. */
  maxAgeSeconds?: number;
  /** The current time, epoch milliseconds (default `Date.now()`). */
  now?: number;
}

const BLOCK = 16;
// A client clock a little ahead is normal; much more is a forged or replayed watermark.
const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

/**
 * Opens WeChat's encryptedData: AES-128-CBC, PKCS#7, key = base64(session_key), then checks the watermark.
 * @returns the parsed JSON object.
 * @throws DecryptError on every failure (never another error, never a partial result): `DECRYPT_FAILED` for
 *   malformed input or a watermark that is another app's, stale or in the future; `WECHAT_SESSION_STALE` when
 *   well-formed data won't open with this key (bad padding, not JSON).
 */
export function decryptData(input: DecryptDataInput): DecryptedData {
  const { appid, sessionKey, encryptedData, iv } = input;
  const fields: unknown[] = [appid, sessionKey, encryptedData, iv];
  if (!fields.every((field) => typeof field === 'string')) throw new DecryptError('bad_input');
  const key = decodeStrictBase64(sessionKey);
  const ivBytes = decodeStrictBase64(iv);
  const ciphertext = decodeStrictBase64(encryptedData);
  if (key === null || ivBytes === null || ciphertext === null) throw new DecryptError('bad_base64');
  if (key.length !== BLOCK) throw new DecryptError('bad_key_length');
  if (ivBytes.length !== BLOCK) throw new DecryptError('bad_iv_length');
  if (ciphertext.length === 0 || ciphertext.length % BLOCK !== 0) throw new DecryptError('bad_ciphertext_length');

  const plaintext = openCbc(key, ivBytes, ciphertext);
  const data = parseJsonObject(plaintext);
  checkWatermark(data, appid, input.maxAgeSeconds, input.now ?? Date.now());
  return data as DecryptedData;
}

function openCbc(key: Buffer, iv: Buffer, ciphertext: Buffer): Buffer {
  try {
    // OpenSSL checks every PKCS#7 padding byte in final(): a wrong key fails here 255 times in 256.
    const decipher = createDecipheriv('aes-128-cbc', key, iv);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new DecryptError('bad_padding');
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJsonObject(plaintext: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(plaintext));
  } catch {
    throw new DecryptError('bad_json');
  }
  // The rare wrong key whose garbage still pads correctly almost never parses; if it does, it is no object.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new DecryptError('bad_json');
  return parsed as Record<string, unknown>;
}

function checkWatermark(
  data: Record<string, unknown>,
  appid: string,
  maxAgeSeconds: number | undefined,
  now: number,
): void {
  const watermark = data.watermark;
  if (typeof watermark !== 'object' || watermark === null) throw new DecryptError('watermark_missing');
  const { appid: sealedFor, timestamp } = watermark as Record<string, unknown>;
  if (typeof sealedFor !== 'string' || typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
    throw new DecryptError('watermark_missing');
  }
  if (sealedFor !== appid) throw new DecryptError('watermark_appid');
  const sealedAtMs = timestamp * 1000;
  if (sealedAtMs - now > MAX_FUTURE_SKEW_MS) throw new DecryptError('watermark_future');
  if (maxAgeSeconds !== undefined && maxAgeSeconds > 0 && now - sealedAtMs > maxAgeSeconds * 1000) {
    throw new DecryptError('watermark_stale');
  }
}
