import { DEV_APPID } from '../../src/auth/dev-app.js';

/** A device's user agent: WeChat on an iPhone. */
export const IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) MicroMessenger/8.0.50 MiniProgramEnv/iOS';
/** A device's user agent: WeChat on an iPad. */
export const IPAD_UA = 'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) MicroMessenger/8.0.50 MiniProgramEnv/iOS';
/** A device's user agent: WeChat on an Android phone. */
export const ANDROID_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) MicroMessenger/8.0.49 MiniProgramEnv/android';

/** An HTTP answer: its status and parsed JSON body (undefined when there is none). */
export interface Answer<T = unknown> {
  status: number;
  body: T;
}

/** A successful login's answer. */
export interface LoginBody {
  accessToken: string;
  refreshToken: string;
  user: { id: string; openid: string; appid: string };
}

/** An error envelope. */
export interface ErrorBody {
  error: { code: string; message: string };
}

async function call<T>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T } satisfies Answer<T>;
}

/**
 * A mini program talking to a `wxlogin dev` over loopback: `wx.login()` at the simulator, then the service's login,
 * refresh and phone routes, as the device would call them.
 */
export class DevClient {
  constructor(
    readonly api: string,
    readonly sim: string,
  ) {}

  /** `wx.login()`: a code at the simulator for `openid` (a new user when absent). */
  async mintCode(openid?: string): Promise<{ code: string; openid: string }> {
    const res = await call<{ code: string; openid: string }>('POST', `${this.sim}/__sim/login`, {
      appid: DEV_APPID,
      ...(openid === undefined ? {} : { openid }),
    });
    if (res.status !== 200) throw new Error(`__sim/login answered ${res.status}`);
    return res.body;
  }

  /** `POST /v1/auth/login` with `code`, from a device with `userAgent`. */
  exchange(code: string, userAgent = IPHONE_UA): Promise<Answer<LoginBody & ErrorBody>> {
    return call('POST', `${this.api}/v1/auth/login`, { code }, { 'user-agent': userAgent });
  }

  /** A whole successful login of `openid` (a new user when absent) from a device with `userAgent`. */
  async login(openid?: string, userAgent = IPHONE_UA): Promise<LoginBody> {
    const { code } = await this.mintCode(openid);
    const res = await this.exchange(code, userAgent);
    if (res.status !== 200) throw new Error(`login answered ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /**
   * A login with a code WeChat never minted: INVALID_CODE (errcode 40029). The service remembers a refused code, so
   * only a `code` it has not seen yet reaches WeChat (and counts in the errcode chart).
   */
  async badLogin(code = 'never-minted'): Promise<void> {
    const res = await this.exchange(code);
    if (res.status < 400) throw new Error(`a bad code answered ${res.status}`);
  }

  /** `POST /v1/auth/refresh`. */
  refresh(refreshToken: string): Promise<Answer<LoginBody & ErrorBody>> {
    return call('POST', `${this.api}/v1/auth/refresh`, { refreshToken }, { 'user-agent': IPHONE_UA });
  }

  /** A getPhoneNumber tap at the simulator, then `POST /v1/me/phone` with its code. */
  async bindPhone(login: LoginBody, phoneNumber?: string): Promise<Answer<{ phone: string } & ErrorBody>> {
    const minted = await call<{ code: string }>('POST', `${this.sim}/__sim/phone-code`, {
      appid: DEV_APPID,
      openid: login.user.openid,
      ...(phoneNumber === undefined ? {} : { phoneNumber }),
    });
    if (minted.status !== 200) throw new Error(`__sim/phone-code answered ${minted.status}`);
    return call(
      'POST',
      `${this.api}/v1/me/phone`,
      { code: minted.body.code },
      { authorization: `Bearer ${login.accessToken}`, 'user-agent': IPHONE_UA },
    );
  }
}

/** One call of the admin API with `token` (the console's own view, to compare with what the page shows). */
export function adminCall<T = unknown>(
  api: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer<T>> {
  return call(method, `${api}${path}`, body, { authorization: `Bearer ${token}` });
}
