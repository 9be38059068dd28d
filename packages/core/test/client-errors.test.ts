import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  ERRCODE_TABLE,
  SYNTHETIC_ERRCODES,
  WeChatClient,
  WeChatError,
  sessionKeySignature,
  type WeChatCallEvent,
} from '@wxlogin/core';
import { answer, startScriptedWeChat, useScriptedWeChat } from './helpers/scripted-wechat.js';
import { failure } from './helpers/wechat-failure.js';

const APPID = 'wxdevapp00000001';
const SECRET = 'scripted-app-secret-0001';
const SESSION_KEY = 'tiihtNczf5v6AKRyjwEUhQ==';
const TOKEN = 'ACCESS-TOKEN-aaaaaaaaaaaaaaaa';

const { upstream, client } = useScriptedWeChat({ appid: APPID, secret: SECRET });

function expectNoSecrets(error: WeChatError, secrets: string[]): void {
  const shown = [error.message, error.stack ?? '', JSON.stringify(error), inspect(error), String(error), error.errmsg];
  for (const text of shown) for (const secret of secrets) expect(text).not.toContain(secret);
}

describe('code2Session against a scripted upstream', () => {
  it('sends appid, secret, js_code, grant_type and maps the answer; success may lack errcode', async () => {
    upstream.script((_req, res) => answer(res, { openid: 'o1', session_key: SESSION_KEY, unionid: 'u1' }));
    const result = await client().code2Session(APPID, 'code-1');
    expect(result).toEqual({ openid: 'o1', sessionKey: SESSION_KEY, unionid: 'u1' });
    const seen = upstream.requests[0];
    expect([seen?.method, seen?.path]).toEqual(['GET', '/sns/jscode2session']);
    expect(Object.fromEntries(seen?.query ?? [])).toEqual({
      appid: APPID,
      secret: SECRET,
      js_code: 'code-1',
      grant_type: 'authorization_code',
    });
    // the session_key is in the result for the server, but not in what a log line would show
    expect(JSON.stringify(result)).not.toContain(SESSION_KEY);
    expect(inspect(result)).not.toContain(SESSION_KEY);
  });

  it('leaves unionid out when WeChat sends none', async () => {
    upstream.script((_req, res) => answer(res, { errcode: 0, errmsg: 'ok', openid: 'o2', session_key: SESSION_KEY }));
    expect(await client().code2Session(APPID, 'c')).toEqual({ openid: 'o2', sessionKey: SESSION_KEY });
  });

  const wechatErrcodes = [...ERRCODE_TABLE.keys()].filter((errcode) => errcode > -1000 && errcode !== -1);
  it.each(wechatErrcodes)('errcode %i becomes its kind, with the rid and not retried', async (errcode) => {
    upstream.script((_req, res) => answer(res, { errcode, errmsg: `something, rid: 6593c4d1-0b1b-${errcode}` }));
    const error = await failure(client().code2Session(APPID, 'code-x'));
    const rule = ERRCODE_TABLE.get(errcode);
    expect([error.errcode, error.kind]).toEqual([errcode, rule?.kind]);
    expect(error.rid).toBe(`6593c4d1-0b1b-${errcode}`);
    expect([error.api, error.appid, error.retryable]).toEqual(['code2Session', APPID, false]);
    expect(upstream.count('/sns/jscode2session')).toBe(1);
  });

  it('an errcode outside the table is unknown, and the code counts as consumed', async () => {
    upstream.script((_req, res) => answer(res, { errcode: 61024, errmsg: 'odd' }));
    const error = await failure(client().code2Session(APPID, 'c'));
    expect([error.kind, error.consumed]).toEqual(['unknown', true]);
  });

  it('an errmsg echoing the request URL leaks neither secret nor code', async () => {
    upstream.script((req, res) =>
      answer(res, { errcode: 40125, errmsg: `invalid appsecret for ${req.url}, rid: 1-2` }),
    );
    const error = await failure(client().code2Session(APPID, 'the-js-code-123'));
    expect(error.kind).toBe('config');
    expectNoSecrets(error, [SECRET, 'the-js-code-123']);
  });

  it('unknown appid is config / -1007 and calls nothing', async () => {
    const error = await failure(client().code2Session('wx0000000000000000', 'c'));
    expect([error.kind, error.errcode, error.consumed]).toEqual(['config', SYNTHETIC_ERRCODES.UNKNOWN_APP, false]);
    const unknownApp = { kind: 'config', errcode: SYNTHETIC_ERRCODES.UNKNOWN_APP };
    await expect(client().getAccessToken('nope')).rejects.toMatchObject({ ...unknownApp, api: 'stableToken' });
    await expect(client().getPhoneNumber('nope', 'c')).rejects.toMatchObject(unknownApp);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('no usable answer is unavailable', () => {
  const cases: [string, (res: import('node:http').ServerResponse) => void, number][] = [
    [
      'an HTML error page',
      (res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html><body>502 Bad Gateway</body></html>');
      },
      SYNTHETIC_ERRCODES.BAD_BODY,
    ],
    ['HTTP 502', (res) => answer(res, { errcode: 0 }, 502), SYNTHETIC_ERRCODES.HTTP_STATUS],
    ['HTTP 404', (res) => answer(res, {}, 404), SYNTHETIC_ERRCODES.HTTP_STATUS],
    ['a JSON array', (res) => answer(res, [1]), SYNTHETIC_ERRCODES.BAD_BODY],
    ['a success without session_key', (res) => answer(res, { openid: 'o' }), SYNTHETIC_ERRCODES.BAD_BODY],
    ['a non-numeric errcode', (res) => answer(res, { errcode: 'x' }), SYNTHETIC_ERRCODES.BAD_BODY],
    [
      'truncated JSON, cleanly ended',
      (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"openid":"o","session_');
      },
      SYNTHETIC_ERRCODES.BAD_BODY,
    ],
    [
      'a body shorter than its content-length',
      (res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
        res.write('{"openid":"o",');
        setTimeout(() => res.destroy(), 20);
      },
      SYNTHETIC_ERRCODES.BAD_BODY,
    ],
    ['a dropped connection', (res) => res.socket?.destroy(), SYNTHETIC_ERRCODES.NETWORK],
  ];
  it.each(cases)('%s', async (_name, write, errcode) => {
    upstream.script((_req, res) => write(res));
    const error = await failure(client().code2Session(APPID, 'c'));
    expect([error.kind, error.retryable, error.consumed, error.errcode]).toEqual(['unavailable', true, false, errcode]);
    expect(error.retryAfterSeconds).toBe(1);
    // timeouts and network failures are not retried (a code may have been consumed)
    expect(upstream.count('/sns/jscode2session')).toBe(1);
  });

  it('a refused connection', async () => {
    const gone = await startScriptedWeChat(() => undefined);
    const url = gone.url;
    await gone.close();
    const error = await failure(client({ baseUrl: url }).code2Session(APPID, 'c'));
    expect([error.kind, error.errcode]).toEqual(['unavailable', SYNTHETIC_ERRCODES.NETWORK]);
  });

  it('a slow upstream fails as unavailable within the budget + 1 s', async () => {
    upstream.script((_req, res) => {
      setTimeout(() => answer(res, { openid: 'o', session_key: SESSION_KEY }), 5_000).unref();
    });
    const started = performance.now();
    const error = await failure(client({ timeoutMs: 600 }).code2Session(APPID, 'c'));
    const elapsed = performance.now() - started;
    expect([error.kind, error.errcode]).toEqual(['unavailable', SYNTHETIC_ERRCODES.TIMEOUT]);
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(600 + 1_000);
  });

  it('the whole-call budget bounds a call even when the socket timeouts are longer, retries included', async () => {
    let calls = 0;
    upstream.script((_req, res) => {
      calls += 1;
      const body = calls === 1 ? { errcode: -1, errmsg: 'system error' } : { openid: 'o', session_key: SESSION_KEY };
      setTimeout(() => answer(res, body), calls === 1 ? 300 : 3_000).unref();
    });
    const slowSockets = { connectMs: 5_000, headersMs: 5_000, bodyMs: 5_000 };
    const started = performance.now();
    const error = await failure(client({ timeoutMs: 700, timeouts: slowSockets }).code2Session(APPID, 'c'));
    expect([error.kind, error.errcode]).toEqual(['unavailable', SYNTHETIC_ERRCODES.TIMEOUT]);
    expect(calls).toBe(2);
    expect(performance.now() - started).toBeLessThan(700 + 1_000);
  });

  it('calls after close() fail as unavailable', async () => {
    upstream.script((_req, res) => answer(res, { openid: 'o', session_key: SESSION_KEY }));
    const closing = client();
    await closing.code2Session(APPID, 'c');
    await closing.close();
    const error = await failure(closing.code2Session(APPID, 'c'));
    expect([error.kind, error.errcode]).toEqual(['unavailable', SYNTHETIC_ERRCODES.NETWORK]);
  });

  it('headers that arrive but a body that stalls also times out within the budget + 1 s', async () => {
    upstream.script((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"openid":');
    });
    const started = performance.now();
    const error = await failure(client({ timeoutMs: 600 }).code2Session(APPID, 'c'));
    expect([error.kind, error.errcode]).toEqual(['unavailable', SYNTHETIC_ERRCODES.TIMEOUT]);
    expect(performance.now() - started).toBeLessThan(1_600);
  });
});

describe('-1 is retried with backoff inside the budget', () => {
  it('-1, -1, then success: the call succeeds after three requests', async () => {
    let calls = 0;
    upstream.script((_req, res) => {
      calls += 1;
      if (calls < 3) answer(res, { errcode: -1, errmsg: 'system error, rid: busy' });
      else answer(res, { openid: 'o', session_key: SESSION_KEY });
    });
    const events: WeChatCallEvent[] = [];
    const result = await client({ onCall: (e) => events.push(e) }).code2Session(APPID, 'c');
    expect(result.openid).toBe('o');
    expect(events.map((e) => e.errcode)).toEqual([-1, -1, 0]);
  });

  it('-1 forever: gives up after three attempts, as unavailable, well inside the budget', async () => {
    upstream.script((_req, res) => answer(res, { errcode: -1, errmsg: 'system error' }));
    const started = performance.now();
    const error = await failure(client().code2Session(APPID, 'c'));
    expect([error.kind, error.errcode]).toEqual(['unavailable', -1]);
    expect(upstream.count('/sns/jscode2session')).toBe(3);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('-1 with too little budget left is not retried past the deadline', async () => {
    upstream.script((_req, res) => {
      setTimeout(() => answer(res, { errcode: -1, errmsg: 'system error' }), 250).unref();
    });
    const started = performance.now();
    const error = await failure(client({ timeoutMs: 400 }).code2Session(APPID, 'c'));
    expect(error.kind).toBe('unavailable');
    expect(performance.now() - started).toBeLessThan(400 + 1_000);
    expect(upstream.count('/sns/jscode2session')).toBeLessThanOrEqual(2);
  });
});

describe('concurrency cap', () => {
  it('beyond maxInFlight + maxQueued a call fails at once as unavailable with retryAfterSeconds', async () => {
    const held: (() => void)[] = [];
    upstream.script((_req, res) => {
      held.push(() => answer(res, { openid: 'o', session_key: SESSION_KEY }));
    });
    const capped = client({ maxInFlight: 2, maxQueued: 1 });
    const admitted = [1, 2, 3].map((n) => capped.code2Session(APPID, `c${n}`));
    await expect.poll(() => held.length, { timeout: 2_000 }).toBe(2);
    const started = performance.now();
    const error = await failure(capped.code2Session(APPID, 'c4'));
    expect(performance.now() - started).toBeLessThan(100);
    expect([error.kind, error.errcode, error.retryAfterSeconds]).toEqual([
      'unavailable',
      SYNTHETIC_ERRCODES.OVERLOADED,
      1,
    ]);
    // the queued one gets its slot once a slot frees up
    for (const release of held.splice(0)) release();
    await expect.poll(() => held.length, { timeout: 2_000 }).toBe(1);
    for (const release of held.splice(0)) release();
    const results = await Promise.all(admitted);
    expect(results.map((r) => r.openid)).toEqual(['o', 'o', 'o']);
  });
});

describe('onCall', () => {
  it('reports api, appid, errcode and duration after every upstream call; a throwing listener is harmless', async () => {
    upstream.script((_req, res) => answer(res, { errcode: 40029, errmsg: 'invalid code' }));
    const events: WeChatCallEvent[] = [];
    const listening = client({
      onCall: (event) => {
        events.push(event);
        throw new Error('listener bug');
      },
    });
    await expect(listening.code2Session(APPID, 'c')).rejects.toMatchObject({ kind: 'invalid_code' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ api: 'code2Session', appid: APPID, errcode: 40029 });
    expect(events[0]?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('reports a synthetic errcode for a failure without an answer', async () => {
    upstream.script((_req, res) => void res.socket?.destroy());
    const events: WeChatCallEvent[] = [];
    await expect(client({ onCall: (e) => events.push(e) }).code2Session(APPID, 'c')).rejects.toThrow(WeChatError);
    expect(events.map((e) => e.errcode)).toEqual([SYNTHETIC_ERRCODES.NETWORK]);
  });
});

describe('token-carrying APIs', () => {
  function scriptWith(
    route: (req: import('./helpers/scripted-wechat.js').SeenRequest, res: import('node:http').ServerResponse) => void,
  ) {
    upstream.script((req, res) => {
      if (req.path === '/cgi-bin/stable_token') answer(res, { access_token: TOKEN, expires_in: 7200 });
      else route(req, res);
    });
  }

  it('stable_token is a JSON POST in normal mode; its 40001 (wrong secret) is config', async () => {
    upstream.script((_req, res) => answer(res, { errcode: 40001, errmsg: 'invalid credential' }));
    const error = await failure(client().getAccessToken(APPID));
    expect([error.kind, error.api]).toEqual(['config', 'stableToken']);
    const seen = upstream.requests[0];
    expect([seen?.method, seen?.path, [...(seen?.query ?? [])].length]).toEqual(['POST', '/cgi-bin/stable_token', 0]);
    expect(seen?.body).toEqual({ grant_type: 'client_credential', appid: APPID, secret: SECRET, force_refresh: false });
    expectNoSecrets(error, [SECRET]);
  });

  it('getPhoneNumber posts { code, openid } with the token and normalises a numeric countryCode', async () => {
    scriptWith((_req, res) =>
      answer(res, {
        errcode: 0,
        errmsg: 'ok',
        phone_info: { phoneNumber: '+85261234567', purePhoneNumber: '61234567', countryCode: 852, watermark: {} },
      }),
    );
    const phone = await client().getPhoneNumber(APPID, 'phone-code', { openid: 'o1' });
    expect(phone).toEqual({ phoneNumber: '+85261234567', purePhoneNumber: '61234567', countryCode: '852' });
    const seen = upstream.requests.find((r) => r.path === '/wxa/business/getuserphonenumber');
    expect(seen?.query.get('access_token')).toBe(TOKEN);
    expect(seen?.body).toEqual({ code: 'phone-code', openid: 'o1' });
  });

  it('getPhoneNumber errors: 40029 invalid_code, 47001 config, missing phone_info unavailable; no token in errors', async () => {
    for (const [body, kind] of [
      [{ errcode: 40029, errmsg: `invalid code, access_token=${TOKEN}` }, 'invalid_code'],
      [{ errcode: 47001, errmsg: 'data format error' }, 'config'],
      [{ errcode: 0, errmsg: 'ok' }, 'unavailable'],
    ] as const) {
      scriptWith((_req, res) => answer(res, body));
      const error = await failure(client().getPhoneNumber(APPID, 'phone-code-secret'));
      expect(error.kind).toBe(kind);
      expectNoSecrets(error, [TOKEN, 'phone-code-secret']);
    }
  });

  it("getPhoneNumber's 40029 is invalid_code at getPhoneNumber with its rid (the server's INVALID_PHONE_CODE), the code consumed", async () => {
    scriptWith((_req, res) => answer(res, { errcode: 40029, errmsg: 'invalid code, rid: 6593c4d1-0b1b-phone' }));
    const phone = await failure(client().getPhoneNumber(APPID, 'used-phone-code', { openid: 'o1' }));
    expect([phone.errcode, phone.kind, phone.consumed, phone.api]).toEqual([
      40029,
      'invalid_code',
      true,
      'getPhoneNumber',
    ]);
    expect(phone.rid).toBe('6593c4d1-0b1b-phone');
    upstream.script((_req, res) => answer(res, { errcode: 40029, errmsg: 'invalid code, rid: 6593c4d1-0b1b-login' }));
    const login = await failure(client().code2Session(APPID, 'used-login-code'));
    expect([login.kind, login.consumed, login.api]).toEqual(['invalid_code', true, 'code2Session']);
  });

  it('checkSession signs with the session_key text: true on 0, false on 87009', async () => {
    scriptWith((req, res) => {
      const valid = req.query.get('signature') === sessionKeySignature(SESSION_KEY);
      answer(res, valid ? { errcode: 0, errmsg: 'ok' } : { errcode: 87009, errmsg: 'invalid signature' });
    });
    const checking = client();
    expect(await checking.checkSession(APPID, 'o1', SESSION_KEY)).toBe(true);
    expect(await checking.checkSession(APPID, 'o1', 'AAAAAAAAAAAAAAAAAAAAAA==')).toBe(false);
    const seen = upstream.requests.find((r) => r.path === '/wxa/checksession');
    expect(Object.fromEntries(seen?.query ?? [])).toEqual({
      access_token: TOKEN,
      openid: 'o1',
      signature: sessionKeySignature(SESSION_KEY),
      sig_method: 'hmac_sha256',
    });
  });

  it('resetSessionKey returns the new key; 87009 is session_invalid, 45011 rate_limited', async () => {
    scriptWith((_req, res) =>
      answer(res, { errcode: 0, errmsg: 'ok', openid: 'o1', session_key: 'bmV3LWtleS0xNmJ5dGVzIQ==' }),
    );
    expect(await client().resetSessionKey(APPID, 'o1', SESSION_KEY)).toBe('bmV3LWtleS0xNmJ5dGVzIQ==');
    for (const [errcode, kind] of [
      [87009, 'session_invalid'],
      [45011, 'rate_limited'],
      [87008, 'config'],
    ] as const) {
      scriptWith((_req, res) => answer(res, { errcode, errmsg: `x session_key=${SESSION_KEY}` }));
      const error = await failure(client().resetSessionKey(APPID, 'o1', SESSION_KEY));
      expect([error.kind, error.api]).toEqual([kind, 'resetSessionKey']);
      expectNoSecrets(error, [SESSION_KEY, TOKEN]);
      if (kind === 'rate_limited') expect(error.retryAfterSeconds).toBe(60);
    }
  });
});

describe('the client itself', () => {
  it('prints and serialises without secrets, and rejects bad options without echoing them', () => {
    const made = client();
    expect(inspect(made)).not.toContain(SECRET);
    expect(JSON.stringify(made)).not.toContain(SECRET);
    expect(() => new WeChatClient({ apps: [] })).toThrow(TypeError);
    expect(() => new WeChatClient({ apps: [{ appid: APPID, secret: '' }] })).toThrow(/secret/);
    expect(
      () =>
        new WeChatClient({
          apps: [
            { appid: APPID, secret: SECRET },
            { appid: APPID, secret: SECRET },
          ],
        }),
    ).toThrow(/twice/);
    try {
      new WeChatClient({ apps: [{ appid: APPID, secret: SECRET }], timeoutMs: -1 });
    } catch (error) {
      expect(String(error)).not.toContain(SECRET);
    }
  });
});
