import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { TokenResponse } from '../src/schemas/tokens.js';
import type { ErrorEnvelope } from '../src/routes/error-handler.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const ADMIN_TOKEN = 'admin-token-for-lifecycle-tests';
const errorCode = (response: LightMyRequestResponse): string => response.json<ErrorEnvelope>().error.code;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const deleteMe = (t: TestApp, token?: string) =>
  t.app.inject({ method: 'DELETE', url: '/v1/me', headers: token === undefined ? {} : bearer(token) });
const patchMe = (t: TestApp, token: string) =>
  t.app.inject({ method: 'PATCH', url: '/v1/me', payload: { nickname: 'n' }, headers: bearer(token) });
const admin = (t: TestApp, method: 'POST' | 'DELETE', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: bearer(ADMIN_TOKEN), ...(payload === undefined ? {} : { payload }) });

describe('DELETE /v1/me [sqlite]', () => {
  it('deletes the account: no session_key, no user row, no usable access or refresh token, audited with the openid hashed', async () => {
    const t = await createTestApp();
    const phone = await t.login({ unionid: 'union-del-1' });
    const tablet = await t.login({ openid: phone.openid });
    const userId = phone.body.user.id;
    expect(tablet.body.user.id).toBe(userId);
    // Warm this instance's session cache: deletion must not wait for it to expire.
    expect((await t.get('/v1/me', phone.body.accessToken)).statusCode).toBe(200);
    expect((await t.get('/v1/me', tablet.body.accessToken)).statusCode).toBe(200);
    expect(await t.store.getSessionKeySealed(t.appid, phone.openid)).toBeDefined();

    const deleted = await deleteMe(t, phone.body.accessToken);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');

    expect(await t.store.getUser(userId)).toBeUndefined();
    expect(await t.store.getUserByOpenid(t.appid, phone.openid)).toBeUndefined();
    expect(await t.store.getSessionKeySealed(t.appid, phone.openid)).toBeUndefined();
    for (const session of [phone, tablet]) {
      const me = await t.get('/v1/me', session.body.accessToken);
      expect(me.statusCode).toBe(401);
      expect(errorCode(me)).toBe('UNAUTHORIZED');
      const refreshed = await t.post('/v1/auth/refresh', { refreshToken: session.body.refreshToken });
      expect(refreshed.statusCode).toBe(401);
      expect(errorCode(refreshed)).toBe('SESSION_EXPIRED');
    }
    const sessions = await t.store.listUserSessions(userId);
    expect(sessions).toHaveLength(2);
    for (const session of sessions) expect(session.revokedReason).toBe('user_deleted');
    expect(errorCode(await deleteMe(t, phone.body.accessToken))).toBe('UNAUTHORIZED');

    const [event, ...more] = (await t.store.listAudit({ userId, limit: 100 })).items.filter(
      (e) => e.action === 'user.deleted',
    );
    expect(more).toEqual([]);
    expect(event).toMatchObject({ actor: `user:${userId}`, appid: t.appid, userId });
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(JSON.parse(event!.detailJson!)).toEqual({
      openidHash: sha256(`${t.appid}|${phone.openid}`),
      unionidHash: sha256(`${t.appid}|union-del-1`),
    });
    expect(event!.detailJson).not.toContain(phone.openid);
    expect(event!.detailJson).not.toContain('union-del-1');

    // The same WeChat user logging in again is a new user.
    const again = await t.login({ openid: phone.openid });
    expect(again.status).toBe(200);
    expect(again.body.isNew).toBe(true);
    expect(again.body.user.id).not.toBe(userId);
  });

  it('DELETE /v1/me as wx.request sends it (content-type: application/json, no body) deletes the account instead of 400', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const headers = { authorization: `Bearer ${body.accessToken}`, 'content-type': 'application/json' };
    // A body that is there is still parsed as everywhere else.
    for (const payload of ['{', '{"__proto__":{"x":1}}']) {
      const bad = await t.app.inject({ method: 'DELETE', url: '/v1/me', headers, payload });
      expect([bad.statusCode, errorCode(bad)], payload).toEqual([400, 'VALIDATION_FAILED']);
    }
    const response = await t.app.inject({ method: 'DELETE', url: '/v1/me', headers });
    expect(response.statusCode).toBe(204);
    expect(await t.store.getUser(body.user.id)).toBeUndefined();
  });

  it('needs a bearer token; a disabled user cannot delete its account (USER_DISABLED)', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const missing = await deleteMe(t);
    expect(missing.statusCode).toBe(401);
    expect(errorCode(missing)).toBe('UNAUTHORIZED');
    expect(errorCode(await deleteMe(t, `${body.accessToken}x`))).toBe('UNAUTHORIZED');

    await t.store.setUserStatus(body.user.id, 'disabled', 'test', t.clock());
    t.clock.advance(6000); // past the session cache: the store was changed behind the service's back
    const disabled = await deleteMe(t, body.accessToken);
    expect(disabled.statusCode).toBe(403);
    expect(errorCode(disabled)).toBe('USER_DISABLED');
    expect(await t.store.getUser(body.user.id)).toBeDefined();
  });
});

