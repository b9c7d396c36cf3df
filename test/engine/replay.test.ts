/** replay.ts: comparing expectations (SPEC.md section 7) and running cases against a world in memory. */
import { describe, expect, it } from 'vitest';
import type { ApprovalSuggestion, Decision, World } from '../../src/engine/model.js';
import {
  type CaseTarget,
  type ReplayCase,
  ScenarioTarget,
  compareExpectation,
  runCase,
  runCases,
} from '../../src/engine/replay.js';
import { contractWorld } from '../support/contract-world.js';

/** examples/contract/example-scenario.yaml, written out (unit tests do no I/O). */
const EXAMPLE: World = contractWorld();

const CHROME = { path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', certSubject: 'CN=Google LLC' };
const NPP = {
  path: 'C:\\Tools\\npp\\notepad++.exe',
  sha256: 'aa11bb22cc33dd44ee55ff6600112233445566778899aabbccddeeff00112233',
};

/** examples/contract/example-cases.yaml, written out. */
const EXAMPLE_CASES: ReplayCase[] = [
  {
    name: 'built-in Chrome is processed before the custom deny numbered lower',
    computer: 'till-1',
    file: CHROME,
    expect: { action: 'permit', policy: 'chrome-ok', structure: 'flat', builtInsFirst: true },
  },
  {
    name: 'with Prioritize Built-In Applications off, flat order decides',
    computer: 'till-1',
    settings: { prioritizeBuiltInApplications: false },
    file: CHROME,
    expect: { action: 'deny', policy: 'chrome-block', builtInsFirst: false },
  },
  {
    name: 'an agent below 10.5.3 cannot turn prioritization off and stays hierarchical',
    computer: 'office-1',
    settings: { prioritizeBuiltInApplications: false },
    file: CHROME,
    expect: {
      action: 'permit',
      policy: 'chrome-ok',
      structure: 'hierarchical',
      builtInsFirst: true,
      gated: ['flatPolicyStructure', 'prioritizeBuiltInApplicationsSetting'],
    },
  },
  {
    name: 'hierarchical processes the organization level before the group level',
    computer: 'lab-7',
    file: NPP,
    expect: { action: 'deny', policy: 'npp-school', structure: 'hierarchical' },
  },
  {
    name: 'the default policy catches the rest',
    computer: 'till-1',
    file: { path: 'C:\\Games\\solitaire.exe' },
    expect: { action: 'denyWithRequest', policy: 'shop-default' },
  },
  {
    name: 'no policy at all means deny',
    computer: 'office-1',
    file: { path: 'C:\\Games\\solitaire.exe' },
    expect: { action: 'deny', policy: null },
  },
  {
    name: 'an approval request for a shopping app built in a deny-listed country',
    computer: 'till-1',
    approval: { app: 'fastcart' },
    expect: { suggestion: 'reject', policy: 'shopping' },
  },
  {
    name: 'the same category from elsewhere follows the policy action',
    computer: 'till-1',
    approval: { category: 'Shopping', primaryCompanyInfluence: ['GB'] },
    expect: {
      suggestion: 'approve',
      policy: 'shopping',
      permitTarget: 'computer',
      escalationEmails: ['owner@shop.example'],
    },
  },
  {
    name: 'organizations without the approvals module get no suggestion',
    computer: 'lab-7',
    approval: { category: 'Shopping', primaryCompanyInfluence: ['GB'] },
    expect: { suggestion: 'none', policy: null },
  },
];

const NOW = Date.parse('2026-11-22T12:00:00Z');

describe('compareExpectation', () => {
  const got = {
    action: 'deny',
    policy: null,
    order: 5,
    gated: ['flatPolicyStructure', 'prioritizeBuiltInApplicationsSetting'],
    ringfence: { network: false, files: ['a', 'b'] },
    escalationEmails: [],
    builtInsFirst: false,
  };
  it.each<[string, Record<string, unknown>, string[]]>([
    ['nothing expected', {}, []],
    ['an equal scalar', { action: 'deny' }, []],
    ['a different scalar', { action: 'permit' }, ['action']],
    ['policy null expected and got', { policy: null }, []],
    ['a policy expected, none got', { policy: 'p' }, ['policy']],
    ['false is not null', { builtInsFirst: null }, ['builtInsFirst']],
    ['a number is not a string', { order: '5' }, ['order']],
    ['lists as sets: another order', { gated: ['prioritizeBuiltInApplicationsSetting', 'flatPolicyStructure'] }, []],
    ['lists as sets: a subset differs', { gated: ['flatPolicyStructure'] }, ['gated']],
    [
      'lists as sets: a superset differs',
      { gated: ['flatPolicyStructure', 'prioritizeBuiltInApplicationsSetting', 'x'] },
      ['gated'],
    ],
    [
      'lists as sets: repeats do not count',
      { gated: ['flatPolicyStructure', 'prioritizeBuiltInApplicationsSetting', 'flatPolicyStructure'] },
      [],
    ],
    ['an empty list', { escalationEmails: [] }, []],
    ['a list is not a scalar', { action: ['deny'] }, ['action']],
    ['a scalar is not a list', { gated: 'flatPolicyStructure' }, ['gated']],
    ['an object compared field by field', { ringfence: { files: ['b', 'a'], network: false } }, []],
    ['an object with a missing field differs', { ringfence: { network: false } }, ['ringfence']],
    ['an object with another value differs', { ringfence: { network: true, files: ['a', 'b'] } }, ['ringfence']],
    ['an unknown field differs', { colour: 'blue' }, ['colour']],
    ['an unknown field expected null differs', { colour: null }, ['colour']],
    ['every differing field, in expectation order', { order: 6, action: 'deny', policy: 'x' }, ['order', 'policy']],
  ])('%s', (_name, expect_, mismatches) => {
    expect(compareExpectation(expect_, got)).toEqual(mismatches);
  });
});

describe('ScenarioTarget and runCases on the contract example', () => {
  it('every example case passes', async () => {
    const results = await runCases(new ScenarioTarget(EXAMPLE, () => NOW), EXAMPLE_CASES);
    expect(results.map((r) => [r.name, r.passed, r.mismatches, r.error])).toEqual(
      EXAMPLE_CASES.map((c) => [c.name, true, [], undefined]),
    );
  });

  it('a failing case reports what it got and which fields differ', async () => {
    const r = await runCase(new ScenarioTarget(EXAMPLE, () => NOW), {
      name: 'wrong',
      computer: 'till-1',
      file: CHROME,
      expect: { action: 'deny', policy: 'chrome-ok', structure: 'hierarchical' },
    });
    expect(r).toMatchObject({ name: 'wrong', computer: 'till-1', passed: false, mismatches: ['action', 'structure'] });
    expect(r.got).toMatchObject({ action: 'permit', policy: 'chrome-ok', structure: 'flat' });
    expect(r.expected).toEqual({ action: 'deny', policy: 'chrome-ok', structure: 'hierarchical' });
  });

  it.each<[string, ReplayCase, RegExp]>([
    ['an unknown computer', { name: 'x', computer: 'nope', file: { path: 'C:\\a.exe' }, expect: {} }, /nope/],
    ['neither file nor approval', { name: 'x', computer: 'till-1', expect: {} }, /neither file nor approval/],
    ['an unknown application', { name: 'x', computer: 'till-1', approval: { app: 'nope' }, expect: {} }, /nope/],
    ['an approval without category', { name: 'x', computer: 'till-1', approval: {}, expect: {} }, /category/],
  ])('a case that cannot be evaluated fails with its error: %s', async (_name, c, message) => {
    const r = await runCase(new ScenarioTarget(EXAMPLE, () => NOW), c);
    expect(r).toMatchObject({ passed: false, got: null, mismatches: [] });
    expect(r.error).toMatch(message);
  });

  it('runCases keeps going after an error and keeps the order', async () => {
    const cases: ReplayCase[] = [
      EXAMPLE_CASES[0] as ReplayCase,
      { name: 'broken', computer: 'ghost', file: { path: 'x' }, expect: {} },
      EXAMPLE_CASES[5] as ReplayCase,
    ];
    const results = await runCases(new ScenarioTarget(EXAMPLE, () => NOW), cases);
    expect(results.map((r) => [r.name, r.passed])).toEqual([
      [cases[0]?.name, true],
      ['broken', false],
      [cases[2]?.name, true],
    ]);
  });

  it('at decides expiry; without it the target clock does', async () => {
    const world = structuredClone(EXAMPLE);
    world.policies.push({
      id: 'temp-updater',
      app: 'chrome-custom',
      appliesTo: { computer: 'till-1' },
      action: 'permit',
      order: 1,
      enabled: true,
      expiresAt: '2026-11-22T12:00:00Z',
    });
    const file = { path: 'C:\\Program Files\\Google\\Update\\updater.exe' };
    let clock = NOW - 1;
    const target = new ScenarioTarget(world, () => clock);
    const expectPolicy = async (c: Omit<ReplayCase, 'name' | 'computer' | 'file'>, policy: string) => {
      const r = await runCase(target, { name: 't', computer: 'till-1', file, ...c, expect: { policy } });
      expect(r.got?.policy).toBe(policy);
      expect(r.passed).toBe(true);
    };
    await expectPolicy({ expect: {} }, 'temp-updater');
    clock = NOW;
    await expectPolicy({ expect: {} }, 'chrome-block');
    await expectPolicy({ at: '2026-11-22T11:59:59Z', expect: {} }, 'temp-updater');
    await expectPolicy({ at: '2026-11-22T12:00:00Z', expect: {} }, 'chrome-block');
    clock = NOW - 1;
    await expectPolicy({ at: '2027-01-01T00:00:00Z', expect: {} }, 'chrome-block');
  });

  it('compares at and expiresAt exactly, to the millisecond, whatever zeros the fractions carry', () => {
    const world = structuredClone(EXAMPLE);
    world.policies.push({
      id: 'temp-updater',
      app: 'chrome-custom',
      appliesTo: { computer: 'till-1' },
      action: 'permit',
      order: 1,
      enabled: true,
      expiresAt: '2026-11-22T12:00:00.001000Z',
    });
    const target = new ScenarioTarget(world, () => NOW);
    const file = { path: 'C:\\Program Files\\Google\\Update\\updater.exe' };
    expect(target.decide('till-1', file, { at: '2026-11-22T12:00:00.000Z' }).policy).toBe('temp-updater');
    expect(target.decide('till-1', file, { at: '2026-11-22T13:00:00.000+01:00' }).policy).toBe('temp-updater');
    expect(target.decide('till-1', file, { at: '2026-11-22T12:00:00.0010Z' }).policy).toBe('chrome-block');
  });

  it('refuses an evaluation time finer than a millisecond rather than truncating it', async () => {
    const r = await runCase(new ScenarioTarget(EXAMPLE, () => NOW), {
      name: 't',
      computer: 'till-1',
      file: CHROME,
      at: '2026-11-22T12:00:00.0005Z',
      expect: {},
    });
    expect(r.passed).toBe(false);
    expect(r.error).toContain('has a fraction finer than a millisecond');
  });

  it('settings override per case and leave the next case alone', () => {
    const target = new ScenarioTarget(EXAMPLE, () => NOW);
    expect(target.decide('till-1', CHROME, { settings: { prioritizeBuiltInApplications: false } }).policy).toBe(
      'chrome-block',
    );
    expect(target.decide('till-1', CHROME, {}).policy).toBe('chrome-ok');
  });

  it('decisions from a scenario carry no snapshot version', () => {
    expect(new ScenarioTarget(EXAMPLE, () => NOW).decide('till-1', CHROME, {}).snapshotVersion).toBeNull();
  });
});

describe('runCase against any target', () => {
  const decision: Decision = {
    action: 'permit',
    policy: 'p',
    policyName: null,
    order: 1,
    application: 'a',
    structure: 'flat',
    builtInsFirst: true,
    gated: [],
    snapshotVersion: 3,
    reason: 'permit by policy p',
  };
  const suggestion: ApprovalSuggestion = {
    suggestion: 'approve',
    policy: 'ap',
    reason: 'r',
    permitTarget: 'computer',
    instructions: '',
    escalationEmails: [],
    warnings: [],
  };

  it('awaits asynchronous targets and passes at and settings through', async () => {
    const seen: unknown[] = [];
    const target: CaseTarget = {
      decide: (computer, file, options) => {
        seen.push({ computer, file, options });
        return Promise.resolve(decision);
      },
      suggest: () => Promise.resolve(suggestion),
    };
    const r = await runCase(target, {
      name: 'n',
      computer: 'c',
      at: '2026-01-01T00:00:00Z',
      settings: { prioritizeBuiltInApplications: false },
      file: { path: '/x' },
      expect: { policy: 'p', snapshotVersion: 3 },
    });
    expect(r.passed).toBe(true);
    expect(seen).toEqual([
      {
        computer: 'c',
        file: { path: '/x' },
        options: { at: '2026-01-01T00:00:00Z', settings: { prioritizeBuiltInApplications: false } },
      },
    ]);
    const a = await runCase(target, {
      name: 'n',
      computer: 'c',
      approval: { category: 'x' },
      expect: { suggestion: 'approve' },
    });
    expect(a).toMatchObject({ passed: true, got: suggestion });
  });

  it('omits at and settings when the case has none', async () => {
    let options: unknown;
    const target: CaseTarget = {
      decide: (_c, _f, o) => {
        options = o;
        return decision;
      },
      suggest: () => suggestion,
    };
    await runCase(target, { name: 'n', computer: 'c', file: { path: '/x' }, expect: {} });
    expect(options).toEqual({});
  });

  it('a rejected promise is a failed case with the error', async () => {
    const target: CaseTarget = {
      decide: () => Promise.reject(new Error('daemon went away')),
      suggest: () => {
        throw new Error('boom');
      },
    };
    expect(await runCase(target, { name: 'n', computer: 'c', file: { path: '/x' }, expect: {} })).toMatchObject({
      passed: false,
      got: null,
      error: 'daemon went away',
    });
    expect(await runCase(target, { name: 'n', computer: 'c', approval: { category: 'x' }, expect: {} })).toMatchObject({
      passed: false,
      error: 'boom',
    });
  });

  it('a file case wins over an approval in the same case', async () => {
    const target: CaseTarget = { decide: () => decision, suggest: () => suggestion };
    const r = await runCase(target, {
      name: 'n',
      computer: 'c',
      file: { path: '/x' },
      approval: { category: 'x' },
      expect: { policy: 'p' },
    });
    expect(r.passed).toBe(true);
  });
});
