import type { Simulator } from '../simulator.js';
import { settle, toWxError, WxFailure, type WxCallbacks } from './callbacks.js';
import { FakeRequester, type RequestCounters, type WxRequestOptions, type WxRequestTask } from './fake-request.js';
import { FakeStorage, type StorageInfo } from './fake-storage.js';
import { httpPort, inProcessPort, type SimulatorPort } from './simulator-port.js';

/** Options of {@link createFakeWx}: one device, one user of one mini program. */
export interface FakeWxOptions {
  /** An in-process simulator (or give `simulatorUrl`). */
  simulator?: Simulator;
  /** A running simulator's base URL; its `/__sim` control API is used. */
  simulatorUrl?: string;
  /** The mini program this device runs. */
  appid: string;
  /** The device's user; absent → the first `wx.login()` creates a new user and the fake keeps its openid. */
  openid?: string;
  /** Given to the simulator at every login (the user's unionid). */
  unionid?: string;
  /** Whether each `wx.login()` rotates the session_key (default true, as WeChat may). */
  rotateSessionKey?: boolean;
  /** Epoch ms, for the `wx.login` rate limit. Default `Date.now`. */
  clock?: () => number;
  /** The number the phone button hands out (default: the simulator's per-user default). */
  phoneNumber?: string;
  /** Its area code (default "86"). */
  countryCode?: string;
  /** Phone-button taps that succeed before the quota error 1400001; default unlimited. */
  phoneQuota?: number;
  /** `wx.request` calls in flight at once; default 10, as WeChat. */
  maxConcurrentRequests?: number;
}

/** What `wx.login` succeeds with. */
export interface WxLoginSuccess {
  code: string;
  errMsg: 'login:ok';
}

/** What `wx.checkSession` succeeds with. */
export interface WxCheckSessionSuccess {
  errMsg: 'checkSession:ok';
}

/** What the getPhoneNumber button's event carries in `detail`. */
export interface PhoneNumberDetail {
  errMsg: string;
  code?: string;
  errno?: number;
}

/** Test-side handles of a fake `wx` (not part of the real `wx`). */
export interface FakeWxControl {
  /** The user's openid once known (given, or after the first login). */
  readonly openid: string | undefined;
  /** Counters of `wx.request`: in flight, most at once, total. */
  readonly requests: Readonly<RequestCounters>;
  /** Successful `wx.login` calls so far. */
  readonly logins: number;
  /** Makes every `wx.request` fail as if offline (true) or restores the network (false). */
  setOffline(offline: boolean): void;
  /**
   * A tap on `<button open-type="getPhoneNumber">`: resolves with the event's `detail` — `{ code, errMsg }`, or
   * `errno: 1400001` once the quota is used up, or a user deny.
   */
  getPhoneNumber(options?: { deny?: boolean }): Promise<PhoneNumberDetail>;
}

/** The subset of `wx` the SDK uses, with real semantics, plus {@link FakeWxControl} under `control`. */
export interface FakeWx {
  login(options?: { timeout?: number } & WxCallbacks<WxLoginSuccess>): Promise<WxLoginSuccess> | undefined;
  checkSession(options?: WxCallbacks<WxCheckSessionSuccess>): Promise<WxCheckSessionSuccess> | undefined;
  request(options: WxRequestOptions): WxRequestTask;
  setStorageSync(key: string, data: unknown): void;
  getStorageSync(key: string): unknown;
  removeStorageSync(key: string): void;
  clearStorageSync(): void;
  getStorageInfoSync(): StorageInfo;
  getAccountInfoSync(): { miniProgram: { appId: string; envVersion: 'develop'; version: string } };
  readonly control: FakeWxControl;
}

/** `wx.login` may be called at most this many times per second per user. */
export const WX_LOGIN_PER_SECOND = 4;
/** The getPhoneNumber quota error (reaches the client as `e.detail.errno`, never the server). */
export const PHONE_QUOTA_ERRNO = 1400001;

