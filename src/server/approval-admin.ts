/**
 * Approval policies, guidelines, escalation and modules as admins change
 * them (SPEC.md section 5), as pure functions from one world to the next.
 * The server validates the result as a whole (every rule names the entry and
 * field at fault) before it commits it.
 */
import { TollgateError, ValidationError } from '../engine/errors.js';
import { MAX_MODULES } from '../engine/limits.js';
import {
  APPROVALS_MODULE,
  type ApprovalAction,
  type ApprovalAppliesTo,
  type ApprovalPolicy,
  type ApprovalSettings,
  type CountryRestriction,
  type PermitTarget,
  type World,
} from '../engine/model.js';

/** An approval policy as the admin API takes it; everything but `org` and `category` has a default. */
export interface ApprovalPolicyInput {
  id?: string;
  org: string;
  /** Default `approve`, as in the product's policy editor. */
  action?: ApprovalAction;
  category: string;
  subcategory?: string;
  /** Default the whole organization. */
  appliesTo?: ApprovalAppliesTo;
  /** Default `{mode: deny, list: []}`. */
  countries?: CountryRestriction;
  /** Default true. */
  active?: boolean;
  /** Where to put it; default the top (SPEC.md section 5). */
  order?: number;
}

/** Changes to an approval policy; `subcategory: undefined` removes it. Its id and org cannot change. */
export type ApprovalPolicyPatch = Partial<Omit<ApprovalPolicy, 'id' | 'org'>>;

/** A default approval policy of the data file: a policy without its organization, id and order. */
export interface ApprovalPolicyTemplate {
  action: ApprovalAction;
  category: string;
  subcategory?: string;
  countries: CountryRestriction;
  active: boolean;
}

/** Changes to an organization's guidelines and escalation; absent fields keep their value. */
export interface ApprovalSettingsChange {
  guidelines?: { useParent?: boolean; permitTarget?: PermitTarget; instructions?: string };
  escalation?: { useParent?: boolean; emails?: string[] };
}

function sameOrg(policy: ApprovalPolicy, org: string): boolean {
  return policy.org === org;
}

/** Country codes upper-case, each once, in the order given. */
function normalizeCountries(countries: CountryRestriction): CountryRestriction {
  const list = [
    ...new Set(countries.list.map((code) => (typeof code === 'string' ? code.trim().toUpperCase() : code))),
  ];
  return { mode: countries.mode, list };
}

function requireApprovalPolicy(world: World, id: string): ApprovalPolicy {
  const policy = world.approvalPolicies.find((p) => p.id === id);
  if (policy === undefined) throw new TollgateError('not-found', `approval policy "${id}" not found`);
  return policy;
}

function requireOrg(world: World, org: string): void {
  if (!world.organizations.some((o) => o.id === org)) {
    throw new TollgateError('unknown-reference', `organization "${org}" not found`);
  }
}

/**
 * The organization's other policies with room made at `order`: when another
 * policy of the organization holds exactly that number, it and every one
 * after it move down by one (so the moved or added policy lands before it).
 */
function makeRoom(policies: readonly ApprovalPolicy[], org: string, exceptId: string, order: number): ApprovalPolicy[] {
  const taken = policies.some((p) => sameOrg(p, org) && p.id !== exceptId && p.order === order);
  if (!taken) return [...policies];
  return policies.map((p) =>
    sameOrg(p, org) && p.id !== exceptId && p.order >= order ? { ...p, order: p.order + 1 } : p,
  );
}

/**
 * Adds an approval policy. Without `order` it goes to the top: order 1, and
 * every other policy of its organization moves down by one (SPEC.md section
 * 5; should one have been numbered 0, the new policy takes 0 so that it is
 * still first). With `order` it is placed there, and the policies from that
 * number on move down by one when the number is taken.
 */
export function withApprovalPolicyAdded(
  world: World,
  input: ApprovalPolicyInput,
  id: string,
): { world: World; policy: ApprovalPolicy } {
  if (world.approvalPolicies.some((p) => p.id === id)) {
    throw new TollgateError(
      'exists',
      `approvalPolicies[${id}]: id ${JSON.stringify(id)} is already used by an approval policy`,
    );
  }
  const policy: ApprovalPolicy = {
    id,
    org: input.org,
    order: 1,
    active: input.active ?? true,
    action: input.action ?? 'approve',
    category: typeof input.category === 'string' ? input.category.trim() : input.category,
    appliesTo: input.appliesTo ?? { organization: input.org },
    countries: normalizeCountries(input.countries ?? { mode: 'deny', list: [] }),
  };
  const subcategory = input.subcategory?.trim();
  if (subcategory !== undefined && subcategory !== '') policy.subcategory = subcategory;
  let others: ApprovalPolicy[];
  if (input.order === undefined) {
    const zeroTaken = world.approvalPolicies.some((p) => sameOrg(p, input.org) && p.order === 0);
    policy.order = zeroTaken ? 0 : 1;
    others = world.approvalPolicies.map((p) => (sameOrg(p, input.org) ? { ...p, order: p.order + 1 } : p));
  } else {
    policy.order = input.order;
    others = makeRoom(world.approvalPolicies, input.org, id, input.order);
  }
  return { world: { ...world, approvalPolicies: [policy, ...others] }, policy };
}

/**
 * Changes the fields a patch sets. A new `order` places the policy there,
 * making room as `withApprovalPolicyAdded` does; the id and organization
 * cannot change.
 */
