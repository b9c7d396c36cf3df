import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ValidationError } from '../../src/engine/errors.js';
import type { World } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import { WorldIndex } from '../../src/engine/world.js';
import { buildAdminApi } from '../../src/server/admin-api.js';
import { ADMIN_BODY_LIMIT_BYTES } from '../../src/server/admin-schemas.js';
import { MAX_JSON_DEPTH, jsonDepthOver, jsonShapeOver } from '../../src/engine/json-depth.js';
import { MAX_ENCODING_PROBLEMS, SERVER_DB_FILE, ServerState } from '../../src/server/state.js';
import { viewEncodingProblem } from '../../src/server/view-encoding.js';
import { peekSnapshot } from '../../src/wire/signed.js';
import {
  RecordingHub,
  TestAgent,
  type TempState,
  adminWorld,
  dbFileDigest,
  openTempState,
  startAdminServer,
  storedRows,
} from './admin-harness.js';

const TOKEN = 'admin-world-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const TOO_BIG_FOR_INT32 = 2_147_483_648;

let temp: TempState;

beforeEach(async () => {
  temp = await openTempState(adminWorld());
});

afterEach(async () => {
  await temp.close();
});

async function send(
  app: FastifyInstance,
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await app.inject({
    method,
    url,
    headers: AUTH,
    ...(body === undefined ? {} : { payload: body as object }),
  });
  return { status: response.statusCode, body: response.json() };
}

function errorOf(answer: { body: Record<string, unknown> }): { code: string; message: string; problems?: string[] } {
  return answer.body['error'] as { code: string; message: string; problems?: string[] };
}

/** A world whose policy p-notepad (on pc-1 and pc-2) has an order no agent can receive. */
function worldWithHugeOrder(): World {
  const world = adminWorld();
  world.policies[1]!.order = TOO_BIG_FOR_INT32;
  return world;
}

describe('a write whose views cannot be encoded for an agent', () => {
  it('names the computer, policy and field of a view that cannot be encoded', () => {
    const index = new WorldIndex(worldWithHugeOrder());
    const view = buildView(index, 'pc-1');
    expect(viewEncodingProblem('pc-1', view, { snapshotVersion: 2, settingsVersion: 1 })).toBe(
      `computers[pc-1]: its view cannot be encoded for its agent: policies[p-notepad].order: ${TOO_BIG_FOR_INT32} is not a 32-bit integer`,
    );
    expect(viewEncodingProblem('a-1', buildView(index, 'a-1'), { snapshotVersion: 2, settingsVersion: 1 })).toBe(null);
    expect(
      viewEncodingProblem('a-1', buildView(index, 'a-1'), { snapshotVersion: 2 ** 32, settingsVersion: 1 }),
    ).toMatch(/^computers\[a-1\]: .*snapshotVersion/);
  });

  it('is refused by every route, and nothing is stored, without a connected agent', async () => {
    const hub = new RecordingHub();
    const app = buildAdminApi({ state: temp.state, adminToken: TOKEN, hub, logger: false, checkAnswers: true });
    const before = storedRows(temp.dir);
    const bytes = dbFileDigest(temp.dir);
    const world = structuredClone(temp.state.world());
    const attempts = [
      await send(app, 'PATCH', '/api/policies/p-notepad', { order: TOO_BIG_FOR_INT32 }),
      await send(app, 'POST', '/api/policies', {
        id: 'p-huge',
        app: 'chrome',
        appliesTo: { computer: 'pc-1' },
        action: 'deny',
        order: TOO_BIG_FOR_INT32,
      }),
      await send(app, 'PUT', '/api/world', worldWithHugeOrder()),
    ];
    for (const answer of attempts) {
      expect(answer.status).toBe(400);
      expect(errorOf(answer).message).toMatch(/order/);
      expect(errorOf(answer).message).toMatch(/p-notepad|p-huge/);
    }
    expect(storedRows(temp.dir)).toBe(before);
    expect(dbFileDigest(temp.dir)).toBe(bytes);
    expect(temp.state.world()).toEqual(world);
    expect(hub.pushes).toEqual([]);
    await app.close();
  });

  it('is refused while an affected agent is connected, and that agent keeps syncing', async () => {
    const { token } = await temp.state.enroll('pc-1');
    const server = await startAdminServer(temp.state, TOKEN);
    const agent = await TestAgent.connect(server.url);
    try {
      agent.hello('pc-1', token);
      const first = await agent.next();
      expect(first.kind).toBe('snapshot');
      const version = peekSnapshot((first as { signed: Uint8Array }).signed).version;
      agent.ack(version, 1);
      // The ack is recorded once the server answers the next hello: wait for that before taking the digest.
      agent.hello('pc-1', token, { snapshotVersion: version, settingsVersion: 1 });
      expect((await agent.next()).kind).toBe('upToDate');
      const before = storedRows(temp.dir);
      const bytes = dbFileDigest(temp.dir);

      const answer = await send(server.app, 'PATCH', '/api/policies/p-notepad', { order: TOO_BIG_FOR_INT32 });
      expect(answer.status).toBe(400);
      expect(errorOf(answer).message).toMatch(/policies\[p-notepad\]\S*:? order 2147483648/);
      expect(storedRows(temp.dir)).toBe(before);
      expect(dbFileDigest(temp.dir)).toBe(bytes);

      // Messages arrive in order: a push made by the refused write would come before this answer.
      agent.hello('pc-1', token, { snapshotVersion: version, settingsVersion: 1 });
      expect(await agent.next()).toEqual({ kind: 'upToDate', snapshotVersion: version, settingsVersion: 1 });

      // A good write after it still reaches the agent.
      const good = await send(server.app, 'PATCH', '/api/policies/p-notepad', { order: 9 });
      expect(good.status).toBe(200);
      const pushed = await agent.next();
      expect(pushed.kind).toBe('snapshot');
      expect(peekSnapshot((pushed as { signed: Uint8Array }).signed).version).toBe(version + 1);
    } finally {
      agent.close();
      await server.close();
    }
  });
});