/**
 * A fake `wx` runtime for Node tests of mini program code, backed by a simulator: `wx.login` mints real codes (at most
 * 4 per second), `wx.request` does real HTTP with WeChat's semantics, storage is in memory.
 */
export function createFakeWx(options: FakeWxOptions): FakeWx {
  const port: SimulatorPort =
    options.simulator !== undefined
      ? inProcessPort(options.simulator)
      : options.simulatorUrl !== undefined
        ? httpPort(options.simulatorUrl)
        : missingSimulator();
  const clock = options.clock ?? Date.now;
  const requester = new FakeRequester(options.maxConcurrentRequests ?? 10);
  const storage = new FakeStorage();
  let openid = options.openid;
  let sessionKeyAtLogin: string | undefined;
  let logins = 0;
  let phoneTaps = 0;
  const recentLogins: number[] = [];

  const login = async (): Promise<WxLoginSuccess> => {
    const now = clock();
    while (recentLogins.length > 0 && now - (recentLogins[0] as number) >= 1000) recentLogins.shift();
    if (recentLogins.length >= WX_LOGIN_PER_SECOND) {
      throw new WxFailure('login:fail frequency limit: at most 4 calls per second');
    }
    recentLogins.push(now);
    const minted = await port.login({
      appid: options.appid,
      ...(openid === undefined ? {} : { openid }),
      ...(options.unionid === undefined ? {} : { unionid: options.unionid }),
      ...(options.rotateSessionKey === undefined ? {} : { rotateSessionKey: options.rotateSessionKey }),
    });
    openid = minted.openid;
    sessionKeyAtLogin = await port.sessionKeyOf(options.appid, minted.openid);
    logins += 1;
    return { code: minted.code, errMsg: 'login:ok' };
  };

  const checkSession = async (): Promise<WxCheckSessionSuccess> => {
    const current = openid === undefined ? undefined : await port.sessionKeyOf(options.appid, openid);
    if (current === undefined || current !== sessionKeyAtLogin) {
      throw new WxFailure('checkSession:fail session time out');
    }
    return { errMsg: 'checkSession:ok' };
  };

  const control: FakeWxControl = {
    get openid() {
      return openid;
    },
    get requests() {
      return { ...requester.counters };
    },
    get logins() {
      return logins;
    },
    setOffline(offline) {
      requester.offline = offline;
    },
    async getPhoneNumber(tap = {}) {
      if (tap.deny === true) return { errMsg: 'getPhoneNumber:fail user deny' };
      if (openid === undefined) return { errMsg: 'getPhoneNumber:fail not logged in: call wx.login first' };
      if (options.phoneQuota !== undefined && phoneTaps >= options.phoneQuota) {
        return { errMsg: 'getPhoneNumber:fail quota reached', errno: PHONE_QUOTA_ERRNO };
      }
      phoneTaps += 1;
      const { code } = await port.phoneCode({
        appid: options.appid,
        openid,
        ...(options.phoneNumber === undefined ? {} : { phoneNumber: options.phoneNumber }),
        ...(options.countryCode === undefined ? {} : { countryCode: options.countryCode }),
      });
      return { code, errMsg: 'getPhoneNumber:ok' };
    },
  };

  return {
    login: (callbacks = {}) => settle(callbacks, login, toWxError('login')),
    checkSession: (callbacks = {}) => settle(callbacks, checkSession, toWxError('checkSession')),
    request: (requestOptions) => requester.request(requestOptions),
    setStorageSync: (key, data) => storage.setStorageSync(key, data),
    getStorageSync: (key) => storage.getStorageSync(key),
    removeStorageSync: (key) => storage.removeStorageSync(key),
    clearStorageSync: () => storage.clearStorageSync(),
    getStorageInfoSync: () => storage.getStorageInfoSync(),
    getAccountInfoSync: () => ({ miniProgram: { appId: options.appid, envVersion: 'develop', version: '' } }),
    control,
  };
}

function missingSimulator(): never {
  throw new TypeError('createFakeWx needs `simulator` or `simulatorUrl`');
}
