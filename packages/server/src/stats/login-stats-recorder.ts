import { randomBytes } from 'node:crypto';
import type { WeChatCallEvent } from '@wxlogin/core';
import type { Clock } from '../clock.js';
import { silentLogger, type Logger } from '../logger.js';
import type { LoginStatRow, Store } from '../store/types.js';
import { wechatCallOutcomes } from './wechat-call-outcomes.js';

/** `login_stats.minute` granularity. */
export const STATS_MINUTE_MS = 60_000;
/** How often counts go to the database: every 10 s, so no login updates a hot row (docs/architecture.md#several-instances). */
export const STATS_FLUSH_INTERVAL_MS = 10_000;
/**
 * Distinct (appid, minute, outcome) counters held while the database refuses flushes: hours of an outage for a few
 * apps. Past it the oldest minutes are dropped (the chart shows a gap, the service keeps its memory bounded).
 */
const MAX_PENDING_KEYS = 20_000;

/** This process's `login_stats.instance`: random, so several processes (or restarts) never share a row. */
export const PROCESS_INSTANCE_ID: string = randomBytes(8).toString('hex');

/** Options of {@link LoginStatsRecorder}. */
export interface LoginStatsRecorderOptions {
  store: Store;
  clock: Clock;
  /** `login_stats.instance` (default {@link PROCESS_INSTANCE_ID}). */
  instance?: string;
  /** Flush period of {@link LoginStatsRecorder.start} (default 10 s). */
  flushIntervalMs?: number;
  logger?: Logger;
}

/**
 * Counts login outcomes (`success` or the error code) per app and minute in memory and adds them to `login_stats`
 * every 10 s and on close: additive upserts keyed by this instance, so counts survive restarts and sum across
 * instances. A failed flush keeps its counts for the next one.
 */
export class LoginStatsRecorder {
  readonly instance: string;
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  /** Key `appid\nminute\noutcome` (newlines never occur in any of them). */
  #pending = new Map<string, LoginStatRow>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: LoginStatsRecorderOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.instance = options.instance ?? PROCESS_INSTANCE_ID;
    this.#intervalMs = options.flushIntervalMs ?? STATS_FLUSH_INTERVAL_MS;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Counts one login of `appid` that ended with `outcome` (`success` or an error code), in the current minute. */
  record(appid: string, outcome: string): void {
    const now = this.#clock();
    const minute = now - (now % STATS_MINUTE_MS);
    const key = `${appid}\n${minute}\n${outcome}`;
    const row = this.#pending.get(key);
    if (row) {
      row.count += 1;
      return;
    }
    this.#pending.set(key, { appid, minute, outcome, instance: this.instance, count: 1 });
    this.#trim();
  }

  /** Counts one WeChat call (its errcode and its latency bucket), in the current minute. */
  recordWeChatCall(event: WeChatCallEvent): void {
    const [call, latency] = wechatCallOutcomes(event);
    this.record(event.appid, call);
    this.record(event.appid, latency);
  }

  /** Counts not yet written (tests and diagnostics). */
  get pendingCount(): number {
    let total = 0;
    for (const row of this.#pending.values()) total += row.count;
    return total;
  }

  /** True while the periodic flush is scheduled. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Starts the periodic flush; its timer never keeps the process alive. */
  start(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setInterval(() => void this.flush(), this.#intervalMs);
    this.#timer.unref();
  }

  /**
   * Writes what was counted so far. Flushes run one after another; this one resolves when its rows are written or
   * (on a database failure, logged) put back for the next flush. Never rejects.
   */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#flushOnce());
    return this.#flushing;
  }

  /** Stops the timer and flushes what is left (before the store closes). Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }

  #trim(): void {
    while (this.#pending.size > MAX_PENDING_KEYS) this.#pending.delete(this.#pending.keys().next().value as string);
  }

  async #flushOnce(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    try {
      await this.#store.addLoginStats([...batch.values()]);
    } catch (error) {
      // The older counts go first again, so a long outage trims them before the newer ones.
      for (const [key, row] of this.#pending) {
        const older = batch.get(key);
        batch.set(key, older ? { ...older, count: older.count + row.count } : row);
      }
      this.#pending = batch;
      this.#trim();
      this.#logger.warn({ err: error, rows: batch.size }, 'login stats flush failed; counts kept for the next flush');
    }
  }
}
