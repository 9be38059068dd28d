import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { freePort } from './helpers/free-port.js';
import { createApp } from '../src/app.js';
import type { LoginResponse } from '../src/schemas/tokens.js';
import { waitForRedisReady } from '../src/redis/redis-client.js';
import { IP_RATE_LIMIT_NAMESPACE } from '../src/rate-limit/ip-rate-limit.js';
import { USER_RATE_LIMIT_NAMESPACE } from '../src/rate-limit/user-login-limit.js';
import { LocalWindowCounter } from '../src/rate-limit/local-window-counter.js';
import { RedisWindowCounter } from '../src/rate-limit/redis-window-counter.js';
import {
  eventually,
  keysByPrefix,
  REDIS_TAG,
  redisAvailable,
  startRedisProxy,
  testRedisTarget,
  useTestRedis,
} from './helpers/redis.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

/** Mints a code for `openid` (a new user when absent) and posts it, optionally with extra headers. */
async function loginAs(t: TestApp, options: { openid?: string; headers?: Record<string, string> } = {}) {
  const minted = t.simulator.login({
    appid: t.appid,
    ...(options.openid === undefined ? {} : { openid: options.openid }),
  });
  const response = await t.post('/v1/auth/login', { code: minted.code, appid: t.appid }, options.headers);
  return { response, code: minted.code, openid: minted.openid };
}

