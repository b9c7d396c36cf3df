/** SPEC.md section 5: approval suggestions, guidelines and escalation. */
import { describe, expect, it } from 'vitest';
import { LINK_PLACEHOLDER, removeLinks, resolveApprovalSettings } from '../../src/engine/approval-settings.js';
import {
  type ApprovalQuery,
  authoritativeQuery,
  compareApprovalPolicies,
  evaluateApproval,
  resolveApprovalQuery,
} from '../../src/engine/approvals.js';
import type {
  ApprovalAction,
  ApprovalPolicy,
  ApprovalRequest,
  ApprovalSettings,
  CountryRestriction,
  World,
} from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import { WorldIndex } from '../../src/engine/world.js';
import { makeWorld } from '../support/arbitraries.js';

/** Asymmetric matchers typed as the field they stand for. */
function anyString(): string {
  const matcher: unknown = expect.any(String);
  return matcher as string;
}

const MODULE = ['cyberHeroApprovals'];
const CUST_SETTINGS: ApprovalSettings = {
  org: 'cust',
  guidelines: { useParent: false, permitTarget: 'group', instructions: 'Approve till software only.' },
  escalation: { useParent: false, emails: ['owner@shop.example'] },
};

function world(approvalPolicies: ApprovalPolicy[], approvalSettings: ApprovalSettings[] = [CUST_SETTINGS]): World {
  return makeWorld({
    organizations: [
      { id: 'msp', name: 'MSP', structure: 'flat', modules: MODULE },
      { id: 'cust', name: 'Customer', parent: 'msp', structure: 'flat', modules: MODULE },
      { id: 'sub', name: 'Branch', parent: 'cust', structure: 'flat', modules: MODULE },
      { id: 'plain', name: 'No module', parent: 'msp', structure: 'flat', modules: [] },
    ],
    groups: [
      { id: 'g-tills', org: 'cust', name: 'Tills', os: 'windows', agentVersion: '10.6.0' },
      { id: 'g-office', org: 'cust', name: 'Office', os: 'windows', agentVersion: '10.6.0' },
      { id: 'g-sub', org: 'sub', name: 'Tills', os: 'windows', agentVersion: '10.6.0' },
      { id: 'g-plain', org: 'plain', name: 'Tills', os: 'windows', agentVersion: '10.6.0' },
      { id: 'g-msp', org: 'msp', name: 'Desk', os: 'windows', agentVersion: '10.6.0' },
    ],
    computers: [
      { id: 'pc-till', group: 'g-tills' },
      { id: 'pc-till-2', group: 'g-tills' },
      { id: 'pc-office', group: 'g-office' },
      { id: 'pc-sub', group: 'g-sub' },
      { id: 'pc-plain', group: 'g-plain' },
      { id: 'pc-msp', group: 'g-msp' },
    ],
    applications: [
      {
        id: 'fastcart',
        name: 'FastCart',
        builtIn: false,
        category: 'Shopping',
        primaryCompanyInfluence: ['CN'],
        developmentInfluence: ['SG'],
        rules: [{ path: 'C:\\Apps\\fastcart.exe' }],
      },
      {
        id: 'arcade',
        name: 'Arcade',
        builtIn: true,
        category: 'Games',
        subcategory: 'Arcade',
        rules: [{ path: 'C:\\Games\\a.exe' }],
      },
      {
        id: 'private',
        name: 'Private',
        builtIn: false,
        org: 'plain',
        category: 'Games',
        rules: [{ path: 'C:\\p.exe' }],
      },
      { id: 'nocat', name: 'No category', builtIn: false, rules: [{ path: 'C:\\n.exe' }] },
    ],
    approvalPolicies,
    approvalSettings,
  });
}

function ap(id: string, extra: Partial<ApprovalPolicy> = {}): ApprovalPolicy {
  return {
    id,
    org: 'cust',
    order: 1,
    active: true,
    action: 'approve',
    category: 'Shopping',
    appliesTo: { organization: 'cust' },
    countries: { mode: 'deny', list: [] },
    ...extra,
  };
}

function request(extra: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return { category: 'Shopping', primaryCompanyInfluence: [], developmentInfluence: [], ...extra };
}

function suggest(w: World, computer: string, req: ApprovalRequest) {
  return evaluateApproval(buildView(w, computer), req);
}

