import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Simulator } from '@wxlogin/simulator';
import { envelopeCode, NoLoopbackAnswer, outcomeOf, sendFrom, type LoopbackAnswer } from './loopback-client.js';
import { refreshTokenParts } from './device-client.js';

/** What a device holds of one session: the last tokens it was answered. */
export interface LoadSession {
  sessionId: string;
  generation: number;
  refreshToken: string;
  accessToken: string;
}

/** Options of {@link LoadDevice}. */
export interface LoadDeviceOptions {
  /** For messages: `device 3`. */
  name: string;
  appid: string;
  /** The AppSecret, to ask WeChat itself whether a code is spent (a `CODE_ALREADY_USED` must be true). */
  appSecret: string;
  simulator: Simulator;
  /** The service's URL: nginx's. */
  baseUrl: string;
  /** The device's own loopback source address: its client IP as nginx sees it. */
  from: string;
  /** The numbers (mainland, 11 digits) its phone binds alternate between. */
  phoneNumbers: readonly [string, string];
  /** How long a login answered 503 + Retry-After is retried: past the WeChat budget plus the takeover margin. */
  loginRecoveryMs: number;
}

/** Phone binds per device: the service allows 5 an hour per user. */
const PHONE_BINDS_MAX = 2;
/** Tries of one refresh answered 503 (the SDK's 2 retries), sent at once so they stay inside the grace window. */
const REFRESH_TRIES = 3;
/** WeChat's answer to a code redeemed before. */
const CODE_BEEN_USED = 40163;

/**
 * One mini program on one phone behind its own loopback address, driving the service through nginx the way the SDK
 * does: one request at a time, the same code and nonce again after a retryable 503 of a login, the same refresh
 * token again at once after a 503 of a refresh, never a phone bind twice. It remembers exactly what it was last
 * answered, so the database can be checked against it, and collects what it found wrong in {@link problems}.
 */
export class LoadDevice {
  /** For messages. */
  readonly name: string;
  /** Known once the simulator minted the first code. */
  openid: string | undefined;
  /** The service's user id, from the first login answered. */
  userId: string | undefined;
  /** Every session this device was answered, by session id. */
  readonly sessions = new Map<string, LoadSession>();
  /** The phone number (E.164) last answered as bound; undefined once a bind's answer was lost. */
  boundPhone: string | null | undefined = null;
  /** Everything this device was answered that it must not be. */
  readonly problems: string[] = [];
  /** Answers by request kind and outcome, retries included (`refresh 503 DEPENDENCY_UNAVAILABLE`). */
  readonly tally: Record<string, number> = {};
  /** jscode2session calls the device made itself, to prove a `CODE_ALREADY_USED` true: not the service's calls. */
  ownWeChatChecks = 0;

  readonly #options: LoadDeviceOptions;
  #newest: string | undefined;
  #phoneBinds = 0;
  #phoneBindsStopped = false;

  /** @param options - see {@link LoadDeviceOptions}. */
  constructor(options: LoadDeviceOptions) {
    this.name = options.name;
    this.#options = options;
  }

  /** The session used for the bearer and for refreshes. */
  get newest(): LoadSession | undefined {
    return this.#newest === undefined ? undefined : this.sessions.get(this.#newest);
  }

