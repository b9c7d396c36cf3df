import { FLAT_FEATURE, PRIORITIZE_FEATURE, failedGates } from './gates.js';
import {
  type CompiledRule,
  type NormalizedFile,
  type RuleKey,
  baseName,
  compileRule,
  normalizeFile,
} from './matcher.js';
import type { Decision, FileRequest, SettingValue, Structure } from './model.js';
import { processingComparator } from './order.js';
import { PRIORITIZE_SETTING } from './settings.js';
import type { ComputerView, ViewPolicy } from './view.js';

/** Per-decision inputs: the evaluation time, and setting values that override the view's. */
export interface EvaluateOptions {
  nowMs: number;
  settings?: Readonly<Record<string, SettingValue>>;
}

/** The parts of a decision that depend on the agent, not on the file. */
export interface EffectiveMode {
  structure: Structure;
  builtInsFirst: boolean;
  gated: string[];
}

/** Effective structure and built-in prioritization of SPEC.md sections 2.3 and 2.4. */
export function effectiveMode(view: ComputerView, overrides?: Readonly<Record<string, SettingValue>>): EffectiveMode {
  const { os, agentVersion } = view.computer;
  const gated = failedGates(view.gates, os, agentVersion);
  const structure: Structure = view.orgStructure === 'flat' && !gated.includes(FLAT_FEATURE) ? 'flat' : 'hierarchical';
  const setting = overrides?.[PRIORITIZE_SETTING] ?? view.settings[PRIORITIZE_SETTING];
  const builtInsFirst = gated.includes(PRIORITIZE_FEATURE) ? true : setting !== false;
  return { structure, builtInsFirst, gated };
}

function describeMode(mode: EffectiveMode): string {
  const parts = [`${mode.structure} order`, mode.builtInsFirst ? 'built-ins first' : 'built-ins not prioritized'];
  if (mode.gated.length > 0) parts.push(`agent below the gate for ${mode.gated.join(', ')}`);
  return parts.join(', ');
}

/** The reason of the implicit deny (SPEC.md section 2.2). */
export const NO_MATCH_REASON = 'no matching policy';

/** The one-line reason of a decision made by a policy. */
function policyReason(policy: ViewPolicy, mode: EffectiveMode): string {
  const what = policy.isDefault ? 'the default policy' : `application ${policy.app ?? '?'}`;
  return `${policy.action} by policy ${policy.id} (order ${policy.order}) for ${what} (${describeMode(mode)})`;
}

/** Builds the decision for the policy that decided, or the implicit deny when none did. */
export function makeDecision(
  policy: ViewPolicy | undefined,
  mode: EffectiveMode,
  snapshotVersion: number | null,
  reason?: string,
): Decision {
  if (policy === undefined) {
    return {
      action: 'deny',
      policy: null,
      policyName: null,
      order: null,
      application: null,
      structure: mode.structure,
      builtInsFirst: mode.builtInsFirst,
      gated: [...mode.gated],
      snapshotVersion,
      reason: NO_MATCH_REASON,
    };
  }
  const decision: Decision = {
    action: policy.action,
    policy: policy.id,
    policyName: policy.name,
    order: policy.order,
    application: policy.app,
    structure: mode.structure,
    builtInsFirst: mode.builtInsFirst,
    gated: [...mode.gated],
    snapshotVersion,
    reason: reason ?? policyReason(policy, mode),
  };
  if (policy.ringfence !== undefined) decision.ringfence = policy.ringfence;
  return decision;
}

function isLive(policy: ViewPolicy, nowMs: number): boolean {
  return policy.expiresAtMs === null || nowMs < policy.expiresAtMs;
}

/** One compiled application: its rules, and its policies in each processing order. */
interface CompiledApp {
  readonly rules: readonly CompiledRule[];
  /** Indexes into `policies`, sorted by rank, for [strict, builtInsFirst]. */
  readonly byRank: [number[], number[]];
}

type IndexedKind = Exclude<RuleKey['kind'], 'unindexed'>;

interface IndexEntry {
  readonly app: number;
  readonly rule: CompiledRule;
}

function push<K>(map: Map<K, IndexEntry[]>, key: K, entry: IndexEntry): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [entry]);
  else list.push(entry);
}

/**
 * A computer's view compiled for fast decisions: policies sorted once in
 * both built-in orders, and every application rule indexed by hash,
 * certificate, exact path, file name or literal directory prefix, so a
 * request tests only the rules that could match it. Everything that does not
 * depend on the file (gates, structure, reason texts) is worked out once.
 */
