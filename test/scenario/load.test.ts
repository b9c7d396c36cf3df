import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ValidationError } from '../../src/engine/errors.js';
import type { World } from '../../src/engine/model.js';
import {
  loadFixtures,
  MAX_JSON_FILE_BYTES,
  MAX_YAML_FILE_BYTES,
  loadScenario,
  parseFixtures,
  parseScenario,
  serializeScenario,
  validateFixtures,
} from '../../src/scenario/load.js';
import { fixtureFileSchema } from '../../src/scenario/schema.js';
import { MAX_JSON_DEPTH } from '../../src/engine/json-depth.js';
import { MAX_JSON_VALUES, MAX_YAML_ENTRIES } from '../../src/scenario/text-depth.js';

const CONTRACT_SCENARIO = fileURLToPath(new URL('../../examples/contract/example-scenario.yaml', import.meta.url));
const CONTRACT_CASES = fileURLToPath(new URL('../../examples/contract/example-cases.yaml', import.meta.url));

/** The problems a text is rejected with; fails the test when it is accepted. */
function problemsOf(parse: () => unknown): readonly string[] {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).problems;
  }
  throw new Error('expected a ValidationError');
}

const MINIMAL = `
organizations:
  - {id: acme, name: Acme, structure: flat}
groups:
  - {id: g1, org: acme, name: Tills, os: windows, agentVersion: "10.6.2"}
computers:
  - {id: pc-1, group: g1}
applications:
  - {id: putty, name: PuTTY, rules: [{path: 'C:\\Tools\\putty.exe'}]}
policies:
  - {id: a-putty, app: putty, appliesTo: {organization: acme}, action: permit, order: 1}
`;

