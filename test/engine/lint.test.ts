import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinearEvaluator, effectiveMode } from '../../src/engine/evaluate.js';
import { type LintCode, formatLint, formatLintWarning, lintWorld } from '../../src/engine/lint.js';
import { foldPath } from '../../src/engine/matcher.js';
import {
  type AppRule,
  type Application,
  type ComputerGroup,
  type FileRequest,
  type Organization,
  type OsName,
  type Policy,
  RULE_FIELDS,
  type World,
} from '../../src/engine/model.js';
import { processingComparator } from '../../src/engine/order.js';
import { type ViewPolicy, buildView } from '../../src/engine/view.js';

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

function org(id: string, structure: Organization['structure'], extra: Partial<Organization> = {}): Organization {
  return { id, name: id, structure, modules: [], ...extra };
}

function app(id: string, rules: AppRule[], builtIn = false): Application {
  return { id, name: id, builtIn, rules };
}

function policy(id: string, fields: Partial<Policy> & Pick<Policy, 'appliesTo'>): Policy {
  return { id, action: 'permit', order: 1, enabled: true, ...fields };
}

const APPS: Application[] = [
  app('chrome', [{ path: 'C:\\Program Files\\Google\\Chrome\\chrome.exe', certSubject: 'CN=Google LLC' }], true),
  app('npp', [{ sha256: 'AA11' }]),
  app('tool-wide', [{ path: 'C:\\Tools\\x.exe' }]),
  app('tool-narrow', [
    { path: 'c:/tools/X.EXE', sha256: 'AB' },
    { certSubject: 'CN=V', path: 'C:\\TOOLS\\x.exe' },
  ]),
  app('tool-glob', [{ path: 'C:\\Tools\\*' }]),
  app('hash-upper', [{ sha256: 'ABCD' }]),
  app('hash-lower', [{ sha256: 'abcd', path: '/opt/x' }]),
  app('re-1', [{ path: 'regex:C:\\\\Tools\\\\.*' }]),
  app('re-2', [{ path: 'regex:C:\\\\Tools\\\\.*', certThumbprint: 'ff' }]),
  app('re-3', [{ path: 'regex:c:\\\\tools\\\\.*' }]),
  app('office-custom', [{ certSubject: 'CN=Microsoft Corporation' }]),
  app('office', [{ certSubject: 'cn=microsoft corporation', path: 'C:\\Office\\winword.exe' }], true),
];

/** One flat organization under a flat parent, two computers in a new windows group. */
function shopWorld(policies: Policy[], extra: Partial<World> = {}, os: ComputerGroup['os'] = 'windows'): World {
  return makeWorld({
    organizations: [
      org('msp', 'flat', { modules: ['cyberHeroApprovals'] }),
      org('shop', 'flat', { parent: 'msp', modules: ['cyberHeroApprovals'] }),
    ],
    groups: [{ id: 'g-tills', org: 'shop', name: 'Tills', os, agentVersion: os === 'windows' ? '10.6.2' : '2.0' }],
    computers: [
      { id: 'pc-1', group: 'g-tills' },
      { id: 'pc-2', group: 'g-tills' },
    ],
    applications: APPS,
    policies,
    approvalSettings: [
      { org: 'msp', escalation: { emails: ['noc@msp.example'] } },
      { org: 'shop', escalation: { useParent: true } },
    ],
    ...extra,
  });
}

function lines(world: World, code: LintCode): string[] {
  return lintWorld(world)
    .filter((w) => w.code === code)
    .map(formatLintWarning);
}

const shadowMessage = (id: string, by: string, computer = 'pc-1'): string =>
  `policies[${id}]: can never decide: on every computer it covers, an earlier policy matches everything it matches (on ${computer}: ${by})`;

