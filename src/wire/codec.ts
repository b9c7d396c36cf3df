/**
 * Conversions between the engine's domain types and the protobuf messages of
 * proto/tollgate.proto. Every conversion checks what the wire cannot: enum
 * values (unknown or unspecified), required fields, integer ranges. A failure
 * is a TollgateError 'bad-message' whose message starts with the field's path.
 *
 * Round trips are exact: `fromWire(decode(encode(toWire(x))))` deep-equals `x`,
 * with absent optional fields absent and nullable fields null. The `fromWire`
 * functions take decoded messages or plain objects of the same shape, with
 * proto3 defaults for whatever is unset.
 */
import type { ApprovalQuery } from '../engine/approvals.js';
import { TollgateError } from '../engine/errors.js';
import { TEXT_LIMITS, idProblem } from '../engine/limits.js';
import type {
  AppRule,
  Application,
  ApprovalAction,
  ApprovalSuggestion,
  Decision,
  FileRequest,
  Gate,
  OsName,
  PermitTarget,
  PolicyAction,
  SettingValue,
  Structure,
  Suggestion,
} from '../engine/model.js';
import type { ComputerView, ViewApprovalPolicy, ViewPolicy } from '../engine/view.js';
import { SETTING_DEFINITIONS, type SettingDefinition } from '../engine/settings.js';
import type { tollgate } from './generated/tollgate.js';
import { WIRE } from './proto.js';
import { MAX_JSON_DEPTH, jsonDepthOver } from '../engine/json-depth.js';

/** The error for a message that cannot be converted; `at` is the field's path. */
export function badMessage(at: string, problem: string, cause?: unknown): TollgateError {
  return new TollgateError('bad-message', `${at}: ${problem}`, cause === undefined ? undefined : { cause });
}

// ------------------------------------------------------------------ scalars

type Maybe<T> = T | null | undefined;

/** Stores a key on a record as an own property, even `__proto__`. */
export function setEntry<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

function text(value: Maybe<string>): string {
  return value ?? '';
}

function strings(values: Maybe<readonly string[]>): string[] {
  return values === null || values === undefined ? [] : [...values];
}

/** A string field that must be set: proto3 cannot tell an absent string from an empty one. */
export function requireText(value: Maybe<string>, at: string): string {
  if (value === null || value === undefined || value === '') throw badMessage(at, 'is missing');
  return value;
}

/** An id field that must be set and follow the id rule (engine/limits.ts), so that it can be addressed again. */
export function requireId(value: Maybe<string>, at: string): string {
  const text = requireText(value, at);
  const problem = idProblem(text);
  if (problem !== null) throw badMessage(at, problem);
  return text;
}

/** A message field that must be set. */
export function requireMessage<T>(value: Maybe<T>, at: string): T {
  if (value === null || value === undefined) throw badMessage(at, 'is missing');
  return value;
}

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;
const UINT32_MAX = 0xffff_ffff;

/** Checks a number the wire carries as int32 or sint32. */
export function checkInt32(value: number, at: string): number {
  if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
    throw badMessage(at, `${value} is not a 32-bit integer`);
  }
  return value;
}

/** Checks a number the wire carries as uint32. */
export function checkUint32(value: number, at: string): number {
  if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX) {
    throw badMessage(at, `${value} is not an unsigned 32-bit integer`);
  }
  return value;
}

/** A nullable domain value as an optional wire field: null stays off the wire. */
function optional<T>(value: T | null): T | undefined {
  return value ?? undefined;
}

/** Copies the optional wire fields that are set onto `target` under the same names. */
function copySet<T extends object, K extends keyof T & string>(
  target: T,
  source: { readonly [P in K]?: T[P] | null },
  keys: readonly K[],
): void {
  for (const key of keys) {
    const value = source[key];
    if (value !== null && value !== undefined) target[key] = value;
  }
}

