import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import {
  ADMIN_ROUTES,
  ERROR_CODES,
  ERROR_MEANING,
  ERROR_STATUS,
  ROUTES,
  errorBodySchema,
  errorCodesOf,
  openApiDocument,
  openApiPath,
  successStatus,
} from '../../src/contract/index.js';

type Json = Record<string, unknown>;

function operation(doc: Json, method: string, path: string): Json {
  const paths = doc['paths'] as Record<string, Record<string, Json>>;
  const op = paths[openApiPath(path)]?.[method.toLowerCase()];
  if (op === undefined) throw new Error(`no operation ${method} ${path}`);
  return op;
}

describe('the error codes', () => {
  it('give every code of the closed set exactly one status, an error status, and a meaning', () => {
    expect(Object.keys(ERROR_STATUS).sort()).toEqual([...ERROR_CODES].sort());
    expect(Object.keys(ERROR_MEANING).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) {
      const status = ERROR_STATUS[code];
      expect(Number.isInteger(status), code).toBe(true);
      expect(status >= 400 && status <= 599, `${code} answers ${status}`).toBe(true);
      expect(ERROR_MEANING[code].length).toBeGreaterThan(0);
    }
  });

  it('refuses an error body whose code is not in the set', () => {
    expect(errorBodySchema.safeParse({ error: { code: 'not-found', message: 'x' } }).success).toBe(true);
    expect(errorBodySchema.safeParse({ error: { code: 'no-such-code', message: 'x' } }).success).toBe(false);
    expect(errorBodySchema.safeParse({ error: { code: 'not-found' } }).success).toBe(false);
  });

  it('are listed in docs/ADMIN.md with their statuses, exactly as the table says', () => {
    const doc = readFileSync(new URL('../../docs/ADMIN.md', import.meta.url), 'utf8');
    const start = doc.indexOf('<!-- error-codes:start -->');
    const end = doc.indexOf('<!-- error-codes:end -->');
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    // Rows as cells, so the formatter's column padding does not matter.
    const rows = doc
      .slice(start, end)
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) =>
        line
          .split(/(?<!\\)\|/)
          .slice(1, -1)
          .map((cell) => cell.trim().replace(/\\\|/g, '|')),
      );
    expect(rows).toEqual(ERROR_CODES.map((code) => [`\`${code}\``, String(ERROR_STATUS[code]), ERROR_MEANING[code]]));
  });
});

describe('the route table', () => {
  it('names each operation once and each method and path once', () => {
    const ids = ADMIN_ROUTES.map((r) => r.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const keys = ADMIN_ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const [id, route] of Object.entries(ROUTES)) expect(route.operationId).toBe(id);
  });

  it('gives every route request schemas and a successful answer schema', () => {
    for (const route of ADMIN_ROUTES) {
      const name = `${route.method} ${route.path}`;
      expect(route.query, name).toBeDefined();
      const status = successStatus(route);
      expect(status >= 200 && status < 300, name).toBe(true);
      expect(Object.values(route.responses).length, name).toBeGreaterThan(0);
      const pathParams = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]).sort();
      expect(Object.keys(route.params?.shape ?? {}).sort(), name).toEqual(pathParams);
      if (route.method === 'GET') expect(route.body, name).toBeUndefined();
      if (route.method !== 'GET') expect(route.body, name).toBeDefined();
      for (const code of route.errors) expect(ERROR_CODES, name).toContain(code);
    }
  });
});

describe('the OpenAPI document', () => {
  const doc = openApiDocument({ version: '1.2.3' });

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(doc['openapi']).toBe('3.1.0');
  });

  it('is refused by the validator once broken, so the check above means something', async () => {
    const broken = structuredClone<Json>(doc);
    const op = operation(broken, 'POST', '/api/policies');
    op['responses'] = 'none';
    expect((await new Validator().validate(broken as never)).valid).toBe(false);
  });

  it('describes every route: parameters, body, answers, errors and security', () => {
    const schemes = (doc['components'] as Json)['securitySchemes'] as Json;
    expect(schemes['bearerAuth']).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(doc['security']).toEqual([{ bearerAuth: [] }]);
    const operations = Object.values(doc['paths'] as Record<string, Json>).flatMap((p) => Object.keys(p));
    expect(operations).toHaveLength(ADMIN_ROUTES.length);

    for (const route of ADMIN_ROUTES) {
      const op = operation(doc, route.method, route.path);
      expect(op['operationId']).toBe(route.operationId);
      const parameters = op['parameters'] as { name: string; in: string; required: boolean }[];
      for (const name of Object.keys(route.params?.shape ?? {})) {
        expect(parameters).toContainEqual(expect.objectContaining({ name, in: 'path', required: true }));
      }
      for (const name of Object.keys(route.query?.shape ?? {})) {
        expect(parameters).toContainEqual(expect.objectContaining({ name, in: 'query' }));
      }
      expect(op['requestBody'] !== undefined, route.operationId).toBe(route.body !== undefined);
      const responses = op['responses'] as Record<string, { content: Record<string, { schema: Json }> }>;
      const success = responses[String(successStatus(route))];
      expect(success, route.operationId).toBeDefined();
      expect(Object.values(success!.content)[0]?.schema, route.operationId).toBeDefined();
      for (const code of errorCodesOf(route)) {
        const error = responses[String(ERROR_STATUS[code])];
        expect(error?.content['application/json']?.schema, `${route.operationId} ${code}`).toEqual({
          $ref: '#/components/schemas/Error',
        });
      }
      if (route.auth === 'none') expect(op['security']).toEqual([]);
      else expect(op['security']).toBeUndefined();
    }
  });

  it('states the body schema of a route as its zod schema says', () => {
    const op = operation(doc, 'POST', '/api/policies');
    const schema = ((op['requestBody'] as Json)['content'] as Record<string, { schema: Json }>)['application/json']!
      .schema;
    expect(schema['required']).toEqual(['appliesTo', 'action', 'order']);
    expect(schema['additionalProperties']).toBe(false);
    expect((schema['properties'] as Record<string, Json>)['action']).toEqual({
      type: 'string',
      enum: ['permit', 'deny', 'denyWithRequest', 'ringfence'],
    });
  });
});
