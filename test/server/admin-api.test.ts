import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ACKNOWLEDGE_PROBLEM } from '../../src/engine/upgrade.js';
import { REFUSALS_LOGGED_PER_SECOND, buildAdminApi } from '../../src/server/admin-api.js';
import { ADMIN_BODY_LIMIT_BYTES } from '../../src/server/admin-schemas.js';
import type { ServerState } from '../../src/server/state.js';
import { RecordingHub, type TempState, adminWorld, emptyWorld, openTempState, storedRows } from './admin-harness.js';

const TOKEN = 'admin-secret-token';

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

let temp: TempState;
let state: ServerState;
let hub: RecordingHub;
let app: FastifyInstance;

async function call(method: string, url: string, body?: unknown, token: string | null = TOKEN): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const response = await app.inject({
    method: method as 'GET',
    url,
    headers,
    ...(body === undefined ? {} : { payload: body as object }),
  });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}

/** Sends `text` as it is, declared as JSON (a body that is no JSON, or not quite). */
function sendJsonText(method: 'PUT' | 'POST', url: string, text: string): Promise<LightMyRequestResponse> {
  return app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    payload: text,
  });
}

function problemsOf(answer: Answer): string[] {
  return (answer.body['error'] as { problems?: string[] }).problems ?? [];
}

function errorOf(answer: Answer): { code: string; message: string; problems?: string[] } {
  return answer.body['error'] as { code: string; message: string; problems?: string[] };
}

beforeEach(async () => {
  temp = await openTempState(adminWorld());
  state = temp.state;
  hub = new RecordingHub();
  app = buildAdminApi({ state, adminToken: TOKEN, hub, logger: false, checkAnswers: true });
});

afterEach(async () => {
  await app.close();
  await temp.close();
});

describe('authorization', () => {
  it('refuses a request without a token, with a wrong token or another scheme', async () => {
    for (const token of [null, 'wrong', `${TOKEN}x`, '']) {
      const answer = await call('GET', '/api/policies', undefined, token);
      expect(answer.status).toBe(401);
      expect(errorOf(answer).code).toBe('unauthorized');
      expect(answer.headers['www-authenticate']).toBe('Bearer');
    }
    const basic = await app.inject({
      method: 'GET',
      url: '/api/policies',
      headers: { authorization: `Basic ${TOKEN}` },
    });
    expect(basic.statusCode).toBe(401);
  });

  it('refuses a mutation without a token and changes nothing', async () => {
    const before = storedRows(temp.dir);
    const answer = await call('DELETE', '/api/policies/p-chrome', undefined, null);
    expect(answer.status).toBe(401);
    expect(storedRows(temp.dir)).toBe(before);
    expect(hub.pushes).toEqual([]);
  });

  it('refuses an unknown route without a token as unauthorized, and with one as not found', async () => {
    expect((await call('GET', '/api/nothing', undefined, null)).status).toBe(401);
    const answer = await call('GET', '/api/nothing');
    expect(answer.status).toBe(404);
    expect(errorOf(answer).code).toBe('not-found');
  });

  it('accepts the scheme in any case', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/api/policies',
      headers: { authorization: `bearer ${TOKEN}` },
    });
    expect(response.statusCode).toBe(200);
  });

  it('will not start with an empty token', () => {
    expect(() => buildAdminApi({ state, adminToken: '', hub, logger: false })).toThrow(/must not be empty/);
  });
});

