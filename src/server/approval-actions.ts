/**
 * What acting on an approval request does to the world: approving creates a
 * permit policy for the file's application at the permit target (creating
 * the application from the file when the request names none); escalating
 * composes the notice for the escalation addresses.
 */
import { isCountryCode } from '../engine/countries.js';
import { linesOf, oneLine } from '../engine/display-text.js';
import { TollgateError, ValidationError } from '../engine/errors.js';
import { CompiledView } from '../engine/evaluate.js';
import type {
  AppRule,
  AppliesTo,
  Application,
  FileRequest,
  OsName,
  PermitTarget,
  Policy,
  World,
} from '../engine/model.js';
import { validateWorld } from '../engine/validate.js';
import { asAgentSees, buildView, type ComputerView, isVisibleApplication } from '../engine/view.js';
import { POLICY_ORDER_MIN } from '../engine/limits.js';
import { WorldIndex } from '../engine/world.js';
import type { Notice } from './notifier.js';
import type { ApprovalRequestRecord, RequestPermit } from './types.js';

/** The id of the permit policy an approval creates: one per request, so approving twice adds nothing. */
export function permitPolicyId(requestId: string): string {
  return `permit-${requestId}`;
}

/** The id of the application an approval creates from the file when the request names none. */
export function requestApplicationId(requestId: string): string {
  return `app-${requestId}`;
}

const SHA256 = /^[0-9a-f]{64}$/i;
const REGEX_SPECIALS = /[.*+?^${}()|[\]\\/]/g;

/** The file name of a path with either separator. */
export function fileName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

/** How much of a file name or user an approval's generated names quote: they stay within TEXT_LIMITS.name. */
const QUOTED_IN_NAMES = 256;

/** `text`, or its first characters and `…` when it is longer than `max` (never half a surrogate pair). */
export function cutText(text: string, max: number = QUOTED_IN_NAMES): string {
  if (text.length <= max) return text;
  let cut = max - 1;
  if (/[\ud800-\udbff]/.test(text.charAt(cut - 1))) cut--;
  return `${text.slice(0, cut)}…`;
}

/**
 * The rule that recognises exactly this file: its SHA-256 when the request
 * has one, else its exact path (as an anchored `regex:` when the path holds
 * characters a glob would read as wildcards).
 */
export function exactFileRule(file: FileRequest): AppRule {
  if (file.sha256 !== undefined && SHA256.test(file.sha256)) return { sha256: file.sha256.toLowerCase() };
  if (/[*?]/.test(file.path) || file.path.startsWith('regex:')) {
    return { path: `regex:${file.path.replace(REGEX_SPECIALS, '\\$&')}` };
  }
  return { path: file.path };
}

/** What approving a request changes: the new world, the permit and what to tell the admin. */
/** What a computer's agent last reported of itself (ComputerState's reportedAgentVersion and reportedOs). */
export interface ReportedAgent {
  agentVersion: string | null;
  os: OsName | null;
}

export interface ApprovalPlan {
  world: World;
  permit: RequestPermit;
  /** The computers the permit covers. */
  computers: string[];
  /** Computers where the file would still not be permitted, and why. */
  warnings: string[];
}

function applicationFromFile(request: ApprovalRequestRecord, org: string): Application {
  const app: Application = {
    id: requestApplicationId(request.id),
    name: `${cutText(fileName(request.file.path))} (approved request ${request.id})`,
    builtIn: false,
    org,
    rules: [exactFileRule(request.file)],
  };
  const q = request.query;
  if (q.category !== undefined && q.category.trim() !== '') app.category = q.category.trim();
  if (q.subcategory !== undefined && q.subcategory.trim() !== '') app.subcategory = q.subcategory.trim();
  const countries = (list: string[] | undefined): string[] | undefined =>
    list === undefined ? undefined : [...new Set(list.map((c) => c.toUpperCase()).filter(isCountryCode))];
  const primary = countries(q.primaryCompanyInfluence);
  const development = countries(q.developmentInfluence);
  if (primary !== undefined) app.primaryCompanyInfluence = primary;
  if (development !== undefined) app.developmentInfluence = development;
  return app;
}

/**
 * Plans the approval of a request. The permit goes to the permit target
 * (`target`, else the one the request's suggestion carries): the request's
 * computer, or every computer of its group. Its order number is one below
 * the policy that decides the file now on those computers (never negative in
 * a flat organization), so it decides for this file and changes nothing
 * else; every target computer where the file would still not be permitted
 * (a policy earlier in the processing order matches it) is reported.
 * Approving again finds the permit already there and adds nothing.
 */
