/**
 * Semantic validation of a whole world (SPEC.md sections 1 to 5 and 7): every
 * problem, not just the first, as `LIST[ID]: FIELD ...`. Shape (types, required
 * fields) is the loader's job; this checks what a type cannot say.
 */
import { isCountryCode } from './countries.js';
import { TollgateError } from './errors.js';
import {
  APPROVAL_ACTIONS,
  OS_NAMES,
  PERMIT_TARGETS,
  POLICY_ACTIONS,
  RULE_FIELDS,
  STRUCTURES,
  type AgentSetting,
  type AppliesTo,
  type ApprovalPolicy,
  type ApprovalSettings,
  type Application,
  type Computer,
  type ComputerGroup,
  type Organization,
  type Policy,
  type World,
} from './model.js';
import {
  APPROVAL_ORDER_MAX,
  APPROVAL_ORDER_MIN,
  MAX_MODULES,
  MAX_RINGFENCE_DEPTH,
  POLICY_ORDER_MAX,
  POLICY_ORDER_MIN,
  SETTING_ORDER_MAX,
  SETTING_ORDER_MIN,
  TEXT_LIMITS,
  TIME_FRACTION_MAX_DIGITS,
  idProblem,
  integerRangeRule,
  invalidTextIn,
  isIntegerIn,
  isValidId,
  textProblem,
  valueDepth,
} from './limits.js';
import { linearPattern } from './matcher.js';
import { SETTING_DEFINITIONS, settingValueProblem } from './settings.js';
import { VERSION_RULE, versionProblem } from './version.js';

/** The keys an Applies To may set, exactly one at a time. */
export const APPLIES_TO_KEYS = ['global', 'globalGroup', 'organization', 'group', 'computer'] as const;

/** The keys an approval policy's Applies To may set, exactly one at a time. */
export const APPROVAL_APPLIES_TO_KEYS = ['organization', 'groups', 'computers'] as const;

/** How an approval policy's country list works (SPEC.md section 5). */
export const COUNTRY_MODES = ['deny', 'allow'] as const;

const RFC3339_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** A sane address check (local@domain.tld); delivery is the mail server's business. */
const EMAIL_PATTERN =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** A C0 or C1 control character (a module name is a plain word). */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/** A SHA-256 as rules and requests give it: 64 hex digits, any case. */
export const SHA256_PATTERN = /^[0-9a-f]{64}$/i;
/** A certificate thumbprint: SHA-1 (40) or SHA-256 (64) hex digits, any case. */
export const THUMBPRINT_PATTERN = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const REGEX_PREFIX = 'regex:';
const PATTERN_FIELDS = ['path', 'processPath', 'createdBy'] as const;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Whether text is an RFC 3339 date-time with a time zone (`Z` or an offset); no leap seconds. */
export function isRfc3339(text: string): boolean {
  const m = RFC3339_PATTERN.exec(text);
  if (m === null) return false;
  const n = (i: number): number => Number(m[i] ?? 0);
  const [year, month, day, hour, minute, second] = [n(1), n(2), n(3), n(4), n(5), n(6)];
  const monthDays = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return (
    monthDays !== undefined &&
    day >= 1 &&
    day <= monthDays &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    n(7) <= 23 &&
    n(8) <= 59
  );
}

const FRACTION_PATTERN = /^[^.]*\.(\d+)/;

/** The RFC 3339 rule in words, for messages. */
export const RFC3339_RULE = 'an RFC 3339 date-time with a time zone (e.g. 2026-11-22T12:00:00Z)';

