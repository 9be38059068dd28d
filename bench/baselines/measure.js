#!/usr/bin/env node
// A rough throughput check of each baseline on its own (not the bench: no wxlogin, no report file), one run at a
// time: login for every baseline, refresh and /v1/me where the baseline has them. `node bench/baselines/measure.js
// [seconds] [name,...]` (default 5 s, at most 10 per run; default all baselines), 50 connections. Prints req/s per
// run.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWechatStub } from '../lib/wechat-stub.js';
import { ensureBaselinesInstalled } from './install.js';
import { BASELINE_NAMES, spawnBaseline } from './spawn-baseline.js';

// autocannon is the repository's devDependency, not a baseline's: load it from the root, never from the baselines.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const autocannon = createRequire(join(ROOT, 'package.json'))('autocannon');

const CONNECTIONS = 50;
const MAX_RUN_S = 10;
/** Logins before peer's refresh and /v1/me runs (their token pools); bounded by count and by MAX_RUN_S. */
const POOL_USERS = 2000;
const READY_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 3_000;
const JSON_HEADERS = { 'content-type': 'application/json' };

/** @type {{ stop: () => void } | undefined} */
let currentLoad;
/** Set on SIGINT/SIGTERM: the run in progress is stopped and no further run starts. */
let interrupted = false;

/**
 * One autocannon run, stopped after MAX_RUN_S whatever happens.
 * @param {Record<string, unknown>} options
 * @returns {Promise<any>}
 */
async function load(options) {
  const instance = autocannon({
    connections: CONNECTIONS,
    renderProgressBar: false,
    renderResultsTable: false,
    renderLatencyTable: false,
    ...options,
  });
  currentLoad = instance;
  const cap = setTimeout(() => instance.stop(), MAX_RUN_S * 1000);
  try {
    return await instance;
  } finally {
    clearTimeout(cap);
    currentLoad = undefined;
  }
}

/**
 * @param {string} appid
 * @param {(answer: any) => void} [onLogin]
 */
function loginRequest(appid, onLogin) {
  const tag = randomBytes(4).toString('hex');
  let n = 0;
  return {
    method: 'POST',
    path: '/v1/auth/login',
    headers: JSON_HEADERS,
    setupRequest: (request) => ({
      ...request,
      body: JSON.stringify({ code: `m-${tag}-${(n++).toString(36)}`, appid }),
    }),
    ...(onLogin === undefined ? {} : { onResponse: (status, body) => status === 200 && onLogin(JSON.parse(body)) }),
  };
}

/**
 * Refresh with a token not yet used; its successor goes to the back of the queue. An empty queue sends an empty
 * token, which shows as non-2xx rather than as a silent success.
 * @param {string[]} tokens
 */
function refreshRequest(tokens) {
  const queue = tokens.slice();
  return {
    method: 'POST',
    path: '/v1/auth/refresh',
    headers: JSON_HEADERS,
    setupRequest: (request) => ({ ...request, body: JSON.stringify({ refreshToken: queue.shift() ?? '' }) }),
    onResponse: (status, body) => status === 200 && queue.push(JSON.parse(body).refreshToken),
  };
}

/** @param {string[]} accessTokens */
function meRequest(accessTokens) {
  let i = 0;
  return {
    method: 'GET',
    path: '/v1/me',
    setupRequest: (request) => ({
      ...request,
      headers: { ...request.headers, authorization: `Bearer ${accessTokens[i++ % accessTokens.length]}` },
    }),
  };
}

/**
 * Measures every baseline, one run at a time, and resolves with one row per run.
 * @param {{ durationS?: number, names?: readonly string[], log?: (line: string) => void }} [options]
 * @returns {Promise<{ baseline: string, route: string, reqPerSec: number, requests: number, non2xx: number, errors: number, p99Ms: number }[]>}
 */
export async function measureBaselines({
  durationS = 5,
  names = BASELINE_NAMES,
  log = (line) => console.log(line),
} = {}) {
  const seconds = Math.min(Math.max(1, durationS), MAX_RUN_S);
  await ensureBaselinesInstalled({ log });
  const app = { appid: 'wxmeasure0000001', secret: randomBytes(16).toString('hex') };
  const stub = await startWechatStub(app);
  const rows = [];
  /** @type {Awaited<ReturnType<typeof spawnBaseline>> | undefined} */
  let baseline;
  const killNow = () => baseline?.killNow();
  process.once('exit', killNow);
  const run = async (route, requests) => {
    const result = await load({ url: baseline.url, duration: seconds, requests });
    const row = {
      baseline: baseline.name,
      route,
      reqPerSec: Math.round(result.requests.average),
      requests: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      p99Ms: result.latency.p99,
    };
    rows.push(row);
    log(
      `measure: ${row.baseline} ${route}: ${row.reqPerSec} req/s (p99 ${row.p99Ms} ms, non-2xx ${row.non2xx}, errors ${row.errors})`,
    );
  };
  try {
    for (const name of names) {
      if (interrupted) break;
      baseline = await spawnBaseline({ name, wechatBaseUrl: stub.url, appid: app.appid, secret: app.secret });
      try {
        await baseline.waitReady(READY_TIMEOUT_MS);
        await run('login', [loginRequest(app.appid)]);
        if (name === 'floor') {
          await run('refresh', [refreshRequest(Array.from({ length: 1000 }, (_, i) => `rt-${i}`))]);
          await run('GET /v1/me', [meRequest(['t0', 't1', 't2'])]);
        }
        if (name === 'peer') {
          const refreshTokens = [];
          const accessTokens = [];
          await load({
            url: baseline.url,
            amount: POOL_USERS,
            requests: [
              loginRequest(app.appid, (answer) => {
                refreshTokens.push(answer.refreshToken);
                accessTokens.push(answer.accessToken);
              }),
            ],
          });
          if (refreshTokens.length < POOL_USERS * 0.9) {
            throw new Error(`peer pre-login got only ${refreshTokens.length} of ${POOL_USERS} logins`);
          }
          await run('refresh', [refreshRequest(refreshTokens)]);
          await run('GET /v1/me', [meRequest(accessTokens)]);
        }
      } finally {
        await baseline.stop(STOP_GRACE_MS);
      }
    }
  } finally {
    currentLoad?.stop();
    killNow();
    process.removeListener('exit', killNow);
    await stub.close();
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.once(signal, () => {
      interrupted = true;
      currentLoad?.stop();
    });
  try {
    const names = process.argv[3]?.split(',') ?? BASELINE_NAMES;
    const unknown = names.filter((name) => !BASELINE_NAMES.includes(name));
    if (unknown.length > 0) throw new Error(`unknown baseline(s) ${unknown.join(', ')}; known: ${BASELINE_NAMES}`);
    await measureBaselines({ durationS: Number(process.argv[2] ?? 5) || 5, names });
  } catch (error) {
    console.error(`measure: FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
