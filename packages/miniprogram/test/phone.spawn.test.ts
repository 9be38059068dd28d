import { describe, expect, it } from 'vitest';
import { useSdkHarness } from './helpers/harness.js';

const PHONE = '/v1/me/phone';

describe('@wxlogin/miniprogram binds phone numbers and opens encryptedData against a real wxlogin serve [sqlite]', () => {
  const h = useSdkHarness({}, (n) => ({ wx: { phoneNumber: String(13800138000 + n) } }));
  const device = h.device;

  it('phone by code: the event detail as it comes → the user with the number in E.164', async () => {
    const d = device({ wx: { phoneNumber: '13912345678' } });
    const user = await d.client.ready();
    const changes: unknown[] = [];
    d.client.onChange((u) => changes.push(u));
    const bound = await d.client.bindPhone(await d.wx.control.getPhoneNumber());
    expect(bound).toMatchObject({ id: user.id, phone: '+8613912345678' });
    expect(h.relay.callsTo(PHONE).map((c) => Object.keys(c.body as object))).toEqual([['code']]);
    expect(changes).toEqual([bound]);
    expect((await d.client.getUser()).phone).toBe('+8613912345678');
    expect(h.service.simulator.stats()['/wxa/business/getuserphonenumber']).toBe(1);
  });

  it('real-time verification gives the same code shape and binds the same way', async () => {
    const d = device();
    await d.client.ready();
    const bound = await d.client.bindPhone(await d.wx.control.getPhoneNumber({ realtime: true }));
    expect(bound.phone).toMatch(/^\+86\d{11}$/);
  });

  it('a refusal is PHONE_DENIED and the quota error (errno 1400001) PHONE_QUOTA_EXCEEDED, neither with a request', async () => {
    const d = device({ wx: { phoneQuota: 0 } });
    await d.client.ready();
    h.relay.calls.length = 0;
    const denied = await d.client.bindPhone(await d.wx.control.getPhoneNumber({ deny: true })).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(d.sdk.WxloginError);
    expect(denied).toMatchObject({ code: 'PHONE_DENIED', errMsg: 'getPhoneNumber:fail user deny' });
    const quota = await d.client.bindPhone(await d.wx.control.getPhoneNumber()).catch((e: unknown) => e);
    expect(quota).toMatchObject({ code: 'PHONE_QUOTA_EXCEEDED', errno: 1400001 });
    expect(d.sdk.errorMessage('PHONE_QUOTA_EXCEEDED')).toMatch(/次数/);
    expect(h.relay.calls).toEqual([]);
  });

  it('a double tap sends one request and both taps get the bound user', async () => {
    const d = device();
    await d.client.ready();
    const first = await d.wx.control.getPhoneNumber();
    const second = await d.wx.control.getPhoneNumber();
    const [a, b] = await Promise.all([d.client.bindPhone(first), d.client.bindPhone(second)]);
    expect(a).toEqual(b);
    expect(h.relay.callsTo(PHONE)).toHaveLength(1);
    expect(h.service.simulator.stats()['/wxa/business/getuserphonenumber']).toBe(1);
  });

  it('legacy encryptedData + iv is sent as is and binds the number', async () => {
    const d = device({ wx: { phoneNumber: '13700001111' } });
    await d.client.ready();
    const detail = await d.wx.control.getPhoneNumber({ legacy: true });
    expect(detail).toMatchObject({ encryptedData: expect.any(String), iv: expect.any(String) });
    const bound = await d.client.bindPhone(detail);
    expect(bound.phone).toBe('+8613700001111');
    expect(h.relay.callsTo(PHONE).map((c) => Object.keys(c.body as object).sort())).toEqual([['encryptedData', 'iv']]);
  });

  it('a stale session_key: WECHAT_SESSION_STALE after a re-login, the payload never replayed, the next tap works', async () => {
    const d = device({ wx: { phoneNumber: '13700002222' } });
    const user = await d.client.ready();
    // Something outside the SDK gave the user a new session_key at WeChat: the service still holds the old one.
    h.service.simulator.login({ appid: h.service.appid, openid: user.openid });
    const stale = await d.client
      .bindPhone(await d.wx.control.getPhoneNumber({ legacy: true }))
      .catch((e: unknown) => e);
    expect(stale).toMatchObject({ code: 'WECHAT_SESSION_STALE', statusCode: 409 });
    expect(d.sdk.errorMessage('WECHAT_SESSION_STALE')).toMatch(/再点一次/);
    expect(h.relay.callsTo(PHONE)).toHaveLength(1);
    expect(d.wx.control.logins).toBe(2);
    const bound = await d.client.bindPhone(await d.wx.control.getPhoneNumber({ legacy: true }));
    expect(bound).toMatchObject({ id: user.id, phone: '+8613700002222' });
    expect(h.relay.callsTo(PHONE)).toHaveLength(2);
  });

  it('legacy data tapped with no session stored: the SDK logs in, does not send the stale payload, the next tap works', async () => {
    const first = device({ wx: { phoneNumber: '13700003333' } });
    await first.client.ready();
    first.wx.removeStorageSync('wxlogin');
    const d = first.relaunch();
    const stale = await d.client
      .bindPhone(await d.wx.control.getPhoneNumber({ legacy: true }))
      .catch((e: unknown) => e);
    expect(stale).toMatchObject({ code: 'WECHAT_SESSION_STALE' });
    expect(h.relay.callsTo(PHONE)).toEqual([]);
    expect((await d.client.bindPhone(await d.wx.control.getPhoneNumber({ legacy: true }))).phone).toBe(
      '+8613700003333',
    );
  });

  it('a number bound to another user is PHONE_IN_USE', async () => {
    const one = device({ wx: { phoneNumber: '13600006666' } });
    const two = device({ wx: { phoneNumber: '13600006666' } });
    await one.client.ready();
    await two.client.ready();
    await one.client.bindPhone(await one.wx.control.getPhoneNumber());
    await expect(two.client.bindPhone(await two.wx.control.getPhoneNumber())).rejects.toMatchObject({
      code: 'PHONE_IN_USE',
      statusCode: 409,
    });
  });

  it('decrypt opens encryptedData with the session_key kept on the service', async () => {
    const d = device();
    const user = await d.client.ready();
    const sealed = h.service.simulator.encrypt({
      appid: h.service.appid,
      openid: user.openid,
      data: { stepInfoList: [{ step: 4200 }] },
    });
    const data = await d.client.decrypt<{ stepInfoList: { step: number }[]; watermark: { appid: string } }>(sealed);
    expect(data.stepInfoList).toEqual([{ step: 4200 }]);
    expect(data.watermark.appid).toBe(h.service.appid);
  });
});
