// Pack-and-install smoke: the four packages as a user gets them. Packs each workspace with `npm pack`, checks what
// each tarball holds, installs them into a fresh project (better-sqlite3 compiles there), then: `wxlogin --help`;
// `wxlogin dev` from the installed bin with a login over HTTP; a script on the public exports of @wxlogin/core and
// @wxlogin/server; the declarations type-checked; WeChat's npm build of @wxlogin/miniprogram from node_modules.
//
//   npm run build && node .ci/pack-smoke.mjs
//
// Bounded by WXLOGIN_PACK_SMOKE_TIMEOUT_S (default 900); removes its temp folder and stops its processes however it
// ends (WXLOGIN_PACK_SMOKE_KEEP=1 keeps the folder, to look at). Exits non-zero on any failure.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { devLogin } from './pack-smoke/dev-login.mjs';
import { buildMiniprogramNpm } from './pack-smoke/mini-program.mjs';
import { run, stopAll } from './pack-smoke/processes.mjs';
import { checkPackage } from './pack-smoke/tarball-checks.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const fixtures = fileURLToPath(new URL('./pack-smoke/', import.meta.url));
const WORKSPACES = ['core', 'simulator', 'server', 'miniprogram'];
const INSTALL_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund'];
const timeoutS = Number(process.env.WXLOGIN_PACK_SMOKE_TIMEOUT_S ?? 900);
const keep = process.env.WXLOGIN_PACK_SMOKE_KEEP === '1';

const began = Date.now();
const tmp = mkdtempSync(join(tmpdir(), 'wxlogin-pack-smoke-'));
const timings = [];

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const say = (line) => console.log(`pack-smoke: ${line}`);

/** Runs one named step, printing it and its time. */
async function step(name, body) {
  say(`${name} …`);
  const started = Date.now();
  const detail = await body();
  const ms = Date.now() - started;
  timings.push([name, ms]);
  say(`ok ${name} (${seconds(ms)})${detail ? `: ${detail}` : ''}`);
}

const copyFixture = (from, to) => writeFileSync(to, readFileSync(join(fixtures, from)));
const writeJson = (file, value) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