export function planApproval(
  world: World,
  request: ApprovalRequestRecord,
  options: { target?: PermitTarget; nowMs: number; reported?: (computerId: string) => ReportedAgent | undefined },
): ApprovalPlan {
  const index = new WorldIndex(world);
  // Each computer's view as its agent evaluates it: with the agent version and os it reported, which may not
  // be the ones the world gives (an agent configured with its own, or not yet upgraded).
  const viewOf = (of: WorldIndex, computerId: string): ComputerView => {
    const view = buildView(of, computerId);
    const reported = options.reported?.(computerId);
    if (reported === undefined) return view;
    // '0' is what an agent without a snapshot or a configured version says: no version of its own.
    const said = reported.agentVersion;
    const agentVersion = said === null || said === '' || said === '0' ? undefined : said;
    return asAgentSees(view, { agentVersion, os: reported.os ?? undefined });
  };
  const computer = index.computers.get(request.computer);
  if (computer === undefined) {
    throw new TollgateError(
      'conflict',
      `request ${request.id}: computer ${request.computer} is no longer in the world`,
    );
  }
  const group = index.computerGroup(computer.id);
  const policyId = permitPolicyId(request.id);
  const existing = index.policies.get(policyId);
  const target = options.target ?? request.suggestion.permitTarget;
  const appliesTo: AppliesTo =
    existing?.appliesTo ?? (target === 'group' ? { group: group.id } : { computer: computer.id });
  const computers = index.coveredComputers(appliesTo).map((c) => c.id);

  let next = world;
  let permitPolicy: Policy;
  let applicationCreated = false;
  if (existing !== undefined) {
    permitPolicy = existing;
    applicationCreated = existing.app === requestApplicationId(request.id);
  } else {
    let appId = request.query.app;
    // Only an application the computer's organization may use is permitted by name (another organization's,
    // named by a request, is not): otherwise one is made from the file.
    const named = appId === undefined ? undefined : index.apps.get(appId);
    if (appId === undefined || named === undefined || !isVisibleApplication(named, index.ancestry(group.org))) {
      appId = requestApplicationId(request.id);
      applicationCreated = true;
      if (!index.apps.has(appId))
        next = { ...next, applications: [...next.applications, applicationFromFile(request, group.org)] };
    }
    let order = 1;
    const deciding: number[] = [];
    for (const id of computers) {
      const decision = new CompiledView(viewOf(index, id), null).evaluate(request.file, { nowMs: options.nowMs });
      // One below whatever decides it now, a permit too: the new permit decides this file, and nothing else moves.
      if (decision.order !== null) deciding.push(decision.order - 1);
    }
    if (deciding.length > 0) order = Math.min(...deciding);
    // Within the orders a policy may have (a flat organization's are not negative); a permit that cannot go
    // below what decides the file is warned about below.
    order = Math.max(index.org(group.org).structure === 'flat' ? 0 : POLICY_ORDER_MIN, order);
    permitPolicy = {
      id: policyId,
      name: `approved request ${request.id}: ${cutText(fileName(request.file.path))} for ${cutText(request.user)}`,
      app: appId,
      appliesTo,
      action: 'permit',
      order,
      enabled: true,
    };
    next = { ...next, policies: [...next.policies, permitPolicy] };
    const problems = validateWorld(next);
    if (problems.length > 0) throw new ValidationError(problems);
  }

  const after = new WorldIndex(next);
  const warnings: string[] = [];
  for (const id of computers) {
    const decision = new CompiledView(viewOf(after, id), null).evaluate(request.file, { nowMs: options.nowMs });
    if (decision.action !== 'permit' && decision.action !== 'ringfence') {
      warnings.push(
        `on computer ${id} the file is still decided by ${decision.policy === null ? 'no policy' : `policy ${decision.policy}`}: ${decision.reason}`,
      );
    }
  }
  return {
    world: next,
    permit: {
      policy: permitPolicy.id,
      application: permitPolicy.app ?? '',
      applicationCreated,
      target: 'group' in appliesTo ? 'group' : 'computer',
      appliesTo,
      order: permitPolicy.order,
    },
    computers,
    warnings,
  };
}

/** A labelled line of a notice; the value on one line, its control and bidirectional characters written as `\uXXXX`. */
function line(label: string, value: string | undefined): string | null {
  return value === undefined || value === '' ? null : `${label.padEnd(22)}${oneLine(value)}`;
}

/** The notice an escalation sends: every detail of the request, and how to act on it. */
export function escalationNotice(
  request: ApprovalRequestRecord,
  to: string[],
  options: { computerName?: string; note?: string },
): Notice {
  const s = request.suggestion;
  const q = request.query;
  const list = (values: string[] | undefined): string | undefined =>
    values === undefined ? undefined : values.join(', ') || 'none';
  const lines = [
    `An approval request was escalated to you for review.`,
    '',
    line('Request', request.id),
    line(
      'Computer',
      options.computerName === undefined ? request.computer : `${request.computer} (${options.computerName})`,
    ),
    line('Group', request.group),
    line('Organization', request.org),
    line('User', request.user),
    line("User's reason", request.reason),
    line('Submitted', new Date(request.submittedAtMs).toISOString()),
    '',
    line('File', request.file.path),
    line('SHA-256', request.file.sha256),
    line('Certificate subject', request.file.certSubject),
    line('Application', q.app),
    line('Category', q.category),
    line('Subcategory', q.subcategory),
    line('Primary company infl.', list(q.primaryCompanyInfluence)),
    line('Development infl.', list(q.developmentInfluence)),
    '',
    line('Suggestion', s.suggestion),
    line('Approval policy', s.policy ?? 'none'),
    line('Why', s.reason),
    line('Permit target', s.permitTarget),
    s.instructions === '' ? null : `${'Instructions'.padEnd(22)}${linesOf(s.instructions, ' '.repeat(22))}`,
    ...s.warnings.map((w) => line('Note', w)),
    line('Escalation note', options.note),
    '',
    `To approve it: tollgate admin requests approve ${oneLine(request.id)}`,
    `To reject it:  tollgate admin requests reject ${oneLine(request.id)}`,
  ];
  return {
    to,
    subject: oneLine(
      `Approval request escalated: ${fileName(request.file.path)} on ${request.computer} for ${request.user}`,
    ),
    text: lines.filter((l): l is string => l !== null).join('\n') + '\n',
  };
}