describe('logging', () => {
  it('writes no line per request to its logger, and no deprecation warning', async () => {
    await app.close();
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'trace' },
      { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const warnings: string[] = [];
    const onWarning = (warning: Error & { code?: string }): void => void warnings.push(warning.code ?? warning.name);
    process.on('warning', onWarning);
    try {
      app = buildAdminApi({ state, adminToken: TOKEN, hub, logger, checkAnswers: true });
      expect((await call('GET', '/api/policies')).status).toBe(200);
      expect((await call('GET', '/api/policies', undefined, 'wrong')).status).toBe(401);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(lines.filter((l) => l['msg'] === 'incoming request' || l['msg'] === 'request completed')).toEqual([]);
    expect(warnings.filter((code) => code.startsWith('FSTDEP'))).toEqual([]);
  });

  it('logs refused requests one by one up to a bound a second, then counts the rest', async () => {
    await app.close();
    const lines: Record<string, unknown>[] = [];
    const raw: string[] = [];
    const logger = pino(
      { level: 'info' },
      {
        write: (line: string) => {
          raw.push(line);
          lines.push(JSON.parse(line) as Record<string, unknown>);
        },
      },
    );
    app = buildAdminApi({ state, adminToken: TOKEN, hub, logger, checkAnswers: true });
    // Start at the beginning of a second, so that every request falls within it.
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
    for (let i = 0; i < REFUSALS_LOGGED_PER_SECOND + 30; i++) {
      expect((await call('GET', '/api/policies', undefined, 'wrong')).status).toBe(401);
    }
    const refusedLines = lines.filter((l) => l['msg'] === 'admin request refused');
    // The bound holds per second: however the requests fell across seconds, some were not logged one by one.
    expect(refusedLines.length).toBeLessThan(REFUSALS_LOGGED_PER_SECOND + 30);
    // The refusal line names its request once (a parsed line would hide a repeated key: the text is read).
    const refusedText = raw.find((line) => line.includes('"admin request refused"')) ?? '';
    expect(refusedText.split('"reqId"').length - 1).toBe(1);
    // Those not logged are counted, by code, within about a second.
    await vi.waitFor(
      () => {
        const summaries = lines.filter((l) => l['msg'] === 'admin requests refused (not logged one by one)');
        const counted = summaries.reduce(
          (sum, l) => sum + ((l['byCode'] as { unauthorized?: number }).unauthorized ?? 0),
          0,
        );
        expect(counted + refusedLines.length).toBe(REFUSALS_LOGGED_PER_SECOND + 30);
      },
      { timeout: 3000 },
    );
  });
});

describe('the world', () => {
  it('imports a scenario, pushes the changes and exports it again', async () => {
    await app.close();
    await temp.close();
    temp = await openTempState(emptyWorld());
    state = temp.state;
    app = buildAdminApi({ state, adminToken: TOKEN, hub, logger: false, checkAnswers: true });
    const answer = await call('PUT', '/api/world', adminWorld());
    expect(answer.status).toBe(200);
    const changes = { snapshots: ['pc-1', 'pc-2', 'a-1', 'lab-1'], settings: [] };
    expect(answer.body).toMatchObject({ dryRun: false, stored: true, changes });
    expect((answer.body['diff'] as Record<string, { added: string[] }>)['computers']!.added).toEqual([
      'a-1',
      'lab-1',
      'pc-1',
      'pc-2',
    ]);
    expect(hub.pushes).toEqual([changes]);

    const exported = await call('GET', '/api/world');
    expect(exported.status).toBe(200);
    expect(exported.body).toEqual(adminWorld());
  });

  it('fills the scenario defaults (structure, enabled) as the loader does', async () => {
    const world = adminWorld() as unknown as {
      organizations: Record<string, unknown>[];
      policies: Record<string, unknown>[];
    };
    delete world.organizations[1]!['structure'];
    delete world.policies[0]!['enabled'];
    const answer = await call('PUT', '/api/world', world);
    expect(answer.status).toBe(200);
    expect(state.world().organizations[1]!.structure).toBe('hierarchical');
    expect(state.world().policies[0]!.enabled).toBe(true);
  });

  it('names the list, id and field of a shape problem', async () => {
    const world = adminWorld() as unknown as { policies: Record<string, unknown>[]; groups: Record<string, unknown>[] };
    world.policies[1]!['order'] = 'first';
    delete world.groups[0]!['os'];
    const before = storedRows(temp.dir);
    const answer = await call('PUT', '/api/world', world);
    expect(answer.status).toBe(400);
    expect(errorOf(answer).code).toBe('invalid-input');
    const problems = problemsOf(answer);
    expect(problems).toContain('groups[shop-pcs]: os is required');
    expect(problems).toContain('policies[p-notepad]: order must be a number, not the string "first"');
    expect(storedRows(temp.dir)).toBe(before);
    expect(hub.pushes).toEqual([]);
  });

  it('reports every meaning problem from the state', async () => {
    const world = adminWorld();
    world.policies[2]!.order = -5;
    world.policies[0]!.app = 'nope';
    const answer = await call('PUT', '/api/world', world);
    expect(answer.status).toBe(400);
    expect(problemsOf(answer)).toEqual([
      'policies[p-chrome]: app "nope" is not a known application',
      'policies[p-acme-chrome]: order -5 is negative, but organization acme uses the flat structure',
    ]);
    expect(hub.pushes).toEqual([]);
  });

  it('refuses a body that is not an object', async () => {
    const answer = await call('PUT', '/api/world', [1, 2]);
    expect(answer.status).toBe(400);
    expect(problemsOf(answer)).toEqual(['the body must be an object']);
  });

  it('refuses malformed JSON with a JSON error', async () => {
    const response = await sendJsonText('PUT', '/api/world', '{"organizations": [');
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('invalid-json');
  });

  it('takes scenarios far larger than the default body limit', async () => {
    const world = adminWorld();
    for (let i = 0; i < 20_000; i++)
      world.computers.push({ id: `bulk-${i}`, group: 'acme-pcs', name: `BULK-COMPUTER-${i}` });
    const payload = JSON.stringify(world);
    expect(payload.length).toBeGreaterThan(1024 * 1024);
    expect(payload.length).toBeLessThan(ADMIN_BODY_LIMIT_BYTES);
    const answer = await call('PUT', '/api/world', world);
    expect(answer.status).toBe(200);
    expect(state.world().computers).toHaveLength(20_004);
  });
});

describe('computers and enrollment', () => {
  it('enrolls a computer and lists computers', async () => {
    const answer = await call('POST', '/api/computers/pc-1/enroll');
    expect(answer.status).toBe(200);
    expect(answer.body['computerId']).toBe('pc-1');
    expect(state.authenticate('pc-1', answer.body['token'] as string)).toBe(true);
    // The sync hub is told, so that a connection holding the old token is closed.
    expect(hub.revocations).toBe(1);

    const list = await call('GET', '/api/computers');
    const computers = list.body['computers'] as { id: string; enrolled: boolean }[];
    expect(computers.map((c) => [c.id, c.enrolled])).toEqual([
      ['pc-1', true],
      ['pc-2', false],
      ['a-1', false],
      ['lab-1', false],
    ]);
    const one = await call('GET', '/api/computers/pc-1');
    expect(one.body).toMatchObject({ id: 'pc-1', group: 'shop-pcs', org: 'shop', enrolled: true });
  });

  it('lists computers a page at a time in the world order, each page naming the next', async () => {
    const ids = (body: Record<string, unknown>) => (body['computers'] as { id: string }[]).map((c) => c.id);
    const whole = await call('GET', '/api/computers');
    expect(whole.body['next']).toBeNull();
    const first = await call('GET', '/api/computers?limit=3');
    expect(ids(first.body)).toEqual(['pc-1', 'pc-2', 'a-1']);
    expect(first.body['next']).toBe('a-1');
    const rest = await call('GET', '/api/computers?limit=3&after=a-1');
    expect(ids(rest.body)).toEqual(['lab-1']);
    expect(rest.body['next']).toBeNull();
    expect(ids((await call('GET', '/api/computers?after=pc-2')).body)).toEqual(['a-1', 'lab-1']);
    expect((await call('GET', '/api/computers?limit=2&after=a-1')).body).toMatchObject({ next: null });
    expect((await call('GET', '/api/computers?after=lab-1')).body).toEqual({ computers: [], next: null });
    const unknown = await call('GET', '/api/computers?after=ghost');
    expect(unknown.status).toBe(404);
    expect(errorOf(unknown)).toEqual({ code: 'not-found', message: 'computer ghost (after) is unknown' });
    // Every one names the computers' range (the requests' range, 1 to 1000, was named for a word or 100000).
    for (const [limit, problem] of [
      ['0', 'limit 0 is not from 1 to 10000'],
      ['10001', 'limit 10001 is not from 1 to 10000'],
      ['x', 'limit must be a whole number from 1 to 10000'],
      ['100000', 'limit must be a whole number from 1 to 10000'],
    ]) {
      const answer = await call('GET', `/api/computers?limit=${limit}`);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: { problems: [problem] } });
    }
  });

  it('answers 404 for an unknown computer', async () => {
    const answer = await call('POST', '/api/computers/ghost/enroll');
    expect(answer.status).toBe(404);
    expect(errorOf(answer)).toEqual({ code: 'not-found', message: 'computer ghost is unknown' });
    expect((await call('GET', '/api/computers/ghost')).status).toBe(404);
  });
});