/** MINIMAL with one policy line replaced. */
function withPolicy(line: string): string {
  return MINIMAL.replace(/ {2}- \{id: a-putty.*\n/, `  - ${line}\n`);
}

describe('parseScenario', () => {
  it('refuses a __proto__ key anywhere else as an unknown field, in YAML and in JSON (a copy would drop it)', () => {
    const appliesTo =
      '{id: a-putty, app: putty, appliesTo: {organization: acme, __proto__: {group: g1}}, action: permit, order: 1}';
    expect(problemsOf(() => parseScenario(withPolicy(appliesTo), 'w.yaml'))).toEqual([
      'w.yaml: policies[a-putty]: unknown field "appliesTo.__proto__"',
    ]);
    const json = JSON.stringify({ ...(YAML.parse(MINIMAL) as object), ['__proto__']: { gates: [] } });
    expect(problemsOf(() => parseScenario(json, 'w.json'))).toEqual(['w.json: the file has unknown field "__proto__"']);
    // Told with the file's other problems of shape, all at once.
    const cases =
      'cases:\n  - {name: a, computer: c, file: {path: p}, expect: {__proto__: {action: deny}}}\n' +
      '  - {name: b, computer: c, file: {path: p}, expects: {}, expect: {}}\n';
    expect(problemsOf(() => parseFixtures(cases, 'f.yaml'))).toEqual([
      'f.yaml: cases[a]: unknown field "expect.__proto__"',
      'f.yaml: cases[b]: unknown field "expects"',
    ]);
  });

  it('keeps a ringfence key named __proto__ as a key, in YAML and in JSON, and gives it no prototype', () => {
    const yaml = parseScenario(
      withPolicy(
        '{id: a-putty, app: putty, appliesTo: {organization: acme}, action: ringfence, order: 1, ' +
          'ringfence: {__proto__: {polluted: true}, network: false}}',
      ),
      'proto.yaml',
    );
    const json = parseScenario(serializeScenario(yaml, 'json'), 'proto.json');
    for (const world of [yaml, json]) {
      const ringfence = world.policies[0]?.ringfence as Record<string, unknown>;
      expect(Object.keys(ringfence)).toEqual(['__proto__', 'network']);
      expect(Object.getPrototypeOf(ringfence)).toBe(Object.prototype);
      expect('polluted' in ringfence).toBe(false);
      expect(JSON.stringify(ringfence)).toBe('{"__proto__":{"polluted":true},"network":false}');
    }
    expect(() =>
      parseScenario(
        withPolicy(
          '{id: a-putty, app: putty, appliesTo: {organization: acme}, action: ringfence, order: 1, ' +
            'ringfence: {allow: [{__proto__: {x: 1}}]}}',
        ),
        'deep.yaml',
      ),
    ).not.toThrow();
    expect(() =>
      parseScenario(
        withPolicy(
          '{id: a-putty, app: putty, appliesTo: {organization: acme}, action: ringfence, order: 1, ringfence: [1]}',
        ),
        'list.yaml',
      ),
    ).toThrow('list.yaml: policies[a-putty]: ringfence must be an object, not a list');
  });

  it('fills the documented defaults', () => {
    const world = parseScenario(MINIMAL, 'minimal.yaml');
    expect(world.organizations[0]).toEqual({ id: 'acme', name: 'Acme', structure: 'flat', modules: [] });
    expect(world.applications[0]).toEqual({
      id: 'putty',
      name: 'PuTTY',
      builtIn: false,
      rules: [{ path: 'C:\\Tools\\putty.exe' }],
    });
    expect(world.policies[0]?.enabled).toBe(true);
    expect(world.agentSettings).toEqual([]);
    expect(world.approvalPolicies).toEqual([]);
    expect(world.approvalSettings).toEqual([]);
    expect(world.gates).toBeUndefined();
  });

  it('accepts a scenario with lists missing', () => {
    const world = parseScenario('organizations: [{id: a, name: A}]', 'tiny.yaml');
    expect(world.organizations).toEqual([{ id: 'a', name: 'A', structure: 'hierarchical', modules: [] }]);
    expect(world.policies).toEqual([]);
  });

  it('defaults approval policies to active with an empty deny list', () => {
    const text = `${MINIMAL}
approvalPolicies:
  - {id: ch-1, org: acme, order: 0, action: escalate, category: Games, appliesTo: {computers: [pc-1]}}
`;
    expect(parseScenario(text, 'a.yaml').approvalPolicies).toEqual([
      {
        id: 'ch-1',
        org: 'acme',
        order: 0,
        active: true,
        action: 'escalate',
        category: 'Games',
        appliesTo: { computers: ['pc-1'] },
        countries: { mode: 'deny', list: [] },
      },
    ]);
  });

  it('names the file, the list, the id and the field of a semantic problem', () => {
    const problems = problemsOf(() =>
      parseScenario(
        withPolicy('{id: a-putty, app: putty, appliesTo: {organization: acme}, action: permit, order: -1}'),
        'example.yaml',
      ),
    );
    expect(problems).toEqual([
      'example.yaml: policies[a-putty]: order -1 is negative, but organization acme uses the flat structure',
    ]);
  });

  it('reports every semantic problem in one error', () => {
    const text = MINIMAL.replace('org: acme, name: Tills', 'org: nope, name: Tills').replace(
      '{id: pc-1, group: g1}',
      '{id: pc-1, group: g1, agentVersion: "10.x"}',
    );
    const problems = problemsOf(() => parseScenario(text, 'example.yaml'));
    expect(problems).toEqual([
      'example.yaml: groups[g1]: org "nope" is not a known organization',
      'example.yaml: computers[pc-1]: agentVersion "10.x" is not a version (1 to 4 dot-separated non-negative integers, without leading zeros)',
    ]);
  });

  it.each([
    [
      'a version YAML read as a number',
      MINIMAL.replace('agentVersion: "10.6.2"', 'agentVersion: 10.5'),
      'groups[g1]: agentVersion must be a string, not the number 10.5; quote it in YAML (agentVersion: "10.5")',
    ],
    ['a missing required field', MINIMAL.replace('name: Tills, ', ''), 'groups[g1]: name is required'],
    [
      'a bad enumeration value',
      MINIMAL.replace('os: windows', 'os: dos'),
      'groups[g1]: os must be one of windows, macos, linux, not the string "dos"',
    ],
    [
      'a bad value far too long to quote whole',
      MINIMAL.replace('os: windows', `os: ${'d'.repeat(10_000)}`),
      `groups[g1]: os must be one of windows, macos, linux, not the string "${'d'.repeat(80)}"... (10000 characters)`,
    ],
    [
      'a fractional order',
      withPolicy('{id: a-putty, app: putty, appliesTo: {organization: acme}, action: permit, order: 1.5}'),
      'policies[a-putty]: order 1.5 must be an integer from -2147483648 to 2147483647',
    ],
    [
      'an order given as text',
      withPolicy('{id: a-putty, app: putty, appliesTo: {organization: acme}, action: permit, order: "1"}'),
      'policies[a-putty]: order must be a number, not the string "1"',
    ],
    [
      'an appliesTo with two keys',
      withPolicy('{id: a-putty, app: putty, appliesTo: {organization: acme, group: g1}, action: permit, order: 1}'),
      'policies[a-putty]: appliesTo must have exactly one of global, globalGroup, organization, group, computer; it has organization, group',
    ],
    [
      'an appliesTo with no key',
      withPolicy('{id: a-putty, app: putty, appliesTo: {}, action: permit, order: 1}'),
      'policies[a-putty]: appliesTo must have exactly one of global, globalGroup, organization, group, computer; it has none',
    ],
    [
      'an appliesTo with an unknown key',
      withPolicy('{id: a-putty, app: putty, appliesTo: {everyone: acme}, action: permit, order: 1}'),
      'policies[a-putty]: appliesTo must have exactly one of global, globalGroup, organization, group, computer; "everyone" is not one of them',
    ],
    [
      'a bad globalGroup',
      withPolicy('{id: a-putty, app: putty, appliesTo: {globalGroup: {org: acme}}, action: permit, order: 1}'),
      'policies[a-putty]: appliesTo.globalGroup.keyword is required',
    ],
    [
      'a rule field of the wrong type',
      MINIMAL.replace("[{path: 'C:\\Tools\\putty.exe'}]", '[{path: [a]}]'),
      'applications[putty]: rules[0].path must be a string, not a list',
    ],
    [
      'an entry without id',
      withPolicy('{app: putty, appliesTo: {organization: acme}, action: permit, order: 1}'),
      'policies[#0]: id is required',
    ],
    [
      'a list that is not a list',
      MINIMAL.replace('computers:\n  - {id: pc-1, group: g1}', 'computers: {pc-1: g1}'),
      'computers must be a list, not an object',
    ],
    [
      'an entry that is not an object',
      MINIMAL.replace('{id: pc-1, group: g1}', 'pc-1'),
      'computers[#0]: must be an object, not the string "pc-1"',
    ],
    [
      'a setting value that is no scalar',
      `${MINIMAL}agentSettings:\n  - {id: s, type: prioritizeBuiltInApplications, value: [1], appliesTo: {global: acme}, order: 1}\n`,
      'agentSettings[s]: value must be a boolean, a number or a string',
    ],
    [
      'an approval appliesTo with two keys',
      `${MINIMAL}approvalPolicies:\n  - {id: ch, org: acme, order: 0, action: approve, category: X, appliesTo: {groups: [g1], computers: [pc-1]}}\n`,
      'approvalPolicies[ch]: appliesTo must have exactly one of organization, groups, computers; it has groups, computers',
    ],
    [
      'a bad countries mode',
      `${MINIMAL}approvalPolicies:\n  - {id: ch, org: acme, order: 0, action: approve, category: X, appliesTo: {organization: acme}, countries: {mode: block}}\n`,
      'approvalPolicies[ch]: countries.mode must be one of deny, allow, not the string "block"',
    ],
    [
      'approval settings named by org',
      `${MINIMAL}approvalSettings:\n  - {org: acme, escalation: {emails: owner@acme.example}}\n`,
      'approvalSettings[acme]: escalation.emails must be a list, not the string "owner@acme.example"',
    ],
    [
      'a gate named by index',
      `${MINIMAL}gates:\n  - {feature: flatPolicyStructure, os: windows, minVersion: 10}\n`,
      'gates[#0]: minVersion must be a string, not the number 10; quote it in YAML (minVersion: "10")',
    ],
    ['a top level that is a list', '[1, 2]', 'the file must be an object, not a list'],
    ['an empty file', '', 'the file is empty'],
  ])('reports %s', (_name, text, expected) => {
    expect(problemsOf(() => parseScenario(text, 's.yaml'))).toEqual([`s.yaml: ${expected}`]);
  });

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf(() => parseScenario('organizations:\n  - {id: a, name: A\ngroups: []\n', 'bad.yaml'));
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(p).toMatch(/^bad\.yaml: line \d+, column \d+: /);
    expect(problemsOf(() => parseScenario('a: 1\na: 2\n', 'dup.yaml'))).toEqual([
      'dup.yaml: line 2, column 1: Map keys must be unique',
    ]);
  });

  it('reports a second YAML document as such, and a collection used as a key as an unknown field, warning nothing', async () => {
    expect(problemsOf(() => parseScenario('organizations: []\n---\ngroups: []\n', 'two.yaml'))).toEqual([
      'two.yaml: line 2, column 1: a second YAML document begins here (---): a scenario or fixture file is one document',
    ]);
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      expect(problemsOf(() => parseScenario('organizations: []\n? [a]\n: 1\n', 'key.yaml'))).toEqual([
        'key.yaml: the file has unknown field "[ a ]"',
      ]);
      // A warning is emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });

  it('reports JSON syntax errors with their line, even where JSON.parse gives no position', () => {
    const [trailing] = problemsOf(() => parseScenario('{\n  "organizations": [\n    1,\n  ]\n}', 'bad.json'));
    expect(trailing).toMatch(/^bad\.json: line 4, column 3: /);
    const [missingComma] = problemsOf(() => parseScenario('{\n  "groups": []\n  "computers": []\n}', 'bad.json'));
    expect(missingComma).toMatch(/^bad\.json: line 3, column 3: /);
  });

  it('refuses a JSON file that nests deeper than MAX_JSON_DEPTH before parsing it, naming the line', () => {
    const ringfence = '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000);
    const text = `{"policies": [\n{"id": "p", "ringfence": ${ringfence}}]}`;
    expect(problemsOf(() => parseScenario(text, 'deep.json'))).toEqual([
      `deep.json: line 2, column ${'{"id": "p", "ringfence": '.length + 1 + 5 * (MAX_JSON_DEPTH - 3)}: nests deeper than ${MAX_JSON_DEPTH} levels`,
    ]);
  });

  it('refuses a YAML file of more entries than MAX_YAML_ENTRIES before the library parses it, naming where', () => {
    // 16 MiB of one-letter items took the YAML library past Node.js's heap limit (a crash, not an error).
    const items = 'a,'.repeat(MAX_YAML_ENTRIES);
    const problems = problemsOf(() => parseScenario(`organizations: []\nx: [${items}a]\n`, 'many.yaml'));
    expect(problems).toEqual([
      `many.yaml: line 2, column ${'x: ['.length + 2 * (MAX_YAML_ENTRIES - 3)}: holds more than ${MAX_YAML_ENTRIES} list items and map pairs, ` +
        'more than a YAML file is read with (its document would take gigabytes of memory); write it as JSON',
    ]);
    // Indicators in quoted text or plain scalars are no entries: such a file is counted by its tokens, and read.
    const quoted = `organizations: []\nx: "${':-,?['.repeat(MAX_YAML_ENTRIES / 5 + 1)}"\n`;
    expect(problemsOf(() => parseScenario(quoted, 'quoted.yaml'))).toEqual([
      'quoted.yaml: the file has unknown field "x"',
    ]);
  });

  it('refuses a JSON file of more values than MAX_JSON_VALUES before parsing it, naming where', () => {
    const text = `{"x": [\n${'{},'.repeat(MAX_JSON_VALUES)}{}]}`;
    expect(problemsOf(() => parseScenario(text, 'many.json'))).toEqual([
      `many.json: line 2, column ${3 * ((MAX_JSON_VALUES - 2) / 2) + 1}: holds more than ${MAX_JSON_VALUES} values, more than a JSON file is read with`,
    ]);
  });

  it('finds a key given twice in a large map in linear time, and keys equal only as text are two', () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `  k${i}: v`).join('\n');
    expect(problemsOf(() => parseScenario(`organizations: []\nx:\n${keys}\n  k7: again\n`, 'big.yaml'))).toEqual([
      'big.yaml: line 100003, column 3: Map keys must be unique',
    ]);
    expect(problemsOf(() => parseScenario("organizations: []\nx: {1: a, '1': b}\n", 'types.yaml'))).toEqual([
      'types.yaml: the file has unknown field "x"',
    ]);
  });

  it('refuses a YAML file that nests deeper than MAX_JSON_DEPTH, flow or block, before making its document', () => {
    // Thousands of levels overflowed the YAML library's stack ("Maximum call stack size exceeded").
    const flow = `policies:\n  - id: p\n    ringfence: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}\n`;
    expect(problemsOf(() => parseScenario(flow, 'deep.yaml'))).toEqual([
      `deep.yaml: line 3, column ${'    ringfence: '.length + 1 + 4 * (MAX_JSON_DEPTH - 3)}: nests deeper than ${MAX_JSON_DEPTH} levels`,
    ]);
    const block = 'organizations:\n' + Array.from({ length: 3_000 }, (_, i) => `${' '.repeat(i)}- \n`).join('');
    expect(problemsOf(() => parseScenario(block, 'deep.yaml'))).toEqual([
      `deep.yaml: line ${MAX_JSON_DEPTH + 1}, column ${MAX_JSON_DEPTH}: nests deeper than ${MAX_JSON_DEPTH} levels`,
    ]);
    // A pair in a flow sequence is a map inside it: two levels each.
    const pairs = `policies: ${'[a: '.repeat(40)}1${']'.repeat(40)}\n`;
    expect(problemsOf(() => parseScenario(pairs, 'deep.yaml'))[0]).toMatch(
      /^deep\.yaml: line 1, column \d+: nests deeper than 64 levels$/,
    );
    // Aliases repeat a node inside another: the data's depth is held to the bound too.
    const anchors = Array.from({ length: 5 }, (_, k) => {
      const inner = k === 0 ? '1' : `*a${k - 1}`;
      return `x${k}: &a${k} ${'['.repeat(30)}${inner}${']'.repeat(30)}`;
    }).join('\n');
    expect(problemsOf(() => parseScenario(`${anchors}\n`, 'alias.yaml'))).toEqual([
      `alias.yaml: nests deeper than ${MAX_JSON_DEPTH} levels through its aliases (*name), which repeat nodes inside others`,
    ]);
    // At the bound a file is read (and judged by its schema).
    const within = `policies:\n  - id: p\n    ringfence: ${'{a: '.repeat(MAX_JSON_DEPTH - 3)}1${'}'.repeat(MAX_JSON_DEPTH - 3)}\n`;
    expect(problemsOf(() => parseScenario(within, 'ok.yaml')).join('\n')).not.toMatch(/nests deeper/);
  });

  it('chooses the format by extension and falls back to YAML', () => {
    expect(problemsOf(() => parseScenario('organizations: []', 'x.json'))[0]).toMatch(/^x\.json: line 1, column 1: /);
    expect(parseScenario('{"organizations": [{"id": "a", "name": "A"}]}', 'x.txt').organizations).toHaveLength(1);
    expect(parseScenario('organizations: []', 'x.YML').organizations).toEqual([]);
  });

  it('names the entry by index when the id itself is bad', () => {
    const problems = problemsOf(() =>
      parseScenario(
        withPolicy('{id: 7, app: putty, appliesTo: {organization: acme}, action: permit, order: 1}'),
        's.yaml',
      ),
    );
    expect(problems).toEqual([
      's.yaml: policies[#0]: id must be a string, not the number 7; quote it in YAML (id: "7")',
    ]);
  });
});

