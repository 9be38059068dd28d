import { WeChatFailure } from '../wechat-failure.js';
import { jsonBody, param, type WeChatRoute } from './wechat-call.js';

/**
 * `POST /wxa/business/getuserphonenumber?access_token=` with JSON `{ code, openid? }`. Token first (41001 / 40014 /
 * 42001 / 40001), then the body (47001 when not a JSON object with a string `code`), then the code: unknown, expired or
 * used → 40029; issued for another app than the token's → 40029 too (docs/simulator.md#what-it-does-not-imitate-yet
 * says why that guess; the code stays usable by its own app); `openid` given and not the tapping user's → 40029
 * (the code stays unused). Success uses the code.
 */
export const phoneNumber: WeChatRoute = (call, world) => {
  if (call.method !== 'POST') throw new WeChatFailure(43002);
  const now = world.now();
  const appid = world.tokens.appidOf(param(call, 'access_token'), now);
  const body = jsonBody(call);
  if (body === undefined || typeof body.code !== 'string' || body.code === '') throw new WeChatFailure(47001);
  const entry = world.phoneCodes.find(body.code);
  if (entry === undefined || now >= entry.expiresAt || entry.usedAt !== undefined) throw new WeChatFailure(40029);
  const grant = entry.grant;
  if (grant.appid !== appid) throw new WeChatFailure(40029);
  if (typeof body.openid === 'string' && body.openid !== '' && body.openid !== grant.openid) {
    throw new WeChatFailure(40029);
  }
  entry.usedAt = now;
  const mainland = grant.countryCode === '86';
  return {
    errcode: 0,
    errmsg: 'ok',
    phone_info: {
      // WeChat adds the area code to phoneNumber only for numbers outside the mainland.
      phoneNumber: mainland ? grant.purePhoneNumber : `+${grant.countryCode}${grant.purePhoneNumber}`,
      purePhoneNumber: grant.purePhoneNumber,
      countryCode: grant.countryCode,
      watermark: { timestamp: grant.tappedAt, appid: grant.appid },
    },
  };
};
