// Bulk-seeds users and sessions straight into a wxlogin database (never through the API), for the growth scenario:
// the service must stay as fast on a database of a million users as on an empty one. Run on its own as a check:
//   node bench/lib/seed-rows.js sqlite:/tmp/x.db 100000 [sessions]
// (WXLOGIN_MASTER_KEY seals the session keys when set, else a fresh key is made and printed; SEED_APPID names the app).
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { SESSION_COLUMNS, USER_COLUMNS, WECHAT_SESSION_COLUMNS } from './seed/columns.js';
import { runMigrate } from './seed/migrate.js';
import { startRowSource } from './seed/row-source.js';
import { openWriter } from './seed/writer.js';

/** Rows per transaction. */
const CHUNK_ROWS = 50_000;
/** Rows per batch from the row worker, and per SQLite statement (13 columns: far below SQLite's 32,766 parameters). */
const BATCH_ROWS = 250;
const PROGRESS_EVERY_ROWS = 200_000;
/** Refused above this: a mistyped count must not fill the disk. */
const MAX_ROWS = 10_000_000;
const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_APPID = 'wxbench000000001';

/** The indexes the server's queries rely on, by their columns (names differ per database for the unique ones). */
const REQUIRED_INDEXES = {
  users: [['id'], ['openid', 'appid'], ['unionid', 'appid'], ['phone_e164', 'appid']],
  wechat_sessions: [['appid', 'openid']],
  refresh_families: [['id'], ['user_id'], ['expires_at'], ['revoked_at']],
};

/**
 * @param {string | Uint8Array} masterKey base64 or base64url of 32 bytes, as WXLOGIN_MASTER_KEY, or the bytes
 * @returns {Uint8Array}
 */
function masterKeyBytes(masterKey) {
  const bytes = typeof masterKey === 'string' ? Buffer.from(masterKey.trim(), 'base64') : masterKey;
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) {
    throw new Error('seedRows: masterKey must be 32 bytes (base64, as WXLOGIN_MASTER_KEY)');
  }
  return bytes;
}

/**
 * @param {string} name
 * @param {unknown} value
 */
function checkCount(name, value) {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_ROWS) {
    throw new Error(`seedRows: ${name} must be an integer from 0 to ${MAX_ROWS}, got ${value}`);
  }
}

/** @param {import('./seed/writer.js').RowWriter} writer */
async function assertIndexes(writer) {
  for (const [table, wanted] of Object.entries(REQUIRED_INDEXES)) {
    const present = (await writer.indexes(table)).map((i) => i.columns.join(','));
    const missing = wanted.filter((columns) => !present.includes(columns.join(',')));
    if (missing.length > 0) {
      throw new Error(`seedRows: ${table} lacks indexes on (${missing.map((c) => c.join(', ')).join('), (')})`);
    }
  }
}

/**
 * Migrates `databaseUrl` with the built `wxlogin migrate` and inserts `users` users (each with its `wechat_sessions`
 * row, the sealed session key a login upserts) and `sessions` sessions (`refresh_families`) belonging to them.
 *
 * The rows look like a service that ran for 90 days: time-ordered UUIDv7 ids, 28-character openids, a unionid for
 * half the users and a phone for a tenth, sessions of generation 0 to 5 whose expiries mostly lie ahead, some
 * revoked, and nothing the sweep would delete (see `seed/dataset.js`). The database must hold no users nor sessions
 * yet: it is refused otherwise. A worker thread makes the rows while this thread writes them; the sessions' plain
 * indexes are dropped for the load and built again from their stored definitions afterwards (also when the run
 * fails), then `ANALYZE` runs.
 *
 * Checks `signal` and the deadline between transactions (of 50,000 rows each), so an interrupted run stops within a
 * transaction, keeping those it committed. Progress goes to `log` every 200,000 rows.
 *
 * @param {{
 *   databaseUrl: string,
 *   appid?: string,
 *   users: number,
 *   sessions: number,
 *   masterKey: string | Uint8Array,
 *   signal?: AbortSignal,
 *   timeoutMs?: number,
 *   log?: (line: string) => void,
 * }} options `databaseUrl` as WXLOGIN_DATABASE_URL (`sqlite:/abs/path.db`, `postgres://…`, `mysql://…`); `appid`
 *   the seeded users' app (default `wxbench000000001`); `masterKey` the service's WXLOGIN_MASTER_KEY, so that the
 *   sealed session keys open; `timeoutMs` bounds the whole run (default 10 min)
 * @returns {Promise<{
 *   dialect: string,
 *   counts: { users: number, wechatSessions: number, sessions: number },
 *   timingsMs: { migrate: number, users: number, sessions: number, indexes: number, analyze: number, total: number },
 *   sizeBytes: number,
 * }>} the tables' row counts after seeding, where the time went, and the size on disk (SQLite: the whole file;
 *   PostgreSQL and MySQL: the three tables with their indexes, as the server's statistics have it)
 */