describe('PUT /api/world', () => {
  let hub: RecordingHub;
  let app: FastifyInstance;

  beforeEach(() => {
    hub = new RecordingHub();
    app = buildAdminApi({ state: temp.state, adminToken: TOKEN, hub, logger: false, checkAnswers: true });
  });

  afterEach(async () => {
    await app.close();
  });

  it('refuses bodies that are not a world, or that would empty it, and stores nothing', async () => {
    const before = storedRows(temp.dir);
    const { organizations, ...rest } = adminWorld();
    const bodies: unknown[] = [
      {},
      { ...rest, organisations: organizations },
      { world: adminWorld() },
      { organizations: [], groups: [], computers: [] },
    ];
    for (const body of bodies) {
      const answer = await send(app, 'PUT', '/api/world', body);
      expect(answer.status, JSON.stringify(body).slice(0, 60)).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(errorOf(answer).message).not.toBe('');
    }
    expect(storedRows(temp.dir)).toBe(before);
    expect(hub.pushes).toEqual([]);
  });

  it('refuses to remove computers unless removals are allowed, naming them', async () => {
    const world = adminWorld();
    world.computers = world.computers.filter((c) => c.id !== 'lab-1' && c.id !== 'a-1');
    const before = storedRows(temp.dir);
    const refused = await send(app, 'PUT', '/api/world', world);
    expect(refused.status).toBe(409);
    expect(errorOf(refused).code).toBe('removal-refused');
    expect(errorOf(refused).problems).toEqual([
      'computers[a-1]: would be removed',
      'computers[lab-1]: would be removed',
    ]);
    expect((refused.body['error'] as { removed: string[] }).removed).toEqual(['a-1', 'lab-1']);
    expect(storedRows(temp.dir)).toBe(before);

    const revocations = hub.revocations;
    const allowed = await send(app, 'PUT', '/api/world?allowRemovals=true', world);
    expect(allowed.status).toBe(200);
    // The sync hub is told even when nothing is sent, so that a removed computer's connection is closed.
    expect(hub.revocations).toBe(revocations + 1);
    expect(allowed.body).toMatchObject({ dryRun: false, stored: true });
    expect((allowed.body['diff'] as Record<string, unknown>)['computers']).toEqual({
      added: [],
      changed: [],
      removed: ['a-1', 'lab-1'],
    });
    expect(temp.state.world().computers.map((c) => c.id)).toEqual(['pc-1', 'pc-2']);
    expect(storedRows(temp.dir)).not.toBe(before);
    // A removed computer's row is kept, but the computer is refused as unknown (an agent still connected
    // for it has its next message refused), its issued versions as its state.
    for (const removed of ['a-1', 'lab-1']) {
      expect(() => temp.state.issuedVersions(removed)).toThrow(/unknown computer/);
      expect(() => temp.state.computerState(removed)).toThrow(/unknown computer/);
    }
    expect(temp.state.issuedVersions('pc-1').snapshotVersion).toBeGreaterThan(0);
  });

  it('refuses an unknown query parameter or flag value', async () => {
    for (const query of ['dryrun=true', 'dryRun=yes', 'allowRemovals=1']) {
      const answer = await send(app, 'PUT', `/api/world?${query}`, adminWorld());
      expect(answer.status).toBe(400);
      expect(errorOf(answer).code).toBe('invalid-input');
    }
  });

  it('answers the diff of a dry run, stores nothing and pushes nothing to a connected agent', async () => {
    await app.close();
    const { token } = await temp.state.enroll('pc-1');
    const server = await startAdminServer(temp.state, TOKEN);
    app = server.app;
    const agent = await TestAgent.connect(server.url);
    try {
      agent.hello('pc-1', token);
      const first = await agent.next();
      const version = peekSnapshot((first as { signed: Uint8Array }).signed).version;
      const before = storedRows(temp.dir);
      const beforeWorld = structuredClone(temp.state.world());
      const beforeComputers = temp.state.computers();

      const world = adminWorld();
      world.organizations.push({ id: 'new-org', name: 'New', structure: 'flat', modules: [] });
      world.policies = world.policies.filter((p) => p.id !== 'p-acme-chrome');
      world.policies[1]!.order = 3; // p-notepad: pc-1 and pc-2
      world.computers = world.computers.filter((c) => c.id !== 'lab-1');
      world.agentSettings.push({
        id: 's-acme',
        type: 'prioritizeBuiltInApplications',
        value: false,
        appliesTo: { group: 'acme-pcs' },
        order: 1,
      });
      const answer = await send(server.app, 'PUT', '/api/world?dryRun=true', world);
      expect(answer.status).toBe(200);
      expect(answer.body['dryRun']).toBe(true);
      expect(answer.body['stored']).toBe(false);
      const none = { added: [], changed: [], removed: [] };
      expect(answer.body['diff']).toEqual({
        organizations: { ...none, added: ['new-org'] },
        groups: none,
        computers: { ...none, removed: ['lab-1'] },
        applications: none,
        policies: { ...none, changed: ['p-notepad'], removed: ['p-acme-chrome'] },
        agentSettings: { ...none, added: ['s-acme'] },
        gates: none,
        approvalPolicies: none,
        approvalSettings: none,
      });
      // a-1 loses a policy and gains a setting: a new snapshot carries both.
      expect(answer.body['changes']).toEqual({ snapshots: ['pc-1', 'pc-2', 'a-1'], settings: [] });

      expect(storedRows(temp.dir)).toBe(before);
      expect(temp.state.world()).toEqual(beforeWorld);
      expect(temp.state.computers()).toEqual(beforeComputers);
      agent.hello('pc-1', token, { snapshotVersion: version, settingsVersion: 1 });
      expect(await agent.next()).toEqual({ kind: 'upToDate', snapshotVersion: version, settingsVersion: 1 });
    } finally {
      agent.close();
      await server.close();
    }
  });

  it('reports a dry run of an invalid world as the import would, naming the field', async () => {
    const world = adminWorld();
    world.policies[0]!.app = 'nope';
    const before = storedRows(temp.dir);
    const answer = await send(app, 'PUT', '/api/world?dryRun=true', world);
    expect(answer.status).toBe(400);
    expect(errorOf(answer).problems).toEqual(['policies[p-chrome]: app "nope" is not a known application']);
    expect(storedRows(temp.dir)).toBe(before);
  });

  it('takes a world whose lists are reordered, entries unchanged, as no change: nothing stored, nothing issued', async () => {
    const before = storedRows(temp.dir);
    const world = adminWorld();
    const reordered = Object.fromEntries(
      Object.entries(world).map(([key, value]) => [
        key,
        Array.isArray(value) ? [...(value as unknown[])].reverse() : value,
      ]),
    ) as unknown as typeof world;
    expect(reordered.policies.map((p) => p.id)).not.toEqual(world.policies.map((p) => p.id));
    const answer = await send(app, 'PUT', '/api/world', reordered);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ stored: false, changes: { snapshots: [], settings: [] } });
    expect(storedRows(temp.dir)).toBe(before);
    expect(hub.pushes).toEqual([]);
    // With a change among them, only the computers it reaches get a new snapshot; the world keeps its order.
    const changed = structuredClone(reordered);
    const policy = changed.policies.find((p) => p.id === 'p-chrome');
    if (policy === undefined) throw new Error('no p-chrome');
    policy.order += 1;
    const once = await send(app, 'PUT', '/api/world', changed);
    expect(once.status).toBe(200);
    expect(once.body).toMatchObject({ stored: true });
    expect((once.body as { diff: { policies: unknown } }).diff.policies).toEqual({
      added: [],
      changed: ['p-chrome'],
      removed: [],
    });
    expect(temp.state.world().policies.map((p) => p.id)).toEqual(world.policies.map((p) => p.id));
    // A world with a problem is judged as sent: the places named are those of the list sent.
    const twice = structuredClone(world);
    const last = twice.policies.at(-1);
    if (last === undefined) throw new Error('no policies');
    twice.policies.unshift(structuredClone(last));
    const refused = await send(app, 'PUT', '/api/world', twice);
    expect(refused.status).toBe(400);
    expect(errorOf(refused).problems).toEqual([expect.stringContaining(`(#0, #${twice.policies.length - 1})`)]);
  });

  it('answers an import that changes nothing as not stored', async () => {
    const before = storedRows(temp.dir);
    const answer = await send(app, 'PUT', '/api/world', adminWorld());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ stored: false, changes: { snapshots: [], settings: [] } });
    expect(storedRows(temp.dir)).toBe(before);
    expect(hub.pushes).toEqual([]);
  });
});

