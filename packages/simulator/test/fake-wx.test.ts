import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFakeWx, PHONE_QUOTA_ERRNO, type WxRequestOptions, type WxRequestSuccess } from '../src/index.js';
import { DEV, startSimulator, type TestSimulator } from './helpers/start-simulator.js';

// DESIGN.md "Fidelity": the fake wx's semantics, against a real simulator and a small real app server.
let t: TestSimulator;
afterEach(() => t.close());

/**
 * An app server: /echo answers the request, /status/:n answers n, /text answers text, /slow waits 100 ms, /counted
 * waits 100 ms and records how many were in flight at once.
 */
let app: Server;
let appUrl: string;
let slowInFlight = 0;
let slowMaxInFlight = 0;
beforeAll(async () => {
  app = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://app.invalid');
      if (url.pathname === '/echo') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-app': 'yes' });
        res.end(JSON.stringify({ method: req.method, query: Object.fromEntries(url.searchParams), body, type: req.headers['content-type'] }));
      } else if (url.pathname.startsWith('/status/')) {
        res.writeHead(Number(url.pathname.slice(8)), { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'X' } }));
      } else if (url.pathname === '/text') {
        res.end('plain words');
      } else if (url.pathname === '/slow') {
        setTimeout(() => res.end('{"ok":true}'), 100);
      } else if (url.pathname === '/counted') {
        slowInFlight += 1;
        slowMaxInFlight = Math.max(slowMaxInFlight, slowInFlight);
        setTimeout(() => {
          slowInFlight -= 1;
          res.end('{"ok":true}');
        }, 100);
      } else {
        res.writeHead(404).end();
      }
    });
  });
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});
afterAll(async () => {
  app.closeAllConnections();
  await new Promise((resolve) => app.close(resolve));
});

function request(wx: ReturnType<typeof createFakeWx>, options: WxRequestOptions): Promise<WxRequestSuccess | { errMsg: string }> {
  return new Promise((resolve) => wx.request({ ...options, success: resolve, fail: resolve }));
}

const exchange = (code: string) => t.get('/sns/jscode2session', { ...DEV, js_code: code, grant_type: 'authorization_code' });

describe('fake wx.login and wx.checkSession', () => {
  it('mints codes that exchange, for one user kept across logins, as a promise or with callbacks', async () => {
    t = await startSimulator();
    const wx = createFakeWx({ simulator: t.sim, appid: DEV.appid });
    const first = await wx.login();
    expect(first?.errMsg).toBe('login:ok');
    const openid = (await exchange(first?.code as string)).openid;
    expect(wx.control.openid).toBe(openid);
    const second = await new Promise<{ code: string }>((resolve, reject) => wx.login({ success: resolve, fail: reject }));
    expect((await exchange(second.code)).openid).toBe(openid);
  });

  it('works over HTTP with simulatorUrl', async () => {
    t = await startSimulator();
    const wx = createFakeWx({ simulatorUrl: t.url, appid: DEV.appid, openid: 'oDeviceUser' });
    const { code } = (await wx.login()) as { code: string };
    expect((await exchange(code)).openid).toBe('oDeviceUser');
    expect((await wx.checkSession())?.errMsg).toBe('checkSession:ok');
  });

  it('allows at most 4 logins per second per user', async () => {
    t = await startSimulator();
    let now = 1_000_000;
    const wx = createFakeWx({ simulator: t.sim, appid: DEV.appid, clock: () => now });
    for (let i = 0; i < 4; i += 1) await wx.login();
    await expect(wx.login()).rejects.toMatchObject({ errMsg: expect.stringMatching(/^login:fail /) });
    now += 999;
    await expect(wx.login()).rejects.toThrow();
    now += 1;
    expect((await wx.login())?.errMsg).toBe('login:ok');
    expect(wx.control.logins).toBe(5);
  });

  it('checkSession fails before a login and after the session_key changed elsewhere', async () => {
    t = await startSimulator();
    const wx = createFakeWx({ simulator: t.sim, appid: DEV.appid });
    const failed = await new Promise<{ errMsg: string }>((resolve) => wx.checkSession({ fail: resolve }));
    expect(failed.errMsg).toMatch(/^checkSession:fail/);
    await wx.login();
    expect((await wx.checkSession())?.errMsg).toBe('checkSession:ok');
    t.sim.login({ appid: DEV.appid, openid: wx.control.openid as string });
    await expect(wx.checkSession()).rejects.toMatchObject({ errMsg: expect.stringMatching(/^checkSession:fail/) });
  });
});

