/**
 * The example worlds of examples/ and the contract example
 * (examples/contract, the worked example of SPEC.md): they load without a
 * problem, every fixture case passes, lint reports exactly the
 * warnings designed into examples/world.yaml, and the school of
 * examples/school-upgrade.yaml upgrades to flat with its decisions unchanged.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lintWorld } from '../src/engine/lint.js';
import type { World } from '../src/engine/model.js';
import { type CaseResult, ScenarioTarget, runCases } from '../src/engine/replay.js';
import { upgradeToFlat } from '../src/engine/upgrade.js';
import {
  loadFixtures,
  loadScenario,
  parseScenario,
  serializeScenario,
  validateFixtures,
} from '../src/scenario/load.js';
import type { FixtureCase } from '../src/scenario/schema.js';

/** Cases without `at` are evaluated at this instant (before the example's expiring policy expires). */
const FIXED_NOW = Date.parse('2026-11-22T12:00:00Z');

function pathOf(relative: string): string {
  return fileURLToPath(new URL(relative, import.meta.url));
}

const EXAMPLE_WORLD = pathOf('../examples/world.yaml');
const EXAMPLE_CASES = pathOf('../examples/cases.yaml');
const TILL_1_CASES = pathOf('../examples/cases-till-1.yaml');
const UPGRADE_WORLD = pathOf('../examples/school-upgrade.yaml');
const UPGRADE_CASES = pathOf('../examples/school-upgrade-cases.yaml');
const CONTRACT_WORLD = pathOf('../examples/contract/example-scenario.yaml');
const CONTRACT_CASES = pathOf('../examples/contract/example-cases.yaml');

function failures(results: readonly CaseResult[]): string[] {
  return results
    .filter((r) => !r.passed)
    .map(
      (r) =>
        `${r.name}: ${r.error ?? `fields ${r.mismatches.join(', ')} differ`}; expected ${JSON.stringify(r.expected)}, got ${JSON.stringify(r.got)}`,
    );
}

async function replay(world: World, cases: readonly FixtureCase[]): Promise<CaseResult[]> {
  return runCases(new ScenarioTarget(world, () => FIXED_NOW), cases);
}

