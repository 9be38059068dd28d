import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSdk } from './helpers/load-sdk.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as Record<string, unknown>;

describe('@wxlogin/miniprogram as mini program npm takes it', () => {
  it('package.json: CommonJS main, types, "miniprogram": "dist", no runtime dependency', () => {
    expect(manifest).toMatchObject({ main: './dist/index.js', types: './types/index.d.ts', miniprogram: 'dist' });
    expect(manifest.type).toBeUndefined();
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependencies).toBeUndefined();
    expect(existsSync(`${root}dist/index.js`)).toBe(true);
    expect(existsSync(`${root}types/index.d.ts`)).toBe(true);
  });

  it('dist, the folder "构建 npm" copies into the mini program, holds JavaScript only', () => {
    expect(readdirSync(`${root}dist`).filter((f) => !f.endsWith('.js'))).toEqual([]);
  });

  it('the built files are ES2017 CommonJS that require only each other', () => {
    for (const file of readdirSync(`${root}dist`).filter((f) => f.endsWith('.js'))) {
      const code = readFileSync(`${root}dist/${file}`, 'utf8');
      expect(code, file).not.toMatch(/^\s*(import|export)\s/m);
      for (const [, specifier] of code.matchAll(/require\("([^"]+)"\)/g)) expect(specifier, file).toMatch(/^\.\//);
      // ES2018+ syntax the engine's older base libraries reject: object spread is downlevelled, no ?. or ??.
      expect(code, file).not.toMatch(/\?\.[a-zA-Z_$(]|\?\?/);
    }
  });

  it('loaded in a context with only the engine’s globals, it exposes the whole API and reaches for nothing else', () => {
    const { sdk, strayGlobals } = loadSdk({});
    for (const name of [
      'createClient',
      'WxloginError',
      'errorMessage',
      'isWxloginError',
      'ERROR_MESSAGES',
      'PHONE_QUOTA_ERRNO',
    ]) {
      expect(sdk, name).toHaveProperty(name);
    }
    expect(() => sdk.createClient({ baseUrl: 'https://api.example.com' })).toThrow(/getStorageSync|appid/);
    expect(() => sdk.createClient({ baseUrl: '/relative', platform: {} as never })).toThrow(/absolute/);
    expect(strayGlobals()).toEqual([]);
  });
});
