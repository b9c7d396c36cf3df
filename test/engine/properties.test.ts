/**
 * Property tests (fast-check) on random valid worlds:
 * (1) the image-based evaluator (a view compiled into its image, stored as
 *     bytes and opened again, as a warm start does) agrees with the
 *     LinearEvaluator reference;
 * (2) shuffling every input list never changes a decision or a suggestion.
 * Plus checks that the generator itself produces what it promises.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateApproval, resolveApprovalQuery } from '../../src/engine/approvals.js';
import { CompiledView, LinearEvaluator } from '../../src/engine/evaluate.js';
import { compileRule, normalizeFile } from '../../src/engine/matcher.js';
import type { ApprovalSuggestion, Decision, SettingValue, World } from '../../src/engine/model.js';
import { validateWorld } from '../../src/engine/validate.js';
import { type ComputerView, buildView } from '../../src/engine/view.js';
import { type ViewImage, compileViewImage, openViewImage } from '../../src/engine/view-image.js';
import { WorldIndex } from '../../src/engine/world.js';
import {
  BASE_TIME_MS,
  type GeneratedWorld,
  HOUR_MS,
  caseTimeMs,
  seededRandom,
  shuffleWorld,
  worldArb,
} from '../support/arbitraries.js';

const NUM_RUNS = 200;

/** The setting overrides every request is decided under. */
const OVERRIDES: (Record<string, SettingValue> | undefined)[] = [
  undefined,
  { prioritizeBuiltInApplications: true },
  { prioritizeBuiltInApplications: false },
];

/** The image of a view after a trip through bytes, as a warm start opens it. */
function storedImage(view: ComputerView): ViewImage {
  const bytes = compileViewImage(view, { snapshotVersion: 1, snapshotHash: null }).bytes.slice();
  return openViewImage(bytes, { snapshotHash: null });
}

function evaluators(world: World): (computer: string) => { compiled: ViewImage; linear: LinearEvaluator } {
  const index = new WorldIndex(world);
  const cache = new Map<string, { compiled: ViewImage; linear: LinearEvaluator }>();
  return (computer) => {
    let entry = cache.get(computer);
    if (entry === undefined) {
      const view = buildView(index, computer);
      entry = { compiled: storedImage(view), linear: new LinearEvaluator(view, 1) };
      cache.set(computer, entry);
    }
    return entry;
  };
}

/** Every decision of a generated world's requests, under every override and two times. */
function allDecisions(g: GeneratedWorld, world: World, extraHours: number): Decision[] {
  const of = evaluators(world);
  const out: Decision[] = [];
  for (const r of g.requests) {
    const { compiled } = of(r.computer);
    for (const settings of OVERRIDES) {
      for (const nowMs of [caseTimeMs(r), BASE_TIME_MS + extraHours * HOUR_MS]) {
        out.push(compiled.evaluate(r.file, settings === undefined ? { nowMs } : { nowMs, settings }));
      }
    }
  }
  return out;
}

function allSuggestions(g: GeneratedWorld, world: World): ApprovalSuggestion[] {
  const index = new WorldIndex(world);
  return g.approvals.map((a) => {
    const view = buildView(index, a.computer);
    return evaluateApproval(view, resolveApprovalQuery(view, a.query));
  });
}