describe('the module', () => {
  it('an organization without cyberHeroApprovals gets no suggestion', () => {
    const w = world([ap('p', { org: 'plain', appliesTo: { organization: 'plain' } })]);
    const s = suggest(w, 'pc-plain', request());
    expect(s).toMatchObject({ suggestion: 'none', policy: null });
    expect(s.reason).toContain('cyberHeroApprovals');
  });

  it("a parent's module does not count for a child without it", () => {
    expect(suggest(world([]), 'pc-plain', request()).suggestion).toBe('none');
  });

  it('with the module and no policy: escalate', () => {
    expect(suggest(world([]), 'pc-till', request())).toMatchObject({
      suggestion: 'escalate',
      policy: null,
      reason: 'no matching approval policy',
    });
  });
});

describe('category and subcategory, case-insensitive', () => {
  it.each<[string, Partial<ApprovalPolicy>, Partial<ApprovalRequest>, boolean]>([
    ['same category', {}, {}, true],
    ['category in another case', { category: 'SHOPPING' }, { category: 'shopping' }, true],
    ['another category', { category: 'Games' }, {}, false],
    ['a category with a trailing space is another category', { category: 'Shopping ' }, {}, false],
    ['a policy without subcategory matches any subcategory', {}, { subcategory: 'Retail' }, true],
    ['same subcategory, another case', { subcategory: 'Retail' }, { subcategory: 'RETAIL' }, true],
    ['another subcategory', { subcategory: 'Retail' }, { subcategory: 'Online' }, false],
    ['the policy needs a subcategory the request lacks', { subcategory: 'Retail' }, {}, false],
    [
      'the subcategory alone is not enough',
      { category: 'Games', subcategory: 'Retail' },
      { subcategory: 'Retail' },
      false,
    ],
  ])('%s', (_name, policy, req, matches) => {
    const s = suggest(world([ap('p', policy)]), 'pc-till', request(req));
    expect(s).toMatchObject(
      matches ? { suggestion: 'approve', policy: 'p' } : { suggestion: 'escalate', policy: null },
    );
  });
});

