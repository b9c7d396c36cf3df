/**
 * The admin API of approvals (SPEC.md section 5, docs/APPROVALS.md):
 * approval policies, guidelines and escalation per organization, modules,
 * and the queue of approval requests agents delivered (approve, reject,
 * escalate).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { escalationProblem, resolveApprovalSettings } from '../engine/approval-settings.js';
import { TollgateError, ValidationError } from '../engine/errors.js';
import { APPROVALS_MODULE, type ApprovalPolicy, type PermitTarget, type World } from '../engine/model.js';
import { WorldIndex } from '../engine/world.js';
import {
  type ApprovalPolicyInput,
  type ApprovalPolicyPatch,
  type ApprovalPolicyTemplate,
  withApprovalPolicyAdded,
  withApprovalPolicyChanged,
  withApprovalPolicyDeleted,
  withApprovalSettings,
  withModule,
} from './approval-admin.js';
import { escalationNotice, planApproval } from './approval-actions.js';
import { DEFAULT_REQUEST_PAGE, MAX_REQUEST_PAGE, ROUTES } from '../contract/index.js';
import { addRoute } from './contract-routes.js';
import { HttpError, apiCodeOf, notFound } from './http-errors.js';
import type { Notifier } from './notifier.js';
import type { ApprovalRequestRecord, RequestEvent, RequestStatus, ServerStateApi, ViewChanges } from './types.js';

/** The prefix of generated approval policy ids, followed by 8 random hex digits. */
export const APPROVAL_POLICY_ID_PREFIX = 'ap-';

/** Which of the affected computers applied a change in time, which have not (and of those, which refused it), which are offline. */
interface ApplyReport {
  applied: string[];
  pending: string[];
  refused: { computer: string; error: string }[];
  offline: string[];
}

/** What the approval routes need from the admin API around them. */
export interface ApprovalRoutesContext {
  state: ServerStateApi;
  /** Pushes a change's new snapshots and settings to connected agents. */
  push(changes: ViewChanges): void;
  awaitSnapshotsApplied(computerIds: readonly string[], timeoutMs: number): Promise<ApplyReport>;
  waitMsOf(query: { waitMs?: string }): number;
  notifier: Notifier;
  defaultApprovalPolicies: readonly ApprovalPolicyTemplate[];
  clock: () => number;
}

/** A notifier that sends nothing: used when the API is built without one (the notice is still recorded). */
export const SILENT_NOTIFIER: Notifier = Object.freeze({
  name: 'none',
  send: () => Promise.resolve(),
  close: () => undefined,
});

/** What an organization's approvals look like: module, stored settings, resolved values, misconfiguration. */
export interface OrgApprovals {
  org: string;
  module: boolean;
  guidelines: Record<string, unknown> | null;
  escalation: Record<string, unknown> | null;
  resolved: { permitTarget: PermitTarget; instructions: string; escalationEmails: string[]; warnings: string[] } | null;
  /** Set when the organization has the module but no escalation address can be resolved. */
  misconfigured: string | null;
  policies: number;
}

/** The approvals summary of one organization of a world. */
export function orgApprovals(world: World, orgId: string): OrgApprovals {
  const index = new WorldIndex(world);
  const org = index.org(orgId);
  const stored = world.approvalSettings.find((s) => s.org === orgId);
  let resolved: OrgApprovals['resolved'] = null;
  try {
    resolved = resolveApprovalSettings(index, orgId);
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
  }
  return {
    org: orgId,
    module: org.modules.includes(APPROVALS_MODULE),
    guidelines: stored?.guidelines === undefined ? null : { ...stored.guidelines },
    escalation: stored?.escalation === undefined ? null : { ...stored.escalation },
    resolved,
    misconfigured: escalationProblem(index, orgId),
    policies: world.approvalPolicies.filter((p) => p.org === orgId).length,
  };
}

function sortedPolicies(policies: readonly ApprovalPolicy[]): ApprovalPolicy[] {
  return [...policies].sort((a, b) =>
    a.org < b.org ? -1 : a.org > b.org ? 1 : a.order - b.order || (a.id < b.id ? -1 : 1),
  );
}