export class CompiledView {
  readonly view: ComputerView;
  readonly snapshotVersion: number | null;
  readonly policies: readonly ViewPolicy[];
  /** The two modes this agent can be in: [built-ins not prioritized, built-ins first]. */
  private readonly modes: [EffectiveMode, EffectiveMode];
  /** Below the prioritization gate the setting cannot turn built-ins first off. */
  private readonly prioritizationForced: boolean;
  /** rank[mode][policyIndex]: position in processing order; mode 0 strict, 1 built-ins first. */
  private readonly rank: [Int32Array, Int32Array];
  private readonly reasons: [(string | undefined)[], (string | undefined)[]];
  private readonly apps: CompiledApp[] = [];
  private readonly defaults: [number[], number[]];
  /** Rules by the key of their most selective field (matcher.ts RuleKey). */
  private readonly index: Record<IndexedKind, Map<string, IndexEntry[]>> = {
    sha256: new Map(),
    certThumbprint: new Map(),
    certSubject: new Map(),
    exactPath: new Map(),
    baseName: new Map(),
    pathPrefix: new Map(),
  };
  private readonly unindexed: IndexEntry[] = [];
  private readonly seen: Uint32Array;
  private generation = 0;
  /** Every policy expiry time, ascending. */
  private readonly expiries: Float64Array;
  // The search state of the decision being made (no allocation per decision).
  private best = -1;
  private bestRank = 0;

  constructor(view: ComputerView, snapshotVersion: number | null = null) {
    this.view = view;
    this.snapshotVersion = snapshotVersion;
    this.policies = view.policies;
    const base = effectiveMode(view);
    this.prioritizationForced = base.gated.includes(PRIORITIZE_FEATURE);
    const gated = base.gated;
    this.modes = [
      { ...base, gated, builtInsFirst: this.prioritizationForced },
      { ...base, gated, builtInsFirst: true },
    ];
    const n = view.policies.length;
    const ps = view.policies;
    const strict = processingComparator(base.structure, false);
    const sortedStrict = ps.map((_, i) => i).sort((a, b) => strict(ps[a] as ViewPolicy, ps[b] as ViewPolicy));
    // The built-in tier is a stable partition of the strict order (the order is total: ids break ties).
    const sortedFirst = [
      ...sortedStrict.filter((p) => (ps[p] as ViewPolicy).builtIn),
      ...sortedStrict.filter((p) => !(ps[p] as ViewPolicy).builtIn),
    ];
    this.rank = [new Int32Array(n), new Int32Array(n)];
    sortedStrict.forEach((p, r) => (this.rank[0][p] = r));
    sortedFirst.forEach((p, r) => (this.rank[1][p] = r));
    this.reasons = [new Array<string | undefined>(n), new Array<string | undefined>(n)];

    const appIndex = new Map<string, number>();
    const appPolicies: number[][] = [];
    const defaults: number[] = [];
    ps.forEach((p, i) => {
      if (p.isDefault) {
        defaults.push(i);
        return;
      }
      if (p.app === null) return;
      let a = appIndex.get(p.app);
      if (a === undefined) {
        a = appPolicies.length;
        appIndex.set(p.app, a);
        appPolicies.push([]);
      }
      (appPolicies[a] as number[]).push(i);
    });
    const byRankOf = (list: number[]): [number[], number[]] =>
      list.length <= 1
        ? [list, list]
        : [
            [...list].sort((a, b) => (this.rank[0][a] as number) - (this.rank[0][b] as number)),
            [...list].sort((a, b) => (this.rank[1][a] as number) - (this.rank[1][b] as number)),
          ];
    this.defaults = byRankOf(defaults);

    const os = view.computer.os;
    const appsById = new Map(view.applications.map((a) => [a.id, a]));
    for (const [appId, a] of appIndex) {
      const app = appsById.get(appId);
      const rules = (app?.rules ?? []).map((r) => compileRule(r, os));
      this.apps[a] = { rules, byRank: byRankOf(appPolicies[a] as number[]) };
      for (const rule of rules) {
        const entry: IndexEntry = { app: a, rule };
        if (rule.key.kind === 'unindexed') this.unindexed.push(entry);
        else push(this.index[rule.key.kind], rule.key.key, entry);
      }
    }
    this.seen = new Uint32Array(this.apps.length);
    this.expiries = Float64Array.from(
      ps.filter((p) => p.expiresAtMs !== null).map((p) => p.expiresAtMs as number),
    ).sort();
  }

