/** A row of `login_stats`: login outcomes counted in memory by one instance and flushed every 10 s. */
export interface LoginStatRow {
  appid: string;
  /** Epoch ms at the start of the minute (a multiple of 60 000). */
  minute: number;
  /** `success` or the error code. */
  outcome: string;
  /** Which instance counted them (so several instances never write the same row at once). */
  instance: string;
  count: number;
}

/** `login_stats` summed over instances. */
export type LoginStatTotal = Omit<LoginStatRow, 'instance'>;

/** Login outcomes per app and minute, for the admin console's chart. */
export interface StatsStore {
  /** Adds the counts to `login_stats` (additive upsert on appid, minute, outcome, instance). */
  addLoginStats(rows: readonly LoginStatRow[]): Promise<void>;
  /** Counts per (appid, minute, outcome) summed over instances, for minutes `>= since`, ordered by minute. */
  loginStats(query: { since: number; appid?: string }): Promise<LoginStatTotal[]>;
}
