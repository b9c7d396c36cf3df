import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CompiledView, LinearEvaluator, effectiveMode } from '../../src/engine/evaluate.js';
import type {
  AgentSetting,
  Application,
  Computer,
  ComputerGroup,
  FileRequest,
  Organization,
  Policy,
  World,
} from '../../src/engine/model.js';
import { processingComparator } from '../../src/engine/order.js';
import {
  ACKNOWLEDGE_PROBLEM,
  BUILT_IN_START,
  CUSTOM_START,
  DEFAULT_ORDER,
  MAX_BUILT_IN,
  MAX_CUSTOM,
  type Discrepancy,
  type UpgradePlan,
  type UpgradeResult,
  formatUpgradePlan,
  upgradeToFlat,
} from '../../src/engine/upgrade.js';
import { buildView } from '../../src/engine/view.js';

const NOW_MS = Date.parse('2026-06-01T00:00:00Z');

function makeWorld(parts: Partial<World>): World {
  return {
    organizations: [],
    groups: [],
    computers: [],
    applications: [],
    policies: [],
    agentSettings: [],
    approvalPolicies: [],
    approvalSettings: [],
    ...parts,
  };
}

function org(id: string, structure: Organization['structure'] = 'hierarchical', parent?: string): Organization {
  return parent === undefined
    ? { id, name: id, structure, modules: [] }
    : { id, name: id, structure, modules: [], parent };
}

function policy(id: string, fields: Partial<Policy> & Pick<Policy, 'appliesTo'>): Policy {
  return { id, action: 'permit', order: 1, enabled: true, ...fields };
}

const NPP_SHA = 'AA11'.repeat(16);

const APPS: Application[] = [
  { id: 'chrome', name: 'Chrome', builtIn: true, rules: [{ path: 'C:\\Program Files\\Google\\Chrome\\chrome.exe' }] },
  { id: 'office', name: 'Office', builtIn: true, rules: [{ certSubject: 'CN=Microsoft Corporation' }] },
  { id: 'npp', name: 'Notepad++', builtIn: false, rules: [{ sha256: NPP_SHA }] },
  { id: 'tool', name: 'Tool', builtIn: false, rules: [{ path: 'C:\\Tools\\*.exe' }] },
];

const FILES: FileRequest[] = [
  { path: 'C:\\Program Files\\Google\\Chrome\\chrome.exe' },
  { path: 'C:\\Program Files\\Office\\winword.exe', certSubject: 'cn=microsoft corporation' },
  { path: 'C:\\Apps\\notepad++.exe', sha256: NPP_SHA.toLowerCase() },
  { path: 'C:\\Tools\\tool.exe' },
  { path: 'C:\\Tools\\tool.exe', sha256: NPP_SHA, certSubject: 'CN=Microsoft Corporation' },
  { path: 'C:\\Elsewhere\\unknown.exe' },
];

/** A single hierarchical organization with nothing inherited. */
function acmeWorld(settings: AgentSetting[] = []): World {
  return makeWorld({
    organizations: [org('acme')],
    groups: [
      { id: 'g-tills', org: 'acme', name: 'Tills', os: 'windows', agentVersion: '10.6.2' },
      { id: 'g-mac', org: 'acme', name: 'Macs', os: 'macos', agentVersion: '1.0' },
    ],
    computers: [
      { id: 'till-1', group: 'g-tills' },
      { id: 'till-2', group: 'g-tills' },
      { id: 'mac-1', group: 'g-mac' },
    ],
    applications: APPS,
    agentSettings: settings,
    policies: [
      policy('p-chrome-global', { app: 'chrome', appliesTo: { global: 'acme' }, order: 7 }),
      policy('p-office-global', { app: 'office', appliesTo: { global: 'acme' }, order: 3 }),
      policy('p-office-grp', { app: 'office', appliesTo: { group: 'g-tills' }, action: 'deny', order: 1 }),
      policy('p-disabled', { app: 'npp', appliesTo: { global: 'acme' }, order: 1, enabled: false }),
      policy('p-npp-org', { app: 'npp', appliesTo: { organization: 'acme' }, action: 'deny', order: 3 }),
      policy('p-tool-comp', { app: 'tool', appliesTo: { computer: 'till-1' }, order: 2 }),
      policy('p-default-tills', {
        default: true,
        appliesTo: { group: 'g-tills' },
        action: 'denyWithRequest',
        order: 1000,
      }),
      policy('p-default-mac', { default: true, appliesTo: { group: 'g-mac' }, action: 'deny', order: 500 }),
    ],
  });
}

