import { AppLifecycle, BACKGROUND_INTERRUPT_MS } from './background.js';
import { tapAvatarButton, tapPhoneButton, type ButtonContext, type PhoneButtonTap } from './buttons.js';
import { settle, settleByCallbacks, toWxError, WxFailure } from './callbacks.js';
import { FakeRequester } from './fake-request.js';
import { FakeStorage } from './fake-storage.js';
import { FakeUploader } from './fake-upload.js';
import type { NetworkContext } from './network-task.js';
import { PrivacyGate, type PrivacyRecord, type WxPrivacySetting } from './privacy.js';
import { randomValues } from './random-values.js';
import { httpPort, inProcessPort, type SimulatorPort } from './simulator-port.js';
import { TempFiles } from './temp-files.js';
import type {
  FakeWx,
  FakeWxControl,
  FakeWxOptions,
  WxCheckSessionSuccess,
  WxLoginSuccess,
  WxPrivacyOk,
} from './types.js';

/** `wx.login` may be called at most this many times per second per user. */
export const WX_LOGIN_PER_SECOND = 4;

/** What outlives a launch: the device's storage, WeChat's view of the user, and the test's switches. */
interface Device {
  readonly options: FakeWxOptions;
  readonly port: SimulatorPort;
  readonly clock: () => number;
  readonly storage: FakeStorage;
  openid: string | undefined;
  /** The simulator call creating the user, while one runs. */
  creatingUser: Promise<string> | undefined;
  sessionKeyAtLogin: string | undefined;
  /** Per user at WeChat, so a relaunch does not reset it. */
  readonly recentLogins: number[];
  readonly phoneTaps: { quick: number; realtime: number };
  readonly privacy: PrivacyRecord;
  offline: boolean;
  loginFailure: string | undefined;
}

/**
 * A fake `wx` runtime for Node tests of mini program code, backed by a simulator: `wx.login` mints real codes (at most
 * 4 per second), `wx.request` and `wx.uploadFile` do real HTTP with WeChat's semantics, storage is in memory.
 */
export function createFakeWx(options: FakeWxOptions): FakeWx {
  const port: SimulatorPort =
    options.simulator !== undefined
      ? inProcessPort(options.simulator)
      : options.simulatorUrl !== undefined
        ? httpPort(options.simulatorUrl)
        : missingSimulator();
  const interruptMs = options.backgroundInterruptMs ?? BACKGROUND_INTERRUPT_MS;
  if (!Number.isFinite(interruptMs) || interruptMs < 0) {
    throw new TypeError('backgroundInterruptMs must be a finite number >= 0');
  }
  return launch({
    options,
    port,
    clock: options.clock ?? Date.now,
    storage: new FakeStorage(),
    openid: options.openid,
    creatingUser: undefined,
    sessionKeyAtLogin: undefined,
    recentLogins: [],
    phoneTaps: { quick: 0, realtime: 0 },
    privacy: { authorized: options.privacyAuthorized ?? true, refusedAt: undefined },
    offline: false,
    loginFailure: undefined,
  });
}