describe('country restrictions: allow and deny over the union of both influences', () => {
  it.each<[string, CountryRestriction, ApprovalAction, string[], string[], string, string | null, RegExp]>([
    ['deny, empty list: the action', { mode: 'deny', list: [] }, 'approve', ['CN'], [], 'approve', 'p', /p/],
    [
      'deny, company influence listed: reject',
      { mode: 'deny', list: ['CN'] },
      'approve',
      ['CN'],
      [],
      'reject',
      'p',
      /CN/,
    ],
    [
      'deny, development influence listed: reject',
      { mode: 'deny', list: ['CN'] },
      'approve',
      ['GB'],
      ['CN'],
      'reject',
      'p',
      /CN/,
    ],
    [
      'deny, several listed: reject naming them',
      { mode: 'deny', list: ['CN', 'RU'] },
      'approve',
      ['RU'],
      ['CN'],
      'reject',
      'p',
      /CN.*RU|RU.*CN/,
    ],
    [
      'deny, lower-case codes compare equal',
      { mode: 'deny', list: ['cn'] },
      'approve',
      ['CN'],
      [],
      'reject',
      'p',
      /CN/,
    ],
    ['deny, request codes in lower case', { mode: 'deny', list: ['CN'] }, 'approve', ['cn'], [], 'reject', 'p', /CN/],
    [
      'deny, not listed: the action (approve)',
      { mode: 'deny', list: ['CN'] },
      'approve',
      ['GB'],
      ['SG'],
      'approve',
      'p',
      /approve/,
    ],
    [
      'deny, not listed: the action (escalate)',
      { mode: 'deny', list: ['CN'] },
      'escalate',
      ['GB'],
      [],
      'escalate',
      'p',
      /escalate/,
    ],
    [
      'deny, not listed: the action (reject)',
      { mode: 'deny', list: ['CN'] },
      'reject',
      ['GB'],
      [],
      'reject',
      'p',
      /reject/,
    ],
    [
      'deny, no influence at all: the action',
      { mode: 'deny', list: ['CN'] },
      'approve',
      [],
      [],
      'approve',
      'p',
      /approve/,
    ],
    ['deny hit on a reject policy: reject', { mode: 'deny', list: ['CN'] }, 'reject', ['CN'], [], 'reject', 'p', /CN/],
    [
      'allow, company influence listed: the action',
      { mode: 'allow', list: ['GB'] },
      'approve',
      ['GB'],
      [],
      'approve',
      'p',
      /GB/,
    ],
    [
      'allow, development influence listed: the action',
      { mode: 'allow', list: ['GB'] },
      'escalate',
      ['CN'],
      ['GB'],
      'escalate',
      'p',
      /GB/,
    ],
    [
      'allow, not listed: no match',
      { mode: 'allow', list: ['GB'] },
      'approve',
      ['CN'],
      ['SG'],
      'escalate',
      null,
      /no matching approval policy/,
    ],
    [
      'allow, no influence: no match',
      { mode: 'allow', list: ['GB'] },
      'approve',
      [],
      [],
      'escalate',
      null,
      /no matching approval policy/,
    ],
  ])('%s', (_name, countries, action, primary, development, suggestion, policy, reason) => {
    const w = world([ap('p', { countries, action })]);
    const s = suggest(w, 'pc-till', request({ primaryCompanyInfluence: primary, developmentInfluence: development }));
    expect(s).toMatchObject({ suggestion, policy });
    expect(s.reason).toMatch(reason);
  });

  it.each<[string, ApprovalPolicy[], string[], string, string | null]>([
    [
      'an allow policy that does not match lets the next one decide',
      [ap('p1', { order: 1, countries: { mode: 'allow', list: ['GB'] } }), ap('p2', { order: 2, action: 'reject' })],
      ['CN'],
      'reject',
      'p2',
    ],
    [
      'a deny hit stops the walk with reject',
      [ap('p1', { order: 1, countries: { mode: 'deny', list: ['CN'] } }), ap('p2', { order: 2, action: 'approve' })],
      ['CN'],
      'reject',
      'p1',
    ],
    [
      'a deny policy without a hit decides with its action',
      [
        ap('p1', { order: 1, action: 'escalate', countries: { mode: 'deny', list: ['RU'] } }),
        ap('p2', { order: 2, action: 'reject', countries: { mode: 'deny', list: ['CN'] } }),
      ],
      ['CN'],
      'escalate',
      'p1',
    ],
    [
      'two allow policies, the second allows',
      [
        ap('p1', { order: 1, countries: { mode: 'allow', list: ['GB'] } }),
        ap('p2', { order: 2, action: 'escalate', countries: { mode: 'allow', list: ['CN'] } }),
      ],
      ['CN'],
      'escalate',
      'p2',
    ],
    [
      'a policy of another category in between is skipped',
      [ap('p1', { order: 1, category: 'Games', action: 'reject' }), ap('p2', { order: 2 })],
      [],
      'approve',
      'p2',
    ],
  ])('%s', (_name, policies, primary, suggestion, policy) => {
    expect(suggest(world(policies), 'pc-till', request({ primaryCompanyInfluence: primary }))).toMatchObject({
      suggestion,
      policy,
    });
  });
});

