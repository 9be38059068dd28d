/**
 * WeChat's API origins (docs/operations.md "Configuration": `serve` warns at start and in `/readyz` when the base URL
 * is none of these).
 */
const WECHAT_API_HOSTS: ReadonlySet<string> = new Set([
  'api.weixin.qq.com',
  'api2.weixin.qq.com',
  'sh.api.weixin.qq.com',
  'sz.api.weixin.qq.com',
  'hk.api.weixin.qq.com',
]);

/** A warning when `baseUrl` is not WeChat's (the simulator or a proxy), else undefined. */
export function wechatBaseUrlWarning(baseUrl: string): string | undefined {
  let host = '';
  let https = false;
  try {
    const url = new URL(baseUrl);
    host = url.hostname;
    https = url.protocol === 'https:';
  } catch {
    // reported below like any other foreign origin
  }
  if (https && WECHAT_API_HOSTS.has(host)) return undefined;
  return `WXLOGIN_WECHAT_BASE_URL (${baseUrl}) is not WeChat's API: logins are minted by whatever answers there (a simulator must never face production traffic).`;
}
