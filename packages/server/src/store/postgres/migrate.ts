import { sql, type Kysely } from 'kysely';
import { migrateToLatest } from '../migrations/index.js';
import type { Database } from '../schema.js';

/**
 * Applies pending migrations on one connection with the statement timeout lifted; `statementTimeoutMs` is the
 * session's usual timeout, restored afterwards. Answers the names applied.
 */
export async function migratePostgres(
  db: Kysely<Database>,
  scope: { schema: string | undefined; statementTimeoutMs: number },
): Promise<string[]> {
  const restoreTimeout = String(scope.statementTimeoutMs);
  return db.connection().execute(async (conn) => {
    // Kysely's Migrator locks with `pg_advisory_lock` (waiting up to an hour) and runs every pending migration in
    // one transaction; a waiter must not be cut off by the statement timeout, nor a long DDL.
    await sql`select set_config('statement_timeout', '0', false)`.execute(conn);
    try {
      // Name the schema even when it is the default: otherwise Kysely takes a `kysely_migration` table in ANY schema
      // of the database as its own.
      const current = await sql<{ schema: string }>`select current_schema() as schema`.execute(conn);
      const migrationTableSchema = scope.schema ?? current.rows[0]?.schema;
      return await migrateToLatest(
        conn,
        'postgres',
        migrationTableSchema === undefined ? {} : { migrationTableSchema },
      );
    } finally {
      await sql`select set_config('statement_timeout', ${restoreTimeout}, false)`.execute(conn);
    }
  });
}
