import type { Kysely, Migration } from 'kysely';
import type { StoreDialectName } from '../port/lifecycle.js';
import { columnTypes, type ColumnType, type ColumnTypes } from './column-types.js';
import { hasColumn } from './has-column.js';
import { tableMigration, type NamedMigration } from './initial-schema.js';

// The same rules as the first schema: one DDL statement per migration, and each one safe to run again when its DDL
// ran but was never recorded.

type Db = Kysely<unknown>;

function addColumnMigration(
  dialect: StoreDialectName,
  table: string,
  column: string,
  type: (t: ColumnTypes) => ColumnType,
): Migration {
  const t = columnTypes(dialect);
  return {
    up: async (db: Db) => {
      if (await hasColumn(db, dialect, table, column)) return;
      await db.schema.alterTable(table).addColumn(column, type(t)).execute();
    },
    down: (db: Db) => db.schema.alterTable(table).dropColumn(column).execute(),
  };
}

/**
 * Holding on under failure: `leases`, the per-name claims that replaced session locks on request paths (a waiter
 * never pins a pool connection), and `login_codes.claimed_at`, which lets a request take over a code whose first
 * request died while it was `pending`.
 */
export function leasesAndClaims(dialect: StoreDialectName): NamedMigration[] {
  return [
    [
      '0015_leases',
      tableMigration(dialect, 'leases', (table, t) =>
        table
          .addColumn('name', t.ident(128), (c) => c.primaryKey())
          .addColumn('owner', t.ident(36), (c) => c.notNull())
          .addColumn('expires_at', t.bigint, (c) => c.notNull()),
      ),
    ],
    // Nullable: rows written before it (or by an instance not upgraded yet) are judged by `created_at`.
    ['0016_login_codes_claimed_at', addColumnMigration(dialect, 'login_codes', 'claimed_at', (t) => t.bigint)],
  ];
}