/** A ringfence as the JSON text the wire carries; undefined stays off the wire. */
export function ringfenceToWire(ringfence: Record<string, unknown> | undefined, at: string): string | undefined {
  if (ringfence === undefined) return undefined;
  try {
    return JSON.stringify(ringfence);
  } catch (error) {
    throw badMessage(at, `cannot be written as JSON: ${(error as Error).message}`, error);
  }
}

/** A policy's ringfence from its JSON text (`at` names the field): a JSON object nested at most MAX_JSON_DEPTH deep. */
export function ringfenceFromWire(json: Maybe<string>, at: string): Record<string, unknown> | undefined {
  if (json === null || json === undefined) return undefined;
  // Bounded before it is parsed: what is parsed is written again, walked and frozen, each level a stack frame.
  if (jsonDepthOver(json, MAX_JSON_DEPTH) !== null) {
    throw badMessage(at, `nests objects or lists deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw badMessage(at, 'is not valid JSON', error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badMessage(at, 'is not a JSON object');
  return value as Record<string, unknown>;
}

function listToWire(values: readonly string[] | undefined): tollgate.v1.StringList.$Properties | undefined {
  return values === undefined ? undefined : { values: [...values] };
}

/** Sets `target[key]` when the wire carried the list, even an empty one. */
function copyList<K extends string>(
  target: { [P in K]?: string[] },
  key: K,
  list: Maybe<tollgate.v1.StringList.$Properties>,
): void {
  if (list !== null && list !== undefined) target[key] = strings(list.values);
}

// -------------------------------------------------------------------- enums

/** A domain string enum and its wire numbers; 0 (unspecified) and unknown numbers are refused. */
class EnumCodec<D extends string> {
  private readonly byName: ReadonlyMap<string, number>;
  private readonly byNumber: ReadonlyMap<number, D>;

  constructor(
    private readonly what: string,
    pairs: Readonly<Record<D, number>>,
  ) {
    const entries = Object.entries(pairs) as [D, number][];
    this.byName = new Map(entries);
    this.byNumber = new Map(entries.map(([name, n]) => [n, name]));
  }

  /** The wire number of a domain value. */
  toWire(value: D, at: string): number {
    const n = this.byName.get(value);
    if (n === undefined) throw badMessage(at, `unknown ${this.what} ${JSON.stringify(value)}`);
    return n;
  }

  /** The domain value of a wire number; an unset field is 0, unspecified. */
  fromWire(value: Maybe<number>, at: string): D {
    const n = value ?? 0;
    const name = this.byNumber.get(n);
    if (name === undefined) throw badMessage(at, n === 0 ? `${this.what} is unspecified` : `unknown ${this.what} ${n}`);
    return name;
  }
}

/** Operating system names ↔ wire numbers. */
export const osCodec = new EnumCodec<OsName>('os', {
  windows: WIRE.Os.OS_WINDOWS,
  macos: WIRE.Os.OS_MACOS,
  linux: WIRE.Os.OS_LINUX,
});

/** Structure names ↔ wire numbers. */
export const structureCodec = new EnumCodec<Structure>('structure', {
  hierarchical: WIRE.Structure.STRUCTURE_HIERARCHICAL,
  flat: WIRE.Structure.STRUCTURE_FLAT,
});

export const policyActionCodec = new EnumCodec<PolicyAction>('policy action', {
  permit: WIRE.PolicyAction.POLICY_ACTION_PERMIT,
  deny: WIRE.PolicyAction.POLICY_ACTION_DENY,
  denyWithRequest: WIRE.PolicyAction.POLICY_ACTION_DENY_WITH_REQUEST,
  ringfence: WIRE.PolicyAction.POLICY_ACTION_RINGFENCE,
});

// An approval policy never suggests `none`; a suggestion may.
export const approvalActionCodec = new EnumCodec<ApprovalAction>('approval action', {
  approve: WIRE.ApprovalAction.APPROVAL_ACTION_APPROVE,
  escalate: WIRE.ApprovalAction.APPROVAL_ACTION_ESCALATE,
  reject: WIRE.ApprovalAction.APPROVAL_ACTION_REJECT,
});

const suggestionCodec = new EnumCodec<Suggestion>('suggestion', {
  approve: WIRE.ApprovalAction.APPROVAL_ACTION_APPROVE,
  escalate: WIRE.ApprovalAction.APPROVAL_ACTION_ESCALATE,
  reject: WIRE.ApprovalAction.APPROVAL_ACTION_REJECT,
  none: WIRE.ApprovalAction.APPROVAL_ACTION_NONE,
});

export const countryModeCodec = new EnumCodec<'deny' | 'allow'>('country mode', {
  deny: WIRE.CountryMode.COUNTRY_MODE_DENY,
  allow: WIRE.CountryMode.COUNTRY_MODE_ALLOW,
});

export const permitTargetCodec = new EnumCodec<PermitTarget>('permit target', {
  computer: WIRE.PermitTarget.PERMIT_TARGET_COMPUTER,
  group: WIRE.PermitTarget.PERMIT_TARGET_GROUP,
});

// ----------------------------------------------------------------- settings

/** Setting values and, for each, the setting entry it came from (null for a default). */
export interface SettingsRecord {
  values: Record<string, SettingValue>;
  sources: Record<string, string | null>;
}

function settingValueToWire(value: SettingValue, at: string): tollgate.v1.SettingValue.$Properties {
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'string') return { stringValue: value };
  throw badMessage(at, `a ${typeof value} is not a setting value`);
}

function settingValueFromWire(value: Maybe<tollgate.v1.SettingValue.$Properties>, at: string): SettingValue {
  const v = requireMessage(value, at);
  if (v.boolValue !== null && v.boolValue !== undefined) return v.boolValue;
  if (v.numberValue !== null && v.numberValue !== undefined) return v.numberValue;
  if (v.stringValue !== null && v.stringValue !== undefined) return v.stringValue;
  throw badMessage(at, 'is missing');
}

/**
 * Setting values as repeated Setting. With `sources`, each value carries its
 * source (null travels as absent) and both records must have the same names.
 */
export function settingsToWire(
  values: Readonly<Record<string, SettingValue>>,
  sources?: Readonly<Record<string, string | null>>,
  at = 'settings',
): tollgate.v1.Setting.$Properties[] {
  const out: tollgate.v1.Setting.$Properties[] = [];
  for (const [name, value] of Object.entries(values)) {
    const entry: tollgate.v1.Setting.$Properties = { name, value: settingValueToWire(value, `${at}.${name}`) };
    if (sources !== undefined) {
      if (!Object.hasOwn(sources, name)) throw badMessage(`${at}.${name}`, 'has no source entry');
      const source = sources[name];
      if (source !== null && source !== undefined) entry.source = source;
    }
    out.push(entry);
  }
  for (const name of Object.keys(sources ?? {})) {
    if (!Object.hasOwn(values, name)) throw badMessage(`${at}.${name}`, 'has a source but no value');
  }
  return out;
}

/** Repeated Setting as values and sources (an absent source is null); names must be set and unique. */
export function settingsFromWire(
  settings: Maybe<readonly tollgate.v1.Setting.$Properties[]>,
  at = 'settings',
): SettingsRecord {
  const values: Record<string, SettingValue> = {};
  const sources: Record<string, string | null> = {};
  (settings ?? []).forEach((setting, i) => {
    const name = requireText(setting.name, `${at}[${i}].name`);
    if (Object.hasOwn(values, name)) throw badMessage(`${at}[${i}].name`, `setting ${name} appears twice`);
    setEntry(values, name, settingValueFromWire(setting.value, `${at}[${i}].value`));
    setEntry(sources, name, setting.source ?? null);
  });
  return { values, sources };
}

/** The most settings a view or a settings message may carry (a valid world gives only those this release knows). */
export const MAX_VIEW_SETTINGS = 64;

/**
 * Checks the settings of a view or a settings message. Refuses
 * (bad-message naming it) a setting this agent knows that carries a
 * value of another type: the engine would read it as the default while
 * status showed the value. Settings it does not know are kept as sent (a
 * newer server's), and the engine does not read them, but within the
 * bounds a world holds them to: at most MAX_VIEW_SETTINGS, each named by
 * an id, a text value of at most TEXT_LIMITS.settingText characters, and a
 * source that is an id (the agent setting that set it), so that a broken
 * or hostile server cannot make the cache and every status answer carry
 * megabytes.
 */
export function checkViewSettings(
  values: Readonly<Record<string, SettingValue>>,
  at: string,
  sources: Readonly<Record<string, string | null>>,
): void {
  const names = Object.keys(values);
  if (names.length > MAX_VIEW_SETTINGS) {
    throw badMessage(at, `holds ${names.length} settings; at most ${MAX_VIEW_SETTINGS} are taken`);
  }
  names.forEach((name, i) => {
    const nameProblem = idProblem(name);
    if (nameProblem !== null) throw badMessage(`${at}[${i}].name`, nameProblem);
    const value = values[name] as SettingValue;
    if (typeof value === 'string' && value.length > TEXT_LIMITS.settingText) {
      throw badMessage(
        `${at}.${name}`,
        `is ${value.length} characters long; a setting's text holds at most ${TEXT_LIMITS.settingText}`,
      );
    }
    const source = sources[name];
    if (source !== null && source !== undefined) {
      const sourceProblem = idProblem(source);
      if (sourceProblem !== null) throw badMessage(`${at}.${name}.source`, sourceProblem);
    }
    if (!Object.hasOwn(SETTING_DEFINITIONS, name)) return;
    const type = (SETTING_DEFINITIONS[name] as SettingDefinition).type;
    if (typeof value !== type) throw badMessage(`${at}.${name}`, `takes a ${type}, not ${JSON.stringify(value)}`);
  });
}