export function withApprovalPolicyChanged(
  world: World,
  id: string,
  patch: ApprovalPolicyPatch,
): { world: World; policy: ApprovalPolicy } {
  const existing = requireApprovalPolicy(world, id);
  const raw = patch as Record<string, unknown>;
  const problems: string[] = [];
  if (raw['id'] !== undefined && raw['id'] !== id) problems.push(`approvalPolicies[${id}]: id cannot be changed`);
  if (raw['org'] !== undefined && raw['org'] !== existing.org) {
    problems.push(
      `approvalPolicies[${id}]: org cannot be changed (delete the policy and add it to the other organization)`,
    );
  }
  if (problems.length > 0) throw new ValidationError(problems);
  const updated: ApprovalPolicy = { ...existing };
  if (patch.action !== undefined) updated.action = patch.action;
  if (patch.category !== undefined)
    updated.category = typeof patch.category === 'string' ? patch.category.trim() : patch.category;
  if ('subcategory' in patch) {
    const subcategory = patch.subcategory?.trim();
    if (subcategory === undefined || subcategory === '') delete updated.subcategory;
    else updated.subcategory = subcategory;
  }
  if (patch.appliesTo !== undefined) updated.appliesTo = patch.appliesTo;
  if (patch.countries !== undefined) updated.countries = normalizeCountries(patch.countries);
  if (patch.active !== undefined) updated.active = patch.active;
  let policies: ApprovalPolicy[] = [...world.approvalPolicies];
  if (patch.order !== undefined && patch.order !== existing.order) {
    updated.order = patch.order;
    policies = makeRoom(policies, existing.org, id, patch.order);
  }
  return { world: { ...world, approvalPolicies: policies.map((p) => (p.id === id ? updated : p)) }, policy: updated };
}

/** Deletes an approval policy; the others keep their numbers. */
export function withApprovalPolicyDeleted(world: World, id: string): World {
  const existing = requireApprovalPolicy(world, id);
  return { ...world, approvalPolicies: world.approvalPolicies.filter((p) => p !== existing) };
}

/**
 * Changes an organization's guidelines and escalation settings, keeping the
 * fields the change leaves out. Escalation must end up with `useParent` or
 * at least one address (SPEC.md section 5); addresses are trimmed and kept
 * once each. Their validity, and `useParent` on an organization without a
 * parent, are checked with the whole world.
 */
export function withApprovalSettings(world: World, org: string, change: ApprovalSettingsChange): World {
  requireOrg(world, org);
  const existing = world.approvalSettings.find((s) => s.org === org);
  const next: ApprovalSettings = { org };
  const guidelines = { ...existing?.guidelines, ...change.guidelines };
  if (existing?.guidelines !== undefined || change.guidelines !== undefined) next.guidelines = guidelines;
  if (existing?.escalation !== undefined || change.escalation !== undefined) {
    const escalation = { ...existing?.escalation, ...change.escalation };
    if (escalation.emails !== undefined) {
      escalation.emails = [...new Set(escalation.emails.map((e) => (typeof e === 'string' ? e.trim() : e)))];
    }
    if (change.escalation !== undefined && escalation.useParent !== true && (escalation.emails ?? []).length === 0) {
      throw new ValidationError([
        `approvalSettings[${org}]: escalation.emails must name at least one address (or set escalation.useParent to use the parent's)`,
      ]);
    }
    next.escalation = escalation;
  }
  const approvalSettings =
    existing === undefined
      ? [...world.approvalSettings, next]
      : world.approvalSettings.map((s) => (s === existing ? next : s));
  return { ...world, approvalSettings };
}

/** The id of the Nth (1-based) default approval policy of an organization, not yet used in `taken`. */
function defaultPolicyId(org: string, n: number, taken: ReadonlySet<string>): string {
  let id = `${org}-default-${n}`;
  for (let k = 2; taken.has(id); k++) id = `${org}-default-${n}-${k}`;
  return id;
}

/**
 * Enables or disables a module on an organization. Enabling the approvals
 * module on an organization that has no approval policy creates the default
 * ones from `templates`, numbered 1, 2, ... in the file's order. Disabling
 * keeps the policies (without the module they are not used).
 */
export function withModule(
  world: World,
  org: string,
  module: string,
  enabled: boolean,
  templates: readonly ApprovalPolicyTemplate[],
): { world: World; created: ApprovalPolicy[]; changed: boolean } {
  requireOrg(world, org);
  const organization = world.organizations.find((o) => o.id === org);
  const has = organization?.modules.includes(module) === true;
  if (has === enabled) return { world, created: [], changed: false };
  // Checked here, not only by validation: a world stored past the bound (by an earlier release) must not grow.
  if (enabled && (organization?.modules.length ?? 0) >= MAX_MODULES) {
    throw new ValidationError([
      `organizations[${org}]: modules has ${organization?.modules.length ?? 0} entries; at most ${MAX_MODULES}: remove one first`,
    ]);
  }
  const modules = enabled
    ? [...(organization?.modules ?? []), module]
    : (organization?.modules ?? []).filter((m) => m !== module);
  const organizations = world.organizations.map((o) => (o.id === org ? { ...o, modules } : o));
  const created: ApprovalPolicy[] = [];
  if (enabled && module === APPROVALS_MODULE && !world.approvalPolicies.some((p) => p.org === org)) {
    const taken = new Set(world.approvalPolicies.map((p) => p.id));
    templates.forEach((template, i) => {
      const id = defaultPolicyId(org, i + 1, taken);
      taken.add(id);
      const policy: ApprovalPolicy = {
        id,
        org,
        order: i + 1,
        active: template.active,
        action: template.action,
        category: template.category,
        appliesTo: { organization: org },
        countries: { mode: template.countries.mode, list: [...template.countries.list] },
      };
      if (template.subcategory !== undefined) policy.subcategory = template.subcategory;
      created.push(policy);
    });
  }
  return {
    world: { ...world, organizations, approvalPolicies: [...world.approvalPolicies, ...created] },
    created,
    changed: true,
  };
}
