import { describe, expect, it } from 'vitest';
import { hasFailedForWindow, hookDisabledEvent } from './hook-health.js';

const WINDOW = 5 * 86_400_000;
const NOW = Date.parse('2026-11-29T12:00:00.000Z');

describe('hasFailedForWindow', () => {
  it('needs failures spanning the whole window', () => {
    expect(hasFailedForWindow({ failingSince: NOW - WINDOW, lastFailureAt: NOW }, NOW, WINDOW)).toBe(true);
    expect(hasFailedForWindow({ failingSince: NOW - WINDOW - 1, lastFailureAt: NOW - 1 }, NOW, WINDOW)).toBe(
      true,
    );
  });

  it('is false for a healthy hook, a short run, or one old failure followed by silence', () => {
    expect(hasFailedForWindow({ failingSince: null, lastFailureAt: null }, NOW, WINDOW)).toBe(false);
    expect(hasFailedForWindow({ failingSince: NOW - WINDOW + 1, lastFailureAt: NOW }, NOW, WINDOW)).toBe(
      false,
    );
    expect(
      hasFailedForWindow({ failingSince: NOW - 10 * WINDOW, lastFailureAt: NOW - 10 * WINDOW }, NOW, WINDOW),
    ).toBe(false);
  });
});

describe('hookDisabledEvent', () => {
  it('is a data-event shaped payload naming the hook and its failure run', () => {
    const event = hookDisabledEvent(
      { id: 'h1', name: 'CRM', url: 'https://crm.example/hook', failingSince: 1, lastFailureAt: 2 },
      NOW,
      WINDOW,
    );
    expect(event.type).toBe('Hook.Disabled');
    expect(Object.keys(event.payload)).toEqual(['event', 'createdAt', 'data']);
    expect(event.payload.data).toEqual({
      id: 'h1',
      name: 'CRM',
      url: 'https://crm.example/hook',
      enabled: false,
      reason: 'failing',
      failingSince: 1,
      lastFailureAt: 2,
      disableAfterSeconds: 432_000,
    });
  });
});
