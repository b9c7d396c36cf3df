// The byte-wise sort of the image compile's packed keys gives what the
// built-in sort gives, below and above the size it starts at.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortNonNegative, sortRange, sortRangeByRank } from '../../src/engine/radix-sort.js';

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

describe('sortRange and sortRangeByRank', () => {
  it('sort a range of records as the built-in sort of that subarray does, short runs and long, with ties', () => {
    fc.assert(
      fc.property(
        // Records 0..n-1 in some order, each with a key (repeats: ties, which both sorts keep in their order).
        fc.integer({ min: 0, max: 60 }).chain((n) =>
          fc.tuple(
            fc.shuffledSubarray(
              Array.from({ length: n }, (_, i) => i),
              { minLength: n, maxLength: n },
            ),
            fc.array(fc.integer({ min: 0, max: 5 }), { minLength: n, maxLength: n }),
            fc.integer({ min: 0, max: n }),
            fc.integer({ min: 0, max: n }),
          ),
        ),
        ([records, keys, a, b]) => {
          const from = Math.min(a, b);
          const to = Math.max(a, b);
          const compare = (x: number, y: number): number => (keys[x] as number) - (keys[y] as number);
          const mine = Int32Array.from(records);
          const theirs = Int32Array.from(records);
          theirs.subarray(from, to).sort(compare);
          sortRange(mine, from, to, compare);
          expect(mine).toEqual(theirs);
          // Distinct ranks: a permutation of the records.
          const rank = Int32Array.from(records.map((_, i) => (i * 7919) % Math.max(1, records.length)));
          const ranked = Int32Array.from(records);
          const expected = Int32Array.from(records);
          expected.subarray(from, to).sort((x, y) => (rank[x] as number) - (rank[y] as number));
          sortRangeByRank(ranked, from, to, rank);
          expect(ranked).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