describe('order: order, then computer before group before organization, then id', () => {
  it.each<[string, ApprovalPolicy[], string, string | null]>([
    [
      'lower order first',
      [ap('p-2', { order: 2, action: 'approve' }), ap('p-1', { order: 1, action: 'reject' })],
      'pc-till',
      'p-1',
    ],
    ['order 0 is allowed and first', [ap('p-1', { order: 1 }), ap('p-0', { order: 0 })], 'pc-till', 'p-0'],
    [
      'order beats scope',
      [ap('comp', { order: 2, appliesTo: { computers: ['pc-till'] } }), ap('org', { order: 1 })],
      'pc-till',
      'org',
    ],
    [
      'equal order: computers before groups',
      [ap('a-group', { appliesTo: { groups: ['g-tills'] } }), ap('z-comp', { appliesTo: { computers: ['pc-till'] } })],
      'pc-till',
      'z-comp',
    ],
    [
      'equal order: groups before organization',
      [
        ap('a-org', { appliesTo: { organization: 'cust' } }),
        ap('z-group', { appliesTo: { groups: ['g-tills', 'g-office'] } }),
      ],
      'pc-till',
      'z-group',
    ],
    ['equal order and scope: smaller id', [ap('p-b'), ap('p-a')], 'pc-till', 'p-a'],
    [
      'an inactive policy is skipped',
      [ap('p-1', { order: 1, active: false, action: 'reject' }), ap('p-2', { order: 2 })],
      'pc-till',
      'p-2',
    ],
    [
      'a policy for other computers does not apply',
      [ap('p', { appliesTo: { computers: ['pc-till-2'] } })],
      'pc-till',
      null,
    ],
    ['a policy for other groups does not apply', [ap('p', { appliesTo: { groups: ['g-office'] } })], 'pc-till', null],
    [
      'a policy for a group applies to its computers',
      [ap('p', { appliesTo: { groups: ['g-office'] } })],
      'pc-office',
      'p',
    ],
    [
      'a policy listing several computers',
      [ap('p', { appliesTo: { computers: ['pc-office', 'pc-till'] } })],
      'pc-till',
      'p',
    ],
    ['an organization policy does not cover a child organization', [ap('p')], 'pc-sub', null],
    [
      "a parent's policy does not cover the child",
      [ap('p', { org: 'msp', appliesTo: { organization: 'msp' } })],
      'pc-till',
      null,
    ],
  ])('%s', (_name, policies, computer, winner) => {
    const s = suggest(world(policies), computer, request());
    expect(s.policy).toBe(winner);
    if (winner === null) expect(s).toMatchObject({ suggestion: 'escalate', reason: 'no matching approval policy' });
    const reversed = suggest(world([...policies].reverse()), computer, request());
    expect(reversed).toEqual(s);
  });

  it('compareApprovalPolicies is the same key', () => {
    const base = { action: 'approve' as const, category: 'x', countries: { mode: 'deny' as const, list: [] } };
    const sorted = [
      { ...base, id: 'b', order: 1, scopeRank: 2 },
      { ...base, id: 'a', order: 1, scopeRank: 2 },
      { ...base, id: 'c', order: 1, scopeRank: 0 },
      { ...base, id: 'd', order: 0, scopeRank: 2 },
    ].sort(compareApprovalPolicies);
    expect(sorted.map((p) => p.id)).toEqual(['d', 'c', 'a', 'b']);
  });
});

describe('the suggestion fields', () => {
  it('carry the guidelines and escalation of the organization', () => {
    const s = suggest(
      world([ap('shopping', { countries: { mode: 'deny', list: ['CN'] } })]),
      'pc-till',
      request({ primaryCompanyInfluence: ['GB'] }),
    );
    expect(s).toEqual({
      suggestion: 'approve',
      policy: 'shopping',
      reason: anyString(),
      permitTarget: 'group',
      instructions: 'Approve till software only.',
      escalationEmails: ['owner@shop.example'],
      warnings: [],
    });
    expect(Object.keys(s).sort()).toEqual(
      ['escalationEmails', 'instructions', 'permitTarget', 'policy', 'reason', 'suggestion', 'warnings'].sort(),
    );
  });

  it('are present on a none suggestion too', () => {
    expect(suggest(world([]), 'pc-plain', request())).toEqual({
      suggestion: 'none',
      policy: null,
      reason: anyString(),
      permitTarget: 'computer',
      instructions: '',
      escalationEmails: [],
      warnings: [],
    });
  });

  it('do not share lists with the view', () => {
    const view = buildView(world([ap('p')]), 'pc-till');
    const s = evaluateApproval(view, request());
    s.escalationEmails.push('x@y.example');
    s.warnings.push('x');
    expect(evaluateApproval(view, request())).toMatchObject({ escalationEmails: ['owner@shop.example'], warnings: [] });
  });
});

