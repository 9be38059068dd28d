import { DEFAULT_DEV_SECRET } from '@wxlogin/simulator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createAdminTokenCheck } from '../src/admin/admin-token.js';
import type { AdminAuditEvent, AdminOverview, AdminSession, AdminUser, AdminUserDetail } from '../src/schemas/admin.js';
import type { Page } from '../src/store/types.js';
import type { ErrorEnvelope } from '../src/routes/error-handler.js';
import { bearerCredential } from '../src/http/bearer-token.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const ADMIN_TOKEN = 'admin-token-0123456789-abcdef';
const OTHER_APP = { appid: 'wxotherapp0000002', secret: 'other-app-secret-value' };
const errorOf = (response: LightMyRequestResponse) => response.json<ErrorEnvelope>().error;

type Method = 'GET' | 'POST' | 'DELETE';
const call = (
  t: TestApp,
  method: Method,
  url: string,
  options: { token?: string | null; payload?: object; headers?: Record<string, string> } = {},
) => {
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  return t.app.inject({
    method,
    url,
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...options.headers },
    ...(options.payload === undefined ? {} : { payload: options.payload }),
  });
};

const adminApp = (options: { logStream?: { write(line: string): void }; env?: Record<string, string> } = {}) =>
  createTestApp({
    env: { WXLOGIN_ADMIN_TOKEN: ADMIN_TOKEN, ...options.env },
    extraApps: [OTHER_APP],
    ...(options.logStream ? { logStream: options.logStream } : {}),
  });

const USER_ID = '01970000-0000-7000-8000-000000000000';
const SESSION_ID = '01970000-0000-7000-8000-000000000001';
/** Every admin route, with an id that exists nowhere. */
const ROUTES: [Method, string][] = [
  ['GET', '/admin/api/users'],
  ['GET', `/admin/api/users/${USER_ID}`],
  ['POST', `/admin/api/users/${USER_ID}/revoke`],
  ['POST', `/admin/api/users/${USER_ID}/sessions/${SESSION_ID}/revoke`],
  ['POST', `/admin/api/users/${USER_ID}/disable`],
  ['POST', `/admin/api/users/${USER_ID}/enable`],
  ['POST', `/admin/api/users/${USER_ID}/phone/unbind`],
  ['DELETE', `/admin/api/users/${USER_ID}`],
  ['GET', '/admin/api/stats?window=1h'],
  ['GET', '/admin/api/overview?window=1h'],
  ['GET', '/admin/api/apps'],
  ['GET', '/admin/api/audit'],
];

describe('admin token', () => {
  it('compares in constant time over hashes: only the exact token passes', () => {
    const check = createAdminTokenCheck(ADMIN_TOKEN);
    expect(check(ADMIN_TOKEN)).toBe(true);
    for (const wrong of [undefined, '', ADMIN_TOKEN.slice(0, -1), `${ADMIN_TOKEN}x`, ADMIN_TOKEN.toUpperCase(), 'x']) {
      expect(check(wrong), String(wrong)).toBe(false);
    }
  });

  it('reads any non-blank token from a Bearer header, and nothing else', () => {
    const adminBearerToken = (header: string | string[] | undefined) => bearerCredential(header, 'secret');
    expect(adminBearerToken(`Bearer ${ADMIN_TOKEN}`)).toBe(ADMIN_TOKEN);
    expect(adminBearerToken('bearer a:b!c€')).toBe('a:b!c€');
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic abc', 'Bearer a b', ['Bearer a']]) {
      expect(adminBearerToken(header), JSON.stringify(header)).toBeUndefined();
    }
  });
});

