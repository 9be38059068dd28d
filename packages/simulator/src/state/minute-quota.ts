/** At most `limit` calls per key per calendar minute (WeChat's "retry next minute" quota). */
export class MinuteQuota {
  readonly #counts = new Map<string, number>();
  #minute = Number.NaN;

  /** @param limit - calls allowed per key per minute. */
  constructor(private readonly limit: number) {}

  /** Counts one call for `key`; false when this call is over the limit. */
  take(key: string, now: number): boolean {
    const minute = Math.floor(now / 60_000);
    // Every stored count belongs to #minute, so a new minute starts everyone from zero.
    if (minute !== this.#minute) {
      this.#counts.clear();
      this.#minute = minute;
    }
    const count = (this.#counts.get(key) ?? 0) + 1;
    this.#counts.set(key, count);
    return count <= this.limit;
  }
}
