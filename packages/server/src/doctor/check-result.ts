/** How a check came out: `warn` does not fail `wxlogin doctor`, `fail` does. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

/** The checks of `wxlogin doctor`, in the order they are printed; `app` runs once per configured appid. */
export type CheckName = 'configuration' | 'database' | 'migrations' | 'redis' | 'wechat' | 'app' | 'clock';

/** One check's outcome: one line of the report, and one entry of `--json`'s `checks`. */
export interface CheckResult {
  check: CheckName;
  /** The app an `app` check is about. */
  appid?: string;
  status: CheckStatus;
  /** What was found, in one line. */
  summary: string;
  /** The next step in plain words, for `warn` and `fail`. */
  next?: string;
  /** Lines printed under the check: every configuration problem, the pending migrations. */
  details?: string[];
  /** Measurements and codes for scripts (`--json`): never a secret or a token. */
  data?: Record<string, string | number | boolean | null>;
}

/** A reading of another clock against this machine's, for the clock check. */
export interface ClockSample {
  /** Whose clock: WeChat's (its `Date` header) or the database's. */
  source: 'wechat' | 'database';
  /** The other clock minus this machine's, ms. */
  offsetMs: number;
  /** How far off the reading itself may be, ms (half the round trip; WeChat's header has whole seconds). */
  uncertaintyMs: number;
}
