import type { Counts, StatsPoint, StatsWindow } from '../api/types.js';

const MINUTE_MS = 60_000;

/** Minutes drawn as one column: the 24 h window's 1440 minutes as 144 columns of 10. */
export const COLUMN_MINUTES: Readonly<Record<StatsWindow, number>> = { '1h': 1, '24h': 10 };

/** One drawn column: the minutes it sums. */
export interface ChartColumn {
  /** ISO start of the column's first minute in the window. */
  start: string;
  /** Start in epoch ms. */
  startMs: number;
  /** Minutes it covers within the window (the first and last may be short). */
  minutes: number;
  /** Summed counts per key (outcome or errcode); keys with zero are absent. */
  counts: Counts;
  total: number;
}

/** Which counts of a point a chart draws. */
export type SeriesKind = 'outcomes' | 'errcodes';

function countsOf(point: StatsPoint, kind: SeriesKind): Counts {
  // An older service sends no per-minute errcodes: an empty chart, not a crash.
  return (kind === 'outcomes' ? point.counts : point.wechatErrcodes) ?? {};
}

/**
 * The series as columns of `columnMinutes`. Columns are aligned to the clock (every 10 minutes: :00, :10, …), so a
 * 24 h window usually has 145 columns, its first and last partial; a column's `start` is its first minute inside
 * the window, so it is always one of the series' minutes.
 */
export function toColumns(series: readonly StatsPoint[], columnMinutes: number, kind: SeriesKind): ChartColumn[] {
  const size = Math.max(1, Math.floor(columnMinutes)) * MINUTE_MS;
  const columns: ChartColumn[] = [];
  let current: ChartColumn | undefined;
  let currentKey = Number.NaN;
  for (const point of series) {
    const ms = Date.parse(point.minute);
    const key = Math.floor(ms / size);
    if (current === undefined || key !== currentKey) {
      current = { start: point.minute, startMs: ms, minutes: 0, counts: {}, total: 0 };
      currentKey = key;
      columns.push(current);
    }
    current.minutes += 1;
    for (const [name, count] of Object.entries(countsOf(point, kind))) {
      if (!(count > 0)) continue;
      current.counts[name] = (current.counts[name] ?? 0) + count;
      current.total += count;
    }
  }
  return columns;
}

/** The smallest 1, 2 or 5 × 10ⁿ at or above `value` (at least 1): the y axis' top. */
export function niceMax(value: number): number {
  if (!(value > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

/** Sum per key over the columns. */
export function sumColumns(columns: readonly ChartColumn[]): Counts {
  const sums: Counts = {};
  for (const column of columns) {
    for (const [name, count] of Object.entries(column.counts)) sums[name] = (sums[name] ?? 0) + count;
  }
  return sums;
}

/**
 * The order keys are stacked and listed in: `first` (e.g. `success`) at the bottom, then the rest by total,
 * largest first, ties by name so that the colours do not swap between refreshes.
 */
export function stackOrder(totals: Counts, first?: string): string[] {
  return Object.keys(totals)
    .filter((key) => (totals[key] ?? 0) > 0)
    .sort((a, b) => {
      if (a === first) return -1;
      if (b === first) return 1;
      return (totals[b] ?? 0) - (totals[a] ?? 0) || (a < b ? -1 : a > b ? 1 : 0);
    });
}

/** One drawn segment of a stacked column, in count units from the baseline. */
export interface StackSegment {
  column: number;
  key: string;
  count: number;
  /** Sum of the segments below it. */
  from: number;
}

/** The segments of each column with a count > 0, stacked in `order` from the baseline up. */
export function stackSegments(columns: readonly ChartColumn[], order: readonly string[]): StackSegment[] {
  const segments: StackSegment[] = [];
  columns.forEach((column, index) => {
    let from = 0;
    for (const key of order) {
      const count = column.counts[key] ?? 0;
      if (count <= 0) continue;
      segments.push({ column: index, key, count, from });
      from += count;
    }
  });
  return segments;
}

/**
 * The columns that get an x-axis time label: on every 10th minute for 1 h, on every 3rd hour for 24 h, read in
 * local time through `minuteOfDay` (the browser's by default).
 */
export function timeTicks(
  columns: readonly ChartColumn[],
  window: StatsWindow,
  minuteOfDay: (ms: number) => number = localMinuteOfDay,
): number[] {
  const every = window === '1h' ? 10 : 180;
  const ticks: number[] = [];
  columns.forEach((column, index) => {
    // A column holds the tick when one of its minutes is the tick minute.
    const first = minuteOfDay(column.startMs);
    const offset = (every - (first % every)) % every;
    if (offset < column.minutes) ticks.push(index);
  });
  return ticks;
}

/** Minutes since local midnight. */
export function localMinuteOfDay(ms: number): number {
  const date = new Date(ms);
  return date.getHours() * 60 + date.getMinutes();
}
