import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator, DEFAULT_DEV_SECRET, DEV_APPID, type Simulator } from '@wxlogin/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth } from '../src/auth/create-auth.js';
import { loadConfig } from '../src/config/load-config.js';
import { openStore } from '../src/store/index.js';
import { freePort } from './helpers/free-port.js';
import { REDIS_TAG, redisAvailable, testRedisTarget } from './helpers/redis.js';
import { spawnNode, type SpawnedProcess } from './helpers/spawn-process.js';

const BIN = 'packages/server/bin/wxlogin.js';
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** A `wxlogin serve` environment on a free loopback port, with the simulator's demo app and a fresh master key. */
function serveEnv(extra: Record<string, string>): Record<string, string> {
  return {
    WXLOGIN_HOST: '127.0.0.1',
    WXLOGIN_PORT: '0',
    WXLOGIN_APPS: `${DEV_APPID}:${DEFAULT_DEV_SECRET}`,
    WXLOGIN_MASTER_KEY: randomBytes(32).toString('base64'),
    ...extra,
  };
}

/** Resolves with the exit code once the process exits by itself, or 'timeout'. */
function exitOf(proc: SpawnedProcess, timeoutMs: number): Promise<number | null | 'timeout'> {
  return new Promise((resolve) => {
    if (proc.child.exitCode !== null) return resolve(proc.child.exitCode);
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    proc.child.on('exit', (code) => (clearTimeout(timer), resolve(code)));
  });
}

/** Runs `wxlogin <args>` to completion; answers its exit code and output. */
async function wxlogin(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const proc = spawnNode([BIN, ...args], env);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => proc.child.on('exit', resolve));
  clearTimeout(timer);
  return { code, output: proc.output() };
}

describe('wxlogin keys rotate and wxlogin gc (real processes) [sqlite]', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wxlogin-ops-'));
    env = {
      WXLOGIN_APPS: `${DEV_APPID}:${DEFAULT_DEV_SECRET}`,
      WXLOGIN_MASTER_KEY: randomBytes(32).toString('base64'),
      WXLOGIN_DATABASE_URL: `sqlite:${join(dir, 'ops.db')}`,
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keys rotate: the new key signs, the retired ones stay in JWKS; --alg switches the algorithm', async () => {
    const first = await wxlogin(['keys', 'rotate'], env);
    expect(first.code).toBe(0);
    expect(first.output).toMatch(/wxlogin keys rotate: \S+ \(ES256\) signs from now on \(first key of this database\)/);

    const second = await wxlogin(['keys', 'rotate', '--alg', 'EdDSA'], env);
    expect(second.code).toBe(0);
    expect(second.output).toMatch(/\(EdDSA\) signs from now on; retired \S+/);
    expect(second.output).not.toContain(env.WXLOGIN_MASTER_KEY!);

    const store = await openStore(env.WXLOGIN_DATABASE_URL!);
    try {
      const keys = await store.listSigningKeys();
      expect(keys).toHaveLength(2);
      const active = keys.filter((k) => k.retiredAt === null);
      expect(active).toHaveLength(1);
      expect(active[0]!.alg).toBe('EdDSA');
      expect(second.output).toContain(active[0]!.kid);

      // A service on this database signs with the new key and still publishes the retired one.
      const auth = await createAuth(loadConfig({ env: { ...env, WXLOGIN_WECHAT_BASE_URL: 'http://127.0.0.1:9' } }), {
        store,
      });
      try {
        const jwks = await auth.jwks();
        expect(jwks.keys.map((k) => k.kid).sort()).toEqual(keys.map((k) => k.kid).sort());
      } finally {
        await auth.close();
      }
    } finally {
      await store.close();
    }
  });

  it('keys rotate refuses a bad --alg and a bad environment, without a stack or a secret', async () => {
    const badAlg = await wxlogin(['keys', 'rotate', '--alg', 'HS256'], env);
    expect(badAlg.code).toBe(1);
    expect(badAlg.output).toContain('ES256, EdDSA, RS256');

    const badEnv = await wxlogin(['keys', 'rotate'], { ...env, WXLOGIN_MASTER_KEY: 'c2hvcnQ=' });
    expect(badEnv.code).toBe(1);
    expect(badEnv.output).toContain('refusing to run');
    expect(badEnv.output).toContain('WXLOGIN_MASTER_KEY');
    expect(badEnv.output).not.toContain('c2hvcnQ=');
    expect(badEnv.output).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it('gc deletes expired login codes and old stats, keeps live ones, and prints the counts', async () => {
    const store = await openStore(env.WXLOGIN_DATABASE_URL!);
    const now = Date.now();
    try {
      for (const [codeHash, expiresAt] of [
        ['expired-1', now - 1000],
        ['expired-2', now - DAY_MS],
        ['live', now + DAY_MS],
      ] as const) {
        await store.claimLoginCode({
          codeHash,
          appid: DEV_APPID,
          nonceHash: null,
          createdAt: now - 2 * DAY_MS,
          expiresAt,
        });
      }
      const minute = (at: number) => at - (at % MINUTE_MS);
      await store.addLoginStats([
        { appid: DEV_APPID, minute: minute(now - 40 * DAY_MS), outcome: 'success', instance: 'gc-test', count: 3 },
        { appid: DEV_APPID, minute: minute(now), outcome: 'success', instance: 'gc-test', count: 1 },
      ]);
    } finally {
      await store.close();
    }

    const run = await wxlogin(['gc'], env);
    expect(run.code).toBe(0);
    expect(run.output).toContain('wxlogin gc: deleted 2 expired login codes, 0 ended sessions, 1 old login-stats rows');

    const after = await openStore(env.WXLOGIN_DATABASE_URL!);
    try {
      expect(await after.getLoginCode('expired-1')).toBeUndefined();
      expect(await after.getLoginCode('live')).toBeDefined();
      const stats = await after.loginStats({ since: 0 });
      expect(stats.reduce((sum, s) => sum + Number(s.count), 0)).toBe(1);
    } finally {
      await after.close();
    }
    // Nothing left to collect: a second run deletes nothing.
    expect((await wxlogin(['gc'], env)).output).toContain(
      'deleted 0 expired login codes, 0 ended sessions, 0 old login-stats rows',
    );
  });
});

