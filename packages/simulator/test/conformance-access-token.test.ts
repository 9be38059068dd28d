import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEV, RID_PATTERN, START_MS, startSimulator, type TestSimulator } from './helpers/start-simulator.js';

// WeChat's access token as docs/simulator.md#the-wechat-routes lists it: stable_token, the legacy token, and their errors.
let t: TestSimulator;
beforeEach(async () => {
  t = await startSimulator();
});
afterEach(() => t.close());

const stable = (body: Record<string, unknown> = {}) =>
  t.post('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: DEV.appid, secret: DEV.secret, ...body });
const forced = () => stable({ force_refresh: true });
const legacy = (params: Record<string, string> = {}) =>
  t.get('/cgi-bin/token', { grant_type: 'client_credential', appid: DEV.appid, secret: DEV.secret, ...params });

/** The errcode an API call gets with `token` (40029 = the token was accepted and the bogus phone code was not). */
async function tokenVerdict(token: unknown): Promise<unknown> {
  const body = await t.post(
    '/wxa/business/getuserphonenumber',
    { code: 'no-such-code' },
    { access_token: String(token) },
  );
  return body.errcode;
}
const ACCEPTED = 40029;

describe('POST /cgi-bin/stable_token, normal mode', () => {
  it('hands every caller the same token with its real remaining expires_in', async () => {
    const first = await stable();
    expect(first).toEqual({ access_token: expect.any(String), expires_in: 7200 });
    t.clock.advance(1_000_500);
    expect(await stable()).toEqual({ access_token: first.access_token, expires_in: 6199 });
    expect(await tokenVerdict(first.access_token)).toBe(ACCEPTED);
  });

  it('renews 5 minutes before expiry; both tokens are valid until the old one expires (then 42001)', async () => {
    const old = await stable();
    t.clock.advance(7200_000 - 300_001);
    expect(await stable()).toEqual({ access_token: old.access_token, expires_in: 300 });
    t.clock.advance(1);
    const renewed = await stable();
    expect(renewed.access_token).not.toBe(old.access_token);
    expect(renewed.expires_in).toBe(7200);
    expect(await stable()).toEqual(renewed);
    t.clock.advance(299_999);
    expect(await tokenVerdict(old.access_token)).toBe(ACCEPTED);
    expect(await tokenVerdict(renewed.access_token)).toBe(ACCEPTED);
    t.clock.advance(1);
    expect(await tokenVerdict(old.access_token)).toBe(42001);
    expect(await tokenVerdict(renewed.access_token)).toBe(ACCEPTED);
  });

  it('mints a fresh token when the previous one has fully expired', async () => {
    const old = await stable();
    t.clock.advance(3 * 7200_000);
    const fresh = await stable();
    expect(fresh.access_token).not.toBe(old.access_token);
    expect(fresh.expires_in).toBe(7200);
  });
});

describe('POST /cgi-bin/stable_token, force_refresh', () => {
  it('mints a new token and kills the previous one at once (40001)', async () => {
    const old = await stable();
    const fresh = await forced();
    expect(fresh.access_token).not.toBe(old.access_token);
    expect(fresh.expires_in).toBe(7200);
    expect(await tokenVerdict(old.access_token)).toBe(40001);
    expect(await stable()).toEqual({ access_token: fresh.access_token, expires_in: 7200 });
  });

  it('kills both tokens of the renewal overlap', async () => {
    const old = await stable();
    t.clock.advance(7200_000 - 300_000);
    const renewed = await stable();
    t.clock.advance(40_000);
    const fresh = await forced();
    expect(await tokenVerdict(old.access_token)).toBe(40001);
    expect(await tokenVerdict(renewed.access_token)).toBe(40001);
    expect(await tokenVerdict(fresh.access_token)).toBe(ACCEPTED);
  });

  it('changes nothing when forced within 30 s of the last forced refresh', async () => {
    const first = await forced();
    t.clock.advance(29_999);
    const again = await forced();
    expect(again.access_token).toBe(first.access_token);
    expect(await tokenVerdict(first.access_token)).toBe(ACCEPTED);
    t.clock.advance(1);
    const later = await forced();
    expect(later.access_token).not.toBe(first.access_token);
    expect(await tokenVerdict(first.access_token)).toBe(40001);
  });

  it('allows 20 forced calls per (Beijing) day: the 21st is 45009, normal mode still works, the next day resets', async () => {
    for (let i = 0; i < 20; i += 1) {
      expect((await forced()).access_token).toEqual(expect.any(String));
      t.clock.advance(31_000);
    }
    const over = await forced();
    expect(over.errcode).toBe(45009);
    expect(over.errmsg).toMatch(RID_PATTERN);
    expect((await stable()).access_token).toEqual(expect.any(String));
    // START_MS is 08:00 in Beijing; its next midnight is 16 hours later.
    t.clock.now = START_MS + 16 * 3_600_000;
    expect((await forced()).access_token).toEqual(expect.any(String));
  });

  it('counts a forced call that changed nothing against the daily budget', async () => {
    for (let i = 0; i < 20; i += 1) await forced();
    t.clock.advance(31_000);
    expect((await forced()).errcode).toBe(45009);
  });
});

describe('POST /cgi-bin/stable_token, request errors', () => {
  it('rejects a form-encoded body with 41002', async () => {
    const body = await t.post(
      '/cgi-bin/stable_token',
      `grant_type=client_credential&appid=${DEV.appid}&secret=${DEV.secret}`,
      undefined,
      'application/x-www-form-urlencoded',
    );
    expect(body.errcode).toBe(41002);
    expect(body.errmsg).toMatch(RID_PATTERN);
  });

  it('answers 43002 to a GET', async () => {
    expect((await t.get('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: DEV.appid })).errcode).toBe(
      43002,
    );
  });

  it.each([
    [{ appid: undefined }, 41002],
    [{ secret: undefined }, 41004],
    [{ grant_type: 'authorization_code' }, 40002],
    [{ appid: 'wx0000000000000000' }, 40013],
    [{ secret: 'wrong' }, 40125],
  ])('answers %j with %i', async (override, errcode) => {
    expect((await stable(override)).errcode).toBe(errcode);
  });
});

describe('GET /cgi-bin/token (legacy)', () => {
  it('mints a new token at every call; the previous one lives 5 more minutes, then 40001', async () => {
    const first = await legacy();
    expect(first).toEqual({ access_token: expect.any(String), expires_in: 7200 });
    t.clock.advance(60_000);
    const second = await legacy();
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.expires_in).toBe(7200);
    t.clock.advance(299_999);
    expect(await tokenVerdict(first.access_token)).toBe(ACCEPTED);
    t.clock.advance(1);
    expect(await tokenVerdict(first.access_token)).toBe(40001);
    expect(await tokenVerdict(second.access_token)).toBe(ACCEPTED);
  });

  it('expires a token after 7200 s (42001)', async () => {
    const only = await legacy();
    t.clock.advance(7200_000);
    expect(await tokenVerdict(only.access_token)).toBe(42001);
  });

  it('is separate from stable_token: neither kind affects the other', async () => {
    const stableToken = await stable();
    const legacyToken = await legacy();
    expect(legacyToken.access_token).not.toBe(stableToken.access_token);
    t.clock.advance(31_000);
    await forced();
    expect(await tokenVerdict(legacyToken.access_token)).toBe(ACCEPTED);
    const nowStable = await stable();
    await legacy();
    t.clock.advance(300_000);
    expect(await tokenVerdict(nowStable.access_token)).toBe(ACCEPTED);
  });

  it.each([
    [{ grant_type: 'x' }, 40002],
    [{ appid: 'wx0000000000000000' }, 40013],
    [{ secret: 'wrong' }, 40125],
    [{ appid: '' }, 41002],
    [{ secret: '' }, 41004],
  ])('answers %j with %i', async (override, errcode) => {
    expect((await legacy(override)).errcode).toBe(errcode);
  });
});

describe('access_token checks on the APIs that take one', () => {
  it('answers 41001 without a token and 40014 for a token never issued', async () => {
    const missing = await t.post('/wxa/business/getuserphonenumber', { code: 'x' });
    expect(missing.errcode).toBe(41001);
    expect(await tokenVerdict('not-a-token')).toBe(40014);
  });
});
