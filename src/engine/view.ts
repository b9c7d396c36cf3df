import { DEFAULT_GATES } from './gates.js';
import type {
  Application,
  AppliesToLevel,
  ApprovalAction,
  Computer,
  ComputerGroup,
  CountryRestriction,
  Gate,
  OsName,
  PermitTarget,
  PolicyAction,
  SettingValue,
  Structure,
  World,
} from './model.js';
import { processingComparator } from './order.js';
import { resolveApprovalSettings } from './approval-settings.js';
import { defaultSettings } from './settings.js';
import { parseTimeMs } from './validate.js';
import { WorldIndex, appliesToLevel } from './world.js';
import { LEVEL_RANK } from './model.js';
import { foldCase } from './fold-case.js';

/** A policy as one computer sees it: its sort keys resolved against the world. */
export interface ViewPolicy {
  id: string;
  name: string | null;
  app: string | null;
  builtIn: boolean;
  action: PolicyAction;
  order: number;
  levelRank: number;
  orgDepth: number;
  org: string;
  expiresAtMs: number | null;
  isDefault: boolean;
  ringfence?: Record<string, unknown>;
}

/** An approval policy as one computer sees it; scopeRank: computers 0, groups 1, organization 2. */
export interface ViewApprovalPolicy {
  id: string;
  order: number;
  scopeRank: number;
  action: ApprovalAction;
  category: string;
  subcategory?: string;
  countries: CountryRestriction;
}

/**
 * Everything one computer needs to decide on its own: the content of a
 * snapshot. Built by the server (or from a scenario), evaluated by the agent.
 */
export interface ComputerView {
  computer: {
    id: string;
    name: string | null;
    group: string;
    groupName: string;
    org: string;
    os: OsName;
    agentVersion: string;
  };
  /** The structure configured for the computer's organization (before gates). */
  orgStructure: Structure;
  modules: string[];
  /** Enabled policies whose Applies To covers the computer (expiry is checked per decision). */
  policies: ViewPolicy[];
  /** The applications those policies name, plus those an approval request may name. */
  applications: Application[];
  /** Effective agent setting values, defaults filled in. */
  settings: Record<string, SettingValue>;
  /** The setting entry each value came from, or null for a default. */
  settingSources: Record<string, string | null>;
  gates: Gate[];
  approvalPolicies: ViewApprovalPolicy[];
  permitTarget: PermitTarget;
  /** Guideline instructions with every link removed. */
  instructions: string;
  escalationEmails: string[];
  /** Notes for the approvals team: links removed, no escalation address. */
  approvalWarnings: string[];
}

/** A view with nothing in it but its computer: every field at its empty value. */
export const EMPTY_VIEW_BODY: Readonly<Omit<ComputerView, 'computer'>> = {
  orgStructure: 'flat',
  modules: [],
  policies: [],
  applications: [],
  settings: {},
  settingSources: {},
  gates: [],
  approvalPolicies: [],
  permitTarget: 'computer',
  instructions: '',
  escalationEmails: [],
  approvalWarnings: [],
};

/** Resolves a computer's effective setting values: the lowest order that covers it wins, ties as in flat. */
export function resolveSettings(
  index: WorldIndex,
  computerId: string,
): { values: Record<string, SettingValue>; sources: Record<string, string | null> } {
  const values = defaultSettings();
  const sources: Record<string, string | null> = {};
  for (const name of Object.keys(values)) sources[name] = null;
  const entries = index.settingsFor(computerId).map((s) => ({
    setting: s,
    id: s.id,
    order: s.order,
    levelRank: LEVEL_RANK[appliesToLevel(s.appliesTo)],
    orgDepth: index.depth(index.appliesToOrg(s.appliesTo)),
    builtIn: false,
  }));
  entries.sort(processingComparator('flat', false));
  const decided = new Set<string>();
  for (const entry of entries) {
    if (decided.has(entry.setting.type)) continue;
    decided.add(entry.setting.type);
    values[entry.setting.type] = entry.setting.value;
    sources[entry.setting.type] = entry.setting.id;
  }
  return { values, sources };
}