describe('requests by application id', () => {
  const view = () => buildView(world([]), 'pc-till');

  it.each<[string, ApprovalQuery, ApprovalRequest]>([
    [
      'the application supplies its attributes',
      { app: 'fastcart' },
      { category: 'Shopping', primaryCompanyInfluence: ['CN'], developmentInfluence: ['SG'] },
    ],
    [
      'a built-in application with a subcategory',
      { app: 'arcade' },
      { category: 'Games', subcategory: 'Arcade', primaryCompanyInfluence: [], developmentInfluence: [] },
    ],
    [
      'given attributes win over the application',
      { app: 'fastcart', category: 'Games', primaryCompanyInfluence: ['GB'] },
      { category: 'Games', primaryCompanyInfluence: ['GB'], developmentInfluence: ['SG'] },
    ],
    [
      'attributes alone',
      { category: 'Shopping', subcategory: 'Retail', developmentInfluence: ['US'] },
      { category: 'Shopping', subcategory: 'Retail', primaryCompanyInfluence: [], developmentInfluence: ['US'] },
    ],
  ])('%s', (_name, query, expected) => {
    expect(resolveApprovalQuery(view(), query)).toEqual(expected);
  });

  it.each<[string, ApprovalQuery, string, RegExp]>([
    ['an unknown application', { app: 'nope' }, 'unknown-reference', /nope/],
    ["another organization's private application", { app: 'private' }, 'unknown-reference', /private/],
    ['no category at all', {}, 'missing-field', /category/],
    ['an empty category', { category: '  ' }, 'missing-field', /category/],
  ])('%s is an error', (_name, query, code, message) => {
    expect(() => resolveApprovalQuery(view(), query)).toThrow(expect.objectContaining({ code }));
    expect(() => resolveApprovalQuery(view(), query)).toThrow(message);
  });

  it('an application without a category that no policy names is known too, and meets no policy: escalated', () => {
    const v = buildView(world([]), 'pc-till');
    expect(v.applications.map((a) => a.id)).toContain('nocat');
    expect(evaluateApproval(v, resolveApprovalQuery(v, { app: 'nocat' }))).toMatchObject({
      suggestion: 'escalate',
      policy: null,
      reason: 'no matching approval policy',
    });
  });

  it('an application the computer knows but without a category meets no policy: escalated (SPEC.md section 5)', () => {
    const w = world([]);
    w.policies.push({
      id: 'pol',
      app: 'nocat',
      appliesTo: { organization: 'cust' },
      action: 'deny',
      order: 1,
      enabled: true,
    });
    const v = buildView(w, 'pc-till');
    expect(evaluateApproval(v, resolveApprovalQuery(v, { app: 'nocat' }))).toMatchObject({
      suggestion: 'escalate',
      policy: null,
      reason: 'no matching approval policy',
    });
    // Without the module the suggestion is none, whatever the request.
    const without = structuredClone(w);
    for (const org of without.organizations) org.modules = [];
    const bare = buildView(without, 'pc-till');
    expect(evaluateApproval(bare, resolveApprovalQuery(bare, { app: 'nocat' })).suggestion).toBe('none');
    expect(resolveApprovalQuery(v, { app: 'nocat', category: 'Tools' }).category).toBe('Tools');
    // A blank category given directly is no category: the application's is taken.
    expect(resolveApprovalQuery(v, { app: 'fastcart', category: ' ' }).category).toBe('Shopping');
  });

  it("on a server, a known application's own attributes are used, whatever the request gives", () => {
    const v = view();
    const own = { app: 'fastcart' };
    // Other attributes for a known application: evaluated as the application's, and said to be overridden.
    for (const query of [
      { app: 'fastcart', category: 'Business' },
      { app: 'fastcart', primaryCompanyInfluence: [] },
      { app: 'fastcart', developmentInfluence: ['GB'], subcategory: 'Point of Sale' },
      // Text an approval policy would not match (it is compared untrimmed).
      { app: 'fastcart', category: 'Shopping ' },
    ]) {
      expect(authoritativeQuery(v, query)).toEqual({ query: own, overridden: true });
    }
    const rejected = world([ap('shopping', { countries: { mode: 'deny', list: ['CN'] } })]);
    const rv = buildView(rejected, 'pc-till');
    const asked = { app: 'fastcart', primaryCompanyInfluence: ['GB'], developmentInfluence: ['GB'] };
    expect(evaluateApproval(rv, resolveApprovalQuery(rv, asked)).suggestion).toBe('approve');
    expect(evaluateApproval(rv, resolveApprovalQuery(rv, authoritativeQuery(rv, asked).query)).suggestion).toBe(
      'reject',
    );
    // A subcategory the application lacks, with trailing space or not: the application's (none) is evaluated.
    const games = world([
      ap('arcade-reject', { category: 'Games', subcategory: 'Arcade', action: 'reject' }),
      ap('games', { category: 'Games' }),
    ]);
    const gv = buildView(games, 'pc-till');
    for (const subcategory of ['Arcade ', 'arcade', 'Other']) {
      const { query } = authoritativeQuery(gv, { app: 'arcade', subcategory });
      expect(evaluateApproval(gv, resolveApprovalQuery(gv, query)).policy).toBe('arcade-reject');
    }
    // The same attributes as the application's, written in another case or order or split between the two
    // lists: evaluated as the application's, not said to be overridden.
    for (const query of [
      { app: 'fastcart', category: 'Shopping', primaryCompanyInfluence: ['CN'] },
      { app: 'fastcart', category: 'shopping', primaryCompanyInfluence: ['cn'], developmentInfluence: ['SG'] },
      { app: 'fastcart', primaryCompanyInfluence: ['SG'], developmentInfluence: ['cn'] },
      own,
    ]) {
      expect(authoritativeQuery(v, query)).toEqual({ query: own, overridden: false });
    }
    // Attributes alone, or an application the computer does not know (the evaluation refuses it): as it came.
    for (const query of [
      { category: 'Shopping', primaryCompanyInfluence: ['GB'] },
      { app: 'nope', category: 'Shopping' },
    ]) {
      expect(authoritativeQuery(v, query).query).toBe(query);
      expect(authoritativeQuery(v, query).overridden).toBe(false);
    }
  });

  it('the contract example: fastcart from CN is rejected, the same category from GB approved', () => {
    const w = world([ap('shopping', { countries: { mode: 'deny', list: ['CN'] } })]);
    const v = buildView(w, 'pc-till');
    expect(evaluateApproval(v, resolveApprovalQuery(v, { app: 'fastcart' }))).toMatchObject({
      suggestion: 'reject',
      policy: 'shopping',
    });
    expect(
      evaluateApproval(v, resolveApprovalQuery(v, { category: 'Shopping', primaryCompanyInfluence: ['GB'] })),
    ).toMatchObject({
      suggestion: 'approve',
      policy: 'shopping',
    });
  });
});