describe('disable / enable [sqlite]', () => {
  it('a disabled user is locked out at login, refresh, GET/PATCH/DELETE /v1/me and /v1/me/phone at once; enable restores login', async () => {
    const t = await createTestApp({ env: { WXLOGIN_ADMIN_TOKEN: ADMIN_TOKEN } });
    const first = await t.login();
    const userId = first.body.user.id;
    expect((await t.get('/v1/me', first.body.accessToken)).statusCode).toBe(200); // cache warm

    const disabled = await admin(t, 'POST', `/admin/api/users/${userId}/disable`, { reason: 'abuse' });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json()).toMatchObject({ id: userId, status: 'disabled', disabledReason: 'abuse' });

    // No clock movement: this instance answers from the database at once.
    const token = first.body.accessToken;
    const attempts: [string, LightMyRequestResponse][] = [
      ['GET /v1/me', await t.get('/v1/me', token)],
      ['PATCH /v1/me', await patchMe(t, token)],
      ['DELETE /v1/me', await deleteMe(t, token)],
      ['POST /v1/me/phone', await t.post('/v1/me/phone', { code: 'any-phone-code' }, bearer(token))],
      ['refresh', await t.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken })],
      ['login', (await t.login({ openid: first.openid })).response],
    ];
    for (const [what, response] of attempts) {
      expect(response.statusCode, what).toBe(403);
      expect(errorCode(response), what).toBe('USER_DISABLED');
    }
    // Disabling ended every session.
    for (const session of await t.store.listUserSessions(userId)) expect(session.revokedReason).toBe('disabled');

    const enabled = await admin(t, 'POST', `/admin/api/users/${userId}/enable`);
    expect(enabled.statusCode).toBe(200);
    expect(enabled.json()).toMatchObject({ id: userId, status: 'active', disabledReason: null });
    const back = await t.login({ openid: first.openid });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ isNew: false, user: { id: userId, status: 'active' } });
    expect((await t.get('/v1/me', back.body.accessToken)).statusCode).toBe(200);
    // The sessions ended by the disable stay ended.
    const old = await t.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken });
    expect(errorCode(old)).toBe('SESSION_EXPIRED');
    const refreshed = await t.post('/v1/auth/refresh', { refreshToken: back.body.refreshToken });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json<TokenResponse>().user.status).toBe('active');
  });

  it('our own revoke invalidates the session cache at once, where a change behind the service waits for its TTL', async () => {
    const t = await createTestApp({ env: { WXLOGIN_ADMIN_TOKEN: ADMIN_TOKEN } });
    const a = await t.login();
    const b = await t.login();
    for (const s of [a, b]) expect((await t.get('/v1/me', s.body.accessToken)).statusCode).toBe(200);

    // Behind the service's back (as another instance would, without Redis): cached for ≤ 5 s.
    await t.store.revokeUserSessions(b.body.user.id, 'test', t.clock());
    expect((await t.get('/v1/me', b.body.accessToken)).statusCode).toBe(200);
    t.clock.advance(5001);
    expect((await t.get('/v1/me', b.body.accessToken)).statusCode).toBe(401);

    // Through the admin API of this instance: at once.
    expect((await t.get('/v1/me', a.body.accessToken)).statusCode).toBe(200);
    const revoked = await admin(t, 'POST', `/admin/api/users/${a.body.user.id}/revoke`);
    expect(revoked.json()).toEqual({ revoked: 1 });
    const me = await t.get('/v1/me', a.body.accessToken);
    expect(me.statusCode).toBe(401);
    expect(errorCode(me)).toBe('UNAUTHORIZED');
  });
});
