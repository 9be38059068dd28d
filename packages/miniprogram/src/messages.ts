import type { WxloginErrorCode } from './errors.js';

/** The languages {@link errorMessage} speaks. */
export type Locale = 'zh-CN' | 'en';

type Table = Record<WxloginErrorCode, string>;

// Shown to users, so they say what to do, not what broke inside.
const ZH_CN: Table = {
  VALIDATION_FAILED: '请求内容有误，请稍后重试',
  UNKNOWN_APP: '小程序未在服务端配置，请联系开发者',
  INVALID_CODE: '登录凭证已失效，请重新登录',
  CODE_ALREADY_USED: '登录凭证已被使用，请重新登录',
  INVALID_PHONE_CODE: '手机号授权已失效，请再点一次按钮',
  DECRYPT_FAILED: '数据校验失败，请重试',
  UNAUTHORIZED: '登录已失效，请重新登录',
  REFRESH_TOKEN_REUSED: '登录状态异常，已为你退出，请重新登录',
  SESSION_EXPIRED: '登录已过期，请重新登录',
  USER_DISABLED: '账号已被停用，如有疑问请联系客服',
  NOT_FOUND: '请求的内容不存在',
  USER_BLOCKED: '微信判定当前账号存在风险，暂时无法登录',
  PHONE_IN_USE: '该手机号已绑定其他账号',
  WECHAT_SESSION_STALE: '微信登录状态已更新，请再点一次',
  REQUEST_TIMEOUT: '网络太慢，请求超时，请重试',
  PAYLOAD_TOO_LARGE: '提交的内容过大',
  UNSUPPORTED_MEDIA_TYPE: '请求格式有误，请联系开发者',
  HEADERS_TOO_LARGE: '请求格式有误，请联系开发者',
  RATE_LIMITED: '操作太频繁，请稍后再试',
  WECHAT_RATE_LIMITED: '微信接口调用太频繁，请稍后再试',
  APP_MISCONFIGURED: '服务配置有误，请联系开发者',
  WECHAT_ERROR: '微信服务返回错误，请稍后重试',
  WECHAT_UNAVAILABLE: '微信服务暂时不可用，请稍后重试',
  DEPENDENCY_UNAVAILABLE: '服务暂时不可用，请稍后重试',
  SHUTTING_DOWN: '服务正在重启，请稍后重试',
  INTERNAL_ERROR: '服务出错了，请稍后重试',
  NETWORK_ERROR: '网络连接失败，请检查网络后重试',
  WX_LOGIN_FAILED: '微信登录失败，请稍后重试',
  PHONE_DENIED: '未授权手机号，可稍后在设置中绑定',
  PHONE_QUOTA_EXCEEDED: '手机号验证次数已用完，请联系开发者',
  HTTP_ERROR: '请求失败，请稍后重试',
};

const EN: Table = {
  VALIDATION_FAILED: 'The request was not valid. Please try again later.',
  UNKNOWN_APP: 'This mini program is not set up on the server. Please contact the developer.',
  INVALID_CODE: 'The login expired. Please log in again.',
  CODE_ALREADY_USED: 'The login was already used. Please log in again.',
  INVALID_PHONE_CODE: 'The phone-number authorization expired. Please tap the button again.',
  DECRYPT_FAILED: 'The data could not be verified. Please try again.',
  UNAUTHORIZED: 'You are no longer logged in. Please log in again.',
  REFRESH_TOKEN_REUSED: 'Your session looked unsafe and was ended. Please log in again.',
  SESSION_EXPIRED: 'Your session has expired. Please log in again.',
  USER_DISABLED: 'This account is disabled. Please contact support.',
  NOT_FOUND: 'Not found.',
  USER_BLOCKED: 'WeChat flagged this account as risky; login is not possible right now.',
  PHONE_IN_USE: 'This phone number is bound to another account.',
  WECHAT_SESSION_STALE: 'Your WeChat login was refreshed. Please tap again.',
  REQUEST_TIMEOUT: 'The network is too slow; the request timed out. Please try again.',
  PAYLOAD_TOO_LARGE: 'What you sent is too large.',
  UNSUPPORTED_MEDIA_TYPE: 'The request format is wrong. Please contact the developer.',
  HEADERS_TOO_LARGE: 'The request format is wrong. Please contact the developer.',
  RATE_LIMITED: 'Too many attempts. Please try again later.',
  WECHAT_RATE_LIMITED: 'WeChat is receiving too many requests. Please try again later.',
  APP_MISCONFIGURED: 'The service is misconfigured. Please contact the developer.',
  WECHAT_ERROR: 'WeChat answered with an error. Please try again later.',
  WECHAT_UNAVAILABLE: 'WeChat is unavailable right now. Please try again later.',
  DEPENDENCY_UNAVAILABLE: 'The service is unavailable right now. Please try again later.',
  SHUTTING_DOWN: 'The service is restarting. Please try again in a moment.',
  INTERNAL_ERROR: 'Something went wrong on our side. Please try again later.',
  NETWORK_ERROR: 'No network connection. Please check your network and try again.',
  WX_LOGIN_FAILED: 'WeChat login failed. Please try again later.',
  PHONE_DENIED: 'No phone number was shared. You can bind one later in settings.',
  PHONE_QUOTA_EXCEEDED: 'Phone-number verification is used up for now. Please contact the developer.',
  HTTP_ERROR: 'The request failed. Please try again later.',
};

const TABLES: Record<Locale, Table> = { 'zh-CN': ZH_CN, en: EN };

/**
 * A message for the user about an error code, in zh-CN (the default) or English; a code the table does not know
 * (from a newer service) gets the generic message.
 */
export function errorMessage(code: string, locale: Locale = 'zh-CN'): string {
  const table = TABLES[locale] ?? ZH_CN;
  // Object.hasOwn is ES2022: the mini program engine runs ES2017.
  // biome-ignore lint/suspicious/noPrototypeBuiltins: see above
  return Object.prototype.hasOwnProperty.call(table, code) ? table[code as WxloginErrorCode] : table.HTTP_ERROR;
}

/** The message tables, for a test that every code has both languages and for apps that render their own. */
export const ERROR_MESSAGES: Readonly<Record<Locale, Readonly<Table>>> = TABLES;
