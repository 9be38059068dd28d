import type { Simulator } from '../simulator.js';

/** What the fake `wx` needs of a simulator: the control API, in-process or over HTTP. */
export interface SimulatorPort {
  login(input: { appid: string; openid?: string; unionid?: string; rotateSessionKey?: boolean }): Promise<{
    code: string;
    openid: string;
  }>;
  phoneCode(input: {
    appid: string;
    openid: string;
    phoneNumber?: string;
    countryCode?: string;
  }): Promise<{ code: string }>;
  /** The user's current session_key, or undefined for an unknown user. */
  sessionKeyOf(appid: string, openid: string): Promise<string | undefined>;
  /** `data` plus a fresh watermark, sealed with the user's current session_key (as WeChat seals encryptedData). */
  encrypt(input: { appid: string; openid: string; data: Record<string, unknown> }): Promise<{
    encryptedData: string;
    iv: string;
  }>;
}

/** A port over an in-process simulator. */
export function inProcessPort(simulator: Simulator): SimulatorPort {
  return {
    login: async (input) => simulator.login(input),
    phoneCode: async (input) => simulator.phoneCode(input),
    sessionKeyOf: async (appid, openid) => simulator.getUser(appid, openid)?.sessionKey,
    encrypt: async (input) => simulator.encrypt(input),
  };
}

/** A port over a simulator's `/__sim` HTTP control API at `baseUrl`. */
export function httpPort(baseUrl: string): SimulatorPort {
  const base = baseUrl.replace(/\/+$/, '');
  const call = async (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const json = async <T>(res: Response): Promise<T> => {
    const parsed = (await res.json()) as T & { error?: string };
    if (!res.ok) throw new Error(`simulator control API ${res.status}: ${parsed.error ?? 'error'}`);
    return parsed;
  };
  return {
    login: async (input) => json(await call('POST', '/__sim/login', input)),
    phoneCode: async (input) => json(await call('POST', '/__sim/phone-code', input)),
    sessionKeyOf: async (appid, openid) => {
      const res = await call('GET', `/__sim/users/${encodeURIComponent(appid)}/${encodeURIComponent(openid)}`);
      if (res.status === 404) return undefined;
      return (await json<{ sessionKey: string }>(res)).sessionKey;
    },
    encrypt: async (input) => json(await call('POST', '/__sim/encrypt', input)),
  };
}