/**
 * The active approval policies that cover a computer (of organization
 * `orgId`, in group `groupId`), as its view holds them: a policy of the
 * computer's organization whose scope is that organization, a group list
 * naming its group, or a computer list naming it.
 */
export function viewApprovalPolicies(
  index: WorldIndex,
  orgId: string,
  groupId: string,
  computerId: string,
): ViewApprovalPolicy[] {
  const approvalPolicies: ViewApprovalPolicy[] = [];
  for (const ap of index.world.approvalPolicies) {
    if (!ap.active || orgId !== ap.org) continue;
    const scope = ap.appliesTo;
    const covers =
      'organization' in scope
        ? scope.organization === ap.org
        : 'groups' in scope
          ? scope.groups.includes(groupId)
          : scope.computers.includes(computerId);
    if (!covers) continue;
    const vap: ViewApprovalPolicy = {
      id: ap.id,
      order: ap.order,
      scopeRank: 'computers' in scope ? 0 : 'groups' in scope ? 1 : 2,
      action: ap.action,
      category: ap.category,
      countries: { mode: ap.countries.mode, list: [...ap.countries.list] },
    };
    if (ap.subcategory !== undefined) vap.subcategory = ap.subcategory;
    approvalPolicies.push(vap);
  }
  return approvalPolicies;
}

/**
 * The applications of a view being built, by their place in
 * world.applications: a mark each, or, when the world repeats an
 * application id (a validated world does not), the ids (as a set of ids
 * would hold them: every entry of a repeated id is in or out together).
 */
class UsedApplications {
  private readonly marks: Uint8Array;
  private readonly ids: Set<string> | null;

  constructor(index: WorldIndex) {
    const count = index.world.applications.length;
    this.marks = new Uint8Array(count);
    this.ids = index.appNumbers.size === count ? null : new Set<string>();
  }

  /** Application `a` of id `id` (world.applications[a].id) is in the view. */
  add(a: number, id: string): void {
    if (this.ids === null) this.marks[a] = 1;
    else this.ids.add(id);
  }

  has(a: number, id: string): boolean {
    return this.ids === null ? this.marks[a] === 1 : this.ids.has(id);
  }
}

/**
 * The enabled policies whose Applies To covers the computer, as its view
 * holds them, and the applications they name. What WorldIndex.covers and
 * appliesToOrg work out for each policy, with the computer, its group and
 * (when a policy needs it) its organization's ancestry found once.
 */
function coveredPolicies(
  index: WorldIndex,
  computer: Computer,
  group: ComputerGroup,
): { policies: ViewPolicy[]; usedApps: UsedApplications } {
  const policies: ViewPolicy[] = [];
  const usedApps = new UsedApplications(index);
  const appNumbers = index.appNumbers;
  const applications = index.world.applications;
  // Found when a policy first needs them (as covers finds them for each such policy).
  let chain: string[] | undefined;
  let groupName: string | undefined;
  for (const p of index.world.policies) {
    if (!p.enabled) continue;
    const appliesTo = p.appliesTo;
    // As appliesToLevel, covers and appliesToOrg: the key an Applies To sets, tested in the same order.
    let level: AppliesToLevel;
    let orgId: string;
    if ('global' in appliesTo) {
      chain ??= index.ancestry(group.org);
      if (!chain.includes(appliesTo.global)) continue;
      level = 'global';
      orgId = appliesTo.global;
    } else if ('globalGroup' in appliesTo) {
      const { org: owner, keyword } = appliesTo.globalGroup;
      chain ??= index.ancestry(group.org);
      if (!chain.includes(owner)) continue;
      groupName ??= foldCase(group.name);
      if (!groupName.startsWith(foldCase(keyword))) continue;
      level = 'globalGroup';
      orgId = owner;
    } else if ('organization' in appliesTo) {
      if (group.org !== appliesTo.organization) continue;
      level = 'organization';
      orgId = appliesTo.organization;
    } else if ('group' in appliesTo) {
      if (group.id !== appliesTo.group) continue;
      level = 'group';
      orgId = group.org;
    } else {
      if (computer.id !== appliesTo.computer) continue;
      level = 'computer';
      orgId = group.org;
    }
    const a = p.app === undefined ? undefined : appNumbers.get(p.app);
    const app = a === undefined ? undefined : (applications[a] as Application);
    if (app !== undefined) usedApps.add(a as number, app.id);
    const vp: ViewPolicy = {
      id: p.id,
      name: p.name ?? null,
      app: p.default === true ? null : (p.app ?? null),
      builtIn: p.default !== true && app?.builtIn === true,
      action: p.action,
      order: p.order,
      levelRank: LEVEL_RANK[level],
      orgDepth: index.depth(orgId),
      org: orgId,
      expiresAtMs: p.expiresAt === undefined ? null : parseTimeMs(p.expiresAt),
      isDefault: p.default === true,
    };
    if (p.ringfence !== undefined) vp.ringfence = p.ringfence;
    policies.push(vp);
  }
  return { policies, usedApps };
}

