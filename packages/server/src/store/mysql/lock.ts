import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { MysqlConnection } from './connection.js';

/** How long `withLock` waits for a holder, in seconds (`GET_LOCK` takes seconds). */
const LOCK_WAIT_S = 60;

/** The store's `withLock` on MySQL/MariaDB: `GET_LOCK` on a name hashed from the database and the name. */
export function withGetLock<R>(connection: MysqlConnection, name: string, fn: () => Promise<R>): Promise<R> {
  const { db, database, withoutTimeout } = connection;
  // GET_LOCK names are server-wide and at most 64 characters: scope by database, then hash.
  const lockName = `wxlogin:${createHash('sha256').update(`${database}\0${name}`).digest('hex').slice(0, 48)}`;
  return db.connection().execute(async (conn) => {
    const got = await withoutTimeout(conn, () =>
      sql<{ ok: number | null }>`select get_lock(${lockName}, ${LOCK_WAIT_S}) as ok`.execute(conn),
    );
    if (Number(got.rows[0]?.ok) !== 1) throw new Error(`could not take the lock "${name}" within ${LOCK_WAIT_S} s`);
    try {
      return await fn();
    } finally {
      await sql`select release_lock(${lockName})`.execute(conn);
    }
  });
}