describe('the shared contract', () => {
  it('loads the example scenario and cases without problems', async () => {
    const world = await loadScenario(CONTRACT_SCENARIO);
    expect(world.organizations.map((o) => o.id)).toEqual(['parent', 'shop', 'school']);
    const cases = await loadFixtures(CONTRACT_CASES);
    expect(cases.length).toBeGreaterThan(0);
    expect(validateFixtures(cases, world)).toEqual([]);
  });

  it.each(['yaml', 'json'] as const)('round-trips through %s', async (format) => {
    const world = await loadScenario(CONTRACT_SCENARIO);
    const text = serializeScenario(world, format);
    expect(parseScenario(text, `again.${format}`)).toEqual(world);
  });
});

/** A world using every optional field and strings YAML would misread unquoted. */
const RICH: World = {
  organizations: [
    { id: 'msp', name: 'yes', structure: 'hierarchical', modules: [] },
    { id: 'acme', name: 'null', parent: 'msp', structure: 'flat', modules: ['cyberHeroApprovals', 'other'] },
  ],
  groups: [
    { id: 'g1', org: 'acme', name: '#1 tills: front', os: 'windows', agentVersion: '10.5' },
    { id: 'g2', org: 'msp', name: "it's", os: 'macos', agentVersion: '10' },
  ],
  computers: [
    { id: 'pc-1', group: 'g1', name: '- dash', agentVersion: '10.5.3.1' },
    { id: '0012', group: 'g2' },
  ],
  applications: [
    {
      id: 'app',
      name: 'A "quoted" {name}',
      builtIn: true,
      category: 'Shopping',
      subcategory: 'Groceries',
      primaryCompanyInfluence: ['CN'],
      developmentInfluence: ['SG', 'gb'],
      rules: [
        { path: 'C:\\Program Files\\**\\*.exe', processPath: 'regex:^C:\\\\Windows\\\\.*$', createdBy: '*' },
        { sha256: 'ab'.repeat(32), certSubject: 'CN=Acme, O=Acme', certThumbprint: '0'.repeat(40) },
      ],
    },
    { id: 'custom', name: 'Custom', builtIn: false, org: 'acme', rules: [] },
  ],
  policies: [
    {
      id: 'p1',
      name: 'Ring',
      app: 'app',
      appliesTo: { globalGroup: { org: 'msp', keyword: 'Till' } },
      action: 'ringfence',
      order: -3,
      enabled: false,
      expiresAt: '2027-01-01T00:00:00.5+02:00',
      ringfence: { network: false, folders: ['C:\\Data'], nested: { depth: 2 } },
    },
    {
      id: 'p2',
      app: 'custom',
      appliesTo: { computer: '0012' },
      action: 'permit',
      order: 0,
      enabled: true,
      default: false,
    },
    { id: 'd', default: true, appliesTo: { global: 'msp' }, action: 'denyWithRequest', order: 1000000, enabled: true },
  ],
  agentSettings: [
    { id: 's1', type: 'prioritizeBuiltInApplications', value: false, appliesTo: { organization: 'acme' }, order: 2 },
  ],
  gates: [],
  approvalPolicies: [
    {
      id: 'ch',
      org: 'acme',
      order: 3,
      active: false,
      action: 'reject',
      category: 'Shopping',
      subcategory: 'Groceries',
      appliesTo: { groups: ['g1'] },
      countries: { mode: 'allow', list: ['GB', 'FR'] },
    },
  ],
  approvalSettings: [
    {
      org: 'acme',
      guidelines: { useParent: true, instructions: 'See https://example.com\nthen: approve' },
      escalation: { useParent: false, emails: ['a@acme.example'] },
    },
    { org: 'msp' },
  ],
};