describe('lintWorld', () => {
  it('has no warnings for a clean world', () => {
    const world = shopWorld([
      policy('p-chrome', { app: 'chrome', appliesTo: { global: 'msp' }, order: 101 }),
      policy('p-npp', { app: 'npp', appliesTo: { organization: 'shop' }, order: 100_001 }),
      policy('p-tool', { app: 'tool-wide', appliesTo: { computer: 'pc-1' }, order: 100_002 }),
      policy('p-nowhere', {
        app: 'npp',
        appliesTo: { globalGroup: { org: 'shop', keyword: 'office' } },
        order: 100_003,
      }),
      policy('p-default', { default: true, appliesTo: { organization: 'shop' }, action: 'deny', order: 1_000_000 }),
    ]);
    // A hierarchical organization may repeat numbers.
    world.organizations.push(org('school', 'hierarchical'));
    world.policies.push(
      policy('s-1', { app: 'npp', appliesTo: { organization: 'school' }, order: 5 }),
      policy('s-2', { app: 'chrome', appliesTo: { organization: 'school' }, order: 5 }),
    );
    expect(lintWorld(world)).toEqual([]);
    expect(formatLint([])).toBe('no warnings\n');
  });

  describe('duplicate-order', () => {
    const cases: { name: string; world: World; expected: string[] }[] = [
      {
        name: 'two policies of a flat organization',
        world: shopWorld([
          policy('p-1', { app: 'npp', appliesTo: { organization: 'shop' }, order: 5 }),
          policy('p-2', { app: 'chrome', appliesTo: { organization: 'shop' }, order: 5 }),
        ]),
        expected: ['policies[p-1]: order 5 is also used by p-2 in flat organization shop'],
      },
      {
        name: 'three levels grouped in one warning, named in tie order',
        world: shopWorld([
          policy('p-a', { app: 'npp', appliesTo: { group: 'g-tills' }, order: 7 }),
          policy('p-z', { app: 'chrome', appliesTo: { organization: 'shop' }, order: 7 }),
          policy('p-m', { app: 'tool-wide', appliesTo: { global: 'shop' }, order: 7, enabled: false }),
          policy('p-other', { app: 'tool-wide', appliesTo: { global: 'shop' }, order: 8 }),
        ]),
        expected: ['policies[p-m]: order 7 is also used by p-z, p-a in flat organization shop'],
      },
      {
        name: 'equal numbers in different organizations',
        world: shopWorld([
          policy('p-msp', { app: 'npp', appliesTo: { global: 'msp' }, order: 5 }),
          policy('p-shop', { app: 'chrome', appliesTo: { group: 'g-tills' }, order: 5 }),
        ]),
        expected: [],
      },
      {
        name: "the policy's own organization decides: a hierarchical child under a flat parent",
        world: (() => {
          const w = shopWorld([
            policy('p-1', { app: 'npp', appliesTo: { computer: 'pc-1' }, order: 5 }),
            policy('p-2', { app: 'chrome', appliesTo: { group: 'g-tills' }, order: 5 }),
          ]);
          w.organizations[1]!.structure = 'hierarchical';
          return w;
        })(),
        expected: [],
      },
    ];
    for (const c of cases) it(c.name, () => expect(lines(c.world, 'duplicate-order')).toEqual(c.expected));

    it('reports equal orders only between policies that can apply to the same computer', () => {
      const apart = shopWorld([
        policy('p-1', { app: 'npp', appliesTo: { computer: 'pc-1' }, order: 5 }),
        policy('p-2', { app: 'chrome', appliesTo: { computer: 'pc-2' }, order: 5 }),
      ]);
      expect(lines(apart, 'duplicate-order')).toEqual([]);
      const together = shopWorld([
        policy('p-1', { app: 'npp', appliesTo: { computer: 'pc-1' }, order: 5 }),
        policy('p-2', { app: 'chrome', appliesTo: { computer: 'pc-2' }, order: 5 }),
        policy('p-3', { app: 'tool-wide', appliesTo: { group: 'g-tills' }, order: 5 }),
      ]);
      // p-3 meets both on their computers: one set of three.
      expect(lines(together, 'duplicate-order')).toEqual([
        'policies[p-1]: order 5 is also used by p-2, p-3 in flat organization shop',
      ]);
      const twoGroups = shopWorld(
        [
          policy('p-tills', { app: 'npp', appliesTo: { group: 'g-tills' }, order: 9 }),
          policy('p-office', { app: 'chrome', appliesTo: { group: 'g-office' }, order: 9 }),
        ],
        {
          groups: [
            { id: 'g-tills', org: 'shop', name: 'Tills', os: 'windows', agentVersion: '10.6.2' },
            { id: 'g-office', org: 'shop', name: 'Office', os: 'windows', agentVersion: '10.6.2' },
          ],
          computers: [
            { id: 'pc-1', group: 'g-tills' },
            { id: 'pc-9', group: 'g-office' },
          ],
        },
      );
      expect(lines(twoGroups, 'duplicate-order')).toEqual([]);
    });
  });

  describe('unknown-category', () => {
    const games: Application = { ...app('solitaire', [{ path: 'C:\\Games\\sol.exe' }]), category: 'Games' };
    const withApproval = (category: string): World =>
      shopWorld([], {
        applications: [...APPS, games],
        approvalPolicies: [
          {
            id: 'ap-games',
            org: 'shop',
            order: 1,
            active: true,
            action: 'reject',
            category,
            appliesTo: { organization: 'shop' },
            countries: { mode: 'deny', list: [] },
          },
        ],
      });

    it('warns on an approval policy whose category no application has', () => {
      expect(lines(withApproval('Gamez'), 'unknown-category')).toEqual([
        'approvalPolicies[ap-games]: category "Gamez" is not the category of any application, so the policy only ' +
          'meets requests that name it themselves (known categories: Games)',
      ]);
    });

    it('is silent when an application has the category, in any case', () => {
      expect(lines(withApproval('Games'), 'unknown-category')).toEqual([]);
      expect(lines(withApproval('games'), 'unknown-category')).toEqual([]);
    });
  });

  describe('shadowed-policy', () => {
    const cases: { name: string; world: World; expected: string[] }[] = [
      {
        name: 'a hierarchical default policy shadows group policies after it',
        world: (() => {
          const w = shopWorld([
            policy('p-def', { default: true, appliesTo: { organization: 'shop' }, order: 1_000_000 }),
            policy('p-npp', { app: 'npp', appliesTo: { group: 'g-tills' }, order: 0 }),
            policy('p-chrome', { app: 'chrome', appliesTo: { group: 'g-tills' }, order: 0 }),
          ]);
          w.organizations = [org('shop', 'hierarchical')];
          w.approvalSettings = [];
          return w;
        })(),
        // The built-in comes first whatever its level.
        expected: [shadowMessage('p-npp', 'the default policy p-def')],
      },
      {
        name: 'a later default policy is shadowed by an earlier one',
        world: shopWorld([
          policy('p-def-1', { default: true, appliesTo: { organization: 'shop' }, order: 999 }),
          policy('p-def-2', { default: true, appliesTo: { group: 'g-tills' }, order: 1_000_000 }),
        ]),
        expected: [shadowMessage('p-def-2', 'the default policy p-def-1')],
      },
      {
        name: 'the same application earlier',
        world: shopWorld([
          policy('p-a', { app: 'npp', appliesTo: { organization: 'shop' }, order: 1 }),
          policy('p-b', { app: 'npp', appliesTo: { computer: 'pc-2' }, order: 2 }),
        ]),
        expected: [shadowMessage('p-b', 'p-a, application npp', 'pc-2')],
      },
      {
        name: 'every rule implied, with windows path folding',
        world: shopWorld([
          policy('p-wide', { app: 'tool-wide', appliesTo: { organization: 'shop' }, order: 1 }),
          policy('p-narrow', { app: 'tool-narrow', appliesTo: { organization: 'shop' }, order: 2 }),
        ]),
        expected: [shadowMessage('p-narrow', 'p-wide, application tool-wide')],
      },
      {
        name: 'no folding on linux',
        world: shopWorld(
          [
            policy('p-wide', { app: 'tool-wide', appliesTo: { organization: 'shop' }, order: 1 }),
            policy('p-narrow', { app: 'tool-narrow', appliesTo: { organization: 'shop' }, order: 2 }),
          ],
          {},
          'linux',
        ),
        expected: [],
      },
      {
        name: 'hashes compare case-insensitively',
        world: shopWorld([
          policy('p-upper', { app: 'hash-upper', appliesTo: { organization: 'shop' }, order: 1 }),
          policy('p-lower', { app: 'hash-lower', appliesTo: { organization: 'shop' }, order: 2 }),
        ]),
        expected: [shadowMessage('p-lower', 'p-upper, application hash-upper')],
      },
      {
        name: 'a wider glob is not compared beyond its text',
        world: shopWorld([
          policy('p-glob', { app: 'tool-glob', appliesTo: { organization: 'shop' }, order: 1 }),
          policy('p-wide', { app: 'tool-wide', appliesTo: { organization: 'shop' }, order: 2 }),
        ]),
        expected: [],
      },
      {
        name: 'regular expressions compare as written',
        world: shopWorld([
          policy('p-re1', { app: 're-1', appliesTo: { organization: 'shop' }, order: 1 }),
          policy('p-re2', { app: 're-2', appliesTo: { organization: 'shop' }, order: 2 }),
          policy('p-re3', { app: 're-3', appliesTo: { organization: 'shop' }, order: 3 }),
        ]),
        expected: [shadowMessage('p-re2', 'p-re1, application re-1')],
      },
      {
        name: 'an expiring policy shadows nothing but may be shadowed',
        world: shopWorld([
          policy('p-exp', {
            app: 'npp',
            appliesTo: { organization: 'shop' },
            order: 1,
            expiresAt: '2030-01-01T00:00:00Z',
          }),
          policy('p-live', { app: 'npp', appliesTo: { organization: 'shop' }, order: 2 }),
          policy('p-exp-late', {
            app: 'npp',
            appliesTo: { organization: 'shop' },
            order: 3,
            expiresAt: '2030-01-01T00:00:00Z',
          }),
        ]),
        expected: [shadowMessage('p-exp-late', 'p-live, application npp')],
      },
      {
        name: 'a disabled policy neither shadows nor is reported',
        world: shopWorld([
          policy('p-off', { app: 'npp', appliesTo: { organization: 'shop' }, order: 1, enabled: false }),
          policy('p-on', { app: 'npp', appliesTo: { organization: 'shop' }, order: 2 }),
          policy('p-off-late', { app: 'npp', appliesTo: { organization: 'shop' }, order: 3, enabled: false }),
        ]),
        expected: [],
      },
      {
        name: 'shadowed on one computer only',
        world: shopWorld([
          policy('p-pc1', { app: 'npp', appliesTo: { computer: 'pc-1' }, order: 1 }),
          policy('p-org', { app: 'npp', appliesTo: { organization: 'shop' }, order: 2 }),
        ]),
        expected: [],
      },
      {
        name: 'shadowed by different policies on each computer: the first computer names it',
        world: shopWorld([
          policy('p-pc2', { app: 'npp', appliesTo: { computer: 'pc-2' }, order: 1 }),
          policy('p-pc1', { app: 'npp', appliesTo: { computer: 'pc-1' }, order: 1 }),
          policy('p-org', { app: 'npp', appliesTo: { organization: 'shop' }, order: 2 }),
        ]),
        expected: [shadowMessage('p-org', 'p-pc1, application npp')],
      },
      {
        name: 'built-ins first protects a built-in from an earlier custom application',
        world: shopWorld([
          policy('p-custom', { app: 'office-custom', appliesTo: { organization: 'shop' }, order: 1 }),
          policy('p-office', { app: 'office', appliesTo: { organization: 'shop' }, order: 500 }),
        ]),
        expected: [],
      },
      {
        name: 'without built-ins first the custom application shadows it',
        world: shopWorld(
          [
            policy('p-custom', { app: 'office-custom', appliesTo: { organization: 'shop' }, order: 1 }),
            policy('p-office', { app: 'office', appliesTo: { organization: 'shop' }, order: 500 }),
          ],
          {
            agentSettings: [
              {
                id: 's-off',
                type: 'prioritizeBuiltInApplications',
                value: false,
                appliesTo: { organization: 'shop' },
                order: 1,
              },
            ],
          },
        ),
        expected: [shadowMessage('p-office', 'p-custom, application office-custom')],
      },
      {
        name: 'a policy that covers no computer is not reported',
        world: shopWorld([
          policy('p-a', { app: 'npp', appliesTo: { organization: 'shop' }, order: 1 }),
          policy('p-b', { app: 'npp', appliesTo: { globalGroup: { org: 'shop', keyword: 'office' } }, order: 2 }),
        ]),
        expected: [],
      },
    ];
    for (const c of cases) it(c.name, () => expect(lines(c.world, 'shadowed-policy')).toEqual(c.expected));
  });

  describe('no-escalation-address', () => {
    const settingsWorld = (
      modules: string[],
      approvalSettings: World['approvalSettings'],
      orgs?: Organization[],
    ): World =>
      makeWorld({
        organizations: orgs ?? [org('msp', 'flat'), org('shop', 'flat', { parent: 'msp', modules })],
        approvalSettings,
      });
    const message =
      'organizations[shop]: has the cyberHeroApprovals module but no escalation address: approval requests cannot be escalated';
    const cases: { name: string; world: World; expected: string[] }[] = [
      { name: 'module without settings', world: settingsWorld(['cyberHeroApprovals'], []), expected: [message] },
      {
        name: 'module with an empty address list',
        world: settingsWorld(['cyberHeroApprovals'], [{ org: 'shop', escalation: { emails: [] } }]),
        expected: [message],
      },
      {
        name: 'module with its own address',
        world: settingsWorld(['cyberHeroApprovals'], [{ org: 'shop', escalation: { emails: ['a@shop.example'] } }]),
        expected: [],
      },
      {
        name: "module with the parent's address",
        world: settingsWorld(
          ['cyberHeroApprovals'],
          [
            { org: 'shop', escalation: { useParent: true } },
            { org: 'msp', escalation: { emails: ['noc@msp.example'] } },
          ],
        ),
        expected: [],
      },
      {
        name: 'module and useParent to a parent without an address',
        world: settingsWorld(['cyberHeroApprovals'], [{ org: 'shop', escalation: { useParent: true } }]),
        expected: [message],
      },
      { name: 'no module, no address', world: settingsWorld([], []), expected: [] },
    ];
    for (const c of cases) it(c.name, () => expect(lines(c.world, 'no-escalation-address')).toEqual(c.expected));

    it('reports useParent on a root organization instead of throwing', () => {
      const world = shopWorld([policy('p-npp', { app: 'npp', appliesTo: { organization: 'shop' }, order: 1 })]);
      world.approvalSettings = [{ org: 'shop', escalation: { useParent: true } }];
      world.organizations = [org('shop', 'flat', { modules: ['cyberHeroApprovals'] })];
      world.policies.push(policy('p-npp-2', { app: 'npp', appliesTo: { organization: 'shop' }, order: 2 }));
      const warnings = lintWorld(world);
      expect(warnings.map((w) => `${w.code} ${w.id}`)).toEqual([
        'computer-not-analysed pc-1',
        'computer-not-analysed pc-2',
        'no-escalation-address shop',
      ]);
      expect(warnings[2]?.message).toMatch(/no resolvable escalation address \(.*has no parent\)/);
    });
  });

  describe('flat-below-gate', () => {
    const gateWorld = (group: Omit<ComputerGroup, 'id' | 'org' | 'name'>, extra: Partial<World> = {}): World =>
      makeWorld({
        organizations: [org('shop', 'flat')],
        groups: [{ id: 'g-1', org: 'shop', name: 'Tills', ...group }],
        ...extra,
      });
    const cases: { name: string; world: World; expected: string[] }[] = [
      {
        name: 'a windows group below the default gate',
        world: gateWorld({ os: 'windows', agentVersion: '10.4.0' }),
        expected: [
          'organizations[shop]: is flat, but windows group g-1 has agent version 10.4.0, below the flatPolicyStructure gate 10.5.3: its computers keep the hierarchical order',
        ],
      },
      {
        name: 'a windows group at the gate',
        world: gateWorld({ os: 'windows', agentVersion: '10.5.3' }),
        expected: [],
      },
      { name: 'a macos group has no gate', world: gateWorld({ os: 'macos', agentVersion: '1.0' }), expected: [] },
      {
        name: "the world's gates replace the defaults",
        world: gateWorld({ os: 'windows', agentVersion: '10.4.0' }, { gates: [] }),
        expected: [],
      },
      {
        name: 'a custom gate for linux',
        world: gateWorld(
          { os: 'linux', agentVersion: '1.9' },
          { gates: [{ feature: 'flatPolicyStructure', os: 'linux', minVersion: '2' }] },
        ),
        expected: [
          'organizations[shop]: is flat, but linux group g-1 has agent version 1.9, below the flatPolicyStructure gate 2: its computers keep the hierarchical order',
        ],
      },
    ];
    for (const c of cases) it(c.name, () => expect(lines(c.world, 'flat-below-gate')).toEqual(c.expected));
  });

  describe('flat-under-hierarchical', () => {
    const cases: { name: string; orgs: Organization[]; expected: string[] }[] = [
      {
        name: 'a flat child of a hierarchical parent',
        orgs: [org('msp', 'hierarchical'), org('shop', 'flat', { parent: 'msp' })],
        expected: ['organizations[shop]: is flat, but its parent msp is hierarchical: parents must upgrade first'],
      },
      {
        name: 'a flat child of a flat parent',
        orgs: [org('msp', 'flat'), org('shop', 'flat', { parent: 'msp' })],
        expected: [],
      },
      {
        name: 'a hierarchical child of a hierarchical parent',
        orgs: [org('msp', 'hierarchical'), org('shop', 'hierarchical', { parent: 'msp' })],
        expected: [],
      },
    ];
    for (const c of cases) {
      it(c.name, () =>
        expect(lines(makeWorld({ organizations: c.orgs }), 'flat-under-hierarchical')).toEqual(c.expected),
      );
    }
  });

  it('formats a report with one line per warning and the count', () => {
    const world = shopWorld([
      policy('p-1', { app: 'npp', appliesTo: { organization: 'shop' }, order: 5 }),
      policy('p-2', { app: 'chrome', appliesTo: { organization: 'shop' }, order: 5 }),
    ]);
    world.organizations[0]!.structure = 'hierarchical';
    expect(formatLint(lintWorld(world))).toBe(
      [
        'policies[p-1]: order 5 is also used by p-2 in flat organization shop',
        'organizations[shop]: is flat, but its parent msp is hierarchical: parents must upgrade first',
        '2 warnings',
        '',
      ].join('\n'),
    );
  });
});

