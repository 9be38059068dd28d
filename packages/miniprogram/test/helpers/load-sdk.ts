import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import type * as Sdk from '../../src/index.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

/** The SDK as the mini program runs it, and the globals it reached for that the engine does not have. */
export interface LoadedSdk {
  sdk: typeof Sdk;
  /** Names looked up on the global object that are neither JS built-ins nor timers, `console` or `wx`. */
  strayGlobals(): string[];
}

/**
 * Loads the BUILT SDK (`dist/`, what mini program npm copies) into a `node:vm` context that holds only what WeChat's
 * JS engine has: the JS built-ins, timers, `console` and `wx`. No `fetch`, `URL`, `TextEncoder`, `Buffer`,
 * `process`, `AbortController`, `crypto`, `globalThis`. Every global lookup passes a Proxy that records the names
 * the context lacks, so even a `typeof fetch` probe is caught.
 */
export function loadSdk(wx: unknown): LoadedSdk {
  const realm = vm.runInNewContext('globalThis') as Record<string, unknown>;
  const globals: Record<string, unknown> = { setTimeout, clearTimeout, setInterval, clearInterval, console, wx };
  for (const name of Object.getOwnPropertyNames(realm)) if (name !== 'globalThis') globals[name] = realm[name];
  const stray = new Set<string>();
  const note = (key: string | symbol): void => {
    if (typeof key === 'string' && !(key in globals)) stray.add(key);
  };
  const context = vm.createContext(
    new Proxy(globals, {
      get: (target, key) => (note(key), Reflect.get(target, key)),
      has: (target, key) => (note(key), Reflect.has(target, key)),
    }),
  );

  const modules = new Map<string, { exports: Record<string, unknown> }>();
  const load = (file: string): Record<string, unknown> => {
    const cached = modules.get(file);
    if (cached !== undefined) return cached.exports;
    const module = { exports: {} as Record<string, unknown> };
    modules.set(file, module);
    // CommonJS as mini program npm runs it: `require`, `module` and `exports` are parameters, not globals.
    const wrapper = vm.runInContext(
      `(function (exports, require, module) {${readFileSync(file, 'utf8')}\n})`,
      context,
      {
        filename: file,
      },
    ) as (exports: unknown, require: (specifier: string) => unknown, module: unknown) => void;
    wrapper(
      module.exports,
      (specifier) => {
        if (!specifier.startsWith('.'))
          throw new Error(`the SDK requires "${specifier}": it must have no dependencies`);
        const target = normalize(join(dirname(file), specifier));
        return load(target.endsWith('.js') ? target : `${target}.js`);
      },
      module,
    );
    return module.exports;
  };

  return { sdk: load(join(DIST, 'index.js')) as unknown as typeof Sdk, strayGlobals: () => [...stray].sort() };
}
