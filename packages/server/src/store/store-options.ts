/** Settings of `openStore`; they matter to PostgreSQL and MySQL/MariaDB only. */
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

/** Applies the defaults and refuses values no database could work with. */
export function resolveStoreOptions(options: OpenStoreOptions): ResolvedStoreOptions {
  const poolMax = options.poolMax ?? 10;
  const statementTimeoutMs = options.statementTimeoutMs ?? 5000;
  if (!Number.isInteger(poolMax) || poolMax < 2) {
    throw new Error(`store poolMax must be an integer >= 2, got ${poolMax}`);
  }
  if (!Number.isInteger(statementTimeoutMs) || statementTimeoutMs < 1) {
    throw new Error(`store statementTimeoutMs must be a positive integer, got ${statementTimeoutMs}`);
  }
  // The schema name is spliced into `search_path` and `CREATE SCHEMA`: only a plain identifier is allowed.
  if (options.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) {
    throw new Error('store schema must match /^[a-z_][a-z0-9_]{0,62}$/');
  }
  return { poolMax, statementTimeoutMs, schema: options.schema };
}