  /** One request picked by `draw` in [0, 1): a login until there is a session, then logins, binds, refreshes, reads. */
  async step(draw: number): Promise<void> {
    if (this.newest === undefined || draw < 0.15) return this.login();
    if (draw < 0.22 && this.#phoneBinds < PHONE_BINDS_MAX && !this.#phoneBindsStopped) return this.bindPhone();
    if (draw < 0.6) return this.refresh();
    return this.readMe();
  }

  /** `wx.login()` then the SDK's login: a fresh code and nonce, retried as the SDK retries it. */
  async login(): Promise<void> {
    const { simulator, appid } = this.#options;
    const minted = simulator.login({ appid, ...(this.openid === undefined ? {} : { openid: this.openid }) });
    this.openid = minted.openid;
    const body = { code: minted.code, loginNonce: randomUUID() };
    const giveUpAt = Date.now() + this.#options.loginRecoveryMs;
    let answer = await this.#send('login', { body }, '/v1/auth/login');
    // A 503 with Retry-After is honest: nginx found no instance for a request that was cut (DEPENDENCY_UNAVAILABLE),
    // or the code's claim belongs to a request that died and is too young to take over (WECHAT_UNAVAILABLE).
    while (answer !== undefined && answer.status === 503 && answer.retryAfterSeconds !== undefined) {
      if (Date.now() > giveUpAt) {
        this.problems.push(`${this.name} login: still ${outcomeOf(answer)} after ${this.#options.loginRecoveryMs} ms`);
        return;
      }
      await sleep(Math.min(answer.retryAfterSeconds, 2) * 1000);
      answer = await this.#send('login', { body }, '/v1/auth/login');
    }
    if (answer === undefined) return;
    if (envelopeCode(answer) === 'CODE_ALREADY_USED') {
      // Only true when WeChat spent the code for a request that then died before it committed.
      const errcode = await this.#wechatErrcode(minted.code);
      if (errcode !== CODE_BEEN_USED) this.problems.push(`${this.name} login: false CODE_ALREADY_USED (${errcode})`);
      return this.login();
    }
    this.#acceptTokens('login', answer);
  }

  /** A refresh of the newest session; a 503 is retried at once with the same token, as the SDK does. */
  async refresh(): Promise<void> {
    const session = this.newest;
    if (session === undefined) return;
    for (let attempt = 1; attempt <= REFRESH_TRIES; attempt += 1) {
      const answer = await this.#send('refresh', { body: { refreshToken: session.refreshToken } }, '/v1/auth/refresh');
      if (answer === undefined) return;
      if (answer.status === 503 && answer.retryAfterSeconds !== undefined && attempt < REFRESH_TRIES) continue;
      this.#acceptTokens('refresh', answer, session);
      return;
    }
  }

  /** `GET /v1/me`: idempotent, so nginx must answer it whatever happens to one instance. */
  async readMe(): Promise<void> {
    const session = this.newest;
    if (session === undefined) return;
    const answer = await this.#send('me', { bearer: session.accessToken }, '/v1/me');
    if (answer === undefined) return;
    const user = answer.body as { id?: string };
    if (answer.status !== 200) this.problems.push(`${this.name} me: ${outcomeOf(answer)}`);
    else if (user.id !== this.userId) this.problems.push(`${this.name} me: answered user ${user.id}`);
  }

  /** A tap on the getPhoneNumber button, sent once (the SDK never retries a bind). */
  async bindPhone(): Promise<void> {
    const session = this.newest;
    if (session === undefined || this.openid === undefined) return;
    this.#phoneBinds += 1;
    const phoneNumber = this.#options.phoneNumbers[this.#phoneBinds % 2]!;
    const { code } = this.#options.simulator.phoneCode({
      appid: this.#options.appid,
      openid: this.openid,
      phoneNumber,
    });
    const answer = await this.#send('phone', { body: { code }, bearer: session.accessToken }, '/v1/me/phone');
    if (answer === undefined) return;
    if (answer.status === 200) {
      const user = answer.body as { id?: string; phone?: string | null };
      if (user.id !== this.userId || user.phone !== `+86${phoneNumber}`) {
        this.problems.push(`${this.name} phone: answered ${user.id} ${user.phone}`);
      }
      this.boundPhone = user.phone ?? null;
      return;
    }
    const retryable = answer.retryAfterSeconds !== undefined;
    // A bind cut with its instance (503), or one meeting the lease of a bind that died (429): the user gives up,
    // and the number bound is then either the old one or the one asked for.
    if (retryable && (answer.status === 503 || envelopeCode(answer) === 'RATE_LIMITED')) {
      this.#phoneBindsStopped = true;
      this.boundPhone = undefined;
      return;
    }
    this.problems.push(`${this.name} phone: ${outcomeOf(answer)}`);
  }

  async #send(
    kind: string,
    request: { body?: unknown; bearer?: string },
    path: string,
  ): Promise<LoopbackAnswer | undefined> {
    try {
      const answer = await sendFrom(`${this.#options.baseUrl}${path}`, { ...request, from: this.#options.from });
      const key = `${kind} ${outcomeOf(answer)}`;
      this.tally[key] = (this.tally[key] ?? 0) + 1;
      if (answer.status >= 500 && !(answer.status === 503 && answer.retryAfterSeconds !== undefined)) {
        this.problems.push(`${this.name} ${kind}: ${outcomeOf(answer)} without Retry-After`);
      }
      return answer;
    } catch (error) {
      // nginx answers every request, whatever happens behind it.
      if (error instanceof NoLoopbackAnswer) this.problems.push(`${this.name} ${kind}: ${error.message}`);
      else throw error;
      return undefined;
    }
  }

  #acceptTokens(kind: 'login' | 'refresh', answer: LoopbackAnswer, refreshed?: LoadSession): void {
    if (answer.status !== 200) {
      this.problems.push(`${this.name} ${kind}: ${outcomeOf(answer)}`);
      return;
    }
    const body = answer.body as { accessToken: string; refreshToken: string; user?: { id: string; openid: string } };
    const parts = refreshTokenParts(body.refreshToken);
    if (parts === undefined) {
      this.problems.push(`${this.name} ${kind}: answered no refresh token`);
      return;
    }
    if (kind === 'login') {
      // One WeChat user is one service user, however many logins, retries and crashes.
      if (body.user?.openid !== this.openid) this.problems.push(`${this.name} login: another openid`);
      if (this.userId !== undefined && body.user?.id !== this.userId) {
        this.problems.push(`${this.name} login: user ${body.user?.id}, was ${this.userId}`);
      }
      this.userId ??= body.user?.id;
      if (parts.generation !== 0) this.problems.push(`${this.name} login: a new session at ${parts.generation}`);
    } else if (parts.sessionId !== refreshed?.sessionId || parts.generation !== refreshed.generation + 1) {
      this.problems.push(
        `${this.name} refresh: ${refreshed?.generation} became ${parts.sessionId}@${parts.generation}`,
      );
    }
    this.sessions.set(parts.sessionId, { ...parts, refreshToken: body.refreshToken, accessToken: body.accessToken });
    this.#newest = parts.sessionId;
  }

  async #wechatErrcode(code: string): Promise<number> {
    this.ownWeChatChecks += 1;
    const { simulator, appid, appSecret } = this.#options;
    const query = new URLSearchParams({ appid, secret: appSecret, js_code: code, grant_type: 'authorization_code' });
    const answer = await fetch(`${simulator.url}/sns/jscode2session?${query}`);
    return ((await answer.json()) as { errcode?: number }).errcode ?? 0;
  }
}

