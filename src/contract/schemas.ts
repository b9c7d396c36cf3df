/**
 * The shapes of the admin API's requests and answers as zod schemas: the
 * server checks requests with the JSON schema generated from them, the CLI
 * types its calls and checks the answers with them, and the OpenAPI
 * document is generated from them. Rules beyond shape (references, order
 * ranges, a scope's id) are the server's, which names the field at fault.
 */
import * as z from 'zod';
import { ID_PATTERN, MAX_ID_CHARS } from '../engine/limits.js';
import { APPROVAL_ACTIONS, OS_NAMES, PERMIT_TARGETS, POLICY_ACTIONS, STRUCTURES } from '../engine/model.js';
import { APPLIES_TO_KEYS, COUNTRY_MODES } from '../engine/validate.js';

/** The most a request body may hold: enough for a scenario of a large MSP. */
export const ADMIN_BODY_LIMIT_BYTES = 64 * 1024 * 1024;
/** How long a settings change or an upgrade waits for agents to acknowledge, unless the request says. */
export const DEFAULT_WAIT_MS = 2000;
/** The longest wait a request may ask for. */
export const MAX_WAIT_MS = 30_000;
/** The digits of a query parameter's whole number, by parameter: its range is checked by the handler. */
export const COMPUTER_LIMIT_PATTERN = /^[0-9]{1,5}$/;
export const REQUEST_LIMIT_PATTERN = /^[0-9]{1,4}$/;
export const WAIT_MS_PATTERN = /^[0-9]{1,9}$/;
/** The longest note an admin may attach to an action on a request. */
export const MAX_NOTE_CHARS = 4000;
/**
 * The longest path parameter the router takes: an id with every character
 * percent-encoded. Longer ones are refused with 414 before any handler runs.
 */
export const MAX_PARAM_CHARS = 3 * MAX_ID_CHARS;

export const SETTING_SCOPE_KINDS = ['computer', 'group', 'organization', 'global'] as const;
/** Where an approval request stands in the queue. */
export const REQUEST_STATUSES = ['pending', 'approved', 'rejected', 'escalated'] as const;
/** The lists a world diff reports, in this order. */
export const WORLD_DIFF_LISTS = [
  'organizations',
  'groups',
  'computers',
  'applications',
  'policies',
  'agentSettings',
  'gates',
  'approvalPolicies',
  'approvalSettings',
] as const;

const text = z.string();
const nonEmptyText = z.string().min(1);
const integer = z.int();
const ids = z.array(z.string());

/** An id of the world (engine/limits.ts: the same rule as scenario files and snapshots). */
export const idSchema = z.string().min(1).max(MAX_ID_CHARS).regex(ID_PATTERN);

/** An object with exactly one of its keys set: JSON schema says so with min/maxProperties. */
function exactlyOne<T extends z.ZodObject>(schema: T, keys: readonly string[]): T {
  return schema
    .refine((value) => Object.keys(value).length === 1, { message: `must have exactly one of ${keys.join(', ')}` })
    .meta({ minProperties: 1, maxProperties: 1 });
}

/** An object that must set at least one field. */
function notEmpty<T extends z.ZodObject>(schema: T): T {
  return schema
    .refine((value) => Object.keys(value).length > 0, { message: 'must not be empty' })
    .meta({ minProperties: 1 });
}

// ---- Requests: path parameters and query strings

export const idParamsSchema = z.object({ id: idSchema });
export const moduleParamsSchema = z.object({ id: idSchema, module: nonEmptyText });

/** The query of a route that takes none: an unknown parameter is refused, not ignored. */
export const noQuerySchema = z.strictObject({});
/** Query strings arrive as text: the number is parsed, and bounded (MAX_WAIT_MS), by the handler. */
export const waitQuerySchema = z.strictObject({
  waitMs: z
    .string()
    .regex(WAIT_MS_PATTERN)
    .optional()
    .meta({ description: `how long to wait for agents, in ms (default ${DEFAULT_WAIT_MS}, at most ${MAX_WAIT_MS})` }),
});
const flag = z.enum(['true', 'false']).optional();
export const worldQuerySchema = z.strictObject({
  dryRun: flag.meta({ description: 'report the difference, store nothing' }),
  allowRemovals: flag.meta({ description: 'allow removing computers of the current world' }),
});
export const approvalPolicyListQuerySchema = z.strictObject({ org: idSchema.optional() });
/**
 * The most requests one page of the queue holds, and how many without
 * `limit`: a request may be about 100,000 characters as JSON (its paths and
 * reason at their bounds), so a page stays far below what one JSON text can be.
 */
