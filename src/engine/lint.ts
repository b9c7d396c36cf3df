import { escalationProblem } from './approval-settings.js';
import { TollgateError } from './errors.js';
import { effectiveMode } from './evaluate.js';
import { DEFAULT_GATES, FLAT_FEATURE } from './gates.js';
import { REGEX_PREFIX, foldPath } from './matcher.js';
import {
  APPROVALS_MODULE,
  type AppRule,
  type Application,
  type OsName,
  type Policy,
  RULE_FIELDS,
  type World,
} from './model.js';
import { compareFlat, processingComparator } from './order.js';
import { compareVersions } from './version.js';
import { type ViewPolicy, buildView } from './view.js';
import { WorldIndex } from './world.js';
import { foldCase } from './fold-case.js';

/** The kinds of lint warning of SPEC.md section 6, plus a computer whose view cannot be built. */
export type LintCode =
  | 'duplicate-order'
  | 'shadowed-policy'
  | 'no-escalation-address'
  | 'flat-below-gate'
  | 'flat-under-hierarchical'
  | 'unknown-category'
  | 'computer-not-analysed';

/** One warning about an entry of a scenario list (`list[id]`). */
export interface LintWarning {
  code: LintCode;
  list: string;
  id: string;
  message: string;
}

/** The fields compared case-insensitively; the others are path-like. */
const EXACT_FIELDS: ReadonlySet<string> = new Set(['sha256', 'certThumbprint', 'certSubject']);

/** A rule field's value as compared for implication on one operating system. */
function canonicalValue(field: string, value: string, os: OsName): string {
  if (EXACT_FIELDS.has(field)) return foldCase(value);
  // A regular expression is compared only as written; a glob with the os path folding.
  return value.startsWith(REGEX_PREFIX) ? `r${value}` : `g${foldPath(value, os)}`;
}

function ruleEntries(rule: AppRule, os: OsName): [string, string][] {
  const entries: [string, string][] = [];
  for (const field of RULE_FIELDS) {
    const value = rule[field];
    if (value !== undefined) entries.push([field, canonicalValue(field, value, os)]);
  }
  return entries;
}

/** The keys of every rule that implies this one: the non-empty subsets of the fields it sets. */
function implyingKeys(entries: readonly [string, string][]): string[] {
  const keys: string[] = [];
  for (let mask = 1; mask < 1 << entries.length; mask++) {
    keys.push(JSON.stringify(entries.filter((_, i) => (mask & (1 << i)) !== 0)));
  }
  return keys;
}

/**
 * Which applications match everything another matches, on one operating system: B covers A when every rule
 * of A is implied by some rule of B (a rule implies another when every field it sets is set there equally).
 */
class CoverIndex {
  private readonly appsByRuleKey = new Map<string, Set<string>>();
  private readonly covering = new Map<string, readonly string[]>();

  constructor(
    private readonly apps: ReadonlyMap<string, Application>,
    private readonly os: OsName,
  ) {
    for (const app of apps.values()) {
      for (const rule of app.rules) {
        const key = JSON.stringify(ruleEntries(rule, os));
        const set = this.appsByRuleKey.get(key) ?? new Set<string>();
        set.add(app.id);
        this.appsByRuleKey.set(key, set);
      }
    }
  }

  /** The applications that cover `appId`, itself included. */
  coverers(appId: string): readonly string[] {
    const known = this.covering.get(appId);
    if (known !== undefined) return known;
    const rules = this.apps.get(appId)?.rules ?? [];
    let result: Set<string> | undefined;
    for (const rule of rules) {
      const implying = new Set<string>();
      for (const key of implyingKeys(ruleEntries(rule, this.os))) {
        for (const id of this.appsByRuleKey.get(key) ?? [])
          if (result === undefined || result.has(id)) implying.add(id);
      }
      result = implying;
    }
    // An application without rules is covered only by itself: it never matches, nothing is said about it.
    const list = result === undefined ? [appId] : [...result];
    this.covering.set(appId, list);
    return list;
  }
}

function describePolicy(p: ViewPolicy): string {
  return p.isDefault ? `the default policy ${p.id}` : `${p.id}, application ${p.app ?? '?'}`;
}

/**
 * The policies of one order number split into the sets that can apply to a
 * common computer of the world (connected through pairs that cover one); a
 * tie between policies that never meet on a computer decides nothing.
 */
