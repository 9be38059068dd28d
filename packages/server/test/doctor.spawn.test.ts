import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator, type Simulator } from '@wxlogin/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../src/store/index.js';
import { databaseAvailable, testDatabase } from './helpers/databases.js';
import { REDIS_TAG, redisAvailable, testRedisTarget } from './helpers/redis.js';
import { spawnNode } from './helpers/spawn-process.js';
import { WXLOGIN_BIN } from './helpers/serve-process.js';

const APP = 'wx0123456789abcdef';
const SECRET = `doctor-secret-${randomBytes(6).toString('hex')}`;
const OTHER_APP = 'wxfedcba9876543210';
const OTHER_SECRET = `other-secret-${randomBytes(6).toString('hex')}`;
const MASTER_KEY = randomBytes(32).toString('base64');

interface Run {
  code: number | null;
  output: string;
}

/** Runs the built `wxlogin doctor <args>` to completion (killed after 20 s: a doctor that hangs fails the test). */
async function doctor(env: Record<string, string>, args: string[] = []): Promise<Run> {
  const proc = spawnNode([WXLOGIN_BIN, 'doctor', ...args], env);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => proc.child.on('exit', resolve));
  clearTimeout(timer);
  return { code, output: proc.output() };
}

/** The line of one check: `✓ database: …`, `✗ app wx…: …`. */
function line(output: string, label: string): string {
  const found = output.split('\n').find((l) => /^[✓!✗] /.test(l) && l.slice(2).startsWith(`${label}: `));
  if (found === undefined) throw new Error(`no "${label}" line in:\n${output}`);
  return found;
}