export const MAX_REQUEST_PAGE = 1_000;
export const DEFAULT_REQUEST_PAGE = 1_000;
/** The most computers one page of `GET /api/computers` holds. */
export const MAX_COMPUTER_PAGE = 10_000;
export const computerListQuerySchema = z.strictObject({
  limit: z
    .string()
    .regex(COMPUTER_LIMIT_PATTERN)
    .optional()
    .meta({
      description: `computers in this page at most, 1 to ${MAX_COMPUTER_PAGE}; without it, every one after \`after\``,
    }),
  after: idSchema
    .optional()
    .meta({ description: "the `next` of the page before: the page's computers come after it, in the world's order" }),
});

export const requestListQuerySchema = z.strictObject({
  status: z.enum([...REQUEST_STATUSES, 'all']).optional(),
  limit: z
    .string()
    .regex(REQUEST_LIMIT_PATTERN)
    .optional()
    .meta({
      description: `requests in this page at most, 1 to ${MAX_REQUEST_PAGE} (default ${DEFAULT_REQUEST_PAGE})`,
    }),
  after: idSchema.optional().meta({ description: "the `next` of the page before: the page's requests came after it" }),
});

// ---- Requests: bodies

/** The body of an action that takes none: absent or `{}`, so a misplaced field is refused, not ignored. */
export const noFieldsSchema = z.strictObject({});

/** A scenario (SPEC.md section 7): checked by the scenario loader, which names the entry and field at fault. */
export const worldBodySchema = z.looseObject({}).meta({
  description:
    "a scenario (SPEC.md section 7, docs/SCENARIOS.md): the shape of GET /api/world's answer, its defaults " +
    'optional; `organizations` required, unknown fields refused. Checked by the server against the scenario ' +
    "format, each problem naming the list, the entry's id and the field",
});

export const appliesToInputSchema = exactlyOne(
  z.strictObject({
    global: idSchema.optional(),
    globalGroup: z.strictObject({ org: idSchema, keyword: text }).optional(),
    organization: idSchema.optional(),
    group: idSchema.optional(),
    computer: idSchema.optional(),
  }),
  APPLIES_TO_KEYS,
);

/**
 * A free-form object (a policy's `ringfence`), passed through as it was
 * read. zod's record schema copies it key by key with assignment, which
 * drops a key named `__proto__` (JSON.parse and the YAML reader make it an
 * own key) and gives the copy that key's value as its prototype. Its JSON
 * schema is that of the record: an object of any keys.
 */
export const freeObject = z
  .unknown()
  .superRefine((value, ctx) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: 'invalid_type', expected: 'record', input: value });
    }
  })
  .meta({ type: 'object', additionalProperties: {} }) as unknown as z.ZodType<Record<string, unknown>>;

const ringfence = freeObject;

const policyFields = {
  name: text.optional(),
  app: idSchema.optional(),
  appliesTo: appliesToInputSchema,
  action: z.enum(POLICY_ACTIONS),
  order: integer,
  enabled: z.boolean().optional(),
  expiresAt: text.optional(),
  default: z.boolean().optional(),
  ringfence: ringfence.optional(),
};

/** A new policy: the id is generated unless given. */
export const policyInputSchema = z.strictObject({ id: idSchema.optional(), ...policyFields });
/** Changes to a policy; `null` clears an optional field. */
export const policyPatchSchema = notEmpty(
  z.strictObject({
    ...policyFields,
    appliesTo: appliesToInputSchema.optional(),
    action: policyFields.action.optional(),
    order: integer.optional(),
    name: text.nullable().optional(),
    expiresAt: text.nullable().optional(),
    ringfence: ringfence.nullable().optional(),
  }),
);

