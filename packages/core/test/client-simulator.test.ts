import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DecryptError,
  SYNTHETIC_ERRCODES,
  WeChatClient,
  decryptData,
  sessionKeySignature,
  type WeChatCallEvent,
  type WeChatClientOptions,
} from '@wxlogin/core';
import { createSimulator, signWithSessionKey, type Simulator } from '@wxlogin/simulator';
import { failure } from './helpers/wechat-failure.js';

const DEV_APPID = 'wxdevapp00000001';
const DEV_SECRET = 'wxlogin-dev-secret';
const OTHER_APPID = 'wx1234567890abcdef';
const OTHER_SECRET = 'other-app-secret-000000000000001';
const PHONE = '/wxa/business/getuserphonenumber';
const STABLE = '/cgi-bin/stable_token';

let now = Date.UTC(2024, 5, 1, 2, 0, 0);
const clock = (): number => now;
let sim: Simulator;
let baseUrl: string;
const clients: WeChatClient[] = [];

function client(options: Partial<WeChatClientOptions> = {}): WeChatClient {
  const made = new WeChatClient({
    apps: [
      { appid: DEV_APPID, secret: DEV_SECRET },
      { appid: OTHER_APPID, secret: OTHER_SECRET },
    ],
    baseUrl,
    clock,
    ...options,
  });
  clients.push(made);
  return made;
}

beforeAll(async () => {
  sim = createSimulator({ apps: [{ appid: OTHER_APPID, secret: OTHER_SECRET }], clock, random: () => 0 });
  baseUrl = await sim.listen({ port: 0 });
});
afterEach(async () => {
  sim.clearFaults();
  sim.resetStats();
  await Promise.all(clients.splice(0).map((c) => c.close()));
  // move past the simulator's per-minute quotas and 30 s rules between tests
  now += 3_600_000;
});
afterAll(async () => sim.close());

describe('code2Session against the simulator', () => {
  it('exchanges a wx.login code for openid and the current session_key', async () => {
    const { code, openid } = sim.login({ appid: DEV_APPID, unionid: 'union-1' });
    const session = await client().code2Session(DEV_APPID, code);
    expect(session).toEqual({ openid, sessionKey: sim.getUser(DEV_APPID, openid)?.sessionKey, unionid: 'union-1' });
  });

  it('a used code is code_used, an unknown code invalid_code, a code of another app invalid_code', async () => {
    const wechat = client();
    const { code } = sim.login({ appid: DEV_APPID });
    await wechat.code2Session(DEV_APPID, code);
    expect((await failure(wechat.code2Session(DEV_APPID, code))).kind).toBe('code_used');
    expect((await failure(wechat.code2Session(DEV_APPID, 'no-such-code'))).kind).toBe('invalid_code');
    const other = sim.login({ appid: OTHER_APPID });
    const error = await failure(wechat.code2Session(DEV_APPID, other.code));
    expect([error.kind, error.consumed]).toEqual(['invalid_code', true]);
    expect(error.rid).toMatch(/\S/);
  });

  it('a blocked user is blocked / USER_BLOCKED', async () => {
    const { code, openid } = sim.login({ appid: DEV_APPID });
    sim.blockUser(DEV_APPID, openid);
    const error = await failure(client().code2Session(DEV_APPID, code));
    expect(error.kind).toBe('blocked');
  });

  it('a wrong secret is config (40125) and never shows the secret; an app WeChat does not know is config (40013)', async () => {
    const wrong = client({ apps: [{ appid: DEV_APPID, secret: 'wrong-secret-value-123' }] });
    const error = await failure(wrong.code2Session(DEV_APPID, sim.login({ appid: DEV_APPID }).code));
    expect([error.errcode, error.kind, error.consumed]).toEqual([40125, 'config', false]);
    expect(JSON.stringify(error) + error.message).not.toContain('wrong-secret-value-123');
    const unknownAtWeChat = client({ apps: [{ appid: 'wxffffffffffffffff', secret: 'x-secret' }] });
    expect((await failure(unknownAtWeChat.code2Session('wxffffffffffffffff', 'c'))).errcode).toBe(40013);
  });

  it.each([
    [40164, 'config'],
    [45011, 'rate_limited'],
    [40226, 'blocked'],
    [61024, 'unknown'],
  ] as const)('an injected errcode %i is %s', async (errcode, kind) => {
    sim.setFaults({ errcode, routes: ['/sns/jscode2session'] });
    const error = await failure(client().code2Session(DEV_APPID, sim.login({ appid: DEV_APPID }).code));
    expect([error.errcode, error.kind]).toEqual([errcode, kind]);
  });

  it('-1 at every call: three attempts, then unavailable', async () => {
    sim.setFaults({ errorRate: 1, routes: ['/sns/jscode2session'] });
    const events: WeChatCallEvent[] = [];
    const error = await failure(client({ onCall: (e) => events.push(e) }).code2Session(DEV_APPID, 'c'));
    expect([error.errcode, error.kind, error.retryable]).toEqual([-1, 'unavailable', true]);
    expect(sim.stats()['/sns/jscode2session']).toBe(3);
    expect(events.map((e) => e.errcode)).toEqual([-1, -1, -1]);
  });

  it('a dropped connection is unavailable; a code consumed before the drop then meets code_used', async () => {
    sim.setFaults({ dropRate: 1 });
    expect((await failure(client().code2Session(DEV_APPID, 'c'))).errcode).toBe(SYNTHETIC_ERRCODES.NETWORK);
    sim.setFaults({ dropAfterConsume: true, routes: ['/sns/jscode2session'] });
    const wechat = client();
    const { code } = sim.login({ appid: DEV_APPID });
    expect((await failure(wechat.code2Session(DEV_APPID, code))).kind).toBe('unavailable');
    sim.clearFaults();
    expect((await failure(wechat.code2Session(DEV_APPID, code))).kind).toBe('code_used');
  });

  it('a slow simulator fails as unavailable within the budget + 1 s', async () => {
    sim.setFaults({ latencyMs: 4_000 });
    const started = performance.now();
    const error = await failure(client({ timeoutMs: 700 }).code2Session(DEV_APPID, 'c'));
    expect([error.kind, error.errcode]).toEqual(['unavailable', SYNTHETIC_ERRCODES.TIMEOUT]);
    expect(performance.now() - started).toBeLessThan(700 + 1_000);
  });
});

