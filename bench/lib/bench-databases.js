// A database of its own for each database target (`wxlogin_bench_<random>`, created here and dropped at the end),
// and the server-side counters that show what one request costs the database. The admin connection stays on the
// database named by the admin URL, so its own statements never count in the bench database's figures.
import { randomBytes } from 'node:crypto';

/**
 * How long PostgreSQL may take to publish a backend's counters. A backend flushes its statistics at most once a
 * second; one that goes idle less than a second after its last flush keeps the rest pending until its idle timer
 * (10 s, PGSTAT_IDLE_INTERVAL) fires. Under load every backend of the target's pool is in that state when the round
 * ends, so a delta read sooner misses the round's last second and hands it to the next round (seen: the warm-up's
 * transactions counted in round 1).
 */
const PG_STATS_SETTLE_MS = 11_000;

/**
 * @typedef {object} BenchDatabase
 * @property {string} name the database created for the run
 * @property {string} url the admin URL with the path pointing at `name`, for `WXLOGIN_DATABASE_URL`
 * @property {string} version the server's version string
 * @property {number} settleMs wait this long after the last request before `counters()` shows all of it
 * @property {() => Promise<Record<string, number>>} counters cumulative counters now
 * @property {() => Promise<void>} drop drops the database (its connections too) and closes the admin connection
 */

const newName = () => `wxlogin_bench_${randomBytes(4).toString('hex')}`;

/**
 * The URL of `name` on the server of `adminUrl` (same credentials and query).
 * @param {string} adminUrl
 * @param {string} name
 */
function withDatabase(adminUrl, name) {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Creates a PostgreSQL database for the run. Counters: `xact_commit` and `xact_rollback` of that database
 * (`pg_stat_database`), which include every transaction of the target's pool, autocommit statements as well.
 * @param {string} adminUrl e.g. `postgres://postgres@127.0.0.1:5432/test`
 * @returns {Promise<BenchDatabase>}
 */
export async function createPostgresDatabase(adminUrl) {
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const name = newName();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (error) {
    await admin.end();
    throw error;
  }
  const version = (await admin.query('SHOW server_version')).rows[0].server_version;
  let dropped = false;
  return {
    name,
    url: withDatabase(adminUrl, name),
    version: `PostgreSQL ${version}`,
    settleMs: PG_STATS_SETTLE_MS,
    async counters() {
      const { rows } = await admin.query('SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = $1', [
        name,
      ]);
      // Named as the server names them, so the report says exactly what was counted.
      return {
        xact_commit: Number(rows[0]?.xact_commit ?? 0),
        xact_rollback: Number(rows[0]?.xact_rollback ?? 0),
      };
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      try {
        // FORCE (PostgreSQL 13+) ends a connection a killed target may have left behind.
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}

/**
 * Creates a MariaDB (or MySQL) database for the run. Counters: the server-wide `Questions` (statements clients
 * sent) and `Com_commit`: MariaDB keeps no per-database figure, so other clients of the same server during a round
 * count too, and autocommit statements do not show in `Com_commit`.
 * @param {string} adminUrl e.g. `mysql://root@127.0.0.1:3306/test`
 * @returns {Promise<BenchDatabase>}
 */
export async function createMariaDatabase(adminUrl) {
  const { default: mysql } = await import('mysql2/promise');
  const admin = await mysql.createConnection(adminUrl.replace(/^mariadb:/, 'mysql:'));
  const name = newName();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (error) {
    await admin.end();
    throw error;
  }
  const [[{ version }]] = /** @type {any} */ (await admin.query('SELECT VERSION() AS version'));
  let dropped = false;
  return {
    name,
    url: withDatabase(adminUrl, name),
    version: String(version),
    settleMs: 0,
    async counters() {
      const [rows] = /** @type {[{ Variable_name: string, Value: string }[], unknown]} */ (
        /** @type {unknown} */ (
          await admin.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_commit')")
        )
      );
      const value = (key) => Number(rows.find((row) => row.Variable_name === key)?.Value ?? 0);
      return { Questions: value('Questions'), Com_commit: value('Com_commit') };
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      } finally {
        await admin.end();
      }
    },
  };
}

/**
 * `after - before` for every counter.
 * @param {Record<string, number>} before
 * @param {Record<string, number>} after
 */
export function counterDelta(before, after) {
  return Object.fromEntries(Object.keys(after).map((key) => [key, after[key] - (before[key] ?? 0)]));
}
