#!/usr/bin/env node
// The quick benchmark: login, refresh and token-verify throughput of the real `wxlogin serve` on SQLite, against a
// stub WeChat that answers at once, so the figures show wxlogin's own cost. `npm run bench -- --quick` (5 s per
// scenario) or `npm run bench` (15 s). See docs/benchmarks.md.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad, stopCurrentLoad, summarise } from './lib/load.js';
import { describeCommit, describeMachine, formatTable, writeRecord } from './lib/report.js';
import { createCodeSource, loginRequest, meRequest, RefreshTokenPool, refreshRequest } from './lib/scenarios.js';
import { freePort, spawnService } from './lib/service-process.js';
import { startWechatStub } from './lib/wechat-stub.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(BENCH_DIR, '..');
const SERVER_BIN = join(ROOT, 'packages/server/bin/wxlogin.js');
const BUILT_ENTRIES = [join(ROOT, 'packages/server/dist/cli/main.js'), join(ROOT, 'packages/core/dist/index.js')];

const CONNECTIONS = 10;
/** Users logged in before the measured runs: the refresh pool and the /v1/me tokens. Also warms the service up. */
const POOL_USERS = 1000;
const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const APP = { appid: 'wxbench000000001', secret: randomBytes(16).toString('hex') };

function usage() {
  return [
    'usage: node bench/quick.js [--quick]',
    '  --quick   5 s per scenario (default 15 s); 10 connections either way',
    'Build first: npx tsc -b',
  ].join('\n');
}

let args;
try {
  args = parseArgs({
    options: { quick: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  }).values;
} catch (error) {
  console.error(`bench: ${error.message}\n${usage()}`);
  process.exit(2);
}
if (args.help) {
  console.log(usage());
  process.exit(0);
}
const missing = BUILT_ENTRIES.filter((file) => !existsSync(file));
if (missing.length > 0) {
  console.error(
    `bench: the service is not built (missing ${missing.map((f) => f.slice(ROOT.length)).join(', ')}).\n` +
      'Run `npx tsc -b` (or `npm run build`) from the repository root first.',
  );
  process.exit(1);
}

const durationS = args.quick ? 5 : 15;
// Everything (start, pre-login, three scenarios, stop) must end within this, whatever the service does.
const WATCHDOG_S = 60 + 3 * (durationS + 10);

const tempDir = mkdtempSync(join(tmpdir(), 'wxlogin-bench-'));
/** @type {Awaited<ReturnType<typeof startWechatStub>> | undefined} */
let stub;
/** @type {ReturnType<typeof spawnService> | undefined} */
let service;

let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    stopCurrentLoad();
    await service?.stop(STOP_GRACE_MS);
    await stub?.close();
    rmSync(tempDir, { recursive: true, force: true });
  })();
  return cleaning;
}
process.on('exit', () => service?.killNow());
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\nbench: ${signal}, stopping the service`);
    void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}
const watchdog = setTimeout(() => {
  console.error(`bench: not finished after ${WATCHDOG_S} s, giving up`);
  if (service !== undefined) console.error(`service log (tail):\n${service.logTail()}`);
  void cleanup().finally(() => process.exit(1));
}, WATCHDOG_S * 1000);
watchdog.unref();

async function main() {
  stub = await startWechatStub(APP);
  const port = await freePort();
  service = spawnService({
    bin: SERVER_BIN,
    port,
    env: {
      WXLOGIN_APPS: `${APP.appid}:${APP.secret}`,
      WXLOGIN_MASTER_KEY: randomBytes(32).toString('base64'),
      WXLOGIN_DATABASE_URL: `sqlite:${join(tempDir, 'bench.db')}`,
      WXLOGIN_WECHAT_BASE_URL: stub.url,
      WXLOGIN_LOG_LEVEL: 'warn',
      // Every request comes from 127.0.0.1 and many logins are by design: the limits would answer 429.
      WXLOGIN_RATE_LIMIT_PER_MIN: '0',
      WXLOGIN_USER_RATE_LIMIT_PER_MIN: '0',
    },
  });
  await service.waitReady(READY_TIMEOUT_MS);
  console.log(`bench: wxlogin serve ready at ${service.url} (pid ${service.pid}), stub WeChat at ${stub.url}`);

  const nextCode = createCodeSource();
  const base = { url: service.url, connections: CONNECTIONS };

  console.log(`bench: pre-login of ${POOL_USERS} users (warm-up; refresh pool and /v1/me tokens)`);
  const refreshTokens = [];
  const accessTokens = [];
  const warm = await runLoad(
    {
      ...base,
      amount: POOL_USERS,
      requests: [
        loginRequest({
          appid: APP.appid,
          nextCode,
          onLogin: (answer) => {
            refreshTokens.push(answer.refreshToken);
            accessTokens.push(answer.accessToken);
          },
        }),
      ],
    },
    30,
  );
  if (refreshTokens.length < POOL_USERS * 0.9) {
    throw new Error(
      `pre-login got ${refreshTokens.length} of ${POOL_USERS} logins (status codes ${JSON.stringify(summarise('pre-login', warm).statusCodes)})`,
    );
  }

  const rows = [];
  const scenario = async (name, requests) => {
    console.log(`bench: ${name} for ${durationS} s, ${CONNECTIONS} connections`);
    rows.push(summarise(name, await runLoad({ ...base, duration: durationS, requests }, durationS + 10)));
  };
  await scenario('login', [loginRequest({ appid: APP.appid, nextCode })]);
  const pool = new RefreshTokenPool(refreshTokens);
  await scenario('refresh', [refreshRequest(pool)]);
  await scenario('GET /v1/me', [meRequest(accessTokens)]);

  const machine = describeMachine();
  const record = {
    date: new Date().toISOString(),
    mode: args.quick ? 'quick' : 'default',
    commit: describeCommit(ROOT),
    durationPerScenarioS: durationS,
    connections: CONNECTIONS,
    poolUsers: refreshTokens.length,
    refreshPoolExhausted: pool.exhausted,
    wechatStubCalls: stub.calls(),
    service: { database: 'sqlite (file, WAL)', jwtAlg: 'ES256 (default)', logLevel: 'warn' },
    machine,
    note: 'load generator (autocannon + WeChat stub) and service share the same machine',
    scenarios: rows,
  };
  const file = writeRecord(BENCH_DIR, record);

  console.log('');
  console.log(formatTable(rows));
  console.log('');
  console.log(
    `machine: node ${machine.node}, ${machine.cpus} cpus (${machine.cpuModel}), ${machine.platform}; commit ${record.commit}`,
  );
  console.log('note: autocannon, the WeChat stub and the service share these cpus; compare runs on one machine only.');
  console.log(`results: ${file.slice(ROOT.length + 1)}`);

  const failed = rows.filter((r) => r.non2xx > 0 || r.errors > 0 || r.timeouts > 0);
  if (failed.length > 0 || pool.exhausted > 0) {
    console.error('');
    console.error(
      '!!! BENCH INVALID: not every request succeeded; the figures above do not measure the happy path !!!',
    );
    for (const r of failed) {
      console.error(
        `!!! ${r.scenario}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts; status codes ${JSON.stringify(r.statusCodes)}`,
      );
    }
    if (pool.exhausted > 0) console.error(`!!! refresh pool ran dry ${pool.exhausted} times`);
    console.error(`service log (tail):\n${service.logTail()}`);
    return 1;
  }
  return 0;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  if (service !== undefined) console.error(`service log (tail):\n${service.logTail()}`);
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
process.exitCode = exitCode;
