// The fake wx's public shape (its options, the `wx` object, the test's handles), apart from the device playing it.
import type { Simulator } from '../simulator.js';
import type { ChooseAvatarDetail, PhoneButtonTap, PhoneNumberDetail } from './buttons.js';
import type { WxCallbacks } from './callbacks.js';
import type { WxRequestOptions, WxRequestTask } from './fake-request.js';
import type { StorageInfo } from './fake-storage.js';
import type { WxUploadFileOptions, WxUploadTask } from './fake-upload.js';
import type { RequestCounters } from './network-task.js';
import type { NeedPrivacyAuthorizationListener, WxPrivacySetting } from './privacy.js';
import type { WxRandomValuesSuccess } from './random-values.js';

/** Options of `createFakeWx`: one device, one user of one mini program. */
export interface FakeWxOptions {
  /** An in-process simulator (or give `simulatorUrl`). */
  simulator?: Simulator;
  /** A running simulator's base URL; its `/__sim` control API is used. */
  simulatorUrl?: string;
  /** The mini program this device runs. */
  appid: string;
  /** The device's user; absent → the first `wx.login()` (or button tap) creates a new user and the fake keeps it. */
  openid?: string;
  /** Given to the simulator at every login (the user's unionid). */
  unionid?: string;
  /** Whether each `wx.login()` rotates the session_key (default true, as WeChat may). */
  rotateSessionKey?: boolean;
  /** Epoch ms, for the `wx.login` rate limit and the 10 s after a privacy refusal. Default `Date.now`. */
  clock?: () => number;
  /** The number the phone button hands out, both ways (default: the simulator's per-user default). */
  phoneNumber?: string;
  /** Its area code (default "86"). */
  countryCode?: string;
  /**
   * Phone-button taps that succeed before the quota error 1400001, counted apart for quick (`getPhoneNumber`) and
   * real-time (`getRealtimePhoneNumber`) verification; default unlimited.
   */
  phoneQuota?: number;
  /** `wx.request` calls in flight at once; default 10, as WeChat. */
  maxConcurrentRequests?: number;
  /** `wx.uploadFile` calls in flight at once; default 10, as WeChat (its own limit, apart from `wx.request`). */
  maxConcurrentUploads?: number;
  /** How long a network call may run in the background before `fail interrupted`; default 5000, as WeChat. */
  backgroundInterruptMs?: number;
  /**
   * Whether the user already agreed to the privacy contract (default true, so tests not about privacy never meet
   * it). False: the first privacy API (phone or avatar button, `wx.requirePrivacyAuthorize`) asks first.
   */
  privacyAuthorized?: boolean;
  /** What the user picks in WeChat's own privacy popup, shown when no `onNeedPrivacyAuthorization` listener is set. */
  privacyPopupChoice?: 'agree' | 'disagree';
  /** What `wx.getPrivacySetting` names the contract; default `《小程序用户隐私保护指引》`. */
  privacyContractName?: string;
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

/** What `wx.requirePrivacyAuthorize` and `wx.openPrivacyContract` succeed with. */
export interface WxPrivacyOk<Api extends 'requirePrivacyAuthorize' | 'openPrivacyContract'> {
  errMsg: `${Api}:ok`;
}

/** Test-side handles of a fake `wx` (not part of the real `wx`). */
export interface FakeWxControl {
  /** The user's openid once known (given, or after the first login or button tap). */
  readonly openid: string | undefined;
  /** Counters of `wx.request` in this launch: in flight, most at once, total. */
  readonly requests: Readonly<RequestCounters>;
  /** Counters of `wx.uploadFile` in this launch. */
  readonly uploads: Readonly<RequestCounters>;
  /** Successful `wx.login` calls in this launch. */
  readonly logins: number;
  /** Whether the app is in the background ({@link FakeWxControl.background}). */
  readonly inBackground: boolean;
  /** Whether the user has agreed to the privacy contract. */
  readonly privacyAuthorized: boolean;
  /** Makes every `wx.request` and `wx.uploadFile` fail as if offline (true) or restores the network (false). */
  setOffline(offline: boolean): void;
  /**
   * The app goes to the background: every network call still unfinished `backgroundInterruptMs` later (or that long
   * after it started, when it starts in the background) fails with `fail interrupted`.
   */
  background(): void;
  /** The app is back in the foreground: running calls are no longer interrupted. */
  foreground(): void;
  /**
   * A tap on `<button open-type="getPhoneNumber">` (or `getRealtimePhoneNumber` with `realtime`): resolves with the
   * event's `detail` — `{ code }`, or `{ encryptedData, iv }` with `legacy`, a user deny, a privacy refusal
   * (errno 104), or errno 1400001 once the quota is used up.
   */
  getPhoneNumber(tap?: PhoneButtonTap): Promise<PhoneNumberDetail>;
  /** A pick in `<button open-type="chooseAvatar">`: resolves with the event's `detail`, `{ avatarUrl }`. */
  chooseAvatar(): Promise<ChooseAvatarDetail>;
  /**
   * Kills this launch and starts the mini program again: a new fake `wx` for the same device and user, with the
   * same storage, in the foreground, with fresh counters. This launch's pending calls never call back; calling
   * its APIs afterwards throws.
   */
  relaunch(): FakeWx;
  /** While set, every `wx.login` fails with this errMsg (it must start with `login:fail`); `undefined` restores. */
  failLogins(errMsg?: string): void;
}

/** The subset of `wx` the SDK uses, with real semantics, plus {@link FakeWxControl} under `control`. */
export interface FakeWx {
  /** `wx.login`: a fresh code from the simulator; at most 4 calls per second per user, else `login:fail`. */
  login(options?: { timeout?: number } & WxCallbacks<WxLoginSuccess>): Promise<WxLoginSuccess> | undefined;
  /** `wx.checkSession`: fails once the user's session_key changed since this device's last login. */
  checkSession(options?: WxCallbacks<WxCheckSessionSuccess>): Promise<WxCheckSessionSuccess> | undefined;
  /** `wx.request`: `success` for any HTTP status, `fail` only without a response. */
  request(options: WxRequestOptions): WxRequestTask;
  /** `wx.uploadFile`: multipart/form-data with a temporary file of this launch. */
  uploadFile(options: WxUploadFileOptions): WxUploadTask;
  /** `wx.getRandomValues` (base library 2.15.0): `length` cryptographically random bytes. */
  getRandomValues(
    options: { length: number } & WxCallbacks<WxRandomValuesSuccess>,
  ): Promise<WxRandomValuesSuccess> | undefined;
  /** `wx.getPrivacySetting`: `needAuthorization` until the user agreed. No promise form, as WeChat's. */
  getPrivacySetting(options?: WxCallbacks<WxPrivacySetting>): void;
  /** `wx.onNeedPrivacyAuthorization`: replaces any listener registered before (WeChat has no `off` for it). */
  onNeedPrivacyAuthorization(listener: NeedPrivacyAuthorizationListener): void;
  /** `wx.requirePrivacyAuthorize`: the privacy flow of a privacy API, without the API. No promise form. */
  requirePrivacyAuthorize(options?: WxCallbacks<WxPrivacyOk<'requirePrivacyAuthorize'>>): void;
  /** `wx.openPrivacyContract`: opens the contract page, i.e. succeeds. No promise form, as WeChat's. */
  openPrivacyContract(options?: WxCallbacks<WxPrivacyOk<'openPrivacyContract'>>): void;
  /** `wx.setStorageSync`: stores a structured clone; throws past 10 MB. */
  setStorageSync(key: string, data: unknown): void;
  /** `wx.getStorageSync`: a copy, or `''` for a missing key. */
  getStorageSync(key: string): unknown;
  /** `wx.removeStorageSync`. */
  removeStorageSync(key: string): void;
  /** `wx.clearStorageSync`. */
  clearStorageSync(): void;
  /** `wx.getStorageInfoSync`. */
  getStorageInfoSync(): StorageInfo;
  /** `wx.getAccountInfoSync`: the appid, as a develop build. */
  getAccountInfoSync(): { miniProgram: { appId: string; envVersion: 'develop'; version: string } };
  /** The test's handles; not part of `wx`. */
  readonly control: FakeWxControl;
}