export const settingScopeSchema = z.strictObject({
  kind: z.enum(SETTING_SCOPE_KINDS),
  id: idSchema.optional().meta({ description: 'required unless kind is global' }),
});
export const settingValueSchema = z.union([z.boolean(), z.number(), z.string()]);
export const settingSetSchema = z.strictObject({
  scope: settingScopeSchema,
  type: nonEmptyText,
  value: settingValueSchema,
});
export const settingClearSchema = z.strictObject({ scope: settingScopeSchema, type: nonEmptyText });
export const upgradeBodySchema = z.strictObject({ acknowledge: z.boolean(), dryRun: z.boolean().optional() });

const approvalAppliesToInputSchema = z.strictObject({
  organization: idSchema.optional(),
  groups: z.array(idSchema).optional(),
  computers: z.array(idSchema).optional(),
});
const countriesInputSchema = z.strictObject({ mode: z.enum(COUNTRY_MODES), list: z.array(text).optional() });
const approvalPolicyFields = {
  action: z.enum(APPROVAL_ACTIONS).optional(),
  category: text.optional(),
  subcategory: text.optional(),
  appliesTo: approvalAppliesToInputSchema.optional(),
  countries: countriesInputSchema.optional(),
  active: z.boolean().optional(),
  order: integer.optional(),
};
export const approvalPolicyInputSchema = z.strictObject({
  id: idSchema.optional(),
  org: idSchema,
  ...approvalPolicyFields,
  category: text,
});
/** `id` and `org` are accepted so that changing them is refused with a message saying why. */
export const approvalPolicyPatchSchema = notEmpty(
  z.strictObject({
    id: text.optional(),
    org: text.optional(),
    ...approvalPolicyFields,
    subcategory: text.nullable().optional(),
  }),
);
export const approvalSettingsChangeSchema = notEmpty(
  z.strictObject({
    guidelines: notEmpty(
      z.strictObject({
        useParent: z.boolean().optional(),
        permitTarget: z.enum(PERMIT_TARGETS).optional(),
        instructions: text.optional(),
      }),
    ).optional(),
    escalation: notEmpty(
      z.strictObject({ useParent: z.boolean().optional(), emails: z.array(text).optional() }),
    ).optional(),
  }),
);
export const approveRequestSchema = z.strictObject({
  target: z.enum(PERMIT_TARGETS).optional(),
  note: z.string().max(MAX_NOTE_CHARS).optional(),
});
export const requestActionSchema = z.strictObject({ note: z.string().max(MAX_NOTE_CHARS).optional() });

// ---- Answers: the world's entities

