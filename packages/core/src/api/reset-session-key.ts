import type { Deadline } from '../http/deadline.js';
import { callWeChat, type CallContext } from './call-wechat.js';
import { signedSessionQuery } from './signed-session-query.js';

/**
 * `GET /wxa/resetusersessionkey`: replaces the user's session_key (the old one dies at once).
 * @returns the new session_key.
 */
export async function requestResetSessionKey(
  context: CallContext,
  appid: string,
  accessToken: string,
  openid: string,
  sessionKey: string,
  deadline: Deadline,
): Promise<string> {
  const answer = await callWeChat(
    context,
    {
      api: 'resetSessionKey',
      appid,
      request: {
        method: 'GET',
        path: '/wxa/resetusersessionkey',
        query: signedSessionQuery(accessToken, openid, sessionKey),
      },
      secrets: [accessToken, sessionKey],
      isSuccess: (a) => typeof a.session_key === 'string' && a.session_key.length > 0,
    },
    deadline,
  );
  return answer.session_key as string;
}
