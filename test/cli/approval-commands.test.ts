// `tollgate admin approvals|organizations|modules|requests` against a real
// admin API (listening on port 0) over the real server state in a temp directory.
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseApprovalAppliesTo, parseList } from '../../src/cli/approval-commands.js';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import type { World } from '../../src/engine/model.js';
import type { ApprovalSubmission } from '../../src/wire/sync-messages.js';
import type { ServerState } from '../../src/server/state.js';
import { type TempState, startRecordedAdminApi, adminWorld, openTempState } from '../server/admin-harness.js';

const TOKEN = 'cli-approvals-token';

let app: FastifyInstance;
let temp: TempState;
let state: ServerState;
let url: string;

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), nowMs: () => 0 };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

function admin(...args: string[]) {
  return run('admin', '--server', url, '--token', TOKEN, ...args);
}

function world(): World {
  const w = adminWorld();
  w.organizations = w.organizations.map((o) => (o.id === 'shop' ? { ...o, modules: ['cyberHeroApprovals'] } : o));
  w.policies.push({
    id: 'p-shop-default',
    default: true,
    appliesTo: { organization: 'shop' },
    action: 'denyWithRequest',
    order: 100,
    enabled: true,
  });
  w.approvalPolicies = [
    {
      id: 'ap-1',
      org: 'shop',
      order: 1,
      active: true,
      action: 'escalate',
      category: 'Shopping',
      appliesTo: { organization: 'shop' },
      countries: { mode: 'deny', list: ['CN'] },
    },
  ];
  return w;
}

beforeEach(async () => {
  temp = await openTempState(world());
  state = temp.state;
  ({ app, url } = await startRecordedAdminApi(state, TOKEN, [
    { action: 'reject', category: 'Games', countries: { mode: 'deny', list: [] }, active: true },
  ]));
});

afterEach(async () => {
  await app.close();
  await temp.close();
});

describe('option parsing', () => {
  it('reads lists and approval scopes', () => {
    expect(parseList('CN, ru,,GB')).toEqual(['CN', 'ru', 'GB']);
    expect(parseApprovalAppliesTo('organization', 'shop')).toEqual({ organization: 'shop' });
    expect(parseApprovalAppliesTo('groups=a,b', 'shop')).toEqual({ groups: ['a', 'b'] });
    expect(parseApprovalAppliesTo('computers=pc-1', 'shop')).toEqual({ computers: ['pc-1'] });
    expect(() => parseApprovalAppliesTo('site=x', 'shop')).toThrow(
      /--applies-to takes organization, groups=G1,G2 or computers=C1,C2/,
    );
  });
});

