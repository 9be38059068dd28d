import { WeChatClient, WeChatError } from '@wxlogin/core';
import type { AppCredentials } from '../config/parse-apps.js';
import type { CheckResult } from './check-result.js';
import { credentialAdvice } from './credential-advice.js';
import { TokenLifetimeProbe } from './token-lifetime-probe.js';
import { withinDeadline } from './within-deadline.js';

/** Where the app check asks for a token, and how long it may take. */
export interface AppCheckOptions {
  baseUrl: string;
  /** The client's whole-call budget (`WXLOGIN_WECHAT_TIMEOUT_MS`). */
  wechatTimeoutMs: number;
  /** The check's own deadline, above the client's budget. */
  timeoutMs: number;
}

/**
 * Asks WeChat for the app's access token through `@wxlogin/core`'s client, as the service does: `stable_token` in
 * normal mode (never `force_refresh`, which would kill the token every running instance holds). Success proves the
 * AppID, the AppSecret and the IP whitelist; only the token's `expires_in` is shown, never the token or the secret.
 */
export function checkAppCredentials(app: AppCredentials, options: AppCheckOptions): Promise<CheckResult> {
  const failed = (summary: string, next?: string, data?: CheckResult['data']): CheckResult => ({
    check: 'app',
    appid: app.appid,
    status: 'fail',
    summary,
    ...(next === undefined ? {} : { next }),
    ...(data === undefined ? {} : { data }),
  });
  return withinDeadline(
    () => fetchToken(app, options, failed),
    options.timeoutMs,
    (seconds) => failed(`no access token within ${seconds} s`, 'see the wechat check: is WeChat reachable from here?'),
    (reason) => failed(`access token not obtained: ${reason}`),
  );
}

async function fetchToken(
  app: AppCredentials,
  options: AppCheckOptions,
  failed: (summary: string, next?: string, data?: CheckResult['data']) => CheckResult,
): Promise<CheckResult> {
  const probe = new TokenLifetimeProbe();
  const client = new WeChatClient({
    apps: [{ appid: app.appid, secret: app.secret }],
    baseUrl: options.baseUrl,
    timeoutMs: options.wechatTimeoutMs,
    tokenCache: probe,
    breaker: false,
  });
  try {
    await client.getAccessToken(app.appid);
    const expiresIn = probe.expiresInSeconds(app.appid) ?? null;
    return {
      check: 'app',
      appid: app.appid,
      status: 'ok',
      summary: `credentials valid, access_token obtained${expiresIn === null ? '' : ` (expires_in ${expiresIn} s)`}`,
      data: { expiresIn },
    };
  } catch (error) {
    if (!(error instanceof WeChatError)) throw error;
    const advice = credentialAdvice(error);
    return failed(advice.summary, advice.next, { errcode: error.errcode, errmsg: error.errmsg, rid: error.rid });
  } finally {
    await client.close();
  }
}
