/**
 * Plans the versions a world issues: which computers need a new snapshot
 * version (their view changed) or a new settings version (their settings
 * alone changed), with the hashes that describe what is issued.
 *
 * Work is proportional to the change: a change names the entity rows it
 * wrote and deleted, `affectedComputers` turns those into the computers
 * whose view can differ (the Applies To scopes of changed policies and
 * settings, the organizations, groups and computers touched, applications
 * named by policies, approval policies and settings, gates), and only those
 * are planned. Computers that see the same entries share one view body: a
 * computer's view is its group's entries plus the computer-scoped entries
 * that name it, so the body is keyed by the group and those entries'
 * ids, built and hashed once; the per-computer part (id, name, group,
 * agent version) is hashed on top of the body's hash.
 */
import { resolveApprovalSettings } from '../engine/approval-settings.js';
import { DEFAULT_GATES } from '../engine/gates.js';
import {
  type AppliesTo,
  type Application,
  type ApprovalPolicy,
  type Computer,
  type ComputerGroup,
  LEVEL_RANK,
  type Policy,
} from '../engine/model.js';
import { parseTimeMs } from '../engine/validate.js';
import { type ComputerView, type ViewApprovalPolicy, type ViewPolicy, resolveSettings } from '../engine/view.js';
import { type WorldIndex, appliesToLevel } from '../engine/world.js';
import { createHash } from 'node:crypto';
import type { ComputerRow, IssuedVersions } from './server-db.js';
import type { EntityKey } from './store/server-store.js';
import type { ViewChanges } from './types.js';
import { viewEncodingProblem } from './view-encoding.js';
import { canonicalJson } from './view-hash.js';
import { Pacer } from './pacer.js';

/** What a plan issues, the changes to push, and the computers whose view cannot be encoded. */
export interface VersionPlan {
  issued: IssuedVersions[];
  changes: ViewChanges;
  encodingProblems: string[];
}

/** A view without its per-computer part, with its hashes. */
export interface ViewBody {
  view: Omit<ComputerView, 'computer'>;
  /** sha256 of the body without settings (policies and applications by their own hashes). */
  bodyHash: string;
  /** sha256 of the canonical JSON of `{ settings, settingSources }`. */
  settingsHash: string;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The part of a view that is the computer's own. */
export function computerPart(index: WorldIndex, computer: Computer): ComputerView['computer'] {
  const group = index.group(computer.group);
  return {
    id: computer.id,
    name: computer.name ?? null,
    group: group.id,
    groupName: group.name,
    org: group.org,
    os: group.os,
    agentVersion: computer.agentVersion ?? group.agentVersion,
  };
}

/** The view hash of a computer: its own part hashed on top of its body's hash. */
export function viewHashOf(body: ViewBody, computer: ComputerView['computer']): string {
  return sha256Hex(`${body.bodyHash}\n${canonicalJson(computer)}`);
}

/** Lookups of one world used to find covered computers fast: built once per index. */
class Scopes {
  readonly groupsOfOrg = new Map<string, ComputerGroup[]>();
  readonly computersOfGroup = new Map<string, Computer[]>();
  readonly ancestry = new Map<string, Set<string>>();
  /** Computer-scoped entries by computer: enabled policies, settings, active approval policies. */
  readonly computerEntries = new Map<string, string[]>();
  /** Policies as computers of this world see them, once per policy. */
  readonly policyItems = new Map<Policy, PolicyItem>();
  /** Each application's position in the world's list. */
  readonly appPosition = new Map<string, number>();
  /** Applications with a category (an approval request may name them). */
  readonly categorized: Application[] = [];

  constructor(readonly index: WorldIndex) {
    for (const g of index.world.groups) push(this.groupsOfOrg, g.org, g);
    for (const c of index.world.computers) push(this.computersOfGroup, c.group, c);
    index.world.applications.forEach((app, i) => {
      if (!this.appPosition.has(app.id)) this.appPosition.set(app.id, i);
      if (app.category !== undefined) this.categorized.push(app);
    });
    for (const p of index.world.policies) {
      if (p.enabled && 'computer' in p.appliesTo) push(this.computerEntries, p.appliesTo.computer, `p:${p.id}`);
    }
    for (const s of index.world.agentSettings) {
      if ('computer' in s.appliesTo) push(this.computerEntries, s.appliesTo.computer, `s:${s.id}`);
    }
    for (const ap of index.world.approvalPolicies) {
      if (!ap.active || !('computers' in ap.appliesTo)) continue;
      for (const id of ap.appliesTo.computers) push(this.computerEntries, id, `a:${ap.id}`);
    }
  }

