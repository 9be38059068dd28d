import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  CamelCasePlugin,
  CompiledQuery,
  Kysely,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  type SqliteDialectConfig,
  type SqliteStatement,
} from 'kysely';
import type { Database } from '../schema.js';
import type { HotPaths } from '../dialect.js';
import { GroupCommit } from './group-commit.js';
import { sqliteHotPaths } from './hot-paths.js';
import { InProcessLock } from './lock.js';

/** Kysely's SQLite driver, but every transaction takes the write lock at `BEGIN`. */
class ImmediateSqliteDriver extends SqliteDriver {
  // A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when another connection wrote
  // in between (busy_timeout cannot help an upgrade); `BEGIN IMMEDIATE` waits for the lock up front instead.
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

/** How many distinct statements stay prepared; the store issues a few dozen, so this never evicts in practice. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * The database as Kysely sees it, with prepared statements reused by SQL text. Kysely prepares every query anew,
 * and preparing costs more than running the short statements of a login or refresh. Reuse is safe: Kysely runs
 * each statement to completion synchronously (`all`/`run`), and the store never streams.
 */
function withStatementCache(database: { prepare(sql: string): SqliteStatement; close(): void }): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

interface SharedDatabase {
  db: Kysely<Database>;
  hotPaths: HotPaths;
  locks: InProcessLock;
  users: number;
}

// Stores of one process opened on the same file share its one connection. Two connections in one process would
// deadlock: better-sqlite3 waits for a lock synchronously (busy_timeout), blocking the event loop, while the holder
// needs that same loop to finish its transaction. Kysely's connection mutex serialises the shared connection instead.
const openFiles = new Map<string, SharedDatabase>();

async function openDatabase(path: string): Promise<SharedDatabase> {
  const { default: BetterSqlite3 } = await import('better-sqlite3');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new BetterSqlite3(path, { timeout: 5000 });
  try {
    // WAL: readers never block the writer; NORMAL is durable across a process crash (only a power loss can drop the
    // last commits), which is the usual pairing with WAL.
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('busy_timeout = 5000');
    // A checkpoint copies the newest version of every page in the WAL back into the database (and syncs it). At
    // SQLite's default of 1000 pages a login load checkpoints many times a second, copying the same hot pages (table
    // and index tails) each time; at 10 000 pages (~40 MB of WAL) it does so ten times less often: −15% CPU per
    // login (measured). The WAL file is cut back to 64 MB after each checkpoint.
    database.pragma('wal_autocheckpoint = 10000');
    database.pragma('journal_size_limit = 67108864');
    database.pragma('foreign_keys = ON');
  } catch (err) {
    database.close();
    throw err;
  }
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(database) }),
    plugins: [new CamelCasePlugin()],
  });
  return {
    db,
    hotPaths: sqliteHotPaths(database, new GroupCommit(database, db)),
    locks: new InProcessLock(),
    users: 0,
  };
}

/** One store's hold on a SQLite database: the connection and lock table it shares with the file's other stores. */
export interface SqliteConnection {
  db: Kysely<Database>;
  /** The hot paths on the same connection, sharing its group commit. */
  hotPaths: HotPaths;
  locks: InProcessLock;
  /** Lets go of the database; the last store of a file closes the connection. Safe to call twice. */
  release(): Promise<void>;
}

/** Opens `path` (`:memory:` or a file), or joins the connection this process already has on that file. */
export async function openSqliteConnection(path: string): Promise<SqliteConnection> {
  const key = path === ':memory:' ? undefined : resolve(path);
  let shared = key === undefined ? undefined : openFiles.get(key);
  if (shared === undefined) {
    shared = await openDatabase(key ?? ':memory:');
    // Another open of the same file may have finished while we awaited: keep the first, drop ours.
    const raced = key === undefined ? undefined : openFiles.get(key);
    if (raced !== undefined) {
      await shared.db.destroy();
      shared = raced;
    } else if (key !== undefined) {
      openFiles.set(key, shared);
    }
  }
  shared.users += 1;
  const owner = shared;
  let released = false;
  return {
    db: owner.db,
    hotPaths: owner.hotPaths,
    locks: owner.locks,
    async release() {
      if (released) return;
      released = true;
      owner.users -= 1;
      if (owner.users > 0) return;
      if (key !== undefined && openFiles.get(key) === owner) openFiles.delete(key);
      await owner.db.destroy();
    },
  };
}