/** A date-time whose seconds are 60 (RFC 3339 allows a leap second there). */
const LEAP_SECOND_PATTERN = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:60(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/**
 * What is wrong with a time text, or null when it is an RFC 3339 date-time whose fraction
 * is whole milliseconds (more digits only as zeros): the precision tollgate compares exactly.
 */
export function timeProblem(text: string): string | null {
  if (typeof text === 'string' && LEAP_SECOND_PATTERN.test(text) && isRfc3339(text.replace(':60', ':59'))) {
    return 'is a leap second, which times since the epoch in milliseconds (the wire) cannot hold; write the next second';
  }
  if (typeof text !== 'string' || !isRfc3339(text)) return `is not ${RFC3339_RULE}`;
  const fraction = FRACTION_PATTERN.exec(text)?.[1] ?? '';
  if (/[1-9]/.test(fraction.slice(TIME_FRACTION_MAX_DIGITS))) {
    return 'has a fraction finer than a millisecond; times are kept to the millisecond (the wire carries milliseconds)';
  }
  return null;
}

/** The exact epoch milliseconds of a time text that timeProblem accepts; throws naming the text otherwise. */
export function parseTimeMs(text: string): number {
  const problem = timeProblem(text);
  if (problem !== null) throw new TollgateError('invalid-input', `${JSON.stringify(text)} ${problem}`);
  // Exact: the fraction has at most three significant digits, which Date.parse keeps.
  return Date.parse(text);
}

/** Whether text is an email address tollgate accepts for escalation. */
export function isEmailAddress(text: string): boolean {
  return EMAIL_PATTERN.test(text);
}

/** `LIST[ID]`, or `LIST[#INDEX]` when the entry has no usable id. */
export function entryLabel(list: string, id: unknown, index: number): string {
  return typeof id === 'string' && id !== '' ? `${list}[${id}]` : `${list}[#${index}]`;
}

/** A value as a problem quotes it: JSON, a text of more than 80 characters cut with its length. */
function quote(value: unknown): string {
  if (typeof value === 'string' && value.length > QUOTED_CHARS) {
    return `${JSON.stringify(value.slice(0, QUOTED_CHARS))}... (${value.length} characters)`;
  }
  return JSON.stringify(value) ?? String(value);
}
const QUOTED_CHARS = 80;

function oneOf(value: unknown, allowed: readonly string[]): boolean {
  return typeof value === 'string' && allowed.includes(value);
}

/** The lookups the checks of entries use: each entry by id (the first of a repeated id). */
interface Lookups {
  orgs: Map<string, Organization>;
  groups: Map<string, ComputerGroup>;
  computers: Map<string, Computer>;
  apps: Map<string, Application>;
}

/** What validateChange looks up in the world before the change: each entry by id. */
export interface WorldLookups extends Lookups {
  policies: ReadonlyMap<string, Policy>;
}

/** Checks one world; the lookups are built once, each list is walked once. */
class WorldValidator {
  readonly problems: string[] = [];
  readonly orgs: Map<string, Organization>;
  readonly groups: Map<string, ComputerGroup>;
  readonly computers: Map<string, Computer>;
  readonly apps: Map<string, Application>;
  private readonly world: World;

  constructor(world: World, lookups?: Lookups) {
    this.world = world;
    if (lookups !== undefined) {
      ({ orgs: this.orgs, groups: this.groups, computers: this.computers, apps: this.apps } = lookups);
      return;
    }
    this.orgs = this.index('organizations', world.organizations, 'id');
    this.groups = this.index('groups', world.groups, 'id');
    this.computers = this.index('computers', world.computers, 'id');
    this.apps = this.index('applications', world.applications, 'id');
    this.index('policies', world.policies, 'id');
    this.index('agentSettings', world.agentSettings, 'id');
    this.index('approvalPolicies', world.approvalPolicies, 'id');
    this.index('approvalSettings', world.approvalSettings, 'org');
  }

  run(): string[] {
    this.organizations();
    this.orgCycles();
    this.groupsAndComputers();
    this.applications();
    this.policies();
    this.agentSettings();
    this.gates();
    this.approvalPolicies();
    this.approvalSettings();
    return this.problems;
  }

  private add(at: string, text: string): void {
    this.problems.push(`${at}: ${text}`);
  }

  /** A free text within its bound (TEXT_LIMITS) and valid Unicode (textProblem); an absent one passes. */
  private textLength(at: string, field: string, value: unknown, max: number): void {
    if (typeof value !== 'string') return;
    if (value.length > max) this.add(at, `${field} is ${value.length} characters long; at most ${max}`);
    const problem = textProblem(value);
    if (problem !== null) this.add(at, `${field} ${problem}`);
  }

  /** Maps each key to its first entry and reports missing and repeated keys. */
  private index<T extends object>(list: string, items: readonly T[], key: 'id' | 'org'): Map<string, T> {
    const map = new Map<string, T>();
    const firstAt = new Map<string, number>();
    // Positions of the keys used more than once, in the order their first entry comes.
    const repeated = new Map<string, number[]>();
    items.forEach((item, i) => {
      const value: unknown = (item as Record<string, unknown>)[key];
      if (!isValidId(value)) {
        this.add(`${list}[#${i}]`, `${key} ${typeof value === 'string' ? `${quote(value)} ` : ''}${idProblem(value)}`);
        return;
      }
      const first = firstAt.get(value);
      if (first === undefined) {
        map.set(value, item);
        firstAt.set(value, i);
        return;
      }
      const at = repeated.get(value);
      if (at === undefined) repeated.set(value, [first, i]);
      else at.push(i);
    });
    const order = [...repeated].sort((a, b) => (a[1][0] as number) - (b[1][0] as number));
    for (const [value, at] of order) {
      this.add(`${list}[${value}]`, `${key} ${quote(value)} is used by more than one entry (#${at.join(', #')})`);
    }
    return map;
  }

  private enumField(at: string, field: string, value: unknown, allowed: readonly string[]): void {
    if (!oneOf(value, allowed)) this.add(at, `${field} ${quote(value)} is not one of ${allowed.join(', ')}`);
  }

  /** Reports a number outside [min, max] (the range its wire field can carry); true when it is inside. */
  private rangeField(at: string, field: string, value: unknown, min: number, max: number): boolean {
    if (isIntegerIn(value, min, max)) return true;
    this.add(at, `${field} ${quote(value)} ${integerRangeRule(min, max)}`);
    return false;
  }

  private versionField(at: string, field: string, value: string): void {
    const problem = typeof value === 'string' ? versionProblem(value) : `is not a version (${VERSION_RULE})`;
    if (problem !== null) this.add(at, `${field} ${quote(value)} ${problem}`);
  }

  private countryList(at: string, field: string, codes: readonly string[] | undefined): void {
    for (const code of codes ?? []) {
      if (typeof code !== 'string' || !isCountryCode(code)) {
        this.add(at, `${field} ${quote(code)} is not an ISO 3166-1 alpha-2 country code`);
      }
    }
  }

  /** Reports an unknown organization; returns the id when it is known. */
  private orgRef(at: string, field: string, id: string): string | undefined {
    if (this.orgs.has(id)) return id;
    this.add(at, `${field} ${quote(id)} is not a known organization`);
    return undefined;
  }

  private groupRef(at: string, field: string, id: string): ComputerGroup | undefined {
    const group = this.groups.get(id);
    if (group === undefined) this.add(at, `${field} ${quote(id)} is not a known group`);
    return group;
  }

  /** The organization of a known computer whose group is known. */
  private computerOrg(at: string, field: string, id: string): string | undefined {
    const computer = this.computers.get(id);
    if (computer === undefined) {
      this.add(at, `${field} ${quote(id)} is not a known computer`);
      return undefined;
    }
    return this.groups.get(computer.group)?.org;
  }

  /** Reports bad targets; returns the Applies To's own organization when it can be known. */
  private appliesTo(at: string, appliesTo: AppliesTo): string | undefined {
    const keys = Object.keys(appliesTo ?? {});
    if (keys.length !== 1 || !oneOf(keys[0], APPLIES_TO_KEYS)) {
      this.add(at, `appliesTo must have exactly one of ${APPLIES_TO_KEYS.join(', ')}`);
      return undefined;
    }
    if ('global' in appliesTo) return this.orgRef(at, 'appliesTo.global', appliesTo.global);
    if ('globalGroup' in appliesTo) return this.orgRef(at, 'appliesTo.globalGroup.org', appliesTo.globalGroup.org);
    if ('organization' in appliesTo) return this.orgRef(at, 'appliesTo.organization', appliesTo.organization);
    if ('group' in appliesTo) return this.groupRef(at, 'appliesTo.group', appliesTo.group)?.org;
    return this.computerOrg(at, 'appliesTo.computer', appliesTo.computer);
  }

  private organizations(): void {
    this.world.organizations.forEach((org, i) => {
      const at = entryLabel('organizations', org.id, i);
      this.textLength(at, 'name', org.name, TEXT_LIMITS.name);
      this.enumField(at, 'structure', org.structure, STRUCTURES);
      const modules: readonly unknown[] = Array.isArray(org.modules) ? org.modules : [];
      // Without the count: a stored world past the bound keeps the same problem while modules are removed.
      if (modules.length > MAX_MODULES) this.add(at, `modules has more than ${MAX_MODULES} entries`);
      // Every one, named by its text (not its place, which removing another changes); an empty one once.
      if (modules.some((module) => typeof module !== 'string' || module.trim() === '')) {
        this.add(at, 'modules holds an empty entry; a module name must be a non-empty text');
      }
      for (const module of new Set(modules)) {
        if (typeof module !== 'string' || module.trim() === '') continue;
        this.textLength(at, `modules ${quote(module)}`, module, TEXT_LIMITS.module);
        if (CONTROL_CHARACTER.test(module)) this.add(at, `modules ${quote(module)} holds a control character`);
      }
      if (org.parent !== undefined) this.orgRef(at, 'parent', org.parent);
    });
  }

  /** Each parent cycle once, at the organization where the walk closes it. */
  private orgCycles(): void {
    const done = new Set<string>();
    for (const start of this.world.organizations) {
      const path: string[] = [];
      let current: string | undefined = start.id;
      while (current !== undefined && !done.has(current) && this.orgs.has(current)) {
        const seenAt = path.indexOf(current);
        if (seenAt >= 0) {
          const cycle = path.slice(seenAt);
          const parent = cycle[1] ?? current;
          this.add(
            `organizations[${current}]`,
            `parent ${quote(parent)} makes a cycle (${[...cycle, current].join(' -> ')})`,
          );
          break;
        }
        path.push(current);
        current = this.orgs.get(current)?.parent;
      }
      for (const id of path) done.add(id);
    }
  }

  private groupsAndComputers(): void {
    this.world.groups.forEach((group, i) => {
      const at = entryLabel('groups', group.id, i);
      this.textLength(at, 'name', group.name, TEXT_LIMITS.name);
      this.orgRef(at, 'org', group.org);
      this.enumField(at, 'os', group.os, OS_NAMES);
      this.versionField(at, 'agentVersion', group.agentVersion);
    });
    this.world.computers.forEach((computer, i) => {
      const at = entryLabel('computers', computer.id, i);
      this.textLength(at, 'name', computer.name, TEXT_LIMITS.name);
      this.groupRef(at, 'group', computer.group);
      if (computer.agentVersion !== undefined) this.versionField(at, 'agentVersion', computer.agentVersion);
    });
  }

  applications(list: readonly Application[] = this.world.applications): void {
    list.forEach((app, i) => {
      const at = entryLabel('applications', app.id, i);
      this.textLength(at, 'name', app.name, TEXT_LIMITS.name);
      this.textLength(at, 'category', app.category, TEXT_LIMITS.category);
      this.textLength(at, 'subcategory', app.subcategory, TEXT_LIMITS.category);
      if (app.org !== undefined) this.orgRef(at, 'org', app.org);
      this.countryList(at, 'primaryCompanyInfluence', app.primaryCompanyInfluence);
      this.countryList(at, 'developmentInfluence', app.developmentInfluence);
      app.rules.forEach((rule, r) => {
        const field = `rules[${r}]`;
        const set = RULE_FIELDS.filter((f) => rule[f] !== undefined);
        if (set.length === 0) {
          this.add(at, `${field} sets no field (a rule needs at least one of ${RULE_FIELDS.join(', ')})`);
        }
        for (const f of set) if (rule[f] === '') this.add(at, `${field}.${f} must not be empty`);
        for (const f of PATTERN_FIELDS) this.textLength(at, `${field}.${f}`, rule[f], TEXT_LIMITS.pathPattern);
        this.textLength(at, `${field}.certSubject`, rule.certSubject, TEXT_LIMITS.certSubject);
        for (const f of PATTERN_FIELDS) {
          const value = rule[f];
          if (value === undefined || !value.startsWith(REGEX_PREFIX)) continue;
          try {
            new RegExp(value.slice(REGEX_PREFIX.length));
          } catch (err) {
            this.add(at, `${field}.${f} ${quote(value)} does not compile: ${(err as Error).message}`);
            continue;
          }
          const linear = linearPattern(value.slice(REGEX_PREFIX.length), false);
          if ('problem' in linear) this.add(at, `${field}.${f} ${quote(value)}: ${linear.problem}`);
        }
        if (rule.sha256 !== undefined && !SHA256_PATTERN.test(rule.sha256)) {
          this.add(at, `${field}.sha256 ${quote(rule.sha256)} is not 64 hex characters`);
        }
        if (rule.certThumbprint !== undefined && !THUMBPRINT_PATTERN.test(rule.certThumbprint)) {
          this.add(at, `${field}.certThumbprint ${quote(rule.certThumbprint)} is not 40 or 64 hex characters`);
        }
      });
    });
  }

  policies(list: readonly Policy[] = this.world.policies): void {
    list.forEach((policy, i) => {
      const at = entryLabel('policies', policy.id, i);
      this.textLength(at, 'name', policy.name, TEXT_LIMITS.name);
      if (policy.ringfence !== undefined) {
        const depth = valueDepth(policy.ringfence);
        if (depth > MAX_RINGFENCE_DEPTH) {
          this.add(at, `ringfence nests ${depth} levels deep; at most ${MAX_RINGFENCE_DEPTH}`);
        } else {
          const json = JSON.stringify(policy.ringfence);
          if (json.length > TEXT_LIMITS.ringfenceJson) {
            this.add(at, `ringfence is ${json.length} characters as JSON; at most ${TEXT_LIMITS.ringfenceJson}`);
          }
          const invalid = invalidTextIn(policy.ringfence, 'ringfence');
          if (invalid !== null) this.add(at, invalid);
        }
      }
      const isDefault = policy.default === true;
      if (isDefault && policy.app !== undefined) this.add(at, 'app must not be set on the default policy');
      if (!isDefault && policy.app === undefined) {
        this.add(at, 'app is required (only the default policy, with default: true, has none)');
      }
      if (policy.app !== undefined && !this.apps.has(policy.app)) {
        this.add(at, `app ${quote(policy.app)} is not a known application`);
      }
      const ownOrg = this.appliesTo(at, policy.appliesTo);
      this.enumField(at, 'action', policy.action, POLICY_ACTIONS);
      const validOrder = this.rangeField(at, 'order', policy.order, POLICY_ORDER_MIN, POLICY_ORDER_MAX);
      if (validOrder && policy.order < 0 && ownOrg !== undefined) {
        if (this.orgs.get(ownOrg)?.structure === 'flat') {
          this.add(at, `order ${policy.order} is negative, but organization ${ownOrg} uses the flat structure`);
        }
      }
      const timeError = policy.expiresAt === undefined ? null : timeProblem(policy.expiresAt);
      if (timeError !== null) this.add(at, `expiresAt ${quote(policy.expiresAt)} ${timeError}`);
    });
  }

  agentSettings(list: readonly AgentSetting[] = this.world.agentSettings): void {
    list.forEach((setting, i) => {
      const at = entryLabel('agentSettings', setting.id, i);
      this.textLength(at, 'value', setting.value, TEXT_LIMITS.settingText);
      const problem = settingValueProblem(setting.type, setting.value);
      if (problem !== null) {
        const field = Object.hasOwn(SETTING_DEFINITIONS, setting.type) ? 'value' : 'type';
        this.add(at, `${field} is invalid: ${problem}`);
      }
      this.appliesTo(at, setting.appliesTo);
      this.rangeField(at, 'order', setting.order, SETTING_ORDER_MIN, SETTING_ORDER_MAX);
    });
  }

  private gates(): void {
    (this.world.gates ?? []).forEach((gate, i) => {
      const at = `gates[#${i}]`;
      if (typeof gate.feature !== 'string' || gate.feature === '') this.add(at, 'feature must be a non-empty string');
      else {
        this.textLength(at, 'feature', gate.feature, TEXT_LIMITS.module);
        if (CONTROL_CHARACTER.test(gate.feature))
          this.add(at, `feature ${quote(gate.feature)} holds a control character`);
      }
      this.enumField(at, 'os', gate.os, OS_NAMES);
      this.versionField(at, 'minVersion', gate.minVersion);
    });
  }

  approvalPolicies(list: readonly ApprovalPolicy[] = this.world.approvalPolicies): void {
    list.forEach((policy, i) => {
      const at = entryLabel('approvalPolicies', policy.id, i);
      this.textLength(at, 'category', policy.category, TEXT_LIMITS.category);
      this.textLength(at, 'subcategory', policy.subcategory, TEXT_LIMITS.category);
      this.orgRef(at, 'org', policy.org);
      this.rangeField(at, 'order', policy.order, APPROVAL_ORDER_MIN, APPROVAL_ORDER_MAX);
      this.enumField(at, 'action', policy.action, APPROVAL_ACTIONS);
      if (typeof policy.category !== 'string' || policy.category.trim() === '') {
        this.add(at, 'category is required and must not be empty');
      }
      this.approvalScope(at, policy);
      this.enumField(at, 'countries.mode', policy.countries.mode, COUNTRY_MODES);
      this.countryList(at, 'countries.list', policy.countries.list);
      if (policy.countries.mode === 'allow' && policy.countries.list.length === 0) {
        this.add(at, 'countries.list must name at least one country when mode is allow');
      }
    });
  }

  /** An approval policy covers computers of its own organization only. */
  private approvalScope(at: string, policy: ApprovalPolicy): void {
    const scope = policy.appliesTo;
    const keys = Object.keys(scope ?? {});
    if (keys.length !== 1 || !oneOf(keys[0], APPROVAL_APPLIES_TO_KEYS)) {
      this.add(at, `appliesTo must have exactly one of ${APPROVAL_APPLIES_TO_KEYS.join(', ')}`);
      return;
    }
    if ('organization' in scope) {
      if (scope.organization !== policy.org) {
        this.add(
          at,
          `appliesTo.organization ${quote(scope.organization)} must be the policy's org ${quote(policy.org)}`,
        );
      }
      return;
    }
    // Membership is only judged between known organizations: an unknown one is reported once, elsewhere.
    const judge = this.orgs.has(policy.org);
    const field = 'groups' in scope ? 'groups' : 'computers';
    const ids = 'groups' in scope ? scope.groups : scope.computers;
    if (ids.length === 0) this.add(at, `appliesTo.${field} must name at least one ${field.slice(0, -1)}`);
    for (const id of ids) {
      const org =
        field === 'groups'
          ? this.groupRef(at, 'appliesTo.groups', id)?.org
          : this.computerOrg(at, 'appliesTo.computers', id);
      if (judge && org !== undefined && this.orgs.has(org) && org !== policy.org) {
        this.add(
          at,
          `appliesTo.${field} ${quote(id)} belongs to organization ${org}, not the policy's org ${policy.org}`,
        );
      }
    }
  }

  private approvalSettings(): void {
    this.world.approvalSettings.forEach((settings: ApprovalSettings, i) => {
      const at = entryLabel('approvalSettings', settings.org, i);
      this.textLength(at, 'guidelines.instructions', settings.guidelines?.instructions, TEXT_LIMITS.instructions);
      const org = this.orgRef(at, 'org', settings.org);
      const hasParent = org !== undefined && this.orgs.get(org)?.parent !== undefined;
      for (const part of ['guidelines', 'escalation'] as const) {
        if (org !== undefined && !hasParent && settings[part]?.useParent === true) {
          this.add(at, `${part}.useParent is set, but organization ${org} has no parent`);
        }
      }
      const permitTarget = settings.guidelines?.permitTarget;
      if (permitTarget !== undefined) this.enumField(at, 'guidelines.permitTarget', permitTarget, PERMIT_TARGETS);
      for (const email of settings.escalation?.emails ?? []) {
        if (typeof email !== 'string' || !isEmailAddress(email)) {
          this.add(at, `escalation.emails ${quote(email)} is not a valid email address`);
        }
      }
    });
  }
}

/** Every semantic problem of a world, as `LIST[ID]: FIELD ...`; empty when the world is valid. */
export function validateWorld(world: World): string[] {
  return new WorldValidator(world).run();
}

/** The lists validateChange checks entry by entry; a change to any other list is checked as a whole world. */
const ENTRY_LISTS = ['applications', 'policies', 'agentSettings', 'approvalPolicies'] as const;
type EntryList = (typeof ENTRY_LISTS)[number];

/**
 * The entries of `after` that are not (the very objects) in `before`, the
 * ids of those of `before` gone, and whether an entry of `before` is listed
 * twice. The entries both lists share at their start and end are passed
 * over, so a change in a few places costs those places.
 */
function listChange<T extends { id: string }>(
  before: readonly T[],
  after: readonly T[],
): { added: T[]; goneIds: Set<string>; repeated: boolean } {
  let start = 0;
  const shortest = Math.min(before.length, after.length);
  while (start < shortest && before[start] === after[start]) start++;
  let end = 0;
  while (end < shortest - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  const oldMiddle = before.slice(start, before.length - end);
  const newMiddle = after.slice(start, after.length - end);
  const kept = new Set<T>(oldMiddle);
  const added: T[] = [];
  const present = new Set<T>();
  for (const entry of newMiddle) {
    if (kept.has(entry)) present.add(entry);
    else added.push(entry);
  }
  const goneIds = new Set<string>();
  for (const entry of oldMiddle) if (!present.has(entry)) goneIds.add(entry.id);
  // An entry listed twice in between: a repeated id, for the whole world's check to name. An entry of
  // the shared ends listed again in between is taken as added, and its id is then found taken.
  const repeated = present.size + added.length !== newMiddle.length;
  return { added, goneIds, repeated };
}

/**
 * The problems of `candidate`, exactly as validateWorld gives them, given that
 * `before` is valid (validateWorld finds nothing) and that `lookups` are its
 * organizations, groups, computers, applications and policies by id. When the two
 * worlds share every list (the very arrays) but applications, policies, agent
 * settings and approval policies, and no application is removed, only the
 * entries of those lists that are not in `before` (the very objects) are
 * checked, with the ids they take: work in proportion to the change. Any
 * other change, and any problem found, is answered by validateWorld of the
 * whole candidate.
 */
export function validateChange(before: World, lookups: WorldLookups, candidate: World): string[] {
  const whole = (): string[] => validateWorld(candidate);
  if (
    candidate.organizations !== before.organizations ||
    candidate.groups !== before.groups ||
    candidate.computers !== before.computers ||
    candidate.approvalSettings !== before.approvalSettings ||
    candidate.gates !== before.gates
  ) {
    return whole();
  }
  let apps = lookups.apps;
  const added = new Map<EntryList, { id: string }[]>();
  for (const list of ENTRY_LISTS) {
    const old = before[list] as readonly { id: string }[];
    const now = candidate[list] as readonly { id: string }[];
    if (old === now) continue;
    const change = listChange(old, now);
    if (change.repeated) return whole();
    // An id must be valid and taken once: not by another new entry, nor by an entry kept.
    const held: ReadonlyMap<string, unknown> =
      list === 'applications'
        ? lookups.apps
        : list === 'policies'
          ? lookups.policies
          : new Map(old.map((entry) => [entry.id, entry]));
    const taken = new Set<string>();
    for (const entry of change.added) {
      const id: unknown = entry.id;
      if (!isValidId(id) || taken.has(id)) return whole();
      taken.add(id);
      if (held.has(id) && !change.goneIds.has(id)) return whole();
    }
    if (list === 'applications') {
      for (const id of change.goneIds) if (!taken.has(id)) return whole();
      apps = new Map(apps);
      for (const app of change.added) apps.set(app.id, app as Application);
    }
    added.set(list, change.added);
  }
  const validator = new WorldValidator(candidate, {
    orgs: lookups.orgs,
    groups: lookups.groups,
    computers: lookups.computers,
    apps,
  });
  validator.applications((added.get('applications') ?? []) as Application[]);
  validator.policies((added.get('policies') ?? []) as Policy[]);
  validator.agentSettings((added.get('agentSettings') ?? []) as AgentSetting[]);
  validator.approvalPolicies((added.get('approvalPolicies') ?? []) as ApprovalPolicy[]);
  return validator.problems.length === 0 ? [] : whole();
}
