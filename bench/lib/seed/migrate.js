// Migrates a database with the built `wxlogin migrate`, the way an operator would, so the seeded schema (tables,
// constraints, indexes) is exactly the server's.
import { spawn } from 'node:child_process';
import { SERVER_BIN } from './server-modules.js';

const MIGRATE_TIMEOUT_MS = 120_000;
const OUTPUT_TAIL_BYTES = 4096;

/**
 * Runs `node packages/server/bin/wxlogin.js migrate` on `databaseUrl`. `migrate` reads only WXLOGIN_DATABASE_URL;
 * every other WXLOGIN_* of this process is dropped so a developer's settings cannot reach it.
 * @param {string} databaseUrl
 * @param {AbortSignal} [signal]
 * @returns {Promise<void>}
 */
export function runMigrate(databaseUrl, signal) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WXLOGIN_')));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVER_BIN, 'migrate'], {
      env: { ...env, WXLOGIN_DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const stop = () => child.kill('SIGTERM');
    const timer = setTimeout(stop, MIGRATE_TIMEOUT_MS);
    signal?.addEventListener('abort', stop, { once: true });
    child.once('error', reject);
    child.once('exit', (code, killedBy) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      if (code === 0) resolve();
      else reject(new Error(`wxlogin migrate failed (code ${code}, signal ${killedBy}):\n${output.trim()}`));
    });
  });
}