function expectRateLimited(response: LightMyRequestResponse): void {
  expect(response.statusCode).toBe(429);
  expect(response.json()).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
  const retryAfter = Number(response.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

async function failOpenCount(t: TestApp): Promise<number> {
  const text = (await t.get('/metrics')).body;
  const line = text.split('\n').find((l) => l.startsWith('wxlogin_rate_limit_fail_open_total '));
  return Number(line?.split(' ')[1] ?? Number.NaN);
}

describe('per-IP limit on login + refresh [sqlite]', () => {
  it('counts login and refresh together per IP and answers 429 RATE_LIMITED with Retry-After in the envelope', async () => {
    const t = await createTestApp({ env: { WXLOGIN_RATE_LIMIT_PER_MIN: '3' } });
    const first = await loginAs(t);
    expect(first.response.statusCode).toBe(200);
    const { refreshToken, accessToken } = first.response.json<LoginResponse>();
    expect((await t.post('/v1/auth/refresh', { refreshToken })).statusCode).toBe(200);
    expect((await loginAs(t)).response.statusCode).toBe(200);

    expectRateLimited((await loginAs(t)).response);
    expectRateLimited(await t.post('/v1/auth/refresh', { refreshToken: 'wxr1.x.0.y' }));
    // Only the token-minting routes are limited.
    expect((await t.get('/v1/me', accessToken)).statusCode).toBe(200);
    expect((await t.get('/healthz')).statusCode).toBe(200);
  });

  it('refuses before reading the body: an over-limit login never reaches WeChat', async () => {
    const t = await createTestApp({ env: { WXLOGIN_RATE_LIMIT_PER_MIN: '1' } });
    expect((await loginAs(t)).response.statusCode).toBe(200);
    const calls = t.simulator.stats()['/sns/jscode2session'];
    expectRateLimited((await loginAs(t)).response);
    expect(t.simulator.stats()['/sns/jscode2session']).toBe(calls);
  });

  it('0 turns it off', async () => {
    const t = await createTestApp({ env: { WXLOGIN_RATE_LIMIT_PER_MIN: '0', WXLOGIN_USER_RATE_LIMIT_PER_MIN: '0' } });
    for (let i = 0; i < 5; i += 1) expect((await loginAs(t, { openid: 'o-same-user' })).response.statusCode).toBe(200);
  });

  it('keys on the client IP only when the proxy is trusted: X-Forwarded-For is ignored otherwise', async () => {
    const untrusted = await createTestApp({ env: { WXLOGIN_RATE_LIMIT_PER_MIN: '2' } });
    expect((await loginAs(untrusted, { headers: { 'x-forwarded-for': '203.0.113.1' } })).response.statusCode).toBe(200);
    expect((await loginAs(untrusted, { headers: { 'x-forwarded-for': '203.0.113.2' } })).response.statusCode).toBe(200);
    expectRateLimited((await loginAs(untrusted, { headers: { 'x-forwarded-for': '203.0.113.3' } })).response);

    const trusted = await createTestApp({ env: { WXLOGIN_RATE_LIMIT_PER_MIN: '2', WXLOGIN_TRUST_PROXY: '127.0.0.1' } });
    const client = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
    expect((await loginAs(trusted, client('203.0.113.1'))).response.statusCode).toBe(200);
    expect((await loginAs(trusted, client('203.0.113.1'))).response.statusCode).toBe(200);
    expectRateLimited((await loginAs(trusted, client('203.0.113.1'))).response);
    expect((await loginAs(trusted, client('203.0.113.2'))).response.statusCode).toBe(200);
  });
});

describe('per-user login limit [sqlite]', () => {
  it('refuses the login past the limit for that (appid, openid) only, with Retry-After, and creates no session', async () => {
    const t = await createTestApp({ env: { WXLOGIN_USER_RATE_LIMIT_PER_MIN: '2' } });
    const a1 = await loginAs(t, { openid: 'o-looping-user' });
    expect(a1.response.statusCode).toBe(200);
    expect((await loginAs(t, { openid: 'o-looping-user' })).response.statusCode).toBe(200);
    const third = await loginAs(t, { openid: 'o-looping-user' });
    expectRateLimited(third.response);

    const userId = a1.response.json<LoginResponse>().user.id;
    expect(await t.store.listUserSessions(userId)).toHaveLength(2);
    // The code is spent at WeChat: a replay answers the same refusal, and never reaches WeChat again.
    const calls = t.simulator.stats()['/sns/jscode2session'];
    const replay = await t.post('/v1/auth/login', { code: third.code, appid: t.appid });
    expect(replay.statusCode).toBe(429);
    expect(replay.json().error.code).toBe('RATE_LIMITED');
    expect(t.simulator.stats()['/sns/jscode2session']).toBe(calls);

    expect((await loginAs(t, { openid: 'o-another-user' })).response.statusCode).toBe(200);
  });
  it('a replayed RATE_LIMITED login keeps its Retry-After (the catalogue promises it on every RATE_LIMITED)', async () => {
    const t = await createTestApp({ env: { WXLOGIN_USER_RATE_LIMIT_PER_MIN: '1' } });
    const first = await t.login();
    expect(first.status).toBe(200);
    const limited = await t.login({ openid: first.openid });
    expect([limited.status, limited.response.json().error.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(limited.response.headers['retry-after'])).toBeGreaterThan(0);
    const replay = await t.post('/v1/auth/login', { code: limited.code, appid: t.appid });
    expect([replay.statusCode, replay.json().error.code]).toEqual([429, 'RATE_LIMITED']);
    expect(Number(replay.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('per-process window counter', () => {
  it('counts per key from the first hit, with what is left of the window, and keeps at most maxKeys keys', () => {
    const counter = new LocalWindowCounter(2);
    expect(counter.hit('a', 60_000)).toEqual({ current: 1, ttl: 60_000 });
    const second = counter.hit('a', 60_000);
    expect(second.current).toBe(2);
    expect(second.ttl).toBeGreaterThan(59_000);
    expect(second.ttl).toBeLessThanOrEqual(60_000);
    expect(counter.hit('b', 60_000).current).toBe(1);
    expect(counter.hit('c', 60_000).current).toBe(1); // pushes out 'a', the least recently hit
    expect(counter.hit('a', 60_000).current).toBe(1);
    // A window of 0 ms is over at once: every hit opens a new one.
    expect(counter.hit('z', 0).current).toBe(1);
    expect(counter.hit('z', 0).current).toBe(1);
  });
});

describe('rate limits when Redis is unreachable: fail open to per-process counters', () => {
  it('logins still succeed, the limits still hold per process, and wxlogin_rate_limit_fail_open_total counts', async () => {
    const port = await freePort();
    const t = await createTestApp({
      env: {
        WXLOGIN_REDIS_URL: `redis://127.0.0.1:${port}`,
        WXLOGIN_RATE_LIMIT_PER_MIN: '3',
        WXLOGIN_USER_RATE_LIMIT_PER_MIN: '2',
      },
    });
    expect(await failOpenCount(t)).toBe(0);
    const first = await loginAs(t, { openid: 'o-redis-down' });
    expect(first.response.statusCode).toBe(200);
    expect((await loginAs(t, { openid: 'o-redis-down' })).response.statusCode).toBe(200);
    // The third login is the IP limit's last allowed one and the user limit's first refused one.
    expectRateLimited((await loginAs(t, { openid: 'o-redis-down' })).response);
    // Three hits per limit, each counted in-process.
    expect(await failOpenCount(t)).toBe(3 + 3);
    expectRateLimited((await loginAs(t)).response);
    expect(await failOpenCount(t)).toBe(3 + 3 + 1);

    const ready = await t.get('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ok', database: 'ok', redis: 'unreachable' });
  });
});

const target = testRedisTarget();

describe(`${REDIS_TAG} rate limits shared through Redis`, () => {
  if (!redisAvailable(target)) return;

  const r = useTestRedis(target);
  const client = r.client;

  it('two instances count into one window per IP and per user, under the wxlogin:rl: keys', async () => {
    const env = { WXLOGIN_RATE_LIMIT_PER_MIN: '4', WXLOGIN_USER_RATE_LIMIT_PER_MIN: '2' };
    const a = await createTestApp({ env, appOptions: { redis: await client() } });
    const b = await createTestApp({ env, appOptions: { redis: await client() } });
    // The user limit across instances: same openid at both.
    expect((await loginAs(a, { openid: 'o-shared-user' })).response.statusCode).toBe(200);
    expect((await loginAs(b, { openid: 'o-shared-user' })).response.statusCode).toBe(200);
    expectRateLimited((await loginAs(a, { openid: 'o-shared-user' })).response);
    // The IP limit across instances: three hits so far, the fourth is the last allowed.
    expect((await loginAs(b)).response.statusCode).toBe(200);
    expectRateLimited((await loginAs(a)).response);
    expectRateLimited((await loginAs(b)).response);
    expect(await failOpenCount(a)).toBe(0);

    const keys = await keysByPrefix(r.admin, r.prefix);
    expect(keys).toContain(`${r.prefix}${IP_RATE_LIMIT_NAMESPACE}127.0.0.1`);
    const userKeys = keys.filter((k) => k.startsWith(`${r.prefix}${USER_RATE_LIMIT_NAMESPACE}`));
    expect(userKeys.length).toBeGreaterThanOrEqual(2);
    // Openids are hashed in Redis, never stored in the clear.
    expect(keys.join('\n')).not.toContain('o-shared-user');
    const pttl = await r.admin.pttl(`${r.prefix}${IP_RATE_LIMIT_NAMESPACE}127.0.0.1`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it('a Redis window: the first hit sets the expiry, later hits count on under it, the key is namespace + key', async () => {
    const counter = new RedisWindowCounter(await client(), 'wxlogin:rl:test:');
    const key = `${r.prefix}wxlogin:rl:test:k`;
    await r.admin.del(key);
    expect(await counter.hit('k', 60_000)).toEqual({ current: 1, ttl: 60_000 });
    await r.admin.pexpire(key, 30_000);
    const second = await counter.hit('k', 60_000);
    expect(second.current).toBe(2);
    expect(second.ttl).toBeGreaterThan(29_000);
    expect(second.ttl).toBeLessThanOrEqual(30_000);
    expect(await r.admin.get(key)).toBe('2');
  });

  it('an instance built with WXLOGIN_REDIS_URL reports Redis in /readyz and closes its connection on close', async () => {
    const t = await createTestApp({ env: { WXLOGIN_REDIS_URL: r.url } });
    const deadline = Date.now() + 3000;
    let body = (await t.get('/readyz')).json();
    while (body.redis !== 'ok' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      body = (await t.get('/readyz')).json();
    }
    expect(body).toMatchObject({ status: 'ok', redis: 'ok' });
    await t.close();
  });

  it('createApp with an injected connection leaves it open for its owner', async () => {
    const c = await client();
    const t = await createTestApp({ appOptions: { redis: c } });
    // createApp without Redis configured never opens one.
    const plain = await createApp(t.config, { store: t.store, clock: t.clock });
    expect((await plain.inject({ method: 'GET', url: '/readyz' })).json().redis).toBe('not_configured');
    await plain.close();
    await t.close();
    expect(c.status).toBe('ready');
    expect(await c.ping()).toBe('PONG');
  });

  it('Redis dropping mid-run: logins go on counted in-process (metric), then count in Redis again once it is back', async () => {
    const proxy = await startRedisProxy(r.url);
    const c = await client({ url: proxy.url, maxReconnectDelayMs: 100 });
    const t = await createTestApp({
      env: { WXLOGIN_RATE_LIMIT_PER_MIN: '100', WXLOGIN_USER_RATE_LIMIT_PER_MIN: '0' },
      appOptions: { redis: c },
    });
    const ipKey = `${r.prefix}${IP_RATE_LIMIT_NAMESPACE}127.0.0.1`;
    await r.admin.del(ipKey);

    expect((await loginAs(t)).response.statusCode).toBe(200);
    expect(await r.admin.get(ipKey)).toBe('1');

    await proxy.stop();
    expect(await eventually(() => c.status !== 'ready', 2000)).toBe(true);
    const started = Date.now();
    expect((await loginAs(t)).response.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await failOpenCount(t)).toBe(1);

    await proxy.start();
    expect(await waitForRedisReady(c, 5000)).toBe(true);
    expect((await loginAs(t)).response.statusCode).toBe(200);
    expect(await r.admin.get(ipKey)).toBe('2');
    expect(await failOpenCount(t)).toBe(1);
    await t.close();
    await proxy.stop();
  });

  it('a hung Redis (no answers) costs at most the command timeout, never a failed login', async () => {
    const proxy = await startRedisProxy(r.url);
    const c = await client({ url: proxy.url, commandTimeoutMs: 200 });
    const t = await createTestApp({
      env: { WXLOGIN_RATE_LIMIT_PER_MIN: '100', WXLOGIN_USER_RATE_LIMIT_PER_MIN: '100' },
      appOptions: { redis: c },
    });
    proxy.freeze();
    const started = Date.now();
    expect((await loginAs(t)).response.statusCode).toBe(200);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await failOpenCount(t)).toBe(2);
    proxy.thaw();
    await t.close();
    await proxy.stop();
  });
});
