import { type ApprovalQuery, evaluateApproval, resolveApprovalQuery } from './approvals.js';
import { CompiledView } from './evaluate.js';
import type { ApprovalSuggestion, Decision, FileRequest, SettingValue, World } from './model.js';
import { parseTimeMs } from './validate.js';
import { type ComputerView, buildView } from './view.js';
import { WorldIndex } from './world.js';

/** One fixture case (SPEC.md section 7). */
export interface ReplayCase {
  name: string;
  computer: string;
  at?: string;
  settings?: Record<string, SettingValue>;
  file?: FileRequest;
  approval?: ApprovalQuery;
  expect: Record<string, unknown>;
}

/** What answers cases: a scenario in memory, or a running daemon. */
export interface CaseTarget {
  decide(
    computer: string,
    file: FileRequest,
    options: { at?: string; settings?: Record<string, SettingValue> },
  ): Decision | Promise<Decision>;
  suggest(computer: string, approval: ApprovalQuery): ApprovalSuggestion | Promise<ApprovalSuggestion>;
}

export interface CaseResult {
  name: string;
  computer: string;
  passed: boolean;
  expected: Record<string, unknown>;
  /** The decision or suggestion, or null when the case could not be evaluated. */
  got: Record<string, unknown> | null;
  /** The expected fields that differ. */
  mismatches: string[];
  error?: string;
  /** Why the case was not run (`replay --socket`: another computer's case); such a case neither passes nor fails. */
  notRun?: string;
  /** How long the case took, in seconds (JUnit `time`); not part of the JSON report. */
  seconds?: number;
}

function sameValue(expected: unknown, got: unknown): boolean {
  if (Array.isArray(expected)) {
    if (!Array.isArray(got)) return false;
    const want = new Set(expected.map((v) => JSON.stringify(v)));
    const have = new Set(got.map((v) => JSON.stringify(v)));
    return want.size === have.size && [...want].every((v) => have.has(v));
  }
  if (expected !== null && typeof expected === 'object') {
    if (got === null || typeof got !== 'object' || Array.isArray(got)) return false;
    const e = expected as Record<string, unknown>;
    const g = got as Record<string, unknown>;
    const keys = new Set([...Object.keys(e), ...Object.keys(g)]);
    return [...keys].every((k) => sameValue(e[k], g[k]));
  }
  return expected === (got === undefined ? undefined : got);
}

/** The expected fields whose values differ from what was got (lists compared as sets). */
export function compareExpectation(expect: Record<string, unknown>, got: Record<string, unknown>): string[] {
  return Object.keys(expect).filter((key) => !sameValue(expect[key], got[key]));
}

/** Runs one case against a target. A case that cannot be evaluated fails with its error. */
export async function runCase(target: CaseTarget, c: ReplayCase): Promise<CaseResult> {
  try {
    let got: Record<string, unknown>;
    if (c.file !== undefined) {
      const options: { at?: string; settings?: Record<string, SettingValue> } = {};
      if (c.at !== undefined) options.at = c.at;
      if (c.settings !== undefined) options.settings = c.settings;
      got = { ...(await target.decide(c.computer, c.file, options)) };
    } else if (c.approval !== undefined) {
      got = { ...(await target.suggest(c.computer, c.approval)) };
    } else {
      throw new Error('the case has neither file nor approval');
    }
    const mismatches = compareExpectation(c.expect, got);
    return { name: c.name, computer: c.computer, passed: mismatches.length === 0, expected: c.expect, got, mismatches };
  } catch (error) {
    return {
      name: c.name,
      computer: c.computer,
      passed: false,
      expected: c.expect,
      got: null,
      mismatches: [],
      error: (error as Error).message,
    };
  }
}

export async function runCases(target: CaseTarget, cases: readonly ReplayCase[]): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of cases) {
    const started = performance.now();
    const result = await runCase(target, c);
    result.seconds = (performance.now() - started) / 1000;
    results.push(result);
  }
  return results;
}

/** Answers cases from a world in memory, compiling each computer's view once. */
export class ScenarioTarget implements CaseTarget {
  private readonly index: WorldIndex;
  private readonly views = new Map<string, { view: ComputerView; compiled: CompiledView }>();
  private readonly nowMs: () => number;

  constructor(world: World, nowMs: () => number) {
    this.index = new WorldIndex(world);
    this.nowMs = nowMs;
  }

  private viewOf(computer: string): { view: ComputerView; compiled: CompiledView } {
    let entry = this.views.get(computer);
    if (entry === undefined) {
      const view = buildView(this.index, computer);
      entry = { view, compiled: new CompiledView(view, null) };
      this.views.set(computer, entry);
    }
    return entry;
  }

  decide(
    computer: string,
    file: FileRequest,
    options: { at?: string; settings?: Record<string, SettingValue> },
  ): Decision {
    const nowMs = options.at === undefined ? this.nowMs() : parseTimeMs(options.at);
    const evaluateOptions: { nowMs: number; settings?: Record<string, SettingValue> } = { nowMs };
    if (options.settings !== undefined) evaluateOptions.settings = options.settings;
    return this.viewOf(computer).compiled.evaluate(file, evaluateOptions);
  }

  suggest(computer: string, approval: ApprovalQuery): ApprovalSuggestion {
    const { view } = this.viewOf(computer);
    return evaluateApproval(view, resolveApprovalQuery(view, approval));
  }
}
