import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { AdminUser } from '../src/schemas/admin.js';
import type { LoginResponse, TokenResponse } from '../src/schemas/tokens.js';
import type { User } from '../src/schemas/user.js';
import type { ErrorEnvelope } from '../src/routes/error-handler.js';
import type { LoginStatsReport } from '../src/stats/login-stats-report.js';
import { databaseAvailable, testDatabases, useTestStore } from './helpers/databases.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const ADMIN_TOKEN = 'admin-token-for-flows-by-dialect';
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const errorCode = (response: LightMyRequestResponse): string => response.json<ErrorEnvelope>().error.code;
const sessionOf = (refreshToken: string): string => refreshToken.split('.')[1]!;
const generationOf = (refreshToken: string): string => refreshToken.split('.')[2]!;

/** What `/v1/me` says for an access token: the status and, when refused, the error code. */
async function meStatus(t: TestApp, accessToken: string): Promise<[number, string | undefined]> {
  const response = await t.get('/v1/me', accessToken);
  return [response.statusCode, response.statusCode === 200 ? undefined : errorCode(response)];
}

/**
 * The service's whole user journey, over HTTP (`app.inject()`), on each real database: SQLite always, PostgreSQL and
 * MariaDB when their variables are set. Each describe owns one isolated database, dropped at the end.
 */
