import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateDevState } from '../src/cli/dev-state.js';

describe('the state folder of wxlogin dev', () => {
  const dirs: string[] = [];
  const folder = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'wxlogin-dev-state-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates state.json (0600) with a master key and an admin token only, and reads the same back', () => {
    const dir = join(folder(), '.wxlogin');
    const created = loadOrCreateDevState(dir);
    expect(Buffer.from(created.masterKey, 'base64')).toHaveLength(32);
    expect(created.adminToken.length).toBeGreaterThanOrEqual(32);
    const file = join(dir, 'state.json');
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')))).toEqual(['masterKey', 'adminToken']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateDevState(dir)).toEqual(created);
  });

  it('keeps working with a state.json of the version that generated a dev secret, and leaves it as it was', () => {
    const dir = folder();
    const text = '{\n  "masterKey": "a2V5",\n  "adminToken": "token",\n  "devSecret": "0123456789abcdef"\n}\n';
    writeFileSync(join(dir, 'state.json'), text);
    expect(loadOrCreateDevState(dir)).toEqual({ masterKey: 'a2V5', adminToken: 'token' });
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe(text);
  });

  it('refuses an incomplete or foreign file instead of replacing it (the master key would be lost)', () => {
    for (const text of ['{"masterKey":"a2V5"}', 'null', '[]']) {
      const dir = folder();
      writeFileSync(join(dir, 'state.json'), text);
      expect(() => loadOrCreateDevState(dir), text).toThrow(/is incomplete; delete the .* folder/);
      expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe(text);
    }
  });
});