describe('admin API access [sqlite]', () => {
  it('does not exist without WXLOGIN_ADMIN_TOKEN: every route is 404 NOT_FOUND', async () => {
    const t = await createTestApp();
    for (const [method, url] of ROUTES) {
      const response = await call(t, method, url);
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(errorOf(response).code).toBe('NOT_FOUND');
    }
    expect(t.auth.admin.tokenConfigured).toBe(false);
    expect(() => t.auth.admin.verifyToken('anything-at-all-here')).toThrow(/admin token/);
  });

  it('answers 401 UNAUTHORIZED to a missing, malformed or wrong token on every route, touching nothing', async () => {
    const t = await adminApp();
    const { body } = await t.login();
    const routes: [Method, string][] = ROUTES.map(([m, u]) => [m, u.replace(USER_ID, body.user.id)]);
    const wrongs: { token?: string | null; headers?: Record<string, string> }[] = [
      { token: null },
      { token: `${ADMIN_TOKEN}x` },
      { token: ADMIN_TOKEN.slice(0, -1) },
      { token: body.accessToken }, // a user's access token is no admin token
      { token: null, headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` } },
      { token: null, headers: { authorization: ADMIN_TOKEN } },
      { token: null, headers: { 'x-admin-token': ADMIN_TOKEN } },
    ];
    for (const [method, url] of routes) {
      for (const wrong of wrongs) {
        const response = await call(t, method, url, wrong);
        expect(response.statusCode, `${method} ${url} ${JSON.stringify(wrong)}`).toBe(401);
        expect(errorOf(response).code).toBe('UNAUTHORIZED');
      }
    }
    const user = await t.store.getUser(body.user.id);
    expect(user).toMatchObject({ status: 'active' });
    expect((await t.get('/v1/me', body.accessToken)).statusCode).toBe(200);
    expect((await t.store.listAudit({ limit: 100 })).items).toEqual([]);

    const ok = await call(t, 'GET', '/admin/api/apps');
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    // An unknown path under /admin/api is a plain 404.
    expect(errorOf(await call(t, 'GET', '/admin/api/nope')).code).toBe('NOT_FOUND');
  });

  it('/admin/api without the right token is 401 on every path and method, unknown ones included; with it, unknown is 404', async () => {
    const t = await createTestApp({ env: { WXLOGIN_ADMIN_TOKEN: ADMIN_TOKEN } });
    const unknown: [string, string][] = [
      ['GET', '/admin/api'],
      ['GET', '/admin/api/'],
      ['GET', '/admin/api/nope'],
      ['GET', '/admin/api/users/x/y/z'],
      ['PUT', '/admin/api/users/01970000-0000-7000-8000-000000000000'],
      ['POST', '/admin/api/apps'],
    ];
    for (const [method, url] of unknown) {
      for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }]) {
        const response = await t.app.inject({ method: method as 'GET', url, headers });
        expect([response.statusCode, errorOf(response).code], `${method} ${url}`).toEqual([401, 'UNAUTHORIZED']);
      }
      const authorised = await t.app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect([authorised.statusCode, errorOf(authorised).code], `${method} ${url}`).toEqual([404, 'NOT_FOUND']);
    }
    // The catch-all is not an API: it stays out of the OpenAPI document.
    const paths = Object.keys(
      (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: object }>().paths,
    );
    expect(paths.filter((p) => p === '/admin/api' || p.includes('*'))).toEqual([]);
  });

  it('logs neither the admin token nor user tokens or secrets', async () => {
    const lines: string[] = [];
    const t = await adminApp({
      env: { WXLOGIN_LOG_LEVEL: 'debug' },
      logStream: { write: (line) => void lines.push(line) },
    });
    const { body, openid } = await t.login();
    const id = body.user.id;
    await call(t, 'GET', `/admin/api/users?q=${openid}`);
    await call(t, 'GET', `/admin/api/users/${id}`);
    await call(t, 'POST', `/admin/api/users/${id}/revoke`);
    await call(t, 'POST', `/admin/api/users/${id}/disable`, { payload: { reason: 'r' } });
    await call(t, 'POST', `/admin/api/users/${id}/enable`);
    await call(t, 'GET', '/admin/api/stats?window=24h');
    await call(t, 'GET', '/admin/api/audit');
    await call(t, 'GET', '/admin/api/apps', { token: `${ADMIN_TOKEN}-wrong` });
    await call(t, 'DELETE', `/admin/api/users/${id}`);
    const sessionKey = t.simulator.getUser(t.appid, openid)!.sessionKey;
    await t.close();

    const log = lines.join('');
    expect(log).toContain('/admin/api/users');
    for (const secret of [
      ADMIN_TOKEN,
      body.accessToken,
      body.refreshToken,
      sessionKey,
      DEFAULT_DEV_SECRET,
      OTHER_APP.secret,
      t.masterKey,
    ]) {
      expect(log).not.toContain(secret);
    }
    expect(log).not.toMatch(/authorization/i);
    // Searched values are personal data: request log lines carry the path without its query string.
    expect(log).toContain('/admin/api/users?…');
    expect(log).not.toContain(`q=${openid}`);
  });
});

describe('admin users [sqlite]', () => {
  it('q matches id, openid, unionid or E.164 phone exactly; a prefix or substring finds nothing', async () => {
    const t = await adminApp();
    const target = await t.login({ unionid: 'union-exact-1' });
    await t.login(); // someone else
    const id = target.body.user.id;
    await t.store.setPhone(id, '+8613800138000', t.clock());

    for (const q of [id, target.openid, 'union-exact-1', '+8613800138000']) {
      const response = await call(t, 'GET', `/admin/api/users?q=${encodeURIComponent(q)}`);
      expect(response.statusCode, q).toBe(200);
      const page = response.json<Page<AdminUser>>();
      expect(
        page.items.map((u) => u.id),
        q,
      ).toEqual([id]);
      expect(page.nextCursor).toBeNull();
      expect(page.items[0]).toEqual({
        ...target.body.user,
        unionid: 'union-exact-1',
        phone: '+8613800138000',
        disabledReason: null,
        lastLoginAt: new Date(t.clock()).toISOString(),
        updatedAt: expect.any(String),
      });
    }
    for (const q of [
      target.openid.slice(0, -1),
      target.openid.slice(1),
      id.slice(0, 8),
      'union-exact',
      '13800138000',
      '%',
      '*',
      '开',
    ]) {
      const response = await call(t, 'GET', `/admin/api/users?q=${encodeURIComponent(q)}`);
      expect(response.json<Page<AdminUser>>().items, q).toEqual([]);
    }
  });

  it('pages newest first through more than one page with cursor; bad cursor or limit is 400', async () => {
    const t = await adminApp();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await t.login()).body.user.id);
      t.clock.advance(10); // UUIDv7 ids order by time
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const response = await call(t, 'GET', `/admin/api/users?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(response.statusCode).toBe(200);
      const page = response.json<Page<AdminUser>>();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((u) => u.id));
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual([...ids].reverse());
    expect((await call(t, 'GET', '/admin/api/users')).json<Page<AdminUser>>().items).toHaveLength(5);

    for (const query of [
      'limit=abc',
      'limit=-1',
      'limit=1000',
      'cursor=',
      'cursor=%27%20or%201=1',
      `q=${'x'.repeat(129)}`,
    ]) {
      const response = await call(t, 'GET', `/admin/api/users?${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(errorOf(response).code).toBe('VALIDATION_FAILED');
    }
  });

  it('limit=0 and limit=101 are 400 VALIDATION_FAILED, never silently clamped; 1 and 100 are the bounds', async () => {
    const t = await adminApp();
    for (let i = 0; i < 3; i++) await t.login();
    for (const path of ['/admin/api/users', '/admin/api/audit']) {
      for (const limit of ['0', '101', '00', '050', '1.5', '']) {
        const response = await call(t, 'GET', `${path}?limit=${limit}`);
        expect(response.statusCode, `${path} limit=${limit}`).toBe(400);
        expect(errorOf(response).code).toBe('VALIDATION_FAILED');
      }
      for (const limit of ['1', '100'])
        expect((await call(t, 'GET', `${path}?limit=${limit}`)).statusCode, `${path} limit=${limit}`).toBe(200);
    }
    expect((await call(t, 'GET', '/admin/api/users?limit=1')).json<Page<AdminUser>>().items).toHaveLength(1);
    // The library surface says the same as the HTTP one.
    for (const limit of [0, 101, 2.5, Number.NaN]) {
      await expect(t.auth.admin.listUsers({ limit })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(t.auth.admin.audit({ limit })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
  });

  it('an id that cannot exist (65 characters, 2 KiB, not a UUID) is 404 NOT_FOUND on every user route, as documented', async () => {
    const t = await adminApp();
    const auditBefore = (await t.store.listAudit({ limit: 100 })).items.length;
    for (const impossible of ['x'.repeat(65), `${USER_ID}0`, 'a'.repeat(2048), encodeURIComponent('名'.repeat(40))]) {
      for (const [method, url] of ROUTES.filter(([, u]) => u.includes(USER_ID))) {
        const response = await call(t, method, url.replace(USER_ID, impossible));
        expect(response.statusCode, `${method} ${url} ${impossible.length}`).toBe(404);
        // Past Fastify's 100-character parameter limit no route matches: the admin API's own 404, same code.
        expect(errorOf(response).code).toBe('NOT_FOUND');
      }
    }
    expect((await t.store.listAudit({ limit: 100 })).items).toHaveLength(auditBefore);
  });

  it('one user: sessions with device, IP, last use and revocation, and linked accounts of other apps', async () => {
    const t = await adminApp();
    const { code: code1, openid } = t.simulator.login({ appid: t.appid, unionid: 'union-linked' });
    const phone = await t.post(
      '/v1/auth/login',
      { code: code1, appid: t.appid },
      { 'user-agent': 'iPhone WeChat/8.0' },
    );
    t.clock.advance(1000);
    const { code: code2 } = t.simulator.login({ appid: t.appid, openid });
    const pad = await t.post('/v1/auth/login', { code: code2, appid: t.appid }, { 'user-agent': 'iPad WeChat/8.0' });
    await t.post('/v1/auth/logout', { refreshToken: pad.json<{ refreshToken: string }>().refreshToken });
    const other = await t.login({ appid: OTHER_APP.appid, unionid: 'union-linked' });
    const id = phone.json<{ user: { id: string } }>().user.id;

    const response = await call(t, 'GET', `/admin/api/users/${id}`);
    expect(response.statusCode).toBe(200);
    const detail = response.json<AdminUserDetail>();
    expect(detail.user).toMatchObject({ id, openid, unionid: 'union-linked', status: 'active' });
    expect(detail.sessions).toHaveLength(2);
    const [newest, oldest] = detail.sessions as [AdminSession, AdminSession];
    expect(newest).toEqual({
      id: expect.any(String),
      appid: t.appid,
      generation: 0,
      userAgent: 'iPad WeChat/8.0',
      ip: '127.0.0.1',
      createdAt: new Date(t.clock()).toISOString(),
      lastUsedAt: new Date(t.clock()).toISOString(),
      expiresAt: expect.any(String),
      absoluteExpiresAt: expect.any(String),
      revokedAt: new Date(t.clock()).toISOString(),
      revokedReason: 'logout',
      active: false,
    });
    expect(oldest).toMatchObject({
      userAgent: 'iPhone WeChat/8.0',
      revokedAt: null,
      revokedReason: null,
      active: true,
    });
    expect(detail.linkedAccounts.map((u) => [u.appid, u.id])).toEqual([[OTHER_APP.appid, other.body.user.id]]);
    expect(response.body).not.toMatch(/sessionKey|session_key|refreshToken/);

    for (const unknown of [USER_ID, 'not-a-uuid', 'x'.repeat(64)]) {
      const missing = await call(t, 'GET', `/admin/api/users/${unknown}`);
      expect(missing.statusCode, unknown).toBe(404);
      expect(errorOf(missing)).toEqual({ code: 'NOT_FOUND', message: 'No such user.' });
    }
  });

  it('revoke, disable, enable, phone unbind and delete: each audited as admin; unknown users are 404 and audit nothing', async () => {
    const t = await adminApp();
    const a = await t.login();
    const b = await t.login({ openid: a.openid });
    const id = a.body.user.id;
    await t.store.setPhone(id, '+8613900001234', t.clock());

    // Audit ids are UUIDv7: events order by their millisecond, so each action gets its own.
    const tick = () => t.clock.advance(1);
    const revoked = await call(t, 'POST', `/admin/api/users/${id}/revoke`, { payload: {} });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toEqual({ revoked: 2 });
    tick();
    for (const s of [a, b])
      expect(errorOf(await t.post('/v1/auth/refresh', { refreshToken: s.body.refreshToken })).code).toBe(
        'SESSION_EXPIRED',
      );
    expect((await call(t, 'POST', `/admin/api/users/${id}/revoke`)).json()).toEqual({ revoked: 0 });
    tick();

    const disabled = await call(t, 'POST', `/admin/api/users/${id}/disable`); // no body at all
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json<AdminUser>()).toMatchObject({ status: 'disabled', disabledReason: null });
    tick();
    const withReason = await call(t, 'POST', `/admin/api/users/${id}/disable`, {
      payload: { reason: 'spam', extra: 1 },
    });
    expect(withReason.json<AdminUser>()).toMatchObject({ status: 'disabled', disabledReason: 'spam' });
    tick();
    const tooLong = await call(t, 'POST', `/admin/api/users/${id}/disable`, { payload: { reason: 'r'.repeat(256) } });
    expect(errorOf(tooLong).code).toBe('VALIDATION_FAILED');
    const enabled = await call(t, 'POST', `/admin/api/users/${id}/enable`);
    expect(enabled.json<AdminUser>()).toMatchObject({ status: 'active', disabledReason: null });
    tick();

    const unbound = await call(t, 'POST', `/admin/api/users/${id}/phone/unbind`);
    expect(unbound.statusCode).toBe(200);
    expect(unbound.json<AdminUser>().phone).toBeNull();
    expect((await t.store.getUser(id))!.phoneE164).toBeNull();

    const events = (await t.store.listAudit({ userId: id, limit: 100 })).items.reverse();
    expect(events.map((e) => [e.actor, e.action])).toEqual([
      ['admin', 'user.sessions_revoked'],
      ['admin', 'user.sessions_revoked'],
      ['admin', 'user.disabled'],
      ['admin', 'user.disabled'],
      ['admin', 'user.enabled'],
      ['admin', 'phone.unbound'],
    ]);
    expect(JSON.parse(events[0]!.detailJson!)).toEqual({ revoked: 2 });
    expect(JSON.parse(events[3]!.detailJson!)).toEqual({ reason: 'spam' });
    expect(JSON.parse(events[5]!.detailJson!)).toEqual({ last4: '1234' });
    expect(events[5]!.detailJson).not.toContain('13900001234');

    const deleted = await call(t, 'DELETE', `/admin/api/users/${id}`);
    expect(deleted.statusCode).toBe(204);
    expect(await t.store.getUser(id)).toBeUndefined();
    expect(await t.store.getSessionKeySealed(t.appid, a.openid)).toBeUndefined();
    const [gone] = (await t.store.listAudit({ userId: id, limit: 1 })).items;
    expect(gone).toMatchObject({ actor: 'admin', action: 'user.deleted' });
    expect(gone!.detailJson).not.toContain(a.openid);

    const auditBefore = (await t.store.listAudit({ limit: 100 })).items.length;
    for (const [method, url] of ROUTES.filter(([, u]) => u.includes(USER_ID))) {
      for (const missing of [USER_ID, id]) {
        const response = await call(t, method, url.replace(USER_ID, missing));
        expect(response.statusCode, `${method} ${url}`).toBe(404);
        expect(errorOf(response).code).toBe('NOT_FOUND');
      }
    }
    expect((await t.store.listAudit({ limit: 100 })).items).toHaveLength(auditBefore);
  });

  it('revoking one session ends that device only: its refresh is SESSION_EXPIRED, the other device refreshes on', async () => {
    const t = await adminApp();
    const phone = await t.login();
    const { code } = t.simulator.login({ appid: t.appid, openid: phone.openid });
    const pad = await t.post('/v1/auth/login', { code, appid: t.appid }, { 'user-agent': 'iPad WeChat/8.0' });
    const id = phone.body.user.id;
    const detail = (await call(t, 'GET', `/admin/api/users/${id}`)).json<AdminUserDetail>();
    const padSession = detail.sessions.find((s) => s.userAgent === 'iPad WeChat/8.0')!;

    const revoked = await call(t, 'POST', `/admin/api/users/${id}/sessions/${padSession.id}/revoke`);
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toEqual({ revoked: 1 });
    const refreshPad = await t.post('/v1/auth/refresh', {
      refreshToken: pad.json<{ refreshToken: string }>().refreshToken,
    });
    expect(refreshPad.statusCode).toBe(401);
    expect(errorOf(refreshPad).code).toBe('SESSION_EXPIRED');
    expect((await t.get('/v1/me', pad.json<{ accessToken: string }>().accessToken)).statusCode).toBe(401);
    const refreshPhone = await t.post('/v1/auth/refresh', { refreshToken: phone.body.refreshToken });
    expect(refreshPhone.statusCode).toBe(200);

    // Again: nothing left to revoke, and nothing audited twice.
    expect((await call(t, 'POST', `/admin/api/users/${id}/sessions/${padSession.id}/revoke`)).json()).toEqual({
      revoked: 0,
    });
    const audit = (await call(t, 'GET', `/admin/api/audit?userId=${id}`)).json<Page<AdminAuditEvent>>();
    expect(audit.items.map((e) => [e.action, e.actor, e.detail])).toEqual([
      ['session.revoked', 'admin', { sessionId: padSession.id }],
    ]);
    const after = (await call(t, 'GET', `/admin/api/users/${id}`)).json<AdminUserDetail>();
    expect(after.sessions.find((s) => s.id === padSession.id)).toMatchObject({
      active: false,
      revokedReason: 'admin_revoked',
    });

    // Another user's session, an unknown one or a non-UUID is 404 and revokes nothing.
    const stranger = await t.login();
    const strangerSession = (await call(t, 'GET', `/admin/api/users/${stranger.body.user.id}`)).json<AdminUserDetail>()
      .sessions[0]!.id;
    for (const sessionId of [strangerSession, USER_ID, 'not-a-session']) {
      const response = await call(t, 'POST', `/admin/api/users/${id}/sessions/${sessionId}/revoke`);
      expect(response.statusCode, sessionId).toBe(404);
      expect(errorOf(response)).toEqual({ code: 'NOT_FOUND', message: 'No such session of this user.' });
    }
    expect((await t.post('/v1/auth/refresh', { refreshToken: stranger.body.refreshToken })).statusCode).toBe(200);
  });

  it('the admin disable reason refuses NUL (PostgreSQL answered 500) and the user stays active', async () => {
    const t = await createTestApp({ env: { WXLOGIN_ADMIN_TOKEN: ADMIN_TOKEN } });
    const { body } = await t.login();
    const response = await t.app.inject({
      method: 'POST',
      url: `/admin/api/users/${body.user.id}/disable`,
      payload: { reason: 'fraud\u0000' },
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect([response.statusCode, errorOf(response).code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(await t.store.getUser(body.user.id)).toMatchObject({ status: 'active' });
  });

  it('a JSON content type with an empty body is 400, a non-JSON one 415', async () => {
    const t = await adminApp();
    const { body } = await t.login();
    const url = `/admin/api/users/${body.user.id}/disable`;
    const empty = await call(t, 'POST', url, { headers: { 'content-type': 'application/json' } });
    expect(errorOf(empty).code).toBe('VALIDATION_FAILED');
    const text = await t.app.inject({
      method: 'POST',
      url,
      payload: 'reason',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/plain' },
    });
    expect(text.statusCode).toBe(415);
    expect((await t.store.getUser(body.user.id))!.status).toBe('active');
  });
});

describe('admin apps and audit [sqlite]', () => {
  it('GET /admin/api/apps lists the appids and nothing secret', async () => {
    const t = await adminApp();
    const unknown = {
      cached: false,
      fetchedAt: null,
      expiresAt: null,
      forcedToday: 0,
      forcedBudget: 10,
      shared: false,
    };
    const response = await call(t, 'GET', '/admin/api/apps');
    expect(response.json()).toEqual({
      items: [
        { appid: t.appid, accessToken: unknown },
        { appid: OTHER_APP.appid, accessToken: unknown },
      ],
      nextCursor: null,
    });
    for (const secret of [DEFAULT_DEV_SECRET, OTHER_APP.secret]) expect(response.body).not.toContain(secret);
  });

  it('GET /admin/api/audit pages newest first, filters by user, parses the detail', async () => {
    const t = await adminApp();
    const a = (await t.login()).body.user.id;
    const b = (await t.login()).body.user.id;
    for (let i = 0; i < 3; i++) {
      await call(t, 'POST', `/admin/api/users/${a}/revoke`);
      t.clock.advance(5);
      await call(t, 'POST', `/admin/api/users/${b}/disable`, { payload: { reason: `r${i}` } });
      t.clock.advance(5);
    }
    const seen: AdminAuditEvent[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const response = await call(t, 'GET', `/admin/api/audit?limit=4${cursor === null ? '' : `&cursor=${cursor}`}`);
      expect(response.statusCode).toBe(200);
      const page = response.json<Page<AdminAuditEvent>>();
      seen.push(...page.items);
      cursor = page.nextCursor;
      if (cursor === null) break;
    }
    expect(seen).toHaveLength(6);
    expect(seen.map((e) => e.at)).toEqual([...seen.map((e) => e.at)].sort().reverse());
    expect(seen[0]).toEqual({
      id: expect.any(String),
      at: new Date(t.clock() - 5).toISOString(),
      actor: 'admin',
      action: 'user.disabled',
      appid: t.appid,
      userId: b,
      detail: { reason: 'r2' },
    });
    const ofA = (await call(t, 'GET', `/admin/api/audit?userId=${a}`)).json<Page<AdminAuditEvent>>();
    expect(ofA.items.map((e) => [e.userId, e.action, e.detail])).toEqual(
      Array.from({ length: 3 }, () => [a, 'user.sessions_revoked', { revoked: expect.any(Number) }]),
    );
    expect((await call(t, 'GET', '/admin/api/audit?userId=not%20an%20id')).statusCode).toBe(400);

    const disabled = (await call(t, 'GET', '/admin/api/audit?action=user.disabled')).json<Page<AdminAuditEvent>>();
    expect(disabled.items.map((e) => [e.action, e.detail])).toEqual([
      ['user.disabled', { reason: 'r2' }],
      ['user.disabled', { reason: 'r1' }],
      ['user.disabled', { reason: 'r0' }],
    ]);
    const both = await call(t, 'GET', `/admin/api/audit?action=user.disabled&userId=${a}`);
    expect(both.json<Page<AdminAuditEvent>>().items).toEqual([]);
    for (const action of ['User.Disabled', 'x'.repeat(65), "user.disabled' OR 1=1"]) {
      const refused = await call(t, 'GET', `/admin/api/audit?action=${encodeURIComponent(action)}`);
      expect(refused.statusCode, action).toBe(400);
      expect(errorOf(refused).code).toBe('VALIDATION_FAILED');
    }
  });

  it('GET /admin/api/overview: WeChat calls and latency, phone spend, reuse alarms, token state and health', async () => {
    const t = await adminApp();
    const first = await t.login();
    await t.post('/v1/auth/login', { code: 'never-minted', appid: t.appid }); // 40029
    for (let i = 0; i < 3; i++) {
      const s = await t.login();
      const { code } = t.simulator.phoneCode({ appid: t.appid, openid: s.openid, phoneNumber: `1390000000${i}` });
      expect(
        (await t.post('/v1/me/phone', { code }, { authorization: `Bearer ${s.body.accessToken}` })).statusCode,
      ).toBe(200);
    }
    // A refresh token replayed after rotation and the grace window: a reuse alarm.
    const rotated = await t.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken });
    expect(rotated.statusCode).toBe(200);
    await t.post('/v1/auth/refresh', { refreshToken: rotated.json<{ refreshToken: string }>().refreshToken });
    t.clock.advance(11_000);
    expect(errorOf(await t.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken })).code).toBe(
      'REFRESH_TOKEN_REUSED',
    );

    const response = await call(t, 'GET', '/admin/api/overview?window=1h');
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const overview = response.json<AdminOverview>();
    expect(overview.window).toBe('1h');
    expect(overview.health).toMatchObject({ ok: true, database: 'ok', redis: 'not_configured' });
    const byApi = Object.fromEntries(overview.wechatApis.map((a) => [a.api, a]));
    expect(byApi.code2Session).toMatchObject({ calls: 5, errors: 1 });
    expect(byApi.code2Session!.p50Ms).toEqual(expect.any(Number));
    expect(byApi.code2Session!.p95Ms).toBeGreaterThanOrEqual(byApi.code2Session!.p50Ms!);
    expect(byApi.getPhoneNumber).toMatchObject({ calls: 3, errors: 0 });
    expect(byApi.stableToken).toMatchObject({ calls: 1, errors: 0 });
    expect(overview.phone).toEqual({ redeemed: 3, failed: 0, costYuan: { quick: 0.09, realtime: 0.12 } });
    expect(overview.refreshReuse.detected).toBe(1);
    expect(overview.refreshReuse.recent.map((e) => [e.action, e.userId])).toEqual([
      ['refresh.reuse_detected', first.body.user.id],
    ]);
    const [dev, other] = overview.apps;
    expect(dev).toMatchObject({
      appid: t.appid,
      accessToken: { cached: true, forcedToday: 0, forcedBudget: 10, shared: false },
    });
    expect(Date.parse(dev!.accessToken!.expiresAt!) - Date.parse(dev!.accessToken!.fetchedAt!)).toBe(7_200_000);
    expect(other).toMatchObject({ appid: OTHER_APP.appid, accessToken: { cached: false, fetchedAt: null } });
    for (const secret of [DEFAULT_DEV_SECRET, OTHER_APP.secret]) expect(response.body).not.toContain(secret);
    expect(response.body).not.toMatch(/access_token"|accessToken":"[^{]/);

    // The window moves on: an hour later none of it is in the 1h window, all of it in the 24h one.
    t.clock.advance(3_600_000);
    const later = (await call(t, 'GET', '/admin/api/overview?window=1h')).json<AdminOverview>();
    expect([later.wechatApis, later.phone.redeemed, later.refreshReuse.detected]).toEqual([[], 0, 0]);
    const day = (await call(t, 'GET', '/admin/api/overview?window=24h')).json<AdminOverview>();
    expect([day.phone.redeemed, day.refreshReuse.detected]).toEqual([3, 1]);
    expect((await call(t, 'GET', '/admin/api/overview?window=7d')).statusCode).toBe(400);
  });
});

describe('admin API in the OpenAPI document [sqlite]', () => {
  type Json = Record<string, unknown>;
  const inline = (schema: unknown, components: Record<string, Json>): unknown => {
    if (Array.isArray(schema)) return schema.map((item) => inline(item, components));
    if (typeof schema !== 'object' || schema === null) return schema;
    const ref = (schema as Json)['$ref'];
    if (typeof ref === 'string') return inline(components[ref.replace('#/components/schemas/', '')], components);
    return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, inline(v, components)]));
  };
  // Every field of `body` is declared by `schema` (closed objects only; open ones say so with `additionalProperties`).
  const undeclared = (body: unknown, schema: Json, at = '$'): string[] => {
    const branches = schema['anyOf'] as Json[] | undefined;
    if (branches) {
      const fitting = branches.find((b) => (body === null ? b['type'] === 'null' : b['type'] !== 'null'));
      return fitting ? undeclared(body, fitting, at) : [at];
    }
    if (Array.isArray(body))
      return body.flatMap((item, i) => undeclared(item, (schema['items'] ?? {}) as Json, `${at}[${i}]`));
    if (typeof body !== 'object' || body === null || schema['additionalProperties'] !== false) return [];
    const properties = (schema['properties'] ?? {}) as Record<string, Json>;
    return Object.entries(body).flatMap(([k, v]) =>
      k in properties ? undeclared(v, properties[k]!, `${at}.${k}`) : [`${at}.${k}`],
    );
  };

  it('documents every admin route and DELETE /v1/me; real answers validate against it and declare every field', async () => {
    const t = await adminApp();
    const doc = (await t.get('/openapi.json')).json<{
      paths: Record<
        string,
        Record<
          string,
          { security?: unknown; responses: Record<string, { content?: Record<string, { schema: Json }> }> }
        >
      >;
      components: { schemas: Record<string, Json> };
    }>();
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    for (const [method, url] of ROUTES) {
      const path = url.split('?')[0]!.replace(USER_ID, '{id}').replace(SESSION_ID, '{sessionId}');
      expect(documented, `${method} ${path}`).toContain(`${method} ${path}`);
      expect(doc.paths[path]![method.toLowerCase()]!.security).toEqual([{ adminToken: [] }]);
    }
    expect(documented).toContain('DELETE /v1/me');

    const a = await t.login({ unionid: 'union-doc' });
    await t.login({ appid: OTHER_APP.appid, unionid: 'union-doc' });
    await t.store.setPhone(a.body.user.id, '+8613800000001', t.clock());
    const id = a.body.user.id;
    await call(t, 'POST', `/admin/api/users/${id}/disable`, { payload: { reason: 'doc' } });
    const answers: [string, string, LightMyRequestResponse][] = [
      ['/admin/api/users', 'get', await call(t, 'GET', '/admin/api/users?limit=1')],
      ['/admin/api/users/{id}', 'get', await call(t, 'GET', `/admin/api/users/${id}`)],
      ['/admin/api/users/{id}/revoke', 'post', await call(t, 'POST', `/admin/api/users/${id}/revoke`)],
      ['/admin/api/users/{id}/enable', 'post', await call(t, 'POST', `/admin/api/users/${id}/enable`)],
      ['/admin/api/users/{id}/disable', 'post', await call(t, 'POST', `/admin/api/users/${id}/disable`)],
      ['/admin/api/users/{id}/phone/unbind', 'post', await call(t, 'POST', `/admin/api/users/${id}/phone/unbind`)],
      ['/admin/api/stats', 'get', await call(t, 'GET', '/admin/api/stats?window=1h')],
      ['/admin/api/apps', 'get', await call(t, 'GET', '/admin/api/apps')],
      ['/admin/api/audit', 'get', await call(t, 'GET', '/admin/api/audit')],
      ['/admin/api/users/{id}', 'get', await call(t, 'GET', `/admin/api/users/${USER_ID}`)],
    ];
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats.default(ajv);
    for (const [path, method, response] of answers) {
      const status = response.statusCode === 200 ? '200' : '4XX';
      const declared = doc.paths[path]![method]!.responses;
      const schema = inline(
        (declared[status] ?? declared['4xx'])!.content!['application/json']!.schema,
        doc.components.schemas,
      ) as Json;
      const body: unknown = response.json();
      const validate = ajv.compile(schema);
      expect(validate(body), `${method} ${path}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(undeclared(body, schema), `${method} ${path}`).toEqual([]);
    }
  });
});