/** A pino logger writing JSON lines into `lines`. */
function capturingLogger(lines: Record<string, unknown>[]): FastifyBaseLogger {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return pino({ level: 'debug' }, stream);
}

describe('logging of refused and failed admin requests', () => {
  it('logs a 4xx at info and a 5xx at error with the request id, route and cause', async () => {
    const lines: Record<string, unknown>[] = [];
    const hub = new RecordingHub();
    hub.awaitSettingsApplied = () => Promise.reject(new Error('the hub broke'));
    const app = buildAdminApi({ state: temp.state, adminToken: TOKEN, hub, logger: capturingLogger(lines) });
    try {
      expect((await send(app, 'PATCH', '/api/policies/p-notepad', { order: 'first' })).status).toBe(400);
      expect((await send(app, 'DELETE', '/api/policies/ghost')).status).toBe(404);
      const failed = await send(app, 'PUT', '/api/settings', {
        scope: { kind: 'group', id: 'shop-pcs' },
        type: 'prioritizeBuiltInApplications',
        value: false,
      });
      expect(failed.status).toBe(500);
      expect(errorOf(failed).code).toBe('internal');
      // The successful request before the failure's error is not logged.
      expect((await send(app, 'GET', '/api/policies')).status).toBe(200);
    } finally {
      await app.close();
    }
    const logged = lines.filter((line) => typeof line['msg'] === 'string' && line['msg'].startsWith('admin request'));
    expect(logged).toHaveLength(3);
    const [invalid, missing, internal] = logged as [
      Record<string, unknown>,
      Record<string, unknown>,
      Record<string, unknown>,
    ];
    expect(invalid).toMatchObject({
      level: 30,
      msg: 'admin request refused',
      method: 'PATCH',
      route: '/api/policies/:id',
      status: 400,
      code: 'invalid-input',
    });
    expect(String(invalid['reason'])).toMatch(/order/);
    expect(missing).toMatchObject({ level: 30, route: '/api/policies/:id', status: 404, code: 'not-found' });
    expect(internal).toMatchObject({
      level: 50,
      msg: 'admin request failed',
      method: 'PUT',
      route: '/api/settings',
      status: 500,
      code: 'internal',
    });
    expect((internal['err'] as { message: string }).message).toBe('the hub broke');
    for (const line of logged) expect(line['reqId']).toEqual(expect.any(String));
    expect(new Set(logged.map((line) => line['reqId'])).size).toBe(3);
  });
});

