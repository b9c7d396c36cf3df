/**
 * SPEC.md section 2: candidates, first match, effective structure, the
 * built-in tier, both sort keys, negative orders and every decision field.
 * Every decision is taken by both evaluators, which must agree.
 */
import { describe, expect, it } from 'vitest';
import {
  CompiledView,
  LinearEvaluator,
  NO_MATCH_REASON,
  effectiveMode,
  makeDecision,
} from '../../src/engine/evaluate.js';
import type {
  AgentSetting,
  AppliesTo,
  Decision,
  FileRequest,
  Gate,
  OsName,
  Policy,
  SettingValue,
  Structure,
  World,
} from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import { makeWorld } from '../support/arbitraries.js';

/** Asymmetric matchers typed as the field they stand for. */
function anyString(): string {
  const matcher: unknown = expect.any(String);
  return matcher as string;
}
function matching(re: RegExp): string {
  const matcher: unknown = expect.stringMatching(re);
  return matcher as string;
}

const T0 = Date.parse('2026-11-22T12:00:00Z');
const HOUR = 3_600_000;
const TOOL: FileRequest = { path: 'C:\\Tools\\tool.exe' };
const CHROME: FileRequest = {
  path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  certSubject: 'CN=Google LLC',
};
const FLAT_AND_PRIORITIZE = ['flatPolicyStructure', 'prioritizeBuiltInApplicationsSetting'];

interface WorldOptions {
  msp?: Structure;
  cust?: Structure;
  sub?: Structure;
  policies?: Policy[];
  agentSettings?: AgentSetting[];
  gates?: Gate[];
}

/**
 * msp (root) > cust > sub, and an unrelated root "other". cust holds windows
 * groups above and below the gate, a mac and a linux group.
 */