describe('serializeScenario', () => {
  it.each(['yaml', 'json'] as const)('round-trips every field through %s', (format) => {
    expect(parseScenario(serializeScenario(RICH, format), `rich.${format}`)).toEqual(RICH);
  });

  it('writes id first and leaves undefined fields and empty optional lists out', () => {
    const world = parseScenario(MINIMAL, 'm.yaml');
    const data = JSON.parse(serializeScenario(world, 'json')) as Record<string, Record<string, unknown>[]>;
    expect(Object.keys(data)).toEqual(['organizations', 'groups', 'computers', 'applications', 'policies']);
    expect(Object.keys(data.policies?.[0] ?? {})).toEqual(['id', 'app', 'appliesTo', 'action', 'order', 'enabled']);
    const yaml = serializeScenario(world, 'yaml');
    expect(yaml).toContain('  - {id: pc-1, group: g1}\n');
    expect(yaml).not.toContain('undefined');
  });

  it('round-trips generated free text and orders', () => {
    const text = fc.string({ unit: 'grapheme', minLength: 1 });
    fc.assert(
      fc.property(
        fc.record({ name: text, path: text, subject: text, instructions: text, category: text }),
        fc.integer(),
        fc.boolean(),
        fc.constantFrom('yaml' as const, 'json' as const),
        (s, order, enabled, format) => {
          const world = structuredClone(RICH);
          const [org, app, policy] = [world.organizations[0], world.applications[1], world.policies[0]];
          if (org === undefined || app === undefined || policy === undefined) throw new Error('RICH changed');
          org.name = s.name;
          app.rules = [{ path: `x${s.path}`, certSubject: s.subject }];
          app.category = s.category;
          world.approvalSettings[1] = { org: 'msp', guidelines: { instructions: s.instructions } };
          world.organizations[1]!.structure = 'hierarchical';
          policy.order = order;
          policy.enabled = enabled;
          expect(parseScenario(serializeScenario(world, format), `gen.${format}`)).toEqual(world);
        },
      ),
      { numRuns: 150 },
    );
  });
});

