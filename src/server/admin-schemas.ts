/**
 * The request shapes of the admin API as JSON schemas (checked by fastify
 * before a handler runs), and the wording of shape problems so that each
 * names the field at fault, like the scenario loader does.
 */
import type { FastifySchemaValidationError } from 'fastify';
import { ID_PATTERN, ID_RULE, MAX_ID_CHARS } from '../engine/limits.js';
import { APPROVAL_ACTIONS, PERMIT_TARGETS, POLICY_ACTIONS } from '../engine/model.js';
import { APPLIES_TO_KEYS, COUNTRY_MODES } from '../engine/validate.js';
import { REQUEST_STATUSES } from './types.js';

/** The most a request body may hold: enough for a scenario of a large MSP. */
export const ADMIN_BODY_LIMIT_BYTES = 64 * 1024 * 1024;

/** How long a settings change or an upgrade waits for agents to acknowledge, unless the request says. */
export const DEFAULT_WAIT_MS = 2000;
/** The longest wait a request may ask for. */
export const MAX_WAIT_MS = 30_000;

export const SETTING_SCOPE_KINDS = ['computer', 'group', 'organization', 'global'] as const;

const text = { type: 'string' } as const;
const nonEmptyText = { type: 'string', minLength: 1 } as const;

/** An id of the world (engine/limits.ts: the same rule as scenario files and snapshots). */
const idText = { type: 'string', minLength: 1, maxLength: MAX_ID_CHARS, pattern: ID_PATTERN.source } as const;

/**
 * The longest path parameter the router takes: an id with every character
 * percent-encoded. Longer ones are refused by the router with 414 before any
 * handler runs; an id that passed the id rule is never that long.
 */
export const MAX_PARAM_CHARS = 3 * MAX_ID_CHARS;

const appliesToSchema = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  properties: {
    global: idText,
    globalGroup: {
      type: 'object',
      required: ['org', 'keyword'],
      additionalProperties: false,
      properties: { org: idText, keyword: text },
    },
    organization: idText,
    group: idText,
    computer: idText,
  },
} as const;

/** The fields of a policy an admin may set; `null` clears an optional field in a patch. */
const policyFields = {
  name: text,
  app: idText,
  appliesTo: appliesToSchema,
  action: { type: 'string', enum: POLICY_ACTIONS },
  order: { type: 'integer' },
  enabled: { type: 'boolean' },
  expiresAt: text,
  default: { type: 'boolean' },
  ringfence: { type: 'object' },
} as const;

export const policyInputSchema = {
  type: 'object',
  required: ['appliesTo', 'action', 'order'],
  additionalProperties: false,
  properties: { id: idText, ...policyFields },
} as const;

export const policyPatchSchema = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: {
    ...policyFields,
    name: { type: ['string', 'null'] },
    expiresAt: { type: ['string', 'null'] },
    ringfence: { type: ['object', 'null'] },
  },
} as const;

const scopeSchema = {
  type: 'object',
  required: ['kind'],
  additionalProperties: false,
  properties: { kind: { type: 'string', enum: SETTING_SCOPE_KINDS }, id: idText },
} as const;

export const settingSetSchema = {
  type: 'object',
  required: ['scope', 'type', 'value'],
  additionalProperties: false,
  properties: { scope: scopeSchema, type: nonEmptyText, value: { type: ['boolean', 'number', 'string'] } },
} as const;

export const settingClearSchema = {
  type: 'object',
  required: ['scope', 'type'],
  additionalProperties: false,
  properties: { scope: scopeSchema, type: nonEmptyText },
} as const;

export const upgradeSchema = {
  type: 'object',
  required: ['acknowledge'],
  additionalProperties: false,
  properties: { acknowledge: { type: 'boolean' }, dryRun: { type: 'boolean' } },
} as const;

/** Query strings arrive as text: the number is parsed, and bounded, by the handler. */
export const waitQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { waitMs: { type: 'string', pattern: '^[0-9]{1,9}$' } },
} as const;

// ---- Approvals (SPEC.md section 5). Rules beyond shape (a category that is
// only spaces, country codes, an allow list without a country, a negative
// order, groups of another organization) are the world validation's, which
// names the policy and the field.

/** An approval policy's Applies To; "exactly one key" is left to the world validation's wording. */
const approvalAppliesToSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    organization: idText,
    groups: { type: 'array', items: idText },
    computers: { type: 'array', items: idText },
  },
} as const;

const countriesSchema = {
  type: 'object',
  required: ['mode'],
  additionalProperties: false,
  properties: { mode: { type: 'string', enum: COUNTRY_MODES }, list: { type: 'array', items: text } },
} as const;

