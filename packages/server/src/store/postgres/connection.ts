import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import { internalError } from '../../errors/app-error.js';
import { KEEP_ALIVE_INITIAL_DELAY_MS } from '../client-timeouts.js';
import { loadPeer } from '../load-peer.js';
import type { Database } from '../schema.js';
import type { ResolvedStoreOptions } from '../store-options.js';
import { boundedPostgresPool } from './bounded-pool.js';

const INT8_OID = 20;

/** Epoch ms and counters are BIGINT, which `pg` returns as strings to be safe; ours all fit a double exactly. */
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw internalError('int8 value out of the safe integer range');
  return n;
}

/**
 * Opens a `pg` pool (creating `options.schema` when one is asked for) and the Kysely on it, every statement bounded
 * on the client side too.
 */
export async function openPostgresConnection(url: string, options: ResolvedStoreOptions): Promise<Kysely<Database>> {
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

  return new Kysely<Database>({
    dialect: new PostgresDialect({ pool: boundedPostgresPool(pool, statementTimeoutMs) }),
    plugins: [new CamelCasePlugin()],
  });
}