function upgraded(plan: UpgradePlan): UpgradeResult {
  if (!plan.ok) throw new Error(`refused: ${plan.problems.join('; ')}`);
  return plan;
}

function decisionsOf(world: World): Map<string, (string | null)[]> {
  const out = new Map<string, (string | null)[]>();
  for (const c of world.computers) {
    const view = buildView(world, c.id);
    const linear = new LinearEvaluator(view);
    const compiled = new CompiledView(view);
    out.set(
      c.id,
      FILES.map((f) => {
        const a = linear.evaluate(f, { nowMs: NOW_MS });
        expect(compiled.evaluate(f, { nowMs: NOW_MS })).toEqual(a);
        return a.policy;
      }),
    );
  }
  return out;
}

describe('numbering constants', () => {
  it('are those of SPEC.md section 4', () => {
    expect([BUILT_IN_START, CUSTOM_START, DEFAULT_ORDER, MAX_BUILT_IN, MAX_CUSTOM]).toEqual([
      101, 100_001, 1_000_000, 99_900, 899_999,
    ]);
    // The last numbers of each tier stay below the next tier.
    expect(BUILT_IN_START + MAX_BUILT_IN - 1).toBeLessThan(CUSTOM_START);
    expect(CUSTOM_START + MAX_CUSTOM - 1).toBeLessThan(DEFAULT_ORDER);
  });
});

describe('upgradeToFlat refusals', () => {
  const family = (): World =>
    makeWorld({
      organizations: [org('msp'), org('shop', 'hierarchical', 'msp'), org('done', 'flat')],
      groups: [
        { id: 'g-new', org: 'shop', name: 'New', os: 'windows', agentVersion: '10.5.3' },
        { id: 'g-old', org: 'shop', name: 'Old', os: 'windows', agentVersion: '10.4.9' },
        { id: 'g-older', org: 'shop', name: 'Older', os: 'windows', agentVersion: '9' },
        { id: 'g-linux', org: 'shop', name: 'Linux', os: 'linux', agentVersion: '1.0' },
      ],
    });
  const bulk = (count: number, app: string): Policy[] =>
    Array.from({ length: count }, (_, i) =>
      policy(`${app}-${i}`, { app, appliesTo: { organization: 'acme' }, order: i }),
    );

  const cases: {
    name: string;
    world: () => World;
    org: string;
    acknowledge: boolean;
    problems: (string | RegExp)[];
  }[] = [
    {
      name: 'unknown organization',
      world: family,
      org: 'nope',
      acknowledge: true,
      problems: ['organization nope is unknown'],
    },
    {
      name: 'unknown organization, not acknowledged',
      world: family,
      org: 'nope',
      acknowledge: false,
      problems: ['organization nope is unknown', ACKNOWLEDGE_PROBLEM],
    },
    {
      name: 'already flat',
      world: family,
      org: 'done',
      acknowledge: true,
      problems: ['organization done is already flat: the upgrade cannot be repeated'],
    },
    { name: 'not acknowledged', world: acmeWorld, org: 'acme', acknowledge: false, problems: [ACKNOWLEDGE_PROBLEM] },
    {
      name: 'parent not flat, old windows groups, not acknowledged: all named together',
      world: family,
      org: 'shop',
      acknowledge: false,
      problems: [
        'parent organization msp is hierarchical: it must be upgraded first',
        'windows group g-old (Old) has agent version 10.4.9, below 10.5.3',
        'windows group g-older (Older) has agent version 9, below 10.5.3',
        ACKNOWLEDGE_PROBLEM,
      ],
    },
    {
      name: 'too many built-in and other policies',
      world: () => {
        const w = acmeWorld();
        w.policies = [...bulk(MAX_BUILT_IN + 1, 'chrome'), ...bulk(MAX_CUSTOM + 1, 'npp')];
        return w;
      },
      org: 'acme',
      acknowledge: true,
      problems: [
        `${MAX_BUILT_IN + 1} built-in application policies: at most 99900 can be renumbered`,
        `${MAX_CUSTOM + 1} other policies: at most 899999 can be renumbered`,
      ],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const plan = upgradeToFlat(c.world(), c.org, { acknowledge: c.acknowledge });
      expect(plan).toEqual({ ok: false, org: c.org, problems: c.problems });
      const text = formatUpgradePlan(plan);
      expect(text).toContain('refused');
      for (const p of c.problems) expect(text).toContain(p);
    });
  }

  it('accepts exactly the limits', () => {
    const w = acmeWorld();
    w.policies = [...bulk(MAX_BUILT_IN, 'chrome'), ...bulk(3, 'npp')];
    w.computers = w.computers.slice(0, 1);
    const plan = upgraded(upgradeToFlat(w, 'acme', { acknowledge: true }));
    expect(plan.renumbered.at(MAX_BUILT_IN - 1)?.to).toBe(100_000);
    expect(plan.renumbered.at(-1)?.to).toBe(100_003);
  });

  it('accepts a child of a flat parent with new windows groups', () => {
    const w = family();
    w.organizations = [org('msp', 'flat'), org('shop', 'hierarchical', 'msp')];
    w.groups = w.groups.filter((g) => g.id === 'g-new' || g.id === 'g-linux');
    expect(upgradeToFlat(w, 'shop', { acknowledge: true }).ok).toBe(true);
  });
});

