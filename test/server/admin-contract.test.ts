/**
 * The admin API against its contract: every route fastify registered has a
 * contract entry and the schemas generated from it, the CLI sends through
 * the very schema objects the server checks with, every error body carries
 * a code of the closed set with that code's status, and the API document
 * and its page are served without a token, offline.
 */
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AdminClient } from '../../src/cli/admin-client.js';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import {
  ADMIN_ROUTES,
  ERROR_STATUS,
  ROUTES,
  errorBodySchema,
  openApiDocument,
  policyInputSchema,
  settingSetSchema,
  type RouteContract,
} from '../../src/contract/index.js';
import { buildAdminApi } from '../../src/server/admin-api.js';
import { registeredRoutes } from '../../src/server/contract-routes.js';
import { ServerMetrics } from '../../src/server/metrics.js';
import { RecordingHub, type TempState, adminWorld, openTempState } from './admin-harness.js';

const TOKEN = 'contract-test-token';

let temp: TempState;
let app: FastifyInstance;

beforeEach(async () => {
  temp = await openTempState(adminWorld());
  app = buildAdminApi({
    state: temp.state,
    adminToken: TOKEN,
    hub: new RecordingHub(),
    logger: false,
    metrics: new ServerMetrics({ state: temp.state }),
  });
});

afterEach(async () => {
  await app.close();
  await temp.close();
});

function routeOf(method: string, url: string): RouteContract | undefined {
  return registeredRoutes(app).find((r) => r.method === method && r.url === url)?.contract;
}

describe('the routes fastify registered', () => {
  it('are exactly the contract table, each with the schemas generated from its entry', async () => {
    await app.ready();
    const api = registeredRoutes(app).filter((r) => r.method !== 'HEAD');
    expect(api.map((r) => `${r.method} ${r.url}`).sort()).toEqual(
      ADMIN_ROUTES.map((r) => `${r.method} ${r.path}`).sort(),
    );
    for (const registered of api) {
      const name = `${registered.method} ${registered.url}`;
      const contract = registered.contract;
      expect(contract, name).toBeDefined();
      expect(contract, name).toBe(ROUTES[contract!.operationId as keyof typeof ROUTES]);
      const schema = registered.schema ?? {};
      expect(schema.querystring, name).toBeDefined();
      expect(schema.params !== undefined, name).toBe(contract!.params !== undefined);
      expect(schema.body !== undefined, name).toBe(contract!.body !== undefined);
      if (contract!.contentType === undefined) {
        expect(Object.keys(schema.response ?? {}), name).toEqual(Object.keys(contract!.responses));
      }
    }
  });

  it('refuse to start with an admin route that has no contract entry', async () => {
    app.get('/api/undocumented', () => ({}));
    app.get('/undocumented-probe', () => ({}));
    await expect(app.ready()).rejects.toThrow(
      /without a contract entry.*GET \/api\/undocumented, GET \/undocumented-probe/,
    );
  });
});

describe('the CLI and the server', () => {
  it('share the schema objects: the CLI calls with the very route entry the server checks with', async () => {
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const calls: RouteContract[] = [];
    const original = AdminClient.prototype.call;
    vi.spyOn(AdminClient.prototype, 'call').mockImplementation(function (
      this: AdminClient,
      route: RouteContract,
      options?: object,
    ) {
      calls.push(route);
      return original.call(this, route, options);
    });
    let stderr = '';
    const io: CliIo = { stdout: () => undefined, stderr: (t) => void (stderr += t), nowMs: () => 0 };
    const args = ['admin', '--server', url, '--token', TOKEN];
    const added = await main(
      [
        ...args,
        'policies',
        'add',
        '--applies-to',
        'group=shop-pcs',
        '--action',
        'deny',
        '--order',
        '40',
        '--app',
        'chrome',
      ],
      io,
    );
    const set = await main(
      [...args, 'settings', 'set', '--org', 'acme', 'prioritizeBuiltInApplications=false', '--wait-ms', '0'],
      io,
    );
    vi.restoreAllMocks();
    expect(stderr).toBe('');
    expect([added, set]).toEqual([0, 0]);

    const [addCall, setCall] = calls;
    expect(addCall).toBe(routeOf('POST', '/api/policies'));
    expect(addCall?.body).toBe(policyInputSchema);
    expect(routeOf('POST', '/api/policies')?.body).toBe(policyInputSchema);
    expect(setCall?.body).toBe(settingSetSchema);
    expect(setCall?.body).toBe(routeOf('PUT', '/api/settings')?.body);
  });

  it('checks answers with the contract: an answer that breaks it is refused as bad-response', async () => {
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const client = new AdminClient({ baseUrl: url, token: TOKEN });
    const fine = await client.call(ROUTES.publicKey);
    expect(fine.publicKey).toMatch(/BEGIN PUBLIC KEY/);
    // The world's answer asked for as if it were the public key's.
    const wrong = { ...ROUTES.publicKey, path: '/api/world' } as const;
    await expect(client.call(wrong)).rejects.toMatchObject({ code: 'bad-response' });
  });
});