function world(o: WorldOptions = {}): World {
  const w = makeWorld({
    organizations: [
      { id: 'msp', name: 'MSP', structure: o.msp ?? 'hierarchical', modules: [] },
      { id: 'cust', name: 'Customer', parent: 'msp', structure: o.cust ?? 'hierarchical', modules: [] },
      { id: 'sub', name: 'Branch', parent: 'cust', structure: o.sub ?? 'hierarchical', modules: [] },
      { id: 'other', name: 'Other', structure: 'hierarchical', modules: [] },
    ],
    groups: [
      { id: 'g-msp', org: 'msp', name: 'MSP Desk', os: 'windows', agentVersion: '10.6.0' },
      { id: 'g-tills', org: 'cust', name: 'Tills', os: 'windows', agentVersion: '10.6.0' },
      { id: 'g-office', org: 'cust', name: 'Office', os: 'windows', agentVersion: '10.6.0' },
      { id: 'g-old', org: 'cust', name: 'Tills (old)', os: 'windows', agentVersion: '10.4.0' },
      { id: 'g-mac', org: 'cust', name: 'Macs', os: 'macos', agentVersion: '10.4.0' },
      { id: 'g-linux', org: 'cust', name: 'Linux', os: 'linux', agentVersion: '10.4.0' },
      { id: 'g-sub', org: 'sub', name: 'TILLS backroom', os: 'windows', agentVersion: '10.6.0' },
      { id: 'g-other', org: 'other', name: 'Tills', os: 'windows', agentVersion: '10.6.0' },
    ],
    computers: [
      { id: 'pc-msp', group: 'g-msp' },
      { id: 'pc-till', group: 'g-tills', name: 'Till 1' },
      { id: 'pc-till-2', group: 'g-tills' },
      { id: 'pc-office', group: 'g-office' },
      { id: 'pc-old', group: 'g-old' },
      { id: 'pc-old-upgraded', group: 'g-old', agentVersion: '10.6.0' },
      { id: 'pc-till-downgraded', group: 'g-tills', agentVersion: '10.5.2' },
      { id: 'pc-mac', group: 'g-mac' },
      { id: 'pc-linux', group: 'g-linux' },
      { id: 'pc-sub', group: 'g-sub' },
      { id: 'pc-other', group: 'g-other' },
    ],
    applications: [
      {
        id: 'chrome',
        name: 'Google Chrome',
        builtIn: true,
        rules: [{ path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', certSubject: 'CN=Google LLC' }],
      },
      {
        id: 'chrome-custom',
        name: 'Chrome (custom)',
        builtIn: false,
        rules: [{ path: 'C:\\Program Files\\Google\\**' }],
      },
      { id: 'tool', name: 'Tool', builtIn: false, org: 'msp', rules: [{ path: 'C:\\Tools\\tool.exe' }] },
      { id: 'tool-builtin', name: 'Tool (vendor)', builtIn: true, rules: [{ path: 'C:\\Tools\\*.exe' }] },
      { id: 'nothing', name: 'Never matches', builtIn: false, rules: [{ sha256: 'f'.repeat(64) }] },
    ],
    policies: o.policies ?? [],
    agentSettings: o.agentSettings ?? [],
  });
  if (o.gates !== undefined) w.gates = o.gates;
  return w;
}

function policy(id: string, appliesTo: AppliesTo, order: number, extra: Partial<Policy> = {}): Policy {
  return { id, app: 'tool', appliesTo, action: 'permit', order, enabled: true, ...extra };
}

function defaultPolicy(id: string, appliesTo: AppliesTo, order: number, extra: Partial<Policy> = {}): Policy {
  return { id, default: true, appliesTo, action: 'denyWithRequest', order, enabled: true, ...extra };
}

function prioritize(id: string, value: boolean, appliesTo: AppliesTo, order = 1): AgentSetting {
  return { id, type: 'prioritizeBuiltInApplications', value, appliesTo, order };
}

interface DecideOptions {
  nowMs?: number;
  settings?: Record<string, SettingValue>;
  snapshotVersion?: number | null;
}

/** Decides with both evaluators; they must agree. */
function decide(w: World, computer: string, file: FileRequest, o: DecideOptions = {}): Decision {
  const view = buildView(w, computer);
  const options: { nowMs: number; settings?: Record<string, SettingValue> } = { nowMs: o.nowMs ?? T0 };
  if (o.settings !== undefined) options.settings = o.settings;
  const version = o.snapshotVersion === undefined ? 7 : o.snapshotVersion;
  const compiled = new CompiledView(view, version).evaluate(file, options);
  const linear = new LinearEvaluator(view, version).evaluate(file, options);
  expect(compiled).toEqual(linear);
  return compiled;
}

describe('2.1 candidates: what each Applies To covers', () => {
  it.each<[string, AppliesTo, string, boolean]>([
    ['global covers its own organization', { global: 'msp' }, 'pc-msp', true],
    ['global covers a child organization', { global: 'msp' }, 'pc-till', true],
    ['global covers a grandchild organization', { global: 'msp' }, 'pc-sub', true],
    ['global does not cover another tree', { global: 'msp' }, 'pc-other', false],
    ['global does not cover the parent', { global: 'cust' }, 'pc-msp', false],
    ['global of a middle organization covers its child', { global: 'cust' }, 'pc-sub', true],
    ['global of a leaf does not cover its ancestors', { global: 'sub' }, 'pc-till', false],
    ['globalGroup: name starts with the keyword', { globalGroup: { org: 'msp', keyword: 'Till' } }, 'pc-till', true],
    ['globalGroup: keyword in another case', { globalGroup: { org: 'cust', keyword: 'tILLS' } }, 'pc-till', true],
    ['globalGroup: longer group name, same prefix', { globalGroup: { org: 'cust', keyword: 'till' } }, 'pc-old', true],
    [
      'globalGroup: descendant organization, name in upper case',
      { globalGroup: { org: 'msp', keyword: 'tills' } },
      'pc-sub',
      true,
    ],
    [
      'globalGroup: keyword longer than the name',
      { globalGroup: { org: 'cust', keyword: 'Tills backroom' } },
      'pc-till',
      false,
    ],
    [
      'globalGroup: keyword matching a whole longer name',
      { globalGroup: { org: 'cust', keyword: 'tills BACKROOM' } },
      'pc-sub',
      true,
    ],
    ['globalGroup: a substring is not a prefix', { globalGroup: { org: 'cust', keyword: 'ills' } }, 'pc-till', false],
    ['globalGroup: other group names', { globalGroup: { org: 'msp', keyword: 'till' } }, 'pc-office', false],
    ['globalGroup: the same name in another tree', { globalGroup: { org: 'msp', keyword: 'till' } }, 'pc-other', false],
    [
      'globalGroup: not the ancestors of its organization',
      { globalGroup: { org: 'sub', keyword: 'till' } },
      'pc-till',
      false,
    ],
    ['globalGroup: its own organization', { globalGroup: { org: 'msp', keyword: 'MSP' } }, 'pc-msp', true],
    ['organization covers its own computers', { organization: 'cust' }, 'pc-till', true],
    ['organization does not cover a child organization', { organization: 'cust' }, 'pc-sub', false],
    ['organization does not cover the parent', { organization: 'cust' }, 'pc-msp', false],
    ['group covers its computers', { group: 'g-tills' }, 'pc-till-2', true],
    ['group does not cover another group', { group: 'g-tills' }, 'pc-office', false],
    ['computer covers itself', { computer: 'pc-till' }, 'pc-till', true],
    ['computer does not cover its group mates', { computer: 'pc-till' }, 'pc-till-2', false],
  ])('%s', (_name, appliesTo, computer, covered) => {
    const d = decide(world({ policies: [policy('p', appliesTo, 1)] }), computer, TOOL);
    expect(d.policy).toBe(covered ? 'p' : null);
    expect(d.action).toBe(covered ? 'permit' : 'deny');
  });

  it.each<[string, Partial<Policy>, number, boolean]>([
    ['enabled by default', {}, T0, true],
    ['disabled', { enabled: false }, T0, false],
    ['expires later', { expiresAt: '2026-11-22T13:00:00Z' }, T0, true],
    ['expires one millisecond after the evaluation time', { expiresAt: '2026-11-22T12:00:00.001Z' }, T0, true],
    ['expires exactly at the evaluation time', { expiresAt: '2026-11-22T12:00:00Z' }, T0, false],
    ['expired before', { expiresAt: '2026-11-22T11:00:00Z' }, T0, false],
    ['expiry with a time-zone offset, still live', { expiresAt: '2026-11-22T14:00:00+01:00' }, T0, true],
    ['expiry with a time-zone offset, past', { expiresAt: '2026-11-22T12:30:00+01:00' }, T0, false],
    ['expired a year ago', { expiresAt: '2025-11-22T12:00:00Z' }, T0, false],
    ['evaluation time before the expiry', { expiresAt: '2026-11-22T12:00:00Z' }, T0 - HOUR, true],
  ])('a policy %s', (_name, extra, nowMs, candidate) => {
    const d = decide(world({ policies: [policy('p', { organization: 'cust' }, 1, extra)] }), 'pc-till', TOOL, {
      nowMs,
    });
    expect(d.policy).toBe(candidate ? 'p' : null);
  });

  it('a disabled or expired policy lets the next candidate decide', () => {
    const w = world({
      policies: [
        policy('p-disabled', { organization: 'cust' }, 1, { enabled: false, action: 'deny' }),
        policy('p-expired', { organization: 'cust' }, 2, { expiresAt: '2026-11-22T11:59:59Z', action: 'deny' }),
        policy('p-live', { organization: 'cust' }, 3, { action: 'ringfence', ringfence: { network: false } }),
      ],
    });
    expect(decide(w, 'pc-till', TOOL)).toMatchObject({ policy: 'p-live', action: 'ringfence' });
    expect(decide(w, 'pc-till', TOOL, { nowMs: T0 - HOUR })).toMatchObject({ policy: 'p-expired', action: 'deny' });
  });
});

describe('2.2 the first matching candidate decides', () => {
  it.each<[string, Policy[], FileRequest, string | null]>([
    [
      'an earlier candidate whose application does not match is skipped',
      [
        policy('p-1', { organization: 'cust' }, 1, { app: 'nothing', action: 'deny' }),
        policy('p-2', { organization: 'cust' }, 2),
      ],
      TOOL,
      'p-2',
    ],
    [
      'of two matching candidates the first decides',
      [policy('p-1', { organization: 'cust' }, 1, { action: 'deny' }), policy('p-2', { organization: 'cust' }, 2)],
      TOOL,
      'p-1',
    ],
    [
      'the default policy matches a file no application knows',
      [defaultPolicy('d', { organization: 'cust' }, 1000000)],
      { path: 'C:\\Games\\solitaire.exe' },
      'd',
    ],
    [
      'the default policy matches a file with every field',
      [defaultPolicy('d', { group: 'g-tills' }, 5)],
      { ...CHROME, sha256: 'a'.repeat(64), processPath: 'x', createdBy: 'y' },
      'd',
    ],
    [
      'an application policy before the default decides',
      [policy('p', { organization: 'cust' }, 5), defaultPolicy('d', { organization: 'cust' }, 1000000)],
      TOOL,
      'p',
    ],
    [
      'the default policy after a non-matching application policy decides',
      [policy('p', { organization: 'cust' }, 5), defaultPolicy('d', { organization: 'cust' }, 1000000)],
      { path: 'C:\\Games\\solitaire.exe' },
      'd',
    ],
    [
      'the default policy processed first shadows everything after it (hierarchical: organization before group)',
      [policy('p', { group: 'g-tills' }, 1), defaultPolicy('d', { organization: 'cust' }, 1000000)],
      TOOL,
      'd',
    ],
    [
      'an expired default policy leaves the implicit deny',
      [defaultPolicy('d', { organization: 'cust' }, 1000000, { expiresAt: '2026-01-01T00:00:00Z' })],
      TOOL,
      null,
    ],
    [
      'a disabled default policy leaves the implicit deny',
      [defaultPolicy('d', { organization: 'cust' }, 1, { enabled: false })],
      TOOL,
      null,
    ],
    ['no policy matches', [policy('p', { organization: 'cust' }, 1, { app: 'nothing' })], TOOL, null],
    ['no policy at all', [], TOOL, null],
    ['policies exist but cover other computers', [policy('p', { organization: 'other' }, 1)], TOOL, null],
  ])('%s', (_name, policies, file, expected) => {
    const d = decide(world({ policies }), 'pc-till', file);
    expect(d.policy).toBe(expected);
    if (expected === null) {
      expect(d).toMatchObject({ action: 'deny', policy: null, policyName: null, order: null, application: null });
      expect(d.reason).toBe(NO_MATCH_REASON);
    }
  });

  it('a policy that is not the default and names no application matches nothing; the compiled view refuses it', () => {
    // Only reachable with a hand-made view: a valid world gives every other policy an application.
    const view = buildView(world({ policies: [policy('p', { organization: 'cust' }, 1)] }), 'pc-till');
    view.policies = view.policies.map((p) => ({ ...p, app: null }));
    expect(new LinearEvaluator(view).evaluate(TOOL, { nowMs: T0 }).policy).toBeNull();
    expect(() => new CompiledView(view)).toThrow(
      expect.objectContaining({
        code: 'bad-message',
        message: 'view.policies[p]: app is missing (only the default policy has none)',
      }),
    );
  });
});

describe('2.3 effective structure and the flatPolicyStructure gate', () => {
  it.each<[string, Structure, OsName, string, string | undefined, Gate[] | undefined, Structure, string[]]>([
    ['flat, windows at the gate', 'flat', 'windows', '10.5.3', undefined, undefined, 'flat', []],
    ['flat, windows above the gate (10.5.10 > 10.5.3)', 'flat', 'windows', '10.5.10', undefined, undefined, 'flat', []],
    ['flat, windows 10.6', 'flat', 'windows', '10.6', undefined, undefined, 'flat', []],
    [
      'flat, windows below the gate',
      'flat',
      'windows',
      '10.5.2',
      undefined,
      undefined,
      'hierarchical',
      FLAT_AND_PRIORITIZE,
    ],
    [
      'flat, windows 10.5 (missing part is 0)',
      'flat',
      'windows',
      '10.5',
      undefined,
      undefined,
      'hierarchical',
      FLAT_AND_PRIORITIZE,
    ],
    ['flat, windows 10.4.0', 'flat', 'windows', '10.4.0', undefined, undefined, 'hierarchical', FLAT_AND_PRIORITIZE],
    ['flat, group old but the computer upgraded', 'flat', 'windows', '10.4.0', '10.6.0', undefined, 'flat', []],
    [
      'flat, group new but the computer behind',
      'flat',
      'windows',
      '10.6.0',
      '10.5.2',
      undefined,
      'hierarchical',
      FLAT_AND_PRIORITIZE,
    ],
    ['flat, macos has no gate', 'flat', 'macos', '10.4.0', undefined, undefined, 'flat', []],
    ['flat, linux has no gate', 'flat', 'linux', '1.0', undefined, undefined, 'flat', []],
    [
      'hierarchical stays hierarchical above the gate',
      'hierarchical',
      'windows',
      '10.6.0',
      undefined,
      undefined,
      'hierarchical',
      [],
    ],
    [
      'hierarchical below the gate still reports the gates',
      'hierarchical',
      'windows',
      '10.4.0',
      undefined,
      undefined,
      'hierarchical',
      FLAT_AND_PRIORITIZE,
    ],
    ['an empty gate table gates nothing', 'flat', 'windows', '10.4.0', undefined, [], 'flat', []],
    [
      'a custom table replaces the default: windows 10.4 passes',
      'flat',
      'windows',
      '10.4.0',
      undefined,
      [{ feature: 'flatPolicyStructure', os: 'macos', minVersion: '10.5.0' }],
      'flat',
      [],
    ],
    [
      'a custom table replaces the default: macos gated',
      'flat',
      'macos',
      '10.4.0',
      undefined,
      [{ feature: 'flatPolicyStructure', os: 'macos', minVersion: '10.5.0' }],
      'hierarchical',
      ['flatPolicyStructure'],
    ],
    [
      'a custom table gating only the setting leaves flat alone',
      'flat',
      'windows',
      '10.4.0',
      undefined,
      [{ feature: 'prioritizeBuiltInApplicationsSetting', os: 'windows', minVersion: '10.5.3' }],
      'flat',
      ['prioritizeBuiltInApplicationsSetting'],
    ],
    [
      'a custom table with a higher minimum',
      'flat',
      'windows',
      '10.6.0',
      undefined,
      [{ feature: 'flatPolicyStructure', os: 'windows', minVersion: '10.6.1' }],
      'hierarchical',
      ['flatPolicyStructure'],
    ],
  ])('%s', (_name, structure, os, groupVersion, computerVersion, gates, expected, gated) => {
    const w = makeWorld({
      organizations: [{ id: 'o', name: 'O', structure, modules: [] }],
      groups: [{ id: 'g', org: 'o', name: 'G', os, agentVersion: groupVersion }],
      computers: [
        computerVersion === undefined
          ? { id: 'c', group: 'g' }
          : { id: 'c', group: 'g', agentVersion: computerVersion },
      ],
      applications: [{ id: 'a', name: 'A', builtIn: false, rules: [{ path: '/x' }] }],
      policies: [{ id: 'p', app: 'a', appliesTo: { organization: 'o' }, action: 'permit', order: 1, enabled: true }],
    });
    if (gates !== undefined) w.gates = gates;
    const d = decide(w, 'c', { path: '/x' });
    expect(d.structure).toBe(expected);
    expect(d.gated).toEqual(gated);
    expect(effectiveMode(buildView(w, 'c'))).toEqual({ structure: expected, builtInsFirst: true, gated });
  });

  it.each<[string, Structure, Structure, Structure, string, Structure]>([
    ['a flat child of a hierarchical parent is flat', 'hierarchical', 'hierarchical', 'flat', 'pc-sub', 'flat'],
    ['a hierarchical child of flat parents is hierarchical', 'flat', 'flat', 'hierarchical', 'pc-sub', 'hierarchical'],
    [
      'the parent being flat does not make the child flat',
      'flat',
      'hierarchical',
      'hierarchical',
      'pc-till',
      'hierarchical',
    ],
  ])("the computer's own organization decides: %s", (_name, msp, cust, sub, computer, expected) => {
    const d = decide(world({ msp, cust, sub, policies: [policy('p', { global: 'msp' }, 1)] }), computer, TOOL);
    expect(d.structure).toBe(expected);
  });
});

describe('2.4 the built-in tier', () => {
  // The custom policy comes first in strict order in both structures: order 1
  // vs 101 in flat, global (rank 0) vs organization (rank 2) in hierarchical.
  const tierPolicies: Policy[] = [
    policy('p-builtin', { organization: 'cust' }, 101, { app: 'chrome', action: 'permit' }),
    policy('p-custom', { global: 'msp' }, 1, { app: 'chrome-custom', action: 'deny' }),
  ];

  it.each<
    [
      string,
      Structure,
      string,
      AgentSetting[],
      Record<string, SettingValue> | undefined,
      Gate[] | undefined,
      string,
      boolean,
      Structure,
      string[],
    ]
  >([
    [
      'flat, default setting: built-ins first',
      'flat',
      'pc-till',
      [],
      undefined,
      undefined,
      'p-builtin',
      true,
      'flat',
      [],
    ],
    [
      'flat, setting true',
      'flat',
      'pc-till',
      [prioritize('s', true, { global: 'msp' })],
      undefined,
      undefined,
      'p-builtin',
      true,
      'flat',
      [],
    ],
    [
      'flat, setting false: strict order',
      'flat',
      'pc-till',
      [prioritize('s', false, { global: 'msp' })],
      undefined,
      undefined,
      'p-custom',
      false,
      'flat',
      [],
    ],
    [
      'flat, override false',
      'flat',
      'pc-till',
      [],
      { prioritizeBuiltInApplications: false },
      undefined,
      'p-custom',
      false,
      'flat',
      [],
    ],
    [
      'flat, setting false, override true',
      'flat',
      'pc-till',
      [prioritize('s', false, { computer: 'pc-till' })],
      { prioritizeBuiltInApplications: true },
      undefined,
      'p-builtin',
      true,
      'flat',
      [],
    ],
    [
      'hierarchical, default setting',
      'hierarchical',
      'pc-till',
      [],
      undefined,
      undefined,
      'p-builtin',
      true,
      'hierarchical',
      [],
    ],
    [
      'hierarchical, setting false is honoured (flat not required)',
      'hierarchical',
      'pc-till',
      [prioritize('s', false, { organization: 'cust' })],
      undefined,
      undefined,
      'p-custom',
      false,
      'hierarchical',
      [],
    ],
    [
      'hierarchical, override false',
      'hierarchical',
      'pc-till',
      [],
      { prioritizeBuiltInApplications: false },
      undefined,
      'p-custom',
      false,
      'hierarchical',
      [],
    ],
    [
      'below the gate, setting false is forced back on',
      'flat',
      'pc-old',
      [prioritize('s', false, { global: 'msp' })],
      undefined,
      undefined,
      'p-builtin',
      true,
      'hierarchical',
      FLAT_AND_PRIORITIZE,
    ],
    [
      'below the gate, override false is forced back on',
      'flat',
      'pc-old',
      [],
      { prioritizeBuiltInApplications: false },
      undefined,
      'p-builtin',
      true,
      'hierarchical',
      FLAT_AND_PRIORITIZE,
    ],
    [
      'hierarchical below the gate, forced on',
      'hierarchical',
      'pc-till-downgraded',
      [],
      { prioritizeBuiltInApplications: false },
      undefined,
      'p-builtin',
      true,
      'hierarchical',
      FLAT_AND_PRIORITIZE,
    ],
    [
      'a computer upgraded past its group honours false',
      'flat',
      'pc-old-upgraded',
      [],
      { prioritizeBuiltInApplications: false },
      undefined,
      'p-custom',
      false,
      'flat',
      [],
    ],
    [
      'macos has no gate: false honoured',
      'flat',
      'pc-mac',
      [],
      { prioritizeBuiltInApplications: false },
      undefined,
      'p-custom',
      false,
      'flat',
      [],
    ],
    [
      'linux has no gate: false honoured',
      'hierarchical',
      'pc-linux',
      [prioritize('s', false, { group: 'g-linux' })],
      undefined,
      undefined,
      'p-custom',
      false,
      'hierarchical',
      [],
    ],
    [
      'a custom gate for macos forces it on there',
      'flat',
      'pc-mac',
      [],
      { prioritizeBuiltInApplications: false },
      [{ feature: 'prioritizeBuiltInApplicationsSetting', os: 'macos', minVersion: '10.5.0' }],
      'p-builtin',
      true,
      'flat',
      ['prioritizeBuiltInApplicationsSetting'],
    ],
    [
      'a custom table without the setting gate lets an old windows agent turn it off',
      'flat',
      'pc-old',
      [],
      { prioritizeBuiltInApplications: false },
      [{ feature: 'flatPolicyStructure', os: 'windows', minVersion: '10.5.3' }],
      'p-custom',
      false,
      'hierarchical',
      ['flatPolicyStructure'],
    ],
  ])('%s', (_name, cust, computer, agentSettings, settings, gates, winner, builtInsFirst, structure, gated) => {
    const o: WorldOptions = { msp: cust, cust, policies: tierPolicies, agentSettings };
    if (gates !== undefined) o.gates = gates;
    const d = decide(world(o), computer, CHROME, settings === undefined ? {} : { settings });
    expect(d).toMatchObject({ policy: winner, builtInsFirst, structure, gated });
  });

  it.each<[string, Structure, Policy[], boolean, string]>([
    [
      'flat: a built-in policy numbered after the default comes first when prioritized',
      'flat',
      [
        defaultPolicy('d', { organization: 'cust' }, 1000000),
        policy('b', { organization: 'cust' }, 1000001, { app: 'tool-builtin' }),
      ],
      true,
      'b',
    ],
    [
      'flat: the default is in the other tier, strict order puts it first',
      'flat',
      [
        defaultPolicy('d', { organization: 'cust' }, 1000000),
        policy('b', { organization: 'cust' }, 1000001, { app: 'tool-builtin' }),
      ],
      false,
      'd',
    ],
    [
      'hierarchical: a group-level built-in beats a global custom policy',
      'hierarchical',
      [policy('c', { global: 'msp' }, 1), policy('b', { group: 'g-tills' }, 9, { app: 'tool-builtin' })],
      true,
      'b',
    ],
    [
      'hierarchical: a negative custom order does not beat the tier',
      'hierarchical',
      [policy('c', { organization: 'cust' }, -100), policy('b', { organization: 'cust' }, 5, { app: 'tool-builtin' })],
      true,
      'b',
    ],
    [
      'hierarchical: a global default policy comes after every built-in',
      'hierarchical',
      [defaultPolicy('d', { global: 'msp' }, 1), policy('b', { computer: 'pc-till' }, 9, { app: 'tool-builtin' })],
      true,
      'b',
    ],
    [
      'within the built-in tier the structure key applies (flat: order)',
      'flat',
      [
        policy('b1', { global: 'msp' }, 20, { app: 'tool-builtin' }),
        policy('b2', { computer: 'pc-till' }, 10, { app: 'tool-builtin' }),
      ],
      true,
      'b2',
    ],
    [
      'within the built-in tier the structure key applies (hierarchical: level)',
      'hierarchical',
      [
        policy('b1', { global: 'msp' }, 20, { app: 'tool-builtin' }),
        policy('b2', { computer: 'pc-till' }, 10, { app: 'tool-builtin' }),
      ],
      true,
      'b1',
    ],
    [
      'a built-in policy whose application does not match does not shadow',
      'flat',
      [policy('b', { organization: 'cust' }, 1, { app: 'chrome' }), policy('c', { organization: 'cust' }, 2)],
      true,
      'c',
    ],
    [
      'a custom policy comes after a built-in policy of the same order',
      'flat',
      [
        policy('a-custom', { global: 'msp' }, 5),
        policy('z-builtin', { computer: 'pc-till' }, 5, { app: 'tool-builtin' }),
      ],
      true,
      'z-builtin',
    ],
  ])('%s', (_name, structure, policies, builtInsFirst, winner) => {
    const w = world({ msp: structure, cust: structure, policies });
    expect(decide(w, 'pc-till', TOOL, { settings: { prioritizeBuiltInApplications: builtInsFirst } }).policy).toBe(
      winner,
    );
  });
});

describe('2.5 sort keys and every tie-break', () => {
  it.each<[string, Structure, Policy, Policy, string]>([
    // flat: order, level rank, organization depth, id
    [
      'flat: order beats level (group 5 before global 10)',
      'flat',
      policy('a', { group: 'g-sub' }, 5),
      policy('b', { global: 'msp' }, 10),
      'a',
    ],
    ['flat: order beats depth', 'flat', policy('a', { global: 'sub' }, 1), policy('b', { global: 'msp' }, 2), 'a'],
    [
      'flat: a computer policy can come before a global one',
      'flat',
      policy('z', { computer: 'pc-sub' }, 1),
      policy('a', { global: 'msp' }, 2),
      'z',
    ],
    [
      'flat: equal order, global before globalGroup',
      'flat',
      policy('z', { global: 'sub' }, 5),
      policy('a', { globalGroup: { org: 'sub', keyword: 't' } }, 5),
      'z',
    ],
    [
      'flat: equal order, globalGroup before organization',
      'flat',
      policy('z', { globalGroup: { org: 'sub', keyword: 't' } }, 5),
      policy('a', { organization: 'sub' }, 5),
      'z',
    ],
    [
      'flat: equal order, organization before computer',
      'flat',
      policy('z', { organization: 'sub' }, 5),
      policy('a', { computer: 'pc-sub' }, 5),
      'z',
    ],
    [
      'flat: equal order, computer before group',
      'flat',
      policy('z', { computer: 'pc-sub' }, 5),
      policy('a', { group: 'g-sub' }, 5),
      'z',
    ],
    [
      'flat: equal order and level, ancestor before descendant',
      'flat',
      policy('z', { global: 'msp' }, 5),
      policy('a', { global: 'sub' }, 5),
      'z',
    ],
    [
      'flat: equal order and level, depth 1 before depth 2',
      'flat',
      policy('z', { global: 'cust' }, 5),
      policy('a', { global: 'sub' }, 5),
      'z',
    ],
    [
      'flat: everything equal, smaller id first',
      'flat',
      policy('p-b', { global: 'cust' }, 5),
      policy('p-a', { global: 'cust' }, 5),
      'p-a',
    ],
    [
      'flat: ids compare as strings (p-10 before p-9)',
      'flat',
      policy('p-9', { group: 'g-sub' }, 5),
      policy('p-10', { group: 'g-sub' }, 5),
      'p-10',
    ],
    [
      'flat: order 0 before order 1',
      'flat',
      policy('z', { group: 'g-sub' }, 0),
      policy('a', { group: 'g-sub' }, 1),
      'z',
    ],
    // hierarchical: level rank, organization depth, order, id
    [
      'hierarchical: organization before group whatever the order',
      'hierarchical',
      policy('z', { organization: 'sub' }, 50),
      policy('a', { group: 'g-sub' }, 1),
      'z',
    ],
    [
      'hierarchical: global before globalGroup',
      'hierarchical',
      policy('z', { global: 'sub' }, 9),
      policy('a', { globalGroup: { org: 'msp', keyword: 't' } }, 1),
      'z',
    ],
    [
      'hierarchical: globalGroup before organization',
      'hierarchical',
      policy('z', { globalGroup: { org: 'sub', keyword: 'T' } }, 9),
      policy('a', { organization: 'sub' }, 1),
      'z',
    ],
    [
      'hierarchical: organization before computer',
      'hierarchical',
      policy('z', { organization: 'sub' }, 9),
      policy('a', { computer: 'pc-sub' }, 1),
      'z',
    ],
    [
      'hierarchical: computer before group',
      'hierarchical',
      policy('z', { computer: 'pc-sub' }, 9),
      policy('a', { group: 'g-sub' }, 1),
      'z',
    ],
    [
      'hierarchical: equal level, ancestor before descendant whatever the order',
      'hierarchical',
      policy('z', { global: 'msp' }, 10),
      policy('a', { global: 'cust' }, 1),
      'z',
    ],
    [
      'hierarchical: equal level, depth 1 before depth 2',
      'hierarchical',
      policy('z', { globalGroup: { org: 'cust', keyword: 't' } }, 10),
      policy('a', { globalGroup: { org: 'sub', keyword: 't' } }, 1),
      'z',
    ],
    [
      'hierarchical: equal level and depth, lower order first',
      'hierarchical',
      policy('z', { global: 'cust' }, 1),
      policy('a', { global: 'cust' }, 2),
      'z',
    ],
    [
      'hierarchical: everything equal, smaller id first',
      'hierarchical',
      policy('p-b', { group: 'g-sub' }, 3),
      policy('p-a', { group: 'g-sub' }, 3),
      'p-a',
    ],
  ])('%s', (_name, structure, a, b, winner) => {
    const w = world({ msp: structure, cust: structure, sub: structure, policies: [a, b] });
    expect(decide(w, 'pc-sub', TOOL).policy).toBe(winner);
    // The list order of the inputs never matters.
    const swapped = world({ msp: structure, cust: structure, sub: structure, policies: [b, a] });
    expect(decide(swapped, 'pc-sub', TOOL).policy).toBe(winner);
  });

  it.each<[string, Structure, string]>([
    ['a flat computer sorts inherited hierarchical policies by order', 'flat', 'p-sub'],
    ['a hierarchical computer sorts inherited flat policies by level', 'hierarchical', 'p-msp'],
  ])("the key is the computer's effective structure: %s", (_name, sub, winner) => {
    const other: Structure = sub === 'flat' ? 'hierarchical' : 'flat';
    const w = world({
      msp: other,
      cust: other,
      sub,
      policies: [policy('p-msp', { global: 'msp' }, 100), policy('p-sub', { organization: 'sub' }, 5)],
    });
    expect(decide(w, 'pc-sub', TOOL).policy).toBe(winner);
  });

  it('a flat organization below the gate is ordered by the hierarchical key', () => {
    const w = world({
      cust: 'flat',
      policies: [policy('by-order', { group: 'g-old' }, 1), policy('by-level', { organization: 'cust' }, 50)],
    });
    expect(decide(w, 'pc-old', TOOL)).toMatchObject({ policy: 'by-level', structure: 'hierarchical' });
    expect(decide(w, 'pc-old-upgraded', TOOL)).toMatchObject({ policy: 'by-order', structure: 'flat' });
  });
});

describe('2.6 negative orders are legal in hierarchical organizations', () => {
  it.each<[string, Policy[], string]>([
    [
      'a negative order comes before zero',
      [policy('z', { organization: 'cust' }, 0), policy('a', { organization: 'cust' }, -5)],
      'a',
    ],
    ['more negative first', [policy('a', { group: 'g-tills' }, -1), policy('b', { group: 'g-tills' }, -3)], 'b'],
    [
      'a negative order does not jump a level',
      [policy('org', { organization: 'cust' }, 10), policy('grp', { group: 'g-tills' }, -1000)],
      'org',
    ],
  ])('%s', (_name, policies, winner) => {
    expect(decide(world({ policies }), 'pc-till', TOOL).policy).toBe(winner);
  });
});

describe('2.7 the decision and every field', () => {
  it('an application policy decision', () => {
    const w = world({
      cust: 'flat',
      msp: 'flat',
      policies: [policy('p', { organization: 'cust' }, 42, { name: 'Allow tool', action: 'denyWithRequest' })],
    });
    const d = decide(w, 'pc-till', TOOL);
    expect(Object.keys(d).sort()).toEqual(
      [
        'action',
        'application',
        'builtInsFirst',
        'gated',
        'order',
        'policy',
        'policyName',
        'reason',
        'snapshotVersion',
        'structure',
      ].sort(),
    );
    expect(d).toEqual({
      action: 'denyWithRequest',
      policy: 'p',
      policyName: 'Allow tool',
      order: 42,
      application: 'tool',
      structure: 'flat',
      builtInsFirst: true,
      gated: [],
      snapshotVersion: 7,
      reason: anyString(),
    });
    expect(d.reason).toContain('p');
    expect(d.reason).toContain('denyWithRequest');
    expect(d.reason).not.toMatch(/\n/);
  });

  it('a ringfence decision carries the restrictions', () => {
    const ringfence = { network: false, files: ['C:\\Data\\**'] };
    const w = world({ policies: [policy('p', { organization: 'cust' }, 1, { action: 'ringfence', ringfence })] });
    const d = decide(w, 'pc-till', TOOL);
    expect(d).toMatchObject({ action: 'ringfence', policy: 'p', ringfence });
  });

  it('a default policy decision names no application', () => {
    const w = world({ policies: [defaultPolicy('d', { organization: 'cust' }, 1000000, { name: 'Default' })] });
    expect(decide(w, 'pc-old', TOOL, { snapshotVersion: null })).toEqual({
      action: 'denyWithRequest',
      policy: 'd',
      policyName: 'Default',
      order: 1000000,
      application: null,
      structure: 'hierarchical',
      builtInsFirst: true,
      gated: FLAT_AND_PRIORITIZE,
      snapshotVersion: null,
      reason: matching(/default/),
    });
  });

  it('the implicit deny', () => {
    const d = decide(world({ cust: 'flat', msp: 'flat' }), 'pc-till', TOOL, {
      settings: { prioritizeBuiltInApplications: false },
    });
    expect(d).toEqual({
      action: 'deny',
      policy: null,
      policyName: null,
      order: null,
      application: null,
      structure: 'flat',
      builtInsFirst: false,
      gated: [],
      snapshotVersion: 7,
      reason: 'no matching policy',
    });
    expect(d.reason).not.toMatch(/\n/);
  });

  it('the implicit deny reason is the one of SPEC.md section 2.2', () => {
    expect(NO_MATCH_REASON).toBe('no matching policy');
  });

  it('a gated agent says so in every decision', () => {
    const w = world({ cust: 'flat', policies: [policy('p', { organization: 'cust' }, 1)] });
    expect(decide(w, 'pc-old', TOOL).gated).toEqual(FLAT_AND_PRIORITIZE);
    expect(decide(w, 'pc-old', { path: 'C:\\nothing.exe' }).gated).toEqual(FLAT_AND_PRIORITIZE);
    expect(decide(w, 'pc-old', TOOL).reason).toContain('flatPolicyStructure');
  });

  it('a decision is frozen, gated list included: no caller changes what later decisions say', () => {
    const view = buildView(world({ cust: 'flat' }), 'pc-old');
    const compiled = new CompiledView(view);
    const first = compiled.evaluate(TOOL, { nowMs: T0 });
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => first.gated.push('tampered')).toThrow(TypeError);
    expect(() => Object.assign(first, { action: 'permit' })).toThrow(TypeError);
    const stray = compiled.evaluate({ path: 'C:\\nothing.exe' }, { nowMs: T0 });
    expect(() => stray.gated.push('tampered')).toThrow(TypeError);
    expect(compiled.evaluate(TOOL, { nowMs: T0 }).gated).toEqual(FLAT_AND_PRIORITIZE);
    expect(compiled.evaluate({ path: 'C:\\nothing.exe' }, { nowMs: T0 }).gated).toEqual(FLAT_AND_PRIORITIZE);
  });

  it('makeDecision without a policy is the implicit deny', () => {
    expect(makeDecision(undefined, { structure: 'hierarchical', builtInsFirst: true, gated: [] }, 3)).toMatchObject({
      action: 'deny',
      policy: null,
      snapshotVersion: 3,
    });
  });

  it('a compiled view answers many requests in a row the same way', () => {
    const w = world({
      policies: [
        policy('p-tool', { organization: 'cust' }, 1),
        policy('p-chrome', { organization: 'cust' }, 2, { app: 'chrome' }),
        defaultPolicy('d', { organization: 'cust' }, 1000000),
      ],
    });
    const compiled = new CompiledView(buildView(w, 'pc-till'));
    const files = [TOOL, CHROME, { path: 'C:\\x.exe' }];
    const first = files.map((f) => compiled.evaluate(f, { nowMs: T0 }).policy);
    for (let i = 0; i < 50; i++) {
      expect(files.map((f) => compiled.evaluate(f, { nowMs: T0 }).policy)).toEqual(first);
    }
    expect(first).toEqual(['p-tool', 'p-chrome', 'd']);
  });

  it('a compiled view refuses a bad regex or an empty rule at once, however it could be reached', () => {
    const withRule = (rule: Record<string, string>) => {
      const w = world({ policies: [policy('p-tool', { organization: 'cust' }, 1)] });
      const view = buildView(w, 'pc-till');
      view.applications = view.applications.map((a) => (a.id === 'tool' ? { ...a, rules: [...a.rules, rule] } : a));
      return view;
    };
    // Indexed by its literal path, the processPath expression is still checked.
    expect(() => new CompiledView(withRule({ path: 'C:\\x.exe', processPath: 'regex:(' }))).toThrow(
      expect.objectContaining({ code: 'bad-regex' }),
    );
    expect(() => new CompiledView(withRule({ path: 'regex:[' }))).toThrow(
      expect.objectContaining({ code: 'bad-regex' }),
    );
    expect(() => new CompiledView(withRule({}))).toThrow(expect.objectContaining({ code: 'empty-rule' }));
    // A good expression compiles, and decides when a request reaches it.
    const compiled = new CompiledView(withRule({ path: 'regex:.*\\\\TOOL2\\.exe' }));
    expect(compiled.evaluate({ path: 'C:\\Tools\\tool2.exe' }, { nowMs: T0 }).policy).toBe('p-tool');
  });
});