// --------------------------------------------------------------------- view

const RULE_KEYS = ['path', 'processPath', 'createdBy', 'sha256', 'certSubject', 'certThumbprint'] as const;

function ruleFromWire(rule: tollgate.v1.AppRule.$Properties): AppRule {
  const out: AppRule = {};
  copySet(out, rule, RULE_KEYS);
  return out;
}

export function applicationToWire(app: Application): tollgate.v1.Application.$Properties {
  return {
    id: app.id,
    name: app.name,
    builtIn: app.builtIn,
    org: app.org,
    category: app.category,
    subcategory: app.subcategory,
    primaryCompanyInfluence: listToWire(app.primaryCompanyInfluence),
    developmentInfluence: listToWire(app.developmentInfluence),
    rules: app.rules.map((rule) => ({ ...rule })),
  };
}

export function applicationFromWire(app: tollgate.v1.Application.$Properties, at: string): Application {
  const out: Application = {
    id: requireId(app.id, `${at}.id`),
    name: text(app.name),
    builtIn: app.builtIn ?? false,
    rules: (app.rules ?? []).map(ruleFromWire),
  };
  copySet(out, app, ['org', 'category', 'subcategory']);
  copyList(out, 'primaryCompanyInfluence', app.primaryCompanyInfluence);
  copyList(out, 'developmentInfluence', app.developmentInfluence);
  return out;
}

