#!/usr/bin/env node
// Smoke test of the baselines: each one starts, answers /healthz, and serves 20 logins (plus 20 refreshes and 20
// /v1/me where it has them) with the expected status and answer shape, and a login costs exactly one stub call (the
// check that node-easywechat fetches no access_token on the way). `node bench/baselines/smoke.js`; exits non-zero on
// the first failure. Bounded to 60 s after the install step.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startWechatStub } from '../lib/wechat-stub.js';
import { ensureBaselinesInstalled } from './install.js';
import { BASELINE_NAMES, spawnBaseline } from './spawn-baseline.js';

const ROUNDS = 20;
const READY_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 5_000;
const STOP_GRACE_MS = 3_000;
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * @param {string} url
 * @param {{ method?: string, body?: unknown, headers?: Record<string, string> }} [init]
 * @returns {Promise<{ status: number, json: any }>}
 */
async function call(url, { method = 'GET', body, headers = {} } = {}) {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json };
}

/**
 * @param {boolean} ok
 * @param {string} what
 * @param {unknown} [got]
 */
function check(ok, what, got) {
  if (!ok) throw new Error(`${what}${got === undefined ? '' : `; got ${JSON.stringify(got)}`}`);
}

const isJwt = (value) => typeof value === 'string' && value.split('.').length === 3;

/** Per baseline: what a successful login answer must look like, given the code sent. */
const LOGIN_SHAPES = {
  // The tutorial forwards WeChat's answer whole: session_key reaching the client is the flaw it is there to show.
  'seed-style': (json, code) => json.openid === `obench_${code}` && typeof json.session_key === 'string',
  floor: (json, code) => json.openid === `obench_${code}` && Object.keys(json).length === 1,
  peer: (json) =>
    isJwt(json.accessToken) &&
    typeof json.refreshToken === 'string' &&
    json.refreshToken.length >= 43 &&
    json.expiresIn === 7200 &&
    json.session_key === undefined,
};

/**
 * Logs in ROUNDS times and checks each answer and the stub's call count.
 * @param {{ name: string, url: string }} baseline
 * @param {{ appid: string }} app
 * @param {{ calls: () => number }} stub
 */
async function checkLogins(baseline, app, stub) {
  const answers = [];
  const before = stub.calls();
  const tag = randomBytes(3).toString('hex');
  for (let i = 0; i < ROUNDS; i++) {
    const code = `smoke-${tag}-${i}`;
    const { status, json } = await call(`${baseline.url}/v1/auth/login`, {
      method: 'POST',
      body: { code, appid: app.appid },
    });
    check(status === 200, `${baseline.name}: login ${i} answered ${status}`, json);
    check(LOGIN_SHAPES[baseline.name](json, code), `${baseline.name}: login ${i} has the wrong shape`, json);
    answers.push(json);
  }
  const upstream = stub.calls() - before;
  check(upstream === ROUNDS, `${baseline.name}: ${ROUNDS} logins made ${upstream} stub calls (want exactly one each)`);
  return answers;
}

/** @param {{ name: string, url: string }} baseline */
async function checkFloorRoutes(baseline) {
  for (let i = 0; i < ROUNDS; i++) {
    const refreshToken = `rt-${i}-${randomBytes(8).toString('hex')}`;
    const r = await call(`${baseline.url}/v1/auth/refresh`, { method: 'POST', body: { refreshToken } });
    check(
      r.status === 200 &&
        r.json.refreshToken === refreshToken &&
        r.json.accessToken === 'x' &&
        r.json.expiresIn === 7200,
      `floor: refresh ${i}`,
      r,
    );
    const me = await call(`${baseline.url}/v1/me`, { headers: { authorization: `Bearer t${i}` } });
    check(
      me.status === 200 && typeof me.json.user?.id === 'string' && typeof me.json.user?.appid === 'string',
      'floor: /v1/me',
      me,
    );
  }
  const anonymous = await call(`${baseline.url}/v1/me`);
  check(anonymous.status === 401, 'floor: /v1/me without authorization must be 401', anonymous);
}

