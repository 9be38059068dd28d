import { sql, type Kysely } from 'kysely';
import type { StoreDialectName } from '../port/lifecycle.js';

/**
 * Whether `table` has `column` already: `ADD COLUMN IF NOT EXISTS` is missing from SQLite and MySQL 8, and a rename
 * has no `IF EXISTS` anywhere, so a migration re-run after its DDL went through asks first.
 */
export async function hasColumn(
  db: Kysely<unknown>,
  dialect: StoreDialectName,
  table: string,
  column: string,
): Promise<boolean> {
  const query =
    dialect === 'sqlite'
      ? sql<{ n: number }>`select count(*) as n from pragma_table_info(${table}) where name = ${column}`
      : sql<{ n: number | string }>`select count(*) as n from information_schema.columns
          where table_schema = ${dialect === 'postgres' ? sql`current_schema()` : sql`database()`}
          and table_name = ${table} and column_name = ${column}`;
  const found = await query.execute(db);
  return Number(found.rows[0]?.n ?? 0) > 0;
}
