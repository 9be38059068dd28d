import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDevice, type Device } from './helpers/device.js';
import { useSdkHarness } from './helpers/harness.js';
import { startService, type RunningService } from './helpers/service.js';

/** Another API of the team's (or someone else's): records what arrives, answers `status()` with a JSON echo. */
interface OtherApi {
  url: string;
  seen: { path: string; headers: IncomingHttpHeaders; body: string }[];
  status: () => number;
  close(): Promise<void>;
}

async function startOtherApi(): Promise<OtherApi> {
  const api: OtherApi = { url: '', seen: [], status: () => 200, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      api.seen.push({ path: req.url ?? '/', headers: req.headers, body });
      const status = api.status();
      const data = status === 401 ? { message: 'token rejected' } : { echo: req.url, method: req.method, body };
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return api;
}

describe('@wxlogin/miniprogram request() against a real wxlogin serve [sqlite]', () => {
  let listed: OtherApi;
  let stranger: OtherApi;
  const h = useSdkHarness({}, () => ({ client: { apiOrigins: [listed.url] } }));
  const device = h.device;

  beforeAll(async () => {
    listed = await startOtherApi();
    stranger = await startOtherApi();
  });
  afterEach(() => {
    listed.seen.length = 0;
    stranger.seen.length = 0;
    listed.status = () => 200;
  });
  afterAll(async () => {
    await listed?.close();
    await stranger?.close();
  });

  it('the bearer goes to the service and apiOrigins only, never to another origin', async () => {
    const d = device();
    await d.client.ready();
    const token = await d.client.getAccessToken();
    await d.client.request({ url: `${listed.url}/orders?page=2` });
    await d.client.request({ url: `${stranger.url}/track`, method: 'POST', data: { event: 'view' } });
    // The same host under another name is another origin.
    await d.client.request({ url: stranger.url.replace('127.0.0.1', 'localhost') });
    expect(listed.seen.map((s) => s.headers.authorization)).toEqual([`Bearer ${token}`]);
    expect(stranger.seen.map((s) => s.headers.authorization)).toEqual([undefined, undefined]);
    expect(stranger.seen[0]?.body).toBe('{"event":"view"}');
    expect(h.relay.callsTo('/v1/me')).toEqual([]);
  });

  it('a header the caller sets for another origin is the caller’s: sent as given', async () => {
    const d = device();
    await d.client.request({ url: `${stranger.url}/x`, header: { Authorization: 'Basic dXNlcjpwdw==' } });
    expect(stranger.seen[0]?.headers.authorization).toBe('Basic dXNlcjpwdw==');
  });

  it('a 401 from an apiOrigins service refreshes once and replays once; for a token just received it surfaces', async () => {
    const d = device();
    await d.client.ready();
    // A minute later the API refuses the token (say it rotated keys): worth a refresh.
    d.advanceClock(60_000);
    let calls = 0;
    listed.status = () => (calls++ === 0 ? 401 : 200);
    const answer = await d.client.request<{ echo: string }>({ url: `${listed.url}/profile` });
    expect(answer).toMatchObject({ statusCode: 200, data: { echo: '/profile' } });
    expect(h.relay.callsTo('/v1/auth/refresh').map((c) => c.status)).toEqual([200]);
    const [first, second] = listed.seen.map((s) => s.headers.authorization);
    expect(second).not.toBe(first);
    // Still 401 with a token received moments ago: not about expiry, so it surfaces — no refresh at every call.
    listed.status = () => 401;
    await expect(d.client.request({ url: `${listed.url}/profile` })).rejects.toMatchObject({
      code: 'HTTP_ERROR',
      statusCode: 401,
    });
    await expect(d.client.request({ url: `${listed.url}/profile` })).rejects.toMatchObject({ statusCode: 401 });
    expect(listed.seen).toHaveLength(4);
    expect(h.relay.callsTo('/v1/auth/refresh')).toHaveLength(1);
    // An older token: one refresh and one replay, then the 401 surfaces.
    d.advanceClock(60_000);
    await expect(d.client.request({ url: `${listed.url}/profile` })).rejects.toMatchObject({ statusCode: 401 });
    expect(listed.seen).toHaveLength(6);
    expect(h.relay.callsTo('/v1/auth/refresh')).toHaveLength(2);
  });

  it('statuses ≥ 400 reject with WxloginError: the envelope’s code, or HTTP_ERROR with statusCode and data', async () => {
    const d = device();
    await d.client.ready();
    const notFound = await d.client.request({ url: '/v1/nothing-here' }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(d.sdk.WxloginError);
    expect(notFound).toMatchObject({ code: 'NOT_FOUND', statusCode: 404, data: { error: { code: 'NOT_FOUND' } } });
    listed.status = () => 500;
    const plain = await d.client.request({ url: `${listed.url}/boom` }).catch((e: unknown) => e);
    expect(plain).toMatchObject({ code: 'HTTP_ERROR', statusCode: 500, data: { echo: '/boom' } });
  });

  it('updateProfile uses POST /v1/me/profile (wx.request has no PATCH); a temporary avatar path is refused naming the upload', async () => {
    const d = device();
    await d.client.ready();
    const changes: unknown[] = [];
    d.client.onChange((u) => changes.push(u));
    h.relay.calls.length = 0;
    const user = await d.client.updateProfile({ nickname: '小明', avatarUrl: 'https://cdn.example.com/a.png' });
    expect(user).toMatchObject({ nickname: '小明', avatarUrl: 'https://cdn.example.com/a.png' });
    expect(h.relay.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['POST /v1/me/profile']);
    expect(changes).toEqual([user]);
    await expect(d.client.updateProfile({ avatarUrl: 'http://tmp/abc.jpeg' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/upload/),
    });
    await expect(d.client.request({ url: '/v1/me', method: 'PATCH' as 'POST' })).rejects.toThrow(/no PATCH/);
  });

  it('request:fail interrupted (5 s in the background) is NETWORK_ERROR; back in the foreground the next request works', async () => {
    const d = device({ wx: { backgroundInterruptMs: 150 } });
    await d.client.ready();
    h.relay.rule = (call) => (call.path === '/v1/me' ? { delayMs: 1_000 } : 'pass');
    const pending = d.client.getUser().catch((e: unknown) => e);
    d.wx.control.background();
    expect(await pending).toMatchObject({ code: 'NETWORK_ERROR', errMsg: 'request:fail interrupted' });
    d.wx.control.foreground();
    h.relay.rule = undefined;
    expect((await d.client.getUser()).openid).toBe(d.wx.control.openid);
  });

  it('a request over its timeout is NETWORK_ERROR (request:fail timeout)', async () => {
    const d = device({ client: { timeoutMs: 300 } });
    await d.client.ready();
    h.relay.rule = (call) => (call.path === '/v1/me' ? { delayMs: 1_000 } : 'pass');
    await expect(d.client.getUser()).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
      errMsg: expect.stringMatching(/timeout/),
    });
  });

  it('baseUrl with a path prefix: the SDK’s calls go under it; a body that is not a token answer is HTTP_ERROR', async () => {
    const d = device({ client: { baseUrl: `${listed.url}/auth/` } });
    const error = await d.client.request({ url: '/v1/health' }).catch((e: unknown) => e);
    expect(listed.seen.map((s) => s.path)).toEqual(['/auth/v1/auth/login']);
    expect(error).toMatchObject({ code: 'HTTP_ERROR', message: expect.stringMatching(/baseUrl/) });
    expect(d.client.isLoggedIn()).toBe(false);
  });
});

