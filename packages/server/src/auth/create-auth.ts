import { WeChatClient } from '@wxlogin/core';
import { systemClock, type Clock } from '../clock.js';
import type { WxloginConfig } from '../config/load-config.js';
import { deriveRefreshKey } from '../crypto/derive.js';
import { createSealer } from '../crypto/seal.js';
import { AppError } from '../errors.js';
import { createIdGenerator } from '../ids.js';
import { silentLogger, type Logger } from '../logger.js';
import { systemRandom, type RandomFill } from '../random.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { createAccessTokens } from '../tokens/access-token.js';
import { createRefreshTokenCodec } from '../tokens/refresh-token.js';
import { createSigningKeyRing } from '../tokens/signing-keys.js';
import type { AuthContext } from './context.js';
import { login } from './login.js';
import { validateProfilePatch } from './profile-patch.js';
import { logout, refresh } from './refresh.js';
import { createSessionCheck } from './session-check.js';
import type { Auth, Readiness, WeChatLoginClient } from './types.js';
import { toUser } from './user-view.js';
import { wechatBaseUrlWarning } from './wechat-host.js';

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
}

/**
 * Builds the service's auth functions over a store, a WeChat client and the signing keys (created on first use
 * of a database). Resolves once the store is ready and the signing keys are loaded.
 */
export async function createAuth(config: WxloginConfig, options: CreateAuthOptions = {}): Promise<Auth> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
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
      sessions: createSessionCheck({ store, clock }),
    };
    const baseUrlWarning = wechatBaseUrlWarning(config.wechatBaseUrl);

    const currentUser = async (sub: string) => {
      const row = await store.getUser(sub);
      if (!row) throw new AppError('UNAUTHORIZED', 'The session has ended.');
      if (row.status === 'disabled') throw new AppError('USER_DISABLED');
      return row;
    };

    return {
      login: (input) => login(ctx, input),
      refresh: (input) => refresh(ctx, input),
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
        return toUser(await currentUser(claims.sub));
      },
      async updateMe(claims, patch) {
        const valid = validateProfilePatch(patch);
        await currentUser(claims.sub);
        const row = await store.updateProfile(claims.sub, valid, clock());
        if (!row) throw new AppError('UNAUTHORIZED', 'The session has ended.');
        return toUser(row);
      },
      async jwks() {
        return keys.jwks();
      },
      async readiness(): Promise<Readiness> {
        let database: Readiness['database'] = 'ok';
        try {
          await store.ping();
        } catch (error) {
          logger.warn({ err: error }, 'readiness: database ping failed');
          database = 'unreachable';
        }
        return {
          ok: database === 'ok',
          database,
          redis: 'not_configured',
          wechat: { baseUrl: config.wechatBaseUrl, ...(baseUrlWarning === undefined ? {} : { warning: baseUrlWarning }) },
        };
      },
      async close() {
        if (ownsWechat) await wechat.close?.();
        if (ownsStore) await store.close();
      },
    };
  } catch (error) {
    if (ownsStore) await store.close().catch(() => {});
    throw error;
  }
}