describe('policies', () => {
  it('lists policies', async () => {
    const answer = await call('GET', '/api/policies');
    expect((answer.body['policies'] as { id: string }[]).map((p) => p.id)).toEqual([
      'p-chrome',
      'p-notepad',
      'p-acme-chrome',
      'p-acme-default',
    ]);
  });

  it('adds a policy and pushes a snapshot to the computers it covers', async () => {
    const answer = await call('POST', '/api/policies', {
      id: 'p-notepad-acme',
      app: 'notepad',
      appliesTo: { computer: 'a-1' },
      action: 'ringfence',
      order: 3,
      ringfence: { network: false },
      expiresAt: '2030-01-01T00:00:00Z',
    });
    expect(answer.status).toBe(201);
    expect(answer.body['policy']).toEqual({
      id: 'p-notepad-acme',
      app: 'notepad',
      appliesTo: { computer: 'a-1' },
      action: 'ringfence',
      order: 3,
      enabled: true,
      ringfence: { network: false },
      expiresAt: '2030-01-01T00:00:00Z',
    });
    expect(answer.body['changes']).toEqual({ snapshots: ['a-1'], settings: [] });
    expect(hub.pushes).toEqual([{ snapshots: ['a-1'], settings: [] }]);
  });

  it('refuses a key that sets a prototype, naming where it is, and says where malformed JSON breaks', async () => {
    const body = JSON.parse(
      '{"id":"p-proto","app":"notepad","appliesTo":{"computer":"a-1"},"action":"ringfence","order":4,' +
        '"ringfence":{"network":false,"__proto__":{"polluted":true}}}',
    ) as Record<string, unknown>;
    const answer = await call('POST', '/api/policies', body);
    expect(answer.status).toBe(400);
    expect(answer.body['error']).toMatchObject({ code: 'invalid-input' });
    expect(problemsOf(answer)).toEqual([
      "ringfence.__proto__: a key that sets an object's prototype (__proto__, or constructor.prototype) is refused",
    ]);
    expect((await call('GET', '/api/policies/p-proto')).status).toBe(404);
    const malformed = await sendJsonText('POST', '/api/policies', '{"id": "p-x", "order": 4,}');
    expect(malformed.statusCode).toBe(400);
    const refused = malformed.json<{ error: { code: string; message: string } }>();
    expect(refused.error.code).toBe('invalid-json');
    expect(refused.error.message).toMatch(/^the body is not valid JSON: .*position 25/);
  });

  it('generates an id when none is given', async () => {
    const answer = await call('POST', '/api/policies', {
      app: 'chrome',
      appliesTo: { group: 'shop-pcs' },
      action: 'deny',
      order: 7,
    });
    expect(answer.status).toBe(201);
    expect((answer.body['policy'] as { id: string }).id).toMatch(/\S/);
  });

  it('refuses a negative order in a flat organization, naming the policy and field', async () => {
    const answer = await call('POST', '/api/policies', {
      id: 'p-1',
      app: 'chrome',
      appliesTo: { organization: 'acme' },
      action: 'permit',
      order: -5,
    });
    expect(answer.status).toBe(400);
    expect(errorOf(answer).code).toBe('invalid-input');
    expect(problemsOf(answer)).toEqual([
      'policies[p-1]: order -5 is negative, but organization acme uses the flat structure',
    ]);
    expect(hub.pushes).toEqual([]);
    expect(state.world().policies.some((p) => p.id === 'p-1')).toBe(false);
  });

  it('accepts a negative order in a hierarchical organization', async () => {
    const answer = await call('POST', '/api/policies', {
      id: 'p-neg',
      app: 'chrome',
      appliesTo: { organization: 'shop' },
      action: 'permit',
      order: -5,
    });
    expect(answer.status).toBe(201);
  });

  it('refuses an unknown application', async () => {
    const answer = await call('POST', '/api/policies', {
      id: 'p-x',
      app: 'nope',
      appliesTo: { group: 'shop-pcs' },
      action: 'deny',
      order: 1,
    });
    expect(answer.status).toBe(400);
    expect(problemsOf(answer)).toEqual(['policies[p-x]: app "nope" is not a known application']);
  });

  it('names every shape problem of the body', async () => {
    const answer = await call('POST', '/api/policies', {
      app: 'chrome',
      appliesTo: { group: 'shop-pcs', computer: 'pc-1' },
      action: 'allow',
      order: 1.5,
      colour: 'red',
    });
    expect(answer.status).toBe(400);
    expect(problemsOf(answer).sort()).toEqual(
      [
        'action must be one of permit, deny, denyWithRequest, ringfence',
        'appliesTo must have exactly one of global, globalGroup, organization, group, computer',
        'colour is not a known field',
        'order must be an integer',
      ].sort(),
    );
  });

  it('names a missing required field and a nested one', async () => {
    const missing = await call('POST', '/api/policies', { app: 'chrome', appliesTo: { group: 'shop-pcs' }, order: 1 });
    expect(problemsOf(missing)).toEqual(['action is required']);
    const nested = await call('POST', '/api/policies', {
      app: 'chrome',
      appliesTo: { globalGroup: { org: 'msp' } },
      action: 'deny',
      order: 1,
    });
    expect(problemsOf(nested)).toEqual(['appliesTo.globalGroup.keyword is required']);
    const typed = await call('POST', '/api/policies', {
      app: 'chrome',
      appliesTo: { group: 'shop-pcs' },
      action: 'deny',
      order: '1',
    });
    expect(problemsOf(typed)).toEqual(['order must be an integer']);
  });

  it('answers 409 for an id already in use', async () => {
    const answer = await call('POST', '/api/policies', {
      id: 'p-chrome',
      app: 'chrome',
      appliesTo: { group: 'shop-pcs' },
      action: 'deny',
      order: 1,
    });
    expect(answer.status).toBe(409);
    expect(errorOf(answer).code).toBe('conflict');
    expect(errorOf(answer).message).toContain('p-chrome');
  });

  it('reorders a policy with {order} and pushes the change', async () => {
    const answer = await call('PATCH', '/api/policies/p-acme-chrome', { order: 2000 });
    expect(answer.status).toBe(200);
    expect(answer.body['policy']).toMatchObject({ id: 'p-acme-chrome', order: 2000 });
    expect(hub.pushes).toEqual([{ snapshots: ['a-1'], settings: [] }]);
  });

  it('changes other fields, and clears an optional one with null', async () => {
    await call('PATCH', '/api/policies/p-notepad', { name: 'No Notepad', expiresAt: '2030-01-01T00:00:00Z' });
    const answer = await call('PATCH', '/api/policies/p-notepad', { enabled: false, expiresAt: null });
    expect(answer.status).toBe(200);
    expect(answer.body['policy']).toEqual({
      id: 'p-notepad',
      name: 'No Notepad',
      app: 'notepad',
      appliesTo: { group: 'shop-pcs' },
      action: 'deny',
      order: 2,
      enabled: false,
    });
  });

  it('refuses a patch that makes an order negative in a flat organization', async () => {
    const answer = await call('PATCH', '/api/policies/p-acme-chrome', { order: -1 });
    expect(answer.status).toBe(400);
    expect(problemsOf(answer)).toEqual([
      'policies[p-acme-chrome]: order -1 is negative, but organization acme uses the flat structure',
    ]);
  });

  it('refuses an empty patch and an id in a patch', async () => {
    expect(problemsOf(await call('PATCH', '/api/policies/p-chrome', {}))).toEqual(['the body must not be empty']);
    expect(problemsOf(await call('PATCH', '/api/policies/p-chrome', { id: 'other' }))).toEqual([
      'id is not a known field',
    ]);
  });

  it('deletes a policy, then answers 404 for it', async () => {
    const answer = await call('DELETE', '/api/policies/p-notepad');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ deleted: 'p-notepad', changes: { snapshots: ['pc-1', 'pc-2'], settings: [] } });
    expect(hub.pushes).toEqual([{ snapshots: ['pc-1', 'pc-2'], settings: [] }]);
    const again = await call('DELETE', '/api/policies/p-notepad');
    expect(again.status).toBe(404);
    expect(errorOf(again).message).toBe('policy p-notepad is unknown');
    expect((await call('PATCH', '/api/policies/ghost', { order: 1 })).status).toBe(404);
  });
});

