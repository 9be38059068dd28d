/** The SQL databases the store runs on (MariaDB is `mysql`). */
export type StoreDialectName = 'sqlite' | 'postgres' | 'mysql';

/** How long `sweep` keeps dead rows, in ms. */
export interface SweepRetention {
  /** Sessions that expired (sliding or absolute) or were revoked more than this long ago go. Default 7 days. */
  sessionsMs?: number;
  /** `login_stats` minutes older than this go. Default 30 days. */
  statsMs?: number;
}

/** How many rows `sweep` deleted. */
export interface SweepCounts {
  loginCodes: number;
  sessions: number;
  stats: number;
}

/** This version's migrations by name, as the database has recorded them. */
export interface MigrationStatus {
  /** Applied, in order. */
  applied: string[];
  /** Not applied yet, in order: `migrate()` (or `wxlogin migrate`) would run these. */
  pending: string[];
}

/** The store as a whole: which database, its schema, its named lock, its health, its end and its retention. */
export interface StoreLifecycle {
  /** `sqlite`, `postgres` or `mysql`. */
  readonly dialect: StoreDialectName;
  /**
   * Applies pending migrations under a lock, so several instances starting together are safe. Answers the names it
   * applied, in order: none when the database was up to date (or another instance got there first).
   */
  migrate(): Promise<string[]>;
  /**
   * Runs `fn` while holding a named cluster-wide lock: a PostgreSQL advisory lock or MySQL `GET_LOCK` (waiting at
   * most 60 s, then throwing), or on SQLite an in-process mutex (SQLite serves one process). The lock and every
   * waiter pin one pool connection each while `fn` runs its queries on others, so it is only for rare work done once
   * per process (creating the first signing key, `wxlogin keys rotate`), never on a request path: there, take a
   * lease (`acquireLease`). Not reentrant: never take the same name inside `fn`.
   */
  withLock<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Cheap round trip, for `/readyz`. Throws when the database is unreachable. */
  ping(): Promise<void>;
  /** Which migrations are applied and pending, read without changing anything (`wxlogin doctor`). */
  migrationStatus(): Promise<MigrationStatus>;
  /** The database server's clock, epoch ms (SQLite: this machine's), to compare with the service's. */
  databaseTime(): Promise<number>;
  /** Ends the pool (SQLite: the shared connection, once its last store closes). */
  close(): Promise<void>;
  /**
   * Retention: deletes expired `login_codes`, sessions dead (expired or revoked) for longer than
   * `retention.sessionsMs`, and stats older than `retention.statsMs`. Works in bounded batches. Expired leases (left
   * by crashed holders) go too, uncounted.
   */
  sweep(now: number, retention?: SweepRetention): Promise<SweepCounts>;
}
