import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { StoreDialectName } from './port/lifecycle.js';

// The server's own clock, as epoch ms, in each database's words: `clock_timestamp()` (not `now()`, the start of the
// transaction), `now(3)` for milliseconds; SQLite's 'now' is this process's machine, read through SQLite.
const QUERIES: Record<StoreDialectName, RawBuilder<{ ms: unknown }>> = {
  postgres: sql<{ ms: unknown }>`select extract(epoch from clock_timestamp()) * 1000 as ms`,
  mysql: sql<{ ms: unknown }>`select unix_timestamp(now(3)) * 1000 as ms`,
  sqlite: sql<{ ms: unknown }>`select (julianday('now') - 2440587.5) * 86400000.0 as ms`,
};

/** The database server's clock, epoch ms (drivers answer a number or a decimal string). */
export async function readDatabaseTime<DB>(db: Kysely<DB>, dialect: StoreDialectName): Promise<number> {
  const result = await QUERIES[dialect].execute(db);
  const ms = Number(result.rows[0]?.ms);
  if (!Number.isFinite(ms)) throw new Error('the database answered no time');
  return ms;
}
