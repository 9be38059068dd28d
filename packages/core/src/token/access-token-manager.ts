import { randomUUID } from 'node:crypto';
import { SYNTHETIC_ERRCODES } from '../errors/errcode-table.js';
import { WeChatError } from '../errors/wechat-error.js';
import { Deadline, raceAbort, sleep } from '../http/deadline.js';
import { beijingDay, msUntilBeijingMidnight } from './beijing-day.js';
import type { FetchedToken } from './stable-token.js';
import type { TokenCache } from './token-cache.js';

/** Why a forced refresh did not happen. */
export type ForceRefusal = 'recent' | 'budget' | 'lock_busy' | 'cache_down';

/** A token to use, or why none could be forced. */
export type ReplaceOutcome = { token: string } | { refused: ForceRefusal };

/**
 * What an operator may see of an app's access token: never the token. Times are epoch ms. `forcedToday` is the
 * forced refreshes spent this Beijing day, null when the cache could not be read.
 */
export interface AccessTokenState {
  /** A token is cached (shared, or this process's fallback while the cache is down). */
  cached: boolean;
  /** When the cached token was fetched (null when none is cached, or it was cached before this was recorded). */
  fetchedAt: number | null;
  /** When WeChat said the cached token expires. */
  expiresAt: number | null;
  forcedToday: number | null;
  /** Forced refreshes allowed per Beijing day. */
  forcedBudget: number;
}

/** What {@link AccessTokenManager} needs. */
export interface AccessTokenManagerOptions {
  cache: TokenCache;
  /** Wall clock, epoch ms: the Beijing day of the budget. */
  clock: () => number;
  /** One `stable_token` call. */
  fetchToken: (appid: string, force: boolean, deadline: Deadline) => Promise<FetchedToken>;
  /** Budget of a shared (single-flight) fetch, ms. */
  fetchBudgetMs: number;
  /** Forced refreshes allowed per appid per Beijing day. */
  forceRefreshDailyBudget: number;
}

// A lock outlives any fetch (the budget) but not by much, so a crashed holder blocks others only briefly.
const LOCK_TTL_MS = 10_000;
// How long to wait for another holder of the lock to publish its token before acting alone.
const LOCK_WAIT_MS = 2_000;
const POLL_MS = 50;
// WeChat ignores a second forced refresh within 30 s; sending one would only spend budget.
const FORCE_SPACING_MS = 30_000;
// The margin under WeChat's remaining lifetime: min(300 s, half of it), so a 300 s token is used for 150 s.
const MAX_MARGIN_S = 300;

const keys = {
  token: (appid: string) => `token:${appid}`,
  lock: (appid: string) => `lock:${appid}`,
  forcedRecently: (appid: string) => `forced-recent:${appid}`,
  forcedCount: (appid: string, day: number) => `forced-count:${appid}:${day}`,
  // When the cached token was fetched and when WeChat expires it: not secret, so the console can show them.
  meta: (appid: string) => `token-meta:${appid}`,
};

interface TokenMeta {
  fetchedAt: number;
  expiresAt: number;
}

/**
 * WeChat access tokens per appid: cached by WeChat's `expires_in` minus a margin, fetched once per appid per process
 * at a time (single-flight) and once per cluster when the cache is shared (lock), replaced after a rejection by the
 * policy of docs/architecture.md#wechats-access-token.
 */
export class AccessTokenManager {
  readonly #options: AccessTokenManagerOptions;
  readonly #normalFetches = new Map<string, Promise<string>>();
  readonly #forcedFetches = new Map<string, Promise<ReplaceOutcome>>();
  // Used only while the shared cache is failing (Redis down): each process keeps serving its own last token.
  readonly #fallback = new Map<string, { token: string; expiresAt: number; meta: TokenMeta }>();

  constructor(options: AccessTokenManagerOptions) {
    this.#options = options;
  }

  /** The cached token, or a normal-mode fetch shared with every concurrent caller. */
  async get(appid: string, deadline: Deadline): Promise<string> {
    const cached = await this.#read(appid);
    if (cached !== null) return cached;
    return this.#shared(this.#normalFetches, appid, () => this.#fetchNormal(appid), deadline);
  }