const FIXTURES = `
cases:
  - name: office
    computer: pc-1
    at: 2026-11-22T12:00:00Z
    settings: {prioritizeBuiltInApplications: false}
    file: {path: 'C:\\Office\\winword.exe', sha256: abc}
    expect: {action: permit, policy: p-office, gated: [flatPolicyStructure]}
  - name: shopping
    computer: pc-1
    approval: {category: Shopping, primaryCompanyInfluence: [CN]}
    expect: {suggestion: reject, policy: null}
  - name: by app
    computer: pc-1
    approval: {app: fastcart}
    expect: {}
`;

/** FIXTURES with its first case replaced. */
function withCase(yaml: string): string {
  return `cases:\n${yaml}`;
}

describe('parseFixtures', () => {
  it('keeps what a case says and fills the approval lists', () => {
    expect(parseFixtures(FIXTURES, 'cases.yaml')).toEqual([
      {
        name: 'office',
        computer: 'pc-1',
        at: '2026-11-22T12:00:00Z',
        settings: { prioritizeBuiltInApplications: false },
        file: { path: 'C:\\Office\\winword.exe', sha256: 'abc' },
        expect: { action: 'permit', policy: 'p-office', gated: ['flatPolicyStructure'] },
      },
      {
        name: 'shopping',
        computer: 'pc-1',
        approval: { category: 'Shopping', primaryCompanyInfluence: ['CN'], developmentInfluence: [] },
        expect: { suggestion: 'reject', policy: null },
      },
      { name: 'by app', computer: 'pc-1', approval: { app: 'fastcart' }, expect: {} },
    ]);
  });

  it('turns a Date evaluation time into its ISO text', () => {
    const parsed = fixtureFileSchema.parse({
      cases: [{ name: 'n', computer: 'c', at: new Date(Date.UTC(2026, 10, 22, 12)), file: { path: 'p' }, expect: {} }],
    });
    expect(parsed.cases[0]?.at).toBe('2026-11-22T12:00:00.000Z');
  });

  it.each([
    [
      'neither file nor approval',
      '  - {name: n, computer: c, expect: {}}',
      'cases[n]: needs exactly one of file and approval; it has neither',
    ],
    [
      'both file and approval',
      '  - {name: n, computer: c, file: {path: p}, approval: {app: a}, expect: {}}',
      'cases[n]: needs exactly one of file and approval; it has both',
    ],
    [
      'an approval with app and category',
      '  - {name: n, computer: c, approval: {app: a, category: X}, expect: {}}',
      'cases[n]: approval sets app, so it must not also set category',
    ],
    [
      'an approval with neither app nor category',
      '  - {name: n, computer: c, approval: {subcategory: X}, expect: {}}',
      'cases[n]: approval must have app or category',
    ],
    [
      'a bad country',
      '  - {name: n, computer: c, approval: {category: X, developmentInfluence: [GB, XX]}, expect: {}}',
      'cases[n]: approval.developmentInfluence[1] "XX" is not an ISO 3166-1 alpha-2 country code',
    ],
    [
      'a bad evaluation time',
      '  - {name: n, computer: c, at: tomorrow, file: {path: p}, expect: {}}',
      'cases[n]: at "tomorrow" is not an RFC 3339 date-time with a time zone (e.g. 2026-11-22T12:00:00Z)',
    ],
    ['a file without path', '  - {name: n, computer: c, file: {}, expect: {}}', 'cases[n]: file.path is required'],
    [
      'a file with an empty path',
      "  - {name: n, computer: c, file: {path: ''}, expect: {}}",
      'cases[n]: file.path must not be empty: a request names its file',
    ],
    ['no expect', '  - {name: n, computer: c, file: {path: p}}', 'cases[n]: expect is required'],
    [
      'a bad expected policy',
      '  - {name: n, computer: c, file: {path: p}, expect: {policy: [a]}}',
      'cases[n]: expect.policy must be a string, not a list',
    ],
    ['no name', '  - {computer: c, file: {path: p}, expect: {}}', 'cases[#0]: name is required'],
    [
      'a setting that is no scalar',
      '  - {name: n, computer: c, settings: {x: {}}, file: {path: p}, expect: {}}',
      'cases[n]: settings.x must be a boolean, a number or a string',
    ],
  ])('reports %s', (_name, yaml, expected) => {
    expect(problemsOf(() => parseFixtures(withCase(yaml), 'cases.yaml'))).toEqual([`cases.yaml: ${expected}`]);
  });

  it.each([
    [
      'a misspelt file field',
      "  - {name: n, computer: c, file: {path: p, certSubjet: 'CN=x'}, expect: {}}",
      'cases[n]: unknown field "file.certSubjet"',
    ],
    [
      'a misspelt case field',
      '  - {name: n, computer: c, file: {path: p}, expects: {}, expect: {}}',
      'cases[n]: unknown field "expects"',
    ],
    [
      'an expectation named __proto__ (it would expect nothing)',
      '  - {name: n, computer: c, file: {path: p}, expect: {__proto__: {action: deny}}}',
      'cases[n]: unknown field "expect.__proto__"',
    ],
    [
      'a what-if setting named __proto__',
      '  - {name: n, computer: c, settings: {__proto__: {}}, file: {path: p}, expect: {}}',
      'cases[n]: unknown field "settings.__proto__"',
    ],
    [
      'a misspelt approval field',
      '  - {name: n, computer: c, approval: {category: Games, subcategroy: x}, expect: {}}',
      'cases[n]: unknown field "approval.subcategroy"',
    ],
    [
      'an evaluation time finer than a millisecond',
      "  - {name: n, computer: c, at: '2026-11-22T12:00:00.0005Z', file: {path: p}, expect: {}}",
      'cases[n]: at "2026-11-22T12:00:00.0005Z" has a fraction finer than a millisecond; times are kept to the millisecond (the wire carries milliseconds)',
    ],
    [
      'an action no decision has',
      '  - {name: n, computer: c, file: {path: p}, expect: {action: allow}}',
      'cases[n]: expect.action must be one of permit, deny, denyWithRequest, ringfence, not the string "allow"',
    ],
    [
      'a suggestion no suggestion has',
      '  - {name: n, computer: c, approval: {app: a}, expect: {suggestion: deny}}',
      'cases[n]: expect.suggestion must be one of approve, escalate, reject, none, not the string "deny"',
    ],
    [
      'a field no decision has',
      '  - {name: n, computer: c, file: {path: p}, expect: {decision: permit}}',
      'cases[n]: expect.decision is not a decision field (a file case may expect action, policy, policyName, order, application, structure, builtInsFirst, gated, snapshotVersion, reason, ringfence)',
    ],
    [
      'a suggestion field on a file case',
      '  - {name: n, computer: c, file: {path: p}, expect: {suggestion: reject}}',
      'cases[n]: expect.suggestion is not a decision field (a file case may expect action, policy, policyName, order, application, structure, builtInsFirst, gated, snapshotVersion, reason, ringfence)',
    ],
    [
      'a decision field on an approval case',
      '  - {name: n, computer: c, approval: {app: a}, expect: {action: permit}}',
      'cases[n]: expect.action is not a suggestion field (a approval case may expect suggestion, policy, reason, permitTarget, instructions, escalationEmails, warnings)',
    ],
    [
      'a structure no decision has',
      '  - {name: n, computer: c, file: {path: p}, expect: {structure: tree}}',
      'cases[n]: expect.structure must be one of hierarchical, flat, not the string "tree"',
    ],
    [
      'gated given as text',
      '  - {name: n, computer: c, file: {path: p}, expect: {gated: flatPolicyStructure}}',
      'cases[n]: expect.gated must be a list, not the string "flatPolicyStructure"',
    ],
    [
      'builtInsFirst given as text',
      '  - {name: n, computer: c, file: {path: p}, expect: {builtInsFirst: "yes"}}',
      'cases[n]: expect.builtInsFirst must be a boolean (true or false), not the string "yes"',
    ],
  ])('refuses %s, naming the case and the field', (_name, yaml, expected) => {
    expect(problemsOf(() => parseFixtures(withCase(yaml), 'cases.yaml'))).toEqual([`cases.yaml: ${expected}`]);
  });

  it('accepts every decision and suggestion field with a value it can take', () => {
    const cases = parseFixtures(
      withCase(`  - name: f
    computer: c
    file: {path: p}
    expect: {action: ringfence, policy: null, policyName: null, order: -2147483648, application: null, structure: flat,
      builtInsFirst: false, gated: [], snapshotVersion: 4294967295, reason: r, ringfence: {network: false}}
  - name: a
    computer: c
    approval: {app: a}
    expect: {suggestion: none, policy: p, reason: r, permitTarget: group, instructions: i, escalationEmails: [a@b.example],
      warnings: []}
`),
      'cases.yaml',
    );
    expect(cases.map((c) => Object.keys(c.expect).length)).toEqual([11, 7]);
  });

  it('requires the cases list', () => {
    expect(problemsOf(() => parseFixtures('{"tests": []}', 'f.json'))).toEqual([
      'f.json: cases is required',
      'f.json: the file has unknown field "tests"',
    ]);
  });
});

