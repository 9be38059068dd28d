// The baselines have their own dependencies (Express 4, request, node-easywechat, ...) that must not mix with the
// repository's, so they are installed into bench/baselines/node_modules on demand rather than with the workspace.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BASELINES_DIR = dirname(fileURLToPath(import.meta.url));
const LOCKFILE = join(BASELINES_DIR, 'package-lock.json');
/** npm writes this after a complete install, so its age tells whether the tree matches the lockfile. */
const INSTALLED_MARKER = join(BASELINES_DIR, 'node_modules', '.package-lock.json');
/** Cold, better-sqlite3 compiles its addon from source (a minute or more on two cores); a hung npm must still end. */
const INSTALL_TIMEOUT_MS = 5 * 60 * 1000;
const OUTPUT_TAIL_CHARS = 4000;

/** True when bench/baselines/node_modules is missing or older than the lockfile. */
export function baselinesNeedInstall() {
  if (!existsSync(INSTALLED_MARKER)) return true;
  return statSync(INSTALLED_MARKER).mtimeMs < statSync(LOCKFILE).mtimeMs;
}

/**
 * Runs `npm ci --prefix bench/baselines` when the baselines are not installed or their lockfile changed since;
 * otherwise does nothing. Rejects with npm's last output when npm fails or takes longer than 5 minutes.
 * @param {{ log?: (line: string) => void }} [options] where to say that an install is starting (default stderr)
 * @returns {Promise<boolean>} whether an install ran
 */
export async function ensureBaselinesInstalled({ log = (line) => console.error(line) } = {}) {
  if (!baselinesNeedInstall()) return false;
  log('bench: installing the baseline servers (npm ci --prefix bench/baselines), up to 5 minutes the first time');
  // Under `npm run`, npm_execpath is the npm that started us: reuse it rather than whatever `npm` is first on PATH.
  const npmCli = process.env.npm_execpath;
  const [command, prefixArgs] = npmCli?.endsWith('.js') ? [process.execPath, [npmCli]] : ['npm', []];
  const args = [...prefixArgs, 'ci', '--prefix', BASELINES_DIR, '--no-audit', '--no-fund'];
  await new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: BASELINES_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, INSTALL_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not run npm to install the baselines: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve(undefined);
        return;
      }
      const why = timedOut
        ? `did not finish within ${INSTALL_TIMEOUT_MS / 60_000} minutes`
        : `failed (exit code ${code}, signal ${signal})`;
      reject(
        new Error(
          `installing the baselines (npm ci --prefix bench/baselines) ${why}. ` +
            `Run it by hand to see why; npm's last output:\n${output.trim()}`,
        ),
      );
    });
  });
  return true;
}
