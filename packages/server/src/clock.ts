/**
 * Where the service reads the time: epoch milliseconds, like `Date.now` (the same shape `@wxlogin/core` and the
 * simulator take, so one test clock drives all three). Injected so tests can move time without fake timers (which
 * would stall the sockets the simulator and the database use).
 */
export type Clock = () => number;

/** The real wall clock. */
export const systemClock: Clock = () => Date.now();
