import type { SessionRow } from './port/sessions.js';

/** What a refresh presentation of `generation` does to its session, judged at `now`. */
export type RotationVerdict = 'expired' | 'rotate' | 'grace' | 'reuse';

/**
 * The rules of rotation, one place for every store: current → rotate; the one before, within `graceMs` of the
 * rotation → grace; any older → reuse; revoked, expired, past its absolute expiry or ahead of the stored generation
 * (a database restored from a backup) → expired.
 */
export function judgePresentation(
  session: SessionRow,
  generation: number,
  now: number,
  graceMs: number,
): RotationVerdict {
  if (session.revokedAt !== null || now >= session.expiresAt || now >= session.absoluteExpiresAt) return 'expired';
  if (generation === session.generation) return 'rotate';
  if (generation === session.generation - 1 && now - session.rotatedAt <= graceMs) return 'grace';
  if (generation < session.generation) return 'reuse';
  return 'expired';
}

/** The columns a rotation of `session` at `now` sets: the next generation and the sliding expiry. */
export function rotatedColumns(
  session: Pick<SessionRow, 'generation' | 'absoluteExpiresAt'>,
  now: number,
  refreshTtlMs: number,
): Pick<SessionRow, 'generation' | 'rotatedAt' | 'lastUsedAt' | 'expiresAt'> {
  return {
    generation: session.generation + 1,
    rotatedAt: now,
    lastUsedAt: now,
    expiresAt: Math.min(now + refreshTtlMs, session.absoluteExpiresAt),
  };
}
