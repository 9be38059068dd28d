import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createSimulator, type Simulator } from '@wxlogin/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, spawnNode } from './helpers/spawn-process.js';
import { devArgs, WXLOGIN_BIN } from './helpers/dev-process.js';

const run = promisify(execFile);
const BIN = WXLOGIN_BIN;
const DEV_APPID = 'wxdevapp00000001';

describe('wxlogin serve (real process) [sqlite]', () => {
  let sim: Simulator;
  let dir: string;
  beforeAll(async () => {
    sim = createSimulator();
    await sim.listen({ port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'wxlogin-serve-'));
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts from the environment, logs a user in over HTTP, and stops on SIGTERM', async () => {
    const masterKey = randomBytes(32).toString('base64');
    const proc = spawnNode([BIN, 'serve'], {
      WXLOGIN_HOST: '127.0.0.1',
      WXLOGIN_PORT: '0',
      WXLOGIN_APPS: `${DEV_APPID}:wxlogin-dev-secret`,
      WXLOGIN_MASTER_KEY: masterKey,
      WXLOGIN_DATABASE_URL: `sqlite:${join(dir, 'serve.db')}`,
      WXLOGIN_WECHAT_BASE_URL: sim.url,
      WXLOGIN_LOG_LEVEL: 'info',
    });
    try {
      const [, url] = await proc.waitFor(/listening at (http:\/\/127\.0\.0\.1:\d+)/);
      const { code } = await sim.login({ appid: DEV_APPID });
      const res = await fetch(`${url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { accessToken: string; isNew: boolean; user: { appid: string } };
      expect(body.isNew).toBe(true);
      expect(body.user.appid).toBe(DEV_APPID);
      const me = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${body.accessToken}` } });
      expect(me.status).toBe(200);
      expect(await proc.stop()).toBe(0);
      expect(proc.output()).not.toContain(masterKey);
      expect(proc.output()).not.toContain(body.accessToken);
    } finally {
      await proc.stop();
    }
  });

  it('refuses to start on a bad environment, listing every problem and no secret', async () => {
    const proc = spawnNode([BIN, 'serve'], {
      WXLOGIN_APPS: 'not-a-pair',
      WXLOGIN_MASTER_KEY: 'c2hvcnQ=',
      WXLOGIN_PORT: 'seventy',
      WXLOGIN_JWT_ALG: 'HS256',
    });
    const code = await new Promise<number | null>((resolve) => proc.child.on('exit', resolve));
    const out = proc.output();
    expect(code).toBe(1);
    expect(out).toContain('WXLOGIN_APPS');
    expect(out).toContain('WXLOGIN_MASTER_KEY');
    expect(out).toContain('WXLOGIN_PORT');
    expect(out).toContain('WXLOGIN_JWT_ALG');
    expect(out).not.toContain('c2hvcnQ=');
    expect(out).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace
  });
});

describe('wxlogin dev: the banner commands work as printed [sqlite]', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wxlogin-dev-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('logs in, reads and patches /v1/me, refreshes and serves JWKS with the copy-paste commands', async () => {
    const proc = spawnNode(devArgs(dir));
    try {
      await proc.waitFor(/Stop with Ctrl\+C/);
      const banner = proc.output();
      const commands = banner
        .split('\n')
        .filter((line) => /^\s{2}(CODE=|LOGIN=|ACCESS=|curl )/.test(line))
        .map((line) => line.trim());
      expect(commands.length).toBeGreaterThanOrEqual(7);
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', commands.join('\n')], { timeout: 20_000 });
      expect(stdout).toMatch(/"accessToken":"ey/);
      expect(stdout).toContain('"isNew":true');
      expect(stdout).toContain('"nickname":"Xiaoming"');
      expect(stdout).toMatch(/"refreshToken":"wxr1\.[^"]+\.1\./); // the refreshed one is generation 1
      expect(stdout).toContain('"keys":[');
      expect(stdout).toContain(`{"items":[{"appid":"${DEV_APPID}","accessToken":{`); // the admin API, its token read from state.json
      expect(await proc.stop()).toBe(0);
    } finally {
      await proc.stop();
    }
    const state = readFileSync(join(dir, 'state.json'), 'utf8');

    // The second start reuses the generated secrets and the database.
    const again = spawnNode(devArgs(dir));
    try {
      await again.waitFor(/Stop with Ctrl\+C/);
      expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe(state);
      expect(again.output()).not.toContain(JSON.parse(state).masterKey);
      // The admin token only in the console's URL (its fragment never reaches a server or a log).
      const { adminToken } = JSON.parse(state) as { adminToken: string };
      expect(again.output().split(adminToken)).toHaveLength(2);
      expect(again.output()).toMatch(new RegExp(`http://127\\.0\\.0\\.1:\\d+/admin#token=${adminToken}\n`));
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });

  it('--host binds the service and the simulator elsewhere (a loopback alias here), and the banner says so', async () => {
    const proc = spawnNode(devArgs(dir, '--host', '127.0.0.2'));
    try {
      await proc.waitFor(/Stop with Ctrl\+C/);
      const [, api] =
        proc.output().match(/service (http:\/\/127\.0\.0\.2:\d+), WeChat simulator http:\/\/127\.0\.0\.2:\d+/) ?? [];
      expect((await fetch(`${api}/healthz`)).status).toBe(200);
      expect(proc.output()).not.toContain('WARNING');
    } finally {
      expect(await proc.stop()).toBe(0);
    }
  });
});

