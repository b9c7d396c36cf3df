/**
 * The per-shape engine timing, in a process of its own that holds what a
 * warm-started daemon holds: a view image read from a file, and nothing of
 * the world it was compiled from (a process that generated a million-policy
 * world carries its heap, its garbage collections and the freeing of it
 * into every timed decision).
 *
 * `node dist/scripts/bench/shape-timer.js JOB.json`, where the job names
 * the image file, the requests file (JSON: `warmUp`, then `timed` as
 * [shape, request] pairs in the order to time them) and the path to time:
 *
 * - `answer`: what the daemon does for a file never asked before
 *   (ViewImage.decide, then the answer frame written from the image's
 *   bytes by the wire layer, imageDecisionFrameBound and
 *   writeImageDecisionFrame);
 * - `object`: ViewImage.evaluate, which makes the Decision object (its
 *   texts decoded from the string table), as `tollgate replay` and the
 *   library get it.
 *
 * Each request is timed alone the first time the image evaluates it, then
 * `repeats` more times. With `floor`, fixed work whose median matches the
 * first evaluations' is then timed as many times, the same way, of two
 * kinds: dependent arithmetic, and dependent reads of a 1 MiB table (from
 * the core's L2 or L3 cache; nothing allocated either way). Their p99s are
 * what the machine alone (interrupts, a virtual CPU paused by its host)
 * adds to work of that length. Prints one JSON line:
 * {"msg":"shape-times", first, repeated (ns, Float64 arrays as lists, in
 * request order, repeats after one another), matched, floor}.
 */
import { readFileSync } from 'node:fs';
import type { FileRequest } from '../../src/engine/model.js';
import { openViewImage } from '../../src/engine/view-image.js';
import { imageDecisionFrameBound, writeImageDecisionFrame } from '../../src/wire/evaluate-codec.js';
import { percentile } from '../lib/stats.js';
import { collectGarbage } from './measure.js';

export type ShapeTimerPath = 'answer' | 'object';

export interface ShapeTimerJob {
  image: string;
  requests: string;
  path: ShapeTimerPath;
  nowMs: number;
  repeats: number;
  floor: boolean;
}

export interface ShapeTimerRequests {
  warmUp: FileRequest[];
  timed: [string, FileRequest][];
}

export interface FloorTimes {
  kind: FloorKind;
  /** The median it was calibrated to (the first evaluations'). */
  targetNs: number;
  p50Ns: number;
  p99Ns: number;
  iterations: number;
}

export interface ShapeTimes {
  msg: 'shape-times';
  /** ns of each timed request's first evaluation, in request order. */
  first: number[];
  /** ns of the repeats: repeat k of request i at k * requests + i. */
  repeated: number[];
  /** Whether each request was decided by an application's policy (not a default). */
  matched: boolean[];
  /** The fixed work's times, each kind, or null when not asked. */
  floor: FloorTimes[] | null;
  rssBytes: number;
}

/** Fixed work, nothing allocated: `arithmetic` is dependent multiply-adds; `reads` dependent reads of a 1 MiB table. */
export type FloorKind = 'arithmetic' | 'reads';

/** 1 MiB of Int32 holding indexes into itself, for dependent reads from the L2 or L3 cache. */
const READS_TABLE = (() => {
  const table = new Int32Array(1 << 18);
  let x = 0x2545f491;
  for (let i = 0; i < table.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    table[i] = (x >>> 14) & (table.length - 1);
  }
  return table;
})();

