/**
 * The default approval policies created when an organization gets the
 * approvals module: read from a YAML (or JSON) data file shipped with the
 * project (`data/default-approval-policies.yaml`) that an operator can edit
 * or replace (server config `approvals.defaultPoliciesFile`).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { readBoundedText } from '../scenario/bounded-read.js';
import { parseConfigValue } from '../scenario/config-text.js';
import { MAX_YAML_FILE_BYTES } from '../scenario/load.js';
import { isCountryCode } from '../engine/countries.js';
import { ValidationError } from '../engine/errors.js';
import { APPROVAL_ACTIONS } from '../engine/model.js';
import { COUNTRY_MODES } from '../engine/validate.js';
import type { ApprovalPolicyTemplate } from './approval-admin.js';

/** The shipped data file's name, in the project's `data/` folder. */
export const DEFAULT_APPROVAL_POLICIES_FILE = 'default-approval-policies.yaml';

const templateSchema = z.strictObject({
  action: z.enum(APPROVAL_ACTIONS),
  category: z.string().trim().min(1, { error: 'must not be empty' }),
  subcategory: z.string().trim().min(1, { error: 'must not be empty' }).optional(),
  countries: z
    .strictObject({ mode: z.enum(COUNTRY_MODES), list: z.array(z.string()).default(() => []) })
    .default({ mode: 'deny', list: [] }),
  active: z.boolean().default(true),
});

const fileSchema = z.strictObject({ policies: z.array(templateSchema) });

/**
 * The shipped file: `data/default-approval-policies.yaml` in the project
 * folder, found by walking up from this module (it runs from `src/` under
 * the tests and from `dist/src/` once built).
 */
export function shippedDefaultApprovalPoliciesPath(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'data', DEFAULT_APPROVAL_POLICIES_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return join(start, '..', '..', 'data', DEFAULT_APPROVAL_POLICIES_FILE);
  }
}

function pathText(path: readonly PropertyKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

/** Parses and checks the default policies; every problem names the file, the entry and the field. */
export function parseDefaultApprovalPolicies(text: string, file: string): ApprovalPolicyTemplate[] {
  const raw = parseConfigValue(text, file);
  const parsed = fileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map(
        (issue) => `${file}: ${issue.path.length === 0 ? '(top level)' : pathText(issue.path)}: ${issue.message}`,
      ),
    );
  }
  const problems: string[] = [];
  const templates = parsed.data.policies.map((entry, i): ApprovalPolicyTemplate => {
    const at = `${file}: policies[${i}]`;
    const list = entry.countries.list.map((code) => code.trim().toUpperCase());
    for (const code of list) {
      if (!isCountryCode(code))
        problems.push(`${at}.countries.list: "${code}" is not an ISO 3166-1 alpha-2 country code`);
    }
    if (entry.countries.mode === 'allow' && list.length === 0) {
      problems.push(`${at}.countries.list: must name at least one country when mode is allow`);
    }
    const template: ApprovalPolicyTemplate = {
      action: entry.action,
      category: entry.category,
      countries: { mode: entry.countries.mode, list: [...new Set(list)] },
      active: entry.active,
    };
    if (entry.subcategory !== undefined) template.subcategory = entry.subcategory;
    return template;
  });
  if (problems.length > 0) throw new ValidationError(problems);
  return templates;
}

/** Reads the default policies from a file (the shipped one unless told). */
export async function loadDefaultApprovalPolicies(
  file: string = shippedDefaultApprovalPoliciesPath(),
): Promise<ApprovalPolicyTemplate[]> {
  let text: string;
  try {
    text = await readBoundedText(
      file,
      MAX_YAML_FILE_BYTES,
      `is larger than a default approval policies file may be (${MAX_YAML_FILE_BYTES} bytes)`,
    );
  } catch (error) {
    throw new ValidationError([`${file}: ${(error as Error).message}`], { cause: error });
  }
  return parseDefaultApprovalPolicies(text, file);
}
