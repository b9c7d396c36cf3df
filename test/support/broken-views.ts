/**
 * Views that no valid world gives a computer, each made from the view of a
 * small valid world by one change, with the error the view image's compile
 * refuses it with (src/engine/view-consistency.ts), and views just as odd
 * that a valid world can give and that are compiled. Shared by the tests of
 * the compile from objects, from payload bytes, and of the agent's apply.
 */
import type { World } from '../../src/engine/model.js';
import { type ComputerView, buildView } from '../../src/engine/view.js';

/** An MSP (hierarchical) and its flat customer `o`, whose computer `c` sees every kind of field a view holds. */
export const VALID_WORLD: World = {
  organizations: [
    { id: 'msp', name: 'MSP', structure: 'hierarchical', modules: [] },
    { id: 'o', name: 'Customer', parent: 'msp', structure: 'flat', modules: ['cyberHeroApprovals'] },
  ],
  groups: [{ id: 'g', org: 'o', name: 'Tills', os: 'windows', agentVersion: '10.5.3' }],
  computers: [{ id: 'c', group: 'g', name: 'Till 1' }],
  applications: [
    {
      id: 'tool',
      name: 'Tool',
      builtIn: false,
      rules: [
        { path: 'C:\\Tools\\*.exe' },
        { sha256: 'ab'.repeat(32) },
        { certThumbprint: 'CD'.repeat(20) },
        { certSubject: 'CN=Tool Vendor' },
      ],
    },
    {
      id: 'office',
      name: 'Office',
      builtIn: true,
      category: 'Productivity',
      subcategory: 'Office',
      primaryCompanyInfluence: ['US'],
      developmentInfluence: ['ie'],
      rules: [{ path: 'C:\\Office\\*.exe' }],
    },
    {
      id: 'shop',
      name: 'Shop',
      builtIn: false,
      category: 'Shopping',
      primaryCompanyInfluence: ['CN'],
      rules: [{ path: 'C:\\Shop\\*.exe' }],
    },
  ],
  policies: [
    {
      id: 'p-tool',
      name: 'Allow tool',
      app: 'tool',
      appliesTo: { organization: 'o' },
      action: 'permit',
      order: 2,
      enabled: true,
    },
    { id: 'p-office', app: 'office', appliesTo: { computer: 'c' }, action: 'permit', order: 1, enabled: true },
    { id: 'p-shop', app: 'shop', appliesTo: { global: 'msp' }, action: 'deny', order: -5, enabled: true },
    {
      id: 'p-default',
      name: 'Default',
      default: true,
      appliesTo: { organization: 'o' },
      action: 'deny',
      order: 1_000_000,
      enabled: true,
    },
  ],
  agentSettings: [],
  approvalPolicies: [
    {
      id: 'ap-shop',
      org: 'o',
      order: 1,
      active: true,
      action: 'approve',
      category: 'Shopping',
      appliesTo: { organization: 'o' },
      countries: { mode: 'deny', list: ['CN'] },
    },
  ],
  approvalSettings: [{ org: 'o', escalation: { emails: ['it@example.com'] } }],
};

/** The view of computer `c` of VALID_WORLD (a new copy each call). */
export function validView(): ComputerView {
  return structuredClone(buildView(VALID_WORLD, 'c'));
}

/** A view that no valid world gives: `change` makes it from validView(); the compile refuses it with `error`. */
export interface BrokenView {
  name: string;
  change: (view: ComputerView) => void;
  /** The whole message of the TollgateError 'bad-message' refusing it. */
  error: string;
  /** Views near it that a valid world may give: compiled. */
  accepted?: ((view: ComputerView) => void)[];
}

function policy(view: ComputerView, id: string): ComputerView['policies'][number] {
  const found = view.policies.find((p) => p.id === id);
  if (found === undefined) throw new Error(`no policy ${id}`);
  return found;
}

function app(view: ComputerView, id: string): ComputerView['applications'][number] {
  const found = view.applications.find((a) => a.id === id);
  if (found === undefined) throw new Error(`no application ${id}`);
  return found;
}

const LEVELS = 'global 0, globalGroup 1, organization 2, computer 3, group 4';