describe('bodies that are too deep to parse', () => {
  function nested(depth: number, open: string, close: string, inner: string): string {
    return open.repeat(depth) + inner + close.repeat(depth);
  }

  it('measures depth outside strings only', () => {
    expect(jsonDepthOver('[[1]]', 2)).toBe(null);
    expect(jsonDepthOver('[[[1]]]', 2)).toBe(2);
    expect(jsonDepthOver('{"a":"[[[[[\\"[[["}', 1)).toBe(null);
    expect(jsonDepthOver('{"a\\\\":[[1]]}', 2)).toBe(8);
  });

  it('counts values in the same pass, a level too deep told first wherever it lies', () => {
    expect(jsonShapeOver('[1,2,"a,b"]', 3, 3)).toBe(null);
    expect(jsonShapeOver('[1,2,3,4]', 3, 3)).toEqual({ index: 6, deep: false });
    expect(jsonShapeOver('[1,2,3,[[[4]]]]', 3, 3)).toEqual({ index: 9, deep: true });
  });

  it('answers 400 body-too-deep for a 200,000-deep body on every route, and stores nothing', async () => {
    const app = buildAdminApi({
      state: temp.state,
      adminToken: TOKEN,
      hub: new RecordingHub(),
      logger: false,
      checkAnswers: true,
    });
    const before = storedRows(temp.dir);
    const deep = 200_000;
    const payloads = [
      nested(deep, '[', ']', ''),
      nested(deep, '{"a":', '}', '1'),
      `{"organizations":${nested(deep, '[', ']', '')}}`,
    ];
    const routes: ['PUT' | 'POST' | 'PATCH', string][] = [
      ['PUT', '/api/world'],
      ['POST', '/api/policies'],
      ['PATCH', '/api/policies/p-chrome'],
      ['PUT', '/api/settings'],
    ];
    try {
      for (const [method, url] of routes) {
        for (const payload of payloads) {
          const response = await app.inject({
            method,
            url,
            headers: { ...AUTH, 'content-type': 'application/json' },
            payload,
          });
          expect(response.statusCode, `${method} ${url}`).toBe(400);
          expect(response.json<{ error: { code: string } }>().error.code).toBe('body-too-deep');
        }
      }
      // Bodies that are right but for a deep member: the stack overflowed past the parse (500) before.
      const ringfence = nested(deep, '{"a":', '}', '1');
      const world = JSON.stringify(adminWorld()).replace('"enabled":true', `"enabled":true,"ringfence":${ringfence}`);
      const policy = `{"app":"chrome","appliesTo":{"computer":"pc-1"},"action":"permit","order":3,"ringfence":${ringfence}}`;
      for (const [method, url, payload] of [
        ['PUT', '/api/world', world],
        ['POST', '/api/policies', policy],
      ] as const) {
        const response = await app.inject({
          method,
          url,
          headers: { ...AUTH, 'content-type': 'application/json' },
          payload,
        });
        expect(response.statusCode, `${method} ${url}`).toBe(400);
        expect(response.json<{ error: { code: string } }>().error.code).toBe('body-too-deep');
      }
      // At the bound a body is parsed (and then judged by its shape).
      const atBound = await app.inject({
        method: 'PUT',
        url: '/api/world',
        headers: { ...AUTH, 'content-type': 'application/json' },
        payload: `{"organizations":${nested(MAX_JSON_DEPTH - 1, '[', ']', '')}}`,
      });
      expect(atBound.statusCode).toBe(400);
      expect(atBound.json<{ error: { code: string } }>().error.code).toBe('invalid-input');
    } finally {
      await app.close();
    }
    expect(storedRows(temp.dir)).toBe(before);
  });
});

