import { createHash } from 'node:crypto';
import { DEFAULT_DEV_SECRET } from '@wxlogin/simulator';
import { describe, expect, it } from 'vitest';
import type { LoginResponse } from '../src/schemas/tokens.js';
import { createTestApp, type TestApp } from './helpers/test-app.js';

const CODE2SESSION = '/sns/jscode2session';
const errorCode = (response: { json(): unknown }) => (response.json() as { error: { code: string } }).error.code;
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Leaves the code's memo row as an instance that crashed between claiming it and finishing would: `pending`,
 * claimed `ageMs` ago.
 */
async function leavePendingAsACrashedInstance(
  t: TestApp,
  code: string,
  ageMs: number,
  loginNonce?: string,
): Promise<void> {
  const claimedAt = t.clock() - ageMs;
  const claimed = await t.store.claimLoginCode({
    codeHash: sha256(`${t.appid}|${code}`),
    appid: t.appid,
    nonceHash: loginNonce === undefined ? null : sha256(loginNonce),
    createdAt: claimedAt,
    expiresAt: claimedAt + 5 * 60_000,
  });
  expect(claimed).toBe(true);
}

describe('POST /v1/auth/login [sqlite]', () => {
  it('logs a new user in, then the same openid again as an existing user with the same id', async () => {
    const t = await createTestApp();
    const first = await t.login();
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, isNew: true });
    expect(first.body.user).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      appid: t.appid,
      openid: first.openid,
      unionid: null,
      phone: null,
      nickname: null,
      avatarUrl: null,
      status: 'active',
      createdAt: new Date(t.clock()).toISOString(),
    });
    expect(first.body.refreshToken).toMatch(/^wxr1\.[0-9a-f-]{36}\.0\.[A-Za-z0-9_-]{43}$/);
    expect(first.response.headers['cache-control']).toBe('no-store');

    t.clock.advance(1000);
    const again = await t.login({ openid: first.openid, unionid: 'union-1' });
    expect(again.status).toBe(200);
    expect(again.body.isNew).toBe(false);
    expect(again.body.user.id).toBe(first.body.user.id);
    expect(again.body.user.unionid).toBe('union-1');
    expect(again.body.refreshToken).not.toBe(first.body.refreshToken); // a new session (device)
  });

  it('seals the session_key bound to (appid, openid) and never answers it', async () => {
    const t = await createTestApp();
    const { body, openid, response } = await t.login();
    const sealed = await t.store.getSessionKeySealed(t.appid, openid);
    const sessionKey = t.simulator.getUser(t.appid, openid)!.sessionKey;
    expect(sealed).toMatch(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(sessionKey);
    expect(response.body).not.toContain(sessionKey);
    expect(body).not.toHaveProperty('sessionKey');
  });

  it('resolves the app: appid optional with one app, required with several, unknown refused', async () => {
    const single = await createTestApp();
    expect((await single.login({ sendAppid: false })).status).toBe(200);
    const unknown = await single.post('/v1/auth/login', { code: 'abc', appid: 'wxnotconfigured0001' });
    expect(unknown.statusCode).toBe(400);
    expect(errorCode(unknown)).toBe('UNKNOWN_APP');

    const multi = await createTestApp({ extraApps: [{ appid: 'wx00000000000000aa', secret: 'second-secret' }] });
    const ambiguous = await multi.login({ sendAppid: false });
    expect(ambiguous.status).toBe(400);
    expect(errorCode(ambiguous.response)).toBe('VALIDATION_FAILED');
    const second = await multi.login({ appid: 'wx00000000000000aa' });
    expect(second.status).toBe(200);
    expect(second.body.user.appid).toBe('wx00000000000000aa');
  });

  it('20 concurrent logins with one code make one WeChat call and all get the same user and session', async () => {
    const t = await createTestApp();
    t.simulator.setFaults({ latencyMs: 50 }); // keep the winner at WeChat while the others arrive
    const { code } = t.simulator.login({ appid: t.appid });
    t.simulator.resetStats();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => t.post('/v1/auth/login', { code, appid: t.appid, loginNonce: 'nonce-1' })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
    expect(t.simulator.stats()[CODE2SESSION]).toBe(1);
    const bodies = responses.map((r) => r.json<LoginResponse>());
    expect(new Set(bodies.map((b) => b.user.id)).size).toBe(1);
    expect(new Set(bodies.map((b) => b.refreshToken)).size).toBe(1); // the one session, generation 0
    expect(bodies.filter((b) => b.isNew)).toHaveLength(20);
  });

  it('replays a used code within the window (with and without a nonce), not outside it', async () => {
    const t = await createTestApp();
    // Without a nonce on the first request: a replay without one within the window gets the login.
    const plain = await t.login();
    t.simulator.resetStats();
    t.clock.advance(30_000);
    const replay = await t.post('/v1/auth/login', { code: plain.code, appid: t.appid });
    expect(replay.statusCode).toBe(200);
    const replayed = replay.json<LoginResponse>();
    expect(replayed.user.id).toBe(plain.body.user.id);
    expect(replayed.refreshToken).toBe(plain.body.refreshToken);
    expect(replayed.isNew).toBe(true);
    expect(t.simulator.stats()[CODE2SESSION]).toBe(0);

    // With a nonce: the replay must carry the same one.
    const withNonce = await t.login({ loginNonce: 'n-123' });
    expect(withNonce.status).toBe(200);
    const same = await t.post('/v1/auth/login', { code: withNonce.code, appid: t.appid, loginNonce: 'n-123' });
    expect(same.statusCode).toBe(200);
    const wrong = await t.post('/v1/auth/login', { code: withNonce.code, appid: t.appid, loginNonce: 'n-999' });
    expect(wrong.statusCode).toBe(400);
    expect(errorCode(wrong)).toBe('CODE_ALREADY_USED');
    const missing = await t.post('/v1/auth/login', { code: withNonce.code, appid: t.appid });
    expect(errorCode(missing)).toBe('CODE_ALREADY_USED');

    t.clock.advance(60_001);
    const late = await t.post('/v1/auth/login', { code: withNonce.code, appid: t.appid, loginNonce: 'n-123' });
    expect(late.statusCode).toBe(400);
    expect(errorCode(late)).toBe('CODE_ALREADY_USED');
    expect(t.simulator.stats()[CODE2SESSION]).toBe(1);
  });

  it('a replay must carry what the first request sent: none ↔ none and a nonce ↔ the same nonce; every other pairing is CODE_ALREADY_USED', async () => {
    const t = await createTestApp();
    const cases: [first: string | undefined, replay: string | undefined, replayed: boolean][] = [
      [undefined, undefined, true],
      [undefined, 'x', false], // the hole: a nonce-less login used to be handed to any nonce
      ['n-1', 'n-1', true],
      ['n-1', 'n-2', false],
      ['n-1', undefined, false],
    ];
    for (const [firstNonce, replayNonce, replayed] of cases) {
      const label = `first ${firstNonce ?? '(none)'}, replay ${replayNonce ?? '(none)'}`;
      const first = await t.login(firstNonce === undefined ? {} : { loginNonce: firstNonce });
      expect(first.status, label).toBe(200);
      const replay = await t.post('/v1/auth/login', {
        code: first.code,
        appid: t.appid,
        ...(replayNonce === undefined ? {} : { loginNonce: replayNonce }),
      });
      if (replayed) {
        expect(replay.statusCode, label).toBe(200);
        expect(replay.json<LoginResponse>().refreshToken, label).toBe(first.body.refreshToken);
      } else {
        expect(replay.statusCode, label).toBe(400);
        expect(errorCode(replay), label).toBe('CODE_ALREADY_USED');
        expect(replay.body, label).not.toContain(first.body.refreshToken);
      }
    }
  });

  it('an empty loginNonce is VALIDATION_FAILED (not "no nonce"), over HTTP and through createAuth, and the code stays unspent', async () => {
    const t = await createTestApp();
    const { code } = t.simulator.login({ appid: t.appid });
    t.simulator.resetStats();
    const empty = await t.post('/v1/auth/login', { code, appid: t.appid, loginNonce: '' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toEqual({
      error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('loginNonce') },
    });
    await expect(t.auth.login({ code, loginNonce: '' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      status: 400,
    });
    expect(t.simulator.stats()[CODE2SESSION]).toBe(0);
    const real = await t.post('/v1/auth/login', { code, appid: t.appid, loginNonce: 'n-1' });
    expect(real.statusCode).toBe(200);
  });

  it('a code left pending by a crashed instance is taken over by the retry: 200 at once with one WeChat call, not a wait then CODE_ALREADY_USED', async () => {
    const t = await createTestApp();
    const { code } = t.simulator.login({ appid: t.appid });
    // A minute ago: far past the WeChat budget plus its margin, well within the code's 5-minute life.
    await leavePendingAsACrashedInstance(t, code, 60_000, 'nonce-crash');
    t.simulator.resetStats();
    const started = performance.now();
    const retried = await t.post('/v1/auth/login', { code, appid: t.appid, loginNonce: 'nonce-crash' });
    const elapsedMs = performance.now() - started;
    expect(retried.statusCode, retried.body).toBe(200);
    expect(t.simulator.stats()[CODE2SESSION]).toBe(1);
    // The old answer came after waiting out the whole WeChat budget (2 s here).
    expect(elapsedMs).toBeLessThan(t.config.wechatTimeoutMs);
    // The memo now belongs to the retry: a replay of it answers from the memo, without WeChat.
    const replay = await t.post('/v1/auth/login', { code, appid: t.appid, loginNonce: 'nonce-crash' });
    expect(replay.json<LoginResponse>().refreshToken).toBe(retried.json<LoginResponse>().refreshToken);
    expect(t.simulator.stats()[CODE2SESSION]).toBe(1);
  });

  it('two concurrent retries of a code a crashed instance left pending: one takes it over, one WeChat call, both get the same login', async () => {
    const t = await createTestApp();
    t.simulator.setFaults({ latencyMs: 100, routes: [CODE2SESSION] }); // the taker stays at WeChat while the other looks
    const { code } = t.simulator.login({ appid: t.appid });
    await leavePendingAsACrashedInstance(t, code, 60_000, 'nonce-twice');
    t.simulator.resetStats();
    const responses = await Promise.all(
      [0, 1].map(() => t.post('/v1/auth/login', { code, appid: t.appid, loginNonce: 'nonce-twice' })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200]);
    expect(t.simulator.stats()[CODE2SESSION]).toBe(1);
    const [a, b] = responses.map((r) => r.json<LoginResponse>());
    expect(a!.refreshToken).toBe(b!.refreshToken);
  });

  it('a taken-over code WeChat had already consumed (the crash came after WeChat answered) is CODE_ALREADY_USED (40163), then replayed from the memo', async () => {
    const t = await createTestApp();
    const { code } = t.simulator.login({ appid: t.appid });
    // The dead request's call reached WeChat: the code is spent there.
    const spent = await fetch(
      `${t.config.wechatBaseUrl}/sns/jscode2session?appid=${t.appid}&secret=${DEFAULT_DEV_SECRET}&js_code=${code}&grant_type=authorization_code`,
    );
    expect(((await spent.json()) as { openid?: string }).openid).toBeDefined();
    await leavePendingAsACrashedInstance(t, code, 60_000);
    t.simulator.resetStats();
    const retried = await t.post('/v1/auth/login', { code, appid: t.appid });
    expect(retried.statusCode).toBe(400);
    expect(retried.json()).toMatchObject({ error: { code: 'CODE_ALREADY_USED', wechat: { errcode: 40163 } } });
    const again = await t.post('/v1/auth/login', { code, appid: t.appid });
    expect(errorCode(again)).toBe('CODE_ALREADY_USED');
    expect(t.simulator.stats()[CODE2SESSION]).toBe(1);
  });

  it('a code pending for less than the WeChat budget plus margin is not taken over: its holder may be alive (503, Retry-After until it turns stale, no WeChat call)', async () => {
    const t = await createTestApp({ env: { WXLOGIN_WECHAT_TIMEOUT_MS: '200' } });
    const { code } = t.simulator.login({ appid: t.appid });
    await leavePendingAsACrashedInstance(t, code, 1000);
    t.simulator.resetStats();
    const response = await t.post('/v1/auth/login', { code, appid: t.appid });
    expect(response.statusCode).toBe(503);
    expect(errorCode(response)).toBe('WECHAT_UNAVAILABLE');
    // The claim (1 s old) turns stale at the budget (0.2 s) plus the margin (5 s): Retry-After says when.
    expect(response.headers['retry-after']).toBe('5');
    expect(t.simulator.stats()[CODE2SESSION]).toBe(0);
  });

  it('a replay after the session rotated is CODE_ALREADY_USED (generation 0 is spent)', async () => {
    const t = await createTestApp();
    const first = await t.login();
    expect((await t.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken })).statusCode).toBe(200);
    const replay = await t.post('/v1/auth/login', { code: first.code, appid: t.appid });
    expect(errorCode(replay)).toBe('CODE_ALREADY_USED');
  });

  it('a failed code replays its error without calling WeChat again', async () => {
    const t = await createTestApp();
    const invalid = await t.post('/v1/auth/login', { code: 'never-minted-code', appid: t.appid });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toEqual({
      error: { code: 'INVALID_CODE', message: expect.any(String), wechat: { errcode: 40029, rid: expect.any(String) } },
    });
    t.simulator.resetStats();
    const again = await t.post('/v1/auth/login', { code: 'never-minted-code', appid: t.appid });
    expect(again.json()).toEqual(invalid.json());
    expect(t.simulator.stats()[CODE2SESSION]).toBe(0);
  });

  it('a transient WeChat failure frees the code so the same code can be retried', async () => {
    const t = await createTestApp();
    const { code } = t.simulator.login({ appid: t.appid });
    t.simulator.setFaults({ errcode: -1 });
    const failed = await t.post('/v1/auth/login', { code, appid: t.appid });
    expect(failed.statusCode).toBe(503);
    expect(errorCode(failed)).toBe('WECHAT_UNAVAILABLE');
    expect(failed.headers['retry-after']).toBeDefined();
    t.simulator.clearFaults();
    const retried = await t.post('/v1/auth/login', { code, appid: t.appid });
    expect(retried.statusCode).toBe(200);
  });

  it('a code WeChat consumed before the answer was lost is CODE_ALREADY_USED on retry (40163, no memo)', async () => {
    const t = await createTestApp();
    const { code } = t.simulator.login({ appid: t.appid });
    t.simulator.setFaults({ dropAfterConsume: true });
    t.simulator.resetStats();
    const dropped = await t.post('/v1/auth/login', { code, appid: t.appid });
    expect(errorCode(dropped), `WeChat calls: ${JSON.stringify(t.simulator.stats())}`).toBe('WECHAT_UNAVAILABLE');
    t.simulator.clearFaults();
    const retried = await t.post('/v1/auth/login', { code, appid: t.appid });
    expect(retried.statusCode).toBe(400);
    expect(retried.json()).toMatchObject({ error: { code: 'CODE_ALREADY_USED', wechat: { errcode: 40163 } } });
  });

  it.each([
    [40226, 403, 'USER_BLOCKED'],
    [45011, 429, 'WECHAT_RATE_LIMITED'],
    [40013, 500, 'APP_MISCONFIGURED'],
    [40125, 500, 'APP_MISCONFIGURED'],
    [40164, 500, 'APP_MISCONFIGURED'],
    [41008, 400, 'INVALID_CODE'],
    [99999, 502, 'WECHAT_ERROR'],
  ])('maps WeChat errcode %i to %i %s with wechat.errcode', async (errcode, status, code) => {
    const t = await createTestApp();
    t.simulator.setFaults({ errcode });
    const response = (await t.login()).response;
    expect(response.statusCode).toBe(status);
    expect(response.json()).toMatchObject({ error: { code, wechat: { errcode } } });
    if (status === 429) expect(response.headers['retry-after']).toBeDefined();
  });

  it('a disabled user gets USER_DISABLED at login, and its replay too', async () => {
    const t = await createTestApp();
    const first = await t.login();
    await t.store.setUserStatus(first.body.user.id, 'disabled', 'test', t.clock());
    const denied = await t.login({ openid: first.openid });
    expect(denied.status).toBe(403);
    expect(errorCode(denied.response)).toBe('USER_DISABLED');
    const replay = await t.post('/v1/auth/login', { code: denied.code, appid: t.appid });
    expect(errorCode(replay)).toBe('USER_DISABLED');
  });

  it('validates the body: missing or empty code, wrong types', async () => {
    const t = await createTestApp();
    for (const body of [{}, { code: '' }, { code: 123 }, { code: 'x', loginNonce: 5 }, []]) {
      const response = await t.post('/v1/auth/login', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(errorCode(response)).toBe('VALIDATION_FAILED');
    }
  });

  it('createAuth().login works without HTTP, throwing catalogue errors', async () => {
    const t = await createTestApp();
    const { code } = t.simulator.login({ appid: t.appid });
    const result = await t.auth.login({ code });
    expect(result.isNew).toBe(true);
    await expect(t.auth.login({ code: '' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    await expect(t.auth.login({ code, appid: 'wxother' })).rejects.toMatchObject({ code: 'UNKNOWN_APP' });
  });
});
