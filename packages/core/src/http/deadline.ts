import { performance } from 'node:perf_hooks';

/**
 * The whole-call budget of one public client call, retries and token fetches included. Measured on the monotonic
 * clock (not the injectable wall clock: a test moving the wall clock must not time calls out).
 */
export class Deadline {
  readonly #endsAt: number;
  readonly #controller = new AbortController();
  // A plain timer, not `AbortSignal.timeout`: that one costs ~20 µs a call (measured), on every login's WeChat call.
  readonly #timer: ReturnType<typeof setTimeout>;

  constructor(readonly budgetMs: number) {
    this.#endsAt = performance.now() + budgetMs;
    this.#timer = setTimeout(() => {
      this.#controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    }, budgetMs);
    // Like `AbortSignal.timeout`: a pending budget never keeps the process alive.
    this.#timer.unref();
  }

  /** Aborts when the budget is spent; passed to every request and every wait of the call. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Milliseconds left, never negative. */
  remainingMs(): number {
    return Math.max(0, this.#endsAt - performance.now());
  }

  /** True once the budget is spent (by the timer or by the clock, whichever notices first). */
  get expired(): boolean {
    return this.signal.aborted || this.remainingMs() === 0;
  }

  /** Stops the timer once the call is over (optional: an undisposed deadline's timer only fires late, unheard). */
  dispose(): void {
    clearTimeout(this.#timer);
  }
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Waits for a promise shared with other callers (a single-flight fetch) but gives up when this caller's own signal
 * aborts; the shared promise runs on for the others.
 */
export function raceAbort<T>(shared: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    shared.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
