import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  MemoryTokenCache,
  SYNTHETIC_ERRCODES,
  WeChatError,
  type TokenCache,
  type WeChatCallEvent,
} from '@wxlogin/core';
import { answer, useScriptedWeChat, type SeenRequest } from './helpers/scripted-wechat.js';

const APPID = 'wxdevapp00000001';
const SECRET = 'scripted-app-secret-0002';
const PHONE = '/wxa/business/getuserphonenumber';
const TOKEN_PATH = '/cgi-bin/stable_token';
// 2024-03-01 12:00 Beijing time
const START = Date.UTC(2024, 2, 1, 4, 0, 0);

const { upstream, client } = useScriptedWeChat({ appid: APPID, secret: SECRET });

/** A token endpoint: normal mode hands out `normal()`, forced mode mints the next token. */
interface FakeWeChat {
  normal: string;
  expiresIn: number;
  minted: number;
  /** Tokens the phone API rejects with 40001. */
  rejected: Set<string>;
  forcedCalls: number;
  normalCalls: number;
  onPhone?: (token: string) => Promise<void> | void;
}

function fakeWeChat(initial: Partial<FakeWeChat> = {}): FakeWeChat {
  const state: FakeWeChat = {
    normal: 'T1',
    expiresIn: 7200,
    minted: 1,
    rejected: new Set(),
    forcedCalls: 0,
    normalCalls: 0,
    ...initial,
  };
  upstream.script(async (req: SeenRequest, res: ServerResponse) => {
    if (req.path === TOKEN_PATH) {
      if (req.body?.force_refresh === true) {
        state.forcedCalls += 1;
        state.minted += 1;
        state.normal = `T${state.minted}`;
      } else state.normalCalls += 1;
      answer(res, { access_token: state.normal, expires_in: state.expiresIn });
      return;
    }
    const token = req.query.get('access_token') ?? '';
    await state.onPhone?.(token);
    if (state.rejected.has(token))
      answer(res, { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest, rid: r-1' });
    else
      answer(res, {
        errcode: 0,
        phone_info: { phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' },
      });
  });
  return state;
}

function makeClock(start = START) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms), set: (ms: number) => (now = ms) };
}

describe('caching and single-flight', () => {
  it('50 concurrent getAccessToken calls make exactly one upstream fetch', async () => {
    const wechat = fakeWeChat();
    upstream.script(async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      wechat.normalCalls += 1;
      answer(res, { access_token: 'T1', expires_in: 7200 });
    });
    const tokens = client();
    const all = await Promise.all(Array.from({ length: 50 }, () => tokens.getAccessToken(APPID)));
    expect(new Set(all)).toEqual(new Set(['T1']));
    expect(upstream.count(TOKEN_PATH)).toBe(1);
    await tokens.getAccessToken(APPID);
    expect(upstream.count(TOKEN_PATH)).toBe(1);
  });

  it('two instances sharing one cache fetch once between them (the cache lock)', async () => {
    fakeWeChat();
    upstream.script(async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer(res, { access_token: 'T1', expires_in: 7200 });
    });
    const clock = makeClock();
    const shared = new MemoryTokenCache({ clock: clock.now });
    const a = client({ tokenCache: shared, clock: clock.now });
    const b = client({ tokenCache: shared, clock: clock.now });
    const got = await Promise.all([a.getAccessToken(APPID), b.getAccessToken(APPID), a.getAccessToken(APPID)]);
    expect(got).toEqual(['T1', 'T1', 'T1']);
    expect(upstream.count(TOKEN_PATH)).toBe(1);
  });

  it.each([
    [7200, 6900],
    [300, 150],
    [420, 210],
    [10_000, 9_700], // never clamped to 7200
  ])('expires_in %i s is cached for %i s', async (expiresIn, cachedFor) => {
    const wechat = fakeWeChat({ expiresIn });
    const clock = makeClock();
    const tokens = client({ clock: clock.now });
    await tokens.getAccessToken(APPID);
    clock.advance(cachedFor * 1000 - 1);
    await tokens.getAccessToken(APPID);
    expect(wechat.normalCalls).toBe(1);
    clock.advance(1);
    await tokens.getAccessToken(APPID);
    expect(wechat.normalCalls).toBe(2);
  });

  it('a stable_token answer without expires_in is unavailable, not a token cached forever', async () => {
    upstream.script((_req, res) => answer(res, { access_token: 'T1' }));
    await expect(client().getAccessToken(APPID)).rejects.toMatchObject({
      kind: 'unavailable',
      errcode: SYNTHETIC_ERRCODES.BAD_BODY,
    });
  });
});

