import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApprovalQuery } from '../../src/engine/approvals.js';
import { TollgateError } from '../../src/engine/errors.js';
import {
  POLICY_ACTIONS,
  STRUCTURES,
  type ApprovalSuggestion,
  type Decision,
  type FileRequest,
} from '../../src/engine/model.js';
import type { ComputerView } from '../../src/engine/view.js';
import {
  approvalQueryFromWire,
  approvalQueryToWire,
  decisionFromWire,
  decisionToWire,
  fileFromWire,
  fileToWire,
  settingsFromWire,
  settingsToWire,
  suggestionFromWire,
  suggestionToWire,
  viewFromWire,
  viewToWire,
} from '../../src/wire/codec.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';

const pb = tollgate.v1;

// Every round trip goes through bytes, as on the wire.
const viaBytes = {
  decision: (d: Decision) => decisionFromWire(pb.Decision.decode(pb.Decision.encode(decisionToWire(d)).finish())),
  suggestion: (s: ApprovalSuggestion) =>
    suggestionFromWire(pb.Suggestion.decode(pb.Suggestion.encode(suggestionToWire(s)).finish())),
  file: (f: FileRequest) => fileFromWire(pb.FileInfo.decode(pb.FileInfo.encode(fileToWire(f)).finish())),
  query: (q: ApprovalQuery) =>
    approvalQueryFromWire(pb.ApprovalQuery.decode(pb.ApprovalQuery.encode(approvalQueryToWire(q)).finish())),
  view: (v: ComputerView) => viewFromWire(pb.ComputerView.decode(pb.ComputerView.encode(viewToWire(v)).finish())),
};

function expectBadMessage(fn: () => unknown, field: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(TollgateError);
  expect((thrown as TollgateError).code).toBe('bad-message');
  expect((thrown as TollgateError).message.startsWith(`${field}:`), (thrown as Error).message).toBe(true);
}

const noMatch: Decision = {
  action: 'deny',
  policy: null,
  policyName: null,
  order: null,
  application: null,
  structure: 'hierarchical',
  builtInsFirst: true,
  gated: [],
  snapshotVersion: null,
  reason: 'no matching policy',
};

const ringfenced: Decision = {
  action: 'ringfence',
  policy: 'p-1',
  policyName: 'Ringfence the browser',
  order: -5,
  application: 'chrome',
  structure: 'flat',
  builtInsFirst: false,
  gated: ['flatPolicyStructure', 'prioritizeBuiltInApplicationsSetting'],
  snapshotVersion: 4_000_000_000,
  reason: 'ringfence by policy p-1',
  ringfence: { network: false, paths: ['C:\\Data\\**'], nested: { depth: 2, ok: null } },
};

const suggestion: ApprovalSuggestion = {
  suggestion: 'reject',
  policy: 'shopping',
  reason: 'approval policy shopping denies applications influenced by CN',
  permitTarget: 'group',
  instructions: 'Approve till software only. [link removed]',
  escalationEmails: ['owner@shop.example', 'it@shop.example'],
  warnings: ['1 link removed from the instructions: external links are never used'],
};

