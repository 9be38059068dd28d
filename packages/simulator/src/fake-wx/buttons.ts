import { defaultPhoneNumber } from '../ids.js';
import { WxFailure, type WxError } from './callbacks.js';
import type { PrivacyGate } from './privacy.js';
import type { SimulatorPort } from './simulator-port.js';
import { AVATAR_JPEG, type TempFiles } from './temp-files.js';

/** The getPhoneNumber quota error (reaches the client as `e.detail.errno`, never the server). */
export const PHONE_QUOTA_ERRNO = 1400001;

/** How the user answers a phone-number button, and which button it is. */
export interface PhoneButtonTap {
  /** The user refuses in WeChat's phone popup: `<api>:fail user deny`. */
  deny?: boolean;
  /** An old base library (< 2.21.2): `encryptedData` + `iv` sealed with the current session_key instead of a code. */
  legacy?: boolean;
  /** `<button open-type="getRealtimePhoneNumber">` (real-time verification) instead of `getPhoneNumber`. */
  realtime?: boolean;
}

/** What the phone-number button's event carries in `detail`. */
export interface PhoneNumberDetail {
  /** `getPhoneNumber:ok` / `getRealtimePhoneNumber:ok`, or `<api>:fail <reason>`. */
  errMsg: string;
  /** The one-time code for `getuserphonenumber` (current way). */
  code?: string;
  /** The legacy way: `{ phoneNumber, purePhoneNumber, countryCode, watermark }`, AES-128-CBC, base64. */
  encryptedData?: string;
  /** The legacy way: its initialisation vector, base64. */
  iv?: string;
  /** 1400001 when the quota is used up, 104 when the user refused the privacy contract. */
  errno?: number;
}

/** What the avatar picker's `bindchooseavatar` event carries in `detail`. */
export interface ChooseAvatarDetail {
  /** A temporary path of this launch (`http://tmp/<random>.jpeg`), ready for `wx.uploadFile`. */
  avatarUrl?: string;
  /** Set only on a failure: the user refused the privacy contract. */
  errMsg?: string;
  errno?: number;
}

/** What the buttons need of the fake. */
export interface ButtonContext {
  readonly port: SimulatorPort;
  readonly appid: string;
  readonly privacy: PrivacyGate;
  readonly files: TempFiles;
  /** The device's user, registered with the simulator if it was not yet (WeChat knows every user). */
  ensureUser(): Promise<string>;
  readonly phoneNumber: string | undefined;
  readonly countryCode: string | undefined;
  readonly phoneQuota: number | undefined;
  /** Successful taps so far, per product (quick and real-time verification have separate quotas). */
  readonly taps: { quick: number; realtime: number };
}

/**
 * A tap on the phone-number button: the privacy gate first, then the user's answer, then the quota, then the code
 * (or, legacy, the sealed number). The current way needs no `wx.login` first, as WeChat's docs say.
 */
export async function tapPhoneButton(context: ButtonContext, tap: PhoneButtonTap): Promise<PhoneNumberDetail> {
  if (tap.legacy === true && tap.realtime === true) {
    throw new TypeError('getPhoneNumber: real-time verification has no legacy (encryptedData) way');
  }
  const api = tap.realtime === true ? 'getRealtimePhoneNumber' : 'getPhoneNumber';
  const refused = await privacyRefusal(context.privacy, api, `button.${api}`);
  if (refused !== undefined) return refused;
  if (tap.deny === true) return { errMsg: `${api}:fail user deny` };
  const openid = await context.ensureUser();
  const product = tap.realtime === true ? 'realtime' : 'quick';
  if (context.phoneQuota !== undefined && context.taps[product] >= context.phoneQuota) {
    return { errMsg: `${api}:fail quota reached`, errno: PHONE_QUOTA_ERRNO };
  }
  const base = { appid: context.appid, openid };
  if (tap.legacy === true) {
    const purePhoneNumber = context.phoneNumber ?? defaultPhoneNumber(context.appid, openid);
    const countryCode = context.countryCode ?? '86';
    checkNumber(purePhoneNumber, countryCode);
    // The same number and format as getuserphonenumber's phone_info: the area code only outside the mainland.
    const phoneNumber = countryCode === '86' ? purePhoneNumber : `+${countryCode}${purePhoneNumber}`;
    const sealed = await context.port.encrypt({ ...base, data: { phoneNumber, purePhoneNumber, countryCode } });
    context.taps[product] += 1;
    return { errMsg: `${api}:ok`, encryptedData: sealed.encryptedData, iv: sealed.iv };
  }
  const { code } = await context.port.phoneCode({
    ...base,
    ...(context.phoneNumber === undefined ? {} : { phoneNumber: context.phoneNumber }),
    ...(context.countryCode === undefined ? {} : { countryCode: context.countryCode }),
  });
  context.taps[product] += 1;
  return { code, errMsg: `${api}:ok` };
}

/** A pick in the avatar picker (a privacy component too): a small JPEG under a new temporary path. */
export async function tapAvatarButton(context: ButtonContext): Promise<ChooseAvatarDetail> {
  const refused = await privacyRefusal(context.privacy, 'chooseAvatar', 'button.chooseAvatar');
  if (refused !== undefined) return refused;
  return { avatarUrl: context.files.add(AVATAR_JPEG, 'jpeg') };
}

async function privacyRefusal(privacy: PrivacyGate, api: string, referrer: string): Promise<WxError | undefined> {
  try {
    await privacy.require(api, referrer);
    return undefined;
  } catch (error) {
    if (!(error instanceof WxFailure)) throw error;
    return error.errno === undefined ? { errMsg: error.errMsg } : { errMsg: error.errMsg, errno: error.errno };
  }
}

function checkNumber(purePhoneNumber: string, countryCode: string): void {
  // The simulator's own checks of phoneCode, so the legacy way refuses what the current way refuses.
  if (!/^\d{4,20}$/.test(purePhoneNumber)) throw new Error('phoneNumber must be 4 to 20 digits, without area code');
  if (!/^\d{1,4}$/.test(countryCode)) throw new Error('countryCode must be 1 to 4 digits, without +');
}
