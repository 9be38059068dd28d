import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEV_APPID, createSimulator, type Simulator } from '@wxlogin/simulator';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { allMigrations } from '../src/store/migrations/index.js';
import { TOKEN_CACHE_PREFIX } from '../src/redis/redis-token-cache.js';
import { REVOCATION_CHANNEL } from '../src/redis/revocation-bus.js';
import { databaseUrlOf } from './helpers/cluster.js';
import { snapshotDatabase } from './helpers/database-snapshot.js';
import { createTestStore, databaseAvailable, testDatabase, type TestStore } from './helpers/databases.js';
import { refreshTokenParts } from './helpers/device-client.js';
import { freePort } from './helpers/free-port.js';
import { LoadDevice, startLoad } from './helpers/load-device.js';
import {
  closeLoopbackConnections,
  envelopeCode,
  outcomeOf,
  sendFrom,
  type LoopbackAnswer,
  type LoopbackRequest,
} from './helpers/loopback-client.js';
import {
  nginxAvailable,
  nginxTarget,
  SHIPPED_NGINX_CONF,
  startNginx,
  type AccessLogLine,
  type RunningNginx,
} from './helpers/nginx.js';
import { eventually, REDIS_TAG, redisAvailable, testRedisTarget } from './helpers/redis.js';
import { startServe, type ServeProcess } from './helpers/serve-process.js';
import { repoRoot } from './helpers/spawn-process.js';
import { startTcpRelay, type TcpRelay } from './helpers/tcp-relay.js';

// Three real `wxlogin serve` processes behind the shipped deploy/nginx.conf (rendered for loopback), on one database,
// one Redis (through a relay the test can cut) and one simulator: the cluster guarantees of cluster.test.ts, held
// across processes and through the proxy production runs. Each client has its own loopback source address
// (127.0.x.y), so nginx sees distinct clients and passes each one's address on in X-Forwarded-For.

const JSCODE2SESSION = '/sns/jscode2session';
const STABLE_TOKEN = '/cgi-bin/stable_token';
const PHONE_NUMBER = '/wxa/business/getuserphonenumber';
const WECHAT_COLUMNS = [JSCODE2SESSION, STABLE_TOKEN, '/cgi-bin/token', PHONE_NUMBER, '/wxa/checksession'];

/** The refresh grace window (s): short, so the replay after grace costs the suite seconds, not ten. */
const GRACE_S = 3;
/** The per-IP limit: low, so the limit scenario reaches it in a burst; every other client stays far below it. */
const RATE_LIMIT_PER_MIN = 100;
/** A short WeChat budget: a request killed with its claim pending leaves a claim that turns stale 5 s later. */
const WECHAT_TIMEOUT_MS = 1000;
/** How long a device retries a login answered 503 + Retry-After: the stale-claim takeover, plus room for a slow box. */
const LOGIN_RECOVERY_MS = WECHAT_TIMEOUT_MS + 5000 + 4000;
/** "Within 1 s", the bound the issue sets on a logout reaching the other instances. */
const FAN_OUT_BUDGET_MS = 1000;
const NAMES = ['A', 'B', 'C'] as const;
/** Set WXLOGIN_TEST_MP_SEED to replay another run's request mix and kill moment. */
const SEED = Number(process.env['WXLOGIN_TEST_MP_SEED'] ?? 20250612);

/** A client address of its own per scenario and device: `127.0.<block>.<n + 1>`. */
const clientAddress = (block: number, n = 0): string => `127.0.${block}.${n + 1}`;

/** Seeded draws in [0, 1). */
function seededDraws(seed: number): () => number {
  const values = fc.sample(fc.noBias(fc.integer({ min: 0, max: 999 })), { seed, numRuns: 256 });
  let next = 0;
  return () => values[next++ % values.length]! / 1000;
}

/** One `wxlogin serve` of the cluster, on a port of its own that it keeps across a restart. */
interface Instance {
  name: (typeof NAMES)[number];
  port: number;
  url: string;
  proc: ServeProcess | undefined;
}

/** The WeChat calls one scenario made, as the simulator counted them. */
interface WeChatCallsRow {
  scenario: string;
  calls: Record<string, number>;
  note?: string;
}

