import { effectiveMode } from './evaluate.js';
import { FLAT_MIN_WINDOWS_VERSION } from './gates.js';
import { LEVEL_RANK, type Policy, type World } from './model.js';
import { type Sortable, compareHierarchical, processingComparator } from './order.js';
import { compareVersions } from './version.js';
import { type ViewPolicy, buildView } from './view.js';
import { WorldIndex, appliesToLevel } from './world.js';

/** The number of the first built-in application policy after the upgrade (SPEC.md section 4). */
export const BUILT_IN_START = 101;
/** The number of the first other (custom application) policy after the upgrade. */
export const CUSTOM_START = 100_001;
/** The number every default policy gets. */
export const DEFAULT_ORDER = 1_000_000;
/** The most built-in application policies an organization may have to be upgraded (101 to 100,000). */
export const MAX_BUILT_IN = 99_900;
/** The most other policies an organization may have to be upgraded: they must stay below DEFAULT_ORDER. */
export const MAX_CUSTOM = DEFAULT_ORDER - CUSTOM_START;

/** The refusal text when the caller did not acknowledge (SPEC.md section 4). */
export const ACKNOWLEDGE_PROBLEM = 'the order of policies may be affected: acknowledge to continue';

/** The numbering tiers of the upgrade, in the order they are numbered. */
export type UpgradeTier = 'builtIn' | 'custom' | 'default';

/** One policy's new number; the list is in the new processing order. */
export interface Renumbering {
  policy: string;
  app: string | null;
  tier: UpgradeTier;
  from: number;
  to: number;
}

/** On `computer`, `policy` was processed after `nowBefore` and is now processed before it. */
export interface Discrepancy {
  computer: string;
  policy: string;
  nowBefore: string;
}

/** The upgrade was refused: every unmet condition, in the order of SPEC.md section 4. */
export interface UpgradeRefusal {
  ok: false;
  org: string;
  problems: string[];
}

/** The upgraded world, what was renumbered and every pair whose relative order changes. */
export interface UpgradeResult {
  ok: true;
  org: string;
  world: World;
  renumbered: Renumbering[];
  discrepancies: Discrepancy[];
}

export type UpgradePlan = UpgradeRefusal | UpgradeResult;

interface Tiered extends Sortable {
  readonly policy: Policy;
  readonly tier: UpgradeTier;
}

function tierOf(index: WorldIndex, policy: Policy): UpgradeTier {
  if (policy.default === true) return 'default';
  const app = policy.app === undefined ? undefined : index.apps.get(policy.app);
  return app?.builtIn === true ? 'builtIn' : 'custom';
}

/** The organization's own policies split into tiers, each sorted by the hierarchical key. */
function tiersOf(index: WorldIndex, orgId: string): Record<UpgradeTier, Tiered[]> {
  const tiers: Record<UpgradeTier, Tiered[]> = { builtIn: [], custom: [], default: [] };
  const orgDepth = index.depth(orgId);
  for (const policy of index.world.policies) {
    if (index.appliesToOrg(policy.appliesTo) !== orgId) continue;
    const tier = tierOf(index, policy);
    tiers[tier].push({
      policy,
      tier,
      id: policy.id,
      order: policy.order,
      levelRank: LEVEL_RANK[appliesToLevel(policy.appliesTo)],
      orgDepth,
      builtIn: tier === 'builtIn',
    });
  }
  for (const list of Object.values(tiers)) list.sort(compareHierarchical);
  return tiers;
}

function preconditionProblems(
  index: WorldIndex,
  orgId: string,
  acknowledge: boolean,
  tiers: Record<UpgradeTier, Tiered[]> | undefined,
): string[] {
  const problems: string[] = [];
  const org = index.orgs.get(orgId);
  if (org === undefined) problems.push(`organization ${orgId} is unknown`);
  else {
    if (org.structure === 'flat')
      problems.push(`organization ${orgId} is already flat: the upgrade cannot be repeated`);
    if (org.parent !== undefined && index.org(org.parent).structure !== 'flat') {
      problems.push(`parent organization ${org.parent} is hierarchical: it must be upgraded first`);
    }
    for (const group of index.world.groups) {
      if (group.org !== orgId || group.os !== 'windows') continue;
      if (compareVersions(group.agentVersion, FLAT_MIN_WINDOWS_VERSION) < 0) {
        problems.push(
          `windows group ${group.id} (${group.name}) has agent version ${group.agentVersion}, below ${FLAT_MIN_WINDOWS_VERSION}`,
        );
      }
    }
  }
  if (!acknowledge) problems.push(ACKNOWLEDGE_PROBLEM);
  if (tiers !== undefined && tiers.builtIn.length > MAX_BUILT_IN) {
    problems.push(`${tiers.builtIn.length} built-in application policies: at most ${MAX_BUILT_IN} can be renumbered`);
  }
  if (tiers !== undefined && tiers.custom.length > MAX_CUSTOM) {
    problems.push(`${tiers.custom.length} other policies: at most ${MAX_CUSTOM} can be renumbered`);
  }
  return problems;
}

