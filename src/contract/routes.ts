/**
 * The route table of the admin API: every route's method, path, summary,
 * authentication, request schemas and answers. The server registers its
 * routes from it, the CLI calls them through it, and the OpenAPI document is
 * generated from it.
 */
import type * as z from 'zod';
import type { ErrorCode } from './errors.js';
import * as s from './schemas.js';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** One route of the admin API. */
export interface RouteContract {
  /** The operation's name (the key of ROUTES, and the OpenAPI operationId). */
  readonly operationId: string;
  readonly method: HttpMethod;
  /** The path in fastify's form: `/api/policies/:id`. */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  /** `bearer`: `Authorization: Bearer <admin token>`; `none`: open (the API document and its page). */
  readonly auth: 'bearer' | 'none';
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** An absent body is read as `{}` (so `curl -X POST` works for an action that takes no fields). */
  readonly emptyBodyAsObject?: boolean;
  /** The successful answers by status (JSON unless `contentType` says otherwise). */
  readonly responses: Readonly<Record<number, z.ZodType>>;
  readonly contentType?: string;
  /** The error codes this route answers with besides those every route may (ROUTE_ERRORS_ALWAYS). */
  readonly errors: readonly ErrorCode[];
}

/** Errors any authenticated route may answer with. */
export const ROUTE_ERRORS_ALWAYS: readonly ErrorCode[] = [
  'unauthorized',
  'invalid-input',
  'bad-request',
  'internal',
  'stopping',
];
/** Errors any route that takes a body may answer with. */
export const BODY_ERRORS: readonly ErrorCode[] = [
  'invalid-json',
  'body-too-deep',
  'body-too-large',
  'unsupported-media-type',
];
/**
 * Errors of a route that changes the world: `conflict` when other server
 * instances committed first five times in a row (docs/SERVER.md, "Several
 * instances"), or the request changed under an approval action.
 */
const CHANGE_ERRORS: readonly ErrorCode[] = ['busy', 'conflict', 'storage-unavailable'];

function route<const R extends Omit<RouteContract, 'operationId'>>(r: R): R {
  return r;
}

const API = 'API document';
const PROBES = 'Health and metrics';

