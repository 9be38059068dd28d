import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { DEV_APPID, DEV_SECRET } from '../auth/dev-app.js';
import { loadConfig } from '../config/load-config.js';
import { devBanner } from './banner.js';
import { devStateFile, loadOrCreateDevState } from './dev-state.js';
import { listen } from './serve.js';

/** Options of `wxlogin dev`. */
export interface DevOptions {
  /**
   * Address of both the service and the simulator; default `127.0.0.1`. Another one (`0.0.0.0` for a phone on the
   * LAN, in real-device preview) prints a warning: the simulator mints logins for anyone who reaches it.
   */
  host?: string;
  port?: number;
  simulatorPort?: number;
  /** Folder of the dev database and generated secrets; default `.wxlogin` in the working directory. */
  stateDir?: string;
  logLevel?: string;
}

/** The demo mini program of `wxlogin dev` (also the simulator's built-in dev app). */
export { DEV_APPID };

/**
 * `wxlogin dev`: the WeChat simulator on 127.0.0.1:3001 and the service on 127.0.0.1:3000, SQLite at
 * `.wxlogin/dev.db`, master key and admin token generated once into `.wxlogin/state.json`; prints the banner. The
 * demo app has the simulator's published secret, so what the README shows for the simulator works against this one.
 */
export async function dev(options: DevOptions = {}): Promise<{ app: FastifyInstance; close(): Promise<void> }> {
  const stateDir = resolve(options.stateDir ?? '.wxlogin');
  const state = loadOrCreateDevState(stateDir);
  const databaseFile = join(stateDir, 'dev.db');

  // Optional peer, loaded only here: production installs need not carry the simulator.
  let simulatorModule: typeof import('@wxlogin/simulator');
  try {
    simulatorModule = await import('@wxlogin/simulator');
  } catch {
    throw new Error('wxlogin dev needs @wxlogin/simulator: npm i -D @wxlogin/simulator');
  }
  const host = options.host ?? '127.0.0.1';
  const simulator = simulatorModule.createSimulator({ devSecret: DEV_SECRET });
  const simulatorUrl = await simulator.listen({ host, port: options.simulatorPort ?? 3001 });

  let app: FastifyInstance;
  try {
    const config = loadConfig({
      env: {
        WXLOGIN_HOST: host,
        WXLOGIN_PORT: String(options.port ?? 3000),
        WXLOGIN_APPS: `${DEV_APPID}:${DEV_SECRET}`,
        WXLOGIN_DATABASE_URL: `sqlite:${databaseFile}`,
        WXLOGIN_MASTER_KEY: state.masterKey,
        WXLOGIN_ADMIN_TOKEN: state.adminToken,
        WXLOGIN_WECHAT_BASE_URL: simulatorUrl,
        WXLOGIN_LOG_LEVEL: options.logLevel ?? 'info',
      },
    });
    app = await listen(config, () => simulator.close());
  } catch (error) {
    await simulator.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 3000);
  const simulatorPort = Number(new URL(simulatorUrl).port);
  const local = isWildcard(host) ? '127.0.0.1' : host;
  if (!isLoopback(host)) {
    process.stderr.write(
      `wxlogin dev: WARNING: listening on ${host}: the simulator mints logins for anyone who can reach it. ` +
        'Use this only on a trusted network, for real-device preview.\n',
    );
  }
  process.stdout.write(
    devBanner({
      serviceUrl: `http://${urlHost(local)}:${port}`,
      simulatorUrl: `http://${urlHost(local)}:${simulatorPort}`,
      lanUrls: isWildcard(host) ? lanAddresses().map((ip) => `http://${ip}:${port}`) : [],
      host,
      appid: DEV_APPID,
      appSecret: DEV_SECRET,
      databaseFile,
      stateFile: devStateFile(stateDir),
      adminToken: state.adminToken,
    }),
  );
  return { app, close: () => app.close().then(() => simulator.close()) };
}

const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';
const isLoopback = (host: string): boolean => /^127\./.test(host) || host === '::1' || host === 'localhost';
const urlHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/** This machine's IPv4 addresses a phone on the same network can reach. */
function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .filter((entry) => entry.family === 'IPv4' && !entry.internal)
    .map((entry) => entry.address);
}
