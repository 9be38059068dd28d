import { callWeChat, type CallContext } from '../api/call-wechat.js';
import type { Deadline } from '../http/deadline.js';

/** A token as `stable_token` hands it out. */
export interface FetchedToken {
  accessToken: string;
  /** Remaining lifetime in seconds, as WeChat reports it (300–7200 documented; never clamped). */
  expiresInSeconds: number;
}

function readExpiresIn(value: unknown): number | null {
  const seconds = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}

/**
 * `POST /cgi-bin/stable_token` with a JSON body (a form body gets 41002). Normal mode hands every caller the same
 * token while it is valid; `force` mints a new one and kills the old one everywhere.
 */
export async function requestStableToken(
  context: CallContext,
  app: { appid: string; secret: string },
  force: boolean,
  deadline: Deadline,
): Promise<FetchedToken> {
  const answer = await callWeChat(
    context,
    {
      api: 'stableToken',
      appid: app.appid,
      request: {
        method: 'POST',
        path: '/cgi-bin/stable_token',
        body: { grant_type: 'client_credential', appid: app.appid, secret: app.secret, force_refresh: force },
      },
      secrets: [app.secret],
      isSuccess: (a) =>
        typeof a.access_token === 'string' && a.access_token.length > 0 && readExpiresIn(a.expires_in) !== null,
      forced: force,
    },
    deadline,
  );
  return { accessToken: answer.access_token as string, expiresInSeconds: readExpiresIn(answer.expires_in) as number };
}
