import type { StoreDialect } from '../dialect.js';
import { insertOnConflictDoNothing, insertOnConflictDoUpdate } from '../on-conflict.js';
import { openSqliteConnection } from './connection.js';
import { uniqueViolationColumn } from './errors.js';
import { migrateSqlite } from './migrate.js';

/** Opens a SQLite database (`:memory:` or a file path) for the store. */
export async function openSqliteDialect(path: string): Promise<StoreDialect> {
  const { db, hotPaths, locks, release } = await openSqliteConnection(path);
  return {
    name: 'sqlite',
    db,
    insertIfAbsent: insertOnConflictDoNothing,
    upsert: insertOnConflictDoUpdate,
    transaction: (fn) => db.transaction().execute(fn),
    // Kysely serialises everything on the one connection, so transactions of this process never conflict.
    isRetryable: () => false,
    uniqueViolationColumn,
    withLock: (name, fn) => locks.run(name, fn),
    migrate: () => migrateSqlite(db),
    hotPaths,
    close: release,
  };
}
