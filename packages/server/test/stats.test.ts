import { setTimeout as sleep } from 'node:timers/promises';
import type { WeChatApi, WeChatCallEvent } from '@wxlogin/core';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it, onTestFinished } from 'vitest';
import { LoginStatsRecorder, PROCESS_INSTANCE_ID } from '../src/stats/login-stats-recorder.js';
import type { LoginStatsReport } from '../src/stats/login-stats-report.js';
import { reportOutcome } from '../src/metrics/count-outcomes.js';
import { statsAppid } from '../src/stats/stats-appid.js';
import { parseStatOutcome, wechatCallOutcomes } from '../src/stats/wechat-call-outcomes.js';
import { wechatCallReport } from '../src/stats/wechat-call-report.js';
import { AppError } from '../src/errors/app-error.js';
import { openStore, type Store } from '../src/store/index.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';
import { createTestClock } from './helpers/test-clock.js';

const MINUTE = 60_000;
const ADMIN_TOKEN = 'admin-token-for-stats-tests';
const OTHER_APP = { appid: 'wxotherapp0000002', secret: 'other-app-secret-value' };

async function memoryStore(): Promise<Store> {
  const store = await openStore('sqlite::memory:');
  await store.migrate();
  onTestFinished(() => store.close());
  return store;
}

