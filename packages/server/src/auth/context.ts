import type { Clock } from '../clock.js';
import type { WxloginConfig } from '../config/load-config.js';
import type { Sealer } from '../crypto/seal.js';
import type { IdGenerator } from '../ids.js';
import type { Logger } from '../logger.js';
import type { AuthMetrics } from '../metrics/auth-metrics.js';
import type { UserLoginLimit } from '../rate-limit/user-login-limit.js';
import type { LoginWait } from '../redis/login-wait.js';
import type { Store } from '../store/types.js';
import type { AccessTokens } from '../tokens/access-token.js';
import type { RefreshTokenCodec } from '../tokens/refresh-token.js';
import type { SessionCheck } from './session-check.js';
import type { WeChatLoginClient } from './types.js';

/** Everything the auth functions share, built once by `createAuth`. */
export interface AuthContext {
  config: WxloginConfig;
  store: Store;
  wechat: WeChatLoginClient;
  clock: Clock;
  newId: IdGenerator;
  sealer: Sealer;
  accessTokens: AccessTokens;
  refreshTokens: RefreshTokenCodec;
  sessions: SessionCheck;
  logger: Logger;
  /** Counters for `/metrics`; absent when nobody collects them. */
  metrics?: AuthMetrics;
  /** Logins per (appid, openid) per minute, checked once WeChat has named the user; absent when off. */
  userLoginLimit?: UserLoginLimit | undefined;
  /** Wakes instances waiting on a login code the moment its memo row is final (Redis); absent without Redis. */
  loginWait?: LoginWait | undefined;
}
