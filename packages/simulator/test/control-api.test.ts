import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlError, createSimulator, WECHAT_ROUTES } from '../src/index.js';
import { DEV, startSimulator, type TestSimulator } from './helpers/start-simulator.js';

// The simulator's control API, part of the Contract (docs/simulator.md#the-control-api-__sim-json-camelcase), over HTTP and in-process.
let t: TestSimulator;
afterEach(() => t?.close());

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await t.request(path, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

describe('control API over HTTP', () => {
  it('POST /__sim/apps registers a mini program whose codes then exchange', async () => {
    t = await startSimulator();
    expect(await control('POST', '/__sim/apps', { appid: 'wx1234567890abcdef', secret: 's3cret' })).toEqual({
      status: 200,
      body: { appid: 'wx1234567890abcdef' },
    });
    const login = await control('POST', '/__sim/login', { appid: 'wx1234567890abcdef' });
    const session = await t.get('/sns/jscode2session', {
      appid: 'wx1234567890abcdef',
      secret: 's3cret',
      js_code: login.body.code,
      grant_type: 'authorization_code',
    });
    expect(session.openid).toBe(login.body.openid);
    expect((await control('GET', '/__sim/apps')).body.appids).toEqual([DEV.appid, 'wx1234567890abcdef']);
  });

  it('POST /__sim/login mints a code for a new user, or for a named one (rotating its key unless told not to)', async () => {
    t = await startSimulator();
    const first = await control('POST', '/__sim/login', { appid: DEV.appid, unionid: 'oUnionABC' });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ code: expect.stringMatching(/^[0-9a-f]{32}$/), openid: expect.any(String) });
    const user = await control('GET', `/__sim/users/${DEV.appid}/${first.body.openid}`);
    expect(user.body).toEqual({
      appid: DEV.appid,
      openid: first.body.openid,
      unionid: 'oUnionABC',
      sessionKey: expect.any(String),
      blocked: false,
    });
    await control('POST', '/__sim/login', { appid: DEV.appid, openid: first.body.openid, rotateSessionKey: false });
    expect((await control('GET', `/__sim/users/${DEV.appid}/${first.body.openid}`)).body.sessionKey).toBe(
      user.body.sessionKey,
    );
    await control('POST', '/__sim/login', { appid: DEV.appid, openid: first.body.openid });
    expect((await control('GET', `/__sim/users/${DEV.appid}/${first.body.openid}`)).body.sessionKey).not.toBe(
      user.body.sessionKey,
    );
    const named = await control('POST', '/__sim/login', { appid: DEV.appid, openid: 'oChosenOpenid' });
    expect(named.body.openid).toBe('oChosenOpenid');
  });

  it('POST /__sim/phone-code and /__sim/encrypt work for a known user', async () => {
    t = await startSimulator();
    const { openid } = t.sim.login({ appid: DEV.appid });
    const phone = await control('POST', '/__sim/phone-code', { appid: DEV.appid, openid, phoneNumber: '13900000000' });
    expect(phone).toEqual({ status: 200, body: { code: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const sealed = await control('POST', '/__sim/encrypt', { appid: DEV.appid, openid, data: { hello: 'world' } });
    expect(sealed.status).toBe(200);
    expect(Buffer.from(sealed.body.iv, 'base64')).toHaveLength(16);
    expect(Buffer.from(sealed.body.encryptedData, 'base64').length % 16).toBe(0);
  });

  it('POST /__sim/users/:appid/:openid/block blocks and unblocks', async () => {
    t = await startSimulator();
    const { openid } = t.sim.login({ appid: DEV.appid });
    expect((await control('POST', `/__sim/users/${DEV.appid}/${openid}/block`)).body.blocked).toBe(true);
    expect(t.sim.getUser(DEV.appid, openid)?.blocked).toBe(true);
    expect((await control('POST', `/__sim/users/${DEV.appid}/${openid}/block`, { blocked: false })).body.blocked).toBe(
      false,
    );
  });

  it('GET /__sim/stats counts WeChat calls per route; DELETE resets them', async () => {
    t = await startSimulator();
    await t.post('/cgi-bin/stable_token', { grant_type: 'client_credential', ...DEV });
    await t.get('/sns/jscode2session', { ...DEV, js_code: 'x' });
    await t.get('/sns/jscode2session', { ...DEV, js_code: 'y' });
    const stats = (await control('GET', '/__sim/stats')).body;
    expect(Object.keys(stats).sort()).toEqual([...WECHAT_ROUTES].sort());
    expect(stats).toMatchObject({ '/sns/jscode2session': 2, '/cgi-bin/stable_token': 1, '/cgi-bin/token': 0 });
    await control('DELETE', '/__sim/stats');
    expect(t.sim.stats()['/sns/jscode2session']).toBe(0);
  });

  it.each([
    ['POST', '/__sim/login', '{not json', 400],
    ['POST', '/__sim/login', { appid: 'wxnosuchapp000000' }, 404],
    ['POST', '/__sim/login', {}, 400],
    ['POST', '/__sim/login', { appid: DEV.appid, rotateSessionKey: 'no' }, 400],
    ['POST', '/__sim/apps', { appid: 'wx1' }, 400],
    ['POST', '/__sim/phone-code', { appid: DEV.appid }, 400],
    ['POST', '/__sim/phone-code', { appid: DEV.appid, openid: 'oNobody' }, 404],
    ['POST', '/__sim/encrypt', { appid: DEV.appid, openid: 'oNobody', data: {} }, 404],
    ['GET', `/__sim/users/${DEV.appid}/oNobody`, undefined, 404],
    ['DELETE', `/__sim/users/${DEV.appid}/oNobody`, undefined, 405],
    ['GET', '/__sim/nothing-here', undefined, 404],
    ['GET', '/nothing-here', undefined, 404],
  ])('%s %s %j → %i with a JSON error', async (method, path, body, status) => {
    t = await startSimulator();
    const answer = await control(method, path, body);
    expect(answer.status).toBe(status);
    expect(answer.body.error).toEqual(expect.any(String));
  });

  it('validates phone-code and encrypt input of a known user (400)', async () => {
    t = await startSimulator();
    const { openid } = t.sim.login({ appid: DEV.appid });
    expect(
      (await control('POST', '/__sim/phone-code', { appid: DEV.appid, openid, phoneNumber: '+8613800138000' })).status,
    ).toBe(400);
    expect((await control('POST', '/__sim/phone-code', { appid: DEV.appid, openid, countryCode: '+86' })).status).toBe(
      400,
    );
    expect((await control('POST', '/__sim/encrypt', { appid: DEV.appid, openid, data: 'text' })).status).toBe(400);
  });

  it('refuses a body over 1 MiB with 413', async () => {
    t = await startSimulator();
    const res = await t.request('/__sim/login', { method: 'POST', body: 'x'.repeat(1_048_577) });
    expect(res.status).toBe(413);
  });
});

describe('the Simulator object', () => {
  it('has the dev app from the start, with devSecret or the default secret', async () => {
    t = await startSimulator({ devSecret: 'my-dev-secret' });
    const { code } = t.sim.login({ appid: DEV.appid });
    expect((await t.get('/sns/jscode2session', { ...DEV, js_code: code })).errcode).toBe(40125);
    expect(
      (await t.get('/sns/jscode2session', { appid: DEV.appid, secret: 'my-dev-secret', js_code: code })).openid,
    ).toBeDefined();
    expect(createSimulator().appids()).toEqual([DEV.appid]);
  });

  it('throws ControlError from in-process control methods on bad input', () => {
    const sim = createSimulator();
    expect(() => sim.login({ appid: 'wxnosuchapp000000' })).toThrow(ControlError);
    expect(() => sim.phoneCode({ appid: DEV.appid, openid: 'oNobody' })).toThrow(/unknown user/);
    expect(() => sim.addApp({ appid: '', secret: 'x' })).toThrow(ControlError);
    expect(() => sim.setFaults({ errorRate: 5 })).toThrow(ControlError);
    expect(sim.getUser(DEV.appid, 'oNobody')).toBeUndefined();
  });

  it('has no url before listen, refuses a second listen, and closes twice safely', async () => {
    const sim = createSimulator();
    expect(() => sim.url).toThrow(/not listening/);
    const url = await sim.listen();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.url).toBe(url);
    await expect(sim.listen()).rejects.toThrow(/already listening/);
    await sim.close();
    await sim.close();
    expect(() => sim.url).toThrow();
  });

  it('keeps app secrets and session keys out of util.inspect and JSON', () => {
    const sim = createSimulator({ apps: [{ appid: 'wx1234567890abcdef', secret: 'super-secret-value' }] });
    const { openid } = sim.login({ appid: DEV.appid });
    const key = sim.getUser(DEV.appid, openid)?.sessionKey as string;
    for (const printed of [inspect(sim, { depth: 10, showHidden: true }), JSON.stringify(sim), String(sim)]) {
      expect(printed).not.toContain('super-secret-value');
      expect(printed).not.toContain('wxlogin-dev-secret');
      expect(printed).not.toContain(key);
    }
  });

  it('logs one line per request without query strings or bodies (no secrets)', async () => {
    const lines: string[] = [];
    t = await startSimulator({ logger: (line) => lines.push(line) });
    const { code } = t.sim.login({ appid: DEV.appid });
    await t.get('/sns/jscode2session', { ...DEV, js_code: code });
    await t.post('/cgi-bin/stable_token', { grant_type: 'client_credential', ...DEV });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^GET \/sns\/jscode2session 200 errcode=0 \d+ms$/);
    for (const line of lines) {
      expect(line).not.toContain(DEV.secret);
      expect(line).not.toContain(code);
    }
  });
});
