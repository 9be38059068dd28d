import { sql } from 'kysely';
import type { StoreLifecycle } from './port/lifecycle.js';
import type { StoreContext } from './store-context.js';
import { sweep } from './sweep.js';

/** The {@link StoreLifecycle} on Kysely: the dialect's migrations, lock and pool, a ping, and the sweep. */
export function storeLifecycle({ db, dialect }: StoreContext): StoreLifecycle {
  return {
    dialect: dialect.name,
    migrate: () => dialect.migrate(),
    withLock: (name, fn) => dialect.withLock(name, fn),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => dialect.close(),
    sweep: (now, retention) => sweep(db, now, retention),
  };
}
