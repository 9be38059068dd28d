import { createCipheriv, createDecipheriv, createHash, createSecretKey, type KeyObject } from 'node:crypto';
import { systemRandom } from '../random.js';

/**
 * Sealing of secrets at rest (session_keys, private signing keys): AES-256-GCM under the master key, written as
 * `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url parts). The AAD binds a sealed value to its row, so a value copied
 * onto another row will not open; `keyId` (first 8 hex of SHA-256 of the master key) names the key that sealed it,
 * so a later previous-key setting can open and re-wrap old values.
 */
export interface Sealer {
  /** Names the master key that seals (first 8 hex of its SHA-256). */
  readonly keyId: string;
  /** Seals `plaintext` bound to `aad` (see {@link sessionKeyAad}, {@link signingKeyAad}). */
  seal(plaintext: string | Uint8Array, aad: string): string;
  /** Opens a sealed value; throws {@link SealError} when it is malformed, of an unknown key, or of another row. */
  open(sealed: string, aad: string): Buffer;
}

/** A sealed value could not be opened. Never carries the value. */
export class SealError extends Error {
  override readonly name = 'SealError';
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** First 8 hex of SHA-256(key): safe to show, identifies which master key sealed a value. */
export function masterKeyId(key: Uint8Array): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * A sealer over `masterKey` (32 bytes). `previousKeys` can only open (for a key change); the key objects are
 * imported once here, never per call.
 */
export function createSealer(masterKey: Uint8Array, previousKeys: readonly Uint8Array[] = []): Sealer {
  if (masterKey.length !== 32) throw new SealError('The master key must be 32 bytes.');
  const keys = new Map<string, KeyObject>();
  for (const k of [masterKey, ...previousKeys]) {
    if (k.length !== 32) throw new SealError('Every master key must be 32 bytes.');
    const id = masterKeyId(k);
    if (!keys.has(id)) keys.set(id, createSecretKey(k));
  }
  const keyId = masterKeyId(masterKey);
  const current = keys.get(keyId)!;

  return {
    keyId,
    seal(plaintext, aad) {
      const iv = Buffer.from(systemRandom(new Uint8Array(IV_BYTES)).buffer);
      const cipher = createCipheriv('aes-256-gcm', current, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const body = Buffer.concat([
        cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      return `${VERSION}.${keyId}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed, aad) {
      const parts = sealed.split('.');
      if (parts.length !== 4 || parts[0] !== VERSION) throw new SealError('Not a sealed value of a known version.');
      const key = keys.get(parts[1]!);
      if (!key) throw new SealError('Sealed under a master key that is not configured.');
      const iv = Buffer.from(parts[2]!, 'base64url');
      const body = Buffer.from(parts[3]!, 'base64url');
      if (iv.length !== IV_BYTES || body.length < TAG_BYTES) throw new SealError('Malformed sealed value.');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(aad, 'utf8'));
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
      } catch {
        // GCM failure says only "wrong key, wrong row or tampered": keep it that vague.
        throw new SealError('The sealed value does not open for this row.');
      }
    },
  };
}

/** AAD of a sealed session_key: `wechat_sessions|appid|openid`. */
export function sessionKeyAad(appid: string, openid: string): string {
  return `wechat_sessions|${appid}|${openid}`;
}

/** AAD of a sealed private signing key: `signing_keys|kid`. */
export function signingKeyAad(kid: string): string {
  return `signing_keys|${kid}`;
}
