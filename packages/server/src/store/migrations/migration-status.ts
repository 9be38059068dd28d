import { Migrator, sql, type Kysely } from 'kysely';
import type { MigrationStatus, StoreDialectName } from '../port/lifecycle.js';
import { allMigrations } from './index.js';

/**
 * Which of this version's migrations the database has recorded, read without changing anything: Kysely's
 * `getMigrations` only reads `kysely_migration` (and finds every migration pending when that table is absent),
 * never creating a table or taking a lock, so `wxlogin doctor` may run it against a production database.
 */
export async function readMigrationStatus<DB>(db: Kysely<DB>, dialect: StoreDialectName): Promise<MigrationStatus> {
  const migrations = Object.fromEntries(allMigrations(dialect));
  // As `migratePostgres` does: name the schema, or Kysely takes a `kysely_migration` table of ANY schema as ours.
  const schema =
    dialect === 'postgres'
      ? (await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined;
  const migrator = new Migrator({
    db: db.withoutPlugins(),
    provider: { getMigrations: () => Promise.resolve(migrations) },
    ...(schema == null ? {} : { migrationTableSchema: schema }),
  });
  const infos = await migrator.getMigrations();
  return {
    applied: infos.filter((info) => info.executedAt !== undefined).map((info) => info.name),
    pending: infos.filter((info) => info.executedAt === undefined).map((info) => info.name),
  };
}
