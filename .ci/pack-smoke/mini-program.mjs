// The mini program half of the smoke: WeChat's own npm build (miniprogram-ci's packNpmManually, what DevTools'
// 工具 → 构建 npm runs) over the installed tarball, then the built copy loaded the way the mini program loads it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import vm from 'node:vm';
import { listFiles } from './tarball-checks.mjs';

const repoRequire = createRequire(new URL('../../package.json', import.meta.url));

/**
 * Builds `miniprogram_npm` in `projectDir` (a mini program project whose package.json depends on the tarball, already
 * installed) and checks what it holds. Resolves to a summary; throws on a failure.
 */
export async function buildMiniprogramNpm(projectDir) {
  const installed = join(projectDir, 'node_modules/@wxlogin/miniprogram');
  const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  for (const entry of [join(pkg.miniprogram, 'index.js'), pkg.types, pkg.main])
    if (!existsSync(join(installed, entry))) throw new Error(`installed @wxlogin/miniprogram has no ${entry}`);

  const ci = repoRequire('miniprogram-ci');
  const distDir = join(projectDir, 'miniprogram');
  const result = await ci.packNpmManually({
    packageJsonPath: join(projectDir, 'package.json'),
    miniprogramNpmDistDir: `${distDir}/`,
  });
  const { miniProgramPackNum, otherNpmPackNum, warnList } = result;
  if (miniProgramPackNum !== 1 || otherNpmPackNum !== 0 || warnList.length !== 0)
    throw new Error(`packNpmManually: ${JSON.stringify(result)}`);

  const built = join(distDir, 'miniprogram_npm/@wxlogin/miniprogram');
  const files = listFiles(built);
  const expected = readdirSync(join(installed, pkg.miniprogram)).sort();
  if (JSON.stringify(files) !== JSON.stringify(expected))
    throw new Error(`miniprogram_npm holds ${files.join(', ')}; the package's dist: ${expected.join(', ')}`);

  const sdk = loadAsMiniProgram(join(built, 'index.js'));
  for (const name of ['createClient', 'WxloginError', 'errorMessage', 'isWxloginError'])
    if (typeof sdk[name] !== 'function') throw new Error(`the built SDK exports no ${name}()`);
  return { files: files.length, result: { miniProgramPackNum, otherNpmPackNum, warnings: warnList.length } };
}

/**
 * CommonJS as the mini program runs it: a fresh realm with the JS built-ins, timers and `console` only, `require`
 * of relative paths only (mini program npm copies no dependency, and there is no Node).
 */
function loadAsMiniProgram(entry) {
  const context = vm.createContext({ setTimeout, clearTimeout, setInterval, clearInterval, console });
  const modules = new Map();
  const load = (file) => {
    if (modules.has(file)) return modules.get(file).exports;
    const module = { exports: {} };
    modules.set(file, module);
    const wrapper = vm.runInContext(
      `(function (exports, require, module) {${readFileSync(file, 'utf8')}\n})`,
      context,
      {
        filename: file,
      },
    );
    wrapper(
      module.exports,
      (specifier) => {
        if (!specifier.startsWith('.')) throw new Error(`${file} requires "${specifier}"`);
        const target = normalize(join(dirname(file), specifier));
        return load(target.endsWith('.js') ? target : `${target}.js`);
      },
      module,
    );
    return module.exports;
  };
  return load(entry);
}