/** A TCP port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const NO_STACK = /\n\s+at .+:\d+:\d+/;

describe('wxlogin doctor against the simulator [sqlite]', () => {
  let sim: Simulator;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    sim = createSimulator({
      apps: [
        { appid: APP, secret: SECRET },
        { appid: OTHER_APP, secret: OTHER_SECRET },
      ],
    });
    const simUrl = await sim.listen({ port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'wxlogin-doctor-'));
    const databaseUrl = `sqlite:${join(dir, 'doctor.db')}`;
    const store = await openStore(databaseUrl);
    try {
      await store.migrate();
    } finally {
      await store.close();
    }
    env = {
      WXLOGIN_APPS: `${APP}:${SECRET}`,
      WXLOGIN_MASTER_KEY: MASTER_KEY,
      WXLOGIN_DATABASE_URL: databaseUrl,
      WXLOGIN_WECHAT_BASE_URL: simUrl,
    };
  });
  afterAll(async () => {
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes a good configuration: no ✗, exit 0, one stable_token call, the token expires_in only', async () => {
    sim.resetStats();
    const run = await doctor(env);
    expect(run.code, run.output).toBe(0);
    expect(run.output).not.toMatch(/^✗/m);
    expect(line(run.output, 'configuration')).toMatch(/^✓ .*1 app \(wx0123456789abcdef\); database SQLite file /);
    expect(line(run.output, 'database')).toMatch(/^✓ .*reachable/);
    expect(line(run.output, 'migrations')).toMatch(/^✓ migrations: \d+ applied, none pending/);
    expect(line(run.output, 'redis')).toMatch(/^✓ redis: not configured/);
    // The simulator is not WeChat: a warning, as `serve` gives, which does not fail the run.
    expect(line(run.output, 'wechat')).toMatch(/^! wechat: .*not WeChat's API/);
    expect(line(run.output, `app ${APP}`)).toMatch(/^✓ .*access_token obtained \(expires_in 7[12]\d\d s\)/);
    expect(line(run.output, 'clock')).toMatch(/^✓ clock: .*WeChat [+-]?\d+\.\d s.*SQLite runs on this clock/);
    expect(run.output).toMatch(/wxlogin doctor: no check failed \(1 warning\); exit code 0/);
    expect(run.output).not.toContain(SECRET);
    expect(run.output).not.toContain(MASTER_KEY);
    // Normal mode only: `force_refresh` would kill the token every running instance holds.
    expect(sim.stats()).toMatchObject({ '/cgi-bin/stable_token': 1, '/cgi-bin/token': 0 });
  });

  it('a wrong AppSecret: ✗ naming the appid and 40125, exit 1, the other app still checked, no secret printed', async () => {
    const wrong = `wrong-secret-${randomBytes(6).toString('hex')}`;
    const run = await doctor({ ...env, WXLOGIN_APPS: `${APP}:${SECRET},${OTHER_APP}:${wrong}` });
    expect(run.code, run.output).toBe(1);
    expect(line(run.output, `app ${OTHER_APP}`)).toMatch(/^✗ .*AppSecret is wrong \(40125 invalid appsecret, rid: /);
    expect(run.output).toMatch(/next: .*reset it in .*WXLOGIN_APPS/);
    expect(line(run.output, `app ${APP}`)).toMatch(/^✓ /);
    expect(run.output).toMatch(/1 check failed/);
    for (const secret of [wrong, SECRET, OTHER_SECRET]) expect(run.output).not.toContain(secret);
    expect(run.output).not.toMatch(NO_STACK);
  });

  it('40164: ✗ with the IP WeChat saw and the IP-whitelist advice', async () => {
    sim.setFaults({ errcode: 40164, routes: ['/cgi-bin/stable_token'] });
    try {
      const run = await doctor(env);
      expect(run.code, run.output).toBe(1);
      expect(line(run.output, `app ${APP}`)).toMatch(/^✗ .*caller's IP 127\.0\.0\.1: not on the IP whitelist \(40164 /);
      expect(run.output).toMatch(
        /next: add 127\.0\.0\.1 to the IP whitelist \(IP白名单\).*every instance or NAT gateway/,
      );
      expect(run.output).not.toContain(SECRET);
    } finally {
      sim.clearFaults();
    }
  });

  it('an unreachable Redis (a closed port): ✗ redis, exit 1, without the password', async () => {
    const port = await closedPort();
    const password = `redis-pw-${randomBytes(4).toString('hex')}`;
    const run = await doctor({ ...env, WXLOGIN_REDIS_URL: `redis://:${password}@127.0.0.1:${port}` });
    expect(run.code, run.output).toBe(1);
    expect(line(run.output, 'redis')).toMatch(
      new RegExp(`^✗ redis: cannot reach Redis at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
    expect(run.output).toMatch(/next: check WXLOGIN_REDIS_URL/);
    // Every other check still ran.
    expect(line(run.output, `app ${APP}`)).toMatch(/^✓ /);
    expect(run.output).not.toContain(password);
  });

  it('an unreachable database (PostgreSQL on a closed port): ✗ naming WXLOGIN_DATABASE_URL, without the password', async () => {
    const port = await closedPort();
    const password = `db-pw-${randomBytes(4).toString('hex')}`;
    const run = await doctor({
      ...env,
      WXLOGIN_DATABASE_URL: `postgres://wxlogin:${password}@127.0.0.1:${port}/wxlogin`,
    });
    expect(run.code, run.output).toBe(1);
    expect(line(run.output, 'database')).toMatch(
      new RegExp(`^✗ database: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}/wxlogin: .*ECONNREFUSED`),
    );
    expect(run.output).toMatch(
      new RegExp(`next: check WXLOGIN_DATABASE_URL \\(PostgreSQL at 127\\.0\\.0\\.1:${port}/wxlogin\\)`),
    );
    expect(line(run.output, 'migrations')).toMatch(/^✗ migrations: not checked/);
    expect(line(run.output, `app ${APP}`)).toMatch(/^✓ /);
    expect(run.output).not.toContain(password);
    expect(run.output).not.toMatch(NO_STACK);
  });

  it('--json: one document that parses and lists every check in order', async () => {
    const run = await doctor({ ...env, WXLOGIN_APPS: `${APP}:${SECRET},${OTHER_APP}:${OTHER_SECRET}` }, ['--json']);
    expect(run.code, run.output).toBe(0);
    const report = JSON.parse(run.output) as {
      ok: boolean;
      exitCode: number;
      checks: { check: string; appid?: string; status: string; data?: Record<string, unknown> }[];
    };
    expect(report.ok).toBe(true);
    expect(report.exitCode).toBe(0);
    expect(report.checks.map((c) => (c.appid === undefined ? c.check : `${c.check} ${c.appid}`))).toEqual([
      'configuration',
      'database',
      'migrations',
      'redis',
      'wechat',
      `app ${APP}`,
      `app ${OTHER_APP}`,
      'clock',
    ]);
    expect(report.checks.find((c) => c.appid === APP)?.data?.expiresIn).toEqual(expect.any(Number));
    expect(run.output).not.toContain(SECRET);
    expect(run.output).not.toContain(OTHER_SECRET);
  });

  it('a bad configuration: every problem at once, exit 2, in text and in JSON', async () => {
    const bad = {
      WXLOGIN_DATABASE_URL: env.WXLOGIN_DATABASE_URL!,
      WXLOGIN_PORT: 'abc',
      WXLOGIN_MASTER_KEY: 'c2hvcnQ=',
    };
    const run = await doctor(bad);
    expect(run.code, run.output).toBe(2);
    expect(line(run.output, 'configuration')).toMatch(/^✗ configuration: invalid \(3 problems\)/);
    for (const name of ['WXLOGIN_APPS', 'WXLOGIN_PORT', 'WXLOGIN_MASTER_KEY']) expect(run.output).toContain(name);
    expect(run.output).not.toContain('c2hvcnQ=');
    expect(run.output).not.toMatch(NO_STACK);

    const json = await doctor(bad, ['--json']);
    expect(json.code).toBe(2);
    const report = JSON.parse(json.output) as { exitCode: number; checks: { details?: string[] }[] };
    expect(report.exitCode).toBe(2);
    expect(report.checks[0]?.details).toHaveLength(3);
  });

  it('reports a database that does not exist yet without creating it; pending migrations fail under WXLOGIN_MIGRATE=off', async () => {
    const file = join(dir, 'not-yet.db');
    const fresh = { ...env, WXLOGIN_DATABASE_URL: `sqlite:${file}` };
    const run = await doctor(fresh);
    expect(run.code, run.output).toBe(0);
    expect(line(run.output, 'database')).toMatch(/^! database: SQLite file .*not-yet\.db does not exist yet/);
    expect(line(run.output, 'migrations')).toMatch(/^! migrations: no database yet/);
    expect(existsSync(file)).toBe(false);

    const off = await doctor({ ...fresh, WXLOGIN_MIGRATE: 'off' });
    expect(off.code, off.output).toBe(1);
    expect(line(off.output, 'migrations')).toMatch(/^✗ migrations: .*WXLOGIN_MIGRATE=off/);
    expect(off.output).toMatch(/next: run `wxlogin migrate`/);
    expect(existsSync(file)).toBe(false);
  });
});

describe(`wxlogin doctor on a real PostgreSQL and Redis [pg] ${REDIS_TAG}`, () => {
  const pg = testDatabase('pg');
  const redis = testRedisTarget();
  if (!databaseAvailable(pg) || !redisAvailable(redis)) return;

  const name = `wxlogin_t_doctor_${process.pid}`;
  let sim: Simulator;
  let env: Record<string, string>;
  const admin = async (statement: string): Promise<void> => {
    const { default: pgModule } = await import('pg');
    const client = new pgModule.Client({ connectionString: pg.url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    await admin(`drop database if exists "${name}"`);
    await admin(`create database "${name}"`);
    sim = createSimulator({ apps: [{ appid: APP, secret: SECRET }] });
    const simUrl = await sim.listen({ port: 0 });
    const url = new URL(pg.url!);
    url.pathname = `/${name}`;
    env = {
      WXLOGIN_APPS: `${APP}:${SECRET}`,
      WXLOGIN_MASTER_KEY: MASTER_KEY,
      WXLOGIN_DATABASE_URL: url.toString(),
      WXLOGIN_REDIS_URL: redis.url,
      WXLOGIN_WECHAT_BASE_URL: simUrl,
    };
  });
  afterAll(async () => {
    await sim?.close();
    await admin(`drop database if exists "${name}"`);
  });

  it('reports pending migrations without applying them, then passes after `wxlogin migrate`', async () => {
    const before = await doctor(env);
    expect(before.code, before.output).toBe(0);
    expect(line(before.output, 'database')).toMatch(new RegExp(`^✓ database: PostgreSQL at .*/${name} reachable`));
    expect(line(before.output, 'migrations')).toMatch(/^! migrations: 0 applied, \d+ pending/);
    expect(line(before.output, 'redis')).toMatch(/^✓ redis: Redis at .* reachable \(PING \d+(\.\d+)? ms/);
    expect(line(before.output, 'clock')).toMatch(/^✓ clock: .*WeChat [+-]?\d+\.\d s .*the database [+-]?\d+\.\d s/);
    // Still nothing pending was applied: doctor never migrates.
    const again = await doctor(env);
    expect(line(again.output, 'migrations')).toMatch(/^! migrations: 0 applied/);

    const migrate = spawnNode([WXLOGIN_BIN, 'migrate'], env);
    const migrated = await new Promise<number | null>((resolve) => migrate.child.on('exit', resolve));
    expect(migrated, migrate.output()).toBe(0);

    const after = await doctor(env, ['--json']);
    expect(after.code, after.output).toBe(0);
    const report = JSON.parse(after.output) as {
      checks: { check: string; status: string; data?: Record<string, unknown> }[];
    };
    const byName = new Map(report.checks.map((c) => [c.check, c]));
    expect(byName.get('migrations')?.status).toBe('ok');
    expect(byName.get('migrations')?.data?.pending).toBe(0);
    expect(byName.get('redis')?.data?.roundTripMs).toEqual(expect.any(Number));
    expect(byName.get('clock')?.data?.databaseOffsetMs).toEqual(expect.any(Number));
    expect(report.checks.filter((c) => c.status === 'warn').map((c) => c.check)).toEqual(['wechat']);
  });
});
