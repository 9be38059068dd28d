import type { StoreDialect } from './dialect.js';
import { createKyselyStore } from './kysely-store.js';
import { openMysqlDialect } from './mysql/mysql-dialect.js';
import { openPostgresDialect } from './postgres/postgres-dialect.js';
import { openSqliteDialect } from './sqlite/sqlite-dialect.js';
import { resolveStoreOptions, type OpenStoreOptions } from './store-options.js';
import type { Store } from './types.js';

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
  const resolved = resolveStoreOptions(options);
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
  return createKyselyStore(dialect);
}
