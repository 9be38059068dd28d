import { WeChatFailure } from '../wechat-failure.js';
import type { World } from '../state/world.js';
import { jsonBody, param, type WeChatRoute } from './wechat-call.js';

/** `GET /cgi-bin/token` (legacy): each call mints a new token; the previous one dies 5 minutes later. */
export const legacyToken: WeChatRoute = (call, world) => {
  if (call.method !== 'GET') throw new WeChatFailure(43001);
  const appid = checkCredentials(world, param(call, 'grant_type'), param(call, 'appid'), param(call, 'secret'));
  return { ...world.tokens.issueLegacy(appid, world.now()) };
};

/**
 * `POST /cgi-bin/stable_token`: JSON `{ grant_type, appid, secret, force_refresh? }` only — a form-encoded or other
 * non-JSON body reads as "appid missing" (41002).
 */
export const stableToken: WeChatRoute = (call, world) => {
  if (call.method !== 'POST') throw new WeChatFailure(43002);
  const body = jsonBody(call);
  if (body === undefined) throw new WeChatFailure(41002);
  const appid = checkCredentials(world, text(body.grant_type), text(body.appid), text(body.secret));
  return { ...world.tokens.issueStable(appid, body.force_refresh === true, world.now()) };
};

// Both token endpoints check the client credentials alike: 41002 / 41004 missing, 40002 bad grant_type,
// 40013 unknown app, 40125 wrong secret.
function checkCredentials(
  world: World,
  grantType: string | undefined,
  appid: string | undefined,
  secret: string | undefined,
): string {
  if (appid === undefined) throw new WeChatFailure(41002);
  if (secret === undefined) throw new WeChatFailure(41004);
  if (grantType !== 'client_credential') throw new WeChatFailure(40002);
  if (!world.apps.has(appid)) throw new WeChatFailure(40013);
  if (!world.apps.secretMatches(appid, secret)) throw new WeChatFailure(40125);
  return appid;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
