import { readFileSync } from 'node:fs';
import { ERRCODE_TABLE, SYNTHETIC_ERRCODES, WeChatError, type WeChatApi, type WeChatErrorKind } from '@wxlogin/core';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, type ErrorCode } from '../src/errors/catalogue.js';
import { toAppError } from '../src/errors/to-app-error.js';
import { API_ERRCODE_ERROR_CODES, errorCodeOfWeChat } from '../src/errors/wechat-error-code.js';

// The Contract's mapping errcode → kind → the service's code, written out independently of both tables (core's
// errcode → kind, the server's kind → code) so a changed row in either fails here.
const EXPECTED: [number, WeChatErrorKind, ErrorCode][] = [
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
const EXPECTED_PER_API: [WeChatApi, number, WeChatErrorKind, ErrorCode][] = [
  ['stableToken', 40001, 'config', 'APP_MISCONFIGURED'],
  ['getPhoneNumber', 40029, 'invalid_code', 'INVALID_PHONE_CODE'],
];
const API_PATHS: Partial<Record<WeChatApi, string>> = {
  stableToken: 'stable_token',
  getPhoneNumber: 'getuserphonenumber',
};

const wechatError = (errcode: number, api: WeChatApi = 'code2Session'): WeChatError =>
  new WeChatError({ errcode, errmsg: 'x, rid: 1-2', api, appid: 'wxa' });

describe('WeChat failure → catalogue code', () => {
  it.each(EXPECTED)('errcode %i (%s) is answered %s with its catalogue status', (errcode, kind, code) => {
    const error = wechatError(errcode);
    expect([error.kind, errorCodeOfWeChat(error)]).toEqual([kind, code]);
    const answer = toAppError(error);
    expect([answer?.code, answer?.status]).toEqual([code, ERROR_CATALOGUE[code].status]);
  });

  it("covers the Contract rows of core's table, and anything else is WECHAT_ERROR / 502", () => {
    expect([...ERRCODE_TABLE.keys()].sort()).toEqual(EXPECTED.map(([errcode]) => errcode).sort());
    for (const errcode of [0, 1, 40003, 61024, 1400001, -2]) {
      expect(toAppError(wechatError(errcode))).toMatchObject({ code: 'WECHAT_ERROR', status: 502 });
    }
  });

  it.each(EXPECTED_PER_API)('at %s, errcode %i (%s) is answered %s', (api, errcode, kind, code) => {
    const error = wechatError(errcode, api);
    expect([error.kind, errorCodeOfWeChat(error)]).toEqual([kind, code]);
  });

  it('40029 at getuserphonenumber is INVALID_PHONE_CODE (tap again), not INVALID_CODE ("call wx.login() again")', () => {
    expect(toAppError(wechatError(40029, 'getPhoneNumber'))).toMatchObject({ code: 'INVALID_PHONE_CODE', status: 400 });
    expect(ERROR_CATALOGUE.INVALID_PHONE_CODE.message).not.toContain('wx.login');
    for (const api of ['code2Session', 'checkSession', 'resetSessionKey'] as const) {
      expect(errorCodeOfWeChat(wechatError(40029, api))).toBe('INVALID_CODE');
    }
    expect(
      [...API_ERRCODE_ERROR_CODES].flatMap(([api, rows]) => [...rows].map(([errcode, code]) => [api, errcode, code])),
    ).toEqual([['getPhoneNumber', 40029, 'INVALID_PHONE_CODE']]);
  });

  it("keeps WeChat's errcode and rid, not core's synthetic ones, and the Retry-After", () => {
    expect(toAppError(wechatError(40029))).toMatchObject({ wechat: { errcode: 40029, rid: '1-2' } });
    const timeout = toAppError(wechatError(SYNTHETIC_ERRCODES.TIMEOUT));
    expect([timeout?.wechat, timeout?.retryAfterSeconds]).toEqual([undefined, 1]);
    expect(toAppError(wechatError(45011))?.retryAfterSeconds).toBe(60);
  });

  it('docs/errors.md documents every row with its kind, code and HTTP status, and every catalogue code', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    for (const [errcode, kind, code] of EXPECTED) {
      const status = ERROR_CATALOGUE[code].status;
      const row = new RegExp(
        `^\\|\\s*\`?${errcode}\`?\\s*\\|.*\\|\\s*\`${kind}\`\\s*\\|\\s*\`${code}\`\\s*\\|\\s*${status}\\s*\\|`,
        'm',
      );
      expect(doc, `row for ${errcode}`).toMatch(row);
    }
    for (const code of Object.keys(ERROR_CATALOGUE)) expect(doc).toContain(`\`${code}\``);
    for (const [api, errcode, kind, code] of EXPECTED_PER_API) {
      const status = ERROR_CATALOGUE[code].status;
      const row = new RegExp(
        `^\\|\\s*${errcode} at \`${API_PATHS[api]}\`\\s*\\|.*\\|\\s*\`${kind}\`\\s*\\|\\s*\`${code}\`\\s*\\|\\s*${status}\\s*\\|`,
        'm',
      );
      expect(doc, `row for ${errcode} at ${api}`).toMatch(row);
    }
  });
});
