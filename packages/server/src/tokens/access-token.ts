import type { KeyObject } from 'node:crypto';
import type { Clock } from '../clock.js';
import { AppError } from '../errors/app-error.js';
import { UUID_PATTERN } from '../ids.js';
import {
  encodeJwtHeader,
  parseJsonObject,
  parseJwsCompact,
  signJwsCompact,
  verifyJwsSignature,
} from './jws-compact.js';
import { checkJwtClaims } from './jwt-claims.js';
import { SIGNING_ALGS, type SigningAlg, type SigningKeyRing, type VerificationKey } from './signing-keys.js';

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
   * Verifies signature (the `kid`'s own alg only, all three parts in canonical base64url; an ES256 high-s signature
   * is valid), `typ`, `iss`, `aud`, `exp` (30 s tolerance) and the claim shapes; refuses `crit`. Throws only
   * `AppError('UNAUTHORIZED')`; header URLs and embedded keys (`jku`, `x5u`, `jwk`) are ignored, never followed.
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

/** Longest token accepted: ours are 400 to 700 characters (RS256 the longest); the cap bounds the parsing work. */
const MAX_TOKEN_LENGTH = 4096;
const MAX_KID_LENGTH = 128;

const unauthorized = (message: string, reason: string): AppError =>
  new AppError('UNAUTHORIZED', message, { cause: reason });

const isSigningAlg = (alg: unknown): alg is SigningAlg =>
  typeof alg === 'string' && (SIGNING_ALGS as readonly string[]).includes(alg);

/** Access tokens over a key ring: signed and verified synchronously on the ring's prepared KeyObjects. */
export function createAccessTokens(options: AccessTokensOptions): AccessTokens {
  const { keys, clock, issuer, audience, ttlSeconds, appids } = options;
  // The active key changes only on rotation: its encoded header is made once per kid, not per token.
  let lastHeader = { kid: '', alg: 'ES256' as SigningAlg, encoded: '' };
  const encodedHeaderOf = (kid: string, alg: SigningAlg): string => {
    if (lastHeader.kid !== kid || lastHeader.alg !== alg) lastHeader = { kid, alg, encoded: encodeJwtHeader(alg, kid) };
    return lastHeader.encoded;
  };

  async function keyFor(kid: unknown, alg: SigningAlg): Promise<KeyObject> {
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH) {
      throw unauthorized('The access token has no valid key id.', 'kid');
    }
    let key: VerificationKey | undefined;
    try {
      key = await keys.verificationKey(kid);
    } catch {
      // jose turned a failing key lookup into an invalid token, and so does this: verify throws only AppErrors.
      throw unauthorized('The access token is invalid.', 'key lookup failed');
    }
    if (!key) throw unauthorized('The access token was signed by an unknown key.', 'unknown kid');
    // Pinning the alg per kid is what defeats alg confusion (HS256 keyed with our public key, and the like).
    if (alg !== key.alg) throw unauthorized('The access token uses the wrong algorithm for its key.', 'alg');
    return key.publicKey;
  }

  return {
    async sign({ sub, appid, sid }) {
      const key = await keys.signingKey();
      const iat = Math.floor(clock() / 1000);
      if (!Number.isSafeInteger(iat)) throw new TypeError('The clock gave no usable time.');
      // The claims and their order are what jose's SignJWT wrote: the payload, then iss, aud, sub, iat, exp.
      const claims = { appid, sid, iss: issuer, aud: audience, sub, iat, exp: iat + ttlSeconds };
      const token = signJwsCompact(encodedHeaderOf(key.kid, key.alg), claims, key.alg, key.privateKey);
      return { token, expiresIn: ttlSeconds };
    },

    async verify(token) {
      if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH)
        throw unauthorized('Missing or malformed access token.', 'length');
      // All the syntax first: a malformed token never costs a key lookup (an unknown kid can mean a database read).
      const parsed = parseJwsCompact(token);
      if (!parsed) throw unauthorized('The access token is invalid.', 'not a canonical compact JWS');
      const { header } = parsed;
      // No extension is understood, so none may be critical (RFC 7515 §4.1.11); jku/x5u/jwk/x5c are just ignored.
      if (Object.hasOwn(header, 'crit')) throw unauthorized('The access token is invalid.', 'crit');
      // `none`, HS256 and every alg but ours stop here, before a key is even looked up.
      if (!isSigningAlg(header.alg)) throw unauthorized('The access token is invalid.', 'alg not allowed');
      const publicKey = await keyFor(header.kid, header.alg);
      if (!verifyJwsSignature(parsed, header.alg, publicKey)) {
        throw unauthorized('The access token is invalid.', 'signature');
      }
      const payload = parseJsonObject(parsed.payload);
      if (!payload) throw unauthorized('The access token is invalid.', 'claims are not a JSON object');
      const failure = checkJwtClaims(header, payload, {
        issuer,
        audience,
        toleranceS: CLOCK_TOLERANCE_S,
        nowS: Math.floor(clock() / 1000),
      });
      if (failure) {
        throw unauthorized(
          failure.expired ? 'The access token has expired.' : 'The access token is invalid.',
          failure.reason,
        );
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
        throw unauthorized('The access token is invalid.', 'claim shapes');
      }
      // `iss` and `aud` were checked against these already.
      return { iss: issuer, aud: audience, sub, appid, sid, iat, exp };
    },
  };
}