describe('a rejected token', () => {
  it('is expired, refetched once in normal mode, and the call retried once', async () => {
    const wechat = fakeWeChat();
    const events: WeChatCallEvent[] = [];
    const tokens = client({ onCall: (e) => events.push(e) });
    expect(await tokens.getAccessToken(APPID)).toBe('T1');
    // another instance forced a refresh: T1 is dead, normal mode now hands out T2
    wechat.rejected.add('T1');
    wechat.normal = 'T2';
    const phone = await tokens.getPhoneNumber(APPID, 'pc');
    expect(phone.purePhoneNumber).toBe('13800138000');
    expect(wechat.normalCalls).toBe(2);
    expect(wechat.forcedCalls).toBe(0);
    expect(upstream.requests.filter((r) => r.path === PHONE).map((r) => r.query.get('access_token'))).toEqual([
      'T1',
      'T2',
    ]);
    expect(events.filter((e) => e.api === 'stableToken').map((e) => e.forced)).toEqual([false, false]);
    expect(await tokens.getAccessToken(APPID)).toBe('T2');
  });

  it('is deleted only if still cached: a token another instance stored meanwhile survives (compare-then-delete)', async () => {
    const wechat = fakeWeChat();
    const clock = makeClock();
    const shared = new MemoryTokenCache({ clock: clock.now });
    const tokens = client({ tokenCache: shared, clock: clock.now });
    await tokens.getAccessToken(APPID);
    wechat.rejected.add('T1');
    wechat.onPhone = async (token) => {
      // while our call is out, another instance stores the new token
      if (token === 'T1') await shared.set(`token:${APPID}`, 'T9', 60_000);
    };
    await tokens.getPhoneNumber(APPID, 'pc');
    expect(wechat.normalCalls).toBe(1);
    expect(upstream.requests.filter((r) => r.path === PHONE).map((r) => r.query.get('access_token'))).toEqual([
      'T1',
      'T9',
    ]);
  });

  it('is force-refreshed only when normal mode hands back the very token that was rejected', async () => {
    const wechat = fakeWeChat();
    const events: WeChatCallEvent[] = [];
    const tokens = client({ onCall: (e) => events.push(e) });
    wechat.rejected.add('T1');
    await tokens.getPhoneNumber(APPID, 'pc');
    expect([wechat.normalCalls, wechat.forcedCalls]).toEqual([2, 1]);
    expect(events.filter((e) => e.api === 'stableToken').map((e) => e.forced)).toEqual([false, false, true]);
    expect(upstream.requests.filter((r) => r.path === PHONE).map((r) => r.query.get('access_token'))).toEqual([
      'T1',
      'T2',
    ]);
  });

  it('a retry rejected again fails as token_expired, with no second retry', async () => {
    const wechat = fakeWeChat();
    wechat.onPhone = (token) => void wechat.rejected.add(token);
    const error = await client()
      .getPhoneNumber(APPID, 'pc')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatError);
    expect(error).toMatchObject({ kind: 'token_expired', errcode: 40001, rid: 'r-1' });
    expect(upstream.count(PHONE)).toBe(2);
  });

  it('is never force-refreshed twice within 30 s, and again after 30 s', async () => {
    const wechat = fakeWeChat();
    wechat.onPhone = (token) => void wechat.rejected.add(token); // every token dies on use
    const clock = makeClock();
    const tokens = client({ clock: clock.now });
    await expect(tokens.getPhoneNumber(APPID, 'pc')).rejects.toMatchObject({ kind: 'token_expired' });
    expect(wechat.forcedCalls).toBe(1);
    clock.advance(29_000);
    const error = (await tokens.getPhoneNumber(APPID, 'pc').catch((e: unknown) => e)) as WeChatError;
    expect(error.kind).toBe('token_expired');
    expect(error.message).toMatch(/less than 30 s/);
    expect(wechat.forcedCalls).toBe(1);
    clock.advance(1_001);
    await expect(tokens.getPhoneNumber(APPID, 'pc')).rejects.toMatchObject({ kind: 'token_expired' });
    expect(wechat.forcedCalls).toBe(2);
  });

  it('forced refreshes stop at the daily budget and start again the next Beijing day', async () => {
    const wechat = fakeWeChat();
    wechat.onPhone = (token) => void wechat.rejected.add(token);
    const clock = makeClock();
    const tokens = client({ clock: clock.now, forceRefreshDailyBudget: 3 });
    const messages: string[] = [];
    for (let call = 0; call < 5; call += 1) {
      const error = (await tokens.getPhoneNumber(APPID, 'pc').catch((e: unknown) => e)) as WeChatError;
      messages.push(error.message);
      clock.advance(31_000);
    }
    expect(wechat.forcedCalls).toBe(3);
    expect(messages.slice(3).every((m) => /budget/.test(m))).toBe(true);
    // 2024-03-02 00:00:01 Beijing = 2024-03-01 16:00:01 UTC
    clock.set(Date.UTC(2024, 2, 1, 16, 0, 1));
    await tokens.getPhoneNumber(APPID, 'pc').catch(() => undefined);
    expect(wechat.forcedCalls).toBe(4);
  });

  it('the default budget is 10 a day', async () => {
    const wechat = fakeWeChat();
    wechat.onPhone = (token) => void wechat.rejected.add(token);
    const clock = makeClock();
    const tokens = client({ clock: clock.now });
    for (let call = 0; call < 12; call += 1) {
      await tokens.getPhoneNumber(APPID, 'pc').catch(() => undefined);
      clock.advance(31_000);
    }
    expect(wechat.forcedCalls).toBe(10);
  });
});

