import { errors as joseErrors, jwtVerify, SignJWT, type JWTHeaderParameters } from 'jose';
import type { Clock } from '../clock.js';
import { AppError } from '../errors/app-error.js';
import { UUID_PATTERN } from '../ids.js';
import { decodeCanonicalBase64url } from './canonical-base64url.js';
import { SIGNING_ALGS, type SigningKeyRing } from './signing-keys.js';

/** The claims of a verified wxlogin access token. */
export interface AccessTokenClaims {
  iss: string;
  aud: string;
  /** The user id (UUIDv7), forever. */
  sub: string;
  appid: string;
  /** The session the token belongs to. */
  sid: string;
  iat: number;
  exp: number;
}

/** Signs and verifies access tokens (JWT, `kid` + `typ: JWT` header, no `nbf`). */
export interface AccessTokens {
  /** Signs a token for `sub` in session `sid` of `appid`; `expiresIn` is the lifetime in seconds. */
  sign(subject: { sub: string; appid: string; sid: string }): Promise<{ token: string; expiresIn: number }>;
  /**
   * Verifies signature (the `kid`'s own alg only, in canonical base64url; an ES256 high-s signature is valid),
   * `iss`, `aud`, `exp` (30 s tolerance) and the claim shapes. Throws `AppError('UNAUTHORIZED')`; header URLs and
   * embedded keys (`jku`, `x5u`, `jwk`) are never followed.
   */
  verify(token: string): Promise<AccessTokenClaims>;
}

/** Options of {@link createAccessTokens}. */
export interface AccessTokensOptions {
  keys: SigningKeyRing;
  clock: Clock;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  /** The configured appids: a token naming another app is not ours. */
  appids: ReadonlySet<string>;
}

/** Clock skew accepted on `exp` / `iat` (documented for downstream verifiers too). */
export const CLOCK_TOLERANCE_S = 30;

const unauthorized = (message: string, cause?: unknown): AppError =>
  new AppError('UNAUTHORIZED', message, cause === undefined ? {} : { cause });

/** Access tokens over a key ring. */
export function createAccessTokens(options: AccessTokensOptions): AccessTokens {
  const { keys, clock, issuer, audience, ttlSeconds, appids } = options;

  async function resolveKey(header: JWTHeaderParameters) {
    if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 128) {
      throw unauthorized('The access token has no valid key id.');
    }
    const key = await keys.verificationKey(header.kid);
    if (!key) throw unauthorized('The access token was signed by an unknown key.');
    // Pinning the alg per kid is what defeats alg confusion (HS256 keyed with our public key, and the like).
    if (header.alg !== key.alg) throw unauthorized('The access token uses the wrong algorithm for its key.');
    return key.publicKey;
  }

  return {
    async sign({ sub, appid, sid }) {
      const key = await keys.signingKey();
      const iat = Math.floor(clock() / 1000);
      const token = await new SignJWT({ appid, sid })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(sub)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttlSeconds)
        .sign(key.privateKey);
      return { token, expiresIn: ttlSeconds };
    },

    async verify(token) {
      if (typeof token !== 'string' || token.length === 0 || token.length > 4096)
        throw unauthorized('Missing or malformed access token.');
      // The header and payload are signed as text, so only the signature could be respelled (16 ways per token).
      if (decodeCanonicalBase64url(token.slice(token.lastIndexOf('.') + 1)) === undefined) {
        throw unauthorized('The access token is invalid.');
      }
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, resolveKey, {
          algorithms: [...SIGNING_ALGS],
          issuer,
          audience,
          typ: 'JWT',
          clockTolerance: CLOCK_TOLERANCE_S,
          currentDate: new Date(clock()),
          requiredClaims: ['iss', 'aud', 'sub', 'iat', 'exp'],
        }));
      } catch (error) {
        if (error instanceof AppError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw unauthorized('The access token has expired.', error);
        throw unauthorized('The access token is invalid.', error);
      }
      const { sub, appid, sid, iat, exp } = payload;
      if (
        typeof sub !== 'string' ||
        !UUID_PATTERN.test(sub) ||
        typeof sid !== 'string' ||
        !UUID_PATTERN.test(sid) ||
        typeof appid !== 'string' ||
        !appids.has(appid) ||
        typeof iat !== 'number' ||
        typeof exp !== 'number'
      ) {
        throw unauthorized('The access token is invalid.');
      }
      // jose checked `iss` and `aud` against these already.
      return { iss: issuer, aud: audience, sub, appid, sid, iat, exp };
    },
  };
}