describe('access token against the simulator', () => {
  it('50 concurrent getAccessToken calls make exactly one stable_token call', async () => {
    sim.setFaults({ latencyMs: 50 });
    const wechat = client();
    const tokens = await Promise.all(Array.from({ length: 50 }, () => wechat.getAccessToken(DEV_APPID)));
    expect(new Set(tokens).size).toBe(1);
    expect(sim.stats()[STABLE]).toBe(1);
  });

  it("a token killed by another instance's forced refresh: one normal refetch, one retry, no forced refresh", async () => {
    const events: WeChatCallEvent[] = [];
    const wechat = client({ onCall: (e) => events.push(e) });
    const { openid } = sim.login({ appid: DEV_APPID });
    const before = await wechat.getAccessToken(DEV_APPID);
    // another instance (or an operator) forces a refresh: our cached token dies at WeChat
    const forced = await fetch(`${baseUrl}${STABLE}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credential',
        appid: DEV_APPID,
        secret: DEV_SECRET,
        force_refresh: true,
      }),
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    expect(forced.access_token).not.toBe(before);
    sim.resetStats();
    const { code } = sim.phoneCode({ appid: DEV_APPID, openid, phoneNumber: '13800138000' });
    const phone = await wechat.getPhoneNumber(DEV_APPID, code, { openid });
    expect(phone).toEqual({ phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' });
    expect(sim.stats()[STABLE]).toBe(1);
    expect(sim.stats()[PHONE]).toBe(2);
    expect(events.filter((e) => e.api === 'stableToken').map((e) => e.forced)).toEqual([false, false]);
    expect(await wechat.getAccessToken(DEV_APPID)).toBe(forced.access_token);
  });

  it('a token rejected while normal mode keeps handing it out: one forced refresh, then the 30 s rule holds', async () => {
    const events: WeChatCallEvent[] = [];
    const wechat = client({ onCall: (e) => events.push(e) });
    const first = await wechat.getAccessToken(DEV_APPID);
    sim.setFaults({ errcode: 40001, routes: [PHONE] });
    const error = await failure(wechat.getPhoneNumber(DEV_APPID, 'pc'));
    expect([error.kind, error.errcode]).toEqual(['token_expired', 40001]);
    const forcedFetches = () => events.filter((e) => e.api === 'stableToken' && e.forced === true).length;
    expect(forcedFetches()).toBe(1);
    expect(sim.stats()[PHONE]).toBe(2);
    const second = await wechat.getAccessToken(DEV_APPID);
    expect(second).not.toBe(first);
    now += 10_000;
    await failure(wechat.getPhoneNumber(DEV_APPID, 'pc'));
    expect(forcedFetches()).toBe(1);
    now += 21_000;
    await failure(wechat.getPhoneNumber(DEV_APPID, 'pc'));
    expect(forcedFetches()).toBe(2);
  });

  it("the forced-refresh budget holds below WeChat's 20 a day", async () => {
    const events: WeChatCallEvent[] = [];
    const wechat = client({ onCall: (e) => events.push(e) });
    sim.setFaults({ errcode: 40001, routes: [PHONE] });
    for (let call = 0; call < 14; call += 1) {
      await failure(wechat.getPhoneNumber(OTHER_APPID, 'pc'));
      now += 31_000;
    }
    const forced = events.filter((e) => e.api === 'stableToken' && e.forced === true);
    expect(forced).toHaveLength(10);
    expect(forced.every((e) => e.errcode === 0)).toBe(true);
  });
});

describe('phone number and session key against the simulator', () => {
  it('getPhoneNumber: a country code given as a number comes back as a string; a code tapped by another user fails', async () => {
    const wechat = client();
    const { openid } = sim.login({ appid: DEV_APPID });
    const { code } = sim.phoneCode({ appid: DEV_APPID, openid, phoneNumber: '61234567', countryCode: 852 });
    const phone = await wechat.getPhoneNumber(DEV_APPID, code, { openid });
    expect([phone.purePhoneNumber, phone.countryCode]).toEqual(['61234567', '852']);
    expect((await failure(wechat.getPhoneNumber(DEV_APPID, code, { openid }))).kind).toBe('invalid_code');
    const other = sim.login({ appid: DEV_APPID });
    const stolen = sim.phoneCode({ appid: DEV_APPID, openid });
    const error = await failure(wechat.getPhoneNumber(DEV_APPID, stolen.code, { openid: other.openid }));
    expect(error.kind).not.toBe('unavailable');
  });

  it('checkSession is true for the current key, false after wx.login rotated it; resetSessionKey returns the new key', async () => {
    const wechat = client();
    const { code, openid } = sim.login({ appid: DEV_APPID });
    const { sessionKey } = await wechat.code2Session(DEV_APPID, code);
    expect(await wechat.checkSession(DEV_APPID, openid, sessionKey)).toBe(true);
    const fresh = await wechat.resetSessionKey(DEV_APPID, openid, sessionKey);
    expect(fresh).toBe(sim.getUser(DEV_APPID, openid)?.sessionKey);
    expect(fresh).not.toBe(sessionKey);
    expect(await wechat.checkSession(DEV_APPID, openid, sessionKey)).toBe(false);
    expect((await failure(wechat.resetSessionKey(DEV_APPID, openid, sessionKey))).kind).toBe('session_invalid');
    sim.login({ appid: DEV_APPID, openid });
    expect(await wechat.checkSession(DEV_APPID, openid, fresh)).toBe(false);
  });

  it('core and simulator sign the same way (their crypto is written separately)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const key = Buffer.from(bytes).toString('base64');
        expect(sessionKeySignature(key)).toBe(signWithSessionKey(key));
      }),
      { numRuns: 100 },
    );
  });
});

describe('encryptedData from the simulator', () => {
  it('encrypt (simulator) then decrypt (core) is the identity', () => {
    const { openid } = sim.login({ appid: DEV_APPID });
    const sessionKey = sim.getUser(DEV_APPID, openid)?.sessionKey ?? '';
    const data = fc.dictionary(
      fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k !== 'watermark' && k !== '__proto__'),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 5 },
    );
    fc.assert(
      fc.property(data, (fields) => {
        const sealed = sim.encrypt({ appid: DEV_APPID, openid, data: fields });
        const opened = decryptData({ appid: DEV_APPID, sessionKey, ...sealed, maxAgeSeconds: 60, now });
        expect(opened).toEqual({
          ...JSON.parse(JSON.stringify(fields)),
          watermark: { appid: DEV_APPID, timestamp: Math.floor(now / 1000) },
        });
      }),
      { numRuns: 100 },
    );
  });

  it('data sealed before wx.login rotated the key is WECHAT_SESSION_STALE with the stored key', () => {
    const { openid } = sim.login({ appid: DEV_APPID });
    const stored = sim.getUser(DEV_APPID, openid)?.sessionKey ?? '';
    sim.login({ appid: DEV_APPID, openid }); // the client called wx.login again: new key at WeChat
    const sealed = sim.encrypt({ appid: DEV_APPID, openid, data: { phoneNumber: '13800138000' } });
    let caught: unknown;
    try {
      decryptData({ appid: DEV_APPID, sessionKey: stored, ...sealed, now });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DecryptError);
    expect((caught as DecryptError).code).toBe('WECHAT_SESSION_STALE');
  });

  it('data sealed for another app is DECRYPT_FAILED / watermark_appid', () => {
    const { openid } = sim.login({ appid: OTHER_APPID });
    const sessionKey = sim.getUser(OTHER_APPID, openid)?.sessionKey ?? '';
    const sealed = sim.encrypt({ appid: OTHER_APPID, openid, data: {} });
    expect(() => decryptData({ appid: DEV_APPID, sessionKey, ...sealed, now })).toThrow(
      expect.objectContaining({ code: 'DECRYPT_FAILED', reason: 'watermark_appid' }),
    );
  });
});
