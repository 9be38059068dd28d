import { legacyToken, stableToken } from './access-token.js';
import { jscode2session } from './jscode2session.js';
import { phoneNumber } from './phone-number.js';
import { checkSession, resetSessionKey } from './session-key.js';
import type { WeChatRoute } from './wechat-call.js';

/** The WeChat routes the simulator answers, by path. */
export const WECHAT_ROUTE_HANDLERS: ReadonlyMap<string, WeChatRoute> = new Map([
  ['/sns/jscode2session', jscode2session],
  ['/cgi-bin/token', legacyToken],
  ['/cgi-bin/stable_token', stableToken],
  ['/wxa/business/getuserphonenumber', phoneNumber],
  ['/wxa/checksession', checkSession],
  ['/wxa/resetusersessionkey', resetSessionKey],
]);

/** The paths of the WeChat routes the simulator answers. */
export const WECHAT_ROUTES: readonly string[] = [...WECHAT_ROUTE_HANDLERS.keys()];
