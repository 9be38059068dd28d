import { errors as joseErrors, importJWK, jwtVerify, type JWK, type JWTHeaderParameters } from 'jose';
import type { Clock } from '../../src/clock.js';
import { AppError } from '../../src/errors/app-error.js';
import { UUID_PATTERN } from '../../src/ids.js';
import { CLOCK_TOLERANCE_S, type AccessTokenClaims } from '../../src/tokens/access-token.js';
import { decodeCanonicalBase64url } from '../../src/tokens/canonical-base64url.js';
import { SIGNING_ALGS, type PublishedJwk } from '../../src/tokens/signing-keys.js';

/** What {@link createJoseReferenceVerifier} verifies against. */
export interface JoseReferenceOptions {
  /** The published keys (the ring's JWKS), looked up by kid. */
  jwks: () => { keys: PublishedJwk[] };
  clock: Clock;
  issuer: string;
  audience: string;
  appids: ReadonlySet<string>;
}

/**
 * The access-token verifier as it was on jose's `jwtVerify` (same options, same error mapping), kept as the oracle
 * of the differential test: the node:crypto verifier must give every token the same verdict and message.
 */
export function createJoseReferenceVerifier(
  options: JoseReferenceOptions,
): (token: string) => Promise<AccessTokenClaims> {
  const { jwks, clock, issuer, audience, appids } = options;
  const unauthorized = (message: string, cause?: unknown): AppError =>
    new AppError('UNAUTHORIZED', message, cause === undefined ? {} : { cause });

  async function resolveKey(header: JWTHeaderParameters) {
    if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 128) {
      throw unauthorized('The access token has no valid key id.');
    }
    const key = jwks().keys.find((k) => k.kid === header.kid);
    if (!key) throw unauthorized('The access token was signed by an unknown key.');
    if (header.alg !== key.alg) throw unauthorized('The access token uses the wrong algorithm for its key.');
    return importJWK(key as JWK, key.alg);
  }

  return async (token) => {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096)
      throw unauthorized('Missing or malformed access token.');
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
    return { iss: issuer, aud: audience, sub, appid, sid, iat, exp };
  };
}