describe('agent settings', () => {
  it('sets a setting, pushes it and reports who applied it', async () => {
    hub.connected = new Set(['pc-1']);
    const answer = await call('PUT', '/api/settings', {
      scope: { kind: 'group', id: 'shop-pcs' },
      type: 'prioritizeBuiltInApplications',
      value: false,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      affected: ['pc-1', 'pc-2'],
      applied: ['pc-1'],
      pending: [],
      offline: ['pc-2'],
      changes: { snapshots: [], settings: ['pc-1', 'pc-2'] },
    });
    expect(answer.body['settings']).toEqual([
      expect.objectContaining({
        type: 'prioritizeBuiltInApplications',
        value: false,
        appliesTo: { group: 'shop-pcs' },
      }),
    ]);
    expect(hub.pushes).toEqual([{ snapshots: [], settings: ['pc-1', 'pc-2'] }]);
    expect(hub.waits).toEqual([{ kind: 'settings', ids: ['pc-1', 'pc-2'], timeoutMs: 2000 }]);

    const listed = await call('GET', '/api/settings');
    expect(listed.body['settings']).toHaveLength(1);
  });

  it('passes waitMs to the hub, and refuses one above the maximum', async () => {
    await call('PUT', '/api/settings?waitMs=50', {
      scope: { kind: 'global' },
      type: 'prioritizeBuiltInApplications',
      value: false,
    });
    expect(hub.waits).toEqual([{ kind: 'settings', ids: ['a-1', 'lab-1', 'pc-1', 'pc-2'], timeoutMs: 50 }]);
    const tooLong = await call('PUT', '/api/settings?waitMs=30001', {
      scope: { kind: 'global' },
      type: 'prioritizeBuiltInApplications',
      value: true,
    });
    expect(tooLong.status).toBe(400);
    expect(problemsOf(tooLong)).toEqual(['waitMs 30001 is above the maximum of 30000']);
    const notANumber = await call('PUT', '/api/settings?waitMs=soon', {
      scope: { kind: 'global' },
      type: 'prioritizeBuiltInApplications',
      value: true,
    });
    expect(problemsOf(notANumber)).toEqual(['waitMs must be a whole number from 0 to 30000']);
    const twice = await call('PUT', '/api/settings?waitMs=1&waitMs=2', {
      scope: { kind: 'global' },
      type: 'prioritizeBuiltInApplications',
      value: true,
    });
    expect(twice.status).toBe(400);
    expect(problemsOf(twice)).toEqual(['waitMs is given more than once; give it once']);
  });

  it('reports pending agents: connected, not acknowledged in time', async () => {
    hub.connected = new Set(['a-1']);
    hub.pending = new Set(['a-1']);
    const answer = await call('PUT', '/api/settings', {
      scope: { kind: 'computer', id: 'a-1' },
      type: 'prioritizeBuiltInApplications',
      value: false,
    });
    expect(answer.body).toMatchObject({ affected: ['a-1'], applied: [], pending: ['a-1'], offline: [] });
  });

  it('does not wait when no computer is affected', async () => {
    const answer = await call('PUT', '/api/settings', {
      scope: { kind: 'organization', id: 'msp' },
      type: 'prioritizeBuiltInApplications',
      value: true,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ affected: [], applied: [], pending: [], offline: [] });
    expect(hub.waits).toEqual([]);
    expect(hub.pushes).toEqual([]);
  });

  it('refuses a bad scope, naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ kind: 'planet', id: 'x' }, 'scope.kind must be one of computer, group, organization, global'],
      [{ kind: 'group' }, 'scope.id is required when scope.kind is group'],
      [{ kind: 'group', id: 'ghost' }, 'scope.id "ghost" is not a known group'],
      [{ kind: 'computer', id: 'shop-pcs' }, 'scope.id "shop-pcs" is not a known computer'],
      [{ kind: 'global', id: 'msp' }, 'scope.id must not be set when scope.kind is global'],
      [{ id: 'pc-1' }, 'scope.kind is required'],
    ];
    for (const [scope, problem] of cases) {
      const answer = await call('PUT', '/api/settings', { scope, type: 'prioritizeBuiltInApplications', value: false });
      expect(answer.status, problem).toBe(400);
      expect(problemsOf(answer)).toEqual([problem]);
    }
    expect(hub.pushes).toEqual([]);
  });

  it('refuses an unknown setting and a value of the wrong type', async () => {
    const unknown = await call('PUT', '/api/settings', { scope: { kind: 'global' }, type: 'colour', value: 'red' });
    expect(problemsOf(unknown)).toEqual([
      'type is invalid: unknown setting type "colour" (known: prioritizeBuiltInApplications)',
    ]);
    const wrongType = await call('PUT', '/api/settings', {
      scope: { kind: 'global' },
      type: 'prioritizeBuiltInApplications',
      value: 'no',
    });
    expect(problemsOf(wrongType)).toEqual([
      'value is invalid: setting prioritizeBuiltInApplications takes a boolean, not "no"',
    ]);
    const object = await call('PUT', '/api/settings', {
      scope: { kind: 'global' },
      type: 'prioritizeBuiltInApplications',
      value: {},
    });
    expect(problemsOf(object)).toEqual(['value must be a boolean (true or false) or a number or a string']);
  });

  it('clears a setting, pushes and waits; 404 when there is none', async () => {
    await call('PUT', '/api/settings', {
      scope: { kind: 'computer', id: 'pc-2' },
      type: 'prioritizeBuiltInApplications',
      value: false,
    });
    hub.pushes.length = 0;
    hub.waits.length = 0;
    hub.connected = new Set(['pc-2']);
    const answer = await call('DELETE', '/api/settings', {
      scope: { kind: 'computer', id: 'pc-2' },
      type: 'prioritizeBuiltInApplications',
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ settings: [], affected: ['pc-2'], applied: ['pc-2'], offline: [] });
    expect(hub.pushes).toEqual([{ snapshots: [], settings: ['pc-2'] }]);
    expect(hub.waits).toEqual([{ kind: 'settings', ids: ['pc-2'], timeoutMs: 2000 }]);

    const again = await call('DELETE', '/api/settings', {
      scope: { kind: 'computer', id: 'pc-2' },
      type: 'prioritizeBuiltInApplications',
    });
    expect(again.status).toBe(404);
    expect(errorOf(again).message).toBe('no prioritizeBuiltInApplications setting is set at computer pc-2');
  });
});

