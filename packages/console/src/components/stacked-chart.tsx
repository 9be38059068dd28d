import type { StatsWindow } from '../api/types.js';
import { useI18n } from '../i18n/i18n-context.js';
import { type ChartColumn, niceMax, stackSegments, timeTicks } from '../lib/chart-model.js';
import { formatClock, formatCount } from '../lib/format.js';
import { toneOf } from '../lib/palette.js';

/** What a stacked chart draws and how it names it. */
export interface StackedChartProps {
  testid: string;
  /** Which data attribute names a segment's key. */
  keyAttr: 'outcome' | 'errcode';
  columns: readonly ChartColumn[];
  /** Keys bottom to top (also the legend's order). */
  order: readonly string[];
  totals: Readonly<Record<string, number>>;
  labelOf: (key: string) => string;
  window: StatsWindow;
  /** The chart's accessible name. */
  label: string;
  emptyText: string;
  /** Height in the drawing's units (its width is 960); default 220. */
  height?: number;
}

// The drawing's own units; the SVG scales to the card's width.
const WIDTH = 960;
const LEFT = 44;
const RIGHT = 10;
const TOP = 12;
const BOTTOM = 24;
const PLOT_W = WIDTH - LEFT - RIGHT;

/** A stacked column chart of counts over time, one `<rect>` per (column, key) with a count, and its legend. */
export function StackedChart(props: StackedChartProps) {
  const { t, locale } = useI18n();
  const { columns, order, keyAttr } = props;
  const HEIGHT = props.height ?? 220;
  const PLOT_H = HEIGHT - TOP - BOTTOM;
  const max = niceMax(Math.max(0, ...columns.map((column) => column.total)));
  const slot = PLOT_W / Math.max(1, columns.length);
  const barWidth = Math.max(1, slot * (columns.length > 90 ? 0.9 : 0.75));
  const scale = PLOT_H / max;
  const baseline = TOP + PLOT_H;
  const segments = stackSegments(columns, order);
  const ticks = timeTicks(columns, props.window);
  const empty = segments.length === 0;

  const columnTime = (column: ChartColumn): string =>
    column.minutes > 1
      ? `${formatClock(column.startMs)}–${formatClock(column.startMs + column.minutes * 60_000)}`
      : formatClock(column.startMs);

  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={props.label}
        data-testid={props.testid}
        data-columns={columns.length}
      >
        <g class="grid">
          <line x1={LEFT} x2={WIDTH - RIGHT} y1={TOP} y2={TOP} />
          <line x1={LEFT} x2={WIDTH - RIGHT} y1={TOP + PLOT_H / 2} y2={TOP + PLOT_H / 2} />
        </g>
        <g class="axis">
          <line x1={LEFT} x2={WIDTH - RIGHT} y1={baseline} y2={baseline} />
          <line x1={LEFT} x2={LEFT} y1={TOP} y2={baseline} />
          <text x={LEFT - 6} y={TOP + 4} text-anchor="end" data-testid="y-max">
            {formatCount(max, locale)}
          </text>
          {max >= 2 && max % 2 === 0 && (
            <text x={LEFT - 6} y={TOP + PLOT_H / 2 + 4} text-anchor="end">
              {formatCount(max / 2, locale)}
            </text>
          )}
          <text x={LEFT - 6} y={baseline + 4} text-anchor="end">
            0
          </text>
          {ticks.map((index) => {
            const column = columns[index]!;
            const x = LEFT + (index + 0.5) * slot;
            return (
              <g key={column.start}>
                <line x1={x} x2={x} y1={baseline} y2={baseline + 4} />
                <text x={x} y={HEIGHT - 6} text-anchor="middle">
                  {formatClock(column.startMs)}
                </text>
              </g>
            );
          })}
        </g>
        <g>
          {segments.map((segment) => {
            const column = columns[segment.column]!;
            const height = Math.max(1, segment.count * scale);
            const y = baseline - segment.from * scale - height;
            const x = LEFT + segment.column * slot + (slot - barWidth) / 2;
            return (
              <rect
                key={`${column.start}|${segment.key}`}
                class={`bar tone-${toneOf(segment.key)}`}
                data-testid="chart-point"
                data-minute={column.start}
                data-outcome={keyAttr === 'outcome' ? segment.key : undefined}
                data-errcode={keyAttr === 'errcode' ? segment.key : undefined}
                data-count={segment.count}
                x={x}
                y={y}
                width={barWidth}
                height={height}
              >
                <title>
                  {t('chart.pointTitle', {
                    time: columnTime(column),
                    label: props.labelOf(segment.key),
                    count: formatCount(segment.count, locale),
                  })}
                </title>
              </rect>
            );
          })}
        </g>
        {empty && (
          <text class="chart-empty" x={LEFT + PLOT_W / 2} y={TOP + PLOT_H / 2} text-anchor="middle">
            {props.emptyText}
          </text>
        )}
      </svg>
      {order.length > 0 && (
        <figcaption>
          <ul class="legend" data-testid={`${props.testid}-legend`} aria-label={t('chart.legend')}>
            {order.map((key) => (
              <li key={key}>
                <span class={`swatch tone-${toneOf(key)}`} aria-hidden="true" />
                <span>{props.labelOf(key)}</span>
                <span class="muted num">{formatCount(props.totals[key] ?? 0, locale)}</span>
              </li>
            ))}
          </ul>
        </figcaption>
      )}
    </figure>
  );
}
