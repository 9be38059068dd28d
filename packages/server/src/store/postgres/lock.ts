import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** How long `withLock` waits for a holder, in ms (the statement timeout is lifted while waiting). */
const LOCK_WAIT_MS = 60_000;

/** A stable 64-bit advisory lock key for a name (Postgres' `hashtext` is internal and may change between versions). */
function advisoryKey(namespace: string, name: string): string {
  return createHash('sha256').update(`wxlogin\0${namespace}\0${name}`).digest().readBigInt64BE(0).toString();
}

/**
 * The store's `withLock` on PostgreSQL: a session-level advisory lock on a key hashed from the schema and the name.
 * `statementTimeoutMs` is the session's usual timeout, restored once the lock is taken.
 */
export function withAdvisoryLock<R>(
  db: Kysely<Database>,
  scope: { schema: string | undefined; statementTimeoutMs: number },
  name: string,
  fn: () => Promise<R>,
): Promise<R> {
  const key = advisoryKey(scope.schema ?? '', name);
  const restoreTimeout = String(scope.statementTimeoutMs);
  // A session-level advisory lock belongs to one connection: hold one for the whole of `fn`, which runs its queries
  // on the others (hence a pool of at least 2).
  return db.connection().execute(async (conn) => {
    await sql`select set_config('statement_timeout', ${String(LOCK_WAIT_MS)}, false)`.execute(conn);
    try {
      await sql`select pg_advisory_lock(${key}::bigint)`.execute(conn);
    } finally {
      await sql`select set_config('statement_timeout', ${restoreTimeout}, false)`.execute(conn);
    }
    try {
      return await fn();
    } finally {
      await sql`select pg_advisory_unlock(${key}::bigint)`.execute(conn);
    }
  });
}
