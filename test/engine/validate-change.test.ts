// Validation of a change by what it changed (validateChange) gives exactly
// what validation of the whole candidate world gives: a random sequence of
// changes, valid and not, to a valid world, each answered the same way.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentSetting, AppliesTo, Application, ApprovalPolicy, Policy, World } from '../../src/engine/model.js';
import { validateChange, validateWorld } from '../../src/engine/validate.js';
import { WorldIndex } from '../../src/engine/world.js';

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

function startWorld(): World {
  return {
    organizations: [
      { id: 'msp', name: 'MSP', structure: 'hierarchical', modules: [] },
      { id: 'acme', name: 'Acme', parent: 'msp', structure: 'flat', modules: [] },
      { id: 'other', name: 'Other', parent: 'msp', structure: 'hierarchical', modules: [] },
    ],
    groups: [
      { id: 'g1', org: 'acme', name: 'Tills', os: 'windows', agentVersion: '10.6.2' },
      { id: 'g2', org: 'other', name: 'Labs', os: 'linux', agentVersion: '10.4' },
    ],
    computers: [
      { id: 'pc-1', group: 'g1' },
      { id: 'pc-2', group: 'g2', agentVersion: '10.5.3' },
    ],
    applications: [
      { id: 'app-a', name: 'A', builtIn: false, org: 'acme', rules: [{ path: 'C:\\a.exe' }] },
      { id: 'app-b', name: 'B', builtIn: true, category: 'browsers', rules: [{ sha256: 'ab'.repeat(32) }] },
    ],
    policies: [
      { id: 'p1', app: 'app-a', appliesTo: { organization: 'acme' }, action: 'permit', order: 1, enabled: true },
      { id: 'p2', app: 'app-b', appliesTo: { global: 'msp' }, action: 'deny', order: -2, enabled: true },
    ],
    agentSettings: [
      { id: 's1', type: 'prioritizeBuiltInApplications', value: true, appliesTo: { group: 'g1' }, order: 1 },
    ],
    approvalPolicies: [],
    approvalSettings: [],
  };
}

const IDS = ['p1', 'p2', 'x1', 'x2', 's1', 'app-a', 'app-b', 'ap1', '', 'bad id!'];
const ORG_REFS = ['msp', 'acme', 'other', 'nowhere'];
const GROUP_REFS = ['g1', 'g2', 'g9'];
const COMPUTER_REFS = ['pc-1', 'pc-2', 'pc-9'];
const APP_REFS = ['app-a', 'app-b', 'x1', 'app-z'];

interface Change {
  kind: number;
  a: number;
  b: number;
  c: number;
}

const changeArb: fc.Arbitrary<Change> = fc.record({
  kind: fc.nat(13),
  a: fc.nat(40),
  b: fc.nat(40),
  c: fc.integer({ min: -3, max: 3 }),
});

function pick<T>(list: readonly T[], i: number): T {
  return list[i % list.length] as T;
}

function scope(kind: number, target: number): AppliesTo {
  switch (kind % 6) {
    case 0:
      return { global: pick(ORG_REFS, target) };
    case 1:
      return { globalGroup: { org: pick(ORG_REFS, target), keyword: 'till' } };
    case 2:
      return { organization: pick(ORG_REFS, target) };
    case 3:
      return { group: pick(GROUP_REFS, target) };
    case 4:
      return { computer: pick(COMPUTER_REFS, target) };
    default:
      return {} as AppliesTo;
  }
}

function newPolicy(m: Change): Policy {
  return {
    id: pick(IDS, m.a),
    ...(m.b % 7 === 6 ? { default: true } : { app: pick(APP_REFS, m.b) }),
    appliesTo: scope(m.b, m.a),
    action: m.c === 3 ? ('allow' as Policy['action']) : 'permit',
    order: m.c === -3 ? 1.5 : m.c,
    enabled: m.a % 2 === 0,
    ...(m.c === 2 ? { expiresAt: m.a % 2 === 0 ? '2026-01-01T00:00:00Z' : 'tomorrow' } : {}),
  };
}

function newSetting(m: Change): AgentSetting {
  return {
    id: pick(IDS, m.a + 4),
    type: m.c === 3 ? 'noSuchSetting' : 'prioritizeBuiltInApplications',
    value: m.c === -3 ? 'yes' : m.b % 2 === 0,
    appliesTo: scope(m.b, m.a),
    order: m.c,
  };
}

function newApprovalPolicy(m: Change): ApprovalPolicy {
  // Mostly of a known organization over its own computers; sometimes not.
  const org = m.a % 5 === 4 ? pick(ORG_REFS, m.b) : m.a % 2 === 0 ? 'acme' : 'other';
  const own = org === 'acme' ? 0 : 1;
  const appliesTo: ApprovalPolicy['appliesTo'] =
    m.b % 3 === 0
      ? { organization: m.b % 9 === 0 ? pick(ORG_REFS, m.a) : org }
      : m.b % 3 === 1
        ? { groups: m.c === 0 ? [] : [pick(GROUP_REFS, m.b % 4 === 1 ? m.a : own)] }
        : { computers: [pick(COMPUTER_REFS, m.b % 4 === 2 ? m.b : own)] };
  return {
    id: pick(IDS, m.a + 7),
    org,
    appliesTo,
    category: m.c === 3 ? ' ' : 'browsers',
    action: m.c === -2 ? ('allow' as ApprovalPolicy['action']) : 'approve',
    order: m.c === -3 ? -1 : m.b,
    active: m.a % 3 !== 0,
    countries: { mode: m.c === 1 ? 'allow' : 'deny', list: m.c === 2 ? ['XX'] : [] },
  };
}

