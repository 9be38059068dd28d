import type { LoginStatsPoint, LoginStatsReport, OutcomeCounts, StatsWindow } from '../schemas/admin.js';
import type { Store } from '../store/types.js';
import { STATS_MINUTE_MS } from './login-stats-recorder.js';

/** Minutes in each window (the current, still running minute included). */
export const STATS_WINDOW_MINUTES: Readonly<Record<StatsWindow, number>> = { '1h': 60, '24h': 1440 };

export type { LoginStatsPoint, LoginStatsReport, OutcomeCounts, StatsWindow } from '../schemas/admin.js';

/** Reads `login_stats` for the window ending in the minute of `now` and shapes it for a chart. */
export async function loginStatsReport(
  store: Store,
  query: { window: StatsWindow; now: number; appid?: string },
): Promise<LoginStatsReport> {
  const minutes = STATS_WINDOW_MINUTES[query.window];
  const current = query.now - (query.now % STATS_MINUTE_MS);
  const since = current - (minutes - 1) * STATS_MINUTE_MS;
  const rows = await store.loginStats({ since, ...(query.appid === undefined ? {} : { appid: query.appid }) });

  const series: LoginStatsPoint[] = [];
  for (let i = 0; i < minutes; i++) {
    series.push({ minute: new Date(since + i * STATS_MINUTE_MS).toISOString(), total: 0, counts: {} });
  }
  const totals: OutcomeCounts = {};
  let total = 0;
  for (const row of rows) {
    const point = series[(row.minute - since) / STATS_MINUTE_MS];
    // A minute ahead of `now` (another instance's clock runs early) is outside the window.
    if (point === undefined) continue;
    point.counts[row.outcome] = (point.counts[row.outcome] ?? 0) + row.count;
    point.total += row.count;
    totals[row.outcome] = (totals[row.outcome] ?? 0) + row.count;
    total += row.count;
  }
  return {
    window: query.window,
    appid: query.appid ?? null,
    from: new Date(since).toISOString(),
    to: new Date(current + STATS_MINUTE_MS).toISOString(),
    total,
    totals,
    series,
  };
}
