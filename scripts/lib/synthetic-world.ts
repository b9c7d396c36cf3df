/**
 * A deterministic, realistic synthetic world for the benchmark and its
 * tests: an MSP (flat) with one customer organization (flat) whose Windows
 * workstation group runs agent 10.6.0, one target computer, applications
 * with rules of every shape SPEC.md section 3 allows (RULE_SHAPES), policies
 * at every Applies To level (all of them covering the target computer) and a
 * stream of file requests, most of which match an application rule, each
 * labelled with the shape of the rule it was derived from.
 *
 * Everything comes from a seeded PRNG (mulberry32): the same options give
 * the same world and the same requests, byte for byte.
 */
import type {
  AppRule,
  AppliesTo,
  Application,
  Computer,
  ComputerGroup,
  FileRequest,
  Organization,
  Policy,
  PolicyAction,
  World,
} from '../../src/engine/model.js';

export interface SyntheticWorldOptions {
  /** Total number of policies, the default policy included (at least 1). */
  policies: number;
  seed: number;
  /** Total number of computers, the target included (default 1). */
  computers?: number;
  /** Number of file requests to generate (default 10,000). */
  requests?: number;
  /** Share of requests that derive from an application rule (default 0.85). */
  matchingShare?: number;
  /**
   * Requests to derive for each rule shape (and stray ones for "none"), each
   * from a rule picked at random, in `byShape` (default 0). They come from a
   * PRNG stream of their own: the world and `requests` do not depend on it.
   */
  requestsPerShape?: number;
}

export interface SyntheticWorld {
  world: World;
  /** The computer every policy covers. */
  computer: string;
  requests: FileRequest[];
  /** requestShapes[i]: the shape of the rule requests[i] was derived from ("none": a stray file). */
  requestShapes: RequestShape[];
  /** requestsPerShape requests derived from rules of each shape, and stray ones under "none". */
  byShape: Partial<Record<RequestShape, FileRequest[]>>;
}

/** An evaluation time at which no synthetic policy has expired. */
export const SYNTHETIC_NOW_MS = Date.UTC(2025, 5, 1);

export const MSP_ORG = 'org-msp';
export const CUSTOMER_ORG = 'org-customer';
export const TARGET_GROUP = 'grp-customer-win-ws';
export const TARGET_COMPUTER = 'pc-target';
export const DEFAULT_POLICY = 'pol-default';
export const DEFAULT_ORDER = 1_000_000;

/** mulberry32: a small, fast, well-distributed 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Helpers over one PRNG stream. */
class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }
  /** Picks by weight: [[value, weight], ...]. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of choices) total += w;
    let r = this.next() * total;
    for (const [value, w] of choices) {
      r -= w;
      if (r < 0) return value;
    }
    return (choices[choices.length - 1] as readonly [T, number])[0];
  }
  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += '0123456789abcdef'.charAt(Math.floor(this.next() * 16));
    return out;
  }
}

const WORDS = [
  'alpha',
  'beacon',
  'cobalt',
  'delta',
  'ember',
  'falcon',
  'granite',
  'harbor',
  'indigo',
  'juniper',
  'kestrel',
  'lumen',
  'meridian',
  'nimbus',
  'onyx',
  'prism',
  'quartz',
  'raven',
  'sierra',
  'tundra',
  'umbra',
  'vertex',
  'willow',
  'xenon',
  'yonder',
  'zephyr',
];
const APP_KINDS = ['Agent', 'Backup', 'Client', 'Editor', 'Monitor', 'Remote', 'Sync', 'Updater', 'Viewer', 'Studio'];
const CATEGORIES: readonly (readonly [string, string])[] = [
  ['Productivity', 'Office'],
  ['Remote Access', 'Remote Desktop'],
  ['Development', 'IDE'],
  ['Utilities', 'Archivers'],
  ['Security', 'Antivirus'],
  ['Communication', 'Chat'],
];
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'CA', 'NL', 'SE', 'JP', 'IL', 'IN'];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
const ACTIONS: readonly (readonly [PolicyAction, number])[] = [
  ['permit', 55],
  ['deny', 15],
  ['denyWithRequest', 15],
  ['ringfence', 15],
];

type Level = 'global' | 'globalGroup' | 'organization' | 'group' | 'computer';
const LEVELS: readonly (readonly [Level, number])[] = [
  ['global', 20],
  ['globalGroup', 15],
  ['organization', 25],
  ['group', 25],
  ['computer', 15],
];

/**
 * The rule shapes of the world, with their share of rules (percent), in the
 * proportions an MSP's rule base shows: hashes and publisher rules first,
 * then literal paths and vendor directory globs, a few rules by the parent
 * process or the installer, a few regular expressions.
 */
