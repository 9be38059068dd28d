import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  API_ERRCODE_TABLE,
  ERRCODE_TABLE,
  ERROR_CATALOGUE,
  SYNTHETIC_ERRCODES,
  WeChatError,
  classifyErrcode,
  redactSecrets,
  type WeChatApi,
  type WeChatErrorKind,
} from '@wxlogin/core';
import { extractRid } from '../src/errors/wechat-error.js';

// The Contract's mapping, written out independently of the table so a changed row fails here.
const EXPECTED: [number, WeChatErrorKind, string][] = [
  [-1, 'unavailable', 'WECHAT_UNAVAILABLE'],
  [40029, 'invalid_code', 'INVALID_CODE'],
  [41008, 'invalid_code', 'INVALID_CODE'],
  [40163, 'code_used', 'CODE_ALREADY_USED'],
  [45011, 'rate_limited', 'WECHAT_RATE_LIMITED'],
  [45009, 'rate_limited', 'WECHAT_RATE_LIMITED'],
  [40226, 'blocked', 'USER_BLOCKED'],
  [40013, 'config', 'APP_MISCONFIGURED'],
  [40125, 'config', 'APP_MISCONFIGURED'],
  [40164, 'config', 'APP_MISCONFIGURED'],
  [40243, 'config', 'APP_MISCONFIGURED'],
  [41002, 'config', 'APP_MISCONFIGURED'],
  [41004, 'config', 'APP_MISCONFIGURED'],
  [40002, 'config', 'APP_MISCONFIGURED'],
  [47001, 'config', 'APP_MISCONFIGURED'],
  [87008, 'config', 'APP_MISCONFIGURED'],
  [40001, 'token_expired', 'WECHAT_ERROR'],
  [42001, 'token_expired', 'WECHAT_ERROR'],
  [40014, 'token_expired', 'WECHAT_ERROR'],
  [87009, 'session_invalid', 'WECHAT_SESSION_STALE'],
  [SYNTHETIC_ERRCODES.TIMEOUT, 'unavailable', 'WECHAT_UNAVAILABLE'],
  [SYNTHETIC_ERRCODES.NETWORK, 'unavailable', 'WECHAT_UNAVAILABLE'],
  [SYNTHETIC_ERRCODES.HTTP_STATUS, 'unavailable', 'WECHAT_UNAVAILABLE'],
  [SYNTHETIC_ERRCODES.BAD_BODY, 'unavailable', 'WECHAT_UNAVAILABLE'],
  [SYNTHETIC_ERRCODES.OVERLOADED, 'unavailable', 'WECHAT_UNAVAILABLE'],
  [SYNTHETIC_ERRCODES.FORCE_REFRESH_BUDGET, 'rate_limited', 'WECHAT_RATE_LIMITED'],
  [SYNTHETIC_ERRCODES.UNKNOWN_APP, 'config', 'UNKNOWN_APP'],
  [SYNTHETIC_ERRCODES.CIRCUIT_OPEN, 'unavailable', 'WECHAT_UNAVAILABLE'],
];

// Rows where one API answers differently; docs/errors.md names the API by its WeChat path.
const EXPECTED_PER_API: [WeChatApi, number, WeChatErrorKind, string][] = [
  ['stableToken', 40001, 'config', 'APP_MISCONFIGURED'],
  ['getPhoneNumber', 40029, 'invalid_code', 'INVALID_PHONE_CODE'],
];
const API_PATHS: Partial<Record<WeChatApi, string>> = { stableToken: 'stable_token', getPhoneNumber: 'getuserphonenumber' };

