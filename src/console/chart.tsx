/**
 * The per-hook activity chart: attempts per hour over the last 24 hours, successes stacked under
 * failures, drawn as inline SVG on the server. No chart library and no script: the geometry is a
 * pure function of the hourly counts, so it is tested directly and renders the same everywhere.
 */
import type { HourlyActivity } from '../services/hook-logs.js';
import { formatCount } from './format.js';

export const CHART_SIZE = Object.freeze({ width: 720, height: 150, top: 14, bottom: 22, left: 34, right: 6 });

export interface ChartBar {
  readonly x: number;
  readonly width: number;
  /** The success segment, from the baseline up. */
  readonly success: { readonly y: number; readonly height: number };
  /** The failure segment, stacked on the success one. */
  readonly failure: { readonly y: number; readonly height: number };
  readonly label: string;
}

export interface ChartGeometry {
  readonly bars: ChartBar[];
  /** The value the top grid line stands for (a round number ≥ the tallest bar). */
  readonly scaleMax: number;
  readonly ticks: Array<{ readonly x: number; readonly text: string }>;
  readonly totals: { readonly success: number; readonly failure: number };
}

/** 1, 2, 5, 10, 20, 50…: a readable top for the axis. */
export function niceCeiling(value: number): number {
  if (value <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * magnitude >= value) ?? 10;
  return step * magnitude;
}

const hourText = (ms: number) => `${String(new Date(ms).getUTCHours()).padStart(2, '0')}:00`;

/** Lays out one bar per hour; heights are proportional to the counts against `scaleMax`. */
export function chartGeometry(buckets: readonly HourlyActivity[]): ChartGeometry {
  const { width, height, top, bottom, left, right } = CHART_SIZE;
  const plotHeight = height - top - bottom;
  const baseline = height - bottom;
  const slot = (width - left - right) / Math.max(buckets.length, 1);
  const scaleMax = niceCeiling(Math.max(0, ...buckets.map((b) => b.successCount + b.failureCount)));
  // A non-zero count is at least 2 units tall: one failure among thousands must stay visible.
  const scale = (n: number) => (n === 0 ? 0 : Math.max(2, (n / scaleMax) * plotHeight));
  const bars = buckets.map((bucket, index) => {
    const x = left + index * slot + slot * 0.15;
    const successHeight = scale(bucket.successCount);
    const failureHeight = scale(bucket.failureCount);
    return {
      x,
      width: slot * 0.7,
      success: { y: baseline - successHeight, height: successHeight },
      failure: { y: baseline - successHeight - failureHeight, height: failureHeight },
      label:
        `${hourText(bucket.hourStart)}–${hourText(bucket.hourStart + 3_600_000)} UTC: ` +
        `${formatCount(bucket.successCount)} succeeded, ${formatCount(bucket.failureCount)} failed`,
    };
  });
  // A tick every 6 hours, at the hours that are multiples of 6, so the labels do not crowd.
  const ticks = buckets.flatMap((bucket, index) =>
    new Date(bucket.hourStart).getUTCHours() % 6 === 0
      ? [{ x: left + index * slot + slot / 2, text: hourText(bucket.hourStart) }]
      : [],
  );
  const totals = buckets.reduce(
    (sum, b) => ({ success: sum.success + b.successCount, failure: sum.failure + b.failureCount }),
    { success: 0, failure: 0 },
  );
  return { bars, scaleMax, ticks, totals };
}

const round = (n: number) => Math.round(n * 10) / 10;

export function ActivityChart({ buckets }: { buckets: readonly HourlyActivity[] }) {
  const { width, height, top, bottom, left, right } = CHART_SIZE;
  const geometry = chartGeometry(buckets);
  const { totals } = geometry;
  const summary =
    `Requests per hour over the last 24 hours: ${formatCount(totals.success)} succeeded, ` +
    `${formatCount(totals.failure)} failed.`;
  const baseline = height - bottom;
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={summary}
      data-testid="activity-chart"
      xmlns="http://www.w3.org/2000/svg"
    >
      <line x1={left} x2={width - right} y1={top} y2={top} stroke="#e1e4ea" stroke-dasharray="3 3" />
      <line x1={left} x2={width - right} y1={baseline} y2={baseline} stroke="#c8cdd6" />
      <text x={left - 6} y={top + 4} text-anchor="end" font-size="11" fill="#5b6475">
        {formatCount(geometry.scaleMax)}
      </text>
      <text x={left - 6} y={baseline + 4} text-anchor="end" font-size="11" fill="#5b6475">
        0
      </text>
      {geometry.bars.map((bar) => (
        <g>
          <title>{bar.label}</title>
          {/* An invisible full-height target, so hovering an empty hour still shows its label. */}
          <rect
            x={round(bar.x)}
            y={top}
            width={round(bar.width)}
            height={baseline - top}
            fill="transparent"
          />
          {bar.success.height > 0 ? (
            <rect
              x={round(bar.x)}
              y={round(bar.success.y)}
              width={round(bar.width)}
              height={round(bar.success.height)}
              fill="#2f9e5b"
              data-kind="success"
            />
          ) : null}
          {bar.failure.height > 0 ? (
            <rect
              x={round(bar.x)}
              y={round(bar.failure.y)}
              width={round(bar.width)}
              height={round(bar.failure.height)}
              fill="#d64545"
              data-kind="failure"
            />
          ) : null}
        </g>
      ))}
      {geometry.ticks.map((tick) => (
        <text x={round(tick.x)} y={height - 6} text-anchor="middle" font-size="11" fill="#5b6475">
          {tick.text}
        </text>
      ))}
      {totals.success + totals.failure === 0 ? (
        <text x={width / 2} y={(top + baseline) / 2} text-anchor="middle" font-size="13" fill="#5b6475">
          No requests in the last 24 hours
        </text>
      ) : null}
    </svg>
  );
}
