/** The last N latency samples in microseconds, for the percentiles status reports. */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(capacity: number) {
    this.samples = new Float64Array(capacity);
  }

  add(micros: number): void {
    const samples = this.samples;
    samples[this.next] = micros;
    const next = this.next + 1;
    this.next = next === samples.length ? 0 : next;
    if (this.filled < samples.length) this.filled++;
  }

  /** The nearest-rank percentile of the window, or 0 when it is empty. */
  percentile(p: number): number {
    if (this.filled === 0) return 0;
    const sorted = this.samples.slice(0, this.filled).sort();
    const rank = Math.min(this.filled - 1, Math.max(0, Math.ceil((p / 100) * this.filled) - 1));
    return sorted[rank] as number;
  }
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
