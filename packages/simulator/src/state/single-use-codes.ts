/** One issued code. */
export interface CodeEntry<Grant> {
  readonly grant: Grant;
  readonly expiresAt: number;
  /** When the code was redeemed; undefined while unused. */
  usedAt: number | undefined;
}

/** Codes that live `lifetimeMs` from issue (by the injected clock) and are redeemed at most once. */
export class SingleUseCodes<Grant> {
  readonly #entries = new Map<string, CodeEntry<Grant>>();
  #issuedSincePrune = 0;

  /** @param lifetimeMs - how long a code lives. @param makeCode - makes a new random code. */
  constructor(
    private readonly lifetimeMs: number,
    private readonly makeCode: () => string,
  ) {}

  /** Issues a new code for `grant`. */
  issue(grant: Grant, now: number): string {
    this.#pruneNowAndThen(now);
    const code = this.makeCode();
    this.#entries.set(code, { grant, expiresAt: now + this.lifetimeMs, usedAt: undefined });
    return code;
  }

  /** The code's entry, expired or used ones included, or undefined when it was never issued. */
  find(code: string): CodeEntry<Grant> | undefined {
    return this.#entries.get(code);
  }

  // Expired codes answer exactly like unknown ones, so dropping them changes no answer; it only bounds memory.
  #pruneNowAndThen(now: number): void {
    this.#issuedSincePrune += 1;
    if (this.#issuedSincePrune < 1024) return;
    this.#issuedSincePrune = 0;
    for (const [code, entry] of this.#entries) if (now >= entry.expiresAt) this.#entries.delete(code);
  }
}