/**
 * Rotates each login's refresh token once, checks the old one is then refused, and reads /v1/me with each token.
 * @param {{ name: string, url: string }} baseline
 * @param {any[]} logins
 */
async function checkPeerRoutes(baseline, logins) {
  for (const [i, login] of logins.entries()) {
    const r = await call(`${baseline.url}/v1/auth/refresh`, {
      method: 'POST',
      body: { refreshToken: login.refreshToken },
    });
    check(
      r.status === 200 && isJwt(r.json.accessToken) && r.json.refreshToken !== login.refreshToken,
      `peer: refresh ${i}`,
      r,
    );
    const me = await call(`${baseline.url}/v1/me`, { headers: { authorization: `Bearer ${r.json.accessToken}` } });
    check(me.status === 200 && typeof me.json.user?.openid === 'string', `peer: /v1/me ${i}`, me);
  }
  const reused = await call(`${baseline.url}/v1/auth/refresh`, {
    method: 'POST',
    body: { refreshToken: logins[0].refreshToken },
  });
  check(reused.status === 401, 'peer: a used refresh token must be refused', reused);
  const anonymous = await call(`${baseline.url}/v1/me`);
  check(anonymous.status === 401, 'peer: /v1/me without authorization must be 401', anonymous);
}

/**
 * Installs the baselines if needed, then checks each one against a fresh stub WeChat. Rejects on the first failure
 * or after `timeoutMs` (install time not counted); never leaves a server running.
 * @param {{ log?: (line: string) => void, timeoutMs?: number }} [options]
 * @returns {Promise<{ name: string, logins: number, stubCalls: number, ms: number }[]>}
 */
export async function runSmoke({ log = (line) => console.log(line), timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  await ensureBaselinesInstalled({ log });
  const app = { appid: 'wxsmoke000000001', secret: randomBytes(16).toString('hex') };
  const stub = await startWechatStub(app);
  /** @type {Set<Awaited<ReturnType<typeof spawnBaseline>>>} */
  const live = new Set();
  const killAll = () => {
    for (const baseline of live) baseline.killNow();
  };
  process.once('exit', killAll);
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`smoke: not finished within ${timeoutMs} ms`)), timeoutMs);
  });
  const work = (async () => {
    const results = [];
    for (const name of BASELINE_NAMES) {
      const started = Date.now();
      const baseline = await spawnBaseline({ name, wechatBaseUrl: stub.url, appid: app.appid, secret: app.secret });
      live.add(baseline);
      try {
        await baseline.waitReady(READY_TIMEOUT_MS);
        const before = stub.calls();
        const logins = await checkLogins(baseline, app, stub);
        if (name === 'floor') await checkFloorRoutes(baseline);
        if (name === 'peer') await checkPeerRoutes(baseline, logins);
        // Peer's refresh and /v1/me never reach WeChat; the floor's make one upstream call each, by design.
        const stubCalls = stub.calls() - before;
        const want = name === 'floor' ? 3 * ROUNDS : ROUNDS;
        check(stubCalls === want, `${name}: ${stubCalls} stub calls in all (want ${want})`);
        results.push({ name, logins: logins.length, stubCalls, ms: Date.now() - started });
        log(`smoke: ${name} ok (${ROUNDS} logins, ${stubCalls} stub calls, ${Date.now() - started} ms)`);
      } catch (error) {
        throw new Error(
          `${error instanceof Error ? error.message : String(error)}\n${name} log tail:\n${baseline.logTail()}`,
        );
      } finally {
        await baseline.stop(STOP_GRACE_MS);
        live.delete(baseline);
      }
    }
    return results;
  })();
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    killAll();
    process.removeListener('exit', killAll);
    await stub.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    await runSmoke();
    console.log('smoke: all baselines ok');
  } catch (error) {
    console.error(`smoke: FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
