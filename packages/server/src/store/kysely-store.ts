import type { StoreDialect } from './dialect.js';
import { auditStore } from './audit.js';
import { completeLoginStore } from './complete-login.js';
import { leaseStore } from './leases.js';
import { storeLifecycle } from './lifecycle.js';
import { loginCodeStore } from './login-codes.js';
import { sessionStore } from './sessions.js';
import { signingKeyStore } from './signing-keys.js';
import { statsStore } from './stats.js';
import { createStoreContext } from './store-context.js';
import type { Store } from './types.js';
import { userStore } from './users.js';
import { wechatSessionStore } from './wechat-sessions.js';

/**
 * The {@link Store} on Kysely, written once for SQLite, PostgreSQL and MySQL/MariaDB: plain portable SQL (no
 * RETURNING, no upsert syntax), with the dialect's `insertIfAbsent`/`upsert`/locks where they differ. Ids come from
 * the service, so whether a row is ours is told by reading it back. Each aggregate's queries live in its own file;
 * this only puts them together over one context.
 */
export function createKyselyStore(dialect: StoreDialect): Store {
  const ctx = createStoreContext(dialect);
  return {
    ...storeLifecycle(ctx),
    ...leaseStore(ctx),
    ...loginCodeStore(ctx),
    ...completeLoginStore(ctx),
    ...userStore(ctx),
    ...wechatSessionStore(ctx),
    ...sessionStore(ctx),
    ...signingKeyStore(ctx),
    ...auditStore(ctx),
    ...statsStore(ctx),
    ...dialect.hotPaths,
  };
}