export function policyToWire(policy: ViewPolicy, at: string): tollgate.v1.Policy.$Properties {
  return {
    id: policy.id,
    name: optional(policy.name),
    app: optional(policy.app),
    builtIn: policy.builtIn,
    action: policyActionCodec.toWire(policy.action, `${at}.action`),
    order: checkInt32(policy.order, `${at}.order`),
    levelRank: checkUint32(policy.levelRank, `${at}.levelRank`),
    orgDepth: checkUint32(policy.orgDepth, `${at}.orgDepth`),
    org: policy.org,
    expiresAtMs: optional(policy.expiresAtMs),
    isDefault: policy.isDefault,
    ringfenceJson: ringfenceToWire(policy.ringfence, `${at}.ringfence`),
  };
}

/** Throws 'bad-message' for a policy expiry of NaN, which would compare as never expired. */
export function checkExpiry(expiresAtMs: number | null, at: string): void {
  if (expiresAtMs !== null && Number.isNaN(expiresAtMs)) throw badMessage(`${at}.expiresAtMs`, 'is NaN, not a time');
}

/** Throws 'bad-message' for a signing time that is not a finite number (`what`: the payload, as errors name it). */
export function checkIssuedAt(issuedAtMs: number, what: string): void {
  // A whole number of ms, as tollgate's clocks give and its cache stores them (an INTEGER column).
  if (!Number.isFinite(issuedAtMs)) throw badMessage(`${what}.issuedAtMs`, `is ${issuedAtMs}, not a time`);
  if (!Number.isSafeInteger(issuedAtMs)) {
    throw badMessage(`${what}.issuedAtMs`, `is ${issuedAtMs}, not a whole number of ms (a safe integer)`);
  }
}