/** A view that sets every optional field somewhere and leaves it unset elsewhere. */
const view: ComputerView = {
  computer: {
    id: 'till-1',
    name: null,
    group: 'shop-pcs',
    groupName: 'Tills',
    org: 'shop',
    os: 'windows',
    agentVersion: '10.6.2',
  },
  orgStructure: 'flat',
  modules: ['cyberHeroApprovals'],
  policies: [
    {
      id: 'chrome-ok',
      name: 'Chrome everywhere',
      app: 'chrome',
      builtIn: true,
      action: 'permit',
      order: 101,
      levelRank: 0,
      orgDepth: 0,
      org: 'parent',
      expiresAtMs: null,
      isDefault: false,
    },
    {
      id: 'chrome-fence',
      name: null,
      app: 'chrome-custom',
      builtIn: false,
      action: 'ringfence',
      order: -20,
      levelRank: 2,
      orgDepth: 1,
      org: 'shop',
      expiresAtMs: Date.UTC(2026, 10, 22, 12),
      isDefault: false,
      ringfence: { network: false },
    },
    {
      id: 'shop-default',
      name: null,
      app: null,
      builtIn: false,
      action: 'denyWithRequest',
      order: 1_000_000,
      levelRank: 4,
      orgDepth: 1,
      org: 'shop',
      expiresAtMs: null,
      isDefault: true,
    },
  ],
  applications: [
    {
      id: 'chrome',
      name: 'Google Chrome',
      builtIn: true,
      rules: [{ path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', certSubject: 'CN=Google LLC' }],
    },
    {
      id: 'fastcart',
      name: 'FastCart',
      builtIn: false,
      org: 'shop',
      category: 'Shopping',
      subcategory: 'Retail',
      primaryCompanyInfluence: ['CN'],
      developmentInfluence: [],
      rules: [{ path: 'C:\\Apps\\fastcart.exe' }, { sha256: 'AA11', processPath: 'regex:.*', createdBy: '**' }],
    },
  ],
  settings: { prioritizeBuiltInApplications: false, retries: 3, mode: 'strict' },
  settingSources: { prioritizeBuiltInApplications: 's-1', retries: null, mode: 's-2' },
  gates: [
    { feature: 'flatPolicyStructure', os: 'windows', minVersion: '10.5.3' },
    { feature: 'other', os: 'linux', minVersion: '1' },
  ],
  approvalPolicies: [
    {
      id: 'shopping',
      order: 1,
      scopeRank: 2,
      action: 'approve',
      category: 'Shopping',
      countries: { mode: 'deny', list: ['CN'] },
    },
    {
      id: 'games',
      order: 2,
      scopeRank: 0,
      action: 'escalate',
      category: 'Games',
      subcategory: 'Online',
      countries: { mode: 'allow', list: ['DE', 'FR'] },
    },
  ],
  permitTarget: 'computer',
  instructions: 'Approve till software only.',
  escalationEmails: ['owner@shop.example'],
  approvalWarnings: [],
};

describe('round trips through bytes', () => {
  it.each([
    ['a decision without a policy', noMatch],
    ['a ringfence decision with every field', ringfenced],
  ])('%s', (_name, decision) => {
    expect(viaBytes.decision(decision)).toEqual(decision);
  });

  it('keeps absent decision fields absent, not undefined', () => {
    expect(Object.hasOwn(viaBytes.decision(noMatch), 'ringfence')).toBe(false);
  });

  it('a suggestion, and one with no policy', () => {
    expect(viaBytes.suggestion(suggestion)).toEqual(suggestion);
    const none: ApprovalSuggestion = {
      ...suggestion,
      suggestion: 'none',
      policy: null,
      escalationEmails: [],
      warnings: [],
    };
    expect(viaBytes.suggestion(none)).toEqual(none);
  });

  it.each<[string, FileRequest]>([
    ['a path only', { path: '/usr/bin/env' }],
    [
      'every field',
      {
        path: 'C:\\Apps\\a.exe',
        sha256: 'ab'.repeat(32),
        certSubject: 'CN=Example',
        certThumbprint: 'cd'.repeat(20),
        processPath: 'C:\\Windows\\explorer.exe',
        createdBy: 'C:\\Windows\\msiexec.exe',
      },
    ],
  ])('a file with %s', (_name, file) => {
    const back = viaBytes.file(file);
    expect(back).toEqual(file);
    expect(Object.keys(back).sort()).toEqual(Object.keys(file).sort());
  });

  it.each<[string, ApprovalQuery]>([
    ['nothing', {}],
    ['an application id', { app: 'fastcart' }],
    [
      'empty influence lists, which override the application',
      { app: 'fastcart', primaryCompanyInfluence: [], developmentInfluence: [] },
    ],
    [
      'every attribute',
      {
        category: 'Shopping',
        subcategory: 'Retail',
        primaryCompanyInfluence: ['CN'],
        developmentInfluence: ['SG', 'US'],
      },
    ],
  ])('an approval query with %s', (_name, query) => {
    const back = viaBytes.query(query);
    expect(back).toEqual(query);
    expect(Object.keys(back).sort()).toEqual(Object.keys(query).sort());
  });

  it('a view with every kind of field', () => {
    const back = viaBytes.view(view);
    expect(back).toEqual(view);
    expect(back.applications[0]).not.toHaveProperty('primaryCompanyInfluence');
    expect(back.applications[1]?.developmentInfluence).toEqual([]);
    expect(back.policies[0]).not.toHaveProperty('ringfence');
  });

  it('settings with and without sources', () => {
    const values = { a: true, b: 0, c: '', d: -1.5 };
    const sources = { a: 'entry-1', b: null, c: null, d: 'entry-2' };
    const encoded = pb.SettingsPayload.decode(
      pb.SettingsPayload.encode({ settings: settingsToWire(values, sources) }).finish(),
    );
    expect(settingsFromWire(encoded.settings)).toEqual({ values, sources });
    expect(settingsFromWire(settingsToWire(values)).sources).toEqual({ a: null, b: null, c: null, d: null });
  });

  it('a setting named __proto__ is an ordinary entry', () => {
    const values = JSON.parse('{"__proto__": true}') as Record<string, boolean>;
    const back = settingsFromWire(settingsToWire(values)).values;
    expect(Object.keys(back)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  });
});

const text = fc.string({ unit: 'grapheme', maxLength: 20 });
const id = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });
const uint32 = fc.integer({ min: 0, max: 0xffff_ffff });
const int32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
const ringfence = fc
  .dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })
  .map((value) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>);

