import { describe, expect, it } from 'vitest';
import { ActivityChart, CHART_SIZE, chartGeometry, niceCeiling } from './chart.js';

const HOUR = 3_600_000;
const start = Date.parse('2026-03-01T11:00:00.000Z');
const buckets = (counts: Array<[number, number]>) =>
  counts.map(([successCount, failureCount], index) => ({
    hourStart: start + index * HOUR,
    successCount,
    failureCount,
  }));

describe('activity chart', () => {
  it('rounds the axis up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 2, 3, 5, 7, 10, 11, 49, 51, 101, 2500].map(niceCeiling)).toEqual([
      1, 1, 2, 5, 5, 10, 10, 20, 50, 100, 200, 5000,
    ]);
  });

  it('stacks failures on successes, in proportion to the axis', () => {
    const geometry = chartGeometry(
      buckets([
        [6, 4],
        [0, 0],
        [3, 0],
      ]),
    );
    expect(geometry.scaleMax).toBe(10);
    expect(geometry.totals).toEqual({ success: 9, failure: 4 });
    const plot = CHART_SIZE.height - CHART_SIZE.top - CHART_SIZE.bottom;
    const baseline = CHART_SIZE.height - CHART_SIZE.bottom;
    const [full, empty, partial] = geometry.bars;
    expect(full?.success).toEqual({ y: baseline - plot * 0.6, height: plot * 0.6 });
    expect(full?.failure.y).toBeCloseTo(CHART_SIZE.top);
    expect(full?.failure.height).toBeCloseTo(plot * 0.4);
    expect(empty?.success.height).toBe(0);
    expect(empty?.failure.height).toBe(0);
    expect(partial?.success.height).toBeCloseTo(plot * 0.3);
    // Bars do not overlap and stay inside the plot.
    const xs = geometry.bars.map((bar) => bar.x);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    expect((full?.x ?? 0) + (full?.width ?? 0)).toBeLessThan(empty?.x ?? 0);
  });

  it('keeps a single failure among thousands visible', () => {
    const [bar] = chartGeometry(buckets([[5000, 1]])).bars;
    expect(bar?.failure.height).toBeGreaterThanOrEqual(2);
  });

  it('labels every hour for hover and screen readers, with a tick every six hours', () => {
    const geometry = chartGeometry(buckets(Array.from({ length: 24 }, () => [1, 0] as [number, number])));
    expect(geometry.bars[0]?.label).toBe('11:00–12:00 UTC: 1 succeeded, 0 failed');
    expect(geometry.ticks.map((tick) => tick.text)).toEqual(['12:00', '18:00', '00:00', '06:00']);
  });

  it('renders SVG with a summary, and says so when there was nothing', async () => {
    const busy = String(await ActivityChart({ buckets: buckets([[2, 1]]) }));
    expect(busy).toContain('role="img"');
    expect(busy).toContain('aria-label="Requests per hour over the last 24 hours: 2 succeeded, 1 failed."');
    expect(busy).not.toContain('No requests');
    const quiet = String(await ActivityChart({ buckets: buckets([[0, 0]]) }));
    expect(quiet).toContain('No requests in the last 24 hours');
    expect(quiet).not.toContain('data-kind');
  });
});
