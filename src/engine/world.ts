import { TollgateError } from './errors.js';
import type {
  AgentSetting,
  AppliesTo,
  AppliesToLevel,
  Application,
  Computer,
  ComputerGroup,
  Organization,
  Policy,
  World,
} from './model.js';
import { LEVEL_RANK } from './model.js';
import { foldCase } from './fold-case.js';

/** The single key an Applies To object sets. */
export function appliesToLevel(appliesTo: AppliesTo): AppliesToLevel {
  if ('global' in appliesTo) return 'global';
  if ('globalGroup' in appliesTo) return 'globalGroup';
  if ('organization' in appliesTo) return 'organization';
  if ('group' in appliesTo) return 'group';
  return 'computer';
}

/**
 * The lookups of frozen lists, which worlds share (a change to one list
 * leaves the others' arrays as they were): built once per list. Never
 * changed once built.
 */
const byIdCache = new WeakMap<readonly object[], Map<string, object>>();
const childrenCache = new WeakMap<readonly object[], Map<string, string[]>>();
const numbersCache = new WeakMap<readonly object[], Map<string, number>>();

/** Each entry by id (the last of a repeated id, as a validated world has none). */
function byId<T extends { id: string }>(list: readonly T[]): Map<string, T> {
  const known = byIdCache.get(list);
  if (known !== undefined) return known as Map<string, T>;
  const map = new Map<string, T>();
  for (const entry of list) map.set(entry.id, entry);
  if (Object.isFrozen(list)) byIdCache.set(list, map);
  return map;
}

/** Each entry's place in the list by id (the last of a repeated id, as byId). */
function numbersById(list: readonly { id: string }[]): Map<string, number> {
  const known = numbersCache.get(list);
  if (known !== undefined) return known;
  const map = new Map<string, number>();
  for (let i = 0; i < list.length; i++) map.set((list[i] as { id: string }).id, i);
  if (Object.isFrozen(list)) numbersCache.set(list, map);
  return map;
}

/**
 * Lookups over a validated world: organization depth and ancestry, what an
 * Applies To covers, which organization a policy belongs to. Built once per
 * world; every method is a map lookup or a walk up the organization tree.
 */
export class WorldIndex {
  readonly world: World;
  readonly orgs: Map<string, Organization>;
  readonly groups: Map<string, ComputerGroup>;
  readonly computers: Map<string, Computer>;
  private appsById: Map<string, Application> | undefined;
  private appNumbersById: Map<string, number> | undefined;
  private policiesById: Map<string, Policy> | undefined;
  private readonly depths = new Map<string, number>();
  private readonly childrenOf: Map<string, string[]>;

  constructor(world: World) {
    this.world = world;
    this.orgs = byId(world.organizations);
    this.groups = byId(world.groups);
    this.computers = byId(world.computers);
    let children = childrenCache.get(world.organizations);
    if (children === undefined) {
      children = new Map();
      for (const o of world.organizations) {
        if (o.parent === undefined) continue;
        const list = children.get(o.parent) ?? [];
        list.push(o.id);
        children.set(o.parent, list);
      }
      if (Object.isFrozen(world.organizations)) childrenCache.set(world.organizations, children);
    }
    this.childrenOf = children;
  }

  /** The applications by id (made on first use: a view is built without it). */
  get apps(): Map<string, Application> {
    return (this.appsById ??= byId(this.world.applications));
  }

  /** Each application's place in world.applications by id (the last of a repeated id, as `apps`). */
  get appNumbers(): Map<string, number> {
    return (this.appNumbersById ??= numbersById(this.world.applications));
  }

  /** The policies by id (made on first use: a view is built without it). */
  get policies(): Map<string, Policy> {
    return (this.policiesById ??= byId(this.world.policies));
  }

  org(id: string): Organization {
    const org = this.orgs.get(id);
    if (org === undefined) throw new TollgateError('unknown-reference', `unknown organization "${id}"`);
    return org;
  }

  group(id: string): ComputerGroup {
    const group = this.groups.get(id);
    if (group === undefined) throw new TollgateError('unknown-reference', `unknown group "${id}"`);
    return group;
  }

  computer(id: string): Computer {
    const computer = this.computers.get(id);
    if (computer === undefined) throw new TollgateError('unknown-reference', `unknown computer "${id}"`);
    return computer;
  }

  /** The root organization has depth 0; a cycle is reported, never followed forever. */
  depth(orgId: string): number {
    const known = this.depths.get(orgId);
    if (known !== undefined) return known;
    const chain = this.ancestry(orgId);
    const depth = chain.length - 1;
    this.depths.set(orgId, depth);
    return depth;
  }

  /** The organization and its ancestors, nearest first. */
  ancestry(orgId: string): string[] {
    const chain: string[] = [];
    let current: string | undefined = orgId;
    while (current !== undefined) {
      if (chain.includes(current)) {
        throw new TollgateError('org-cycle', `organization "${orgId}" is its own ancestor (${chain.join(' -> ')})`);
      }
      chain.push(current);
      current = this.org(current).parent;
    }
    return chain;
  }

  /** The organization and every organization below it. */
  subtree(orgId: string): string[] {
    const out: string[] = [];
    const stack = [orgId];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      out.push(id);
      stack.push(...(this.childrenOf.get(id) ?? []));
    }
    return out;
  }

  isSelfOrDescendant(orgId: string, ancestorId: string): boolean {
    return this.ancestry(orgId).includes(ancestorId);
  }

  computerGroup(computerId: string): ComputerGroup {
    return this.group(this.computer(computerId).group);
  }

  computerOrg(computerId: string): string {
    return this.computerGroup(computerId).org;
  }

  computerAgentVersion(computerId: string): string {
    return this.computer(computerId).agentVersion ?? this.computerGroup(computerId).agentVersion;
  }

  /** The organization an Applies To belongs to (its policy's own organization). */
  appliesToOrg(appliesTo: AppliesTo): string {
    if ('global' in appliesTo) return appliesTo.global;
    if ('globalGroup' in appliesTo) return appliesTo.globalGroup.org;
    if ('organization' in appliesTo) return appliesTo.organization;
    if ('group' in appliesTo) return this.group(appliesTo.group).org;
    return this.computerOrg(appliesTo.computer);
  }

  levelRank(appliesTo: AppliesTo): number {
    return LEVEL_RANK[appliesToLevel(appliesTo)];
  }

  /** Whether an Applies To covers a computer (SPEC.md section 1). */
  covers(appliesTo: AppliesTo, computerId: string): boolean {
    const computer = this.computer(computerId);
    const group = this.group(computer.group);
    if ('global' in appliesTo) return this.isSelfOrDescendant(group.org, appliesTo.global);
    if ('globalGroup' in appliesTo) {
      const { org, keyword } = appliesTo.globalGroup;
      return this.isSelfOrDescendant(group.org, org) && foldCase(group.name).startsWith(foldCase(keyword));
    }
    if ('organization' in appliesTo) return group.org === appliesTo.organization;
    if ('group' in appliesTo) return group.id === appliesTo.group;
    return computer.id === appliesTo.computer;
  }

  /** The computers an Applies To covers. */
  coveredComputers(appliesTo: AppliesTo): Computer[] {
    return this.world.computers.filter((c) => this.covers(appliesTo, c.id));
  }

  /** Settings entries that cover a computer, for settings resolution. */
  settingsFor(computerId: string): AgentSetting[] {
    return this.world.agentSettings.filter((s) => this.covers(s.appliesTo, computerId));
  }
}
