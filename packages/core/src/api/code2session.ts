import type { Deadline } from '../http/deadline.js';
import { callWeChat, type CallContext } from './call-wechat.js';
import { hideSecretFields } from './hide-secret-fields.js';

/** What `code2Session` returns. `sessionKey` never goes to the mini program. */
export interface Code2SessionResult {
  /** The user's openid in this mini program. */
  openid: string;
  /** The user's current session_key (base64 of 16 bytes); shown as `[redacted]` by JSON and inspect. */
  sessionKey: string;
  /** Present only when the mini program is bound to an Open Platform account. */
  unionid?: string;
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** `GET /sns/jscode2session`: exchanges a `wx.login()` code. */
export async function requestCode2Session(
  context: CallContext,
  app: { appid: string; secret: string },
  code: string,
  deadline: Deadline,
): Promise<Code2SessionResult> {
  const answer = await callWeChat(
    context,
    {
      api: 'code2Session',
      appid: app.appid,
      request: {
        method: 'GET',
        path: '/sns/jscode2session',
        query: { appid: app.appid, secret: app.secret, js_code: code, grant_type: 'authorization_code' },
      },
      secrets: [app.secret, code],
      isSuccess: (a) => nonEmpty(a.openid) && nonEmpty(a.session_key),
    },
    deadline,
  );
  const result: Code2SessionResult = { openid: answer.openid as string, sessionKey: answer.session_key as string };
  if (nonEmpty(answer.unionid)) result.unionid = answer.unionid;
  return hideSecretFields(result, ['sessionKey']);
}
