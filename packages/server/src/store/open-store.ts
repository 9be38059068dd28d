import type { StoreDialect } from './dialect.js';
import { KyselyStore } from './kysely-store.js';
import { openMysqlDialect } from './mysql/mysql-dialect.js';
import { openPostgresDialect } from './postgres/postgres-dialect.js';
import { openSqliteDialect } from './sqlite/sqlite-dialect.js';
import type { Store } from './types.js';

/** Settings of {@link openStore}; they matter to PostgreSQL and MySQL/MariaDB only. */
export interface OpenStoreOptions {
  /** Most connections in the pool (`WXLOGIN_DB_POOL_MAX`). Default 10, at least 2 (a held lock pins one). */
  poolMax?: number;
  /** Longest a statement may run, in ms (`WXLOGIN_DB_STATEMENT_TIMEOUT_MS`). Default 5000. */
  statementTimeoutMs?: number;
  /** PostgreSQL schema to create (if missing) and use instead of the default `search_path`; for tests. */
  schema?: string;
}

/** Settings after defaults, as the dialects receive them. */
export interface ResolvedStoreOptions {
  poolMax: number;
  statementTimeoutMs: number;
  schema: string | undefined;
}

function resolveOptions(options: OpenStoreOptions): ResolvedStoreOptions {
  const poolMax = options.poolMax ?? 10;
  const statementTimeoutMs = options.statementTimeoutMs ?? 5000;
  if (!Number.isInteger(poolMax) || poolMax < 2) {
    throw new Error(`store poolMax must be an integer >= 2, got ${poolMax}`);
  }
  if (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs < 1) {
    throw new Error(`store statementTimeoutMs must be a positive integer, got ${statementTimeoutMs}`);
  }
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
    throw new Error('store schema must match /^[a-z_][a-z0-9_]{0,62}$/');
  }
  return { poolMax, statementTimeoutMs, schema: options.schema };
}

/** The scheme of a database URL, never the rest of it (which may hold a password). */
function schemeOf(url: string): string {
  return /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase() ?? '';
}

/**
 * Opens the store for a database URL: `sqlite:PATH`, `sqlite::memory:`, `postgres://…` / `postgresql://…`, or
 * `mysql://…` (MySQL or MariaDB). `pg` and `mysql2` are optional peers, loaded only when their URL is used.
 * Migrations are not applied here: call `store.migrate()`.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const resolved = resolveOptions(options);
  const scheme = schemeOf(url);
  let dialect: StoreDialect;
  switch (scheme) {
    case 'sqlite': {
      const path = url.slice('sqlite:'.length);
      if (path === '') throw new Error('a sqlite database URL needs a path: sqlite:PATH or sqlite::memory:');
      dialect = await openSqliteDialect(path);
      break;
    }
    case 'postgres':
    case 'postgresql':
      dialect = await openPostgresDialect(url, resolved);
      break;
    case 'mysql':
    case 'mariadb':
      dialect = await openMysqlDialect(url.replace(/^mariadb:/i, 'mysql:'), resolved);
      break;
    default:
      throw new Error(
        `unsupported database URL scheme "${scheme}:" (use sqlite:PATH, sqlite::memory:, postgres://… or mysql://…)`,
      );
  }
  return new KyselyStore(dialect);
}
