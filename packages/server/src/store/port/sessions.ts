import type { AuditEventRow } from './audit.js';

/** A row of `refresh_families`: one login session (device). */
export interface SessionRow {
  id: string;
  appid: string;
  userId: string;
  generation: number;
  /** When `generation` last moved; the grace window of the predecessor is judged on it. */
  rotatedAt: number;
  lastUsedAt: number;
  /** Sliding expiry, pushed forward at each rotation, never past `absoluteExpiresAt`. */
  expiresAt: number;
  absoluteExpiresAt: number;
  revokedAt: number | null;
  revokedReason: string | null;
  createdIp: string | null;
  userAgent: string | null;
  createdAt: number;
}

/** What `rotateSession` needs. */
export interface RotateSessionInput {
  sessionId: string;
  generation: number;
  /**
   * Read by the store inside the transaction, right before it judges and stamps the row: `rotatedAt` is when the
   * rotating statement ran, not when the request began, so a request that waited for the database does not shorten
   * the grace window of its own client's retry.
   */
  clock: () => number;
  graceMs: number;
  refreshTtlMs: number;
  /** Inserted on reuse; the store sets `at` (the statement's time), `appid` and `userId` (the session's). */
  reuseAudit: Omit<AuditEventRow, 'at' | 'appid' | 'userId'>;
}

/** Outcome of a refresh-token presentation, decided inside one transaction. */
export type RotateResult =
  | { kind: 'rotated'; session: SessionRow }
  | { kind: 'grace'; session: SessionRow }
  | { kind: 'reused'; session: SessionRow }
  | { kind: 'expired' }
  | { kind: 'not_found' };

/**
 * Sessions (a user's login on one device, whose refresh tokens rotate): rotation with reuse detection, revocation,
 * listing. Created by `completeLogin`.
 */
export interface SessionStore {
  /** The session with this id (live or not, until swept), or undefined. */
  getSession(id: string): Promise<SessionRow | undefined>;
  /**
   * Judges a presented (sessionId, generation) in one transaction, at `now = clock()` read inside it:
   * current → compare-and-swap `generation + 1`, `rotatedAt = now` (sliding `expiresAt = min(now + refreshTtlMs,
   * absoluteExpiresAt)`);
   * current − 1 with `now - rotatedAt <= graceMs` → `grace` (nothing written);
   * any other older generation → revoke the session (`reuse`), insert `reuseAudit`, answer `reused`;
   * revoked, expired or past its absolute expiry → `expired`; unknown → `not_found`; a generation ahead of the
   * stored one (a database restored from a backup) → `expired`, nothing written.
   * A lost compare-and-swap race re-reads the clock and the row and judges again (so of two concurrent presentations
   * of the current generation one gets `rotated`, the other `grace`). A `rotated` session is the row after the swap.
   */
  rotateSession(input: RotateSessionInput): Promise<RotateResult>;
  /** Revokes one session (no-op if already revoked). True when this call revoked it. */
  revokeSession(id: string, reason: string, now: number): Promise<boolean>;
  /** Revokes every live session of a user; answers how many. */
  revokeUserSessions(userId: string, reason: string, now: number): Promise<number>;
  /** The user's sessions (live and revoked, until swept), newest first, at most 200. */
  listUserSessions(userId: string): Promise<SessionRow[]>;
}