function newApplication(m: Change): Application {
  return {
    id: pick(IDS, m.a + 5),
    name: 'App',
    builtIn: m.b % 2 === 0,
    ...(m.b % 3 === 0 ? { org: pick(ORG_REFS, m.a) } : {}),
    rules: m.c === 3 ? [{}] : m.c === -3 ? [{ sha256: 'zz' }] : [{ path: `C:\\${m.a}.exe` }],
  };
}

/** A list with the entry at `at` replaced by `entry` (appended when `at` is past the end). */
function put<T>(list: readonly T[], at: number, entry: T): T[] {
  if (list.length === 0 || at % (list.length + 1) === list.length) return [...list, entry];
  return list.map((e, i) => (i === at % list.length ? entry : e));
}

function without<T>(list: readonly T[], at: number): T[] {
  return list.filter((_, i) => i !== at % Math.max(1, list.length));
}

/** A candidate world from `w`: lists it does not change are the very arrays of `w`. */
function change(w: World, m: Change): World {
  switch (m.kind) {
    case 0:
      return { ...w, policies: put(w.policies, m.b, newPolicy(m)) };
    case 1:
      return { ...w, policies: without(w.policies, m.a) };
    case 2:
      return { ...w, agentSettings: put(w.agentSettings, m.b, newSetting(m)) };
    case 3:
      return { ...w, agentSettings: without(w.agentSettings, m.a) };
    case 4:
      return { ...w, approvalPolicies: put(w.approvalPolicies, m.b, newApprovalPolicy(m)) };
    case 5:
      return { ...w, approvalPolicies: without(w.approvalPolicies, m.a) };
    case 6:
      return { ...w, applications: put(w.applications, m.b, newApplication(m)) };
    case 7:
      return { ...w, applications: without(w.applications, m.a) };
    case 8:
      // The very same entry twice.
      return w.policies.length === 0 ? w : { ...w, policies: [...w.policies, pick(w.policies, m.a)] };
    case 9:
      return {
        ...w,
        groups: w.groups.map((g, i) => (i === m.a % w.groups.length ? { ...g, org: pick(ORG_REFS, m.b) } : g)),
      };
    case 10:
      return {
        ...w,
        organizations: w.organizations.map((o, i) =>
          i === m.a % w.organizations.length ? { ...o, structure: m.b % 2 === 0 ? 'flat' : 'hierarchical' } : o,
        ),
      };
    case 11:
      return { ...w, gates: [{ feature: 'flatPolicyStructure', os: 'windows', minVersion: m.c > 0 ? '10.1' : 'x' }] };
    case 12:
      // Two lists at once: a new application and a policy naming it.
      return {
        ...w,
        applications: [...w.applications, { ...newApplication(m), id: pick(['x1', 'x2'], m.c + 3) }],
        policies: put(w.policies, m.b, { ...newPolicy(m), app: 'x1', default: undefined }),
      };
    default:
      return {
        ...w,
        computers: put(w.computers, m.a, { id: pick(COMPUTER_REFS, m.b), group: pick(GROUP_REFS, m.a) }),
      };
  }
}

describe('validation of a change', () => {
  it('finds exactly what validation of the whole candidate world finds', () => {
    const accepted = new Map<number, number>();
    fc.assert(
      fc.property(fc.array(changeArb, { minLength: 1, maxLength: 8 }), (changes) => {
        let world = deepFreeze(startWorld());
        expect(validateWorld(world)).toEqual([]);
        for (const m of changes) {
          const candidate = change(world, m);
          const expected = validateWorld(candidate);
          expect(validateChange(world, new WorldIndex(world), candidate)).toEqual(expected);
          if (expected.length === 0) {
            accepted.set(m.kind, (accepted.get(m.kind) ?? 0) + 1);
            world = deepFreeze(candidate);
          }
        }
      }),
      { numRuns: 400 },
    );
    // New and changed entries of each list checked entry by entry were accepted often enough to be tested.
    for (const kind of [0, 2, 4, 6, 12]) expect(accepted.get(kind) ?? 0).toBeGreaterThan(2);
  });

  it('refuses a new policy whose id an unchanged policy holds, naming both entries', () => {
    const world = deepFreeze(startWorld());
    const p1 = world.policies[0] as Policy;
    const candidate = { ...world, policies: [...world.policies, { ...p1, order: 5 }] };
    expect(validateChange(world, new WorldIndex(world), candidate)).toEqual([
      'policies[p1]: id "p1" is used by more than one entry (#0, #2)',
    ]);
  });

  it('accepts a changed policy in place of the one it replaces', () => {
    const world = deepFreeze(startWorld());
    const p1 = world.policies[0] as Policy;
    const candidate = { ...world, policies: world.policies.map((p) => (p === p1 ? { ...p1, order: 9 } : p)) };
    expect(validateChange(world, new WorldIndex(world), candidate)).toEqual([]);
  });
});
