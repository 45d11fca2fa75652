import { describe, expect, it } from 'vitest';
import { newRecordId, newSecret, newStandardId, newUserId, randomString, secretsMatch } from './ids.js';

describe('ids', () => {
  it('have Logto formats', () => {
    expect(newUserId()).toMatch(/^[0-9a-z]{12}$/);
    expect(newStandardId()).toMatch(/^[0-9a-z]{21}$/);
    expect(newSecret()).toMatch(/^[0-9A-Za-z]{32}$/);
  });

  it('record ids carry their prefix and sort in creation order, even within one millisecond', () => {
    const ids = Array.from({ length: 500 }, () => newRecordId('evt'));
    expect(ids.every((id) => /^evt_[0-9a-z]{21}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('draws every alphabet character without bias towards the first ones', () => {
    const counts = new Map<string, number>();
    for (const char of randomString(36_000, 'abc')) counts.set(char, (counts.get(char) ?? 0) + 1);
    for (const count of counts.values()) expect(Math.abs(count - 12_000)).toBeLessThan(600);
  });
});

describe('secretsMatch', () => {
  it('matches only the same secret, and never an empty expected one', () => {
    expect(secretsMatch('s3cret-token', 's3cret-token')).toBe(true);
    expect(secretsMatch('s3cret-tokeN', 's3cret-token')).toBe(false);
    expect(secretsMatch('s3cret', 's3cret-token')).toBe(false);
    expect(secretsMatch('', '')).toBe(false);
    expect(secretsMatch('é', 'e\u0301')).toBe(false);
  });
});