function overlappingSets(index: WorldIndex, policies: readonly Policy[]): Policy[][] {
  const covered = policies.map((p) => new Set(index.coveredComputers(p.appliesTo).map((c) => c.id)));
  const parent = policies.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] as number;
    return i;
  };
  for (let i = 0; i < policies.length; i++) {
    for (let j = i + 1; j < policies.length; j++) {
      const a = covered[i] as Set<string>;
      const b = covered[j] as Set<string>;
      const [small, large] = a.size <= b.size ? [a, b] : [b, a];
      if ([...small].some((id) => large.has(id))) parent[root(j)] = root(i);
    }
  }
  const sets = new Map<number, Policy[]>();
  policies.forEach((p, i) => {
    const r = root(i);
    const set = sets.get(r) ?? [];
    set.push(p);
    sets.set(r, set);
  });
  return [...sets.values()].filter((set) => set.length > 1);
}

/**
 * Equal order numbers among the policies of each flat organization that can
 * apply to the same computer, one warning per number and set of such policies.
 */
function duplicateOrders(index: WorldIndex): LintWarning[] {
  const byOrgAndOrder = new Map<string, Map<number, Policy[]>>();
  for (const policy of index.world.policies) {
    const org = index.appliesToOrg(policy.appliesTo);
    if (index.org(org).structure !== 'flat') continue;
    const byOrder = byOrgAndOrder.get(org) ?? new Map<number, Policy[]>();
    byOrgAndOrder.set(org, byOrder);
    const same = byOrder.get(policy.order);
    if (same === undefined) byOrder.set(policy.order, [policy]);
    else same.push(policy);
  }
  const warnings: LintWarning[] = [];
  for (const [org, byOrder] of byOrgAndOrder) {
    const depth = index.depth(org);
    for (const [order, all] of byOrder) {
      if (all.length < 2) continue;
      for (const policies of overlappingSets(index, all)) {
        // Named in the order ties are resolved, so the warning's entry is the one that wins.
        const sorted = policies
          .map((p) => ({ id: p.id, order, levelRank: index.levelRank(p.appliesTo), orgDepth: depth, builtIn: false }))
          .sort(compareFlat);
        const [first, ...others] = sorted.map((p) => p.id);
        warnings.push({
          code: 'duplicate-order',
          list: 'policies',
          id: first as string,
          message: `order ${order} is also used by ${others.join(', ')} in flat organization ${org}`,
        });
      }
    }
  }
  return warnings;
}

/** What a policy was found to be on the computers analysed so far. */
type ShadowState = { shadowedBy: ViewPolicy; computer: string } | 'decides';

/** Policies that can never decide: on every computer they cover an earlier candidate matches all they match. */
function shadowedPolicies(index: WorldIndex): LintWarning[] {
  const warnings: LintWarning[] = [];
  const covers = new Map<OsName, CoverIndex>();
  const state = new Map<string, ShadowState>();
  for (const computer of index.world.computers) {
    let policies: ViewPolicy[];
    let os: OsName;
    try {
      const view = buildView(index, computer.id);
      const mode = effectiveMode(view);
      policies = [...view.policies].sort(processingComparator(mode.structure, mode.builtInsFirst));
      os = view.computer.os;
    } catch (error) {
      if (!(error instanceof TollgateError)) throw error;
      warnings.push({
        code: 'computer-not-analysed',
        list: 'computers',
        id: computer.id,
        message: `not analysed for shadowed policies: ${error.message}`,
      });
      // Nothing is known about this computer: no policy covering it is reported.
      for (const p of index.world.policies) {
        if (p.enabled && index.covers(p.appliesTo, computer.id)) state.set(p.id, 'decides');
      }
      continue;
    }
    const cover = covers.get(os) ?? new CoverIndex(index.apps, os);
    covers.set(os, cover);

    // The first candidate of each application, and the first default, that may shadow (never one that expires).
    const firstOfApp = new Map<string, number>();
    let firstDefault = Number.MAX_SAFE_INTEGER;
    policies.forEach((p, i) => {
      if (p.expiresAtMs !== null) return;
      if (p.isDefault) firstDefault = Math.min(firstDefault, i);
      else if (p.app !== null && !firstOfApp.has(p.app)) firstOfApp.set(p.app, i);
    });
    const firstCoverer = new Map<string, number>();
    const earliestCoverer = (app: string): number => {
      let best = firstCoverer.get(app);
      if (best !== undefined) return best;
      best = Number.MAX_SAFE_INTEGER;
      for (const id of cover.coverers(app)) best = Math.min(best, firstOfApp.get(id) ?? best);
      firstCoverer.set(app, best);
      return best;
    };

    policies.forEach((p, i) => {
      if (state.get(p.id) === 'decides') return;
      const shadow = p.isDefault || p.app === null ? firstDefault : Math.min(firstDefault, earliestCoverer(p.app));
      if (shadow >= i) state.set(p.id, 'decides');
      else if (!state.has(p.id)) state.set(p.id, { shadowedBy: policies[shadow] as ViewPolicy, computer: computer.id });
    });
  }
  for (const policy of index.world.policies) {
    const s = state.get(policy.id);
    if (s === undefined || s === 'decides') continue;
    warnings.push({
      code: 'shadowed-policy',
      list: 'policies',
      id: policy.id,
      message: `can never decide: on every computer it covers, an earlier policy matches everything it matches (on ${s.computer}: ${describePolicy(s.shadowedBy)})`,
    });
  }
  return warnings;
}

