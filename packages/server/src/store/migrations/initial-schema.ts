import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import type { StoreDialectName } from '../port/lifecycle.js';
import { columnTypes, type ColumnTypes } from './column-types.js';

/** A named migration: the name is recorded in `kysely_migration` and must never change. */
export type NamedMigration = readonly [name: string, migration: Migration];

// Each migration is exactly ONE DDL statement: MySQL commits every DDL statement on its own, so a migration of two
// statements that failed between them would stay half applied, recorded as not run, and fail again on retry.
// Tables are `IF NOT EXISTS` and indexes are checked first, for the same reason: a process killed between the DDL and
// Kysely's insert into `kysely_migration` (not one transaction on MySQL) leaves a migration that must simply re-run.

type Db = Kysely<unknown>;

function createTable(
  db: Db,
  t: ColumnTypes,
  name: string,
  build: (table: CreateTableBuilder<string, never>) => CreateTableBuilder<string, string>,
): Promise<void> {
  let table = build(db.schema.createTable(name).ifNotExists());
  if (t.tableOptions) table = table.modifyEnd(t.tableOptions);
  return table.execute();
}

async function createIndex(
  db: Db,
  dialect: StoreDialectName,
  name: string,
  table: string,
  columns: readonly string[],
): Promise<void> {
  if (dialect === 'mysql') {
    // MySQL 8 has no `CREATE INDEX IF NOT EXISTS` (MariaDB has): look first.
    const found = await sql<{ n: number }>`select count(*) as n from information_schema.statistics
      where table_schema = database() and table_name = ${table} and index_name = ${name}`.execute(db);
    if (Number(found.rows[0]?.n ?? 0) > 0) return;
    await db.schema
      .createIndex(name)
      .on(table)
      .columns([...columns])
      .execute();
    return;
  }
  await db.schema
    .createIndex(name)
    .ifNotExists()
    .on(table)
    .columns([...columns])
    .execute();
}

function dropIndex(db: Db, dialect: StoreDialectName, name: string, table: string): Promise<void> {
  const drop = db.schema.dropIndex(name);
  return (dialect === 'mysql' ? drop.on(table) : drop).execute();
}

/**
 * A migration creating one table (`IF NOT EXISTS`, with the dialect's table options), dropped on the way down. For
 * migrations after the first schema too.
 */
export function tableMigration(
  dialect: StoreDialectName,
  name: string,
  build: (table: CreateTableBuilder<string, never>, t: ColumnTypes) => CreateTableBuilder<string, string>,
): Migration {
  const t = columnTypes(dialect);
  return {
    up: (db: Db) => createTable(db, t, name, (table) => build(table, t)),
    down: (db: Db) => db.schema.dropTable(name).ifExists().execute(),
  };
}

/** One index, created if absent and dropped on the way down. */
export function indexMigration(
  dialect: StoreDialectName,
  name: string,
  table: string,
  columns: readonly string[],
): Migration {
  return {
    up: (db: Db) => createIndex(db, dialect, name, table, columns),
    down: (db: Db) => dropIndex(db, dialect, name, table),
  };
}

