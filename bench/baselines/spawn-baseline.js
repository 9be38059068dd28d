// Starts one baseline server as a child process the way the bench does (its own process, so the load generator's CPU
// use stays out of its event loop), with the protocol's environment and a fresh data directory.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../lib/service-process.js';

const BASELINES_DIR = dirname(fileURLToPath(import.meta.url));
const LOG_TAIL_CHARS = 16 * 1024;
const READY_POLL_MS = 100;

/** The baseline servers, each `bench/baselines/<name>/server.js`. */
export const BASELINE_NAMES = /** @type {const} */ (['seed-style', 'floor', 'peer']);

/**
 * Spawns `node bench/baselines/<name>/server.js` on a free loopback port with PORT, WECHAT_BASE_URL, APPID,
 * APP_SECRET and a fresh DATA_DIR (removed again by `stop`). Call `waitReady` before sending traffic.
 * @param {{ name: string, wechatBaseUrl: string, appid: string, secret: string }} options
 */
export async function spawnBaseline({ name, wechatBaseUrl, appid, secret }) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), `wxlogin-baseline-${name}-`));
  const child = spawn(process.execPath, [join(BASELINES_DIR, name, 'server.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      WECHAT_BASE_URL: wechatBaseUrl,
      APPID: appid,
      APP_SECRET: secret,
      DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk) => {
    tail = (tail + chunk.toString('utf8')).slice(-LOG_TAIL_CHARS);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  /** @type {Promise<{ code: number | null, signal: string | null }>} */
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const running = () => child.exitCode === null && child.signalCode === null;
  const url = `http://127.0.0.1:${port}`;

  return {
    name,
    url,
    pid: child.pid,
    dataDir,
    /** What the server printed last (stdout and stderr), for failure reports. */
    logTail: () => tail,
    running,

    /**
     * Polls `GET /healthz` until it answers 200; throws if the server exits first or the time runs out.
     * @param {number} timeoutMs
     */
    async waitReady(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (!running()) {
          const { code, signal } = await exited;
          throw new Error(`baseline ${name} exited before it was ready (code ${code}, signal ${signal}):\n${tail}`);
        }
        try {
          const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
          await response.arrayBuffer();
          if (response.status === 200) return;
        } catch {
          // Not listening yet.
        }
        await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
      }
      throw new Error(`baseline ${name} was not ready within ${timeoutMs} ms:\n${tail}`);
    },

    /**
     * SIGTERM, then SIGKILL if it is still there after `graceMs`; then removes its data directory.
     * @param {number} graceMs
     */
    async stop(graceMs) {
      if (running()) {
        child.kill('SIGTERM');
        let timer;
        const timeout = new Promise((resolve) => {
          timer = setTimeout(resolve, graceMs, 'timeout');
        });
        const outcome = await Promise.race([exited, timeout]);
        clearTimeout(timer);
        if (outcome === 'timeout' && running()) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      rmSync(dataDir, { recursive: true, force: true });
    },

    /** Last resort from a synchronous `exit` handler: no waiting possible there. */
    killNow() {
      if (running()) child.kill('SIGKILL');
    },
  };
}