/** Organizations with the approvals module and no escalation address to resolve. */
function missingEscalation(index: WorldIndex): LintWarning[] {
  const warnings: LintWarning[] = [];
  for (const org of index.world.organizations) {
    const problem = escalationProblem(index, org.id);
    if (problem !== null) {
      warnings.push({
        code: 'no-escalation-address',
        list: 'organizations',
        id: org.id,
        message: `has the ${APPROVALS_MODULE} module but ${problem}: approval requests cannot be escalated`,
      });
    }
  }
  return warnings;
}

/** Flat organizations with a group below the flat gate, or under a hierarchical parent. */
function flatStructureProblems(index: WorldIndex): LintWarning[] {
  const gates = index.world.gates ?? DEFAULT_GATES;
  const warnings: LintWarning[] = [];
  for (const org of index.world.organizations) {
    if (org.structure !== 'flat') continue;
    if (org.parent !== undefined && index.org(org.parent).structure !== 'flat') {
      warnings.push({
        code: 'flat-under-hierarchical',
        list: 'organizations',
        id: org.id,
        message: `is flat, but its parent ${org.parent} is hierarchical: parents must upgrade first`,
      });
    }
    for (const group of index.world.groups) {
      if (group.org !== org.id) continue;
      const gate = gates.find(
        (g) => g.feature === FLAT_FEATURE && g.os === group.os && compareVersions(group.agentVersion, g.minVersion) < 0,
      );
      if (gate === undefined) continue;
      warnings.push({
        code: 'flat-below-gate',
        list: 'organizations',
        id: org.id,
        message: `is flat, but ${group.os} group ${group.id} has agent version ${group.agentVersion}, below the ${FLAT_FEATURE} gate ${gate.minVersion}: its computers keep the hierarchical order`,
      });
    }
  }
  return warnings;
}

/**
 * Warnings of SPEC.md section 6 for a world, in this order: equal flat order numbers, shadowed policies,
 * missing escalation addresses, flat organizations below the gate or under a hierarchical parent, approval
 * policies whose category no application has.
 */
export function lintWorld(world: World): LintWarning[] {
  const index = new WorldIndex(world);
  return [
    ...duplicateOrders(index),
    ...shadowedPolicies(index),
    ...missingEscalation(index),
    ...flatStructureProblems(index),
    ...unknownCategories(index),
  ];
}

/** Approval policies whose category no application has (compared as approvals compare it, ignoring case). */
function unknownCategories(index: WorldIndex): LintWarning[] {
  const known = new Set<string>();
  for (const app of index.world.applications) if (app.category !== undefined) known.add(foldCase(app.category));
  const warnings: LintWarning[] = [];
  for (const ap of index.world.approvalPolicies) {
    if (known.has(foldCase(ap.category))) continue;
    const names = [...new Set(index.world.applications.flatMap((a) => (a.category === undefined ? [] : [a.category])))];
    warnings.push({
      code: 'unknown-category',
      list: 'approvalPolicies',
      id: ap.id,
      message:
        `category "${ap.category}" is not the category of any application, so the policy only meets requests that ` +
        `name it themselves (known categories: ${names.length === 0 ? 'none' : names.sort().join(', ')})`,
    });
  }
  return warnings;
}

/** One warning as `list[id]: message`. */
export function formatLintWarning(warning: LintWarning): string {
  return `${warning.list}[${warning.id}]: ${warning.message}`;
}

/** The lint report: every warning on its own line, then the count ("no warnings" when none); ends with a newline. */
export function formatLint(warnings: readonly LintWarning[]): string {
  if (warnings.length === 0) return 'no warnings\n';
  const count = `${warnings.length} warning${warnings.length === 1 ? '' : 's'}`;
  return [...warnings.map(formatLintWarning), count].join('\n') + '\n';
}
