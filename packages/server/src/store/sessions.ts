import { internalError } from '../errors/app-error.js';
import { bounded } from './column-bounds.js';
import { insertAuditEvent } from './audit.js';
import type { SessionRow, SessionStore } from './port/sessions.js';
import { judgePresentation, rotatedColumns } from './session-rotation.js';
import type { Executor, StoreContext } from './store-context.js';

/** Re-judgements of one refresh presentation after losing the compare-and-swap; more means something is wrong. */
const ROTATE_ATTEMPTS = 5;
const SESSIONS_LISTED = 200;

/** Creates a session (inside `completeLogin`), with its free-text columns cut to their lengths. */
export async function insertSession(trx: Executor, row: SessionRow): Promise<void> {
  await trx
    .insertInto('refresh_families')
    .values({ ...row, createdIp: bounded(row.createdIp, 64), userAgent: bounded(row.userAgent, 512) })
    .execute();
}

/** Revokes every live session of `userId` on `db` (the pool, or a transaction disabling or deleting the user). */
export async function revokeSessionsOfUser(db: Executor, userId: string, reason: string, now: number): Promise<number> {
  const result = await db
    .updateTable('refresh_families')
    .set({ revokedAt: now, revokedReason: reason })
    .where('userId', '=', userId)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The {@link SessionStore} on Kysely. */
export function sessionStore({ db, transaction }: StoreContext): SessionStore {
  return {
    getSession: (id) => db.selectFrom('refresh_families').selectAll().where('id', '=', id).executeTakeFirst(),

    listUserSessions: (userId) =>
      db
        .selectFrom('refresh_families')
        .selectAll()
        .where('userId', '=', userId)
        .orderBy('createdAt', 'desc')
        .orderBy('id', 'desc')
        .limit(SESSIONS_LISTED)
        .execute(),

    rotateSession(input) {
      const { sessionId, generation } = input;
      return transaction(async (trx) => {
        for (let attempt = 0; attempt < ROTATE_ATTEMPTS; attempt++) {
          // Here, not at the request's start: the connection, the transaction and any lost race are behind us, so
          // the stamp is the time the rotation commits, and grace for the client's retry runs from there.
          const now = input.clock();
          // Read committed (PostgreSQL's default, set per session on MySQL): after a lost compare-and-swap this read
          // sees the winner's row, and the presentation is judged again against it.
          const session = await trx
            .selectFrom('refresh_families')
            .selectAll()
            .where('id', '=', sessionId)
            .executeTakeFirst();
          if (session === undefined) return { kind: 'not_found' };
          const verdict = judgePresentation(session, generation, now, input.graceMs);
          if (verdict === 'expired') return { kind: 'expired' };
          if (verdict === 'grace') return { kind: 'grace', session: session };
          if (verdict === 'rotate') {
            const next = rotatedColumns(session, now, input.refreshTtlMs);
            const swapped = await trx
              .updateTable('refresh_families')
              .set(next)
              .where('id', '=', sessionId)
              .where('generation', '=', session.generation)
              .where('revokedAt', 'is', null)
              .executeTakeFirst();
            if (swapped.numUpdatedRows === 1n) return { kind: 'rotated', session: { ...session, ...next } };
            continue;
          }
          const revoked = await trx
            .updateTable('refresh_families')
            .set({ revokedAt: now, revokedReason: 'reuse' })
            .where('id', '=', sessionId)
            .where('revokedAt', 'is', null)
            .executeTakeFirst();
          if (revoked.numUpdatedRows !== 1n) continue;
          // The caller cannot know whose session it is before this read: the audit row names it.
          await insertAuditEvent(trx, { ...input.reuseAudit, at: now, appid: session.appid, userId: session.userId });
          return { kind: 'reused', session: { ...session, revokedAt: now, revokedReason: 'reuse' } };
        }
        throw internalError(`session rotation did not settle after ${ROTATE_ATTEMPTS} attempts`);
      });
    },

    async revokeSession(id, reason, now) {
      const result = await db
        .updateTable('refresh_families')
        .set({ revokedAt: now, revokedReason: reason })
        .where('id', '=', id)
        .where('revokedAt', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    revokeUserSessions: (userId, reason, now) => revokeSessionsOfUser(db, userId, reason, now),
  };
}
