import { isCountryCode } from './countries.js';
import { TollgateError } from './errors.js';
import { APPROVALS_MODULE, type ApprovalRequest, type ApprovalSuggestion } from './model.js';
import type { ComputerView, ViewApprovalPolicy } from './view.js';
import { foldCase } from './fold-case.js';

/** An approval request as a client sends it: the application's attributes, or its id. */
export interface ApprovalQuery {
  app?: string;
  category?: string;
  subcategory?: string;
  primaryCompanyInfluence?: string[];
  developmentInfluence?: string[];
}

/** Fills a request's attributes from the named application; given attributes win over the application's. */
export function resolveApprovalQuery(view: ComputerView, query: ApprovalQuery): ApprovalRequest {
  const app = query.app === undefined ? undefined : view.applications.find((a) => a.id === query.app);
  if (query.app !== undefined && app === undefined) {
    throw new TollgateError(
      'unknown-reference',
      `approval.app: application "${query.app}" is not known to computer ${view.computer.id}`,
    );
  }
  // An application named by id without a category of its own meets no approval policy (each has one): the
  // request is escalated ("no matching approval policy", SPEC.md section 5), or `none` without the module.
  const direct = query.category !== undefined && query.category.trim() !== '' ? query.category : undefined;
  const category = direct ?? (app === undefined ? undefined : (app.category ?? ''));
  if (category === undefined) {
    throw new TollgateError('missing-field', 'approval.category is required (or approval.app naming an application)');
  }
  checkCountries('approval.primaryCompanyInfluence', query.primaryCompanyInfluence);
  checkCountries('approval.developmentInfluence', query.developmentInfluence);
  const request: ApprovalRequest = {
    category,
    primaryCompanyInfluence: query.primaryCompanyInfluence ?? app?.primaryCompanyInfluence ?? [],
    developmentInfluence: query.developmentInfluence ?? app?.developmentInfluence ?? [],
  };
  const subcategory = query.subcategory ?? app?.subcategory;
  if (subcategory !== undefined) request.subcategory = subcategory;
  return request;
}

/**
 * The query a policy server evaluates an agent's request with. A request
 * naming an application the computer's view holds is evaluated with that
 * application's own attributes, whatever else it gives: the server's world
 * is the authority, and a requester who gives another category or other
 * countries for a known application cannot make it look like something else
 * (given attributes win in a scenario's fixtures, SPEC.md section 7, where
 * the tester writes them). `overridden` tells whether what the request gave
 * besides would have changed the evaluation (for a warning; the query
 * evaluated is the application's either way). A query naming no such
 * application is returned as it is.
 */
export function authoritativeQuery(
  view: ComputerView,
  query: ApprovalQuery,
): { query: ApprovalQuery; overridden: boolean } {
  if (query.app === undefined || !view.applications.some((a) => a.id === query.app)) {
    return { query, overridden: false };
  }
  const own: ApprovalQuery = { app: query.app };
  let overridden: boolean;
  try {
    overridden = !sameRequest(resolveApprovalQuery(view, query), resolveApprovalQuery(view, own));
  } catch {
    overridden = true;
  }
  return { query: own, overridden };
}

/**
 * Whether two requests meet the same approval policies, compared as
 * evaluateApproval compares them: categories in any case (not trimmed),
 * countries in any case, order or list.
 */
function sameRequest(a: ApprovalRequest, b: ApprovalRequest): boolean {
  const text = (value: string | undefined): string | undefined => (value === undefined ? undefined : foldCase(value));
  const countries = (r: ApprovalRequest): string => [...requestCountries(r)].sort().join(',');
  return (
    text(a.category) === text(b.category) &&
    text(a.subcategory) === text(b.subcategory) &&
    countries(a) === countries(b)
  );
}

/**
 * Throws TollgateError 'invalid-field' naming the first entry of an
 * influence list that is not an ISO 3166-1 alpha-2 code (in any case): a
 * code written otherwise (" CN", "C N") would meet no approval policy's
 * list, and so pass a deny list.
 */
export function checkCountries(field: string, list: readonly string[] | undefined): void {
  if (list === undefined) return;
  for (const [i, code] of list.entries()) {
    if (!isCountryCode(code)) {
      throw new TollgateError(
        'invalid-field',
        `${field}[${i}]: ${JSON.stringify(code.slice(0, 80))} is not an ISO 3166-1 alpha-2 country code`,
      );
    }
  }
}

/** A request's countries: the union of both influence lists, upper-case (SPEC.md section 5). */
function requestCountries(request: ApprovalRequest): Set<string> {
  return new Set([...request.primaryCompanyInfluence, ...request.developmentInfluence].map((c) => c.toUpperCase()));
}

function sameText(a: string, b: string): boolean {
  return foldCase(a) === foldCase(b);
}

/** Approval policy order: `order`, then computer before group before organization, then id. */
export function compareApprovalPolicies(a: ViewApprovalPolicy, b: ViewApprovalPolicy): number {
  return a.order - b.order || a.scopeRank - b.scopeRank || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The suggestion for an approval request (SPEC.md section 5). */
export function evaluateApproval(view: ComputerView, request: ApprovalRequest): ApprovalSuggestion {
  const base = {
    permitTarget: view.permitTarget,
    instructions: view.instructions,
    escalationEmails: [...view.escalationEmails],
    warnings: [...view.approvalWarnings],
  };
  if (!view.modules.includes(APPROVALS_MODULE)) {
    return {
      suggestion: 'none',
      policy: null,
      reason: `organization ${view.computer.org} does not have the ${APPROVALS_MODULE} module: the request goes to its own administrators`,
      ...base,
    };
  }
  const countries = requestCountries(request);
  const candidates = view.approvalPolicies
    .filter(
      (p) =>
        sameText(p.category, request.category) &&
        (p.subcategory === undefined ||
          (request.subcategory !== undefined && sameText(p.subcategory, request.subcategory))),
    )
    .sort(compareApprovalPolicies);
  for (const policy of candidates) {
    const hit = policy.countries.list.map((c) => c.toUpperCase()).filter((c) => countries.has(c));
    if (policy.countries.mode === 'allow') {
      if (hit.length === 0) continue;
      return {
        suggestion: policy.action,
        policy: policy.id,
        reason: `approval policy ${policy.id} allows ${hit.join(', ')}: ${policy.action}`,
        ...base,
      };
    }
    if (hit.length > 0) {
      return {
        suggestion: 'reject',
        policy: policy.id,
        reason: `approval policy ${policy.id} denies applications influenced by ${hit.join(', ')}`,
        ...base,
      };
    }
    return {
      suggestion: policy.action,
      policy: policy.id,
      reason: `approval policy ${policy.id} matches category ${policy.category}: ${policy.action}`,
      ...base,
    };
  }
  return { suggestion: 'escalate', policy: null, reason: 'no matching approval policy', ...base };
}
