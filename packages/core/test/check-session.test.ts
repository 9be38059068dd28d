import { describe, expect, it } from 'vitest';
import { SYNTHETIC_ERRCODES, WeChatError } from '@wxlogin/core';
import { answer, useScriptedWeChat } from './helpers/scripted-wechat.js';

// checksession answers nothing but an errcode: only errcode 0 says the session_key is valid (docs/errors.md).

const APPID = 'wxdevapp00000001';
const SESSION_KEY = 'tiihtNczf5v6AKRyjwEUhQ==';

const { upstream, client } = useScriptedWeChat({ appid: APPID, secret: 'review-app-secret' });

describe('checkSession success detection', () => {
  it('a body without errcode is not "valid": checksession answers nothing but errcode', async () => {
    let body: Record<string, unknown> = {};
    upstream.script((req, res) => {
      if (req.path === '/cgi-bin/stable_token') answer(res, { access_token: 'review-token-0001', expires_in: 7200 });
      else answer(res, body);
    });
    const checking = client();
    const error = await checking.checkSession(APPID, 'o1', SESSION_KEY).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(WeChatError);
    expect(error).toMatchObject({ errcode: SYNTHETIC_ERRCODES.BAD_BODY, kind: 'unavailable', api: 'checkSession' });
    body = { errcode: 0, errmsg: 'ok' };
    expect(await checking.checkSession(APPID, 'o1', SESSION_KEY)).toBe(true);
  });
});
