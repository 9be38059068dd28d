/** A clock tests move by hand: a function like `Date.now`, plus `advance`/`set`. */
export interface TestClock {
  (): number;
  /** Moves time forward by `ms`. */
  advance(ms: number): void;
  /** Sets the time (epoch ms). */
  set(ms: number): void;
}

/** A test clock starting at `start` (default 2025-06-15T12:00:00Z, a fixed instant so runs are comparable). */
export function createTestClock(start = Date.UTC(2025, 5, 15, 12)): TestClock {
  let now = start;
  const clock = (() => now) as TestClock;
  clock.advance = (ms) => {
    now += ms;
  };
  clock.set = (ms) => {
    now = ms;
  };
  return clock;
}
