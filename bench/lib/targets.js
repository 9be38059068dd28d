// The servers a run measures: which scenarios each answers, and how each is started (a child process on a free
// loopback port, ready when `GET /healthz` answers 200, timed from the spawn).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, spawnProcess, spawnService } from './service-process.js';

/** Every scenario a run knows, in the order a run measures them. */
export const SCENARIOS = ['login', 'refresh', 'me'];

/** How each scenario is printed. */
export const SCENARIO_LABELS = { login: 'login', refresh: 'refresh', me: 'GET /v1/me' };

/**
 * Every target, in the order of a round (the grown database next to the empty one it is compared with), and the
 * scenarios it answers. The baselines other than `floor` answer only login.
 * @type {Record<string, string[]>}
 */
export const TARGET_SCENARIOS = {
  wxlogin: ['login', 'refresh', 'me'],
  'wxlogin-grown': ['login', 'me'],
  'wxlogin-pg': ['login', 'refresh', 'me'],
  'wxlogin-mariadb': ['login', 'refresh', 'me'],
  'seed-style': ['login'],
  floor: ['login', 'refresh', 'me'],
  peer: ['login'],
};

/** The baseline servers, each `bench/baselines/<name>/server.js`. */
export const BASELINES = ['seed-style', 'floor', 'peer'];

/** Poll `/healthz` this often: the spawn-to-ready time is a reported figure, so its resolution matters. */
const READY_POLL_MS = 10;
const READY_TIMEOUT_MS = 20_000;

/**
 * @typedef {object} Target
 * @property {string} name
 * @property {'wxlogin' | 'baseline'} kind
 * @property {string} url
 * @property {number} pid
 * @property {number} readyMs spawn to the first 200 of `/healthz`
 * @property {ReturnType<typeof spawnProcess>} process
 * @property {import('./bench-databases.js').BenchDatabase} [database] for the PostgreSQL / MariaDB targets
 * @property {string} databaseLabel what it stores in, for the report
 */

/**
 * The targets of a run, in round order: those asked for (or all the environment allows), each kept only if it
 * answers a chosen scenario and its code is there; `notice` says why one was left out.
 * @param {{ options: import('./run-options.js').RunOptions, baselinesDir: string, seedRowsPresent: boolean, notice: (line: string) => void }} plan
 * @returns {string[]}
 */
export function chooseTargets({ options, baselinesDir, seedRowsPresent, notice }) {
  return Object.keys(TARGET_SCENARIOS).filter((name) => {
    if (options.targets !== undefined) {
      if (!options.targets.includes(name)) return false;
    } else if (name === 'wxlogin-pg' && options.pgUrl === undefined) {
      return false;
    } else if (name === 'wxlogin-mariadb' && options.mysqlUrl === undefined) {
      return false;
    } else if (name === 'wxlogin-grown' && !options.growth) {
      return false;
    }
    if (!TARGET_SCENARIOS[name].some((scenario) => options.scenarios.includes(scenario))) return false;
    if (name === 'wxlogin-grown' && !seedRowsPresent) {
      notice('growth skipped: bench/lib/seed-rows.js is not there yet');
      return false;
    }
    if (BASELINES.includes(name) && baselineScript(baselinesDir, name) === undefined) {
      notice(`baseline ${name} skipped: no ${join(baselinesDir, name, 'server.js')}`);
      return false;
    }
    return true;
  });
}

/**
 * @typedef {object} StartContext
 * @property {string} bin the wxlogin CLI
 * @property {{ appid: string, secret: string }} app
 * @property {string} masterKey
 * @property {string} wechatUrl the stub
 * @property {string} tempDir the run's own: SQLite files, the baselines' DATA_DIRs
 * @property {string} grownPath the seeded SQLite file of wxlogin-grown
 * @property {number} growthRows
 * @property {Record<string, import('./bench-databases.js').BenchDatabase>} databases by target name
 * @property {string} baselinesDir
 */

/**
 * Starts the target `name` of {@link TARGET_SCENARIOS}.
 * @param {string} name
 * @param {StartContext} context
 * @returns {Promise<Target>}
 */
