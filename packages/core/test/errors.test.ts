import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  API_ERRCODE_TABLE,
  ERRCODE_TABLE,
  SYNTHETIC_ERRCODES,
  WeChatError,
  classifyErrcode,
  isCodeConsumed,
  redactSecrets,
  type WeChatApi,
  type WeChatErrorKind,
} from '@wxlogin/core';
import { extractRid } from '../src/errors/wechat-error.js';

// The Contract's mapping, written out independently of the table so a changed row fails here. What the service
// answers for each row (code, HTTP status) is the server's, tested with its table in packages/server/test.
const EXPECTED: [number, WeChatErrorKind][] = [
  [-1, 'unavailable'],
  [40029, 'invalid_code'],
  [41008, 'invalid_code'],
  [40163, 'code_used'],
  [45011, 'rate_limited'],
  [45009, 'rate_limited'],
  [40226, 'blocked'],
  [40013, 'config'],
  [40125, 'config'],
  [40164, 'config'],
  [40243, 'config'],
  [41002, 'config'],
  [41004, 'config'],
  [40002, 'config'],
  [47001, 'config'],
  [87008, 'config'],
  [40001, 'token_expired'],
  [42001, 'token_expired'],
  [40014, 'token_expired'],
  [87009, 'session_invalid'],
  [SYNTHETIC_ERRCODES.TIMEOUT, 'unavailable'],
  [SYNTHETIC_ERRCODES.NETWORK, 'unavailable'],
  [SYNTHETIC_ERRCODES.HTTP_STATUS, 'unavailable'],
  [SYNTHETIC_ERRCODES.BAD_BODY, 'unavailable'],
  [SYNTHETIC_ERRCODES.OVERLOADED, 'unavailable'],
  [SYNTHETIC_ERRCODES.FORCE_REFRESH_BUDGET, 'rate_limited'],
  [SYNTHETIC_ERRCODES.UNKNOWN_APP, 'config'],
  [SYNTHETIC_ERRCODES.CIRCUIT_OPEN, 'unavailable'],
];

// Rows where one API answers differently.
const EXPECTED_PER_API: [WeChatApi, number, WeChatErrorKind][] = [
  ['stableToken', 40001, 'config'],
  ['getPhoneNumber', 40029, 'invalid_code'],
];

// The kinds after which WeChat has looked at the code (or it was never valid): sending it again cannot succeed.
const CONSUMING_KINDS: ReadonlySet<WeChatErrorKind> = new Set([
  'invalid_code',
  'code_used',
  'blocked',
  'token_expired',
  'session_invalid',
  'unknown',
]);
const APIS: WeChatApi[] = ['code2Session', 'stableToken', 'getPhoneNumber', 'checkSession', 'resetSessionKey'];

describe('errcode table', () => {
  it.each(EXPECTED)('errcode %i is %s', (errcode, kind) => {
    expect(classifyErrcode(errcode).kind).toBe(kind);
    const error = new WeChatError({ errcode, errmsg: 'x', api: 'code2Session', appid: 'wxa' });
    expect([error.kind, error.retryable, error.consumed]).toEqual([
      kind,
      kind === 'unavailable',
      CONSUMING_KINDS.has(kind),
    ]);
  });

  it('has exactly the rows the Contract lists', () => {
    expect([...ERRCODE_TABLE.keys()].sort()).toEqual(EXPECTED.map(([errcode]) => errcode).sort());
  });

  it('anything else is unknown', () => {
    for (const errcode of [0, 1, 40003, 61024, 1400001, -2]) expect(classifyErrcode(errcode).kind).toBe('unknown');
  });

  it('40001 at stable_token is a wrong secret (config), elsewhere a rejected token', () => {
    expect(classifyErrcode(40001, 'stableToken').kind).toBe('config');
    expect(classifyErrcode(40001, 'getPhoneNumber').kind).toBe('token_expired');
  });

  it('has exactly the per-API rows the Contract lists', () => {
    const rows = [...API_ERRCODE_TABLE].flatMap(([api, table]) =>
      [...table].map(([errcode, rule]) => [api, errcode, rule.kind]),
    );
    expect(rows).toEqual(EXPECTED_PER_API);
  });

  it("carries no HTTP status and no service code: answering is the server's business", () => {
    for (const rule of [
      ...ERRCODE_TABLE.values(),
      ...[...API_ERRCODE_TABLE.values()].flatMap((t) => [...t.values()]),
    ]) {
      expect(Object.keys(rule).sort()).toEqual(['kind', 'meaning']);
    }
    const json = new WeChatError({ errcode: 40029, errmsg: 'x', api: 'code2Session', appid: 'wxa' }).toJSON();
    expect(json).not.toHaveProperty('code');
    expect(json).not.toHaveProperty('status');
  });
});