/** A policy's or setting's Applies To: exactly one key. */
export const appliesToSchema = z.union([
  z.object({ global: z.string() }),
  z.object({ globalGroup: z.object({ org: z.string(), keyword: z.string() }) }),
  z.object({ organization: z.string() }),
  z.object({ group: z.string() }),
  z.object({ computer: z.string() }),
]);
export const organizationSchema = z.object({
  id: z.string(),
  name: z.string(),
  parent: z.string().optional(),
  structure: z.enum(STRUCTURES),
  modules: ids,
});
export const groupSchema = z.object({
  id: z.string(),
  org: z.string(),
  name: z.string(),
  os: z.enum(OS_NAMES),
  agentVersion: z.string(),
});
export const computerSchema = z.object({
  id: z.string(),
  group: z.string(),
  name: z.string().optional(),
  agentVersion: z.string().optional(),
});
export const applicationSchema = z.object({
  id: z.string(),
  name: z.string(),
  builtIn: z.boolean(),
  org: z.string().optional(),
  category: z.string().optional(),
  subcategory: z.string().optional(),
  primaryCompanyInfluence: ids.optional(),
  developmentInfluence: ids.optional(),
  rules: z.array(
    z.object({
      path: z.string().optional(),
      processPath: z.string().optional(),
      createdBy: z.string().optional(),
      sha256: z.string().optional(),
      certSubject: z.string().optional(),
      certThumbprint: z.string().optional(),
    }),
  ),
});
export const policySchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  app: z.string().optional(),
  appliesTo: appliesToSchema,
  action: z.enum(POLICY_ACTIONS),
  order: z.number(),
  enabled: z.boolean(),
  expiresAt: z.string().optional(),
  default: z.boolean().optional(),
  ringfence: ringfence.optional(),
});
export const agentSettingSchema = z.object({
  id: z.string(),
  type: z.string(),
  value: settingValueSchema,
  appliesTo: appliesToSchema,
  order: z.number(),
});
export const gateSchema = z.object({ feature: z.string(), os: z.enum(OS_NAMES), minVersion: z.string() });
/** An approval policy's Applies To: exactly one of organization, groups, computers. */
export const approvalAppliesToSchema = z.union([
  z.object({ organization: z.string() }),
  z.object({ groups: ids }),
  z.object({ computers: ids }),
]);
export const approvalPolicySchema = z.object({
  id: z.string(),
  org: z.string(),
  order: z.number(),
  active: z.boolean(),
  action: z.enum(APPROVAL_ACTIONS),
  category: z.string(),
  subcategory: z.string().optional(),
  appliesTo: approvalAppliesToSchema,
  countries: z.object({ mode: z.enum(COUNTRY_MODES), list: ids }),
});
export const approvalSettingsSchema = z.object({
  org: z.string(),
  guidelines: z
    .object({
      useParent: z.boolean().optional(),
      permitTarget: z.enum(PERMIT_TARGETS).optional(),
      instructions: z.string().optional(),
    })
    .optional(),
  escalation: z.object({ useParent: z.boolean().optional(), emails: ids.optional() }).optional(),
});
/** The whole world, as `GET /api/world` answers and `tollgate admin world export` writes it. */
export const worldSchema = z.object({
  organizations: z.array(organizationSchema),
  groups: z.array(groupSchema),
  computers: z.array(computerSchema),
  applications: z.array(applicationSchema),
  policies: z.array(policySchema),
  agentSettings: z.array(agentSettingSchema),
  gates: z.array(gateSchema).optional(),
  approvalPolicies: z.array(approvalPolicySchema),
  approvalSettings: z.array(approvalSettingsSchema),
});

// ---- Answers: what changed, and who applied it

/** Which computers need a new snapshot, and which only new settings. */
export const viewChangesSchema = z.object({ snapshots: ids, settings: ids });
/** A connected agent that refused a change: its last acknowledgement during the wait refused it, with this error. */
export const refusedAgentSchema = z.object({
  computer: z.string(),
  error: z.string().meta({ description: "the agent's refusal, as `lastError` records it" }),
});
/**
 * Which of the affected computers applied a change in time, which are
 * connected but have not applied it (silent, or refusing: those are listed
 * in `refused` as well, with their error), which are offline.
 */
export const applyReportFields = {
  affected: ids,
  applied: ids,
  pending: ids,
  refused: z
    .array(refusedAgentSchema)
    .optional()
    .meta({ description: 'the agents of `pending` that refused the change, with their error (absent: none known)' }),
  offline: ids,
};
export const listDiffSchema = z.object({ added: ids, changed: ids, removed: ids });
export const worldDiffSchema = z.object({
  organizations: listDiffSchema,
  groups: listDiffSchema,
  computers: listDiffSchema,
  applications: listDiffSchema,
  policies: listDiffSchema,
  agentSettings: listDiffSchema,
  gates: listDiffSchema,
  approvalPolicies: listDiffSchema,
  approvalSettings: listDiffSchema,
});

