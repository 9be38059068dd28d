import type { SweepCounts, SweepRetention } from './port/lifecycle.js';
import type { Executor } from './store-context.js';

const DAY_MS = 86_400_000;
// Bounded batches: one sweep never holds a long lock nor sends an unbounded `IN` list, and it ends even when rows
// arrive as fast as it deletes them.
const SWEEP_BATCH = 1000;
const SWEEP_MAX_BATCHES = 100;

/**
 * The store's `sweep`: retention across the tables, in one place so what goes and when reads at a glance (expired
 * login codes, long-dead sessions, old stats, expired leases).
 */
export async function sweep(db: Executor, now: number, retention: SweepRetention = {}): Promise<SweepCounts> {
  const sessionsBefore = now - (retention.sessionsMs ?? 7 * DAY_MS);
  const statsBefore = now - (retention.statsMs ?? 30 * DAY_MS);

  let loginCodes = 0;
  for (let batch = 0; batch < SWEEP_MAX_BATCHES; batch++) {
    const keys = await db
      .selectFrom('login_codes')
      .select('codeHash')
      .where('expiresAt', '<', now)
      .limit(SWEEP_BATCH)
      .execute();
    if (keys.length === 0) break;
    const deleted = await db
      .deleteFrom('login_codes')
      .where(
        'codeHash',
        'in',
        keys.map((k) => k.codeHash),
      )
      .where('expiresAt', '<', now)
      .executeTakeFirst();
    loginCodes += Number(deleted.numDeletedRows);
    if (keys.length < SWEEP_BATCH) break;
  }

  let sessions = 0;
  for (let batch = 0; batch < SWEEP_MAX_BATCHES; batch++) {
    // `expires_at` never passes `absolute_expires_at`, so it covers both expiries.
    const ids = await db
      .selectFrom('refresh_families')
      .select('id')
      .where((eb) => eb.or([eb('expiresAt', '<', sessionsBefore), eb('revokedAt', '<', sessionsBefore)]))
      .limit(SWEEP_BATCH)
      .execute();
    if (ids.length === 0) break;
    const deleted = await db
      .deleteFrom('refresh_families')
      .where(
        'id',
        'in',
        ids.map((f) => f.id),
      )
      .executeTakeFirst();
    sessions += Number(deleted.numDeletedRows);
    if (ids.length < SWEEP_BATCH) break;
  }

  const stats = await db.deleteFrom('login_stats').where('minute', '<', statsBefore).executeTakeFirst();
  // A handful at most (a lease outlives its holder only when the holder crashed): one statement.
  await db.deleteFrom('leases').where('expiresAt', '<', now).execute();
  return { loginCodes, sessions, stats: Number(stats.numDeletedRows) };
}