describe('upgradeToFlat renumbering', () => {
  it('numbers each tier in hierarchical order, disabled policies included', () => {
    const plan = upgraded(upgradeToFlat(acmeWorld(), 'acme', { acknowledge: true }));
    expect(plan.renumbered).toEqual([
      { policy: 'p-office-global', app: 'office', tier: 'builtIn', from: 3, to: 101 },
      { policy: 'p-chrome-global', app: 'chrome', tier: 'builtIn', from: 7, to: 102 },
      { policy: 'p-office-grp', app: 'office', tier: 'builtIn', from: 1, to: 103 },
      { policy: 'p-disabled', app: 'npp', tier: 'custom', from: 1, to: 100_001 },
      { policy: 'p-npp-org', app: 'npp', tier: 'custom', from: 3, to: 100_002 },
      { policy: 'p-tool-comp', app: 'tool', tier: 'custom', from: 2, to: 100_003 },
      { policy: 'p-default-mac', app: null, tier: 'default', from: 500, to: 1_000_000 },
      { policy: 'p-default-tills', app: null, tier: 'default', from: 1000, to: 1_000_000 },
    ]);
    const orders = Object.fromEntries(plan.world.policies.map((p) => [p.id, p.order]));
    expect(orders).toMatchObject({ 'p-office-global': 101, 'p-tool-comp': 100_003, 'p-default-tills': 1_000_000 });
    expect(plan.world.organizations[0]?.structure).toBe('flat');
  });

  it('renumbers only the policies of the organization itself', () => {
    const w = makeWorld({
      organizations: [org('msp', 'flat'), org('shop', 'hierarchical', 'msp'), org('branch', 'hierarchical', 'shop')],
      groups: [
        { id: 'g-shop', org: 'shop', name: 'Tills', os: 'windows', agentVersion: '10.6' },
        { id: 'g-branch', org: 'branch', name: 'Tills', os: 'windows', agentVersion: '10.6' },
      ],
      computers: [{ id: 'pc-shop', group: 'g-shop' }],
      applications: APPS,
      policies: [
        policy('msp-npp', { app: 'npp', appliesTo: { global: 'msp' }, order: 5 }),
        policy('shop-npp-gg', { app: 'npp', appliesTo: { globalGroup: { org: 'shop', keyword: 'till' } }, order: 9 }),
        policy('shop-npp-comp', { app: 'npp', appliesTo: { computer: 'pc-shop' }, order: 1 }),
        policy('branch-npp', { app: 'npp', appliesTo: { organization: 'branch' }, order: 4 }),
      ],
    });
    const plan = upgraded(upgradeToFlat(w, 'shop', { acknowledge: true }));
    expect(plan.renumbered.map((r) => [r.policy, r.to])).toEqual([
      ['shop-npp-gg', 100_001],
      ['shop-npp-comp', 100_002],
    ]);
    expect(plan.world.policies.map((p) => p.order)).toEqual([5, 100_001, 100_002, 4]);
    expect(plan.world.organizations.map((o) => o.structure)).toEqual(['flat', 'flat', 'hierarchical']);
  });

  it('does not mutate its input', () => {
    const w = acmeWorld();
    const copy = structuredClone(w);
    const plan = upgraded(upgradeToFlat(w, 'acme', { acknowledge: true }));
    expect(w).toEqual(copy);
    plan.world.policies[0]!.order = -1;
    expect(w).toEqual(copy);
  });
});

