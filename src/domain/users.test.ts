import { describe, expect, it } from 'vitest';
import { isJsonDepthWithin, jsonObjectSchema, MAX_JSON_DEPTH } from './users.js';

/** `depth` levels, alternating objects and arrays, the outermost an object. */
const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let level = depth; level >= 1; level--) value = level % 2 ? { a: value } : [value];
  return value;
};

describe('free-form JSON depth', () => {
  it('counts arrays and objects as levels, scalars as none', () => {
    expect(isJsonDepthWithin(1, 0)).toBe(true);
    expect(isJsonDepthWithin({}, 0)).toBe(false);
    expect(isJsonDepthWithin({ a: [1, { b: null }] }, 3)).toBe(true);
    expect(isJsonDepthWithin({ a: [1, { b: [] }] }, 3)).toBe(false);
  });

  it('accepts customData up to the limit and refuses deeper, without overflowing the stack', () => {
    expect(jsonObjectSchema.safeParse(nested(MAX_JSON_DEPTH)).success).toBe(true);
    expect(jsonObjectSchema.safeParse(nested(MAX_JSON_DEPTH + 1)).success).toBe(false);
    // Deeper than JSON.stringify survives: the check itself must not recurse.
    const deep = JSON.parse(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`) as unknown;
    expect(jsonObjectSchema.safeParse(deep).success).toBe(false);
  });
});