export const RULE_SHAPES = [
  ['sha256', 22],
  ['certThumbprint', 7],
  ['certSubject + dir/**', 15],
  ['literal path', 17],
  ['* in the name', 8],
  ['? in the name', 2],
  ['dir/** and dir/**/*.dll', 8],
  ['**/name.exe', 6],
  ['mid-path *', 6],
  ['**/stem-*.exe', 3],
  ['regex', 2],
  ['processPath only', 2],
  ['createdBy only', 2],
] as const satisfies readonly (readonly [string, number])[];
export type RuleShapeName = (typeof RULE_SHAPES)[number][0];
/** A request's shape: its rule's, or "none" for a file no rule was written for. */
export type RequestShape = RuleShapeName | 'none';
export const REQUEST_SHAPES: readonly RequestShape[] = [...RULE_SHAPES.map(([name]) => name), 'none'];

/** How a rule was built, so a request that matches it can be derived. */
interface RuleShape {
  shape: RuleShapeName;
  rule: AppRule;
  /** A glob every path it stands for matches: `*` a word, `#` a digit, `**` some segments. */
  glob?: string;
}

interface GenApp {
  app: Application;
  shapes: RuleShape[];
}

const ROOTS = ['C:\\Program Files', 'C:\\Program Files (x86)', 'C:\\ProgramData', 'D:\\Apps', 'C:\\Tools'];
/** Roots with no character a regular expression reads specially. */
const PLAIN_ROOTS = ['C:\\Program Files', 'C:\\ProgramData', 'D:\\Apps', 'C:\\Tools'];

function vendorName(k: number): string {
  return `Vendor${k}`;
}

/** A rule of application number k (its vendor directories are its own), r-th of the app. */
function makeRule(rng: Rng, k: number, r: number): RuleShape {
  const vendor = vendorName(k);
  const exe = `${vendor.toLowerCase()}${r === 0 ? '' : `-${r}`}`;
  const shape = rng.weighted<RuleShapeName>(RULE_SHAPES);
  const path = (glob: string): RuleShape => ({ shape, rule: { path: glob }, glob });
  switch (shape) {
    case 'sha256':
      return { shape, rule: { sha256: rng.chance(0.3) ? rng.hex(64).toUpperCase() : rng.hex(64) } };
    case 'certThumbprint':
      return { shape, rule: { certThumbprint: rng.hex(40).toUpperCase() } };
    case 'certSubject + dir/**': {
      const glob = `${rng.pick(ROOTS.slice(0, 3))}\\${vendor}${r === 0 ? '' : `\\Suite${r}`}\\**`;
      const subject = `CN=${vendor} Software Ltd, O=${vendor} Software Ltd, L=${rng.pick(WORDS)}, C=${rng.pick(COUNTRIES)}`;
      return { shape, rule: { certSubject: subject, path: glob }, glob };
    }
    case 'literal path':
      return path(`${rng.pick(ROOTS)}\\${vendor}\\${rng.pick(APP_KINDS)}${r}\\${exe}.exe`);
    case '* in the name':
      return path(
        rng.chance(0.5)
          ? `${rng.pick(ROOTS)}\\${vendor}\\bin${r}\\*.exe`
          : `${rng.pick(ROOTS)}\\${vendor}\\${exe}-*.exe`,
      );
    case '? in the name':
      return path(`${rng.pick(ROOTS)}\\${vendor}\\${exe}-v?.exe`);
    case 'dir/** and dir/**/*.dll':
      return path(
        rng.chance(0.5)
          ? `${rng.pick(ROOTS)}\\${vendor}\\plugins${r}\\**\\*.dll`
          : `${rng.pick(ROOTS)}\\${vendor}\\Data${r}\\**`,
      );
    case '**/name.exe':
      return path(`**\\${exe}-svc.exe`);
    case 'mid-path *':
      return path(
        rng.chance(0.5)
          ? `C:\\Users\\*\\AppData\\Local\\${vendor}\\*\\${exe}.exe`
          : `C:\\Users\\*\\AppData\\Roaming\\${vendor}\\*.exe`,
      );
    case '**/stem-*.exe':
      return path(`**\\${exe}-setup-*.exe`);
    case 'regex': {
      const dir = `${rng.pick(PLAIN_ROOTS)}\\${vendor}`;
      return {
        shape,
        rule: { path: `regex:${dir.replaceAll('\\', '\\\\')}\\\\${exe}-[0-9]+\\.exe` },
        glob: `${dir}\\${exe}-##.exe`,
      };
    }
    case 'processPath only': {
      const glob = `**\\${exe}-launcher.exe`;
      return { shape, rule: { processPath: glob }, glob };
    }
    case 'createdBy only': {
      const glob = `${rng.pick(PLAIN_ROOTS)}\\${vendor}\\Installer${r}\\*.exe`;
      return { shape, rule: { createdBy: glob }, glob };
    }
  }
}