const decisionArb: fc.Arbitrary<Decision> = fc.record(
  {
    action: fc.constantFrom(...POLICY_ACTIONS),
    policy: fc.option(id, { nil: null }),
    policyName: fc.option(text, { nil: null }),
    order: fc.option(int32, { nil: null }),
    application: fc.option(id, { nil: null }),
    structure: fc.constantFrom(...STRUCTURES),
    builtInsFirst: fc.boolean(),
    gated: fc.array(id, { maxLength: 3 }),
    snapshotVersion: fc.option(uint32, { nil: null }),
    reason: text,
    ringfence,
  },
  {
    requiredKeys: [
      'action',
      'policy',
      'policyName',
      'order',
      'application',
      'structure',
      'builtInsFirst',
      'gated',
      'snapshotVersion',
      'reason',
    ],
  },
);

const suggestionArb: fc.Arbitrary<ApprovalSuggestion> = fc.record({
  suggestion: fc.constantFrom('approve', 'escalate', 'reject', 'none'),
  policy: fc.option(id, { nil: null }),
  reason: text,
  permitTarget: fc.constantFrom('computer', 'group'),
  instructions: text,
  escalationEmails: fc.array(fc.emailAddress(), { maxLength: 3 }),
  warnings: fc.array(text, { maxLength: 3 }),
});

const fileArb: fc.Arbitrary<FileRequest> = fc.record(
  { path: id, sha256: text, certSubject: text, certThumbprint: text, processPath: text, createdBy: text },
  { requiredKeys: ['path'] },
);

const countries = fc.array(fc.constantFrom('CN', 'DE', 'RU', 'US'), { maxLength: 3 });
const queryArb: fc.Arbitrary<ApprovalQuery> = fc.record(
  { app: id, category: text, subcategory: text, primaryCompanyInfluence: countries, developmentInfluence: countries },
  { requiredKeys: [] },
);

describe('round trips of random values', () => {
  it('decisions', () => {
    fc.assert(fc.property(decisionArb, (d) => void expect(viaBytes.decision(d)).toEqual(d)));
  });
  it('suggestions', () => {
    fc.assert(fc.property(suggestionArb, (s) => void expect(viaBytes.suggestion(s)).toEqual(s)));
  });
  it('files', () => {
    fc.assert(fc.property(fileArb, (f) => void expect(viaBytes.file(f)).toEqual(f)));
  });
  it('approval queries', () => {
    fc.assert(fc.property(queryArb, (q) => void expect(viaBytes.query(q)).toEqual(q)));
  });
});

