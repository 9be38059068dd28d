// The growth database's bulk seeding (seed-rows.js) in a child process, so it can run on the second core while the
// other targets' untimed pre-logins run, and so its long synchronous SQLite transactions never block the bench
// process's event loop (autocannon, signals, the watchdog). Run directly, this file is the child: it takes its
// options in one IPC message, sends `{ log }` lines and then `{ result }` or `{ error }`, and exits; it also exits
// when the IPC channel closes (the parent is gone).
import { fork } from 'node:child_process';
import { stopChild } from './service-process.js';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const STOP_GRACE_MS = 2_000;

/**
 * Starts seeding; `done` settles with seedRows' result (or its error).
 * @param {{ databaseUrl: string, appid: string, users: number, sessions: number, masterKey: string, timeoutMs: number }} options
 * @param {(line: string) => void} log
 */
export function startSeeding(options, log) {
  const child = fork(SELF, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const running = () => child.exitCode === null && child.signalCode === null;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  /** @type {Promise<any>} */
  const done = new Promise((resolve, reject) => {
    child.on('message', (/** @type {any} */ message) => {
      if (message.log !== undefined) log(message.log);
      else if (message.result !== undefined) resolve(message.result);
      else if (message.error !== undefined) reject(new Error(`seeding the growth database: ${message.error}`));
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`the seeding process ended without a result (code ${code}, signal ${signal})`)),
    );
  });
  // Awaited by the caller later; a failure before then must not count as an unhandled rejection.
  done.catch(() => {});
  child.send(options);
  return {
    done,
    /** SIGTERM, then SIGKILL after a grace period: a half-seeded database is thrown away with its temp dir. */
    async stop() {
      await stopChild(child, exited, () => child.kill('SIGTERM'), STOP_GRACE_MS);
    },
    /** Last resort from a synchronous `exit` handler. */
    killNow() {
      if (running()) child.kill('SIGKILL');
    },
  };
}

async function runChild() {
  const orphaned = () => process.exit(1);
  process.once('disconnect', orphaned);
  const options = await new Promise((resolve) => process.once('message', resolve));
  const { seedRows } = await import('./seed-rows.js');
  const send = (message) => new Promise((resolve) => process.send?.(message, () => resolve(undefined)));
  try {
    const result = await seedRows({ ...options, log: (line) => process.send?.({ log: line }) });
    await send({ result });
  } catch (error) {
    await send({ error: error instanceof Error ? error.message : String(error) });
  }
  process.off('disconnect', orphaned);
  process.disconnect();
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(SELF)) await runChild();
