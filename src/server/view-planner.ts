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
  type AgentSetting,
  type AppliesTo,
  type Application,
  type ApprovalPolicy,
  type Computer,
  type ComputerGroup,
  LEVEL_RANK,
  type Policy,
} from '../engine/model.js';
import { parseTimeMs } from '../engine/validate.js';
import {
  type ComputerView,
  EMPTY_VIEW_BODY,
  type ViewPolicy,
  resolveSettings,
  viewApprovalPolicies,
} from '../engine/view.js';
import { type WorldIndex, appliesToLevel } from '../engine/world.js';
import { type Hash, createHash, hash } from 'node:crypto';
import type { ComputerRow, IssuedVersions } from './server-db.js';
import type { EntityKey } from './store/server-store.js';
import type { ViewChanges } from './types.js';
import { versionsProblem, viewEncodingProblem } from './view-encoding.js';
import { canonicalJson } from './view-hash.js';
import { Pacer } from './pacer.js';
import { foldCase } from '../engine/fold-case.js';

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

/** One call, no Hash object: half the CPU of createHash for the short texts hashed here (one per policy). */
function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

function sha256(text: string): Buffer {
  return hash('sha256', text, 'buffer');
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

/** A computer's own part as planned: with its canonical JSON, and whether it encoded for an agent. */
interface OwnPart {
  group: ComputerGroup;
  part: ComputerView['computer'];
  json: string;
  encodes: boolean;
}

/** The view hash of a computer: its own part hashed on top of its body's hash (as plan computes it). */
export function viewHashOf(body: ViewBody, computer: ComputerView['computer']): string {
  return sha256Hex(`${body.bodyHash}\n${canonicalJson(computer)}`);
}

/** Enabled policies' positions in the world's list (ascending), by what their Applies To names. */
interface PolicyScopes {
  global: Map<string, number[]>;
  globalGroup: number[];
  /** The organization and keyword (lower case) of each globalGroup entry, in the same order. */
  globalGroupTargets: string[];
  org: Map<string, number[]>;
  group: Map<string, number[]>;
  computer: Map<string, number[]>;
}

/** Whether two PolicyScopes list the same positions for the same Applies To (a world made by changing policies' content). */
function samePolicyScopes(a: PolicyScopes, b: PolicyScopes): boolean {
  const sameMap = (x: Map<string, number[]>, y: Map<string, number[]>): boolean => {
    if (x.size !== y.size) return false;
    for (const [key, positions] of x) {
      const other = y.get(key);
      if (other === undefined || !sameNumbers(positions, other)) return false;
    }
    return true;
  };
  return (
    sameNumbers(a.globalGroup, b.globalGroup) &&
    a.globalGroupTargets.every((target, i) => target === b.globalGroupTargets[i]) &&
    sameMap(a.global, b.global) &&
    sameMap(a.org, b.org) &&
    sameMap(a.group, b.group) &&
    sameMap(a.computer, b.computer)
  );
}

/**
 * The PolicyScopes built last: a world whose policies changed only in
 * content (not in what they apply to, nor in enabled, nor in number) takes
 * it over, and with it the policy positions of organizations and groups
 * made from it (PolicyParts): a global change does not merge them again,
 * and the bodies of both worlds share them.
 */
let lastPolicyScopes: PolicyScopes | null = null;

/** The sorted policy positions of organizations and groups, for one PolicyScopes over the same organizations and groups. */
interface PolicyParts {
  organizations: readonly unknown[];
  groups: readonly unknown[];
  orgParts: Map<string, number[]>;
  groupParts: Map<string, number[]>;
  /** A computer named by computer-scoped policies: its group's part with them, by group and computer id. */
  computerParts: Map<string, number[]>;
}
const policyPartsCache = new WeakMap<PolicyScopes, PolicyParts>();

/**
 * Lookups of one list, kept for a frozen list (worlds share the lists a
 * change leaves alone, so a change rebuilds only those of the lists it made).
 */
function perList<L extends object, R>(cache: WeakMap<L, R>, list: L, build: () => R): R {
  let found = cache.get(list);
  if (found === undefined) {
    found = build();
    if (Object.isFrozen(list)) cache.set(list, found);
  }
  return found;
}

const groupsOfOrgCache = new WeakMap<readonly ComputerGroup[], Map<string, ComputerGroup[]>>();
const computersOfGroupCache = new WeakMap<readonly Computer[], Map<string, Computer[]>>();
const appsCache = new WeakMap<readonly Application[], Map<string, number>>();
const policyScopesCache = new WeakMap<readonly Policy[], PolicyScopes>();
const settingComputersCache = new WeakMap<readonly AgentSetting[], Set<string>>();
const approvalComputersCache = new WeakMap<readonly ApprovalPolicy[], Set<string>>();

let scopesSerial = 0;

/** Lookups of one world used to find covered computers fast: built once per index. */
class Scopes {
  /** Tells the lookups of later worlds (made later) from those of earlier ones. */
  readonly serial = ++scopesSerial;
  readonly groupsOfOrg: Map<string, ComputerGroup[]>;
  readonly computersOfGroup: Map<string, Computer[]>;
  readonly ancestry = new Map<string, Set<string>>();
  /** Computers named by a computer-scoped setting, and by an active approval policy's computer list. */
  readonly settingComputers: Set<string>;
  readonly approvalComputers: Set<string>;
  /** Each application's position in the world's list. */
  readonly appPosition: Map<string, number>;
  readonly policies: PolicyScopes;
  /** Policies as computers of this world see them, by position (built on first use). */
  readonly itemAt: (PolicyItem | undefined)[];
  /** Each policy's digest (PolicyItem.digest) at 32 bytes times its position, once its item is built. */
  readonly policyDigests: Buffer;
  /** The position of each policy's application in the world's list, -1 for none (built with its item). */
  readonly policyAppPosition: Int32Array;
  /** Each application's digest at 32 bytes times its position, once `appDigestKnown`. */
  readonly appDigests: Buffer;
  readonly appDigestKnown: Uint8Array;
  /** How many policy items and application digests these lookups learnt (a count that only grows). */
  learnt = 0;
  /** Marks of the applications already taken for the body being built (the body's stamp). */
  readonly appStamp: Uint32Array;
  stamp = 0;
  /** The lists a policy's item depends on (itemLists). */
  readonly itemLists: readonly unknown[];
  /**
   * Per Scopes of an earlier world with the same itemLists: the positions whose policy differs, and how
   * many items and digests that world had learnt when what it knew was taken over (changedPositions).
   */
  readonly changedSince = new WeakMap<Scopes, { positions: number[]; learnt: number }>();
  /** Sorted policy positions an organization's computers all see (global ones of its ancestry, its own). */
  private readonly orgParts: Map<string, number[]>;
  /** Sorted policy positions a group's computers all see. */
  private readonly groupParts: Map<string, number[]>;
  /** Sorted policy positions of a computer that computer-scoped policies name (positionsOf). */
  private readonly computerParts: Map<string, number[]>;
  /** Sorted positions of the applications an organization's computers see (an approval request may name them). */
  private readonly orgNameable = new Map<string, number[]>();

  constructor(readonly index: WorldIndex) {
    const world = index.world;
    this.groupsOfOrg = perList(groupsOfOrgCache, world.groups, () => {
      const map = new Map<string, ComputerGroup[]>();
      for (const g of world.groups) push(map, g.org, g);
      return map;
    });
    this.computersOfGroup = perList(computersOfGroupCache, world.computers, () => {
      const map = new Map<string, Computer[]>();
      for (const c of world.computers) push(map, c.group, c);
      return map;
    });
    this.appPosition = perList(appsCache, world.applications, () => {
      const position = new Map<string, number>();
      world.applications.forEach((app, i) => {
        if (!position.has(app.id)) position.set(app.id, i);
      });
      return position;
    });
    this.policies = perList(policyScopesCache, world.policies, () => {
      const scopes: PolicyScopes = {
        global: new Map(),
        globalGroup: [],
        globalGroupTargets: [],
        org: new Map(),
        group: new Map(),
        computer: new Map(),
      };
      world.policies.forEach((p, i) => {
        if (!p.enabled) return;
        const to = p.appliesTo;
        if ('global' in to) push(scopes.global, to.global, i);
        else if ('globalGroup' in to) {
          scopes.globalGroup.push(i);
          scopes.globalGroupTargets.push(`${to.globalGroup.org}\0${foldCase(to.globalGroup.keyword)}`);
        } else if ('organization' in to) push(scopes.org, to.organization, i);
        else if ('group' in to) push(scopes.group, to.group, i);
        else push(scopes.computer, to.computer, i);
      });
      const kept = lastPolicyScopes !== null && samePolicyScopes(scopes, lastPolicyScopes) ? lastPolicyScopes : scopes;
      lastPolicyScopes = kept;
      return kept;
    });
    const shared = Object.isFrozen(world.organizations) && Object.isFrozen(world.groups);
    let parts = policyPartsCache.get(this.policies);
    if (parts?.organizations !== world.organizations || parts.groups !== world.groups || !shared) {
      parts = {
        organizations: world.organizations,
        groups: world.groups,
        orgParts: new Map(),
        groupParts: new Map(),
        computerParts: new Map(),
      };
      if (shared) policyPartsCache.set(this.policies, parts);
    }
    this.orgParts = parts.orgParts;
    this.groupParts = parts.groupParts;
    this.computerParts = parts.computerParts;
    this.settingComputers = perList(settingComputersCache, world.agentSettings, () => {
      const named = new Set<string>();
      for (const s of world.agentSettings) if ('computer' in s.appliesTo) named.add(s.appliesTo.computer);
      return named;
    });
    this.approvalComputers = perList(approvalComputersCache, world.approvalPolicies, () => {
      const named = new Set<string>();
      for (const ap of world.approvalPolicies) {
        if (ap.active && 'computers' in ap.appliesTo) for (const id of ap.appliesTo.computers) named.add(id);
      }
      return named;
    });
    this.itemLists = itemLists(world);
    const policyCount = world.policies.length;
    this.itemAt = new Array<PolicyItem | undefined>(policyCount);
    this.policyDigests = Buffer.allocUnsafe(policyCount * DIGEST_BYTES);
    this.policyAppPosition = new Int32Array(policyCount);
    const appCount = world.applications.length;
    this.appDigests = Buffer.allocUnsafe(appCount * DIGEST_BYTES);
    this.appDigestKnown = new Uint8Array(appCount);
    this.appStamp = new Uint32Array(appCount);
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
      const prefix = foldCase(keyword);
      for (const sub of this.index.subtree(org)) {
        for (const g of this.groupsOfOrg.get(sub) ?? []) {
          if (foldCase(g.name).startsWith(prefix)) this.groupComputers(g.id, out);
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

  /** The positions of the policies every computer of the organization sees, ascending. */
  orgPart(orgId: string): number[] {
    let part = this.orgParts.get(orgId);
    if (part === undefined) {
      part = this.policies.org.get(orgId) ?? [];
      for (const ancestor of this.ancestors(orgId)) part = mergeSorted(part, this.policies.global.get(ancestor) ?? []);
      this.orgParts.set(orgId, part);
    }
    return part;
  }

  /** The positions of the policies every computer of the group sees, ascending. */
  groupPart(group: ComputerGroup): number[] {
    let part = this.groupParts.get(group.id);
    if (part === undefined) {
      part = mergeSorted(this.orgPart(group.org), this.policies.group.get(group.id) ?? []);
      const ancestors = this.ancestors(group.org);
      const name = foldCase(group.name);
      const matching = this.policies.globalGroup.filter((i) => {
        const { org, keyword } = (this.index.world.policies[i] as Policy & { appliesTo: { globalGroup: GlobalGroup } })
          .appliesTo.globalGroup;
        return ancestors.has(org) && name.startsWith(foldCase(keyword));
      });
      part = mergeSorted(part, matching);
      this.groupParts.set(group.id, part);
    }
    return part;
  }

  /** The positions of the applications the organization's computers see (a request may name them), ascending. */
  nameableFor(orgId: string): number[] {
    let found = this.orgNameable.get(orgId);
    if (found === undefined) {
      const ancestors = this.ancestors(orgId);
      found = [];
      for (const app of this.index.world.applications) {
        if (app.builtIn || app.org === undefined || ancestors.has(app.org)) {
          found.push(this.appPosition.get(app.id) as number);
        }
      }
      found.sort((a, b) => a - b);
      this.orgNameable.set(orgId, found);
    }
    return found;
  }

  /** The positions of the policies a computer of `group` sees, ascending: its group's and those naming it. */
  positionsOf(group: ComputerGroup, computer: Computer): number[] {
    const own = this.policies.computer.get(computer.id);
    if (own === undefined) return this.groupPart(group);
    // Kept with the groups' parts: a later world with the same policy scopes gives the same array.
    const key = `${group.id}\0${computer.id}`;
    let part = this.computerParts.get(key);
    if (part === undefined) {
      part = mergeSorted(this.groupPart(group), own);
      this.computerParts.set(key, part);
    }
    return part;
  }

  /** The key of the body a computer sees: its group and the computer-scoped entries naming it. */
  bodyKey(computer: Computer): string {
    const own =
      this.policies.computer.has(computer.id) ||
      this.settingComputers.has(computer.id) ||
      this.approvalComputers.has(computer.id);
    return own ? `${computer.group}\0${computer.id}` : computer.group;
  }
}

type GlobalGroup = { org: string; keyword: string };

const DIGEST_BYTES = 32;

/** The union of two ascending lists of positions, ascending (a position in both is kept once). */
function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  if (b.length === 0) return a as number[];
  if (a.length === 0) return b as number[];
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x < y) {
      out.push(x);
      i++;
    } else if (y < x) {
      out.push(y);
      j++;
    } else {
      out.push(x);
      i++;
      j++;
    }
  }
  while (i < a.length) out.push(a[i++] as number);
  while (j < b.length) out.push(b[j++] as number);
  return out;
}

/** Feeds `hash` the 32-byte digests of `table` at `positions`, consecutive positions in one update. */
function updateWithDigests(hash: Hash, table: Buffer, positions: ArrayLike<number>): void {
  let k = 0;
  while (k < positions.length) {
    const first = positions[k] as number;
    let last = first;
    k++;
    while (k < positions.length && positions[k] === last + 1) {
      last++;
      k++;
    }
    hash.update(table.subarray(first * DIGEST_BYTES, (last + 1) * DIGEST_BYTES));
  }
}

/**
 * The positions whose policy object differs between the world of `from`
 * and that of `s` (worlds whose policies' items are made over the same
 * lists), every position past the shorter list included. Found once per
 * pair; then `s` takes over what `from` knows of each unchanged policy (its
 * item, digest and application position) and of each application (its
 * digest): the same objects over the same lists give the same ones.
 */
function changedPositions(s: Scopes, from: Scopes): { positions: number[]; learnt: number } {
  const known = s.changedSince.get(from);
  if (known !== undefined) return known;
  const changed: number[] = [];
  const before = from.index.world.policies;
  const after = s.index.world.policies;
  const common = Math.min(before.length, after.length);
  for (let i = 0; i < common; i++) {
    if (before[i] !== after[i]) {
      changed.push(i);
      continue;
    }
    const item = from.itemAt[i];
    if (item === undefined || s.itemAt[i] !== undefined) continue;
    s.itemAt[i] = item;
    from.policyDigests.copy(s.policyDigests, i * DIGEST_BYTES, i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
    s.policyAppPosition[i] = from.policyAppPosition[i]!;
    s.learnt++;
  }
  for (let i = common; i < after.length; i++) changed.push(i);
  for (let i = 0; i < s.appDigestKnown.length; i++) {
    if (from.appDigestKnown[i] !== 1 || s.appDigestKnown[i] === 1) continue;
    from.appDigests.copy(s.appDigests, i * DIGEST_BYTES, i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES);
    s.appDigestKnown[i] = 1;
    s.learnt++;
  }
  const compared = { positions: changed, learnt: from.learnt };
  s.changedSince.set(from, compared);
  return compared;
}

/** The index of `value` in an ascending list, -1 when it is not there. */
function sortedIndexOf(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = list[mid]!;
    if (at === value) return mid;
    if (at < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The body hash's state after the part before the policies: the rest's canonical JSON, and their count. */
function bodyHashHead(restJson: string, positions: readonly number[]): Hash {
  return createHash('sha256').update(`${restJson}\npolicies:${positions.length}\n`);
}

/** The body hash: `head` (the part before the policies) continued with the policies' and applications' digests. */
function finishBodyHash(
  head: Hash,
  policyDigests: Buffer,
  positions: readonly number[],
  appDigests: Buffer,
  apps: Int32Array,
): string {
  updateWithDigests(head, policyDigests, positions);
  head.update(`\napplications:${apps.length}\n`);
  updateWithDigests(head, appDigests, apps);
  return head.digest('hex');
}

/** Worlds whose bodies ViewPlanner.latest keeps, at most (each is held while one of its bodies is). */
const MAX_SOURCE_WORLDS = 4;

/**
 * Bodies of a world let go that are moved to the newest world (derived
 * there), at most: a world held by more (a change to a whole organization,
 * say) lets them go with it, so that a small change never pays for many.
 */
const MAX_MOVED_BODIES = 64;

/** What a body was built from: enough to derive the body of the same key in a later world. */
interface BodyBasis {
  /** The lookups of the world it was made for: they know each of its policies and applications (item, digest). */
  scopes: Scopes;
  /** The lists the policies' items were made over (Scopes.itemLists of its world). */
  lists: readonly unknown[];
  /** The positions of the policies it lists, in the world it was made for. */
  positions: readonly number[];
  /** The application position of each policy it lists (-1: none), by its place in the body. */
  appAt: Int32Array;
  /** The positions of its applications, ascending. */
  apps: Int32Array;
  /** The canonical JSON of everything but the policies, applications and settings; and of the settings. */
  restJson: string;
  settingsJson: string;
  /** A computer that sees it (the one it was made or last derived for): what moves it to a newer world. */
  computerId: string;
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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

interface PolicyItem {
  key: string;
  view: ViewPolicy;
  /** sha256 of its canonical JSON. */
  digest: Buffer;
  /** The lists its key was found in: the same (frozen) lists give the same key. */
  lists: readonly unknown[];
}

/** The lists a policy's item depends on besides the policy: its organization, depth and application. */
function itemLists(world: WorldIndex['world']): readonly unknown[] {
  return [world.organizations, world.groups, world.computers, world.applications];
}

function sameLists(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.every((list, i) => list === b[i] && Object.isFrozen(list));
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
  private readonly ownParts = new WeakMap<Computer, OwnPart>();
  /** What each body was built from, for deriving the body of the same key in a later world. */
  private readonly bases = new WeakMap<ViewBody, BodyBasis>();
  /**
   * The content of the body each derived body's content was made from, until taken (takeSource); held weakly: a
   * body never encoded (its computers offline) does not keep the one before it alive.
   */
  private readonly derivedFrom = new WeakMap<ViewBody['view'], WeakRef<ViewBody['view']>>();
  /**
   * The newest body of each body key, whatever the world (bodies are
   * derived from these). Emptied when a world's organizations, groups,
   * computers or applications are other lists than those of the bodies
   * held (none of those can be derived from again), and when it holds more
   * bodies than a world can have keys: bounded by the world.
   */
  private readonly latest = new Map<string, ViewBody>();
  private latestLists: readonly unknown[] | null = null;
  /** The worlds (their lookups) the bodies of `latest` were made for, oldest first: at most MAX_SOURCE_WORLDS kept. */
  private readonly sourceWorlds: Scopes[] = [];
  /** The serial of the newest world's lookups asked for a body: only its bodies become the newest of their keys. */
  private newestSerial = 0;

  /**
   * A computer's own part with its canonical JSON, kept while the computer
   * and its group are the same (frozen) objects: what the part is made of.
   */
  private ownPart(index: WorldIndex, computer: Computer): OwnPart {
    const group = index.group(computer.group);
    let own = this.ownParts.get(computer);
    if (own?.group !== group || !Object.isFrozen(computer) || !Object.isFrozen(group)) {
      const part = computerPart(index, computer);
      own = { group, part, json: canonicalJson(part), encodes: false };
      this.ownParts.set(computer, own);
    }
    return own;
  }

  /**
   * Builds the lookups of the world of `index` that planning and
   * affectedComputers use (they are built on first use otherwise), so that
   * long work can yield between this and what follows.
   */
  prepareLookups(index: WorldIndex): void {
    scopes(index);
  }

  /** The view of a computer of the world of `index` (equal to buildView's), from its shared body. */
  viewOf(index: WorldIndex, computerId: string): ComputerView {
    const computer = index.computer(computerId);
    return { computer: computerPart(index, computer), ...this.bodyOf(index, computer).view };
  }

  /** The shared body of a computer's view. */
  bodyOf(index: WorldIndex, computer: Computer): ViewBody {
    const s = scopes(index);
    if (s.serial > this.newestSerial) this.newestSerial = s.serial;
    let byKey = this.bodies.get(index);
    if (byKey === undefined) {
      byKey = new Map();
      this.bodies.set(index, byKey);
      const world = index.world;
      if (this.latestLists === null || !sameLists(this.latestLists, s.itemLists)) {
        this.latest.clear();
        this.sourceWorlds.length = 0;
        this.latestLists = s.itemLists;
      } else if (this.latest.size > world.groups.length + world.computers.length) {
        this.latest.clear();
        this.sourceWorlds.length = 0;
      }
    }
    const key = s.bodyKey(computer);
    let body = byKey.get(key);
    if (body === undefined) {
      const source = this.latest.get(key);
      body =
        (source === undefined ? undefined : this.derivedBody(index, s, computer, source)) ??
        this.buildBody(index, s, computer);
      byKey.set(key, body);
      // A body of an earlier world (asked while a later one is planned) is not the newest of its key.
      if (s.serial === this.newestSerial && sameLists(s.itemLists, this.latestLists ?? [])) this.keepLatest(key, body);
    }
    return body;
  }

  /**
   * Notes `body` as the newest of `key`. The bodies held keep the worlds
   * they were made for: when they would keep more than MAX_SOURCE_WORLDS,
   * the world (other than the newest) that the fewest bodies keep is let
   * go, its bodies moved to the newest world (derived there, see
   * moveToWorld) or, when they cannot be, let go with it (built again when
   * next asked). Bodies not asked again (a change to one group leaves the
   * others alone) stay derivable however many changes come after them, at
   * the cost of the few bodies of each small change's world.
   */
  private keepLatest(key: string, body: ViewBody): void {
    this.latest.set(key, body);
    const made = this.bases.get(body)?.scopes;
    if (made === undefined || this.sourceWorlds.includes(made)) return;
    this.sourceWorlds.push(made);
    if (this.sourceWorlds.length <= MAX_SOURCE_WORLDS) return;
    const kept = new Map<Scopes, number>();
    for (const held of this.latest.values()) {
      const scopes = this.bases.get(held)?.scopes;
      if (scopes !== undefined) kept.set(scopes, (kept.get(scopes) ?? 0) + 1);
    }
    let released = this.sourceWorlds[0]!;
    for (const world of this.sourceWorlds) {
      if (world !== made && (kept.get(world) ?? 0) < (kept.get(released) ?? 0)) released = world;
    }
    this.sourceWorlds.splice(this.sourceWorlds.indexOf(released), 1);
    const move = (kept.get(released) ?? 0) <= MAX_MOVED_BODIES;
    for (const [k, held] of this.latest) {
      if (this.bases.get(held)?.scopes !== released) continue;
      const moved = move ? this.moveToWorld(made, k, held) : undefined;
      if (moved === undefined) this.latest.delete(k);
      else this.latest.set(k, moved);
    }
  }

  /**
   * The body of `key` in the world of `s` derived from `held` (of an older
   * world), for the computer it was last made for; undefined when that
   * computer is gone, sees another key now, or the body cannot be derived.
   */
  private moveToWorld(s: Scopes, key: string, held: ViewBody): ViewBody | undefined {
    const basis = this.bases.get(held);
    const computer = basis === undefined ? undefined : s.index.computers.get(basis.computerId);
    if (computer === undefined || s.bodyKey(computer) !== key) return undefined;
    return this.derivedBody(s.index, s, computer, held);
  }

  /**
   * The body of a computer in the world of `index` made from `source`, the
   * newest body of the same key (of this world or an earlier one), when
   * that is cheaper than building it and gives the same body: the policies'
   * items were made over the same lists (organizations, groups, computers,
   * applications), the body sees policies at the same positions with the
   * same applications, and everything but the policies has the same
   * content (the same canonical JSON). Then the applications are the same;
   * policies that changed are replaced (`source` itself when none did), and
   * the body hash is computed again from the kept canonical JSON of the part before
   * the policies. Undefined otherwise.
   */
  private derivedBody(index: WorldIndex, s: Scopes, computer: Computer, source: ViewBody): ViewBody | undefined {
    const basis = this.bases.get(source);
    if (basis === undefined || !sameLists(basis.lists, s.itemLists)) return undefined;
    const group = index.group(computer.group);
    const positions = s.positionsOf(group, computer);
    if (!sameNumbers(positions, basis.positions)) return undefined;
    const rest = restOf(index, group, computer);
    if (rest.json !== basis.restJson || rest.settingsJson !== basis.settingsJson) return undefined;
    const before = source.view.policies;
    let policies = before;
    const replace = (k: number, position: number): boolean => {
      const item = this.policyItem(index, s, position);
      if (s.policyAppPosition[position] !== basis.appAt[k]) return false;
      if (item.view !== before[k]) {
        if (policies === before) policies = before.slice();
        policies[k] = item.view;
      }
      return true;
    };
    // Only the positions whose policy object changed can differ (the others' items, digests and applications
    // were taken over from the source's world); when many changed, each position is looked at.
    const compared = changedPositions(s, basis.scopes);
    const changed = compared.positions;
    if (changed.length < positions.length) {
      for (const position of changed) {
        const k = sortedIndexOf(positions, position);
        if (k >= 0 && !replace(k, position)) return undefined;
      }
    } else {
      for (let k = 0; k < positions.length; k++) if (!replace(k, positions[k]!)) return undefined;
    }
    if (basis.scopes !== s && basis.scopes.learnt !== compared.learnt) {
      // This world's lookups know each policy and application of the body (its hash is made from their digests,
      // and a body of this world is derived from them later): what the body's world knew when the two were
      // compared was taken over then (changedPositions), and the changed positions were looked up above; those
      // that world learnt after the comparison are looked up here.
      for (const position of positions) if (s.itemAt[position] === undefined) this.policyItem(index, s, position);
      for (const app of basis.apps) this.appDigest(s, app, index.world.applications[app] as Application);
    }
    if (policies === before) {
      // The very body: from now on it is of the newest world (not of an earlier one asked late).
      if (basis.scopes !== s && s.serial === this.newestSerial) {
        this.bases.set(source, { ...basis, scopes: s, computerId: computer.id });
      }
      return source;
    }
    const bodyHash = finishBodyHash(
      bodyHashHead(basis.restJson, positions),
      s.policyDigests,
      positions,
      s.appDigests,
      basis.apps,
    );
    const body: ViewBody = { view: { ...source.view, policies }, bodyHash, settingsHash: source.settingsHash };
    // The positions are the basis's (the same numbers): one array for the bodies of every world.
    this.bases.set(body, { ...basis, scopes: s, computerId: computer.id });
    this.derivedFrom.set(body.view, new WeakRef(source.view));
    return body;
  }

  /**
   * The content of the body that a body's content was derived from (the
   * same but for some policies), once: its encoding can be made from that
   * one's (ViewSplicer.body). Undefined for a body built whole, asked
   * again, or whose source is gone.
   */
  takeSource(view: ViewBody['view']): ViewBody['view'] | undefined {
    const source = this.derivedFrom.get(view)?.deref();
    this.derivedFrom.delete(view);
    return source;
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
      const own = this.ownPart(index, computer);
      const hashes = {
        viewHash: sha256Hex(`${body.bodyHash}\n${own.json}`),
        settingsHash: body.settingsHash,
      };
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
        problem = bodyEncodingProblem(computer.id, own.part, body, versions, this.derivedFrom.get(body.view)?.deref());
        checked.set(body, problem === null ? null : problem.slice(`computers[${computer.id}]`.length));
      } else if (problem !== null) {
        problem = `computers[${computer.id}]${problem}`;
      }
      if (problem === null) {
        // A computer part that encoded once encodes again: only the versions are checked then.
        problem = own.encodes
          ? versionsProblem(computer.id, versions)
          : viewEncodingProblem(computer.id, { computer: own.part, ...EMPTY_VIEW_BODY }, versions);
        if (problem === null) own.encodes = true;
      }
      if (problem !== null) encodingProblems.push(problem);
    }
    return { issued, changes, encodingProblems };
  }

  private policyItem(index: WorldIndex, s: Scopes, position: number): PolicyItem {
    const memo = s.itemAt[position];
    if (memo !== undefined) return memo;
    const p = index.world.policies[position] as Policy;
    const app = p.app === undefined ? undefined : index.apps.get(p.app);
    s.policyAppPosition[position] = app === undefined ? -1 : (s.appPosition.get(app.id) as number);
    const known = this.policyItems.get(p);
    if (known !== undefined && sameLists(known.lists, s.itemLists)) {
      s.itemAt[position] = known;
      s.learnt++;
      known.digest.copy(s.policyDigests, position * DIGEST_BYTES);
      return known;
    }
    const org = index.appliesToOrg(p.appliesTo);
    const depth = index.depth(org);
    const builtIn = p.default !== true && app?.builtIn === true;
    const key = `${org}\0${depth}\0${builtIn}`;
    let item = known;
    if (item?.key === key) item = { ...item, lists: s.itemLists };
    else {
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
      item = { key, view, digest: sha256(canonicalJson(view)), lists: s.itemLists };
    }
    this.policyItems.set(p, item);
    s.itemAt[position] = item;
    s.learnt++;
    item.digest.copy(s.policyDigests, position * DIGEST_BYTES);
    return item;
  }

  private appDigest(s: Scopes, position: number, app: Application): void {
    if (s.appDigestKnown[position] === 1) return;
    let digest = this.appDigests.get(app);
    if (digest === undefined) {
      digest = sha256(canonicalJson(app));
      this.appDigests.set(app, digest);
    }
    digest.copy(s.appDigests, position * DIGEST_BYTES);
    s.appDigestKnown[position] = 1;
    s.learnt++;
  }

  /** buildView without the computer's own part, for a representative computer of the body. */
  private buildBody(index: WorldIndex, s: Scopes, computer: Computer): ViewBody {
    const group = index.group(computer.group);
    const org = index.org(group.org);
    // The policies the computer sees, in world order: its group's part and those naming it.
    const positions = s.positionsOf(group, computer);
    const policies: ViewPolicy[] = new Array<ViewPolicy>(positions.length);
    // Applications in world order: those the policies name, then the others seen, each once.
    const stamp = ++s.stamp;
    const appPositions: number[] = [];
    for (let k = 0; k < positions.length; k++) {
      const position = positions[k] as number;
      policies[k] = this.policyItem(index, s, position).view;
      const app = s.policyAppPosition[position] as number;
      if (app >= 0 && s.appStamp[app] !== stamp) {
        s.appStamp[app] = stamp;
        appPositions.push(app);
      }
    }
    for (const app of s.nameableFor(org.id)) {
      if (s.appStamp[app] !== stamp) {
        s.appStamp[app] = stamp;
        appPositions.push(app);
      }
    }
    const sortedApps = Int32Array.from(appPositions).sort();
    const applications: Application[] = new Array<Application>(sortedApps.length);
    for (let k = 0; k < sortedApps.length; k++) {
      const i = sortedApps[k] as number;
      const app = index.world.applications[i] as Application;
      applications[k] = app;
      this.appDigest(s, i, app);
    }
    const rest = restOf(index, group, computer);
    const { fields } = rest;
    const view: Omit<ComputerView, 'computer'> = {
      orgStructure: fields.orgStructure,
      modules: fields.modules,
      policies,
      applications,
      settings: rest.settings.values,
      settingSources: rest.settings.sources,
      gates: fields.gates,
      approvalPolicies: fields.approvalPolicies,
      permitTarget: fields.permitTarget,
      instructions: fields.instructions,
      escalationEmails: fields.escalationEmails,
      approvalWarnings: fields.approvalWarnings,
    };
    // The policies and applications by the sha256 of each one's canonical JSON, counted.
    const bodyHash = finishBodyHash(
      bodyHashHead(rest.json, positions),
      s.policyDigests,
      positions,
      s.appDigests,
      sortedApps,
    );
    const body: ViewBody = { view, bodyHash, settingsHash: sha256Hex(rest.settingsJson) };
    const appAt = new Int32Array(positions.length);
    for (let k = 0; k < positions.length; k++) appAt[k] = s.policyAppPosition[positions[k]!]!;
    this.bases.set(body, {
      scopes: s,
      lists: s.itemLists,
      positions,
      appAt,
      apps: sortedApps,
      restJson: rest.json,
      settingsJson: rest.settingsJson,
      computerId: computer.id,
    });
    return body;
  }
}

/** The part of a body besides its policies, applications and settings: the same for equal inputs. */
type BodyRest = Omit<ComputerView, 'computer' | 'policies' | 'applications' | 'settings' | 'settingSources'>;

/**
 * What a computer's body holds besides its policies and applications (the
 * organization's structure and modules, gates, approval policies and
 * settings, and the settings), with the canonical JSON the body hashes.
 */
function restOf(
  index: WorldIndex,
  group: ComputerGroup,
  computer: Computer,
): { fields: BodyRest; settings: ReturnType<typeof resolveSettings>; json: string; settingsJson: string } {
  const org = index.org(group.org);
  const approvalPolicies = viewApprovalPolicies(index, group.org, group.id, computer.id);
  const settings = resolveSettings(index, computer.id);
  const approval = resolveApprovalSettings(index, org.id);
  const fields: BodyRest = {
    orgStructure: org.structure,
    modules: [...org.modules],
    gates: (index.world.gates ?? DEFAULT_GATES).map((g) => ({ ...g })),
    approvalPolicies,
    permitTarget: approval.permitTarget,
    instructions: approval.instructions,
    escalationEmails: approval.escalationEmails,
    approvalWarnings: approval.warnings,
  };
  return {
    fields,
    settings,
    json: canonicalJson(fields),
    settingsJson: canonicalJson({ settings: settings.values, settingSources: settings.sources }),
  };
}

/**
 * Policies (as views see them) and applications that encode for an agent:
 * each is converted on its own (the conversion of a view is that of each of
 * its entries), so an entry that encoded in one view encodes in every view.
 */
const encodable = new WeakSet<object>();

/** The lists of the body checked last that encoded (all their entries are in `encodable`). */
let lastEncodable: { policies: readonly object[]; applications: readonly object[] } | null = null;

/** Lists of bodies checked that encoded: every entry of each is in `encodable`. */
const encodableLists = new WeakSet<readonly object[]>();

/**
 * The entries of a list not known to encode: one at the same place in the
 * last body checked is known by a comparison (bodies are mostly checked one
 * group after the other and share most entries), the others by a lookup.
 */
function notKnownEncodable<T extends object>(list: readonly T[], last: readonly object[] | undefined): T[] {
  if (list === last) return [];
  const unknown: T[] = [];
  for (let i = 0; i < list.length; i++) {
    const entry = list[i]!;
    if (last?.[i] !== entry && !encodable.has(entry)) unknown.push(entry);
  }
  return unknown;
}

/**
 * viewEncodingProblem of a body with a computer's own part, the same text:
 * the policies and applications already known to encode are not converted
 * again (the rest of the view is). When what is converted has a problem, the
 * whole view is converted, so that the text names the first entry at fault
 * as a conversion of the whole view does.
 */
function bodyEncodingProblem(
  computerId: string,
  own: ComputerView['computer'],
  body: ViewBody,
  versions: { snapshotVersion: number; settingsVersion: number },
  source?: ViewBody['view'],
): string | null {
  const view = body.view;
  // A body derived from one that encoded is compared with that one, place by place (only the policies that changed
  // are looked up); another, with the body checked last.
  const known = (list: 'policies' | 'applications'): readonly object[] | undefined => {
    const from = source?.[list];
    return from !== undefined && encodableLists.has(from) ? from : lastEncodable?.[list];
  };
  const policies = notKnownEncodable(view.policies, known('policies'));
  const applications = notKnownEncodable(view.applications, known('applications'));
  if (viewEncodingProblem(computerId, { computer: own, ...view, policies, applications }, versions) === null) {
    for (const p of policies) encodable.add(p);
    for (const a of applications) encodable.add(a);
    lastEncodable = { policies: view.policies, applications: view.applications };
    encodableLists.add(view.policies);
    encodableLists.add(view.applications);
    return null;
  }
  return viewEncodingProblem(computerId, { computer: own, ...view }, versions);
}

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
    // Many changed entries share a few scopes (an import): each scope is walked once.
    const seen = new Set<string>();
    const cover = (appliesTo: AppliesTo): void => {
      const key = canonicalJson(appliesTo);
      if (seen.has(key)) return;
      seen.add(key);
      s.covered(appliesTo, out);
    };
    for (const id of byKind.get('policies') ?? []) {
      const p = index.policies.get(id);
      if (p !== undefined) cover(p.appliesTo);
    }
    for (const id of byKind.get('agentSettings') ?? []) {
      const setting = found.settings.get(id);
      if (setting !== undefined) cover(setting.appliesTo);
    }
    for (const id of byKind.get('approvalPolicies') ?? []) {
      const ap = found.approvalPolicies.get(id);
      if (ap !== undefined) s.approvalCovered(ap, out);
    }
    const apps = byKind.get('applications');
    if (apps !== undefined) {
      for (const id of apps) {
        const app = index.apps.get(id);
        if (app === undefined) continue;
        if (app.builtIn || app.org === undefined) return all();
        s.subtreeComputers(app.org, out);
      }
      for (const p of index.world.policies) if (p.app !== undefined && apps.has(p.app)) cover(p.appliesTo);
    }
  }
  for (const id of out) if (!after.computers.has(id)) out.delete(id);
  return out;
}