describe.each(testDatabases().map((db) => [db.tag, db] as const))('%s user journey over HTTP', (_tag, db) => {
  if (!databaseAvailable(db)) return;

  const testStore = useTestStore(db);
  // The apps of this describe share the database, so they share the master key that sealed its signing key.
  const env = { WXLOGIN_ADMIN_TOKEN: ADMIN_TOKEN, WXLOGIN_MASTER_KEY: randomBytes(32).toString('base64') };

  it('login, replay, refresh, grace, reuse, profile, phone, decrypt, logout, disable, delete, admin search and stats', async () => {
    const t = await createTestApp({ store: testStore.store, env });
    const admin = (method: 'GET' | 'POST' | 'DELETE', url: string): Promise<LightMyRequestResponse> =>
      t.app.inject({ method, url, headers: bearer(ADMIN_TOKEN), ...(method === 'POST' ? { payload: {} } : {}) });
    // Every login outcome this test causes, to compare with the admin stats at the end.
    const outcomes: Record<string, number> = {};
    const tally = (response: LightMyRequestResponse): void => {
      const outcome = response.statusCode === 200 ? 'success' : errorCode(response);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    };
    const login = async (options: Parameters<TestApp['login']>[0] = {}) => {
      const result = await t.login(options);
      tally(result.response);
      return result;
    };
    const postLogin = async (body: object): Promise<LightMyRequestResponse> => {
      const response = await t.post('/v1/auth/login', body);
      tally(response);
      return response;
    };
    const refresh = (refreshToken: string) => t.post('/v1/auth/refresh', { refreshToken });

    // Login of a new user.
    const first = await login({ loginNonce: 'nonce-1', unionid: 'union-journey' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ isNew: true, tokenType: 'Bearer', expiresIn: 900 });
    const userId = first.body.user.id;
    expect(first.body.user).toMatchObject({
      appid: t.appid,
      openid: first.openid,
      unionid: 'union-journey',
      phone: null,
      status: 'active',
    });
    expect(generationOf(first.body.refreshToken)).toBe('0');

    // A replay of the code with the same nonce answers the same session; another nonce is refused.
    const replay = await postLogin({ code: first.code, appid: t.appid, loginNonce: 'nonce-1' });
    expect(replay.statusCode).toBe(200);
    const replayed = replay.json<LoginResponse>();
    expect(replayed.user.id).toBe(userId);
    expect(replayed.refreshToken).toBe(first.body.refreshToken);
    expect(replayed.isNew).toBe(true);
    expect(errorCode(await postLogin({ code: first.code, appid: t.appid, loginNonce: 'nonce-2' }))).toBe(
      'CODE_ALREADY_USED',
    );
    expect(t.simulator.stats()['/sns/jscode2session']).toBe(1);

    // Refresh, then the predecessor again within the grace window: the same successor.
    t.clock.advance(1000);
    const rotated = await refresh(first.body.refreshToken);
    expect(rotated.statusCode).toBe(200);
    const g1 = rotated.json<TokenResponse>();
    expect(sessionOf(g1.refreshToken)).toBe(sessionOf(first.body.refreshToken));
    expect(generationOf(g1.refreshToken)).toBe('1');
    t.clock.advance(1500);
    const grace = await refresh(first.body.refreshToken);
    expect(grace.statusCode).toBe(200);
    expect(grace.json<TokenResponse>().refreshToken).toBe(g1.refreshToken);
    expect(await meStatus(t, g1.accessToken)).toEqual([200, undefined]);

    // Past the grace window the predecessor is reuse: the whole session ends, and is audited.
    t.clock.advance(t.config.refreshGraceS * 1000 + 1);
    const reused = await refresh(first.body.refreshToken);
    expect(reused.statusCode).toBe(401);
    expect(errorCode(reused)).toBe('REFRESH_TOKEN_REUSED');
    expect(errorCode(await refresh(g1.refreshToken))).toBe('SESSION_EXPIRED');
    expect(await meStatus(t, g1.accessToken)).toEqual([401, 'UNAUTHORIZED']);
    const session = await t.store.getSession(sessionOf(first.body.refreshToken));
    expect(session).toMatchObject({ revokedReason: 'reuse' });
    expect((await t.store.listAudit({ userId, limit: 100 })).items.map((e) => e.action)).toContain(
      'refresh.reuse_detected',
    );

    // The same WeChat user logs in again: the same user, not new.
    const again = await login({ openid: first.openid });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ isNew: false, user: { id: userId } });
    const token = again.body.accessToken;

    // Profile.
    const patched = await t.app.inject({
      method: 'PATCH',
      url: '/v1/me',
      headers: bearer(token),
      payload: { nickname: '小明 journey', avatarUrl: 'https://example.com/a.png' },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json<User>()).toMatchObject({
      id: userId,
      nickname: '小明 journey',
      avatarUrl: 'https://example.com/a.png',
    });

    // Phone by code; another user asking for the same number is refused.
    const phoneCode = t.simulator.phoneCode({ appid: t.appid, openid: first.openid, phoneNumber: '13800138000' });
    const bound = await t.post('/v1/me/phone', { code: phoneCode.code }, bearer(token));
    expect(bound.statusCode).toBe(200);
    expect(bound.json<User>()).toMatchObject({ id: userId, phone: '+8613800138000', nickname: '小明 journey' });
    const other = await login();
    expect(other.body.isNew).toBe(true);
    const otherCode = t.simulator.phoneCode({ appid: t.appid, openid: other.openid, phoneNumber: '13800138000' });
    const conflict = await t.post('/v1/me/phone', { code: otherCode.code }, bearer(other.body.accessToken));
    expect(conflict.statusCode).toBe(409);
    expect(errorCode(conflict)).toBe('PHONE_IN_USE');
    expect((await t.get('/v1/me', other.body.accessToken)).json<User>().phone).toBeNull();

    // Decrypt with the session_key stored by the latest login.
    const sealed = t.simulator.encrypt({ appid: t.appid, openid: first.openid, data: { stepCount: 4321 } });
    const decrypted = await t.post('/v1/me/decrypt', sealed, bearer(token));
    expect(decrypted.statusCode).toBe(200);
    expect(decrypted.json<{ data: Record<string, unknown> }>().data).toMatchObject({
      stepCount: 4321,
      watermark: { appid: t.appid },
    });

    // Admin search: exact openid, exact phone.
    for (const q of [first.openid, '+8613800138000']) {
      const page = await admin('GET', `/admin/api/users?q=${encodeURIComponent(q)}`);
      expect(page.statusCode).toBe(200);
      expect(page.json<{ items: AdminUser[] }>().items.map((u) => u.id)).toEqual([userId]);
    }

    // Logout of one session.
    expect((await t.post('/v1/auth/logout', { refreshToken: again.body.refreshToken })).statusCode).toBe(204);
    expect(errorCode(await refresh(again.body.refreshToken))).toBe('SESSION_EXPIRED');
    expect(await meStatus(t, token)).toEqual([401, 'UNAUTHORIZED']);

    // Logout of every session (two devices).
    const phone = await login({ openid: first.openid });
    const tablet = await login({ openid: first.openid });
    expect(await meStatus(t, tablet.body.accessToken)).toEqual([200, undefined]);
    expect((await t.post('/v1/auth/logout', { all: true }, bearer(phone.body.accessToken))).statusCode).toBe(204);
    for (const session of [phone, tablet]) {
      expect(await meStatus(t, session.body.accessToken)).toEqual([401, 'UNAUTHORIZED']);
      expect(errorCode(await refresh(session.body.refreshToken))).toBe('SESSION_EXPIRED');
    }
    expect(await meStatus(t, other.body.accessToken)).toEqual([200, undefined]);

    // Disabled by the operator: locked out of /v1/me, refresh and login; enabled again: back in.
    const live = await login({ openid: first.openid });
    expect(await meStatus(t, live.body.accessToken)).toEqual([200, undefined]);
    const disabled = await admin('POST', `/admin/api/users/${userId}/disable`);
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json<AdminUser>()).toMatchObject({ id: userId, status: 'disabled' });
    expect(await meStatus(t, live.body.accessToken)).toEqual([403, 'USER_DISABLED']);
    expect(errorCode(await refresh(live.body.refreshToken))).toBe('USER_DISABLED');
    const refused = await login({ openid: first.openid });
    expect(refused.status).toBe(403);
    expect(errorCode(refused.response)).toBe('USER_DISABLED');
    const enabled = await admin('POST', `/admin/api/users/${userId}/enable`);
    expect(enabled.json<AdminUser>()).toMatchObject({ id: userId, status: 'active' });
    const back = await login({ openid: first.openid });
    expect(back.status).toBe(200);
    expect(back.body.user).toMatchObject({ id: userId, phone: '+8613800138000', status: 'active' });

    // Account deletion: every token dead, and the same WeChat user is a new user afterwards.
    const deleted = await t.app.inject({ method: 'DELETE', url: '/v1/me', headers: bearer(back.body.accessToken) });
    expect(deleted.statusCode).toBe(204);
    expect(await meStatus(t, back.body.accessToken)).toEqual([401, 'UNAUTHORIZED']);
    expect(errorCode(await refresh(back.body.refreshToken))).toBe('SESSION_EXPIRED');
    expect(await t.store.getUser(userId)).toBeUndefined();
    expect(await t.store.getSessionKeySealed(t.appid, first.openid)).toBeUndefined();
    for (const q of [first.openid, '+8613800138000']) {
      expect(
        (await admin('GET', `/admin/api/users?q=${encodeURIComponent(q)}`)).json<{ items: AdminUser[] }>().items,
      ).toEqual([]);
    }
    const reborn = await login({ openid: first.openid });
    expect(reborn.status).toBe(200);
    expect(reborn.body.isNew).toBe(true);
    expect(reborn.body.user.id).not.toBe(userId);
    expect(reborn.body.user.phone).toBeNull();

    // Stats: this instance's counts are flushed by the read, and match every login outcome above.
    const stats = await admin('GET', '/admin/api/stats?window=1h');
    expect(stats.statusCode).toBe(200);
    const report = stats.json<LoginStatsReport>();
    expect(report.totals).toEqual(outcomes);
    expect(outcomes).toEqual({ success: 9, CODE_ALREADY_USED: 1, USER_DISABLED: 1 });
    expect(report.total).toBe(11);
  });

  it('phone race: two users bind one number at once → exactly one wins, the other gets PHONE_IN_USE', async () => {
    const t = await createTestApp({ store: testStore.store, env });
    const number = '13900139000';
    const [a, b] = [await t.login(), await t.login()];
    const codes = [a, b].map(
      (s) => t.simulator.phoneCode({ appid: t.appid, openid: s.openid, phoneNumber: number }).code,
    );
    const responses = await Promise.all(
      [a, b].map((s, i) => t.post('/v1/me/phone', { code: codes[i] }, bearer(s.body.accessToken))),
    );
    const statuses = responses.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([200, 409]);
    const loser = responses.find((r) => r.statusCode === 409)!;
    expect(errorCode(loser)).toBe('PHONE_IN_USE');
    const winner = responses.findIndex((r) => r.statusCode === 200);
    const holders = await Promise.all(
      [a, b].map(async (s) => (await t.get('/v1/me', s.body.accessToken)).json<User>().phone),
    );
    expect(holders[winner]).toBe(`+86${number}`);
    expect(holders[1 - winner]).toBeNull();
  });
});
