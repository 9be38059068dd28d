/**
 * The two classes of decryption failure: malformed or not ours (`DECRYPT_FAILED`), or well formed but sealed with
 * another session_key (`WECHAT_SESSION_STALE`). `@wxlogin/server` answers with catalogue codes of the same names.
 */
export type DecryptErrorCode = 'DECRYPT_FAILED' | 'WECHAT_SESSION_STALE';

/**
 * Why decryption failed, stable for logs and tests:
 * - `DECRYPT_FAILED` (the input is malformed or not ours): `bad_input` (not a string), `bad_base64`,
 *   `bad_key_length`, `bad_iv_length`, `bad_ciphertext_length` (empty or not whole 16-byte blocks),
 *   `watermark_missing`, `watermark_appid`, `watermark_stale`, `watermark_future`;
 * - `WECHAT_SESSION_STALE` (well formed but won't open with this key): `bad_padding`, `bad_json`.
 */
export type DecryptFailureReason =
  | 'bad_input'
  | 'bad_base64'
  | 'bad_key_length'
  | 'bad_iv_length'
  | 'bad_ciphertext_length'
  | 'bad_padding'
  | 'bad_json'
  | 'watermark_missing'
  | 'watermark_appid'
  | 'watermark_stale'
  | 'watermark_future';

const STALE_REASONS: ReadonlySet<DecryptFailureReason> = new Set(['bad_padding', 'bad_json']);

const MESSAGES: Record<DecryptFailureReason, string> = {
  bad_input: 'encryptedData, iv and sessionKey must be strings',
  bad_base64: 'encryptedData, iv or sessionKey is not valid base64',
  bad_key_length: 'the session_key is not 16 bytes',
  bad_iv_length: 'the iv is not 16 bytes',
  bad_ciphertext_length: 'encryptedData is empty or not whole 16-byte blocks',
  bad_padding: 'encryptedData does not open with the stored session_key (bad padding): call wx.login() again',
  bad_json: 'encryptedData does not open with the stored session_key (not JSON): call wx.login() again',
  watermark_missing: 'the decrypted data carries no valid watermark',
  watermark_appid: 'the decrypted data belongs to another appid',
  watermark_stale: 'the decrypted data is older than allowed',
  watermark_future: 'the decrypted data is timestamped more than 5 minutes in the future',
};

/**
 * Every failure of `decryptData`. `code` is the class of failure (`DECRYPT_FAILED`: malformed or not ours;
 * `WECHAT_SESSION_STALE`: the stored session_key is stale, the client needs a fresh `wx.login()`), `reason` says
 * exactly what was wrong. The message never contains the key, iv, ciphertext or plaintext.
 */
export class DecryptError extends Error {
  override readonly name = 'DecryptError';
  /** The class of failure (see {@link DecryptErrorCode}). */
  readonly code: DecryptErrorCode;
  /** What was wrong. */
  readonly reason: DecryptFailureReason;

  constructor(reason: DecryptFailureReason) {
    super(MESSAGES[reason]);
    this.reason = reason;
    this.code = STALE_REASONS.has(reason) ? 'WECHAT_SESSION_STALE' : 'DECRYPT_FAILED';
  }

  /** The plain form, for logs and JSON. */
  toJSON(): { name: 'DecryptError'; message: string; code: DecryptErrorCode; reason: DecryptFailureReason } {
    return { name: this.name, message: this.message, code: this.code, reason: this.reason };
  }
}
