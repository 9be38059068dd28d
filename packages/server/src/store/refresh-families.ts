import { internalError } from '../errors/app-error.js';
import { bounded } from './column-bounds.js';
import { insertAuditEvent } from './audit.js';
import type { RefreshFamilyRow, RefreshFamilyStore } from './port/refresh-families.js';
import type { Executor, StoreContext } from './store-context.js';

/** Re-judgements of one refresh presentation after losing the compare-and-swap; more means something is wrong. */
const ROTATE_ATTEMPTS = 5;
const FAMILIES_LISTED = 200;

/** Creates a family (inside `completeLogin`), with its free-text columns cut to their lengths. */
export async function insertFamily(trx: Executor, row: RefreshFamilyRow): Promise<void> {
  await trx
    .insertInto('refresh_families')
    .values({ ...row, createdIp: bounded(row.createdIp, 64), userAgent: bounded(row.userAgent, 512) })
    .execute();
}

/** Revokes every live family of `userId` on `db` (the pool, or a transaction disabling or deleting the user). */
export async function revokeFamiliesOfUser(db: Executor, userId: string, reason: string, now: number): Promise<number> {
  const result = await db
    .updateTable('refresh_families')
    .set({ revokedAt: now, revokedReason: reason })
    .where('userId', '=', userId)
    .where('revokedAt', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The {@link RefreshFamilyStore} on Kysely. */
export function refreshFamilyStore({ db, transaction }: StoreContext): RefreshFamilyStore {
  return {
    getFamily: (id) => db.selectFrom('refresh_families').selectAll().where('id', '=', id).executeTakeFirst(),

    listUserFamilies: (userId) =>
      db
        .selectFrom('refresh_families')
        .selectAll()
        .where('userId', '=', userId)
        .orderBy('createdAt', 'desc')
        .orderBy('id', 'desc')
        .limit(FAMILIES_LISTED)
        .execute(),

    rotateFamily(input) {
      const { familyId, generation } = input;
      return transaction(async (trx) => {
        for (let attempt = 0; attempt < ROTATE_ATTEMPTS; attempt++) {
          // Here, not at the request's start: the connection, the transaction and any lost race are behind us, so
          // the stamp is the time the rotation commits, and grace for the client's retry runs from there.
          const now = input.clock();
          // Read committed (PostgreSQL's default, set per session on MySQL): after a lost compare-and-swap this read
          // sees the winner's row, and the presentation is judged again against it.
          const family = await trx
            .selectFrom('refresh_families')
            .selectAll()
            .where('id', '=', familyId)
            .executeTakeFirst();
          if (family === undefined) return { kind: 'not_found' };
          if (family.revokedAt !== null || now >= family.expiresAt || now >= family.absoluteExpiresAt) {
            return { kind: 'expired' };
          }
          if (generation === family.generation) {
            const next = {
              generation: family.generation + 1,
              rotatedAt: now,
              lastUsedAt: now,
              expiresAt: Math.min(now + input.refreshTtlMs, family.absoluteExpiresAt),
            };
            const swapped = await trx
              .updateTable('refresh_families')
              .set(next)
              .where('id', '=', familyId)
              .where('generation', '=', family.generation)
              .where('revokedAt', 'is', null)
              .executeTakeFirst();
            if (swapped.numUpdatedRows === 1n) return { kind: 'rotated', family: { ...family, ...next } };
            continue;
          }
          if (generation === family.generation - 1 && now - family.rotatedAt <= input.graceMs) {
            return { kind: 'grace', family };
          }
          if (generation < family.generation) {
            const revoked = await trx
              .updateTable('refresh_families')
              .set({ revokedAt: now, revokedReason: 'reuse' })
              .where('id', '=', familyId)
              .where('revokedAt', 'is', null)
              .executeTakeFirst();
            if (revoked.numUpdatedRows !== 1n) continue;
            // The caller cannot know whose family it is before this read: the audit row names it.
            await insertAuditEvent(trx, { ...input.reuseAudit, at: now, appid: family.appid, userId: family.userId });
            return { kind: 'reused', family: { ...family, revokedAt: now, revokedReason: 'reuse' } };
          }
          // A generation ahead of the database (restored from a backup): the session cannot be continued.
          return { kind: 'expired' };
        }
        throw internalError(`refresh family rotation did not settle after ${ROTATE_ATTEMPTS} attempts`);
      });
    },

    async revokeFamily(id, reason, now) {
      const result = await db
        .updateTable('refresh_families')
        .set({ revokedAt: now, revokedReason: reason })
        .where('id', '=', id)
        .where('revokedAt', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },

    revokeUserFamilies: (userId, reason, now) => revokeFamiliesOfUser(db, userId, reason, now),
  };
}