describe('the flat upgrade', () => {
  it('refuses with every unmet condition', async () => {
    const answer = await call('POST', '/api/organizations/school/upgrade', { acknowledge: false });
    expect(answer.status).toBe(409);
    expect(errorOf(answer).code).toBe('upgrade-refused');
    expect(problemsOf(answer)).toEqual([
      'parent organization old is hierarchical: it must be upgraded first',
      'windows group school-labs (Labs) has agent version 10.4.0, below 10.5.3',
      ACKNOWLEDGE_PROBLEM,
    ]);
    expect((answer.body['error'] as { text: string }).text).toContain('refused');
    expect(hub.pushes).toEqual([]);
  });

  it('refuses a repeated upgrade', async () => {
    const answer = await call('POST', '/api/organizations/acme/upgrade', { acknowledge: true });
    expect(answer.status).toBe(409);
    expect(problemsOf(answer)).toEqual(['organization acme is already flat: the upgrade cannot be repeated']);
  });

  it('shows the plan of a dry run without changing anything', async () => {
    const answer = await call('POST', '/api/organizations/shop/upgrade', { acknowledge: true, dryRun: true });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      org: 'shop',
      dryRun: true,
      renumbered: [
        { policy: 'p-chrome', tier: 'builtIn', from: 1, to: 101 },
        { policy: 'p-notepad', tier: 'custom', from: 2, to: 100001 },
      ],
      discrepancies: [],
      affected: [],
    });
    expect(answer.body['text']).toContain('upgrade of organization shop to the flat policy structure');
    expect(state.world().organizations.find((o) => o.id === 'shop')!.structure).toBe('hierarchical');
    expect(hub.pushes).toEqual([]);
    expect(hub.waits).toEqual([]);
  });

  it('upgrades, pushes the new snapshots and reports who applied them', async () => {
    hub.connected = new Set(['pc-2']);
    const answer = await call('POST', '/api/organizations/shop/upgrade?waitMs=100', { acknowledge: true });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      org: 'shop',
      dryRun: false,
      affected: ['pc-1', 'pc-2'],
      applied: ['pc-2'],
      pending: [],
      offline: ['pc-1'],
    });
    expect(state.world().organizations.find((o) => o.id === 'shop')!.structure).toBe('flat');
    expect(hub.pushes).toEqual([{ snapshots: ['pc-1', 'pc-2'], settings: [] }]);
    expect(hub.waits).toEqual([{ kind: 'snapshots', ids: ['pc-1', 'pc-2'], timeoutMs: 100 }]);
  });

  it('answers 404 for an unknown organization and 400 without acknowledge', async () => {
    expect((await call('POST', '/api/organizations/ghost/upgrade', { acknowledge: true })).status).toBe(404);
    const missing = await call('POST', '/api/organizations/shop/upgrade', {});
    expect(missing.status).toBe(400);
    expect(problemsOf(missing)).toEqual(['acknowledge is required']);
  });
});

