import { describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/test-app.js';

/** One scrape: `name{label="value",…}` (labels sorted) → sample value. */
type Samples = Map<string, number>;

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/;

/** Parses the Prometheus text format (comments skipped); throws on a line that is neither. */
function parseMetrics(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels = [...(match[2] ?? '').matchAll(LABEL)].map(([, name, value]) => `${name}="${value}"`).sort();
    samples.set(`${match[1]}{${labels.join(',')}}`, Number(match[3]));
  }
  return samples;
}

/** The key of a series in {@link Samples}. */
function series(name: string, labels: Record<string, string> = {}): string {
  const parts = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .sort();
  return `${name}{${parts.join(',')}}`;
}

async function scrape(t: TestApp, token?: string): Promise<Samples> {
  const response = await t.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(response.body);
}

/** How much each series moved between two scrapes (absent = 0). */
const delta = (before: Samples, after: Samples, key: string): number => (after.get(key) ?? 0) - (before.get(key) ?? 0);

const OTHER_APPID = 'wxmetricsapp0002';

describe('GET /metrics [sqlite]', () => {
  it('serves the Contract metrics and the process metrics in Prometheus text format', async () => {
    const t = await createTestApp();
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    for (const name of [
      'wxlogin_logins_total',
      'wxlogin_wechat_request_duration_seconds',
      'wxlogin_token_refreshes_total',
      'wxlogin_wechat_token_fetches_total',
      'wxlogin_phone_codes_redeemed_total',
      'wxlogin_refresh_reuse_detected_total',
      'wxlogin_rate_limit_fail_open_total',
      'process_cpu_user_seconds_total',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(response.body, name).toContain(`# TYPE ${name} `);
    }
    expect(response.body).toContain('# TYPE wxlogin_wechat_request_duration_seconds histogram');
    const samples = parseMetrics(response.body);
    // Present at 0 from the start, so rate() works from the first scrape.
    expect(samples.get(series('wxlogin_logins_total', { appid: t.appid, outcome: 'success' }))).toBe(0);
    expect(samples.get(series('wxlogin_token_refreshes_total'))).toBe(0);
  });

  it('counts logins by outcome and times the WeChat calls', async () => {
    const t = await createTestApp();
    const before = await scrape(t);

    expect((await t.login()).status).toBe(200);
    const refused = await t.post('/v1/auth/login', { code: 'not-a-real-code', appid: t.appid });
    expect(refused.json()).toMatchObject({ error: { code: 'INVALID_CODE' } });

    const after = await scrape(t);
    expect(delta(before, after, series('wxlogin_logins_total', { appid: t.appid, outcome: 'success' }))).toBe(1);
    expect(delta(before, after, series('wxlogin_logins_total', { appid: t.appid, outcome: 'INVALID_CODE' }))).toBe(1);
    const count = (errcode: string) =>
      series('wxlogin_wechat_request_duration_seconds_count', { api: 'code2Session', errcode });
    expect(delta(before, after, count('0'))).toBe(1);
    expect(delta(before, after, count('40029'))).toBe(1);
    const sum = after.get(series('wxlogin_wechat_request_duration_seconds_sum', { api: 'code2Session', errcode: '0' }));
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(5);
    const inf = series('wxlogin_wechat_request_duration_seconds_bucket', {
      api: 'code2Session',
      errcode: '0',
      le: '+Inf',
    });
    expect(after.get(inf)).toBe(1);
  });

  it('counts refresh rotations and reuse detections', async () => {
    const t = await createTestApp();
    const login = await t.login();
    const before = await scrape(t);

    const rotated = await t.post('/v1/auth/refresh', { refreshToken: login.body.refreshToken });
    expect(rotated.statusCode).toBe(200);
    const middle = await scrape(t);
    expect(delta(before, middle, series('wxlogin_token_refreshes_total'))).toBe(1);
    expect(delta(before, middle, series('wxlogin_refresh_reuse_detected_total'))).toBe(0);

    t.clock.advance(t.config.refreshGraceS * 1000 + 1);
    const reused = await t.post('/v1/auth/refresh', { refreshToken: login.body.refreshToken });
    expect(reused.json()).toMatchObject({ error: { code: 'REFRESH_TOKEN_REUSED' } });
    const after = await scrape(t);
    expect(delta(middle, after, series('wxlogin_refresh_reuse_detected_total'))).toBe(1);
    expect(delta(middle, after, series('wxlogin_token_refreshes_total'))).toBe(0);
  });

  it('counts phone codes redeemed and WeChat access-token fetches', async () => {
    const t = await createTestApp();
    const login = await t.login();
    const before = await scrape(t);

    const { code } = t.simulator.phoneCode({ appid: t.appid, openid: login.openid, phoneNumber: '13800138000' });
    const bound = await t.post('/v1/me/phone', { code }, { authorization: `Bearer ${login.body.accessToken}` });
    expect(bound.statusCode).toBe(200);

    const after = await scrape(t);
    expect(
      delta(before, after, series('wxlogin_phone_codes_redeemed_total', { appid: t.appid, outcome: 'success' })),
    ).toBe(1);
    expect(
      delta(before, after, series('wxlogin_wechat_token_fetches_total', { appid: t.appid, forced: 'false' })),
    ).toBe(1);
    expect(
      delta(
        before,
        after,
        series('wxlogin_wechat_request_duration_seconds_count', { api: 'stableToken', errcode: '0' }),
      ),
    ).toBe(1);
    expect(
      delta(
        before,
        after,
        series('wxlogin_wechat_request_duration_seconds_count', { api: 'getPhoneNumber', errcode: '0' }),
      ),
    ).toBe(1);
  });

  it('keeps label values in closed sets: unknown appids and unlisted errcodes never become labels', async () => {
    const t = await createTestApp({ extraApps: [{ appid: OTHER_APPID, secret: 'metrics-test-secret-2' }] });
    const before = await scrape(t);

    const unknown = await t.post('/v1/auth/login', { code: 'some-code', appid: 'wxattackerchosen' });
    expect(unknown.json()).toMatchObject({ error: { code: 'UNKNOWN_APP' } });
    t.simulator.setFaults({ errcode: 61234, routes: ['/sns/jscode2session'] });
    const odd = await t.login({ appid: OTHER_APPID });
    expect(odd.response.json()).toMatchObject({ error: { code: 'WECHAT_ERROR', wechat: { errcode: 61234 } } });
    t.simulator.clearFaults();

    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).not.toContain('wxattackerchosen');
    expect(text).not.toContain('61234');
    const after = parseMetrics(text);
    expect(delta(before, after, series('wxlogin_logins_total', { appid: 'unknown', outcome: 'UNKNOWN_APP' }))).toBe(1);
    expect(delta(before, after, series('wxlogin_logins_total', { appid: OTHER_APPID, outcome: 'WECHAT_ERROR' }))).toBe(
      1,
    );
    expect(
      delta(
        before,
        after,
        series('wxlogin_wechat_request_duration_seconds_count', { api: 'code2Session', errcode: 'other' }),
      ),
    ).toBe(1);
  });

  it('counts a rate limit failing open through auth.metrics', async () => {
    const t = await createTestApp();
    const before = await scrape(t);
    t.auth.metrics.rateLimitFailedOpen();
    const after = await scrape(t);
    expect(delta(before, after, series('wxlogin_rate_limit_fail_open_total'))).toBe(1);
  });

  it('gives every app its own registry: two apps in one process count separately', async () => {
    const first = await createTestApp();
    const second = await createTestApp();
    const before = await scrape(second);
    expect((await first.login()).status).toBe(200);
    const key = series('wxlogin_logins_total', { appid: first.appid, outcome: 'success' });
    expect((await scrape(first)).get(key)).toBe(1);
    expect(delta(before, await scrape(second), key)).toBe(0);
  });

  it('with WXLOGIN_METRICS_TOKEN requires that bearer token (401 envelope otherwise)', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const t = await createTestApp({ env: { WXLOGIN_METRICS_TOKEN: token } });
    for (const authorization of [
      undefined,
      'Bearer wrong-token-0123456789abcdef',
      `Basic ${token}`,
      `Bearer ${token}x`,
      'Bearer ',
    ]) {
      const response = await t.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(response.statusCode, String(authorization)).toBe(401);
      expect(response.json(), String(authorization)).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
      expect(response.body).not.toContain(token);
    }
    const samples = await scrape(t, token);
    expect(samples.has(series('wxlogin_token_refreshes_total'))).toBe(true);
  });

  it('without WXLOGIN_METRICS_TOKEN is open', async () => {
    const t = await createTestApp();
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
  });
});
