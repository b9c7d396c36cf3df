/**
 * How the admin API words a request's shape problems, so that each names
 * the field at fault like the scenario loader does. The shapes themselves
 * are the contract's (src/contract): fastify checks requests with the JSON
 * schemas generated from them.
 */
import type { FastifySchemaValidationError } from 'fastify';
import {
  COMPUTER_LIMIT_PATTERN,
  MAX_COMPUTER_PAGE,
  MAX_REQUEST_PAGE,
  MAX_WAIT_MS,
  REQUEST_LIMIT_PATTERN,
  WAIT_MS_PATTERN,
} from '../contract/index.js';
import { ID_PATTERN, ID_RULE, MAX_ID_CHARS } from '../engine/limits.js';
import { APPLIES_TO_KEYS } from '../engine/validate.js';

export {
  ADMIN_BODY_LIMIT_BYTES,
  DEFAULT_WAIT_MS,
  MAX_NOTE_CHARS,
  MAX_PARAM_CHARS,
  MAX_WAIT_MS,
  SETTING_SCOPE_KINDS,
} from '../contract/index.js';

/** Lets an action be sent without a body (curl -X POST): it is read as `{}`. */
export function emptyBodyAsObject(request: { body: unknown }, _reply: unknown, done: () => void): void {
  request.body ??= {};
  done();
}

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

/** How a query parameter given more than once is told. */
const REPEATED_SUFFIX = ' is given more than once; give it once';

/** The range of each numeric query parameter, by its pattern, for the message of one that is not a number in it. */
const QUERY_NUMBER_RANGES: ReadonlyMap<string, string> = new Map([
  [COMPUTER_LIMIT_PATTERN.source, `from 1 to ${MAX_COMPUTER_PAGE}`],
  [REQUEST_LIMIT_PATTERN.source, `from 1 to ${MAX_REQUEST_PAGE}`],
  [WAIT_MS_PATTERN.source, `from 0 to ${MAX_WAIT_MS}`],
]);

/** One JSON-schema problem worded as `FIELD complaint`; `part` is body, querystring, params or headers. */
export function schemaProblem(error: FastifySchemaValidationError, part: string | undefined): string {
  const params = error.params;
  const field = fieldOf(error.instancePath);
  const where =
    field === ''
      ? `the ${part === 'querystring' ? 'query string' : (part ?? 'request')}`
      : part === 'params'
        ? `path parameter ${field}`
        : field;
  // Query parameters arrive as text: one that is not, was given more than once (a list).
  if (part === 'querystring' && field !== '' && error.keyword === 'type') return `${where}${REPEATED_SUFFIX}`;
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
      {
        const range = QUERY_NUMBER_RANGES.get(String(params['pattern']));
        if (range !== undefined) return `${where} must be a whole number ${range}`;
        return `${where} must match ${String(params['pattern'])}`;
      }
    default:
      return `${where} ${error.message ?? 'is invalid'}`;
  }
}

/**
 * Every JSON-schema problem of a request worded (schemaProblem), once per
 * field at fault where one says it all: a query parameter given more than
 * once fails its type and its allowed values alike, and is told once.
 */
export function schemaProblems(errors: readonly FastifySchemaValidationError[], part: string | undefined): string[] {
  const problems = errors.map((e) => schemaProblem(e, part));
  const repeated = new Set(
    problems.filter((p) => p.endsWith(REPEATED_SUFFIX)).map((p) => p.slice(0, -REPEATED_SUFFIX.length)),
  );
  const kept: string[] = [];
  for (const problem of problems) {
    const field = problem.slice(0, Math.max(0, problem.indexOf(' ')));
    if (repeated.has(field) && !problem.endsWith(REPEATED_SUFFIX)) continue;
    if (!kept.includes(problem)) kept.push(problem);
  }
  return kept;
}
