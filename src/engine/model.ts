/**
 * The domain model of SPEC.md sections 1 to 5: the world an admin writes, the
 * requests an agent answers and the answers it gives. Field names are part of
 * the public scenario and fixture contract (SPEC.md section 7).
 */

export const OS_NAMES = ['windows', 'macos', 'linux'] as const;
export type OsName = (typeof OS_NAMES)[number];

export const STRUCTURES = ['hierarchical', 'flat'] as const;
export type Structure = (typeof STRUCTURES)[number];

export const POLICY_ACTIONS = ['permit', 'deny', 'denyWithRequest', 'ringfence'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

export const APPROVAL_ACTIONS = ['approve', 'escalate', 'reject'] as const;
export type ApprovalAction = (typeof APPROVAL_ACTIONS)[number];
export type Suggestion = ApprovalAction | 'none';

export const PERMIT_TARGETS = ['computer', 'group'] as const;
export type PermitTarget = (typeof PERMIT_TARGETS)[number];

/** The module that enables approval suggestions (SPEC.md section 5). */
export const APPROVALS_MODULE = 'cyberHeroApprovals';

export interface Organization {
  id: string;
  name: string;
  parent?: string;
  structure: Structure;
  modules: string[];
}

export interface ComputerGroup {
  id: string;
  org: string;
  name: string;
  os: OsName;
  agentVersion: string;
}

export interface Computer {
  id: string;
  group: string;
  name?: string;
  agentVersion?: string;
}

/** One way to recognise an application's file; every field it sets must match. */
export interface AppRule {
  path?: string;
  processPath?: string;
  createdBy?: string;
  sha256?: string;
  certSubject?: string;
  certThumbprint?: string;
}

export const RULE_FIELDS = [
  'path',
  'processPath',
  'createdBy',
  'sha256',
  'certSubject',
  'certThumbprint',
] as const satisfies readonly (keyof AppRule)[];

export interface Application {
  id: string;
  name: string;
  builtIn: boolean;
  org?: string;
  category?: string;
  subcategory?: string;
  primaryCompanyInfluence?: string[];
  developmentInfluence?: string[];
  rules: AppRule[];
}

export type AppliesTo =
  | { global: string }
  | { globalGroup: { org: string; keyword: string } }
  | { organization: string }
  | { group: string }
  | { computer: string };

export type AppliesToLevel = 'global' | 'globalGroup' | 'organization' | 'computer' | 'group';

/**
 * The level rank of SPEC.md section 1: the documented hierarchical processing
 * order Global, Global groups, Entire Organization, Computer, Computer Group.
 */
export const LEVEL_RANK: Readonly<Record<AppliesToLevel, number>> = Object.freeze({
  global: 0,
  globalGroup: 1,
  organization: 2,
  computer: 3,
  group: 4,
});

export interface Policy {
  id: string;
  name?: string;
  app?: string;
  appliesTo: AppliesTo;
  action: PolicyAction;
  order: number;
  enabled: boolean;
  expiresAt?: string;
  default?: boolean;
  ringfence?: Record<string, unknown>;
}

export type SettingValue = boolean | number | string;

export interface AgentSetting {
  id: string;
  type: string;
  value: SettingValue;
  appliesTo: AppliesTo;
  order: number;
}

export interface Gate {
  feature: string;
  os: OsName;
  minVersion: string;
}

export type ApprovalAppliesTo = { organization: string } | { groups: string[] } | { computers: string[] };

export interface CountryRestriction {
  mode: 'deny' | 'allow';
  list: string[];
}

export interface ApprovalPolicy {
  id: string;
  org: string;
  order: number;
  active: boolean;
  action: ApprovalAction;
  category: string;
  subcategory?: string;
  appliesTo: ApprovalAppliesTo;
  countries: CountryRestriction;
}

export interface ApprovalSettings {
  org: string;
  guidelines?: { useParent?: boolean; permitTarget?: PermitTarget; instructions?: string };
  escalation?: { useParent?: boolean; emails?: string[] };
}

/** The lists of a world, each with the field that identifies its entries. */
export const WORLD_LIST_KEYS = Object.freeze({
  organizations: 'id',
  groups: 'id',
  computers: 'id',
  applications: 'id',
  policies: 'id',
  agentSettings: 'id',
  approvalPolicies: 'id',
  approvalSettings: 'org',
} as const);

/** A whole scenario: everything a policy server knows. */
export interface World {
  organizations: Organization[];
  groups: ComputerGroup[];
  computers: Computer[];
  applications: Application[];
  policies: Policy[];
  agentSettings: AgentSetting[];
  /** Replaces the default gate table when present. */
  gates?: Gate[];
  approvalPolicies: ApprovalPolicy[];
  approvalSettings: ApprovalSettings[];
}

/** The file a client asks about (SPEC.md section 3). */
export interface FileRequest {
  path: string;
  sha256?: string;
  certSubject?: string;
  certThumbprint?: string;
  processPath?: string;
  createdBy?: string;
}

/** The answer to "may this file run?" (SPEC.md section 2.7). */
export interface Decision {
  action: PolicyAction;
  policy: string | null;
  policyName: string | null;
  order: number | null;
  application: string | null;
  structure: Structure;
  builtInsFirst: boolean;
  gated: string[];
  snapshotVersion: number | null;
  reason: string;
  ringfence?: Record<string, unknown>;
}

/** An approval request with the application's attributes resolved. */
export interface ApprovalRequest {
  category: string;
  subcategory?: string;
  primaryCompanyInfluence: string[];
  developmentInfluence: string[];
}

/** The answer to "what should happen to this approval request?" (SPEC.md section 5). */
export interface ApprovalSuggestion {
  suggestion: Suggestion;
  policy: string | null;
  reason: string;
  permitTarget: PermitTarget;
  instructions: string;
  escalationEmails: string[];
  warnings: string[];
}