describe('validateFixtures', () => {
  it('reports unknown computers, applications and settings', () => {
    const world = parseScenario(MINIMAL, 'm.yaml');
    const cases = parseFixtures(
      withCase(`  - {name: a, computer: pc-9, file: {path: p}, expect: {}}
  - {name: b, computer: pc-1, approval: {app: nope}, expect: {}}
  - {name: c, computer: pc-1, settings: {turbo: true, prioritizeBuiltInApplications: 1}, file: {path: p}, expect: {}}
  - {name: d, computer: pc-1, approval: {app: putty}, settings: {prioritizeBuiltInApplications: true}, expect: {}}
`),
      'f.yaml',
    );
    expect(validateFixtures(cases, world)).toEqual([
      'cases[a]: computer "pc-9" is not a known computer',
      'cases[b]: approval.app "nope" is not a known application',
      'cases[c]: settings.turbo is invalid: unknown setting type "turbo" (known: prioritizeBuiltInApplications)',
      'cases[c]: settings.prioritizeBuiltInApplications is invalid: setting prioritizeBuiltInApplications takes a boolean, not 1',
    ]);
  });
});

describe('loading files', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-load-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a JSON scenario and names the path in problems', async () => {
    const world = parseScenario(MINIMAL, 'm.yaml');
    const good = join(dir, 'good.json');
    await writeFile(good, serializeScenario(world, 'json'));
    expect(await loadScenario(good)).toEqual(world);

    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, MINIMAL.replace('app: putty', 'app: vim'));
    await expect(loadScenario(bad)).rejects.toThrow(`${bad}: policies[a-putty]: app "vim" is not a known application`);
  });

  it('reports a file that cannot be read as invalid input', async () => {
    const missing = join(dir, 'missing.yaml');
    const error = await loadScenario(missing).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems[0]).toMatch(new RegExp(`^${missing}: cannot be read: ENOENT`));
    await expect(loadFixtures(missing)).rejects.toBeInstanceOf(ValidationError);
  });

  it('refuses a YAML file past its bound before reading it, and points to JSON', async () => {
    const large = join(dir, 'large.yaml');
    // Sparse: its size is checked before a byte is read.
    await writeFile(large, '');
    await truncate(large, MAX_YAML_FILE_BYTES + 1);
    const error = await loadScenario(large).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([
      `${large}: is larger than a YAML scenario or fixture file may be (${MAX_YAML_FILE_BYTES} bytes); ` +
        `write a larger one as JSON (a .json file, up to ${MAX_JSON_FILE_BYTES} bytes)`,
    ]);
    await expect(loadFixtures(large)).rejects.toThrow('is larger than a YAML scenario or fixture file may be');
    // The same size as JSON is read (and found to be no JSON: zeros).
    const json = join(dir, 'large.json');
    await writeFile(json, '');
    await truncate(json, MAX_YAML_FILE_BYTES + 1);
    await expect(loadScenario(json)).rejects.toThrow(/large\.json: .*JSON/);
  });

  it('never writes a YAML scenario it would refuse to read again', () => {
    const world = parseScenario(MINIMAL, 'minimal.yaml');
    const large: World = {
      ...world,
      applications: [{ ...world.applications[0]!, name: 'n'.repeat(MAX_YAML_FILE_BYTES) }],
    };
    expect(() => serializeScenario(large, 'yaml')).toThrow(
      /^the scenario is \d+ bytes as YAML, more than a YAML scenario file may be \(16777216 bytes\); write it as JSON/,
    );
    const huge: World = { ...large, applications: [{ ...large.applications[0]!, name: 'n'.repeat(40_000_000) }] };
    expect(() => serializeScenario(huge, 'yaml')).toThrow(/^the scenario is \d+ characters as JSON/);
    expect(serializeScenario(large, 'json').length).toBeGreaterThan(MAX_YAML_FILE_BYTES);
    // Short entries pass the entries a YAML file is read with well within its bytes: such a world is JSON's.
    const computers = Array.from({ length: MAX_YAML_ENTRIES / 3 + 1 }, (_, i) => ({ id: `c${i}`, group: 'g1' }));
    const many: World = { ...world, computers };
    expect(() => serializeScenario(many, 'yaml')).toThrow(
      /^the scenario holds \d+ list items and map pairs, more than a YAML scenario file is read with \(1500000\); write it as JSON/,
    );
    expect(parseScenario(serializeScenario(many, 'json'), 'many.json').computers).toHaveLength(computers.length);
  });

  it('refuses a device, naming it, rather than reading it', async () => {
    const error = await loadScenario('/dev/zero').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual([
      '/dev/zero: cannot be read: it is a character device, not a regular file',
    ]);
  });

  it('loads fixtures from a file', async () => {
    const path = join(dir, 'cases.yml');
    await writeFile(path, FIXTURES);
    expect(await loadFixtures(path)).toHaveLength(3);
  });
});
