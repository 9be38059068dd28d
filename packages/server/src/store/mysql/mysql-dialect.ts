import { createHash } from 'node:crypto';
import { CamelCasePlugin, CompiledQuery, Kysely, MysqlDialect, sql, type DatabaseConnection } from 'kysely';
import type { StoreDialect, UntypedKysely } from '../dialect.js';
import { KEEP_ALIVE_INITIAL_DELAY_MS } from '../client-timeouts.js';
import { loadPeer } from '../load-peer.js';
import { migrateToLatest } from '../migrations/index.js';
import type { ResolvedStoreOptions } from '../open-store.js';
import { USER_UNIQUE_CONSTRAINTS, type Database, type UserUniqueColumn } from '../schema.js';
import { boundedMysqlPool } from './bounded-pool.js';

/** How long `withLock` waits for a holder, in seconds (`GET_LOCK` takes seconds). */
const LOCK_WAIT_S = 60;
const ER_DUP_ENTRY = 1062;
const ER_LOCK_DEADLOCK = 1213;

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

function errno(err: unknown): unknown {
  return (err as { errno?: unknown } | null)?.errno;
}

/** Opens a MySQL or MariaDB pool for the store. */
export async function openMysqlDialect(url: string, options: ResolvedStoreOptions): Promise<StoreDialect> {
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
    dialect: new MysqlDialect({ pool: boundedMysqlPool(pool, statementTimeoutMs, statementTimeoutMs), onCreateConnection: setUpSession }),
    plugins: [new CamelCasePlugin()],
  });

  /** Runs `fn` on one connection with the statement timeout lifted (lock waits, migrations). */
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

  return {
    name: 'mysql',
    db,
    async insertIfAbsent(conn, table, row) {
      // INSERT IGNORE also downgrades errors other than a duplicate key to warnings; callers pass validated,
      // bounded values, and the row read back afterwards is what counts.
      const result = await (conn as unknown as UntypedKysely)
        .insertInto(table)
        .ignore()
        .values(row as Record<string, unknown>)
        .executeTakeFirst();
      return result.numInsertedOrUpdatedRows === 1n;
    },
    async upsert(conn, table, rows, spec) {
      if (rows.length === 0) return;
      // `VALUES(col)` rather than MySQL 8's row alias, which MariaDB does not have (MySQL 8 still accepts it).
      const set: Record<string, unknown> = {};
      for (const c of spec.overwrite ?? []) set[c] = sql`values(${sql.ref(c)})`;
      for (const c of spec.add ?? []) set[c] = sql`${sql.ref(c)} + values(${sql.ref(c)})`;
      const key = spec.key[0];
      if (Object.keys(set).length === 0 && key !== undefined) set[key] = sql.ref(key);
      await (conn as unknown as UntypedKysely)
        .insertInto(table)
        .values(rows as Record<string, unknown>[])
        .onDuplicateKeyUpdate(set as never)
        .execute();
    },
    transaction: (fn) => db.transaction().execute(fn),
    isRetryable: (err) => errno(err) === ER_LOCK_DEADLOCK,
    uniqueViolationColumn(err): UserUniqueColumn | undefined {
      if (errno(err) !== ER_DUP_ENTRY) return undefined;
      // "Duplicate entry '…' for key 'users_phone_e164_appid_uq'" (MySQL 8 prefixes the table: 'users.users_…').
      const key = /for key '(?:users\.)?([^']+)'$/.exec((err as Error).message)?.[1];
      return key !== undefined && Object.hasOwn(USER_UNIQUE_CONSTRAINTS, key)
        ? USER_UNIQUE_CONSTRAINTS[key as keyof typeof USER_UNIQUE_CONSTRAINTS]
        : undefined;
    },
    async withLock(name, fn) {
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
    },
    async migrate() {
      // Kysely's Migrator takes `GET_LOCK` on this one connection (released if the process dies) and runs each
      // migration without a transaction, as MySQL DDL commits anyway: hence one DDL statement per migration.
      await db.connection().execute((conn) => withoutTimeout(conn, () => migrateToLatest(conn, 'mysql')));
    },
    close: () => db.destroy(),
  };
}