  ancestors(orgId: string): Set<string> {
    let set = this.ancestry.get(orgId);
    if (set === undefined) {
      set = new Set(this.index.ancestry(orgId));
      this.ancestry.set(orgId, set);
    }
    return set;
  }

  /** The computers of the organization and every organization below it. */
  subtreeComputers(orgId: string, out: Set<string>): void {
    if (!this.index.orgs.has(orgId)) return;
    for (const org of this.index.subtree(orgId)) {
      for (const g of this.groupsOfOrg.get(org) ?? []) this.groupComputers(g.id, out);
    }
  }

  groupComputers(groupId: string, out: Set<string>): void {
    for (const c of this.computersOfGroup.get(groupId) ?? []) out.add(c.id);
  }

  /** The computers an Applies To covers (nothing for a reference this world does not have). */
  covered(appliesTo: AppliesTo, out: Set<string>): void {
    if ('global' in appliesTo) this.subtreeComputers(appliesTo.global, out);
    else if ('globalGroup' in appliesTo) {
      const { org, keyword } = appliesTo.globalGroup;
      if (!this.index.orgs.has(org)) return;
      const prefix = keyword.toLowerCase();
      for (const sub of this.index.subtree(org)) {
        for (const g of this.groupsOfOrg.get(sub) ?? []) {
          if (g.name.toLowerCase().startsWith(prefix)) this.groupComputers(g.id, out);
        }
      }
    } else if ('organization' in appliesTo) {
      for (const g of this.groupsOfOrg.get(appliesTo.organization) ?? []) this.groupComputers(g.id, out);
    } else if ('group' in appliesTo) this.groupComputers(appliesTo.group, out);
    else if (this.index.computers.has(appliesTo.computer)) out.add(appliesTo.computer);
  }

  approvalCovered(policy: ApprovalPolicy, out: Set<string>): void {
    for (const g of this.groupsOfOrg.get(policy.org) ?? []) this.groupComputers(g.id, out);
  }