describe('getAccessToken({ forceRefresh: true })', () => {
  it('forces, returns the current token within 30 s, and throws rate_limited past the budget', async () => {
    const wechat = fakeWeChat();
    const clock = makeClock();
    const tokens = client({ clock: clock.now, forceRefreshDailyBudget: 2 });
    expect(await tokens.getAccessToken(APPID)).toBe('T1');
    expect(await tokens.getAccessToken(APPID, { forceRefresh: true })).toBe('T2');
    expect(await tokens.getAccessToken(APPID, { forceRefresh: true })).toBe('T2');
    expect(wechat.forcedCalls).toBe(1);
    clock.advance(30_000);
    expect(await tokens.getAccessToken(APPID, { forceRefresh: true })).toBe('T3');
    clock.advance(30_000);
    const error = (await tokens.getAccessToken(APPID, { forceRefresh: true }).catch((e: unknown) => e)) as WeChatError;
    expect([error.kind, error.errcode]).toEqual(['rate_limited', SYNTHETIC_ERRCODES.FORCE_REFRESH_BUDGET]);
    // 12:01 Beijing → midnight is just under 12 h away
    expect(error.retryAfterSeconds).toBeGreaterThan(11 * 3600);
    expect(error.retryAfterSeconds).toBeLessThanOrEqual(12 * 3600);
    expect(wechat.forcedCalls).toBe(2);
  });
});

describe('accessTokenState', () => {
  it('shows presence, fetch time, WeChat expiry and forced refreshes spent today, never the token', async () => {
    const wechat = fakeWeChat({ expiresIn: 7200 });
    const clock = makeClock();
    const tokens = client({ clock: clock.now, forceRefreshDailyBudget: 5 });
    expect(await tokens.accessTokenState(APPID)).toEqual({
      cached: false,
      fetchedAt: null,
      expiresAt: null,
      forcedToday: 0,
      forcedBudget: 5,
    });
    await tokens.getAccessToken(APPID);
    clock.advance(60_000);
    await tokens.getAccessToken(APPID, { forceRefresh: true });
    const state = await tokens.accessTokenState(APPID);
    expect(state).toEqual({
      cached: true,
      fetchedAt: START + 60_000,
      expiresAt: START + 60_000 + 7_200_000,
      forcedToday: 1,
      forcedBudget: 5,
    });
    expect(JSON.stringify(state)).not.toContain(wechat.normal);
    // 2024-03-02 00:00:01 Beijing: a new day's budget
    clock.set(Date.UTC(2024, 2, 1, 16, 0, 1));
    expect((await tokens.accessTokenState(APPID)).forcedToday).toBe(0);
  });
});

