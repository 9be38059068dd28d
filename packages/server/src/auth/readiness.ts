import type { WxloginConfig } from '../config/load-config.js';
import type { Logger } from '../logger.js';
import type { RedisStatus } from '../redis/shared-state.js';
import type { Readiness } from '../schemas/readiness.js';
import { settleWithin } from '../store/client-timeouts.js';
import type { Store } from '../store/types.js';
import type { WeChatLoginClient } from './types.js';
import { wechatBaseUrlWarning } from './wechat-host.js';

/** How long `/readyz` waits for the database's answer to its ping before calling it unreachable, ms. */
const READINESS_TIMEOUT_MS = 1500;

/** What {@link createReadiness} reports on. */
export interface ReadinessSources {
  config: Pick<WxloginConfig, 'wechatBaseUrl'>;
  store: Pick<Store, 'ping'>;
  wechat: Pick<WeChatLoginClient, 'circuitState'>;
  redisStatus: () => RedisStatus;
  logger: Logger;
}

/**
 * `/readyz`'s answer: not ready only when the database does not answer its ping; Redis and WeChat are reported,
 * never a reason to be taken out of rotation.
 */
export function createReadiness(sources: ReadinessSources): () => Promise<Readiness> {
  const { config, store, wechat, logger } = sources;
  const baseUrlWarning = wechatBaseUrlWarning(config.wechatBaseUrl);
  let pinging: Promise<void> | undefined;
  return async () => {
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
      redis: sources.redisStatus(),
      wechat: {
        baseUrl: config.wechatBaseUrl,
        ...(baseUrlWarning === undefined ? {} : { warning: baseUrlWarning }),
        ...(wechat.circuitState === undefined ? {} : { circuit: wechat.circuitState }),
      },
    };
  };
}
