// Node resolves a bare import by walking up the directories, so with `bench/baselines/node_modules` missing the
// baselines would silently load the repository root's packages (Express 5 instead of 4, for one) and the comparison
// would measure the wrong versions. Each baseline imports this module first: ES modules run in import order, so the
// check runs before any dependency does.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const BASELINES_DIR = dirname(fileURLToPath(import.meta.url));
const LOCAL_MODULES = join(BASELINES_DIR, 'node_modules') + sep;
const MANIFEST = join(BASELINES_DIR, 'package.json');
const require = createRequire(MANIFEST);

/**
 * Throws unless every named package resolves inside `bench/baselines/node_modules`, not from a directory above.
 * @param {string[]} [names] package names as imported; default: every dependency in `bench/baselines/package.json`
 */
export function assertLocalDeps(names = Object.keys(JSON.parse(readFileSync(MANIFEST, 'utf8')).dependencies)) {
  if (!existsSync(LOCAL_MODULES)) {
    throw new Error(`the baselines are not installed (no ${LOCAL_MODULES}): run \`npm ci --prefix bench/baselines\``);
  }
  for (const name of names) {
    const resolved = require.resolve(name);
    if (!resolved.startsWith(LOCAL_MODULES)) {
      throw new Error(`baseline dependency ${name} resolved outside bench/baselines/node_modules (${resolved})`);
    }
  }
}

assertLocalDeps();