/**
 * A view (or its small rest) as an agent that runs `agentVersion` on `os`
 * evaluates it (undefined: the view's own); the view itself when neither is
 * given.
 */
export function asAgentSees<V extends Pick<ComputerView, 'computer'>>(
  view: V,
  agent: { agentVersion?: string | undefined; os?: OsName | undefined },
): V {
  const { agentVersion, os } = agent;
  if (agentVersion === undefined && os === undefined) return view;
  return {
    ...view,
    computer: {
      ...view.computer,
      agentVersion: agentVersion ?? view.computer.agentVersion,
      os: os ?? view.computer.os,
    },
  };
}

/**
 * Whether an organization whose ancestry (itself first, then its parents:
 * WorldIndex.ancestry) is `ancestry` may use an application: a built-in one,
 * one of no organization, or one of an organization in that ancestry.
 */
export function isVisibleApplication(app: Application, ancestry: readonly string[]): boolean {
  return app.builtIn || app.org === undefined || ancestry.includes(app.org);
}

/** Builds the view of one computer from a validated world. */
export function buildView(world: World | WorldIndex, computerId: string): ComputerView {
  const index = world instanceof WorldIndex ? world : new WorldIndex(world);
  const computer = index.computer(computerId);
  const group = index.group(computer.group);
  const org = index.org(group.org);

  const { policies, usedApps } = coveredPolicies(index, computer, group);
  const applications = index.world.applications;

  // Applications an approval request may name by id: every one this computer's organization can see (one
  // without a category meets no approval policy: the request is escalated, SPEC.md section 5).
  const ancestry = index.ancestry(org.id);
  for (let a = 0; a < applications.length; a++) {
    const app = applications[a] as Application;
    if (usedApps.has(a, app.id)) continue;
    if (isVisibleApplication(app, ancestry)) usedApps.add(a, app.id);
  }
  const viewApplications: Application[] = [];
  for (let a = 0; a < applications.length; a++) {
    const app = applications[a] as Application;
    if (usedApps.has(a, app.id)) viewApplications.push(app);
  }

  const approvalPolicies = viewApprovalPolicies(index, group.org, group.id, computerId);

  const settings = resolveSettings(index, computerId);
  const approval = resolveApprovalSettings(index, org.id);

  return {
    computer: {
      id: computer.id,
      name: computer.name ?? null,
      group: group.id,
      groupName: group.name,
      org: org.id,
      os: group.os,
      agentVersion: computer.agentVersion ?? group.agentVersion,
    },
    orgStructure: org.structure,
    modules: [...org.modules],
    policies,
    applications: viewApplications,
    settings: settings.values,
    settingSources: settings.sources,
    gates: (index.world.gates ?? DEFAULT_GATES).map((g) => ({ ...g })),
    approvalPolicies,
    permitTarget: approval.permitTarget,
    instructions: approval.instructions,
    escalationEmails: approval.escalationEmails,
    approvalWarnings: approval.warnings,
  };
}
