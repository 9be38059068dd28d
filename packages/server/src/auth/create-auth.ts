import { WeChatClient } from '@wxlogin/core';
import type { Redis } from 'ioredis';
import { systemClock, type Clock } from '../clock.js';
import type { WxloginConfig } from '../config/load-config.js';
import { deriveRefreshKey } from '../crypto/derive.js';
import { createSealer } from '../crypto/seal.js';
import { AppError } from '../errors.js';
import { createIdGenerator } from '../ids.js';
import { silentLogger, type Logger } from '../logger.js';
import { silentMetrics, type AuthMetrics } from '../metrics/auth-metrics.js';
import { countRefresh, reportOutcome } from '../metrics/count-outcomes.js';
import { systemRandom, type RandomFill } from '../random.js';
import { openSharedState } from '../ops/shared-state.js';
import { createUserLoginLimit } from '../ops/user-login-limit.js';
import { settleWithin } from '../store/client-timeouts.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { createAccessTokens } from '../tokens/access-token.js';
import { createRefreshTokenCodec } from '../tokens/refresh-token.js';
import { createSigningKeyRing } from '../tokens/signing-keys.js';
import { createAdmin } from '../admin/create-admin.js';
import { LoginStatsRecorder } from '../stats/login-stats-recorder.js';
import { statsAppid } from '../stats/stats-appid.js';
import { deleteMe } from './lifecycle.js';
import { bindPhone } from './bind-phone.js';
import { activeUser } from './active-user.js';
import type { AuthContext } from './context.js';
import { startBackgroundSweep } from '../ops/background-sweep.js';
import { decrypt } from './decrypt.js';
import { login } from './login.js';
import { validateProfilePatch } from './profile-patch.js';
import { logout, refresh } from './refresh.js';
import { createSessionCheck } from './session-check.js';
import type { Auth, Readiness, WeChatLoginClient } from './types.js';
import { toUser } from './user-view.js';
import { wechatBaseUrlWarning } from './wechat-host.js';

/** How long `/readyz` waits for the database's answer to its ping before calling it unreachable, ms. */
const READINESS_TIMEOUT_MS = 1500;

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
 * of a database). Resolves once the store is ready and the signing keys are loaded.
 */
export async function createAuth(config: WxloginConfig, options: CreateAuthOptions = {}): Promise<Auth> {
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
    const keys = createSigningKeyRing({ store, sealer, clock, logger, alg: config.jwtAlg, accessTtlSeconds: config.accessTtl });
    await keys.init();

    const wechat =
      options.wechat ??
      new WeChatClient({
        apps: config.apps.map((a) => ({ appid: a.appid, secret: a.secret })),
        baseUrl: config.wechatBaseUrl,
        timeoutMs: config.wechatTimeoutMs,
        clock,
        onCall: (event) => metrics.wechatCall(event),
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
    const baseUrlWarning = wechatBaseUrlWarning(config.wechatBaseUrl);
    const loginStats = new LoginStatsRecorder({ store, clock, logger });
    loginStats.start();

    const sweep = startBackgroundSweep({ store, clock, logger });
    let pinging: Promise<void> | undefined;

    return {
      login: (input) =>
        reportOutcome(login(ctx, input), (outcome) => {
          metrics.loginFinished(input.appid, outcome);
          loginStats.record(statsAppid(config.apps, input.appid), outcome);
        }),
      refresh: (input) => countRefresh(metrics, refresh(ctx, input)),
      metrics,
      logout: (input) => logout(ctx, input),
      async logoutAll(claims) {
        const count = await store.revokeUserFamilies(claims.sub, 'logout_all', clock());
        ctx.sessions.forgetUser(claims.sub);
        return count;
      },
      async verifyAccessToken(token) {
        const claims = await ctx.accessTokens.verify(token);
        await ctx.sessions.assertAlive(claims);
        return claims;
      },
      async me(claims) {
        return toUser(await activeUser(ctx, claims.sub));
      },
      async updateMe(claims, patch) {
        const valid = validateProfilePatch(patch);
        await activeUser(ctx, claims.sub);
        const row = await store.updateProfile(claims.sub, valid, clock());
        if (!row) throw new AppError('UNAUTHORIZED', 'The session has ended.');
        return toUser(row);
      },
      bindPhone: (claims, input) => bindPhone(ctx, claims, input),
      decrypt: (claims, input) => decrypt(ctx, claims, input),
      deleteMe: (claims) => deleteMe(ctx, claims),
      admin: createAdmin(ctx, loginStats),
      async jwks() {
        return keys.jwks();
      },
      async readiness(): Promise<Readiness> {
        let database: Readiness['database'] = 'ok';
        try {
          // One ping at a time, answered within READINESS_TIMEOUT_MS: a partitioned database must fail the probe,
          // not hang it, and probes repeated meanwhile must not pile up statements on a pool that cannot answer.
          pinging ??= store.ping().finally(() => {
            pinging = undefined;
          });
          await settleWithin(pinging, READINESS_TIMEOUT_MS, 'readiness ping');
        } catch (error) {
          logger.warn({ err: error }, 'readiness: database ping failed');
          database = 'unreachable';
        }
        return {
          ok: database === 'ok',
          database,
          redis: shared.redisStatus(),
          wechat: {
            baseUrl: config.wechatBaseUrl,
            ...(baseUrlWarning === undefined ? {} : { warning: baseUrlWarning }),
            ...(wechat.circuitState === undefined ? {} : { circuit: wechat.circuitState }),
          },
        };
      },
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
