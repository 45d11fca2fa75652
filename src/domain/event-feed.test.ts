import { describe, expect, it } from 'vitest';
import { comparePositions, expandEventFilter, formatCursor, parseCursor } from './event-feed.js';
import { eventTypes } from './events.js';

describe('feed cursors', () => {
  it('round-trip and order by transaction, then sequence', () => {
    const a = { txid: 5n, seq: 900n };
    const b = { txid: 6n, seq: 3n };
    expect(parseCursor(formatCursor(a))).toEqual(a);
    expect(comparePositions(a, b)).toBe(-1);
    expect(comparePositions(b, a)).toBe(1);
    expect(comparePositions(a, { ...a })).toBe(0);
  });

  it.each([
    '',
    '1',
    '-1-2',
    '1-',
    '-1',
    '1-2-3',
    'a-1',
    '1.2',
    ' 1-2',
    '1-2 ',
    '99999999999999999999-1',
    '9223372036854775808-0',
  ])('rejects %j', (cursor) => expect(parseCursor(cursor)).toBeUndefined());
});

describe('event filters', () => {
  it('expands prefixes and names, in catalog order, without duplicates', () => {
    const result = expandEventFilter('PostSignIn,User.*,User.Created');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.events).toContain('User.Data.Updated');
    expect(result.events).toContain('PostSignIn');
    expect(result.events).not.toContain('Role.Created');
    expect(new Set(result.events).size).toBe(result.events.length);
    expect(result.events.every((event) => event === 'PostSignIn' || event.startsWith('User.'))).toBe(true);
  });

  it('* is every event', () => {
    expect(expandEventFilter('*')).toEqual({ ok: true, events: eventTypes });
  });

  it.each([
    '',
    'User.Created,',
    ',',
    'user.created',
    'User',
    'Us.*',
    '.*',
    'Nope.*',
    'User.Created,Nope',
    'x'.repeat(5000),
  ])('rejects %j with a message', (spec) => {
    const result = expandEventFilter(spec);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message.length).toBeGreaterThan(0);
  });
});
