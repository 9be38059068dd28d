import type { StoreDialect } from '../dialect.js';
import type { ResolvedStoreOptions } from '../store-options.js';
import { openMysqlConnection } from './connection.js';
import { isRetryable, uniqueViolationColumn } from './errors.js';
import { withGetLock } from './lock.js';
import { migrateMysql } from './migrate.js';
import { insertIgnore, insertOnDuplicateKeyUpdate } from './upsert.js';

/** Opens a MySQL or MariaDB pool for the store. */
export async function openMysqlDialect(url: string, options: ResolvedStoreOptions): Promise<StoreDialect> {
  const connection = await openMysqlConnection(url, options);
  const { db } = connection;
  return {
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
}
