import { sql, type Insertable, type Kysely } from 'kysely';
import type { UntypedKysely, UpsertSpec } from '../dialect.js';
import type { Database, TableName } from '../schema.js';

// MySQL's own spellings of what SQLite and PostgreSQL share in `../on-conflict.ts`.

/** `INSERT IGNORE`: true when the row was inserted. */
export async function insertIgnore<T extends TableName>(
  conn: Kysely<Database>,
  table: T,
  row: Insertable<Database[T]>,
): Promise<boolean> {
  // INSERT IGNORE also downgrades errors other than a duplicate key to warnings; callers pass validated, bounded
  // values, and the row read back afterwards is what counts.
  const result = await (conn as unknown as UntypedKysely)
    .insertInto(table)
    .ignore()
    .values(row as Record<string, unknown>)
    .executeTakeFirst();
  return result.numInsertedOrUpdatedRows === 1n;
}

/** `INSERT … ON DUPLICATE KEY UPDATE c = VALUES(c), n = n + VALUES(n)`. */
export async function insertOnDuplicateKeyUpdate<T extends TableName>(
  conn: Kysely<Database>,
  table: T,
  rows: readonly Insertable<Database[T]>[],
  spec: UpsertSpec<T>,
): Promise<void> {
  if (rows.length === 0) return;
  // `VALUES(col)` rather than MySQL 8's row alias, which MariaDB does not have (MySQL 8 still accepts it).
  const set: Record<string, unknown> = {};
  for (const c of spec.overwrite ?? []) set[c] = sql`values(${sql.ref(c)})`;
  for (const c of spec.add ?? []) set[c] = sql`${sql.ref(c)} + values(${sql.ref(c)})`;
  // With nothing to merge, a no-op assignment of the key keeps the statement valid and the existing row untouched.
  const key = spec.key[0];
  if (Object.keys(set).length === 0 && key !== undefined) set[key] = sql.ref(key);
  await (conn as unknown as UntypedKysely)
    .insertInto(table)
    .values(rows as Record<string, unknown>[])
    .onDuplicateKeyUpdate(set as never)
    .execute();
}
