import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { openStore, type OpenStoreOptions, type Store } from '../../src/store/index.js';
import { declareAvailability } from './unavailable.js';

/** A database the store suites run against. */
export interface TestDatabase {
  backend: 'sqlite' | 'pg' | 'mariadb';
  /** Put in every describe name: CI counts tests per backend by it. */
  tag: '[sqlite]' | '[pg]' | '[mariadb]';
  /** Server URL from the environment (PostgreSQL, MariaDB); undefined for SQLite. */
  url: string | undefined;
  /** Set when the suite cannot run here: then it is skipped, or, when `fail`, it fails (CI must run it). */
  unavailable?: { reason: string; fail: boolean };
}

const isCi = (): boolean => process.env['CI'] === 'true';

function serverDatabase(backend: 'pg' | 'mariadb', variable: string, example: string): TestDatabase {
  const tag = backend === 'pg' ? '[pg]' : '[mariadb]';
  const url = process.env[variable]?.trim() || undefined;
  if (url !== undefined) return { backend, tag, url };
  const reason = isCi()
    ? `${variable} is not set, and CI=true requires the ${backend} suite (e.g. ${variable}=${example})`
    : `${variable} is not set (e.g. ${variable}=${example})`;
  return { backend, tag, url, unavailable: { reason, fail: isCi() } };
}

/**
 * SQLite always; PostgreSQL when `WXLOGIN_TEST_PG_URL` is set; MariaDB when `WXLOGIN_TEST_MYSQL_URL` is set. With
 * `CI=true` a missing variable makes that backend's suite fail instead of skip. Use with `describe.each`, then
 * {@link databaseAvailable} first thing in the body.
 */
export function testDatabases(): TestDatabase[] {
  return [
    { backend: 'sqlite', tag: '[sqlite]', url: undefined },
    serverDatabase('pg', 'WXLOGIN_TEST_PG_URL', 'postgres://postgres@127.0.0.1:5432/test'),
    serverDatabase('mariadb', 'WXLOGIN_TEST_MYSQL_URL', 'mysql://root@127.0.0.1:3306/test'),
  ];
}

/** One database of {@link testDatabases}, for a test file that runs on that one alone (`store.pg.test.ts`). */
export function testDatabase(backend: TestDatabase['backend']): TestDatabase {
  const db = testDatabases().find((candidate) => candidate.backend === backend);
  if (db === undefined) throw new Error(`no test database "${backend}"`);
  return db;
}

/**
 * Call at the top of a `describe` body. When the database is unavailable it declares one test that says so — skipped
 * with the reason, or failing with it under CI — and answers false: return from the body then.
 */
export function databaseAvailable(db: TestDatabase): boolean {
  return declareAvailability(db.tag, 'database', db.unavailable);
}

/** An isolated database (SQLite file, PostgreSQL schema, MariaDB database) for one test file, dropped at the end. */
export interface TestStore {
  /** The first store on it, migrated unless `migrate: false` was asked. */
  store: Store;
  /** URL and options that open the same isolated database (for code that calls `openStore` itself). */
  url: string;
  storeOptions: OpenStoreOptions;
  /** Opens another store on the same database (closed by {@link TestStore.drop}). */
  open(): Promise<Store>;
  /** Runs one raw SQL statement on the isolated database through a separate connection; answers its rows. */
  exec(statement: string): Promise<unknown[]>;
  /** Closes every store opened here and drops the database. Safe to call twice. */
  drop(): Promise<void>;
}

let sequence = 0;

