/**
 * The last N latency samples in microseconds, for the percentiles status
 * reports. A percentile is selected from a copy of the window (quickselect,
 * linear in N on average), not read from a sorted copy, and kept until the
 * next sample: status is a request any local client may pipeline by the
 * thousand, and two sorts of a full window (4,096 samples) took about
 * 0.7 ms, so that one 64 KiB chunk of status requests held every other
 * connection's decisions for seconds.
 */
export class LatencyWindow {
  private readonly samples: Float64Array;
  /** Where a percentile is selected: a copy of the window, made again after each new sample. */
  private readonly scratch: Float64Array;
  private next = 0;
  private filled = 0;
  /** Samples added since start; `copied`: how many had been when scratch was last copied (-1: never). */
  private added = 0;
  private copied = -1;
  /** The percentiles worked out since the last sample, by p. */
  private readonly known = new Map<number, number>();

  constructor(capacity: number) {
    this.samples = new Float64Array(capacity);
    this.scratch = new Float64Array(capacity);
  }

  add(micros: number): void {
    const samples = this.samples;
    samples[this.next] = micros;
    const next = this.next + 1;
    this.next = next === samples.length ? 0 : next;
    if (this.filled < samples.length) this.filled++;
    this.added++;
  }

  /** The nearest-rank percentile of the window, or 0 when it is empty. */
  percentile(p: number): number {
    const n = this.filled;
    if (n === 0) return 0;
    if (this.copied !== this.added) {
      this.scratch.set(this.samples.subarray(0, n));
      this.copied = this.added;
      this.known.clear();
    }
    let value = this.known.get(p);
    if (value === undefined) {
      const rank = Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1));
      // Selection reorders scratch, never changing which values it holds: later selections start from it.
      value = select(this.scratch, n, rank);
      this.known.set(p, value);
    }
    return value;
  }
}

/**
 * The value of rank `k` (0-based) among a[0, n): what a sort would put at
 * k. Reorders a[0, n) (Hoare's selection, the pivot a median of three).
 */
function select(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    // The median of a[lo], a[mid] and a[hi] as the pivot: sorted runs do not make it quadratic.
    if ((a[mid] as number) < (a[lo] as number)) swap(a, mid, lo);
    if ((a[hi] as number) < (a[lo] as number)) swap(a, hi, lo);
    if ((a[hi] as number) < (a[mid] as number)) swap(a, hi, mid);
    const pivot = a[mid] as number;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    // a[lo, j] <= pivot <= a[i, hi], and a(j, i) equals the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k] as number;
  }
  return a[k] as number;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i] as number;
  a[i] = a[j] as number;
  a[j] = t;
}

/**
 * The upper bounds, in microseconds, of the decision latency histogram's
 * buckets (docs/DAEMON.md, "Metrics"): a cached answer takes a few µs, a
 * fresh one tens, a large world's worst case milliseconds.
 */
export const DECISION_LATENCY_BUCKETS_US: readonly number[] = Object.freeze([
  2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 10_000, 100_000,
]);

/** What a latency histogram has counted: per bucket (not cumulative; the last is +Inf), the sum and the count. */
export interface LatencyCounts {
  boundsUs: readonly number[];
  /** One more entry than `boundsUs`: the samples above the last bound. */
  buckets: readonly number[];
  sumUs: number;
  count: number;
}

/**
 * Latency samples counted into fixed buckets: a few comparisons and an
 * increment per sample, so the decision path can afford it; read at scrape
 * time.
 */
export class LatencyHistogram {
  private readonly boundsUs: readonly number[];
  private readonly buckets: Float64Array;
  private sumUs = 0;
  private count = 0;

  constructor(boundsUs: readonly number[] = DECISION_LATENCY_BUCKETS_US) {
    this.boundsUs = boundsUs;
    this.buckets = new Float64Array(boundsUs.length + 1);
  }

  add(micros: number): void {
    const bounds = this.boundsUs;
    let i = 0;
    while (i < bounds.length && micros > (bounds[i] as number)) i++;
    this.buckets[i] = (this.buckets[i] as number) + 1;
    this.sumUs += micros;
    this.count++;
  }

  counts(): LatencyCounts {
    return { boundsUs: this.boundsUs, buckets: [...this.buckets], sumUs: this.sumUs, count: this.count };
  }
}