describe('checkAnswers', () => {
  it('answers 500 internal, naming the field, when a handler answers off contract', async () => {
    const state = new Proxy(temp.state, {
      get(target, key, receiver) {
        if (key === 'publicKeyPem') return () => 42;
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const checked = buildAdminApi({
      state,
      adminToken: TOKEN,
      hub: new RecordingHub(),
      logger: false,
      checkAnswers: true,
    });
    try {
      const response = await checked.inject({
        method: 'GET',
        url: '/api/public-key',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(response.statusCode).toBe(500);
      const body = errorBodySchema.parse(response.json());
      expect(body.error.code).toBe('internal');
      expect(body.error.message).toContain('publicKey');
    } finally {
      await checked.close();
    }
  });
});

describe('errors', () => {
  const auth = { authorization: `Bearer ${TOKEN}` };

  it('carry a code of the closed set, with the status the table gives it, on every kind of refusal', async () => {
    const cases: {
      method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
      url: string;
      headers?: Record<string, string>;
      payload?: string;
    }[] = [
      { method: 'GET', url: '/api/world' },
      { method: 'GET', url: '/api/nowhere', headers: auth },
      { method: 'GET', url: '/api/computers/nobody', headers: auth },
      { method: 'GET', url: `/api/computers/${'x'.repeat(1000)}`, headers: auth },
      { method: 'GET', url: '/api/computers/%E0%A4%A', headers: auth },
      { method: 'GET', url: '/api/world?verbose=1', headers: auth },
      {
        method: 'POST',
        url: '/api/policies',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: '{"order":',
      },
      {
        method: 'POST',
        url: '/api/policies',
        headers: { ...auth, 'content-type': 'application/xml' },
        payload: '<x/>',
      },
      {
        method: 'POST',
        url: '/api/policies',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: '['.repeat(5000),
      },
      {
        method: 'POST',
        url: '/api/policies',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: '{"order":"x"}',
      },
      {
        method: 'POST',
        url: '/api/policies',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: JSON.stringify({ id: 'p-new', appliesTo: { group: 'nope' }, action: 'deny', order: 1, app: 'chrome' }),
      },
      {
        method: 'POST',
        url: '/api/organizations/acme/upgrade',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: '{"acknowledge":false}',
      },
      { method: 'POST', url: '/api/requests/nope/escalate', headers: auth },
      {
        method: 'PUT',
        url: '/api/settings?waitMs=99999',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: '{}',
      },
    ];
    const seen = new Set<string>();
    for (const c of cases) {
      const response = await app.inject({
        method: c.method,
        url: c.url,
        headers: c.headers ?? {},
        ...(c.payload === undefined ? {} : { payload: c.payload }),
      });
      const parsed = errorBodySchema.safeParse(response.json());
      expect(parsed.success, `${c.method} ${c.url}: ${response.body}`).toBe(true);
      if (!parsed.success) continue;
      expect(response.statusCode, `${c.method} ${c.url}`).toBe(ERROR_STATUS[parsed.data.error.code]);
      seen.add(parsed.data.error.code);
    }
    expect([...seen].sort()).toEqual(
      [
        'bad-request',
        'body-too-deep',
        'invalid-input',
        'invalid-json',
        'not-found',
        'unauthorized',
        'unsupported-media-type',
        'upgrade-refused',
        'uri-too-long',
      ].sort(),
    );
  });

  it('from random requests on every route carry a code of the closed set with its status', async () => {
    const routes = ADMIN_ROUTES.filter((r) => r.auth === 'bearer');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.string({ maxLength: 12 }),
        fc.jsonValue({ maxDepth: 3 }),
        async (route, id, body) => {
          const url = route.path.replace(/:[A-Za-z]+/g, encodeURIComponent(id) || 'x');
          const response = await app.inject({
            method: route.method,
            url,
            headers: auth,
            ...(route.body === undefined
              ? {}
              : { payload: JSON.stringify(body), headers: { ...auth, 'content-type': 'application/json' } }),
          });
          if (response.statusCode < 400) return;
          const parsed = errorBodySchema.safeParse(response.json());
          expect(parsed.success, `${route.method} ${url}: ${response.body}`).toBe(true);
          if (parsed.success) expect(response.statusCode).toBe(ERROR_STATUS[parsed.data.error.code]);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('the API document and its page', () => {
  it('are served without a token; the document is the one generated from the contract', async () => {
    const doc = await app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(doc.statusCode).toBe(200);
    expect(doc.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument({ version: '0.0.0' }))));

    const page = await app.inject({ method: 'GET', url: '/api/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    // Every file the page loads is served here, none from elsewhere.
    const sources = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThanOrEqual(4);
    for (const source of sources) {
      expect(source).not.toMatch(/^[a-z]+:|^\/\//);
      const asset = await app.inject({ method: 'GET', url: new URL(source, 'http://h/api/docs').pathname });
      expect(asset.statusCode, source).toBe(200);
      expect(asset.rawPayload.length, source).toBeGreaterThan(0);
    }
    const init = await app.inject({ method: 'GET', url: '/api/docs/tollgate-init.js' });
    expect(init.body).toContain("url: 'openapi.json'");
    expect(init.body).toContain('validatorUrl: null');
  });

  it('serves no other file and still guards every other route', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/docs/package.json' })).statusCode).toBe(404);
    const traversal = await app.inject({ method: 'GET', url: '/api/docs/..%2Fpackage.json' });
    expect(traversal.statusCode).toBe(400);
    // The problem says what a file name may be, not that it should be a number.
    expect(traversal.json<{ error: { problems: string[] } }>().error.problems).toEqual([
      'path parameter asset must match ^[A-Za-z0-9._-]+$',
    ]);
    expect((await app.inject({ method: 'GET', url: '/api/policies' })).statusCode).toBe(401);
  });
});