describe('examples/world.yaml and examples/cases.yaml', () => {
  it('load with no problem and every case passes', async () => {
    const world = await loadScenario(EXAMPLE_WORLD);
    const cases = await loadFixtures(EXAMPLE_CASES);
    expect(validateFixtures(cases, world)).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    const results = await replay(world, cases);
    expect(failures(results)).toEqual([]);
    expect(results.filter((r) => r.passed)).toHaveLength(cases.length);
  });

  it('lint reports exactly the warnings designed into the example', async () => {
    const warnings = lintWorld(await loadScenario(EXAMPLE_WORLD));
    expect(warnings.map((w) => [w.code, w.list, w.id])).toEqual([
      // 300 twice in the flat bakery: bakery-zoom-ringfence wins the tie (organization before group).
      ['duplicate-order', 'policies', 'bakery-zoom-ringfence'],
      // ... so the tills' Zoom deny can never decide,
      ['shadowed-policy', 'policies', 'tills-zoom-deny'],
      // and in the hierarchical school the organization's Notepad++ deny comes before the group's permit.
      ['shadowed-policy', 'policies', 'labs-npp-permit'],
      // The flat bakery's back office runs agent 10.4.0, below the 10.5.3 gate.
      ['flat-below-gate', 'organizations', 'bakery'],
      // No application of the example has the category Business: these policies meet only requests naming it.
      ['unknown-category', 'approvalPolicies', 'ap-pos-plugins'],
      ['unknown-category', 'approvalPolicies', 'ap-business-office'],
      ['unknown-category', 'approvalPolicies', 'ap-business-all'],
    ]);
    expect(warnings[0]?.message).toContain('tills-zoom-deny');
    expect(warnings[1]?.message).toContain('bakery-zoom-ringfence');
    expect(warnings[2]?.message).toContain('school-npp-deny');
    expect(warnings[3]?.message).toContain('bakery-backoffice');
    expect(warnings[3]?.message).toContain('10.4.0');
  });

  it('shows every feature of the scenario format', async () => {
    const world = await loadScenario(EXAMPLE_WORLD);
    const orgs = new Map(world.organizations.map((o) => [o.id, o]));
    expect([...orgs.values()].map((o) => o.structure).sort()).toEqual(['flat', 'flat', 'flat', 'flat', 'hierarchical']);
    expect(world.groups.map((g) => g.os)).toEqual(expect.arrayContaining(['windows', 'macos', 'linux']));
    expect(world.computers.some((c) => c.agentVersion !== undefined)).toBe(true);
    expect(world.applications.some((a) => a.builtIn)).toBe(true);
    expect(world.applications.some((a) => !a.builtIn)).toBe(true);

    const rules = world.applications.flatMap((a) => a.rules);
    for (const field of ['path', 'processPath', 'createdBy', 'sha256', 'certSubject', 'certThumbprint'] as const) {
      expect(
        rules.some((r) => r[field] !== undefined),
        `a rule with ${field}`,
      ).toBe(true);
    }
    const paths = rules.map((r) => r.path ?? '');
    expect(paths.some((p) => p.startsWith('regex:'))).toBe(true);
    expect(paths.some((p) => p.includes('**'))).toBe(true);
    expect(paths.some((p) => /(^|[^*])\*([^*]|$)/.test(p) && !p.startsWith('regex:'))).toBe(true);
    expect(paths.some((p) => p.includes('?') && !p.startsWith('regex:'))).toBe(true);
    expect(paths.some((p) => p !== '' && !/[*?]/.test(p) && !p.startsWith('regex:'))).toBe(true);

    const levels = new Set(world.policies.map((p) => Object.keys(p.appliesTo)[0]));
    expect([...levels].sort()).toEqual(['computer', 'global', 'globalGroup', 'group', 'organization']);
    expect(new Set(world.policies.map((p) => p.action))).toEqual(
      new Set(['permit', 'deny', 'denyWithRequest', 'ringfence']),
    );
    expect(world.policies.some((p) => !p.enabled)).toBe(true);
    expect(world.policies.some((p) => p.expiresAt !== undefined)).toBe(true);
    expect(world.policies.some((p) => p.default === true)).toBe(true);
    expect(world.policies.some((p) => p.action === 'ringfence' && p.ringfence !== undefined)).toBe(true);
    expect(world.policies.some((p) => p.order < 0)).toBe(true);

    expect(world.agentSettings.some((s) => s.type === 'prioritizeBuiltInApplications' && s.value === false)).toBe(true);
    expect(world.gates).toBeDefined();

    const scopes = new Set(world.approvalPolicies.map((p) => Object.keys(p.appliesTo)[0]));
    expect([...scopes].sort()).toEqual(['computers', 'groups', 'organization']);
    expect(new Set(world.approvalPolicies.map((p) => p.countries.mode))).toEqual(new Set(['allow', 'deny']));
    expect(world.approvalPolicies.some((p) => !p.active)).toBe(true);
    expect(world.approvalPolicies.some((p) => p.subcategory !== undefined)).toBe(true);
    // useParent through two levels: the café's escalation comes from the bakery, whose comes from the MSP.
    const settingsOf = (org: string) => world.approvalSettings.find((s) => s.org === org);
    expect(settingsOf('bakery-cafe')?.escalation?.useParent).toBe(true);
    expect(settingsOf('bakery')?.escalation?.useParent).toBe(true);
    expect(settingsOf('bakery')?.guidelines?.instructions).toMatch(/https:\/\//);

    const cases = await loadFixtures(EXAMPLE_CASES);
    const suggestions = new Set(cases.map((c) => c.expect['suggestion']).filter((s) => s !== undefined));
    expect(suggestions).toEqual(new Set(['approve', 'escalate', 'reject', 'none']));
    expect(cases.some((c) => c.at !== undefined)).toBe(true);
    expect(cases.some((c) => c.settings !== undefined)).toBe(true);
    expect(cases.some((c) => c.approval !== undefined && 'app' in c.approval)).toBe(true);
    expect(cases.some((c) => c.approval !== undefined && 'category' in c.approval)).toBe(true);
  });

  it('examples/cases-till-1.yaml holds exactly the till-1 cases of examples/cases.yaml', async () => {
    const all = await loadFixtures(EXAMPLE_CASES);
    const tillOne = await loadFixtures(TILL_1_CASES);
    expect(tillOne).toEqual(all.filter((c) => c.computer === 'till-1'));
    expect(tillOne.length).toBeGreaterThan(0);
  });

  it('the school of the example world can be upgraded; the bakery is refused with every unmet condition', async () => {
    const world = await loadScenario(EXAMPLE_WORLD);
    expect(upgradeToFlat(world, 'school', { acknowledge: true }).ok).toBe(true);
    const refused = upgradeToFlat(world, 'bakery', { acknowledge: false });
    if (refused.ok) throw new Error('the bakery was upgraded');
    expect(refused.problems).toHaveLength(3);
    expect(refused.problems[0]).toMatch(/already flat/);
    expect(refused.problems[1]).toMatch(/bakery-backoffice.*10\.4\.0/);
    expect(refused.problems[2]).toMatch(/acknowledge/);
  });
});

describe('the contract example', () => {
  it('loads and all 9 cases pass', async () => {
    const world = await loadScenario(CONTRACT_WORLD);
    const cases = await loadFixtures(CONTRACT_CASES);
    expect(validateFixtures(cases, world)).toEqual([]);
    const results = await replay(world, cases);
    expect(failures(results)).toEqual([]);
    expect(results.filter((r) => r.passed)).toHaveLength(9);
  });
});

describe('examples/school-upgrade.yaml', () => {
  it('is clean, and its cases pass before the upgrade', async () => {
    const world = await loadScenario(UPGRADE_WORLD);
    const cases = await loadFixtures(UPGRADE_CASES);
    expect(validateFixtures(cases, world)).toEqual([]);
    expect(lintWorld(world)).toEqual([]);
    expect(failures(await replay(world, cases))).toEqual([]);
  });

  it('upgrades the school: built-ins from 101, others from 100001, defaults 1000000, one inherited discrepancy', async () => {
    const world = await loadScenario(UPGRADE_WORLD);
    const plan = upgradeToFlat(world, 'school', { acknowledge: true });
    if (!plan.ok) throw new Error(plan.problems.join('; '));
    expect(plan.renumbered.map((r) => [r.policy, r.from, r.to])).toEqual([
      ['labs-zoom-permit', 10, 101],
      ['school-python-ringfence', -10, 100001],
      ['school-scripts-deny', 5, 100002],
      ['school-user-exes-deny', 20, 100003],
      ['lab-1-robotics-permit', 99, 100004],
      ['labs-robotics-deny', 2, 100005],
      ['macs-homebrew-deny', 10, 100006],
      ['labs-default', 1000000, 1000000],
      ['library-default', 1000000, 1000000],
      ['macs-default', 1000000, 1000000],
    ]);
    // The MSP's Office policy (102) was processed before the labs' Zoom policy (a group level); now it is after 101.
    expect(plan.discrepancies).toEqual([
      { computer: 'lab-1', policy: 'labs-zoom-permit', nowBefore: 'msp-office-permit' },
      { computer: 'lab-2', policy: 'labs-zoom-permit', nowBefore: 'msp-office-permit' },
    ]);
    expect(plan.world.organizations.find((o) => o.id === 'school')?.structure).toBe('flat');
  });

  it('decides the same after the upgrade, also once written out and loaded back', async () => {
    const world = await loadScenario(UPGRADE_WORLD);
    const cases = await loadFixtures(UPGRADE_CASES);
    const plan = upgradeToFlat(world, 'school', { acknowledge: true });
    if (!plan.ok) throw new Error(plan.problems.join('; '));
    const upgradedResults = await replay(plan.world, cases);
    expect(failures(upgradedResults)).toEqual([]);
    expect(upgradedResults.every((r) => r.got?.['structure'] === 'flat')).toBe(true);
    const reloaded = parseScenario(serializeScenario(plan.world, 'yaml'), 'school-flat.yaml');
    expect(failures(await replay(reloaded, cases))).toEqual([]);
  });

  it('after the upgrade lint flags equal default numbers only where they meet on a computer, and turning prioritization off is no longer equivalent', async () => {
    const world = await loadScenario(UPGRADE_WORLD);
    const plan = upgradeToFlat(world, 'school', { acknowledge: true });
    if (!plan.ok) throw new Error(plan.problems.join('; '));
    // Every default policy gets 1000000: the school had one per group. Each covers only its own group's
    // computers, so the equal numbers never meet on a computer and decide nothing: no warning.
    const upgraded = plan.world;
    expect(lintWorld(upgraded).map((w) => [w.code, w.id])).toEqual([]);
    const defaults = upgraded.policies.filter((p) => p.default === true && p.order === 1000000);
    expect(defaults.length).toBeGreaterThan(1);
    // A school-wide default at the same number meets every group's default on their computers.
    const [firstDefault] = defaults;
    if (firstDefault === undefined) throw new Error('no default policy');
    upgraded.policies.push({ ...firstDefault, id: 'school-wide-default', appliesTo: { organization: 'school' } });
    expect(lintWorld(upgraded).filter((w) => w.code === 'duplicate-order')).toHaveLength(1);
    // The numbering reproduces the built-ins-first order. With prioritization off, the labs' built-in Zoom
    // policy (now 101) comes before the organization's custom deny (now 100003), unlike the hierarchical order.
    const zoom = { path: 'C:\\Users\\pupil\\AppData\\Roaming\\Zoom\\bin\\Zoom.exe' };
    const strict = { settings: { prioritizeBuiltInApplications: false } };
    expect(new ScenarioTarget(world, () => FIXED_NOW).decide('lab-1', zoom, strict).policy).toBe(
      'school-user-exes-deny',
    );
    expect(new ScenarioTarget(plan.world, () => FIXED_NOW).decide('lab-1', zoom, strict).policy).toBe(
      'labs-zoom-permit',
    );
  });
});