export const worldReplacedSchema = z.object({
  dryRun: z.boolean(),
  stored: z.boolean(),
  changes: viewChangesSchema,
  diff: worldDiffSchema,
});
export const computerStateSchema = z.object({
  id: z.string(),
  group: z.string(),
  org: z.string(),
  enrolled: z.boolean(),
  reportedAgentVersion: z.string().nullable(),
  reportedTollgateVersion: z.string().nullable(),
  reportedOs: z.enum(OS_NAMES).nullable(),
  connected: z.boolean(),
  lastSeenMs: z.number().nullable(),
  snapshotVersion: z.number(),
  settingsVersion: z.number(),
  ackedSnapshotVersion: z.number(),
  ackedSettingsVersion: z.number(),
  lastError: z.string().nullable(),
});
export const computerListSchema = z.object({
  computers: z.array(computerStateSchema),
  /** Ask again with `after` set to this for the computers after these; null: these are the last. */
  next: idSchema.nullable(),
});
export const enrolledSchema = z.object({ computerId: z.string(), token: z.string() });
export const policyListSchema = z.object({ policies: z.array(policySchema) });
export const policyChangedSchema = z.object({ policy: policySchema, changes: viewChangesSchema });
export const deletedSchema = z.object({ deleted: z.string(), changes: viewChangesSchema });
export const settingListSchema = z.object({ settings: z.array(agentSettingSchema) });
export const settingChangedSchema = z.object({
  settings: z.array(agentSettingSchema),
  changes: viewChangesSchema,
  ...applyReportFields,
});
export const upgradedSchema = z.object({
  org: z.string(),
  dryRun: z.boolean(),
  renumbered: z.array(
    z.object({
      policy: z.string(),
      app: z.string().nullable(),
      tier: z.enum(['builtIn', 'custom', 'default']),
      from: z.number(),
      to: z.number(),
    }),
  ),
  discrepancies: z.array(z.object({ computer: z.string(), policy: z.string(), nowBefore: z.string() })),
  text: z.string().meta({ description: 'the plan as `tollgate upgrade` prints it' }),
  changes: viewChangesSchema,
  ...applyReportFields,
});
export const lintSchema = z.object({
  warnings: z.array(z.object({ code: z.string(), list: z.string(), id: z.string(), message: z.string() })),
  text: z.string(),
});
export const publicKeySchema = z.object({ publicKey: z.string().meta({ description: 'PEM' }) });

// ---- Answers: approvals

export const approvalPolicyListSchema = z.object({ policies: z.array(approvalPolicySchema) });
export const approvalPolicyChangedSchema = z.object({
  policy: approvalPolicySchema,
  policies: z.array(approvalPolicySchema).meta({ description: "the organization's approval policies in order" }),
  changes: viewChangesSchema,
});
export const orgApprovalsSchema = z.object({
  org: z.string(),
  module: z.boolean(),
  guidelines: z.record(z.string(), z.unknown()).nullable(),
  escalation: z.record(z.string(), z.unknown()).nullable(),
  resolved: z
    .object({
      permitTarget: z.enum(PERMIT_TARGETS),
      instructions: z.string(),
      escalationEmails: ids,
      warnings: ids,
    })
    .nullable(),
  misconfigured: z.string().nullable(),
  policies: z.number(),
});
export const organizationListSchema = z.object({
  organizations: z.array(organizationSchema.extend({ approvals: orgApprovalsSchema })),
});
export const moduleChangedSchema = z.object({
  org: z.string(),
  module: z.string(),
  enabled: z.boolean(),
  changed: z.boolean(),
  created: z.array(approvalPolicySchema),
  changes: viewChangesSchema,
  approvals: orgApprovalsSchema,
  warnings: ids,
});
export const approvalSettingsChangedSchema = orgApprovalsSchema.extend({ changes: viewChangesSchema });

const suggestionSchema = z.object({
  suggestion: z.enum([...APPROVAL_ACTIONS, 'none']),
  policy: z.string().nullable(),
  reason: z.string(),
  permitTarget: z.enum(PERMIT_TARGETS),
  instructions: z.string(),
  escalationEmails: ids,
  warnings: ids,
});
export const requestPermitSchema = z.object({
  policy: z.string(),
  application: z.string(),
  applicationCreated: z.boolean(),
  target: z.enum(PERMIT_TARGETS),
  appliesTo: appliesToSchema,
  order: z.number(),
});
const noticeSchema = z.object({ to: ids, subject: z.string(), via: z.string() });
export const approvalRequestSchema = z.object({
  id: z.string(),
  computer: z.string(),
  group: z.string(),
  org: z.string(),
  submittedAtMs: z.number(),
  receivedAtMs: z.number(),
  file: z.object({
    path: z.string(),
    sha256: z.string().optional(),
    certSubject: z.string().optional(),
    certThumbprint: z.string().optional(),
    processPath: z.string().optional(),
    createdBy: z.string().optional(),
  }),
  user: z.string(),
  reason: z.string(),
  query: z.object({
    app: z.string().optional(),
    category: z.string().optional(),
    subcategory: z.string().optional(),
    primaryCompanyInfluence: ids.optional(),
    developmentInfluence: ids.optional(),
  }),
  suggestion: suggestionSchema,
  agentSuggestion: suggestionSchema,
  warnings: ids,
  status: z.enum(REQUEST_STATUSES),
  history: z.array(
    z.object({
      atMs: z.number(),
      action: z.enum(['approved', 'rejected', 'escalated']),
      note: z.string().optional(),
      notice: noticeSchema.extend({ atMs: z.number() }).optional(),
      permit: requestPermitSchema.optional(),
    }),
  ),
});
export const approvalRequestListSchema = z.object({
  requests: z.array(approvalRequestSchema),
  /** Ask again with `after` set to this for the requests after these; null: these are the last. */
  next: idSchema.nullable(),
});
export const approvedSchema = z.object({
  request: approvalRequestSchema,
  permit: requestPermitSchema,
  computers: ids,
  warnings: ids,
  changes: viewChangesSchema,
  ...applyReportFields,
});
export const requestChangedSchema = z.object({ request: approvalRequestSchema });
export const escalatedSchema = z.object({ request: approvalRequestSchema, notice: noticeSchema });