describe("fastify's client errors", () => {
  it('answer with the admin API own codes', async () => {
    const app = buildAdminApi({
      state: temp.state,
      adminToken: TOKEN,
      hub: new RecordingHub(),
      logger: false,
      checkAnswers: true,
    });
    const before = storedRows(temp.dir);
    try {
      // YAML, and JSON sent as text, are not taken.
      for (const [type, payload] of [
        ['application/yaml', 'organizations: []\n'],
        ['text/plain', '{"organizations":[]}'],
      ]) {
        const refused = await app.inject({
          method: 'PUT',
          url: '/api/world',
          headers: { ...AUTH, 'content-type': type },
          payload,
        });
        expect(refused.statusCode).toBe(415);
        expect(refused.json<{ error: { code: string } }>().error.code).toBe('unsupported-media-type');
      }
      const empty = await app.inject({
        method: 'PUT',
        url: '/api/world',
        headers: { ...AUTH, 'content-type': 'application/json' },
        payload: '',
      });
      expect(empty.statusCode).toBe(400);
      expect(empty.json<{ error: { code: string } }>().error.code).toBe('invalid-json');
      const large = await app.inject({
        method: 'PUT',
        url: '/api/world',
        headers: { ...AUTH, 'content-type': 'application/json', 'content-length': String(ADMIN_BODY_LIMIT_BYTES + 1) },
        payload: '{}',
      });
      expect(large.statusCode).toBe(413);
      expect(large.json<{ error: { code: string } }>().error.code).toBe('body-too-large');
    } finally {
      await app.close();
    }
    expect(storedRows(temp.dir)).toBe(before);
  });
});

