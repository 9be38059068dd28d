// The stub WeChat in a child process of its own, so its event loop does not compete with autocannon's in the bench
// process. Run directly, this file is the child: it starts the stub for the app in STUB_APPID / STUB_SECRET, prints
// `{"url": …}` as one line, and exits when its stdin closes (the parent is gone, however it ended) or on a signal.
// Imported, it gives the parent `spawnWechatStub`.
import { spawn } from 'node:child_process';
import { stopChild } from './service-process.js';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startWechatStub } from './wechat-stub.js';

const SELF = fileURLToPath(import.meta.url);
const START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 2_000;

/**
 * Spawns the stub as a child process and resolves once it listens.
 * @param {{ appid: string, secret: string }} app the only mini program the stub knows
 * @returns {Promise<{ url: string, pid: number, calls: () => Promise<number>, stop: () => Promise<void>, killNow: () => void }>}
 */
export async function spawnWechatStub(app) {
  const child = spawn(process.execPath, [SELF], {
    env: { ...process.env, STUB_APPID: app.appid, STUB_SECRET: app.secret },
    // stdin stays open as the child's lifeline; stderr goes to ours, where a crash shows.
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const running = () => child.exitCode === null && child.signalCode === null;
  const url = await new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('the stub WeChat did not start')), START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the stub WeChat exited at start (code ${code})`));
    });
    child.stdout.on('data', (chunk) => {
      text += chunk.toString('utf8');
      const newline = text.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(text.slice(0, newline)).url);
      } catch (error) {
        reject(error);
      }
    });
  });
  return {
    url,
    pid: /** @type {number} */ (child.pid),
    /** jscode2session calls answered so far. */
    async calls() {
      const response = await fetch(`${url}/__calls`, { signal: AbortSignal.timeout(2000) });
      return (await response.json()).calls;
    },
    /** Closes its lifeline, then SIGKILL if it is still there after a grace period. */
    async stop() {
      await stopChild(child, exited, () => child.stdin.end(), STOP_GRACE_MS);
    },
    /** Last resort from a synchronous `exit` handler. */
    killNow() {
      if (running()) child.kill('SIGKILL');
    },
  };
}

async function runChild() {
  const appid = process.env.STUB_APPID;
  const secret = process.env.STUB_SECRET;
  if (!appid || !secret) {
    console.error('wechat-stub-process: STUB_APPID and STUB_SECRET are required');
    process.exit(2);
  }
  const stub = await startWechatStub({ appid, secret });
  const stop = () => {
    void stub.close().finally(() => process.exit(0));
  };
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`${JSON.stringify({ url: stub.url })}\n`);
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(SELF)) await runChild();
