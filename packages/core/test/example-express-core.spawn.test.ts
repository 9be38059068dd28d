import { randomBytes } from 'node:crypto';
import { ERROR_CATALOGUE } from '@wxlogin/server';
import { createSimulator, type Simulator } from '@wxlogin/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnNode, type SpawnedProcess } from '../../server/test/helpers/spawn-process.js';

// examples/express-core/server.mjs, run as written (`node examples/express-core/server.mjs`) against the simulator.
const APPID = 'wxexample0000001';
const SECRET = `secret-${randomBytes(12).toString('hex')}`;
const BUDGET_MS = 3000; // the example's `timeoutMs`

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: Record<string, any>;
}

describe('examples/express-core: the blog tutorial done right with @wxlogin/core (real process)', () => {
  let sim: Simulator;
  let proc: SpawnedProcess;
  let url: string;
  const answers: string[] = []; // every body the example answered
  const sessionKeys: string[] = []; // every session_key WeChat handed the example

  beforeAll(async () => {
    sim = createSimulator({ apps: [{ appid: APPID, secret: SECRET }] });
    await sim.listen({ port: 0 });
    proc = spawnNode(['examples/express-core/server.mjs'], {
      WECHAT_APPID: APPID,
      WECHAT_SECRET: SECRET,
      WECHAT_BASE_URL: sim.url,
      PORT: '0',
    });
    const [, port] = await proc.waitFor(/listening on http:\/\/localhost:(\d+)/);
    url = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await proc?.stop();
    await sim?.close();
  });

  async function request(path: string, init: { body?: string; type?: string; token?: string } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (init.body !== undefined) headers['content-type'] = init.type ?? 'application/json';
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers,
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    const text = await res.text();
    answers.push(text);
    return { status: res.status, headers: res.headers, text, body: JSON.parse(text) as Record<string, any> };
  }
  const post = (path: string, body: unknown, token?: string) =>
    request(path, { body: JSON.stringify(body), ...(token === undefined ? {} : { token }) });

  /** What wx.login() and then the mini program's request to /login do. */
  async function login(openid?: string): Promise<Answer & { code: string; openid: string }> {
    const minted = sim.login({ appid: APPID, ...(openid === undefined ? {} : { openid }) });
    const answer = await post('/login', { code: minted.code });
    sessionKeys.push(sim.getUser(APPID, minted.openid)!.sessionKey);
    return { ...answer, ...minted };
  }

  /** `{ error: { code, message, wechat? } }` with the status wxlogin's own catalogue gives `code`: the example answers as the service does. */
  const expectError = (answer: Answer, code: keyof typeof ERROR_CATALOGUE): void => {
    expect(answer.status).toBe(ERROR_CATALOGUE[code].status);
    expect(Object.keys(answer.body)).toEqual(['error']);
    expect(answer.body.error).toMatchObject({ code, message: expect.any(String) });
    expect(['code', 'message', 'wechat']).toEqual(expect.arrayContaining(Object.keys(answer.body.error)));
  };

  it('POST /login answers { token, openid } and never the session_key; the same code again is CODE_ALREADY_USED', async () => {
    const first = await login();
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(['openid', 'token']);
    expect(first.body.openid).toBe(first.openid);
    expect(first.body.token).toMatch(/^[\w-]{43}$/);
    expect(first.text).not.toContain(sessionKeys.at(-1));
    expect(first.headers.get('cache-control')).toBe('no-store');

    const again = await post('/login', { code: first.code });
    expectError(again, 'CODE_ALREADY_USED');
    expect(again.body.error.wechat).toMatchObject({ errcode: 40163, rid: expect.any(String) });
  });

  it('an unknown code is 400 INVALID_CODE, with WeChat errcode and rid', async () => {
    const answer = await post('/login', { code: 'not-a-code-wechat-issued' });
    expectError(answer, 'INVALID_CODE');
    expect(answer.body.error.wechat).toEqual({
      errcode: 40029,
      rid: expect.stringMatching(/^[0-9a-f]+-[0-9a-f]+-[0-9a-f]+$/),
    });
  });

  it("POST /phone redeems a phone code with the session's openid; another user's code is INVALID_PHONE_CODE", async () => {
    const me = await login();
    const { code } = sim.phoneCode({ appid: APPID, openid: me.openid, phoneNumber: '13800138000' });
    const phone = await post('/phone', { code }, me.body.token);
    expect(phone.status).toBe(200);
    expect(phone.body).toEqual({ phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' });

    const other = await login();
    const theirs = sim.phoneCode({ appid: APPID, openid: other.openid });
    expectError(await post('/phone', { code: theirs.code }, me.body.token), 'INVALID_PHONE_CODE');
  });

  it('POST /decrypt opens data sealed with the session_key kept on the server; a newer key on the device is 409', async () => {
    const me = await login();
    const sealed = sim.encrypt({
      appid: APPID,
      openid: me.openid,
      data: { stepInfoList: [{ timestamp: 1, step: 4321 }] },
    });
    const opened = await post('/decrypt', sealed, me.body.token);
    expect(opened.status).toBe(200);
    expect(opened.body.data).toMatchObject({
      stepInfoList: [{ timestamp: 1, step: 4321 }],
      watermark: { appid: APPID },
    });

    expectError(
      await post('/decrypt', { encryptedData: 'bm90IGEgYmxvY2s=', iv: sealed.iv }, me.body.token),
      'DECRYPT_FAILED',
    );

    // wx.login() again on the device rotates the session_key; data sealed with it won't open with the stored one.
    sim.login({ appid: APPID, openid: me.openid });
    const newer = sim.encrypt({ appid: APPID, openid: me.openid, data: { hello: 'world' } });
    expectError(await post('/decrypt', newer, me.body.token), 'WECHAT_SESSION_STALE');
  });

  it("a WeChat slower than the client's budget is 503 WECHAT_UNAVAILABLE with Retry-After, within the budget", async () => {
    sim.setFaults({ latencyMs: BUDGET_MS + 3000, routes: ['/sns/jscode2session'] });
    try {
      const { code } = sim.login({ appid: APPID });
      const started = Date.now();
      const answer = await post('/login', { code });
      const elapsed = Date.now() - started;
      expectError(answer, 'WECHAT_UNAVAILABLE');
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.body.error.wechat).toBeUndefined(); // a timeout is core's errcode -1001, not WeChat's
      expect(elapsed).toBeGreaterThanOrEqual(BUDGET_MS - 100);
      expect(elapsed).toBeLessThan(BUDGET_MS + 1000);
    } finally {
      sim.clearFaults();
    }
  });

  it('a missing or invalid body is 400 VALIDATION_FAILED', async () => {
    expectError(await request('/login'), 'VALIDATION_FAILED');
    expectError(await post('/login', {}), 'VALIDATION_FAILED');
    expectError(await post('/login', { code: 12345 }), 'VALIDATION_FAILED');
    expectError(await post('/login', { code: '' }), 'VALIDATION_FAILED');
    expectError(await request('/login', { body: '{"code":' }), 'VALIDATION_FAILED');
    expectError(
      await request('/login', { body: 'code=abc', type: 'application/x-www-form-urlencoded' }),
      'VALIDATION_FAILED',
    );
    const me = await login();
    expectError(await post('/phone', {}, me.body.token), 'VALIDATION_FAILED');
    expectError(await post('/decrypt', { encryptedData: 'AAAA' }, me.body.token), 'VALIDATION_FAILED');
  });

  it('no bearer, a malformed one or an unknown token is 401 UNAUTHORIZED', async () => {
    expectError(await post('/phone', { code: 'x' }), 'UNAUTHORIZED');
    expectError(await post('/decrypt', { encryptedData: 'AAAA', iv: 'AAAA' }), 'UNAUTHORIZED');
    expectError(await request('/phone', { body: '{"code":"x"}', token: 'not a token' }), 'UNAUTHORIZED');
    expectError(await post('/phone', { code: 'x' }, randomBytes(32).toString('base64url')), 'UNAUTHORIZED');
    expectError(await post('/nowhere', {}), 'NOT_FOUND');
  });

  it('stops on SIGTERM with exit code 0, having never answered or printed the AppSecret, a session_key or a stack', async () => {
    expect(await proc.stop()).toBe(0);
    const output = proc.output();
    expect(sessionKeys.length).toBeGreaterThan(3);
    for (const text of [...answers, output]) {
      expect(text).not.toContain(SECRET);
      for (const key of sessionKeys) expect(text).not.toContain(key);
    }
    for (const text of answers) expect(text).not.toMatch(/\bat .+:\d+:\d+/);
    expect(output).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});
