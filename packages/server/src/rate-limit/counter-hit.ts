/** One hit counted in a fixed window: the count in the current window, and the milliseconds left in it. */
export interface CounterHit {
  current: number;
  ttl: number;
}
