import { sql, type Kysely } from 'kysely';
import { migrateToLatest } from '../migrations/index.js';
import type { Database } from '../schema.js';

/** Applies pending migrations while holding the database's write lock; answers the names applied. */
export async function migrateSqlite(db: Kysely<Database>): Promise<string[]> {
  // Kysely's Migrator takes no lock on SQLite; holding the write lock for the whole run makes a second process on
  // the same file wait (busy_timeout) and then find nothing left to do.
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const applied = await migrateToLatest(conn, 'sqlite', { disableTransactions: true });
      await sql`commit`.execute(conn);
      return applied;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw err;
    }
  });
}
