import type { Deadline } from './deadline.js';

/** Gives a slot back; calling it twice is harmless. */
export type ReleaseSlot = () => void;

interface Waiter {
  grant: (release: ReleaseSlot) => void;
}

/**
 * Caps the upstream calls of one client: `maxInFlight` at once, `maxQueued` waiting in FIFO order, and beyond that
 * an immediate refusal, so a WeChat slowdown turns into fast 503s instead of an ever-growing pile of sockets.
 */
export class ConcurrencyGate {
  #inFlight = 0;
  // A Set keeps insertion order and drops an aborted waiter in O(1).
  readonly #queue = new Set<Waiter>();

  constructor(
    readonly maxInFlight: number,
    readonly maxQueued: number,
  ) {}

  /** Calls holding a slot. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Calls waiting for a slot. */
  get queued(): number {
    return this.#queue.size;
  }

  /**
   * Takes a slot, waiting in line (within `deadline`) if needed.
   * @returns a promise of the release function, or `null` at once when the queue is full as well.
   */
  acquire(deadline: Deadline): Promise<ReleaseSlot> | null {
    if (this.#inFlight < this.maxInFlight) {
      this.#inFlight += 1;
      return Promise.resolve(this.#releaser());
    }
    if (this.#queue.size >= this.maxQueued) return null;
    // Only a call that must wait needs the deadline's signal.
    const signal = deadline.signal;
    return new Promise<ReleaseSlot>((resolve, reject) => {
      const waiter: Waiter = {
        grant: (release) => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      const onAbort = (): void => {
        this.#queue.delete(waiter);
        reject(signal.reason);
      };
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      this.#queue.add(waiter);
    });
  }

  #releaser(): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#queue.values().next();
      if (next.done === true) {
        this.#inFlight -= 1;
        return;
      }
      // The slot passes straight to the next waiter: in-flight count unchanged.
      this.#queue.delete(next.value);
      next.value.grant(this.#releaser());
    };
  }
}