describe('a failing token cache (Redis down)', () => {
  const broken: TokenCache = {
    get: () => Promise.reject(new Error('down')),
    set: () => Promise.reject(new Error('down')),
    setIfAbsent: () => Promise.reject(new Error('down')),
    deleteIfEquals: () => Promise.reject(new Error('down')),
    increment: () => Promise.reject(new Error('down')),
  };

  it('50 concurrent calls still make one fetch per process (single-flight without the cache lock)', async () => {
    upstream.script(async (_req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer(res, { access_token: 'T1', expires_in: 7200 });
    });
    const tokens = client({ tokenCache: broken });
    const all = await Promise.all(Array.from({ length: 50 }, () => tokens.getAccessToken(APPID)));
    expect(new Set(all)).toEqual(new Set(['T1']));
    expect(upstream.count(TOKEN_PATH)).toBe(1);
  });

  it('falls back to a per-process cache in normal mode and suspends forced refreshes', async () => {
    const wechat = fakeWeChat();
    const tokens = client({ tokenCache: broken });
    expect(await tokens.getAccessToken(APPID)).toBe('T1');
    expect(await tokens.getAccessToken(APPID)).toBe('T1');
    expect(wechat.normalCalls).toBe(1);
    wechat.rejected.add('T1');
    const error = (await tokens.getPhoneNumber(APPID, 'pc').catch((e: unknown) => e)) as WeChatError;
    expect(error.kind).toBe('token_expired');
    expect(error.message).toMatch(/suspended/);
    expect(wechat.forcedCalls).toBe(0);
    // a refetch that does find a new token still works
    wechat.normal = 'T5';
    expect((await tokens.getPhoneNumber(APPID, 'pc')).countryCode).toBe('86');
  });

  it('accessTokenState shows the fallback token, and forcedToday as unknown', async () => {
    fakeWeChat();
    const tokens = client({ tokenCache: broken });
    await tokens.getAccessToken(APPID);
    expect(await tokens.accessTokenState(APPID)).toMatchObject({ cached: true, forcedToday: null });
    expect((await tokens.accessTokenState(APPID)).expiresAt).toBeGreaterThan(Date.now());
  });
});

describe('MemoryTokenCache', () => {
  it('expires by the injected clock; setIfAbsent, deleteIfEquals and increment behave like their Redis commands', async () => {
    const clock = makeClock(0);
    const cache = new MemoryTokenCache({ clock: clock.now });
    await cache.set('k', 'v', 1000);
    expect(await cache.get('k')).toBe('v');
    expect(await cache.setIfAbsent('k', 'w', 1000)).toBe(false);
    expect(await cache.deleteIfEquals('k', 'other')).toBe(false);
    expect(await cache.get('k')).toBe('v');
    clock.advance(1000);
    expect(await cache.get('k')).toBeNull();
    expect(await cache.setIfAbsent('k', 'w', 1000)).toBe(true);
    expect(await cache.deleteIfEquals('k', 'w')).toBe(true);
    expect(await cache.get('k')).toBeNull();
    expect(await cache.increment('n', 500)).toBe(1);
    clock.advance(400);
    expect(await cache.increment('n', 500)).toBe(2); // the lifetime is set once, at creation
    clock.advance(100);
    expect(await cache.increment('n', 500)).toBe(1);
    await cache.set('secret-key', 'ACCESS-TOKEN-VALUE', 1000);
    const { inspect } = await import('node:util');
    expect(inspect(cache)).not.toContain('ACCESS-TOKEN-VALUE');
  });
});