/** `wxlogin_t_<file>_<pid>_<n>`: unique per test file, process and call, valid in both servers (≤ 63 chars). */
function isolatedName(): string {
  const testPath = expect.getState().testPath ?? 'test';
  const file = basename(testPath)
    .replace(/\.test\.ts$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 24);
  sequence += 1;
  return `wxlogin_t_${file}_${process.pid}_${sequence}`;
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

async function unreachable(db: TestDatabase, err: unknown): Promise<never> {
  const why = err instanceof Error ? err.message : String(err);
  throw new Error(`${db.tag} database at ${redact(db.url ?? '')} is unreachable or refused setup: ${why}`, {
    cause: err,
  });
}

/**
 * Makes an isolated database for `db` and opens (and by default migrates) a store on it. Call it in `beforeAll`
 * and `drop()` in `afterAll`; other server test files can use it the same way.
 */
export async function createTestStore(
  db: TestDatabase,
  options: { migrate?: boolean; storeOptions?: OpenStoreOptions } = {},
): Promise<TestStore> {
  if (db.unavailable !== undefined) throw new Error(`${db.tag} unavailable: ${db.unavailable.reason}`);
  const name = isolatedName();
  let url: string;
  let storeOptions: OpenStoreOptions = { ...options.storeOptions };
  let dropDatabase: () => Promise<void>;
  let exec: (statement: string) => Promise<unknown[]>;

  if (db.backend === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'wxlogin-store-'));
    const file = join(dir, `${name}.db`);
    url = `sqlite:${file}`;
    dropDatabase = () => rm(dir, { recursive: true, force: true });
    exec = async (statement) => {
      const { default: BetterSqlite3 } = await import('better-sqlite3');
      const conn = new BetterSqlite3(file, { timeout: 5000 });
      try {
        const prepared = conn.prepare(statement);
        return prepared.reader ? prepared.all() : (prepared.run(), []);
      } finally {
        conn.close();
      }
    };
  } else if (db.backend === 'pg') {
    url = db.url!;
    storeOptions = { ...storeOptions, schema: name };
    const withClient = async <R>(fn: (client: import('pg').Client) => Promise<R>): Promise<R> => {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: url, options: `-c search_path=${name}` });
      await client.connect();
      try {
        return await fn(client);
      } finally {
        await client.end();
      }
    };
    // openStore creates the schema; dropping it needs a plain connection.
    dropDatabase = () =>
      withClient(async (client) => void (await client.query(`drop schema if exists "${name}" cascade`)));
    exec = (statement) => withClient(async (client) => (await client.query(statement)).rows as unknown[]);
  } else {
    const server = db.url!;
    const { default: mysql } = await import('mysql2/promise');
    const admin = await mysql.createConnection({ uri: server }).catch((err: unknown) => unreachable(db, err));
    try {
      await admin.query(`create database \`${name}\` character set utf8mb4 collate utf8mb4_bin`);
    } finally {
      await admin.end();
    }
    const u = new URL(server);
    u.pathname = `/${name}`;
    url = u.toString();
    const withConnection = async <R>(
      uri: string,
      fn: (conn: import('mysql2/promise').Connection) => Promise<R>,
    ): Promise<R> => {
      const conn = await mysql.createConnection({ uri });
      try {
        return await fn(conn);
      } finally {
        await conn.end();
      }
    };
    dropDatabase = () =>
      withConnection(server, async (conn) => void (await conn.query(`drop database if exists \`${name}\``)));
    const isolated = url;
    exec = (statement) =>
      withConnection(isolated, async (conn) => {
        const [rows] = await conn.query(statement);
        return Array.isArray(rows) ? (rows as unknown[]) : [];
      });
  }

  const opened: Store[] = [];
  const open = async (): Promise<Store> => {
    const store = await openStore(url, storeOptions);
    opened.push(store);
    return store;
  };
  let dropped = false;
  const drop = async (): Promise<void> => {
    if (dropped) return;
    dropped = true;
    await Promise.allSettled(opened.map((s) => s.close()));
    await dropDatabase();
  };

  try {
    const store = await open();
    await store.ping();
    if (options.migrate !== false) await store.migrate();
    return { store, url, storeOptions, open, exec, drop };
  } catch (err) {
    await drop().catch(() => undefined);
    return unreachable(db, err);
  }
}

/**
 * The isolated database of a `describe` block: made in `beforeAll`, dropped in `afterAll`. Read its fields inside
 * tests (they exist once `beforeAll` has run).
 */
export function useTestStore(db: TestDatabase): Pick<TestStore, 'url' | 'storeOptions' | 'store' | 'exec'> {
  let testStore: TestStore | undefined;
  beforeAll(async () => {
    testStore = await createTestStore(db);
  });
  afterAll(async () => {
    await testStore?.drop();
  });
  const made = (): TestStore => {
    if (testStore === undefined) throw new Error('the test store is made in beforeAll');
    return testStore;
  };
  return {
    get url() {
      return made().url;
    },
    get storeOptions() {
      return made().storeOptions;
    },
    get store() {
      return made().store;
    },
    exec: (statement) => made().exec(statement),
  };
}