async function main() {
  for (const workspace of WORKSPACES)
    if (!existsSync(join(repo, 'packages', workspace, 'dist/index.js')))
      throw new Error(`packages/${workspace}/dist is missing: run \`npm run build\` first`);

  const tarballDir = join(tmp, 'tarballs');
  const tarballs = {};
  await step('npm pack each workspace', async () => {
    mkdirSync(tarballDir);
    const args = ['pack', '--json', '--pack-destination', tarballDir, ...WORKSPACES.map((w) => `-w=packages/${w}`)];
    const { stdout } = await run('npm', args, { cwd: repo });
    for (const [i, packed] of JSON.parse(stdout).entries()) {
      tarballs[WORKSPACES[i]] = join(tarballDir, packed.filename);
      say(`  ${packed.filename}: ${packed.entryCount} files, ${(packed.size / 1024).toFixed(0)} KiB`);
    }
  });

  await step('check each tarball', async () => {
    const problems = [];
    for (const workspace of WORKSPACES) {
      const unpacked = join(tmp, 'unpacked', workspace);
      mkdirSync(unpacked, { recursive: true });
      await run('tar', ['-xzf', tarballs[workspace], '-C', unpacked]);
      for (const problem of checkPackage(join(unpacked, 'package'), workspace))
        problems.push(`${workspace}: ${problem}`);
    }
    if (problems.length > 0) throw new Error(`tarball problems:\n  ${problems.join('\n  ')}`);
  });

  const appDir = join(tmp, 'app');
  const typesNode = JSON.parse(readFileSync(join(repo, 'node_modules/@types/node/package.json'), 'utf8')).version;
  await step('npm install the tarballs into a fresh project', async () => {
    mkdirSync(appDir);
    await run('npm', ['init', '-y'], { cwd: appDir });
    const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));
    // As the root package.json does: better-sqlite3's install script (its compile) runs without npm's notice.
    writeJson(join(appDir, 'package.json'), {
      ...pkg,
      private: true,
      type: 'module',
      allowScripts: { 'better-sqlite3': true },
    });
    const specs = WORKSPACES.map((w) => tarballs[w]);
    const { ms, stderr } = await run('npm', ['install', ...INSTALL_FLAGS, ...specs, `@types/node@${typesNode}`], {
      cwd: appDir,
      timeoutMs: Math.max(60_000, timeoutS * 1000 - (Date.now() - began)),
    });
    // The server's own "@wxlogin/core": "^0.1.0" is met by the tarball, not by a registry copy nested under it.
    const lock = JSON.parse(readFileSync(join(appDir, 'package-lock.json'), 'utf8'));
    for (const name of ['core', 'simulator', 'server']) {
      const entry = lock.packages[`node_modules/@wxlogin/${name}`];
      if (!entry?.resolved?.startsWith('file:')) throw new Error(`@wxlogin/${name} resolved to ${entry?.resolved}`);
    }
    const nested = Object.keys(lock.packages).filter((p) => /node_modules\/.+\/node_modules\/@wxlogin\//.test(p));
    if (nested.length > 0) throw new Error(`nested copies of wxlogin packages: ${nested.join(', ')}`);
    // A user sees npm's engine warnings too: name them (cookie@2 through Fastify's light-my-request wants Node 22;
    // the monorepo overrides it, a user's install cannot).
    const badEngines = [...new Set([...stderr.matchAll(/EBADENGINE\s+package: '([^']+)'/g)].map((m) => m[1]))];
    const warned = badEngines.length > 0 ? `; npm warns EBADENGINE for ${badEngines.join(', ')}` : '';
    return `npm install ${seconds(ms)}, ${Object.keys(lock.packages).length - 1} packages${warned}`;
  });

  await step('npx wxlogin --help', async () => {
    const { stdout } = await run('npx', ['--no', '--', 'wxlogin', '--help'], { cwd: appDir, timeoutMs: 30_000 });
    for (const command of ['dev', 'serve', 'migrate', 'doctor'])
      if (!new RegExp(`^\\s+${command}\\b`, 'm').test(stdout)) throw new Error(`no "${command}" in:\n${stdout}`);
  });

  const version = JSON.parse(readFileSync(join(repo, 'packages/server/package.json'), 'utf8')).version;
  await step('npx wxlogin dev, then log in over HTTP as a user would', async () => {
    const { service, simulator } = await devLogin({ appDir, stateDir: join(tmp, 'dev-state'), version });
    return `service ${service}, simulator ${simulator}: login, /v1/me, refresh, JWKS, /openapi.json, /docs, the console (/admin, its assets, /admin/api/overview)`;
  });

  await step('a script on the public exports of @wxlogin/core and @wxlogin/server', async () => {
    copyFixture('app/library-smoke.mjs', join(appDir, 'library-smoke.mjs'));
    const { stdout } = await run('node', ['library-smoke.mjs'], { cwd: appDir, timeoutMs: 60_000 });
    if (!stdout.includes('"ok":true')) throw new Error(`library-smoke.mjs printed: ${stdout}`);
  });

  const tsc = join(repo, 'node_modules/typescript/bin/tsc');
  await step('tsc over the installed declarations (skipLibCheck off)', async () => {
    copyFixture('app/typed.ts', join(appDir, 'typed.ts'));
    copyFixture('app/tsconfig.json', join(appDir, 'tsconfig.json'));
    await run('node', [tsc, '-p', 'tsconfig.json'], { cwd: appDir, timeoutMs: 120_000 });
  });

  const miniDir = join(tmp, 'mini-program');
  await step('@wxlogin/miniprogram: install, type-check, WeChat npm build (packNpmManually)', async () => {
    mkdirSync(join(miniDir, 'miniprogram'), { recursive: true });
    writeJson(join(miniDir, 'package.json'), {
      name: 'smoke-mini-program',
      private: true,
      dependencies: { '@wxlogin/miniprogram': `file:${tarballs.miniprogram}` },
    });
    await run('npm', ['install', ...INSTALL_FLAGS], { cwd: miniDir });
    copyFixture('mini-program/typed.ts', join(miniDir, 'typed.ts'));
    copyFixture('mini-program/tsconfig.json', join(miniDir, 'tsconfig.json'));
    await run('node', [tsc, '-p', 'tsconfig.json'], { cwd: miniDir, timeoutMs: 120_000 });
    const { files, result } = await buildMiniprogramNpm(miniDir);
    return `miniprogram_npm/@wxlogin/miniprogram: ${files} files, ${JSON.stringify(result)}`;
  });
}

let failed = false;
const overall = setTimeout(() => {
  console.error(`pack-smoke: FAILED: not done within ${timeoutS} s`);
  void finish(1);
}, timeoutS * 1000);
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    console.error(`pack-smoke: ${signal}: stopping`);
    void finish(1);
  });

let finishing = false;
async function finish(code) {
  if (finishing) return;
  finishing = true;
  clearTimeout(overall);
  await stopAll();
  if (keep) say(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
  for (const [name, ms] of timings) say(`  ${seconds(ms).padStart(8)}  ${name}`);
  say(`${code === 0 ? 'passed' : 'FAILED'} in ${seconds(Date.now() - began)}`);
  process.exit(code);
}

try {
  say(`working in ${tmp}`);
  await main();
} catch (error) {
  failed = true;
  console.error(`pack-smoke: FAILED: ${error.stack ?? error}`);
}
await finish(failed ? 1 : 0);