/** The first schema (docs/databases.md, "Schema and migrations"), one DDL statement per migration. */
export function initialSchema(dialect: StoreDialectName): NamedMigration[] {
  return [
    [
      '0001_users',
      tableMigration(dialect, 'users', (table, t) =>
        table
          .addColumn('id', t.ident(36), (c) => c.primaryKey())
          .addColumn('appid', t.ident(32), (c) => c.notNull())
          .addColumn('openid', t.ident(64), (c) => c.notNull())
          .addColumn('unionid', t.ident(64))
          .addColumn('phone_e164', t.ident(20))
          .addColumn('nickname', t.text(64))
          .addColumn('avatar_url', t.text(1024))
          .addColumn('status', t.ident(16), (c) => c.notNull())
          .addColumn('disabled_reason', t.text(255))
          .addColumn('created_at', t.bigint, (c) => c.notNull())
          .addColumn('last_login_at', t.bigint, (c) => c.notNull())
          .addColumn('updated_at', t.bigint, (c) => c.notNull())
          // Unique per app; NULLs never collide in any of the three databases. The varying column leads, so each
          // constraint also serves exact lookups on it alone (admin search, linked accounts by unionid).
          .addUniqueConstraint('users_openid_appid_uq', ['openid', 'appid'])
          .addUniqueConstraint('users_unionid_appid_uq', ['unionid', 'appid'])
          .addUniqueConstraint('users_phone_e164_appid_uq', ['phone_e164', 'appid']),
      ),
    ],
    [
      '0002_wechat_sessions',
      tableMigration(dialect, 'wechat_sessions', (table, t) =>
        table
          .addColumn('appid', t.ident(32), (c) => c.notNull())
          .addColumn('openid', t.ident(64), (c) => c.notNull())
          .addColumn('session_key_sealed', t.ident(512), (c) => c.notNull())
          .addColumn('updated_at', t.bigint, (c) => c.notNull())
          .addPrimaryKeyConstraint('wechat_sessions_pk', ['appid', 'openid']),
      ),
    ],
    [
      '0003_refresh_families',
      tableMigration(dialect, 'refresh_families', (table, t) =>
        table
          .addColumn('id', t.ident(36), (c) => c.primaryKey())
          .addColumn('appid', t.ident(32), (c) => c.notNull())
          .addColumn('user_id', t.ident(36), (c) => c.notNull())
          .addColumn('generation', t.integer, (c) => c.notNull())
          .addColumn('rotated_at', t.bigint, (c) => c.notNull())
          .addColumn('last_used_at', t.bigint, (c) => c.notNull())
          .addColumn('expires_at', t.bigint, (c) => c.notNull())
          .addColumn('absolute_expires_at', t.bigint, (c) => c.notNull())
          .addColumn('revoked_at', t.bigint)
          .addColumn('revoked_reason', t.text(64))
          .addColumn('created_ip', t.text(64))
          .addColumn('user_agent', t.text(512))
          .addColumn('created_at', t.bigint, (c) => c.notNull()),
      ),
    ],
    [
      '0004_refresh_families_user_id_idx',
      indexMigration(dialect, 'refresh_families_user_id_idx', 'refresh_families', ['user_id']),
    ],
    // The sweep's two ways a session dies.
    [
      '0005_refresh_families_expires_at_idx',
      indexMigration(dialect, 'refresh_families_expires_at_idx', 'refresh_families', ['expires_at']),
    ],
    [
      '0006_refresh_families_revoked_at_idx',
      indexMigration(dialect, 'refresh_families_revoked_at_idx', 'refresh_families', ['revoked_at']),
    ],
    [
      '0007_login_codes',
      tableMigration(dialect, 'login_codes', (table, t) =>
        table
          .addColumn('code_hash', t.ident(64), (c) => c.primaryKey())
          .addColumn('appid', t.ident(32), (c) => c.notNull())
          .addColumn('state', t.ident(16), (c) => c.notNull())
          .addColumn('user_id', t.ident(36))
          .addColumn('family_id', t.ident(36))
          .addColumn('nonce_hash', t.ident(64))
          .addColumn('errcode', t.longText)
          .addColumn('created_at', t.bigint, (c) => c.notNull())
          .addColumn('expires_at', t.bigint, (c) => c.notNull()),
      ),
    ],
    [
      '0008_login_codes_expires_at_idx',
      indexMigration(dialect, 'login_codes_expires_at_idx', 'login_codes', ['expires_at']),
    ],
    [
      '0009_signing_keys',
      tableMigration(dialect, 'signing_keys', (table, t) =>
        table
          .addColumn('kid', t.ident(64), (c) => c.primaryKey())
          .addColumn('alg', t.ident(16), (c) => c.notNull())
          .addColumn('private_jwk_sealed', t.longText, (c) => c.notNull())
          .addColumn('public_jwk', t.longText, (c) => c.notNull())
          .addColumn('created_at', t.bigint, (c) => c.notNull())
          .addColumn('retired_at', t.bigint),
      ),
    ],
    [
      '0010_audit_events',
      tableMigration(dialect, 'audit_events', (table, t) =>
        table
          .addColumn('id', t.ident(36), (c) => c.primaryKey())
          .addColumn('at', t.bigint, (c) => c.notNull())
          .addColumn('actor', t.text(128), (c) => c.notNull())
          .addColumn('action', t.ident(64), (c) => c.notNull())
          .addColumn('appid', t.ident(32))
          .addColumn('user_id', t.ident(36))
          .addColumn('detail_json', t.longText),
      ),
    ],
    ['0011_audit_events_at_idx', indexMigration(dialect, 'audit_events_at_idx', 'audit_events', ['at'])],
    ['0012_audit_events_user_id_idx', indexMigration(dialect, 'audit_events_user_id_idx', 'audit_events', ['user_id'])],
    [
      '0013_login_stats',
      tableMigration(dialect, 'login_stats', (table, t) =>
        table
          .addColumn('appid', t.ident(32), (c) => c.notNull())
          .addColumn('minute', t.bigint, (c) => c.notNull())
          .addColumn('outcome', t.ident(64), (c) => c.notNull())
          .addColumn('instance', t.ident(128), (c) => c.notNull())
          .addColumn('count', t.bigint, (c) => c.notNull())
          .addPrimaryKeyConstraint('login_stats_pk', ['appid', 'minute', 'outcome', 'instance']),
      ),
    ],
    // Stats of every app since a time (the admin chart), and the sweep.
    ['0014_login_stats_minute_idx', indexMigration(dialect, 'login_stats_minute_idx', 'login_stats', ['minute'])],
  ];
}
