import { sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import type { SigningAlg } from '../schemas/limits.js';
import { decodeCanonicalBase64url } from './canonical-base64url.js';

/*
 * JWS compact serialization (RFC 7515 §7.1) for the three algs the service signs with, on synchronous node:crypto
 * and prepared KeyObjects: WebCrypto (what jose runs on) costs a thread-pool round trip and several promise hops per
 * call, about twice the signature itself, on a path every login, refresh and `GET /v1/me` takes.
 */

/** The digest node:crypto is given per alg: Ed25519 hashes internally and must get `null`. */
const DIGEST: Readonly<Record<SigningAlg, string | null>> = { ES256: 'sha256', EdDSA: null, RS256: 'sha256' };

/** The smallest RSA modulus accepted, as jose (and RFC 7518 §3.3) require for RS256. */
const MIN_RSA_BITS = 2048;

/**
 * Checks that `key` is the kind of key `alg` signs or verifies with (P-256 for ES256, Ed25519 for EdDSA, RSA of at
 * least 2048 bits for RS256), the way jose's import refused a key of the wrong kind.
 * @throws TypeError when it is not.
 */
export function assertJwsKey(alg: SigningAlg, key: KeyObject): void {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails;
  const fits =
    alg === 'ES256'
      ? type === 'ec' && details?.namedCurve === 'prime256v1'
      : alg === 'EdDSA'
        ? type === 'ed25519'
        : type === 'rsa' && (details?.modulusLength ?? 0) >= MIN_RSA_BITS;
  if (!fits) throw new TypeError(`The key does not fit ${alg}.`);
}

/** The base64url of the header `{"alg","kid","typ":"JWT"}`, members in that order (as jose wrote it). */
export function encodeJwtHeader(alg: SigningAlg, kid: string): string {
  return Buffer.from(JSON.stringify({ alg, kid, typ: 'JWT' }), 'utf8').toString('base64url');
}

/**
 * Signs `claims` (serialised with `JSON.stringify`, so in their insertion order) under an already encoded header.
 * ES256 signatures are raw `r || s` (64 bytes, RFC 7518 §3.4), not DER.
 * @param encodedHeader from {@link encodeJwtHeader}; its `alg` must be `alg`.
 * @param key a private key that passed {@link assertJwsKey} for `alg`.
 */
export function signJwsCompact(encodedHeader: string, claims: object, alg: SigningAlg, key: KeyObject): string {
  const signingInput = `${encodedHeader}.${Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url')}`;
  const signature = cryptoSign(DIGEST[alg], Buffer.from(signingInput, 'latin1'), { key, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}

/** A compact JWS split and decoded; nothing is verified yet. */
export interface ParsedJwsCompact {
  /** The protected header: a JSON object. */
  header: Record<string, unknown>;
  /** The payload's bytes (not parsed: that waits until the signature checked out). */
  payload: Buffer;
  /** `header.payload` as sent: what the signature covers. */
  signingInput: string;
  signature: Buffer;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses UTF-8 JSON that must be an object (not an array, not null), else `undefined`; never throws. Invalid
 * UTF-8 is refused rather than replaced, as jose did, so two byte strings never read as one object.
 */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(strictUtf8.decode(bytes));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Splits a compact JWS into exactly three parts, each in canonical base64url (one spelling per token, so a copy is
 * never told from a forgery by its text), with a JSON object for header; else `undefined`. Never throws.
 */
export function parseJwsCompact(token: string): ParsedJwsCompact | undefined {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 0 || second < 0 || token.indexOf('.', second + 1) >= 0) return undefined;
  const headerBytes = decodeCanonicalBase64url(token.slice(0, first));
  const payload = decodeCanonicalBase64url(token.slice(first + 1, second));
  const signature = decodeCanonicalBase64url(token.slice(second + 1));
  if (headerBytes === undefined || payload === undefined || signature === undefined) return undefined;
  const header = parseJsonObject(headerBytes);
  if (header === undefined) return undefined;
  return { header, payload, signingInput: token.slice(0, second), signature };
}

/**
 * Checks the signature of a parsed JWS with the public key of `alg` (the caller pins `alg` per key: the header's
 * own `alg` is never trusted to pick the algorithm). An ES256 high-s signature is valid, as in WebCrypto and every
 * other ECDSA verifier. Never throws: a signature of the wrong length or shape is simply invalid.
 * @param key a public key that passed {@link assertJwsKey} for `alg`.
 */
export function verifyJwsSignature(parsed: ParsedJwsCompact, alg: SigningAlg, key: KeyObject): boolean {
  try {
    return cryptoVerify(
      DIGEST[alg],
      Buffer.from(parsed.signingInput, 'latin1'),
      { key, dsaEncoding: 'ieee-p1363' },
      parsed.signature,
    );
  } catch {
    return false;
  }
}