/** Varies case (and, on Windows, separators) the way real requests do; matching must not care. */
function vary(rng: Rng, path: string): string {
  let out = path;
  const caseStyle = rng.weighted<string>([
    ['asIs', 50],
    ['lower', 20],
    ['upper', 10],
    ['mixed', 20],
  ]);
  if (caseStyle === 'lower') out = out.toLowerCase();
  else if (caseStyle === 'upper') out = out.toUpperCase();
  else if (caseStyle === 'mixed') {
    out = out
      .split('\\')
      .map((seg) => (rng.chance(0.5) ? seg.toUpperCase() : seg.toLowerCase()))
      .join('\\');
  }
  const sepStyle = rng.weighted<string>([
    ['backslash', 75],
    ['slash', 15],
    ['mixed', 10],
  ]);
  if (sepStyle === 'slash') out = out.replace(/\\/g, '/');
  else if (sepStyle === 'mixed') out = out.replace(/\\/g, () => (rng.chance(0.5) ? '/' : '\\'));
  return out;
}

function varyHex(rng: Rng, hex: string): string {
  return rng.chance(0.5) ? hex.toLowerCase() : hex.toUpperCase();
}

function userDir(rng: Rng): string {
  return `C:\\Users\\${rng.pick(USERS)}`;
}

