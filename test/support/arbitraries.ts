/**
 * fast-check generators of random VALID worlds (SPEC.md sections 1 to 5) and
 * of requests drawn from them, shared by the engine's property tests and by
 * anyone who needs random worlds (flat upgrade, wire round trips, ...).
 *
 * A world is generated as a plan of small numbers (picks into pools, taken
 * modulo the size of what they pick from) and then built by a pure function,
 * so fast-check shrinks it like any record. Requests are derived from the
 * generated rules (their witnesses), with case and separator variations, so
 * most of them match some application; some are drawn to match nothing.
 */
import fc from 'fast-check';
import type { ApprovalQuery } from '../../src/engine/approvals.js';
import type {
  AgentSetting,
  AppRule,
  AppliesTo,
  Application,
  ApprovalAction,
  ApprovalPolicy,
  ApprovalSettings,
  Computer,
  ComputerGroup,
  FileRequest,
  Gate,
  Organization,
  OsName,
  PermitTarget,
  Policy,
  PolicyAction,
  World,
} from '../../src/engine/model.js';
import { WorldIndex } from '../../src/engine/world.js';

// ---------------------------------------------------------------- pools

/** Every generated time is a whole number of hours away from this instant. */
export const BASE_TIME_MS = Date.parse('2026-06-01T00:00:00Z');
export const HOUR_MS = 3_600_000;

/** Agent versions around the 10.5.3 gate (10.5 and 10.5.2 are below it, 10.5.10 above). */
export const AGENT_VERSIONS = ['10.4.0', '10.5', '10.5.2', '10.5.3', '10.5.10', '10.6.0', '11.0.0.1'] as const;

export const OSES: readonly OsName[] = ['windows', 'macos', 'linux'];

/** Group names and globalGroup keywords chosen so that keywords prefix-match some names in another case. */
export const GROUP_NAMES = [
  'Tills',
  'tills east',
  'TILLS-West',
  'Labs',
  'Lab 2',
  'Office',
  'Back Office',
  'Servers',
] as const;
export const GROUP_KEYWORDS = [
  'till',
  'TILLS',
  'Tills east',
  'lab',
  'LAB 2',
  'Off',
  'back',
  'Serv',
  's',
  'zzz',
] as const;

/** Executables the rules are written for: windows-style and unix-style, with regex-special characters. */
export const PATH_TEMPLATES = [
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  '/Applications/Slack.app/Contents/MacOS/Slack',
  'C:\\Tools\\npp\\notepad++.exe',
  '/usr/local/bin/python3.12',
  'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE',
  'C:\\Users\\Public\\Downloads\\setup (1).exe',
  'D:\\Games\\Steam\\steam.exe',
  '/opt/Vendor/agent/bin/run.sh',
] as const;

export const PROCESS_TEMPLATES = [
  'C:\\Windows\\explorer.exe',
  'C:\\Windows\\System32\\cmd.exe',
  '/bin/bash',
  '/usr/bin/zsh',
] as const;

export const CREATOR_TEMPLATES = [
  'C:\\Windows\\System32\\msiexec.exe',
  'C:\\Users\\Public\\Downloads\\setup (1).exe',
  '/usr/bin/dpkg',
] as const;

/** Paths no generated rule is written for. */
export const STRAY_PATHS = [
  'C:\\Games\\solitaire.exe',
  'C:\\Program Files\\Unknown\\tool.exe',
  '/tmp/a.out',
  '/home/user/Downloads/run',
] as const;

export const SHA256_POOL = [
  'aa11bb22cc33dd44ee55ff6600112233445566778899aabbccddeeff00112233',
  '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  'deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef',
  'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00',
] as const;
/** A sha256 no rule names. */
export const STRAY_SHA256 = '1111111111111111111111111111111111111111111111111111111111111111';

export const THUMBPRINT_POOL = [
  'a909502dd82ae41433e6f83886b00d4277a32a7b',
  '0123456789abcdef0123456789abcdef01234567',
  'fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210',
] as const;

export const SUBJECT_POOL = [
  'CN=Google LLC',
  'CN=Microsoft Corporation',
  'CN=Don Ho, O=Notepad++',
  'CN=Slack Technologies, Inc.',
] as const;

export const CATEGORIES = ['Shopping', 'Games', 'Productivity'] as const;
export const SUBCATEGORIES = ['Retail', 'Arcade'] as const;
export const COUNTRIES = ['CN', 'RU', 'GB', 'US', 'SG'] as const;
export const EMAILS = ['owner@shop.example', 'it@msp.example', 'sec@msp.example'] as const;
export const INSTRUCTIONS = [
  'Approve till software only.',
  'See https://wiki.example/approvals before approving.',
  'Ask www.example.com or http://x.example/a?b=c first.',
  '',
] as const;

/** Policy order numbers: small, the flat upgrade's numbers, and plenty of duplicates. */
export const ORDERS = [0, 1, 2, 3, 5, 10, 50, 100, 101, 102, 1000, 100001, 100002, 1000000] as const;
export const SETTING_ORDERS = [1, 2, 5, 10] as const;