  /** The first policy expiry after `nowMs` (Infinity when none): decisions cannot change before it. */
  nextExpiryAfter(nowMs: number): number {
    const times = this.expiries;
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((times[mid] as number) <= nowMs) lo = mid + 1;
      else hi = mid;
    }
    return lo < times.length ? (times[lo] as number) : Infinity;
  }

  /** The effective mode with these setting overrides (gates still apply). */
  mode(overrides?: Readonly<Record<string, SettingValue>>): EffectiveMode {
    const setting = overrides?.[PRIORITIZE_SETTING] ?? this.view.settings[PRIORITIZE_SETTING];
    return this.modes[this.prioritizationForced || setting !== false ? 1 : 0];
  }

  /** Tests the entries of one index bucket, keeping the best-ranked live policy found so far. */
  private consider(entries: IndexEntry[] | undefined, file: NormalizedFile, m: 0 | 1, nowMs: number): void {
    if (entries === undefined) return;
    const rank = this.rank[m];
    for (const entry of entries) {
      if (this.seen[entry.app] === this.generation) continue;
      const ordered = (this.apps[entry.app] as CompiledApp).byRank[m];
      // Skip the rule test when even this app's first policy comes too late.
      if ((rank[ordered[0] as number] as number) >= this.bestRank) continue;
      if (!entry.rule.test(file)) continue;
      this.seen[entry.app] = this.generation;
      for (const p of ordered) {
        const r = rank[p] as number;
        if (r >= this.bestRank) break;
        if (isLive(this.policies[p] as ViewPolicy, nowMs)) {
          this.best = p;
          this.bestRank = r;
          break;
        }
      }
    }
  }

  /** Decides on one file (SPEC.md section 2). */
  evaluate(file: FileRequest, options: EvaluateOptions): Decision {
    const mode = this.mode(options.settings);
    const m = mode.builtInsFirst ? 1 : 0;
    const rank = this.rank[m];
    const nowMs = options.nowMs;
    this.best = -1;
    this.bestRank = Number.MAX_SAFE_INTEGER;
    for (const p of this.defaults[m]) {
      if (isLive(this.policies[p] as ViewPolicy, nowMs)) {
        this.best = p;
        this.bestRank = rank[p] as number;
        break;
      }
    }

    const nf = normalizeFile(file, this.view.computer.os);
    this.generation = (this.generation + 1) >>> 0;
    if (this.generation === 0) {
      this.seen.fill(0);
      this.generation = 1;
    }
    const index = this.index;
    if (nf.sha256 !== undefined) this.consider(index.sha256.get(nf.sha256), nf, m, nowMs);
    if (nf.certThumbprint !== undefined) this.consider(index.certThumbprint.get(nf.certThumbprint), nf, m, nowMs);
    if (nf.certSubject !== undefined) this.consider(index.certSubject.get(nf.certSubject), nf, m, nowMs);
    this.consider(index.exactPath.get(nf.path), nf, m, nowMs);
    this.consider(index.baseName.get(baseName(nf.path)), nf, m, nowMs);
    if (index.pathPrefix.size > 0) {
      for (let slash = nf.path.indexOf('/'); slash >= 0; slash = nf.path.indexOf('/', slash + 1)) {
        this.consider(index.pathPrefix.get(nf.path.slice(0, slash + 1)), nf, m, nowMs);
      }
    }
    if (this.unindexed.length > 0) this.consider(this.unindexed, nf, m, nowMs);

    const best = this.best;
    if (best < 0) return makeDecision(undefined, mode, this.snapshotVersion);
    const policy = this.policies[best] as ViewPolicy;
    const reasons = this.reasons[m];
    return makeDecision(policy, mode, this.snapshotVersion, (reasons[best] ??= policyReason(policy, mode)));
  }
}

/**
 * The plain reference: walks every candidate in processing order and tests
 * each application's rules until one matches. Used by tests and as the
 * benchmark's baseline; it shares only the rule matcher with CompiledView.
 */
export class LinearEvaluator {
  readonly view: ComputerView;
  readonly snapshotVersion: number | null;
  private readonly sorted: [ViewPolicy[], ViewPolicy[]];
  private readonly rules = new Map<string, CompiledRule[]>();

  constructor(view: ComputerView, snapshotVersion: number | null = null) {
    this.view = view;
    this.snapshotVersion = snapshotVersion;
    const structure = effectiveMode(view).structure;
    this.sorted = [
      [...view.policies].sort(processingComparator(structure, false)),
      [...view.policies].sort(processingComparator(structure, true)),
    ];
    for (const app of view.applications) {
      this.rules.set(
        app.id,
        app.rules.map((r) => compileRule(r, view.computer.os)),
      );
    }
  }

  private matches(policy: ViewPolicy, file: NormalizedFile): boolean {
    if (policy.isDefault) return true;
    if (policy.app === null) return false;
    return (this.rules.get(policy.app) ?? []).some((r) => r.test(file));
  }

  evaluate(file: FileRequest, options: EvaluateOptions): Decision {
    const mode = effectiveMode(this.view, options.settings);
    const nf = normalizeFile(file, this.view.computer.os);
    const decided = this.sorted[mode.builtInsFirst ? 1 : 0].find(
      (p) => isLive(p, options.nowMs) && this.matches(p, nf),
    );
    return makeDecision(decided, mode, this.snapshotVersion);
  }
}