/** One run of the mini program on `device`, from start to kill. */
function launch(device: Device): FakeWx {
  const { options, port } = device;
  const appid = options.appid;
  const lifecycle = new AppLifecycle(options.backgroundInterruptMs ?? BACKGROUND_INTERRUPT_MS);
  const alive = (): boolean => lifecycle.alive;
  const network: NetworkContext = {
    lifecycle,
    isOffline: () => device.offline,
    // Version 0 is what WeChat puts there for develop, trial and review builds (getAccountInfoSync says develop).
    referer: `https://servicewechat.com/${appid}/0/page-frame.html`,
  };
  const files = new TempFiles();
  const requester = new FakeRequester(network, options.maxConcurrentRequests ?? 10, alive);
  const uploader = new FakeUploader(network, files, options.maxConcurrentUploads ?? 10, alive);
  const privacy = new PrivacyGate(device.privacy, options.privacyPopupChoice ?? 'agree', device.clock);
  let logins = 0;

  // A killed mini program runs no more code: a test still holding its wx is told so at once.
  const live =
    <Args extends unknown[], Result>(call: (...args: Args) => Result) =>
    (...args: Args): Result => {
      if (!lifecycle.alive) throw new Error('this fake wx was ended by control.relaunch(): use the one it returned');
      return call(...args);
    };

  /**
   * A login at the simulator for the device's user. Without an openid yet, the first call creates the user and any
   * call made meanwhile waits for it: two concurrent first logins on one device are one user, not two.
   */
  const mintLogin = async (rotateSessionKey: boolean | undefined): Promise<{ code: string; openid: string }> => {
    if (device.openid === undefined && device.creatingUser !== undefined) {
      await device.creatingUser.catch(() => undefined);
    }
    const openid = device.openid;
    const minting = port.login({
      appid,
      ...(openid === undefined ? {} : { openid }),
      ...(options.unionid === undefined ? {} : { unionid: options.unionid }),
      ...(rotateSessionKey === undefined ? {} : { rotateSessionKey }),
    });
    if (openid === undefined) device.creatingUser = minting.then((minted) => minted.openid);
    const minted = await minting;
    device.openid = minted.openid;
    return minted;
  };

  const login = async (): Promise<WxLoginSuccess> => {
    if (device.loginFailure !== undefined) throw new WxFailure(device.loginFailure);
    const now = device.clock();
    const recent = device.recentLogins;
    while (recent.length > 0 && now - (recent[0] as number) >= 1000) recent.shift();
    if (recent.length >= WX_LOGIN_PER_SECOND) {
      throw new WxFailure('login:fail frequency limit: at most 4 calls per second');
    }
    recent.push(now);
    const minted = await mintLogin(options.rotateSessionKey);
    device.sessionKeyAtLogin = await port.sessionKeyOf(appid, minted.openid);
    logins += 1;
    return { code: minted.code, errMsg: 'login:ok' };
  };

  const checkSession = async (): Promise<WxCheckSessionSuccess> => {
    const current = device.openid === undefined ? undefined : await port.sessionKeyOf(appid, device.openid);
    if (current === undefined || current !== device.sessionKeyAtLogin) {
      throw new WxFailure('checkSession:fail session time out');
    }
    return { errMsg: 'checkSession:ok' };
  };

  const ensureUser = async (): Promise<string> => {
    const known = device.openid;
    if (known !== undefined && (await port.sessionKeyOf(appid, known)) !== undefined) return known;
    // WeChat knows every user before any wx.login; the simulator learns of one through a login that keeps its key.
    return (await mintLogin(false)).openid;
  };

  const buttons: ButtonContext = {
    port,
    appid,
    privacy,
    files,
    ensureUser,
    phoneNumber: options.phoneNumber,
    countryCode: options.countryCode,
    phoneQuota: options.phoneQuota,
    taps: device.phoneTaps,
  };

  const control: FakeWxControl = {
    get openid() {
      return device.openid;
    },
    get requests() {
      return { ...requester.counters };
    },
    get uploads() {
      return { ...uploader.counters };
    },
    get logins() {
      return logins;
    },
    get inBackground() {
      return lifecycle.inBackground;
    },
    get privacyAuthorized() {
      return privacy.authorized;
    },
    setOffline: live((offline: boolean) => {
      device.offline = offline;
    }),
    background: live(() => lifecycle.toBackground()),
    foreground: live(() => lifecycle.toForeground()),
    getPhoneNumber: live((tap: PhoneButtonTap = {}) => tapPhoneButton(buttons, tap)),
    chooseAvatar: live(() => tapAvatarButton(buttons)),
    relaunch: live(() => {
      lifecycle.kill();
      return launch(device);
    }),
    failLogins: live((errMsg?: string) => {
      if (errMsg !== undefined && (typeof errMsg !== 'string' || !errMsg.startsWith('login:fail'))) {
        throw new TypeError('failLogins: errMsg must start with "login:fail"');
      }
      device.loginFailure = errMsg;
    }),
  };

  return {
    login: live((callbacks = {}) => settle(callbacks, login, toWxError('login'), alive)),
    checkSession: live((callbacks = {}) => settle(callbacks, checkSession, toWxError('checkSession'), alive)),
    request: live((requestOptions) => requester.request(requestOptions)),
    uploadFile: live((uploadOptions) => uploader.uploadFile(uploadOptions)),
    getRandomValues: live((randomOptions) =>
      // A JS caller may pass nothing at all: that is WeChat's parameter error, not a TypeError of the fake.
      settle(randomOptions ?? {}, () => randomValues(randomOptions?.length), toWxError('getRandomValues'), alive),
    ),
    getPrivacySetting: live((callbacks = {}) =>
      settleByCallbacks(
        callbacks,
        async (): Promise<WxPrivacySetting> => ({
          needAuthorization: !privacy.authorized,
          privacyContractName: options.privacyContractName ?? '《小程序用户隐私保护指引》',
          errMsg: 'getPrivacySetting:ok',
        }),
        toWxError('getPrivacySetting'),
        alive,
      ),
    ),
    onNeedPrivacyAuthorization: live((listener) => privacy.setListener(listener)),
    requirePrivacyAuthorize: live((callbacks = {}) =>
      settleByCallbacks(
        callbacks,
        async (): Promise<WxPrivacyOk<'requirePrivacyAuthorize'>> => {
          await privacy.require('requirePrivacyAuthorize', 'requirePrivacyAuthorize');
          return { errMsg: 'requirePrivacyAuthorize:ok' };
        },
        toWxError('requirePrivacyAuthorize'),
        alive,
      ),
    ),
    openPrivacyContract: live((callbacks = {}) =>
      settleByCallbacks(
        callbacks,
        async (): Promise<WxPrivacyOk<'openPrivacyContract'>> => ({ errMsg: 'openPrivacyContract:ok' }),
        toWxError('openPrivacyContract'),
        alive,
      ),
    ),
    setStorageSync: live((key, data) => device.storage.setStorageSync(key, data)),
    getStorageSync: live((key) => device.storage.getStorageSync(key)),
    removeStorageSync: live((key) => device.storage.removeStorageSync(key)),
    clearStorageSync: live(() => device.storage.clearStorageSync()),
    getStorageInfoSync: live(() => device.storage.getStorageInfoSync()),
    getAccountInfoSync: live(() => ({ miniProgram: { appId: appid, envVersion: 'develop' as const, version: '' } })),
    control,
  };
}

function missingSimulator(): never {
  throw new TypeError('createFakeWx needs `simulator` or `simulatorUrl`');
}