/** Custom gate tables are drawn from these (a world either keeps the default table, has none, or has a subset). */
export const CUSTOM_GATES: readonly Gate[] = [
  { feature: 'flatPolicyStructure', os: 'windows', minVersion: '10.6.0' },
  { feature: 'prioritizeBuiltInApplicationsSetting', os: 'windows', minVersion: '10.5.2' },
  { feature: 'flatPolicyStructure', os: 'macos', minVersion: '10.5.3' },
  { feature: 'prioritizeBuiltInApplicationsSetting', os: 'linux', minVersion: '11' },
];

const LEVELS = ['global', 'globalGroup', 'organization', 'group', 'computer'] as const;
type Level = (typeof LEVELS)[number];

export const PATTERN_STYLES = [
  'literal',
  'star',
  'globstarTail',
  'globstarName',
  'globstarMid',
  'question',
  'dirStar',
  'regex',
  'regexSuffix',
  'globstarStem',
  'middleOnly',
  'regexAlternation',
] as const;
export type PatternStyle = (typeof PATTERN_STYLES)[number];

// ---------------------------------------------------------------- public types

export interface WorldArbOptions {
  /** At most this many organizations (at least 1). Default 5. */
  maxOrgs?: number;
  /** Deepest organization depth, the root being 0 (WorldIndex.depth). Default 3. */
  maxDepth?: number;
  maxGroups?: number;
  maxComputers?: number;
  maxApplications?: number;
  maxPolicies?: number;
  maxAgentSettings?: number;
  maxRequests?: number;
  maxApprovalRequests?: number;
  /**
   * Every policy that covers a computer is defined in that computer's own
   * organization: global and globalGroup policies only on organizations
   * without children (organization, group and computer policies always are).
   */
  noInheritedPolicies?: boolean;
  /** Never a flat organization under a hierarchical parent. Default false (mixed freely). */
  noFlatUnderHierarchical?: boolean;
  /** Approval policies, approval settings and approval requests. Default true. */
  approvals?: boolean;
  /** Sometimes an empty or custom gate table instead of the default. Default true. */
  customGates?: boolean;
}

/** A file to decide on, for one computer, at an optional time (RFC 3339). */
export interface FileCase {
  computer: string;
  file: FileRequest;
  at?: string;
}

export interface ApprovalCase {
  computer: string;
  query: ApprovalQuery;
}

export interface GeneratedWorld {
  world: World;
  requests: FileCase[];
  approvals: ApprovalCase[];
}

// ---------------------------------------------------------------- small helpers

/** The element at `i` modulo the length; the list must not be empty. */
export function pick<T>(list: readonly T[], i: number): T {
  if (list.length === 0) throw new Error('pick from an empty list');
  return list[((i % list.length) + list.length) % list.length] as T;
}