/** The store, with `addLoginStats` failing while `failing.on` is set: a database that refuses writes for a while. */
function flakyStore(store: Store): { store: Store; failing: { on: boolean } } {
  const failing = { on: false };
  const proxy = new Proxy(store, {
    get(target, prop) {
      if (prop === 'addLoginStats' && failing.on) return async () => Promise.reject(new Error('database unavailable'));
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: proxy, failing };
}

const stats = (t: TestApp, query = 'window=1h'): Promise<LightMyRequestResponse> =>
  t.app.inject({
    method: 'GET',
    url: `/admin/api/stats?${query}`,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });

describe('login stats recorder [sqlite]', () => {
  it('counts outcomes per app and minute in memory and adds them to login_stats at each flush', async () => {
    const store = await memoryStore();
    const clock = createTestClock();
    const minute = clock() - (clock() % MINUTE);
    const recorder = new LoginStatsRecorder({ store, clock, instance: 'i1' });
    recorder.record('wxa', 'success');
    recorder.record('wxa', 'success');
    recorder.record('wxa', 'INVALID_CODE');
    recorder.record('wxb', 'success');
    expect(recorder.pendingCount).toBe(4);
    expect(await store.loginStats({ since: 0 })).toEqual([]); // nothing written per login

    await recorder.flush();
    expect(recorder.pendingCount).toBe(0);
    clock.advance(MINUTE);
    recorder.record('wxa', 'success');
    await recorder.flush();
    await recorder.flush(); // nothing pending: no write
    expect(await store.loginStats({ since: 0 })).toEqual([
      { appid: 'wxa', minute, outcome: 'INVALID_CODE', count: 1 },
      { appid: 'wxa', minute, outcome: 'success', count: 2 },
      { appid: 'wxb', minute, outcome: 'success', count: 1 },
      { appid: 'wxa', minute: minute + MINUTE, outcome: 'success', count: 1 },
    ]);
  });

  it('two instances flushing into one store sum up; a restarted instance adds to what was there', async () => {
    const store = await memoryStore();
    const clock = createTestClock();
    const minute = clock() - (clock() % MINUTE);
    const one = new LoginStatsRecorder({ store, clock, instance: 'instance-one' });
    const two = new LoginStatsRecorder({ store, clock, instance: 'instance-two' });
    for (let i = 0; i < 3; i++) one.record('wxa', 'success');
    for (let i = 0; i < 4; i++) two.record('wxa', 'success');
    two.record('wxa', 'WECHAT_UNAVAILABLE');
    await Promise.all([one.flush(), two.flush()]);
    const again = new LoginStatsRecorder({ store, clock, instance: 'instance-one' }); // same id after a restart
    again.record('wxa', 'success');
    await again.close();

    expect(await store.loginStats({ since: minute })).toEqual([
      { appid: 'wxa', minute, outcome: 'WECHAT_UNAVAILABLE', count: 1 },
      { appid: 'wxa', minute, outcome: 'success', count: 8 },
    ]);
    expect(PROCESS_INSTANCE_ID).toMatch(/^[0-9a-f]{16}$/);
    expect(new LoginStatsRecorder({ store, clock }).instance).toBe(PROCESS_INSTANCE_ID);
  });

  it('a failed flush keeps its counts for the next one (and never rejects)', async () => {
    const real = await memoryStore();
    const { store, failing } = flakyStore(real);
    const clock = createTestClock();
    const recorder = new LoginStatsRecorder({ store, clock, instance: 'i1' });
    recorder.record('wxa', 'success');
    failing.on = true;
    await expect(recorder.flush()).resolves.toBeUndefined();
    recorder.record('wxa', 'success');
    expect(recorder.pendingCount).toBe(2);
    failing.on = false;
    await recorder.flush();
    expect(recorder.pendingCount).toBe(0);
    expect((await real.loginStats({ since: 0 })).map((r) => r.count)).toEqual([2]);
  });

  it('flushes on its own every interval with an unref()ed timer, and close() stops it after a last flush', async () => {
    const store = await memoryStore();
    const recorder = new LoginStatsRecorder({ store, clock: () => Date.now(), instance: 'timed', flushIntervalMs: 20 });
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    recorder.start();
    expect(recorder.running).toBe(true);
    expect(timers()).toBe(before); // unref()ed: it never keeps the process alive
    recorder.record('wxa', 'success');
    for (let waited = 0; recorder.pendingCount > 0 && waited < 2000; waited += 10) await sleep(10);
    expect(await store.loginStats({ since: 0 })).toHaveLength(1);

    recorder.record('wxa', 'success');
    await recorder.close();
    expect(recorder.running).toBe(false);
    expect((await store.loginStats({ since: 0 }))[0]!.count).toBe(2);
    recorder.start(); // closed for good
    expect(recorder.running).toBe(false);
  });

  it('counts how a login settled and passes its answer or error through; names only configured apps', async () => {
    const store = await memoryStore();
    const recorder = new LoginStatsRecorder({ store, clock: createTestClock(), instance: 'i1' });
    const record = (outcome: string) => recorder.record('wxa', outcome);
    await expect(reportOutcome(Promise.resolve(42), record)).resolves.toBe(42);
    const refused = new AppError('INVALID_CODE');
    await expect(reportOutcome(Promise.reject(refused), record)).rejects.toBe(refused);
    await expect(reportOutcome(Promise.reject(new Error('bug')), record)).rejects.toThrow('bug');
    await recorder.flush();
    expect((await store.loginStats({ since: 0 })).map((r) => [r.outcome, r.count])).toEqual([
      ['INTERNAL_ERROR', 1],
      ['INVALID_CODE', 1],
      ['success', 1],
    ]);

    const one = [{ appid: 'wxa' }];
    const two = [{ appid: 'wxa' }, { appid: 'wxb' }];
    expect(statsAppid(one, undefined)).toBe('wxa');
    expect(statsAppid(one, 'wxa')).toBe('wxa');
    expect(statsAppid(two, undefined)).toBe('');
    expect(statsAppid(two, 'wxb')).toBe('wxb');
    expect(statsAppid(two, 'wx-attacker-chosen')).toBe('');
  });
});

describe('GET /admin/api/stats [sqlite]', () => {
  it('answers per-minute series and totals per outcome of the window, summed over instances', async () => {
    const t = await createTestApp({ env: { WXLOGIN_ADMIN_TOKEN: ADMIN_TOKEN }, extraApps: [OTHER_APP] });
    const start = t.clock();
    const minute = start - (start % MINUTE);
    await t.login();
    await t.login();
    await t.post('/v1/auth/login', { code: 'never-minted', appid: t.appid }); // INVALID_CODE
    await t.post('/v1/auth/login', { code: 'x', appid: 'wxnotconfigured01' }); // UNKNOWN_APP, under ""
    t.clock.advance(2 * MINUTE);
    await t.login({ appid: OTHER_APP.appid });
    // Another instance of the cluster, flushing into the same database.
    const peer = new LoginStatsRecorder({ store: t.store, clock: t.clock, instance: 'peer-instance' });
    peer.record(t.appid, 'success');
    peer.record(t.appid, 'WECHAT_UNAVAILABLE');
    await peer.flush();

    const response = await stats(t); // flushes this instance's counts first
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const report = response.json<LoginStatsReport>();
    const now = t.clock() - (t.clock() % MINUTE);
    expect(report).toMatchObject({
      window: '1h',
      appid: null,
      from: new Date(now - 59 * MINUTE).toISOString(),
      to: new Date(now + MINUTE).toISOString(),
      total: 7,
      totals: { success: 4, INVALID_CODE: 1, UNKNOWN_APP: 1, WECHAT_UNAVAILABLE: 1 },
    });
    expect(report.series).toHaveLength(60);
    expect(report.series[59]!.minute).toBe(new Date(now).toISOString());
    const busy = report.series.filter((p) => p.total > 0);
    expect(busy).toEqual([
      {
        minute: new Date(minute).toISOString(),
        total: 4,
        counts: { success: 2, INVALID_CODE: 1, UNKNOWN_APP: 1 },
        wechatErrcodes: { '40029': 1 },
      },
      {
        minute: new Date(now).toISOString(),
        total: 3,
        counts: { success: 2, WECHAT_UNAVAILABLE: 1 },
        wechatErrcodes: {},
      },
    ]);
    expect(report.series.filter((p) => p.total === 0).every((p) => Object.keys(p.counts).length === 0)).toBe(true);

    const other = (await stats(t, `window=1h&appid=${OTHER_APP.appid}`)).json<LoginStatsReport>();
    expect(other).toMatchObject({ appid: OTHER_APP.appid, total: 1, totals: { success: 1 } });

    // An hour later the first minute has left the 1h window but not the 24h one.
    t.clock.advance(59 * MINUTE);
    expect((await stats(t)).json<LoginStatsReport>().total).toBe(3);
    const day = (await stats(t, 'window=24h')).json<LoginStatsReport>();
    expect(day.series).toHaveLength(1440);
    expect(day.total).toBe(7);
    expect((await stats(t, '')).json<LoginStatsReport>().window).toBe('1h');

    for (const [query, code] of [
      ['window=7d', 'VALIDATION_FAILED'],
      [`appid=wxnotconfigured01`, 'UNKNOWN_APP'],
    ] as const) {
      const refused = await stats(t, query);
      expect(refused.statusCode, query).toBe(400);
      expect(refused.json<{ error: { code: string } }>().error.code).toBe(code);
    }
  });

  it('app.close() flushes what was counted: the counts survive a restart', async () => {
    const t = await createTestApp({ env: { WXLOGIN_ADMIN_TOKEN: ADMIN_TOKEN } });
    await t.login();
    await t.login();
    expect(await t.store.loginStats({ since: 0 })).toEqual([]); // still in memory: no write per login
    await t.app.close();
    expect((await t.store.loginStats({ since: 0 })).map((r) => [r.appid, r.outcome, r.count])).toEqual([
      [t.appid, 'success', 2],
      // The latency bucket depends on the machine's speed.
      [t.appid, expect.stringMatching(/^wechat-ms:code2Session:\d+$/), 2],
      [t.appid, 'wechat:code2Session:0', 2],
    ]);
  });
});

describe('WeChat calls in login_stats', () => {
  const event = (api: WeChatApi, errcode: number, durationMs: number): WeChatCallEvent => ({
    api,
    appid: 'wxdevapp00000001',
    errcode,
    durationMs,
  });

  it('counts each call under its errcode (from a closed set) and its latency bucket, apart from login outcomes', () => {
    expect(wechatCallOutcomes(event('code2Session', 0, 3))).toEqual([
      'wechat:code2Session:0',
      'wechat-ms:code2Session:10',
    ]);
    expect(wechatCallOutcomes(event('code2Session', 40029, 10.5))).toEqual([
      'wechat:code2Session:40029',
      'wechat-ms:code2Session:25',
    ]);
    // An errcode outside WeChat's table cannot grow the rows; a call past every bound is `inf`.
    expect(wechatCallOutcomes(event('getPhoneNumber', 987654, 60_000))).toEqual([
      'wechat:getPhoneNumber:other',
      'wechat-ms:getPhoneNumber:inf',
    ]);
    expect(parseStatOutcome('INVALID_CODE')).toEqual({ kind: 'login', outcome: 'INVALID_CODE' });
    expect(parseStatOutcome('wechat:code2Session:-1001')).toEqual({
      kind: 'wechat',
      api: 'code2Session',
      errcode: '-1001',
    });
    expect(parseStatOutcome('wechat-ms:stableToken:inf')).toEqual({
      kind: 'latency',
      api: 'stableToken',
      boundMs: Number.POSITIVE_INFINITY,
    });
    // Written by a newer version: ignored, not misread as a login.
    for (const unknown of ['refresh:reuse', 'wechat-ms:x:fast', 'wechat::0'])
      expect(parseStatOutcome(unknown)).toBeUndefined();
    // The outcome column is 64 characters.
    for (const outcome of wechatCallOutcomes(event('resetSessionKey', -1008, 1e9)))
      expect(outcome.length).toBeLessThan(64);
  });

  it('reports calls, errors, the median and 95th percentile bucket per API, and phone spend in whole fen', () => {
    const rows = (outcome: string, count: number) => ({ appid: 'wxdevapp00000001', minute: 0, outcome, count });
    const report = wechatCallReport([
      rows('success', 40),
      rows('wechat:code2Session:0', 90),
      rows('wechat:code2Session:40029', 10),
      rows('wechat-ms:code2Session:25', 60),
      rows('wechat-ms:code2Session:100', 34),
      rows('wechat-ms:code2Session:1000', 6),
      rows('wechat:getPhoneNumber:0', 7),
      rows('wechat:getPhoneNumber:40001', 2),
      rows('wechat-ms:getPhoneNumber:inf', 9),
    ]);
    expect(report.apis).toEqual([
      { api: 'code2Session', calls: 100, errors: 10, p50Ms: 25, p95Ms: 1000 },
      // Every call slower than the last bound: no number to show rather than a made-up one.
      { api: 'getPhoneNumber', calls: 9, errors: 2, p50Ms: null, p95Ms: null },
    ]);
    expect(report.phone).toEqual({ redeemed: 7, failed: 2, costYuan: { quick: 0.21, realtime: 0.28 } });
    expect(wechatCallReport([])).toEqual({
      apis: [],
      phone: { redeemed: 0, failed: 0, costYuan: { quick: 0, realtime: 0 } },
    });
  });
});
