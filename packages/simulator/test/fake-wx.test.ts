import { createDecipheriv } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createFakeWx,
  PHONE_QUOTA_ERRNO,
  PRIVACY_NOT_AUTHORIZED_ERRNO,
  type FakeWx,
  type FakeWxOptions,
  type NeedPrivacyAuthorizationInfo,
  type PrivacyResolveOptions,
  type WxError,
  type WxPrivacySetting,
  type WxRequestOptions,
  type WxRequestSuccess,
  type WxUploadFileOptions,
  type WxUploadFileSuccess,
} from '../src/index.js';
import { DEV, startSimulator, type TestSimulator } from './helpers/start-simulator.js';

// docs/architecture.md#the-simulators-fidelity: the fake wx's semantics, against a real simulator and a small real app server.
let t: TestSimulator;
afterEach(() => t.close());

/**
 * An app server: /echo answers the request, /status/:n answers n, /text answers text, /slow waits 100 ms, /counted
 * waits 100 ms and records how many were in flight at once, /wait?ms= waits that long, /upload answers what a
 * multipart body held; CONNECT answers 200 and closes the tunnel. `hits` counts every request that reached it.
 */
let app: Server;
let appUrl: string;
let slowInFlight = 0;
let slowMaxInFlight = 0;
let hits = 0;
beforeAll(async () => {
  app = createServer((req, res) => {
    hits += 1;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = raw.toString('utf8');
      const url = new URL(req.url ?? '/', 'http://app.invalid');
      if (url.pathname === '/echo') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-app': 'yes' });
        res.end(
          JSON.stringify({
            method: req.method,
            query: Object.fromEntries(url.searchParams),
            body,
            type: req.headers['content-type'],
            referer: req.headers.referer,
          }),
        );
      } else if (url.pathname === '/wait') {
        const timer = setTimeout(() => res.end('{"ok":true}'), Number(url.searchParams.get('ms')));
        res.on('close', () => clearTimeout(timer));
      } else if (url.pathname === '/upload') {
        void describeUpload(raw, req.headers['content-type'] ?? '').then((answer) => {
          res.writeHead(201, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ...answer, referer: req.headers.referer, custom: req.headers['x-custom'] }));
        });
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
  app.on('connect', (_req, socket) => {
    hits += 1;
    socket.end('HTTP/1.1 200 Connection Established\r\nx-app: yes\r\n\r\n');
  });
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});
afterAll(async () => {
  app.closeAllConnections();
  await new Promise((resolve) => app.close(resolve));
});

/** Parses a multipart body the way a server framework would. */
async function describeUpload(raw: Buffer, contentType: string): Promise<Record<string, unknown>> {
  const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData();
  const fields: Record<string, string> = {};
  const files: Record<string, { name: string; type: string; size: number; head: string }> = {};
  for (const [key, value] of form) {
    if (typeof value === 'string') fields[key] = value;
    else
      files[key] = {
        name: value.name,
        type: value.type,
        size: value.size,
        head: Buffer.from(await value.arrayBuffer())
          .subarray(0, 3)
          .toString('hex'),
      };
  }
  return { contentType, fields, files };
}

function request(wx: FakeWx, options: WxRequestOptions): Promise<WxRequestSuccess | WxError> {
  return new Promise((resolve) => wx.request({ ...options, success: resolve, fail: resolve }));
}

function upload(
  wx: FakeWx,
  options: Omit<WxUploadFileOptions, 'name'> & { name?: string },
): Promise<WxUploadFileSuccess | WxError> {
  return new Promise((resolve) => wx.uploadFile({ name: 'file', ...options, success: resolve, fail: resolve }));
}

function privacySetting(wx: FakeWx): Promise<WxPrivacySetting> {
  return new Promise((resolve) => wx.getPrivacySetting({ success: resolve }));
}