describe('unknown and unspecified enum values are refused, naming the field', () => {
  const decision = () => decisionToWire(ringfenced);
  const wireView = () => viewToWire(view);

  it.each([99, 0])('value %i', (bad) => {
    expectBadMessage(() => decisionFromWire({ ...decision(), action: bad }), 'decision.action');
    expectBadMessage(() => decisionFromWire({ ...decision(), structure: bad }), 'decision.structure');
    expectBadMessage(
      () => suggestionFromWire({ ...suggestionToWire(suggestion), suggestion: bad }),
      'suggestion.suggestion',
    );
    expectBadMessage(
      () => suggestionFromWire({ ...suggestionToWire(suggestion), permitTarget: bad }),
      'suggestion.permitTarget',
    );
    expectBadMessage(() => viewFromWire({ ...wireView(), orgStructure: bad }), 'view.orgStructure');
    expectBadMessage(() => viewFromWire({ ...wireView(), permitTarget: bad }), 'view.permitTarget');

    const w = wireView();
    w.computer = { ...w.computer, os: bad };
    expectBadMessage(() => viewFromWire(w), 'view.computer.os');

    const p = wireView();
    p.policies = [p.policies![0]!, { ...p.policies![1]!, action: bad }];
    expectBadMessage(() => viewFromWire(p), 'view.policies[1].action');

    const g = wireView();
    g.gates = [{ ...g.gates![0]!, os: bad }];
    expectBadMessage(() => viewFromWire(g), 'view.gates[0].os');

    const a = wireView();
    a.approvalPolicies = [{ ...a.approvalPolicies![0]!, action: bad }];
    expectBadMessage(() => viewFromWire(a), 'view.approvalPolicies[0].action');

    const c = wireView();
    c.approvalPolicies = [c.approvalPolicies![0]!, { ...c.approvalPolicies![1]!, countriesMode: bad }];
    expectBadMessage(() => viewFromWire(c), 'view.approvalPolicies[1].countriesMode');
  });

  it('an approval policy cannot carry the suggestion-only value none', () => {
    const w = viewToWire(view);
    w.approvalPolicies = [{ ...w.approvalPolicies![0]!, action: pb.ApprovalAction.APPROVAL_ACTION_NONE }];
    expectBadMessage(() => viewFromWire(w), 'view.approvalPolicies[0].action');
  });

  it('survives encoding: an unknown number decoded from bytes is refused', () => {
    const unknownAction: number = 99;
    const bytes = pb.Decision.encode({ ...decisionToWire(noMatch), action: unknownAction }).finish();
    expectBadMessage(() => decisionFromWire(pb.Decision.decode(bytes)), 'decision.action');
  });

  it('domain values outside the enum are refused on the way out', () => {
    expectBadMessage(() => decisionToWire({ ...noMatch, action: 'allow' as never }), 'decision.action');
    expectBadMessage(() => viewToWire({ ...view, orgStructure: 'tree' as never }), 'view.orgStructure');
  });
});

describe('missing and malformed fields are refused, naming the field', () => {
  it.each<[string, () => unknown, string]>([
    ['a file without a path', () => fileFromWire({ sha256: 'ab' }), 'file.path'],
    ['a view without its computer', () => viewFromWire({ ...viewToWire(view), computer: null }), 'view.computer'],
    [
      'a policy without an id',
      () => viewFromWire({ ...viewToWire(view), policies: [{ ...viewToWire(view).policies![0]!, id: '' }] }),
      'view.policies[0].id',
    ],
    ['a setting without a value', () => settingsFromWire([{ name: 'x' }]), 'settings[0].value'],
    ['a setting with an empty value', () => settingsFromWire([{ name: 'x', value: {} }]), 'settings[0].value'],
    ['a setting without a name', () => settingsFromWire([{ value: { boolValue: true } }]), 'settings[0].name'],
    [
      'a setting given twice',
      () =>
        settingsFromWire([
          { name: 'x', value: { boolValue: true } },
          { name: 'x', value: { boolValue: false } },
        ]),
      'settings[1].name',
    ],
    [
      'ringfence text that is not JSON',
      () => decisionFromWire({ ...decisionToWire(noMatch), ringfenceJson: '{' }),
      'decision.ringfenceJson',
    ],
    [
      'ringfence JSON that is not an object',
      () => decisionFromWire({ ...decisionToWire(noMatch), ringfenceJson: '[1]' }),
      'decision.ringfenceJson',
    ],
  ])('%s', (_name, fn, field) => expectBadMessage(fn, field));

  it.each<[string, () => unknown, string]>([
    ['a fractional order', () => decisionToWire({ ...noMatch, order: 1.5 }), 'decision.order'],
    [
      'a negative snapshot version',
      () => decisionToWire({ ...noMatch, snapshotVersion: -1 }),
      'decision.snapshotVersion',
    ],
    [
      'an order beyond 32 bits',
      () => viewToWire({ ...view, policies: [{ ...view.policies[0]!, order: 2 ** 31 }] }),
      'view.policies[0].order',
    ],
    ['a setting without a source entry', () => settingsToWire({ a: true }, {}), 'settings.a'],
    ['a ringfence that is not JSON', () => decisionToWire({ ...noMatch, ringfence: { n: 1n } }), 'decision.ringfence'],
    ['a source without a setting', () => settingsToWire({}, { a: null }), 'settings.a'],
  ])('on the way out: %s', (_name, fn, field) => expectBadMessage(fn, field));
});
