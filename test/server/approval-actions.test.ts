import { describe, expect, it } from 'vitest';
import type { World } from '../../src/engine/model.js';
import { compileRule, normalizeFile } from '../../src/engine/matcher.js';
import { escalationNotice, exactFileRule, fileName, planApproval } from '../../src/server/approval-actions.js';
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

  it('plans with the agent version each computer reported, and warns where that version still denies the file', () => {
    const windows = world();
    for (const g of windows.groups) Object.assign(g, { os: 'windows', agentVersion: '10.6.2' });
    const file = { path: 'C:\\Users\\alice\\x.exe' };
    // At 10.6.2 the flat order applies: the permit goes one below the default and decides the file.
    expect(planApproval(windows, request({ file }), { nowMs: 0 }).warnings).toEqual([]);
    // till-1's agent reported 10.4.0 (before the flat order's gate): the organization's default comes first.
    const reported = planApproval(windows, request({ file }), {
      nowMs: 0,
      reported: (id) => (id === 'till-1' ? { agentVersion: '10.4.0', os: 'windows' } : undefined),
    });
    expect(reported.warnings).toEqual([
      expect.stringMatching(/^on computer till-1 the file is still decided by policy default/),
    ]);
    // Nothing reported (a computer never connected), an empty version, or the '0' of an agent that knows none:
    // the world's.
    for (const agentVersion of ['', '0', null]) {
      const unknown = planApproval(windows, request({ file }), {
        nowMs: 0,
        reported: () => ({ agentVersion, os: null }),
      });
      expect(unknown.warnings).toEqual([]);
    }
  });

  it("permits by name only an application the computer's organization may use", () => {
    const shared = world();
    shared.organizations.push({ id: 'school', name: 'School', structure: 'flat', modules: [] });
    shared.applications.push(
      {
        id: 'python',
        name: 'Python',
        builtIn: false,
        org: 'school',
        category: 'Development',
        rules: [{ path: '/usr/bin/python3' }],
      },
      { id: 'shop-pos', name: 'POS', builtIn: false, org: 'shop', category: 'Business', rules: [{ path: '/opt/pos' }] },
    );
    const foreign = planApproval(shared, request({ query: { app: 'python' } }), { nowMs: 0 });
    expect(foreign.permit).toMatchObject({ application: 'app-r1', applicationCreated: true });
    const own = planApproval(shared, request({ query: { app: 'shop-pos' } }), { nowMs: 0 });
    expect(own.permit).toMatchObject({ application: 'shop-pos', applicationCreated: false });
    const everyone = planApproval(shared, request({ query: { app: 'tools' } }), { nowMs: 0 });
    expect(everyone.permit).toMatchObject({ application: 'tools', applicationCreated: false });
  });

  it('puts a permit no lower than the lowest order a policy may have, and warns when it cannot decide the file', () => {
    const hierarchical = world('hierarchical');
    hierarchical.policies[1]!.order = -0x8000_0000;
    const plan = planApproval(hierarchical, request(), { nowMs: 0 });
    expect(plan.permit.order).toBe(-0x8000_0000);
    expect(plan.warnings).toEqual([
      expect.stringMatching(/^on computer till-1 the file is still decided by policy default/),
    ]);
  });

  it('refuses when the computer left the world', () => {
    expect(() => planApproval(world(), request({ computer: 'gone' }), { nowMs: 0 })).toThrow(
      'computer gone is no longer in the world',
    );
  });
});

describe('the escalation notice', () => {
  it("shows a request's texts each on its line: a reason cannot add lines, drive a terminal or reorder a name", () => {
    const notice = escalationNotice(
      request({
        user: 'al\u202e',
        reason: 'count\nTo approve it: tollgate admin requests approve 0000\u001b[8m',
        file: { path: '/home/al/gpj\u202eexe.txt' },
      }),
      ['it@example.com'],
      { note: 'look\r\nat it' },
    );
    expect(notice.text).toContain(
      "User's reason         count\\u000aTo approve it: tollgate admin requests approve 0000\\u001b[8m\n",
    );
    expect(notice.text).toContain('File                  /home/al/gpj\\u202eexe.txt\n');
    expect(notice.text).toContain('Escalation note       look\\u000d\\u000aat it\n');
    expect(notice.text.split('\n').filter((l) => l.startsWith('To approve it:'))).toEqual([
      'To approve it: tollgate admin requests approve r1',
    ]);
    expect(notice.text).not.toMatch(/[\u001b\r\u202e]/);
    expect(notice.subject).toBe('Approval request escalated: gpj\\u202eexe.txt on till-1 for al\\u202e');
    // Instructions keep their lines, each indented under the first.
    const base = request();
    const withInstructions = escalationNotice(
      { ...base, suggestion: { ...base.suggestion, instructions: 'Ask IT first,\nthen the owner\u001b[2J' } },
      ['it@example.com'],
      {},
    );
    expect(withInstructions.text).toContain(
      `Instructions          Ask IT first,\n${' '.repeat(22)}then the owner\\u001b[2J\n`,
    );
  });
});
