/**
 * The engine section: for synthetic worlds of several sizes, the time to
 * build a computer's view and compile it, then decisions per second and the
 * latency of single decisions, for the indexed CompiledView ("tollgate
 * engine") and the LinearEvaluator ("linear reference"). Both must agree on
 * a sample of requests, or the benchmark stops. Then, for larger views
 * (--engine-policies), the engine's latency per rule shape: each request
 * timed the first time the view evaluates it and again once repeated.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { CompiledView, type EvaluateOptions, LinearEvaluator } from '../../src/engine/evaluate.js';
import type { Decision, FileRequest } from '../../src/engine/model.js';
import { type ComputerView, buildView } from '../../src/engine/view.js';
import { type ViewImage, compileViewImage, openViewImage } from '../../src/engine/view-image.js';
import {
  REQUEST_SHAPES,
  type RequestShape,
  SYNTHETIC_NOW_MS,
  type SyntheticWorld,
  mulberry32,
  syntheticWorld,
} from '../lib/synthetic-world.js';
import { formatFixed, formatInt, formatMiB, formatMicros, formatRatio, percentile } from '../lib/stats.js';
import {
  type LatencyResult,
  type ThroughputResult,
  collectGarbage,
  consume,
  latency,
  median,
  throughput,
  timeMs,
  timerOverheadNs,
} from './measure.js';
import { helperProgram } from './processes.js';
import type { Section, SectionOptions, TargetResult } from './section.js';
import type { FloorKind, ShapeTimerJob, ShapeTimerPath, ShapeTimerRequests, ShapeTimes } from './shape-timer.js';

export const DEFAULT_SIZES = [1_000, 10_000, 100_000] as const;

/** The targets of the issue, checked at this many policies. */
export const TARGET_POLICIES = 100_000;
export const TARGET_P99_US = 20;
export const TARGET_DECISIONS_PER_SECOND = 200_000;
export const TARGET_COMPILE_MS = 1_000;
/** Views of these sizes get the per-shape table (--engine-policies). */
export const DEFAULT_SHAPE_SIZES = [100_000, 1_000_000] as const;
/** The per-shape target: the p99 of every shape at this many policies. */
export const SHAPE_TARGET_POLICIES = 1_000_000;
export const SHAPE_TARGET_P99_US = 5;
/** Requests per shape in the per-shape table. */
export const DEFAULT_SHAPE_REQUESTS = 2_000;
/** Times each per-shape request is evaluated again after its first time. */
const SHAPE_REPEATS = 3;
/** A timing process that runs longer than this is stopped, and the benchmark fails. */
const SHAPE_TIMER_TIMEOUT_MS = 30 * 60_000;
/** The fixed work timed like the decisions, in the per-shape table's rows. */
export const FLOOR_KINDS: readonly FloorKind[] = ['arithmetic', 'reads'];

/** The per-shape table's row of one kind of fixed work timed like the decisions. */
export function floorRow(kind: FloorKind): string {
  return kind === 'arithmetic'
    ? 'floor: fixed arithmetic, the median of "all shapes" first'
    : 'floor: fixed reads of a 1 MiB table, the same median';
}

/** How the per-shape table is measured, for its notes. */
export function shapeNote(requestsPerShape: number): string {
  return (
    `Per shape: ${formatInt(requestsPerShape)} requests of each shape (derived from rules of that shape picked at random; "none" are stray files only the default policy matches), all shapes shuffled together, each timed alone, in a process of its own that read the compiled image from a file and holds nothing else, as a warm-started daemon. ` +
    `"first" and "repeated" are what the daemon does for a file not in its decision cache: ViewImage.decide, then the answer frame written from the image's bytes (imageDecisionFrameBound + writeImageDecisionFrame); "first" is the first time the image evaluates the request (cold memory), "repeated" ${SHAPE_REPEATS} more times. ` +
    `"evaluate" is the same requests, first time, in another such process, through ViewImage.evaluate, which also makes the Decision object with its texts (as replay and the library get it; the daemon does not). ` +
    `The engine has no decision cache: no figure here is a cache hit. ` +
    `The floor rows are fixed work, calibrated to the median of the first evaluations of all shapes and timed as many times the same way in the same process right after them: dependent arithmetic, and dependent reads of a 1 MiB table (from the core's L2 or L3 cache); neither allocates or branches on data. Their p99s are what this machine alone (interrupts of a virtual CPU, its host) adds to work of that length.`
  );
}