function patchOf(body: Record<string, unknown>): ApprovalPolicyPatch {
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) patch[key] = value === null ? undefined : value;
  return patch;
}

function withDefaultList<T extends { countries?: { mode: 'deny' | 'allow'; list?: string[] } }>(body: T): T {
  if (body.countries === undefined) return body;
  return { ...body, countries: { mode: body.countries.mode, list: body.countries.list ?? [] } };
}

const ACTIONABLE: Readonly<Record<'approve' | 'reject' | 'escalate', readonly RequestStatus[]>> = {
  approve: ['pending', 'escalated'],
  reject: ['pending', 'escalated'],
  escalate: ['pending', 'escalated'],
};

/** Registers the approval routes on the admin API. */
export function registerApprovalRoutes(app: FastifyInstance, ctx: ApprovalRoutesContext): void {
  const { state } = ctx;

  const requireOrg = (id: string): void => {
    if (!state.world().organizations.some((o) => o.id === id)) throw notFound(`organization ${id} is unknown`);
  };
  const requirePolicy = (id: string): void => {
    if (!state.world().approvalPolicies.some((p) => p.id === id)) throw notFound(`approval policy ${id} is unknown`);
  };
  const newPolicyId = (): string => {
    for (;;) {
      const id = `${APPROVAL_POLICY_ID_PREFIX}${randomBytes(4).toString('hex')}`;
      if (!state.world().approvalPolicies.some((p) => p.id === id)) return id;
    }
  };
  /** Commits the world `build` makes from the current one (called again should another server process commit first). */
  const commit = async (build: (world: World) => World): Promise<ViewChanges> => {
    const changes = await state.applyWorld(build);
    ctx.push(changes);
    return changes;
  };

  // ---- Approval policies

  addRoute(app, ROUTES.listApprovalPolicies, (request) => {
    const { org } = request.query;
    if (org !== undefined) requireOrg(org);
    const policies = state.world().approvalPolicies.filter((p) => org === undefined || p.org === org);
    return { policies: sortedPolicies(policies) };
  });

  addRoute(app, ROUTES.addApprovalPolicy, async (request, reply) => {
    const input = withDefaultList(request.body as ApprovalPolicyInput);
    let policy: ReturnType<typeof withApprovalPolicyAdded>['policy'] | undefined;
    const changes = await commit((current) => {
      if (input.id !== undefined && current.approvalPolicies.some((p) => p.id === input.id)) {
        throw new HttpError(
          'conflict',
          `approvalPolicies[${input.id}]: id ${JSON.stringify(input.id)} is already used by an approval policy`,
        );
      }
      const added = withApprovalPolicyAdded(current, input, input.id ?? newPolicyId());
      policy = added.policy;
      return added.world;
    });
    if (policy === undefined) throw new Error('the approval policy was not built');
    const org = policy.org;
    const policies = sortedPolicies(state.world().approvalPolicies.filter((p) => p.org === org));
    return reply.code(201).send({ policy, policies, changes });
  });

  addRoute(app, ROUTES.updateApprovalPolicy, async (request) => {
    const { id } = request.params;
    requirePolicy(id);
    const patch = withDefaultList(patchOf(request.body));
    let policy: ReturnType<typeof withApprovalPolicyChanged>['policy'] | undefined;
    const changes = await commit((current) => {
      requirePolicy(id);
      const changed = withApprovalPolicyChanged(current, id, patch);
      policy = changed.policy;
      return changed.world;
    });
    if (policy === undefined) throw new Error('the approval policy was not built');
    const org = policy.org;
    const policies = sortedPolicies(state.world().approvalPolicies.filter((p) => p.org === org));
    return { policy, policies, changes };
  });

  addRoute(app, ROUTES.deleteApprovalPolicy, async (request) => {
    const { id } = request.params;
    requirePolicy(id);
    const changes = await commit((current) => {
      requirePolicy(id);
      return withApprovalPolicyDeleted(current, id);
    });
    return { deleted: id, changes };
  });

  // ---- Organizations: modules, guidelines and escalation

  addRoute(app, ROUTES.listOrganizations, () => {
    const world = state.world();
    return {
      organizations: world.organizations.map((o) => ({ ...o, approvals: orgApprovals(world, o.id) })),
    };
  });

  addRoute(app, ROUTES.enableModule, async (request) => {
    const { id, module } = request.params;
    requireOrg(id);
    let created: ReturnType<typeof withModule>['created'] = [];
    let changed = false;
    const changes = await commit((current) => {
      const made = withModule(current, id, module, true, ctx.defaultApprovalPolicies);
      created = made.created;
      changed = made.changed;
      return made.world;
    });
    const approvals = orgApprovals(state.world(), id);
    const warnings =
      approvals.misconfigured === null
        ? []
        : [
            `organization ${id} has the ${APPROVALS_MODULE} module but ${approvals.misconfigured}: ` +
              `set one with PATCH /api/organizations/${id}/approval-settings (tollgate admin approvals escalation ${id} --email ADDRESS)`,
          ];
    return { org: id, module, enabled: true, changed, created, changes, approvals, warnings };
  });

  addRoute(app, ROUTES.disableModule, async (request) => {
    const { id, module } = request.params;
    requireOrg(id);
    let changed = false;
    const changes = await commit((current) => {
      const made = withModule(current, id, module, false, []);
      changed = made.changed;
      return made.world;
    });
    return {
      org: id,
      module,
      enabled: false,
      changed,
      created: [],
      changes,
      approvals: orgApprovals(state.world(), id),
      warnings: [],
    };
  });

  addRoute(app, ROUTES.getApprovalSettings, (request) => {
    requireOrg(request.params.id);
    return orgApprovals(state.world(), request.params.id);
  });

  addRoute(app, ROUTES.changeApprovalSettings, async (request) => {
    const { id } = request.params;
    requireOrg(id);
    const body = request.body;
    const changes = await commit((current) => withApprovalSettings(current, id, body));
    return { ...orgApprovals(state.world(), id), changes };
  });

  // ---- The approval requests queue

  const requireRequest = async (id: string): Promise<ApprovalRequestRecord> => {
    const request = await state.approvalRequest(id);
    if (request === undefined) throw notFound(`approval request ${id} is unknown`);
    return request;
  };
  const checkActionable = (request: ApprovalRequestRecord, action: keyof typeof ACTIONABLE): void => {
    if (!ACTIONABLE[action].includes(request.status)) {
      throw new HttpError(
        'conflict',
        `approval request ${request.id} is ${request.status}: it cannot be ${action === 'approve' ? 'approved' : action === 'reject' ? 'rejected' : 'escalated'}`,
      );
    }
  };
  const record = async (
    request: ApprovalRequestRecord,
    status: RequestStatus,
    event: RequestEvent,
  ): Promise<ApprovalRequestRecord> => {
    const updated: ApprovalRequestRecord = { ...request, status, history: [...request.history, event] };
    await state.updateApprovalRequest(updated, request);
    return updated;
  };
  const event = (action: RequestEvent['action'], note: string | undefined): RequestEvent => {
    const e: RequestEvent = { atMs: ctx.clock(), action };
    if (note !== undefined && note !== '') e.note = note;
    return e;
  };

  addRoute(app, ROUTES.listRequests, async (request) => {
    const { status, after } = request.query;
    const limit = request.query.limit === undefined ? DEFAULT_REQUEST_PAGE : Number(request.query.limit);
    if (limit < 1 || limit > MAX_REQUEST_PAGE) {
      throw new ValidationError([`limit ${limit} is not from 1 to ${MAX_REQUEST_PAGE}`]);
    }
    // Pending unless `status` says (`all`: every one).
    const page = await state.approvalRequestPage(status === 'all' ? undefined : (status ?? 'pending'), after, limit);
    if (page === null) throw notFound(`approval request ${after ?? ''} (after) is unknown`);
    return page;
  });

  addRoute(app, ROUTES.getRequest, async (request) => requireRequest(request.params.id));

  addRoute(app, ROUTES.approveRequest, async (request) => {
    const waitMs = ctx.waitMsOf(request.query);
    const body = request.body;
    const stored = await requireRequest(request.params.id);
    checkActionable(stored, 'approve');
    const approvedAt = event('approved', body.note);
    let plan: ReturnType<typeof planApproval> | undefined;
    let updated: ApprovalRequestRecord | undefined;
    // The permit and the approval are stored together, before the wait for the agents, so that a
    // second approval meanwhile is refused.
    const changes = await state.applyWorld(
      (current) => {
        plan = planApproval(current, stored, {
          nowMs: ctx.clock(),
          reported: (computerId) => {
            try {
              const { reportedAgentVersion, reportedOs } = state.computerState(computerId);
              return { agentVersion: reportedAgentVersion, os: reportedOs };
            } catch {
              return undefined;
            }
          },
          ...(body.target === undefined ? {} : { target: body.target }),
        });
        updated = {
          ...stored,
          status: 'approved',
          history: [...stored.history, { ...approvedAt, permit: plan.permit }],
        };
        return plan.world;
      },
      () => {
        if (updated === undefined) throw new Error('the approval was not planned');
        return { record: updated, previous: stored };
      },
    );
    if (plan === undefined || updated === undefined) throw new Error('the approval was not planned');
    ctx.push(changes);
    const affected = plan.computers.filter((id) => changes.snapshots.includes(id));
    const report =
      affected.length === 0
        ? { applied: [], pending: [], refused: [], offline: [] }
        : await ctx.awaitSnapshotsApplied(affected, waitMs);
    return {
      request: updated,
      permit: plan.permit,
      computers: plan.computers,
      warnings: plan.warnings,
      changes,
      affected,
      ...report,
    };
  });

  addRoute(app, ROUTES.rejectRequest, async (request) => {
    const stored = await requireRequest(request.params.id);
    checkActionable(stored, 'reject');
    return { request: await record(stored, 'rejected', event('rejected', request.body.note)) };
  });

  addRoute(app, ROUTES.escalateRequest, async (request) => {
    const stored = await requireRequest(request.params.id);
    checkActionable(stored, 'escalate');
    const world = state.world();
    let to: string[];
    try {
      to = world.organizations.some((o) => o.id === stored.org)
        ? resolveApprovalSettings(new WorldIndex(world), stored.org).escalationEmails
        : stored.suggestion.escalationEmails;
    } catch (error) {
      if (!(error instanceof TollgateError)) throw error;
      to = [];
    }
    if (to.length === 0) {
      throw new HttpError(
        'no-escalation-address',
        `organization ${stored.org} has no escalation address: set one (tollgate admin approvals escalation ${stored.org} --email ADDRESS) before escalating request ${stored.id}`,
      );
    }
    const note = request.body.note;
    const computerName = world.computers.find((c) => c.id === stored.computer)?.name;
    const notice = escalationNotice(stored, to, {
      ...(computerName === undefined ? {} : { computerName }),
      ...(note === undefined || note === '' ? {} : { note }),
    });
    // The escalation is stored first, as any action is (refused when another action changed the request
    // meanwhile): a refused escalation sends nothing. Should the notice then fail, the request is put back as
    // it was, unless another action changed it in the meantime.
    const atMs = ctx.clock();
    const updated = await record(stored, 'escalated', {
      ...event('escalated', note),
      notice: { atMs, to, subject: notice.subject, via: ctx.notifier.name },
    });
    try {
      await ctx.notifier.send(notice);
    } catch (error) {
      try {
        await state.updateApprovalRequest(stored, updated);
      } catch (undo) {
        if (!(undo instanceof TollgateError)) throw undo;
        request.log.warn(
          { request: stored.id, err: undo.message },
          'the escalation notice was not sent and the request was changed meanwhile: it is not put back',
        );
      }
      if (error instanceof TollgateError) throw new HttpError(apiCodeOf(error.code), error.message);
      throw error;
    }
    return { request: updated, notice: { to, subject: notice.subject, via: ctx.notifier.name } };
  });
}
