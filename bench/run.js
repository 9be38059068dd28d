#!/usr/bin/env node
// The benchmark: the BUILT `wxlogin serve` (SQLite; PostgreSQL and MariaDB when their URLs are given) against three
// baseline servers (bench/baselines/), on one machine, in one run, so the ratios mean something even when the
// absolute figures move with the machine.
//
//   npx tsc -b                                  # it runs packages/server/dist; it stops with a message without it
//   node bench/run.js                           # ≤ 5 min on 2 cores (more with the databases): 5 rounds × 4 s
//   node bench/run.js --quick                   # ≈ 1 min: 3 rounds × 2 s, same checks
//   node bench/run.js --quick --no-growth --targets wxlogin,floor --only login,me    # while developing
//   WXLOGIN_BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/test \
//   WXLOGIN_BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/test node bench/run.js       # adds the database targets
//
// One run: a stub WeChat in its own process; each target in its own process on a free loopback port, timed from
// the spawn to its first 200 of /healthz; 10,000 untimed pre-logins per wxlogin target (the token pools); then
// login, refresh and GET /v1/me, each a warm-up per target and interleaved rounds, with the server's CPU per
// request (/proc) and its RSS; the growth scenario on a database pre-filled with 1,000,000 users and sessions; then
// a table of every target × scenario, a table of checks, and bench/results/bench-<UTC date-time>.json. Exit code 0
// only when every round had ≤ 1% failed requests and every check passed (--no-check: the checks do not count).
// `--help` lists every option.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMariaDatabase, createPostgresDatabase } from './lib/bench-databases.js';
import { evaluateChecks } from './lib/checks.js';
import { stopCurrentLoad } from './lib/load.js';
import { dummyPools, preLogin } from './lib/pre-login.js';
import { clockTicksPerSecond } from './lib/proc-stats.js';
import { describeCommit, describeMachine, formatChecksTable, formatSummaryTable, writeRecord } from './lib/report.js';
import { MAX_ERROR_RATE, runScenario } from './lib/rounds.js';
import { createCodeSource, loginRequest, meRequest, RefreshTokenPool, refreshRequest } from './lib/scenarios.js';
import { startSeeding } from './lib/seed-process.js';
import { summariseRun } from './lib/summary.js';
import { parseRunOptions, UsageError, usage } from './lib/run-options.js';
import { BASELINES, chooseTargets, SCENARIO_LABELS, startTarget, TARGET_SCENARIOS } from './lib/targets.js';
import { spawnWechatStub } from './lib/wechat-stub-process.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(BENCH_DIR, '..');
const SERVER_BIN = join(ROOT, 'packages/server/bin/wxlogin.js');
const BUILT_ENTRIES = [join(ROOT, 'packages/server/dist/cli/main.js'), join(ROOT, 'packages/core/dist/index.js')];
const SEED_ROWS = join(BENCH_DIR, 'lib/seed-rows.js');
const APP = { appid: 'wxbench000000001', secret: randomBytes(16).toString('hex') };

/** Users logged in before the rounds, per wxlogin target: ≥ 10,000 distinct access tokens and sessions. */
const PRE_LOGIN_USERS = 10_000;
/** A pre-login slower than this (under ~85 logins/s) is a broken target, not a slow one. */
const PRE_LOGIN_MAX_S = 120;
const STOP_GRACE_MS = 5_000;
/** Each clean-up step (stop a child, drop a database) gets this long before the next one runs anyway. */
const CLEANUP_STEP_MS = 10_000;

let options;
try {
  options = parseRunOptions(process.argv.slice(2), process.env);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`bench: ${error.message}\n\n${usage()}`);
  process.exit(2);
}
if (options.help) {
  console.log(usage());
  process.exit(0);
}
const baselinesDir = resolve(options.baselinesDir ?? join(BENCH_DIR, 'baselines'));

const missingBuild = BUILT_ENTRIES.filter((file) => !existsSync(file));
if (missingBuild.length > 0) {
  console.error(
    `bench: the service is not built (missing ${missingBuild.map((f) => f.slice(ROOT.length)).join(', ')}).\n` +
      'Run `npx tsc -b` (or `npm run build`) from the repository root first.',
  );
  process.exit(1);
}

/** Said once at the start and kept in the record: why a target or check is missing. */
const notices = [];
const notice = (line) => {
  notices.push(line);
  console.log(`bench: ${line}`);
};