/** Every route of the admin API, by operation. */
const TABLE = {
  // ---- The world
  replaceWorld: route({
    method: 'PUT',
    path: '/api/world',
    summary: 'Replace the world with a scenario (enrollment is kept); report the difference',
    tag: 'world',
    auth: 'bearer',
    query: s.worldQuerySchema,
    body: s.worldBodySchema,
    responses: { 200: s.worldReplacedSchema },
    errors: ['removal-refused', 'unknown-reference', ...CHANGE_ERRORS],
  }),
  getWorld: route({
    method: 'GET',
    path: '/api/world',
    summary: 'The whole world',
    tag: 'world',
    auth: 'bearer',
    query: s.noQuerySchema,
    responses: { 200: s.worldSchema },
    errors: [],
  }),
  // ---- Computers and enrollment
  listComputers: route({
    method: 'GET',
    path: '/api/computers',
    summary:
      "Every computer, in the world's order: enrollment, agent, connection, versions issued and acknowledged; with `limit` (1 to 10,000) a page at a time after `after`, `next` naming the last of the page when more follow",
    tag: 'computers',
    auth: 'bearer',
    query: s.computerListQuerySchema,
    responses: { 200: s.computerListSchema },
    errors: ['invalid-input', 'not-found', 'storage-unavailable'],
  }),
  getComputer: route({
    method: 'GET',
    path: '/api/computers/:id',
    summary: "One computer's state",
    tag: 'computers',
    auth: 'bearer',
    params: s.idParamsSchema,
    query: s.noQuerySchema,
    responses: { 200: s.computerStateSchema },
    errors: ['not-found', 'uri-too-long', 'storage-unavailable'],
  }),
  enrollComputer: route({
    method: 'POST',
    path: '/api/computers/:id/enroll',
    summary: "Create (or replace) a computer's enrollment token",
    tag: 'computers',
    auth: 'bearer',
    params: s.idParamsSchema,
    query: s.noQuerySchema,
    body: s.noFieldsSchema,
    emptyBodyAsObject: true,
    responses: { 200: s.enrolledSchema },
    errors: ['not-found', 'uri-too-long', ...CHANGE_ERRORS],
  }),
  // ---- Policies
  listPolicies: route({
    method: 'GET',
    path: '/api/policies',
    summary: 'Every policy',
    tag: 'policies',
    auth: 'bearer',
    query: s.noQuerySchema,
    responses: { 200: s.policyListSchema },
    errors: [],
  }),
  addPolicy: route({
    method: 'POST',
    path: '/api/policies',
    summary: 'Add a policy',
    tag: 'policies',
    auth: 'bearer',
    query: s.noQuerySchema,
    body: s.policyInputSchema,
    responses: { 201: s.policyChangedSchema },
    errors: ['unknown-reference', ...CHANGE_ERRORS],
  }),
  updatePolicy: route({
    method: 'PATCH',
    path: '/api/policies/:id',
    summary: 'Change fields of a policy (`null` clears an optional field); `order` alone reorders it',
    tag: 'policies',
    auth: 'bearer',
    params: s.idParamsSchema,
    query: s.noQuerySchema,
    body: s.policyPatchSchema,
    responses: { 200: s.policyChangedSchema },
    errors: ['not-found', 'uri-too-long', 'unknown-reference', ...CHANGE_ERRORS],
  }),
  deletePolicy: route({
    method: 'DELETE',
    path: '/api/policies/:id',
    summary: 'Delete a policy',
    tag: 'policies',
    auth: 'bearer',
    params: s.idParamsSchema,
    query: s.noQuerySchema,
    body: s.noFieldsSchema,
    emptyBodyAsObject: true,
    responses: { 200: s.deletedSchema },
    errors: ['not-found', 'uri-too-long', ...CHANGE_ERRORS],
  }),
  // ---- Agent settings
  listSettings: route({
    method: 'GET',
    path: '/api/settings',
    summary: 'Every agent setting entry',
    tag: 'settings',
    auth: 'bearer',
    query: s.noQuerySchema,
    responses: { 200: s.settingListSchema },
    errors: [],
  }),
  setSetting: route({
    method: 'PUT',
    path: '/api/settings',
    summary: 'Set an agent setting at a scope; report which agents applied it',
    tag: 'settings',
    auth: 'bearer',
    query: s.waitQuerySchema,
    body: s.settingSetSchema,
    responses: { 200: s.settingChangedSchema },
    errors: [...CHANGE_ERRORS],
  }),
  clearSetting: route({
    method: 'DELETE',
    path: '/api/settings',
    summary: 'Remove an agent setting from a scope; report which agents applied it',
    tag: 'settings',
    auth: 'bearer',
    query: s.waitQuerySchema,
    body: s.settingClearSchema,
    responses: { 200: s.settingChangedSchema },
    errors: ['not-found', ...CHANGE_ERRORS],
  }),
  // ---- The flat upgrade
  upgradeOrganization: route({
    method: 'POST',
    path: '/api/organizations/:id/upgrade',
    summary: 'Upgrade an organization to the flat policy structure (or show the plan with dryRun)',
    tag: 'organizations',
    auth: 'bearer',
    params: s.idParamsSchema,
    query: s.waitQuerySchema,
    body: s.upgradeBodySchema,
    responses: { 200: s.upgradedSchema },
    errors: ['not-found', 'uri-too-long', 'upgrade-refused', ...CHANGE_ERRORS],
  }),
  // ---- Read-only views
  lint: route({
    method: 'GET',
    path: '/api/lint',
    summary: 'Lint warnings about the world',
    tag: 'world',
    auth: 'bearer',
    query: s.noQuerySchema,
    responses: { 200: s.lintSchema },
    errors: [],
  }),
  publicKey: route({
    method: 'GET',
    path: '/api/public-key',
    summary: 'The public key agents pin (PEM)',
    tag: 'world',
    auth: 'bearer',
    query: s.noQuerySchema,
    responses: { 200: s.publicKeySchema },
    errors: [],
  }),
  // ---- Approval policies
  listApprovalPolicies: route({
    method: 'GET',
    path: '/api/approval-policies',
    summary: 'Approval policies in order, optionally of one organization',
    tag: 'approvals',
    auth: 'bearer',
    query: s.approvalPolicyListQuerySchema,
    responses: { 200: s.approvalPolicyListSchema },
    errors: ['not-found'],
  }),
  addApprovalPolicy: route({
    method: 'POST',
    path: '/api/approval-policies',
    summary: 'Add an approval policy',
    tag: 'approvals',
    auth: 'bearer',
    query: s.noQuerySchema,
    body: s.approvalPolicyInputSchema,
    responses: { 201: s.approvalPolicyChangedSchema },
    errors: ['unknown-reference', ...CHANGE_ERRORS],
  }),
  updateApprovalPolicy: route({
    method: 'PATCH',
    path: '/api/approval-policies/:id',
    summary: 'Change fields of an approval policy (`null` clears subcategory)',
    tag: 'approvals',
    auth: 'bearer',
    params: s.idParamsSchema,
    query: s.noQuerySchema,
    body: s.approvalPolicyPatchSchema,
    responses: { 200: s.approvalPolicyChangedSchema },
    errors: ['not-found', 'uri-too-long', ...CHANGE_ERRORS],
  }),
  deleteApprovalPolicy: route({
    method: 'DELETE',
    path: '/api/approval-policies/:id',
    summary: 'Delete an approval policy',
    tag: 'approvals',
    auth: 'bearer',
    params: s.idParamsSchema,
    query: s.noQuerySchema,
    body: s.noFieldsSchema,
    emptyBodyAsObject: true,
    responses: { 200: s.deletedSchema },
    errors: ['not-found', 'uri-too-long', ...CHANGE_ERRORS],
  }),
  // ---- Organizations: modules, guidelines and escalation
  listOrganizations: route({
    method: 'GET',
    path: '/api/organizations',
    summary: 'Every organization with its approvals summary',
    tag: 'organizations',
    auth: 'bearer',
    query: s.noQuerySchema,
    responses: { 200: s.organizationListSchema },
    errors: [],
  }),
  enableModule: route({
    method: 'PUT',
    path: '/api/organizations/:id/modules/:module',
    summary: "Enable a module (the approvals module creates the organization's default approval policies)",
    tag: 'organizations',
    auth: 'bearer',
    params: s.moduleParamsSchema,
    query: s.noQuerySchema,
    body: s.noFieldsSchema,
    emptyBodyAsObject: true,
    responses: { 200: s.moduleChangedSchema },
    errors: ['not-found', 'uri-too-long', ...CHANGE_ERRORS],
  }),
  disableModule: route({
    method: 'DELETE',
    path: '/api/organizations/:id/modules/:module',
    summary: 'Disable a module',
    tag: 'organizations',
    auth: 'bearer',
    params: s.moduleParamsSchema,
    query: s.noQuerySchema,
    body: s.noFieldsSchema,
    emptyBodyAsObject: true,
    responses: { 200: s.moduleChangedSchema },
    errors: ['not-found', 'uri-too-long', ...CHANGE_ERRORS],
  }),
  getApprovalSettings: route({
    method: 'GET',
    path: '/api/organizations/:id/approval-settings',
    summary: "An organization's approval guidelines and escalation, stored and resolved",
    tag: 'approvals',
    auth: 'bearer',
    params: s.idParamsSchema,
    query: s.noQuerySchema,
    responses: { 200: s.orgApprovalsSchema },
    errors: ['not-found', 'uri-too-long'],
  }),
  changeApprovalSettings: route({
    method: 'PATCH',
    path: '/api/organizations/:id/approval-settings',
    summary: "Change an organization's approval guidelines and escalation",
    tag: 'approvals',
    auth: 'bearer',
    params: s.idParamsSchema,
    query: s.noQuerySchema,
    body: s.approvalSettingsChangeSchema,
    responses: { 200: s.approvalSettingsChangedSchema },
    errors: ['not-found', 'uri-too-long', ...CHANGE_ERRORS],
  }),
  // ---- The approval requests queue
  listRequests: route({
    method: 'GET',
    path: '/api/requests',
    summary:
      'Approval requests in the order they arrived (pending unless `status` says), a page at a time: `limit` of them (1 to 1,000; 1,000 by default) after `after`; `next` names the last of the page when more follow',
    tag: 'requests',
    auth: 'bearer',
    query: s.requestListQuerySchema,
    responses: { 200: s.approvalRequestListSchema },
    errors: ['invalid-input', 'not-found', 'storage-unavailable'],
  }),
  getRequest: route({
    method: 'GET',
    path: '/api/requests/:id',
    summary: 'One approval request with its history',
    tag: 'requests',
    auth: 'bearer',
    params: s.idParamsSchema,
    query: s.noQuerySchema,
    responses: { 200: s.approvalRequestSchema },
    errors: ['not-found', 'uri-too-long', 'storage-unavailable'],
  }),
  approveRequest: route({
    method: 'POST',
    path: '/api/requests/:id/approve',
    summary: 'Approve a request: add the permit policy; report which agents applied it',
    tag: 'requests',
    auth: 'bearer',
    params: s.idParamsSchema,
    query: s.waitQuerySchema,
    body: s.approveRequestSchema,
    emptyBodyAsObject: true,
    responses: { 200: s.approvedSchema },
    errors: ['not-found', 'uri-too-long', 'unknown-reference', ...CHANGE_ERRORS],
  }),
  rejectRequest: route({
    method: 'POST',
    path: '/api/requests/:id/reject',
    summary: 'Reject a request',
    tag: 'requests',
    auth: 'bearer',
    params: s.idParamsSchema,
    query: s.noQuerySchema,
    body: s.requestActionSchema,
    emptyBodyAsObject: true,
    responses: { 200: s.requestChangedSchema },
    errors: ['not-found', 'uri-too-long', ...CHANGE_ERRORS],
  }),
  escalateRequest: route({
    method: 'POST',
    path: '/api/requests/:id/escalate',
    summary: "Escalate a request: mail the organization's escalation addresses",
    tag: 'requests',
    auth: 'bearer',
    params: s.idParamsSchema,
    query: s.noQuerySchema,
    body: s.requestActionSchema,
    emptyBodyAsObject: true,
    responses: { 200: s.escalatedSchema },
    errors: ['not-found', 'uri-too-long', 'no-escalation-address', 'notify-failed', ...CHANGE_ERRORS],
  }),
  // ---- Health, readiness and metrics (no token needed; /metrics needs one with metrics.requireToken)
  health: route({
    method: 'GET',
    path: '/healthz',
    summary: 'The process is up',
    tag: PROBES,
    auth: 'none',
    query: s.noQuerySchema,
    responses: { 200: s.healthSchema },
    errors: [],
  }),
  readiness: route({
    method: 'GET',
    path: '/readyz',
    summary:
      'Ready to serve: the store answered a round trip and the signing key is loaded (503 with the same body when not)',
    tag: PROBES,
    auth: 'none',
    query: s.noQuerySchema,
    responses: { 200: s.readinessSchema, 503: s.readinessSchema },
    errors: [],
  }),
  metrics: route({
    method: 'GET',
    path: '/metrics',
    summary:
      'Prometheus metrics of this server process (absent with metrics.enabled false; needs the token with metrics.requireToken)',
    tag: PROBES,
    auth: 'none',
    query: s.noQuerySchema,
    responses: { 200: s.metricsTextSchema },
    contentType: 'text/plain; version=0.0.4',
    errors: [],
  }),
  // ---- The API document and its page (no token needed)
  openApiDocument: route({
    method: 'GET',
    path: '/api/openapi.json',
    summary: 'This API as an OpenAPI 3.1 document',
    tag: API,
    auth: 'none',
    query: s.noQuerySchema,
    responses: { 200: s.openApiDocumentSchema },
    errors: [],
  }),
  apiDocsPage: route({
    method: 'GET',
    path: '/api/docs',
    summary: 'The API document as a Swagger UI page (served offline)',
    tag: API,
    auth: 'none',
    query: s.noQuerySchema,
    responses: { 200: s.htmlSchema },
    contentType: 'text/html',
    errors: [],
  }),
  apiDocsAsset: route({
    method: 'GET',
    path: '/api/docs/:asset',
    summary: 'A file of the Swagger UI page (script, style sheet, icon)',
    tag: API,
    auth: 'none',
    params: s.docsAssetParamsSchema,
    query: s.noQuerySchema,
    responses: { 200: s.assetSchema },
    contentType: 'application/octet-stream',
    errors: ['not-found'],
  }),
} as const;

type Table = typeof TABLE;
/** Every route of the admin API, by operation id. */
export const ROUTES: { readonly [K in keyof Table]: Table[K] & { readonly operationId: K } } = Object.freeze(
  Object.fromEntries(Object.entries(TABLE).map(([id, r]) => [id, Object.freeze({ ...r, operationId: id })])),
) as never;

/** The routes as a list, in the table's order. */
export const ADMIN_ROUTES: readonly RouteContract[] = Object.values(ROUTES);

/** The status of a route's successful answer (200, or 201 for a creation). */
export function successStatus(route: RouteContract): number {
  return Number(Object.keys(route.responses)[0]);
}

/** The request types of a route: what its params, query and body hold. */
export type ParamsOf<R extends RouteContract> = R['params'] extends z.ZodType ? z.input<R['params']> : undefined;
export type QueryOf<R extends RouteContract> = R['query'] extends z.ZodType ? z.input<R['query']> : undefined;
export type BodyOf<R extends RouteContract> = R['body'] extends z.ZodType ? z.input<R['body']> : undefined;
/** What a route answers on success. */
export type AnswerOf<R extends RouteContract> = z.output<R['responses'][keyof R['responses']]>;