describe('read-only views', () => {
  it('lints the world', async () => {
    const answer = await call('GET', '/api/lint');
    expect(answer.status).toBe(200);
    expect(Array.isArray(answer.body['warnings'])).toBe(true);
    expect(typeof answer.body['text']).toBe('string');
  });

  it('gives the public key', async () => {
    const answer = await call('GET', '/api/public-key');
    expect(answer.body['publicKey']).toBe(state.publicKeyPem());
    expect(answer.body['publicKey']).toContain('BEGIN PUBLIC KEY');
  });
});

describe('stopping', () => {
  it('answers every request 503 stopping in the API error shape once the stop begins, and takes no change', async () => {
    await app.close();
    const stop = new AbortController();
    app = buildAdminApi({ state, adminToken: TOKEN, hub, logger: false, checkAnswers: true, stopping: stop.signal });
    expect((await call('GET', '/api/policies')).status).toBe(200);
    stop.abort();
    const before = storedRows(temp.dir);
    const removal = await call('DELETE', '/api/policies/p-chrome');
    expect(removal.status).toBe(503);
    expect(errorOf(removal).code).toBe('stopping');
    expect(removal.headers['connection']).toBe('close');
    expect(storedRows(temp.dir)).toBe(before);
    expect(hub.pushes).toEqual([]);
    // Probes too: a load balancer sends its clients elsewhere.
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(503);
    expect((JSON.parse(health.body) as { error: { code: string } }).error.code).toBe('stopping');
  });

  it('answers a request that comes while the API closes in the API error shape', async () => {
    const closed = app.close();
    const answer = await call('GET', '/api/policies');
    await closed;
    expect(answer.status).toBe(503);
    expect(errorOf(answer)).toMatchObject({ code: 'stopping' });
  });
});