/** `GET /healthz`: the process is up. */
export const healthSchema = z.object({ status: z.literal('ok') });
/** One check of `GET /readyz`. */
export const readinessCheckSchema = z.object({
  name: z.enum(['store', 'signingKey']),
  ok: z.boolean(),
  detail: z.string(),
});
/** `GET /readyz`, with 200 (ready) and with 503 (not ready). */
export const readinessSchema = z.object({
  status: z.enum(['ready', 'not-ready']),
  failed: z.array(z.enum(['store', 'signingKey'])),
  checks: z.array(readinessCheckSchema),
});
/** `GET /metrics`: Prometheus' text exposition format. */
export const metricsTextSchema = z.string().meta({ description: 'metrics in the Prometheus text exposition format' });

/** The OpenAPI document: checked by its own validator in the tests, not here. */
export const openApiDocumentSchema = z.looseObject({ openapi: z.string() });

/** The Swagger UI page. */
export const htmlSchema = z.string().meta({ description: 'an HTML page' });
/** A file of the Swagger UI page. */
export const assetSchema = z.string().meta({ description: 'a script, style sheet or icon' });
export const docsAssetParamsSchema = z.object({
  asset: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/),
});

// ---- The types the CLI works with, as the contract shapes them

export type SettingScopeInput = z.input<typeof settingScopeSchema>;
export type PolicyInput = z.input<typeof policyInputSchema>;
export type PolicyPatch = z.input<typeof policyPatchSchema>;
export type ApprovalPolicyInput = z.input<typeof approvalPolicyInputSchema>;
export type ApprovalPolicyPatch = z.input<typeof approvalPolicyPatchSchema>;
export type ApprovalSettingsChange = z.input<typeof approvalSettingsChangeSchema>;
export type ViewChanges = z.output<typeof viewChangesSchema>;
export type ListDiff = z.output<typeof listDiffSchema>;
export type WorldDiff = z.output<typeof worldDiffSchema>;
export type ComputerStateAnswer = z.output<typeof computerStateSchema>;
export type OrgApprovalsAnswer = z.output<typeof orgApprovalsSchema>;
export type ApprovalRequestAnswer = z.output<typeof approvalRequestSchema>;
export type RequestPermitAnswer = z.output<typeof requestPermitSchema>;
/** A connected agent that refused a change, with its error. */
export type RefusedAgent = z.output<typeof refusedAgentSchema>;
/**
 * Which of the affected computers applied a change in time, which are
 * connected but have not applied it (`refused`: those of them that refused
 * it), which are offline.
 */
export interface ApplyReport {
  affected: string[];
  applied: string[];
  pending: string[];
  refused?: RefusedAgent[];
  offline: string[];
}
/** Where an admin sets an agent setting (SPEC.md section 9): an id for every kind but global. */
export type SettingScope =
  | { kind: 'computer'; id: string }
  | { kind: 'group'; id: string }
  | { kind: 'organization'; id: string }
  | { kind: 'global' };