/** A small deterministic generator (mulberry32) for shuffles and variations. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A shuffled copy (Fisher-Yates). */
export function shuffleList<T>(list: readonly T[], random: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * A copy of the world with every input list shuffled: organizations, groups,
 * computers, applications and the rules of each, policies, agent settings,
 * approval policies and approval settings. The gate table keeps its order
 * (a decision's `gated` list follows it) unless `gates` is set.
 */
export function shuffleWorld(world: World, random: () => number, options: { gates?: boolean } = {}): World {
  const out: World = {
    organizations: shuffleList(world.organizations, random),
    groups: shuffleList(world.groups, random),
    computers: shuffleList(world.computers, random),
    applications: shuffleList(
      world.applications.map((a) => ({ ...a, rules: shuffleList(a.rules, random) })),
      random,
    ),
    policies: shuffleList(world.policies, random),
    agentSettings: shuffleList(world.agentSettings, random),
    approvalPolicies: shuffleList(world.approvalPolicies, random),
    approvalSettings: shuffleList(world.approvalSettings, random),
  };
  if (world.gates !== undefined)
    out.gates = options.gates === true ? shuffleList(world.gates, random) : [...world.gates];
  return out;
}

/** Shuffled copies of one world. */
export function shuffledWorldArb(world: World, options: { gates?: boolean } = {}): fc.Arbitrary<World> {
  return fc.noBias(fc.integer()).map((seed) => shuffleWorld(world, seededRandom(seed), options));
}

/** A world with every list present, from the lists given. */
export function makeWorld(partial: Partial<World>): World {
  const world: World = {
    organizations: partial.organizations ?? [],
    groups: partial.groups ?? [],
    computers: partial.computers ?? [],
    applications: partial.applications ?? [],
    policies: partial.policies ?? [],
    agentSettings: partial.agentSettings ?? [],
    approvalPolicies: partial.approvalPolicies ?? [],
    approvalSettings: partial.approvalSettings ?? [],
  };
  if (partial.gates !== undefined) world.gates = partial.gates;
  return world;
}

/** The evaluation time of a case: its `at`, or BASE_TIME_MS. */
export function caseTimeMs(c: { at?: string }): number {
  return c.at === undefined ? BASE_TIME_MS : Date.parse(c.at);
}

/** An RFC 3339 instant a whole number of hours from BASE_TIME_MS. */
export function hoursFromBase(hours: number): string {
  return new Date(BASE_TIME_MS + hours * HOUR_MS).toISOString();
}

function escapeRegexSource(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

// ---------------------------------------------------------------- patterns and witnesses

/** A path pattern and files that match it: `witness` is the template, `alternative` another match. */
export interface PatternWithWitness {
  pattern: string;
  witness: string;
  alternative: string;
}

/** Writes a pattern of a style for a concrete path, with paths it matches on any os. */
export function patternFor(template: string, style: PatternStyle, cut: number): PatternWithWitness {
  const sep = template.includes('\\') ? '\\' : '/';
  const segs = template.split(sep);
  const n = segs.length;
  const base = segs[n - 1] as string;
  const dir = segs.slice(0, n - 1).join(sep);
  const dot = base.lastIndexOf('.');
  const ext = dot > 0 ? base.slice(dot) : '';
  const keep = 1 + (Math.abs(cut) % Math.max(1, n - 1));
  const head = segs.slice(0, keep).join(sep);
  switch (style) {
    case 'literal':
      return { pattern: template, witness: template, alternative: template };
    case 'star':
      return { pattern: `${dir}${sep}*${ext}`, witness: template, alternative: `${dir}${sep}other${ext}` };
    case 'globstarTail':
      return { pattern: `${head}${sep}**`, witness: template, alternative: `${head}${sep}x${sep}y.bin` };
    case 'globstarName': {
      const root = sep === '\\' ? 'E:' : '';
      return { pattern: `**${sep}${base}`, witness: template, alternative: `${root}${sep}elsewhere${sep}${base}` };
    }
    case 'globstarMid':
      // `**` between separators may match no directory (the alternative), which
      // only a separator the os knows allows; the witness keeps one directory.
      return {
        pattern: `${head}${sep}**${sep}${base}`,
        witness: keep === n - 1 ? `${head}${sep}sub${sep}${base}` : template,
        alternative: `${head}${sep}${base}`,
      };
    case 'question': {
      const letters = [...base].map((ch, i) => (/[a-z0-9]/i.test(ch) ? i : -1)).filter((i) => i >= 0);
      const at = letters.length === 0 ? 0 : pick(letters, cut);
      const replace = (ch: string): string => `${dir}${sep}${base.slice(0, at)}${ch}${base.slice(at + 1)}`;
      return { pattern: replace('?'), witness: template, alternative: replace('z') };
    }
    case 'dirStar': {
      if (n < 4) return patternFor(template, 'star', cut);
      const at = 1 + (Math.abs(cut) % (n - 2));
      const replace = (seg: string): string => [...segs.slice(0, at), seg, ...segs.slice(at + 1)].join(sep);
      return { pattern: replace('*'), witness: template, alternative: replace('Other Dir') };
    }
    case 'regex': {
      const anySegment = '[^\\\\/]+';
      return {
        pattern: `regex:${escapeRegexSource(dir + sep)}${anySegment}${escapeRegexSource(ext)}`,
        witness: template,
        alternative: `${dir}${sep}alt${ext}`,
      };
    }
    case 'globstarStem': {
      // No literal segment: only the start of the file name and its extension (grams).
      const stem = base.slice(0, Math.max(1, Math.min(base.length - ext.length, 1 + (Math.abs(cut) % 6))));
      const root = sep === '\\' ? 'E:' : '';
      return {
        pattern: `**${sep}${stem}*${ext}`,
        witness: template,
        alternative: `${root}${sep}elsewhere${sep}${stem}more${ext}`,
      };
    }
    case 'middleOnly': {
      // The only literal is a directory in the middle.
      if (n < 3) return patternFor(template, 'globstarName', cut);
      const at = 1 + (Math.abs(cut) % (n - 2));
      return {
        pattern: `**${sep}${segs[at] as string}${sep}**`,
        witness: template,
        alternative: `${sep === '\\' ? 'F:' : ''}${sep}${segs[at] as string}${sep}x`,
      };
    }
    case 'regexAlternation':
      return {
        pattern: `regex:(?:.*${escapeRegexSource(sep + base)}|${escapeRegexSource(dir + sep)}alt${escapeRegexSource(ext)})`,
        witness: template,
        alternative: `${dir}${sep}alt${ext}`,
      };
    case 'regexSuffix':
      return {
        pattern: `regex:.*${escapeRegexSource(sep + base)}`,
        witness: template,
        alternative: `${sep === '\\' ? 'F:' : ''}${sep}x${sep}${base}`,
      };
  }
}

/** Case and separator variations a computer's os treats as the same path (and, on linux, some it does not). */
export function varyPath(path: string, os: OsName, seed: number): string {
  if (seed % 4 === 0) return path;
  const random = seededRandom(seed);
  let out = '';
  for (const ch of path) {
    const r = random();
    if (ch === '\\' && os === 'windows' && r < 0.5) out += '/';
    else if (ch === '/' && os === 'windows' && r < 0.3 && path.includes('\\')) out += '\\';
    else if (os !== 'linux' && r < 0.4) out += r < 0.2 ? ch.toUpperCase() : ch.toLowerCase();
    else if (os === 'linux' && seed % 7 === 0 && r < 0.1) out += ch.toUpperCase();
    else out += ch;
  }
  return out;
}

function varyHex(hex: string, seed: number): string {
  return seed % 3 === 0 ? hex.toUpperCase() : seed % 3 === 1 ? hex.toLowerCase() : hex;
}

function varyText(text: string, seed: number): string {
  return seed % 3 === 0 ? text.toUpperCase() : seed % 3 === 1 ? text.toLowerCase() : text;
}

// ---------------------------------------------------------------- plans

interface PathPlan {
  template: number;
  style: PatternStyle;
  cut: number;
}

interface RulePlan {
  path: PathPlan | null;
  sha256: { i: number; caseSeed: number } | null;
  certThumbprint: { i: number; caseSeed: number } | null;
  certSubject: { i: number; caseSeed: number } | null;
  processPath: PathPlan | null;
  createdBy: PathPlan | null;
}

interface AppPlan {
  builtIn: boolean;
  org: number | null;
  category: number | null;
  subcategory: number | null;
  primaryCompanyInfluence: string[];
  developmentInfluence: string[];
  rules: RulePlan[];
}

interface TargetPlan {
  level: Level;
  target: number;
  keyword: number;
}

interface PolicyPlan {
  isDefault: boolean;
  app: number;
  appliesTo: TargetPlan;
  action: PolicyAction;
  order: number;
  negative: boolean;
  enabled: boolean;
  expiresInHours: number | null;
  named: boolean;
}

interface RequestPlan {
  computer: number;
  /** Pick the computer among those a policy of the request's application covers. */
  targeted: boolean;
  kind: 'rule' | 'mixed' | 'stray';
  app: number;
  rule: number;
  app2: number;
  rule2: number;
  alternative: boolean;
  variation: number;
  extras: boolean;
  atHours: number | null;
}

interface ApprovalPolicyPlan {
  org: number;
  order: number;
  active: boolean;
  action: ApprovalAction;
  category: number;
  caseSeed: number;
  subcategory: number | null;
  scope: 'organization' | 'groups' | 'computers';
  picks: number[];
  mode: 'deny' | 'allow';
  list: string[];
}

interface ApprovalSettingsPlan {
  guidelines: { useParent: boolean; permitTarget: PermitTarget | null; instructions: number | null } | null;
  escalation: { useParent: boolean; emails: string[] } | null;
}

interface ApprovalRequestPlan {
  computer: number;
  byApp: boolean;
  app: number;
  category: number;
  caseSeed: number;
  subcategory: number | null;
  primaryCompanyInfluence: string[];
  developmentInfluence: string[];
}

interface WorldPlan {
  orgs: { parent: number | null; flat: boolean; approvals: boolean }[];
  groups: { org: number; os: OsName; version: string; name: number }[];
  computers: { group: number; version: string | null; named: boolean }[];
  apps: AppPlan[];
  policies: PolicyPlan[];
  settings: { value: boolean; appliesTo: TargetPlan; order: number }[];
  gates: { kind: 'default' | 'custom' | 'empty'; custom: Gate[] };
  approvalPolicies: ApprovalPolicyPlan[];
  approvalSettings: (ApprovalSettingsPlan | null)[];
  requests: RequestPlan[];
  approvalRequests: ApprovalRequestPlan[];
}

function weighted<T>(present: fc.Arbitrary<T>, presentWeight: number, absentWeight: number): fc.Arbitrary<T | null> {
  return fc.oneof(
    { arbitrary: present, weight: presentWeight },
    { arbitrary: fc.constant(null), weight: absentWeight },
  );
}

function flag(trueWeight: number, falseWeight: number): fc.Arbitrary<boolean> {
  return fc.oneof(
    { arbitrary: fc.constant(true), weight: trueWeight },
    { arbitrary: fc.constant(false), weight: falseWeight },
  );
}

/** Mostly the first four templates, so that several applications often match one file. */
const templatePickArb = fc.oneof({ arbitrary: fc.nat({ max: 3 }), weight: 3 }, { arbitrary: fc.nat(), weight: 1 });

const pathPlanArb: fc.Arbitrary<PathPlan> = fc.record({
  template: templatePickArb,
  style: fc.constantFrom(...PATTERN_STYLES),
  cut: fc.nat(),
});

const hexPlanArb = fc.record({ i: fc.nat(), caseSeed: fc.nat() });

const rulePlanArb: fc.Arbitrary<RulePlan> = fc.record({
  path: weighted(pathPlanArb, 3, 1),
  sha256: weighted(hexPlanArb, 1, 3),
  certThumbprint: weighted(hexPlanArb, 1, 5),
  certSubject: weighted(hexPlanArb, 1, 3),
  processPath: weighted(pathPlanArb, 1, 6),
  createdBy: weighted(pathPlanArb, 1, 8),
});

const countriesArb = fc.subarray([...COUNTRIES], { maxLength: 2 });

const targetPlanArb: fc.Arbitrary<TargetPlan> = fc.record({
  level: fc.constantFrom(...LEVELS),
  target: fc.nat(),
  keyword: fc.nat(),
});

function planArb(o: Required<WorldArbOptions>): fc.Arbitrary<WorldPlan> {
  return fc.record({
    orgs: fc.array(fc.record({ parent: weighted(fc.nat(), 3, 1), flat: fc.boolean(), approvals: fc.boolean() }), {
      minLength: 1,
      maxLength: o.maxOrgs,
    }),
    groups: fc.array(
      fc.record({
        org: fc.nat(),
        os: fc.oneof(
          { arbitrary: fc.constant<OsName>('windows'), weight: 3 },
          { arbitrary: fc.constant<OsName>('macos'), weight: 1 },
          { arbitrary: fc.constant<OsName>('linux'), weight: 1 },
        ),
        version: fc.constantFrom(...AGENT_VERSIONS),
        name: fc.nat(),
      }),
      { minLength: 1, maxLength: o.maxGroups },
    ),
    computers: fc.array(
      fc.record({ group: fc.nat(), version: weighted(fc.constantFrom(...AGENT_VERSIONS), 1, 3), named: fc.boolean() }),
      { minLength: 1, maxLength: o.maxComputers },
    ),
    apps: fc.array(
      fc.record({
        builtIn: fc.boolean(),
        org: weighted(fc.nat(), 1, 1),
        category: weighted(fc.nat(), 1, 1),
        subcategory: weighted(fc.nat(), 1, 2),
        primaryCompanyInfluence: countriesArb,
        developmentInfluence: countriesArb,
        rules: fc.array(rulePlanArb, { minLength: 1, maxLength: 3 }),
      }),
      { minLength: Math.min(1, o.maxApplications), maxLength: o.maxApplications, size: 'medium' },
    ),
    policies: fc.array(
      fc.record({
        isDefault: flag(1, 9),
        app: fc.nat(),
        appliesTo: targetPlanArb,
        action: fc.constantFrom<PolicyAction>('permit', 'deny', 'denyWithRequest', 'ringfence'),
        order: fc.nat(),
        negative: flag(1, 4),
        enabled: flag(9, 1),
        expiresInHours: weighted(fc.integer({ min: -48, max: 48 }), 1, 4),
        named: fc.boolean(),
      }),
      { minLength: Math.min(2, o.maxPolicies), maxLength: o.maxPolicies, size: 'medium' },
    ),
    settings: fc.array(
      fc.record({ value: fc.boolean(), appliesTo: targetPlanArb, order: fc.constantFrom(...SETTING_ORDERS) }),
      { maxLength: o.maxAgentSettings },
    ),
    gates: fc.record({
      kind: o.customGates
        ? fc.oneof(
            { arbitrary: fc.constant<'default'>('default'), weight: 6 },
            { arbitrary: fc.constant<'custom'>('custom'), weight: 3 },
            { arbitrary: fc.constant<'empty'>('empty'), weight: 1 },
          )
        : fc.constant<'default'>('default'),
      custom: fc.subarray([...CUSTOM_GATES], { minLength: 1 }),
    }),
    approvalPolicies: o.approvals
      ? fc.array(
          fc.record({
            org: fc.nat(),
            order: fc.nat({ max: 5 }),
            active: flag(5, 1),
            action: fc.constantFrom<ApprovalAction>('approve', 'escalate', 'reject'),
            category: fc.nat(),
            caseSeed: fc.nat(),
            subcategory: weighted(fc.nat(), 1, 2),
            scope: fc.constantFrom<'organization' | 'groups' | 'computers'>('organization', 'groups', 'computers'),
            picks: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }),
            mode: fc.constantFrom<'deny' | 'allow'>('deny', 'allow'),
            list: countriesArb,
          }),
          { maxLength: 5 },
        )
      : fc.constant([]),
    approvalSettings: o.approvals
      ? fc.array(
          weighted(
            fc.record({
              guidelines: weighted(
                fc.record({
                  useParent: flag(1, 2),
                  permitTarget: weighted(fc.constantFrom<PermitTarget>('computer', 'group'), 2, 1),
                  instructions: weighted(fc.nat(), 2, 1),
                }),
                3,
                1,
              ),
              escalation: weighted(
                fc.record({ useParent: flag(1, 2), emails: fc.subarray([...EMAILS], { maxLength: 2 }) }),
                3,
                1,
              ),
            }),
            2,
            1,
          ),
          { minLength: o.maxOrgs, maxLength: o.maxOrgs },
        )
      : fc.constant([]),
    requests: fc.array(
      fc.record({
        computer: fc.nat(),
        targeted: flag(3, 1),
        kind: fc.oneof(
          { arbitrary: fc.constant<'rule'>('rule'), weight: 6 },
          { arbitrary: fc.constant<'mixed'>('mixed'), weight: 2 },
          { arbitrary: fc.constant<'stray'>('stray'), weight: 2 },
        ),
        app: fc.nat(),
        rule: fc.nat(),
        app2: fc.nat(),
        rule2: fc.nat(),
        alternative: fc.boolean(),
        variation: fc.nat(),
        extras: flag(1, 3),
        atHours: weighted(fc.integer({ min: -72, max: 72 }), 2, 1),
      }),
      { minLength: 1, maxLength: o.maxRequests, size: 'medium' },
    ),
    approvalRequests: o.approvals
      ? fc.array(
          fc.record({
            computer: fc.nat(),
            byApp: flag(1, 2),
            app: fc.nat(),
            category: fc.nat(),
            caseSeed: fc.nat(),
            subcategory: weighted(fc.nat(), 1, 2),
            primaryCompanyInfluence: countriesArb,
            developmentInfluence: countriesArb,
          }),
          { maxLength: o.maxApprovalRequests },
        )
      : fc.constant([]),
  });
}

// ---------------------------------------------------------------- building

const DEFAULT_OPTIONS: Required<WorldArbOptions> = {
  maxOrgs: 5,
  maxDepth: 3,
  maxGroups: 6,
  maxComputers: 8,
  maxApplications: 6,
  maxPolicies: 14,
  maxAgentSettings: 3,
  maxRequests: 8,
  maxApprovalRequests: 3,
  noInheritedPolicies: false,
  noFlatUnderHierarchical: false,
  approvals: true,
  customGates: true,
};

interface BuiltRule {
  rule: AppRule;
  /** Files that match the rule, before os variations. */
  path: PatternWithWitness | null;
  processPath: PatternWithWitness | null;
  createdBy: PatternWithWitness | null;
  sha256: string | null;
  certThumbprint: string | null;
  certSubject: string | null;
}

function buildRule(plan: RulePlan): BuiltRule {
  const out: BuiltRule = {
    rule: {},
    path: null,
    processPath: null,
    createdBy: null,
    sha256: null,
    certThumbprint: null,
    certSubject: null,
  };
  const somePath =
    plan.path ??
    (Object.values(plan).every((v) => v === null) ? { template: 0, style: 'literal' as const, cut: 0 } : null);
  if (somePath !== null) {
    out.path = patternFor(pick(PATH_TEMPLATES, somePath.template), somePath.style, somePath.cut);
    out.rule.path = out.path.pattern;
  }
  if (plan.sha256 !== null) {
    out.sha256 = pick(SHA256_POOL, plan.sha256.i);
    out.rule.sha256 = varyHex(out.sha256, plan.sha256.caseSeed);
  }
  if (plan.certThumbprint !== null) {
    out.certThumbprint = pick(THUMBPRINT_POOL, plan.certThumbprint.i);
    out.rule.certThumbprint = varyHex(out.certThumbprint, plan.certThumbprint.caseSeed);
  }
  if (plan.certSubject !== null) {
    out.certSubject = pick(SUBJECT_POOL, plan.certSubject.i);
    out.rule.certSubject = varyText(out.certSubject, plan.certSubject.caseSeed);
  }
  if (plan.processPath !== null) {
    out.processPath = patternFor(
      pick(PROCESS_TEMPLATES, plan.processPath.template),
      plan.processPath.style,
      plan.processPath.cut,
    );
    out.rule.processPath = out.processPath.pattern;
  }
  if (plan.createdBy !== null) {
    out.createdBy = patternFor(
      pick(CREATOR_TEMPLATES, plan.createdBy.template),
      plan.createdBy.style,
      plan.createdBy.cut,
    );
    out.rule.createdBy = out.createdBy.pattern;
  }
  return out;
}

/** Builds the world and its requests from a plan; every reference resolves, every rule of section 7 holds. */
function buildWorld(plan: WorldPlan, o: Required<WorldArbOptions>): GeneratedWorld {
  // Organizations: a forest no deeper than maxDepth.
  const organizations: Organization[] = [];
  const depth: number[] = [];
  plan.orgs.forEach((p, i) => {
    const id = `org-${i}`;
    const parents = organizations.map((_, j) => j).filter((j) => (depth[j] as number) < o.maxDepth);
    const parentIndex = p.parent === null || parents.length === 0 ? null : pick(parents, p.parent);
    const parent = parentIndex === null ? undefined : (organizations[parentIndex] as Organization);
    let flat = p.flat;
    if (o.noFlatUnderHierarchical && parent !== undefined && parent.structure === 'hierarchical') flat = false;
    const org: Organization = {
      id,
      name: `Organization ${i}`,
      structure: flat ? 'flat' : 'hierarchical',
      modules: p.approvals ? ['cyberHeroApprovals'] : [],
    };
    if (parent !== undefined) org.parent = parent.id;
    organizations.push(org);
    depth.push(parentIndex === null ? 0 : (depth[parentIndex] as number) + 1);
  });
  const orgIndex = new Map(organizations.map((org, i) => [org.id, i]));
  const hasChildren = new Set(organizations.flatMap((org) => (org.parent === undefined ? [] : [org.parent])));
  const leafOrgs = organizations.filter((org) => !hasChildren.has(org.id));

  const groups: ComputerGroup[] = plan.groups.map((p, i) => ({
    id: `grp-${i}`,
    org: pick(organizations, p.org).id,
    name: pick(GROUP_NAMES, p.name),
    os: p.os,
    agentVersion: p.version,
  }));
  const computers: Computer[] = plan.computers.map((p, i) => {
    const c: Computer = { id: `pc-${i}`, group: pick(groups, p.group).id };
    if (p.named) c.name = `Computer ${i}`;
    if (p.version !== null) c.agentVersion = p.version;
    return c;
  });
  const groupOf = new Map(groups.map((g) => [g.id, g]));
  const osOf = (computerId: string): OsName => {
    const c = computers.find((x) => x.id === computerId) as Computer;
    return (groupOf.get(c.group) as ComputerGroup).os;
  };

  const builtRules: BuiltRule[][] = [];
  const applications: Application[] = plan.apps.map((p, i) => {
    const rules = p.rules.map(buildRule);
    builtRules.push(rules);
    const app: Application = {
      id: `app-${i}`,
      name: `Application ${i}`,
      builtIn: p.builtIn,
      rules: rules.map((r) => r.rule),
    };
    if (!p.builtIn && p.org !== null) app.org = pick(organizations, p.org).id;
    if (p.category !== null) {
      app.category = pick(CATEGORIES, p.category);
      if (p.subcategory !== null) app.subcategory = pick(SUBCATEGORIES, p.subcategory);
    }
    if (p.primaryCompanyInfluence.length > 0) app.primaryCompanyInfluence = p.primaryCompanyInfluence;
    if (p.developmentInfluence.length > 0) app.developmentInfluence = p.developmentInfluence;
    return app;
  });

  const appliesTo = (t: TargetPlan, inheritable: boolean): { appliesTo: AppliesTo; org: Organization } => {
    const orgsForGlobal = inheritable ? organizations : leafOrgs;
    switch (t.level) {
      case 'global': {
        const org = pick(orgsForGlobal, t.target);
        return { appliesTo: { global: org.id }, org };
      }
      case 'globalGroup': {
        const org = pick(orgsForGlobal, t.target);
        return { appliesTo: { globalGroup: { org: org.id, keyword: pick(GROUP_KEYWORDS, t.keyword) } }, org };
      }
      case 'organization': {
        const org = pick(organizations, t.target);
        return { appliesTo: { organization: org.id }, org };
      }
      case 'group': {
        const group = pick(groups, t.target);
        return {
          appliesTo: { group: group.id },
          org: organizations[orgIndex.get(group.org) as number] as Organization,
        };
      }
      case 'computer': {
        const computer = pick(computers, t.target);
        const group = groupOf.get(computer.group) as ComputerGroup;
        return {
          appliesTo: { computer: computer.id },
          org: organizations[orgIndex.get(group.org) as number] as Organization,
        };
      }
    }
  };

  const policies: Policy[] = [];
  plan.policies.forEach((p, i) => {
    const isDefault = p.isDefault || applications.length === 0;
    const { appliesTo: at, org } = appliesTo(p.appliesTo, !o.noInheritedPolicies);
    let order: number = pick(ORDERS, p.order);
    if (p.negative && org.structure === 'hierarchical') order = -(order === 0 ? 1 : order);
    const policy: Policy = { id: `pol-${i}`, appliesTo: at, action: p.action, order, enabled: p.enabled };
    if (isDefault) policy.default = true;
    else policy.app = pick(applications, p.app).id;
    if (p.named) policy.name = isDefault ? 'Default' : `Policy ${i}`;
    if (p.expiresInHours !== null) policy.expiresAt = hoursFromBase(p.expiresInHours);
    if (p.action === 'ringfence') policy.ringfence = { network: false, files: ['C:\\Data\\**'] };
    policies.push(policy);
  });

  const agentSettings: AgentSetting[] = plan.settings.map((s, i) => ({
    id: `set-${i}`,
    type: 'prioritizeBuiltInApplications',
    value: s.value,
    appliesTo: appliesTo(s.appliesTo, true).appliesTo,
    order: s.order,
  }));

  const approvalPolicies: ApprovalPolicy[] = plan.approvalPolicies.map((p, i) => {
    const org = pick(organizations, p.org);
    const orgGroups = groups.filter((g) => g.org === org.id);
    const orgComputers = computers.filter((c) => orgGroups.some((g) => g.id === c.group));
    let scope: ApprovalPolicy['appliesTo'] = { organization: org.id };
    if (p.scope === 'groups' && orgGroups.length > 0) {
      scope = { groups: [...new Set(p.picks.map((k) => pick(orgGroups, k).id))] };
    } else if (p.scope === 'computers' && orgComputers.length > 0) {
      scope = { computers: [...new Set(p.picks.map((k) => pick(orgComputers, k).id))] };
    }
    const list = p.mode === 'allow' && p.list.length === 0 ? ['GB'] : p.list;
    const ap: ApprovalPolicy = {
      id: `ap-${i}`,
      org: org.id,
      order: p.order,
      active: p.active,
      action: p.action,
      category: varyText(pick(CATEGORIES, p.category), p.caseSeed),
      appliesTo: scope,
      countries: { mode: p.mode, list },
    };
    if (p.subcategory !== null) ap.subcategory = pick(SUBCATEGORIES, p.subcategory);
    return ap;
  });

  const approvalSettings: ApprovalSettings[] = [];
  plan.approvalSettings.forEach((p, i) => {
    const org = organizations[i];
    if (p === null || org === undefined) return;
    const s: ApprovalSettings = { org: org.id };
    const canUseParent = org.parent !== undefined;
    if (p.guidelines !== null) {
      const g: NonNullable<ApprovalSettings['guidelines']> = { useParent: p.guidelines.useParent && canUseParent };
      if (p.guidelines.permitTarget !== null) g.permitTarget = p.guidelines.permitTarget;
      if (p.guidelines.instructions !== null) g.instructions = pick(INSTRUCTIONS, p.guidelines.instructions);
      s.guidelines = g;
    }
    if (p.escalation !== null) {
      s.escalation = { useParent: p.escalation.useParent && canUseParent, emails: p.escalation.emails };
    }
    approvalSettings.push(s);
  });

  const world: World = {
    organizations,
    groups,
    computers,
    applications,
    policies,
    agentSettings,
    approvalPolicies,
    approvalSettings,
  };
  if (plan.gates.kind === 'empty') world.gates = [];
  if (plan.gates.kind === 'custom') world.gates = plan.gates.custom.map((g) => ({ ...g }));

  // File requests, derived from the rules so that most of them match something.
  const index = new WorldIndex(world);
  const requests: FileCase[] = plan.requests.map((r) => {
    let computer = pick(computers, r.computer).id;
    if (r.targeted && r.kind !== 'stray' && applications.length > 0) {
      const app = pick(applications, r.app).id;
      const covered = computers.filter((c) => policies.some((p) => p.app === app && index.covers(p.appliesTo, c.id)));
      if (covered.length > 0) computer = pick(covered, r.computer).id;
    }
    const os = osOf(computer);
    const file = requestFile(r, builtRules, os);
    const c: FileCase = { computer, file };
    if (r.atHours !== null) c.at = hoursFromBase(r.atHours);
    return c;
  });

  const approvals: ApprovalCase[] = plan.approvalRequests.map((r) => {
    const computer = pick(computers, r.computer).id;
    const visible = applications.filter((a) => a.category !== undefined && (a.builtIn || a.org === undefined));
    if (r.byApp && visible.length > 0) return { computer, query: { app: pick(visible, r.app).id } };
    const query: ApprovalQuery = {
      category: varyText(pick(CATEGORIES, r.category), r.caseSeed),
      primaryCompanyInfluence: r.primaryCompanyInfluence,
      developmentInfluence: r.developmentInfluence,
    };
    if (r.subcategory !== null) query.subcategory = pick(SUBCATEGORIES, r.subcategory);
    return { computer, query };
  });

  return { world, requests, approvals };
}

function requestFile(r: RequestPlan, builtRules: BuiltRule[][], os: OsName): FileRequest {
  const chosen = (appPick: number, rulePick: number): BuiltRule | null =>
    builtRules.length === 0 ? null : pick(pick(builtRules, appPick), rulePick);
  const main = r.kind === 'stray' ? null : chosen(r.app, r.rule);
  const other = r.kind === 'mixed' ? chosen(r.app2, r.rule2) : null;
  const seed = r.variation;
  const witness = (p: PatternWithWitness | null): string | null =>
    p === null ? null : r.alternative ? p.alternative : p.witness;
  const vary = (path: string, salt: number): string => varyPath(path, os, seed + salt);

  const pathSource =
    witness(main?.path ?? null) ?? (main === null ? pick(STRAY_PATHS, seed) : pick(PATH_TEMPLATES, seed));
  const file: FileRequest = { path: vary(pathSource, 0) };
  // Every other field comes from the main rule, or (mixed) from a second rule.
  const fieldsFrom = (b: BuiltRule | null): void => {
    if (b === null) return;
    if (b.sha256 !== null) file.sha256 = varyHex(b.sha256, seed + 1);
    if (b.certThumbprint !== null) file.certThumbprint = varyHex(b.certThumbprint, seed + 2);
    if (b.certSubject !== null) file.certSubject = varyText(b.certSubject, seed + 3);
    const pp = witness(b.processPath);
    if (pp !== null) file.processPath = vary(pp, 4);
    const cb = witness(b.createdBy);
    if (cb !== null) file.createdBy = vary(cb, 5);
  };
  fieldsFrom(main);
  fieldsFrom(other);
  if (r.kind === 'stray' && r.extras) file.sha256 = STRAY_SHA256;
  if (r.kind !== 'stray' && r.extras) {
    // Fields the rule does not ask for: they must not change whether it matches.
    file.sha256 ??= pick(SHA256_POOL, seed);
    file.certSubject ??= pick(SUBJECT_POOL, seed + 1);
    file.processPath ??= vary(pick(PROCESS_TEMPLATES, seed + 2), 6);
  }
  return file;
}

/** Random valid worlds with requests drawn from them (see WorldArbOptions). */
export function worldArb(options: WorldArbOptions = {}): fc.Arbitrary<GeneratedWorld> {
  const o: Required<WorldArbOptions> = { ...DEFAULT_OPTIONS, ...options };
  return planArb(o).map((plan) => buildWorld(plan, o));
}
