import { WeChatError } from '../errors/wechat-error.js';
import type { Deadline } from '../http/deadline.js';
import { callWeChat, type CallContext } from './call-wechat.js';
import { signedSessionQuery } from './signed-session-query.js';

/**
 * `GET /wxa/checksession`: is this session_key still the user's current one?
 * @returns true for errcode 0, false for 87009 (stale key, or a wrong signature: WeChat can't tell them apart).
 */
export async function requestCheckSession(
  context: CallContext,
  appid: string,
  accessToken: string,
  openid: string,
  sessionKey: string,
  deadline: Deadline,
): Promise<boolean> {
  try {
    await callWeChat(
      context,
      {
        api: 'checkSession',
        appid,
        request: {
          method: 'GET',
          path: '/wxa/checksession',
          query: signedSessionQuery(accessToken, openid, sessionKey),
        },
        secrets: [accessToken, sessionKey],
        // Its answer has no field but errcode: a body without one (a proxy's `{}`) says nothing about the key.
        isSuccess: (a) => a.errcode !== undefined,
      },
      deadline,
    );
    return true;
  } catch (error) {
    if (error instanceof WeChatError && error.kind === 'session_invalid') return false;
    throw error;
  }
}
