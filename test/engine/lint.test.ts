import { describe, expect, it } from 'vitest';
import { type LintCode, formatLint, formatLintWarning, lintWorld } from '../../src/engine/lint.js';
import type { AppRule, Application, ComputerGroup, Organization, Policy, World } from '../../src/engine/model.js';

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
  app('tool-narrow', [{ path: 'c:/tools/X.EXE', sha256: 'AB' }, { certSubject: 'CN=V', path: 'C:\\TOOLS\\x.exe' }]),
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
  `policies[${id}]: can never decide: ${by} comes earlier and matches everything it matches on every computer it covers (first: ${computer})`;

describe('lintWorld', () => {
  it('has no warnings for a clean world', () => {
    const world = shopWorld([
      policy('p-chrome', { app: 'chrome', appliesTo: { global: 'msp' }, order: 101 }),
      policy('p-npp', { app: 'npp', appliesTo: { organization: 'shop' }, order: 100_001 }),
      policy('p-tool', { app: 'tool-wide', appliesTo: { computer: 'pc-1' }, order: 100_002 }),
      policy('p-nowhere', { app: 'npp', appliesTo: { globalGroup: { org: 'shop', keyword: 'office' } }, order: 100_003 }),
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
        expected: [shadowMessage('p-b', 'p-a (application npp)', 'pc-2')],
      },
      {
        name: 'every rule implied, with windows path folding',
        world: shopWorld([
          policy('p-wide', { app: 'tool-wide', appliesTo: { organization: 'shop' }, order: 1 }),
          policy('p-narrow', { app: 'tool-narrow', appliesTo: { organization: 'shop' }, order: 2 }),
        ]),
        expected: [shadowMessage('p-narrow', 'p-wide (application tool-wide)')],
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
        expected: [shadowMessage('p-lower', 'p-upper (application hash-upper)')],
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
        expected: [shadowMessage('p-re2', 'p-re1 (application re-1)')],
      },
      {
        name: 'an expiring policy shadows nothing but may be shadowed',
        world: shopWorld([
          policy('p-exp', { app: 'npp', appliesTo: { organization: 'shop' }, order: 1, expiresAt: '2030-01-01T00:00:00Z' }),
          policy('p-live', { app: 'npp', appliesTo: { organization: 'shop' }, order: 2 }),
          policy('p-exp-late', { app: 'npp', appliesTo: { organization: 'shop' }, order: 3, expiresAt: '2030-01-01T00:00:00Z' }),
        ]),
        expected: [shadowMessage('p-exp-late', 'p-live (application npp)')],
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
        expected: [shadowMessage('p-org', 'p-pc1 (application npp)')],
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
              { id: 's-off', type: 'prioritizeBuiltInApplications', value: false, appliesTo: { organization: 'shop' }, order: 1 },
            ],
          },
        ),
        expected: [shadowMessage('p-office', 'p-custom (application office-custom)')],
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
    const settingsWorld = (modules: string[], approvalSettings: World['approvalSettings'], orgs?: Organization[]): World =>
      makeWorld({ organizations: orgs ?? [org('msp', 'flat'), org('shop', 'flat', { parent: 'msp', modules })], approvalSettings });
    const message = 'organizations[shop]: has the cyberHeroApprovals module but no escalation address: approval requests cannot be escalated';
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
        world: settingsWorld(['cyberHeroApprovals'], [
          { org: 'shop', escalation: { useParent: true } },
          { org: 'msp', escalation: { emails: ['noc@msp.example'] } },
        ]),
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
      { name: 'a windows group at the gate', world: gateWorld({ os: 'windows', agentVersion: '10.5.3' }), expected: [] },
      { name: 'a macos group has no gate', world: gateWorld({ os: 'macos', agentVersion: '1.0' }), expected: [] },
      {
        name: "the world's gates replace the defaults",
        world: gateWorld({ os: 'windows', agentVersion: '10.4.0' }, { gates: [] }),
        expected: [],
      },
      {
        name: 'a custom gate for linux',
        world: gateWorld({ os: 'linux', agentVersion: '1.9' }, { gates: [{ feature: 'flatPolicyStructure', os: 'linux', minVersion: '2' }] }),
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
      { name: 'a flat child of a flat parent', orgs: [org('msp', 'flat'), org('shop', 'flat', { parent: 'msp' })], expected: [] },
      {
        name: 'a hierarchical child of a hierarchical parent',
        orgs: [org('msp', 'hierarchical'), org('shop', 'hierarchical', { parent: 'msp' })],
        expected: [],
      },
    ];
    for (const c of cases) {
      it(c.name, () => expect(lines(makeWorld({ organizations: c.orgs }), 'flat-under-hierarchical')).toEqual(c.expected));
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
