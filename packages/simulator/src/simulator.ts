// Over 300 lines on purpose: `Simulator` is the one `SimulatorControl`, a short method per control operation; the
// state it drives is in `state/`, the WeChat routes in `routes/`, the control routes in `http/`.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { ControlError, optionalText, requireText } from './control-error.js';
import { encryptData, type EncryptedPayload } from './crypto/encrypt-data.js';
import { faultsApply, parseFaults, type Faults } from './faults.js';
import { handleControl } from './http/control-routes.js';
import { readBody, sendJson } from './http/json-io.js';
import { defaultPhoneNumber } from './ids.js';
import { makeRid } from './rid.js';
import { WECHAT_ROUTE_HANDLERS, WECHAT_ROUTES } from './routes/wechat-routes.js';
import type {
  AppCredentials,
  EncryptInput,
  LoginInput,
  LoginResult,
  PhoneCodeInput,
  SimulatedUser,
  SimulatorControl,
  SimulatorStats,
} from './simulator-control.js';
import type { UserRecord } from './state/user-registry.js';
import { createWorld, type World } from './state/world.js';
import { errmsgText, failureBody, WeChatFailure } from './wechat-failure.js';

/** The appid of the mini program every simulator starts with. */
export const DEV_APPID = 'wxdevapp00000001';
/** The dev app's secret unless `devSecret` (CLI: `--dev-secret` / `WXLOGIN_SIM_DEV_SECRET`) says otherwise. */
export const DEFAULT_DEV_SECRET = 'wxlogin-dev-secret';

/** Options of {@link createSimulator}. */
export interface SimulatorOptions {
  /** Apps registered from the start, besides the dev app (an entry for the dev appid replaces its secret). */
  apps?: readonly AppCredentials[];
  /** Epoch milliseconds; drives code lifetime, token expiry, quotas and watermarks. Default `Date.now`. */
  clock?: () => number;
  /** Secret of the dev app `wxdevapp00000001`. Default `wxlogin-dev-secret`. */
  devSecret?: string;
  /** Receives one line per request (method, path, status, errcode, duration; never a query string or a body). */
  logger?: (line: string) => void;
  /** Source of the fault-injection dice, 0 <= x < 1. Default `Math.random`; inject one for deterministic tests. */
  random?: () => number;
}

/** Where {@link Simulator.listen} binds. */
export interface ListenOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Default `127.0.0.1`: the simulator mints logins for anyone, so it must never face a network. */
  host?: string;
}

/** A new simulator; it serves HTTP only after {@link Simulator.listen}, its control methods work at once. */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  return new Simulator(options);
}

/** A stand-in for WeChat's servers: the WeChat routes over HTTP, plus the control API (in-process and `/__sim`). */
export class Simulator implements SimulatorControl {
  readonly #world: World;
  readonly #random: () => number;
  readonly #logger: ((line: string) => void) | undefined;
  #faults: Faults = {};
  readonly #stats = new Map<string, number>(WECHAT_ROUTES.map((route) => [route, 0]));
  #server: Server | undefined;
  #url: string | undefined;
  readonly #delays = new Set<NodeJS.Timeout>();

  /** Prefer {@link createSimulator}. */
  constructor(options: SimulatorOptions = {}) {
    this.#world = createWorld(options.clock ?? Date.now);
    this.#random = options.random ?? Math.random;
    this.#logger = options.logger;
    this.#world.apps.set(DEV_APPID, options.devSecret ?? DEFAULT_DEV_SECRET);
    for (const app of options.apps ?? []) this.addApp(app);
  }

