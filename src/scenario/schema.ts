/**
 * The shapes of scenario and fixture files (SPEC.md section 7) as zod schemas.
 * They check types and fill defaults; an unknown key at any level is refused
 * (a misspelt field must not silently change a world or a test). Meaning
 * (references, ids, versions, order ranges) is checked afterwards by
 * validateWorld.
 */
import * as z from 'zod';
import { freeObject } from '../contract/schemas.js';
import { isCountryCode } from '../engine/countries.js';
import {
  APPROVAL_ACTIONS,
  OS_NAMES,
  PERMIT_TARGETS,
  POLICY_ACTIONS,
  STRUCTURES,
  type AppliesTo,
  type ApprovalAppliesTo,
  type ApprovalRequest,
  type FileRequest,
  type SettingValue,
  type World,
} from '../engine/model.js';
import { POLICY_ORDER_MAX, POLICY_ORDER_MIN, UINT32_MAX } from '../engine/limits.js';
import { APPLIES_TO_KEYS, APPROVAL_APPLIES_TO_KEYS, COUNTRY_MODES, timeProblem } from '../engine/validate.js';

/** YAML may hand over a Date for an unquoted timestamp under other schemas; keep the ISO text. */
function dateToIso(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

/** The keys of an object that are set, known or not. */
function setKeys(value: Record<string, unknown>): string[] {
  return Object.keys(value).filter((k) => value[k] !== undefined);
}

/** Reports an object that does not set exactly one of `allowed`; returns that key otherwise. */
function exactlyOneKey<K extends string>(
  value: Record<string, unknown>,
  allowed: readonly K[],
  ctx: z.RefinementCtx,
): K | undefined {
  const keys = setKeys(value);
  const unknown = keys.filter((k) => !(allowed as readonly string[]).includes(k));
  const expected = `must have exactly one of ${allowed.join(', ')}`;
  if (unknown.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `${expected}; ${unknown.map((k) => `"${k}"`).join(', ')} is not one of them`,
    });
  } else if (keys.length !== 1) {
    ctx.addIssue({ code: 'custom', message: `${expected}; it has ${keys.length === 0 ? 'none' : keys.join(', ')}` });
  } else {
    return keys[0] as K;
  }
  return undefined;
}

/** Orders are checked for being integers in the range their wire field carries by validateWorld, which names the entry. */
const order = z.number();

/** Versions must arrive as strings: YAML reads an unquoted `10.5` as a number. */
const version = z.string();

/** A policy's or setting's Applies To: exactly one key (SPEC.md section 1). */
export const appliesToSchema = z
  .looseObject({
    global: z.string().optional(),
    globalGroup: z.strictObject({ org: z.string(), keyword: z.string() }).optional(),
    organization: z.string().optional(),
    group: z.string().optional(),
    computer: z.string().optional(),
  })
  .transform((value, ctx): AppliesTo => {
    const key = exactlyOneKey(value, APPLIES_TO_KEYS, ctx);
    if (key === undefined) return z.NEVER;
    return { [key]: value[key] } as AppliesTo;
  });

/** An approval policy's Applies To: exactly one of organization, groups, computers. */
export const approvalAppliesToSchema = z
  .looseObject({
    organization: z.string().optional(),
    groups: z.array(z.string()).optional(),
    computers: z.array(z.string()).optional(),
  })
  .transform((value, ctx): ApprovalAppliesTo => {
    const key = exactlyOneKey(value, APPROVAL_APPLIES_TO_KEYS, ctx);
    if (key === undefined) return z.NEVER;
    return { [key]: value[key] } as ApprovalAppliesTo;
  });

const organizationSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  parent: z.string().optional(),
  structure: z.enum(STRUCTURES).default('hierarchical'),
  modules: z.array(z.string()).default(() => []),
});

const groupSchema = z.strictObject({
  id: z.string(),
  org: z.string(),
  name: z.string(),
  os: z.enum(OS_NAMES),
  agentVersion: version,
});

const computerSchema = z.strictObject({
  id: z.string(),
  group: z.string(),
  name: z.string().optional(),
  agentVersion: version.optional(),
});

const ruleSchema = z.strictObject({
  path: z.string().optional(),
  processPath: z.string().optional(),
  createdBy: z.string().optional(),
  sha256: z.string().optional(),
  certSubject: z.string().optional(),
  certThumbprint: z.string().optional(),
});

