import type { Kysely } from 'kysely';
import type { StoreDialect } from './dialect.js';
import { UniqueViolationError } from './errors.js';
import type { Database } from './schema.js';

/** Whole-transaction attempts when the database reports a deadlock or serialization failure. */
const TRANSACTION_ATTEMPTS = 3;

/** The pool, or a transaction on it: the aggregates' helpers run on either. */
export type Executor = Kysely<Database>;

/** What every aggregate's queries share: the pool, the dialect, the retried transaction and the error mapping. */
export interface StoreContext {
  readonly dialect: StoreDialect;
  readonly db: Executor;
  /**
   * A write transaction, run again whole when the database chose it as a deadlock or serialization victim, or,
   * with `retryUniqueViolation`, when a concurrent transaction took a unique value first (the rerun sees its row).
   * A unique violation it finally throws is a {@link UniqueViolationError}.
   */
  transaction<R>(fn: (trx: Executor) => Promise<R>, options?: { retryUniqueViolation?: boolean }): Promise<R>;
  /** A driver's unique violation of `users` as a {@link UniqueViolationError}; any other error as it is. */
  mapError(err: unknown): unknown;
  /**
   * Runs `fn` again, as `transaction` does, when the database chose it as a deadlock or serialization victim: for
   * work that is not one transaction (autocommit statements, each of which either committed or wrote nothing).
   */
  retrying<R>(fn: () => Promise<R>): Promise<R>;
}

/** The context of one store on `dialect`. */
export function createStoreContext(dialect: StoreDialect): StoreContext {
  const mapError = (err: unknown): unknown => {
    const column = dialect.uniqueViolationColumn(err);
    return column === undefined ? err : new UniqueViolationError(column);
  };
  return {
    dialect,
    db: dialect.db,
    mapError,
    async retrying(fn) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await fn();
        } catch (err) {
          if (attempt < TRANSACTION_ATTEMPTS && dialect.isRetryable(err)) continue;
          throw err;
        }
      }
    },
    async transaction(fn, options = {}) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await dialect.transaction(fn);
        } catch (err) {
          const again =
            dialect.isRetryable(err) ||
            (options.retryUniqueViolation === true && dialect.uniqueViolationColumn(err) !== undefined);
          if (attempt < TRANSACTION_ATTEMPTS && again) continue;
          throw mapError(err);
        }
      }
    },
  };
}