describe('errcode table', () => {
  it.each(EXPECTED)('errcode %i is %s / %s', (errcode, kind, code) => {
    const rule = classifyErrcode(errcode);
    expect([rule.kind, rule.code]).toEqual([kind, code]);
    expect(rule.status).toBe(ERROR_CATALOGUE[rule.code].status);
    const error = new WeChatError({ errcode, errmsg: 'x', api: 'code2Session', appid: 'wxa' });
    expect([error.kind, error.code, error.retryable]).toEqual([kind, code, kind === 'unavailable']);
  });

  it('has exactly the rows the Contract lists', () => {
    expect([...ERRCODE_TABLE.keys()].sort()).toEqual(EXPECTED.map(([errcode]) => errcode).sort());
  });

  it('anything else is unknown / WECHAT_ERROR / 502', () => {
    for (const errcode of [0, 1, 40003, 61024, 1400001, -2]) {
      expect(classifyErrcode(errcode)).toMatchObject({ kind: 'unknown', code: 'WECHAT_ERROR', status: 502 });
    }
  });

  it('40001 at stable_token is a wrong secret (config), elsewhere a rejected token', () => {
    expect(classifyErrcode(40001, 'stableToken').kind).toBe('config');
    expect(classifyErrcode(40001, 'getPhoneNumber').kind).toBe('token_expired');
  });

  it('40029 at getuserphonenumber is INVALID_PHONE_CODE (tap again), not INVALID_CODE ("call wx.login() again")', () => {
    expect(classifyErrcode(40029, 'getPhoneNumber')).toMatchObject({ kind: 'invalid_code', code: 'INVALID_PHONE_CODE', status: 400 });
    const error = new WeChatError({ errcode: 40029, errmsg: 'invalid code, rid: 1-2', api: 'getPhoneNumber', appid: 'wxa' });
    expect([error.kind, error.code, error.status, error.retryable]).toEqual(['invalid_code', 'INVALID_PHONE_CODE', 400, false]);
    expect(ERROR_CATALOGUE[error.code].message).not.toContain('wx.login');
    for (const api of ['code2Session', 'checkSession', 'resetSessionKey', undefined] as const) {
      expect(classifyErrcode(40029, api).code).toBe('INVALID_CODE');
    }
  });

  it('has exactly the per-API rows the Contract lists', () => {
    const rows = [...API_ERRCODE_TABLE].flatMap(([api, table]) => [...table].map(([errcode, rule]) => [api, errcode, rule.kind, rule.code]));
    expect(rows).toEqual(EXPECTED_PER_API);
  });

  it('docs/errors.md documents every row with its kind, code and HTTP status', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    for (const [errcode, kind, code] of EXPECTED) {
      const status = ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status;
      const row = new RegExp(`^\\|\\s*\`?${errcode}\`?\\s*\\|.*\\|\\s*\`${kind}\`\\s*\\|\\s*\`${code}\`\\s*\\|\\s*${status}\\s*\\|`, 'm');
      expect(doc, `row for ${errcode}`).toMatch(row);
    }
    for (const code of Object.keys(ERROR_CATALOGUE)) expect(doc).toContain(`\`${code}\``);
    for (const [api, errcode, kind, code] of EXPECTED_PER_API) {
      const status = ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status;
      const row = new RegExp(
        `^\\|\\s*${errcode} at \`${API_PATHS[api]}\`\\s*\\|.*\\|\\s*\`${kind}\`\\s*\\|\\s*\`${code}\`\\s*\\|\\s*${status}\\s*\\|`,
        'm',
      );
      expect(doc, `row for ${errcode} at ${api}`).toMatch(row);
    }
  });
});

describe('rid', () => {
  it('is everything after "rid: ", dashes included', () => {
    expect(extractRid('invalid code, rid: 6593c4d1-0b1b9c4a-4f0e7d11')).toBe('6593c4d1-0b1b9c4a-4f0e7d11');
    expect(extractRid('system error, hints: [ req_id: abc ] rid: 65a0-1')).toBe('65a0-1');
    expect(extractRid('ok')).toBeNull();
    expect(extractRid('rid: ')).toBeNull();
    const error = new WeChatError({ errcode: 40029, errmsg: 'invalid code, rid: 6593-aa', api: 'code2Session', appid: 'wxa' });
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
    const shown = [error.message, error.stack ?? '', error.errmsg, JSON.stringify(error), inspect(error), String(error)];
    for (const text of shown) {
      for (const secret of [SECRET, TOKEN, SESSION_KEY, JS_CODE, 'zzzz', 'other-token-value', '"abc"']) {
        expect(text).not.toContain(secret);
      }
    }
    expect(error.rid).toBe('1-2-3');
    expect(inspect(error)).toContain('APP_MISCONFIGURED');
  });

  it('redactSecrets leaves ordinary text and short values alone', () => {
    expect(redactSecrets('errcode=40029 invalid code', ['ab'])).toBe('errcode=40029 invalid code');
  });
});
