// Bulk rows into SQLite: multi-row INSERTs prepared once per shape, transactions as the seeder draws them, on a
// connection in WAL mode like the server's. Nothing here is the server's own connection code: only the file is.
import { statSync } from 'node:fs';
import { requireDriver } from './server-modules.js';

// 128 MiB of page cache for this connection (the default is 2 MB): the one index that still takes keys in random
// order (phone) and the sorts of the rebuilt session indexes stay in memory. More measured no faster: every other
// key arrives in order (see dataset.js).
const CACHE_KIB = 128 * 1024;

/**
 * Opens a writer on the SQLite file `path` (already migrated).
 * @param {string} path
 * @returns {import('./writer.js').RowWriter}
 */
export function openSqliteWriter(path) {
  const Database = requireDriver('better-sqlite3');
  const db = new Database(path, { timeout: 5000 });
  // The server opens every database in WAL; the mode is stored in the file, so the seeded file is already so.
  db.pragma('journal_mode = WAL');
  // A crash mid-seed leaves a database to seed again anyway: no fsync per commit.
  db.pragma('synchronous = OFF');
  db.pragma(`cache_size = -${CACHE_KIB}`);
  db.pragma('temp_store = MEMORY');

  /** @type {Map<string, import('better-sqlite3').Statement>} */
  const statements = new Map();
  const statementFor = (table, columns, rows) => {
    const key = `${table}|${rows}`;
    let statement = statements.get(key);
    if (statement === undefined) {
      const tuple = `(${columns.map(() => '?').join(',')})`;
      statement = db.prepare(`insert into ${table} (${columns.join(',')}) values ${Array(rows).fill(tuple).join(',')}`);
      statements.set(key, statement);
    }
    return statement;
  };

  return {
    kind: 'sqlite',
    async begin() {
      db.exec('begin');
    },
    async insert(table, columns, values) {
      // SQLite binds at most 32,766 parameters: callers send batches of a few hundred rows.
      statementFor(table, columns, values.length / columns.length).run(values);
    },
    async commit() {
      db.exec('commit');
    },
    async rollback() {
      if (db.inTransaction) db.exec('rollback');
    },
    async deferIndexes(table) {
      // Plain indexes have their CREATE statement in the schema; a constraint's automatic index has none.
      const indexes = db
        .prepare(`select name, sql from sqlite_master where type = 'index' and tbl_name = ? and sql is not null`)
        .all(table);
      for (const { name } of indexes) db.exec(`drop index "${name}"`);
      return async () => {
        for (const { sql } of indexes) db.exec(sql);
      };
    },
    async indexes(table) {
      return db
        .prepare('select name from pragma_index_list(?)')
        .all(table)
        .map(({ name }) => ({
          name,
          columns: db
            .prepare('select name from pragma_index_info(?) order by seqno')
            .all(name)
            .map((c) => c.name),
        }));
    },
    async count(table) {
      return db.prepare(`select count(*) as n from ${table}`).get().n;
    },
    async finish() {
      db.exec('analyze');
      // Fold the WAL into the file, so its size is the database's and the server starts on an empty log.
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
    async sizeBytes() {
      const size = (file) => {
        try {
          return statSync(file).size;
        } catch {
          return 0;
        }
      };
      return size(path) + size(`${path}-wal`);
    },
    async close() {
      db.close();
    },
  };
}
