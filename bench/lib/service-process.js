// Runs the real `wxlogin serve` (or a baseline server) as a child process, so the figures include everything a
// deployment pays (config, Fastify, SQLite on disk) and the load generator's CPU use stays out of the service's event
// loop.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const LOG_TAIL_BYTES = 16 * 1024;
const READY_POLL_MS = 100;

/**
 * Asks the OS for a free loopback port. The port is released before the service binds it; on a shared machine
 * another process could take it in between, which then shows as a clear "exited before ready" failure.
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (probe.address());
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `node <bin> serve` (or other `args`) with exactly the given WXLOGIN_* variables (any WXLOGIN_* of the
 * caller's environment is dropped, so a developer's own settings cannot skew a run).
 * @param {{ bin: string, env: Record<string, string>, port: number, args?: string[] }} options
 */
export function spawnService({ bin, env, port, args = ['serve'] }) {
  return spawnProcess({
    script: bin,
    args,
    env: { ...env, WXLOGIN_HOST: '127.0.0.1', WXLOGIN_PORT: String(port) },
    port,
    name: `wxlogin ${args.join(' ')}`,
  });
}

/**
 * Spawns `node <script> ...args` serving on 127.0.0.1:`port` (which the script learns from `env`), with the caller's
 * environment minus any WXLOGIN_* plus `env`.
 * @param {{ script: string, args?: string[], env: Record<string, string>, port: number, name?: string }} options
 */
export function spawnProcess({ script, args = [], env, port, name = script }) {
  const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WXLOGIN_')));
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...childEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk) => {
    tail = (tail + chunk.toString('utf8')).slice(-LOG_TAIL_BYTES);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const running = () => child.exitCode === null && child.signalCode === null;

  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    /** The last few KB the process wrote (for wxlogin: pino JSON at `warn`+), for failure reports. */
    logTail: () => tail,
    running,

    /**
     * Polls `path` until it answers 200, and answers the milliseconds from the spawn to that first 200.
     * @param {number} timeoutMs
     * @param {{ path?: string, pollMs?: number }} [poll] `/readyz` every 100 ms unless told
     * @returns {Promise<number>}
     */
    async waitReady(timeoutMs, { path = '/readyz', pollMs = READY_POLL_MS } = {}) {
      const deadline = Date.now() + timeoutMs;
      /** @type {{ code: number | null, signal: string | null } | undefined} */
      let exit;
      void exited.then((e) => {
        exit = e;
      });
      while (Date.now() < deadline) {
        if (exit !== undefined) {
          throw new Error(`${name} exited before it was ready (code ${exit.code}, signal ${exit.signal})`);
        }
        try {
          const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1000) });
          await response.arrayBuffer();
          if (response.status === 200) return performance.now() - spawnedAt;
        } catch {
          // Not listening yet.
        }
        await new Promise((r) => setTimeout(r, pollMs));
      }
      throw new Error(`${name} was not ready within ${timeoutMs} ms`);
    },

    /**
     * SIGTERM (graceful close), then SIGKILL if it is still there after `graceMs`.
     * @param {number} graceMs
     */
    async stop(graceMs) {
      await stopChild(child, exited, () => child.kill('SIGTERM'), graceMs);
    },

    /** Last resort from a synchronous `exit` handler: no waiting possible there. */
    killNow() {
      if (running()) child.kill('SIGKILL');
    },
  };
}

/**
 * Asks a child to stop (`ask`: a signal, or closing its lifeline), then SIGKILL if it is still there after `graceMs`;
 * resolves once it exited.
 * @param {import('node:child_process').ChildProcess} child
 * @param {Promise<unknown>} exited settles when the child exits
 * @param {() => void} ask
 * @param {number} graceMs
 */
export async function stopChild(child, exited, ask, graceMs) {
  const running = () => child.exitCode === null && child.signalCode === null;
  if (!running()) return;
  ask();
  let timer;
  const timeout = new Promise((r) => {
    timer = setTimeout(r, graceMs, 'timeout');
  });
  const outcome = await Promise.race([exited, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout' && running()) {
    child.kill('SIGKILL');
    await exited;
  }
}