describe('the image-based evaluator agrees with the linear reference', () => {
  it('on random worlds, requests, overrides and evaluation times', () => {
    fc.assert(
      fc.property(worldArb(), fc.integer({ min: -72, max: 72 }), (g, extraHours) => {
        const of = evaluators(g.world);
        for (const r of g.requests) {
          const { compiled, linear } = of(r.computer);
          for (const settings of OVERRIDES) {
            for (const nowMs of [caseTimeMs(r), BASE_TIME_MS + extraHours * HOUR_MS]) {
              const options = settings === undefined ? { nowMs } : { nowMs, settings };
              expect(compiled.evaluate(r.file, options)).toEqual(linear.evaluate(r.file, options));
            }
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('with every policy inherited nowhere (noInheritedPolicies) and no approvals', () => {
    fc.assert(
      fc.property(worldArb({ noInheritedPolicies: true, approvals: false, maxPolicies: 20 }), (g) => {
        const of = evaluators(g.world);
        for (const r of g.requests) {
          const { compiled, linear } = of(r.computer);
          for (const settings of OVERRIDES) {
            const options = settings === undefined ? { nowMs: caseTimeMs(r) } : { nowMs: caseTimeMs(r), settings };
            expect(compiled.evaluate(r.file, options)).toEqual(linear.evaluate(r.file, options));
          }
        }
      }),
      { numRuns: NUM_RUNS / 2 },
    );
  });
});

describe("a case's settings override is an admin pushing the value to that computer", () => {
  it('override = a computer-level agent setting ordered before every other', () => {
    fc.assert(
      fc.property(worldArb({ approvals: false }), fc.boolean(), (g, value) => {
        for (const r of g.requests) {
          const pushed: World = {
            ...g.world,
            agentSettings: [
              ...g.world.agentSettings,
              {
                id: 'zz-pushed',
                type: 'prioritizeBuiltInApplications',
                value,
                appliesTo: { computer: r.computer },
                order: Number.MIN_SAFE_INTEGER,
              },
            ],
          };
          const nowMs = caseTimeMs(r);
          const overridden = new CompiledView(buildView(g.world, r.computer)).evaluate(r.file, {
            nowMs,
            settings: { prioritizeBuiltInApplications: value },
          });
          expect(new CompiledView(buildView(pushed, r.computer)).evaluate(r.file, { nowMs })).toEqual(overridden);
        }
      }),
      { numRuns: NUM_RUNS / 2 },
    );
  });
});

describe('shuffling the inputs never changes an answer', () => {
  it('decisions and suggestions are the same for every order of every list', () => {
    fc.assert(
      fc.property(worldArb(), fc.noBias(fc.integer()), fc.integer({ min: -72, max: 72 }), (g, seed, extraHours) => {
        const shuffled = shuffleWorld(g.world, seededRandom(seed));
        expect(allDecisions(g, shuffled, extraHours)).toEqual(allDecisions(g, g.world, extraHours));
        expect(allSuggestions(g, shuffled)).toEqual(allSuggestions(g, g.world));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('the views are the same up to list order', () => {
    fc.assert(
      fc.property(worldArb({ maxRequests: 3 }), fc.noBias(fc.integer()), (g, seed) => {
        const shuffled = shuffleWorld(g.world, seededRandom(seed));
        for (const c of g.world.computers) {
          const a = buildView(g.world, c.id);
          const b = buildView(shuffled, c.id);
          const byId = <T extends { id: string }>(list: T[]): T[] => [...list].sort((x, y) => (x.id < y.id ? -1 : 1));
          expect(byId(b.policies)).toEqual(byId(a.policies));
          expect(byId(b.approvalPolicies)).toEqual(byId(a.approvalPolicies));
          expect(b.settings).toEqual(a.settings);
          expect(b.settingSources).toEqual(a.settingSources);
          expect({ ...b, policies: [], approvalPolicies: [], applications: [] }).toEqual({
            ...a,
            policies: [],
            approvalPolicies: [],
            applications: [],
          });
        }
      }),
      { numRuns: NUM_RUNS / 4 },
    );
  });
});

describe('the generator', () => {
  it('produces valid worlds', () => {
    for (const options of [{}, { noInheritedPolicies: true }, { noFlatUnderHierarchical: true, approvals: false }]) {
      fc.assert(
        fc.property(worldArb(options), (g) => {
          expect(validateWorld(g.world)).toEqual([]);
        }),
        { numRuns: 100 },
      );
    }
  });

  it('keeps its promises: depth, negative orders, inheritance, structure', () => {
    fc.assert(
      fc.property(worldArb({ noInheritedPolicies: true, noFlatUnderHierarchical: true }), (g) => {
        const index = new WorldIndex(g.world);
        for (const org of g.world.organizations) {
          expect(index.depth(org.id)).toBeLessThanOrEqual(3);
          if (org.structure === 'flat' && org.parent !== undefined)
            expect(index.org(org.parent).structure).toBe('flat');
        }
        for (const p of g.world.policies) {
          const own = index.appliesToOrg(p.appliesTo);
          if (p.order < 0) expect(index.org(own).structure).toBe('hierarchical');
          for (const c of index.coveredComputers(p.appliesTo)) expect(index.computerOrg(c.id)).toBe(own);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('shuffleWorld keeps every entry and the gate order, and leaves its input alone', () => {
    fc.assert(
      fc.property(worldArb(), fc.noBias(fc.integer()), (g, seed) => {
        const before = structuredClone(g.world);
        const shuffled = shuffleWorld(g.world, seededRandom(seed));
        expect(g.world).toEqual(before);
        const byId = <T extends { id: string }>(list: readonly T[]): T[] =>
          [...list].sort((a, b) => (a.id < b.id ? -1 : 1));
        const ruleSet = (w: World) =>
          byId(w.applications).map((a) => ({ ...a, rules: a.rules.map((r) => JSON.stringify(r)).sort() }));
        expect(byId(shuffled.organizations)).toEqual(byId(g.world.organizations));
        expect(byId(shuffled.groups)).toEqual(byId(g.world.groups));
        expect(byId(shuffled.computers)).toEqual(byId(g.world.computers));
        expect(byId(shuffled.policies)).toEqual(byId(g.world.policies));
        expect(byId(shuffled.agentSettings)).toEqual(byId(g.world.agentSettings));
        expect(byId(shuffled.approvalPolicies)).toEqual(byId(g.world.approvalPolicies));
        expect(ruleSet(shuffled)).toEqual(ruleSet(g.world));
        expect(shuffled.gates).toEqual(g.world.gates);
      }),
      { numRuns: 50 },
    );
  });

  it('draws requests that mostly match some rule, and some that match none', () => {
    const samples = fc.sample(worldArb(), { numRuns: 200, seed: 7 });
    let requests = 0;
    let matching = 0;
    let decidedByApp = 0;
    const kinds = new Set<string>();
    for (const g of samples) {
      const index = new WorldIndex(g.world);
      for (const p of g.world.policies) kinds.add(Object.keys(p.appliesTo)[0] as string);
      for (const r of g.requests) {
        requests++;
        const os = index.computerGroup(r.computer).os;
        const nf = normalizeFile(r.file, os);
        if (g.world.applications.some((a) => a.rules.some((rule) => compileRule(rule, os).test(nf)))) matching++;
        const d = new LinearEvaluator(buildView(index, r.computer)).evaluate(r.file, { nowMs: caseTimeMs(r) });
        if (d.application !== null) decidedByApp++;
      }
    }
    expect(matching / requests).toBeGreaterThan(0.5);
    expect(matching / requests).toBeLessThan(0.95);
    expect(decidedByApp / requests).toBeGreaterThan(0.15);
    expect([...kinds].sort()).toEqual(['computer', 'global', 'globalGroup', 'group', 'organization']);
  });
});
