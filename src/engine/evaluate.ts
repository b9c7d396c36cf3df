import { FLAT_FEATURE, PRIORITIZE_FEATURE, failedGates } from './gates.js';
import {
  type CompiledRule,
  type NormalizedFile,
  compileRule,
  compileRuleTest,
  hasRegexPattern,
  normalizeFile,
  ruleKeys,
} from './matcher.js';
import type { AppRule, Application, Decision, FileRequest, OsName, SettingValue, Structure } from './model.js';
import { processingComparator } from './order.js';
import {
  GRAM_BASE,
  GRAM_MAX,
  GRAM_MIN,
  KEY_KINDS,
  KeyCounts,
  KeyFilter,
  type KeyKind,
  PATH_FIELDS,
  RuleIndex,
  gramBasePower,
  gramPoly,
  hashKey,
  hashStep,
  KIND_FIELD,
  KIND_NUMBER,
  KIND_PART,
  keyHash,
  kindSeed,
  mix32,
} from './rule-index.js';
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

type RuleTest = (file: NormalizedFile) => boolean;

/** KIND_PART numbers: segment and gram keys are looked up many times a request, behind the filter. */
const PART_SEGMENT_NUMBER = 2;
const SHA256_KIND = KIND_NUMBER.get('sha256') as number;
const THUMBPRINT_KIND = KIND_NUMBER.get('certThumbprint') as number;
const KIND_SEED_BY_NUMBER = Int32Array.from(KEY_KINDS, (kind) => kindSeed(kind));
const PART_GRAM = 3;

/** hashKey from a kind's seed. */
function hashFrom(seed: number, text: string, from: number, to: number): number {
  let hash = seed;
  for (let i = from; i < to; i++) hash = hashStep(hash, text.charCodeAt(i));
  return hash | 0;
}

const SLASH = 0x2f;

/** Per path-like field (PATH_FIELDS order): the kind numbers and seeds a request looks its value up by. */
const FIELD_KINDS = PATH_FIELDS.map((field) => ({
  exact: KEY_KINDS.indexOf(`${field}:exact`),
  name: KEY_KINDS.indexOf(`${field}:name`),
  segment: KEY_KINDS.indexOf(`${field}:segment`),
  gram: KEY_KINDS.indexOf(`${field}:gram`),
  exactSeed: kindSeed(`${field}:exact`),
  nameSeed: kindSeed(`${field}:name`),
  segmentSeed: kindSeed(`${field}:segment`),
  gramSeed: kindSeed(`${field}:gram`),
}));
/** Bits of a field's `fieldParts` entry (1 << KIND_PART): which kinds of key its rules are filed under. */
const PART_EXACT = 1;
const PART_NAME = 2;
const PART_SEGMENT = 4;
/** GRAM_BASE ** (length - 1) for every gram length, to roll a window. */
const GRAM_POWERS = Array.from({ length: GRAM_MAX + 1 }, (_, n) => gramBasePower(Math.max(0, n - 1)));

/**
 * A computer's view compiled for fast decisions: policies sorted once in
 * both built-in orders, and every application rule indexed by a literal
 * every file it matches must have (matcher.ts ruleKeys: a hash, a
 * certificate, an exact path, a file name, a path segment or a few literal
 * characters, of any path-like field; the rarest when there are several),
 * so a request tests only the rules that could match it. Everything that does not
 * depend on the file (gates, structure, reason texts) is worked out once.
 *
 * It is built to be small and quick to build, since a large view is
 * compiled at every start and every new snapshot: rules stay the view's own
 * objects, numbered, with their tests compiled the first time a request
 * reaches them (rules with a `regex:` pattern, and rules no index can find,
 * are compiled at once, so a bad expression is refused when the view is);
 * the index maps keys to rule numbers; the policies of each application are
 * ranges of typed arrays.
 */
