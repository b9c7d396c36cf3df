/**
 * Timing helpers shared by the benchmark sections: a forced garbage
 * collection between measurements, the cost of the timer itself, a
 * throughput loop and a per-operation latency recorder.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { percentile, sortedCopy } from '../lib/stats.js';

let gcFn: (() => void) | undefined;

/**
 * Runs a full garbage collection when the runtime allows it, so that one
 * measurement does not pay for the garbage of the previous one. Works without
 * `--expose-gc`: the flag is set at run time and `gc` taken from a new context.
 */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (typeof existing === 'function') {
      gcFn = existing;
    } else {
      try {
        setFlagsFromString('--expose-gc');
        gcFn = runInNewContext('gc') as () => void;
      } catch {
        gcFn = () => undefined;
      }
    }
  }
  gcFn();
}

/** Milliseconds since an hrtime.bigint() reading. */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Times one synchronous call, in milliseconds, and returns its result. */
export function timeMs<T>(fn: () => T): { ms: number; value: T } {
  const start = process.hrtime.bigint();
  const value = fn();
  return { ms: msSince(start), value };
}

/** The median of a few numbers (the lower middle for an even count). */
export function median(values: readonly number[]): number {
  return percentile(sortedCopy(values), 50);
}

/** The median cost, in nanoseconds, of the two hrtime.bigint() calls that time one operation. */
export function timerOverheadNs(samples = 100_000): number {
  const out = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    const t1 = process.hrtime.bigint();
    out[i] = Number(t1 - t0);
  }
  return percentile(out.sort(), 50);
}

/** Keeps results observable so the optimizer cannot drop the measured calls. */
let sink = 0;
export function consume(value: number): void {
  sink = (sink + value) | 0;
}
export function sinkValue(): number {
  return sink;
}

export interface ThroughputResult {
  operations: number;
  /** Wall-clock time. */
  ms: number;
  perSecond: number;
  /** Process CPU time (user + system, every thread, the GC's helpers included). */
  cpuMs: number;
  /** Operations per second of process CPU time: steadier than perSecond on a busy machine. */
  perCpuSecond: number;
}

/**
 * Calls op(i) for i = 0, 1, 2, ... in batches of `batch` until at least
 * `budgetMs` have passed and at least `minOps` calls were made; the clock is
 * read only between batches.
 */
export function throughput(
  op: (i: number) => void,
  opts: { budgetMs: number; minOps: number; batch: number },
): ThroughputResult {
  const batch = Math.max(1, Math.floor(opts.batch));
  let operations = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  let ms = 0;
  do {
    for (let j = 0; j < batch; j++) op(operations + j);
    operations += batch;
    ms = msSince(start);
  } while (ms < opts.budgetMs || operations < opts.minOps);
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { operations, ms, perSecond: (operations / ms) * 1000, cpuMs, perCpuSecond: (operations / cpuMs) * 1000 };
}

export interface LatencyResult {
  samples: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  meanUs: number;
}

/**
 * Times op(i) one call at a time with process.hrtime.bigint() until at least
 * `minSamples` calls and `budgetMs` have passed, or `maxSamples` calls were
 * made. The timer's own cost is included (see timerOverheadNs).
 */
export function latency(
  op: (i: number) => void,
  opts: { minSamples: number; maxSamples: number; budgetMs: number },
): LatencyResult {
  const cap = Math.max(1, opts.maxSamples);
  const out = new Float64Array(cap);
  const start = process.hrtime.bigint();
  let n = 0;
  while (n < cap) {
    const t0 = process.hrtime.bigint();
    op(n);
    const t1 = process.hrtime.bigint();
    out[n++] = Number(t1 - t0);
    if (n >= opts.minSamples && (n & 63) === 0 && msSince(start) >= opts.budgetMs) break;
  }
  const sorted = out.subarray(0, n).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i] as number;
  return {
    samples: n,
    p50Us: percentile(sorted, 50) / 1000,
    p99Us: percentile(sorted, 99) / 1000,
    maxUs: (sorted[n - 1] as number) / 1000,
    meanUs: sum / n / 1000,
  };
}