describe('@wxlogin/miniprogram with Taro- and uni-app-shaped platforms [sqlite]', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService();
  });
  afterAll(async () => {
    await service?.stop();
  });

  // Taro.* and uni.* take wx's options and callbacks, and also return a promise that rejects on failure: the SDK
  // must use the callbacks and leave no unhandled rejection behind.
  const promising = (wx: Device['wx']): Record<string, unknown> => {
    const wrap =
      (name: 'login' | 'request') =>
      (options: { success?: (r: unknown) => void; fail?: (e: unknown) => void }): Promise<unknown> =>
        new Promise((resolve, reject) => {
          (wx[name] as (o: unknown) => unknown)({
            ...options,
            success: (r: unknown) => (options.success?.(r), resolve(r)),
            fail: (e: unknown) => (options.fail?.(e), reject(Object.assign(new Error('fail'), e))),
          });
        });
    return {
      login: wrap('login'),
      request: wrap('request'),
      getStorageSync: (key: string) => wx.getStorageSync(key),
      setStorageSync: (key: string, value: unknown) => wx.setStorageSync(key, value),
      removeStorageSync: (key: string) => wx.removeStorageSync(key),
    };
  };

  for (const name of ['Taro', 'uni']) {
    it(`platform: ${name} — login, a request, a refresh, an offline failure without an unhandled rejection`, async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        const d = createDevice(service, service.url);
        const platform = promising(d.wx);
        const client = d.sdk.createClient({ baseUrl: service.url, appid: service.appid, platform: platform as never });
        const user = await client.ready();
        expect((await client.getUser()).id).toBe(user.id);
        d.wx.control.setOffline(true);
        await expect(client.getUser()).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
        d.wx.control.setOffline(false);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(unhandled).toEqual([]);
        expect(d.strayGlobals()).toEqual([]);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });
  }
});
