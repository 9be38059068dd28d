import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEV, RID_PATTERN, startSimulator, type TestSimulator } from './helpers/start-simulator.js';

// WeChat's rules for code2Session as docs/simulator.md#the-wechat-routes lists them, row by row.
describe('GET /sns/jscode2session', () => {
  let t: TestSimulator;
  beforeEach(async () => {
    t = await startSimulator({ apps: [{ appid: 'wxotherapp0000002', secret: 'other-secret' }] });
  });
  afterEach(() => t.close());

  const exchange = (code: string, overrides: Record<string, string> = {}) =>
    t.get('/sns/jscode2session', {
      appid: DEV.appid,
      secret: DEV.secret,
      js_code: code,
      grant_type: 'authorization_code',
      ...overrides,
    });

  it('answers openid and the current session_key, without errcode and without unionid when unbound', async () => {
    const { code, openid } = t.sim.login({ appid: DEV.appid });
    const body = await exchange(code);
    expect(body).toEqual({ openid, session_key: t.sim.getUser(DEV.appid, openid)?.sessionKey });
    expect(openid).toMatch(/^o[A-Za-z0-9_-]{27}$/);
    expect(Buffer.from(body.session_key as string, 'base64')).toHaveLength(16);
  });

  it('answers unionid when the user has one, and keeps it on a later login that does not name it', async () => {
    const first = t.sim.login({ appid: DEV.appid, unionid: 'oUnion000000000000000000001' });
    expect((await exchange(first.code)).unionid).toBe('oUnion000000000000000000001');
    const second = t.sim.login({ appid: DEV.appid, openid: first.openid });
    expect((await exchange(second.code)).unionid).toBe('oUnion000000000000000000001');
    const third = t.sim.login({ appid: DEV.appid, openid: first.openid, unionid: null });
    expect(await exchange(third.code)).not.toHaveProperty('unionid');
  });

  it('rotates the session_key at each login unless rotateSessionKey is false', async () => {
    const first = t.sim.login({ appid: DEV.appid });
    const key1 = (await exchange(first.code)).session_key;
    const same = t.sim.login({ appid: DEV.appid, openid: first.openid, rotateSessionKey: false });
    expect((await exchange(same.code)).session_key).toBe(key1);
    const rotated = t.sim.login({ appid: DEV.appid, openid: first.openid });
    expect((await exchange(rotated.code)).session_key).not.toBe(key1);
  });

  it('makes a code single-use: the second exchange is 40163 with a dashed rid', async () => {
    const { code } = t.sim.login({ appid: DEV.appid });
    expect((await exchange(code)).openid).toBeDefined();
    const again = await exchange(code);
    expect(again.errcode).toBe(40163);
    expect(again.errmsg).toMatch(/^code been used/);
    expect(again.errmsg).toMatch(RID_PATTERN);
  });

  it('keeps a code alive for 5 minutes by the injected clock, then answers 40029', async () => {
    const early = t.sim.login({ appid: DEV.appid });
    const late = t.sim.login({ appid: DEV.appid });
    t.clock.advance(5 * 60_000 - 1);
    expect((await exchange(early.code)).openid).toBe(early.openid);
    t.clock.advance(1);
    expect((await exchange(late.code)).errcode).toBe(40029);
  });

  it('answers 40029 for an unknown code and for a code of another appid, leaving that code usable', async () => {
    expect((await exchange('0a1b2c3d4e5f60718293a4b5c6d7e8f9')).errcode).toBe(40029);
    const other = t.sim.login({ appid: 'wxotherapp0000002' });
    expect((await exchange(other.code)).errcode).toBe(40029);
    const own = await exchange(other.code, { appid: 'wxotherapp0000002', secret: 'other-secret' });
    expect(own.openid).toBe(other.openid);
  });

  it('answers 41002 to a POST, even with every parameter in the query', async () => {
    const { code } = t.sim.login({ appid: DEV.appid });
    const body = await t.post('/sns/jscode2session', '', {
      appid: DEV.appid,
      secret: DEV.secret,
      js_code: code,
      grant_type: 'authorization_code',
    });
    expect(body.errcode).toBe(41002);
    expect((await exchange(code)).openid).toBeDefined();
  });

  it.each([
    ['appid', 41002],
    ['secret', 41004],
    ['js_code', 41008],
  ])('answers the missing-%s errcode %i', async (missing, errcode) => {
    const params: Record<string, string> = {
      appid: DEV.appid,
      secret: DEV.secret,
      js_code: 'x',
      grant_type: 'authorization_code',
    };
    delete params[missing];
    const body = await t.get('/sns/jscode2session', params);
    expect(body.errcode).toBe(errcode);
    expect(body.errmsg).toMatch(RID_PATTERN);
  });

  it('answers 40002 for a grant_type other than authorization_code', async () => {
    const { code } = t.sim.login({ appid: DEV.appid });
    expect((await exchange(code, { grant_type: 'client_credential' })).errcode).toBe(40002);
  });

  it('answers 40013 for an unknown appid and 40125 for a wrong secret', async () => {
    const { code } = t.sim.login({ appid: DEV.appid });
    expect((await exchange(code, { appid: 'wx0000000000000000' })).errcode).toBe(40013);
    expect((await exchange(code, { secret: 'not-the-secret' })).errcode).toBe(40125);
    expect((await exchange(code)).openid).toBeDefined();
  });

  it('answers 40125 to the old secret once the secret is reset with addApp', async () => {
    t.sim.addApp({ appid: DEV.appid, secret: 'rotated-secret' });
    const { code } = t.sim.login({ appid: DEV.appid });
    expect((await exchange(code)).errcode).toBe(40125);
    expect((await exchange(code, { secret: 'rotated-secret' })).openid).toBeDefined();
  });

  it('answers 40226 for a blocked (high-risk) user, and logs in again once unblocked', async () => {
    const { openid } = t.sim.login({ appid: DEV.appid });
    t.sim.blockUser(DEV.appid, openid);
    const blocked = t.sim.login({ appid: DEV.appid, openid });
    expect((await exchange(blocked.code)).errcode).toBe(40226);
    t.sim.blockUser(DEV.appid, openid, false);
    const after = t.sim.login({ appid: DEV.appid, openid });
    expect((await exchange(after.code)).openid).toBe(openid);
  });

  it('allows 100 calls per user per minute: the 101st is 45011 and leaves its code unused', async () => {
    const { openid } = t.sim.login({ appid: DEV.appid });
    const codes = Array.from({ length: 101 }, () => t.sim.login({ appid: DEV.appid, openid }).code);
    for (const code of codes.slice(0, 100)) expect((await exchange(code)).openid).toBe(openid);
    const over = await exchange(codes[100] as string);
    expect(over.errcode).toBe(45011);
    expect(over.errmsg).toMatch(RID_PATTERN);
    // Another user is not affected.
    expect((await exchange(t.sim.login({ appid: DEV.appid }).code)).openid).toBeDefined();
    t.clock.advance(60_000);
    expect((await exchange(codes[100] as string)).openid).toBe(openid);
  });

  it('counts the calls in stats', async () => {
    const { code } = t.sim.login({ appid: DEV.appid });
    await exchange(code);
    await exchange(code);
    expect(t.sim.stats()['/sns/jscode2session']).toBe(2);
    t.sim.resetStats();
    expect(t.sim.stats()['/sns/jscode2session']).toBe(0);
  });
});
