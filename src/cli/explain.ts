/**
 * `tollgate explain --computer ID`: a computer's policies in the order its
 * agent processes them, with why each one stands where it does. The order is
 * the engine's own (buildView, effectiveMode, sortForProcessing); this module
 * only describes which sort key put each policy after the one before it.
 */
import { InvalidArgumentError } from 'commander';
import { effectiveMode, type EffectiveMode } from '../engine/evaluate.js';
import { LEVEL_RANK, type AppliesToLevel, type SettingValue, type World } from '../engine/model.js';
import { sortForProcessing } from '../engine/order.js';
import { settingValueProblem } from '../engine/settings.js';
import { buildView, type ComputerView, type ViewPolicy } from '../engine/view.js';
import { WorldIndex } from '../engine/world.js';
import { EXIT_OK, type CliIo } from './io.js';

const LEVEL_NAMES: Readonly<Record<number, AppliesToLevel>> = Object.fromEntries(
  Object.entries(LEVEL_RANK).map(([name, rank]) => [rank, name as AppliesToLevel]),
);

/** One position of the processing order. */
export interface ExplainedPolicy {
  position: number;
  policy: string;
  name: string | null;
  action: ViewPolicy['action'];
  application: string | null;
  builtIn: boolean;
  isDefault: boolean;
  order: number;
  appliesToLevel: AppliesToLevel;
  org: string;
  orgDepth: number;
  /** Expired at the time of the explanation: the agent skips it. */
  expired: boolean;
  /** Why it comes after the policy before it (the first sort key that differs). */
  reason: string;
}

export interface Explanation {
  computer: string;
  org: string;
  group: string;
  os: string;
  agentVersion: string;
  orgStructure: ComputerView['orgStructure'];
  structure: EffectiveMode['structure'];
  builtInsFirst: boolean;
  gated: string[];
  settings: Record<string, SettingValue>;
  atMs: number;
  policies: ExplainedPolicy[];
}

function levelOf(p: ViewPolicy): AppliesToLevel {
  return LEVEL_NAMES[p.levelRank] ?? 'computer';
}

/** The first sort key of the structure that differs between two neighbours, in words. */
function why(prev: ViewPolicy | undefined, p: ViewPolicy, mode: EffectiveMode): string {
  const keys = `order ${p.order}, ${levelOf(p)} level, org depth ${p.orgDepth}${p.builtIn ? ', built-in' : ''}`;
  if (prev === undefined) {
    return `first: ${keys}${mode.builtInsFirst && p.builtIn ? ' (built-ins are processed first)' : ''}`;
  }
  if (mode.builtInsFirst && prev.builtIn !== p.builtIn) {
    return `${keys}: the first policy after the built-in tier (Prioritize Built-In Applications is on)`;
  }
  const steps: [boolean, string][] = [];
  const byOrder: [boolean, string] = [prev.order !== p.order, `higher order number (${prev.order} < ${p.order})`];
  const byLevel: [boolean, string] = [
    prev.levelRank !== p.levelRank,
    `later Applies To level (${levelOf(prev)} before ${levelOf(p)})`,
  ];
  const byDepth: [boolean, string] = [
    prev.orgDepth !== p.orgDepth,
    `deeper organization (depth ${prev.orgDepth} before ${p.orgDepth})`,
  ];
  if (mode.structure === 'flat') steps.push(byOrder, byLevel, byDepth);
  else steps.push(byLevel, byDepth, byOrder);
  const decided = steps.find(([differs]) => differs);
  const tier = mode.builtInsFirst && p.builtIn ? 'within the built-in tier, ' : '';
  return `${keys}: ${tier}${decided === undefined ? `same keys, ordered by id (${prev.id} < ${p.id})` : decided[1]}`;
}

/** Explains one computer of a world at `atMs`, with optional setting values in place of the effective ones. */
export function explainComputer(
  world: World,
  computerId: string,
  atMs: number,
  overrides?: Readonly<Record<string, SettingValue>>,
): Explanation {
  const view = buildView(new WorldIndex(world), computerId);
  const mode = effectiveMode(view, overrides);
  const sorted = sortForProcessing(view.policies, mode.structure, mode.builtInsFirst);
  return {
    computer: view.computer.id,
    org: view.computer.org,
    group: view.computer.group,
    os: view.computer.os,
    agentVersion: view.computer.agentVersion,
    orgStructure: view.orgStructure,
    structure: mode.structure,
    builtInsFirst: mode.builtInsFirst,
    gated: mode.gated,
    settings: { ...view.settings, ...overrides },
    atMs,
    policies: sorted.map((p, i) => ({
      position: i + 1,
      policy: p.id,
      name: p.name,
      action: p.action,
      application: p.app,
      builtIn: p.builtIn,
      isDefault: p.isDefault,
      order: p.order,
      appliesToLevel: levelOf(p),
      org: p.org,
      orgDepth: p.orgDepth,
      expired: p.expiresAtMs !== null && atMs >= p.expiresAtMs,
      reason: why(sorted[i - 1], p, mode),
    })),
  };
}

/** The explanation as text: the mode in force, then one line per position. */
export function formatExplanation(e: Explanation): string {
  const gates = e.gated.length === 0 ? '' : ` (agent ${e.agentVersion} below the gate for ${e.gated.join(', ')})`;
  const lines = [
    `computer ${e.computer}: group ${e.group}, organization ${e.org}, ${e.os} agent ${e.agentVersion}`,
    `structure ${e.structure}${e.structure === e.orgStructure ? '' : ` (organization is ${e.orgStructure})`}${gates}`,
    `built-ins first ${e.builtInsFirst ? 'yes' : 'no'} (prioritizeBuiltInApplications=${String(e.settings['prioritizeBuiltInApplications'])})`,
    e.policies.length === 0
      ? 'no enabled policy applies to this computer: every file is denied (no matching policy)'
      : `${e.policies.length} enabled ${e.policies.length === 1 ? 'policy applies' : 'policies apply'}, in processing order:`,
  ];
  for (const p of e.policies) {
    const what = p.isDefault ? 'default policy' : `application ${p.application ?? '?'}`;
    lines.push(
      `${String(p.position).padStart(3)}. ${p.policy}  ${p.action}  ${what}${p.expired ? '  [expired: skipped]' : ''}`,
    );
    lines.push(`       ${p.reason}`);
  }
  return lines.join('\n') + '\n';
}

/** Prints an explanation as text or JSON. */
export function printExplanation(io: CliIo, explanation: Explanation, json: boolean): number {
  io.stdout(json ? JSON.stringify(explanation, null, 2) + '\n' : formatExplanation(explanation));
  return EXIT_OK;
}

/** `--setting NAME=VALUE` (repeatable): a setting value in place of the effective one, checked like an admin's. */
export function settingOverride(
  text: string,
  previous: Record<string, SettingValue> = {},
): Record<string, SettingValue> {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`--setting takes NAME=VALUE, not "${text}"`);
  const name = text.slice(0, eq);
  const raw = text.slice(eq + 1);
  const value: SettingValue =
    raw === 'true' ? true : raw === 'false' ? false : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  const problem = settingValueProblem(name, value);
  if (problem !== null) throw new InvalidArgumentError(`--setting ${problem}`);
  return { ...previous, [name]: value };
}