  /**
   * After WeChat rejected `rejected` (40001/42001/40014): expire it if it is still the cached one, fetch in normal
   * mode, and force a refresh only when normal mode hands back that very token.
   */
  async replaceRejected(appid: string, rejected: string, deadline: Deadline): Promise<ReplaceOutcome> {
    await this.#expire(appid, rejected);
    const fresh = await this.get(appid, deadline);
    if (fresh !== rejected) return { token: fresh };
    return this.#shared(this.#forcedFetches, appid, () => this.#force(appid, rejected), deadline);
  }

  /**
   * An explicit forced refresh, under the same lock, 30 s spacing and daily budget. Within 30 s of the last one (or
   * while the cache is down) it returns the current token, as WeChat itself would.
   * @throws WeChatError `SYNTHETIC_ERRCODES.FORCE_REFRESH_BUDGET` when the daily budget is used up.
   */
  async forceRefresh(appid: string, deadline: Deadline): Promise<string> {
    const current = await this.#read(appid);
    const outcome = await this.#shared(this.#forcedFetches, appid, () => this.#force(appid, current), deadline);
    if ('token' in outcome) return outcome.token;
    if (outcome.refused === 'budget') {
      throw new WeChatError({
        errcode: SYNTHETIC_ERRCODES.FORCE_REFRESH_BUDGET,
        errmsg: `the daily budget of ${this.#options.forceRefreshDailyBudget} forced refreshes is used up`,
        api: 'stableToken',
        appid,
        retryAfterSeconds: Math.ceil(msUntilBeijingMidnight(this.#options.clock()) / 1000),
      });
    }
    return this.get(appid, deadline);
  }

  /** What the cache holds for `appid`, for dashboards: presence, fetch and expiry times, forced refreshes today. */
  async state(appid: string): Promise<AccessTokenState> {
    const { cache, clock, forceRefreshDailyBudget } = this.#options;
    const [token, metaText, forced] = await Promise.all([
      this.#read(appid),
      cache.get(keys.meta(appid)).catch(() => null),
      cache.get(keys.forcedCount(appid, beijingDay(clock()))).then(
        (count) => (count === null ? 0 : Number(count)),
        () => null,
      ),
    ]);
    // This process's record of the token only when it is the same token (the cache may hold another's).
    const own = this.#fallback.get(appid);
    const meta = token === null ? undefined : (parseMeta(metaText) ?? (own?.token === token ? own.meta : undefined));
    return {
      cached: token !== null,
      fetchedAt: meta?.fetchedAt ?? null,
      expiresAt: meta?.expiresAt ?? null,
      forcedToday: forced !== null && Number.isFinite(forced) ? forced : null,
      forcedBudget: forceRefreshDailyBudget,
    };
  }

  async #fetchNormal(appid: string): Promise<string> {
    const { cache, fetchToken, fetchBudgetMs } = this.#options;
    const deadline = new Deadline(fetchBudgetMs);
    const owner = randomUUID();
    const locked = await cache.setIfAbsent(keys.lock(appid), owner, LOCK_TTL_MS).catch(() => null);
    try {
      if (locked === false) {
        const published = await this.#waitForToken(appid, null, deadline);
        // Normal mode never invalidates anyone, so fetching without the lock is safe when its holder is slow.
        if (published !== null) return published;
      } else if (locked === true) {
        const cached = await this.#read(appid);
        if (cached !== null) return cached;
      }
      const fetched = await fetchToken(appid, false, deadline);
      await this.#store(appid, fetched);
      return fetched.accessToken;
    } finally {
      if (locked === true) await cache.deleteIfEquals(keys.lock(appid), owner).catch(() => false);
    }
  }

  async #force(appid: string, rejected: string | null): Promise<ReplaceOutcome> {
    const { cache, clock, fetchToken, fetchBudgetMs, forceRefreshDailyBudget } = this.#options;
    const deadline = new Deadline(fetchBudgetMs);
    const owner = randomUUID();
    const locked = await cache.setIfAbsent(keys.lock(appid), owner, LOCK_TTL_MS).catch(() => null);
    // Forcing kills the token every instance holds: never without the shared lock.
    if (locked === null) return { refused: 'cache_down' };
    if (!locked) {
      const published = await this.#waitForToken(appid, rejected, deadline);
      return published !== null ? { token: published } : { refused: 'lock_busy' };
    }
    try {
      const current = await this.#read(appid);
      if (current !== null && current !== rejected) return { token: current };
      const spaced = await cache.setIfAbsent(keys.forcedRecently(appid), owner, FORCE_SPACING_MS).catch(() => null);
      if (spaced === null) return { refused: 'cache_down' };
      if (!spaced) return { refused: 'recent' };
      const now = clock();
      const countKey = keys.forcedCount(appid, beijingDay(now));
      const count = await cache.increment(countKey, msUntilBeijingMidnight(now) + 60_000).catch(() => null);
      if (count === null) return { refused: 'cache_down' };
      if (count > forceRefreshDailyBudget) return { refused: 'budget' };
      const fetched = await fetchToken(appid, true, deadline);
      await this.#store(appid, fetched);
      return { token: fetched.accessToken };
    } finally {
      await cache.deleteIfEquals(keys.lock(appid), owner).catch(() => false);
    }
  }

