import { newOpenid, newSessionKey } from '../ids.js';

/** One user of one mini program, as WeChat holds it. */
export interface UserRecord {
  readonly appid: string;
  readonly openid: string;
  unionid: string | undefined;
  /** The one valid session_key of this user (base64). */
  sessionKey: string;
  blocked: boolean;
}

/** Users per (appid, openid). */
export class UserRegistry {
  readonly #users = new Map<string, UserRecord>();

  /** The user, or undefined. */
  get(appid: string, openid: string): UserRecord | undefined {
    return this.#users.get(key(appid, openid));
  }

  /** The user, created with a fresh session_key when absent (a new openid when none is given). */
  getOrCreate(appid: string, openid: string | undefined): { user: UserRecord; created: boolean } {
    const id = openid ?? newOpenid();
    const existing = this.#users.get(key(appid, id));
    if (existing !== undefined) return { user: existing, created: false };
    const user: UserRecord = { appid, openid: id, unionid: undefined, sessionKey: newSessionKey(), blocked: false };
    this.#users.set(key(appid, id), user);
    return { user, created: true };
  }

  /** Gives the user a new session_key; the previous one stops working at once. */
  rotateSessionKey(user: UserRecord): string {
    user.sessionKey = newSessionKey();
    return user.sessionKey;
  }
}

function key(appid: string, openid: string): string {
  return `${appid}\u0000${openid}`;
}
