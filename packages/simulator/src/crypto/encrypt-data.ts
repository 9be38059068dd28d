import { createCipheriv, randomBytes } from 'node:crypto';

/** encryptedData and iv as a mini program receives them (both base64). */
export interface EncryptedPayload {
  /** AES-128-CBC ciphertext of the plaintext, PKCS#7 padded, base64. */
  encryptedData: string;
  /** The 16-byte initialisation vector, base64. */
  iv: string;
}

/**
 * Seals `plaintext` the way WeChat seals `encryptedData`: AES-128-CBC with PKCS#7 padding, key =
 * base64-decode(session_key), a fresh random iv unless one is given (tests pass one to reproduce a published vector).
 *
 * Written on `node:crypto` alone, apart from `@wxlogin/core`'s decryption, so the two check each other.
 */
export function encryptData(sessionKey: string, plaintext: string, iv?: Uint8Array): EncryptedPayload {
  const key = Buffer.from(sessionKey, 'base64');
  if (key.length !== 16) throw new RangeError('session key must decode to 16 bytes');
  const ivBytes = iv === undefined ? randomBytes(16) : Buffer.from(iv);
  if (ivBytes.length !== 16) throw new RangeError('iv must be 16 bytes');
  // createCipheriv pads with PKCS#7 by default, which is what WeChat uses.
  const cipher = createCipheriv('aes-128-cbc', key, ivBytes);
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { encryptedData: sealed.toString('base64'), iv: ivBytes.toString('base64') };
}