  /** Runs `work` once per appid at a time; every caller waits for it within its own deadline. */
  async #shared<T>(
    flights: Map<string, Promise<T>>,
    appid: string,
    work: () => Promise<T>,
    deadline: Deadline,
  ): Promise<T> {
    let flight = flights.get(appid);
    if (flight === undefined) {
      flight = work().finally(() => flights.delete(appid));
      // Callers that gave up must not leave the shared rejection unhandled.
      flight.catch(() => undefined);
      flights.set(appid, flight);
    }
    try {
      return await raceAbort(flight, deadline.signal);
    } catch (error) {
      if (error instanceof WeChatError || !deadline.expired) throw error;
      throw new WeChatError({
        errcode: SYNTHETIC_ERRCODES.TIMEOUT,
        errmsg: 'no access token within the call budget',
        api: 'stableToken',
        appid,
      });
    }
  }

  async #read(appid: string): Promise<string | null> {
    try {
      return await this.#options.cache.get(keys.token(appid));
    } catch {
      const entry = this.#fallback.get(appid);
      return entry !== undefined && entry.expiresAt > this.#options.clock() ? entry.token : null;
    }
  }

  async #store(appid: string, fetched: FetchedToken): Promise<void> {
    const seconds = fetched.expiresInSeconds;
    const ttlMs = Math.floor((seconds - Math.min(MAX_MARGIN_S, seconds / 2)) * 1000);
    const now = this.#options.clock();
    const meta: TokenMeta = { fetchedAt: now, expiresAt: now + seconds * 1000 };
    this.#fallback.set(appid, { token: fetched.accessToken, expiresAt: now + ttlMs, meta });
    await Promise.all([
      this.#options.cache.set(keys.token(appid), fetched.accessToken, ttlMs).catch(() => undefined),
      this.#options.cache.set(keys.meta(appid), JSON.stringify(meta), ttlMs).catch(() => undefined),
    ]);
  }

  async #expire(appid: string, rejected: string): Promise<void> {
    if (this.#fallback.get(appid)?.token === rejected) this.#fallback.delete(appid);
    await this.#options.cache.deleteIfEquals(keys.token(appid), rejected).catch(() => false);
  }

  /** Polls the cache for a token other than `unwanted`, for at most LOCK_WAIT_MS or the deadline. */
  async #waitForToken(appid: string, unwanted: string | null, deadline: Deadline): Promise<string | null> {
    const polls = Math.ceil(Math.min(LOCK_WAIT_MS, deadline.remainingMs()) / POLL_MS);
    for (let poll = 0; poll < polls; poll += 1) {
      try {
        await sleep(POLL_MS, deadline.signal);
      } catch {
        return null;
      }
      const token = await this.#read(appid);
      if (token !== null && token !== unwanted) return token;
    }
    return null;
  }
}

function parseMeta(text: string | null): TokenMeta | undefined {
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as Partial<TokenMeta> | null;
    return typeof value?.fetchedAt === 'number' && typeof value.expiresAt === 'number'
      ? { fetchedAt: value.fetchedAt, expiresAt: value.expiresAt }
      : undefined;
  } catch {
    return undefined;
  }
}