describe('tollgate admin approvals', () => {
  it('adds at the top, moves, deactivates and deletes', async () => {
    const added = await admin(
      'approvals',
      'add',
      '--org',
      'shop',
      '--id',
      'ap-new',
      '--category',
      'Remote Access',
      '--action',
      'reject',
      '--country-mode',
      'allow',
      '--countries',
      'us,GB',
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const lines = added.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^org\s+order\s+policy\s+enabled\s+action\s+category\s+subcategory\s+applies to\s+countries$/,
    );
    expect(lines[1]).toMatch(/^shop\s+1\s+ap-new\s+yes\s+reject\s+Remote Access\s+organization\s+allow US,GB$/);
    expect(lines[2]).toMatch(/^shop\s+2\s+ap-1\s+/);
    expect(added.stdout).toContain('approval policy ap-new added;');

    expect((await admin('approvals', 'move', 'ap-1', '--order', '1')).code).toBe(0);
    expect(
      state
        .world()
        .approvalPolicies.map((p) => [p.id, p.order])
        .sort(),
    ).toEqual([
      ['ap-1', 1],
      ['ap-new', 2],
    ]);
    // One vocabulary: enable/disable and --enabled; activate/deactivate and --active are aliases.
    expect((await admin('approvals', 'deactivate', 'ap-new')).stdout).toContain('approval policy ap-new disabled');
    expect(state.world().approvalPolicies.find((p) => p.id === 'ap-new')?.active).toBe(false);
    expect((await admin('approvals', 'enable', 'ap-new')).stdout).toContain('approval policy ap-new enabled');
    expect(state.world().approvalPolicies.find((p) => p.id === 'ap-new')?.active).toBe(true);
    expect((await admin('approvals', 'set', 'ap-new', '--active', 'false')).code).toBe(0);
    expect(state.world().approvalPolicies.find((p) => p.id === 'ap-new')?.active).toBe(false);
    expect((await admin('approvals', 'set', 'ap-new', '--enabled', 'true')).code).toBe(0);
    expect(state.world().approvalPolicies.find((p) => p.id === 'ap-new')?.active).toBe(true);
    const both = await admin('approvals', 'set', 'ap-new', '--enabled', 'true', '--active', 'false');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give --enabled or --active (the same option), not both');
    expect((await admin('approvals', 'disable', 'ap-new')).code).toBe(0);
    expect(
      (await admin('approvals', 'set', 'ap-new', '--countries', 'CN', '--applies-to', 'groups=shop-pcs')).code,
    ).toBe(0);
    expect(state.world().approvalPolicies.find((p) => p.id === 'ap-new')).toMatchObject({
      countries: { mode: 'allow', list: ['CN'] },
      appliesTo: { groups: ['shop-pcs'] },
    });
    expect((await admin('approvals', 'delete', 'ap-new')).stdout).toContain('approval policy ap-new deleted');
    const list = await admin('approvals', 'list', '--org', 'shop');
    expect(list.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('prints each problem the server names, and exits 2', async () => {
    const bad = await admin(
      'approvals',
      'add',
      '--org',
      'shop',
      '--id',
      'x',
      '--category',
      'Shopping',
      '--country-mode',
      'allow',
      '--order',
      '-2',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error: approvalPolicies[x]: order -2 must be an integer from 0 to 4294967295\n');
    expect(bad.stderr).toContain(
      'error: approvalPolicies[x]: countries.list must name at least one country when mode is allow\n',
    );
    const missing = await admin('approvals', 'add', '--org', 'shop');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--category/);
    const nothing = await admin('approvals', 'set', 'ap-1');
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/nothing to change/);
  });

  it('shows an organization as misconfigured until it has an escalation address, and strips links from instructions', async () => {
    const before = await admin('approvals', 'settings', 'shop');
    expect(before.stdout).toContain('status           MISCONFIGURED: no escalation address');
    const orgs = await admin('organizations');
    expect(orgs.stdout).toMatch(
      /\nshop\s+Shop\s+msp\s+hierarchical\s+cyberHeroApprovals\s+on, MISCONFIGURED: no escalation address\n/,
    );
    expect(orgs.stdout).toMatch(/\nacme\s+Acme\s+flat\s+-\s+off\n/);

    const refused = await admin('approvals', 'escalation', 'shop', '--email', 'nobody');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      'error: approvalSettings[shop]: escalation.emails "nobody" is not a valid email address',
    );

    const saved = await admin('approvals', 'escalation', 'shop', '--email', 'it@shop.example,boss@shop.example');
    expect(saved.code).toBe(0);
    expect(saved.stdout).toContain('escalation to  it@shop.example, boss@shop.example');
    expect(saved.stdout).toContain('status           ok');

    const guided = await admin(
      'approvals',
      'guidelines',
      'shop',
      '--permit-target',
      'group',
      '--instructions',
      'Read http://wiki.example/approvals first',
    );
    expect(guided.code).toBe(0);
    expect(guided.stdout).toContain('instructions   Read [link removed] first');
    expect(guided.stdout).toContain(
      'note           1 link removed from the instructions: external links are never used',
    );
    expect(guided.stdout).toContain('permit target  group');
  });

  it('enables the module with its default policies and warns about the missing address', async () => {
    const enabled = await admin('modules', 'enable', 'acme');
    expect(enabled.code).toBe(0);
    expect(enabled.stdout).toContain('module cyberHeroApprovals enabled on acme');
    expect(enabled.stdout).toMatch(/acme\s+1\s+acme-default-1\s+yes\s+reject\s+Games/);
    expect(enabled.stderr).toMatch(
      /^warning: organization acme has the cyberHeroApprovals module but no escalation address/,
    );
    expect((await admin('modules', 'disable', 'acme')).stdout).toContain('module cyberHeroApprovals disabled on acme');
  });
});

describe('tollgate admin requests', () => {
  async function submit(id: string, overrides: Partial<ApprovalSubmission> = {}): Promise<void> {
    await state.recordApprovalRequest(
      'pc-1',
      {
        requestId: id,
        submittedAtMs: 0,
        file: { path: 'C:\\Users\\al\\shop.exe' },
        user: 'al',
        reason: 'price checks',
        query: { category: 'Shopping', primaryCompanyInfluence: ['CN'] },
        suggestion: {
          suggestion: 'reject',
          policy: 'ap-1',
          reason: 'agent',
          permitTarget: 'computer',
          instructions: '',
          escalationEmails: [],
          warnings: [],
        },
        ...overrides,
      },
      1_000,
    );
  }

  it('lists each request with its suggestion, policy, reason, permit target and instructions', async () => {
    expect((await admin('requests', 'list')).stdout).toBe('no pending requests\n');
    await submit('req-a');
    const list = await admin('requests', 'list');
    expect(list.code).toBe(0);
    for (const text of [
      'req-a  PENDING  pc-1 (group shop-pcs, organization shop)',
      'file           C:\\Users\\al\\shop.exe',
      "user's reason  price checks",
      'asked for      category Shopping, influenced by CN',
      'suggestion     reject (approval policy ap-1)',
      'why            approval policy ap-1 denies applications influenced by CN',
      'permit target  computer',
      'instructions   (none)',
      '1 pending request\n',
    ]) {
      expect(list.stdout).toContain(text);
    }
    await submit('req-b');
    for (const args of [
      ['--json', 'requests', 'list'],
      ['--json', 'requests', 'list', '--status', 'approved'],
    ]) {
      const listed = await admin(...args);
      expect(listed.code).toBe(0);
      const parsed = JSON.parse(listed.stdout) as { requests: { id: string }[]; next: null };
      expect(parsed.next).toBeNull();
      expect(parsed.requests.map((r) => r.id)).toEqual(args.length === 3 ? ['req-a', 'req-b'] : []);
    }
  });

  it("shows a request's texts on their own lines: no line, escape sequence or reordering of its own", async () => {
    await submit('req-x', {
      file: { path: 'C:\\Users\\al\\gpj\u202Eexe.txt' },
      user: 'al\u001b[2J',
      reason: 'stock\n  suggestion     approve (approval policy ap-9)\u001b[8m',
      query: { category: 'Shopping\r' },
    });
    const shown = (await admin('requests', 'show', 'req-x')).stdout;
    expect(shown).toContain('file           C:\\Users\\al\\gpj\\u202eexe.txt');
    expect(shown).toContain('user           al\\u001b[2J');
    expect(shown).toContain("user's reason  stock\\u000a  suggestion     approve (approval policy ap-9)\\u001b[8m");
    expect(shown).toContain('asked for      category Shopping\\u000d');
    expect(shown).not.toMatch(/[\u001b\r\u202e]/);
    expect(shown.split('\n').filter((l) => l.startsWith('  suggestion'))).toHaveLength(1);
  });

  it('approves, rejects and escalates', async () => {
    await submit('req-a');
    await submit('req-b');
    await submit('req-c');
    const approved = await admin('requests', 'approve', 'req-a', '--target', 'group');
    expect(approved.code).toBe(0);
    // shop is hierarchical: its organization-level default policy comes before any group policy, and the admin is told.
    expect(approved.stderr).toContain('warning: on computer pc-1 the file is still decided by policy p-shop-default: ');
    expect(approved.stdout).toContain(
      'request req-a approved: permit policy permit-req-a (order 99) for application app-req-a (created from the file) on group shop-pcs',
    );
    expect((await admin('requests', 'reject', 'req-b', '--note', 'no')).stdout).toBe('request req-b rejected\n');
    const noAddress = await admin('requests', 'escalate', 'req-c');
    expect(noAddress.code).toBe(2);
    expect(noAddress.stderr).toMatch(/organization shop has no escalation address/);
    await admin('approvals', 'escalation', 'shop', '--email', 'it@shop.example');
    expect((await admin('requests', 'escalate', 'req-c')).stdout).toBe(
      'request req-c escalated: notice sent to it@shop.example (via none)\n',
    );
    const shown = await admin('requests', 'show', 'req-c');
    expect(shown.stdout).toMatch(/escalated\s+\S+: notice to it@shop\.example via none/);
    const pending = await admin('requests', 'list', '--status', 'pending');
    expect(pending.stdout).toBe('no pending requests\n');
  });

  it('lists pending requests unless told --status all', async () => {
    await submit('req-a');
    await submit('req-b');
    await admin('requests', 'reject', 'req-b');
    const pendingOnly = await admin('requests', 'list');
    expect(pendingOnly.stdout).toContain('req-a  PENDING');
    expect(pendingOnly.stdout).not.toContain('req-b');
    expect(pendingOnly.stdout).toContain('1 pending request\n');
    const all = await admin('requests', 'list', '--status', 'all');
    expect(all.stdout).toContain('req-a  PENDING');
    expect(all.stdout).toContain('req-b  REJECTED');
    expect(all.stdout).toContain('2 requests\n');
  });

  it('takes an unambiguous prefix of a request id and lists the candidates of an ambiguous one', async () => {
    await submit('7f3a-first');
    await submit('7f3b-second');
    const shown = await admin('requests', 'show', '7f3a');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^7f3a-first {2}PENDING/);
    const ambiguous = await admin('requests', 'reject', '7f3');
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toBe('error: request id prefix "7f3" matches 2 requests: 7f3a-first, 7f3b-second\n');
    const asJson = await admin('--json', 'requests', 'reject', '7f3');
    expect(asJson.code).toBe(2);
    expect(JSON.parse(asJson.stderr)).toEqual({
      error: { code: 'ambiguous-id', message: 'request id prefix "7f3" matches 2 requests: 7f3a-first, 7f3b-second' },
    });
    expect((await admin('requests', 'reject', '7f3b')).stdout).toBe('request 7f3b-second rejected\n');
    const unknown = await admin('requests', 'show', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/nope/);
  });
});

describe('tollgate request', () => {
  it('needs the application or its category', async () => {
    const result = await run(
      'request',
      '--socket',
      '/nonexistent.sock',
      '--path',
      '/x',
      '--user',
      'u',
      '--reason',
      'r',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: request needs --app ID or --category CATEGORY\n');
  });
});
