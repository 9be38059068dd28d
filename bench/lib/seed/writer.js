// The one interface the seeder writes through, and the choice of implementation by database URL.
import { openMysqlWriter } from './mysql-writer.js';
import { openPostgresWriter } from './postgres-writer.js';
import { openSqliteWriter } from './sqlite-writer.js';

/**
 * Bulk writes to a migrated wxlogin database, on one connection.
 * @typedef {{
 *   kind: 'sqlite' | 'postgres' | 'mysql',
 *   begin(): Promise<void>,
 *   insert(table: string, columns: readonly string[], values: unknown[]): Promise<void>,
 *   commit(): Promise<void>,
 *   rollback(): Promise<void>,
 *   deferIndexes(table: string): Promise<() => Promise<void>>,
 *   indexes(table: string): Promise<{ name: string, columns: string[] }[]>,
 *   count(table: string): Promise<number>,
 *   finish(): Promise<void>,
 *   sizeBytes(): Promise<number>,
 *   close(): Promise<void>,
 * }} RowWriter
 * `insert` takes rows flat (row after row, in `columns` order), inside `begin` … `commit`; a writer may hold them
 * until its statement is full or the commit. `deferIndexes` drops the table's plain (non-constraint) indexes and
 * answers the function that creates them again from their own stored definitions. `finish` refreshes the
 * planner's statistics (`ANALYZE`).
 */

/**
 * Opens the writer for a wxlogin database URL (`sqlite:PATH`, `postgres://…`, `mysql://…`, `mariadb://…`).
 * @param {string} url
 * @returns {Promise<RowWriter>}
 */
export async function openWriter(url) {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite': {
      const path = url.slice('sqlite:'.length);
      if (path === '' || path === ':memory:') throw new Error('seedRows needs a SQLite file: sqlite:/abs/path.db');
      return openSqliteWriter(path);
    }
    case 'postgres':
    case 'postgresql':
      return openPostgresWriter(url);
    case 'mysql':
    case 'mariadb':
      return openMysqlWriter(url.replace(/^mariadb:/i, 'mysql:'));
    default:
      throw new Error(`seedRows: unsupported database URL scheme "${scheme ?? ''}:"`);
  }
}
