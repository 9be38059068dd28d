import { afterEach, describe, expect, it } from 'vitest';
import { CliUsageError, startSimulatorFromArgs, type RunningSimulator } from '../src/index.js';

// The CLI's argument handling, in-process; wxlogin-simulator.spawn.test.ts runs the real bin.
const running: RunningSimulator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

async function start(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const r = await startSimulatorFromArgs(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env });
  running.push(r);
  return { ...r, out, err };
}

describe('startSimulatorFromArgs', () => {
  it('binds 127.0.0.1, prints the real URL for --port 0, and warns about nothing', async () => {
    const r = await start(['--port', '0']);
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(r.url).not.toMatch(/:0$/);
    expect(r.out[0]).toBe(`wxlogin-simulator listening on ${r.url}`);
    expect(r.err).toEqual([]);
  });

  it('warns that it must never face a network when --host is not loopback', async () => {
    const r = await start(['--port', '0', '--host', '0.0.0.0']);
    expect(r.err.join('\n')).toMatch(/WARNING.*0\.0\.0\.0.*never face a network/s);
  });

  it('takes the dev secret from --dev-secret, else WXLOGIN_SIM_DEV_SECRET, and never prints it', async () => {
    const fromEnv = await start(['--port', '0'], { WXLOGIN_SIM_DEV_SECRET: 'env-secret-123' });
    const fromFlag = await start(['--port', '0', '--dev-secret', 'flag-secret-456'], {
      WXLOGIN_SIM_DEV_SECRET: 'env-secret-123',
    });
    for (const [r, secret] of [
      [fromEnv, 'env-secret-123'],
      [fromFlag, 'flag-secret-456'],
    ] as const) {
      const { code } = r.simulator.login({ appid: 'wxdevapp00000001' });
      const query = new URLSearchParams({ appid: 'wxdevapp00000001', secret, js_code: code });
      const body = (await (await fetch(`${r.url}/sns/jscode2session?${query}`)).json()) as Record<string, unknown>;
      expect(body.openid).toBeDefined();
      expect([...r.out, ...r.err].join('\n')).not.toContain(secret);
    }
  });

  it.each([[['--port', 'abc']], [['--port', '70000']], [['--bogus']], [['extra']], [['--host', '']]])(
    'rejects %j with a CliUsageError',
    async (argv) => {
      await expect(
        startSimulatorFromArgs(argv, { out: () => undefined, err: () => undefined, env: {} }),
      ).rejects.toThrow(CliUsageError);
    },
  );
});