function fixedWork(kind: FloorKind, iterations: number, seed: number): number {
  let x = seed | 0;
  if (kind === 'arithmetic') {
    for (let i = 0; i < iterations; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
  } else {
    const table = READS_TABLE;
    const mask = table.length - 1;
    for (let i = 0; i < iterations; i++) x = table[(x + i) & mask] as number;
  }
  return x;
}

/** p50 and p99 of `samples` timings of fixedWork(kind, iterations). */
function timeFixedWork(kind: FloorKind, iterations: number, samples: number): { p50Ns: number; p99Ns: number } {
  const times = new Float64Array(samples);
  let sink = 0;
  for (let i = 0; i < samples; i++) {
    const t0 = process.hrtime.bigint();
    sink ^= fixedWork(kind, iterations, i);
    times[i] = Number(process.hrtime.bigint() - t0);
  }
  if (sink === 0x7fffffff) process.stderr.write('');
  times.sort();
  return { p50Ns: percentile(times, 50), p99Ns: percentile(times, 99) };
}

/** The most iterations the floor's calibration goes to (some seconds of work per timing). */
const MAX_FLOOR_ITERATIONS = 1 << 26;

/** Iterations of fixedWork with a median of about `targetNs`, from `iterations`, on a few hundred timings at a time. */
function calibrated(kind: FloorKind, targetNs: number, iterations: number): number {
  for (let round = 0; round < 40; round++) {
    const { p50Ns } = timeFixedWork(kind, iterations, 300);
    if (p50Ns <= 0) {
      // A clock too coarse to see the work: 16 times more of it.
      if (iterations >= MAX_FLOOR_ITERATIONS) break;
      iterations = Math.min(MAX_FLOOR_ITERATIONS, iterations * 16);
      continue;
    }
    const next = Math.min(MAX_FLOOR_ITERATIONS, Math.max(1, Math.round((iterations * targetNs) / p50Ns)));
    if (Math.abs(next - iterations) <= iterations * 0.02) break;
    iterations = next;
  }
  return iterations;
}

/**
 * Fixed work of `kind` calibrated to a median of `targetNs`, then timed
 * `samples` times. The work is run first until optimized (timings of code
 * not yet optimized would calibrate it to the wrong speed), and calibrated
 * again, up to three times, when the timed median is more than a quarter
 * off its target.
 */
function floorFor(kind: FloorKind, targetNs: number, samples: number): FloorTimes {
  timeFixedWork(kind, 64, 20_000);
  let iterations = 64;
  let times = { p50Ns: 0, p99Ns: 0 };
  for (let attempt = 0; attempt < 4; attempt++) {
    iterations = calibrated(kind, targetNs, iterations);
    times = timeFixedWork(kind, iterations, samples);
    if (times.p50Ns > 0 && Math.abs(times.p50Ns - targetNs) <= targetNs / 4) break;
  }
  return { kind, targetNs, ...times, iterations };
}

/** The requests file: the warm-up is used and let go here, so that the timing runs beside the timed requests alone. */
function warmedUp(path: string, run: (file: FileRequest) => number): ShapeTimerRequests['timed'] {
  const { warmUp, timed } = JSON.parse(readFileSync(path, 'utf8')) as ShapeTimerRequests;
  for (let round = 0; round < 5; round++) for (const file of warmUp) run(file);
  return timed;
}

export function runShapeTimer(job: ShapeTimerJob): ShapeTimes {
  const bytes = readFileSync(job.image);
  const image = openViewImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), { snapshotHash: null });
  const options = { nowMs: job.nowMs };
  const out = Buffer.alloc(1 << 20);
  let sink = 0;
  const answer = (file: FileRequest): number => {
    const n = image.decide(file, options);
    if (imageDecisionFrameBound(image, n) > out.length) throw new Error('an answer frame larger than 1 MiB');
    sink ^= writeImageDecisionFrame(out, 0, 1, image, n);
    return n;
  };
  const object = (file: FileRequest): number => {
    const decision = image.evaluate(file, options);
    sink ^= decision.action.length;
    return decision.application === null ? -1 : 0;
  };
  const run = job.path === 'answer' ? answer : object;
  const timed = warmedUp(job.requests, run);
  collectGarbage();

  const count = timed.length;
  const first = new Float64Array(count);
  const repeated = new Float64Array(count * job.repeats);
  const decided = new Int32Array(count);
  for (let pass = 0; pass <= job.repeats; pass++) {
    const times = pass === 0 ? first : repeated;
    const base = pass === 0 ? 0 : (pass - 1) * count;
    for (let i = 0; i < count; i++) {
      const file = (timed[i] as [string, FileRequest])[1];
      const t0 = process.hrtime.bigint();
      const n = run(file);
      const t1 = process.hrtime.bigint();
      times[base + i] = Number(t1 - t0);
      if (pass === 0) decided[i] = n;
    }
  }
  const matched = Array.from(decided, (n) =>
    job.path === 'answer' ? n >= 0 && image.policy(n >> 1).app !== null : n === 0,
  );
  const firstSorted = Float64Array.from(first).sort();
  const median = percentile(firstSorted, 50);
  const floor = job.floor ? (['arithmetic', 'reads'] as const).map((kind) => floorFor(kind, median, count)) : null;
  if (sink === 0x7fffffff) process.stderr.write('');
  return {
    msg: 'shape-times',
    first: Array.from(first),
    repeated: Array.from(repeated),
    matched,
    floor,
    rssBytes: process.memoryUsage().rss,
  };
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  const job = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as ShapeTimerJob;
  process.stdout.write(`${JSON.stringify(runShapeTimer(job))}\n`);
}