  /** The key of the body a computer sees: its group and the computer-scoped entries naming it. */
  bodyKey(computer: Computer): string {
    const own = this.computerEntries.get(computer.id);
    return own === undefined ? computer.group : `${computer.group}\0${computer.id}`;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

const scopesOf = new WeakMap<WorldIndex, Scopes>();

function scopes(index: WorldIndex): Scopes {
  let found = scopesOf.get(index);
  if (found === undefined) {
    found = new Scopes(index);
    scopesOf.set(index, found);
  }
  return found;
}

/** Whether an Applies To covers a computer of `group` whose organization's ancestry is `ancestors`. */
function coversFast(appliesTo: AppliesTo, computer: Computer, group: ComputerGroup, ancestors: Set<string>): boolean {
  if ('global' in appliesTo) return ancestors.has(appliesTo.global);
  if ('globalGroup' in appliesTo) {
    const { org, keyword } = appliesTo.globalGroup;
    return ancestors.has(org) && group.name.toLowerCase().startsWith(keyword.toLowerCase());
  }
  if ('organization' in appliesTo) return group.org === appliesTo.organization;
  if ('group' in appliesTo) return group.id === appliesTo.group;
  return computer.id === appliesTo.computer;
}

interface PolicyItem {
  key: string;
  view: ViewPolicy;
  /** sha256 of its canonical JSON. */
  digest: Buffer;
}

/**
 * Plans versions and builds the views they describe. Per-entity results
 * (a policy as a computer sees it, an application's hash) are cached on the
 * frozen entity objects, which unchanged entries share between worlds; view
 * bodies are cached per world.
 */
export class ViewPlanner {
  private readonly policyItems = new WeakMap<Policy, PolicyItem>();
  private readonly appDigests = new WeakMap<Application, Buffer>();
  private readonly bodies = new WeakMap<WorldIndex, Map<string, ViewBody>>();

  /** The view of a computer of the world of `index` (equal to buildView's), from its shared body. */
  viewOf(index: WorldIndex, computerId: string): ComputerView {
    const computer = index.computer(computerId);
    return { computer: computerPart(index, computer), ...this.bodyOf(index, computer).view };
  }

  /** The shared body of a computer's view. */
  bodyOf(index: WorldIndex, computer: Computer): ViewBody {
    const s = scopes(index);
    let byKey = this.bodies.get(index);
    if (byKey === undefined) {
      byKey = new Map();
      this.bodies.set(index, byKey);
    }
    const key = s.bodyKey(computer);
    let body = byKey.get(key);
    if (body === undefined) {
      body = this.buildBody(index, s, computer);
      byKey.set(key, body);
    }
    return body;
  }

  /**
   * The versions to issue for the computers `scope` names (every computer
   * of the world for 'all'): a changed view (without settings) is a new
   * snapshot version, after a new settings version when the settings
   * changed too; changed settings alone are a new settings version. A
   * computer's first view is version 1 of both.
   */
  async plan(
    index: WorldIndex,
    rows: ReadonlyMap<string, ComputerRow>,
    scope: 'all' | ReadonlySet<string>,
    pacer: Pacer = new Pacer(),
  ): Promise<VersionPlan> {
    const issued: IssuedVersions[] = [];
    const changes: ViewChanges = { snapshots: [], settings: [] };
    const encodingProblems: string[] = [];
    const checked = new Map<ViewBody, string | null>();
    for (const computer of index.world.computers) {
      if (scope !== 'all' && !scope.has(computer.id)) continue;
      await pacer.pace();
      const body = this.bodyOf(index, computer);
      const own = computerPart(index, computer);
      const hashes = { viewHash: viewHashOf(body, own), settingsHash: body.settingsHash };
      const row = rows.get(computer.id);
      let versions: IssuedVersions | undefined;
      const settingsChanged = row?.settingsHash !== hashes.settingsHash;
      if (row?.viewHash !== hashes.viewHash) {
        versions = {
          computerId: computer.id,
          snapshotVersion: (row?.snapshotVersion ?? 0) + 1,
          settingsVersion: (row?.settingsVersion ?? 0) + (settingsChanged ? 1 : 0),
          ...hashes,
        };
        changes.snapshots.push(computer.id);
      } else if (settingsChanged) {
        versions = {
          computerId: computer.id,
          snapshotVersion: row.snapshotVersion,
          settingsVersion: row.settingsVersion + 1,
          ...hashes,
        };
        changes.settings.push(computer.id);
      }
      if (versions === undefined) continue;
      issued.push(versions);
      // The body is checked once (with the first computer's own part); the versions of each computer.
      let problem = checked.get(body);
      if (problem === undefined) {
        problem = viewEncodingProblem(computer.id, { computer: own, ...body.view }, versions);
        checked.set(body, problem === null ? null : problem.slice(`computers[${computer.id}]`.length));
      } else if (problem !== null) {
        problem = `computers[${computer.id}]${problem}`;
      }
      if (problem === null) {
        problem = viewEncodingProblem(computer.id, { computer: own, ...EMPTY_BODY }, versions);
      }
      if (problem !== null) encodingProblems.push(problem);
    }
    return { issued, changes, encodingProblems };
  }

  private policyItem(index: WorldIndex, s: Scopes, p: Policy): PolicyItem {
    const memo = s.policyItems.get(p);
    if (memo !== undefined) return memo;
    const app = p.app === undefined ? undefined : index.apps.get(p.app);
    const org = index.appliesToOrg(p.appliesTo);
    const depth = index.depth(org);
    const builtIn = p.default !== true && app?.builtIn === true;
    const key = `${org}\0${depth}\0${builtIn}`;
    const known = this.policyItems.get(p);
    if (known?.key === key) {
      s.policyItems.set(p, known);
      return known;
    }
    const view: ViewPolicy = {
      id: p.id,
      name: p.name ?? null,
      app: p.default === true ? null : (p.app ?? null),
      builtIn,
      action: p.action,
      order: p.order,
      levelRank: LEVEL_RANK[appliesToLevel(p.appliesTo)],
      orgDepth: depth,
      org,
      expiresAtMs: p.expiresAt === undefined ? null : parseTimeMs(p.expiresAt),
      isDefault: p.default === true,
    };
    if (p.ringfence !== undefined) view.ringfence = p.ringfence;
    const item = { key, view, digest: sha256(canonicalJson(view)) };
    this.policyItems.set(p, item);
    s.policyItems.set(p, item);
    return item;
  }

  private appDigest(app: Application): Buffer {
    let digest = this.appDigests.get(app);
    if (digest === undefined) {
      digest = sha256(canonicalJson(app));
      this.appDigests.set(app, digest);
    }
    return digest;
  }

  /** buildView without the computer's own part, for a representative computer of the body. */
  private buildBody(index: WorldIndex, s: Scopes, computer: Computer): ViewBody {
    const group = index.group(computer.group);
    const org = index.org(group.org);
    const ancestors = s.ancestors(org.id);
    const policies: ViewPolicy[] = [];
    const policyDigests: Buffer[] = [];
    const appIds = new Set<string>();
    for (const p of index.world.policies) {
      if (!p.enabled || !coversFast(p.appliesTo, computer, group, ancestors)) continue;
      const item = this.policyItem(index, s, p);
      if (p.app !== undefined && index.apps.has(p.app)) appIds.add(p.app);
      policies.push(item.view);
      policyDigests.push(item.digest);
    }
    for (const app of s.categorized) {
      if (appIds.has(app.id)) continue;
      if (app.builtIn || app.org === undefined || ancestors.has(app.org)) appIds.add(app.id);
    }
    // In world order: the first entry of each id, as the engine's filter of the list keeps it.
    const positions: number[] = [];
    for (const id of appIds) positions.push(s.appPosition.get(id) as number);
    positions.sort((a, b) => a - b);
    const applications: Application[] = [];
    const appDigests: Buffer[] = [];
    for (const i of positions) {
      const app = index.world.applications[i] as Application;
      applications.push(app);
      appDigests.push(this.appDigest(app));
    }
    const approvalPolicies: ViewApprovalPolicy[] = [];
    for (const ap of index.world.approvalPolicies) {
      if (!ap.active || group.org !== ap.org) continue;
      const scope = ap.appliesTo;
      const covers =
        'organization' in scope
          ? scope.organization === ap.org
          : 'groups' in scope
            ? scope.groups.includes(group.id)
            : scope.computers.includes(computer.id);
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
    const settings = resolveSettings(index, computer.id);
    const approval = resolveApprovalSettings(index, org.id);
    const view: Omit<ComputerView, 'computer'> = {
      orgStructure: org.structure,
      modules: [...org.modules],
      policies,
      applications,
      settings: settings.values,
      settingSources: settings.sources,
      gates: (index.world.gates ?? DEFAULT_GATES).map((g) => ({ ...g })),
      approvalPolicies,
      permitTarget: approval.permitTarget,
      instructions: approval.instructions,
      escalationEmails: approval.escalationEmails,
      approvalWarnings: approval.warnings,
    };
    const { settings: values, settingSources, policies: _policies, applications: _applications, ...rest } = view;
    // The policies and applications by the sha256 of each one's canonical JSON, counted.
    const bodyHash = createHash('sha256')
      .update(`${canonicalJson(rest)}\npolicies:${policyDigests.length}\n`)
      .update(Buffer.concat(policyDigests))
      .update(`\napplications:${appDigests.length}\n`)
      .update(Buffer.concat(appDigests))
      .digest('hex');
    const settingsHash = sha256Hex(canonicalJson({ settings: values, settingSources }));
    return { view, bodyHash, settingsHash };
  }
}

const EMPTY_BODY: Omit<ComputerView, 'computer'> = {
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

/**
 * The computers of `after` whose view may differ from the one they had in
 * `before` after the entity rows `changed` were written or deleted: a
 * superset of those whose view changed, found from each changed entity as
 * either world holds it.
 */
export function affectedComputers(before: WorldIndex, after: WorldIndex, changed: readonly EntityKey[]): Set<string> {
  const out = new Set<string>();
  const all = (): Set<string> => new Set(after.world.computers.map((c) => c.id));
  const byKind = new Map<string, Set<string>>();
  for (const key of changed) {
    let ids = byKind.get(key.kind);
    if (ids === undefined) byKind.set(key.kind, (ids = new Set()));
    ids.add(key.id);
  }
  if (byKind.has('gates')) return all();
  // Many changed settings or approval policies: one walk of each list instead of a find per id.
  const lookups = (index: WorldIndex) => ({
    settings: new Map(index.world.agentSettings.map((s) => [s.id, s])),
    approvalPolicies: new Map(index.world.approvalPolicies.map((p) => [p.id, p])),
  });
  for (const index of [before, after]) {
    const s = scopes(index);
    const found = lookups(index);
    for (const id of byKind.get('organizations') ?? []) s.subtreeComputers(id, out);
    for (const id of byKind.get('approvalSettings') ?? []) s.subtreeComputers(id, out);
    for (const id of byKind.get('groups') ?? []) s.groupComputers(id, out);
    for (const id of byKind.get('computers') ?? []) if (index.computers.has(id)) out.add(id);
    for (const id of byKind.get('policies') ?? []) {
      const p = index.policies.get(id);
      if (p !== undefined) s.covered(p.appliesTo, out);
    }
    for (const id of byKind.get('agentSettings') ?? []) {
      const setting = found.settings.get(id);
      if (setting !== undefined) s.covered(setting.appliesTo, out);
    }
    for (const id of byKind.get('approvalPolicies') ?? []) {
      const ap = found.approvalPolicies.get(id);
      if (ap !== undefined) s.approvalCovered(ap, out);
    }
    const apps = byKind.get('applications');
    if (apps !== undefined) {
      for (const id of apps) {
        const app = index.apps.get(id);
        if (app?.category === undefined) continue;
        if (app.builtIn || app.org === undefined) return all();
        s.subtreeComputers(app.org, out);
      }
      for (const p of index.world.policies) if (p.app !== undefined && apps.has(p.app)) s.covered(p.appliesTo, out);
    }
  }
  for (const id of out) if (!after.computers.has(id)) out.delete(id);
  return out;
}
