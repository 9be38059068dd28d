import { sql, type Insertable, type Kysely } from 'kysely';
import type { UntypedKysely, UpsertSpec } from './dialect.js';
import type { Database, TableName } from './schema.js';

// SQLite and PostgreSQL share the `INSERT … ON CONFLICT` syntax; MySQL has its own in `mysql/upsert.ts`.

/** `INSERT … ON CONFLICT DO NOTHING`: true when the row was inserted. */
export async function insertOnConflictDoNothing<T extends TableName>(
  db: Kysely<Database>,
  table: T,
  row: Insertable<Database[T]>,
): Promise<boolean> {
  const result = await (db as unknown as UntypedKysely)
    .insertInto(table)
    .values(row as Record<string, unknown>)
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return result.numInsertedOrUpdatedRows === 1n;
}

/** `INSERT … ON CONFLICT (key) DO UPDATE SET c = excluded.c, n = t.n + excluded.n`. */
export async function insertOnConflictDoUpdate<T extends TableName>(
  db: Kysely<Database>,
  table: T,
  rows: readonly Insertable<Database[T]>[],
  spec: UpsertSpec<T>,
): Promise<void> {
  if (rows.length === 0) return;
  const set: Record<string, unknown> = {};
  for (const c of spec.overwrite ?? []) set[c] = sql.ref(`excluded.${c}`);
  for (const c of spec.add ?? []) set[c] = sql`${sql.ref(`${table}.${c}`)} + ${sql.ref(`excluded.${c}`)}`;
  await (db as unknown as UntypedKysely)
    .insertInto(table)
    .values(rows as Record<string, unknown>[])
    .onConflict((oc) => {
      const target = oc.columns([...spec.key]);
      // The untyped view cannot type a computed SET; the columns come from the typed `spec`.
      return Object.keys(set).length === 0 ? target.doNothing() : target.doUpdateSet(set as never);
    })
    .execute();
}
