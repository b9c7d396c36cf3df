/** The OpenAPI 3.1 document of the admin API, generated from the route table. */
import { ERROR_CODES, ERROR_MEANING, ERROR_STATUS, errorBodySchema, type ErrorCode } from './errors.js';
import { jsonSchemaOf, type JsonSchema } from './json-schema.js';
import { ADMIN_ROUTES, BODY_ERRORS, ROUTE_ERRORS_ALWAYS, type RouteContract } from './routes.js';

/** `/api/policies/:id` as OpenAPI writes it: `/api/policies/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** Every error code a route may answer with: the route's own and those common to its kind. */
export function errorCodesOf(route: RouteContract): ErrorCode[] {
  const codes = new Set<ErrorCode>([
    ...(route.auth === 'bearer'
      ? ROUTE_ERRORS_ALWAYS
      : (['invalid-input', 'bad-request', 'internal', 'stopping'] as const)),
    ...(route.body === undefined ? [] : BODY_ERRORS),
    ...route.errors,
  ]);
  return ERROR_CODES.filter((code) => codes.has(code));
}

function parametersOf(route: RouteContract): JsonSchema[] {
  const parameters: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (schema === undefined) continue;
    const json = jsonSchemaOf(schema, { target: 'draft-2020-12', io: 'input' });
    const required = new Set((json['required'] as string[] | undefined) ?? []);
    for (const [name, property] of Object.entries((json['properties'] ?? {}) as Record<string, JsonSchema>)) {
      const { description, ...propertySchema } = property;
      parameters.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        schema: propertySchema,
        ...(typeof description === 'string' ? { description } : {}),
      });
    }
  }
  return parameters;
}

function responsesOf(route: RouteContract): JsonSchema {
  const responses: JsonSchema = {};
  for (const [status, schema] of Object.entries(route.responses)) {
    responses[status] = {
      description: route.summary,
      content: {
        [route.contentType ?? 'application/json']: {
          schema: jsonSchemaOf(schema, { target: 'draft-2020-12', io: 'output' }),
        },
      },
    };
  }
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodesOf(route)) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: codes.map((code) => `\`${code}\`: ${ERROR_MEANING[code]}`).join('; '),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return responses;
}

function operationOf(route: RouteContract): JsonSchema {
  const operation: JsonSchema = {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    parameters: parametersOf(route),
    responses: responsesOf(route),
  };
  if (route.auth === 'none') operation['security'] = [];
  if (route.body !== undefined) {
    operation['requestBody'] = {
      required: route.emptyBodyAsObject !== true,
      content: { 'application/json': { schema: jsonSchemaOf(route.body, { target: 'draft-2020-12', io: 'input' }) } },
    };
  }
  return operation;
}

/** The OpenAPI 3.1 document of every route of the admin API. */
export function openApiDocument(options: { version: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of ADMIN_ROUTES) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operationOf(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'tollgate policy server admin API',
      version: options.version,
      description:
        'Every route but this document and its page needs `Authorization: Bearer <admin token>`. ' +
        'Errors are `{error: {code, message, problems?}}`; `problems` name every field at fault (docs/ADMIN.md).',
    },
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'the admin token' } },
      schemas: { Error: jsonSchemaOf(errorBodySchema, { target: 'draft-2020-12', io: 'output' }) },
    },
  };
}
