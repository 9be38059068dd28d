import type { EncryptedPayload } from './crypto/encrypt-data.js';
import type { Faults } from './faults.js';

// The simulator's control methods and the shapes they take and answer, apart from the class: the `/__sim` routes
// call them through this interface, so they need not import the simulator that dispatches to them.

/** A mini program's credentials. */
export interface AppCredentials {
  appid: string;
  secret: string;
}

/** Input of {@link SimulatorControl.login} — what `wx.login()` does on a device. */
export interface LoginInput {
  appid: string;
  /** An existing or new user; absent → a new user with a fresh openid. */
  openid?: string;
  /** Sets the user's unionid; `null` removes it; absent keeps what the user has. */
  unionid?: string | null;
  /** Default true: the user gets a new session_key, like a real `wx.login()` may do. */
  rotateSessionKey?: boolean;
}

/** A minted wx.login code and the user it belongs to. */
export interface LoginResult {
  code: string;
  openid: string;
}

/** Input of {@link SimulatorControl.phoneCode} — a tap on the getPhoneNumber button. */
export interface PhoneCodeInput {
  appid: string;
  openid: string;
  /** Pure number without area code; default a mainland number fixed per user. */
  phoneNumber?: string;
  /** Area code without `+`; default `"86"`. A number is accepted and becomes a string. */
  countryCode?: string | number;
}

/** Input of {@link SimulatorControl.encrypt}. */
export interface EncryptInput {
  appid: string;
  openid: string;
  /** The JSON object to seal; a fresh `watermark: { timestamp, appid }` is added. */
  data: Record<string, unknown>;
}

/** A user as WeChat holds it. `sessionKey` is included: the simulator is WeChat, not wxlogin. */
export interface SimulatedUser {
  appid: string;
  openid: string;
  unionid?: string;
  sessionKey: string;
  blocked: boolean;
}

/** Calls per WeChat route path since start or the last {@link SimulatorControl.resetStats}. */
export type SimulatorStats = Record<string, number>;

/** What the control API (in-process and `/__sim`) can do; the `Simulator` class is the implementation. */
export interface SimulatorControl {
  /** Registers a mini program, or replaces its secret (the old secret then gets 40125). */
  addApp(app: AppCredentials): void;
  /** The registered appids (never their secrets). */
  appids(): string[];
  /** What `wx.login()` does: a new user when `openid` is absent, a new session_key unless `rotateSessionKey: false`. */
  login(input: LoginInput): LoginResult;
  /** A getPhoneNumber button tap: a one-time phone code (5 minutes) for the user. */
  phoneCode(input: PhoneCodeInput): { code: string };
  /** `data` plus a fresh watermark, sealed with the user's current session_key (as WeChat seals encryptedData). */
  encrypt(input: EncryptInput): EncryptedPayload;
  /** Replaces the fault injection (see {@link Faults}); `{}` clears it. */
  setFaults(faults: Faults): void;
  /** The faults in force. */
  readonly faults: Faults;
  /** The user as WeChat holds it, or undefined. */
  getUser(appid: string, openid: string): SimulatedUser | undefined;
  /** Marks the user high-risk (code2Session answers 40226), or lifts it with `blocked: false`. */
  blockUser(appid: string, openid: string, blocked?: boolean): void;
  /** Calls per WeChat route, every route listed (0 when never called). */
  stats(): SimulatorStats;
  /** Sets every route's call count back to 0. */
  resetStats(): void;
}