describe('upgradeToFlat discrepancies', () => {
  it('changes no decision and reports none without inherited policies', () => {
    const w = acmeWorld();
    const plan = upgraded(upgradeToFlat(w, 'acme', { acknowledge: true }));
    expect(plan.discrepancies).toEqual([]);
    expect(decisionsOf(plan.world)).toEqual(decisionsOf(w));
    expect(formatUpgradePlan(plan)).toContain('no discrepancies: processing order is unchanged for every computer');
  });

  it('reports built-ins moving ahead when built-ins are not prioritized', () => {
    const off: AgentSetting = {
      id: 's-off',
      type: 'prioritizeBuiltInApplications',
      value: false,
      appliesTo: { organization: 'acme' },
      order: 1,
    };
    const plan = upgraded(upgradeToFlat(acmeWorld([off]), 'acme', { acknowledge: true }));
    expect(plan.discrepancies).toEqual([
      { computer: 'till-1', policy: 'p-office-grp', nowBefore: 'p-npp-org' },
      { computer: 'till-1', policy: 'p-office-grp', nowBefore: 'p-tool-comp' },
      { computer: 'till-2', policy: 'p-office-grp', nowBefore: 'p-npp-org' },
    ]);
  });

  it('lists inherited policies whose relative order changes, on every computer of the subtree', () => {
    const w = makeWorld({
      organizations: [org('msp', 'flat'), org('shop', 'hierarchical', 'msp'), org('branch', 'hierarchical', 'shop')],
      groups: [
        { id: 'g-tills', org: 'shop', name: 'Tills', os: 'windows', agentVersion: '10.6.2' },
        { id: 'g-branch', org: 'branch', name: 'Till room', os: 'windows', agentVersion: '10.6.2' },
      ],
      computers: [
        { id: 'till-1', group: 'g-tills' },
        { id: 'br-1', group: 'g-branch' },
      ],
      applications: APPS,
      policies: [
        // A parent global-group policy at 50 came after the child's global policies; now it comes first.
        policy('msp-npp-gg', {
          app: 'npp',
          appliesTo: { globalGroup: { org: 'msp', keyword: 'till' } },
          action: 'deny',
          order: 50,
        }),
        // A parent global policy at 150000 came first; now the child's organization policy at 100002 precedes it.
        policy('msp-tool', { app: 'tool', appliesTo: { global: 'msp' }, action: 'deny', order: 150_000 }),
        policy('msp-chrome', { app: 'chrome', appliesTo: { global: 'msp' }, order: 20 }),
        policy('shop-npp', { app: 'npp', appliesTo: { global: 'shop' }, order: 1 }),
        policy('shop-tool', { app: 'tool', appliesTo: { organization: 'shop' }, order: 2 }),
        policy('shop-default', { default: true, appliesTo: { group: 'g-tills' }, action: 'denyWithRequest', order: 9 }),
      ],
    });
    const before = decisionsOf(w);
    const plan = upgraded(upgradeToFlat(w, 'shop', { acknowledge: true }));
    expect(plan.discrepancies).toEqual([
      { computer: 'till-1', policy: 'msp-npp-gg', nowBefore: 'shop-npp' },
      { computer: 'till-1', policy: 'msp-npp-gg', nowBefore: 'msp-tool' },
      { computer: 'till-1', policy: 'shop-npp', nowBefore: 'msp-tool' },
      { computer: 'till-1', policy: 'shop-tool', nowBefore: 'msp-tool' },
    ]);
    const after = decisionsOf(plan.world);
    // npp: shop-npp permitted, msp-npp-gg now denies; tool: msp-tool denied, shop-tool now permits.
    expect(before.get('till-1')?.slice(2, 4)).toEqual(['shop-npp', 'msp-tool']);
    expect(after.get('till-1')?.slice(2, 4)).toEqual(['msp-npp-gg', 'shop-tool']);
    // The branch stays hierarchical: its order of shop's global policy and the msp policies is unchanged.
    expect(after.get('br-1')).toEqual(before.get('br-1'));
    const text = formatUpgradePlan(plan);
    expect(text).toContain('computer till-1: msp-npp-gg is now processed before shop-npp');
    expect(text).toMatch(/shop-npp +npp +custom +1 +100001/);
  });

  it('covers a computer whose own agent stays hierarchical below the gate', () => {
    const w = acmeWorld();
    w.computers.push({ id: 'till-old', group: 'g-tills', agentVersion: '10.4.0' });
    // Same level, same organization: only the number decided, and the default now comes last.
    w.policies.push(policy('p-tool-grp', { app: 'tool', appliesTo: { group: 'g-tills' }, order: 2000 }));
    const plan = upgraded(upgradeToFlat(w, 'acme', { acknowledge: true }));
    expect(plan.discrepancies.filter((d) => d.computer === 'till-old')).toEqual([
      { computer: 'till-old', policy: 'p-tool-grp', nowBefore: 'p-default-tills' },
    ]);
  });
});

