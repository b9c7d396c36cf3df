// Random and mutated bodies sent to every admin route, against the real
// server state in a temp directory: never a 500, a 4xx names what is wrong,
// a refused request leaves server.db exactly as it was, and what is accepted
// can be sent to every agent.
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { World } from '../../src/engine/model.js';
import { buildAdminApi } from '../../src/server/admin-api.js';
import { RecordingHub, type TempState, adminWorld, openTempState, storedRows } from './admin-harness.js';

const TOKEN = 'admin-fuzz-token';

type Method = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** A route and a body it accepts, which the mutations start from. */
interface Route {
  method: Method;
  url: string;
  body?: Record<string, unknown>;
}

function world(): World {
  const w = adminWorld();
  w.organizations = w.organizations.map((o) => (o.id === 'shop' ? { ...o, modules: ['cyberHeroApprovals'] } : o));
  w.approvalPolicies = [
    {
      id: 'ap-1',
      org: 'shop',
      order: 1,
      active: true,
      action: 'escalate',
      category: 'Shopping',
      appliesTo: { organization: 'shop' },
      countries: { mode: 'deny', list: ['CN'] },
    },
  ];
  return w;
}

const ROUTES: readonly Route[] = [
  { method: 'PUT', url: '/api/world', body: world() as unknown as Record<string, unknown> },
  { method: 'PUT', url: '/api/world?dryRun=true', body: world() as unknown as Record<string, unknown> },
  {
    method: 'POST',
    url: '/api/policies',
    body: { app: 'chrome', appliesTo: { group: 'shop-pcs' }, action: 'deny', order: 4 },
  },
  { method: 'PATCH', url: '/api/policies/p-notepad', body: { order: 3, name: 'Notepad' } },
  { method: 'DELETE', url: '/api/policies/p-chrome' },
  {
    method: 'PUT',
    url: '/api/settings?waitMs=10',
    body: { scope: { kind: 'group', id: 'shop-pcs' }, type: 'prioritizeBuiltInApplications', value: false },
  },
  {
    method: 'DELETE',
    url: '/api/settings',
    body: { scope: { kind: 'global' }, type: 'prioritizeBuiltInApplications' },
  },
  { method: 'POST', url: '/api/organizations/shop/upgrade?waitMs=10', body: { acknowledge: true, dryRun: true } },
  { method: 'POST', url: '/api/computers/pc-1/enroll' },
  { method: 'POST', url: '/api/approval-policies', body: { org: 'shop', category: 'Games', action: 'reject' } },
  { method: 'PATCH', url: '/api/approval-policies/ap-1', body: { order: 2, subcategory: 'Online' } },
  { method: 'DELETE', url: '/api/approval-policies/ap-1' },
  {
    method: 'PATCH',
    url: '/api/organizations/shop/approval-settings',
    body: { guidelines: { permitTarget: 'group' } },
  },
  { method: 'PUT', url: '/api/organizations/acme/modules/cyberHeroApprovals' },
  { method: 'DELETE', url: '/api/organizations/shop/modules/cyberHeroApprovals' },
  { method: 'POST', url: '/api/requests/req-1/approve', body: { target: 'group', note: 'ok' } },
  { method: 'POST', url: '/api/requests/req-1/reject', body: { note: 'no' } },
  { method: 'POST', url: '/api/requests/req-1/escalate', body: { note: 'ask' } },
  { method: 'GET', url: '/api/computers/pc-1' },
  { method: 'GET', url: '/api/requests?status=pending' },
];

/** Every path to a member of `value`: object keys and list indexes, outermost first. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => [[...prefix, i], ...pathsOf(item, [...prefix, i])]);
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [[...prefix, key], ...pathsOf(item, [...prefix, key])]);
  }
  return [];
}

type Mutation =
  | { op: 'set'; pick: number; value: unknown }
  | { op: 'delete'; pick: number }
  | { op: 'add'; pick: number; key: string; value: unknown };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    op: fc.constant('set' as const),
    pick: fc.nat(),
    // Numbers at the edges of what the wire carries, besides any JSON.
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53 + 1, 1e300),
    ),
  }),
  fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({
    op: fc.constant('add' as const),
    pick: fc.nat(),
    key: fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('__proto__', 'constructor', 'structur', 'organisations'),
    ),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
);

/** The body with the mutations applied (to a copy), each at a path picked among those it has then. */
function mutate(body: Record<string, unknown>, mutations: readonly Mutation[]): unknown {
  let root: unknown = structuredClone(body);
  for (const m of mutations) {
    const paths = [[], ...pathsOf(root)];
    const path = paths[m.pick % paths.length]!;
    if (path.length === 0) {
      if (m.op === 'set') root = m.value;
      else if (m.op === 'add' && root !== null && typeof root === 'object' && !Array.isArray(root)) {
        Object.defineProperty(root, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    const parent = path.slice(0, -1).reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], root) as
      Record<string | number, unknown> | unknown[];
    const last = path[path.length - 1]!;
    if (m.op === 'set') (parent as Record<string | number, unknown>)[last] = m.value;
    else if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else {
      const target = (parent as Record<string | number, unknown>)[last];
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
        Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      }
    }
  }
  return root;
}

