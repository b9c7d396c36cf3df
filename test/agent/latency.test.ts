// The latency window status reports percentiles of: nearest-rank percentiles of the last N samples,
// selected rather than sorted (status may be asked by the thousand on one connection).
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LatencyWindow } from '../../src/agent/latency.js';

/** The nearest-rank percentile of `values` by sorting them (what the window must give). */
function byRank(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

describe('LatencyWindow', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives the nearest-rank percentile of the last samples, however many were added and asked in between', () => {
    const sample = fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 5 }));
    const step = fc.oneof(
      fc.record({ add: fc.array(sample, { maxLength: 40 }) }),
      fc.record({
        ask: fc.array(fc.oneof(fc.constantFrom(0, 1, 50, 99, 100), fc.double({ min: 0, max: 100 })), { maxLength: 4 }),
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(step, { maxLength: 30 }), (capacity, steps) => {
        const window = new LatencyWindow(capacity);
        const added: number[] = [];
        for (const s of steps) {
          if ('add' in s) {
            for (const value of s.add) window.add(value);
            added.push(...s.add);
          } else {
            const last = added.slice(-capacity);
            for (const p of s.ask) expect(window.percentile(p)).toBe(byRank(last, p));
          }
        }
        const last = added.slice(-capacity);
        for (const p of [0, 50, 99, 100]) expect(window.percentile(p)).toBe(byRank(last, p));
      }),
      { numRuns: 500 },
    );
  });

  it('selects in sorted, reversed and constant windows alike, and never sorts the window', () => {
    const sort = vi.spyOn(Float64Array.prototype, 'sort');
    const n = 4096;
    const runs: number[][] = [
      Array.from({ length: n }, (_, i) => i),
      Array.from({ length: n }, (_, i) => n - i),
      Array.from({ length: n }, () => 7),
      Array.from({ length: n }, (_, i) => i % 3),
    ];
    for (const run of runs) {
      const window = new LatencyWindow(n);
      for (const value of run) window.add(value);
      for (const p of [1, 50, 99]) expect(window.percentile(p)).toBe(byRank(run, p));
    }
    expect(sort).not.toHaveBeenCalled();
  });
});