/** The README of the repository: the tests below run what it shows, so they break when it drifts. */
const readme = (): string => readFileSync(join(repoRoot, 'README.md'), 'utf8');

describe("wxlogin dev: the README's simulator commands work against its simulator [sqlite]", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wxlogin-dev-readme-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Issue 12: `wxlogin dev` generated its own dev secret, so the README's jscode2session curl and the core quick-start
  // (secret wxlogin-dev-secret) got 40125 from the simulator `npm start` runs. The state folder here is one written by
  // that version (a generated `devSecret` in state.json): it must keep working, and is left as it was.
  it('the jscode2session curl and the core quick-start succeed as written (was 40125: a generated dev secret)', async () => {
    const oldState = `${JSON.stringify(
      {
        masterKey: randomBytes(32).toString('base64'),
        adminToken: randomBytes(24).toString('base64url'),
        devSecret: randomBytes(16).toString('hex'),
      },
      null,
      2,
    )}\n`;
    writeFileSync(join(dir, 'state.json'), oldState, { mode: 0o600 });
    const proc = spawnNode(devArgs(dir));
    try {
      const [, sim] = await proc.waitFor(/WeChat simulator (http:\/\/127\.0\.0\.1:\d+)/);
      await proc.waitFor(/Stop with Ctrl\+C/);
      const onDevSimulator = (text: string): string => {
        expect(text.split('http://127.0.0.1:3001').length, text).toBeGreaterThan(1); // the README's port, moved
        return text.replaceAll('http://127.0.0.1:3001', sim!);
      };

      // "Mint a code as wx.login() would, and exchange it, with curl:" — its two commands, as the README has them.
      const block = /```sh\n(curl [^\n]*\/__sim\/login[\s\S]*?)```/.exec(readme())?.[1];
      const curls = (block ?? '').split('\n').filter((line) => line.startsWith('curl '));
      expect(curls).toHaveLength(2);
      const mint = await run('bash', ['-euo', 'pipefail', '-c', onDevSimulator(curls[0]!)], { timeout: 10_000 });
      const { code } = JSON.parse(mint.stdout) as { code: string };
      expect(curls[1]).toContain('PASTE_THE_CODE');
      const exchange = await run(
        'bash',
        ['-euo', 'pipefail', '-c', onDevSimulator(curls[1]!).replace('PASTE_THE_CODE', code)],
        {
          timeout: 10_000,
        },
      );
      const session = JSON.parse(exchange.stdout) as Record<string, unknown>;
      expect(session['errcode'], exchange.stdout).toBeUndefined();
      expect(session).toMatchObject({ openid: expect.stringMatching(/^o/), session_key: expect.any(String) });

      // The quick-start of `@wxlogin/core` (README between its markers, the same file as examples/core-quickstart.mjs).
      const quickstart = /<!-- quickstart:start -->\n```js\n([\s\S]*?)```\n<!-- quickstart:end -->/.exec(readme())?.[1];
      const { stdout, stderr } = await run(
        process.execPath,
        ['--input-type=module', '-e', onDevSimulator(quickstart ?? '')],
        {
          cwd: repoRoot,
          timeout: 15_000,
        },
      );
      expect(stderr).toBe('');
      expect(stdout).toMatch(/openid: 'o[\w-]{27}'/);
      expect(stdout).toContain('hasSessionKey: true');
      expect(await proc.stop()).toBe(0);
    } finally {
      await proc.stop();
    }
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe(oldState);
  });

  it('says where the admin token is kept and which flags change the ports', async () => {
    const proc = spawnNode(devArgs(dir));
    try {
      await proc.waitFor(/Stop with Ctrl\+C/);
      const banner = proc.output();
      const file = join(dir, 'state.json');
      expect(banner).toContain(`master key and admin token: ${file}`);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ adminToken: expect.any(String) });
      const [, port, simulatorPort] =
        banner.match(/service http:\/\/127\.0\.0\.1:(\d+), WeChat simulator http:\/\/127\.0\.0\.1:(\d+)/) ?? [];
      expect(banner).toContain(
        `--port 4000 --simulator-port 4001 --host <address> (now ${port}, ${simulatorPort}, 127.0.0.1)`,
      );
    } finally {
      expect(await proc.stop()).toBe(0);
    }
  });
});

describe('wxlogin serve refuses the dev app against WeChat', () => {
  it('exits 1 naming WXLOGIN_APPS when the demo app would reach api.weixin.qq.com', async () => {
    const masterKey = randomBytes(32).toString('base64');
    const proc = spawnNode([BIN, 'serve'], {
      WXLOGIN_APPS: `${DEV_APPID}:wxlogin-dev-secret`,
      WXLOGIN_MASTER_KEY: masterKey,
      WXLOGIN_DATABASE_URL: 'sqlite::memory:',
      WXLOGIN_PORT: '0',
      WXLOGIN_LOG_LEVEL: 'silent',
    });
    const code = await new Promise<number | null>((resolve) => proc.child.on('exit', resolve));
    expect(code).toBe(1);
    expect(proc.output()).toContain(`WXLOGIN_APPS: ${DEV_APPID} is the simulator's demo app`);
    expect(proc.output()).not.toContain(masterKey);
    expect(proc.output()).not.toMatch(/listening/);
  });
});
