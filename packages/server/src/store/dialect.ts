import type { Insertable, Kysely } from 'kysely';
import type { ColumnName, Database, TableName, UserUniqueColumn } from './schema.js';
import type { StoreDialectName } from './port/lifecycle.js';
import type { Store } from './types.js';

/** How `upsert` merges a row whose key exists already. */
export interface UpsertSpec<T extends TableName> {
  /** The primary key or unique constraint's columns. */
  key: readonly ColumnName<T>[];
  /** Columns set to the new row's value. */
  overwrite?: readonly ColumnName<T>[];
  /** Columns incremented by the new row's value (counters). */
  add?: readonly ColumnName<T>[];
}

/** The store methods a login, a refresh and a token check call: a dialect may run them its own, faster way. */
export type HotPaths = Pick<Store, 'claimLoginCode' | 'completeLogin' | 'rotateSession' | 'getUser' | 'getSession'>;

/**
 * What differs between SQL databases, and nothing else: the aggregate files (`users.ts`, `login-codes.ts`, …) hold
 * every query and call these for the few statements whose syntax or semantics differ. One implementation per folder
 * (`sqlite/`, `postgres/`, `mysql/`), like Kysely's own dialects.
 */
export interface StoreDialect {
  /** Which database this is; the store's `dialect`. */
  readonly name: StoreDialectName;
  /** The connection pool (SQLite: the one connection). */
  readonly db: Kysely<Database>;
  /** Inserts `row` unless a row with the same primary key or unique key exists; true when it inserted. */
  insertIfAbsent<T extends TableName>(db: Kysely<Database>, table: T, row: Insertable<Database[T]>): Promise<boolean>;
  /** Inserts `rows`, merging each one whose `spec.key` exists already. Keys must be distinct within `rows`. */
  upsert<T extends TableName>(
    db: Kysely<Database>,
    table: T,
    rows: readonly Insertable<Database[T]>[],
    spec: UpsertSpec<T>,
  ): Promise<void>;
  /** Runs `fn` in a transaction that may write (SQLite: `BEGIN IMMEDIATE`, so it never fails to upgrade later). */
  transaction<R>(fn: (trx: Kysely<Database>) => Promise<R>): Promise<R>;
  /** True for errors after which the whole transaction may simply run again (deadlock, serialization failure). */
  isRetryable(err: unknown): boolean;
  /** The column of the `users` unique constraint a driver error reports violated, if it is such an error. */
  uniqueViolationColumn(err: unknown): UserUniqueColumn | undefined;
  /** The store's `withLock`: the database's own named lock (SQLite: an in-process mutex). */
  withLock<R>(name: string, fn: () => Promise<R>): Promise<R>;
  /** The store's `migrate`: every pending migration, under the database's own lock. */
  migrate(): Promise<string[]>;
  /**
   * The hot paths as this database runs them best (SQLite: prepared statements, synchronous, group commit), in
   * place of the portable Kysely methods; same contract, and the store suite runs them.
   */
  readonly hotPaths?: HotPaths;
  /** Ends the pool (SQLite: the shared connection, once its last user closes). */
  close(): Promise<void>;
}

/**
 * The store's Kysely seen without its table types, for the few generic statements (insert-if-absent, upsert) that
 * take a table name as a parameter; the public methods stay typed through {@link StoreDialect}'s signatures.
 */
export type UntypedKysely = Kysely<Record<string, Record<string, unknown>>>;
