import { SYNTHETIC_ERRCODES, type WeChatError } from '@wxlogin/core';

/** What a failed `stable_token` call means for the operator: the finding and the next step. */
export interface CredentialAdvice {
  summary: string;
  next: string;
}

const SETTINGS = "the mini program's admin at mp.weixin.qq.com (开发 → 开发管理 → 开发设置)";

/** WeChat reports the caller's address in a 40164 errmsg: `invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, …`. */
export function whitelistIpOf(errmsg: string): string | undefined {
  return /invalid ip ([0-9a-f.:]+)/i.exec(errmsg)?.[1]?.replace(/,$/, '');
}

/**
 * Turns a `stable_token` failure into words, by errcode (the brief of WeChat's token endpoint: 40013 bad AppID,
 * 40125 or 40001 bad secret, 40164 IP not on the whitelist, 40243 frozen secret, 45009 quota, -1 busy).
 */
export function credentialAdvice(error: WeChatError): CredentialAdvice {
  const said = `${error.errcode}${error.errmsg === '' ? '' : ` ${error.errmsg}`}`;
  switch (error.errcode) {
    case 40013:
    case 41002:
      return {
        summary: `WeChat does not know this AppID (${said})`,
        next: `copy the AppID from ${SETTINGS} into WXLOGIN_APPS; a 公众号's or another mini program's AppID does not work here`,
      };
    case 40125:
    case 40001:
    case 41004:
      return {
        summary: `the AppSecret is wrong (${said})`,
        next: `it was mistyped, or someone reset it: reset it in ${SETTINGS}, put the new one in WXLOGIN_APPS (or WXLOGIN_APPS_FILE) on every instance, and restart them`,
      };
    case 40164: {
      const ip = whitelistIpOf(error.errmsg);
      return {
        summary: `WeChat refused the caller's IP${ip === undefined ? '' : ` ${ip}`}: not on the IP whitelist (${said})`,
        next: `add ${ip ?? 'the egress IP WeChat reports'} to the IP whitelist (IP白名单) in ${SETTINGS}; every instance or NAT gateway that calls WeChat needs its egress IP there, and the address WeChat saw may be a NAT's, not this machine's`,
      };
    }
    case 40243:
      return {
        summary: `the AppSecret is frozen (${said})`,
        next: `unfreeze or reset it in ${SETTINGS}, then update WXLOGIN_APPS on every instance`,
      };
    case 45009:
      return {
        summary: `WeChat's daily quota for stable_token is used up (${said})`,
        next: 'wait for the next day (Beijing time), and look for something else fetching tokens for this AppID too often',
      };
    case -1:
      return {
        summary: `WeChat was busy, also after retries (${said})`,
        next: 'run `wxlogin doctor` again in a minute; keep the rid if it persists: WeChat support asks for it',
      };
    case SYNTHETIC_ERRCODES.TIMEOUT:
    case SYNTHETIC_ERRCODES.NETWORK:
    case SYNTHETIC_ERRCODES.HTTP_STATUS:
    case SYNTHETIC_ERRCODES.BAD_BODY:
      return {
        summary: `no usable answer from WeChat (${said})`,
        next: 'see the wechat check: is WXLOGIN_WECHAT_BASE_URL reachable from here?',
      };
    default:
      return {
        summary: `WeChat answered errcode ${said}`,
        next: "look the errcode up in WeChat's documentation of getStableAccessToken; keep the rid for WeChat support",
      };
  }
}
