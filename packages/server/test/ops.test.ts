import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { WeChatClient } from '@wxlogin/core';
import { createSimulator, DEFAULT_DEV_SECRET, DEV_APPID } from '@wxlogin/simulator';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createApp, type WxloginApp } from '../src/app.js';
import type { LoginResponse } from '../src/schemas/tokens.js';
import { LOGIN_DONE_CHANNEL } from '../src/redis/login-wait.js';
import { REVOCATION_CHANNEL } from '../src/redis/revocation-bus.js';
import { TOKEN_CACHE_PREFIX } from '../src/redis/redis-token-cache.js';
import { eventually, keysByPrefix, REDIS_TAG, redisAvailable, testRedisTarget, useTestRedis } from './helpers/redis.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

/** Logs a new user in with optional extra headers; answers the response and the session's stored row. */
async function loginWith(t: TestApp, headers: Record<string, string> = {}) {
  const { code } = t.simulator.login({ appid: t.appid });
  const response = await t.post('/v1/auth/login', { code, appid: t.appid }, headers);
  expect(response.statusCode).toBe(200);
  const body = response.json<LoginResponse>();
  const claims = JSON.parse(Buffer.from(body.accessToken.split('.')[1]!, 'base64url').toString('utf8')) as {
    sid: string;
  };
  const session = await t.store.getSession(claims.sid);
  return { body, createdIp: session?.createdIp };
}

function logCollector(): { write(line: string): void; lines(): { msg?: string; level: number }[] } {
  const lines: string[] = [];
  return {
    write: (line) => void lines.push(line),
    lines: () => lines.map((l) => JSON.parse(l) as { msg?: string; level: number }),
  };
}

