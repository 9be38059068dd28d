import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/spawn-process.js';
import { createTestApp } from './helpers/test-app.js';

const run = promisify(execFile);
const SCRIPT = 'examples/verify-with-jwks.mjs';

interface Outcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `node examples/verify-with-jwks.mjs …args` from the repository root, as the README says to run it. */
async function script(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 15_000,
    });
    return { exitCode: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { exitCode: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** A port nothing listens on: one the system gave and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('examples/verify-with-jwks.mjs run as a script [sqlite]', () => {
  // Issue 12: run as `node examples/verify-with-jwks.mjs …` it defined a function and did nothing.
  it('prints the verified claims of a token and exits 0 (run as a script it did nothing)', async () => {
    const t = await createTestApp();
    const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    t.clock.set(Date.now()); // jose checks `exp` against the real clock
    const { body } = await t.login();

    const fromArgv = await script([body.accessToken], { WXLOGIN_URL: url });
    expect(fromArgv.stderr).toBe('');
    expect(fromArgv.exitCode).toBe(0);
    expect(JSON.parse(fromArgv.stdout)).toMatchObject({ sub: body.user.id, appid: t.appid, iss: 'wxlogin' });

    const fromEnv = await script([], { WXLOGIN_URL: url, WXLOGIN_ACCESS_TOKEN: body.accessToken });
    expect(fromEnv.exitCode).toBe(0);
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({ sub: body.user.id });
  });

  it('refuses a tampered token and an unreachable service with a clear line and exit 1', async () => {
    const t = await createTestApp();
    const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    t.clock.set(Date.now());
    const { body } = await t.login();
    const [header, payload, signature] = body.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${signature}`;

    const forged = await script([tampered], { WXLOGIN_URL: url });
    expect(forged.exitCode).toBe(1);
    expect(forged.stdout).toBe('');
    expect(forged.stderr).toContain(`refused (JWKS of ${url}): ERR_JWS_SIGNATURE_VERIFICATION_FAILED`);

    const nowhere = `http://127.0.0.1:${await closedPort()}`;
    const unreachable = await script([body.accessToken], { WXLOGIN_URL: nowhere });
    expect(unreachable.exitCode).toBe(1);
    expect(unreachable.stderr).toContain(`refused (JWKS of ${nowhere}): ECONNREFUSED`);
  });

  it('prints its usage and exits 1 without a token', async () => {
    const bare = await script([]);
    expect(bare.exitCode).toBe(1);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/^usage: .*node examples\/verify-with-jwks\.mjs <accessToken>/);
  });
});