const targetNames = chooseTargets({ options, baselinesDir, seedRowsPresent: existsSync(SEED_ROWS), notice });
const wxloginNames = targetNames.filter((name) => name.startsWith('wxlogin'));
const scenarioPlan = options.scenarios.map((scenario) => ({
  scenario,
  names: targetNames.filter((name) => TARGET_SCENARIOS[name].includes(scenario)),
}));
/** Seconds of load the plan holds, plus rough allowances for the setup and pre-logins (for the watchdog). */
const plannedS =
  scenarioPlan.reduce(
    (sum, { names }) => sum + names.length * (options.warmupSeconds + options.rounds * options.seconds),
    0,
  ) +
  wxloginNames.length * 20 +
  (targetNames.includes('wxlogin-grown') ? options.growthRows / 10_000 : 0) +
  // PostgreSQL's counters come late (bench-databases.js): short rounds then wait for them.
  (targetNames.includes('wxlogin-pg') ? options.scenarios.length * 20 : 0) +
  30;
const timeoutS = options.timeoutS ?? Math.max(600, Math.ceil(2 * plannedS));

// --- Clean-up: every child stopped, every database dropped, every temp dir removed, whatever ends the run. ---

/** Undo steps, run last-in first-out. */
const undo = [];
/** Children to SIGKILL from the synchronous `exit` handler if the clean-up could not run. */
const children = [];
/** Aborted when the clean-up begins: the main flow then stops at its next step instead of starting new work. */
const stopping = new AbortController();
let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    stopping.abort(new Error('stopped'));
    stopCurrentLoad();
    while (undo.length > 0) {
      const step = undo.pop();
      let timer;
      const bounded = new Promise((r) => {
        timer = setTimeout(r, CLEANUP_STEP_MS, 'timeout');
      });
      try {
        const outcome = await Promise.race([step.run(), bounded]);
        if (outcome === 'timeout') console.error(`bench: clean-up: ${step.what} took too long, going on`);
      } catch (error) {
        console.error(`bench: clean-up: ${step.what}: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        clearTimeout(timer);
      }
    }
  })();
  return cleaning;
}
process.on('exit', () => {
  for (const child of children) child.killNow();
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\nbench: ${signal}, cleaning up`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}
/** @type {import('./lib/targets.js').Target[]} */
const targets = [];
const watchdog = setTimeout(() => {
  console.error(`bench: not finished after ${timeoutS} s (--timeout), giving up`);
  for (const target of targets) console.error(`${target.name} log (tail):\n${target.process.logTail()}`);
  void cleanup().finally(() => process.exit(1));
}, timeoutS * 1000);
watchdog.unref();

const fmt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');

/**
 * The autocannon requests of one scenario for one target. Each call makes fresh ones, so the FIFO refresh pool of
 * a target lives across the warm-up and every round of the scenario.
 * @param {string} scenario
 * @param {import('./lib/targets.js').Target & { pools: import('./lib/pre-login.js').TokenPools, refreshPool?: RefreshTokenPool }} target
 * @param {() => string} nextCode
 */
function requestsFor(scenario, target, nextCode) {
  if (scenario === 'login') return [loginRequest({ appid: APP.appid, nextCode })];
  if (scenario === 'refresh') {
    target.refreshPool = new RefreshTokenPool(target.pools.refreshTokens);
    return [refreshRequest(target.refreshPool)];
  }
  return [meRequest(target.pools.accessTokens)];
}

async function main() {
  const machine = { ...describeMachine(), loadAverageBefore: loadavg(), clockTicksPerSecond: clockTicksPerSecond() };
  const commit = describeCommit(ROOT);
  console.log(
    `bench: ${options.rounds} rounds × ${options.seconds} s, warm-up ${options.warmupSeconds} s, ` +
      `${options.connections} connections; targets ${targetNames.join(', ')}; about ${Math.round(plannedS)} s ` +
      `(watchdog ${timeoutS} s); load average ${machine.loadAverageBefore.map((l) => l.toFixed(2)).join(' ')}`,
  );
  if (targetNames.length === 0) throw new Error('no target left to measure');

  if (targetNames.some((name) => BASELINES.includes(name))) {
    const installer = join(baselinesDir, 'install.js');
    if (existsSync(installer)) {
      const { ensureBaselinesInstalled } = await import(pathToFileURL(installer).href);
      await ensureBaselinesInstalled({ log: (line) => console.log(line) });
    } else {
      notice(`no ${installer}: the baselines' dependencies are taken as installed`);
    }
  }

  const tempDir = mkdtempSync(join(tmpdir(), 'wxlogin-bench-'));
  undo.push({ what: `remove ${tempDir}`, run: async () => rmSync(tempDir, { recursive: true, force: true }) });

  const stub = await spawnWechatStub(APP);
  children.push(stub);
  undo.push({ what: 'stop the stub WeChat', run: () => stub.stop() });
  // Also the bench process's first fetch, which loads undici: that must not land in the first target's ready time.
  await stub.calls();
  console.log(`bench: stub WeChat at ${stub.url} (pid ${stub.pid})`);

  /** @type {Record<string, import('./lib/bench-databases.js').BenchDatabase>} */
  const databases = {};
  for (const [name, create, url] of /** @type {const} */ ([
    ['wxlogin-pg', createPostgresDatabase, options.pgUrl],
    ['wxlogin-mariadb', createMariaDatabase, options.mysqlUrl],
  ])) {
    if (!targetNames.includes(name) || url === undefined) continue;
    const database = await create(url);
    undo.push({ what: `drop database ${database.name}`, run: () => database.drop() });
    databases[name] = database;
    console.log(`bench: ${name}: database ${database.name} on ${database.version}`);
  }

  const masterKey = randomBytes(32).toString('base64');
  const grownPath = join(tempDir, 'grown.db');
  /** @type {import('./lib/targets.js').StartContext} */
  const context = {
    bin: SERVER_BIN,
    app: APP,
    masterKey,
    wechatUrl: stub.url,
    tempDir,
    grownPath,
    growthRows: options.growthRows,
    databases,
    baselinesDir,
  };
  /** @param {string} name */
  const start = async (name) => {
    stopping.signal.throwIfAborted();
    const target = await startTarget(name, context);
    children.push(target.process);
    // Before the databases' drop (undo runs last-in first-out): a target holds connections to its database.
    undo.push({ what: `stop ${name}`, run: () => target.process.stop(STOP_GRACE_MS) });
    targets.push(target);
    console.log(
      `bench: ${name} ready in ${Math.round(target.readyMs)} ms (spawn → first 200 of /healthz), pid ${target.pid}`,
    );
    return target;
  };

  const nextCode = createCodeSource();
  const preLogins = {};
  /** @param {any} target */
  const fillPools = async (target) => {
    stopping.signal.throwIfAborted();
    if (target.kind !== 'wxlogin') {
      target.pools = dummyPools(PRE_LOGIN_USERS);
      return;
    }
    const pools = await preLogin({
      url: target.url,
      appid: APP.appid,
      nextCode,
      users: PRE_LOGIN_USERS,
      connections: options.connections,
      maxSeconds: PRE_LOGIN_MAX_S,
    });
    target.pools = pools;
    preLogins[target.name] = { users: pools.refreshTokens.length, seconds: pools.seconds };
    console.log(`bench: ${target.name}: ${fmt(PRE_LOGIN_USERS)} pre-logins in ${pools.seconds.toFixed(1)} s (untimed)`);
  };

  // Every target but the grown one starts on a quiet machine (the ready time is a figure); the grown database is
  // seeded on the other core while the others' untimed pre-logins run, then its target starts.
  for (const name of targetNames.filter((n) => n !== 'wxlogin-grown')) await start(name);
  let seeding;
  if (targetNames.includes('wxlogin-grown')) {
    const rows = options.growthRows;
    console.log(`bench: seeding ${rows.toLocaleString('en-US')} users and sessions for wxlogin-grown (untimed)`);
    seeding = startSeeding(
      {
        databaseUrl: `sqlite:${grownPath}`,
        appid: APP.appid,
        users: rows,
        sessions: rows,
        masterKey,
        timeoutMs: timeoutS * 1000,
      },
      (line) => console.log(`bench: ${line}`),
    );
    children.push(seeding);
    undo.push({ what: 'stop the seeding', run: () => seeding.stop() });
  }
  for (const target of [...targets]) await fillPools(target);
  let growth;
  if (seeding !== undefined) {
    const seeded = await seeding.done;
    growth = { rows: options.growthRows, ...seeded };
    console.log(`bench: seeded in ${(seeded.timingsMs.total / 1000).toFixed(1)} s`);
    await fillPools(await start('wxlogin-grown'));
  }
  // Round order is the plan's, whatever order they started in.
  targets.sort((a, b) => targetNames.indexOf(a.name) - targetNames.indexOf(b.name));

  const runs = [];
  for (const { scenario, names } of scenarioPlan) {
    if (names.length === 0) continue;
    const entries = names.map((name) => {
      const target = /** @type {any} */ (targets.find((t) => t.name === name));
      return { target, requests: requestsFor(scenario, target, nextCode) };
    });
    console.log(`bench: ${SCENARIO_LABELS[scenario]} on ${names.join(', ')}`);
    const run = await runScenario({
      scenario,
      entries,
      rounds: options.rounds,
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      connections: options.connections,
      stub,
      signal: stopping.signal,
      onRound: (round, records) => {
        const label = round === 0 ? 'warm-up' : `round ${round}/${options.rounds}`;
        const figures = records.map(
          (r) =>
            `${r.target} ${fmt(r.reqPerSec)}/s ${fmt(r.cpuUsPerReq)} µs${r.invalid ? ` INVALID (${(r.errorRate * 100).toFixed(1)}% failed)` : ''}`,
        );
        console.log(`  ${label}: ${figures.join(' · ')}`);
      },
    });
    if (scenario === 'refresh') {
      // A dry pool sends empty tokens (400s, so already counted as failures); the record says why.
      run.refreshPoolExhausted = Object.fromEntries(
        entries.map(({ target }) => [target.name, target.refreshPool?.exhausted ?? 0]),
      );
    }
    runs.push(run);
  }

  const wechatStubCalls = await stub.calls();
  const summaries = summariseRun(runs);
  const checks = evaluateChecks({ summaries, targets, labels: SCENARIO_LABELS });
  const invalid = summaries.filter((s) => s.invalid);
  const failedChecks = checks.filter((c) => c.pass === false);

  const record = {
    date: new Date().toISOString(),
    tool: 'bench/run.js',
    commit,
    machine,
    options: {
      ...options,
      pgUrl: options.pgUrl !== undefined,
      mysqlUrl: options.mysqlUrl !== undefined,
      baselinesDir,
      targets: targetNames,
      timeoutS,
      preLoginUsers: PRE_LOGIN_USERS,
      maxErrorRate: MAX_ERROR_RATE,
    },
    service: { jwtAlg: 'ES256 (default)', logLevel: 'warn', rateLimits: 'off' },
    targets: targets.map((t) => ({
      name: t.name,
      kind: t.kind,
      database: t.databaseLabel,
      readyMs: t.readyMs,
      preLogin: preLogins[t.name],
    })),
    growth: growth ?? { skipped: true },
    wechatStubCalls,
    note: 'autocannon, the stub WeChat and every target share this machine; compare runs on one machine only',
    notices,
    scenarios: runs,
    summary: summaries,
    checks,
    invalid: invalid.length > 0,
    pass: invalid.length === 0 && failedChecks.length === 0,
  };
  const file = writeRecord(BENCH_DIR, record, 'bench');

  console.log('');
  console.log(formatSummaryTable(summaries, SCENARIO_LABELS));
  console.log('');
  console.log(formatChecksTable(checks));
  console.log('');
  console.log(
    `machine: node ${machine.node}, ${machine.cpus} cpus (${machine.cpuModel}), ${machine.platform}; commit ${commit}; ` +
      `stub WeChat calls ${fmt(wechatStubCalls)}`,
  );
  console.log('note: autocannon, the stub WeChat and the targets share these cpus; compare runs on one machine only.');
  console.log(`results: ${file.slice(ROOT.length + 1)}`);

  let exitCode = 0;
  if (invalid.length > 0) {
    console.error('');
    console.error(`!!! BENCH INVALID: a round had more than ${MAX_ERROR_RATE * 100}% failed requests !!!`);
    for (const s of invalid) {
      const rounds = runs.find((r) => r.scenario === s.scenario)?.rounds[s.target] ?? [];
      const codes = rounds.map((r) => JSON.stringify(r.statusCodes)).join(' ');
      console.error(
        `!!! ${SCENARIO_LABELS[s.scenario]} on ${s.target}: ${s.failed} failed; status codes by round ${codes}`,
      );
      const target = targets.find((t) => t.name === s.target);
      if (target !== undefined) console.error(`${s.target} log (tail):\n${target.process.logTail()}`);
    }
    exitCode = 1;
  }
  if (failedChecks.length > 0) {
    console.error(`bench: ${failedChecks.length} check(s) missed${options.check ? '' : ' (--no-check: not failing)'}`);
    if (options.check) exitCode = 1;
  }
  return exitCode;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  // After a signal or the watchdog, whatever broke in the main flow is a consequence; they said why already.
  if (!stopping.signal.aborted) console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
process.exitCode = exitCode;
