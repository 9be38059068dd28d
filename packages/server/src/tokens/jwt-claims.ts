/*
 * The registered-claim checks of a verified JWT, replicating what jose's `jwtVerify` applied with the options the
 * service always passed (`typ: 'JWT'`, `issuer`, `audience`, `clockTolerance`, `currentDate`, `requiredClaims`
 * iss/aud/sub/iat/exp), so moving off jose neither loosened nor tightened what a token must carry.
 */

/** What {@link checkJwtClaims} checks against. */
export interface JwtClaimRules {
  issuer: string;
  audience: string;
  /** Seconds of clock skew allowed on `exp` and `nbf`. */
  toleranceS: number;
  /** The current time, whole epoch seconds. */
  nowS: number;
}

/** Why a claims set was refused: `expired` is told apart (the client should refresh), the rest is just invalid. */
export interface JwtClaimFailure {
  expired: boolean;
  /** Secret-free, for a log. */
  reason: string;
}

const REQUIRED = ['iss', 'aud', 'sub', 'iat', 'exp'] as const;

const fail = (reason: string): JwtClaimFailure => ({ expired: false, reason });
const EXPIRED: JwtClaimFailure = { expired: true, reason: '"exp" claim timestamp check failed' };
const BAD_TYP = fail('unexpected "typ" JWT header value');
const MISSING = fail('a required claim is missing');
const BAD_ISS = fail('unexpected "iss" claim value');
const BAD_AUD = fail('unexpected "aud" claim value');
const BAD_DATE = fail('a date claim is not a number');
const NOT_YET = fail('"nbf" claim timestamp check failed');

/**
 * jose's `typ` comparison: case-insensitive, with `application/` implied when the value has no `/` (RFC 7515 §4.1.9),
 * so `JWT`, `jwt` and `application/jwt` are one type.
 */
function isJwtTyp(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const lower = typ.toLowerCase();
  return (typ.includes('/') ? lower : `application/${lower}`) === 'application/jwt';
}

/**
 * Checks `typ`, the presence of iss/aud/sub/iat/exp, `iss`, `aud` (a string equal to ours, or an array holding it),
 * that `iat`/`nbf`/`exp` are numbers when present, `nbf` not beyond now + tolerance, and `exp` later than now -
 * tolerance. `iat` in the future is accepted, as jose did without `maxTokenAge`. `expired` only when every other
 * check passed, so an expired forgery of another issuer is still just invalid.
 * @returns undefined when the claims pass.
 */
export function checkJwtClaims(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  rules: JwtClaimRules,
): JwtClaimFailure | undefined {
  if (!isJwtTyp(header.typ)) return BAD_TYP;
  for (const claim of REQUIRED) if (!Object.hasOwn(claims, claim)) return MISSING;
  if (claims.iss !== rules.issuer) return BAD_ISS;
  const { aud } = claims;
  if (!(aud === rules.audience || (Array.isArray(aud) && aud.includes(rules.audience)))) return BAD_AUD;
  const { iat, nbf, exp } = claims;
  if (typeof iat !== 'number') return BAD_DATE;
  if (nbf !== undefined) {
    if (typeof nbf !== 'number') return BAD_DATE;
    if (nbf > rules.nowS + rules.toleranceS) return NOT_YET;
  }
  if (typeof exp !== 'number') return BAD_DATE;
  if (exp <= rules.nowS - rules.toleranceS) return EXPIRED;
  return undefined;
}