function requirePrivacy(wx: FakeWx): Promise<{ errMsg: string; errno?: number }> {
  return new Promise((resolve) => wx.requirePrivacyAuthorize({ success: resolve, fail: resolve }));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function phoneOf(code: string): Promise<{ phoneNumber: string; purePhoneNumber: string; countryCode: string }> {
  const token = (await t.post('/cgi-bin/stable_token', { grant_type: 'client_credential', ...DEV }))
    .access_token as string;
  const answer = await t.post('/wxa/business/getuserphonenumber', { code }, { access_token: token });
  return answer.phone_info as { phoneNumber: string; purePhoneNumber: string; countryCode: string };
}

function decrypt(sessionKey: string, encryptedData: string, iv: string): Record<string, unknown> {
  const decipher = createDecipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), Buffer.from(iv, 'base64'));
  const plain = Buffer.concat([decipher.update(Buffer.from(encryptedData, 'base64')), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
}

function fakeWx(options: Omit<FakeWxOptions, 'simulator' | 'appid'> = {}): FakeWx {
  return createFakeWx({ simulator: t.sim, appid: DEV.appid, ...options });
}

const exchange = (code: string) =>
  t.get('/sns/jscode2session', { ...DEV, js_code: code, grant_type: 'authorization_code' });

describe('fake wx.login and wx.checkSession', () => {
  it('mints codes that exchange, for one user kept across logins, as a promise or with callbacks', async () => {
    t = await startSimulator();
    const wx = createFakeWx({ simulator: t.sim, appid: DEV.appid });
    const first = await wx.login();
    expect(first?.errMsg).toBe('login:ok');
    const openid = (await exchange(first?.code as string)).openid;
    expect(wx.control.openid).toBe(openid);
    const second = await new Promise<{ code: string }>((resolve, reject) =>
      wx.login({ success: resolve, fail: reject }),
    );
    expect((await exchange(second.code)).openid).toBe(openid);
  });

  it('two first logins at once on a new device mint codes of one user', async () => {
    t = await startSimulator();
    const wx = fakeWx();
    const [a, b] = await Promise.all([wx.login(), wx.login()]);
    const first = await exchange(a?.code as string);
    expect(first.openid).toEqual(expect.any(String));
    expect((await exchange(b?.code as string)).openid).toBe(first.openid);
    expect(wx.control.openid).toBe(first.openid);
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
    const post = (await request(wx, {
      url: `${appUrl}/echo`,
      method: 'POST',
      data: { code: 'c1' },
    })) as WxRequestSuccess;
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
    expect(await request(wx, { url: `http://127.0.0.1:${deadPort}/x` })).toEqual({
      errMsg: expect.stringMatching(/^request:fail /),
    });
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

describe('fake wx.request methods, headers and queue', () => {
  it('refuses PATCH and any other unknown method without a network call', async () => {
    t = await startSimulator();
    const wx = fakeWx();
    const before = hits;
    for (const method of ['PATCH', 'patch', 'PROPFIND']) {
      expect(await request(wx, { url: `${appUrl}/echo`, method: method as WxRequestOptions['method'] })).toEqual({
        errMsg: 'request:fail invalid method',
      });
    }
    expect(hits).toBe(before);
    expect(wx.control.requests.total).toBe(0);
  });

  it('sends every method WeChat has, TRACE and CONNECT included', async () => {
    t = await startSimulator();
    const wx = fakeWx();
    for (const method of ['OPTIONS', 'GET', 'POST', 'PUT', 'DELETE', 'TRACE'] as const) {
      expect(((await request(wx, { url: `${appUrl}/echo`, method })) as WxRequestSuccess).data).toMatchObject({
        method,
      });
    }
    expect(await request(wx, { url: `${appUrl}/echo`, method: 'HEAD' })).toMatchObject({ statusCode: 200, data: '' });
    expect(await request(wx, { url: `${appUrl}/tunnel`, method: 'CONNECT' })).toMatchObject({
      statusCode: 200,
      header: { 'x-app': 'yes' },
    });
  });

  it("sends WeChat's fixed Referer, whatever the caller sets", async () => {
    t = await startSimulator();
    const wx = fakeWx();
    const answer = (await request(wx, {
      url: `${appUrl}/echo`,
      header: { Referer: 'https://evil.example/' },
    })) as WxRequestSuccess;
    expect(answer.data).toMatchObject({ referer: `https://servicewechat.com/${DEV.appid}/0/page-frame.html` });
  });

  it('an aborted queued request fails at once and never reaches the server', async () => {
    t = await startSimulator();
    const wx = fakeWx({ maxConcurrentRequests: 1 });
    const first = request(wx, { url: `${appUrl}/wait?ms=150` });
    const started = Date.now();
    const queued = new Promise((resolve) =>
      wx.request({ url: `${appUrl}/echo`, success: resolve, fail: resolve }).abort(),
    );
    expect(await queued).toEqual({ errMsg: 'request:fail abort' });
    expect(Date.now() - started).toBeLessThan(100);
    expect(await first).toMatchObject({ statusCode: 200 });
    expect(wx.control.requests).toMatchObject({ total: 1, inFlight: 0 });
  });
});

describe('fake background interruption', () => {
  it('fails a request still running backgroundInterruptMs after the app went to the background', async () => {
    t = await startSimulator();
    const wx = fakeWx({ backgroundInterruptMs: 40 });
    const pending = request(wx, { url: `${appUrl}/wait?ms=2000` });
    await sleep(10);
    const hidden = Date.now();
    wx.control.background();
    expect(wx.control.inBackground).toBe(true);
    expect(await pending).toEqual({ errMsg: 'request:fail interrupted' });
    expect(Date.now() - hidden).toBeGreaterThanOrEqual(35);
    expect(wx.control.requests.inFlight).toBe(0);
  });

  it('spares a request that ends in time, or whose app came back to the foreground first', async () => {
    t = await startSimulator();
    const wx = fakeWx({ backgroundInterruptMs: 60 });
    wx.control.background();
    expect(await request(wx, { url: `${appUrl}/wait?ms=5` })).toMatchObject({ statusCode: 200 });
    const saved = request(wx, { url: `${appUrl}/wait?ms=120` });
    await sleep(20);
    wx.control.foreground();
    expect(await saved).toMatchObject({ statusCode: 200 });
  });

  it('gives a request started in the background its own backgroundInterruptMs, uploads too', async () => {
    t = await startSimulator();
    const wx = fakeWx({ backgroundInterruptMs: 50 });
    wx.control.background();
    await sleep(30);
    const started = Date.now();
    const { avatarUrl } = await wx.control.chooseAvatar();
    const [requested, uploaded] = await Promise.all([
      request(wx, { url: `${appUrl}/wait?ms=2000` }),
      upload(wx, { url: `${appUrl}/wait?ms=2000`, filePath: avatarUrl as string }),
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(requested).toEqual({ errMsg: 'request:fail interrupted' });
    expect(uploaded).toEqual({ errMsg: 'uploadFile:fail interrupted' });
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
  it('hands out redeemable codes (no wx.login needed first) until the quota, then errno 1400001; a deny has no code', async () => {
    t = await startSimulator();
    const wx = createFakeWx({ simulator: t.sim, appid: DEV.appid, phoneQuota: 1, phoneNumber: '13700000000' });
    // WeChat's docs: the code way no longer needs wx.login first; the user it was minted for is the one who logs in.
    const tap = await wx.control.getPhoneNumber();
    expect(tap).toEqual({ code: expect.any(String), errMsg: 'getPhoneNumber:ok' });
    const openid = wx.control.openid;
    expect(openid).toEqual(expect.any(String));
    const { code } = (await wx.login()) as { code: string };
    expect((await exchange(code)).openid).toBe(openid);
    expect((await phoneOf(tap.code as string)).purePhoneNumber).toBe('13700000000');
    expect(await wx.control.getPhoneNumber()).toEqual({
      errMsg: expect.stringMatching(/^getPhoneNumber:fail/),
      errno: PHONE_QUOTA_ERRNO,
    });
    expect(await wx.control.getPhoneNumber({ deny: true })).toEqual({ errMsg: 'getPhoneNumber:fail user deny' });
  });

  it('legacy: encryptedData + iv sealed with the current session_key, the same number as the code way', async () => {
    t = await startSimulator();
    const wx = fakeWx();
    await wx.login();
    const openid = wx.control.openid as string;
    const plain = await phoneOf((await wx.control.getPhoneNumber()).code as string);
    const legacy = await wx.control.getPhoneNumber({ legacy: true });
    expect(legacy).toEqual({ errMsg: 'getPhoneNumber:ok', encryptedData: expect.any(String), iv: expect.any(String) });
    const sessionKey = t.sim.getUser(DEV.appid, openid)?.sessionKey as string;
    expect(decrypt(sessionKey, legacy.encryptedData as string, legacy.iv as string)).toEqual({
      phoneNumber: plain.purePhoneNumber,
      purePhoneNumber: plain.purePhoneNumber,
      countryCode: '86',
      watermark: { appid: DEV.appid, timestamp: Math.floor(t.clock.now / 1000) },
    });
    // After another login the key rotated: a new tap is sealed with the new key.
    await wx.login();
    const newKey = t.sim.getUser(DEV.appid, openid)?.sessionKey as string;
    expect(newKey).not.toBe(sessionKey);
    const again = await wx.control.getPhoneNumber({ legacy: true });
    expect(decrypt(newKey, again.encryptedData as string, again.iv as string).purePhoneNumber).toBe(
      plain.purePhoneNumber,
    );
  });

  it('legacy over HTTP, with an area code outside the mainland in phoneNumber', async () => {
    t = await startSimulator();
    const wx = createFakeWx({
      simulatorUrl: t.url,
      appid: DEV.appid,
      openid: 'oLegacyUser',
      phoneNumber: '61234567',
      countryCode: '852',
    });
    await wx.login();
    const legacy = await wx.control.getPhoneNumber({ legacy: true });
    const sessionKey = t.sim.getUser(DEV.appid, 'oLegacyUser')?.sessionKey as string;
    expect(decrypt(sessionKey, legacy.encryptedData as string, legacy.iv as string)).toMatchObject({
      phoneNumber: '+85261234567',
      purePhoneNumber: '61234567',
      countryCode: '852',
    });
    expect(await phoneOf((await wx.control.getPhoneNumber()).code as string)).toMatchObject({
      phoneNumber: '+85261234567',
    });
  });

  it('real-time verification: the same code shape under getRealtimePhoneNumber, with its own quota', async () => {
    t = await startSimulator();
    const wx = fakeWx({ phoneQuota: 1, phoneNumber: '13900000000' });
    expect((await wx.control.getPhoneNumber()).errMsg).toBe('getPhoneNumber:ok');
    const tap = await wx.control.getPhoneNumber({ realtime: true });
    expect(tap).toEqual({ code: expect.any(String), errMsg: 'getRealtimePhoneNumber:ok' });
    expect((await phoneOf(tap.code as string)).purePhoneNumber).toBe('13900000000');
    expect(await wx.control.getPhoneNumber({ realtime: true })).toMatchObject({ errno: PHONE_QUOTA_ERRNO });
    expect(await wx.control.getPhoneNumber({ realtime: true, deny: true })).toEqual({
      errMsg: 'getRealtimePhoneNumber:fail user deny',
    });
    await expect(wx.control.getPhoneNumber({ realtime: true, legacy: true })).rejects.toThrow(TypeError);
  });
});

describe('fake wx.getRandomValues', () => {
  it('gives length fresh random bytes, with callbacks or as a promise; a bad length fails', async () => {
    t = await startSimulator();
    const wx = fakeWx();
    const viaCallback = await new Promise<{ randomValues: ArrayBuffer; errMsg: string }>((resolve, reject) =>
      wx.getRandomValues({ length: 16, success: resolve, fail: reject }),
    );
    expect(viaCallback.errMsg).toBe('getRandomValues:ok');
    expect(viaCallback.randomValues).toBeInstanceOf(ArrayBuffer);
    expect(viaCallback.randomValues.byteLength).toBe(16);
    const viaPromise = await wx.getRandomValues({ length: 16 });
    expect(viaPromise?.randomValues.byteLength).toBe(16);
    expect(Buffer.from(viaPromise?.randomValues as ArrayBuffer).equals(Buffer.from(viaCallback.randomValues))).toBe(
      false,
    );
    const failed = await new Promise<WxError>((resolve) => wx.getRandomValues({ length: 0, fail: resolve }));
    expect(failed.errMsg).toMatch(/^getRandomValues:fail /);
    await expect(wx.getRandomValues({ length: 1_048_577 })).rejects.toMatchObject({
      errMsg: expect.stringMatching(/^getRandomValues:fail /),
    });
    await expect(wx.getRandomValues({} as { length: number })).rejects.toMatchObject({
      errMsg: expect.stringMatching(/should be Number instead of Undefined/),
    });
  });
});

describe('fake privacy authorization', () => {
  it('is granted by default: getPrivacySetting says so and privacy APIs just work', async () => {
    t = await startSimulator();
    const wx = fakeWx();
    expect(await privacySetting(wx)).toEqual({
      needAuthorization: false,
      privacyContractName: expect.any(String),
      errMsg: 'getPrivacySetting:ok',
    });
    expect(await requirePrivacy(wx)).toEqual({ errMsg: 'requirePrivacyAuthorize:ok' });
    expect('offNeedPrivacyAuthorization' in wx).toBe(false);
  });

  it('asks the listener before the phone button; a refusal fails (errno 104) and blocks 10 s; an agreement lasts', async () => {
    t = await startSimulator();
    let now = 1_000_000;
    const wx = fakeWx({ privacyAuthorized: false, privacyContractName: '《示例隐私保护指引》', clock: () => now });
    expect(await privacySetting(wx)).toMatchObject({
      needAuthorization: true,
      privacyContractName: '《示例隐私保护指引》',
    });
    const asked: NeedPrivacyAuthorizationInfo[] = [];
    let answer: PrivacyResolveOptions = { event: 'disagree' };
    wx.onNeedPrivacyAuthorization((resolve, eventInfo) => {
      asked.push(eventInfo);
      resolve({ event: 'exposureAuthorization' });
      setTimeout(() => resolve(answer), 5);
    });
    const refused = {
      errMsg: 'getPhoneNumber:fail privacy permission is not authorized',
      errno: PRIVACY_NOT_AUTHORIZED_ERRNO,
    };
    expect(await wx.control.getPhoneNumber()).toEqual(refused);
    expect(asked).toEqual([{ referrer: 'button.getPhoneNumber' }]);
    now += 9_999;
    expect(await wx.control.getPhoneNumber()).toEqual(refused);
    expect(asked).toHaveLength(1);
    now += 1;
    answer = { event: 'agree', buttonId: 'agree-btn' };
    expect(await wx.control.getPhoneNumber()).toEqual({ code: expect.any(String), errMsg: 'getPhoneNumber:ok' });
    expect(asked).toHaveLength(2);
    expect(wx.control.privacyAuthorized).toBe(true);
    expect((await wx.control.getPhoneNumber({ realtime: true })).errMsg).toBe('getRealtimePhoneNumber:ok');
    expect(asked).toHaveLength(2);
    expect(await privacySetting(wx)).toMatchObject({ needAuthorization: false });
  });

  it('requirePrivacyAuthorize runs the same flow; the last registered listener is the one asked', async () => {
    t = await startSimulator();
    const wx = fakeWx({ privacyAuthorized: false });
    const calls: string[] = [];
    wx.onNeedPrivacyAuthorization((resolve) => {
      calls.push('first');
      resolve({ event: 'disagree' });
    });
    wx.onNeedPrivacyAuthorization((resolve, { referrer }) => {
      calls.push(referrer);
      resolve({ buttonId: 'agree-btn', event: 'agree' });
    });
    expect(await requirePrivacy(wx)).toEqual({ errMsg: 'requirePrivacyAuthorize:ok' });
    expect(calls).toEqual(['requirePrivacyAuthorize']);
    expect(await requirePrivacy(wx)).toEqual({ errMsg: 'requirePrivacyAuthorize:ok' });
    expect(calls).toHaveLength(1);
  });

  it("without a listener, WeChat's own popup answers privacyPopupChoice (default agree)", async () => {
    t = await startSimulator();
    const agrees = fakeWx({ privacyAuthorized: false });
    expect(await requirePrivacy(agrees)).toEqual({ errMsg: 'requirePrivacyAuthorize:ok' });
    expect(agrees.control.privacyAuthorized).toBe(true);
    const refuses = fakeWx({ privacyAuthorized: false, privacyPopupChoice: 'disagree' });
    expect(await requirePrivacy(refuses)).toEqual({
      errMsg: 'requirePrivacyAuthorize:fail privacy permission is not authorized',
      errno: 104,
    });
    expect(await refuses.control.chooseAvatar()).toEqual({
      errMsg: 'chooseAvatar:fail privacy permission is not authorized',
      errno: 104,
    });
    // wx.login is not a privacy API.
    expect((await refuses.login())?.errMsg).toBe('login:ok');
  });

  it("refuses a resolve({ event: 'agree' }) without the agree button's id; openPrivacyContract succeeds; no promise forms", async () => {
    t = await startSimulator();
    const wx = fakeWx({ privacyAuthorized: false });
    const thrown = new Promise<unknown>((resolve) =>
      wx.onNeedPrivacyAuthorization((resolvePrivacy) => {
        try {
          resolvePrivacy({ event: 'agree' });
        } catch (error) {
          resolve(error);
        }
        resolvePrivacy({ event: 'disagree' });
      }),
    );
    const outcome = requirePrivacy(wx);
    expect(await thrown).toBeInstanceOf(TypeError);
    expect((await outcome).errno).toBe(104);
    expect(await new Promise((resolve) => wx.openPrivacyContract({ success: resolve }))).toEqual({
      errMsg: 'openPrivacyContract:ok',
    });
    expect(wx.getPrivacySetting()).toBeUndefined();
    expect(wx.openPrivacyContract()).toBeUndefined();
  });
});

describe('fake avatar picker and wx.uploadFile', () => {
  it('hands out a temporary JPEG path that uploads as multipart/form-data with formData', async () => {
    t = await startSimulator();
    const wx = fakeWx();
    const detail = await wx.control.chooseAvatar();
    expect(detail).toEqual({ avatarUrl: expect.stringMatching(/^http:\/\/tmp\/[0-9a-f]+\.jpeg$/) });
    const answer = (await upload(wx, {
      url: `${appUrl}/upload`,
      filePath: detail.avatarUrl as string,
      name: 'avatar',
      formData: { nickname: '小明', meta: { a: 1 } },
      header: { 'content-type': 'text/plain', 'x-custom': 'kept' },
    })) as WxUploadFileSuccess;
    expect(answer).toEqual({ data: expect.any(String), statusCode: 201, errMsg: 'uploadFile:ok' });
    const fileName = (detail.avatarUrl as string).slice('http://tmp/'.length);
    expect(JSON.parse(answer.data)).toEqual({
      contentType: expect.stringMatching(/^multipart\/form-data; boundary=/),
      fields: { nickname: '小明', meta: '{"a":1}' },
      files: { avatar: { name: fileName, type: 'image/jpeg', size: 615, head: 'ffd8ff' } },
      referer: `https://servicewechat.com/${DEV.appid}/0/page-frame.html`,
      custom: 'kept',
    });
    expect(wx.control.uploads).toMatchObject({ total: 1, inFlight: 0 });
  });

  it('succeeds for any HTTP status with the body as text; fails for an unknown path, a bad url, offline', async () => {
    t = await startSimulator();
    const wx = fakeWx();
    const { avatarUrl } = await wx.control.chooseAvatar();
    const filePath = avatarUrl as string;
    expect(await upload(wx, { url: `${appUrl}/status/500`, filePath })).toEqual({
      data: '{"error":{"code":"X"}}',
      statusCode: 500,
      errMsg: 'uploadFile:ok',
    });
    const before = hits;
    expect(await upload(wx, { url: `${appUrl}/upload`, filePath: 'http://tmp/unknown.jpeg' })).toEqual({
      errMsg: 'uploadFile:fail file not found',
    });
    expect(await upload(wx, { url: 'ftp://example.com/x', filePath })).toEqual({
      errMsg: 'uploadFile:fail invalid url',
    });
    wx.control.setOffline(true);
    expect(await upload(wx, { url: `${appUrl}/upload`, filePath })).toEqual({
      errMsg: expect.stringMatching(/^uploadFile:fail /),
    });
    expect(hits).toBe(before);
    wx.control.setOffline(false);
    expect(await upload(wx, { url: `${appUrl}/wait?ms=200`, filePath, timeout: 20 })).toEqual({
      errMsg: 'uploadFile:fail timeout',
    });
  });

  it('keeps its own limit of 10 in flight, apart from wx.request', async () => {
    t = await startSimulator();
    const wx = fakeWx();
    const { avatarUrl } = await wx.control.chooseAvatar();
    slowMaxInFlight = 0;
    const answers = await Promise.all([
      ...Array.from({ length: 12 }, () => request(wx, { url: `${appUrl}/counted` })),
      ...Array.from({ length: 12 }, () => upload(wx, { url: `${appUrl}/counted`, filePath: avatarUrl as string })),
    ]);
    expect(answers.every((a) => 'statusCode' in a && a.statusCode === 200)).toBe(true);
    expect(slowMaxInFlight).toBe(20);
    expect(wx.control.requests).toMatchObject({ maxInFlight: 10, total: 12 });
    expect(wx.control.uploads).toMatchObject({ maxInFlight: 10, total: 12 });
  });
});

describe('fake relaunch and login failures', () => {
  it('relaunch: same user and storage, fresh counters and temp files, foreground; the old launch is dead', async () => {
    t = await startSimulator();
    const wx = fakeWx({ privacyAuthorized: false });
    await wx.login();
    wx.setStorageSync('session', { token: 't1' });
    await requirePrivacy(wx);
    const { avatarUrl } = await wx.control.chooseAvatar();
    await request(wx, { url: `${appUrl}/echo` });
    wx.control.background();
    let oldCalledBack = false;
    wx.request({
      url: `${appUrl}/wait?ms=2000`,
      success: () => (oldCalledBack = true),
      fail: () => (oldCalledBack = true),
    });

    const again = wx.control.relaunch();
    expect(again).not.toBe(wx);
    expect(again.control.openid).toBe(wx.control.openid);
    expect(again.getStorageSync('session')).toEqual({ token: 't1' });
    expect(again.control).toMatchObject({
      logins: 0,
      inBackground: false,
      privacyAuthorized: true,
      requests: { total: 0, inFlight: 0 },
    });
    expect(await upload(again, { url: `${appUrl}/upload`, filePath: avatarUrl as string })).toEqual({
      errMsg: 'uploadFile:fail file not found',
    });
    const { code } = (await again.login()) as { code: string };
    expect((await exchange(code)).openid).toBe(wx.control.openid);
    expect(() => wx.getStorageSync('session')).toThrow(/relaunch/);
    expect(() => wx.control.relaunch()).toThrow(/relaunch/);
    again.setStorageSync('session', { token: 't2' });
    expect(again.control.relaunch().getStorageSync('session')).toEqual({ token: 't2' });
    await sleep(20);
    expect(oldCalledBack).toBe(false);
  });

  it('failLogins: every wx.login fails with the errMsg until undefined restores it', async () => {
    t = await startSimulator();
    const wx = fakeWx();
    wx.control.failLogins('login:fail system error');
    for (let i = 0; i < 5; i += 1) {
      await expect(wx.login()).rejects.toMatchObject({ errMsg: 'login:fail system error' });
    }
    const viaCallback = await new Promise<WxError>((resolve) => wx.login({ fail: resolve }));
    expect(viaCallback).toEqual({ errMsg: 'login:fail system error' });
    expect(() => wx.control.failLogins('network down')).toThrow(TypeError);
    // The relaunched app runs on the same device: the failure stays until the test lifts it.
    const again = wx.control.relaunch();
    await expect(again.login()).rejects.toMatchObject({ errMsg: 'login:fail system error' });
    again.control.failLogins(undefined);
    expect((await again.login())?.errMsg).toBe('login:ok');
    expect(again.control.logins).toBe(1);
  });
});
