import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SpawnedProcess, spawnNode } from './spawn-process.js';

/** A running `wxlogin dev` (what `npm start` runs) and what its banner says. */
export interface DevProcess {
  proc: SpawnedProcess;
  /** Its state folder (database, state.json), removed by {@link DevProcess.stop}. */
  stateDir: string;
  /** The service, e.g. `http://127.0.0.1:40123`. */
  api: string;
  /** The WeChat simulator, whose `/__sim` control API mints logins. */
  sim: string;
  /** The console's sign-in URL exactly as printed: `<api>/admin#token=<token>`. */
  consoleUrl: string;
  /** The admin token, from that URL. */
  adminToken: string;
  /** Stops the process and removes its state folder. */
  stop(): Promise<void>;
}

/** The committed bin shim, relative to the repository root (where {@link spawnNode} runs). */
export const WXLOGIN_BIN = 'packages/server/bin/wxlogin.js';

/** `wxlogin dev` on free ports, its state in `stateDir`, quiet logs, plus `extra` flags. */
export const devArgs = (stateDir: string, ...extra: string[]): string[] => [
  WXLOGIN_BIN,
  'dev',
  ...extra,
  '--port',
  '0',
  '--simulator-port',
  '0',
  '--state-dir',
  stateDir,
  '--log-level',
  'warn',
];

/**
 * Spawns the built `wxlogin dev` on free ports in a fresh state folder and reads the service, simulator and console
 * URLs from its banner.
 */
export async function startDev(): Promise<DevProcess> {
  const stateDir = mkdtempSync(join(tmpdir(), 'wxlogin-console-'));
  const proc = spawnNode(devArgs(stateDir));
  const stop = async (): Promise<void> => {
    await proc.stop();
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    await proc.waitFor(/Stop with Ctrl\+C/, 30_000);
    const banner = proc.output();
    const [, api, sim] =
      /service (http:\/\/127\.0\.0\.1:\d+), WeChat simulator (http:\/\/127\.0\.0\.1:\d+)/.exec(banner) ?? [];
    const [, consoleUrl, token] =
      /Console \(open in a browser; it shows these logins\): (http:\/\/127\.0\.0\.1:\d+\/admin#token=(\S+))\n/.exec(
        banner,
      ) ?? [];
    if (api === undefined || sim === undefined || consoleUrl === undefined || token === undefined) {
      throw new Error(`unexpected wxlogin dev banner:\n${banner}`);
    }
    return { proc, stateDir, api, sim, consoleUrl, adminToken: decodeURIComponent(token), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
