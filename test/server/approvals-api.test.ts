// The approvals part of the admin API against the real server state (SQLite
// in a temp folder): approval policies with every rule refused by field,
// guidelines and escalation with parent inheritance, modules with their
// default policies, and the requests queue (approve, reject, escalate).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import type { ApprovalPolicy, World } from '../../src/engine/model.js';
import { buildAdminApi } from '../../src/server/admin-api.js';
import type { ApprovalPolicyTemplate } from '../../src/server/approval-admin.js';
import { loadDefaultApprovalPolicies } from '../../src/server/default-approval-policies.js';
import type { Notice, Notifier } from '../../src/server/notifier.js';
import { ServerState } from '../../src/server/state.js';
import type { ApprovalRequestRecord } from '../../src/server/types.js';
import type { ApprovalSubmission } from '../../src/wire/sync-messages.js';
import { RecordingHub } from './admin-harness.js';

const TOKEN = 'approvals-token';

function world(): World {
  return {
    organizations: [
      { id: 'msp', name: 'MSP', structure: 'flat', modules: [] },
      { id: 'shop', name: 'Shop', parent: 'msp', structure: 'flat', modules: ['cyberHeroApprovals'] },
      { id: 'branch', name: 'Branch', parent: 'shop', structure: 'flat', modules: ['cyberHeroApprovals'] },
      { id: 'acme', name: 'Acme', structure: 'hierarchical', modules: [] },
    ],
    groups: [
      { id: 'tills', org: 'shop', name: 'Tills', os: 'linux', agentVersion: '10.6.2' },
      { id: 'branch-pcs', org: 'branch', name: 'Branch PCs', os: 'linux', agentVersion: '10.6.2' },
      { id: 'acme-pcs', org: 'acme', name: 'Acme PCs', os: 'windows', agentVersion: '10.6.2' },
    ],
    computers: [
      { id: 'till-1', group: 'tills' },
      { id: 'till-2', group: 'tills' },
      { id: 'b-1', group: 'branch-pcs' },
      { id: 'a-1', group: 'acme-pcs' },
    ],
    applications: [
      {
        id: 'fastcart',
        name: 'FastCart',
        builtIn: false,
        org: 'shop',
        category: 'Shopping',
        primaryCompanyInfluence: ['CN'],
        rules: [{ path: '/opt/fastcart/*' }],
      },
    ],
    policies: [
      {
        id: 'shop-default',
        default: true,
        appliesTo: { organization: 'shop' },
        action: 'denyWithRequest',
        order: 1_000_000,
        enabled: true,
      },
      {
        id: 'acme-default',
        default: true,
        appliesTo: { organization: 'acme' },
        action: 'deny',
        order: 50,
        enabled: true,
      },
    ],
    agentSettings: [],
    approvalPolicies: [
      {
        id: 'ap-shop-1',
        org: 'shop',
        order: 1,
        active: true,
        action: 'escalate',
        category: 'Shopping',
        appliesTo: { organization: 'shop' },
        countries: { mode: 'deny', list: ['CN'] },
      },
      {
        id: 'ap-shop-2',
        org: 'shop',
        order: 2,
        active: true,
        action: 'approve',
        category: 'Business',
        appliesTo: { organization: 'shop' },
        countries: { mode: 'deny', list: [] },
      },
      {
        id: 'ap-branch-1',
        org: 'branch',
        order: 1,
        active: true,
        action: 'reject',
        category: 'Games',
        appliesTo: { organization: 'branch' },
        countries: { mode: 'deny', list: [] },
      },
    ],
    approvalSettings: [
      {
        org: 'msp',
        guidelines: { permitTarget: 'group', instructions: 'Approve till software only.' },
        escalation: { emails: ['it@msp.example'] },
      },
      { org: 'shop', guidelines: { useParent: true }, escalation: { useParent: true } },
    ],
  };
}

const TEMPLATES: ApprovalPolicyTemplate[] = [
  { action: 'escalate', category: 'Remote Access', countries: { mode: 'deny', list: [] }, active: true },
  { action: 'reject', category: 'Games', countries: { mode: 'deny', list: [] }, active: true },
];

class RecordingNotifier implements Notifier {
  readonly name = 'test';
  readonly sent: Notice[] = [];
  failure: Error | null = null;
  /** While set, a notice waits for it (a slow mail server). */
  hold: Promise<void> | null = null;

  async send(notice: Notice): Promise<void> {
    if (this.hold !== null) await this.hold;
    if (this.failure !== null) throw this.failure;
    this.sent.push(notice);
  }