export interface EngineBenchOptions extends SectionOptions {
  sizes: readonly number[];
  seed: number;
  /** Synthetic requests per world. */
  requests: number;
  /** Wall-clock budget of each throughput or latency run, in ms. */
  budgetMs: number;
  /** How many times the view is built and compiled (the median is reported). */
  compileRuns: number;
  /** Policy counts of the per-shape table (may be empty). */
  shapeSizes: readonly number[];
  /** Requests per shape in that table. */
  shapeRequests: number;
}

/** Latency of one shape's requests, first evaluation and repeated. */
type Latency = { p50Us: number; p99Us: number; maxUs: number };

/**
 * Latency of one shape's requests, first evaluation and repeated: `first`
 * and `repeated` are what the daemon does for a file not in its decision
 * cache (decide, then the answer frame written from the image's bytes);
 * `objects` the same requests through `evaluate` (a Decision object).
 */
export interface ShapeLatency {
  shape: RequestShape | 'all';
  requests: number;
  /** Share decided by an application's policy (the rest by the default). */
  matchedShare: number;
  first: Latency;
  repeated: Latency;
  objects: { first: Latency; repeated: Latency };
}

export interface ShapeSizeResult {
  policies: number;
  rules: number;
  buildViewMs: number;
  compiledViewMs: number;
  /** Rules by the kind of key they are filed under (src/engine/rule-index.ts KEY_KINDS), and those tested for every request. */
  index: ReturnType<CompiledView['indexStats']>;
  verified: number;
  shapes: ShapeLatency[];
  /** Fixed work of the first evaluations' median, timed as often and the same way: the machine's floor. */
  floor: { kind: FloorKind; p50Us: number; p99Us: number; samples: number }[] | null;
  memory: { heapUsedBytes: number; maxRssBytes: number };
  /** Resident memory of the timing processes (the image and the requests), the larger. */
  timerRssBytes: number;
  loadAverage: [number, number];
}

export interface EvaluatorResult {
  evaluator: 'tollgate engine' | 'linear reference';
  /** buildView + constructor, median of the runs, ms. */
  compileMs: number;
  /** Constructor alone, every run, ms. */
  constructRunsMs: number[];
  throughput: ThroughputResult;
  latency: LatencyResult;
}

export interface SizeResult {
  policies: number;
  viewPolicies: number;
  applications: number;
  rules: number;
  requests: number;
  /** Share of requests the engine decided with an application policy (not the default). */
  matchedShare: number;
  /** buildView, every run, ms (the first is the coldest). */
  buildViewRunsMs: number[];
  verified: number;
  engine: EvaluatorResult;
  linear: EvaluatorResult;
  memory: { rssBytes: number; heapUsedBytes: number; maxRssBytes: number };
  /** One-minute load average before and after this size: above the core count, figures are noisy. */
  loadAverage: [number, number];
}

export interface EngineBenchData {
  node: string;
  timerOverheadNs: number;
  sizes: SizeResult[];
  shapeSizes: ShapeSizeResult[];
}

interface Evaluator {
  evaluate(file: FileRequest, options: EvaluateOptions): Decision;
}

const EVALUATE_OPTIONS: EvaluateOptions = { nowMs: SYNTHETIC_NOW_MS };

/** Stops the benchmark: the two evaluators disagree, so no figure would mean anything. */
function verify(engine: Evaluator, linear: Evaluator, requests: readonly FileRequest[], count: number): number {
  const step = Math.max(1, Math.floor(requests.length / count));
  let checked = 0;
  for (let i = 0; i < requests.length && checked < count; i += step, checked++) {
    const request = requests[i] as FileRequest;
    const a = engine.evaluate(request, EVALUATE_OPTIONS);
    const b = linear.evaluate(request, EVALUATE_OPTIONS);
    if (!isDeepStrictEqual(a, b)) {
      throw new Error(
        `the engine and the linear reference disagree on request ${i} ${JSON.stringify(request)}:\n` +
          `  engine: ${JSON.stringify(a)}\n  linear: ${JSON.stringify(b)}`,
      );
    }
  }
  return checked;
}

