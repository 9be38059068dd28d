import type { WxloginConfig } from '../config/load-config.js';
import type { CheckResult } from './check-result.js';
import { describeDatabase, describeRedis } from '../config/describe-targets.js';

/** The configuration was accepted: say what it points at (never a credential), for the operator to recognise. */
export function describeConfiguration(config: WxloginConfig): CheckResult {
  const appids = config.apps.map((app) => app.appid);
  const database = describeDatabase(config.databaseUrl);
  const redis = config.redisUrl === undefined ? 'not configured' : describeRedis(config.redisUrl);
  return {
    check: 'configuration',
    status: 'ok',
    summary: `valid: ${appids.length} app${appids.length === 1 ? '' : 's'} (${appids.join(', ')}); database ${database}; Redis ${redis}; WeChat ${config.wechatBaseUrl}`,
    data: { apps: appids.join(','), database, redis, wechatBaseUrl: config.wechatBaseUrl },
  };
}

/** The configuration was refused: every problem, as `serve` prints them (no problem line quotes a secret). */
export function refusedConfiguration(problems: readonly string[]): CheckResult {
  return {
    check: 'configuration',
    status: 'fail',
    summary: `invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing else was checked`,
    next: 'fix each variable listed (docs/operations.md describes them), then run `wxlogin doctor` again',
    details: [...problems],
  };
}