/** `builtIn` defaults to false: an application is custom unless it says otherwise. */
const applicationSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  builtIn: z.boolean().default(false),
  org: z.string().optional(),
  category: z.string().optional(),
  subcategory: z.string().optional(),
  primaryCompanyInfluence: z.array(z.string()).optional(),
  developmentInfluence: z.array(z.string()).optional(),
  rules: z.array(ruleSchema).default(() => []),
});

const policySchema = z.strictObject({
  id: z.string(),
  name: z.string().optional(),
  app: z.string().optional(),
  appliesTo: appliesToSchema,
  action: z.enum(POLICY_ACTIONS),
  order,
  enabled: z.boolean().default(true),
  expiresAt: z.preprocess(dateToIso, z.string()).optional(),
  default: z.boolean().optional(),
  ringfence: freeObject.optional(),
});

const settingValueSchema = z.union([z.boolean(), z.number(), z.string()], {
  error: 'must be a boolean, a number or a string',
});

const agentSettingSchema = z.strictObject({
  id: z.string(),
  type: z.string(),
  value: settingValueSchema,
  appliesTo: appliesToSchema,
  order,
});

const gateSchema = z.strictObject({
  feature: z.string(),
  os: z.enum(OS_NAMES),
  minVersion: version,
});

const countriesSchema = z.strictObject({
  mode: z.enum(COUNTRY_MODES).default('deny'),
  list: z.array(z.string()).default(() => []),
});

const approvalPolicySchema = z.strictObject({
  id: z.string(),
  org: z.string(),
  order,
  active: z.boolean().default(true),
  action: z.enum(APPROVAL_ACTIONS),
  category: z.string(),
  subcategory: z.string().optional(),
  appliesTo: approvalAppliesToSchema,
  countries: countriesSchema.default(() => ({ mode: 'deny' as const, list: [] })),
});

const approvalSettingsSchema = z.strictObject({
  org: z.string(),
  guidelines: z
    .strictObject({
      useParent: z.boolean().optional(),
      permitTarget: z.enum(PERMIT_TARGETS).optional(),
      instructions: z.string().optional(),
    })
    .optional(),
  escalation: z
    .strictObject({
      useParent: z.boolean().optional(),
      emails: z.array(z.string()).optional(),
    })
    .optional(),
});

/**
 * A scenario file or admin world body. `organizations` is required (an empty
 * world says so with `organizations: []`), so that an empty or misnamed
 * document never reads as "no world"; every other list may be missing and then
 * is empty; `gates` stays absent when absent.
 */
export const scenarioSchema: z.ZodType<World> = z.strictObject({
  organizations: z.array(organizationSchema),
  groups: z.array(groupSchema).default(() => []),
  computers: z.array(computerSchema).default(() => []),
  applications: z.array(applicationSchema).default(() => []),
  policies: z.array(policySchema).default(() => []),
  agentSettings: z.array(agentSettingSchema).default(() => []),
  gates: z.array(gateSchema).optional(),
  approvalPolicies: z.array(approvalPolicySchema).default(() => []),
  approvalSettings: z.array(approvalSettingsSchema).default(() => []),
});

/** An approval request in a fixture: by application id, or the application's attributes. */
export type FixtureApproval = { app: string } | ApprovalRequest;

/** What a case expects; `policy: null` expects no policy, other keys name decision or suggestion fields. */
export interface FixtureExpect {
  policy?: string | null;
  [field: string]: unknown;
}

/** One fixture case; exactly one of `file` and `approval` is set. */
export interface FixtureCase {
  name: string;
  computer: string;
  /** RFC 3339 evaluation time. */
  at?: string;
  settings?: Record<string, SettingValue>;
  file?: FileRequest;
  approval?: FixtureApproval;
  expect: FixtureExpect;
}

/** A fixture file: `{cases: [...]}`. */
export interface FixtureFile {
  cases: FixtureCase[];
}

const countryCode = z.string().refine(isCountryCode, {
  error: (issue) => `${JSON.stringify(issue.input)} is not an ISO 3166-1 alpha-2 country code`,
});

const fileRequestSchema = z.strictObject({
  path: z.string().min(1, { error: 'must not be empty: a request names its file' }),
  sha256: z.string().optional(),
  certSubject: z.string().optional(),
  certThumbprint: z.string().optional(),
  processPath: z.string().optional(),
  createdBy: z.string().optional(),
});

