import { DEFAULT_GATES } from './gates.js';
import type {
  Application,
  ApprovalAction,
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

/** Builds the view of one computer from a validated world. */
export function buildView(world: World | WorldIndex, computerId: string): ComputerView {
  const index = world instanceof WorldIndex ? world : new WorldIndex(world);
  const computer = index.computer(computerId);
  const group = index.group(computer.group);
  const org = index.org(group.org);

  const policies: ViewPolicy[] = [];
  const appIds = new Set<string>();
  for (const p of index.world.policies) {
    if (!p.enabled || !index.covers(p.appliesTo, computerId)) continue;
    const app = p.app === undefined ? undefined : index.apps.get(p.app);
    if (app !== undefined) appIds.add(app.id);
    const vp: ViewPolicy = {
      id: p.id,
      name: p.name ?? null,
      app: p.default === true ? null : (p.app ?? null),
      builtIn: p.default !== true && app?.builtIn === true,
      action: p.action,
      order: p.order,
      levelRank: LEVEL_RANK[appliesToLevel(p.appliesTo)],
      orgDepth: index.depth(index.appliesToOrg(p.appliesTo)),
      org: index.appliesToOrg(p.appliesTo),
      expiresAtMs: p.expiresAt === undefined ? null : parseTimeMs(p.expiresAt),
      isDefault: p.default === true,
    };
    if (p.ringfence !== undefined) vp.ringfence = p.ringfence;
    policies.push(vp);
  }

  // Applications an approval request may name by id: those with a category
  // that this computer's organization can see.
  const ancestry = index.ancestry(org.id);
  for (const app of index.world.applications) {
    if (app.category === undefined || appIds.has(app.id)) continue;
    if (app.builtIn || app.org === undefined || ancestry.includes(app.org)) appIds.add(app.id);
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
    applications: index.world.applications.filter((a) => appIds.has(a.id)),
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
