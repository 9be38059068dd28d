import type { StoreDialect } from '../dialect.js';
import { insertOnConflictDoNothing, insertOnConflictDoUpdate } from '../on-conflict.js';
import { createStoreContext } from '../store-context.js';
import type { ResolvedStoreOptions } from '../store-options.js';
import { openPostgresConnection } from './connection.js';
import { isRetryable, uniqueViolationColumn } from './errors.js';
import { postgresHotPaths } from './hot-paths.js';
import { withAdvisoryLock } from './lock.js';
import { migratePostgres } from './migrate.js';

/** Opens a PostgreSQL pool for the store. */
export async function openPostgresDialect(url: string, options: ResolvedStoreOptions): Promise<StoreDialect> {
  const db = await openPostgresConnection(url, options);
  const scope = { schema: options.schema, statementTimeoutMs: options.statementTimeoutMs };
  const dialect: StoreDialect = {
    name: 'postgres',
    db,
    insertIfAbsent: insertOnConflictDoNothing,
    upsert: insertOnConflictDoUpdate,
    transaction: (fn) => db.transaction().execute(fn),
    isRetryable,
    uniqueViolationColumn,
    withLock: (name, fn) => withAdvisoryLock(db, scope, name, fn),
    migrate: () => migratePostgres(db, scope),
    close: () => db.destroy(),
  };
  // The hot paths run their transactions through the same retries and error mapping as the rest of the store.
  return { ...dialect, hotPaths: postgresHotPaths(createStoreContext(dialect)) };
}