function measureEvaluator(
  name: EvaluatorResult['evaluator'],
  evaluator: Evaluator,
  requests: readonly FileRequest[],
  plan: { warmup: number; batch: number; minOps: number; minSamples: number; maxSamples: number; budgetMs: number },
): Omit<EvaluatorResult, 'compileMs' | 'constructRunsMs'> {
  const n = requests.length;
  const op = (i: number): void => {
    consume(evaluator.evaluate(requests[i % n] as FileRequest, EVALUATE_OPTIONS).action.length);
  };
  for (let i = 0; i < plan.warmup; i++) op(i);
  collectGarbage();
  const tp = throughput(op, { budgetMs: plan.budgetMs, minOps: plan.minOps, batch: plan.batch });
  collectGarbage();
  // Start the latency run elsewhere in the request list than the throughput run did.
  const offset = tp.operations % n;
  const lat = latency((i) => op(offset + i), {
    minSamples: plan.minSamples,
    maxSamples: plan.maxSamples,
    budgetMs: plan.budgetMs,
  });
  return { evaluator: name, throughput: tp, latency: lat };
}

function countRules(view: ComputerView): number {
  let rules = 0;
  for (const app of view.applications) rules += app.rules.length;
  return rules;
}

function benchSize(policies: number, opts: EngineBenchOptions): SizeResult {
  const { log } = opts;
  const loadBefore = os.loadavg()[0] ?? 0;
  log(`engine: generating a world of ${formatInt(policies)} policies`);
  const synthetic = syntheticWorld({ policies, seed: opts.seed, requests: opts.requests });
  const { world, computer, requests } = synthetic;

  const buildViewRunsMs: number[] = [];
  const engineRunsMs: number[] = [];
  const linearRunsMs: number[] = [];
  let view: ComputerView | undefined;
  let engine: CompiledView | undefined;
  let linear: LinearEvaluator | undefined;
  for (let run = 0; run < opts.compileRuns; run++) {
    view = undefined;
    engine = undefined;
    linear = undefined;
    collectGarbage();
    const built = timeMs(() => buildView(world, computer));
    view = built.value;
    buildViewRunsMs.push(built.ms);
    const compiled = timeMs(() => new CompiledView(view as ComputerView));
    engine = compiled.value;
    engineRunsMs.push(compiled.ms);
    const constructed = timeMs(() => new LinearEvaluator(view as ComputerView));
    linear = constructed.value;
    linearRunsMs.push(constructed.ms);
  }
  if (view === undefined || engine === undefined || linear === undefined) throw new Error('compileRuns must be >= 1');
  const viewMs = median(buildViewRunsMs);
  log(
    `engine: ${formatInt(policies)} policies: buildView ${formatFixed(viewMs, 1)} ms, ` +
      `CompiledView ${formatFixed(median(engineRunsMs), 1)} ms, LinearEvaluator ${formatFixed(median(linearRunsMs), 1)} ms`,
  );

  const big = policies >= 50_000;
  const verifyCount = big ? 100 : 1_000;
  log(`engine: checking that both evaluators agree on ${verifyCount} requests`);
  const verified = verify(engine, linear, requests, verifyCount);

  let matched = 0;
  for (const request of requests) {
    const d = engine.evaluate(request, EVALUATE_OPTIONS);
    if (d.policy !== null && d.application !== null) matched++;
  }

  log(`engine: measuring the tollgate engine`);
  const engineResult = measureEvaluator('tollgate engine', engine, requests, {
    warmup: Math.min(50_000, requests.length * 5),
    batch: 1_000,
    minOps: 100_000,
    minSamples: 100_000,
    maxSamples: 200_000,
    budgetMs: opts.budgetMs,
  });
  log(`engine: measuring the linear reference`);
  const linearResult = measureEvaluator('linear reference', linear, requests, {
    warmup: big ? 10 : 500,
    batch: big ? 1 : 20,
    minOps: big ? 10 : 1_000,
    minSamples: big ? 300 : 1_000,
    maxSamples: 200_000,
    budgetMs: opts.budgetMs,
  });

  const memory = process.memoryUsage();
  const result: SizeResult = {
    policies,
    viewPolicies: view.policies.length,
    applications: view.applications.length,
    rules: countRules(view),
    requests: requests.length,
    matchedShare: matched / requests.length,
    buildViewRunsMs,
    verified,
    engine: {
      ...engineResult,
      compileMs: median(buildViewRunsMs.map((v, i) => v + (engineRunsMs[i] as number))),
      constructRunsMs: engineRunsMs,
    },
    linear: {
      ...linearResult,
      compileMs: median(buildViewRunsMs.map((v, i) => v + (linearRunsMs[i] as number))),
      constructRunsMs: linearRunsMs,
    },
    memory: {
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    },
    loadAverage: [loadBefore, os.loadavg()[0] ?? 0],
  };
  log(
    `engine: ${formatInt(policies)} policies: engine ${formatInt(result.engine.throughput.perSecond)}/s ` +
      `p99 ${formatMicros(result.engine.latency.p99Us)} µs; linear ${formatInt(result.linear.throughput.perSecond)}/s ` +
      `p99 ${formatMicros(result.linear.latency.p99Us)} µs; RSS ${formatMiB(memory.rss)}, ` +
      `peak RSS ${formatMiB(result.memory.maxRssBytes)}`,
  );
  return result;
}

