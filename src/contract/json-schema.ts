/**
 * JSON schemas generated from the contract's zod schemas: draft-07 for the
 * server's request validation, draft 2020-12 for the OpenAPI 3.1 document.
 */
import * as z from 'zod';

export type JsonSchema = Record<string, unknown>;

/** Keywords that allow everything, so a branch holding only them and `type` is just that type. */
function isOnlyType(branch: unknown): branch is { type: string | string[] } {
  if (typeof branch !== 'object' || branch === null || !('type' in branch)) return false;
  return Object.entries(branch).every(([key, value]) => {
    if (key === 'type') return true;
    if (key === 'properties') return Object.keys(value as object).length === 0;
    if (key === 'additionalProperties') return value === true || Object.keys(value as object).length === 0;
    if (key === 'propertyNames') return JSON.stringify(value) === '{"type":"string"}';
    return false;
  });
}

/**
 * Tidies zod's output so a validator reports one plain problem per field:
 * `anyOf` of bare types becomes a type list (`string or null`), and the
 * safe-integer bounds zod adds to integers are dropped (the server checks
 * the ranges a field really has and names them).
 */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (typeof node !== 'object' || node === null) return node;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) out[key] = tidy(value);
  const anyOf = out['anyOf'];
  if (Array.isArray(anyOf) && anyOf.every(isOnlyType)) {
    delete out['anyOf'];
    out['type'] = anyOf.flatMap((branch) => branch.type);
  }
  if (out['type'] === 'integer') {
    if (out['minimum'] === Number.MIN_SAFE_INTEGER) delete out['minimum'];
    if (out['maximum'] === Number.MAX_SAFE_INTEGER) delete out['maximum'];
  }
  return out;
}

/**
 * The JSON schema of a request part (`io: input`) or an answer (`io: output`).
 * `draft-7` is what fastify's validator takes; `draft-2020-12` is OpenAPI 3.1's dialect.
 */
export function jsonSchemaOf(
  schema: z.ZodType,
  options: { target: 'draft-7' | 'draft-2020-12'; io: 'input' | 'output' },
): JsonSchema {
  const generated = z.toJSONSchema(schema, { ...options, unrepresentable: 'any' }) as JsonSchema;
  delete generated['$schema'];
  return tidy(generated) as JsonSchema;
}
