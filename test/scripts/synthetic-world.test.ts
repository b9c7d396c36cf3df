/**
 * The benchmark's synthetic world generator (scripts/lib/synthetic-world.ts):
 * deterministic for a seed, the requested number of policies, every policy
 * covering the target computer, and requests that mostly match an
 * application. No timing here: the benchmark measures, tests only check.
 */
import { describe, expect, it } from 'vitest';
import { CompiledView, LinearEvaluator } from '../../src/engine/evaluate.js';
import { LEVEL_RANK, POLICY_ACTIONS } from '../../src/engine/model.js';
import { validateWorld } from '../../src/engine/validate.js';
import { buildView } from '../../src/engine/view.js';
import { WorldIndex, appliesToLevel } from '../../src/engine/world.js';
import {
  DEFAULT_ORDER,
  DEFAULT_POLICY,
  REQUEST_SHAPES,
  RULE_SHAPES,
  SYNTHETIC_NOW_MS,
  mulberry32,
  syntheticWorld,
} from '../../scripts/lib/synthetic-world.js';

const NOW = { nowMs: SYNTHETIC_NOW_MS };

describe('mulberry32', () => {
  it('repeats for a seed and stays within [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBeGreaterThan(990);
    expect(mulberry32(43)()).not.toBe(mulberry32(42)());
  });
});

