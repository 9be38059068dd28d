import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSimulator, type Simulator } from '@wxlogin/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../src/errors/catalogue.js';
import { spawnNode, type SpawnedProcess } from './helpers/spawn-process.js';
import { createTestApp } from './helpers/test-app.js';

// examples/express-auth/server.mjs, run as written (`node examples/express-auth/server.mjs`) against the simulator.
const APPID = 'wxexample0000002';
const SECRET = `secret-${randomBytes(12).toString('hex')}`;
const MASTER_KEY = randomBytes(32).toString('base64');

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: Record<string, any> | null;
}

interface Call {
  method?: 'GET' | 'POST';
  body?: string;
  type?: string;
  token?: string;
}

describe('examples/express-auth: createAuth mounted in Express 5 (real process) [sqlite]', () => {
  let sim: Simulator;
  let dir: string;
  let proc: SpawnedProcess;
  let url: string;
  const answers: string[] = [];

  beforeAll(async () => {
    sim = createSimulator({ apps: [{ appid: APPID, secret: SECRET }] });
    await sim.listen({ port: 0 });
    dir = mkdtempSync(join(tmpdir(), 'wxlogin-express-auth-'));
    proc = spawnNode(['examples/express-auth/server.mjs'], {
      WXLOGIN_APPS: `${APPID}:${SECRET}`,
      WXLOGIN_MASTER_KEY: MASTER_KEY,
      WXLOGIN_DATABASE_URL: `sqlite:${join(dir, 'auth.db')}`,
      WXLOGIN_WECHAT_BASE_URL: sim.url,
      WXLOGIN_WECHAT_TIMEOUT_MS: '1000',
      WXLOGIN_HOST: '127.0.0.1',
      WXLOGIN_PORT: '0',
    });
    url = (await proc.waitFor(/listening at (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  });

  afterAll(async () => {
    await proc?.stop();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function request(path: string, call: Call = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (call.body !== undefined) headers['content-type'] = call.type ?? 'application/json';
    if (call.token !== undefined) headers.authorization = `Bearer ${call.token}`;
    const res = await fetch(`${url}${path}`, {
      method: call.method ?? (call.body === undefined ? 'GET' : 'POST'),
      headers,
      ...(call.body === undefined ? {} : { body: call.body }),
    });
    const text = await res.text();
    answers.push(text);
    return {
      status: res.status,
      headers: res.headers,
      text,
      body: text === '' ? null : (JSON.parse(text) as Record<string, any>),
    };
  }
  const post = (path: string, body: unknown, token?: string) =>
    request(path, { body: JSON.stringify(body), ...(token === undefined ? {} : { token }) });

  async function login(openid?: string): Promise<Answer & { body: Record<string, any>; openid: string }> {
    const minted = sim.login({ appid: APPID, ...(openid === undefined ? {} : { openid }) });
    const answer = await post('/v1/auth/login', { code: minted.code });
    expect(answer.status).toBe(200);
    return { ...answer, body: answer.body!, openid: minted.openid };
  }

  /** The service's envelope, `{ error: { code, message, wechat? } }`, with the catalogue's status for `code`. */
  const expectError = (answer: Answer, code: keyof typeof ERROR_CATALOGUE): void => {
    expect(answer.status).toBe(ERROR_CATALOGUE[code].status);
    expect(Object.keys(answer.body ?? {})).toEqual(['error']);
    expect(answer.body!.error).toMatchObject({ code, message: expect.any(String) });
    expect(['code', 'message', 'wechat']).toEqual(expect.arrayContaining(Object.keys(answer.body!.error)));
  };

  it('POST /v1/auth/login answers the tokens; GET /v1/me answers the user with the bearer', async () => {
    const first = await login();
    expect(first.body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      isNew: true,
      user: { appid: APPID, openid: first.openid },
    });
    expect(first.body.refreshToken).toMatch(/^wxr1\./);
    expect(first.headers.get('cache-control')).toBe('no-store');

    const me = await request('/v1/me', { token: first.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(first.body.user);

    const again = await login(first.openid);
    expect(again.body.isNew).toBe(false);
    expect(again.body.user.id).toBe(first.body.user.id);
  });

  it('POST /v1/auth/refresh rotates the refresh token; POST /v1/auth/logout ends the session (idempotent)', async () => {
    const { body: session } = await login();
    const refreshed = await post('/v1/auth/refresh', { refreshToken: session.refreshToken });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ tokenType: 'Bearer', user: { id: session.user.id } });
    expect(refreshed.body!.refreshToken).not.toBe(session.refreshToken);

    const logout = await post('/v1/auth/logout', { refreshToken: refreshed.body!.refreshToken });
    expect(logout.status).toBe(204);
    expect(logout.text).toBe('');
    expectError(await post('/v1/auth/refresh', { refreshToken: refreshed.body!.refreshToken }), 'SESSION_EXPIRED');
    expectError(await request('/v1/me', { token: refreshed.body!.accessToken }), 'UNAUTHORIZED');
    expect((await post('/v1/auth/logout', { refreshToken: refreshed.body!.refreshToken })).status).toBe(204);

    const other = await login();
    expectError(await post('/v1/auth/logout', { all: true }), 'UNAUTHORIZED');
    expect((await post('/v1/auth/logout', { all: true }, other.body.accessToken)).status).toBe(204);
    expectError(await post('/v1/auth/refresh', { refreshToken: other.body.refreshToken }), 'SESSION_EXPIRED');
  });

  it('POST /v1/me/phone binds the number of a getPhoneNumber code in E.164', async () => {
    const { body: session, openid } = await login();
    const { code } = sim.phoneCode({ appid: APPID, openid, phoneNumber: '13800138000' });
    const bound = await post('/v1/me/phone', { code }, session.accessToken);
    expect(bound.status).toBe(200);
    expect(bound.body).toMatchObject({ id: session.user.id, phone: '+8613800138000' });
    expect((await request('/v1/me', { token: session.accessToken })).body).toMatchObject({ phone: '+8613800138000' });

    expectError(await post('/v1/me/phone', { code }, session.accessToken), 'INVALID_PHONE_CODE'); // single use
    expectError(await post('/v1/me/phone', {}, session.accessToken), 'VALIDATION_FAILED');
    expectError(await post('/v1/me/phone', { code: 'x' }), 'UNAUTHORIZED');
  });

  it("answers errors in the catalogue's envelope and status", async () => {
    const unknown = await post('/v1/auth/login', { code: 'not-a-code-wechat-issued' });
    expectError(unknown, 'INVALID_CODE');
    expect(unknown.body!.error.wechat).toEqual({ errcode: 40029, rid: expect.any(String) });
    expectError(await request('/v1/me'), 'UNAUTHORIZED');
    expectError(await request('/v1/me', { token: 'not.a.jwt' }), 'UNAUTHORIZED');
    expectError(await request('/v1/auth/login', { body: '{"code":' }), 'VALIDATION_FAILED');
    expectError(await request('/v1/auth/login', { body: 'code=x', type: 'text/plain' }), 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await post('/v1/auth/login', { code: 'x'.repeat(20_000) }), 'PAYLOAD_TOO_LARGE');
    expectError(await post('/v1/auth/refresh', { refreshToken: 'wxr1.garbage' }), 'UNAUTHORIZED');
    expectError(await request('/nowhere'), 'NOT_FOUND');

    sim.setFaults({ latencyMs: 3000, routes: ['/sns/jscode2session'] });
    try {
      const slow = await post('/v1/auth/login', { code: sim.login({ appid: APPID }).code });
      expectError(slow, 'WECHAT_UNAVAILABLE');
      expect(slow.headers.get('retry-after')).toBe('1');
    } finally {
      sim.clearFaults();
    }
  });

  it('answers the same status and code as the wxlogin service itself for the same bad requests', async () => {
    const service = await createTestApp();
    const { body: mine } = await login();
    const { body: theirs } = await service.login();
    const cases: { path: string; call: Call }[] = [
      { path: '/v1/auth/login', call: { body: '{"code":"not-a-code-wechat-issued"}' } },
      { path: '/v1/auth/login', call: { body: '{}' } },
      { path: '/v1/auth/login', call: { body: '[1]' } },
      { path: '/v1/auth/login', call: { body: '{"code":' } },
      { path: '/v1/auth/login', call: { body: 'code=x', type: 'text/plain' } },
      { path: '/v1/auth/refresh', call: { body: '{"refreshToken":"wxr1.garbage"}' } },
      { path: '/v1/auth/logout', call: { body: '{}' } },
      { path: '/v1/me', call: {} },
      { path: '/v1/me', call: { token: 'not.a.jwt' } },
      { path: '/v1/me/phone', call: { body: '{"code":"x","iv":"y"}', token: 'BEARER' } },
      { path: '/v1/me/phone', call: { body: '{"code":"unknown-phone-code"}', token: 'BEARER' } },
      { path: '/nowhere', call: {} },
    ];
    for (const { path, call } of cases) {
      const ours = await request(path, { ...call, ...(call.token === 'BEARER' ? { token: mine.accessToken } : {}) });
      const token = call.token === 'BEARER' ? theirs.accessToken : call.token;
      const reference = await service.app.inject({
        method: call.body === undefined ? 'GET' : 'POST',
        url: path,
        headers: {
          ...(call.body === undefined ? {} : { 'content-type': call.type ?? 'application/json' }),
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
        ...(call.body === undefined ? {} : { payload: call.body }),
      });
      const expected = reference.json<{ error: { code: string } }>();
      expect({ path, ...call, status: ours.status, code: ours.body?.error?.code }).toEqual({
        path,
        ...call,
        status: reference.statusCode,
        code: expected.error.code,
      });
    }
  });

  it('stops on SIGTERM with exit code 0, having never answered or printed the AppSecret, the master key or a stack', async () => {
    expect(await proc.stop()).toBe(0);
    const output = proc.output();
    expect(output).toContain('stopped');
    for (const text of [...answers, output]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(MASTER_KEY);
    }
    for (const text of answers) expect(text).not.toMatch(/\bat .+:\d+:\d+/);
    expect(output).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});
