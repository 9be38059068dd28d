import { randomBytes } from 'node:crypto';
import { DEFAULT_DEV_SECRET, DEV_APPID, createSimulator } from '@wxlogin/simulator';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createApp } from '../src/app.js';
import type { User } from '../src/schemas/user.js';
import { loadConfig } from '../src/config/load-config.js';
import { createTestApp } from './helpers/test-app.js';

const errorOf = (response: { json(): unknown }) =>
  (response.json() as { error: { code: string; message: string } }).error;

describe('routes [sqlite]', () => {
  it('GET /v1/me answers the User object', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const response = await t.get('/v1/me', body.accessToken);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(body.user);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  // wx.request has no PATCH: the mini program SDK updates the profile with POST /v1/me/profile, the same operation.
  for (const [method, url] of [
    ['PATCH', '/v1/me'],
    ['POST', '/v1/me/profile'],
  ] as const) {
    it(`${method} ${url} sets and clears nickname and avatarUrl; unknown fields are stripped, not applied`, async () => {
      const t = await createTestApp();
      const { body } = await t.login();
      const patch = (payload: unknown) =>
        t.app.inject({
          method,
          url,
          payload: payload as object,
          headers: { authorization: `Bearer ${body.accessToken}` },
        });
      const nickname = '小程序用户😀'.padEnd(64, '字');
      const updated = await patch({
        nickname,
        avatarUrl: 'https://cdn.example.com/a.png',
        status: 'disabled',
        id: 'x',
        phone: '+8613800000000',
      });
      expect(updated.statusCode).toBe(200);
      expect(updated.json<User>()).toMatchObject({
        id: body.user.id,
        nickname,
        avatarUrl: 'https://cdn.example.com/a.png',
        status: 'active',
        phone: null,
      });
      const cleared = await patch({ nickname: null, avatarUrl: null });
      expect(cleared.json<User>()).toMatchObject({ nickname: null, avatarUrl: null });
      expect((await t.get('/v1/me', body.accessToken)).json<User>().nickname).toBeNull();
    });

    it(`${method} ${url} refuses long nicknames, non-https and temporary avatar paths, naming the upload step`, async () => {
      const t = await createTestApp();
      const { body } = await t.login();
      const patch = (payload: unknown) =>
        t.app.inject({
          method,
          url,
          payload: payload as object,
          headers: { authorization: `Bearer ${body.accessToken}` },
        });
      for (const payload of [
        { nickname: 'x'.repeat(65) },
        { nickname: '字'.repeat(65) },
        { avatarUrl: 'http://cdn.example.com/a.png' },
        { avatarUrl: `https://cdn.example.com/${'a'.repeat(1024)}` },
        { avatarUrl: 'javascript:alert(1)' },
        { nickname: 42 },
      ]) {
        const response = await patch(payload);
        expect(response.statusCode, JSON.stringify(payload)).toBe(400);
        expect(errorOf(response).code).toBe('VALIDATION_FAILED');
      }
      for (const temp of ['wxfile://tmp_abc.jpg', 'http://tmp/abc.jpg', 'http://usr/abc.png']) {
        const response = await patch({ avatarUrl: temp });
        expect(response.statusCode).toBe(400);
        expect(errorOf(response)).toEqual({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/upload/) });
      }
      expect((await patch({ nickname: 'ok' })).statusCode).toBe(200);
      const noBearer = await t.app.inject({ method, url, payload: { nickname: 'x' } });
      expect(noBearer.statusCode).toBe(401);
      // The body is validated before the bearer is looked at: a bad body without a token is 400, not 401.
      const badBodyNoBearer = await t.app.inject({ method, url, payload: { nickname: 5 } });
      expect(badBodyNoBearer.statusCode).toBe(400);
      expect(errorOf(badBodyNoBearer).code).toBe('VALIDATION_FAILED');
    });
  }

  it('PATCH /v1/me refuses NUL and other control characters in nickname and avatarUrl (PostgreSQL answered 500)', async () => {
    const t = await createTestApp();
    const { body } = await t.login();
    const bearer = { authorization: `Bearer ${body.accessToken}` };
    for (const patch of [
      { nickname: 'a\u0000b' },
      { nickname: 'line\nbreak' },
      { avatarUrl: 'https://example.com/a\u0000.png' },
      { avatarUrl: 'https://example.com/\ta.png' },
    ]) {
      const response = await t.app.inject({ method: 'PATCH', url: '/v1/me', payload: patch, headers: bearer });
      expect(response.statusCode, JSON.stringify(patch)).toBe(400);
      expect(errorOf(response)).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: expect.stringMatching(/control characters/),
      });
    }
    expect(await t.store.getUser(body.user.id)).toMatchObject({ nickname: null, avatarUrl: null });
    // Still fine: emoji and CJK, counted in characters (code points), as PostgreSQL and MySQL count varchar(64).
    const ok = await t.app.inject({
      method: 'PATCH',
      url: '/v1/me',
      payload: { nickname: '微信😀'.repeat(21) + '名' },
      headers: bearer,
    });
    expect(ok.statusCode).toBe(200);
  });

  it('unknown body fields are stripped at login (an older server accepts a newer SDK)', async () => {
    const t = await createTestApp();
    const { code } = t.simulator.login({ appid: t.appid });
    const response = await t.post('/v1/auth/login', { code, appid: t.appid, deviceInfo: { model: 'x' }, future: true });
    expect(response.statusCode).toBe(200);
  });

  it('invalid JSON is 400, a non-JSON content type 415, a huge body 413, all in the envelope', async () => {
    const t = await createTestApp();
    const invalid = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: '{"code":',
      headers: { 'content-type': 'application/json' },
    });
    expect(invalid.statusCode).toBe(400);
    expect(errorOf(invalid).code).toBe('VALIDATION_FAILED');
    const empty = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: '',
      headers: { 'content-type': 'application/json' },
    });
    expect(errorOf(empty).code).toBe('VALIDATION_FAILED');
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: 'code=abc',
        headers: { 'content-type': type },
      });
      expect(response.statusCode, type).toBe(415);
      expect(errorOf(response).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    const huge = await t.post('/v1/auth/login', { code: 'x', padding: 'y'.repeat(70_000) });
    expect(huge.statusCode).toBe(413);
    expect(errorOf(huge).code).toBe('PAYLOAD_TOO_LARGE');
    const missing = await t.app.inject({ method: 'POST', url: '/v1/auth/refresh' });
    expect(missing.statusCode).toBe(400);
    expect(errorOf(missing).code).toBe('VALIDATION_FAILED');
  });

  it('unknown routes and methods are 404 NOT_FOUND in the envelope', async () => {
    const t = await createTestApp();
    for (const [method, url] of [
      ['GET', '/nope'],
      ['GET', '/v1/auth/login'],
      ['DELETE', '/v1/auth/refresh'],
      ['POST', '/v2/auth/login'],
    ] as const) {
      const response = await t.app.inject({ method, url });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'Not found.' } });
    }
  });

  it("a path with broken percent-encoding is 400 VALIDATION_FAILED in the error envelope, not Fastify's own body", async () => {
    const t = await createTestApp();
    for (const url of ['/v1/%E0%A4%A', '/admin/api/users/%E0%A4%A']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(400);
      expect(response.json(), url).toEqual({ error: { code: 'VALIDATION_FAILED', message: expect.any(String) } });
    }
  });

  it('GET /.well-known/jwks.json lists the signing key with kid, alg, use', async () => {
    const t = await createTestApp();
    const response = await t.get('/.well-known/jwks.json');
    expect(response.statusCode).toBe(200);
    const { keys } = response.json<{ keys: Record<string, unknown>[] }>();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: expect.any(String),
      y: expect.any(String),
      kid: expect.any(String),
      alg: 'ES256',
      use: 'sig',
    });
    expect(response.headers['cache-control']).toMatch(/max-age/);
  });

  it('/healthz is 200; /readyz is 200 with the WeChat base-URL warning, 503 only when the database is down', async () => {
    const t = await createTestApp();
    expect((await t.get('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await t.get('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({
      status: 'ok',
      database: 'ok',
      redis: 'not_configured',
      wechat: {
        baseUrl: t.config.wechatBaseUrl,
        warning: expect.stringMatching(/not WeChat's API/),
        circuit: 'closed',
      },
    });
    t.simulator.setFaults({ errcode: -1 }); // WeChat down: still ready
    expect((await t.get('/readyz')).statusCode).toBe(200);

    await t.store.close();
    const down = await t.get('/readyz');
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({
      status: 'unavailable',
      database: 'unreachable',
      error: { code: 'DEPENDENCY_UNAVAILABLE' },
    });
  });

  it('an unexpected failure is a 500 with a generic message and no stack', async () => {
    const t = await createTestApp();
    await t.store.close(); // the database vanishes under the service
    const { code } = t.simulator.login({ appid: t.appid });
    const response = await t.post('/v1/auth/login', { code, appid: t.appid });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'Internal server error.' } });
    expect(response.body).not.toMatch(/\bat \S+ \(|\.ts:\d+|sqlite|database/i);
  });

  it('createApp without a store opens one from the configuration, migrates it and closes it', async () => {
    const simulator = createSimulator();
    const url = await simulator.listen({ port: 0 });
    onTestFinished(() => simulator.close());
    const config = loadConfig({
      env: {
        WXLOGIN_APPS: `${DEV_APPID}:${DEFAULT_DEV_SECRET}`,
        WXLOGIN_MASTER_KEY: randomBytes(32).toString('base64'),
        WXLOGIN_DATABASE_URL: 'sqlite::memory:',
        WXLOGIN_WECHAT_BASE_URL: url,
        WXLOGIN_LOG_LEVEL: 'silent',
      },
    });
    const app = await createApp(config);
    const { code } = simulator.login({ appid: DEV_APPID });
    const response = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { code } });
    expect(response.statusCode).toBe(200);
    await app.close();
  });
});
