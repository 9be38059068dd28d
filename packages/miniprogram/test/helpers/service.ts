import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator, type Simulator } from '@wxlogin/simulator';
import { spawnNode, type SpawnedProcess } from '../../../server/test/helpers/spawn-process.js';

/** A real `wxlogin serve` process on SQLite, talking to an in-process simulator. */
export interface RunningService {
  /** The service's origin, e.g. `http://127.0.0.1:40123`. */
  url: string;
  appid: string;
  simulator: Simulator;
  process: SpawnedProcess;
  adminToken: string;
  masterKey: string;
  /** Calls the admin API with the admin token. */
  admin(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

const APPID = 'wx5d3c1a7e9b2f4680';
const BIN = 'packages/server/bin/wxlogin.js';

/** Starts the simulator on a free port, then `wxlogin serve` on another, with `env` added. */
export async function startService(env: Record<string, string> = {}): Promise<RunningService> {
  const secret = randomBytes(16).toString('hex');
  const simulator = createSimulator({ apps: [{ appid: APPID, secret }] });
  const simulatorUrl = await simulator.listen({ port: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'wxlogin-sdk-'));
  const adminToken = randomBytes(24).toString('base64url');
  const masterKey = randomBytes(32).toString('base64');
  const proc = spawnNode([BIN, 'serve'], {
    WXLOGIN_HOST: '127.0.0.1',
    WXLOGIN_PORT: '0',
    WXLOGIN_APPS: `${APPID}:${secret}`,
    WXLOGIN_MASTER_KEY: masterKey,
    WXLOGIN_DATABASE_URL: `sqlite:${join(dir, 'sdk.db')}`,
    WXLOGIN_WECHAT_BASE_URL: simulatorUrl,
    WXLOGIN_ADMIN_TOKEN: adminToken,
    ...env,
  });
  let url: string;
  try {
    [, url = ''] = await proc.waitFor(/listening at (http:\/\/127\.0\.0\.1:\d+)/, 20_000);
  } catch (error) {
    await proc.stop();
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    appid: APPID,
    simulator,
    process: proc,
    adminToken,
    masterKey,
    async admin(method, path, body) {
      const response = await fetch(`${url}/admin/api${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
    },
    async stop() {
      await proc.stop();
      await simulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