describe('fake wx.request', () => {
  it('calls success for any HTTP status, with parsed JSON, status and headers', async () => {
    t = await startSimulator();
    const wx = createFakeWx({ simulator: t.sim, appid: DEV.appid });
    const answer = (await request(wx, { url: `${appUrl}/status/401` })) as WxRequestSuccess;
    expect(answer).toMatchObject({ statusCode: 401, data: { error: { code: 'X' } }, errMsg: 'request:ok' });
    expect((await request(wx, { url: `${appUrl}/status/503` })) as WxRequestSuccess).toMatchObject({ statusCode: 503 });
    const text = (await request(wx, { url: `${appUrl}/text` })) as WxRequestSuccess;
    expect(text.data).toBe('plain words');
  });

  it('sends GET data as a query and POST data as JSON by default', async () => {
    t = await startSimulator();
    const wx = createFakeWx({ simulator: t.sim, appid: DEV.appid });
    const get = (await request(wx, { url: `${appUrl}/echo?a=1`, data: { b: 2 } })) as WxRequestSuccess;
    expect(get.data).toMatchObject({ method: 'GET', query: { a: '1', b: '2' } });
    expect(get.header['x-app']).toBe('yes');
    const post = (await request(wx, { url: `${appUrl}/echo`, method: 'POST', data: { code: 'c1' } })) as WxRequestSuccess;
    expect(post.data).toMatchObject({ method: 'POST', body: '{"code":"c1"}', type: 'application/json' });
  });

  it('calls fail only without a response: network error, timeout, abort, offline', async () => {
    t = await startSimulator();
    const wx = createFakeWx({ simulator: t.sim, appid: DEV.appid });
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await request(wx, { url: `http://127.0.0.1:${deadPort}/x` })).toEqual({ errMsg: expect.stringMatching(/^request:fail /) });
    expect(await request(wx, { url: `${appUrl}/slow`, timeout: 20 })).toEqual({ errMsg: 'request:fail timeout' });
    const aborted = new Promise((resolve) => {
      const task = wx.request({ url: `${appUrl}/slow`, success: resolve, fail: resolve });
      task.abort();
    });
    expect(await aborted).toEqual({ errMsg: 'request:fail abort' });
    wx.control.setOffline(true);
    expect(await request(wx, { url: `${appUrl}/echo` })).toEqual({ errMsg: expect.stringMatching(/^request:fail /) });
    expect(await request(wx, { url: 'wxfile://tmp/x' })).toEqual({ errMsg: expect.stringMatching(/^request:fail /) });
  });

  it('runs at most 10 requests at once and queues the rest', async () => {
    t = await startSimulator();
    const wx = createFakeWx({ simulator: t.sim, appid: DEV.appid });
    slowMaxInFlight = 0;
    const answers = await Promise.all(Array.from({ length: 15 }, () => request(wx, { url: `${appUrl}/counted` })));
    expect(answers.every((a) => 'statusCode' in a && a.statusCode === 200)).toBe(true);
    expect(slowMaxInFlight).toBe(10);
    expect(wx.control.requests).toMatchObject({ maxInFlight: 10, total: 15, inFlight: 0 });
  });
});

describe('fake storage and account info', () => {
  it('keeps copies, answers "" for a missing key, removes and clears', async () => {
    t = await startSimulator();
    const wx = createFakeWx({ simulator: t.sim, appid: DEV.appid });
    const value = { token: 'abc', nested: { n: 1 } };
    wx.setStorageSync('auth', value);
    value.nested.n = 2;
    expect(wx.getStorageSync('auth')).toEqual({ token: 'abc', nested: { n: 1 } });
    expect(wx.getStorageSync('missing')).toBe('');
    expect(wx.getStorageInfoSync().keys).toEqual(['auth']);
    wx.removeStorageSync('auth');
    expect(wx.getStorageSync('auth')).toBe('');
    wx.setStorageSync('a', 1);
    wx.clearStorageSync();
    expect(wx.getStorageInfoSync().keys).toEqual([]);
    expect(wx.getAccountInfoSync().miniProgram.appId).toBe(DEV.appid);
  });
});

describe('fake getPhoneNumber button', () => {
  it('hands out redeemable codes until the quota, then errno 1400001; a deny has no code', async () => {
    t = await startSimulator();
    const wx = createFakeWx({ simulator: t.sim, appid: DEV.appid, phoneQuota: 1, phoneNumber: '13700000000' });
    expect((await wx.control.getPhoneNumber()).errMsg).toMatch(/^getPhoneNumber:fail/);
    await wx.login();
    const tap = await wx.control.getPhoneNumber();
    expect(tap).toEqual({ code: expect.any(String), errMsg: 'getPhoneNumber:ok' });
    const token = (await t.post('/cgi-bin/stable_token', { grant_type: 'client_credential', ...DEV })).access_token as string;
    const phone = await t.post('/wxa/business/getuserphonenumber', { code: tap.code }, { access_token: token });
    expect((phone.phone_info as { purePhoneNumber: string }).purePhoneNumber).toBe('13700000000');
    expect(await wx.control.getPhoneNumber()).toEqual({ errMsg: expect.stringMatching(/^getPhoneNumber:fail/), errno: PHONE_QUOTA_ERRNO });
    expect(await wx.control.getPhoneNumber({ deny: true })).toEqual({ errMsg: 'getPhoneNumber:fail user deny' });
  });
});