describe('an approval that cannot be recorded', () => {
  it('stores neither the permit nor the approval', async () => {
    await temp.close();
    const world = adminWorld();
    world.organizations = world.organizations.map((o) =>
      o.id === 'shop' ? { ...o, modules: ['cyberHeroApprovals'] } : o,
    );
    temp = await openTempState(world);
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
          suggestion: 'approve',
          policy: null,
          reason: 'from the agent',
          permitTarget: 'computer',
          instructions: '',
          escalationEmails: [],
          warnings: [],
        },
      },
      1_000,
    );
    // The request table refuses every update, as a failing disk would, after the world rows are written.
    const db = new Database(join(temp.dir, SERVER_DB_FILE));
    db.exec(
      "CREATE TRIGGER refuse_update BEFORE UPDATE ON approval_requests BEGIN SELECT RAISE(ABORT, 'no room'); END",
    );
    db.close();
    const before = storedRows(temp.dir);
    const worldBefore = structuredClone(temp.state.world());
    const hub = new RecordingHub();
    const app = buildAdminApi({ state: temp.state, adminToken: TOKEN, hub, logger: false, checkAnswers: true });
    try {
      const answer = await send(app, 'POST', '/api/requests/req-1/approve', { target: 'computer' });
      expect(answer.status).toBe(500);
      expect(storedRows(temp.dir)).toBe(before);
      expect(temp.state.world()).toEqual(worldBefore);
      expect((await temp.state.approvalRequest('req-1'))?.status).toBe('pending');
      expect(hub.pushes).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe('a change that many views cannot carry', () => {
  it('names the first computers and counts the rest', async () => {
    const world = adminWorld();
    for (let i = 0; i < MAX_ENCODING_PROBLEMS + 5; i++) world.computers.push({ id: `bulk-${i}`, group: 'shop-pcs' });
    await temp.state.importWorld(world);
    // Every computer's snapshot version stands at the wire's ceiling, so no next version can be encoded.
    await temp.state.close();
    const db = new Database(join(temp.dir, SERVER_DB_FILE));
    db.prepare('UPDATE computer_state SET snapshot_version = ?').run(2 ** 32 - 1);
    db.close();
    const reopened = await ServerState.open({ dataDir: temp.dir, clock: () => 1_000 });
    const before = storedRows(temp.dir);
    let problems: readonly string[] = [];
    try {
      await reopened.updatePolicy('p-notepad', { action: 'permit' });
    } catch (error) {
      problems = (error as ValidationError).problems;
    } finally {
      await reopened.close();
    }
    const affected = world.computers.filter((c) => c.group === 'shop-pcs').length;
    expect(affected).toBeGreaterThan(MAX_ENCODING_PROBLEMS);
    expect(problems).toHaveLength(MAX_ENCODING_PROBLEMS + 1);
    expect(problems[0]).toMatch(/^computers\[[^\]]+\]: its view cannot be encoded for its agent: snapshotVersion/);
    expect(problems.at(-1)).toBe(
      `and ${affected - MAX_ENCODING_PROBLEMS} more computer(s) whose view cannot be encoded for its agent`,
    );
    expect(storedRows(temp.dir)).toBe(before);
  });
});