describe('links are removed from instructions', () => {
  it.each<[string, string, number]>([
    ['See https://wiki.example/approvals first.', `See ${LINK_PLACEHOLDER} first.`, 1],
    ['Use http://x.example/a?b=c&d=e now', `Use ${LINK_PLACEHOLDER} now`, 1],
    ['Ask www.example.com', `Ask ${LINK_PLACEHOLDER}`, 1],
    ['HTTPS://UPPER.EXAMPLE/X', LINK_PLACEHOLDER, 1],
    ['ftp://files.example/sheet.xlsx and https://docs.example/d', `${LINK_PLACEHOLDER} and ${LINK_PLACEHOLDER}`, 2],
    ['(see https://x.example/a)', `(see ${LINK_PLACEHOLDER})`, 1],
    ['"https://x.example/q"', `"${LINK_PLACEHOLDER}"`, 1],
    ['Approve till software only.', 'Approve till software only.', 0],
    ['Mail owner@shop.example', 'Mail owner@shop.example', 0],
    ['Mail it@corp.example.com', 'Mail it@corp.example.com', 0],
    [
      'Mail first.middle.last@corp.com or helpdesk.it@corp.com',
      'Mail first.middle.last@corp.com or helpdesk.it@corp.com',
      0,
    ],
    // Long runs that are no scheme, and punctuation inside a link, are read in one pass (linear in the text).
    [`http://x${'.'.repeat(16_000)}x`, LINK_PLACEHOLDER, 1],
    ['a+'.repeat(4_000), 'a+'.repeat(4_000), 0],
    // Bare host names: with a path, or of three parts or more.
    [
      'List at docs.google.com/spreadsheets/d/abc. See https://a.example/x, then go.',
      `List at ${LINK_PLACEHOLDER}. See ${LINK_PLACEHOLDER}, then go.`,
      2,
    ],
    ['bit.ly/abc and example.com/x?y=1', `${LINK_PLACEHOLDER} and ${LINK_PLACEHOLDER}`, 2],
    ['see docs.google.com!', `see ${LINK_PLACEHOLDER}!`, 1],
    // Files, versions and abbreviations are no hosts.
    [
      'Run setup.v2.exe, backup.tar.gz or C:\\Tools\\a.b.msi',
      'Run setup.v2.exe, backup.tar.gz or C:\\Tools\\a.b.msi',
      0,
    ],
    [
      'Version 10.5.3 of Node.js, e.g. here; i.e. not v2.beta',
      'Version 10.5.3 of Node.js, e.g. here; i.e. not v2.beta',
      0,
    ],
    ['Ask example.com or shop.example.', `Ask ${LINK_PLACEHOLDER} or shop.example.`, 1],
    ['(https://x.example/a).', `(${LINK_PLACEHOLDER}).`, 1],
    // A bracketed host, a scheme-relative link, and schemes without `//`.
    ['a http://[::1]:80/x b', `a ${LINK_PLACEHOLDER} b`, 1],
    ['a //evil.example/x b', `a ${LINK_PLACEHOLDER} b`, 1],
    [
      'mailto:a@b.example, tel:+1-555-0100 or ms-settings:windowsupdate',
      `${LINK_PLACEHOLDER}, ${LINK_PLACEHOLDER} or ${LINK_PLACEHOLDER}`,
      3,
    ],
    ['click javascript:alert(1) now', `click ${LINK_PLACEHOLDER}) now`, 1],
    // Words before a colon are no links, and a link after one is still removed.
    [
      'Field Data:Category, SMS:on, Tel:ext and MS-DOS:prompt',
      'Field Data:Category, SMS:on, Tel:ext and MS-DOS:prompt',
      0,
    ],
    ['Data:https://x.example/a', `Data:${LINK_PLACEHOLDER}`, 1],
    [
      'Languages: JavaScript: yes. Use javascript: only, callto: the desk, copy data:reports/2024 or dial x-tel:555',
      'Languages: JavaScript: yes. Use javascript: only, callto: the desk, copy data:reports/2024 or dial x-tel:555',
      0,
    ],
    // A link inside one without `//` leaves no piece of either.
    ['mailto:a@b.example?body=https://evil.example/x', `${LINK_PLACEHOLDER}${LINK_PLACEHOLDER}`, 2],
    ['ms-word:ofe|u|https://corp.example.com/a.docx', `${LINK_PLACEHOLDER}${LINK_PLACEHOLDER}`, 2],
    // Paths and words before a colon are no links.
    [
      'Back up your data: then run //server/share or /usr//lib.so',
      'Back up your data: then run //server/share or /usr//lib.so',
      0,
    ],
    [`http://[${'1:'.repeat(8_000)}x`, LINK_PLACEHOLDER, 1],
    // Hosts given by an address: an IPv4 address or localhost with a port or a path, a user before a host and path.
    [
      'Open 10.0.0.5:8080 or 192.168.1.9/admin, see localhost:3000/x and localhost/y.',
      `Open ${LINK_PLACEHOLDER} or ${LINK_PLACEHOLDER}, see ${LINK_PLACEHOLDER} and ${LINK_PLACEHOLDER}.`,
      4,
    ],
    [
      'log in at admin:pw@evil.example/x, user@10.0.0.1/a or u:@host.example:81/y',
      `log in at ${LINK_PLACEHOLDER}, ${LINK_PLACEHOLDER} or ${LINK_PLACEHOLDER}`,
      3,
    ],
    // Versions, a bare localhost, email addresses and times stay.
    [
      'Version 10.5.3.1, v1.2.3.4 and 1.1.1.1.1.1/x; localhost alone; it@corp.example.com at 10:30@home',
      'Version 10.5.3.1, v1.2.3.4 and 1.1.1.1.1.1/x; localhost alone; it@corp.example.com at 10:30@home',
      0,
    ],
    [`${'9.'.repeat(20_000)}/ and ${':a'.repeat(20_000)}@`, `${'9.'.repeat(20_000)}/ and ${':a'.repeat(20_000)}@`, 0],
    ['', '', 0],
  ])('%j', (input, text, removed) => {
    expect(removeLinks(input)).toEqual({ text, removed });
  });
});