  close(): void {}
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

let dir: string;
let state: ServerState;
let hub: RecordingHub;
let notifier: RecordingNotifier;
let app: FastifyInstance;
let nowMs: number;

async function call(method: string, url: string, body?: unknown): Promise<Answer> {
  const response = await app.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${TOKEN}` },
    ...(body === undefined ? {} : { payload: body as object }),
  });
  return { status: response.statusCode, body: response.json() };
}

function problems(answer: Answer): string[] {
  const error = answer.body['error'] as { problems?: string[]; message: string };
  return error.problems ?? [error.message];
}

function policiesOf(org: string): Pick<ApprovalPolicy, 'id' | 'order'>[] {
  return state
    .world()
    .approvalPolicies.filter((p) => p.org === org)
    .map((p) => ({ id: p.id, order: p.order }))
    .sort((a, b) => a.order - b.order);
}

let nextRequest = 1;

async function submit(computer: string, overrides: Partial<ApprovalSubmission> = {}): Promise<ApprovalRequestRecord> {
  const submission: ApprovalSubmission = {
    requestId: `req-${nextRequest++}`,
    submittedAtMs: nowMs,
    file: { path: '/home/alice/tool.bin' },
    user: 'alice',
    reason: 'stock count',
    query: { category: 'Shopping', primaryCompanyInfluence: ['GB'] },
    suggestion: {
      suggestion: 'escalate',
      policy: 'ap-shop-1',
      reason: 'from the agent',
      permitTarget: 'group',
      instructions: '',
      escalationEmails: [],
      warnings: [],
    },
    ...overrides,
  };
  return (await state.recordApprovalRequest(computer, submission, nowMs)).request;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-approvals-api-'));
  nowMs = 1_700_000_000_000;
  state = await ServerState.open({ dataDir: dir, clock: () => nowMs });
  await state.importWorld(world());
  hub = new RecordingHub();
  hub.connected = new Set(['till-1', 'till-2']);
  notifier = new RecordingNotifier();
  app = buildAdminApi({
    state,
    adminToken: TOKEN,
    hub,
    logger: false,
    notifier,
    defaultApprovalPolicies: TEMPLATES,
    clock: () => nowMs,
    checkAnswers: true,
  });
});

afterEach(async () => {
  await app.close();
  await state.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('approval policies', () => {
  it("adds a new policy at the top: order 1, the organization's others move down by one", async () => {
    const answer = await call('POST', '/api/approval-policies', {
      org: 'shop',
      category: 'Remote Access',
      action: 'escalate',
    });
    expect(answer.status).toBe(201);
    const policy = answer.body['policy'] as ApprovalPolicy;
    expect(policy).toMatchObject({
      org: 'shop',
      order: 1,
      active: true,
      action: 'escalate',
      category: 'Remote Access',
      appliesTo: { organization: 'shop' },
      countries: { mode: 'deny', list: [] },
    });
    expect(policy.id).toMatch(/^ap-[0-9a-f]{8}$/);
    expect(policiesOf('shop')).toEqual([
      { id: policy.id, order: 1 },
      { id: 'ap-shop-1', order: 2 },
      { id: 'ap-shop-2', order: 3 },
    ]);
    expect(policiesOf('branch')).toEqual([{ id: 'ap-branch-1', order: 1 }]);
    expect(hub.pushes.at(-1)?.snapshots.sort()).toEqual(['till-1', 'till-2']);
  });

  it('defaults the action to approve and upper-cases country codes', async () => {
    const answer = await call('POST', '/api/approval-policies', {
      id: 'ap-new',
      org: 'shop',
      category: 'Shopping',
      countries: { mode: 'allow', list: ['gb', 'us'] },
    });
    expect(answer.status).toBe(201);
    expect(answer.body['policy']).toMatchObject({
      id: 'ap-new',
      action: 'approve',
      countries: { mode: 'allow', list: ['GB', 'US'] },
    });
  });

  it('places a policy at a given order, and a move makes room when the number is taken', async () => {
    await call('POST', '/api/approval-policies', { id: 'ap-mid', org: 'shop', category: 'Games', order: 2 });
    expect(policiesOf('shop')).toEqual([
      { id: 'ap-shop-1', order: 1 },
      { id: 'ap-mid', order: 2 },
      { id: 'ap-shop-2', order: 3 },
    ]);
    const moved = await call('PATCH', '/api/approval-policies/ap-shop-2', { order: 1 });
    expect(moved.status).toBe(200);
    expect(policiesOf('shop')).toEqual([
      { id: 'ap-shop-2', order: 1 },
      { id: 'ap-shop-1', order: 2 },
      { id: 'ap-mid', order: 3 },
    ]);
    await call('PATCH', '/api/approval-policies/ap-shop-1', { order: 10 });
    expect(policiesOf('shop')).toEqual([
      { id: 'ap-shop-2', order: 1 },
      { id: 'ap-mid', order: 3 },
      { id: 'ap-shop-1', order: 10 },
    ]);
  });

  it('activates, deactivates, changes and deletes, pushing each change', async () => {
    const off = await call('PATCH', '/api/approval-policies/ap-shop-1', { active: false });
    expect(off.status).toBe(200);
    expect(state.world().approvalPolicies.find((p) => p.id === 'ap-shop-1')?.active).toBe(false);
    expect(hub.pushes.at(-1)?.snapshots.sort()).toEqual(['till-1', 'till-2']);
    await call('PATCH', '/api/approval-policies/ap-shop-1', {
      active: true,
      subcategory: 'Marketplaces',
      action: 'reject',
    });
    expect(state.world().approvalPolicies.find((p) => p.id === 'ap-shop-1')).toMatchObject({
      active: true,
      subcategory: 'Marketplaces',
      action: 'reject',
    });
    await call('PATCH', '/api/approval-policies/ap-shop-1', { subcategory: null });
    expect(state.world().approvalPolicies.find((p) => p.id === 'ap-shop-1')?.subcategory).toBeUndefined();
    const deleted = await call('DELETE', '/api/approval-policies/ap-shop-1');
    expect(deleted.status).toBe(200);
    expect(policiesOf('shop')).toEqual([{ id: 'ap-shop-2', order: 2 }]);
    expect((await call('DELETE', '/api/approval-policies/ap-shop-1')).status).toBe(404);
    expect((await call('PATCH', '/api/approval-policies/nope', { active: true })).status).toBe(404);
  });

  it.each([
    ['no category', { org: 'shop' }, 'category is required'],
    [
      'a blank category',
      { id: 'x', org: 'shop', category: '   ' },
      'approvalPolicies[x]: category is required and must not be empty',
    ],
    [
      'allow without a country',
      { id: 'x', org: 'shop', category: 'Shopping', countries: { mode: 'allow', list: [] } },
      'approvalPolicies[x]: countries.list must name at least one country when mode is allow',
    ],
    [
      'allow with no list at all',
      { id: 'x', org: 'shop', category: 'Shopping', countries: { mode: 'allow' } },
      'approvalPolicies[x]: countries.list must name at least one country when mode is allow',
    ],
    [
      'an unknown country code',
      { id: 'x', org: 'shop', category: 'Shopping', countries: { mode: 'deny', list: ['CN', 'XX'] } },
      'approvalPolicies[x]: countries.list "XX" is not an ISO 3166-1 alpha-2 country code',
    ],
    [
      'a negative order',
      { id: 'x', org: 'shop', category: 'Shopping', order: -1 },
      'approvalPolicies[x]: order -1 must be an integer from 0 to 4294967295',
    ],
    ['a fractional order', { id: 'x', org: 'shop', category: 'Shopping', order: 1.5 }, 'order must be an integer'],
    [
      'an unknown action',
      { id: 'x', org: 'shop', category: 'Shopping', action: 'maybe' },
      'action must be one of approve, escalate, reject',
    ],
    [
      'an unknown country mode',
      { id: 'x', org: 'shop', category: 'Shopping', countries: { mode: 'block', list: [] } },
      'countries.mode must be one of deny, allow',
    ],
    [
      'an unknown organization',
      { id: 'x', org: 'ghost', category: 'Shopping' },
      'approvalPolicies[x]: org "ghost" is not a known organization',
    ],
    [
      'a group of another organization',
      { id: 'x', org: 'shop', category: 'Shopping', appliesTo: { groups: ['acme-pcs'] } },
      'approvalPolicies[x]: appliesTo.groups "acme-pcs" belongs to organization acme, not the policy\'s org shop',
    ],
    [
      'an unknown computer',
      { id: 'x', org: 'shop', category: 'Shopping', appliesTo: { computers: ['pc-9'] } },
      'approvalPolicies[x]: appliesTo.computers "pc-9" is not a known computer',
    ],
    [
      'two scopes',
      { id: 'x', org: 'shop', category: 'Shopping', appliesTo: { organization: 'shop', groups: ['tills'] } },
      'approvalPolicies[x]: appliesTo must have exactly one of organization, groups, computers',
    ],
    [
      'another organization as scope',
      { id: 'x', org: 'shop', category: 'Shopping', appliesTo: { organization: 'acme' } },
      'approvalPolicies[x]: appliesTo.organization "acme" must be the policy\'s org "shop"',
    ],
    ['an unknown field', { id: 'x', org: 'shop', category: 'Shopping', colour: 'red' }, 'colour is not a known field'],
  ])('refuses %s, naming the field, and changes nothing', async (_name, body, problem) => {
    const before = structuredClone(state.world());
    const answer = await call('POST', '/api/approval-policies', body);
    expect(answer.status).toBe(400);
    expect(problems(answer)).toContain(problem);
    expect(state.world()).toEqual(before);
    expect(hub.pushes).toEqual([]);
  });

  it('refuses a change that breaks a rule, naming the field; the id and organization cannot change', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ category: '' }, 'approvalPolicies[ap-shop-1]: category is required and must not be empty'],
      [
        { countries: { mode: 'allow', list: [] } },
        'approvalPolicies[ap-shop-1]: countries.list must name at least one country when mode is allow',
      ],
      [
        { countries: { mode: 'deny', list: ['China'] } },
        'approvalPolicies[ap-shop-1]: countries.list "CHINA" is not an ISO 3166-1 alpha-2 country code',
      ],
      [{ order: -3 }, 'approvalPolicies[ap-shop-1]: order -3 must be an integer from 0 to 4294967295'],
      [
        { org: 'acme' },
        'approvalPolicies[ap-shop-1]: org cannot be changed (delete the policy and add it to the other organization)',
      ],
      [{ id: 'other' }, 'approvalPolicies[ap-shop-1]: id cannot be changed'],
      [{}, 'the body must not be empty'],
    ];
    for (const [patch, problem] of cases) {
      const answer = await call('PATCH', '/api/approval-policies/ap-shop-1', patch);
      expect(answer.status, JSON.stringify(patch)).toBe(400);
      expect(problems(answer)).toContain(problem);
    }
    expect(state.world().approvalPolicies).toEqual(world().approvalPolicies);
  });

  it('lists approval policies by organization and order', async () => {
    const all = await call('GET', '/api/approval-policies');
    expect((all.body['policies'] as ApprovalPolicy[]).map((p) => p.id)).toEqual([
      'ap-branch-1',
      'ap-shop-1',
      'ap-shop-2',
    ]);
    const shop = await call('GET', '/api/approval-policies?org=shop');
    expect((shop.body['policies'] as ApprovalPolicy[]).map((p) => p.id)).toEqual(['ap-shop-1', 'ap-shop-2']);
    expect((await call('GET', '/api/approval-policies?org=ghost')).status).toBe(404);
  });
});

describe('guidelines and escalation', () => {
  it('resolves useParent through two levels of parents', async () => {
    const answer = await call('PATCH', '/api/organizations/branch/approval-settings', {
      guidelines: { useParent: true },
      escalation: { useParent: true },
    });
    expect(answer.status).toBe(200);
    expect(answer.body['resolved']).toEqual({
      permitTarget: 'group',
      instructions: 'Approve till software only.',
      escalationEmails: ['it@msp.example'],
      warnings: [],
    });
    expect(answer.body['misconfigured']).toBeNull();
    // A change at the top reaches both levels below.
    await call('PATCH', '/api/organizations/msp/approval-settings', {
      escalation: { emails: ['sec@msp.example', 'ops@msp.example'] },
    });
    const branch = await call('GET', '/api/organizations/branch/approval-settings');
    expect((branch.body['resolved'] as { escalationEmails: string[] }).escalationEmails).toEqual([
      'sec@msp.example',
      'ops@msp.example',
    ]);
    expect(hub.pushes.at(-1)?.snapshots.sort()).toEqual(['b-1', 'till-1', 'till-2']);
  });

  it('removes links from the instructions handed on, and notes it', async () => {
    const answer = await call('PATCH', '/api/organizations/shop/approval-settings', {
      guidelines: {
        useParent: false,
        instructions: 'See https://sheets.example/x and www.vendor.example for the list.',
      },
    });
    expect(answer.status).toBe(200);
    expect(answer.body['guidelines']).toEqual({
      useParent: false,
      instructions: 'See https://sheets.example/x and www.vendor.example for the list.',
    });
    const resolved = answer.body['resolved'] as { instructions: string; warnings: string[]; permitTarget: string };
    expect(resolved.instructions).toBe('See [link removed] and [link removed] for the list.');
    expect(resolved.warnings).toEqual(['2 links removed from the instructions: external links are never used']);
    expect(resolved.permitTarget).toBe('computer');
  });

  it.each([
    [
      'useParent on an organization without a parent',
      'msp',
      { guidelines: { useParent: true } },
      'approvalSettings[msp]: guidelines.useParent is set, but organization msp has no parent',
    ],
    [
      'escalation useParent without a parent',
      'acme',
      { escalation: { useParent: true } },
      'approvalSettings[acme]: escalation.useParent is set, but organization acme has no parent',
    ],
    [
      'no escalation address',
      'shop',
      { escalation: { useParent: false, emails: [] } },
      "approvalSettings[shop]: escalation.emails must name at least one address (or set escalation.useParent to use the parent's)",
    ],
    [
      'no escalation address at all',
      'acme',
      { escalation: { emails: [] } },
      "approvalSettings[acme]: escalation.emails must name at least one address (or set escalation.useParent to use the parent's)",
    ],
    [
      'an invalid address',
      'shop',
      { escalation: { useParent: false, emails: ['ops@shop.example', 'not-an-address'] } },
      'approvalSettings[shop]: escalation.emails "not-an-address" is not a valid email address',
    ],
    [
      'an unknown permit target',
      'shop',
      { guidelines: { permitTarget: 'site' } },
      'guidelines.permitTarget must be one of computer, group',
    ],
    ['an empty change', 'shop', {}, 'the body must not be empty'],
  ])('refuses %s, naming the field', async (_name, org, body, problem) => {
    const before = structuredClone(state.world());
    const answer = await call('PATCH', `/api/organizations/${org}/approval-settings`, body);
    expect(answer.status).toBe(400);
    expect(problems(answer)).toContain(problem);
    expect(state.world()).toEqual(before);
  });

  it('reports an organization with the module and no resolvable address as misconfigured, in the listing and in lint', async () => {
    await call('PATCH', '/api/organizations/msp/approval-settings', { escalation: { emails: ['it@msp.example'] } });
    const put = state
      .world()
      .approvalSettings.map((s) => (s.org === 'msp' ? { org: 'msp', guidelines: s.guidelines } : s));
    await state.applyWorld((current) => ({ ...current, approvalSettings: put }));
    const listing = await call('GET', '/api/organizations');
    const orgs = listing.body['organizations'] as {
      id: string;
      approvals: { module: boolean; misconfigured: string | null };
    }[];
    const status = Object.fromEntries(orgs.map((o) => [o.id, o.approvals]));
    expect(status['shop']).toMatchObject({ module: true, misconfigured: 'no escalation address' });
    expect(status['msp']).toMatchObject({ module: false, misconfigured: null });
    expect(status['acme']).toMatchObject({ module: false, misconfigured: null });
    const settings = await call('GET', '/api/organizations/shop/approval-settings');
    expect(settings.body['misconfigured']).toBe('no escalation address');
    const lint = await call('GET', '/api/lint');
    expect(lint.body['text']).toContain(
      'organizations[shop]: has the cyberHeroApprovals module but no escalation address',
    );
  });
});

describe('modules', () => {
  it('creates the default approval policies when the approvals module is enabled, once', async () => {
    const enabled = await call('PUT', '/api/organizations/acme/modules/cyberHeroApprovals');
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ changed: true, enabled: true });
    const created = enabled.body['created'] as ApprovalPolicy[];
    expect(created.map((p) => [p.id, p.order, p.action, p.category, p.appliesTo])).toEqual([
      ['acme-default-1', 1, 'escalate', 'Remote Access', { organization: 'acme' }],
      ['acme-default-2', 2, 'reject', 'Games', { organization: 'acme' }],
    ]);
    expect(enabled.body['warnings']).toEqual([
      expect.stringContaining('organization acme has the cyberHeroApprovals module but no escalation address'),
    ]);
    expect(state.world().organizations.find((o) => o.id === 'acme')?.modules).toEqual(['cyberHeroApprovals']);
    expect(hub.pushes.at(-1)?.snapshots).toEqual(['a-1']);

    const again = await call('PUT', '/api/organizations/acme/modules/cyberHeroApprovals');
    expect(again.body).toMatchObject({ changed: false, created: [] });

    const disabled = await call('DELETE', '/api/organizations/acme/modules/cyberHeroApprovals');
    expect(disabled.body).toMatchObject({ changed: true, enabled: false });
    expect(state.world().organizations.find((o) => o.id === 'acme')?.modules).toEqual([]);
    expect(policiesOf('acme')).toHaveLength(2);
    const reenabled = await call('PUT', '/api/organizations/acme/modules/cyberHeroApprovals');
    expect(reenabled.body['created']).toEqual([]);
    expect(policiesOf('acme')).toHaveLength(2);
    expect((await call('PUT', '/api/organizations/ghost/modules/cyberHeroApprovals')).status).toBe(404);
  });

  it('creates the shipped defaults, valid in any organization', async () => {
    const shipped = await loadDefaultApprovalPolicies();
    expect(shipped.length).toBeGreaterThan(0);
    await app.close();
    app = buildAdminApi({
      state,
      adminToken: TOKEN,
      hub,
      logger: false,
      notifier,
      defaultApprovalPolicies: shipped,
      checkAnswers: true,
    });
    const enabled = await call('PUT', '/api/organizations/acme/modules/cyberHeroApprovals');
    expect(enabled.status).toBe(200);
    expect((enabled.body['created'] as ApprovalPolicy[]).map((p) => p.category)).toEqual(
      shipped.map((t) => t.category),
    );
  });
});

describe('the requests queue', () => {
  it('records the suggestion the server works out, and lists requests by status', async () => {
    const recorded = await submit('till-1');
    expect(recorded.suggestion).toMatchObject({
      suggestion: 'escalate',
      policy: 'ap-shop-1',
      permitTarget: 'group',
      instructions: 'Approve till software only.',
      escalationEmails: ['it@msp.example'],
    });
    expect(recorded.agentSuggestion.reason).toBe('from the agent');
    const list = await call('GET', '/api/requests?status=pending');
    expect((list.body['requests'] as ApprovalRequestRecord[]).map((r) => r.id)).toEqual([recorded.id]);
    expect((await call('GET', '/api/requests?status=approved')).body['requests']).toEqual([]);
    expect((await call('GET', '/api/requests?status=waiting')).status).toBe(400);
    expect((await call('GET', `/api/requests/${recorded.id}`)).body['id']).toBe(recorded.id);
    expect((await call('GET', '/api/requests/nope')).status).toBe(404);
  });

  it('lists the queue a page at a time, naming the next page, and refuses a page past its bound', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await submit('till-1')).id);
    const first = await call('GET', '/api/requests?status=all&limit=2');
    expect((first.body['requests'] as ApprovalRequestRecord[]).map((r) => r.id)).toEqual(ids.slice(0, 2));
    expect(first.body['next']).toBe(ids[1]);
    const second = await call('GET', `/api/requests?status=all&limit=2&after=${ids[1]}`);
    expect((second.body['requests'] as ApprovalRequestRecord[]).map((r) => r.id)).toEqual(ids.slice(2, 4));
    const last = await call('GET', `/api/requests?status=all&limit=2&after=${ids[3]}`);
    expect((last.body['requests'] as ApprovalRequestRecord[]).map((r) => r.id)).toEqual(ids.slice(4));
    expect(last.body['next']).toBeNull();
    // Without status, the pending ones: an approved request is listed with status=all only.
    expect((await call('POST', `/api/requests/${ids[0]}/approve`, {})).status).toBe(200);
    const pending = await call('GET', '/api/requests');
    expect((pending.body['requests'] as ApprovalRequestRecord[]).map((r) => r.id)).toEqual(ids.slice(1));
    expect(pending.body['next']).toBeNull();
    expect((await call('GET', '/api/requests?limit=0')).status).toBe(400);
    expect((await call('GET', '/api/requests?limit=1001')).status).toBe(400);
    expect((await call('GET', '/api/requests?after=gone')).status).toBe(404);
  });

  it('approves with a permit for a new application from the file, numbered before the policy that denied it', async () => {
    const request = await submit('till-1', { file: { path: '/home/alice/tool.bin', sha256: 'AB'.repeat(32) } });
    const answer = await call('POST', `/api/requests/${request.id}/approve?waitMs=100`, {
      target: 'computer',
      note: 'ok by Sam',
    });
    expect(answer.status).toBe(200);
    expect(answer.body['permit']).toEqual({
      policy: `permit-${request.id}`,
      application: `app-${request.id}`,
      applicationCreated: true,
      target: 'computer',
      appliesTo: { computer: 'till-1' },
      order: 999_999,
    });
    expect(answer.body['warnings']).toEqual([]);
    expect(answer.body['applied']).toEqual(['till-1']);
    expect(hub.waits.at(-1)).toEqual({ kind: 'snapshots', ids: ['till-1'], timeoutMs: 100 });
    const app = state.world().applications.find((a) => a.id === `app-${request.id}`);
    expect(app).toMatchObject({
      builtIn: false,
      org: 'shop',
      category: 'Shopping',
      primaryCompanyInfluence: ['GB'],
      rules: [{ sha256: 'ab'.repeat(32) }],
    });
    const stored = (await state.approvalRequest(request.id))!;
    expect(stored.status).toBe('approved');
    expect(stored.history).toEqual([
      { atMs: nowMs, action: 'approved', note: 'ok by Sam', permit: answer.body['permit'] },
    ]);

    const again = await call('POST', `/api/requests/${request.id}/approve`, {});
    expect(again.status).toBe(409);
    expect(problems(again)).toEqual([`approval request ${request.id} is approved: it cannot be approved`]);
  });

  it('approves at the permit target of the guidelines (the group), for the application the request names', async () => {
    const request = await submit('till-2', { file: { path: '/opt/fastcart/fastcart' }, query: { app: 'fastcart' } });
    const answer = await call('POST', `/api/requests/${request.id}/approve`);
    expect(answer.status).toBe(200);
    expect(answer.body['permit']).toMatchObject({
      application: 'fastcart',
      applicationCreated: false,
      target: 'group',
      appliesTo: { group: 'tills' },
    });
    expect((answer.body['computers'] as string[]).sort()).toEqual(['till-1', 'till-2']);
    expect(state.world().applications.map((a) => a.id)).toEqual(['fastcart']);
  });

  it('warns when a policy earlier in the processing order still decides the file', async () => {
    // Hierarchical: an organization-level policy comes before every computer-level one.
    const request = await submit('a-1', { query: { category: 'Games' } });
    const answer = await call('POST', `/api/requests/${request.id}/approve`, { target: 'computer' });
    expect(answer.status).toBe(200);
    expect(answer.body['warnings']).toEqual([
      expect.stringMatching(
        /^on computer a-1 the file is still decided by policy acme-default: deny by policy acme-default/,
      ),
    ]);
  });

  it('rejects, with or without a body, and an acted-on request cannot be acted on again', async () => {
    const first = await submit('till-1');
    const rejected = await call('POST', `/api/requests/${first.id}/reject`);
    expect(rejected.status).toBe(200);
    expect((await state.approvalRequest(first.id))?.status).toBe('rejected');
    expect((await call('POST', `/api/requests/${first.id}/escalate`, {})).status).toBe(409);
    const second = await submit('till-1');
    expect((await call('POST', `/api/requests/${second.id}/reject`, { note: 'no' })).status).toBe(200);
    expect((await state.approvalRequest(second.id))?.history[0]).toMatchObject({ action: 'rejected', note: 'no' });
  });

  it('stores an action only on the request as it was read: one made from an older read is refused, its permit too', async () => {
    const request = await submit('till-1');
    // Two admins read the request, then act on it.
    const seenByA = (await state.approvalRequest(request.id))!;
    const seenByB = (await state.approvalRequest(request.id))!;
    const rejected = { ...seenByA, status: 'rejected' as const, history: [{ atMs: 1, action: 'rejected' as const }] };
    await state.updateApprovalRequest(rejected, seenByA);
    await expect(
      state.updateApprovalRequest(
        { ...seenByB, status: 'escalated', history: [{ atMs: 2, action: 'escalated' }] },
        seenByB,
      ),
    ).rejects.toThrow(`approval request ${request.id} was changed by another action meanwhile`);
    const before = state.world().policies.length;
    const permit = { ...state.world().policies[0]!, id: 'permit-from-a-stale-read' };
    await expect(
      state.applyWorld((world) => ({ ...world, policies: [...world.policies, permit] }), {
        record: { ...seenByB, status: 'approved', history: [{ atMs: 3, action: 'approved' }] },
        previous: seenByB,
      }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect(state.world().policies).toHaveLength(before);
    const stored = (await state.approvalRequest(request.id))!;
    expect(stored).toEqual(rejected);
    // From the request as stored now, the next action is stored.
    await state.updateApprovalRequest(
      { ...stored, history: [...stored.history, { atMs: 4, action: 'rejected' }] },
      stored,
    );
    // Over the API, an action on a request decided already is refused too.
    expect((await call('POST', `/api/requests/${request.id}/approve`, {})).status).toBe(409);
  });

  it('escalates through the notifier to the resolved escalation addresses, then can still approve', async () => {
    const request = await submit('till-1');
    const answer = await call('POST', `/api/requests/${request.id}/escalate`, { note: 'over budget?' });
    expect(answer.status).toBe(200);
    expect(notifier.sent).toHaveLength(1);
    const notice = notifier.sent[0]!;
    expect(notice.to).toEqual(['it@msp.example']);
    expect(notice.subject).toBe('Approval request escalated: tool.bin on till-1 for alice');
    for (const text of [
      request.id,
      '/home/alice/tool.bin',
      'stock count',
      'Shopping',
      'GB',
      'ap-shop-1',
      'over budget?',
    ])
      expect(notice.text).toContain(text);
    expect(await state.approvalRequest(request.id)).toMatchObject({
      status: 'escalated',
      history: [
        {
          action: 'escalated',
          note: 'over budget?',
          notice: { to: ['it@msp.example'], via: 'test', subject: notice.subject },
        },
      ],
    });
    expect((await call('POST', `/api/requests/${request.id}/approve`, {})).status).toBe(200);
  });

  it('evaluates a known application with its own attributes, and shows an approval it cannot confirm as escalate', async () => {
    const approve = {
      suggestion: 'approve' as const,
      policy: 'ap-shop-2',
      reason: 'from the agent',
      permitTarget: 'computer' as const,
      instructions: '',
      escalationEmails: [],
      warnings: [],
    };
    // FastCart is Shopping, influenced by CN: asked for as Business from nowhere, it is still rejected.
    const relabelled = await submit('till-1', {
      query: { app: 'fastcart', category: 'Business', primaryCompanyInfluence: [] },
      suggestion: approve,
    });
    expect(relabelled.suggestion).toMatchObject({ suggestion: 'reject', policy: 'ap-shop-1' });
    expect(relabelled.agentSuggestion.suggestion).toBe('approve');
    expect(relabelled.warnings).toEqual([
      "the request gave its own attributes for application fastcart: the application's in the world are used",
    ]);
    // An application the server does not know: an approval is not passed on, other suggestions are kept.
    const unknown = await submit('till-1', { query: { app: 'nope' }, suggestion: approve });
    expect(unknown.suggestion).toMatchObject({ suggestion: 'escalate', policy: null });
    expect(unknown.warnings[0]).toMatch(
      /^the server could not evaluate the request \(.*nope.*\): the agent's suggestion approve is shown as escalate$/,
    );
    const kept = await submit('till-1', { query: { app: 'nope' }, suggestion: { ...approve, suggestion: 'reject' } });
    expect(kept.suggestion).toMatchObject({ suggestion: 'reject', policy: 'ap-shop-2' });
    expect(kept.warnings[0]).toMatch(/: the agent's suggestion is kept$/);
  });

  it('stores an escalation before its notice goes: an action meanwhile follows it, and nothing is sent unstored', async () => {
    const request = await submit('till-1');
    let release = (): void => {};
    notifier.hold = new Promise<void>((resolve) => (release = resolve));
    const escalating = call('POST', `/api/requests/${request.id}/escalate`, { note: 'slow mail' });
    // While the mail server takes its time, the escalation is already the request's state.
    await vi.waitFor(async () => expect((await state.approvalRequest(request.id))?.status).toBe('escalated'));
    expect(notifier.sent).toHaveLength(0);
    const rejected = await call('POST', `/api/requests/${request.id}/reject`, { note: 'no' });
    expect(rejected.status).toBe(200);
    release();
    expect((await escalating).status).toBe(200);
    expect(notifier.sent).toHaveLength(1);
    const stored = await state.approvalRequest(request.id);
    expect(stored?.status).toBe('rejected');
    expect(stored?.history.map((e) => e.action)).toEqual(['escalated', 'rejected']);
  });

  it('refuses to escalate without an address, and keeps the request pending when the notifier fails', async () => {
    const noAddress = await submit('a-1', { query: { category: 'Games' } });
    const refused = await call('POST', `/api/requests/${noAddress.id}/escalate`, {});
    expect(refused.status).toBe(409);
    expect(problems(refused)[0]).toMatch(/^organization acme has no escalation address/);

    const request = await submit('till-1');
    notifier.failure = new TollgateError(
      'notify-failed',
      'the mail server 127.0.0.1:25 did not take the notice: connection refused',
    );
    const failed = await call('POST', `/api/requests/${request.id}/escalate`, {});
    expect(failed.status).toBe(502);
    expect(problems(failed)[0]).toContain('did not take the notice');
    expect((await state.approvalRequest(request.id))?.status).toBe('pending');
  });
});