  /** The base URL, e.g. `http://127.0.0.1:40123`; throws before {@link listen}. */
  get url(): string {
    if (this.#url === undefined) throw new Error('simulator is not listening: call listen() first');
    return this.#url;
  }

  /** Starts serving; resolves to the base URL (with the real port when `port` is 0). */
  async listen(options: ListenOptions = {}): Promise<string> {
    if (this.#server !== undefined) throw new Error('simulator is already listening');
    const server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        this.#log(`${req.method ?? '?'} ${pathOf(req)} 500 ${error instanceof Error ? error.name : 'error'}`);
        if (!res.headersSent) sendJson(res, 500, { error: 'simulator internal error' });
        else res.destroy();
      });
    });
    this.#server = server;
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
    try {
      await once(server, 'listening');
    } catch (error) {
      this.#server = undefined;
      throw error;
    }
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.#url = `http://${host}:${address.port}`;
    return this.#url;
  }

  /** Stops serving and drops open connections; safe to call twice. */
  async close(): Promise<void> {
    for (const timer of this.#delays) clearTimeout(timer);
    this.#delays.clear();
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    this.#url = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Registers a mini program, or replaces its secret (the old secret then gets 40125). */
  addApp(app: AppCredentials): void {
    this.#world.apps.set(requireText(app.appid, 'appid'), requireText(app.secret, 'secret'));
  }

  /** What `wx.login()` does: a new user when `openid` is absent, a new session_key unless `rotateSessionKey: false`. */
  login(input: LoginInput): LoginResult {
    const appid = this.#knownApp(input.appid);
    const openid = optionalText(input.openid, 'openid');
    if (input.unionid !== undefined && input.unionid !== null) requireText(input.unionid, 'unionid');
    if (input.rotateSessionKey !== undefined && typeof input.rotateSessionKey !== 'boolean') {
      throw new ControlError(400, 'rotateSessionKey must be a boolean');
    }
    const { user, created } = this.#world.users.getOrCreate(appid, openid);
    if (input.unionid === null) user.unionid = undefined;
    else if (input.unionid !== undefined) user.unionid = input.unionid;
    if (!created && input.rotateSessionKey !== false) this.#world.users.rotateSessionKey(user);
    const code = this.#world.loginCodes.issue({ appid, openid: user.openid }, this.#world.now());
    return { code, openid: user.openid };
  }

  /** A getPhoneNumber button tap: a one-time phone code (5 minutes) for the user. */
  phoneCode(input: PhoneCodeInput): { code: string } {
    const user = this.#knownUser(input.appid, input.openid);
    const phoneNumber = input.phoneNumber ?? defaultPhoneNumber(user.appid, user.openid);
    if (typeof phoneNumber !== 'string' || !/^\d{4,20}$/.test(phoneNumber)) {
      throw new ControlError(400, 'phoneNumber must be 4 to 20 digits, without area code');
    }
    const countryCode = input.countryCode === undefined ? '86' : String(input.countryCode);
    if (!/^\d{1,4}$/.test(countryCode)) throw new ControlError(400, 'countryCode must be 1 to 4 digits, without +');
    const now = this.#world.now();
    const code = this.#world.phoneCodes.issue(
      { appid: user.appid, openid: user.openid, purePhoneNumber: phoneNumber, countryCode, tappedAt: seconds(now) },
      now,
    );
    return { code };
  }

  /** `data` plus a fresh watermark, sealed with the user's current session_key (as WeChat seals encryptedData). */
  encrypt(input: EncryptInput): EncryptedPayload {
    const user = this.#knownUser(input.appid, input.openid);
    const data: unknown = input.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new ControlError(400, 'data must be a JSON object');
    }
    const watermark = { timestamp: seconds(this.#world.now()), appid: user.appid };
    return encryptData(user.sessionKey, JSON.stringify({ ...data, watermark }));
  }

  /** Replaces the fault injection (see {@link Faults}); `{}` clears it. */
  setFaults(faults: Faults): void {
    this.#faults = parseFaults(faults);
  }

  /** Removes every fault. */
  clearFaults(): void {
    this.#faults = {};
  }

  /** The faults in force. */
  get faults(): Faults {
    return structuredClone(this.#faults);
  }

  /** The user as WeChat holds it, or undefined. */
  getUser(appid: string, openid: string): SimulatedUser | undefined {
    const user = this.#world.users.get(appid, openid);
    return user === undefined ? undefined : publicUser(user);
  }

  /** Marks the user high-risk (code2Session answers 40226), or lifts it with `blocked: false`. */
  blockUser(appid: string, openid: string, blocked = true): void {
    this.#knownUser(appid, openid).blocked = blocked;
  }

  /** Calls per WeChat route, every route listed (0 when never called). */
  stats(): SimulatorStats {
    return Object.fromEntries(this.#stats);
  }

  /** Sets every route's call count back to 0. */
  resetStats(): void {
    for (const route of this.#stats.keys()) this.#stats.set(route, 0);
  }

  /** The registered appids (never their secrets). */
  appids(): string[] {
    return this.#world.apps.appids();
  }

  /** Keeps app secrets and session keys out of logs that print the simulator. */
  [inspect.custom](): string {
    return `Simulator { url: ${this.#url ?? 'not listening'}, apps: ${this.#world.apps.appids().length} }`;
  }

  /** Same reason as the custom inspect. */
  toJSON(): { url: string | undefined } {
    return { url: this.#url };
  }

  #knownApp(appid: unknown): string {
    const id = requireText(appid, 'appid');
    if (!this.#world.apps.has(id)) throw new ControlError(404, `unknown appid ${id}: register it with addApp first`);
    return id;
  }

  #knownUser(appid: unknown, openid: unknown): UserRecord {
    const app = this.#knownApp(appid);
    const id = requireText(openid, 'openid');
    const user = this.#world.users.get(app, id);
    if (user === undefined) throw new ControlError(404, `unknown user ${id} of ${app}: mint a login for it first`);
    return user;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const path = url.pathname;
    const body = await readBody(req);
    if (body === undefined) {
      res.setHeader('connection', 'close');
      sendJson(res, 413, { error: 'request body too large' });
      return;
    }
    const route = WECHAT_ROUTE_HANDLERS.get(path);
    if (route === undefined) {
      const answer =
        path === '/__sim' || path.startsWith('/__sim/')
          ? handleControl(this, method, path, body)
          : { status: 404, body: { error: `no route ${method} ${path}` } };
      sendJson(res, answer.status, answer.body);
      this.#log(`${method} ${path} ${answer.status} ${elapsed(started)}`);
      return;
    }

    this.#stats.set(path, (this.#stats.get(path) ?? 0) + 1);
    const faults = faultsApply(this.#faults, path) ? this.#faults : {};
    if (faults.latencyMs !== undefined && faults.latencyMs > 0) await this.#delay(faults.latencyMs);
    if (this.#roll(faults.dropRate)) {
      req.socket.destroy();
      this.#log(`${method} ${path} dropped (dropRate) ${elapsed(started)}`);
      return;
    }
    let answer: Record<string, unknown>;
    try {
      if (faults.errcode !== undefined) throw new WeChatFailure(faults.errcode);
      if (this.#roll(faults.errorRate)) throw new WeChatFailure(-1);
      answer = route({ method, query: url.searchParams, body }, this.#world);
    } catch (error) {
      if (!(error instanceof WeChatFailure)) throw error;
      const text = errmsgText(error.errcode, req.socket.remoteAddress ?? '127.0.0.1');
      answer = failureBody(error.errcode, text, makeRid(this.#world.now()));
    }
    const errcode = typeof answer.errcode === 'number' ? answer.errcode : 0;
    if (faults.dropAfterConsume === true && errcode === 0) {
      req.socket.destroy();
      this.#log(`${method} ${path} dropped after taking effect (dropAfterConsume) ${elapsed(started)}`);
      return;
    }
    sendJson(res, 200, answer);
    this.#log(`${method} ${path} 200 errcode=${errcode} ${elapsed(started)}`);
  }

  #roll(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.#random() < rate;
  }

  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#delays.delete(timer);
        resolve();
      }, ms);
      this.#delays.add(timer);
    });
  }

  #log(line: string): void {
    this.#logger?.(line);
  }
}

function publicUser(user: UserRecord): SimulatedUser {
  return {
    appid: user.appid,
    openid: user.openid,
    ...(user.unionid === undefined ? {} : { unionid: user.unionid }),
    sessionKey: user.sessionKey,
    blocked: user.blocked,
  };
}

function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

function elapsed(started: number): string {
  return `${Math.round(performance.now() - started)}ms`;
}

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://simulator.invalid').pathname;
}
