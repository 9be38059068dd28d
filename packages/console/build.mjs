#!/usr/bin/env node
// Builds the console into packages/server/console/ (index.html, assets/, manifest.json) for the server to serve at
// /admin. Incremental: when every output is newer than every input it says so and exits without loading Vite, so
// the server's build can call it every time. `--force` rebuilds anyway; `--out-dir <dir>` builds elsewhere (tests).
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outAt = process.argv.indexOf('--out-dir');
const outDir =
  outAt > 0 && process.argv[outAt + 1] ? resolve(process.argv[outAt + 1]) : join(here, '..', 'server', 'console');
const manifestPath = join(outDir, 'manifest.json');
const force = process.argv.includes('--force');

/** Every file under `dir`, recursively (none when it does not exist). */
async function filesUnder(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

async function inputs() {
  const top = (await readdir(here)).filter(
    (name) => name === 'index.html' || name === 'build.mjs' || name === 'package.json' || /^vite\.config\./.test(name),
  );
  return [...top.map((name) => join(here, name)), ...(await filesUnder(join(here, 'src')))];
}

/** The files the last build wrote, from its manifest; undefined when there is none (or it is unreadable). */
async function lastOutputs() {
  try {
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    if (!Array.isArray(manifest.files) || manifest.files.length === 0) return undefined;
    return [manifestPath, ...manifest.files.map((file) => join(outDir, file))];
  } catch {
    return undefined;
  }
}

async function upToDate() {
  const outputs = await lastOutputs();
  if (outputs === undefined) return false;
  let oldestOutput = Number.POSITIVE_INFINITY;
  for (const file of outputs) {
    try {
      oldestOutput = Math.min(oldestOutput, (await stat(file)).mtimeMs);
    } catch {
      return false;
    }
  }
  let newestInput = 0;
  for (const file of await inputs()) newestInput = Math.max(newestInput, (await stat(file)).mtimeMs);
  return newestInput < oldestOutput;
}

if (!force && (await upToDate())) {
  console.log('console assets up to date');
  process.exit(0);
}

const { build } = await import('vite');
await build({ root: here, configFile: join(here, 'vite.config.ts'), build: { outDir } });

// What the server may serve, exactly: every file the build emitted, as paths relative to the directory.
const files = (await filesUnder(outDir))
  .filter((file) => file !== manifestPath)
  .map((file) => relative(outDir, file).split(sep).join('/'))
  .sort();
await writeFile(manifestPath, `${JSON.stringify({ files }, null, 2)}\n`);
console.log(`console manifest: ${files.length} files in ${relative(process.cwd(), outDir) || '.'}`);
