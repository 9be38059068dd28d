import { CamelCasePlugin, CompiledQuery, Kysely, MysqlDialect, sql, type DatabaseConnection } from 'kysely';
import { KEEP_ALIVE_INITIAL_DELAY_MS } from '../client-timeouts.js';
import { loadPeer } from '../load-peer.js';
import type { Database } from '../schema.js';
import type { ResolvedStoreOptions } from '../store-options.js';
import { boundedMysqlPool } from './bounded-pool.js';

// Strict: a value too long for its column fails as on PostgreSQL instead of being cut. Set explicitly so a server
// configured otherwise (or MySQL vs MariaDB defaults) behaves the same; every mode listed exists in both.
const SQL_MODE = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,NO_ZERO_DATE,NO_ZERO_IN_DATE';

type Flavor = 'mariadb' | 'mysql';

/**
 * The session's statement timeout, which the two servers spell differently: MariaDB's `max_statement_time` (seconds,
 * every statement), MySQL's `max_execution_time` (ms, read-only SELECTs only — writes are bounded by
 * `innodb_lock_wait_timeout` there). `0` lifts it.
 */
function statementTimeout(flavor: Flavor, ms: number): string {
  return flavor === 'mariadb' ? `max_statement_time = ${ms / 1000}` : `max_execution_time = ${ms}`;
}

/** The pool of a MySQL/MariaDB store, and what its lock and migrations need to know of the session. */
export interface MysqlConnection {
  db: Kysely<Database>;
  /** The database the URL names: `GET_LOCK` names are server-wide, so the lock scopes them by it. */
  database: string;
  /** Runs `fn` on one connection with the statement timeout lifted (lock waits, migrations). */
  withoutTimeout<R>(conn: Kysely<Database>, fn: () => Promise<R>): Promise<R>;
}

/** Opens a `mysql2` pool with the session set up alike on MySQL and MariaDB, every statement bounded on the client side too. */
export async function openMysqlConnection(url: string, options: ResolvedStoreOptions): Promise<MysqlConnection> {
  // Checked before connecting: the name also scopes `withLock` (GET_LOCK names are server-wide).
  let database: string;
  try {
    database = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  } catch {
    // Not the parser's error: it carries the whole URL, password included.
    throw new Error('the mysql:// database URL is malformed');
  }
  if (database === '') throw new Error('a mysql:// database URL must name a database (mysql://user@host:3306/NAME)');
  const mysql = (await loadPeer(() => import('mysql2'), 'mysql2', 'mysql://')).default;
  const { statementTimeoutMs } = options;
  const pool = mysql.createPool({
    uri: url,
    connectionLimit: options.poolMax,
    charset: 'utf8mb4',
    // BIGINT as a number (exact up to 2^53, which epoch ms and counters never reach); SUM's DECIMAL too.
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: true,
    // TCP connect and handshake; the wait for a free connection and each statement are bounded by boundedMysqlPool.
    connectTimeout: statementTimeoutMs,
    enableKeepAlive: true,
    keepAliveInitialDelay: KEEP_ALIVE_INITIAL_DELAY_MS,
  });

  let flavor: Flavor | undefined;
  const setUpSession = async (conn: DatabaseConnection): Promise<void> => {
    if (flavor === undefined) {
      const version = await conn.executeQuery<{ v: string }>(CompiledQuery.raw('select version() as v'));
      flavor = /mariadb/i.test(String(version.rows[0]?.v)) ? 'mariadb' : 'mysql';
    }
    // Read committed: a read after a lost compare-and-swap (refresh rotation) must see the winner's row, which
    // InnoDB's default repeatable-read snapshot would hide. `tx_isolation` is MariaDB 10.x's name for it.
    const isolation =
      flavor === 'mariadb' ? `tx_isolation = 'READ-COMMITTED'` : `transaction_isolation = 'READ-COMMITTED'`;
    const lockWaitS = Math.max(1, Math.ceil(statementTimeoutMs / 1000));
    await conn.executeQuery(
      CompiledQuery.raw(
        `set session ${statementTimeout(flavor, statementTimeoutMs)}, session ${isolation}, ` +
          `session innodb_lock_wait_timeout = ${lockWaitS}, session sql_mode = '${SQL_MODE}'`,
      ),
    );
  };

  const db = new Kysely<Database>({
    dialect: new MysqlDialect({
      pool: boundedMysqlPool(pool, statementTimeoutMs, statementTimeoutMs),
      onCreateConnection: setUpSession,
    }),
    plugins: [new CamelCasePlugin()],
  });

  const withoutTimeout = <R>(conn: Kysely<Database>, fn: () => Promise<R>): Promise<R> => {
    const set = (ms: number) => sql.raw(`set session ${statementTimeout(flavor ?? 'mysql', ms)}`).execute(conn);
    return set(0).then(async () => {
      try {
        return await fn();
      } finally {
        await set(statementTimeoutMs);
      }
    });
  };

  return { db, database, withoutTimeout };
}
