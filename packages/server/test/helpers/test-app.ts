import { randomBytes } from 'node:crypto';
import { DEFAULT_DEV_SECRET, DEV_APPID, createSimulator, type Simulator } from '@wxlogin/simulator';
import type { LightMyRequestResponse } from 'fastify';
import { onTestFinished } from 'vitest';
import { createApp, type CreateAppOptions, type WxloginApp } from '../../src/app.js';
import type { Auth } from '../../src/auth/types.js';
import type { LoginResponse } from '../../src/schemas/tokens.js';
import { loadConfig, type WxloginConfig } from '../../src/config/load-config.js';
import { openStore, type Store } from '../../src/store/index.js';
import { createTestClock, type TestClock } from './test-clock.js';

/** Options of {@link createTestApp}. */
export interface TestAppOptions {
  /** Extra `WXLOGIN_*` variables (override the defaults below). */
  env?: Record<string, string>;
  /** More apps besides the dev app (registered at the simulator and in `WXLOGIN_APPS`). */
  extraApps?: { appid: string; secret: string }[];
  /** Collects the app's log lines (then the level is `WXLOGIN_LOG_LEVEL`, default `silent`). */
  logStream?: { write(line: string): void };
  /** More options of `createApp` (a WeChat client, a Redis connection…); store, clock and logStream are the helper's. */
  appOptions?: Omit<CreateAppOptions, 'store' | 'clock' | 'logStream'>;
  /** A migrated store to use instead of a fresh `sqlite::memory:` one (e.g. from `createTestStore`); left open for its owner. */
  store?: Store;
}

/** What {@link login} answered. */
export interface TestLogin {
  response: LightMyRequestResponse;
  status: number;
  body: LoginResponse;
  /** The code that was sent, and the user it was minted for. */
  code: string;
  openid: string;
}

/** A complete, isolated wxlogin for one test: app, auth, simulator and store on `sqlite::memory:`. */
export interface TestApp {
  app: WxloginApp;
  auth: Auth;
  simulator: Simulator;
  store: Store;
  clock: TestClock;
  config: WxloginConfig;
  /** The master key in use (base64), for log-scan tests. */
  masterKey: string;
  /** The dev appid `wxdevapp00000001`. */
  appid: string;
  /** Mints a code at the simulator (what wx.login() does) and posts it to `/v1/auth/login`. */
  login(options?: {
    appid?: string;
    openid?: string;
    unionid?: string | null;
    loginNonce?: string;
    sendAppid?: boolean;
  }): Promise<TestLogin>;
  /** `POST` JSON to a path. */
  post(url: string, body: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** `GET` with an optional bearer token. */
  get(url: string, accessToken?: string): Promise<LightMyRequestResponse>;
  /** Closes app, store and simulator (also run automatically when the test ends). */
  close(): Promise<void>;
}

/**
 * Builds a whole wxlogin for one test in one call: the simulator on 127.0.0.1 (sharing the injected clock), a
 * migrated `sqlite::memory:` store, `createApp` with the configuration read by `loadConfig`, and cleanup when the
 * test finishes.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const clock = createTestClock();
  const extraApps = options.extraApps ?? [];
  const simulator = createSimulator({ clock, apps: extraApps });
  const simulatorUrl = await simulator.listen({ port: 0 });
  const ownsStore = options.store === undefined;
  const store = options.store ?? (await openStore('sqlite::memory:'));
  let app: WxloginApp | undefined;
  try {
    if (ownsStore) await store.migrate();
    const masterKey = randomBytes(32).toString('base64');
    const config = loadConfig({
      env: {
        WXLOGIN_APPS: [`${DEV_APPID}:${DEFAULT_DEV_SECRET}`, ...extraApps.map((a) => `${a.appid}:${a.secret}`)].join(
          ',',
        ),
        WXLOGIN_MASTER_KEY: masterKey,
        WXLOGIN_DATABASE_URL: 'sqlite::memory:',
        WXLOGIN_WECHAT_BASE_URL: simulatorUrl,
        WXLOGIN_WECHAT_TIMEOUT_MS: '2000',
        WXLOGIN_LOG_LEVEL: 'silent',
        ...options.env,
      },
    });
    app = await createApp(config, {
      ...options.appOptions,
      store,
      clock,
      ...(options.logStream ? { logStream: options.logStream } : {}),
    });
    const ready = app;

    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      await ready.close();
      if (ownsStore) await store.close();
      await simulator.close();
    };
    onTestFinished(close);

    const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
      ready.inject({ method: 'POST', url, payload: body as object, headers });
    const get = (url: string, accessToken?: string) =>
      ready.inject({ method: 'GET', url, headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {} });

    return {
      app: ready,
      auth: ready.wxlogin,
      simulator,
      store,
      clock,
      config,
      masterKey: config.masterKey,
      appid: DEV_APPID,
      post,
      get,
      close,
      async login(opts = {}) {
        const appid = opts.appid ?? DEV_APPID;
        const minted = simulator.login({
          appid,
          ...(opts.openid === undefined ? {} : { openid: opts.openid }),
          ...(opts.unionid === undefined ? {} : { unionid: opts.unionid }),
        });
        const response = await post('/v1/auth/login', {
          code: minted.code,
          ...(opts.sendAppid === false ? {} : { appid }),
          ...(opts.loginNonce === undefined ? {} : { loginNonce: opts.loginNonce }),
        });
        return {
          response,
          status: response.statusCode,
          body: response.json<LoginResponse>(),
          code: minted.code,
          openid: minted.openid,
        };
      },
    };
  } catch (error) {
    await app?.close().catch(() => {});
    if (ownsStore) await store.close().catch(() => {});
    await simulator.close().catch(() => {});
    throw error;
  }
}
