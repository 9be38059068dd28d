import { WeChatClient } from '@wxlogin/core';
import type { Redis } from 'ioredis';
import { createAdmin } from '../admin/create-admin.js';
import { systemClock, type Clock } from '../clock.js';
import { ConfigError } from '../config/config-error.js';
import type { WxloginConfig } from '../config/load-config.js';
import { deriveRefreshKey } from '../crypto/derive.js';
import { createSealer } from '../crypto/seal.js';
import { createIdGenerator } from '../ids.js';
import { silentLogger, type Logger } from '../logger.js';
import { startBackgroundSweep } from '../maintenance/background-sweep.js';
import { silentMetrics, type AuthMetrics } from '../metrics/auth-metrics.js';
import { countRefresh, reportOutcome } from '../metrics/count-outcomes.js';
import { systemRandom, type RandomFill } from '../random.js';
import { createUserLoginLimit } from '../rate-limit/user-login-limit.js';
import { openSharedState } from '../redis/shared-state.js';
import { LoginStatsRecorder } from '../stats/login-stats-recorder.js';
import { statsAppid } from '../stats/stats-appid.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { createAccessTokens } from '../tokens/access-token.js';
import { createRefreshTokenCodec } from '../tokens/refresh-token.js';
import { createSigningKeyRing } from '../tokens/signing-keys.js';
import { bindPhone } from './bind-phone.js';
import type { AuthContext } from './context.js';
import { decrypt } from './decrypt.js';
import { devAppProblems } from './dev-app.js';
import { login } from './login.js';
import { logout, logoutAll } from './logout.js';
import { me, updateMe } from './me.js';
import { createReadiness } from './readiness.js';
import { refresh } from './refresh.js';
import { createSessionCheck } from './session-check.js';
import type { Auth, WeChatLoginClient } from './types.js';
import { deleteMe } from './user-lifecycle.js';
import { verifyAccessToken } from './verify-access-token.js';

/** What `createAuth` may be given instead of building it from the configuration. */
export interface CreateAuthOptions {
  /** An open, migrated store; otherwise one is opened from `config.databaseUrl` (and migrated when `migrate=auto`). */
  store?: Store;
  /** A WeChat client; otherwise a `WeChatClient` of `@wxlogin/core` over `config.apps` / `wechatBaseUrl`. */
  wechat?: WeChatLoginClient;
  clock?: Clock;
  /** Randomness of ids (UUIDv7); key material and IVs always come from the CSPRNG. */
  random?: RandomFill;
  logger?: Logger;
  /** Counters (`createApp` passes Prometheus ones); also fed by the built WeChat client's `onCall`. */
  metrics?: AuthMetrics;
  /** A Redis connection for shared state; otherwise one is opened from `config.redisUrl` when set (and closed here). */
  redis?: Redis;
}

/**
 * Builds the service's auth functions over a store, a WeChat client and the signing keys (created on first use
 * of a database). Resolves once the store is ready and the signing keys are loaded. Throws a `ConfigError` when
 * the demo app of `wxlogin dev` is configured against WeChat's real API.
 */
export async function createAuth(config: WxloginConfig, options: CreateAuthOptions = {}): Promise<Auth> {
  // Before anything is opened: a host's own WeChat client is its business, the one built here must reach a real app.
  const devApp = options.wechat === undefined ? devAppProblems(config.apps, config.wechatBaseUrl) : [];
  if (devApp.length > 0) throw new ConfigError(devApp);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const metrics = options.metrics ?? silentMetrics;
  const masterKey = Buffer.from(config.masterKey, 'base64');
  const sealer = createSealer(masterKey);
  const refreshTokens = createRefreshTokenCodec(deriveRefreshKey(masterKey));
  masterKey.fill(0);

  const ownsStore = options.store === undefined;
  const store =
    options.store ??
    (await openStore(config.databaseUrl, {
      poolMax: Math.max(2, config.dbPoolMax),
      ...(config.dbStatementTimeoutMs > 0 ? { statementTimeoutMs: config.dbStatementTimeoutMs } : {}),
    }));
  let ownsWechat = false;
  const shared = openSharedState(config.redisUrl, { redis: options.redis, logger });
  try {
    if (ownsStore && config.migrate === 'auto') await store.migrate();
    const keys = createSigningKeyRing({
      store,
      sealer,
      clock,
      logger,
      alg: config.jwtAlg,
      accessTtlSeconds: config.accessTtl,
    });
    await keys.init();

    // Before the WeChat client: its calls are counted too (errcodes, latency, phone spend for the console).
    const loginStats = new LoginStatsRecorder({ store, clock, logger });
    const wechat =
      options.wechat ??
      new WeChatClient({
        apps: config.apps.map((a) => ({ appid: a.appid, secret: a.secret })),
        baseUrl: config.wechatBaseUrl,
        timeoutMs: config.wechatTimeoutMs,
        clock,
        onCall: (event) => {
          metrics.wechatCall(event);
          loginStats.recordWeChatCall(event);
        },
        ...(shared.tokenCache === undefined ? {} : { tokenCache: shared.tokenCache }),
      });
    ownsWechat = options.wechat === undefined;

    const ctx: AuthContext = {
      config,
      store,
      wechat,
      clock,
      logger,
      sealer,
      refreshTokens,
      newId: createIdGenerator({ clock, random: options.random ?? systemRandom }),
      accessTokens: createAccessTokens({
        keys,
        clock,
        issuer: config.issuer,
        audience: config.audience,
        ttlSeconds: config.accessTtl,
        appids: new Set(config.apps.map((a) => a.appid)),
      }),
      sessions: shared.sessions(createSessionCheck({ store, clock })),
      loginWait: shared.loginWait,
      userLoginLimit: createUserLoginLimit({
        perMinute: config.userRateLimitPerMin,
        redis: shared.redis,
        onFailOpen: () => metrics.rateLimitFailedOpen(),
      }),
      metrics,
    };
    loginStats.start();

    const sweep = startBackgroundSweep({ store, clock, logger });
    const readiness = createReadiness({ config, store, wechat, redisStatus: () => shared.redisStatus(), logger });

    return {
      login: (input) =>
        reportOutcome(login(ctx, input), (outcome) => {
          metrics.loginFinished(input.appid, outcome);
          loginStats.record(statsAppid(config.apps, input.appid), outcome);
        }),
      refresh: (input) => countRefresh(metrics, refresh(ctx, input)),
      metrics,
      logout: (input) => logout(ctx, input),
      logoutAll: (claims) => logoutAll(ctx, claims),
      verifyAccessToken: (token) => verifyAccessToken(ctx, token),
      me: (claims) => me(ctx, claims),
      updateMe: (claims, patch) => updateMe(ctx, claims, patch),
      bindPhone: (claims, input) => bindPhone(ctx, claims, input),
      decrypt: (claims, input) => decrypt(ctx, claims, input),
      deleteMe: (claims) => deleteMe(ctx, claims),
      admin: createAdmin(ctx, { stats: loginStats, readiness }),
      async jwks() {
        return keys.jwks();
      },
      readiness,
      async close() {
        sweep.stop();
        await loginStats.close();
        if (ownsWechat) await wechat.close?.();
        await shared.close();
        if (ownsStore) await store.close();
      },
    };
  } catch (error) {
    await shared.close().catch(() => {});
    if (ownsStore) await store.close().catch(() => {});
    throw error;
  }
}
