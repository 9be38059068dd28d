import { WeChatFailure } from '../wechat-failure.js';
import { param, type WeChatRoute } from './wechat-call.js';

/**
 * `GET /sns/jscode2session` (auth.code2Session). Checks in this order: method (41002 for anything but GET), appid,
 * secret and js_code present (41002 / 41004 / 41008), grant_type (40002 when given and not `authorization_code`), app
 * known (40013), secret right (40125), code known, of this app and unexpired (40029), the user's minute quota (45011,
 * the code stays unused), code unused (40163), user not blocked (40226). Success uses the code and answers the user's
 * current session_key.
 */
export const jscode2session: WeChatRoute = (call, world) => {
  // WeChat reads these parameters from the query of a GET only, so a POST looks like "appid missing".
  if (call.method !== 'GET') throw new WeChatFailure(41002);
  const appid = param(call, 'appid');
  const secret = param(call, 'secret');
  const code = param(call, 'js_code');
  if (appid === undefined) throw new WeChatFailure(41002);
  if (secret === undefined) throw new WeChatFailure(41004);
  if (code === undefined) throw new WeChatFailure(41008);
  const grantType = param(call, 'grant_type');
  if (grantType !== undefined && grantType !== 'authorization_code') throw new WeChatFailure(40002);
  if (!world.apps.has(appid)) throw new WeChatFailure(40013);
  if (!world.apps.secretMatches(appid, secret)) throw new WeChatFailure(40125);

  const now = world.now();
  const entry = world.loginCodes.find(code);
  if (entry === undefined || entry.grant.appid !== appid || now >= entry.expiresAt) throw new WeChatFailure(40029);
  const user = world.users.get(appid, entry.grant.openid);
  if (user === undefined) throw new WeChatFailure(40029);
  if (!world.loginQuota.take(`${appid}\u0000${user.openid}`, now)) throw new WeChatFailure(45011);
  if (entry.usedAt !== undefined) throw new WeChatFailure(40163);
  if (user.blocked) throw new WeChatFailure(40226);

  entry.usedAt = now;
  return {
    session_key: user.sessionKey,
    openid: user.openid,
    ...(user.unionid === undefined ? {} : { unionid: user.unionid }),
  };
};
