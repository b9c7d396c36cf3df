import { extname } from 'node:path';
import { ValidationError } from '../engine/errors.js';
import { formatLint, lintWorld } from '../engine/lint.js';
import { ScenarioTarget, runCases, type CaseResult, type CaseTarget, type ReplayCase } from '../engine/replay.js';
import { formatUpgradePlan, upgradeToFlat } from '../engine/upgrade.js';
import { loadFixtures, loadScenario, serializeScenario, validateFixtures } from '../scenario/load.js';
import { EXIT_FAILED, EXIT_INVALID, EXIT_OK, type CliIo } from './io.js';
import { formatReport, summaryLine, type ReportFormat } from './report.js';
import { writeOutputFile } from './output-file.js';

export interface ReplayOptions {
  format: ReportFormat;
  output?: string;
  /** Only the cases whose name contains this text or whose computer is this text. */
  filter?: string;
  /** The files the command reads besides the fixtures (the scenario): `output` must not be one of them. */
  inputs?: readonly string[];
}

/** The cases `--filter TEXT` keeps: the name contains TEXT, or the computer is TEXT; every case without it. */
export function filterCases<C extends ReplayCase>(cases: readonly C[], filter: string | undefined): C[] {
  if (filter === undefined) return [...cases];
  return cases.filter((c) => c.name.includes(filter) || c.computer === filter);
}

/**
 * Runs fixture cases against a target and reports them (SPEC.md section 8).
 * The cases in `notRun` (by the case, not its name: names may repeat) are not evaluated: they are reported as not run
 * with the reason given, counted in the summary, and do not fail the replay.
 */
export async function replayCases(
  io: CliIo,
  target: CaseTarget,
  cases: readonly ReplayCase[],
  fixturesPath: string,
  options: ReplayOptions,
  notRun: ReadonlyMap<ReplayCase, string> = new Map(),
): Promise<number> {
  const results: CaseResult[] = [];
  for (const c of cases) {
    const reason = notRun.get(c);
    if (reason === undefined) {
      results.push(...(await runCases(target, [c])));
    } else {
      results.push({
        name: c.name,
        computer: c.computer,
        passed: false,
        expected: c.expect,
        got: null,
        mismatches: [],
        notRun: reason,
      });
    }
  }
  const report = formatReport(results, options.format, fixturesPath);
  if (options.output !== undefined) {
    await writeOutputFile(options.output, report, [fixturesPath, ...(options.inputs ?? [])]);
    io.stdout(summaryLine(results) + '\n');
  } else {
    io.stdout(report);
  }
  return results.every((r) => r.passed || r.notRun !== undefined) ? EXIT_OK : EXIT_FAILED;
}

/** `tollgate replay SCENARIO FIXTURES`. */
export async function replayScenario(
  io: CliIo,
  scenarioPath: string,
  fixturesPath: string,
  options: ReplayOptions,
): Promise<number> {
  const world = await loadScenario(scenarioPath);
  const cases = filterCases(await loadFixtures(fixturesPath), options.filter);
  const problems = validateFixtures(cases, world).map((p) => `${fixturesPath}: ${p}`);
  if (problems.length > 0) throw new ValidationError(problems);
  return replayCases(io, new ScenarioTarget(world, () => io.nowMs()), cases, fixturesPath, {
    ...options,
    inputs: [scenarioPath],
  });
}

export interface UpgradeOptions {
  org: string;
  acknowledge: boolean;
  dryRun: boolean;
  output?: string;
}

function formatFor(path: string): 'yaml' | 'json' {
  return extname(path).toLowerCase() === '.json' ? 'json' : 'yaml';
}

/** `tollgate upgrade SCENARIO --org ORG --acknowledge [--dry-run] [--output FILE]`. */
export async function upgradeScenario(io: CliIo, scenarioPath: string, options: UpgradeOptions): Promise<number> {
  const world = await loadScenario(scenarioPath);
  const plan = upgradeToFlat(world, options.org, { acknowledge: options.acknowledge });
  if (!plan.ok) {
    io.stderr(formatUpgradePlan(plan));
    return EXIT_INVALID;
  }
  if (options.dryRun) {
    io.stdout(formatUpgradePlan(plan));
    return EXIT_OK;
  }
  if (options.output !== undefined) {
    await writeOutputFile(options.output, serializeScenario(plan.world, formatFor(options.output)), [scenarioPath]);
    io.stdout(formatUpgradePlan(plan));
  } else {
    // The scenario goes to standard output, so the plan goes to standard error.
    io.stderr(formatUpgradePlan(plan));
    io.stdout(serializeScenario(plan.world, formatFor(scenarioPath)));
  }
  return EXIT_OK;
}

/** `tollgate lint SCENARIO`: warnings never fail the command. */
export async function lintScenario(io: CliIo, scenarioPath: string, options: { json: boolean }): Promise<number> {
  const world = await loadScenario(scenarioPath);
  const warnings = lintWorld(world);
  if (options.json) io.stdout(JSON.stringify({ warnings }, null, 2) + '\n');
  else io.stdout(formatLint(warnings));
  return EXIT_OK;
}