export function startTarget(name, context) {
  const common = { bin: context.bin, app: context.app, masterKey: context.masterKey, wechatUrl: context.wechatUrl };
  if (name === 'wxlogin') {
    return startWxlogin({
      ...common,
      name,
      databaseUrl: `sqlite:${join(context.tempDir, 'wxlogin.db')}`,
      databaseLabel: 'SQLite file, WAL',
    });
  }
  if (name === 'wxlogin-grown') {
    return startWxlogin({
      ...common,
      name,
      databaseUrl: `sqlite:${context.grownPath}`,
      databaseLabel: `SQLite file, WAL, ${context.growthRows} users + sessions`,
    });
  }
  if (name === 'wxlogin-pg' || name === 'wxlogin-mariadb') {
    const database = context.databases[name];
    return startWxlogin({ ...common, name, databaseUrl: database.url, databaseLabel: database.version, database });
  }
  const dataDir = join(context.tempDir, `baseline-${name}`);
  mkdirSync(dataDir);
  return startBaseline({
    name,
    baselinesDir: context.baselinesDir,
    app: context.app,
    wechatUrl: context.wechatUrl,
    dataDir,
  });
}

/**
 * Starts `wxlogin serve` with the settings of a bench run: one app, the given master key, `warn` logs, no rate
 * limits (every request comes from 127.0.0.1 and many logins are by design), WeChat = the stub.
 * @param {{ name: string, bin: string, databaseUrl: string, databaseLabel: string, app: { appid: string, secret: string }, masterKey: string, wechatUrl: string, database?: import('./bench-databases.js').BenchDatabase }} options
 * @returns {Promise<Target>}
 */
export async function startWxlogin({ name, bin, databaseUrl, databaseLabel, app, masterKey, wechatUrl, database }) {
  const port = await freePort();
  const child = spawnService({
    bin,
    port,
    env: {
      WXLOGIN_APPS: `${app.appid}:${app.secret}`,
      WXLOGIN_MASTER_KEY: masterKey,
      WXLOGIN_DATABASE_URL: databaseUrl,
      WXLOGIN_WECHAT_BASE_URL: wechatUrl,
      WXLOGIN_LOG_LEVEL: 'warn',
      WXLOGIN_RATE_LIMIT_PER_MIN: '0',
      WXLOGIN_USER_RATE_LIMIT_PER_MIN: '0',
    },
  });
  return ready({ name, kind: 'wxlogin', child, databaseLabel, database });
}

/**
 * Starts a baseline by its protocol: `node <dir>/<name>/server.js` with PORT, WECHAT_BASE_URL, APPID, APP_SECRET and
 * DATA_DIR (a fresh directory).
 * @param {{ name: string, baselinesDir: string, app: { appid: string, secret: string }, wechatUrl: string, dataDir: string }} options
 * @returns {Promise<Target>}
 */
export async function startBaseline({ name, baselinesDir, app, wechatUrl, dataDir }) {
  const script = baselineScript(baselinesDir, name);
  if (script === undefined) throw new Error(`baseline ${name}: no ${join(baselinesDir, name, 'server.js')}`);
  const port = await freePort();
  const child = spawnProcess({
    script,
    port,
    name: `baseline ${name}`,
    env: {
      PORT: String(port),
      WECHAT_BASE_URL: wechatUrl,
      APPID: app.appid,
      APP_SECRET: app.secret,
      DATA_DIR: dataDir,
    },
  });
  return ready({ name, kind: 'baseline', child, databaseLabel: 'its own' });
}

/**
 * Where a baseline's server is; `undefined` when it is not there.
 * @param {string} baselinesDir
 * @param {string} name
 */
export function baselineScript(baselinesDir, name) {
  const script = join(baselinesDir, name, 'server.js');
  return existsSync(script) ? script : undefined;
}

/**
 * Waits for `/healthz`; a process that does not get there is stopped before the error goes up.
 * @param {{ name: string, kind: 'wxlogin' | 'baseline', child: ReturnType<typeof spawnProcess>, databaseLabel: string, database?: import('./bench-databases.js').BenchDatabase }} options
 * @returns {Promise<Target>}
 */
async function ready({ name, kind, child, databaseLabel, database }) {
  let readyMs;
  try {
    readyMs = await child.waitReady(READY_TIMEOUT_MS, { path: '/healthz', pollMs: READY_POLL_MS });
  } catch (error) {
    const tail = child.logTail();
    await child.stop(2000);
    throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}\n${name} log (tail):\n${tail}`);
  }
  return {
    name,
    kind,
    url: child.url,
    pid: /** @type {number} */ (child.pid),
    readyMs,
    process: child,
    databaseLabel,
    ...(database === undefined ? {} : { database }),
  };
}