/** The table the lead copies into the closing note: one row per scenario, one column per WeChat route. */
function formatWeChatCalls(title: string, rows: readonly WeChatCallsRow[]): string {
  const header = ['scenario', ...WECHAT_COLUMNS.map((route) => route.split('/').pop()!)];
  const body = rows.map((row) => [row.scenario, ...WECHAT_COLUMNS.map((route) => String(row.calls[route] ?? 0))]);
  const widths = header.map((cell, i) => Math.max(cell.length, ...body.map((line) => line[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  const notes = rows.filter((row) => row.note !== undefined).map((row) => `  ${row.scenario}: ${row.note}`);
  return [
    `WeChat calls per scenario (${title}):`,
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...body.map(line),
    ...notes,
  ].join('\n');
}

/** Sums the samples of a Prometheus counter whose labels contain every one of `labels` (`forced="true"`). */
function metricSum(text: string, metric: string, labels: readonly string[] = []): number {
  let sum = 0;
  for (const sample of text.split('\n')) {
    if (!sample.startsWith(`${metric}{`) && !sample.startsWith(`${metric} `)) continue;
    if (!labels.every((label) => sample.includes(label))) continue;
    sum += Number(sample.slice(sample.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** The first Redis database of 1–15 that holds no key at all: the processes' keys (`wxlogin:*`) are then this file's. */
async function pickEmptyRedisDatabase(url: string): Promise<{ url: string; admin: Redis }> {
  for (let i = 0; i < 15; i += 1) {
    const db = 1 + ((process.pid + i) % 15);
    const admin = new Redis(url, {
      db,
      lazyConnect: true,
      connectTimeout: 2000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    admin.on('error', () => undefined);
    try {
      await admin.connect();
    } catch (error) {
      admin.disconnect();
      throw new Error(`${REDIS_TAG} Redis (WXLOGIN_TEST_REDIS_URL) is unreachable: ${String(error)}`);
    }
    if ((await admin.dbsize()) === 0) {
      const chosen = new URL(url);
      chosen.pathname = `/${db}`;
      return { url: chosen.toString(), admin };
    }
    admin.disconnect();
  }
  throw new Error(`${REDIS_TAG} no empty Redis database among 1–15 for the multi-process suite`);
}

/** Deletes the service's keys in the suite's own database (SCAN + DEL; never FLUSHDB). */
async function deleteServiceKeys(admin: Redis): Promise<void> {
  let cursor = '0';
  for (let round = 0; round < 10_000; round += 1) {
    const [next, keys] = await admin.scan(cursor, 'MATCH', 'wxlogin:*', 'COUNT', 500);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
}

/** The access-log lines written since `from` lines, for requests to `path` (any method when not given). */
function linesSince(log: readonly AccessLogLine[], from: number, path?: string): AccessLogLine[] {
  return log.slice(from).filter((line) => path === undefined || line.path === path);
}

/** The shared parts of a cluster behind nginx: what both describes start and check. */
interface Harness {
  simulator: Simulator;
  appSecret: string;
  nginx: RunningNginx;
  instances: Instance[];
  env(port: number): Record<string, string>;
  /** `POST`/`GET` through nginx from a client address. */
  viaNginx(path: string, request?: LoopbackRequest): Promise<LoopbackAnswer>;
  /** The same, straight to one instance (still from a client address, so the per-IP counts stay per client). */
  direct(instance: Instance, path: string, request?: LoopbackRequest): Promise<LoopbackAnswer>;
  /** A login of a new user (or of `openid`) through nginx. */
  login(from: string, openid?: string): Promise<LoginResult>;
  /** Starts every instance at once on the (empty) database and resolves when all listen. */
  startAll(): Promise<void>;
  stopAll(): Promise<void>;
}

interface LoginResult {
  accessToken: string;
  refreshToken: string;
  user: { id: string; openid: string };
  openid: string;
  isNew: boolean;
}

async function createHarness(nginxBin: string, extraEnv: (port: number) => Record<string, string>): Promise<Harness> {
  const appSecret = randomBytes(16).toString('hex');
  const masterKey = randomBytes(32).toString('base64');
  const simulator = createSimulator({ devSecret: appSecret });
  await simulator.listen({ port: 0 });
  const ports = [await freePort(), await freePort(), await freePort()];
  const instances: Instance[] = ports.map((port, i) => ({
    name: NAMES[i]!,
    port,
    url: `http://127.0.0.1:${port}`,
    proc: undefined,
  }));
  let nginx: RunningNginx;
  try {
    nginx = await startNginx(nginxBin, ports);
  } catch (error) {
    await simulator.close();
    throw error;
  }
  const env = (port: number): Record<string, string> => ({
    WXLOGIN_PORT: String(port),
    WXLOGIN_APPS: `${DEV_APPID}:${appSecret}`,
    WXLOGIN_MASTER_KEY: masterKey,
    WXLOGIN_WECHAT_BASE_URL: simulator.url,
    WXLOGIN_WECHAT_TIMEOUT_MS: String(WECHAT_TIMEOUT_MS),
    WXLOGIN_REFRESH_GRACE_S: String(GRACE_S),
    WXLOGIN_RATE_LIMIT_PER_MIN: String(RATE_LIMIT_PER_MIN),
    // One proxy in front: the client is the address nginx saw, the last one in X-Forwarded-For (deploy/nginx.conf).
    WXLOGIN_TRUST_PROXY: '1',
    // `info`: the "listening at" line startServe waits for.
    WXLOGIN_LOG_LEVEL: 'info',
    ...extraEnv(port),
  });
  const viaNginx = (path: string, request: LoopbackRequest = {}): Promise<LoopbackAnswer> =>
    sendFrom(`${nginx.url}${path}`, request);
  const harness: Harness = {
    simulator,
    appSecret,
    nginx,
    instances,
    env,
    viaNginx,
    direct: (instance, path, request = {}) => sendFrom(`${instance.url}${path}`, request),
    async login(from, openid) {
      const minted = simulator.login({ appid: DEV_APPID, ...(openid === undefined ? {} : { openid }) });
      const answer = await viaNginx('/v1/auth/login', { body: { code: minted.code, loginNonce: randomUUID() }, from });
      expect(outcomeOf(answer)).toBe('200');
      return { ...(answer.body as Omit<LoginResult, 'openid'>), openid: minted.openid };
    },
    async startAll() {
      // All three in the same turn of the event loop: they race for the migration lock and the first signing key.
      const started = await Promise.allSettled(instances.map((instance) => startServe(env(instance.port), 40_000)));
      started.forEach((result, i) => {
        if (result.status === 'fulfilled') instances[i]!.proc = result.value;
      });
      const failed = started.flatMap((result, i) =>
        result.status === 'rejected' ? [`${instances[i]!.name}: ${String(result.reason)}`] : [],
      );
      if (failed.length > 0) throw new Error(`instances failed to start:\n${failed.join('\n')}`);
    },
    async stopAll() {
      await Promise.allSettled(instances.map((instance) => instance.proc?.stop()));
    },
  };
  return harness;
}

/**
 * `count` SDK-like devices logging in through nginx, each from its own address `127.<subnet>.x.y` and with two phone
 * numbers of its own (the subnet keeps them apart between tests).
 */
function loadDevices(h: Harness, count: number, subnet: number): LoadDevice[] {
  return Array.from(
    { length: count },
    (_, i) =>
      new LoadDevice({
        name: `device ${i}`,
        appid: DEV_APPID,
        appSecret: h.appSecret,
        simulator: h.simulator,
        baseUrl: h.nginx.url,
        from: clientAddress(subnet, i),
        phoneNumbers: [`139${subnet}00${String(i).padStart(4, '0')}`, `138${subnet}00${String(i).padStart(4, '0')}`],
        loginRecoveryMs: LOGIN_RECOVERY_MS,
      }),
  );
}

/** Every instance answers `/readyz` 200 on its own port; answers their bodies. */
async function expectAllReady(h: Harness): Promise<{ database: string; redis: string }[]> {
  const answers = await Promise.all(h.instances.map((instance) => h.direct(instance, '/readyz')));
  expect(answers.map(outcomeOf)).toEqual(['200', '200', '200']);
  return answers.map((answer) => answer.body as { database: string; redis: string });
}

/** One schema: every shipped migration recorded once, and one signing key, however many instances raced. */
async function expectOneSchema(testStore: TestStore, dialect: 'postgres' | 'mysql'): Promise<void> {
  const recorded = (await testStore.exec('select name from kysely_migration')) as { name: string }[];
  const shipped = allMigrations(dialect).map(([name]) => name);
  expect(recorded.map((row) => row.name).sort()).toEqual([...shipped].sort());
  const keys = (await testStore.exec('select kid from signing_keys')) as { kid: string }[];
  expect(keys).toHaveLength(1);
}

const pg = testDatabase('pg');
const mariadb = testDatabase('mariadb');
const redisTarget = testRedisTarget();
const nginx = nginxTarget();

describe(`[pg] ${REDIS_TAG} three wxlogin serve processes behind the shipped nginx.conf, one simulator`, () => {
  if (!nginxAvailable(nginx, '[pg]')) return;
  if (!databaseAvailable(pg)) return;
  if (!redisAvailable(redisTarget)) return;

  let h: Harness;
  let testStore: TestStore;
  let redisAdmin: Redis;
  let relay: TcpRelay;
  const wechatCalls: WeChatCallsRow[] = [];
  const started = performance.now();

  /** Counts the WeChat calls of the running test under `name`, from now to its end. */
  const scenario = (name: string, note?: () => string | undefined): void => {
    h.simulator.resetStats();
    onTestFinished(() => {
      const text = note?.();
      wechatCalls.push({ scenario: name, calls: h.simulator.stats(), ...(text === undefined ? {} : { note: text }) });
    });
  };
  /** The sum of a counter over every instance's own `/metrics`. */
  const clusterMetric = async (metric: string, labels: readonly string[] = []): Promise<number> => {
    const answers = await Promise.all(h.instances.map((instance) => h.direct(instance, '/metrics')));
    return answers.reduce((sum, answer) => sum + metricSum(String(answer.body), metric, labels), 0);
  };
  const ports = (): string[] => h.instances.map((instance) => `127.0.0.1:${instance.port}`);

  beforeAll(async () => {
    testStore = await createTestStore(pg, { migrate: false });
    const redis = await pickEmptyRedisDatabase(redisTarget.url);
    redisAdmin = redis.admin;
    relay = await startTcpRelay(redis.url, 6379);
    h = await createHarness(nginx.bin, () => ({
      WXLOGIN_DATABASE_URL: databaseUrlOf(testStore),
      WXLOGIN_REDIS_URL: relay.url,
    }));
  });
  afterAll(async () => {
    await h?.stopAll();
    await h?.nginx.stop();
    await h?.simulator.close();
    closeLoopbackConnections();
    await relay?.close();
    if (redisAdmin !== undefined) {
      await deleteServiceKeys(redisAdmin).catch(() => undefined);
      redisAdmin.disconnect();
    }
    await testStore?.drop();
    console.log(formatWeChatCalls(`[pg] [redis], suite ${Math.round(performance.now() - started)} ms`, wechatCalls));
  });

  it('the shipped nginx.conf, rendered for loopback, passes nginx -t; with no instance up nginx answers in the envelope', async () => {
    expect(h.nginx.configTestOutput).toMatch(/syntax is ok/);
    expect(h.nginx.configTestOutput).toMatch(/test is successful/);
    // deploy/compose.yaml reaches the instances by these names and nginx on this port: the shipped file keeps them.
    const shipped = await readFile(join(repoRoot, SHIPPED_NGINX_CONF), 'utf8');
    expect([...shipped.matchAll(/^\s*server (wxlogin-\d+:\d+)/gm)].map((m) => m[1])).toEqual([
      'wxlogin-1:3000',
      'wxlogin-2:3000',
    ]);
    expect(shipped).toMatch(/^\s*listen 8080;$/m);
    // No instance listens yet: connection refused on every upstream → 503 DEPENDENCY_UNAVAILABLE + Retry-After.
    const down = await h.viaNginx('/v1/me', { from: clientAddress(9) });
    expect(outcomeOf(down)).toBe('503 DEPENDENCY_UNAVAILABLE');
    expect(down.retryAfterSeconds).toBe(1);
    // A body over the limit is refused by nginx, before any instance; /metrics is not served through the balancer.
    const large = await h.viaNginx('/v1/auth/login', { body: { code: 'x'.repeat(70_000) }, from: clientAddress(9) });
    expect(outcomeOf(large)).toBe('413 PAYLOAD_TOO_LARGE');
    expect(outcomeOf(await h.viaNginx('/metrics', { from: clientAddress(9) }))).toBe('404 NOT_FOUND');
    expect(down.headers['server']).toBe('nginx');
  });

  it('three instances started at once on an empty database all become ready with one schema', async () => {
    scenario('start-up: 3 instances at once on an empty PostgreSQL schema');
    expect(await testStore.exec('select name from kysely_migration').catch(() => 'absent')).toBe('absent');
    await h.startAll();
    for (const ready of await expectAllReady(h)) expect(ready).toMatchObject({ database: 'ok' });
    await expectOneSchema(testStore, 'postgres');
    // Every instance subscribed to the revocation channel (pub/sub is server-wide, so count at least ours).
    const subscribed = await eventually(async () => {
      const reply = (await redisAdmin.call('PUBSUB', 'NUMSUB', REVOCATION_CHANNEL)) as (string | number)[];
      return Number(reply[1]) >= 3;
    }, 5000);
    expect(subscribed).toBe(true);
    // nginx took every instance for down while none listened (the first test): it tries them again within its
    // fail_timeout (5 s), with no reload.
    const routed = await eventually(
      async () => (await h.viaNginx('/readyz', { from: clientAddress(9) })).status === 200,
      7000,
    );
    expect(routed, 'nginx routes to the instances').toBe(true);
    // The one key verifies everywhere: the JWKS through nginx has it alone.
    const jwks = await h.viaNginx('/.well-known/jwks.json', { from: clientAddress(9) });
    expect((jwks.body as { keys: unknown[] }).keys).toHaveLength(1);
    console.log(`[pg] start-up ms: ${h.instances.map((i) => `${i.name} ${i.proc!.startMs}`).join(', ')}`);
  });

  it('30 concurrent logins with one code, spread by nginx over the three → one WeChat call, one user, one session', async () => {
    scenario('30 concurrent logins, one code');
    const from = clientAddress(10);
    const logFrom = (await h.nginx.accessLog()).length;
    // WeChat answers slowly, so the other 29 arrive while the first holds the code.
    h.simulator.setFaults({ latencyMs: 300, routes: [JSCODE2SESSION] });
    onTestFinished(() => h.simulator.clearFaults());
    const { code, openid } = h.simulator.login({ appid: DEV_APPID });
    const answers = await Promise.all(
      Array.from({ length: 30 }, () =>
        h.viaNginx('/v1/auth/login', { body: { code, loginNonce: 'one-device-nonce' }, from }),
      ),
    );
    expect(answers.map(outcomeOf)).toEqual(Array<string>(30).fill('200'));
    expect(h.simulator.stats()[JSCODE2SESSION]).toBe(1);
    const bodies = answers.map((answer) => answer.body as LoginResult);
    for (const body of bodies) {
      expect(body.user).toEqual(bodies[0]!.user);
      expect(body.refreshToken).toBe(bodies[0]!.refreshToken);
    }
    expect(bodies[0]!.user.openid).toBe(openid);
    expect(await testStore.exec(`select id from users where openid = '${openid}'`)).toHaveLength(1);
    expect(
      await testStore.exec(`select id from refresh_families where user_id = '${bodies[0]!.user.id}'`),
    ).toHaveLength(1);
    // nginx really spread them: every instance answered some of the 30.
    const served = new Set(
      linesSince(await h.nginx.accessLog(), logFrom, '/v1/auth/login').flatMap((l) => l.upstreams),
    );
    expect([...served].sort()).toEqual(ports().sort());
  });

  it('cold start: 60 phone binds at once across the three → one stable_token call for the cluster', async () => {
    scenario('cold start, 60 phone binds (after 60 logins)');
    const tokenKey = `${TOKEN_CACHE_PREFIX}token:${DEV_APPID}`;
    expect(await redisAdmin.exists(tokenKey)).toBe(0);
    const users = await Promise.all(Array.from({ length: 60 }, (_, i) => h.login(clientAddress(11, i))));
    // The token fetch is slow, so the binds on the other instances ask while the first holds the cluster's lock.
    h.simulator.setFaults({ latencyMs: 200, routes: [STABLE_TOKEN] });
    onTestFinished(() => h.simulator.clearFaults());
    const binds = await Promise.all(
      users.map((user, i) => {
        const phoneNumber = `1381100${String(i).padStart(4, '0')}`;
        const { code } = h.simulator.phoneCode({ appid: DEV_APPID, openid: user.openid, phoneNumber });
        return h.viaNginx('/v1/me/phone', { body: { code }, bearer: user.accessToken, from: clientAddress(11, i) });
      }),
    );
    expect(binds.map(outcomeOf)).toEqual(Array<string>(60).fill('200'));
    expect(binds.map((bind) => (bind.body as { phone: string }).phone)).toEqual(
      users.map((_, i) => `+861381100${String(i).padStart(4, '0')}`),
    );
    expect(h.simulator.stats()).toMatchObject({ [STABLE_TOKEN]: 1, '/cgi-bin/token': 0, [PHONE_NUMBER]: 60 });
    expect(await redisAdmin.exists(tokenKey)).toBe(1);
    expect(await clusterMetric('wxlogin_wechat_token_fetches_total', ['forced="true"'])).toBe(0);
  });

  it('an access_token WeChat rejects (killed behind the cluster’s back) → one normal-mode refetch for the three, no forced refresh', async () => {
    scenario(
      'rejected access_token, 3 binds at once',
      () => 'the test’s own force_refresh that killed the token is not counted',
    );
    const tokenKey = `${TOKEN_CACHE_PREFIX}token:${DEV_APPID}`;
    const cached = await redisAdmin.get(tokenKey);
    expect(cached).not.toBeNull();
    const users = await Promise.all([0, 1, 2].map((i) => h.login(clientAddress(12, i))));
    // Someone else holding the AppSecret forces a refresh: every token the cluster holds dies (40001).
    const forced = await fetch(`${h.simulator.url}${STABLE_TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credential',
        appid: DEV_APPID,
        secret: h.appSecret,
        force_refresh: true,
      }),
    });
    const killer = (await forced.json()) as { access_token: string };
    expect(killer.access_token).not.toBe(cached);
    h.simulator.resetStats();
    const forcedBefore = await clusterMetric('wxlogin_wechat_token_fetches_total', ['forced="true"']);
    h.simulator.setFaults({ latencyMs: 150, routes: [STABLE_TOKEN] });
    onTestFinished(() => h.simulator.clearFaults());
    const logFrom = (await h.nginx.accessLog()).length;
    const binds = await Promise.all(
      users.map((user, i) => {
        const { code } = h.simulator.phoneCode({
          appid: DEV_APPID,
          openid: user.openid,
          phoneNumber: `1381200000${i}`,
        });
        return h.viaNginx('/v1/me/phone', { body: { code }, bearer: user.accessToken, from: clientAddress(12, i) });
      }),
    );
    expect(binds.map(outcomeOf)).toEqual(['200', '200', '200']);
    const stats = h.simulator.stats();
    expect(stats[STABLE_TOKEN]).toBe(1);
    // Each bind that met the dead token was retried once with the new one: between 1 and 3 rejected calls.
    expect(stats[PHONE_NUMBER]).toBeGreaterThanOrEqual(4);
    expect(stats[PHONE_NUMBER]).toBeLessThanOrEqual(6);
    // Normal mode handed back the token the outsider's refresh minted: the cluster forced nothing.
    expect(await redisAdmin.get(tokenKey)).toBe(killer.access_token);
    expect(await clusterMetric('wxlogin_wechat_token_fetches_total', ['forced="true"'])).toBe(forcedBefore);
    expect(forcedBefore).toBe(0);
    const served = new Set(linesSince(await h.nginx.accessLog(), logFrom, '/v1/me/phone').flatMap((l) => l.upstreams));
    expect(served.size).toBe(3);
  });

  it('refresh rotated on A and replayed on B after grace → REFRESH_TOKEN_REUSED, and the family is revoked on every instance', async () => {
    scenario('refresh reuse after grace');
    const [a, b, c] = h.instances as [Instance, Instance, Instance];
    const from = clientAddress(13);
    const first = await h.login(from);
    const rotated = await h.direct(a, '/v1/auth/refresh', { body: { refreshToken: first.refreshToken }, from });
    expect(outcomeOf(rotated)).toBe('200');
    const current = rotated.body as { accessToken: string; refreshToken: string };
    // Every instance has judged the current access token alive (and cached that for up to 5 s).
    for (const instance of h.instances) {
      expect(outcomeOf(await h.direct(instance, '/v1/me', { bearer: current.accessToken, from }))).toBe('200');
    }
    await sleep(GRACE_S * 1000 + 300);
    const replay = await h.direct(b, '/v1/auth/refresh', { body: { refreshToken: first.refreshToken }, from });
    expect(outcomeOf(replay)).toBe('401 REFRESH_TOKEN_REUSED');
    const startedAt = performance.now();
    const refusedEverywhere = await eventually(async () => {
      const answers = await Promise.all(
        h.instances.map((instance) => h.direct(instance, '/v1/me', { bearer: current.accessToken, from })),
      );
      return answers.every((answer) => outcomeOf(answer) === '401 UNAUTHORIZED');
    }, 3 * FAN_OUT_BUDGET_MS);
    const tookMs = performance.now() - startedAt;
    expect(refusedEverywhere, 'the current access token refused on A, B and C').toBe(true);
    expect(tookMs).toBeLessThan(FAN_OUT_BUDGET_MS);
    // The family's newest refresh token is dead too, anywhere.
    const newest = await h.direct(c, '/v1/auth/refresh', { body: { refreshToken: current.refreshToken }, from });
    expect(outcomeOf(newest)).toBe('401 SESSION_EXPIRED');
    const sessionId = refreshTokenParts(current.refreshToken)!.sessionId;
    expect(await testStore.exec(`select revoked_reason from refresh_families where id = '${sessionId}'`)).toEqual([
      { revoked_reason: 'reuse' },
    ]);
  });

  it('logout on A → the access token refused on B (and C) within 1 s', async () => {
    scenario('logout fan-out');
    const [a, b, c] = h.instances as [Instance, Instance, Instance];
    const from = clientAddress(14);
    const session = await h.login(from);
    for (const instance of [b, c]) {
      expect(outcomeOf(await h.direct(instance, '/v1/me', { bearer: session.accessToken, from }))).toBe('200');
    }
    const logout = await h.direct(a, '/v1/auth/logout', { body: { refreshToken: session.refreshToken }, from });
    expect(outcomeOf(logout)).toBe('204');
    const startedAt = performance.now();
    const refused = await eventually(async () => {
      const answers = await Promise.all(
        [b, c].map((instance) => h.direct(instance, '/v1/me', { bearer: session.accessToken, from })),
      );
      return answers.every((answer) => outcomeOf(answer) === '401 UNAUTHORIZED');
    }, 3 * FAN_OUT_BUDGET_MS);
    const tookMs = performance.now() - startedAt;
    expect(refused, 'refused on B and C').toBe(true);
    expect(tookMs).toBeLessThan(FAN_OUT_BUDGET_MS);
    expect(outcomeOf(await h.viaNginx('/v1/me', { bearer: session.accessToken, from }))).toBe('401 UNAUTHORIZED');
  });

  it('the per-IP limit counts one client across the three instances, by the address nginx puts in X-Forwarded-For', async () => {
    scenario('per-IP limit across instances');
    const limited = clientAddress(15, 0);
    const logFrom = (await h.nginx.accessLog()).length;
    // A well-formed refresh token of no session: answered 401 without WeChat, and counted like any refresh.
    const bogus = `wxr1.${randomUUID()}.0.${'A'.repeat(43)}`;
    const answers: LoopbackAnswer[] = [];
    for (let wave = 0; wave < 13; wave += 1) {
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            h.viaNginx('/v1/auth/refresh', {
              body: { refreshToken: bogus },
              from: limited,
              // What the client claims is kept in front of nginx's own entry, and ignored: one proxy is trusted.
              headers: { 'x-forwarded-for': `203.0.113.${wave * 10 + i}` },
            }),
          ),
        )),
      );
    }
    const tally: Record<string, number> = {};
    for (const answer of answers) tally[outcomeOf(answer)] = (tally[outcomeOf(answer)] ?? 0) + 1;
    expect(tally).toEqual({ '401 UNAUTHORIZED': RATE_LIMIT_PER_MIN, '429 RATE_LIMITED': 130 - RATE_LIMIT_PER_MIN });
    expect(answers.filter((answer) => answer.status === 429).every((answer) => answer.retryAfterSeconds! >= 1)).toBe(
      true,
    );
    // Each instance alone would have let all of its share through: the count is the cluster's.
    const served = linesSince(await h.nginx.accessLog(), logFrom, '/v1/auth/refresh').flatMap((l) => l.upstreams);
    for (const port of ports()) expect(served.filter((u) => u === port).length).toBeGreaterThan(20);
    // Another client is not limited, and a session records the client's own address.
    const other = await h.viaNginx('/v1/auth/refresh', { body: { refreshToken: bogus }, from: clientAddress(15, 1) });
    expect(outcomeOf(other)).toBe('401 UNAUTHORIZED');
    const session = await h.login(clientAddress(15, 2));
    const sessionId = refreshTokenParts(session.refreshToken)!.sessionId;
    expect(await testStore.exec(`select created_ip from refresh_families where id = '${sessionId}'`)).toEqual([
      { created_ip: clientAddress(15, 2) },
    ]);
  });

  it('Redis cut mid-load (logins, refreshes, binds, reads through nginx) → no 5xx, and the instances reconnect', async () => {
    const devices: LoadDevice[] = [];
    scenario('Redis cut mid-load', () => {
      const checks = devices.reduce((sum, d) => sum + d.ownWeChatChecks, 0);
      return checks === 0 ? undefined : `includes ${checks} jscode2session calls of the test proving CODE_ALREADY_USED`;
    });
    devices.push(...loadDevices(h, 12, 16));
    const failOpenBefore = await clusterMetric('wxlogin_rate_limit_fail_open_total');
    const load = startLoad(devices, { maxSteps: 400, maxMs: 15_000, pauseMs: 100, draw: seededDraws(SEED) });
    try {
      await load.reached(60);
      await relay.cut();
      // While it is cut: every instance sees Redis unreachable, and the load goes on.
      const seenDown = await eventually(async () => {
        const ready = await Promise.all(h.instances.map((instance) => h.direct(instance, '/readyz')));
        return ready.every((answer) => answer.status === 200 && (answer.body as { redis: string }).redis !== 'ok');
      }, 3000);
      expect(seenDown, '/readyz of every instance shows Redis unreachable, and stays 200').toBe(true);
      await load.reached(load.steps + 120);
      await relay.pass();
      const back = await eventually(async () => {
        const ready = await Promise.all(h.instances.map((instance) => h.direct(instance, '/readyz')));
        return ready.every((answer) => (answer.body as { redis: string }).redis === 'ok');
      }, 6000);
      expect(back, 'every instance reconnected to Redis without a restart').toBe(true);
      await load.reached(load.steps + 40);
    } finally {
      await relay.pass();
      await load.stop();
    }
    const problems = devices.flatMap((device) => device.problems);
    expect(problems).toEqual([]);
    const tally: Record<string, number> = {};
    for (const device of devices) for (const [k, n] of Object.entries(device.tally)) tally[k] = (tally[k] ?? 0) + n;
    console.log(`Redis cut mid-load, ${load.steps} requests: ${JSON.stringify(tally)}`);
    expect(Object.keys(tally).filter((key) => / 5\d\d /.test(`${key} `))).toEqual([]);
    // The limits really were counted in-process while Redis was cut.
    expect(await clusterMetric('wxlogin_rate_limit_fail_open_total')).toBeGreaterThan(failOpenBefore);
  });

  it('one instance SIGKILLed mid-load → nginx retries idempotent requests elsewhere, no user duplicated, no family half-rotated, the instance rejoins', async () => {
    const devices: LoadDevice[] = [];
    scenario('SIGKILL of B mid-load, restart', () => {
      const checks = devices.reduce((sum, d) => sum + d.ownWeChatChecks, 0);
      return checks === 0 ? undefined : `includes ${checks} jscode2session calls of the test proving CODE_ALREADY_USED`;
    });
    const b = h.instances[1]!;
    const draws = seededDraws(SEED + 1);
    devices.push(...loadDevices(h, 24, 17));
    // Logins spend a moment at WeChat, so the kill often finds one mid-call with its claim pending.
    h.simulator.setFaults({ latencyMs: 60, routes: [JSCODE2SESSION, PHONE_NUMBER] });
    onTestFinished(() => h.simulator.clearFaults());
    await Promise.all(devices.map((device) => device.login()));
    const logFrom = (await h.nginx.accessLog()).length;
    const load = startLoad(devices, { maxSteps: 700, maxMs: 25_000, pauseMs: 40, draw: draws });
    let restartedAt = 0;
    let rejoined = false;
    let inFlightAtKill = 0;
    try {
      await load.reached(80);
      // B freezes first (SIGSTOP: its sockets stay open, the kernel still accepts connections for it), so the
      // requests nginx sends it in the next moments are surely in flight there when SIGKILL comes.
      process.kill(b.proc!.pid, 'SIGSTOP');
      await Promise.race([load.reached(load.steps + 40), sleep(400)]);
      inFlightAtKill = load.inFlight;
      await b.proc!.kill();
      await load.reached(load.steps + 60);
      b.proc = await startServe(h.env(b.port), 20_000);
      restartedAt = (await h.nginx.accessLog()).length;
      // nginx skips B for its fail_timeout (5 s), then tries it with live traffic: reads of one device, in case
      // the load has reached its bound by then.
      const probe = devices[0]!;
      rejoined = await eventually(async () => {
        await probe.readMe();
        await sleep(80);
        const after = linesSince(await h.nginx.accessLog(), restartedAt);
        return after.some((line) => line.status === 200 && line.upstreams.at(-1) === `127.0.0.1:${b.port}`);
      }, 9000);
    } finally {
      await load.stop();
    }
    expect(rejoined, 'nginx sends the restarted instance traffic again').toBe(true);
    expect(outcomeOf(await h.direct(b, '/readyz'))).toBe('200');

    const problems = devices.flatMap((device) => device.problems);
    expect(problems).toEqual([]);
    const log = linesSince(await h.nginx.accessLog(), logFrom);
    const triedOnB = log.filter((line) => line.upstreams.length > 1 && line.upstreams[0] === `127.0.0.1:${b.port}`);
    // The GETs B held when it died were passed on to another instance, and every GET was answered 200.
    expect(triedOnB.filter((line) => line.method === 'GET').length).toBeGreaterThan(0);
    expect(log.filter((line) => line.method === 'GET' && line.status !== 200)).toEqual([]);
    const cut = log.filter((line) => line.status === 503 && line.upstreams[0] === `127.0.0.1:${b.port}`);
    const tally: Record<string, number> = {};
    for (const device of devices) for (const [k, n] of Object.entries(device.tally)) tally[k] = (tally[k] ?? 0) + n;
    console.log(
      `SIGKILL mid-load, ${load.steps} requests, ${inFlightAtKill} in flight at the kill: passed on from B ${triedOnB.length} ` +
        `(${triedOnB.filter((l) => l.method === 'GET').length} GET), POSTs cut with B ${cut.length}, ` +
        `restart ${b.proc!.startMs} ms; answers ${JSON.stringify(tally)}`,
    );

    // The database holds exactly what the devices were answered.
    const after = await snapshotDatabase(testStore);
    expect(after.duplicateUsers).toEqual([]);
    const known = new Set<string>();
    for (const device of devices) {
      const rows = after.users.filter((user) => user.openid === device.openid);
      expect(
        rows.map((row) => row.id),
        device.name,
      ).toEqual([device.userId]);
      if (device.boundPhone !== undefined) expect(rows[0]!.phoneE164, device.name).toBe(device.boundPhone);
      for (const session of device.sessions.values()) {
        known.add(session.sessionId);
        const row = after.sessions.get(session.sessionId);
        expect(
          { generation: row?.generation, revokedAt: row?.revokedAt },
          `${device.name} ${session.sessionId}`,
        ).toEqual({ generation: session.generation, revokedAt: null });
      }
    }
    const userIds = new Set(devices.map((device) => device.userId));
    const orphans = [...after.sessions].filter(([id, row]) => userIds.has(row.userId) && !known.has(id));
    expect(orphans, 'sessions of these users that no device was answered').toEqual([]);
    const pending = [...after.loginCodes.values()].filter((memo) => memo.state === 'pending');
    expect(pending, 'login codes left pending').toEqual([]);
    expect(after.reuseAlarms, 'refresh.reuse_detected events: only the reuse scenario’s one').toBe(1);
  });
});

describe('[mariadb] three wxlogin serve processes started at once behind the shipped nginx.conf', () => {
  if (!nginxAvailable(nginx, '[mariadb]')) return;
  if (!databaseAvailable(mariadb)) return;

  let h: Harness;
  let testStore: TestStore;
  const wechatCalls: WeChatCallsRow[] = [];

  beforeAll(async () => {
    testStore = await createTestStore(mariadb, { migrate: false });
    h = await createHarness(nginx.bin, () => ({ WXLOGIN_DATABASE_URL: testStore.url }));
  });
  afterAll(async () => {
    await h?.stopAll();
    await h?.nginx.stop();
    await h?.simulator.close();
    closeLoopbackConnections();
    await testStore?.drop();
    console.log(formatWeChatCalls('[mariadb]', wechatCalls));
  });

  it('three instances started at once on an empty database all become ready with one schema', async () => {
    h.simulator.resetStats();
    onTestFinished(() => {
      wechatCalls.push({
        scenario: 'start-up: 3 instances at once on an empty MariaDB database',
        calls: h.simulator.stats(),
      });
    });
    expect(await testStore.exec('select name from kysely_migration').catch(() => 'absent')).toBe('absent');
    await h.startAll();
    for (const ready of await expectAllReady(h))
      expect(ready).toMatchObject({ database: 'ok', redis: 'not_configured' });
    await expectOneSchema(testStore, 'mysql');
    // A login through nginx: its token verifies on every instance (the one signing key).
    const session = await h.login(clientAddress(20));
    for (const instance of h.instances) {
      const me = await h.direct(instance, '/v1/me', { bearer: session.accessToken, from: clientAddress(20) });
      expect(outcomeOf(me)).toBe('200');
    }
    expect(h.simulator.stats()[JSCODE2SESSION]).toBe(1);
    expect(envelopeCode(await h.viaNginx('/v1/me', { from: clientAddress(20) }))).toBe('UNAUTHORIZED');
  });
});