/** A running load of {@link LoadDevice}s: every device steps, one request at a time, until stopped or bounded. */
export interface RunningLoad {
  /** Steps finished so far (the retries inside a step are part of it). */
  readonly steps: number;
  /** Devices inside a step right now: requests in flight. */
  readonly inFlight: number;
  /** Resolves once `steps` reaches `n`, or the load ended. */
  reached(n: number): Promise<void>;
  /** Stops the devices after their current step and resolves once every one is idle. */
  stop(): Promise<void>;
}

/**
 * Starts every device stepping, each `pauseMs` after its previous step (so one device stays under the per-IP limit),
 * with draws from `draw`. Bounded in count (`maxSteps`) and in time (`maxMs`) whatever the test does.
 */
export function startLoad(
  devices: readonly LoadDevice[],
  bounds: { maxSteps: number; maxMs: number; pauseMs: number; draw: () => number },
): RunningLoad {
  const deadline = Date.now() + bounds.maxMs;
  let steps = 0;
  let inFlight = 0;
  let stopped = false;
  const waiters: { holds: () => boolean; resolve: () => void }[] = [];
  const wake = (): void => {
    for (const waiter of [...waiters]) {
      if (waiter.holds() || stopped) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const until = (holds: () => boolean): Promise<void> =>
    holds() || stopped ? Promise.resolve() : new Promise((resolve) => waiters.push({ holds, resolve }));
  const run = async (device: LoadDevice): Promise<void> => {
    while (!stopped && steps < bounds.maxSteps && Date.now() < deadline) {
      inFlight += 1;
      wake();
      try {
        await device.step(bounds.draw());
      } finally {
        inFlight -= 1;
      }
      steps += 1;
      wake();
      await sleep(bounds.pauseMs);
    }
  };
  const done = Promise.all(devices.map(run)).finally(() => {
    stopped = true;
    wake();
  });
  // A step that throws (a bug of the test) surfaces from stop(); until then it must not be an unhandled rejection.
  done.catch(() => undefined);
  return {
    get steps() {
      return steps;
    },
    get inFlight() {
      return inFlight;
    },
    reached: (n) => until(() => steps >= n),
    async stop() {
      stopped = true;
      wake();
      await done;
    },
  };
}
