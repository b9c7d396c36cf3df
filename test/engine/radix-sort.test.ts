// The byte-wise sort of the image compile's packed keys gives what the
// built-in sort gives, below and above the size it starts at.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortNonNegative } from '../../src/engine/radix-sort.js';

/** Packed keys as the compile makes them: an integer key times a power of two, plus a record number. */
function packed(keys: number[], scale: number): Float64Array {
  return Float64Array.from(keys, (key, record) => key * scale + record);
}

describe('sortNonNegative', () => {
  it('sorts as Float64Array.prototype.sort does, small and large', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { minLength: 0, maxLength: 12_000 }),
        fc.constantFrom(2, 2 ** 14, 2 ** 21),
        (keys, scale) => {
          const mine = packed(keys, scale);
          const theirs = mine.slice().sort();
          sortNonNegative(mine);
          expect(mine).toEqual(theirs);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sorts numbers up to 2^53, fractions, zero and repeats, in a view into a larger buffer', () => {
    const values = [2 ** 53 - 1, 0, 0.5, 1e-300, 7, 7, 2 ** 32, 2 ** 32 - 1, 123_456.75, Number.MAX_VALUE];
    const n = 10_000;
    const buffer = new Float64Array(n + 3);
    const keys = buffer.subarray(2, 2 + n);
    for (let i = 0; i < n; i++) keys[i] = (values[i % values.length] as number) * (i % 3 === 0 ? 1 : 0.25);
    const expected = keys.slice().sort();
    sortNonNegative(keys);
    expect(keys).toEqual(expected);
    expect(buffer[0]).toBe(0);
    expect(buffer[n + 2]).toBe(0);
  });
});