export const BROKEN_VIEWS: readonly BrokenView[] = [
  {
    name: 'a policy id held twice',
    change: (v) => v.policies.push({ ...policy(v, 'p-tool'), app: 'shop', order: 0 }),
    error: 'view.policies[p-tool]: the view holds policy p-tool more than once',
  },
  {
    name: 'a default policy naming an application',
    change: (v) => {
      policy(v, 'p-default').app = 'tool';
    },
    error: 'view.policies[p-default]: app "tool" is set on the default policy, which names no application',
    // Several default policies (one per organization, or an ancestor's and the computer's own) are valid.
    accepted: [(v) => v.policies.push({ ...policy(v, 'p-default'), id: 'p-default-msp', org: 'msp', levelRank: 0 })],
  },
  {
    name: 'a default policy in the built-in tier',
    change: (v) => {
      policy(v, 'p-default').builtIn = true;
    },
    error: 'view.policies[p-default]: builtIn is set on the default policy, which is of no application',
  },
  {
    name: 'a policy without an application that is not the default',
    change: (v) => {
      policy(v, 'p-tool').app = null;
    },
    error: 'view.policies[p-tool]: app is missing (only the default policy has none)',
  },
  {
    name: 'a policy naming an application the view does not hold',
    change: (v) => {
      v.applications = v.applications.filter((a) => a.id !== 'tool');
    },
    error: 'view.policies[p-tool]: app "tool" is not an application of the view',
  },
  {
    name: 'a policy in the built-in tier whose application is not built in',
    change: (v) => {
      policy(v, 'p-tool').builtIn = true;
    },
    error: 'view.policies[p-tool]: builtIn is true, but application tool is not built in',
  },
  {
    name: 'a level rank of no Applies To',
    change: (v) => {
      policy(v, 'p-office').levelRank = 5;
    },
    error: `view.policies[p-office]: levelRank 5 is not a level rank (${LEVELS})`,
  },
  {
    name: "an organization-level policy of another organization than the computer's",
    change: (v) => {
      policy(v, 'p-tool').org = 'msp';
    },
    error:
      "view.policies[p-tool]: levelRank 2 covers the computer's own organization only, but the policy is of organization msp",
  },
  {
    name: "a negative order in the computer's own flat organization",
    change: (v) => {
      policy(v, 'p-tool').order = -1;
    },
    error: 'view.policies[p-tool]: order -1 is negative, but organization o uses the flat structure',
    accepted: [
      // In a hierarchical organization any order is valid; an ancestor's structure is not in the view.
      (v) => {
        v.orgStructure = 'hierarchical';
        policy(v, 'p-tool').order = -1;
      },
      (v) => {
        policy(v, 'p-shop').order = -2_147_483_648;
      },
      // Organization depths are not bounded.
      (v) => {
        policy(v, 'p-shop').orgDepth = 4_000_000_000;
      },
    ],
  },
  {
    name: 'a policy name past TEXT_LIMITS.name',
    change: (v) => {
      policy(v, 'p-tool').name = '😀'.repeat(513);
    },
    error: 'view.policies[p-tool]: name is 1026 characters long; at most 1024',
    // Characters are counted in UTF-16 code units, not UTF-8 bytes.
    accepted: [
      (v) => {
        policy(v, 'p-tool').name = '😀'.repeat(512);
      },
      (v) => {
        policy(v, 'p-tool').name = 'é'.repeat(1024);
      },
    ],
  },
  {
    name: 'a ringfence past TEXT_LIMITS.ringfenceJson',
    change: (v) => {
      policy(v, 'p-tool').ringfence = { hosts: ['h'.repeat(65_536)] };
    },
    error: 'view.policies[p-tool]: ringfence is 65550 characters as JSON; at most 65536',
  },
  {
    name: 'an application name past TEXT_LIMITS.name',
    change: (v) => {
      app(v, 'shop').name = 'n'.repeat(1025);
    },
    error: 'view.applications[shop]: name is 1025 characters long; at most 1024',
    // More bytes than the bound, as many characters: compiled, and the applications after it checked.
    accepted: [
      (v) => {
        app(v, 'tool').name = 'é'.repeat(1024);
        app(v, 'office').subcategory = 'ü'.repeat(256);
      },
    ],
  },
  {
    name: 'an application category past TEXT_LIMITS.category',
    change: (v) => {
      app(v, 'office').category = 'c'.repeat(257);
    },
    error: 'view.applications[office]: category is 257 characters long; at most 256',
  },
  {
    name: 'an application subcategory past TEXT_LIMITS.category',
    change: (v) => {
      app(v, 'office').subcategory = 'ü'.repeat(257);
    },
    error: 'view.applications[office]: subcategory is 257 characters long; at most 256',
  },
  {
    name: 'an influence list entry that is not a country code',
    change: (v) => {
      app(v, 'shop').developmentInfluence = ['us', ' CN'];
    },
    error: 'view.applications[shop]: developmentInfluence " CN" is not an ISO 3166-1 alpha-2 country code',
    accepted: [
      (v) => {
        app(v, 'shop').developmentInfluence = ['us', 'cn', 'Cn'];
      },
      // Codes once upper-cased, as the world's validator reads them: "ıt" is IT, "ſe" SE.
      (v) => {
        app(v, 'shop').primaryCompanyInfluence = ['\u0131t', '\u017fe'];
      },
    ],
  },
  {
    name: 'a rule sha256 that is not 64 hex characters',
    change: (v) => {
      app(v, 'tool').rules[1] = { sha256: 'zz'.repeat(32) };
    },
    error: `view.applications[tool].rules[1]: sha256 "${'zz'.repeat(32)}" is not 64 hex characters`,
  },
  {
    name: 'a rule certThumbprint that is not 40 or 64 hex characters',
    change: (v) => {
      app(v, 'tool').rules[2] = { certThumbprint: 'CD'.repeat(21) };
    },
    error: `view.applications[tool].rules[2]: certThumbprint "${'CD'.repeat(21)}" is not 40 or 64 hex characters`,
  },
  {
    name: 'an empty rule field',
    change: (v) => {
      app(v, 'office').rules.push({ path: 'C:\\Office\\x.exe', processPath: '' });
    },
    error: 'view.applications[office].rules[1]: processPath must not be empty',
  },
  {
    name: 'a rule path past TEXT_LIMITS.pathPattern',
    change: (v) => {
      app(v, 'shop').rules[0] = { createdBy: `C:\\${'a'.repeat(32_765)}` };
    },
    error: 'view.applications[shop].rules[0]: createdBy is 32768 characters long; at most 32767',
    accepted: [
      (v) => {
        app(v, 'tool').rules[0] = { path: `C:\\${'é'.repeat(20_000)}` };
      },
    ],
  },
  {
    name: 'a rule certSubject past TEXT_LIMITS.certSubject',
    change: (v) => {
      app(v, 'tool').rules[3] = { certSubject: `CN=${'s'.repeat(4094)}` };
    },
    error: 'view.applications[tool].rules[3]: certSubject is 4097 characters long; at most 4096',
  },
  {
    name: 'a computer name past TEXT_LIMITS.name',
    change: (v) => {
      v.computer.name = 'n'.repeat(1025);
    },
    error: 'view.computer.name: is 1025 characters long; at most 1024',
  },
  {
    name: 'a group name past TEXT_LIMITS.name',
    change: (v) => {
      v.computer.groupName = 'n'.repeat(1025);
    },
    error: 'view.computer.groupName: is 1025 characters long; at most 1024',
  },
  {
    name: 'more modules than MAX_MODULES',
    change: (v) => {
      v.modules = Array.from({ length: 65 }, (_, i) => `module-${i}`);
    },
    error: 'view.modules: has more than 64 entries',
  },
  {
    name: 'a module holding a control character',
    change: (v) => {
      v.modules = ['cyberHeroApprovals', 'bad\u0007'];
    },
    error: 'view.modules[1]: "bad\\u0007" holds a control character',
  },
  {
    name: "a gate's feature past TEXT_LIMITS.module",
    change: (v) => {
      v.gates = [{ feature: 'f'.repeat(129), os: 'windows', minVersion: '1' }];
    },
    error: 'view.gates[0].feature: is 129 characters long; at most 128',
    // A blank feature is one the world's validator takes (only an empty one is refused).
    accepted: [(v) => (v.gates = [{ feature: ' ', os: 'windows', minVersion: '1' }])],
  },
  {
    name: 'an escalation address that is not one',
    change: (v) => {
      v.escalationEmails = ['it@example.com', 'it at example.com'];
    },
    error: 'view.escalationEmails[1]: "it at example.com" is not a valid email address',
  },
  {
    name: 'an approval policy id held twice',
    change: (v) => {
      v.approvalPolicies.push({ ...(v.approvalPolicies[0] as ComputerView['approvalPolicies'][number]) });
    },
    error: 'view.approvalPolicies[ap-shop]: the view holds approval policy ap-shop more than once',
  },
  {
    name: 'an approval policy scope rank of no Applies To',
    change: (v) => {
      (v.approvalPolicies[0] as ComputerView['approvalPolicies'][number]).scopeRank = 3;
    },
    error: 'view.approvalPolicies[ap-shop]: scopeRank 3 is not a scope rank (computers 0, groups 1, organization 2)',
  },
  {
    name: 'an approval policy with a blank category',
    change: (v) => {
      (v.approvalPolicies[0] as ComputerView['approvalPolicies'][number]).category = ' ';
    },
    error: 'view.approvalPolicies[ap-shop]: category is required and must not be empty',
  },
  {
    name: 'an approval policy category past TEXT_LIMITS.category',
    change: (v) => {
      (v.approvalPolicies[0] as ComputerView['approvalPolicies'][number]).subcategory = 's'.repeat(257);
    },
    error: 'view.approvalPolicies[ap-shop]: subcategory is 257 characters long; at most 256',
  },
  {
    name: 'an approval policy country that is not a code',
    change: (v) => {
      (v.approvalPolicies[0] as ComputerView['approvalPolicies'][number]).countries.list = [' CN'];
    },
    error: 'view.approvalPolicies[ap-shop]: countries.list " CN" is not an ISO 3166-1 alpha-2 country code',
    accepted: [
      (v) => {
        (v.approvalPolicies[0] as ComputerView['approvalPolicies'][number]).countries.list = ['cn'];
      },
    ],
  },
  {
    name: 'an approval policy that allows an empty country list',
    change: (v) => {
      (v.approvalPolicies[0] as ComputerView['approvalPolicies'][number]).countries = { mode: 'allow', list: [] };
    },
    error: 'view.approvalPolicies[ap-shop]: countries.list must name at least one country when mode is allow',
  },
];

/** validView() with `change` made. */
export function changedView(change: (view: ComputerView) => void): ComputerView {
  const view = validView();
  change(view);
  return view;
}
