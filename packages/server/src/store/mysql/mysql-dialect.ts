import type { StoreDialect } from '../dialect.js';
import { createStoreContext } from '../store-context.js';
import type { ResolvedStoreOptions } from '../store-options.js';
import { openMysqlConnection } from './connection.js';
import { isRetryable, uniqueViolationColumn } from './errors.js';
import { mysqlHotPaths } from './hot-paths.js';
import { withGetLock } from './lock.js';
import { migrateMysql } from './migrate.js';
import { insertIgnore, insertOnDuplicateKeyUpdate } from './upsert.js';

/** Opens a MySQL or MariaDB pool for the store. */
export async function openMysqlDialect(url: string, options: ResolvedStoreOptions): Promise<StoreDialect> {
  const connection = await openMysqlConnection(url, options);
  const { db } = connection;
  const dialect: StoreDialect = {
    name: 'mysql',
    db,
    insertIfAbsent: insertIgnore,
    upsert: insertOnDuplicateKeyUpdate,
    transaction: (fn) => db.transaction().execute(fn),
    isRetryable,
    uniqueViolationColumn,
    withLock: (name, fn) => withGetLock(connection, name, fn),
    migrate: () => migrateMysql(connection),
    close: () => db.destroy(),
  };
  // The hot paths run their transactions through the same retries and error mapping as the rest of the store.
  return { ...dialect, hotPaths: mysqlHotPaths(createStoreContext(dialect)) };
}
