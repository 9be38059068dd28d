import { isValidSessionKeySignature } from '../crypto/session-key-signature.js';
import type { UserRecord } from '../state/user-registry.js';
import type { World } from '../state/world.js';
import { WeChatFailure } from '../wechat-failure.js';
import { param, type WeChatCall, type WeChatRoute } from './wechat-call.js';

/** `GET /wxa/checksession`: errcode 0 when the signature matches the user's current session_key, else 87009. */
export const checkSession: WeChatRoute = (call, world) => {
  signedUser(call, world);
  return { errcode: 0, errmsg: 'ok' };
};

/**
 * `GET /wxa/resetusersessionkey`: with a valid signature, gives the user a new session_key (the old one is invalid at
 * once) and answers it.
 */
export const resetSessionKey: WeChatRoute = (call, world) => {
  const user = signedUser(call, world);
  const sessionKey = world.users.rotateSessionKey(user);
  return { errcode: 0, errmsg: 'ok', openid: user.openid, session_key: sessionKey };
};

// Shared checks, in order: GET (43001), token (41001/40014/42001/40001), openid present (41009), sig_method
// hmac_sha256 (87008), then user of the token's app with a matching signature (87009 — WeChat cannot tell an unknown
// user, a stale key and a wrongly computed signature apart, and neither does the simulator).
function signedUser(call: WeChatCall, world: World): UserRecord {
  if (call.method !== 'GET') throw new WeChatFailure(43001);
  const appid = world.tokens.appidOf(param(call, 'access_token'), world.now());
  const openid = param(call, 'openid');
  if (openid === undefined) throw new WeChatFailure(41009);
  if (param(call, 'sig_method') !== 'hmac_sha256') throw new WeChatFailure(87008);
  const user = world.users.get(appid, openid);
  const signature = param(call, 'signature') ?? '';
  if (user === undefined || !isValidSessionKeySignature(user.sessionKey, signature)) throw new WeChatFailure(87009);
  return user;
}