/** A concrete path a glob matches: `**` becomes 0 to 2 segments (at least a drive when leading), `*` a word. */
function instantiate(rng: Rng, glob: string): string {
  const out: string[] = [];
  const segments = glob.split('\\');
  segments.forEach((seg, i) => {
    if (seg === '**') {
      if (i === 0) {
        out.push(userDir(rng), rng.pick(['Downloads', 'Desktop', 'AppData\\Local']));
        if (rng.chance(0.5)) out.push(rng.pick(WORDS));
      } else {
        const n = i === segments.length - 1 ? rng.int(1, 3) : rng.int(0, 2);
        for (let j = 0; j < n; j++)
          out.push(j === n - 1 && i === segments.length - 1 ? `${rng.pick(WORDS)}.exe` : rng.pick(WORDS));
      }
      return;
    }
    out.push(
      seg
        .replace(/\*/g, () => rng.pick(WORDS))
        .replace(/\?/g, () => rng.pick(WORDS).charAt(0))
        .replace(/#/g, () => String(rng.int(0, 9))),
    );
  });
  return out.join('\\');
}

/** A file somewhere in a user's profile. */
function userFile(rng: Rng): string {
  return `${userDir(rng)}\\${rng.pick(['Downloads', 'Desktop', 'AppData\\Local\\Temp'])}\\${rng.pick(WORDS)}-${rng.int(1, 999)}.exe`;
}

/** A request that the shape's rule matches. */
function matchingRequest(rng: Rng, shape: RuleShape): FileRequest {
  const glob = shape.glob ?? '';
  switch (shape.shape) {
    case 'sha256':
      return {
        path: vary(rng, `${userDir(rng)}\\Downloads\\${rng.pick(WORDS)}-setup-${rng.int(1, 99)}.exe`),
        sha256: varyHex(rng, shape.rule.sha256 as string),
      };
    case 'certThumbprint':
      return {
        path: vary(rng, `${userDir(rng)}\\AppData\\Local\\${rng.pick(WORDS)}\\${rng.pick(WORDS)}.exe`),
        certThumbprint: varyHex(rng, shape.rule.certThumbprint as string),
        sha256: rng.hex(64),
      };
    case 'certSubject + dir/**': {
      const subject = shape.rule.certSubject as string;
      return {
        path: vary(rng, instantiate(rng, glob)),
        certSubject: rng.chance(0.3) ? subject.toUpperCase() : subject,
        sha256: rng.hex(64),
      };
    }
    case 'processPath only':
      return { path: vary(rng, userFile(rng)), processPath: vary(rng, instantiate(rng, glob)), sha256: rng.hex(64) };
    case 'createdBy only':
      return { path: vary(rng, userFile(rng)), createdBy: vary(rng, instantiate(rng, glob)), sha256: rng.hex(64) };
    case 'literal path':
    case '* in the name':
    case '? in the name':
    case 'dir/** and dir/**/*.dll':
    case '**/name.exe':
    case 'mid-path *':
    case '**/stem-*.exe':
    case 'regex': {
      const request: FileRequest = { path: vary(rng, instantiate(rng, glob)) };
      if (rng.chance(0.5)) request.sha256 = rng.hex(64);
      return request;
    }
  }
}

/** A request that no synthetic rule matches: a temp or download file nobody wrote a rule for. */
function strayRequest(rng: Rng): FileRequest {
  const where = rng.pick(['AppData\\Local\\Temp', 'Downloads\\unsorted', 'AppData\\Roaming\\stray']);
  const request: FileRequest = {
    path: vary(
      rng,
      `${userDir(rng)}\\${where}\\${rng.hex(8)}\\unk-${rng.hex(8)}.${rng.pick(['exe', 'dll', 'tmp', 'ps1'])}`,
    ),
  };
  if (rng.chance(0.6)) request.sha256 = rng.hex(64);
  if (rng.chance(0.2)) request.certSubject = `CN=Unknown Publisher ${rng.hex(6)}`;
  return request;
}

/** Builds the world and its requests; see the module comment. */
export function syntheticWorld(opts: SyntheticWorldOptions): SyntheticWorld {
  const policyCount = Math.floor(opts.policies);
  if (!(policyCount >= 1)) throw new RangeError('a synthetic world needs at least 1 policy (the default)');
  const computerCount = Math.max(1, Math.floor(opts.computers ?? 1));
  const requestCount = Math.max(0, Math.floor(opts.requests ?? 10_000));
  const matchingShare = opts.matchingShare ?? 0.85;
  const rng = new Rng(opts.seed);

  const organizations: Organization[] = [
    { id: MSP_ORG, name: 'Example MSP', structure: 'flat', modules: [] },
    { id: CUSTOMER_ORG, name: 'Customer Corp', parent: MSP_ORG, structure: 'flat', modules: [] },
  ];
  const groups: ComputerGroup[] = [
    { id: TARGET_GROUP, org: CUSTOMER_ORG, name: 'Windows Workstations', os: 'windows', agentVersion: '10.6.0' },
    { id: 'grp-customer-win-srv', org: CUSTOMER_ORG, name: 'Windows Servers', os: 'windows', agentVersion: '10.6.0' },
    { id: 'grp-msp-it', org: MSP_ORG, name: 'MSP IT', os: 'windows', agentVersion: '10.5.3' },
  ];
  const computers: Computer[] = [{ id: TARGET_COMPUTER, group: TARGET_GROUP, name: 'TARGET-WS-001' }];
  for (let i = 1; i < computerCount; i++) {
    const group = groups[i % groups.length] as ComputerGroup;
    computers.push({ id: `pc-${String(i).padStart(6, '0')}`, group: group.id, name: `HOST-${i}` });
  }

  const genApps: GenApp[] = [];
  /** Apps each organization may use in a policy: built-ins and its own or its ancestors'. */
  const visible: Record<string, GenApp[]> = { [MSP_ORG]: [], [CUSTOMER_ORG]: [] };
  const newApp = (policyOrg: string): GenApp => {
    const k = genApps.length + 1;
    const builtIn = rng.chance(0.1);
    const [category, subcategory] = rng.pick(CATEGORIES);
    const app: Application = {
      id: `app-${String(k).padStart(6, '0')}`,
      name: `${vendorName(k)} ${rng.pick(APP_KINDS)}`,
      builtIn,
      category,
      subcategory,
      primaryCompanyInfluence: [rng.pick(COUNTRIES)],
      developmentInfluence: [rng.pick(COUNTRIES), rng.pick(COUNTRIES)].filter((c, i, all) => all.indexOf(c) === i),
      rules: [],
    };
    if (!builtIn) app.org = policyOrg;
    const shapes: RuleShape[] = [];
    const ruleCount = rng.weighted<number>([
      [1, 60],
      [2, 30],
      [3, 10],
    ]);
    for (let r = 0; r < ruleCount; r++) shapes.push(makeRule(rng, k, r));
    app.rules = shapes.map((s) => s.rule);
    const gen = { app, shapes };
    genApps.push(gen);
    if (builtIn || policyOrg === MSP_ORG) visible[MSP_ORG]?.push(gen);
    visible[CUSTOMER_ORG]?.push(gen);
    return gen;
  };

  const policies: Policy[] = [];
  for (let i = 1; i < policyCount; i++) {
    const level = rng.weighted(LEVELS);
    let appliesTo: AppliesTo;
    let policyOrg: string;
    switch (level) {
      case 'global':
        appliesTo = { global: MSP_ORG };
        policyOrg = MSP_ORG;
        break;
      case 'globalGroup': {
        policyOrg = rng.chance(0.5) ? MSP_ORG : CUSTOMER_ORG;
        appliesTo = {
          globalGroup: { org: policyOrg, keyword: rng.pick(['win', 'Windows', 'WINDOWS W', 'windows work']) },
        };
        break;
      }
      case 'organization':
        appliesTo = { organization: CUSTOMER_ORG };
        policyOrg = CUSTOMER_ORG;
        break;
      case 'group':
        appliesTo = { group: TARGET_GROUP };
        policyOrg = CUSTOMER_ORG;
        break;
      case 'computer':
        appliesTo = { computer: TARGET_COMPUTER };
        policyOrg = CUSTOMER_ORG;
        break;
    }
    // About one application per policy; one policy in ten reuses an application
    // (a popular one more often) so that some applications have several policies.
    const pool = visible[policyOrg] as GenApp[];
    let gen: GenApp;
    if (pool.length > 0 && rng.chance(0.1)) {
      const skew = rng.float() ** 2; // favours the first applications: a few popular ones
      gen = pool[Math.floor(skew * pool.length)] as GenApp;
    } else {
      gen = newApp(policyOrg);
    }
    const action = rng.weighted(ACTIONS);
    const policy: Policy = {
      id: `pol-${String(i).padStart(6, '0')}`,
      name: `${gen.app.name} (${action})`,
      app: gen.app.id,
      appliesTo,
      action,
      order: rng.int(1, DEFAULT_ORDER - 1),
      enabled: true,
    };
    if (action === 'ringfence') {
      policy.ringfence = { network: rng.chance(0.5) ? 'deny' : 'allowList', files: 'userProfileOnly' };
    }
    if (rng.chance(0.03)) policy.expiresAt = `20${rng.int(30, 99)}-0${rng.int(1, 9)}-1${rng.int(0, 9)}T00:00:00Z`;
    policies.push(policy);
  }
  policies.push({
    id: DEFAULT_POLICY,
    name: 'Default',
    appliesTo: { global: MSP_ORG },
    action: 'denyWithRequest',
    order: DEFAULT_ORDER,
    enabled: true,
    default: true,
  });

  const requests: FileRequest[] = [];
  const requestShapes: RequestShape[] = [];
  for (let i = 0; i < requestCount; i++) {
    if (genApps.length > 0 && rng.chance(matchingShare)) {
      const gen = rng.pick(genApps);
      const shape = rng.pick(gen.shapes);
      requests.push(matchingRequest(rng, shape));
      requestShapes.push(shape.shape);
    } else {
      requests.push(strayRequest(rng));
      requestShapes.push('none');
    }
  }

  const byShape: Partial<Record<RequestShape, FileRequest[]>> = {};
  const perShape = Math.max(0, Math.floor(opts.requestsPerShape ?? 0));
  if (perShape > 0) {
    const shapeRng = new Rng(opts.seed ^ 0x5eed5);
    const rulesOf = new Map<RequestShape, RuleShape[]>();
    for (const gen of genApps) {
      for (const shape of gen.shapes) {
        let list = rulesOf.get(shape.shape);
        if (list === undefined) rulesOf.set(shape.shape, (list = []));
        list.push(shape);
      }
    }
    for (const name of REQUEST_SHAPES) {
      const list: FileRequest[] = [];
      const rules = rulesOf.get(name);
      if (name === 'none') for (let i = 0; i < perShape; i++) list.push(strayRequest(shapeRng));
      else if (rules !== undefined)
        for (let i = 0; i < perShape; i++) list.push(matchingRequest(shapeRng, shapeRng.pick(rules)));
      byShape[name] = list;
    }
  }

  const world: World = {
    organizations,
    groups,
    computers,
    applications: genApps.map((g) => g.app),
    policies,
    agentSettings: [],
    approvalPolicies: [],
    approvalSettings: [],
  };
  return { world, computer: TARGET_COMPUTER, requests, requestShapes, byShape };
}
