// What a published package must hold, checked on the unpacked tarball itself: what npm really packed, not what
// `files` was meant to pack.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const REPOSITORY_URL = 'git+https://github.com/wxlogin/wxlogin.git';

/** Every file under `dir`, as paths relative to it with `/` separators. */
export function listFiles(dir) {
  const out = [];
  const walk = (at) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(dir, path).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** Every target string of an `exports` map (conditions and subpaths flattened). */
function exportTargets(exports) {
  if (typeof exports === 'string') return [exports];
  if (exports === null || typeof exports !== 'object') return [];
  return Object.values(exports).flatMap(exportTargets);
}

/**
 * The problems of one unpacked package (`root`: the tarball's `package/` folder), `workspace` being its folder under
 * `packages/`. An empty list is a pass.
 */
export function checkPackage(root, workspace) {
  const problems = [];
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const files = listFiles(root);
  const has = (path) => existsSync(resolve(root, path));

  for (const required of ['package.json', 'README.md', 'LICENSE']) if (!has(required)) problems.push(`no ${required}`);
  if (pkg.private) problems.push('"private": true');
  if (pkg.license !== 'MIT') problems.push(`license ${pkg.license}`);
  if (pkg.repository?.url !== REPOSITORY_URL || pkg.repository?.directory !== `packages/${workspace}`)
    problems.push(`repository ${JSON.stringify(pkg.repository)}`);
  if (pkg.publishConfig?.access !== 'public' || pkg.publishConfig?.provenance !== true)
    problems.push(`publishConfig ${JSON.stringify(pkg.publishConfig)}`);
  for (const field of ['homepage', 'bugs', 'keywords', 'exports', 'files'])
    if (pkg[field] === undefined) problems.push(`no "${field}"`);
  if (pkg.exports?.['./package.json'] !== './package.json') problems.push('exports has no "./package.json"');
  if (typeof pkg.sideEffects !== 'boolean') problems.push('no "sideEffects"');

  // Everything package.json points at is in the tarball.
  const targets = [
    ...exportTargets(pkg.exports),
    pkg.main,
    pkg.types,
    ...Object.values(typeof pkg.bin === 'string' ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {})),
  ].filter((target) => typeof target === 'string');
  for (const target of targets) if (!has(target)) problems.push(`points at missing ${target}`);
  if (pkg.miniprogram !== undefined && !(has(pkg.miniprogram) && statSync(join(root, pkg.miniprogram)).isDirectory()))
    problems.push(`"miniprogram": "${pkg.miniprogram}" is not a folder of the tarball`);

  // Nothing of the build's or the tests' own.
  for (const file of files) {
    if (/(^|\/)(test|tests|__tests__|node_modules)\//.test(file) || /\.test\.[cm]?[jt]s$/.test(file))
      problems.push(`ships a test file: ${file}`);
    if (/tsbuildinfo$/.test(file)) problems.push(`ships build state: ${file}`);
  }

  // A source map or declaration map points only at files that ship.
  for (const file of files.filter((f) => f.endsWith('.map'))) {
    const map = JSON.parse(readFileSync(join(root, file), 'utf8'));
    for (const source of map.sources ?? []) {
      const target = resolve(root, dirname(file), map.sourceRoot ?? '', source);
      if (!existsSync(target)) problems.push(`${file} points at ${relative(root, target)}, not shipped`);
    }
  }

  // The server ships the console it serves at /admin: the page and exactly the files its build listed.
  if (workspace === 'server') {
    if (!has('console/manifest.json')) problems.push('no console/manifest.json: the console was not built');
    else {
      const listed = JSON.parse(readFileSync(join(root, 'console/manifest.json'), 'utf8')).files ?? [];
      if (!listed.includes('index.html')) problems.push('console/manifest.json lists no index.html');
      for (const file of listed) if (!has(`console/${file}`)) problems.push(`console/${file} is listed but missing`);
      for (const file of files.filter((f) => f.startsWith('console/') && f !== 'console/manifest.json'))
        if (!listed.includes(file.slice('console/'.length)))
          problems.push(`ships ${file}, which the build did not list`);
    }
  }

  // No stale build output: each compiled file has its source (or, for the mini program, its declaration).
  const [sourceDir, sourceExt] = has('src') ? ['src', '.ts'] : ['types', '.d.ts'];
  for (const file of files.filter((f) => f.startsWith('dist/') && f.endsWith('.js'))) {
    const source = `${sourceDir}/${file.slice('dist/'.length, -'.js'.length)}${sourceExt}`;
    if (!files.includes(source)) problems.push(`${file} has no ${source}: stale build output?`);
  }
  return problems;
}
