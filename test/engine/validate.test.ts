import { describe, expect, it } from 'vitest';
import { COUNTRY_CODE_COUNT, COUNTRY_CODES, isCountryCode } from '../../src/engine/countries.js';
import type { World } from '../../src/engine/model.js';
import {
  entryLabel,
  isEmailAddress,
  isRfc3339,
  parseTimeMs,
  timeProblem,
  validateWorld,
} from '../../src/engine/validate.js';

/** A small valid world: msp (hierarchical) with acme (flat, approvals) and other (hierarchical). */
function baseWorld(): World {
  return {
    organizations: [
      { id: 'msp', name: 'MSP', structure: 'hierarchical', modules: [] },
      { id: 'acme', name: 'Acme', parent: 'msp', structure: 'flat', modules: ['cyberHeroApprovals'] },
      { id: 'other', name: 'Other', parent: 'msp', structure: 'hierarchical', modules: [] },
    ],
    groups: [
      { id: 'g1', org: 'acme', name: 'Tills', os: 'windows', agentVersion: '10.6.2' },
      { id: 'g2', org: 'other', name: 'Labs', os: 'linux', agentVersion: '10.4' },
    ],
    computers: [
      { id: 'pc-1', group: 'g1' },
      { id: 'pc-2', group: 'g2', agentVersion: '10.5.3' },
    ],
    applications: [
      {
        id: 'putty',
        name: 'PuTTY',
        builtIn: false,
        org: 'acme',
        primaryCompanyInfluence: ['GB'],
        developmentInfluence: ['gb'],
        rules: [
          { path: 'C:\\Tools\\putty.exe' },
          { path: 'regex:^C:\\\\Tools\\\\.*\\.exe$', sha256: 'ab'.repeat(32) },
          { certThumbprint: 'AB'.repeat(20) },
          { certThumbprint: 'cd'.repeat(32), certSubject: 'CN=Simon Tatham' },
        ],
      },
    ],
    policies: [
      { id: 'a-putty', app: 'putty', appliesTo: { organization: 'acme' }, action: 'permit', order: 1, enabled: true },
      { id: 'o-neg', app: 'putty', appliesTo: { organization: 'other' }, action: 'deny', order: -5, enabled: true },
      {
        id: 'dflt',
        default: true,
        appliesTo: { global: 'msp' },
        action: 'deny',
        order: 1000000,
        enabled: true,
        expiresAt: '2030-01-01T00:00:00+01:00',
      },
    ],
    agentSettings: [
      { id: 's1', type: 'prioritizeBuiltInApplications', value: false, appliesTo: { group: 'g1' }, order: 1 },
    ],
    gates: [{ feature: 'flatPolicyStructure', os: 'windows', minVersion: '10.5.3' }],
    approvalPolicies: [
      {
        id: 'ch-1',
        org: 'acme',
        order: 0,
        active: true,
        action: 'approve',
        category: 'Shopping',
        appliesTo: { groups: ['g1'] },
        countries: { mode: 'deny', list: ['CN'] },
      },
    ],
    approvalSettings: [
      {
        org: 'acme',
        guidelines: { useParent: true, permitTarget: 'group' },
        escalation: { emails: ['ops@acme.example'] },
      },
    ],
  };
}

