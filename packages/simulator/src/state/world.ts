import { newLoginCode, newPhoneCode } from '../ids.js';
import { AccessTokens } from './access-tokens.js';
import { AppRegistry } from './app-registry.js';
import { MinuteQuota } from './minute-quota.js';
import { SingleUseCodes } from './single-use-codes.js';
import { UserRegistry } from './user-registry.js';

/** Login and phone codes live 5 minutes. */
export const CODE_LIFETIME_MS = 300_000;
/** code2Session calls allowed per user per minute (45011 beyond). */
export const LOGIN_QUOTA_PER_MINUTE = 100;

/** What a wx.login code stands for. */
export interface LoginGrant {
  readonly appid: string;
  readonly openid: string;
}

/** What a phone-number button tap stands for. */
export interface PhoneGrant {
  readonly appid: string;
  readonly openid: string;
  readonly purePhoneNumber: string;
  readonly countryCode: string;
  /** Seconds; the watermark of the phone_info is the time of the tap. */
  readonly tappedAt: number;
}

/** Everything WeChat remembers, shared by the HTTP routes and the control API. */
export interface World {
  /** Epoch milliseconds, injectable so tests can move time. */
  readonly now: () => number;
  readonly apps: AppRegistry;
  readonly users: UserRegistry;
  readonly loginCodes: SingleUseCodes<LoginGrant>;
  readonly phoneCodes: SingleUseCodes<PhoneGrant>;
  readonly tokens: AccessTokens;
  readonly loginQuota: MinuteQuota;
}

/** A new, empty world on `clock`. */
export function createWorld(clock: () => number): World {
  return {
    now: clock,
    apps: new AppRegistry(),
    users: new UserRegistry(),
    loginCodes: new SingleUseCodes<LoginGrant>(CODE_LIFETIME_MS, newLoginCode),
    phoneCodes: new SingleUseCodes<PhoneGrant>(CODE_LIFETIME_MS, newPhoneCode),
    tokens: new AccessTokens(),
    loginQuota: new MinuteQuota(LOGIN_QUOTA_PER_MINUTE),
  };
}
