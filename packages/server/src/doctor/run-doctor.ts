import type { WxloginConfig } from '../config/load-config.js';
import { checkAppCredentials } from './check-app-credentials.js';
import { checkClock } from './check-clock.js';
import { describeConfiguration } from './check-configuration.js';
import { checkDatabase } from './check-database.js';
import { checkRedis } from './check-redis.js';
import type { CheckResult, ClockSample } from './check-result.js';
import { checkWeChat } from './check-wechat.js';

/** Longest one check may take, ms (WeChat's own budget, `WXLOGIN_WECHAT_TIMEOUT_MS`, may be longer). */
export const CHECK_TIMEOUT_MS = 10_000;

/** Everything `wxlogin doctor` found. */
export interface DoctorReport {
  /** No check failed (warnings allowed). */
  ok: boolean;
  /** 0 when no check failed, 1 when one did, 2 when the configuration was refused. */
  exitCode: 0 | 1 | 2;
  /** In the order printed. */
  checks: CheckResult[];
}

/**
 * Runs every check of a configuration at once, each on its own deadline, and hands the results to `emit` in the
 * report's order as soon as each is known: configuration, database, migrations, Redis, WeChat, one per app, clock.
 * A failed check never stops another; nothing is written anywhere (no migration, no token forced).
 */
export async function runDoctor(config: WxloginConfig, emit: (result: CheckResult) => void): Promise<DoctorReport> {
  const checks: CheckResult[] = [];
  const report = (result: CheckResult): void => {
    checks.push(result);
    emit(result);
  };
  const wechatBudgetMs = Math.max(CHECK_TIMEOUT_MS, config.wechatTimeoutMs + 2000);
  const database = checkDatabase(config, CHECK_TIMEOUT_MS);
  const redis = checkRedis(config.redisUrl, CHECK_TIMEOUT_MS);
  const wechat = checkWeChat(config.wechatBaseUrl, Math.min(config.wechatTimeoutMs, CHECK_TIMEOUT_MS));
  const apps = config.apps.map((app) =>
    checkAppCredentials(app, {
      baseUrl: config.wechatBaseUrl,
      wechatTimeoutMs: config.wechatTimeoutMs,
      timeoutMs: wechatBudgetMs,
    }),
  );

  report(describeConfiguration(config));
  const databaseFindings = await database;
  report(databaseFindings.database);
  report(databaseFindings.migrations);
  report(await redis);
  const wechatFindings = await wechat;
  report(wechatFindings.result);
  for (const app of apps) report(await app);
  const samples = [wechatFindings.clock, databaseFindings.clock].filter(
    (sample): sample is ClockSample => sample !== undefined,
  );
  report(checkClock(samples, /^sqlite:/i.test(config.databaseUrl)));

  const ok = checks.every((check) => check.status !== 'fail');
  return { ok, exitCode: ok ? 0 : 1, checks };
}
