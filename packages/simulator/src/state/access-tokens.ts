import { newAccessToken } from '../ids.js';
import { WeChatFailure } from '../wechat-failure.js';

/** Lifetime of a newly minted token (WeChat: 7200 s). */
export const TOKEN_LIFETIME_MS = 7_200_000;
/** stable_token renews this long before expiry, so two tokens are valid for these minutes. */
export const STABLE_RENEW_BEFORE_MS = 300_000;
/** A legacy token stays valid this long after the next one is minted. */
export const LEGACY_OVERLAP_MS = 300_000;
/** A forced refresh within this long of the last effective one changes nothing. */
export const FORCED_MIN_INTERVAL_MS = 30_000;
/** Forced refreshes allowed per app per day; the next one gets 45009. */
export const FORCED_PER_DAY = 20;

// WeChat's daily quotas reset at midnight Beijing time (UTC+8).
const BEIJING_OFFSET_MS = 8 * 3_600_000;

/** What the token endpoints answer. */
export interface IssuedToken {
  access_token: string;
  /** Remaining lifetime in seconds. */
  expires_in: number;
}

interface TokenRecord {
  readonly token: string;
  readonly appid: string;
  readonly expiresAt: number;
  /** When it was superseded (forced refresh, or the end of the legacy overlap). */
  killedAt: number | undefined;
}

interface StableState {
  current: TokenRecord | undefined;
  /** Every stable token of the app that may still be alive (the current one and a renewal predecessor). */
  live: TokenRecord[];
  lastForcedAt: number | undefined;
  forcedDay: number;
  forcedToday: number;
}

/**
 * WeChat's access tokens: stable_token (shared, renewed 5 minutes before expiry, forced refresh limited) and the legacy
 * `cgi-bin/token` (a new token per call, the previous one dies after 5 minutes). The two kinds never affect each other.
 */
export class AccessTokens {
  readonly #records = new Map<string, TokenRecord>();
  readonly #stable = new Map<string, StableState>();
  readonly #legacyCurrent = new Map<string, TokenRecord>();
  #mintedSincePrune = 0;

  /** `GET /cgi-bin/token`: always a new token; the previous legacy token of the app dies 5 minutes from now. */
  issueLegacy(appid: string, now: number): IssuedToken {
    const previous = this.#legacyCurrent.get(appid);
    if (previous !== undefined && previous.killedAt === undefined) previous.killedAt = now + LEGACY_OVERLAP_MS;
    const record = this.#mint(appid, now);
    this.#legacyCurrent.set(appid, record);
    return { access_token: record.token, expires_in: TOKEN_LIFETIME_MS / 1000 };
  }

  /**
   * `POST /cgi-bin/stable_token`. Normal mode: the current token with its real remaining life, renewed once fewer than
   * 5 minutes remain (the old one lives on until its expiry). Forced: counts against the daily budget (45009 past it);
   * unless the last effective forced refresh was under 30 s ago, mints a new token and kills every earlier one.
   */
  issueStable(appid: string, forceRefresh: boolean, now: number): IssuedToken {
    const state = this.#stableState(appid);
    if (forceRefresh) {
      const day = Math.floor((now + BEIJING_OFFSET_MS) / 86_400_000);
      if (state.forcedDay !== day) {
        state.forcedDay = day;
        state.forcedToday = 0;
      }
      if (state.forcedToday >= FORCED_PER_DAY) throw new WeChatFailure(45009);
      state.forcedToday += 1;
      const tooSoon = state.lastForcedAt !== undefined && now - state.lastForcedAt < FORCED_MIN_INTERVAL_MS;
      if (!tooSoon) {
        state.lastForcedAt = now;
        for (const record of state.live) if (record.killedAt === undefined) record.killedAt = now;
        state.current = this.#mint(appid, now);
        state.live = [state.current];
        return answer(state.current, now);
      }
    }
    const current = state.current;
    if (current === undefined || !isAlive(current, now) || current.expiresAt - now <= STABLE_RENEW_BEFORE_MS) {
      state.current = this.#mint(appid, now);
      state.live = [...state.live.filter((record) => isAlive(record, now)), state.current];
      return answer(state.current, now);
    }
    return answer(current, now);
  }

  /**
   * The appid a token belongs to, or the failure WeChat gives for it: 41001 missing, 40014 never issued, 42001 past
   * its expiry, 40001 superseded (killed by a forced refresh or at the end of the legacy overlap).
   */
  appidOf(token: string | undefined, now: number): string {
    if (token === undefined || token === '') throw new WeChatFailure(41001);
    const record = this.#records.get(token);
    if (record === undefined) throw new WeChatFailure(40014);
    if (now >= record.expiresAt) throw new WeChatFailure(42001);
    if (record.killedAt !== undefined && now >= record.killedAt) throw new WeChatFailure(40001);
    return record.appid;
  }

  #stableState(appid: string): StableState {
    let state = this.#stable.get(appid);
    if (state === undefined) {
      state = { current: undefined, live: [], lastForcedAt: undefined, forcedDay: Number.NaN, forcedToday: 0 };
      this.#stable.set(appid, state);
    }
    return state;
  }

  #mint(appid: string, now: number): TokenRecord {
    this.#pruneNowAndThen(now);
    const expiresAt = now + TOKEN_LIFETIME_MS;
    const record: TokenRecord = { token: newAccessToken(), appid, expiresAt, killedAt: undefined };
    this.#records.set(record.token, record);
    return record;
  }

  // Tokens dead for a day are forgotten (they then answer 40014 instead of 42001/40001); this only bounds memory.
  #pruneNowAndThen(now: number): void {
    this.#mintedSincePrune += 1;
    if (this.#mintedSincePrune < 1024) return;
    this.#mintedSincePrune = 0;
    for (const [token, record] of this.#records) {
      const diedAt = Math.min(record.expiresAt, record.killedAt ?? Number.POSITIVE_INFINITY);
      if (now - diedAt > 86_400_000) this.#records.delete(token);
    }
  }
}

function isAlive(record: TokenRecord, now: number): boolean {
  return now < record.expiresAt && (record.killedAt === undefined || now < record.killedAt);
}

function answer(record: TokenRecord, now: number): IssuedToken {
  return { access_token: record.token, expires_in: Math.floor((record.expiresAt - now) / 1000) };
}
