import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';

/**
 * The whole-call budget of one public client call, retries and token fetches included. Measured on the monotonic
 * clock (not the injectable wall clock: a test moving the wall clock must not time calls out).
 */
export class Deadline {
  readonly #endsAt: number;
  // Made on first use, with the one timer that ends them: the usual call (a free slot, an answer in time) needs only
  // the emitter undici listens on. An AbortSignal per WeChat call cost ~20 µs as `AbortSignal.timeout`, and a plain
  // one is still promoted to the old generation (undici's listener on it), growing the heap under load (measured).
  #controller: AbortController | undefined;
  #emitter: EventEmitter | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #fired = false;

  constructor(readonly budgetMs: number) {
    this.#endsAt = performance.now() + budgetMs;
  }

  /** Aborts when the budget is spent; for the waits of the call (a queue, a backoff, a shared fetch). */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#fired || this.remainingMs() === 0) this.#fire();
      else this.#arm();
    }
    return this.#controller.signal;
  }

  /** Emits `abort` when the budget is spent: what the HTTP request listens on (undici takes an EventEmitter). */
  get emitter(): EventEmitter {
    if (this.#emitter === undefined) {
      this.#emitter = new EventEmitter();
      this.#arm();
    }
    return this.#emitter;
  }

  /** Milliseconds left, never negative. */
  remainingMs(): number {
    return Math.max(0, this.#endsAt - performance.now());
  }

  /** True once the budget is spent (by the timer or by the clock, whichever notices first). */
  get expired(): boolean {
    return this.#fired || this.remainingMs() === 0;
  }

  /** Stops the timer once the call is over (optional: an undisposed deadline's timer only fires late, unheard). */
  dispose(): void {
    clearTimeout(this.#timer);
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#fired) return;
    this.#timer = setTimeout(() => this.#fire(), this.remainingMs());
    // Like `AbortSignal.timeout`: a pending budget never keeps the process alive.
    this.#timer.unref();
  }

  #fire(): void {
    this.#fired = true;
    this.#emitter?.emit('abort');
    this.#controller?.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
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
