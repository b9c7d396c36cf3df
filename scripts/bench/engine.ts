/**
 * The engine section: for synthetic worlds of several sizes, the time to
 * build a computer's view and compile it, then decisions per second and the
 * latency of single decisions, for the indexed CompiledView ("tollgate
 * engine") and the LinearEvaluator ("linear reference"). Both must agree on
 * a sample of requests, or the benchmark stops.
 */
import os from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { CompiledView, type EvaluateOptions, LinearEvaluator } from '../../src/engine/evaluate.js';
import type { Decision, FileRequest } from '../../src/engine/model.js';
import { type ComputerView, buildView } from '../../src/engine/view.js';
import { SYNTHETIC_NOW_MS, syntheticWorld } from '../lib/synthetic-world.js';
import { formatFixed, formatInt, formatMiB, formatMicros, formatRatio } from '../lib/stats.js';
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

export interface EngineBenchOptions extends SectionOptions {
  sizes: readonly number[];
  seed: number;
  /** Synthetic requests per world. */
  requests: number;
  /** Wall-clock budget of each throughput or latency run, in ms. */
  budgetMs: number;
  /** How many times the view is built and compiled (the median is reported). */
  compileRuns: number;
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

function targetResults(sizes: readonly SizeResult[]): TargetResult[] {
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

  const notes = [
    `Node ${process.version}, ${process.platform}/${process.arch}; one thread evaluates (the garbage collector may use helper threads).`,
    `Latencies include the timer itself: two process.hrtime.bigint() calls cost about ${formatInt(overhead)} ns here.`,
    `compile ms = buildView + evaluator constructor, median of ${opts.compileRuns} runs (every run is in --json; the first is the coldest).`,
    `Every size checked that both evaluators give identical decisions on a sample of requests (${sizes.map((s) => formatInt(s.verified)).join(', ')}).`,
    `decisions/s is wall clock; decisions/CPU-s divides by the process's CPU time (GC helper threads included), which other processes on the machine do not inflate.`,
    `The targets are checked on wall-clock figures, with the engine's compile ms (buildView + CompiledView).`,
  ];
  const cores = os.availableParallelism();
  const busiest = Math.max(0, ...sizes.flatMap((s) => s.loadAverage));
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
    ],
    targets: targetResults(sizes),
    notes,
    data: { node: process.version, timerOverheadNs: overhead, sizes } satisfies EngineBenchData,
  };
}