export function policyFromWire(policy: tollgate.v1.Policy.$Properties, at: string): ViewPolicy {
  const out: ViewPolicy = {
    id: requireId(policy.id, `${at}.id`),
    name: policy.name ?? null,
    app: policy.app === null || policy.app === undefined ? null : requireId(policy.app, `${at}.app`),
    builtIn: policy.builtIn ?? false,
    action: policyActionCodec.fromWire(policy.action, `${at}.action`),
    order: policy.order ?? 0,
    levelRank: policy.levelRank ?? 0,
    orgDepth: policy.orgDepth ?? 0,
    org: requireId(policy.org, `${at}.org`),
    expiresAtMs: policy.expiresAtMs ?? null,
    isDefault: policy.isDefault ?? false,
  };
  checkExpiry(out.expiresAtMs, at);
  const ringfence = ringfenceFromWire(policy.ringfenceJson, `${at}.ringfenceJson`);
  if (ringfence !== undefined) out.ringfence = ringfence;
  return out;
}

function gateToWire(gate: Gate, at: string): tollgate.v1.Gate.$Properties {
  return { feature: gate.feature, os: osCodec.toWire(gate.os, `${at}.os`), minVersion: gate.minVersion };
}

export function gateFromWire(gate: tollgate.v1.Gate.$Properties, at: string): Gate {
  return {
    feature: requireText(gate.feature, `${at}.feature`),
    os: osCodec.fromWire(gate.os, `${at}.os`),
    minVersion: requireText(gate.minVersion, `${at}.minVersion`),
  };
}

function approvalPolicyToWire(policy: ViewApprovalPolicy, at: string): tollgate.v1.ApprovalPolicy.$Properties {
  return {
    id: policy.id,
    order: checkUint32(policy.order, `${at}.order`),
    scopeRank: checkUint32(policy.scopeRank, `${at}.scopeRank`),
    action: approvalActionCodec.toWire(policy.action, `${at}.action`),
    category: policy.category,
    subcategory: policy.subcategory,
    countriesMode: countryModeCodec.toWire(policy.countries.mode, `${at}.countries.mode`),
    countries: [...policy.countries.list],
  };
}

export function approvalPolicyFromWire(policy: tollgate.v1.ApprovalPolicy.$Properties, at: string): ViewApprovalPolicy {
  const out: ViewApprovalPolicy = {
    id: requireId(policy.id, `${at}.id`),
    order: policy.order ?? 0,
    scopeRank: policy.scopeRank ?? 0,
    action: approvalActionCodec.fromWire(policy.action, `${at}.action`),
    category: requireText(policy.category, `${at}.category`),
    countries: {
      mode: countryModeCodec.fromWire(policy.countriesMode, `${at}.countriesMode`),
      list: strings(policy.countries),
    },
  };
  copySet(out, policy, ['subcategory']);
  return out;
}

