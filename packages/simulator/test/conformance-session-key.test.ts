import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEV, RID_PATTERN, startSimulator, type TestSimulator } from './helpers/start-simulator.js';

// checksession and resetusersessionkey as docs/simulator.md#the-wechat-routes lists them. The signature is computed here by hand, not with the simulator's helper,
// so a wrong key interpretation (bytes instead of base64 text) in the simulator would fail these tests.
const sign = (sessionKey: string): string => createHmac('sha256', sessionKey).update('').digest('hex');

describe('GET /wxa/checksession and /wxa/resetusersessionkey', () => {
  let t: TestSimulator;
  let token: string;
  let openid: string;
  const key = () => t.sim.getUser(DEV.appid, openid)?.sessionKey as string;
  beforeEach(async () => {
    t = await startSimulator({ apps: [{ appid: 'wxotherapp0000002', secret: 'other-secret' }] });
    token = (await t.post('/cgi-bin/stable_token', { grant_type: 'client_credential', ...DEV })).access_token as string;
    openid = t.sim.login({ appid: DEV.appid }).openid;
  });
  afterEach(() => t.close());

  const call = (path: string, params: Record<string, string> = {}) =>
    t.get(path, { access_token: token, openid, signature: sign(key()), sig_method: 'hmac_sha256', ...params });

  it('checksession answers 0 for the current key and 87009 once wx.login rotated it', async () => {
    expect(await call('/wxa/checksession')).toEqual({ errcode: 0, errmsg: 'ok' });
    const stale = sign(key());
    t.sim.login({ appid: DEV.appid, openid });
    const answer = await call('/wxa/checksession', { signature: stale });
    expect(answer.errcode).toBe(87009);
    expect(answer.errmsg).toMatch(RID_PATTERN);
  });

  it('rejects a signature keyed with the decoded key bytes, or in uppercase (87009)', async () => {
    const byBytes = createHmac('sha256', Buffer.from(key(), 'base64')).update('').digest('hex');
    expect((await call('/wxa/checksession', { signature: byBytes })).errcode).toBe(87009);
    expect((await call('/wxa/checksession', { signature: sign(key()).toUpperCase() })).errcode).toBe(87009);
  });

  it('answers 87008 for a sig_method other than hmac_sha256, or none', async () => {
    expect((await call('/wxa/checksession', { sig_method: 'md5' })).errcode).toBe(87008);
    expect((await call('/wxa/checksession', { sig_method: '' })).errcode).toBe(87008);
  });

  it('answers 87009 for an unknown openid or a user of another app', async () => {
    expect((await call('/wxa/checksession', { openid: 'oNoSuchUser0000000000000000x' })).errcode).toBe(87009);
    const stranger = t.sim.login({ appid: 'wxotherapp0000002' }).openid;
    const strangerKey = t.sim.getUser('wxotherapp0000002', stranger)?.sessionKey as string;
    expect((await call('/wxa/checksession', { openid: stranger, signature: sign(strangerKey) })).errcode).toBe(87009);
  });

  it('checks the token first (41001, 40014) and answers 41009 without openid', async () => {
    expect((await call('/wxa/checksession', { access_token: '' })).errcode).toBe(41001);
    expect((await call('/wxa/checksession', { access_token: 'bogus' })).errcode).toBe(40014);
    expect((await call('/wxa/checksession', { openid: '' })).errcode).toBe(41009);
  });

  it('resetusersessionkey answers a new key; the old one is invalid at once, the new one checks', async () => {
    const old = key();
    const mintedBefore = t.sim.login({ appid: DEV.appid, openid, rotateSessionKey: false }).code;
    const answer = await call('/wxa/resetusersessionkey');
    expect(answer).toEqual({ errcode: 0, errmsg: 'ok', openid, session_key: expect.any(String) });
    expect(answer.session_key).not.toBe(old);
    expect(answer.session_key).toBe(key());
    expect((await call('/wxa/checksession', { signature: sign(old) })).errcode).toBe(87009);
    expect((await call('/wxa/checksession', { signature: sign(answer.session_key as string) })).errcode).toBe(0);
    // The old key cannot reset again, and code2Session now hands out the new key.
    expect((await call('/wxa/resetusersessionkey', { signature: sign(old) })).errcode).toBe(87009);
    const exchanged = await t.get('/sns/jscode2session', {
      ...DEV,
      js_code: mintedBefore,
      grant_type: 'authorization_code',
    });
    expect(exchanged.session_key).toBe(answer.session_key);
  });

  it('answers 43001 to a POST', async () => {
    const answer = await t.post('/wxa/checksession', {}, { access_token: token, openid });
    expect(answer.errcode).toBe(43001);
  });
});