function latencyOf(samplesNs: number[]): Latency {
  const sorted = Float64Array.from(samplesNs).sort();
  if (sorted.length === 0) return { p50Us: NaN, p99Us: NaN, maxUs: NaN };
  return {
    p50Us: percentile(sorted, 50) / 1000,
    p99Us: percentile(sorted, 99) / 1000,
    maxUs: (sorted[sorted.length - 1] as number) / 1000,
  };
}

/**
 * A world already generated (with `requestsPerShape`) and its view, for
 * benchShapeSize to measure instead of its own. benchShapeSize takes them:
 * it clears both fields once it has what it needs from them, so that the
 * timed evaluations run beside the image alone, as in the daemon (the
 * caller must hold no other reference to either).
 */
export interface ShapeWorld {
  synthetic: SyntheticWorld | undefined;
  view: ComputerView | undefined;
  buildViewMs: number;
}

/** What the per-shape table keeps of a world once its image is made: no world object, no view. */
interface ShapeImage {
  /** The compiled image's bytes, as the daemon stores them. */
  bytes: Uint8Array;
  indexStats: ReturnType<ViewImage['indexStats']>;
  byShape: SyntheticWorld['byShape'];
  warmUp: readonly FileRequest[];
  rules: number;
  buildViewMs: number;
  imageMs: number;
  verified: number;
}

/**
 * Makes the image of `taken`'s view (the world generated and the view built
 * first when `taken` lacks them), checks it against the linear reference on
 * a few requests of every shape, and clears `taken`. Returns what the timing
 * needs: the compiled image's bytes (the timing processes open them as a
 * warm-started daemon does, no rule test compiled yet) and the requests.
 * Its own function, so that nothing it held (the world, the view, the
 * reference) stays on the stack while the timing processes run.
 */
function shapeImage(
  policies: number,
  opts: Pick<EngineBenchOptions, 'seed' | 'shapeRequests' | 'log'>,
  taken: ShapeWorld,
): ShapeImage {
  const { log } = opts;
  if (taken.synthetic === undefined) {
    log(`engine shapes: generating a world of ${formatInt(policies)} policies`);
    taken.synthetic = syntheticWorld({
      policies,
      seed: opts.seed,
      requests: 2_000,
      requestsPerShape: opts.shapeRequests,
    });
  }
  const synthetic = taken.synthetic;
  if (taken.view === undefined) {
    const built = timeMs(() => buildView(synthetic.world, synthetic.computer));
    taken.view = built.value;
    taken.buildViewMs = built.ms;
  }
  const view = taken.view;
  const compiled = timeMs(() => compileViewImage(view, { snapshotVersion: null, snapshotHash: null }).bytes);
  log(
    `engine shapes: ${formatInt(policies)} policies: buildView ${formatFixed(taken.buildViewMs, 1)} ms, image ${formatFixed(compiled.ms, 1)} ms`,
  );
  const perShapeCheck = policies >= 500_000 ? 2 : 5;
  const sample: FileRequest[] = [];
  for (const shape of REQUEST_SHAPES) sample.push(...(synthetic.byShape[shape] ?? []).slice(0, perShapeCheck));
  log(`engine shapes: checking both evaluators on ${sample.length} requests`);
  const checked = openViewImage(compiled.value, { snapshotHash: null });
  const verified = verify(checked, new LinearEvaluator(view), sample, sample.length);
  const result: ShapeImage = {
    bytes: compiled.value,
    indexStats: checked.indexStats(),
    byShape: synthetic.byShape,
    warmUp: synthetic.requests,
    rules: countRules(view),
    buildViewMs: taken.buildViewMs,
    imageMs: compiled.ms,
    verified,
  };
  taken.synthetic = undefined;
  taken.view = undefined;
  return result;
}

