import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// Runs the built bin as users do. Needs `npx tsc -b packages/simulator` (npm test builds first).
const bin = fileURLToPath(new URL('../bin/wxlogin-simulator.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../dist/cli.js', import.meta.url)));

let child: ChildProcess | undefined;
afterEach(() => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
});

/** Resolves with the first stdout match of `pattern`, or rejects after `ms`. */
function waitForOutput(proc: ChildProcess, pattern: RegExp, ms: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms} ms; output: ${seen}`)), ms);
    proc.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const match = pattern.exec(seen);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${pattern}; output: ${seen}`));
    });
  });
}

describe.skipIf(!built)('wxlogin-simulator bin', () => {
  it('serves on --port 0, mints a code over HTTP that exchanges, and stops cleanly on SIGTERM', async () => {
    child = spawn(process.execPath, [bin, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WXLOGIN_SIM_DEV_SECRET: 'spawned-secret' },
    });
    const proc = child;
    const [, url] = await waitForOutput(proc, /listening on (http:\/\/127\.0\.0\.1:\d+)/, 15_000);

    const login = (await (
      await fetch(`${url}/__sim/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ appid: 'wxdevapp00000001' }),
      })
    ).json()) as { code: string; openid: string };
    const query = new URLSearchParams({
      appid: 'wxdevapp00000001',
      secret: 'spawned-secret',
      js_code: login.code,
      grant_type: 'authorization_code',
    });
    const session = (await (await fetch(`${url}/sns/jscode2session?${query}`)).json()) as Record<string, unknown>;
    expect(session.openid).toBe(login.openid);
    expect(session.session_key).toEqual(expect.any(String));

    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal })),
    );
    proc.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
  });
});

/** Runs `node args…` to completion; its exit code and output. */
function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error('did not exit within 15 s'));
    }, 15_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!built)('wxlogin-simulator bin, argument errors', () => {
  it('exits 2 with the usage on a bad --port, and 0 with it on --help', async () => {
    const bad = await run([bin, '--port', 'abc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--port must be an integer.*Usage: wxlogin-simulator/s);
    const help = await run([bin, '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: wxlogin-simulator/);
  });
});

describe('wxlogin-simulator bin shim', () => {
  it('says to build first, and exits 1, when dist/ is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wxlogin-sim-shim-'));
    try {
      mkdirSync(join(dir, 'bin'));
      copyFileSync(bin, join(dir, 'bin', 'wxlogin-simulator.js'));
      const result = await run([join(dir, 'bin', 'wxlogin-simulator.js')]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('wxlogin-simulator: not built yet — run `npm run build` first');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is built: run `npx tsc -b packages/simulator` before the spawn suite', () => {
    expect(built).toBe(true);
  });
});