describe('trusted proxies: the client IP is request.ip [sqlite]', () => {
  it('with WXLOGIN_TRUST_PROXY off, X-Forwarded-For is ignored (session IP is the peer) and warned about once', async () => {
    const logs = logCollector();
    const t = await createTestApp({ env: { WXLOGIN_LOG_LEVEL: 'warn' }, logStream: logs });
    expect((await loginWith(t, { 'x-forwarded-for': '203.0.113.7' })).createdIp).toBe('127.0.0.1');
    expect((await loginWith(t, { 'x-forwarded-for': '203.0.113.8' })).createdIp).toBe('127.0.0.1');
    const warnings = logs.lines().filter((l) => l.msg?.includes('X-Forwarded-For'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('WXLOGIN_TRUST_PROXY');
  });

  it('with the peer trusted (address, CIDR or hop count), the forwarded client is the IP; nothing is warned', async () => {
    for (const trust of ['127.0.0.1', '127.0.0.0/8', '1']) {
      const logs = logCollector();
      const t = await createTestApp({
        env: { WXLOGIN_TRUST_PROXY: trust, WXLOGIN_LOG_LEVEL: 'warn' },
        logStream: logs,
      });
      expect((await loginWith(t, { 'x-forwarded-for': '203.0.113.7' })).createdIp).toBe('203.0.113.7');
      // A client-supplied hop in front of the proxy's is not trusted beyond the configured proxy.
      expect((await loginWith(t, { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' })).createdIp).toBe('203.0.113.9');
      expect(logs.lines().filter((l) => l.msg?.includes('X-Forwarded-For'))).toHaveLength(0);
      await t.close();
    }
  });

  it('a peer outside the trusted CIDRs is the client itself, whatever it forwards', async () => {
    const t = await createTestApp({ env: { WXLOGIN_TRUST_PROXY: '10.0.0.0/8' } });
    expect((await loginWith(t, { 'x-forwarded-for': '203.0.113.7' })).createdIp).toBe('127.0.0.1');
  });
});

describe('WeChat concurrency cap [sqlite]', () => {
  it('past maxInFlight + maxQueued a login is refused at once: 503 WECHAT_UNAVAILABLE with Retry-After', async () => {
    const simulator = createSimulator();
    const url = await simulator.listen({ port: 0 });
    const wechat = new WeChatClient({
      apps: [{ appid: DEV_APPID, secret: DEFAULT_DEV_SECRET }],
      baseUrl: url,
      maxInFlight: 1,
      maxQueued: 1,
    });
    onTestFinished(async () => {
      await wechat.close();
      await simulator.close();
    });
    const t = await createTestApp({ env: { WXLOGIN_WECHAT_BASE_URL: url }, appOptions: { wechat } });
    simulator.setFaults({ latencyMs: 600 });

    const codes = [1, 2, 3].map(() => simulator.login({ appid: DEV_APPID }).code);
    const started = Date.now();
    const slow = codes.slice(0, 2).map((code) => t.post('/v1/auth/login', { code }));
    // Give the first two time to take the slot and the queue place.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const refused = await t.post('/v1/auth/login', { code: codes[2] });
    const refusedAfter = Date.now() - started;

    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toEqual({ error: { code: 'WECHAT_UNAVAILABLE', message: expect.any(String) } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refusedAfter).toBeLessThan(500); // did not wait for a slot
    for (const response of await Promise.all(slow)) expect(response.statusCode).toBe(200);

    // The refused code never reached WeChat, so it is still good.
    simulator.clearFaults();
    const retried = await t.post('/v1/auth/login', { code: codes[2] });
    expect(retried.statusCode).toBe(200);
  });
});

describe('/readyz fails only on the database [sqlite]', () => {
  it('stays 200 with WeChat down and Redis unreachable, showing both in the body', async () => {
    const t = await createTestApp({ env: { WXLOGIN_REDIS_URL: 'redis://127.0.0.1:1' } });
    await t.simulator.close();
    const ready = await t.get('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ok',
      database: 'ok',
      redis: 'unreachable',
      wechat: { baseUrl: t.config.wechatBaseUrl, warning: expect.any(String) },
    });
  });
});

const target = testRedisTarget();

describe(`${REDIS_TAG} shared state wired when Redis is configured`, () => {
  if (!redisAvailable(target)) return;

  const r = useTestRedis(target);
  const client = r.client;

  it('a revocation on one instance ends the session on another at once (not after its 5 s cache)', async () => {
    const a = await createTestApp({ appOptions: { redis: await client() } });
    // A second instance on the same database and Redis; the clock stands still, so only the bus can clear its cache.
    const b: WxloginApp = await createApp(a.config, { store: a.store, clock: a.clock, redis: await client() });
    onTestFinished(() => b.close());
    const channel = `${r.prefix}${REVOCATION_CHANNEL}`;
    expect(await eventually(async () => Number((await r.admin.pubsub('NUMSUB', channel))[1]) >= 2, 3000)).toBe(true);

    const { body } = await loginWith(a);
    const meAtB = () =>
      b.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${body.accessToken}` } });
    expect((await meAtB()).statusCode).toBe(200); // cached as alive at b

    const logout = await a.post('/v1/auth/logout', { all: true }, { authorization: `Bearer ${body.accessToken}` });
    expect(logout.statusCode).toBe(204);
    expect(await eventually(async () => (await meAtB()).statusCode === 401, 2000)).toBe(true);
  });

  it("core's WeChat access token is cached in Redis under wxlogin:wxtoken:", async () => {
    const t = await createTestApp({ appOptions: { redis: await client() } });
    const { body } = await loginWith(t);
    const { code } = t.simulator.phoneCode({ appid: t.appid, openid: body.user.openid, phoneNumber: '13800138000' });
    const bound = await t.post('/v1/me/phone', { code }, { authorization: `Bearer ${body.accessToken}` });
    expect(bound.statusCode).toBe(200);
    const keys = await keysByPrefix(r.admin, `${r.prefix}${TOKEN_CACHE_PREFIX}`);
    expect(keys.some((k) => k.endsWith(t.appid))).toBe(true);
  });

  it('the same code at two instances: one WeChat call, both answer the user, and the winner publishes login-done to wake the other', async () => {
    const a = await createTestApp({ appOptions: { redis: await client() } });
    const b: WxloginApp = await createApp(a.config, { store: a.store, clock: a.clock, redis: await client() });
    onTestFinished(() => b.close());
    const channel = `${r.prefix}${LOGIN_DONE_CHANNEL}`;
    expect(await eventually(async () => Number((await r.admin.pubsub('NUMSUB', channel))[1]) >= 2, 3000)).toBe(true);
    const listener = r.admin.duplicate();
    onTestFinished(() => void listener.disconnect());
    await listener.subscribe(channel);
    const notified = once(listener, 'message');

    a.simulator.setFaults({ latencyMs: 300 });
    const { code } = a.simulator.login({ appid: a.appid });
    const calls = a.simulator.stats()['/sns/jscode2session'] ?? 0;
    const first = a.post('/v1/auth/login', { code });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = b.inject({ method: 'POST', url: '/v1/auth/login', payload: { code } });
    const [one, two] = await Promise.all([first, second]);

    expect(one.statusCode).toBe(200);
    expect(two.statusCode).toBe(200);
    expect(two.json<LoginResponse>().user.id).toBe(one.json<LoginResponse>().user.id);
    expect(a.simulator.stats()['/sns/jscode2session']).toBe(calls + 1);
    const [, message] = (await notified) as [string, string];
    expect(message).toBe(createHash('sha256').update(`${a.appid}|${code}`).digest('hex'));
  });
});