const approvalPolicyFields = {
  action: { type: 'string', enum: APPROVAL_ACTIONS },
  category: text,
  subcategory: text,
  appliesTo: approvalAppliesToSchema,
  countries: countriesSchema,
  active: { type: 'boolean' },
  order: { type: 'integer' },
} as const;

export const approvalPolicyInputSchema = {
  type: 'object',
  required: ['org', 'category'],
  additionalProperties: false,
  properties: { id: idText, org: idText, ...approvalPolicyFields },
} as const;

/** `id` and `org` are accepted so that changing them is refused with a message saying why. */
export const approvalPolicyPatchSchema = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: { id: text, org: text, ...approvalPolicyFields, subcategory: { type: ['string', 'null'] } },
} as const;

export const approvalSettingsChangeSchema = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: {
    guidelines: {
      type: 'object',
      minProperties: 1,
      additionalProperties: false,
      properties: {
        useParent: { type: 'boolean' },
        permitTarget: { type: 'string', enum: PERMIT_TARGETS },
        instructions: text,
      },
    },
    escalation: {
      type: 'object',
      minProperties: 1,
      additionalProperties: false,
      properties: { useParent: { type: 'boolean' }, emails: { type: 'array', items: text } },
    },
  },
} as const;

export const approvalPolicyListQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { org: idText },
} as const;

export const requestListQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: { status: { type: 'string', enum: [...REQUEST_STATUSES, 'all'] } },
} as const;

/** The longest note an admin may attach to an action on a request. */
export const MAX_NOTE_CHARS = 4000;

export const approveRequestSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { target: { type: 'string', enum: PERMIT_TARGETS }, note: { type: 'string', maxLength: MAX_NOTE_CHARS } },
} as const;

export const requestActionSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { note: { type: 'string', maxLength: MAX_NOTE_CHARS } },
} as const;

/** The body of an action that takes none: absent or `{}`, so a misplaced field is refused, not ignored. */
export const noFieldsSchema = { type: 'object', additionalProperties: false, properties: {} } as const;

/** Lets an action be sent without a body (curl -X POST): it is read as `{}`. */
export function emptyBodyAsObject(request: { body: unknown }, _reply: unknown, done: () => void): void {
  request.body ??= {};
  done();
}

export const moduleParamsSchema = {
  type: 'object',
  required: ['id', 'module'],
  properties: { id: idText, module: nonEmptyText },
} as const;

export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: idText },
} as const;

/** A scenario body is checked with the scenario loader's zod schema (strict, like these), not here. */
export const worldBodySchema = { type: 'object' } as const;

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean (true or false)',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type : String(type).split(',');
  return types.map((t) => TYPE_WORDS[String(t)] ?? String(t)).join(' or ');
}

/** `/appliesTo/globalGroup/org` as `appliesTo.globalGroup.org`, `/list/0` as `list[0]`. */
function fieldOf(instancePath: string, child?: unknown): string {
  const parts = instancePath.split('/').slice(1);
  if (typeof child === 'string' || typeof child === 'number') parts.push(String(child));
  return parts
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}

/** One JSON-schema problem worded as `FIELD complaint`; `part` is body, querystring, params or headers. */
export function schemaProblem(error: FastifySchemaValidationError, part: string | undefined): string {
  const params = error.params;
  const field = fieldOf(error.instancePath);
  const where = field === '' ? `the ${part === 'querystring' ? 'query string' : (part ?? 'request')}` : field;
  switch (error.keyword) {
    case 'required':
      return `${fieldOf(error.instancePath, params['missingProperty'])} is required`;
    case 'additionalProperties':
      return `${fieldOf(error.instancePath, params['additionalProperty'])} is not a known field`;
    case 'type':
      return `${where} must be ${typeWords(params['type'])}`;
    case 'enum':
      return `${where} must be one of ${(params['allowedValues'] as unknown[]).map(String).join(', ')}`;
    case 'minProperties':
    case 'maxProperties':
      if (field.endsWith('appliesTo')) return `${where} must have exactly one of ${APPLIES_TO_KEYS.join(', ')}`;
      return `${where} must not be empty`;
    case 'minLength':
      return `${where} must not be empty`;
    case 'maxLength':
      if (params['limit'] === MAX_ID_CHARS) return `${where} is not an id (${ID_RULE})`;
      return `${where} must be at most ${String(params['limit'])} characters`;
    case 'pattern':
      if (params['pattern'] === ID_PATTERN.source) return `${where} is not an id (${ID_RULE})`;
      return `${where} must be a whole number`;
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}
