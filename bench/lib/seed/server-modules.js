// The seeder uses the built server's own sealing and id generator, so a seeded row is what a login would have
// written (same sealed format and AAD, same UUIDv7 layout), and its database drivers, resolved from the server's
// package as the service resolves them.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
/** The `wxlogin` CLI shim (runs the built `dist/cli/main.js`). */
export const SERVER_BIN = join(ROOT, 'packages/server/bin/wxlogin.js');

const SERVER_DIST = join(ROOT, 'packages/server/dist');
const requireFromServer = createRequire(join(ROOT, 'packages/server/package.json'));

/**
 * Imports a module of the built server (`dist/…`), with a clear message when the build is missing.
 * @param {string} path relative to `packages/server/dist`
 */
async function importDist(path) {
  const file = join(SERVER_DIST, path);
  if (!existsSync(file)) {
    throw new Error(`the server is not built (missing packages/server/dist/${path}); run \`npx tsc -b\` first`);
  }
  return import(pathToFileURL(file).href);
}

/**
 * The server's sealer and UUIDv7 generator.
 * @returns {Promise<{
 *   createSealer: (masterKey: Uint8Array) => { keyId: string, seal: (plaintext: string, aad: string) => string },
 *   sessionKeyAad: (appid: string, openid: string) => string,
 *   createIdGenerator: (options: { clock: () => number }) => () => string,
 * }>}
 */
export async function loadServerModules() {
  const [seal, ids] = await Promise.all([importDist('crypto/seal.js'), importDist('ids.js')]);
  return {
    createSealer: seal.createSealer,
    sessionKeyAad: seal.sessionKeyAad,
    createIdGenerator: ids.createIdGenerator,
  };
}

/**
 * A database driver (`better-sqlite3`, `pg`, `mysql2/promise`) as the server package resolves it.
 * @param {string} name
 */
export function requireDriver(name) {
  try {
    return requireFromServer(name);
  } catch (error) {
    throw new Error(`cannot load ${name} (install it at the repository root): ${error.message}`, { cause: error });
  }
}
