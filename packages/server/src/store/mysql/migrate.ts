import { migrateToLatest } from '../migrations/index.js';
import type { MysqlConnection } from './connection.js';

/** Applies pending migrations on one connection with the statement timeout lifted; answers the names applied. */
export async function migrateMysql({ db, withoutTimeout }: MysqlConnection): Promise<string[]> {
  // Kysely's Migrator takes `GET_LOCK` on this one connection (released if the process dies) and runs each migration
  // without a transaction, as MySQL DDL commits anyway: hence one DDL statement per migration.
  return db.connection().execute((conn) => withoutTimeout(conn, () => migrateToLatest(conn, 'mysql')));
}
