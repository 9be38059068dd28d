import type { AppCredentials } from '../config/parse-apps.js';
import { wechatBaseUrlWarning } from './wechat-host.js';

/**
 * The demo mini program of `wxlogin dev` and of the simulator. It exists only in the simulator, so its secret is
 * published (README, the simulator's default) and protects nothing: the simulator mints its logins for anyone.
 */
export const DEV_APPID = 'wxdevapp00000001';

/** The demo app's AppSecret, the same as the simulator's default (`DEFAULT_DEV_SECRET` of `@wxlogin/simulator`). */
export const DEV_SECRET = 'wxlogin-dev-secret';

/**
 * Problems, one line each, when the published dev app reaches WeChat's real API: its appid exists only in the
 * simulator and its secret is no real app's, so every login would fail there; a configuration copied from the dev
 * setup is refused at start instead. No line quotes a secret. Empty when `wechatBaseUrl` is not WeChat's.
 */
export function devAppProblems(apps: readonly AppCredentials[], wechatBaseUrl: string): string[] {
  // Only WeChat's own origins: a simulator or a test double may run the dev app, that is what it is for.
  if (wechatBaseUrlWarning(wechatBaseUrl) !== undefined) return [];
  const problems: string[] = [];
  for (const app of apps) {
    if (app.appid === DEV_APPID) {
      problems.push(
        `WXLOGIN_APPS: ${DEV_APPID} is the simulator's demo app, unknown to WeChat (${wechatBaseUrl}); configure your mini program's appid:AppSecret`,
      );
    } else if (app.secret === DEV_SECRET) {
      problems.push(
        `WXLOGIN_APPS: app ${app.appid} has the published dev secret of the simulator's demo app; use its AppSecret from mp.weixin.qq.com`,
      );
    }
  }
  return problems;
}
