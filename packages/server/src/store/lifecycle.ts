import { sql } from 'kysely';
import { readDatabaseTime } from './database-clock.js';
import { readMigrationStatus } from './migrations/migration-status.js';
import type { StoreLifecycle } from './port/lifecycle.js';
import type { StoreContext } from './store-context.js';
import { sweep } from './sweep.js';

/**
 * The {@link StoreLifecycle} on Kysely: the dialect's migrations, lock and pool, a ping, the migration status, the
 * database's clock, and the sweep.
 */
export function storeLifecycle({ db, dialect }: StoreContext): StoreLifecycle {
  return {
    dialect: dialect.name,
    migrate: () => dialect.migrate(),
    withLock: (name, fn) => dialect.withLock(name, fn),
    async ping() {
      await sql`select 1`.execute(db);
    },
    migrationStatus: () => readMigrationStatus(db, dialect.name),
    databaseTime: () => readDatabaseTime(db, dialect.name),
    close: () => dialect.close(),
    sweep: (now, retention) => sweep(db, now, retention),
  };
}