let temp: TempState;
let app: FastifyInstance;

beforeAll(async () => {
  temp = await openTempState(world());
  await temp.state.recordApprovalRequest(
    'pc-1',
    {
      requestId: 'req-1',
      submittedAtMs: 1_000,
      file: { path: 'C:\\Tools\\tool.exe' },
      user: 'alice',
      reason: 'stock count',
      query: { category: 'Shopping', primaryCompanyInfluence: ['GB'] },
      suggestion: {
        suggestion: 'escalate',
        policy: 'ap-1',
        reason: 'from the agent',
        permitTarget: 'group',
        instructions: '',
        escalationEmails: [],
        warnings: [],
      },
    },
    1_000,
  );
  app = buildAdminApi({
    state: temp.state,
    adminToken: TOKEN,
    hub: new RecordingHub(),
    logger: false,
    checkAnswers: true,
  });
});

afterAll(async () => {
  await app.close();
  await temp.close();
});

/** Sends one request and checks the answer: no 500, a named 4xx, and nothing stored when refused. */
async function check(method: Method, url: string, payload: string | undefined): Promise<void> {
  const before = storedRows(temp.dir);
  const response = await app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(payload === undefined ? {} : { payload }),
  });
  const where = `${method} ${url} ${payload?.slice(0, 300) ?? ''}`;
  expect(response.statusCode, where).toBeLessThan(500);
  if (response.statusCode < 400) {
    // Whatever was accepted can be sent to every agent.
    for (const computer of temp.state.world().computers) {
      expect(() => temp.state.snapshotFor(computer.id), where).not.toThrow();
      expect(() => temp.state.settingsFor(computer.id), where).not.toThrow();
    }
    return;
  }
  const error = response.json<{ error: { code: string; message: string; problems?: string[] } }>().error;
  expect(error.code, where).toMatch(/^[a-z][a-z-]*$/);
  expect(error.message.length, where).toBeGreaterThan(0);
  if (error.code === 'invalid-input') {
    expect(error.problems?.length, where).toBeGreaterThan(0);
    for (const problem of error.problems ?? []) expect(problem.trim(), where).not.toBe('');
  }
  expect(storedRows(temp.dir), where).toBe(before);
}

describe('random and mutated admin bodies', () => {
  it('mutated bodies on every route: no 500, a named refusal, nothing stored when refused', async () => {
    const routeArb = fc.constantFrom(...ROUTES.filter((r) => r.body !== undefined));
    await fc.assert(
      fc.asyncProperty(routeArb, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), async (route, mutations) => {
        const body = mutate(route.body!, mutations);
        await check(route.method, route.url, JSON.stringify(body) ?? 'null');
      }),
      { numRuns: 300 },
    );
  });

  it('random JSON, random text and random ids on every route: no 500, nothing stored when refused', async () => {
    const payloadArb = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
      fc.string({ maxLength: 40 }),
      fc.constant(undefined),
    );
    const idArb = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('pc-1', 'ap-1', 'shop', 'req-1', '%', '..'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), payloadArb, idArb, async (route, payload, id) => {
        // Replace the route's first id segment with the random one (encoded, as a client would send it).
        const url = route.url.replace(/^(\/api\/[a-z-]+\/)([^/?]+)/, (whole, head: string) =>
          /\/api\/(policies|approval-policies|organizations|requests|computers)\/$/.test(head)
            ? `${head}${encodeURIComponent(id) || 'x'}`
            : whole,
        );
        await check(route.method, url, payload);
      }),
      { numRuns: 300 },
    );
  });
});
