import { it } from 'vitest';

/** Why a suite cannot run here; under CI (`fail`) that is a failure, elsewhere a skip. */
export interface Unavailable {
  reason: string;
  fail: boolean;
}

/**
 * The one way a suite says it cannot run: called at the top of a `describe` body, it declares one test that says so
 * — skipped with the reason, or failing with it under CI, where every backend must run — and answers false (return
 * from the body then). Answers true when nothing is missing.
 */
export function declareAvailability(tag: string, what: string, unavailable: Unavailable | undefined): boolean {
  if (unavailable === undefined) return true;
  const { reason, fail } = unavailable;
  if (fail) {
    it(`${tag} ${what} is available`, () => {
      throw new Error(`${tag} suite cannot run: ${reason}`);
    });
  } else {
    it.skip(`${tag} SKIPPED: ${reason}`, () => undefined);
  }
  return false;
}
