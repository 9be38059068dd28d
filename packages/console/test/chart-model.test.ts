import { describe, expect, it } from 'vitest';
import type { Counts, StatsPoint } from '../src/api/types.js';
import {
  COLUMN_MINUTES,
  niceMax,
  stackOrder,
  stackSegments,
  sumColumns,
  timeTicks,
  toColumns,
} from '../src/lib/chart-model.js';

const MINUTE = 60_000;

/** A gapless series of `minutes` points from `start`, `at(i)` giving each minute's counts. */
function series(start: number, minutes: number, at: (i: number) => Counts): StatsPoint[] {
  return Array.from({ length: minutes }, (_, i) => {
    const counts = at(i);
    return {
      minute: new Date(start + i * MINUTE).toISOString(),
      total: Object.values(counts).reduce((a, b) => a + b, 0),
      counts,
      wechatErrcodes: errcodesOf(counts),
    };
  });
}

// The errcode WeChat answers for a bad code, once per INVALID_CODE outcome.
function errcodesOf(counts: Counts): Counts {
  const invalid = counts['INVALID_CODE'] ?? 0;
  return invalid > 0 ? { '40029': invalid } : {};
}

const utcMinuteOfDay = (ms: number): number => Math.floor(ms / MINUTE) % 1440;

describe('toColumns', () => {
  it('keeps the 1 h window as 60 one-minute columns', () => {
    const start = Date.UTC(2025, 0, 1, 9, 7);
    const columns = toColumns(
      series(start, 60, () => ({ success: 2 })),
      COLUMN_MINUTES['1h'],
      'outcomes',
    );
    expect(columns).toHaveLength(60);
    expect(columns[0]).toMatchObject({ start: new Date(start).toISOString(), minutes: 1, total: 2 });
  });

  it('sums the 24 h window into clock-aligned 10-minute columns, nothing lost', () => {
    // 09:07 UTC: the first column is 09:07–09:10 (3 minutes), the last 09:00–09:07 of the next day (7).
    const start = Date.UTC(2025, 0, 1, 9, 7);
    const points = series(start, 1440, (i): Counts => (i % 3 === 0 ? { success: 1, INVALID_CODE: 1 } : { success: 2 }));
    const columns = toColumns(points, COLUMN_MINUTES['24h'], 'outcomes');
    expect(columns).toHaveLength(145);
    expect(columns[0]).toMatchObject({ start: points[0]!.minute, minutes: 3 });
    expect(columns[1]).toMatchObject({ start: new Date(Date.UTC(2025, 0, 1, 9, 10)).toISOString(), minutes: 10 });
    expect(columns.at(-1)!.minutes).toBe(7);
    expect(columns.reduce((sum, column) => sum + column.minutes, 0)).toBe(1440);
    // Every column start is a minute of the series (the drawing's data-minute).
    const minutes = new Set(points.map((point) => point.minute));
    expect(columns.every((column) => minutes.has(column.start))).toBe(true);
    // Column 1 = minutes 3..12: i % 3 === 0 at 3, 6, 9, 12 → 4 failures, 4 + 6×2 successes.
    expect(columns[1]!.counts).toEqual({ success: 16, INVALID_CODE: 4 });
    const sums = sumColumns(columns);
    expect(sums).toEqual({ success: 480 + 960 * 2, INVALID_CODE: 480 });
    expect(columns.reduce((sum, column) => sum + column.total, 0)).toBe(points.reduce((s, p) => s + p.total, 0));
  });

  it('has exactly 144 columns when the window starts on a 10-minute boundary', () => {
    const start = Date.UTC(2025, 0, 1, 9, 10);
    expect(
      toColumns(
        series(start, 1440, () => ({})),
        10,
        'outcomes',
      ),
    ).toHaveLength(144);
  });

  it('reads the errcodes of each minute for the errcode chart, and no errcodes as none', () => {
    const start = Date.UTC(2025, 0, 1, 9, 0);
    const points = series(start, 20, (i): Counts => (i < 5 ? { INVALID_CODE: 2 } : { success: 1 }));
    expect(sumColumns(toColumns(points, 10, 'errcodes'))).toEqual({ '40029': 10 });
    const old = points.map(({ wechatErrcodes: _, ...rest }) => rest) as unknown as StatsPoint[];
    expect(sumColumns(toColumns(old, 10, 'errcodes'))).toEqual({});
  });

  it('ignores zero and negative counts', () => {
    const columns = toColumns(
      series(0, 1, () => ({ success: 0, X: -1 })),
      1,
      'outcomes',
    );
    expect(columns[0]).toMatchObject({ counts: {}, total: 0 });
  });
});

describe('niceMax', () => {
  it('rounds up to 1, 2 or 5 × 10ⁿ', () => {
    expect([0, 1, 2, 3, 7, 10, 11, 20, 21, 99, 100, 101, 480, 501].map(niceMax)).toEqual([
      1, 1, 2, 5, 10, 10, 20, 20, 50, 100, 100, 200, 500, 1000,
    ]);
  });
});

describe('stacking', () => {
  it('puts success at the bottom, then failures by total, ties by name', () => {
    expect(stackOrder({ INVALID_CODE: 3, success: 1, RATE_LIMITED: 3, X: 9, Z: 0 }, 'success')).toEqual([
      'success',
      'X',
      'INVALID_CODE',
      'RATE_LIMITED',
    ]);
  });

  it('stacks only counts above zero, each on the ones below', () => {
    const columns = toColumns(
      series(0, 2, (i): Counts => (i === 0 ? { success: 5, INVALID_CODE: 2 } : { INVALID_CODE: 1 })),
      1,
      'outcomes',
    );
    expect(stackSegments(columns, ['success', 'INVALID_CODE'])).toEqual([
      { column: 0, key: 'success', count: 5, from: 0 },
      { column: 0, key: 'INVALID_CODE', count: 2, from: 5 },
      { column: 1, key: 'INVALID_CODE', count: 1, from: 0 },
    ]);
  });
});

describe('timeTicks', () => {
  it('labels every 10th minute of an hour', () => {
    const columns = toColumns(
      series(Date.UTC(2025, 0, 1, 9, 7), 60, () => ({})),
      1,
      'outcomes',
    );
    const ticks = timeTicks(columns, '1h', utcMinuteOfDay);
    expect(ticks.map((i) => columns[i]!.start.slice(11, 16))).toEqual([
      '09:10',
      '09:20',
      '09:30',
      '09:40',
      '09:50',
      '10:00',
    ]);
  });

  it('labels every 3rd hour of a day', () => {
    const columns = toColumns(
      series(Date.UTC(2025, 0, 1, 9, 7), 1440, () => ({})),
      10,
      'outcomes',
    );
    const ticks = timeTicks(columns, '24h', utcMinuteOfDay);
    expect(ticks.map((i) => columns[i]!.start.slice(11, 16))).toEqual([
      '12:00',
      '15:00',
      '18:00',
      '21:00',
      '00:00',
      '03:00',
      '06:00',
      '09:00',
    ]);
  });
});
