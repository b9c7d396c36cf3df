// The view image's caches filled by requests (compiled rule tests, decisions made) stay within their
// bounds however many files are asked, and decisions stay right after they start over.
import { describe, expect, it } from 'vitest';
import { CompiledView } from '../../src/engine/evaluate.js';
import type { World } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import { MAX_COMPILED_RULE_TESTS, MAX_KEPT_DECISIONS } from '../../src/engine/view-image.js';

const POLICIES = MAX_KEPT_DECISIONS + 500;

function world(rule: (n: number) => { path: string } = (n) => ({ path: `/opt/app${n}/run` })): World {
  const applications: World['applications'] = [];
  const policies: World['policies'] = [];
  for (let n = 0; n < POLICIES; n++) {
    applications.push({ id: `app-${n}`, name: `App ${n}`, builtIn: false, rules: [rule(n)] });
    policies.push({
      id: `p-${n}`,
      app: `app-${n}`,
      appliesTo: { group: 'g' },
      action: n % 3 === 0 ? 'deny' : 'permit',
      order: n + 1,
      enabled: true,
    });
  }
  return {
    organizations: [{ id: 'o', name: 'O', structure: 'flat', modules: [] }],
    groups: [{ id: 'g', org: 'o', name: 'G', os: 'linux', agentVersion: '10.6.0' }],
    computers: [{ id: 'c', group: 'g' }],
    applications,
    policies,
    agentSettings: [],
    approvalSettings: [],
    approvalPolicies: [],
  };
}

/** The image's private caches, for their sizes. */
interface Caches {
  ruleTests: Map<number, unknown>;
  kept: unknown[];
}

describe('view image caches under many files never asked before', () => {
  it('keep at most their bounds, and every decision is still the right one after they start over', () => {
    expect(POLICIES + 1).toBeGreaterThan(MAX_COMPILED_RULE_TESTS);
    const compiled = new CompiledView(buildView(world(), 'c'), 1);
    const caches = compiled as unknown as Caches;
    const decide = (n: number) => compiled.evaluate({ path: `/opt/app${n}/run` }, { nowMs: 0 });
    const first = decide(0);
    for (let n = 0; n < POLICIES; n++) {
      const decision = decide(n);
      expect(decision.policy).toBe(`p-${n}`);
      expect(decision.action).toBe(n % 3 === 0 ? 'deny' : 'permit');
      expect(decision.reason).toContain(`by policy p-${n} (order ${n + 1}) for application app-${n}`);
      expect(caches.kept.length).toBe(MAX_KEPT_DECISIONS);
      expect(caches.ruleTests.size).toBeLessThanOrEqual(MAX_COMPILED_RULE_TESTS);
    }
    // Started over at least once: the first decision was made again, equal but not the same object.
    const again = decide(0);
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
    // While kept, a policy's decision is one frozen object for every file it decides.
    expect(decide(0)).toBe(again);
    expect(Object.isFrozen(again)).toBe(true);
    expect(compiled.evaluate({ path: '/nowhere' }, { nowMs: 0 }).reason).toBe('no matching policy');
    expect(caches.kept.filter((d) => d !== undefined).length).toBeLessThanOrEqual(MAX_KEPT_DECISIONS);
  });
});

describe('view image compile of many regex rules', () => {
  const regexRule = (n: number) => ({ path: `regex:/opt/app${n}/run-[0-9]+` });

  it('checks every pattern but keeps at most its bound of compiled tests, and each rule still decides', () => {
    const compiled = new CompiledView(buildView(world(regexRule), 'c'), 1);
    const caches = compiled as unknown as Caches;
    expect(caches.ruleTests.size).toBeGreaterThan(0);
    expect(caches.ruleTests.size).toBeLessThanOrEqual(MAX_COMPILED_RULE_TESTS);
    for (const n of [0, POLICIES >>> 1, POLICIES - 1]) {
      expect(compiled.evaluate({ path: `/opt/app${n}/run-42` }, { nowMs: 0 }).policy).toBe(`p-${n}`);
      expect(compiled.evaluate({ path: `/opt/app${n}/run-x` }, { nowMs: 0 }).reason).toBe('no matching policy');
    }
  });

  it('still refuses a bad pattern that comes after the bound is reached', () => {
    const last = POLICIES - 1;
    const bad = world((n) => (n === last ? { path: 'regex:(a)\\1' } : regexRule(n)));
    expect(() => new CompiledView(buildView(bad, 'c'), 1)).toThrow(/backreference/);
  });
});