// Property: every decision that changes is explained by a listed pair (computer, new policy, now before old policy).
describe('upgradeToFlat property', () => {
  const ORGS = ['root', 'child', 'grand'] as const;
  const RULE_POOL = [
    { path: 'C:\\A\\x.exe' },
    { path: 'C:\\A\\*.exe' },
    { path: '/usr/bin/x' },
    { sha256: 'aa' },
    { sha256: 'BB', certSubject: 'CN=V' },
    { certSubject: 'cn=v' },
  ];
  const PROP_FILES: FileRequest[] = [
    { path: 'C:\\A\\x.exe' },
    { path: 'c:/a/y.exe', sha256: 'AA' },
    { path: '/usr/bin/x', sha256: 'bb', certSubject: 'CN=V' },
    { path: 'C:\\B\\z.exe', certSubject: 'CN=V' },
  ];

  const groupArb = (orgId: string, target: boolean): fc.Arbitrary<ComputerGroup> =>
    fc
      .record({
        name: fc.constantFrom('Till', 'Office'),
        os: fc.constantFrom<ComputerGroup['os']>('windows', 'macos', 'linux'),
        agentVersion: fc.constantFrom(...(target ? ['10.5.3', '10.7'] : ['10.4', '10.5.3', '10.7'])),
      })
      .map((g) => ({ id: '', org: orgId, ...g }));

  const worldArb = fc
    .record({
      rootFlat: fc.boolean(),
      groups: fc.tuple(
        fc.array(groupArb('root', true), { minLength: 1, maxLength: 2 }),
        fc.array(groupArb('child', true), { minLength: 1, maxLength: 2 }),
        fc.array(groupArb('grand', false), { maxLength: 2 }),
      ),
      apps: fc.array(
        fc.record({ builtIn: fc.boolean(), rules: fc.subarray(RULE_POOL, { minLength: 1, maxLength: 2 }) }),
        { minLength: 1, maxLength: 4 },
      ),
      computerVersions: fc.array(fc.option(fc.constantFrom('10.4', '10.6'), { nil: undefined }), {
        minLength: 1,
        maxLength: 6,
      }),
      policies: fc.array(
        fc.record({
          appIndex: fc.option(fc.nat(), { nil: undefined, freq: 12 }),
          level: fc.constantFrom('global', 'globalGroup', 'organization', 'group', 'computer'),
          org: fc.constantFrom(...ORGS),
          pick: fc.nat(),
          action: fc.constantFrom<Policy['action']>('permit', 'deny'),
          order: fc.integer({ min: 0, max: 200_000 }),
          enabled: fc.nat(7).map((n) => n !== 0),
          expired: fc.nat(7).map((n) => n === 0),
        }),
        { maxLength: 20 },
      ),
      prioritizeOff: fc.option(fc.constantFrom(...ORGS), { nil: undefined }),
    })
    .map((r) => {
      // Either the root is hierarchical and upgraded, or the root is flat and the child is upgraded.
      const target = r.rootFlat ? 'child' : 'root';
      const groups: ComputerGroup[] = r.groups.flat().map((g, i) => ({ ...g, id: `g${i}` }));
      const computers: Computer[] = [];
      groups.forEach((g, gi) => {
        const v = r.computerVersions[gi % r.computerVersions.length];
        computers.push(
          v === undefined ? { id: `c${gi}a`, group: g.id } : { id: `c${gi}a`, group: g.id, agentVersion: v },
        );
        computers.push({ id: `c${gi}b`, group: g.id });
      });
      const applications: Application[] = r.apps.map((a, i) => ({ id: `a${i}`, name: `a${i}`, ...a }));
      const policies: Policy[] = r.policies.map((p, i) => {
        const orgGroups = groups.filter((g) => g.org === p.org);
        const group = orgGroups[p.pick % Math.max(orgGroups.length, 1)];
        const appliesTo: Policy['appliesTo'] =
          group === undefined || p.level === 'global'
            ? { global: p.org }
            : p.level === 'globalGroup'
              ? { globalGroup: { org: p.org, keyword: 'till' } }
              : p.level === 'organization'
                ? { organization: p.org }
                : p.level === 'group'
                  ? { group: group.id }
                  : { computer: `c${group.id.slice(1)}a` };
        const base: Policy = { id: `p${i}`, appliesTo, action: p.action, order: p.order, enabled: p.enabled };
        if (p.expired) base.expiresAt = '2026-01-01T00:00:00Z';
        if (p.appIndex === undefined) return { ...base, default: true };
        return { ...base, app: `a${p.appIndex % applications.length}` };
      });
      const agentSettings: AgentSetting[] =
        r.prioritizeOff === undefined
          ? []
          : [
              {
                id: 's',
                type: 'prioritizeBuiltInApplications',
                value: false,
                appliesTo: { global: r.prioritizeOff },
                order: 1,
              },
            ];
      const world = makeWorld({
        organizations: [
          org('root', r.rootFlat ? 'flat' : 'hierarchical'),
          org('child', 'hierarchical', 'root'),
          org('grand', 'hierarchical', 'child'),
        ],
        groups,
        computers,
        applications,
        policies,
        agentSettings,
      });
      return { world, target };
    });

  /** Every pair whose relative order changes, by brute force over all pairs. */
  function allChangedPairs(before: World, after: World): Discrepancy[] {
    const out: Discrepancy[] = [];
    for (const c of before.computers) {
      const order = (w: World): string[] => {
        const view = buildView(w, c.id);
        const mode = effectiveMode(view);
        return [...view.policies].sort(processingComparator(mode.structure, mode.builtInsFirst)).map((p) => p.id);
      };
      const old = order(before);
      const now = order(after);
      now.forEach((policy, i) => {
        for (const other of now.slice(i + 1)) {
          if (old.indexOf(other) < old.indexOf(policy)) out.push({ computer: c.id, policy, nowBefore: other });
        }
      });
    }
    return out;
  }

  it('lists exactly the pairs whose relative order changes', () => {
    fc.assert(
      fc.property(worldArb, ({ world, target }) => {
        const plan = upgraded(upgradeToFlat(world, target, { acknowledge: true }));
        expect(plan.discrepancies).toEqual(allChangedPairs(world, plan.world));
      }),
      { numRuns: 200 },
    );
  });

  it('changes no decision when nothing is inherited from ancestors (prioritization on)', () => {
    const ownOrg = (w: World, p: Policy): string => {
      const a = p.appliesTo;
      if ('global' in a) return a.global;
      if ('globalGroup' in a) return a.globalGroup.org;
      if ('organization' in a) return a.organization;
      const groupId = 'group' in a ? a.group : w.computers.find((c) => c.id === a.computer)!.group;
      return w.groups.find((g) => g.id === groupId)!.org;
    };
    fc.assert(
      fc.property(worldArb, ({ world: generated, target }) => {
        // Only the organization's own policies, a default policy only as the last policy of its group,
        // and no setting turning prioritization off.
        const world = structuredClone(generated);
        world.agentSettings = [];
        world.policies = world.policies
          .filter((p) => ownOrg(world, p) === target)
          .filter((p) => p.default !== true || 'group' in p.appliesTo)
          .map((p, i) => (p.default === true ? { ...p, order: 2_000_000 + i } : p));
        const plan = upgraded(upgradeToFlat(world, target, { acknowledge: true }));
        for (const c of world.computers) {
          const before = new LinearEvaluator(buildView(world, c.id));
          const after = new LinearEvaluator(buildView(plan.world, c.id));
          for (const f of PROP_FILES) {
            expect(after.evaluate(f, { nowMs: NOW_MS }).policy).toBe(before.evaluate(f, { nowMs: NOW_MS }).policy);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('changes no decision except those its dry run reports', () => {
    fc.assert(
      fc.property(worldArb, ({ world, target }) => {
        const copy = structuredClone(world);
        const plan = upgraded(upgradeToFlat(world, target, { acknowledge: true }));
        expect(world).toEqual(copy);
        const listed = new Set(plan.discrepancies.map((d) => `${d.computer} ${d.policy} ${d.nowBefore}`));
        for (const c of world.computers) {
          const before = new LinearEvaluator(buildView(world, c.id));
          const after = new LinearEvaluator(buildView(plan.world, c.id));
          for (const f of PROP_FILES) {
            const old = before.evaluate(f, { nowMs: NOW_MS }).policy;
            const now = after.evaluate(f, { nowMs: NOW_MS }).policy;
            if (old === now) continue;
            expect(listed).toContain(`${c.id} ${now} ${old}`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
