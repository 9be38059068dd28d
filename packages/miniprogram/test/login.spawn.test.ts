import { describe, expect, it } from 'vitest';
import { useSdkHarness } from './helpers/harness.js';

const LOGIN = '/v1/auth/login';

describe('@wxlogin/miniprogram logs in against a real wxlogin serve [sqlite]', () => {
  const h = useSdkHarness({ WXLOGIN_WECHAT_TIMEOUT_MS: '1500' });
  const device = h.device;

  it('first login: wx.login once, one POST with the code, the appid of getAccountInfoSync and a random nonce', async () => {
    const d = device();
    const changes: unknown[] = [];
    d.client.onChange((user) => changes.push(user));
    const user = await d.client.ready();
    expect(user).toMatchObject({ appid: h.service.appid, openid: d.wx.control.openid, status: 'active', phone: null });
    expect(d.wx.control.logins).toBe(1);
    const [call, ...more] = h.relay.callsTo(LOGIN);
    expect(more).toEqual([]);
    expect(call?.body).toEqual({
      code: expect.any(String),
      appid: h.service.appid,
      loginNonce: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(d.client.isLoggedIn()).toBe(true);
    expect(changes).toEqual([user]);
    // The session is in storage under one key; no session_key, no AppSecret ever reaches the device.
    const stored = d.wx.getStorageSync('wxlogin');
    expect(typeof stored).toBe('string');
    expect(stored).not.toMatch(/session_?key/i);
    expect(stored).not.toContain(h.service.simulator.getUser(h.service.appid, user.openid)?.sessionKey);
  });

  it('ready() awaited by five pages at once: one wx.login, one POST, one user', async () => {
    const d = device();
    const users = await Promise.all([1, 2, 3, 4, 5].map(() => d.client.ready()));
    expect(new Set(users.map((u) => u.id)).size).toBe(1);
    expect(d.wx.control.logins).toBe(1);
    expect(h.relay.callsTo(LOGIN)).toHaveLength(1);
    expect(h.service.simulator.stats()['/sns/jscode2session']).toBe(1);
  });

  it('a restart with stored tokens logs in with no wx.login and no request', async () => {
    const first = device();
    const user = await first.client.ready();
    h.relay.calls.length = 0;
    const again = first.relaunch();
    expect(again.client.isLoggedIn()).toBe(true);
    expect(await again.client.ready()).toEqual(user);
    expect(again.wx.control.logins).toBe(0);
    expect(h.relay.calls).toEqual([]);
    expect((await again.client.getUser()).id).toBe(user.id);
    expect(h.relay.callsTo(LOGIN)).toEqual([]);
  });

  it('a login answer lost after the service handled it is retried with the same code and nonce: one WeChat call', async () => {
    const d = device();
    let dropped = 0;
    h.relay.rule = (call) => (call.path === LOGIN && dropped++ === 0 ? 'drop-answer' : 'pass');
    const user = await d.client.ready();
    const calls = h.relay.callsTo(LOGIN);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.status).toBe(200);
    expect(calls[1]?.body).toEqual(calls[0]?.body);
    expect(h.service.simulator.stats()['/sns/jscode2session']).toBe(1);
    expect(d.wx.control.logins).toBe(1);
    expect((await d.client.getUser()).id).toBe(user.id);
  });

  it('a 503 with Retry-After is waited for, then retried with the same code', async () => {
    const d = device();
    h.service.simulator.setFaults({ errcode: -1, routes: ['/sns/jscode2session'] });
    h.relay.onAnswer = (call) => {
      if (call.path === LOGIN && call.status === 503) h.service.simulator.clearFaults();
    };
    const user = await d.client.ready();
    const [failed, retried, ...more] = h.relay.callsTo(LOGIN);
    expect(more).toEqual([]);
    expect(failed?.status).toBe(503);
    expect(retried?.status).toBe(200);
    expect(retried?.body).toEqual(failed?.body);
    // The service said Retry-After: 1.
    expect((retried?.at ?? 0) - (failed?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(user.openid).toBe(d.wx.control.openid);
    expect(d.wx.control.logins).toBe(1);
  });

  it('WeChat rate-limiting the user (429) surfaces with retryAfterSeconds, no retry, no session', async () => {
    const d = device();
    h.service.simulator.setFaults({ errcode: 45011, routes: ['/sns/jscode2session'] });
    const error = await d.client.ready().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(d.sdk.WxloginError);
    expect(error).toMatchObject({
      code: 'WECHAT_RATE_LIMITED',
      statusCode: 429,
      retryAfterSeconds: expect.any(Number),
    });
    expect(h.relay.callsTo(LOGIN)).toHaveLength(1);
    expect(d.client.isLoggedIn()).toBe(false);
  });

  it('INVALID_CODE: one fresh wx.login, and the refused code is never sent again', async () => {
    const d = device();
    const realLogin = d.wx.login.bind(d.wx);
    let handedOut = 0;
    // The first code WeChat will refuse (expired on the way), then real ones.
    d.wx.login = ((options: { success: (r: { code: string }) => void }) =>
      handedOut++ === 0
        ? void setTimeout(() => options.success({ code: 'expired-code-0001' }))
        : realLogin(options)) as typeof d.wx.login;
    const user = await d.client.ready();
    const codes = h.relay.callsTo(LOGIN).map((c) => (c.body as { code: string }).code);
    expect(codes).toHaveLength(2);
    expect(codes[0]).toBe('expired-code-0001');
    expect(codes[1]).not.toBe(codes[0]);
    expect(user.openid).toBe(d.wx.control.openid);
  });

  it('INVALID_CODE twice: the error surfaces after two distinct codes, none sent twice', async () => {
    const d = device();
    let n = 0;
    d.wx.login = ((options: { success: (r: { code: string }) => void }) =>
      void setTimeout(() => options.success({ code: `refused-code-${n++}` }))) as typeof d.wx.login;
    await expect(d.client.ready()).rejects.toMatchObject({ code: 'INVALID_CODE', statusCode: 400 });
    const codes = h.relay.callsTo(LOGIN).map((c) => (c.body as { code: string }).code);
    expect(codes).toEqual(['refused-code-0', 'refused-code-1']);
  });

  it('wx.login failing is WX_LOGIN_FAILED with its errMsg, and no request', async () => {
    const d = device();
    d.wx.control.failLogins('login:fail system error');
    const error = await d.client.ready().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WX_LOGIN_FAILED', errMsg: 'login:fail system error' });
    expect(h.relay.calls).toEqual([]);
    d.wx.control.failLogins(undefined);
    expect((await d.client.ready()).openid).toBe(d.wx.control.openid);
  });

  it('offline: NETWORK_ERROR after a few bounded retries of the same code; online again, the next ready() works', async () => {
    const d = device();
    d.wx.control.setOffline(true);
    const started = Date.now();
    await expect(d.client.ready()).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
      errMsg: expect.stringMatching(/^request:fail/),
    });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(d.wx.control.logins).toBe(1);
    d.wx.control.setOffline(false);
    await d.client.ready();
    expect(d.client.isLoggedIn()).toBe(true);
  });
});
