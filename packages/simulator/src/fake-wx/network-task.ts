import type { AppLifecycle } from './background.js';
import { WxFailure } from './callbacks.js';

/** How many calls of one network API ran at once, at most, and in total. */
export interface RequestCounters {
  inFlight: number;
  maxInFlight: number;
  total: number;
}

/** What the network APIs of one launch share. */
export interface NetworkContext {
  /** Foreground or background, alive or killed: when running calls must stop. */
  readonly lifecycle: AppLifecycle;
  /** Whether the device has no network now. */
  isOffline(): boolean;
  /** The Referer WeChat puts on every request: `https://servicewechat.com/{appid}/{version}/page-frame.html`. */
  readonly referer: string;
}

/** The errMsg reason of a device without network (what Android's WeChat answers). */
export const OFFLINE_REASON = '-106:net::ERR_INTERNET_DISCONNECTED';

/** WeChat's default `timeout` of every network API, in milliseconds. */
export const DEFAULT_NETWORK_TIMEOUT_MS = 60_000;

interface Waiter {
  readonly resolve: () => void;
}

/**
 * The in-flight limit of one network API (WeChat counts `wx.request`, `wx.uploadFile`, … separately, 10 each): the
 * rest wait in order (base library >= 1.4.0 queues them). A waiter whose signal aborts leaves the queue at once.
 */
export class Lane {
  readonly counters: RequestCounters = { inFlight: 0, maxInFlight: 0, total: 0 };
  readonly #waiting: Waiter[] = [];

  /** @param maxConcurrent - calls allowed in flight at once. */
  constructor(private readonly maxConcurrent: number) {}

  /** Resolves when the caller holds a slot; rejects if `signal` aborts first. */
  async acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw signal.reason;
    // A waiter is handed the slot of the call that ended (see release): it is already counted in flight.
    if (this.counters.inFlight >= this.maxConcurrent) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const at = this.#waiting.indexOf(waiter);
          if (at >= 0) this.#waiting.splice(at, 1);
          reject(signal.reason);
        };
        const waiter: Waiter = {
          resolve: () => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        signal.addEventListener('abort', onAbort, { once: true });
        this.#waiting.push(waiter);
      });
    } else {
      this.counters.inFlight += 1;
    }
    this.counters.total += 1;
    this.counters.maxInFlight = Math.max(this.counters.maxInFlight, this.counters.inFlight);
  }

  /** Gives the slot back, straight to the next waiter if any. */
  release(): void {
    // Freeing the slot and waking the waiter later would let a call made in between take it too: 11 in flight.
    const next = this.#waiting.shift();
    if (next === undefined) this.counters.inFlight -= 1;
    else next.resolve();
  }
}

/** A started network call: its outcome, and the task's `abort()`. */
export interface RunningTask<Result> {
  /** Resolves with what `send` gave, or rejects with a {@link WxFailure}. */
  readonly result: Promise<Result>;
  /** The task's `abort()`: `<api>:fail abort`, queued or on the wire; nothing once the call ended. */
  abort(): void;
}

/**
 * Runs one call of a network API with WeChat's failure rules: queued in `lane`, `fail abort` on `abort()` (queued or
 * not), `fail timeout` after `timeoutMs` on the wire, `fail interrupted` when the lifecycle says so, the offline
 * reason while offline, and `<api>:fail <cause>` for any other error of `send`.
 */
export function runNetworkTask<Result>(
  api: string,
  context: NetworkContext,
  lane: Lane,
  timeoutMs: number,
  send: (signal: AbortSignal) => Promise<Result>,
): RunningTask<Result> {
  const controller = new AbortController();
  let ended: 'abort' | 'interrupted' | 'timeout' | 'killed' | undefined;
  const stop = (why: NonNullable<typeof ended>): void => {
    if (ended !== undefined) return;
    ended = why;
    controller.abort();
  };
  // A killed app's calls end as aborted ones: no JS is left to tell the difference.
  const failure = (): WxFailure =>
    new WxFailure(`${api}:fail ${ended === undefined || ended === 'killed' ? 'abort' : ended}`);

  const result = (async (): Promise<Result> => {
    const untrack = context.lifecycle.track(stop);
    try {
      try {
        await lane.acquire(controller.signal);
      } catch {
        throw failure();
      }
      try {
        if (ended !== undefined) throw failure();
        if (context.isOffline()) throw new WxFailure(`${api}:fail ${OFFLINE_REASON}`);
        const timer = setTimeout(() => stop('timeout'), timeoutMs);
        try {
          return await send(controller.signal);
        } catch (error) {
          if (ended !== undefined) throw failure();
          if (error instanceof WxFailure) throw error;
          throw new WxFailure(`${api}:fail ${causeOf(error)}`);
        } finally {
          clearTimeout(timer);
        }
      } finally {
        lane.release();
      }
    } finally {
      untrack();
    }
  })();
  return { result, abort: () => stop('abort') };
}

function causeOf(error: unknown): string {
  // fetch says only "fetch failed"; the useful part (ECONNREFUSED …) is its cause.
  if (error instanceof Error && error.cause instanceof Error) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}
