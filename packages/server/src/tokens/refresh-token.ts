import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { UUID_PATTERN } from '../ids.js';
import { decodeCanonicalBase64url } from './canonical-base64url.js';

/** The refresh-token prefix: API, never changes (a new format gets a new prefix). */
export const REFRESH_TOKEN_PREFIX = 'wxr1';

const MAC_BYTES = 32;
const GENERATION_PATTERN = /^(0|[1-9][0-9]{0,8})$/;
const MAC_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** A refresh token's parts, after its MAC checked out. */
export interface RefreshTokenClaims {
  sessionId: string;
  generation: number;
}

/**
 * Refresh tokens `wxr1.<sessionId>.<generation>.<mac>`: mac = base64url HMAC-SHA256(refresh key,
 * `sessionId|generation`). Nothing secret is stored: the database holds only the session's current generation.
 */
export interface RefreshTokenCodec {
  /** Makes the token of `generation` of the session. */
  issue(sessionId: string, generation: number): string;
  /**
   * `ok` with the parts when the format and MAC are right; `malformed` (a non-canonical base64url mac included) /
   * `bad_mac` otherwise. A bad MAC must not touch the session (knowing a session id must not let anyone end it).
   */
  parse(token: string): { ok: true; claims: RefreshTokenClaims } | { ok: false; reason: 'malformed' | 'bad_mac' };
}

/** A codec over the (derived, once-imported) refresh key. */
export function createRefreshTokenCodec(refreshKey: KeyObject): RefreshTokenCodec {
  const mac = (sessionId: string, generation: number): Buffer =>
    createHmac('sha256', refreshKey).update(`${sessionId}|${generation}`).digest();

  return {
    issue(sessionId, generation) {
      return `${REFRESH_TOKEN_PREFIX}.${sessionId}.${generation}.${mac(sessionId, generation).toString('base64url')}`;
    },
    parse(token) {
      const parts = typeof token === 'string' ? token.split('.') : [];
      const [prefix, sessionId, generationText, macText] = parts;
      if (
        parts.length !== 4 ||
        prefix !== REFRESH_TOKEN_PREFIX ||
        !UUID_PATTERN.test(sessionId!) ||
        !GENERATION_PATTERN.test(generationText!) ||
        !MAC_PATTERN.test(macText!)
      ) {
        return { ok: false, reason: 'malformed' };
      }
      const generation = Number(generationText);
      // 43 characters carry 258 bits for a 256-bit mac: four spellings would decode to one mac, and only the
      // canonical one is the token we issued.
      const presented = decodeCanonicalBase64url(macText!);
      if (presented?.length !== MAC_BYTES) return { ok: false, reason: 'malformed' };
      const expected = mac(sessionId!, generation);
      if (!timingSafeEqual(presented, expected)) return { ok: false, reason: 'bad_mac' };
      return { ok: true, claims: { sessionId: sessionId!, generation } };
    },
  };
}
