import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEV, RID_PATTERN, START_MS, startSimulator, type TestSimulator } from './helpers/start-simulator.js';

// getuserphonenumber as docs/simulator.md#the-wechat-routes lists it.
describe('POST /wxa/business/getuserphonenumber', () => {
  const OTHER = { appid: 'wxotherapp0000002', secret: 'other-secret' };
  let t: TestSimulator;
  let token: string;
  let openid: string;
  beforeEach(async () => {
    t = await startSimulator({ apps: [OTHER] });
    token = (await t.post('/cgi-bin/stable_token', { grant_type: 'client_credential', ...DEV })).access_token as string;
    openid = t.sim.login({ appid: DEV.appid }).openid;
  });
  afterEach(() => t.close());

  const redeem = (body: unknown, accessToken = token) =>
    t.post('/wxa/business/getuserphonenumber', body, { access_token: accessToken });

  it('answers phone_info with a string countryCode and a watermark of the tap', async () => {
    const { code } = t.sim.phoneCode({ appid: DEV.appid, openid, phoneNumber: '13800138000' });
    t.clock.advance(10_000);
    expect(await redeem({ code, openid })).toEqual({
      errcode: 0,
      errmsg: 'ok',
      phone_info: {
        phoneNumber: '13800138000',
        purePhoneNumber: '13800138000',
        countryCode: '86',
        watermark: { timestamp: Math.floor(START_MS / 1000), appid: DEV.appid },
      },
    });
  });

  it('puts the area code in phoneNumber only outside the mainland, and accepts a numeric countryCode', async () => {
    const { code } = t.sim.phoneCode({ appid: DEV.appid, openid, phoneNumber: '51234567', countryCode: 852 });
    const info = (await redeem({ code })).phone_info as Record<string, unknown>;
    expect(info).toMatchObject({ phoneNumber: '+85251234567', purePhoneNumber: '51234567', countryCode: '852' });
  });

  it('gives distinct users distinct default numbers, stable per user', async () => {
    const other = t.sim.login({ appid: DEV.appid }).openid;
    const number = async (who: string) =>
      (
        (await redeem({ code: t.sim.phoneCode({ appid: DEV.appid, openid: who }).code })).phone_info as {
          purePhoneNumber: string;
        }
      ).purePhoneNumber;
    const mine = await number(openid);
    expect(mine).toMatch(/^1\d{10}$/);
    expect(await number(openid)).toBe(mine);
    expect(await number(other)).not.toBe(mine);
  });

  it('makes a code single-use (40029 the second time)', async () => {
    const { code } = t.sim.phoneCode({ appid: DEV.appid, openid });
    expect((await redeem({ code })).errcode).toBe(0);
    const again = await redeem({ code });
    expect(again.errcode).toBe(40029);
    expect(again.errmsg).toMatch(RID_PATTERN);
  });

  it('keeps a code for 5 minutes from the tap, then 40029', async () => {
    const early = t.sim.phoneCode({ appid: DEV.appid, openid }).code;
    const late = t.sim.phoneCode({ appid: DEV.appid, openid }).code;
    t.clock.advance(299_999);
    expect((await redeem({ code: early })).errcode).toBe(0);
    t.clock.advance(1);
    expect((await redeem({ code: late })).errcode).toBe(40029);
  });

  it('answers 40029 for an unknown code and for a wx.login code', async () => {
    expect((await redeem({ code: 'e31968a7f94cc5ee25fafc2aef2773f0bb8c3937b22520eb8ee345274d00c144' })).errcode).toBe(
      40029,
    );
    expect((await redeem({ code: t.sim.login({ appid: DEV.appid, openid }).code })).errcode).toBe(40029);
  });

  it("answers 40029 for a code of another app than the token's, and leaves the code usable", async () => {
    const otherToken = (await t.post('/cgi-bin/stable_token', { grant_type: 'client_credential', ...OTHER }))
      .access_token as string;
    const { code } = t.sim.phoneCode({ appid: DEV.appid, openid });
    expect((await redeem({ code }, otherToken)).errcode).toBe(40029);
    expect((await redeem({ code })).errcode).toBe(0);
  });

  it('checks openid when given: another user → 40029 and the code stays usable by its owner', async () => {
    const someoneElse = t.sim.login({ appid: DEV.appid }).openid;
    const { code } = t.sim.phoneCode({ appid: DEV.appid, openid });
    expect((await redeem({ code, openid: someoneElse })).errcode).toBe(40029);
    expect((await redeem({ code, openid })).errcode).toBe(0);
  });

  it.each([
    ['a form body', 'code=abc', 'application/x-www-form-urlencoded'],
    ['broken JSON', '{"code":', 'application/json'],
    ['a JSON array', '["abc"]', 'application/json'],
    ['JSON without code', '{"openid":"o1"}', 'application/json'],
  ])('answers 47001 to %s', async (_name, body, contentType) => {
    const answer = await t.post('/wxa/business/getuserphonenumber', body, { access_token: token }, contentType);
    expect(answer.errcode).toBe(47001);
  });

  it('checks the token before the body', async () => {
    expect((await redeem('not json', 'bogus')).errcode).toBe(40014);
    expect((await t.post('/wxa/business/getuserphonenumber', { code: 'x' })).errcode).toBe(41001);
    t.clock.advance(7200_000);
    expect((await redeem({ code: 'x' })).errcode).toBe(42001);
  });

  it('answers 43002 to a GET', async () => {
    expect((await t.get('/wxa/business/getuserphonenumber', { access_token: token })).errcode).toBe(43002);
  });
});
