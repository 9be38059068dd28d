import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What `wxlogin dev` generates once and reuses on the next start, kept in `.wxlogin/state.json` (mode 0600). */
export interface DevState {
  /** 32 bytes, base64: seals session_keys and signing keys in `.wxlogin/dev.db`. */
  masterKey: string;
  /** The bearer token of `/admin/api` (`WXLOGIN_ADMIN_TOKEN`). */
  adminToken: string;
}

/** The file of {@link DevState} in a state folder. */
export const devStateFile = (dir: string): string => join(dir, 'state.json');

/**
 * Reads `<dir>/state.json`, or creates it (and the folder) with fresh secrets. A half-written or foreign file is
 * not silently replaced: losing the master key would make every sealed value in the dev database unreadable.
 * A file written before the demo app took the simulator's published secret also holds a generated `devSecret`:
 * it is ignored and the file left as it is (nothing sealed depends on it; rewriting would risk the master key).
 */
export function loadOrCreateDevState(dir: string): DevState {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = devStateFile(dir);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text !== undefined) {
    const parsed = JSON.parse(text) as Partial<DevState> | null;
    if (typeof parsed?.masterKey !== 'string' || typeof parsed.adminToken !== 'string') {
      throw new Error(`${file} is incomplete; delete the ${dir} folder to start the dev setup afresh`);
    }
    return { masterKey: parsed.masterKey, adminToken: parsed.adminToken };
  }
  const state: DevState = {
    masterKey: randomBytes(32).toString('base64'),
    adminToken: randomBytes(24).toString('base64url'),
  };
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return state;
}