// Property: lint agrees with a pairwise reference, and a policy it reports never decides.
describe('shadowed-policy property', () => {
  const VALUES: Record<string, string[]> = {
    path: ['C:\\T\\x.exe', 'c:/t/X.EXE', 'C:\\T\\*.exe', 'regex:C:\\\\T\\\\.*', 'regex:c:\\\\t\\\\.*', '/t/x'],
    sha256: ['AB', 'ab', 'cd'],
    certSubject: ['CN=V', 'cn=v'],
  };
  const ruleArb: fc.Arbitrary<AppRule> = fc
    .subarray(Object.keys(VALUES), { minLength: 1 })
    .chain((fields) =>
      fc.tuple(...fields.map((f) => fc.constantFrom(...(VALUES[f] as string[])).map((v) => [f, v] as const))),
    )
    .map((entries) => Object.fromEntries(entries) as AppRule);
  const FILES: FileRequest[] = [];
  for (const path of ['C:\\T\\x.exe', 'c:/t/x.exe', '/t/x', 'C:\\U\\y.exe']) {
    for (const sha256 of [undefined, 'ab', 'cd']) {
      for (const certSubject of [undefined, 'cn=v']) {
        const f: FileRequest = { path };
        if (sha256 !== undefined) f.sha256 = sha256;
        if (certSubject !== undefined) f.certSubject = certSubject;
        FILES.push(f);
      }
    }
  }

  const worldArb = fc
    .record({
      rootFlat: fc.boolean(),
      oses: fc.array(fc.constantFrom<OsName>('windows', 'macos', 'linux'), { minLength: 1, maxLength: 3 }),
      apps: fc.array(fc.record({ builtIn: fc.boolean(), rules: fc.array(ruleArb, { minLength: 1, maxLength: 3 }) }), {
        minLength: 1,
        maxLength: 5,
      }),
      policies: fc.array(
        fc.record({
          app: fc.option(fc.nat(), { nil: undefined, freq: 8 }),
          level: fc.constantFrom('global', 'organization', 'group', 'computer'),
          child: fc.boolean(),
          pick: fc.nat(),
          order: fc.integer({ min: 0, max: 20 }),
          enabled: fc.nat(7).map((n) => n !== 0),
          expires: fc.nat(4).map((n) => n === 0),
        }),
        { maxLength: 16 },
      ),
      builtInsOff: fc.boolean(),
    })
    .map((r) => {
      const groups: ComputerGroup[] = r.oses.map((os, i) => ({
        id: `g${i}`,
        org: i % 2 === 0 ? 'root' : 'child',
        name: `G${i}`,
        os,
        agentVersion: '10.6',
      }));
      const computers = groups.flatMap((g) => [
        { id: `${g.id}-a`, group: g.id },
        { id: `${g.id}-b`, group: g.id },
      ]);
      const applications: Application[] = r.apps.map((a, i) => app(`a${i}`, a.rules, a.builtIn));
      const policies: Policy[] = r.policies.map((p, i) => {
        const orgId = p.child ? 'child' : 'root';
        const own = groups.filter((g) => g.org === orgId);
        const group = own[p.pick % Math.max(own.length, 1)];
        const appliesTo: Policy['appliesTo'] =
          group === undefined || p.level === 'global'
            ? { global: orgId }
            : p.level === 'organization'
              ? { organization: orgId }
              : p.level === 'group'
                ? { group: group.id }
                : { computer: `${group.id}-${p.pick % 3 === 0 ? 'b' : 'a'}` };
        const base = policy(`p${i}`, { appliesTo, order: p.order, enabled: p.enabled });
        if (p.expires) base.expiresAt = '2030-01-01T00:00:00Z';
        return p.app === undefined ? { ...base, default: true } : { ...base, app: `a${p.app % applications.length}` };
      });
      return makeWorld({
        organizations: [
          org('root', r.rootFlat ? 'flat' : 'hierarchical'),
          org('child', r.rootFlat ? 'flat' : 'hierarchical', { parent: 'root' }),
        ],
        groups,
        computers,
        applications,
        policies,
        agentSettings: r.builtInsOff
          ? [{ id: 's', type: 'prioritizeBuiltInApplications', value: false, appliesTo: { global: 'root' }, order: 1 }]
          : [],
      });
    });

  function same(field: string, a: string, b: string, os: OsName): boolean {
    if (field === 'sha256' || field === 'certThumbprint' || field === 'certSubject')
      return a.toLowerCase() === b.toLowerCase();
    if (a.startsWith('regex:') || b.startsWith('regex:')) return a === b;
    return foldPath(a, os) === foldPath(b, os);
  }
  const implies = (r1: AppRule, r2: AppRule, os: OsName): boolean =>
    RULE_FIELDS.every((f) => r1[f] === undefined || (r2[f] !== undefined && same(f, r1[f], r2[f], os)));

  /** The pairwise reference: the message lint should give for each shadowed policy. */
  function reference(world: World): string[] {
    const apps = new Map(world.applications.map((a) => [a.id, a]));
    const coversApp = (b: string, a: string, os: OsName): boolean =>
      b === a || (apps.get(a)?.rules ?? []).every((r2) => (apps.get(b)?.rules ?? []).some((r1) => implies(r1, r2, os)));
    const verdict = new Map<string, string | null>();
    for (const c of world.computers) {
      const view = buildView(world, c.id);
      const mode = effectiveMode(view);
      const sorted = [...view.policies].sort(processingComparator(mode.structure, mode.builtInsFirst));
      sorted.forEach((p, i) => {
        const by = sorted
          .slice(0, i)
          .find(
            (q: ViewPolicy) =>
              q.expiresAtMs === null &&
              (q.isDefault || (!p.isDefault && coversApp(q.app as string, p.app as string, view.computer.os))),
          );
        if (by === undefined) verdict.set(p.id, null);
        else if (!verdict.has(p.id)) {
          const who = by.isDefault ? `the default policy ${by.id}` : `${by.id}, application ${by.app}`;
          verdict.set(p.id, shadowMessage(p.id, who, c.id));
        }
      });
    }
    return world.policies.flatMap((p) => verdict.get(p.id) ?? []);
  }

  it('agrees with the pairwise reference, and a reported policy never decides', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const reported = lines(world, 'shadowed-policy');
        expect(reported).toEqual(reference(world));
        const shadowed = new Set(
          lintWorld(world)
            .filter((w) => w.code === 'shadowed-policy')
            .map((w) => w.id),
        );
        for (const c of world.computers) {
          const evaluator = new LinearEvaluator(buildView(world, c.id));
          for (const file of FILES) {
            const decided = evaluator.evaluate(file, { nowMs: Date.parse('2026-01-01T00:00:00Z') }).policy;
            expect(decided === null || !shadowed.has(decided)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