/** A computer's view as a wire ComputerView; its settings carry their sources. */
export function viewToWire(view: ComputerView, at = 'view'): tollgate.v1.ComputerView.$Properties {
  const c = view.computer;
  return {
    computer: {
      id: c.id,
      name: optional(c.name),
      group: c.group,
      groupName: c.groupName,
      org: c.org,
      os: osCodec.toWire(c.os, `${at}.computer.os`),
      agentVersion: c.agentVersion,
    },
    orgStructure: structureCodec.toWire(view.orgStructure, `${at}.orgStructure`),
    modules: [...view.modules],
    policies: view.policies.map((p, i) => policyToWire(p, `${at}.policies[${i}]`)),
    applications: view.applications.map(applicationToWire),
    settings: settingsToWire(view.settings, view.settingSources, `${at}.settings`),
    gates: view.gates.map((g, i) => gateToWire(g, `${at}.gates[${i}]`)),
    approvalPolicies: view.approvalPolicies.map((p, i) => approvalPolicyToWire(p, `${at}.approvalPolicies[${i}]`)),
    permitTarget: permitTargetCodec.toWire(view.permitTarget, `${at}.permitTarget`),
    instructions: view.instructions,
    escalationEmails: [...view.escalationEmails],
    approvalWarnings: [...view.approvalWarnings],
  };
}

/** A wire ComputerInfo (which must be set) as the view's computer. */
export function computerFromWire(
  computer: Maybe<tollgate.v1.ComputerInfo.$Properties>,
  at = 'view.computer',
): ComputerView['computer'] {
  const c = requireMessage(computer, at);
  return {
    id: requireId(c.id, `${at}.id`),
    name: c.name ?? null,
    group: requireId(c.group, `${at}.group`),
    groupName: text(c.groupName),
    org: requireId(c.org, `${at}.org`),
    os: osCodec.fromWire(c.os, `${at}.os`),
    agentVersion: requireText(c.agentVersion, `${at}.agentVersion`),
  };
}

/** A wire ComputerView as the engine's view. */
export function viewFromWire(view: tollgate.v1.ComputerView.$Properties, at = 'view'): ComputerView {
  const computer = requireMessage(view.computer, `${at}.computer`);
  const settings = settingsFromWire(view.settings, `${at}.settings`);
  checkViewSettings(settings.values, `${at}.settings`, settings.sources);
  return {
    computer: computerFromWire(computer, `${at}.computer`),
    orgStructure: structureCodec.fromWire(view.orgStructure, `${at}.orgStructure`),
    modules: strings(view.modules),
    policies: (view.policies ?? []).map((p, i) => policyFromWire(p, `${at}.policies[${i}]`)),
    applications: (view.applications ?? []).map((a, i) => applicationFromWire(a, `${at}.applications[${i}]`)),
    settings: settings.values,
    settingSources: settings.sources,
    gates: (view.gates ?? []).map((g, i) => gateFromWire(g, `${at}.gates[${i}]`)),
    approvalPolicies: (view.approvalPolicies ?? []).map((p, i) =>
      approvalPolicyFromWire(p, `${at}.approvalPolicies[${i}]`),
    ),
    permitTarget: permitTargetCodec.fromWire(view.permitTarget, `${at}.permitTarget`),
    instructions: text(view.instructions),
    escalationEmails: strings(view.escalationEmails),
    approvalWarnings: strings(view.approvalWarnings),
  };
}

// ------------------------------------------------------ decisions and files

/** A decision as a wire Decision; null fields stay off the wire. */
export function decisionToWire(decision: Decision, at = 'decision'): tollgate.v1.Decision.$Properties {
  return {
    action: policyActionCodec.toWire(decision.action, `${at}.action`),
    policy: optional(decision.policy),
    policyName: optional(decision.policyName),
    order: decision.order === null ? undefined : checkInt32(decision.order, `${at}.order`),
    application: optional(decision.application),
    structure: structureCodec.toWire(decision.structure, `${at}.structure`),
    builtInsFirst: decision.builtInsFirst,
    gated: [...decision.gated],
    snapshotVersion:
      decision.snapshotVersion === null ? undefined : checkUint32(decision.snapshotVersion, `${at}.snapshotVersion`),
    reason: decision.reason,
    ringfenceJson: ringfenceToWire(decision.ringfence, `${at}.ringfence`),
  };
}

