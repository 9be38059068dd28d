/** Settings of a {@link CircuitBreaker}, all required (the client fills in its defaults). */
export interface CircuitBreakerSettings {
  /** Consecutive `unavailable` call outcomes that open the breaker. */
  failureThreshold: number;
  /** How long it stays open before one probe call is let through, ms. */
  openMs: number;
  /** Wall clock, epoch ms (the client's injectable `clock`). */
  clock: () => number;
}

/** Where the breaker stands. */
export type CircuitState = 'closed' | 'open' | 'half_open';

/**
 * Leave to make one call. Settle it exactly once with the call's outcome; later settlements are ignored, so a
 * `finally` may settle it unconditionally.
 */
export interface CircuitPermit {
  /**
   * `true`: the upstream was unavailable (timeout, network, 5xx, bad body, -1 after its retries); `false`: it answered
   * (success, or an errcode of any other kind); `undefined`: the call never reached it (refused locally).
   */
  settle(unavailable: boolean | undefined): void;
}

/** The breaker's answer to "may I call?": a permit, or a refusal with the time left until a probe is allowed. */
export type CircuitAdmission = { admitted: true; permit: CircuitPermit } | { admitted: false; retryAfterMs: number };

// While the probe is out, others are told to come back soon: its outcome arrives within one call budget.
const PROBE_IN_FLIGHT_RETRY_MS = 1000;

/**
 * A circuit breaker for one upstream origin. Closed, it counts consecutive `unavailable` outcomes; at
 * `failureThreshold` it opens, and for `openMs` every call is refused at once (no socket, no queue slot, no wait on a
 * dead WeChat). Then it is half-open: exactly one probe call goes through; if WeChat answers, it closes; if not, it
 * opens again for another `openMs`. Answers of any other kind (40029, 45011…) prove the transport works and reset
 * the count. Outcomes of calls admitted before the last state change are ignored: a slow call started while closed
 * must not close a breaker that has opened since.
 */
export class CircuitBreaker {
  readonly #settings: CircuitBreakerSettings;
  #failures = 0;
  #openedAt: number | null = null;
  #probing = false;
  // Bumped at every open/close: permits of an earlier generation no longer count.
  #generation = 0;

  constructor(settings: CircuitBreakerSettings) {
    this.#settings = settings;
  }

  /** The current state (half-open once the cool-down has passed, whether or not a probe is out). */
  get state(): CircuitState {
    if (this.#openedAt === null) return 'closed';
    return this.#remainingOpenMs(this.#openedAt) > 0 ? 'open' : 'half_open';
  }

  /** Asks to make one call: admitted while closed, and for the single probe once half-open. */
  admit(): CircuitAdmission {
    if (this.#openedAt === null) return { admitted: true, permit: this.#permit(false) };
    const remainingMs = this.#remainingOpenMs(this.#openedAt);
    if (remainingMs > 0) return { admitted: false, retryAfterMs: remainingMs };
    if (this.#probing) return { admitted: false, retryAfterMs: PROBE_IN_FLIGHT_RETRY_MS };
    this.#probing = true;
    return { admitted: true, permit: this.#permit(true) };
  }

  #permit(probe: boolean): CircuitPermit {
    const generation = this.#generation;
    let settled = false;
    return {
      settle: (unavailable) => {
        if (settled) return;
        settled = true;
        if (generation !== this.#generation) return;
        if (probe) {
          this.#probing = false;
          if (unavailable === true) this.#open();
          else if (unavailable === false) this.#close();
          // undefined: the probe never reached WeChat; the next call probes instead.
          return;
        }
        if (unavailable === false) this.#failures = 0;
        else if (unavailable === true && ++this.#failures >= this.#settings.failureThreshold) this.#open();
      },
    };
  }

  #remainingOpenMs(openedAt: number): number {
    const now = this.#settings.clock();
    if (now >= openedAt) return openedAt + this.#settings.openMs - now;
    // The wall clock stepped back: count the cool-down from now rather than stay open until it catches up.
    this.#openedAt = now;
    return this.#settings.openMs;
  }

  #open(): void {
    this.#openedAt = this.#settings.clock();
    this.#failures = 0;
    this.#probing = false;
    this.#generation += 1;
  }

  #close(): void {
    this.#openedAt = null;
    this.#failures = 0;
    this.#probing = false;
    this.#generation += 1;
  }
}