/**
 * The per-shape table at one size: the view's image is written to a file
 * and timed in processes of their own (shape-timer.ts), which read it as a
 * warm-started daemon does and hold nothing else: one times what the
 * daemon does for a file never asked before (decide, then the answer frame
 * written from the image's bytes), the other `evaluate` (a Decision
 * object, as replay and the library get it). Each is warmed up on the
 * world's ordinary requests, then every per-shape request (all shapes
 * shuffled together) is timed the first time the image evaluates it and
 * then SHAPE_REPEATS more times. The first process then times fixed work
 * of the same median as its first evaluations, the same number of times:
 * the machine's own floor under those figures.
 */
export function benchShapeSize(
  policies: number,
  opts: Pick<EngineBenchOptions, 'seed' | 'shapeRequests' | 'log'> & {
    /** Where the image and requests files go (a folder of their own in it, removed after); default the system's. */
    tempDir?: string;
  },
  prebuilt?: ShapeWorld,
): ShapeSizeResult {
  const { log } = opts;
  const loadBefore = os.loadavg()[0] ?? 0;
  const made = shapeImage(policies, opts, prebuilt ?? { synthetic: undefined, view: undefined, buildViewMs: NaN });
  const { byShape, warmUp, rules, buildViewMs, verified } = made;

  const timed: [RequestShape, FileRequest][] = [];
  for (const shape of REQUEST_SHAPES) for (const request of byShape[shape] ?? []) timed.push([shape, request]);
  const random = mulberry32(opts.seed ^ 0x51a9e);
  for (let i = timed.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [timed[i], timed[j]] = [timed[j] as (typeof timed)[number], timed[i] as (typeof timed)[number]];
  }
  const dir = mkdtempSync(join(opts.tempDir ?? os.tmpdir(), 'tollgate-bench-shapes-'));
  try {
    const imagePath = join(dir, 'view.image');
    const requestsPath = join(dir, 'requests.json');
    writeFileSync(imagePath, made.bytes);
    const requests: ShapeTimerRequests = { warmUp: [...warmUp], timed };
    writeFileSync(requestsPath, JSON.stringify(requests));
    // This process's garbage (a large world let go, the requests' text) collected before the timing processes run.
    collectGarbage();
    const timesOf = (path: ShapeTimerPath): ShapeTimes => {
      log(
        `engine shapes: timing ${formatInt(timed.length)} requests (${path === 'answer' ? 'decide + answer frame' : 'evaluate, a Decision object'}) never evaluated before, then ${SHAPE_REPEATS} times again, in a process holding the image alone`,
      );
      const job: ShapeTimerJob = {
        image: imagePath,
        requests: requestsPath,
        path,
        nowMs: SYNTHETIC_NOW_MS,
        repeats: SHAPE_REPEATS,
        floor: path === 'answer',
      };
      const jobPath = join(dir, `job-${path}.json`);
      writeFileSync(jobPath, JSON.stringify(job));
      const child = spawnSync(process.execPath, [helperProgram('shape-timer'), jobPath], {
        encoding: 'utf8',
        maxBuffer: 1 << 30,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: SHAPE_TIMER_TIMEOUT_MS,
      });
      if (child.error !== undefined) throw new Error(`shape-timer (${path}) failed: ${child.error.message}`);
      if (child.status !== 0)
        throw new Error(`shape-timer (${path}) failed (${child.status ?? child.signal}): ${child.stderr}`);
      if (child.stdout.trim() === '') throw new Error(`shape-timer (${path}) printed nothing: ${child.stderr}`);
      return JSON.parse(child.stdout) as ShapeTimes;
    };
    const answer = timesOf('answer');
    const object = timesOf('object');

    const count = timed.length;
    const latencies = (times: ShapeTimes, which: (i: number) => boolean): { first: Latency; repeated: Latency } => {
      const first: number[] = [];
      const repeated: number[] = [];
      for (let i = 0; i < count; i++) {
        if (!which(i)) continue;
        first.push(times.first[i] as number);
        for (let k = 0; k < SHAPE_REPEATS; k++) repeated.push(times.repeated[k * count + i] as number);
      }
      return { first: latencyOf(first), repeated: latencyOf(repeated) };
    };
    const shapeOf = (i: number): RequestShape => (timed[i] as (typeof timed)[number])[0];
    const row = (shape: RequestShape | 'all', which: (i: number) => boolean): ShapeLatency => {
      let n = 0;
      let matched = 0;
      for (let i = 0; i < count; i++) {
        if (!which(i)) continue;
        n++;
        if (answer.matched[i] === true) matched++;
      }
      return {
        shape,
        requests: n,
        matchedShare: n === 0 ? 0 : matched / n,
        ...latencies(answer, which),
        objects: latencies(object, which),
      };
    };
    const shapes = REQUEST_SHAPES.map((shape) => row(shape, (i) => shapeOf(i) === shape));
    shapes.push(row('all', () => true));
    const result: ShapeSizeResult = {
      policies,
      rules,
      buildViewMs,
      compiledViewMs: made.imageMs,
      index: made.indexStats,
      verified,
      shapes,
      floor:
        answer.floor === null
          ? null
          : answer.floor.map((f) => ({ kind: f.kind, p50Us: f.p50Ns / 1000, p99Us: f.p99Ns / 1000, samples: count })),
      memory: { heapUsedBytes: process.memoryUsage().heapUsed, maxRssBytes: process.resourceUsage().maxRSS * 1024 },
      timerRssBytes: Math.max(answer.rssBytes, object.rssBytes),
      loadAverage: [loadBefore, os.loadavg()[0] ?? 0],
    };
    const worst = Math.max(...shapes.map((x) => x.first.p99Us));
    log(`engine shapes: ${formatInt(policies)} policies: worst first-seen p99 ${formatMicros(worst)} µs`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function targetResults(sizes: readonly SizeResult[], shapeSizes: readonly ShapeSizeResult[]): TargetResult[] {
  const at = sizes.find((s) => s.policies === TARGET_POLICIES);
  const where = `at ${formatInt(TARGET_POLICIES)} policies`;
  const check = (
    target: string,
    limit: string,
    value: number | undefined,
    ok: (v: number) => boolean,
    fmt: (v: number) => string,
  ): TargetResult =>
    value === undefined
      ? { target, limit, measured: 'not measured', status: 'SKIP' }
      : { target, limit, measured: fmt(value), status: ok(value) ? 'PASS' : 'FAIL' };
  return [
    check(
      `p99 decision latency ${where}`,
      `<= ${TARGET_P99_US} µs`,
      at?.engine.latency.p99Us,
      (v) => v <= TARGET_P99_US,
      (v) => `${formatMicros(v)} µs`,
    ),
    check(
      `decisions per second ${where}`,
      `>= ${formatInt(TARGET_DECISIONS_PER_SECOND)}`,
      at?.engine.throughput.perSecond,
      (v) => v >= TARGET_DECISIONS_PER_SECOND,
      formatInt,
    ),
    check(
      `decisions per CPU-second ${where} (info)`,
      `>= ${formatInt(TARGET_DECISIONS_PER_SECOND)}`,
      at?.engine.throughput.perCpuSecond,
      (v) => v >= TARGET_DECISIONS_PER_SECOND,
      formatInt,
    ),
    check(
      `buildView + compile ${where}`,
      `< ${formatInt(TARGET_COMPILE_MS)} ms`,
      at?.engine.compileMs,
      (v) => v < TARGET_COMPILE_MS,
      (v) => `${formatFixed(v, 1)} ms`,
    ),
    ...(['first', 'repeated'] as const).map((which) => {
      const at1m = shapeSizes.find((x) => x.policies === SHAPE_TARGET_POLICIES);
      const worst = at1m?.shapes
        .filter((x) => x.shape !== 'all')
        .reduce((a, b) => (b[which].p99Us > a[which].p99Us ? b : a));
      return check(
        `engine p99 per shape at ${formatInt(SHAPE_TARGET_POLICIES)} policies, ${which === 'first' ? 'files never evaluated before' : 'repeated files'} (worst shape)`,
        `<= ${SHAPE_TARGET_P99_US} µs`,
        worst?.[which].p99Us,
        (v) => v <= SHAPE_TARGET_P99_US,
        (v) => `${formatMicros(v)} µs (${worst?.shape ?? '?'})`,
      );
    }),
  ];
}

/** Runs the engine section for every size. */
export async function benchEngine(opts: EngineBenchOptions): Promise<Section> {
  const overhead = timerOverheadNs();
  const sizes: SizeResult[] = [];
  for (const size of opts.sizes) {
    sizes.push(benchSize(size, opts));
    collectGarbage();
    // Let pending I/O (progress lines) through between sizes.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const shapeSizes: ShapeSizeResult[] = [];
  for (const size of opts.shapeSizes) {
    shapeSizes.push(benchShapeSize(size, opts));
    collectGarbage();
    await new Promise((resolve) => setImmediate(resolve));
  }

  const mainRows: string[][] = [];
  for (const s of sizes) {
    for (const e of [s.engine, s.linear]) {
      mainRows.push([
        formatInt(s.policies),
        e.evaluator,
        formatFixed(e.compileMs, 1),
        formatInt(e.throughput.perSecond),
        formatMicros(e.latency.p50Us),
        formatMicros(e.latency.p99Us),
      ]);
    }
  }
  const ratioRows = sizes.map((s) => [
    formatInt(s.policies),
    formatRatio(s.engine.throughput.perSecond / s.linear.throughput.perSecond),
    formatRatio(s.linear.latency.p99Us / s.engine.latency.p99Us),
    formatRatio(s.linear.latency.p50Us / s.engine.latency.p50Us),
  ]);
  const worldRows = sizes.map((s) => [
    formatInt(s.policies),
    formatInt(s.applications),
    formatInt(s.rules),
    `${formatFixed(s.matchedShare * 100, 1)}%`,
    formatFixed(median(s.buildViewRunsMs), 1),
    formatFixed(median(s.engine.constructRunsMs), 1),
    formatFixed(median(s.linear.constructRunsMs), 1),
  ]);
  const runRows = sizes.map((s) => [
    formatInt(s.policies),
    formatInt(s.engine.throughput.perCpuSecond),
    formatInt(s.linear.throughput.perCpuSecond),
    formatMicros(s.engine.latency.maxUs),
    `${formatInt(s.engine.latency.samples)} / ${formatInt(s.linear.latency.samples)}`,
    formatMiB(s.memory.rssBytes),
    formatMiB(s.memory.maxRssBytes),
    `${formatFixed(s.loadAverage[0], 1)} / ${formatFixed(s.loadAverage[1], 1)}`,
  ]);

  const shapeRows: string[][] = [];
  for (const shape of [...REQUEST_SHAPES, 'all' as const]) {
    const row = [shape === 'all' ? '**all shapes**' : shape];
    for (const x of shapeSizes) {
      const r = x.shapes.find((y) => y.shape === shape);
      row.push(
        r === undefined ? '' : formatMicros(r.first.p50Us),
        r === undefined ? '' : formatMicros(r.first.p99Us),
        r === undefined ? '' : formatMicros(r.repeated.p50Us),
        r === undefined ? '' : formatMicros(r.repeated.p99Us),
        r === undefined ? '' : formatMicros(r.objects.first.p50Us),
        r === undefined ? '' : formatMicros(r.objects.first.p99Us),
      );
    }
    shapeRows.push(row);
  }
  for (const kind of FLOOR_KINDS) {
    shapeRows.push([
      floorRow(kind),
      ...shapeSizes.flatMap((x) => {
        const f = x.floor?.find((y) => y.kind === kind);
        return f === undefined
          ? ['', '', '', '', '', '']
          : [formatMicros(f.p50Us), formatMicros(f.p99Us), '', '', '', ''];
      }),
    ]);
  }
  const shapeHeaders = ['shape of the matching rule'];
  for (const x of shapeSizes) {
    const at = x.policies >= 1_000_000 ? `${x.policies / 1_000_000}M` : `${x.policies / 1_000}k`;
    shapeHeaders.push(
      `${at} first p50`,
      `${at} first p99`,
      `${at} repeated p50`,
      `${at} repeated p99`,
      `${at} evaluate first p50`,
      `${at} evaluate first p99`,
    );
  }
  const shapeWorldRows = shapeSizes.map((x) => [
    formatInt(x.policies),
    formatInt(x.rules),
    formatFixed(x.buildViewMs, 1),
    formatFixed(x.compiledViewMs, 1),
    Object.entries(x.index.byKind)
      .map(([kind, n]) => `${kind} ${formatInt(n)}`)
      .join(', '),
    formatInt(x.index.unindexed),
    formatInt(x.shapes.find((y) => y.shape === 'all')?.requests ?? 0),
    formatMiB(x.memory.maxRssBytes),
    `${formatFixed(x.loadAverage[0], 1)} / ${formatFixed(x.loadAverage[1], 1)}`,
  ]);

  const notes = [
    `Node ${process.version}, ${process.platform}/${process.arch}; one thread evaluates (the garbage collector may use helper threads).`,
    `Latencies include the timer itself: two process.hrtime.bigint() calls cost about ${formatInt(overhead)} ns here.`,
    `compile ms = buildView + evaluator constructor, median of ${opts.compileRuns} runs (every run is in --json; the first is the coldest).`,
    `Every size checked that both evaluators give identical decisions on a sample of requests (${sizes.map((s) => formatInt(s.verified)).join(', ')}).`,
    `decisions/s is wall clock; decisions/CPU-s divides by the process's CPU time (GC helper threads included), which other processes on the machine do not inflate.`,
    `The targets are checked on wall-clock figures, with the engine's compile ms (buildView + CompiledView).`,
    ...(shapeSizes.length === 0
      ? []
      : [
          shapeNote(opts.shapeRequests),
          `Per shape: both evaluators gave identical decisions on ${shapeSizes.map((x) => formatInt(x.verified)).join(', ')} requests (a few of every shape) before timing.`,
        ]),
  ];
  const cores = os.availableParallelism();
  const busiest = Math.max(0, ...sizes.flatMap((s) => s.loadAverage), ...shapeSizes.flatMap((x) => x.loadAverage));
  if (busiest > cores * 0.75) {
    notes.push(
      `WARNING: the load average reached ${formatFixed(busiest, 1)} on ${cores} cores during the run: other processes competed for the CPU, so wall-clock figures are pessimistic.`,
    );
  }

  return {
    id: 'engine',
    title: 'Engine: decisions on one computer',
    tables: [
      {
        title: 'Decisions',
        headers: ['policies', 'evaluator', 'compile ms', 'decisions/s', 'p50 µs', 'p99 µs'],
        rows: mainRows,
        align: ['right', 'left', 'right', 'right', 'right', 'right'],
      },
      {
        title: 'Engine versus linear reference',
        headers: ['policies', 'throughput (engine ÷ linear)', 'p99 (linear ÷ engine)', 'p50 (linear ÷ engine)'],
        rows: ratioRows,
        align: ['right', 'right', 'right', 'right'],
      },
      {
        title: 'Worlds and compile steps (ms, medians)',
        headers: ['policies', 'apps', 'rules', 'matched', 'buildView', 'CompiledView', 'LinearEvaluator'],
        rows: worldRows,
        align: ['right', 'right', 'right', 'right', 'right', 'right', 'right'],
      },
      {
        title: 'Runs',
        headers: [
          'policies',
          'engine decisions/CPU-s',
          'linear decisions/CPU-s',
          'engine max µs',
          'latency samples (engine / linear)',
          'RSS after',
          'peak RSS',
          'load avg (before / after)',
        ],
        rows: runRows,
        align: ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
      },
      ...(shapeSizes.length === 0
        ? []
        : [
            {
              title: 'Engine latency per rule shape (µs, one decision each; first = never evaluated before)',
              headers: shapeHeaders,
              rows: shapeRows,
              align: ['left' as const, ...shapeHeaders.slice(1).map(() => 'right' as const)],
            },
            {
              title: 'Per-shape views: how the rules are filed',
              headers: [
                'policies',
                'rules',
                'buildView ms',
                'CompiledView ms',
                'rules by key',
                'tested for every request',
                'requests timed',
                'peak RSS',
                'load avg (before / after)',
              ],
              rows: shapeWorldRows,
              align: ['right', 'right', 'right', 'right', 'left', 'right', 'right', 'right', 'right'] as (
                'left' | 'right'
              )[],
            },
          ]),
    ],
    targets: targetResults(sizes, shapeSizes),
    notes,
    data: { node: process.version, timerOverheadNs: overhead, sizes, shapeSizes } satisfies EngineBenchData,
  };
}
