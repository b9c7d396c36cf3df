/**
 * The engine section: for synthetic worlds of several sizes, the time to
 * build a computer's view and compile it, then decisions per second and the
 * latency of single decisions, for the indexed CompiledView ("tollgate
 * engine") and the LinearEvaluator ("linear reference"). Both must agree on
 * a sample of requests, or the benchmark stops. Then, for larger views
 * (--engine-policies), the engine's latency per rule shape: each request
 * timed the first time the view evaluates it and again once repeated.
 */
import os from 'node:os';
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
import type { Section, SectionOptions, TargetResult } from './section.js';

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
export interface ShapeLatency {
  shape: RequestShape | 'all';
  requests: number;
  /** Share decided by an application's policy (the rest by the default). */
  matchedShare: number;
  first: { p50Us: number; p99Us: number; maxUs: number };
  repeated: { p50Us: number; p99Us: number; maxUs: number };
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
  memory: { heapUsedBytes: number; maxRssBytes: number };
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

function latencyOf(samplesNs: number[]): { p50Us: number; p99Us: number; maxUs: number } {
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
  image: ViewImage;
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
 * needs: an image opened from the compiled bytes, as a warm-started daemon
 * holds it (no rule test compiled yet), which no request has been evaluated
 * with (the check has an image of its own over the same bytes). Its own
 * function, so that nothing it held (the world, the view, the reference)
 * stays on the stack of the timing.
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
  const verified = verify(
    openViewImage(compiled.value, { snapshotHash: null }),
    new LinearEvaluator(view),
    sample,
    sample.length,
  );
  const result: ShapeImage = {
    image: openViewImage(compiled.value, { snapshotHash: null }),
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
 * The per-shape table at one size: the view's image, opened from its bytes
 * as a warm-started daemon opens it, with the world and its view let go (the
 * daemon evaluates beside a heap of a few MB; a heap of millions of policy
 * objects would charge its collections, and its cache and TLB footprint, to
 * the timed evaluations), warmed up on the world's ordinary requests, then
 * every per-shape request (all shapes shuffled together) timed the first
 * time the image evaluates it (a rule test the string table cannot decide
 * compiled on the way, as for a file never seen before) and then
 * SHAPE_REPEATS more times.
 */
export function benchShapeSize(
  policies: number,
  opts: Pick<EngineBenchOptions, 'seed' | 'shapeRequests' | 'log'>,
  prebuilt?: ShapeWorld,
): ShapeSizeResult {
  const { log } = opts;
  const loadBefore = os.loadavg()[0] ?? 0;
  const made = shapeImage(policies, opts, prebuilt ?? { synthetic: undefined, view: undefined, buildViewMs: NaN });
  const { image: engine, byShape, warmUp, rules, buildViewMs, verified } = made;

  const requests: { shape: RequestShape; request: FileRequest }[] = [];
  // Copies of the requests with flat strings, as the daemon's request decoder hands them over: the
  // generator's strings are concatenations, which the first read of each would flatten (a copy that
  // no decoded request needs) and charge to its first evaluation.
  for (const shape of REQUEST_SHAPES)
    for (const request of byShape[shape] ?? [])
      requests.push({ shape, request: JSON.parse(JSON.stringify(request)) as FileRequest });
  const random = mulberry32(opts.seed ^ 0x51a9e);
  for (let i = requests.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [requests[i], requests[j]] = [requests[j] as (typeof requests)[number], requests[i] as (typeof requests)[number]];
  }
  for (let round = 0; round < 5; round++) {
    for (const request of warmUp) consume(engine.evaluate(request, EVALUATE_OPTIONS).action.length);
  }
  collectGarbage();

  const first = new Map<RequestShape, number[]>();
  const repeated = new Map<RequestShape, number[]>();
  const matched = new Map<RequestShape, number>();
  for (const shape of REQUEST_SHAPES) {
    first.set(shape, []);
    repeated.set(shape, []);
    matched.set(shape, 0);
  }
  log(
    `engine shapes: timing ${formatInt(requests.length)} requests never evaluated before, then ${SHAPE_REPEATS} times again`,
  );
  for (let pass = 0; pass <= SHAPE_REPEATS; pass++) {
    for (const { shape, request } of requests) {
      const t0 = process.hrtime.bigint();
      const decision = engine.evaluate(request, EVALUATE_OPTIONS);
      const t1 = process.hrtime.bigint();
      (pass === 0 ? first : repeated).get(shape)?.push(Number(t1 - t0));
      if (pass === 0 && decision.application !== null) matched.set(shape, (matched.get(shape) ?? 0) + 1);
    }
  }

  const shapes: ShapeLatency[] = REQUEST_SHAPES.map((shape) => {
    const f = first.get(shape) ?? [];
    return {
      shape,
      requests: f.length,
      matchedShare: f.length === 0 ? 0 : (matched.get(shape) ?? 0) / f.length,
      first: latencyOf(f),
      repeated: latencyOf(repeated.get(shape) ?? []),
    };
  });
  const allFirst = [...first.values()].flat();
  let allMatched = 0;
  for (const n of matched.values()) allMatched += n;
  shapes.push({
    shape: 'all',
    requests: allFirst.length,
    matchedShare: allFirst.length === 0 ? 0 : allMatched / allFirst.length,
    first: latencyOf(allFirst),
    repeated: latencyOf([...repeated.values()].flat()),
  });
  const result: ShapeSizeResult = {
    policies,
    rules,
    buildViewMs,
    compiledViewMs: made.imageMs,
    index: engine.indexStats(),
    verified,
    shapes,
    memory: { heapUsedBytes: process.memoryUsage().heapUsed, maxRssBytes: process.resourceUsage().maxRSS * 1024 },
    loadAverage: [loadBefore, os.loadavg()[0] ?? 0],
  };
  const worst = Math.max(...shapes.map((x) => x.first.p99Us));
  log(`engine shapes: ${formatInt(policies)} policies: worst first-seen p99 ${formatMicros(worst)} µs`);
  return result;
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
      );
    }
    shapeRows.push(row);
  }
  const shapeHeaders = ['shape of the matching rule'];
  for (const x of shapeSizes) {
    const at = x.policies >= 1_000_000 ? `${x.policies / 1_000_000}M` : `${x.policies / 1_000}k`;
    shapeHeaders.push(`${at} first p50`, `${at} first p99`, `${at} repeated p50`, `${at} repeated p99`);
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
          `Per shape: ${formatInt(opts.shapeRequests)} requests of each shape (derived from rules of that shape picked at random; "none" are stray files only the default policy matches), all shapes shuffled together, each timed alone: "first" is the first time the view's image evaluates it (cold memory; the world and its view let go before timing, as the daemon holds the image alone; requests copied with flat strings, as the daemon decodes them), "repeated" ${SHAPE_REPEATS} more evaluations of the same requests. The engine has no decision cache: repeated figures are not cache hits.`,
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
