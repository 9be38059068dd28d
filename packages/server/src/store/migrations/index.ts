import { Migrator, type Kysely } from 'kysely';
import type { StoreDialectName } from '../port/lifecycle.js';
import { initialSchema, type NamedMigration } from './initial-schema.js';
import { auditActionIndex } from './audit-action-index.js';
import { leasesAndClaims } from './leases-and-claims.js';
import { loginCodesFailureJson } from './login-codes-failure-json.js';

/**
 * Every migration, in order. They are code, compiled into the package, so `wxlogin migrate` finds them wherever it
 * runs from (never relative to the working directory). Append new ones; never rename or edit a shipped one.
 */
export function allMigrations(dialect: StoreDialectName): NamedMigration[] {
  return [
    ...initialSchema(dialect),
    ...leasesAndClaims(dialect),
    ...loginCodesFailureJson(dialect),
    ...auditActionIndex(dialect),
  ];
}

/** Options of {@link migrateToLatest}. */
export interface MigrateOptions {
  /** PostgreSQL schema that holds Kysely's own bookkeeping tables (the store's schema), if not the default. */
  migrationTableSchema?: string;
  /** True when the caller already holds a transaction and a lock around the whole run (SQLite). */
  disableTransactions?: boolean;
}

/**
 * Applies pending migrations with Kysely's Migrator and answers the names of those it applied, in order (none when
 * the database was up to date). The Migrator itself takes its lock: `pg_advisory_lock` on
 * PostgreSQL (and runs the whole batch in one transaction), `GET_LOCK` on MySQL, nothing on SQLite (the SQLite
 * dialect wraps the run in `BEGIN IMMEDIATE` instead). `db` must be bound to one connection when the caller changed
 * session settings for the run.
 */
export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  dialect: StoreDialectName,
  options: MigrateOptions = {},
): Promise<string[]> {
  const migrations = Object.fromEntries(allMigrations(dialect));
  const migrator = new Migrator({
    // Without the camelCase plugin: migrations spell SQL names as they are.
    db: db.withoutPlugins(),
    provider: { getMigrations: () => Promise.resolve(migrations) },
    ...(options.migrationTableSchema === undefined ? {} : { migrationTableSchema: options.migrationTableSchema }),
    ...(options.disableTransactions ? { disableTransactions: true } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`database migration ${failed ?? '(setup)'} failed: ${reason}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