describe('syntheticWorld', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = syntheticWorld({ policies: 500, seed: 7, requests: 2_000 });
    const b = syntheticWorld({ policies: 500, seed: 7, requests: 2_000 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const c = syntheticWorld({ policies: 500, seed: 8, requests: 2_000 });
    expect(JSON.stringify(c.world.policies)).not.toBe(JSON.stringify(a.world.policies));
    expect(JSON.stringify(c.requests)).not.toBe(JSON.stringify(a.requests));
  });

  it.each([1, 2, 37, 1_000, 5_000])('produces exactly %i policies, one of them the default', (policies) => {
    const { world } = syntheticWorld({ policies, seed: 1, requests: 10 });
    expect(world.policies).toHaveLength(policies);
    const defaults = world.policies.filter((p) => p.default === true);
    expect(defaults.map((p) => [p.id, p.order, p.app])).toEqual([[DEFAULT_POLICY, DEFAULT_ORDER, undefined]]);
    expect(new Set(world.policies.map((p) => p.id)).size).toBe(policies);
  });

  it('builds a world that validates: an MSP and a customer, both flat, the target on agent 10.6.0', () => {
    const { world, computer } = syntheticWorld({ policies: 2_000, seed: 3, computers: 7, requests: 10 });
    expect(validateWorld(world)).toEqual([]);
    const index = new WorldIndex(world);
    expect(world.organizations.map((o) => o.structure)).toEqual(['flat', 'flat']);
    expect(index.ancestry(index.computerOrg(computer))).toHaveLength(2);
    expect(index.computerGroup(computer).os).toBe('windows');
    expect(index.computerAgentVersion(computer)).toBe('10.6.0');
    expect(world.computers).toHaveLength(7);
  });

  it('makes every policy cover the target computer, at every Applies To level', () => {
    const { world, computer } = syntheticWorld({ policies: 3_000, seed: 11, computers: 4, requests: 10 });
    const index = new WorldIndex(world);
    const uncovered = world.policies.filter((p) => !p.enabled || !index.covers(p.appliesTo, computer));
    expect(uncovered).toEqual([]);
    expect(buildView(index, computer).policies).toHaveLength(world.policies.length);
    const levels = new Set(world.policies.map((p) => appliesToLevel(p.appliesTo)));
    expect([...levels].sort()).toEqual(Object.keys(LEVEL_RANK).sort());
    const actions = new Set(world.policies.map((p) => p.action));
    expect([...actions].sort()).toEqual([...POLICY_ACTIONS].sort());
  });

  it('mixes hash, certificate and path rules, with about one built-in application in ten', () => {
    const { world } = syntheticWorld({ policies: 5_000, seed: 5, requests: 10 });
    const apps = world.applications;
    // About one application per policy, some shared by several policies.
    expect(apps.length).toBeGreaterThan(world.policies.length * 0.8);
    expect(apps.length).toBeLessThan(world.policies.length);
    const builtInShare = apps.filter((a) => a.builtIn).length / apps.length;
    expect(builtInShare).toBeGreaterThan(0.05);
    expect(builtInShare).toBeLessThan(0.15);
    const rules = apps.flatMap((a) => a.rules);
    const paths = rules.flatMap((r) => (r.path === undefined ? [] : [r.path]));
    expect(rules.some((r) => r.sha256 !== undefined)).toBe(true);
    expect(rules.some((r) => r.certThumbprint !== undefined)).toBe(true);
    expect(rules.some((r) => r.certSubject !== undefined && r.path?.endsWith('\\**') === true)).toBe(true);
    expect(paths.some((p) => !/[*?]/.test(p))).toBe(true);
    expect(paths.some((p) => p.startsWith('**\\'))).toBe(true);
    expect(paths.some((p) => /[^*]\*[^*]/.test(p))).toBe(true);
    expect(paths.some((p) => /\\\*\*\\/.test(p))).toBe(true);
  });

  it('produces requests that mostly match a non-default policy, the rest only the default', () => {
    const { world, computer, requests } = syntheticWorld({ policies: 2_000, seed: 9, requests: 4_000 });
    expect(requests).toHaveLength(4_000);
    const view = buildView(world, computer);
    const engine = new CompiledView(view);
    const decisions = requests.map((r) => engine.evaluate(r, NOW));
    const byApplication = decisions.filter((d) => d.policy !== null && d.policy !== DEFAULT_POLICY).length;
    const byDefault = decisions.filter((d) => d.policy === DEFAULT_POLICY).length;
    expect(byApplication + byDefault).toBe(requests.length);
    expect(byApplication / requests.length).toBeGreaterThan(0.75);
    expect(byApplication / requests.length).toBeLessThan(0.95);
    // Windows case and separator variations are present, and matching does not mind them.
    expect(requests.some((r) => r.path.includes('/'))).toBe(true);
    expect(requests.some((r) => r.path !== r.path.toLowerCase() && r.path === r.path.toUpperCase())).toBe(true);
  });

  it('gives the same decisions to the engine and the linear reference', () => {
    const { world, computer, requests } = syntheticWorld({ policies: 400, seed: 21, requests: 600 });
    const view = buildView(world, computer);
    const engine = new CompiledView(view);
    const linear = new LinearEvaluator(view);
    for (const request of requests) {
      expect(engine.evaluate(request, NOW)).toEqual(linear.evaluate(request, NOW));
    }
  });

  it('leaves stray requests undecided when the default policy is removed', () => {
    const { world, computer, requests } = syntheticWorld({ policies: 1_000, seed: 2, requests: 1_000 });
    const withoutDefault = { ...world, policies: world.policies.filter((p) => p.default !== true) };
    const engine = new CompiledView(buildView(withoutDefault, computer));
    const decisions = requests.map((r) => engine.evaluate(r, NOW));
    const none = decisions.filter((d) => d.policy === null);
    expect(none.length / requests.length).toBeGreaterThan(0.05);
    expect(none.length / requests.length).toBeLessThan(0.25);
    expect(none.every((d) => d.action === 'deny')).toBe(true);
  });

  it('writes rules of every shape, near their shares, and labels every request with its shape', () => {
    const { world, requests, requestShapes } = syntheticWorld({ policies: 5_000, seed: 4, requests: 3_000 });
    const rules = world.applications.flatMap((a) => a.rules);
    const has = (test: (p: string) => boolean, field: 'path' | 'processPath' | 'createdBy' = 'path'): number =>
      rules.filter((r) => r[field] !== undefined && test(r[field])).length;
    expect(has((p) => p.startsWith('regex:'))).toBeGreaterThan(0);
    expect(has((p) => p.includes('?') && !p.startsWith('regex:'))).toBeGreaterThan(0);
    expect(has((p) => /^C:\\Users\\\*\\/.test(p))).toBeGreaterThan(rules.length * 0.03);
    expect(has((p) => /^\*\*\\[^\\]*\*/.test(p))).toBeGreaterThan(0);
    expect(rules.filter((r) => r.processPath !== undefined && r.path === undefined).length).toBeGreaterThan(0);
    expect(rules.filter((r) => r.createdBy !== undefined && r.path === undefined).length).toBeGreaterThan(0);
    expect(requestShapes).toHaveLength(requests.length);
    expect(new Set(requestShapes)).toEqual(new Set(REQUEST_SHAPES));
    const shaRules = rules.filter((r) => r.sha256 !== undefined).length / rules.length;
    const shaShare = (RULE_SHAPES.find(([name]) => name === 'sha256')?.[1] ?? 0) / 100;
    expect(Math.abs(shaRules - shaShare)).toBeLessThan(0.03);
  });

  it('derives requests of each shape that an application decides, and stray ones the default does', () => {
    const { world, computer, byShape } = syntheticWorld({
      policies: 3_000,
      seed: 6,
      requests: 10,
      requestsPerShape: 50,
    });
    const view = buildView(world, computer);
    const engine = new CompiledView(view);
    const linear = new LinearEvaluator(view);
    for (const shape of REQUEST_SHAPES) {
      const list = byShape[shape] ?? [];
      expect(list, shape).toHaveLength(50);
      for (const request of list) {
        const decision = engine.evaluate(request, NOW);
        expect(decision).toEqual(linear.evaluate(request, NOW));
        expect(decision.policy === DEFAULT_POLICY, `${shape}: ${JSON.stringify(request)}`).toBe(shape === 'none');
      }
    }
  });

  it('does not let the per-shape requests change the world or its request stream', () => {
    const a = syntheticWorld({ policies: 300, seed: 12, requests: 200 });
    const b = syntheticWorld({ policies: 300, seed: 12, requests: 200, requestsPerShape: 20 });
    expect(JSON.stringify(b.world)).toBe(JSON.stringify(a.world));
    expect(b.requests).toEqual(a.requests);
  });
});