function renumber(tiers: Record<UpgradeTier, Tiered[]>): Renumbering[] {
  const out: Renumbering[] = [];
  const add = (list: Tiered[], numberAt: (i: number) => number): void => {
    list.forEach((t, i) => {
      out.push({ policy: t.id, app: t.policy.app ?? null, tier: t.tier, from: t.order, to: numberAt(i) });
    });
  };
  add(tiers.builtIn, (i) => BUILT_IN_START + i);
  add(tiers.custom, (i) => CUSTOM_START + i);
  add(tiers.default, () => DEFAULT_ORDER);
  return out;
}

/**
 * Every pair (i, j), i < j, with rank[i] > rank[j], sorted: a bottom-up merge
 * sort that emits inversions as it merges, in O(n log n + pairs).
 */
function inversions(rank: readonly number[]): [number, number][] {
  const n = rank.length;
  const pairs: [number, number][] = [];
  let run = Array.from({ length: n }, (_, i) => i);
  let next = new Array<number>(n);
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let p = lo;
      let q = mid;
      let k = lo;
      while (p < mid && q < hi) {
        const left = run[p] as number;
        const right = run[q] as number;
        if ((rank[left] as number) < (rank[right] as number)) {
          next[k++] = left;
          p++;
        } else {
          // Every remaining left item comes earlier in the sequence but has a higher rank.
          for (let x = p; x < mid; x++) pairs.push([run[x] as number, right]);
          next[k++] = right;
          q++;
        }
      }
      while (p < mid) next[k++] = run[p++] as number;
      while (q < hi) next[k++] = run[q++] as number;
    }
    [run, next] = [next, run];
  }
  return pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/** The enabled candidates of a computer (expiry ignored) in its effective processing order. */
function processingOrder(index: WorldIndex, computerId: string): ViewPolicy[] {
  const view = buildView(index, computerId);
  const mode = effectiveMode(view);
  return [...view.policies].sort(processingComparator(mode.structure, mode.builtInsFirst));
}

function discrepanciesOf(before: WorldIndex, after: WorldIndex, orgId: string): Discrepancy[] {
  const orgs = new Set(before.subtree(orgId));
  const out: Discrepancy[] = [];
  for (const computer of before.world.computers) {
    if (!orgs.has(before.computerOrg(computer.id))) continue;
    const oldRank = new Map(processingOrder(before, computer.id).map((p, i) => [p.id, i]));
    const now = processingOrder(after, computer.id);
    for (const [i, j] of inversions(now.map((p) => oldRank.get(p.id) as number))) {
      out.push({ computer: computer.id, policy: (now[i] as ViewPolicy).id, nowBefore: (now[j] as ViewPolicy).id });
    }
  }
  return out;
}

/**
 * Plans the upgrade of one organization to the flat structure (SPEC.md section 4): refuses with every unmet
 * condition, or returns the upgraded copy of the world, the renumbering and the discrepancies.
 */
export function upgradeToFlat(world: World, orgId: string, options: { acknowledge: boolean }): UpgradePlan {
  const index = new WorldIndex(world);
  const tiers = index.orgs.has(orgId) ? tiersOf(index, orgId) : undefined;
  const problems = preconditionProblems(index, orgId, options.acknowledge, tiers);
  if (tiers === undefined || problems.length > 0) return { ok: false, org: orgId, problems };

  const renumbered = renumber(tiers);
  const newOrder = new Map(renumbered.map((r) => [r.policy, r.to]));
  const upgraded = structuredClone(world);
  for (const org of upgraded.organizations) if (org.id === orgId) org.structure = 'flat';
  for (const policy of upgraded.policies) policy.order = newOrder.get(policy.id) ?? policy.order;

  const discrepancies = discrepanciesOf(index, new WorldIndex(upgraded), orgId);
  return { ok: true, org: orgId, world: upgraded, renumbered, discrepancies };
}

/** The dry run as text ending with a newline: the refusal, or the renumbering table and the discrepancies. */
export function formatUpgradePlan(plan: UpgradePlan): string {
  if (!plan.ok) {
    const problems = plan.problems.map((p) => `  - ${p}\n`).join('');
    return `upgrade of organization ${plan.org} to the flat policy structure refused:\n${problems}`;
  }
  const lines = [`upgrade of organization ${plan.org} to the flat policy structure`];
  lines.push(`renumbering (${plan.renumbered.length} ${plan.renumbered.length === 1 ? 'policy' : 'policies'}):`);
  const rows = plan.renumbered.map((r) => [r.policy, r.app ?? '(default)', r.tier, String(r.from), String(r.to)]);
  const header = ['policy', 'application', 'tier', 'from', 'to'];
  // A reduce, not a spread: an organization may have close to a million policies.
  const widths = header.map((h, c) => rows.reduce((w, row) => Math.max(w, (row[c] as string).length), h.length));
  for (const row of [header, ...rows]) {
    lines.push(
      `  ${row.map((cell, c) => (c >= 3 ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number))).join('  ')}`.trimEnd(),
    );
  }
  if (plan.discrepancies.length === 0) {
    lines.push('no discrepancies: processing order is unchanged for every computer');
  } else {
    lines.push(`discrepancies (${plan.discrepancies.length} pairs whose relative order changes):`);
    for (const d of plan.discrepancies) {
      lines.push(`  computer ${d.computer}: ${d.policy} is now processed before ${d.nowBefore}`);
    }
  }
  return lines.join('\n') + '\n';
}