/** `{app}` alone, or `{category, ...}`; the influence lists default to empty. */
const fixtureApprovalSchema = z
  .strictObject({
    app: z.string().optional(),
    category: z.string().optional(),
    subcategory: z.string().optional(),
    primaryCompanyInfluence: z.array(countryCode).optional(),
    developmentInfluence: z.array(countryCode).optional(),
  })
  .transform((value, ctx): FixtureApproval => {
    const { app, category, subcategory, primaryCompanyInfluence, developmentInfluence } = value;
    if (app !== undefined) {
      const extra = setKeys(value).filter((k) => k !== 'app');
      if (extra.length === 0) return { app };
      ctx.addIssue({ code: 'custom', message: `sets app, so it must not also set ${extra.join(', ')}` });
      return z.NEVER;
    }
    if (category === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must have app or category' });
      return z.NEVER;
    }
    return {
      category,
      ...(subcategory !== undefined && { subcategory }),
      primaryCompanyInfluence: primaryCompanyInfluence ?? [],
      developmentInfluence: developmentInfluence ?? [],
    };
  });

const nullableText = z.string().nullable();
const textList = z.array(z.string());

/** The decision fields a file case may expect (SPEC.md section 2.7), each with the values it can take. */
export const DECISION_EXPECTATIONS: Readonly<Record<string, z.ZodType>> = {
  action: z.enum(POLICY_ACTIONS),
  policy: nullableText,
  policyName: nullableText,
  order: z.number().int().min(POLICY_ORDER_MIN).max(POLICY_ORDER_MAX).nullable(),
  application: nullableText,
  structure: z.enum(STRUCTURES),
  builtInsFirst: z.boolean(),
  gated: textList,
  snapshotVersion: z.number().int().min(0).max(UINT32_MAX).nullable(),
  reason: z.string(),
  ringfence: freeObject,
};

/** The suggestion fields an approval case may expect (SPEC.md section 5), each with the values it can take. */
export const SUGGESTION_EXPECTATIONS: Readonly<Record<string, z.ZodType>> = {
  suggestion: z.enum([...APPROVAL_ACTIONS, 'none']),
  policy: nullableText,
  reason: z.string(),
  permitTarget: z.enum(PERMIT_TARGETS),
  instructions: z.string(),
  escalationEmails: textList,
  warnings: textList,
};

/** Refuses an `expect` key that is no field of the case's answer, and a value that field can never take. */
function checkExpectation(expect: Record<string, unknown>, kind: 'file' | 'approval', ctx: z.RefinementCtx): void {
  const fields = kind === 'file' ? DECISION_EXPECTATIONS : SUGGESTION_EXPECTATIONS;
  const answer = kind === 'file' ? 'decision' : 'suggestion';
  for (const [key, value] of Object.entries(expect)) {
    const schema = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (schema === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['expect', key],
        message: `is not a ${answer} field (a ${kind} case may expect ${Object.keys(fields).join(', ')})`,
      });
      continue;
    }
    const result = schema.safeParse(value, { reportInput: true });
    if (result.success) continue;
    for (const issue of result.error.issues) {
      ctx.addIssue({ ...issue, path: ['expect', key, ...issue.path] });
    }
  }
}

const fixtureCaseSchema = z
  .strictObject({
    name: z.string(),
    computer: z.string(),
    at: z
      .preprocess(
        dateToIso,
        z.string().check((ctx) => {
          const problem = timeProblem(ctx.value);
          if (problem !== null)
            ctx.issues.push({ code: 'custom', input: ctx.value, message: `${JSON.stringify(ctx.value)} ${problem}` });
        }),
      )
      .optional(),
    settings: z.record(z.string(), settingValueSchema).optional(),
    file: fileRequestSchema.optional(),
    approval: fixtureApprovalSchema.optional(),
    // `policy` first, as reports have always shown it.
    expect: z
      .record(z.string(), z.unknown())
      .transform((value) => (Object.hasOwn(value, 'policy') ? { policy: value.policy, ...value } : value)),
  })
  .superRefine((value, ctx) => {
    if (value.file === undefined && value.approval === undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs exactly one of file and approval; it has neither' });
    } else if (value.file !== undefined && value.approval !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'needs exactly one of file and approval; it has both' });
    } else {
      checkExpectation(value.expect, value.file !== undefined ? 'file' : 'approval', ctx);
    }
  });

/** A fixture file (SPEC.md section 7). */
export const fixtureFileSchema: z.ZodType<FixtureFile> = z.strictObject({ cases: z.array(fixtureCaseSchema) });