export class CompiledView {
  readonly view: ComputerView;
  readonly snapshotVersion: number | null;
  readonly policies: readonly ViewPolicy[];
  /** The two modes this agent can be in: [built-ins not prioritized, built-ins first]. */
  private readonly modes: [EffectiveMode, EffectiveMode];
  /** Below the prioritization gate the setting cannot turn built-ins first off. */
  private readonly prioritizationForced: boolean;
  private readonly os: OsName;
  /** rank[mode][policyIndex]: position in processing order; mode 0 strict, 1 built-ins first. */
  private readonly rank: [Int32Array, Int32Array];
  private readonly reasons: [(string | undefined)[], (string | undefined)[]];
  private readonly defaults: [number[], number[]];
  /**
   * The policies of application `a` (numbered by first use) are
   * byRank[mode][appStart[a] .. appStart[a + 1]), sorted by rank in that mode.
   */
  private readonly appStart: Int32Array;
  private readonly byRank: [Int32Array, Int32Array];
  /** Rule r belongs to application ruleApp[r]; ruleSource[r] is the view's rule. */
  private readonly ruleApp: Int32Array;
  private readonly ruleSource: AppRule[];
  private readonly ruleTests: (RuleTest | undefined)[];
  /** Rule numbers by the key of their most selective field (matcher.ts RuleKey), hashed. */
  private readonly index: RuleIndex;
  /**
   * Segment and gram keys, which a request looks up many times (every
   * segment, every window of its path), as a small filter in front of the index.
   */
  private readonly scanFilter: KeyFilter;
  /** Per path-like field: which kinds of key (PART_*) its rules are filed under... */
  private readonly fieldParts = new Int32Array(PATH_FIELDS.length);
  /** ... and the lengths of its gram keys (bit n: length n). */
  private readonly fieldGramLengths = new Int32Array(PATH_FIELDS.length);
  /** Rules with no key (no literal to find them by): tested for every request. */
  private readonly unindexed: number[] = [];
  /** How many rules are filed under each kind of key (KEY_KINDS order). */
  private readonly filedByKind = new Int32Array(KEY_KINDS.length);
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
    this.os = view.computer.os;
    const base = effectiveMode(view);
    this.prioritizationForced = base.gated.includes(PRIORITIZE_FEATURE);
    const gated = base.gated;
    this.modes = [
      { ...base, gated, builtInsFirst: this.prioritizationForced },
      { ...base, gated, builtInsFirst: true },
    ];
    const ps = view.policies;
    const n = ps.length;
    const strict = processingComparator(base.structure, false);
    const sortedStrict = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) =>
      strict(ps[a] as ViewPolicy, ps[b] as ViewPolicy),
    );
    this.rank = [new Int32Array(n), new Int32Array(n)];
    // The built-in tier is a stable partition of the strict order (the order is total: ids break ties).
    let r1 = 0;
    for (let r = 0; r < n; r++) {
      const p = sortedStrict[r] as number;
      this.rank[0][p] = r;
      if ((ps[p] as ViewPolicy).builtIn) this.rank[1][p] = r1++;
    }
    for (let r = 0; r < n; r++) {
      const p = sortedStrict[r] as number;
      if (!(ps[p] as ViewPolicy).builtIn) this.rank[1][p] = r1++;
    }
    this.reasons = [new Array<string | undefined>(n), new Array<string | undefined>(n)];

    // Applications by first use; each policy's application number (-1: none, or a default policy).
    const appNumber = new Map<string, number>();
    const policyApp = new Int32Array(n).fill(-1);
    const defaults: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = ps[i] as ViewPolicy;
      if (p.isDefault) defaults.push(i);
      else if (p.app !== null) {
        let a = appNumber.get(p.app);
        if (a === undefined) {
          a = appNumber.size;
          appNumber.set(p.app, a);
        }
        policyApp[i] = a;
      }
    }
    const byRankOf = (list: number[], m: 0 | 1): number[] =>
      [...list].sort((a, b) => (this.rank[m][a] as number) - (this.rank[m][b] as number));
    this.defaults = [byRankOf(defaults, 0), byRankOf(defaults, 1)];

    const apps = appNumber.size;
    const appStart = new Int32Array(apps + 1);
    for (let i = 0; i < n; i++) {
      const a = policyApp[i] as number;
      if (a >= 0) appStart[a + 1] = (appStart[a + 1] as number) + 1;
    }
    for (let a = 0; a < apps; a++) appStart[a + 1] = (appStart[a + 1] as number) + (appStart[a] as number);
    this.appStart = appStart;
    this.byRank = [new Int32Array(appStart[apps] as number), new Int32Array(appStart[apps] as number)];
    // Filled in strict rank order, each application's range comes out sorted for mode 0.
    const fill = appStart.slice(0, apps);
    for (let r = 0; r < n; r++) {
      const p = sortedStrict[r] as number;
      const a = policyApp[p] as number;
      if (a < 0) continue;
      const at = fill[a] as number;
      this.byRank[0][at] = p;
      fill[a] = at + 1;
    }
    this.byRank[1].set(this.byRank[0]);
    for (let a = 0; a < apps; a++) {
      const from = this.appStart[a] as number;
      const to = this.appStart[a + 1] as number;
      if (to - from > 1)
        this.byRank[1].subarray(from, to).sort((x, y) => (this.rank[1][x] as number) - (this.rank[1][y] as number));
    }

    // Rules are numbered application by application. When the view names an application twice, the last one counts (as a lookup by id would find it).
    const source = new Array<Application | undefined>(apps).fill(undefined);
    for (let i = view.applications.length - 1; i >= 0; i--) {
      const app = view.applications[i] as Application;
      const a = appNumber.get(app.id);
      if (a !== undefined && source[a] === undefined) source[a] = app;
    }
    let ruleCount = 0;
    for (const app of source) ruleCount += app?.rules.length ?? 0;
    this.ruleApp = new Int32Array(ruleCount);
    this.ruleSource = [];
    this.ruleTests = [];
    this.index = new RuleIndex(ruleCount);
    // Each rule's keys (matcher.ts ruleKeys), hashed; a rule with several is filed under the rarest.
    const keyStart = new Int32Array(ruleCount + 1);
    let keyHashes = new Int32Array(Math.max(16, ruleCount * 2));
    let keyKinds = new Uint8Array(keyHashes.length);
    let keyCount = 0;
    let r = 0;
    for (let a = 0; a < apps; a++) {
      for (const rule of source[a]?.rules ?? []) {
        this.ruleSource.push(rule);
        this.ruleApp[r] = a;
        // Rules with a `regex:` pattern are compiled now, so a bad expression is refused with the view.
        this.ruleTests.push(hasRegexPattern(rule) ? compileRuleTest(rule, this.os) : undefined);
        // Hashes and thumbprints (a third of a typical view) skip ruleKeys' objects.
        const digest = rule.sha256 ?? rule.certThumbprint;
        const keys = digest === undefined ? ruleKeys(rule, this.os) : [];
        if (keyCount + Math.max(1, keys.length) > keyHashes.length) {
          const size = Math.max(keyHashes.length * 2, keyCount + keys.length);
          const hashes = new Int32Array(size);
          hashes.set(keyHashes);
          keyHashes = hashes;
          const kinds = new Uint8Array(size);
          kinds.set(keyKinds);
          keyKinds = kinds;
        }
        if (digest !== undefined) {
          const kind = rule.sha256 !== undefined ? SHA256_KIND : THUMBPRINT_KIND;
          keyHashes[keyCount] = hashFrom(KIND_SEED_BY_NUMBER[kind] as number, digest.toLowerCase(), 0, digest.length);
          keyKinds[keyCount++] = kind;
        }
        for (const key of keys) {
          keyHashes[keyCount] = keyHash(key.kind, key.text);
          const kindNumber = KIND_NUMBER.get(key.kind) as number;
          keyKinds[keyCount] = kindNumber | (KIND_PART[kindNumber] === PART_GRAM ? key.text.length << 4 : 0);
          keyCount++;
        }
        keyStart[++r] = keyCount;
      }
    }
    const counts = new KeyCounts(keyCount);
    for (let k = 0; k < keyCount; k++) counts.add(keyHashes[k] as number);
    const chosen = new Int32Array(ruleCount).fill(-1);
    let scanKeys = 0;
    for (let rule = 0; rule < ruleCount; rule++) {
      const from = keyStart[rule] as number;
      const to = keyStart[rule + 1] as number;
      let best = -1;
      let bestCount = Infinity;
      for (let k = from; k < to; k++) {
        const c = counts.get(keyHashes[k] as number);
        if (c < bestCount) {
          best = k;
          bestCount = c;
        }
      }
      chosen[rule] = best;
      if (best >= 0 && (KIND_PART[(keyKinds[best] as number) & 15] as number) >= PART_SEGMENT_NUMBER) scanKeys++;
    }
    this.scanFilter = new KeyFilter(scanKeys);
    for (let rule = 0; rule < ruleCount; rule++) {
      const k = chosen[rule] as number;
      if (k < 0) {
        this.unindexed.push(rule);
        this.ruleTests[rule] ??= compileRuleTest(this.ruleSource[rule] as AppRule, this.os);
        continue;
      }
      const hash = keyHashes[k] as number;
      const kindNumber = (keyKinds[k] as number) & 15;
      this.index.add(hash, rule);
      this.filedByKind[kindNumber] = (this.filedByKind[kindNumber] as number) + 1;
      const f = KIND_FIELD[kindNumber] as number;
      const part = KIND_PART[kindNumber] as number;
      if (part >= PART_SEGMENT_NUMBER) this.scanFilter.add(hash);
      if (f < 0) continue;
      if (part === PART_GRAM) {
        this.fieldGramLengths[f] = (this.fieldGramLengths[f] as number) | (1 << ((keyKinds[k] as number) >>> 4));
      } else {
        this.fieldParts[f] = (this.fieldParts[f] as number) | (1 << part);
      }
    }
    this.seen = new Uint32Array(apps);
    this.expiries = Float64Array.from(
      ps.filter((p) => p.expiresAtMs !== null).map((p) => p.expiresAtMs as number),
    ).sort();
  }

  /** How the rules are filed: by kind of key, and how many have none (tested for every request). */
  indexStats(): { rules: number; unindexed: number; byKind: Partial<Record<KeyKind, number>> } {
    const byKind: Partial<Record<KeyKind, number>> = {};
    KEY_KINDS.forEach((kind, i) => {
      const n = this.filedByKind[i] as number;
      if (n > 0) byKind[kind] = n;
    });
    return { rules: this.ruleSource.length, unindexed: this.unindexed.length, byKind };
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

  /** Tests one rule, keeping the best-ranked live policy of its application if it matches and ranks better. */
  private considerRule(r: number, file: NormalizedFile, m: 0 | 1, nowMs: number): void {
    const a = this.ruleApp[r] as number;
    if (this.seen[a] === this.generation) return;
    const rank = this.rank[m];
    const byRank = this.byRank[m];
    const from = this.appStart[a] as number;
    // Skip the rule test when even this app's first policy comes too late.
    if ((rank[byRank[from] as number] as number) >= this.bestRank) return;
    const test = (this.ruleTests[r] ??= compileRuleTest(this.ruleSource[r] as AppRule, this.os));
    if (!test(file)) return;
    this.seen[a] = this.generation;
    const to = this.appStart[a + 1] as number;
    for (let i = from; i < to; i++) {
      const p = byRank[i] as number;
      const pr = rank[p] as number;
      if (pr >= this.bestRank) break;
      if (isLive(this.policies[p] as ViewPolicy, nowMs)) {
        this.best = p;
        this.bestRank = pr;
        break;
      }
    }
  }

  /** Tests the rules filed under one key hash. */
  private consider(hash: number, file: NormalizedFile, m: 0 | 1, nowMs: number): void {
    const index = this.index;
    for (let r = index.first(hash); r >= 0; r = index.nextRule(r)) this.considerRule(r, file, m, nowMs);
  }

  /** Tests the rules filed under the keys of one folded path-like field of the request (PATH_FIELDS[f]). */
  private lookUpField(f: number, value: string, file: NormalizedFile, m: 0 | 1, nowMs: number): void {
    const parts = this.fieldParts[f] as number;
    const grams = this.fieldGramLengths[f] as number;
    if (parts === 0 && grams === 0) return;
    const fk = FIELD_KINDS[f] as (typeof FIELD_KINDS)[number];
    const n = value.length;
    if ((parts & PART_EXACT) !== 0) this.consider(hashFrom(fk.exactSeed, value, 0, n), file, m, nowMs);
    if ((parts & PART_NAME) !== 0) {
      this.consider(hashFrom(fk.nameSeed, value, value.lastIndexOf('/') + 1, n), file, m, nowMs);
    }
    const filter = this.scanFilter;
    if ((parts & PART_SEGMENT) !== 0) {
      // Every non-empty segment, hashed in one pass.
      let hash = fk.segmentSeed;
      let length = 0;
      for (let i = 0; i <= n; i++) {
        const code = i < n ? value.charCodeAt(i) : SLASH;
        if (code === SLASH) {
          if (length > 0 && filter.has(hash | 0)) this.consider(hash | 0, file, m, nowMs);
          hash = fk.segmentSeed;
          length = 0;
        } else {
          hash = hashStep(hash, code);
          length++;
        }
      }
    }
    if (grams !== 0) {
      // Every window of each gram length in use, rolled.
      for (let length = GRAM_MIN; length <= GRAM_MAX && length <= n; length++) {
        if ((grams & (1 << length)) === 0) continue;
        const outPower = GRAM_POWERS[length] as number;
        let poly = gramPoly(value, 0, length);
        for (let i = 0; ; i++) {
          const hash = mix32(poly ^ fk.gramSeed);
          if (filter.has(hash)) this.consider(hash, file, m, nowMs);
          if (i + length >= n) break;
          poly =
            (Math.imul(poly - Math.imul(value.charCodeAt(i), outPower), GRAM_BASE) + value.charCodeAt(i + length)) | 0;
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

    const nf = normalizeFile(file, this.os);
    this.generation = (this.generation + 1) >>> 0;
    if (this.generation === 0) {
      this.seen.fill(0);
      this.generation = 1;
    }
    if (nf.sha256 !== undefined) this.consider(hashKey('sha256', nf.sha256), nf, m, nowMs);
    if (nf.certThumbprint !== undefined) this.consider(hashKey('certThumbprint', nf.certThumbprint), nf, m, nowMs);
    if (nf.certSubject !== undefined) this.consider(hashKey('certSubject', nf.certSubject), nf, m, nowMs);
    this.lookUpField(0, nf.path, nf, m, nowMs);
    if (nf.processPath !== undefined) this.lookUpField(1, nf.processPath, nf, m, nowMs);
    if (nf.createdBy !== undefined) this.lookUpField(2, nf.createdBy, nf, m, nowMs);
    for (const r of this.unindexed) this.considerRule(r, nf, m, nowMs);

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
