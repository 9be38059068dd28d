import { describe, expect, it } from 'vitest';
import { useSdkHarness } from './helpers/harness.js';

const REFRESH = '/v1/auth/refresh';

describe('@wxlogin/miniprogram keeps the session against a real wxlogin serve [sqlite]', () => {
  const h = useSdkHarness();
  const device = h.device;
  const refreshAnswers = (): (number | undefined)[] => h.relay.callsTo(REFRESH).map((c) => c.status);

  it('an expired access token is refreshed before use: no request ever meets a 401', async () => {
    const d = device();
    await d.client.ready();
    const before = await d.client.getAccessToken();
    d.advanceClock(15 * 60_000);
    h.relay.calls.length = 0;
    await d.client.getUser();
    expect(h.relay.calls.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([
      `POST ${REFRESH} 200`,
      'GET /v1/me 200',
    ]);
    expect(await d.client.getAccessToken()).not.toBe(before);
    // 30 s before the service's expiry counts as expired: never sent in its last seconds.
    d.advanceClock(900_000 - 30_000);
    await d.client.getAccessToken();
    expect(refreshAnswers()).toEqual([200, 200]);
  });

  it('20 concurrent request() that meet 401: one refresh, all 20 replayed, never more than 10 in flight', async () => {
    const first = device();
    await first.client.ready();
    // The service no longer accepts the stored access token (say, a key it no longer has): it still looks unexpired.
    const stored = JSON.parse(first.wx.getStorageSync('wxlogin') as string) as { accessToken: string };
    first.wx.setStorageSync(
      'wxlogin',
      JSON.stringify({ ...stored, accessToken: `${stored.accessToken.slice(0, -6)}AAAAAA` }),
    );
    const d = first.relaunch();
    h.relay.calls.length = 0;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => d.client.request<{ id: string }>({ url: '/v1/me' })),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map((a) => a.data.id)).size).toBe(1);
    expect(refreshAnswers()).toEqual([200]);
    const me = h.relay.callsTo('/v1/me').map((c) => c.status);
    expect(me.filter((s) => s === 401).length + me.filter((s) => s === 200).length).toBe(me.length);
    expect(me.filter((s) => s === 200)).toHaveLength(20);
    expect(d.wx.control.requests.maxInFlight).toBeLessThanOrEqual(10);
    expect(d.wx.control.logins).toBe(0);
  });

  it('a session revoked by the admin: a silent re-login, the same user', async () => {
    const d = device();
    const user = await d.client.ready();
    const changes: unknown[] = [];
    d.client.onChange((u) => changes.push(u));
    expect((await h.service.admin('POST', `/users/${user.id}/revoke`)).status).toBe(200);
    const { data } = await d.client.request<{ id: string }>({ url: '/v1/me' });
    expect(data.id).toBe(user.id);
    expect(refreshAnswers()).toEqual([401]);
    expect(d.wx.control.logins).toBe(2);
    // Same user, same profile: nothing changed for the page.
    expect(changes).toEqual([]);
  });

  it('USER_DISABLED: storage cleared, listeners told null, the error surfaces, and a new login is refused too', async () => {
    const d = device();
    const user = await d.client.ready();
    const changes: unknown[] = [];
    d.client.onChange((u) => changes.push(u));
    expect((await h.service.admin('POST', `/users/${user.id}/disable`, { reason: 'test' })).status).toBe(200);
    await expect(d.client.getUser()).rejects.toMatchObject({ code: 'USER_DISABLED', statusCode: 403 });
    expect(d.client.isLoggedIn()).toBe(false);
    expect(d.wx.getStorageSync('wxlogin')).toBe('');
    expect(changes).toEqual([null]);
    await expect(d.client.ready()).rejects.toMatchObject({ code: 'USER_DISABLED' });
    expect(d.wx.getStorageSync('wxlogin')).toBe('');
    expect((await h.service.admin('POST', `/users/${user.id}/enable`)).status).toBe(200);
    expect((await d.client.ready()).id).toBe(user.id);
  });

  it('logout: storage cleared, listeners told, and the service refuses the old refresh token', async () => {
    const d = device();
    await d.client.ready();
    const { refreshToken } = JSON.parse(d.wx.getStorageSync('wxlogin') as string) as { refreshToken: string };
    const changes: unknown[] = [];
    d.client.onChange((u) => changes.push(u));
    await d.client.logout();
    expect(d.client.isLoggedIn()).toBe(false);
    expect(d.wx.getStorageSync('wxlogin')).toBe('');
    expect(changes).toEqual([null]);
    expect(h.relay.callsTo('/v1/auth/logout').map((c) => [c.body, c.status])).toEqual([[{ refreshToken }, 204]]);
    const replay = await fetch(`${h.service.url}${REFRESH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('SESSION_EXPIRED');
  });

  it('logout({ all: true }) ends the sessions of the user on every device; the other one logs in again silently', async () => {
    const phone = device();
    const user = await phone.client.ready();
    const tablet = device({ wx: { openid: user.openid } });
    expect((await tablet.client.ready()).id).toBe(user.id);
    await phone.client.logout({ all: true });
    expect(phone.client.isLoggedIn()).toBe(false);
    h.relay.calls.length = 0;
    const { data } = await tablet.client.request<{ id: string }>({ url: '/v1/me' });
    expect(data.id).toBe(user.id);
    expect(refreshAnswers()).toEqual([401]);
    expect(tablet.wx.control.logins).toBe(2);
  });

  it('logout offline still logs out on the device', async () => {
    const d = device();
    await d.client.ready();
    d.wx.control.setOffline(true);
    await d.client.logout();
    d.wx.control.setOffline(false);
    expect(d.client.isLoggedIn()).toBe(false);
  });

  it('deleteAccount: the account is gone on the service, storage cleared; the next login is a new user', async () => {
    const d = device();
    const user = await d.client.ready();
    await d.client.deleteAccount();
    expect(d.client.isLoggedIn()).toBe(false);
    expect(d.wx.getStorageSync('wxlogin')).toBe('');
    expect((await h.service.admin('GET', `/users/${user.id}`)).status).toBe(404);
    const again = await d.client.login();
    expect(again.isNew).toBe(true);
    expect(again.user.id).not.toBe(user.id);
    expect(again.user.openid).toBe(user.openid);
  });

  it('a new login replaces the stored session and ends the old one on the service', async () => {
    const d = device();
    await d.client.ready();
    const { refreshToken: old } = JSON.parse(d.wx.getStorageSync('wxlogin') as string) as { refreshToken: string };
    await d.client.login();
    await expect
      .poll(() => h.relay.callsTo('/v1/auth/logout').map((c) => [c.body, c.status]))
      .toEqual([[{ refreshToken: old }, 204]]);
    expect(d.client.isLoggedIn()).toBe(true);
    expect((await d.client.getUser()).openid).toBe(d.wx.control.openid);
  });

  it('a logout while a refresh is under way does not bring the session back', async () => {
    const d = device();
    await d.client.ready();
    d.advanceClock(15 * 60_000);
    h.relay.rule = (call) => (call.path === REFRESH ? { delayMs: 300 } : 'pass');
    const pending = d.client.getUser().catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await d.client.logout();
    await pending;
    expect(d.client.isLoggedIn()).toBe(false);
    expect(d.wx.getStorageSync('wxlogin')).toBe('');
  });

  it('a corrupt stored value is no session: the SDK logs in again', async () => {
    const first = device();
    await first.client.ready();
    first.wx.setStorageSync('wxlogin', '{"v":1,"accessToken":');
    const d = first.relaunch();
    expect(d.client.isLoggedIn()).toBe(false);
    await d.client.ready();
    expect(d.client.isLoggedIn()).toBe(true);
    expect(d.wx.control.logins).toBe(1);
  });
});
