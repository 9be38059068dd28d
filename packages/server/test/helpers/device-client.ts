import { randomUUID } from 'node:crypto';
import type { Simulator } from '@wxlogin/simulator';

/** Longest the test waits for one answer: nothing a device sends may hang a suite. */
const REQUEST_TIMEOUT_MS = 10_000;

/** One HTTP answer of the service, body parsed as JSON (undefined when empty). */
export interface Answer {
  status: number;
  body: unknown;
  /** The `Retry-After` header in seconds, when the answer had one. */
  retryAfterSeconds?: number;
}

/** The request got no answer: the connection was refused, reset or cut mid-body (e.g. the process was killed). */
export class NoAnswer extends Error {
  /** @param cause - what fetch or the body stream threw. */
  constructor(cause: unknown) {
    super(`no answer: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'NoAnswer';
  }
}

/** POSTs JSON; answers whatever status came back, throws {@link NoAnswer} when no whole answer arrived. */
export async function postJson(url: string, body: unknown, bearer?: string): Promise<Answer> {
  let status: number;
  let text: string;
  let retryAfter: string | null;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    status = res.status;
    retryAfter = res.headers.get('retry-after');
    text = await res.text();
  } catch (error) {
    throw new NoAnswer(error);
  }
  // Outside the try: a whole answer that is not JSON is a bug to report, not a lost answer.
  const parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
  return retryAfter === null
    ? { status, body: parsed }
    : { status, body: parsed, retryAfterSeconds: Number(retryAfter) };
}

/** The `code` of an error envelope, or undefined when the body is not one. */
export function errorCode(answer: Answer): string | undefined {
  const error = (answer.body as { error?: { code?: unknown } } | undefined)?.error;
  return typeof error?.code === 'string' ? error.code : undefined;
}

/** A request a device sends; a retry sends the same one again (a phone bind with a fresh code). */
export type DeviceRequest =
  | { kind: 'login'; code: string; loginNonce: string }
  | { kind: 'refresh'; sessionId: string; generation: number; refreshToken: string }
  | { kind: 'phone'; phoneNumber: string; code: string; accessToken: string };

/** What the device holds of one session: the last tokens it received. */
export interface DeviceSession {
  sessionId: string;
  generation: number;
  refreshToken: string;
  accessToken: string;
}

interface TokenBody {
  accessToken: string;
  refreshToken: string;
  user?: { id: string; openid: string; phone: string | null };
}

/** `wxr1.<sessionId>.<generation>.<mac>`: the parts a device may read off its own refresh token. */
export function refreshTokenParts(token: string): { sessionId: string; generation: number } | undefined {
  const [prefix, sessionId, generation] = token.split('.');
  if (prefix !== 'wxr1' || sessionId === undefined || generation === undefined || !/^\d+$/.test(generation)) {
    return undefined;
  }
  return { sessionId, generation: Number(generation) };
}

/** Options of {@link DeviceClient}. */
export interface DeviceClientOptions {
  name: string;
  appid: string;
  simulator: Simulator;
  /** The two national numbers (mainland, 11 digits) this device's phone binds alternate between. */
  phoneNumbers: readonly [string, string];
  /** Seeded draws in [0, 1) that pick the next request. */
  draw: () => number;
}

/** Phone binds per device: the service allows 5 an hour per user, and a retried bind may count once more. */
const PHONE_BINDS_MAX = 3;

/**
 * One mini program on one phone, as the SDK drives the service: it logs in (a fresh `wx.login()` code and nonce
 * each time), refreshes its newest session, binds a phone number, and remembers exactly what it was last answered,
 * so the database can be checked against it. It sends one request at a time, like the SDK's single-flight.
 */
export class DeviceClient {
  /** For messages: `device 3`. */
  readonly name: string;
  /** The mini program it runs. */
  readonly appid: string;
  /** Known once the simulator minted the first code (the WeChat user exists from then on). */
  openid: string | undefined;
  /** The service's user id, from the first login answered. */
  userId: string | undefined;
  /** Every session this device was answered, by session id. */
  readonly sessions = new Map<string, DeviceSession>();
  /** The phone number (E.164) the service last answered as bound; undefined once unknown ({@link stopPhoneBinds}). */
  boundPhone: string | null | undefined = null;
  /** The request whose answer was lost, until a retry settles it. */
  cut: DeviceRequest | undefined;

  readonly #simulator: Simulator;
  readonly #phoneNumbers: readonly [string, string];
  readonly #draw: () => number;
  #newest: string | undefined;
  #phoneBinds = 0;
  #phoneBindsStopped = false;

  /** @param options - see {@link DeviceClientOptions}. */
  constructor(options: DeviceClientOptions) {
    this.name = options.name;
    this.appid = options.appid;
    this.#simulator = options.simulator;
    this.#phoneNumbers = options.phoneNumbers;
    this.#draw = options.draw;
  }

  /** The session the device uses for its bearer and its refreshes. */
  get newest(): DeviceSession | undefined {
    return this.#newest === undefined ? undefined : this.sessions.get(this.#newest);
  }

  /** The next request of the load: a login until it has a session, then a seeded mix. */
  nextRequest(): DeviceRequest {
    const session = this.newest;
    if (session === undefined) return this.freshLogin();
    const draw = this.#draw();
    if (draw < 0.25) return this.freshLogin();
    if (draw < 0.45 && this.#phoneBinds < PHONE_BINDS_MAX && !this.#phoneBindsStopped) {
      this.#phoneBinds += 1;
      return this.phoneBind(this.#phoneNumbers[this.#phoneBinds % 2]!);
    }
    return {
      kind: 'refresh',
      sessionId: session.sessionId,
      generation: session.generation,
      refreshToken: session.refreshToken,
    };
  }

  /** What `wx.login()` then the SDK's login do: a new code from WeChat, a new nonce. */
  freshLogin(): DeviceRequest {
    const user = this.openid === undefined ? {} : { openid: this.openid };
    const minted = this.#simulator.login({ appid: this.appid, ...user });
    this.openid = minted.openid;
    return { kind: 'login', code: minted.code, loginNonce: randomUUID() };
  }

  /** A tap on the getPhoneNumber button: a fresh phone code for `phoneNumber`. */
  phoneBind(phoneNumber: string): DeviceRequest {
    const session = this.newest;
    if (session === undefined || this.openid === undefined) throw new Error(`${this.name} has no session to bind with`);
    const { code } = this.#simulator.phoneCode({ appid: this.appid, openid: this.openid, phoneNumber });
    return { kind: 'phone', phoneNumber, code, accessToken: session.accessToken };
  }

  /**
   * After a bind that ended without a usable answer the user gives up binding (the SDK never retries one): the
   * number bound is then unknown to the device, either the old one or the one it asked for.
   */
  stopPhoneBinds(): void {
    this.#phoneBindsStopped = true;
    this.boundPhone = undefined;
  }

  /** Sends `request` to the service at `baseUrl`. Throws {@link NoAnswer} when the answer was lost. */
  send(baseUrl: string, request: DeviceRequest): Promise<Answer> {
    switch (request.kind) {
      case 'login':
        return postJson(`${baseUrl}/v1/auth/login`, { code: request.code, loginNonce: request.loginNonce });
      case 'refresh':
        return postJson(`${baseUrl}/v1/auth/refresh`, { refreshToken: request.refreshToken });
      case 'phone':
        return postJson(`${baseUrl}/v1/me/phone`, { code: request.code }, request.accessToken);
    }
  }

  /**
   * Takes a 200 answer to `request` in, as the SDK would keep it; answers the problems found in it (empty when it is
   * what the request must get). A non-200 answer is a problem here: callers judge expected errors first.
   */
  accept(request: DeviceRequest, answer: Answer): string[] {
    const problems: string[] = [];
    const what = `${this.name} ${request.kind}`;
    if (answer.status !== 200) return [`${what}: ${answer.status} ${errorCode(answer) ?? JSON.stringify(answer.body)}`];
    if (request.kind === 'phone') {
      const user = answer.body as { id?: string; phone?: string | null };
      if (user.id !== this.userId) problems.push(`${what}: answered user ${user.id}, not ${this.userId}`);
      if (user.phone !== `+86${request.phoneNumber}`) problems.push(`${what}: answered phone ${user.phone}`);
      this.boundPhone = user.phone ?? null;
      return problems;
    }
    const body = answer.body as TokenBody;
    const parts = refreshTokenParts(body.refreshToken);
    if (parts === undefined) return [`${what}: answered no refresh token`];
    if (request.kind === 'login') {
      const user = body.user;
      if (user?.openid !== this.openid) problems.push(`${what}: answered openid ${user?.openid}, not ${this.openid}`);
      // One WeChat user is one service user, however many logins, retries and crashes.
      if (this.userId !== undefined && user?.id !== this.userId) {
        problems.push(`${what}: answered user ${user?.id}, was ${this.userId}`);
      }
      this.userId ??= user?.id;
      if (parts.generation !== 0) problems.push(`${what}: a new session at generation ${parts.generation}`);
    } else {
      if (parts.sessionId !== request.sessionId) problems.push(`${what}: answered another session ${parts.sessionId}`);
      if (parts.generation !== request.generation + 1) {
        problems.push(`${what}: generation ${request.generation} refreshed to ${parts.generation}`);
      }
    }
    this.sessions.set(parts.sessionId, { ...parts, refreshToken: body.refreshToken, accessToken: body.accessToken });
    this.#newest = parts.sessionId;
    return problems;
  }
}