describe('guidelines and escalation resolution', () => {
  const index = (settings: ApprovalSettings[]) => new WorldIndex(world([], settings));

  it.each<
    [
      string,
      ApprovalSettings[],
      string,
      { permitTarget: string; instructions: string; escalationEmails: string[]; warnings: RegExp[] },
    ]
  >([
    [
      'nothing set: computer, no instructions, misconfigured',
      [],
      'cust',
      { permitTarget: 'computer', instructions: '', escalationEmails: [], warnings: [/no escalation address/] },
    ],
    [
      'nothing set, no module: no warning',
      [],
      'plain',
      { permitTarget: 'computer', instructions: '', escalationEmails: [], warnings: [] },
    ],
    [
      'own settings',
      [CUST_SETTINGS],
      'cust',
      {
        permitTarget: 'group',
        instructions: 'Approve till software only.',
        escalationEmails: ['owner@shop.example'],
        warnings: [],
      },
    ],
    [
      'a link removed, with a warning',
      [
        {
          org: 'cust',
          guidelines: { instructions: 'See https://a.example and www.b.example' },
          escalation: { emails: ['a@b.example'] },
        },
      ],
      'cust',
      {
        permitTarget: 'computer',
        instructions: `See ${LINK_PLACEHOLDER} and ${LINK_PLACEHOLDER}`,
        escalationEmails: ['a@b.example'],
        warnings: [/2 links removed/],
      },
    ],
    [
      'an empty email list is misconfigured',
      [{ org: 'cust', escalation: { useParent: false, emails: [] } }],
      'cust',
      {
        permitTarget: 'computer',
        instructions: '',
        escalationEmails: [],
        warnings: [/cust has no escalation address/],
      },
    ],
    [
      'useParent takes the parent values',
      [
        CUST_SETTINGS,
        {
          org: 'sub',
          guidelines: { useParent: true, permitTarget: 'computer', instructions: 'ignored' },
          escalation: { useParent: true, emails: ['x@y.example'] },
        },
      ],
      'sub',
      {
        permitTarget: 'group',
        instructions: 'Approve till software only.',
        escalationEmails: ['owner@shop.example'],
        warnings: [],
      },
    ],
    [
      'useParent through two levels of parents',
      [
        {
          org: 'msp',
          guidelines: { permitTarget: 'group', instructions: 'MSP rules: https://msp.example/rules' },
          escalation: { emails: ['noc@msp.example'] },
        },
        { org: 'cust', guidelines: { useParent: true }, escalation: { useParent: true } },
        { org: 'sub', guidelines: { useParent: true }, escalation: { useParent: true } },
      ],
      'sub',
      {
        permitTarget: 'group',
        instructions: `MSP rules: ${LINK_PLACEHOLDER}`,
        escalationEmails: ['noc@msp.example'],
        warnings: [/1 link removed/],
      },
    ],
    [
      'guidelines and escalation follow useParent separately',
      [
        {
          org: 'msp',
          guidelines: { permitTarget: 'group', instructions: 'From MSP' },
          escalation: { emails: ['noc@msp.example'] },
        },
        {
          org: 'cust',
          guidelines: { useParent: true },
          escalation: { useParent: false, emails: ['own@cust.example'] },
        },
      ],
      'cust',
      { permitTarget: 'group', instructions: 'From MSP', escalationEmails: ['own@cust.example'], warnings: [] },
    ],
    [
      "a parent's empty escalation leaves the child misconfigured",
      [{ org: 'cust', escalation: { useParent: true } }],
      'cust',
      {
        permitTarget: 'computer',
        instructions: '',
        escalationEmails: [],
        warnings: [/cust has no escalation address/],
      },
    ],
    [
      'useParent false keeps the own values',
      [
        { org: 'msp', escalation: { emails: ['noc@msp.example'] } },
        { org: 'sub', escalation: { useParent: false, emails: ['own@sub.example'] } },
      ],
      'sub',
      { permitTarget: 'computer', instructions: '', escalationEmails: ['own@sub.example'], warnings: [] },
    ],
  ])('%s', (_name, settings, org, expected) => {
    const got = resolveApprovalSettings(index(settings), org);
    expect(got).toMatchObject({
      permitTarget: expected.permitTarget,
      instructions: expected.instructions,
      escalationEmails: expected.escalationEmails,
    });
    expect(got.warnings).toHaveLength(expected.warnings.length);
    expected.warnings.forEach((w, i) => expect(got.warnings[i]).toMatch(w));
  });

  it.each<[string, ApprovalSettings]>([
    ['guidelines', { org: 'msp', guidelines: { useParent: true } }],
    ['escalation', { org: 'msp', escalation: { useParent: true } }],
  ])('useParent on %s of an organization without a parent is an error', (part, settings) => {
    expect(() => resolveApprovalSettings(index([settings]), 'msp')).toThrow(
      expect.objectContaining({ code: 'no-parent' }),
    );
    expect(() => resolveApprovalSettings(index([settings]), 'msp')).toThrow(`${part}.useParent`);
  });

  it('the view hands the resolved values to every suggestion', () => {
    const w = world(
      [ap('p', { org: 'sub', appliesTo: { organization: 'sub' } })],
      [
        { org: 'msp', guidelines: { permitTarget: 'group', instructions: 'www.msp.example' } },
        { org: 'cust', guidelines: { useParent: true } },
        { org: 'sub', guidelines: { useParent: true }, escalation: { useParent: true } },
      ],
    );
    expect(suggest(w, 'pc-sub', request())).toMatchObject({
      suggestion: 'approve',
      policy: 'p',
      permitTarget: 'group',
      instructions: LINK_PLACEHOLDER,
      escalationEmails: [],
      warnings: [expect.stringMatching(/link removed/), expect.stringMatching(/sub has no escalation address/)],
    });
  });
});
