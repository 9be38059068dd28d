import type { Kysely, Migration } from 'kysely';
import type { StoreDialectName } from '../port/lifecycle.js';
import { hasColumn } from './has-column.js';
import type { NamedMigration } from './initial-schema.js';

// The same rules as the first schema: one DDL statement per migration, and each one safe to run again when its DDL
// ran but was never recorded.

type Db = Kysely<unknown>;

/** Renames a column, unless a run whose record was lost renamed it already. SQLite, PostgreSQL, MariaDB 10.5+, MySQL 8. */
function renameColumnMigration(dialect: StoreDialectName, table: string, from: string, to: string): Migration {
  return {
    up: async (db: Db) => {
      if (!(await hasColumn(db, dialect, table, from))) return;
      await db.schema.alterTable(table).renameColumn(from, to).execute();
    },
    down: async (db: Db) => {
      if (!(await hasColumn(db, dialect, table, to))) return;
      await db.schema.alterTable(table).renameColumn(to, from).execute();
    },
  };
}

/**
 * `login_codes.errcode` becomes `failure_json`: it has always held the serialised error a failed code replays (JSON
 * text), never a WeChat errcode, and the old name sent readers looking for one.
 */
export function loginCodesFailureJson(dialect: StoreDialectName): NamedMigration[] {
  return [['0017_login_codes_failure_json', renameColumnMigration(dialect, 'login_codes', 'errcode', 'failure_json')]];
}