describe('consumed', () => {
  it('only code-carrying APIs consume a code, and only when WeChat looked at it', () => {
    for (const api of APIS) {
      for (const kind of new Set(EXPECTED.map(([, k]) => k).concat('unknown'))) {
        const carries = api === 'code2Session' || api === 'getPhoneNumber';
        expect(isCodeConsumed(kind, api), `${kind} at ${api}`).toBe(carries && CONSUMING_KINDS.has(kind));
      }
    }
  });

  it('is in toJSON', () => {
    const error = new WeChatError({ errcode: 40163, errmsg: 'code been used', api: 'code2Session', appid: 'wxa' });
    expect(error.toJSON()).toMatchObject({ kind: 'code_used', consumed: true, retryable: false });
  });
});

describe('rid', () => {
  it('is everything after "rid: ", dashes included', () => {
    expect(extractRid('invalid code, rid: 6593c4d1-0b1b9c4a-4f0e7d11')).toBe('6593c4d1-0b1b9c4a-4f0e7d11');
    expect(extractRid('system error, hints: [ req_id: abc ] rid: 65a0-1')).toBe('65a0-1');
    expect(extractRid('ok')).toBeNull();
    expect(extractRid('rid: ')).toBeNull();
    const error = new WeChatError({
      errcode: 40029,
      errmsg: 'invalid code, rid: 6593-aa',
      api: 'code2Session',
      appid: 'wxa',
    });
    expect(error.rid).toBe('6593-aa');
  });
});

describe('no secret in a printed or serialised WeChatError', () => {
  const SECRET = 'appsecret-0123456789abcdef';
  const TOKEN = '83_AbCdEfGhIjKlMnOpQrStUvWxYz';
  const SESSION_KEY = 'tiihtNczf5v6AKRyjwEUhQ==';
  const JS_CODE = '0a3xyzJS-CODE-123';

  it('redacts known values and secret-looking parameters from errmsg, message, toJSON and inspect', () => {
    const errmsg =
      `invalid appsecret ${SECRET}, url /sns/jscode2session?appid=wxa&secret=zzzz&js_code=${JS_CODE}` +
      ` access_token=other-token-value session_key=${SESSION_KEY} {"session_key":"abc"} rid: 1-2-3`;
    const error = new WeChatError({
      errcode: 40125,
      errmsg,
      api: 'code2Session',
      appid: 'wxa',
      secrets: [SECRET, TOKEN, SESSION_KEY, JS_CODE],
    });
    const shown = [
      error.message,
      error.stack ?? '',
      error.errmsg,
      JSON.stringify(error),
      inspect(error),
      String(error),
    ];
    for (const text of shown) {
      for (const secret of [SECRET, TOKEN, SESSION_KEY, JS_CODE, 'zzzz', 'other-token-value', '"abc"']) {
        expect(text).not.toContain(secret);
      }
    }
    expect(error.rid).toBe('1-2-3');
    expect(inspect(error)).toContain("kind: 'config'");
  });

  it('redactSecrets leaves ordinary text and short values alone', () => {
    expect(redactSecrets('errcode=40029 invalid code', ['ab'])).toBe('errcode=40029 invalid code');
  });
});