export async function seedRows({
  databaseUrl,
  appid = DEFAULT_APPID,
  users,
  sessions,
  masterKey,
  signal,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  log = (line) => process.stderr.write(`${line}\n`),
}) {
  checkCount('users', users);
  checkCount('sessions', sessions);
  if (sessions > 0 && users === 0) throw new Error('seedRows: sessions need at least one user');
  const key = masterKeyBytes(masterKey);
  const started = performance.now();
  const deadline = started + timeoutMs;
  const elapsedS = () => ((performance.now() - started) / 1000).toFixed(1);
  const checkpoint = async () => {
    // Lets a signal handler run between two synchronous SQLite transactions.
    await new Promise((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
    if (performance.now() > deadline) throw new Error(`seedRows: not finished within ${timeoutMs} ms`);
  };

  await runMigrate(databaseUrl, signal);
  const migrated = performance.now();
  const writer = await openWriter(databaseUrl);
  const source = startRowSource({ appid, users, sessions, now: Date.now(), masterKey: key, batchRows: BATCH_ROWS });
  /** @type {(() => Promise<void>) | undefined} */
  let restoreIndexes;
  let inTransaction = false;
  const timings = { users: 0, sessions: 0, indexes: 0, analyze: 0 };
  try {
    await assertIndexes(writer);
    // Counts must be exact for the benchmark, and a second run's random phone numbers could meet the first's.
    for (const table of ['users', 'refresh_families']) {
      if ((await writer.count(table)) > 0) throw new Error(`seedRows: ${table} is not empty; seed a fresh database`);
    }
    /** @type {'users' | 'sessions' | undefined} */
    let phase;
    let phaseStart = 0;
    for await (const batch of source.batches) {
      if (batch.phase !== phase) {
        phase = batch.phase;
        phaseStart = performance.now();
        // Rows in, then the sessions' plain indexes built once from sorted keys: several times faster than a
        // million random inserts into each. Their definitions are the migrations', read back from the database.
        if (phase === 'sessions') restoreIndexes = await writer.deferIndexes('refresh_families');
      }
      if (!inTransaction) {
        await checkpoint();
        await writer.begin();
        inTransaction = true;
      }
      if (batch.phase === 'users') {
        await writer.insert('users', USER_COLUMNS, batch.userValues);
        await writer.insert('wechat_sessions', WECHAT_SESSION_COLUMNS, batch.wechatValues);
      } else {
        await writer.insert('refresh_families', SESSION_COLUMNS, batch.sessionValues);
      }
      const total = phase === 'users' ? users : sessions;
      if (batch.to % CHUNK_ROWS === 0 || batch.to === total) {
        await writer.commit();
        inTransaction = false;
        const phaseMs = performance.now() - phaseStart;
        timings[phase] = phaseMs;
        if (
          Math.floor(batch.to / PROGRESS_EVERY_ROWS) > Math.floor(batch.from / PROGRESS_EVERY_ROWS) ||
          batch.to === total
        ) {
          const rate = Math.round(batch.to / (phaseMs / 1000));
          log(`seed: ${phase} ${batch.to}/${total} (${elapsedS()} s, ${rate} rows/s)`);
        }
      }
    }
    if (restoreIndexes !== undefined) {
      const indexStart = performance.now();
      const restore = restoreIndexes;
      restoreIndexes = undefined;
      await restore();
      timings.indexes = performance.now() - indexStart;
      log(`seed: sessions' indexes built (${elapsedS()} s)`);
    }
    await assertIndexes(writer);
    await checkpoint();
    const analyzeStart = performance.now();
    await writer.finish();
    timings.analyze = performance.now() - analyzeStart;
    const counts = {
      users: await writer.count('users'),
      wechatSessions: await writer.count('wechat_sessions'),
      sessions: await writer.count('refresh_families'),
    };
    const sizeBytes = await writer.sizeBytes();
    return {
      dialect: writer.kind,
      counts,
      timingsMs: {
        migrate: Math.round(migrated - started),
        users: Math.round(timings.users),
        sessions: Math.round(timings.sessions),
        indexes: Math.round(timings.indexes),
        analyze: Math.round(timings.analyze),
        total: Math.round(performance.now() - started),
      },
      sizeBytes,
    };
  } finally {
    await source.close();
    if (inTransaction) await writer.rollback().catch(() => undefined);
    // Whatever stopped the run, the database keeps the server's indexes.
    if (restoreIndexes !== undefined) await restoreIndexes();
    await writer.close();
  }
}

/** `node bench/lib/seed-rows.js <databaseUrl> <users> [sessions]`: seeds, then prints counts, timings and size. */
async function cli() {
  const [databaseUrl, usersArg, sessionsArg] = process.argv.slice(2);
  if (databaseUrl === undefined || usersArg === undefined || !/^\d+$/.test(usersArg)) {
    console.error('usage: node bench/lib/seed-rows.js <databaseUrl> <users> [sessions (default: users)]');
    process.exitCode = 2;
    return;
  }
  const users = Number(usersArg);
  const sessions = sessionsArg === undefined ? users : Number(sessionsArg);
  let masterKey = process.env.WXLOGIN_MASTER_KEY;
  if (!masterKey) {
    masterKey = randomBytes(32).toString('base64');
    // Only this key opens the sealed session keys: a service started on the database needs it.
    console.log(`master key (WXLOGIN_MASTER_KEY for a service on this database): ${masterKey}`);
  }
  const controller = new AbortController();
  process.once('SIGINT', () => {
    console.error('seed: SIGINT, stopping after the current chunk');
    controller.abort(new Error('interrupted'));
  });
  const result = await seedRows({
    databaseUrl,
    appid: process.env.SEED_APPID || DEFAULT_APPID,
    users,
    sessions,
    masterKey,
    signal: controller.signal,
  });
  console.log(JSON.stringify(result, null, 2));
  const t = result.timingsMs;
  console.log(
    `seeded ${users} users + ${sessions} sessions into ${result.dialect} in ${(t.total / 1000).toFixed(1)} s ` +
      `(migrate ${t.migrate} ms, users ${t.users} ms, sessions ${t.sessions} ms, their indexes ${t.indexes} ms, ` +
      `analyze ${t.analyze} ms); ${(result.sizeBytes / 2 ** 20).toFixed(0)} MiB`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cli().catch((error) => {
    console.error(`seed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
