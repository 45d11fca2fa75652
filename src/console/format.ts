/**
 * How the console writes numbers, times and rates. Pure functions, so pages stay declarative and
 * the thresholds are tested once.
 *
 * Times are shown in UTC and say so: the server does not know the browser's time zone, and the
 * recovery form's inputs are read in UTC, so the two must agree.
 */
import type { HookExecutionStats } from '../domain/hooks.js';

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-03-02 10:30:05 UTC` */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`
  );
}

/** The value of a `datetime-local` input for `ms`, in UTC, to the minute. */
export function toDateTimeInput(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16);
}

/**
 * Reads a `datetime-local` value (`2026-03-02T10:30`, seconds optional) as UTC; undefined when it is
 * not one. `Date.parse` alone would read it in the server's zone and accept many other shapes.
 */
export function parseDateTimeInput(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  const ms = Date.parse(`${value}Z`);
  // Round-trip, so that a day the month does not have (Feb 30) is refused rather than rolled over.
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, value.length) !== value) return undefined;
  return ms;
}

/** `1,234` */
export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** `12 ms`, `1.4 s` */
export const formatDuration = (ms: number): string =>
  ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;

export type Tone = 'ok' | 'warn' | 'err' | 'idle' | 'info';

/**
 * The success rate as Logto's console shows it (docs/compatibility.md#console): two decimals; below 90 % is an
 * error, below 99 % an alert, otherwise a success. Undefined with no requests (shown as "-").
 */
export function successRate(stats: HookExecutionStats | undefined): { text: string; tone: Tone } | undefined {
  if (!stats || stats.requestCount === 0) return undefined;
  const percent = (stats.successCount / stats.requestCount) * 100;
  const tone: Tone = percent < 90 ? 'err' : percent < 99 ? 'warn' : 'ok';
  // Floor, not round: 99.996 % must not read as 100.00 % while a request failed.
  return { text: `${(Math.floor(percent * 100) / 100).toFixed(2)}%`, tone };
}

/** A response or request body for display: indented when it is JSON, as sent otherwise. */
export function prettyBody(text: string): string {
  if (text === '') return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** The tone of an HTTP status: 2xx success, anything else an error. */
export const statusTone = (status: number | null | undefined): Tone =>
  status !== null && status !== undefined && status >= 200 && status < 300 ? 'ok' : 'err';