/** A wire Decision as a decision; absent fields become null. */
export function decisionFromWire(decision: tollgate.v1.Decision.$Properties, at = 'decision'): Decision {
  const out: Decision = {
    action: policyActionCodec.fromWire(decision.action, `${at}.action`),
    policy: decision.policy ?? null,
    policyName: decision.policyName ?? null,
    order: decision.order ?? null,
    application: decision.application ?? null,
    structure: structureCodec.fromWire(decision.structure, `${at}.structure`),
    builtInsFirst: decision.builtInsFirst ?? false,
    gated: strings(decision.gated),
    snapshotVersion: decision.snapshotVersion ?? null,
    reason: text(decision.reason),
  };
  const ringfence = ringfenceFromWire(decision.ringfenceJson, `${at}.ringfenceJson`);
  if (ringfence !== undefined) out.ringfence = ringfence;
  return out;
}

/** An approval suggestion as a wire Suggestion (without a request id). */
export function suggestionToWire(
  suggestion: ApprovalSuggestion,
  at = 'suggestion',
): tollgate.v1.Suggestion.$Properties {
  return {
    suggestion: suggestionCodec.toWire(suggestion.suggestion, `${at}.suggestion`),
    policy: optional(suggestion.policy),
    reason: suggestion.reason,
    permitTarget: permitTargetCodec.toWire(suggestion.permitTarget, `${at}.permitTarget`),
    instructions: suggestion.instructions,
    escalationEmails: [...suggestion.escalationEmails],
    warnings: [...suggestion.warnings],
  };
}

/** A wire Suggestion as an approval suggestion (its request id is left to the caller). */
export function suggestionFromWire(
  suggestion: tollgate.v1.Suggestion.$Properties,
  at = 'suggestion',
): ApprovalSuggestion {
  return {
    suggestion: suggestionCodec.fromWire(suggestion.suggestion, `${at}.suggestion`),
    policy: suggestion.policy ?? null,
    reason: text(suggestion.reason),
    permitTarget: permitTargetCodec.fromWire(suggestion.permitTarget, `${at}.permitTarget`),
    instructions: text(suggestion.instructions),
    escalationEmails: strings(suggestion.escalationEmails),
    warnings: strings(suggestion.warnings),
  };
}

/** A file request as a wire FileInfo. */
export function fileToWire(file: FileRequest): tollgate.v1.FileInfo.$Properties {
  return { ...file };
}

/** A wire FileInfo as a file request; the path is required. */
export function fileFromWire(file: tollgate.v1.FileInfo.$Properties, at = 'file'): FileRequest {
  const out: FileRequest = { path: requireText(file.path, `${at}.path`) };
  copySet(out, file, ['sha256', 'certSubject', 'certThumbprint', 'processPath', 'createdBy']);
  return out;
}

/** An approval query as a wire ApprovalQuery; an empty influence list stays distinct from an absent one. */
export function approvalQueryToWire(query: ApprovalQuery): tollgate.v1.ApprovalQuery.$Properties {
  return {
    app: query.app,
    category: query.category,
    subcategory: query.subcategory,
    primaryCompanyInfluence: listToWire(query.primaryCompanyInfluence),
    developmentInfluence: listToWire(query.developmentInfluence),
  };
}

/** A wire ApprovalQuery as an approval query. */
export function approvalQueryFromWire(query: tollgate.v1.ApprovalQuery.$Properties): ApprovalQuery {
  const out: ApprovalQuery = {};
  copySet(out, query, ['app', 'category', 'subcategory']);
  copyList(out, 'primaryCompanyInfluence', query.primaryCompanyInfluence);
  copyList(out, 'developmentInfluence', query.developmentInfluence);
  return out;
}
