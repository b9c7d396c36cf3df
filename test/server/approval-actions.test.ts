import { describe, expect, it } from 'vitest';
import type { World } from '../../src/engine/model.js';
import { compileRule, normalizeFile } from '../../src/engine/matcher.js';
import { exactFileRule, fileName, planApproval } from '../../src/server/approval-actions.js';
import type { ApprovalRequestRecord } from '../../src/server/types.js';

function world(structure: 'flat' | 'hierarchical' = 'flat'): World {
  return {
    organizations: [{ id: 'shop', name: 'Shop', structure, modules: ['cyberHeroApprovals'] }],
    groups: [
      { id: 'tills', org: 'shop', name: 'Tills', os: 'linux', agentVersion: '10.6.2' },
      { id: 'office', org: 'shop', name: 'Office', os: 'linux', agentVersion: '10.6.2' },
    ],
    computers: [
      { id: 'till-1', group: 'tills' },
      { id: 'till-2', group: 'tills' },
      { id: 'office-1', group: 'office' },
    ],
    applications: [{ id: 'tools', name: 'Tools', builtIn: false, rules: [{ path: '/opt/tools/**' }] }],
    policies: [
      { id: 'tools-deny', app: 'tools', appliesTo: { group: 'tills' }, action: 'deny', order: 0, enabled: true },
      {
        id: 'default',
        default: true,
        appliesTo: { organization: 'shop' },
        action: 'denyWithRequest',
        order: 500,
        enabled: true,
      },
    ],
    agentSettings: [],
    approvalPolicies: [],
    approvalSettings: [],
  };
}

function request(overrides: Partial<ApprovalRequestRecord> = {}): ApprovalRequestRecord {
  const suggestion = {
    suggestion: 'escalate' as const,
    policy: null,
    reason: '',
    permitTarget: 'computer' as const,
    instructions: '',
    escalationEmails: [],
    warnings: [],
  };
  return {
    id: 'r1',
    computer: 'till-1',
    group: 'tills',
    org: 'shop',
    submittedAtMs: 0,
    receivedAtMs: 0,
    file: { path: '/home/alice/x.bin' },
    user: 'alice',
    reason: 'work',
    query: { category: 'Business', primaryCompanyInfluence: ['gb', 'XX'] },
    suggestion,
    agentSuggestion: suggestion,
    warnings: [],
    status: 'pending',
    history: [],
    ...overrides,
  };
}

describe('the rule of an approved file', () => {
  it('is the hash when there is one, else the exact path', () => {
    expect(exactFileRule({ path: '/a/b', sha256: 'AB'.repeat(32) })).toEqual({ sha256: 'ab'.repeat(32) });
    expect(exactFileRule({ path: '/a/b', sha256: 'not-a-hash' })).toEqual({ path: '/a/b' });
    expect(exactFileRule({ path: 'C:\\Apps\\x.exe' })).toEqual({ path: 'C:\\Apps\\x.exe' });
  });

  it('matches a path with wildcard characters literally', () => {
    for (const path of ['/tmp/what?.sh', '/tmp/a*b.(1)+[x].sh', 'regex:odd']) {
      const rule = exactFileRule({ path });
      expect(rule.path).toMatch(/^regex:/);
      const { test } = compileRule(rule, 'linux');
      const matches = (p: string): boolean => test(normalizeFile({ path: p }, 'linux'));
      expect(matches(path)).toBe(true);
      expect(matches(`${path}x`)).toBe(false);
      if (/[?*]/.test(path)) expect(matches(path.replace(/[?*]/, 'Q'))).toBe(false);
    }
  });

  it('names the file', () => {
    expect(fileName('C:\\Apps\\x.exe')).toBe('x.exe');
    expect(fileName('/opt/y')).toBe('y');
  });
});

describe('planning an approval', () => {
  it('approves a request whose file name and user are as long as a request may carry', () => {
    const name = `${'n'.repeat(3_000)}.exe`;
    const user = `${'u'.repeat(254)}😀x`;
    const plan = planApproval(world(), request({ file: { path: `/home/${name}` }, user }), { nowMs: 0 });
    const app = plan.world.applications.at(-1)!;
    expect(app.rules).toEqual([{ path: `/home/${name}` }]);
    expect(app.name).toBe(`${'n'.repeat(255)}… (approved request r1)`);
    const policy = plan.world.policies.find((p) => p.app === app.id)!;
    // The user is cut before the pair that would pass the bound, not between its halves.
    expect(policy.name).toBe(`approved request r1: ${'n'.repeat(255)}… for ${'u'.repeat(254)}…`);
  });

  it('numbers the permit one below the policy that decides the file now', () => {
    const plan = planApproval(world(), request({ file: { path: '/opt/tools/helper' } }), { nowMs: 0 });
    // tools-deny (group level) has order 0 in a flat organization: the permit takes 0 too and wins
    // the tie by level (computer 3 before group 4).
    expect(plan.permit).toMatchObject({ order: 0, target: 'computer', appliesTo: { computer: 'till-1' } });
    expect(plan.warnings).toEqual([]);
    const other = planApproval(world(), request(), { nowMs: 0 });
    expect(other.permit.order).toBe(499);
    expect(other.world.applications.at(-1)).toMatchObject({
      id: 'app-r1',
      org: 'shop',
      category: 'Business',
      primaryCompanyInfluence: ['GB'],
      rules: [{ path: '/home/alice/x.bin' }],
    });
  });

  it('numbers it one below a permit that decides the file now too, not ahead of every policy', () => {
    const permitted = world();
    permitted.policies.push({
      id: 'tools-permit',
      app: 'tools',
      appliesTo: { computer: 'till-1' },
      action: 'permit',
      order: 6,
      enabled: true,
    });
    permitted.policies[0]!.order = 7;
    const plan = planApproval(permitted, request({ file: { path: '/opt/tools/helper' } }), { nowMs: 0 });
    expect(plan.permit.order).toBe(5);
  });

  it('goes negative only where the structure allows it, and covers the whole group for a group target', () => {
    const hierarchical = world('hierarchical');
    hierarchical.policies[1]!.order = 0;
    const plan = planApproval(hierarchical, request(), { nowMs: 0, target: 'group' });
    expect(plan.permit).toMatchObject({ order: -1, target: 'group', appliesTo: { group: 'tills' } });
    expect(plan.computers).toEqual(['till-1', 'till-2']);
    // Hierarchical: the organization-level default comes before every group-level policy.
    expect(plan.warnings).toHaveLength(2);
  });

  it('changes nothing when the permit exists already', () => {
    const first = planApproval(world(), request(), { nowMs: 0 });
    const again = planApproval(first.world, request(), { nowMs: 0 });
    expect(again.world).toBe(first.world);
    expect(again.permit).toEqual(first.permit);
  });

  it('refuses when the computer left the world', () => {
    expect(() => planApproval(world(), request({ computer: 'gone' }), { nowMs: 0 })).toThrow(
      'computer gone is no longer in the world',
    );
  });
});
