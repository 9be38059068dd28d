/**
 * `@wxlogin/miniprogram`: the mini program half of wxlogin's one-tap WeChat login. Runs in WeChat's JS engine (no
 * Node, no browser APIs), with Taro and uni-app through `platform`. See docs/miniprogram.md.
 *
 * ```js
 * const client = createClient({ baseUrl: 'https://api.example.com' }); // app.js
 * App({ onLaunch() { client.ready(); } });
 * const { data } = await client.request({ url: '/orders' });          // any page
 * ```
 */
export {
  createClient,
  type ClientOptions,
  type ProfilePatch,
  type RequestOptions,
  type Response,
  type WxloginClient,
} from './client.js';
export {
  isWxloginError,
  WxloginError,
  type SdkErrorCode,
  type ServiceErrorCode,
  type WeChatErrorInfo,
  type WxloginErrorCode,
  type WxloginErrorDetails,
} from './errors.js';
export { ERROR_MESSAGES, errorMessage, type Locale } from './messages.js';
export { PHONE_QUOTA_ERRNO, type PhoneNumberDetail } from './phone-detail.js';
export type {
  Platform,
  PlatformError,
  PlatformRequestOptions,
  PlatformResponse,
  RequestData,
  RequestMethod,
} from './platform.js';
export type { SessionStorage, User } from './types.js';