/** What the engine reports for a pattern that does not compile, whatever its wording. */
function regexError(pattern: string): string {
  try {
    new RegExp(pattern);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${pattern} compiles`);
}

const cases: [string, (w: World) => void, string[]][] = [
  // duplicate ids
  [
    'duplicate organization id',
    (w) => w.organizations.push({ id: 'acme', name: 'Again', structure: 'hierarchical', modules: [] }),
    ['organizations[acme]: id "acme" is used by more than one entry (#1, #3)'],
  ],
  [
    'duplicate group id',
    (w) => w.groups.push({ ...w.groups[0]! }),
    ['groups[g1]: id "g1" is used by more than one entry (#0, #2)'],
  ],
  [
    'duplicate computer id',
    (w) => w.computers.push({ id: 'pc-1', group: 'g2' }),
    ['computers[pc-1]: id "pc-1" is used by more than one entry (#0, #2)'],
  ],
  [
    'duplicate application id',
    (w) => w.applications.push({ id: 'putty', name: 'x', builtIn: true, rules: [] }),
    ['applications[putty]: id "putty" is used by more than one entry (#0, #1)'],
  ],
  [
    'duplicate policy id',
    (w) => w.policies.push({ ...w.policies[0]! }),
    ['policies[a-putty]: id "a-putty" is used by more than one entry (#0, #3)'],
  ],
  [
    'duplicate agent setting id',
    (w) => w.agentSettings.push({ ...w.agentSettings[0]! }),
    ['agentSettings[s1]: id "s1" is used by more than one entry (#0, #1)'],
  ],
  [
    'duplicate approval policy id',
    (w) => w.approvalPolicies.push({ ...w.approvalPolicies[0]! }),
    ['approvalPolicies[ch-1]: id "ch-1" is used by more than one entry (#0, #1)'],
  ],
  [
    'two approval settings for one organization',
    (w) => w.approvalSettings.push({ org: 'acme' }),
    ['approvalSettings[acme]: org "acme" is used by more than one entry (#0, #1)'],
  ],
  ['an empty id', (w) => (w.computers[1]!.id = ''), ['computers[#1]: id "" must not be empty']],
  [
    'an id with a slash',
    (w) => (w.computers[1]!.id = 'pc/2'),
    [
      'computers[#1]: id "pc/2" has the character "/"; an id is 1 to 128 characters, each an ASCII letter, a digit or one of - _ . : @',
    ],
  ],
  [
    'an id with a lone surrogate',
    (w) => (w.computers[1]!.id = 'p\uD800'),
    [
      'computers[#1]: id "p\\ud800" has the character U+D800; an id is 1 to 128 characters, each an ASCII letter, a digit or one of - _ . : @',
    ],
  ],
  [
    'an id with a control character',
    (w) => (w.computers[1]!.id = 'a\u0007'),
    [
      'computers[#1]: id "a\\u0007" has the character U+0007; an id is 1 to 128 characters, each an ASCII letter, a digit or one of - _ . : @',
    ],
  ],
  [
    'an id of 10,000 characters',
    (w) => (w.computers[1]!.id = 'o'.repeat(10_000)),
    // Quoted at most 80 characters long: a problem is never as long as the value at fault.
    [`computers[#1]: id "${'o'.repeat(80)}"... (10000 characters) is 10000 characters long; an id has at most 128`],
  ],
  // references
  [
    'unknown parent',
    (w) => (w.organizations[2]!.parent = 'nope'),
    ['organizations[other]: parent "nope" is not a known organization'],
  ],
  ['unknown group org', (w) => (w.groups[0]!.org = 'nope'), ['groups[g1]: org "nope" is not a known organization']],
  [
    'unknown computer group',
    (w) => (w.computers[0]!.group = 'gx'),
    ['computers[pc-1]: group "gx" is not a known group'],
  ],
  [
    'unknown application org',
    (w) => (w.applications[0]!.org = 'nope'),
    ['applications[putty]: org "nope" is not a known organization'],
  ],
  [
    'unknown policy app',
    (w) => (w.policies[0]!.app = 'vim'),
    ['policies[a-putty]: app "vim" is not a known application'],
  ],
  [
    'unknown appliesTo.global',
    (w) => (w.policies[0]!.appliesTo = { global: 'nope' }),
    ['policies[a-putty]: appliesTo.global "nope" is not a known organization'],
  ],
  [
    'unknown appliesTo.globalGroup.org',
    (w) => (w.policies[0]!.appliesTo = { globalGroup: { org: 'nope', keyword: 'Till' } }),
    ['policies[a-putty]: appliesTo.globalGroup.org "nope" is not a known organization'],
  ],
  [
    'unknown appliesTo.organization',
    (w) => (w.policies[0]!.appliesTo = { organization: 'nope' }),
    ['policies[a-putty]: appliesTo.organization "nope" is not a known organization'],
  ],
  [
    'unknown appliesTo.group',
    (w) => (w.policies[0]!.appliesTo = { group: 'gx' }),
    ['policies[a-putty]: appliesTo.group "gx" is not a known group'],
  ],
  [
    'unknown appliesTo.computer',
    (w) => (w.policies[0]!.appliesTo = { computer: 'pc-9' }),
    ['policies[a-putty]: appliesTo.computer "pc-9" is not a known computer'],
  ],
  [
    'an appliesTo with two keys',
    (w) => (w.policies[0]!.appliesTo = { group: 'g1', computer: 'pc-1' } as never),
    ['policies[a-putty]: appliesTo must have exactly one of global, globalGroup, organization, group, computer'],
  ],
  [
    'unknown agent setting target',
    (w) => (w.agentSettings[0]!.appliesTo = { computer: 'pc-9' }),
    ['agentSettings[s1]: appliesTo.computer "pc-9" is not a known computer'],
  ],
  [
    'unknown approval policy org',
    (w) => (w.approvalPolicies[0]!.org = 'nope'),
    ['approvalPolicies[ch-1]: org "nope" is not a known organization'],
  ],
  [
    'unknown approval policy group',
    (w) => (w.approvalPolicies[0]!.appliesTo = { groups: ['g1', 'gx'] }),
    ['approvalPolicies[ch-1]: appliesTo.groups "gx" is not a known group'],
  ],
  [
    'approval policy group of another organization',
    (w) => (w.approvalPolicies[0]!.appliesTo = { groups: ['g2'] }),
    ['approvalPolicies[ch-1]: appliesTo.groups "g2" belongs to organization other, not the policy\'s org acme'],
  ],
  [
    'unknown approval policy computer',
    (w) => (w.approvalPolicies[0]!.appliesTo = { computers: ['pc-9'] }),
    ['approvalPolicies[ch-1]: appliesTo.computers "pc-9" is not a known computer'],
  ],
  [
    'approval policy computer of another organization',
    (w) => (w.approvalPolicies[0]!.appliesTo = { computers: ['pc-1', 'pc-2'] }),
    ['approvalPolicies[ch-1]: appliesTo.computers "pc-2" belongs to organization other, not the policy\'s org acme'],
  ],
  [
    'approval policy for another organization',
    (w) => (w.approvalPolicies[0]!.appliesTo = { organization: 'other' }),
    ['approvalPolicies[ch-1]: appliesTo.organization "other" must be the policy\'s org "acme"'],
  ],
  [
    'approval policy with an empty group list',
    (w) => (w.approvalPolicies[0]!.appliesTo = { groups: [] }),
    ['approvalPolicies[ch-1]: appliesTo.groups must name at least one group'],
  ],
  [
    'unknown approval settings org',
    (w) => (w.approvalSettings[0]!.org = 'nope'),
    ['approvalSettings[nope]: org "nope" is not a known organization'],
  ],
  // organization cycles
  [
    'an organization is its own parent',
    (w) => (w.organizations[1]!.parent = 'acme'),
    ['organizations[acme]: parent "acme" makes a cycle (acme -> acme)'],
  ],
  [
    "two organizations are each other's parent",
    (w) => (w.organizations[0]!.parent = 'other'),
    ['organizations[msp]: parent "other" makes a cycle (msp -> other -> msp)'],
  ],
  // versions
  [
    'bad group version',
    (w) => (w.groups[0]!.agentVersion = '10.x'),
    [
      'groups[g1]: agentVersion "10.x" is not a version (1 to 4 dot-separated non-negative integers, without leading zeros)',
    ],
  ],
  [
    'bad computer version',
    (w) => (w.computers[0]!.agentVersion = '10.x'),
    [
      'computers[pc-1]: agentVersion "10.x" is not a version (1 to 4 dot-separated non-negative integers, without leading zeros)',
    ],
  ],
  [
    'version with a part of 21 digits',
    (w) => (w.computers[1]!.agentVersion = '10.100000000000000000000'),
    ['computers[pc-2]: agentVersion "10.100000000000000000000" has a part of more than 20 digits'],
  ],
  [
    'version with five parts',
    (w) => (w.computers[1]!.agentVersion = '1.2.3.4.5'),
    [
      'computers[pc-2]: agentVersion "1.2.3.4.5" is not a version (1 to 4 dot-separated non-negative integers, without leading zeros)',
    ],
  ],
  [
    'bad gate version',
    (w) => (w.gates![0]!.minVersion = 'v10'),
    [
      'gates[#0]: minVersion "v10" is not a version (1 to 4 dot-separated non-negative integers, without leading zeros)',
    ],
  ],
  // country codes
  [
    'unknown primaryCompanyInfluence country',
    (w) => (w.applications[0]!.primaryCompanyInfluence = ['GB', 'XX']),
    ['applications[putty]: primaryCompanyInfluence "XX" is not an ISO 3166-1 alpha-2 country code'],
  ],
  [
    'unknown developmentInfluence country',
    (w) => (w.applications[0]!.developmentInfluence = ['UK']),
    ['applications[putty]: developmentInfluence "UK" is not an ISO 3166-1 alpha-2 country code'],
  ],
  [
    'unknown approval policy country',
    (w) => (w.approvalPolicies[0]!.countries.list = ['EU']),
    ['approvalPolicies[ch-1]: countries.list "EU" is not an ISO 3166-1 alpha-2 country code'],
  ],
  // policies
  [
    'a policy without app',
    (w) => delete w.policies[0]!.app,
    ['policies[a-putty]: app is required (only the default policy, with default: true, has none)'],
  ],
  [
    'a default policy with app',
    (w) => (w.policies[2]!.app = 'putty'),
    ['policies[dflt]: app must not be set on the default policy'],
  ],
  [
    'a fractional order',
    (w) => (w.policies[0]!.order = 1.5),
    ['policies[a-putty]: order 1.5 must be an integer from -2147483648 to 2147483647'],
  ],
  [
    'an order beyond a 32-bit signed integer',
    (w) => (w.policies[1]!.order = 2147483648),
    ['policies[o-neg]: order 2147483648 must be an integer from -2147483648 to 2147483647'],
  ],
  [
    'an order below a 32-bit signed integer',
    (w) => (w.policies[1]!.order = -2147483649),
    ['policies[o-neg]: order -2147483649 must be an integer from -2147483648 to 2147483647'],
  ],
  [
    'an order beyond 2^53',
    (w) => (w.policies[1]!.order = 2 ** 53 + 2),
    ['policies[o-neg]: order 9007199254740994 must be an integer from -2147483648 to 2147483647'],
  ],
  [
    'an order of 1e300',
    (w) => (w.policies[1]!.order = 1e300),
    ['policies[o-neg]: order 1e+300 must be an integer from -2147483648 to 2147483647'],
  ],
  [
    'a setting order beyond a 32-bit signed integer',
    (w) => (w.agentSettings[0]!.order = 2147483648),
    ['agentSettings[s1]: order 2147483648 must be an integer from -2147483648 to 2147483647'],
  ],
  [
    'a negative order in a flat organization',
    (w) => (w.policies[0]!.order = -1),
    ['policies[a-putty]: order -1 is negative, but organization acme uses the flat structure'],
  ],
  [
    'a negative order on a group of a flat organization',
    (w) => Object.assign(w.policies[1]!, { appliesTo: { group: 'g1' } }),
    ['policies[o-neg]: order -5 is negative, but organization acme uses the flat structure'],
  ],
  [
    'a negative order on a computer of a flat organization',
    (w) => Object.assign(w.policies[1]!, { appliesTo: { computer: 'pc-1' } }),
    ['policies[o-neg]: order -5 is negative, but organization acme uses the flat structure'],
  ],
  [
    'a negative global order in a flat organization',
    (w) => Object.assign(w.policies[2]!, { appliesTo: { globalGroup: { org: 'acme', keyword: 'T' } }, order: -1 }),
    ['policies[dflt]: order -1 is negative, but organization acme uses the flat structure'],
  ],
  [
    'an expiry finer than a millisecond',
    (w) => (w.policies[0]!.expiresAt = '2026-11-22T12:00:00.0005Z'),
    [
      'policies[a-putty]: expiresAt "2026-11-22T12:00:00.0005Z" has a fraction finer than a millisecond; times are kept to the millisecond (the wire carries milliseconds)',
    ],
  ],
  [
    'an expiry without time zone',
    (w) => (w.policies[0]!.expiresAt = '2026-11-22T12:00:00'),
    [
      'policies[a-putty]: expiresAt "2026-11-22T12:00:00" is not an RFC 3339 date-time with a time zone (e.g. 2026-11-22T12:00:00Z)',
    ],
  ],
  [
    'a bad policy action',
    (w) => (w.policies[0]!.action = 'allow' as never),
    ['policies[a-putty]: action "allow" is not one of permit, deny, denyWithRequest, ringfence'],
  ],
  // applications
  [
    'a rule with no field',
    (w) => w.applications[0]!.rules.push({}),
    [
      'applications[putty]: rules[4] sets no field (a rule needs at least one of path, processPath, createdBy, sha256, certSubject, certThumbprint)',
    ],
  ],
  [
    'an empty rule field',
    (w) => (w.applications[0]!.rules[0] = { path: '' }),
    ['applications[putty]: rules[0].path must not be empty'],
  ],
  [
    'a path regex that does not compile',
    (w) => (w.applications[0]!.rules[0] = { path: 'regex:(' }),
    [`applications[putty]: rules[0].path "regex:(" does not compile: ${regexError('(')}`],
  ],
  [
    'a path regex with a lookaround or a backreference',
    (w) => (w.applications[0]!.rules[0] = { path: 'regex:C:\\\\(?!Windows)(a)\\1' }),
    [
      `applications[putty]: rules[0].path ${JSON.stringify('regex:C:\\\\(?!Windows)(a)\\1')}: a lookaround ((?!) at character 5 cannot be matched in a time linear in the path (tollgate takes no backreference and no lookaround)`,
    ],
  ],
  [
    'a path regex whose counts nest past what runs in linear time',
    (w) => (w.applications[0]!.rules[0] = { path: 'regex:((ab){1,16}){1,16}' }),
    [
      `applications[putty]: rules[0].path "regex:((ab){1,16}){1,16}": cannot be matched in a time linear in the path (V8's linear-time engine does not take it: a count of a group that holds a count, such as ((ab){5}){5})`,
    ],
  ],
  [
    'a processPath regex that does not compile',
    (w) => (w.applications[0]!.rules[0] = { processPath: 'regex:[a-' }),
    [`applications[putty]: rules[0].processPath "regex:[a-" does not compile: ${regexError('[a-')}`],
  ],
  [
    'a createdBy regex that does not compile',
    (w) => (w.applications[0]!.rules[0] = { createdBy: 'regex:*x' }),
    [`applications[putty]: rules[0].createdBy "regex:*x" does not compile: ${regexError('*x')}`],
  ],
  [
    'a short sha256',
    (w) => (w.applications[0]!.rules[1]!.sha256 = 'abc'),
    ['applications[putty]: rules[1].sha256 "abc" is not 64 hex characters'],
  ],
  [
    'a non-hex sha256',
    (w) => (w.applications[0]!.rules[1]!.sha256 = 'g'.repeat(64)),
    [`applications[putty]: rules[1].sha256 "${'g'.repeat(64)}" is not 64 hex characters`],
  ],
  [
    'a 41-character thumbprint',
    (w) => (w.applications[0]!.rules[2]!.certThumbprint = 'a'.repeat(41)),
    [`applications[putty]: rules[2].certThumbprint "${'a'.repeat(41)}" is not 40 or 64 hex characters`],
  ],
  // agent settings
  [
    'an unknown setting type',
    (w) => (w.agentSettings[0]!.type = 'turbo'),
    ['agentSettings[s1]: type is invalid: unknown setting type "turbo" (known: prioritizeBuiltInApplications)'],
  ],
  [
    'a setting value of the wrong type',
    (w) => (w.agentSettings[0]!.value = 'no'),
    ['agentSettings[s1]: value is invalid: setting prioritizeBuiltInApplications takes a boolean, not "no"'],
  ],
  [
    'a fractional setting order',
    (w) => (w.agentSettings[0]!.order = 0.5),
    ['agentSettings[s1]: order 0.5 must be an integer from -2147483648 to 2147483647'],
  ],
  // approval policies
  [
    'an empty category',
    (w) => (w.approvalPolicies[0]!.category = ' '),
    ['approvalPolicies[ch-1]: category is required and must not be empty'],
  ],
  [
    'a negative approval order',
    (w) => (w.approvalPolicies[0]!.order = -1),
    ['approvalPolicies[ch-1]: order -1 must be an integer from 0 to 4294967295'],
  ],
  [
    'a fractional approval order',
    (w) => (w.approvalPolicies[0]!.order = 2.5),
    ['approvalPolicies[ch-1]: order 2.5 must be an integer from 0 to 4294967295'],
  ],
  [
    'an approval order beyond 32 bits',
    (w) => (w.approvalPolicies[0]!.order = 4294967296),
    ['approvalPolicies[ch-1]: order 4294967296 must be an integer from 0 to 4294967295'],
  ],
  [
    'allow with an empty country list',
    (w) => (w.approvalPolicies[0]!.countries = { mode: 'allow', list: [] }),
    ['approvalPolicies[ch-1]: countries.list must name at least one country when mode is allow'],
  ],
  [
    'a bad approval action',
    (w) => (w.approvalPolicies[0]!.action = 'permit' as never),
    ['approvalPolicies[ch-1]: action "permit" is not one of approve, escalate, reject'],
  ],
  // approval settings
  [
    'guidelines.useParent without a parent',
    (w) => w.approvalSettings.push({ org: 'msp', guidelines: { useParent: true } }),
    ['approvalSettings[msp]: guidelines.useParent is set, but organization msp has no parent'],
  ],
  [
    'escalation.useParent without a parent',
    (w) => w.approvalSettings.push({ org: 'msp', escalation: { useParent: true } }),
    ['approvalSettings[msp]: escalation.useParent is set, but organization msp has no parent'],
  ],
  [
    'a bad escalation email',
    (w) => (w.approvalSettings[0]!.escalation = { emails: ['ops@acme.example', 'ops at acme'] }),
    ['approvalSettings[acme]: escalation.emails "ops at acme" is not a valid email address'],
  ],
  [
    'a bad permit target',
    (w) => (w.approvalSettings[0]!.guidelines = { permitTarget: 'org' as never }),
    ['approvalSettings[acme]: guidelines.permitTarget "org" is not one of computer, group'],
  ],
  // enumerations a typed caller could still get wrong
  [
    'a bad structure',
    (w) => (w.organizations[0]!.structure = 'flatt' as never),
    ['organizations[msp]: structure "flatt" is not one of hierarchical, flat'],
  ],
  ['a bad os', (w) => (w.groups[1]!.os = 'dos' as never), ['groups[g2]: os "dos" is not one of windows, macos, linux']],
  [
    'free texts past their bounds',
    (w) => {
      w.organizations[0]!.name = 'n'.repeat(1_025);
      w.computers[0]!.name = 'n'.repeat(1_025);
      w.applications[0]!.category = 'c'.repeat(257);
      w.applications[0]!.rules[0]!.path = 'p'.repeat(32_768);
      w.applications[0]!.rules[3]!.certSubject = 's'.repeat(4_097);
      w.policies[0]!.name = 'n'.repeat(55_000_000);
      w.policies[0]!.ringfence = { folders: ['f'.repeat(65_536)] };
      w.approvalSettings[0]!.guidelines = { useParent: true, instructions: 'i'.repeat(16_385) };
    },
    [
      'organizations[msp]: name is 1025 characters long; at most 1024',
      'computers[pc-1]: name is 1025 characters long; at most 1024',
      'applications[putty]: category is 257 characters long; at most 256',
      'applications[putty]: rules[0].path is 32768 characters long; at most 32767',
      'applications[putty]: rules[3].certSubject is 4097 characters long; at most 4096',
      'policies[a-putty]: name is 55000000 characters long; at most 1024',
      'policies[a-putty]: ringfence is 65552 characters as JSON; at most 65536',
      'approvalSettings[acme]: guidelines.instructions is 16385 characters long; at most 16384',
    ],
  ],
  [
    'texts that are not valid Unicode (a lone surrogate has no UTF-8 form)',
    (w) => {
      w.organizations[1]!.name = 'Ac\ud800me';
      w.applications[0]!.rules[0]!.path = 'C:\\x\udfff.exe';
      w.policies[0]!.ringfence = { allow: ['ok', { ['k\udbff']: 1 }] };
      w.approvalSettings[0]!.guidelines = { useParent: true, instructions: '\ud83d' };
      // A whole pair is valid.
      w.organizations[0]!.name = 'MSP 😀';
    },
    [
      'organizations[acme]: name holds a lone UTF-16 surrogate (\\uD800 at character 3); text must be valid Unicode',
      'applications[putty]: rules[0].path holds a lone UTF-16 surrogate (\\uDFFF at character 5); text must be valid Unicode',
      'policies[a-putty]: ringfence.allow[1] key "k\\udbff": holds a lone UTF-16 surrogate (\\uDBFF at character 2); text must be valid Unicode',
      'approvalSettings[acme]: guidelines.instructions holds a lone UTF-16 surrogate (\\uD83D at character 1); text must be valid Unicode',
    ],
  ],
  [
    'modules past their bounds, and a ringfence nested too deep',
    (w) => {
      w.organizations[0]!.modules = ['m'.repeat(129), 'tab\tbed', ''];
      w.organizations[2]!.modules = Array.from({ length: 65 }, (_, i) => `m${i}`);
      let deep: unknown = 1;
      for (let i = 0; i < 33; i++) deep = [deep];
      w.policies[0]!.ringfence = deep as Record<string, unknown>;
    },
    [
      'organizations[msp]: modules holds an empty entry; a module name must be a non-empty text',
      `organizations[msp]: modules "${'m'.repeat(80)}"... (129 characters) is 129 characters long; at most 128`,
      'organizations[msp]: modules "tab\\tbed" holds a control character',
      'organizations[other]: modules has more than 64 entries',
      'policies[a-putty]: ringfence nests 33 levels deep; at most 32',
    ],
  ],
  [
    'free texts at their bounds',
    (w) => {
      w.organizations[0]!.name = 'n'.repeat(1_024);
      w.applications[0]!.rules[0]!.path = 'p'.repeat(32_767);
      w.approvalSettings[0]!.guidelines = { useParent: true, instructions: 'i'.repeat(16_384) };
    },
    [],
  ],
];

describe('validateWorld', () => {
  it('accepts the base world', () => {
    expect(validateWorld(baseWorld())).toEqual([]);
  });

  it.each(cases)('reports %s', (_name, mutate, expected) => {
    const world = baseWorld();
    mutate(world);
    expect(validateWorld(world)).toEqual(expected);
  });

  it('reports every problem at once', () => {
    const world = baseWorld();
    world.groups[0]!.org = 'nope';
    world.policies[0]!.order = -1;
    world.computers[0]!.agentVersion = '10.x';
    expect(validateWorld(world)).toHaveLength(3);
  });
});

describe('entryLabel', () => {
  it('names an entry by id, or by index when the id is unusable', () => {
    expect(entryLabel('policies', 'p1', 3)).toBe('policies[p1]');
    expect(entryLabel('policies', '', 3)).toBe('policies[#3]');
    expect(entryLabel('policies', 7, 3)).toBe('policies[#3]');
  });
});

describe('isRfc3339', () => {
  it.each([
    '2026-11-22T12:00:00Z',
    '2026-11-22t12:00:00z',
    '2026-11-22T12:00:00.123+05:30',
    '2024-02-29T23:59:59-00:00',
  ])('accepts %s', (text) => {
    expect(isRfc3339(text)).toBe(true);
    expect(Number.isNaN(Date.parse(text))).toBe(false);
  });

  it.each([
    '2026-11-22',
    '2026-11-22T12:00:00',
    '2026-11-22 12:00:00Z',
    '2026-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-00-01T00:00:00Z',
    '2026-11-22T24:00:00Z',
    '2026-11-22T12:60:00Z',
    '2026-11-22T12:00:60Z',
    '2026-11-22T12:00:00+24:00',
    '2026-11-22T12:00:00+0100',
    'yesterday',
  ])('rejects %s', (text) => {
    expect(isRfc3339(text)).toBe(false);
  });
});

describe('times are kept exactly, to the millisecond', () => {
  it.each<[string, number]>([
    ['2026-11-22T12:00:00Z', Date.UTC(2026, 10, 22, 12)],
    ['2026-11-22T12:00:00.5Z', Date.UTC(2026, 10, 22, 12, 0, 0, 500)],
    ['2026-11-22T12:00:00.500000000Z', Date.UTC(2026, 10, 22, 12, 0, 0, 500)],
    ['2026-11-22T12:00:00.001000+01:00', Date.UTC(2026, 10, 22, 11, 0, 0, 1)],
    ['2026-11-22t12:00:00.999z', Date.UTC(2026, 10, 22, 12, 0, 0, 999)],
  ])('%s is %d ms', (text, ms) => {
    expect(timeProblem(text)).toBeNull();
    expect(parseTimeMs(text)).toBe(ms);
  });

  it.each(['2026-11-22T12:00:00.0005Z', '2026-11-22T12:00:00.9999Z', '2026-11-22T12:00:00.000000001Z'])(
    'refuses %s, which a millisecond cannot hold, instead of truncating it',
    (text) => {
      expect(timeProblem(text)).toMatch(/^has a fraction finer than a millisecond/);
      expect(() => parseTimeMs(text)).toThrow(expect.objectContaining({ code: 'invalid-input' }));
    },
  );

  it('refuses a text that is no time', () => {
    expect(timeProblem('yesterday')).toBe('is not an RFC 3339 date-time with a time zone (e.g. 2026-11-22T12:00:00Z)');
    expect(timeProblem('2026-12-31T23:60:60Z')).toMatch(/^is not an RFC 3339 date-time/);
  });

  it.each(['2016-12-31T23:59:60Z', '2016-12-31T23:59:60.5+00:00'])('refuses the leap second %s, saying so', (text) => {
    expect(timeProblem(text)).toBe(
      'is a leap second, which times since the epoch in milliseconds (the wire) cannot hold; write the next second',
    );
  });
});

describe('isEmailAddress', () => {
  it.each(['owner@shop.example', 'first.last+tag@sub.example.co.uk'])('accepts %s', (text) => {
    expect(isEmailAddress(text)).toBe(true);
  });

  it.each(['owner', 'owner@', '@shop.example', 'owner@shop', 'a b@shop.example', 'owner@-shop.example'])(
    'rejects %s',
    (text) => {
      expect(isEmailAddress(text)).toBe(false);
    },
  );
});

describe('country codes', () => {
  it('holds every officially assigned ISO 3166-1 alpha-2 code', () => {
    expect(COUNTRY_CODES.size).toBe(COUNTRY_CODE_COUNT);
    expect(COUNTRY_CODE_COUNT).toBe(249);
    for (const code of COUNTRY_CODES) expect(code).toMatch(/^[A-Z]{2}$/);
    expect(Object.isFrozen(COUNTRY_CODES)).toBe(true);
  });

  it('compares upper-case and rejects reserved or made-up codes', () => {
    expect(isCountryCode('CN')).toBe(true);
    expect(isCountryCode('gb')).toBe(true);
    expect(isCountryCode('AX')).toBe(true);
    expect(isCountryCode('UK')).toBe(false);
    expect(isCountryCode('EU')).toBe(false);
    expect(isCountryCode('XK')).toBe(false);
    expect(isCountryCode('GBR')).toBe(false);
  });
});
