import { describe, expect, it } from 'vitest';
import {
  formatDuration,
  formatTime,
  parseDateTimeInput,
  prettyBody,
  successRate,
  toDateTimeInput,
} from './format.js';
import { safeNextPath } from './paths.js';

describe('console formatting', () => {
  it('colours success rates as Logto does: < 90 % error, < 99 % alert, else success', () => {
    const rate = (successCount: number, requestCount: number) => successRate({ successCount, requestCount });
    expect(rate(0, 0)).toBeUndefined();
    expect(successRate(undefined)).toBeUndefined();
    expect(rate(89, 100)).toEqual({ text: '89.00%', tone: 'err' });
    expect(rate(90, 100)).toEqual({ text: '90.00%', tone: 'warn' });
    expect(rate(989, 1000)).toEqual({ text: '98.90%', tone: 'warn' });
    expect(rate(99, 100)).toEqual({ text: '99.00%', tone: 'ok' });
    expect(rate(1, 1)).toEqual({ text: '100.00%', tone: 'ok' });
    // Never 100.00 % while a request failed.
    expect(rate(99_999, 100_000)).toEqual({ text: '99.99%', tone: 'ok' });
    expect(rate(2, 3)).toEqual({ text: '66.66%', tone: 'err' });
  });

  it('writes times in UTC and reads datetime-local values as UTC, refusing anything else', () => {
    const ms = Date.parse('2026-03-02T10:30:05.123Z');
    expect(formatTime(ms)).toBe('2026-03-02 10:30:05 UTC');
    expect(toDateTimeInput(ms)).toBe('2026-03-02T10:30');
    expect(parseDateTimeInput('2026-03-02T10:30')).toBe(Date.parse('2026-03-02T10:30:00Z'));
    expect(parseDateTimeInput('2026-03-02T10:30:05')).toBe(Date.parse('2026-03-02T10:30:05Z'));
    for (const bad of [
      '',
      'tomorrow',
      '2026-03-02',
      '2026-03-02 10:30',
      '2026-13-02T10:30',
      '2026-02-30T10:00',
      '2026-03-02T10:30Z',
      '1e12',
    ]) {
      expect(parseDateTimeInput(bad), bad).toBeUndefined();
    }
  });

  it('formats durations and indents JSON bodies only', () => {
    expect(formatDuration(12.4)).toBe('12 ms');
    expect(formatDuration(1450)).toBe('1.4 s');
    expect(prettyBody('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyBody('plain <b>text</b>')).toBe('plain <b>text</b>');
    expect(prettyBody('')).toBe('');
  });

  it('keeps the sign-in redirect inside the console', () => {
    expect(safeNextPath('/console/webhooks/abc/settings?x=1')).toBe('/console/webhooks/abc/settings?x=1');
    for (const next of [
      undefined,
      '',
      '/',
      '//evil.example',
      '/console//evil.example',
      'https://evil.example/console/x',
      '/\\evil.example',
      '/console/\\evil',
      '/console/../api/hooks',
      '/console/sign-in',
      '/console/sign-out',
      '/consolex',
      ' /console/webhooks',
    ]) {
      expect(safeNextPath(next), String(next)).toBe('/console/webhooks');
    }
  });
});
