import type { LoginStatsPoint, LoginStatsReport, OutcomeCounts, StatsWindow } from '../schemas/admin.js';
import type { LoginStatTotal, Store } from '../store/types.js';
import { STATS_MINUTE_MS } from './login-stats-recorder.js';
import { parseStatOutcome } from './wechat-call-outcomes.js';

/** Minutes in each window (the current, still running minute included). */
export const STATS_WINDOW_MINUTES: Readonly<Record<StatsWindow, number>> = { '1h': 60, '24h': 1440 };

export type { LoginStatsPoint, LoginStatsReport, OutcomeCounts, StatsWindow } from '../schemas/admin.js';

/** The minutes of a window ending in the minute of `now`: the first one's start and the end of the current one. */
export function statsWindow(window: StatsWindow, now: number): { since: number; until: number } {
  const current = now - (now % STATS_MINUTE_MS);
  return { since: current - (STATS_WINDOW_MINUTES[window] - 1) * STATS_MINUTE_MS, until: current + STATS_MINUTE_MS };
}

/** The `login_stats` rows of a window (every kind of outcome), summed over instances. */
export async function windowRows(
  store: Store,
  query: { window: StatsWindow; now: number; appid?: string },
): Promise<{ since: number; until: number; rows: LoginStatTotal[] }> {
  const { since, until } = statsWindow(query.window, query.now);
  const rows = await store.loginStats({ since, ...(query.appid === undefined ? {} : { appid: query.appid }) });
  // A minute ahead of `now` (another instance's clock runs early) is outside the window.
  return { since, until, rows: rows.filter((row) => row.minute < until) };
}

const add = (counts: OutcomeCounts, key: string, count: number): void => {
  counts[key] = (counts[key] ?? 0) + count;
};

/** Reads `login_stats` for the window ending in the minute of `now` and shapes it for a chart. */
export async function loginStatsReport(
  store: Store,
  query: { window: StatsWindow; now: number; appid?: string },
): Promise<LoginStatsReport> {
  const { since, until, rows } = await windowRows(store, query);
  const series: LoginStatsPoint[] = [];
  for (let minute = since; minute < until; minute += STATS_MINUTE_MS) {
    series.push({ minute: new Date(minute).toISOString(), total: 0, counts: {}, wechatErrcodes: {} });
  }
  const totals: OutcomeCounts = {};
  const wechatErrcodes: OutcomeCounts = {};
  let total = 0;
  for (const row of rows) {
    const point = series[(row.minute - since) / STATS_MINUTE_MS];
    const outcome = parseStatOutcome(row.outcome);
    if (point === undefined || outcome === undefined) continue;
    if (outcome.kind === 'login') {
      add(point.counts, outcome.outcome, row.count);
      add(totals, outcome.outcome, row.count);
      point.total += row.count;
      total += row.count;
    } else if (outcome.kind === 'wechat' && outcome.api === 'code2Session' && outcome.errcode !== '0') {
      add(point.wechatErrcodes, outcome.errcode, row.count);
      add(wechatErrcodes, outcome.errcode, row.count);
    }
  }
  return {
    window: query.window,
    appid: query.appid ?? null,
    from: new Date(since).toISOString(),
    to: new Date(until).toISOString(),
    total,
    totals,
    wechatErrcodes,
    series,
  };
}