describe('graceful shutdown of wxlogin serve (real process) [sqlite]', () => {
  let sim: Simulator;
  let dir: string;
  beforeAll(async () => {
    sim = createSimulator();
    await sim.listen({ port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'wxlogin-shutdown-'));
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a login in flight when SIGTERM arrives completes with 200; then the process exits 0 though the client keeps the connection alive', async () => {
    const proc = spawnNode(
      [BIN, 'serve'],
      serveEnv({
        WXLOGIN_DATABASE_URL: `sqlite:${join(dir, 'serve.db')}`,
        WXLOGIN_WECHAT_BASE_URL: sim.url,
        WXLOGIN_LOG_LEVEL: 'info',
      }),
    );
    try {
      const [, url] = await proc.waitFor(/listening at (http:\/\/127\.0\.0\.1:\d+)/);
      sim.setFaults({ latencyMs: 1500, routes: ['/sns/jscode2session'] });
      const { code } = sim.login({ appid: DEV_APPID });
      const before = sim.stats()['/sns/jscode2session'] ?? 0;
      const login = fetch(`${url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
      });
      // SIGTERM only once the login is inside its WeChat call.
      const deadline = Date.now() + 5000;
      while ((sim.stats()['/sns/jscode2session'] ?? 0) === before && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(sim.stats()['/sns/jscode2session']).toBe(before + 1);
      proc.child.kill('SIGTERM');
      await proc.waitFor(/"msg":"stopping"/, 2000);

      const response = await login;
      expect(response.status).toBe(200);
      expect(((await response.json()) as { isNew: boolean }).isNew).toBe(true);
      // It exits by itself once the drained request is answered (a second SIGTERM would kill it: no stop() here).
      expect(await exitOf(proc, 5000), proc.output()).toBe(0);
      // Once stopped, nothing listens any more.
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    } finally {
      sim.clearFaults();
      await proc.stop();
    }
  });

  /** Starts serve with `redisUrl`, logs in, checks /readyz shows `redis`, then SIGTERM: it must exit 0 promptly. */
  async function serveWithRedis(redisUrl: string, redis: 'ok' | 'unreachable'): Promise<void> {
    const proc = spawnNode(
      [BIN, 'serve'],
      serveEnv({
        WXLOGIN_DATABASE_URL: `sqlite:${join(dir, `serve-redis-${redis}.db`)}`,
        WXLOGIN_WECHAT_BASE_URL: sim.url,
        WXLOGIN_REDIS_URL: redisUrl,
        WXLOGIN_LOG_LEVEL: 'info',
      }),
    );
    try {
      const [, url] = await proc.waitFor(/listening at (http:\/\/127\.0\.0\.1:\d+)/);
      const { code } = sim.login({ appid: DEV_APPID });
      const res = await fetch(`${url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
      });
      expect(res.status).toBe(200);
      const deadline = Date.now() + 3000;
      let body = (await (await fetch(`${url}/readyz`)).json()) as { redis: string };
      while (body.redis !== redis && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        body = (await (await fetch(`${url}/readyz`)).json()) as { redis: string };
      }
      expect(body.redis).toBe(redis);
      proc.child.kill('SIGTERM');
      expect(await exitOf(proc, 5000), proc.output()).toBe(0);
    } finally {
      await proc.stop();
    }
  }

  it('with Redis unreachable, serve logs in, and exits 0 on SIGTERM (Redis reconnection does not keep it alive)', async () => {
    await serveWithRedis('redis://127.0.0.1:1', 'unreachable');
  });

  describe(`${REDIS_TAG} with Redis`, () => {
    const target = testRedisTarget();
    if (!redisAvailable(target)) return;
    it('serve uses it (readyz shows ok) and closes every Redis connection on SIGTERM', async () => {
      await serveWithRedis(target.url, 'ok');
    });
  });
});

describe('wxlogin migrate, gc and serve: what they need and what they say (real processes) [sqlite]', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wxlogin-cfg-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('migrate lists what it applied and says "up to date" only when nothing was pending (said it after applying all), without WXLOGIN_APPS', async () => {
    const env = { WXLOGIN_DATABASE_URL: `sqlite:${join(dir, 'migrate.db')}` };
    const first = await wxlogin(['migrate'], env);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toMatch(/wxlogin migrate: applied \d+ migrations to the sqlite database: 0001/);
    expect(first.output).not.toContain('up to date');
    const second = await wxlogin(['migrate'], env);
    expect(second.code).toBe(0);
    expect(second.output).toContain('wxlogin migrate: sqlite database is up to date (nothing to apply)');
  });

  it('gc runs with only the database URL (it needed WXLOGIN_APPS and the master key)', async () => {
    const run = await wxlogin(['gc'], { WXLOGIN_DATABASE_URL: `sqlite:${join(dir, 'gc.db')}` });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('wxlogin gc: deleted 0 expired login codes');
  });

  it('serve refuses WXLOGIN_DATABASE_URI with "did you mean WXLOGIN_DATABASE_URL" (it was ignored and SQLite used)', async () => {
    const run = await wxlogin(
      ['serve'],
      serveEnv({
        WXLOGIN_DATABASE_URI: 'postgres://u:pw-typo-secret@127.0.0.1:5499/db',
        WXLOGIN_WECHAT_BASE_URL: 'http://127.0.0.1:9',
      }),
    );
    expect(run.code).toBe(1);
    expect(run.output).toContain('WXLOGIN_DATABASE_URI: unknown variable; did you mean WXLOGIN_DATABASE_URL?');
    expect(run.output).not.toContain('pw-typo-secret');
    expect(run.output).not.toContain('listening');
  });

  it('serve names WXLOGIN_DATABASE_URL when the database refuses connections (was a bare ECONNREFUSED 127.0.0.1:5499)', async () => {
    const port = await freePort();
    const run = await wxlogin(
      ['serve'],
      serveEnv({
        WXLOGIN_DATABASE_URL: `postgres://app:pw-db-secret@127.0.0.1:${port}/wxlogin`,
        WXLOGIN_WECHAT_BASE_URL: 'http://127.0.0.1:9',
      }),
    );
    expect(run.code).toBe(1);
    expect(run.output).toContain(
      `wxlogin serve: cannot start: WXLOGIN_DATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:${port}/wxlogin (ECONNREFUSED)`,
    );
    expect(run.output).not.toContain('pw-db-secret');
    expect(run.output).not.toMatch(/\n\s+at /);
  });

  it('serve logs the database, Redis and WeChat host it uses, and names WXLOGIN_REDIS_URL when Redis is unreachable, without credentials', async () => {
    const sim = createSimulator();
    await sim.listen({ port: 0 });
    const redisPort = await freePort();
    const proc = spawnNode(
      [BIN, 'serve'],
      serveEnv({
        WXLOGIN_DATABASE_URL: `sqlite:${join(dir, 'serve.db')}`,
        WXLOGIN_REDIS_URL: `redis://:pw-redis-secret@127.0.0.1:${redisPort}/2`,
        WXLOGIN_WECHAT_BASE_URL: sim.url,
      }),
    );
    try {
      await proc.waitFor(/"msg":"using these services"/);
      const line =
        proc
          .output()
          .split('\n')
          .find((l) => l.includes('using these services')) ?? '';
      expect(JSON.parse(line)).toMatchObject({
        database: `SQLite file ${join(dir, 'serve.db')}`,
        redis: `127.0.0.1:${redisPort}/2`,
        wechat: new URL(sim.url).host,
      });
      // Redis is not awaited at start: its outage warning must say which setting points at it.
      await proc.waitFor(/Redis unreachable/);
      const warning =
        proc
          .output()
          .split('\n')
          .find((l) => l.includes('Redis unreachable')) ?? '';
      expect(JSON.parse(warning)).toMatchObject({ setting: 'WXLOGIN_REDIS_URL', redis: `127.0.0.1:${redisPort}/2` });
      expect(warning).toContain('(WXLOGIN_REDIS_URL)');
      expect(proc.output()).not.toContain('pw-redis-secret');
    } finally {
      await proc.stop();
      await sim.close();
    }
  });
});
