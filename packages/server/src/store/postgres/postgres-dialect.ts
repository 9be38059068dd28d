import { createHash } from 'node:crypto';
import { CamelCasePlugin, Kysely, PostgresDialect, sql } from 'kysely';
import type { StoreDialect } from '../dialect.js';
import { KEEP_ALIVE_INITIAL_DELAY_MS } from '../client-timeouts.js';
import { loadPeer } from '../load-peer.js';
import { migrateToLatest } from '../migrations/index.js';
import { insertOnConflictDoNothing, insertOnConflictDoUpdate } from '../on-conflict.js';
import type { ResolvedStoreOptions } from '../open-store.js';
import { USER_UNIQUE_CONSTRAINTS, type Database, type UserUniqueColumn } from '../schema.js';
import { boundedPostgresPool } from './bounded-pool.js';

const INT8_OID = 20;
/** How long `withLock` waits for a holder, in ms (the statement timeout is lifted while waiting). */
const LOCK_WAIT_MS = 60_000;

/** Epoch ms and counters are BIGINT, which `pg` returns as strings to be safe; ours all fit a double exactly. */
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError('int8 value out of the safe integer range');
  return n;
}

/** A stable 64-bit advisory lock key for a name (Postgres' `hashtext` is internal and may change between versions). */
function advisoryKey(namespace: string, name: string): string {
  return createHash('sha256').update(`wxlogin\0${namespace}\0${name}`).digest().readBigInt64BE(0).toString();
}

function errorCode(err: unknown): unknown {
  return (err as { code?: unknown } | null)?.code;
}

/** Opens a PostgreSQL pool for the store. */
export async function openPostgresDialect(url: string, options: ResolvedStoreOptions): Promise<StoreDialect> {
  try {
    new URL(url);
  } catch {
    // Not the parser's error (nor pg's, later): it carries the whole URL, password included.
    throw new Error('the postgres:// database URL is malformed');
  }
  const pgModule = await loadPeer(() => import('pg'), 'pg', 'postgres://');
  const pg = pgModule.default;
  const { schema, statementTimeoutMs } = options;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolMax,
    // Server-side, per session: a runaway statement is cancelled by PostgreSQL itself.
    statement_timeout: statementTimeoutMs,
    // Without it a pool waits forever for a connection to an unreachable server: bounds both the wait for a free
    // pool slot and the connect (TCP and start-up). Each statement's own client-side bound is boundedPostgresPool's.
    connectionTimeoutMillis: statementTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEP_ALIVE_INITIAL_DELAY_MS,
    application_name: 'wxlogin',
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection (server restart, network) is reported here; without a listener the
  // process would crash. The pool drops that client and the next query opens a fresh one.
  pool.on('error', () => undefined);
  // A checked-out client has no pool listener (pg-pool removes it at checkout), and `pg` emits 'error' on the
  // client whenever its connection ends, query in flight or not: a database restart while a transaction or a lock
  // holds a client would crash the process. The query itself still fails, and the pool drops the broken client.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });

  if (schema !== undefined) {
    try {
      await pool.query(`create schema if not exists "${schema}"`);
    } catch (err) {
      // Two stores creating the schema at once: `if not exists` may still lose the race on the catalog.
      const exists = await pool.query('select 1 from pg_namespace where nspname = $1', [schema]).catch(() => undefined);
      if (exists?.rowCount !== 1) {
        await pool.end();
        throw err;
      }
    }
  }

  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: boundedPostgresPool(pool, statementTimeoutMs) }),
    plugins: [new CamelCasePlugin()],
  });
  const restoreTimeout = String(statementTimeoutMs);

  return {
    name: 'postgres',
    db,
    insertIfAbsent: insertOnConflictDoNothing,
    upsert: insertOnConflictDoUpdate,
    transaction: (fn) => db.transaction().execute(fn),
    isRetryable: (err) => errorCode(err) === '40001' || errorCode(err) === '40P01',
    uniqueViolationColumn(err): UserUniqueColumn | undefined {
      if (errorCode(err) !== '23505') return undefined;
      const constraint = (err as { constraint?: unknown }).constraint;
      return typeof constraint === 'string' && Object.hasOwn(USER_UNIQUE_CONSTRAINTS, constraint)
        ? USER_UNIQUE_CONSTRAINTS[constraint as keyof typeof USER_UNIQUE_CONSTRAINTS]
        : undefined;
    },
    async withLock(name, fn) {
      const key = advisoryKey(schema ?? '', name);
      // A session-level advisory lock belongs to one connection: hold one for the whole of `fn`, which runs its
      // queries on the others (hence a pool of at least 2).
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
    },
    async migrate() {
      await db.connection().execute(async (conn) => {
        // Kysely's Migrator locks with `pg_advisory_lock` (waiting up to an hour) and runs every pending migration
        // in one transaction; a waiter must not be cut off by the statement timeout, nor a long DDL.
        await sql`select set_config('statement_timeout', '0', false)`.execute(conn);
        try {
          // Name the schema even when it is the default: otherwise Kysely takes a `kysely_migration` table in ANY
          // schema of the database as its own.
          const current = await sql<{ schema: string }>`select current_schema() as schema`.execute(conn);
          const migrationTableSchema = schema ?? current.rows[0]?.schema;
          await migrateToLatest(conn, 'postgres', migrationTableSchema === undefined ? {} : { migrationTableSchema });
        } finally {
          await sql`select set_config('statement_timeout', ${restoreTimeout}, false)`.execute(conn);
        }
      });
    },
    close: () => db.destroy(),
  };
}
