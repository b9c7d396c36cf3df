// The admin API's validation of the world model against the real server state
// (SQLite in a temp folder): orders beyond what the wire carries, ids that
// could never be addressed again, unknown keys at every level of a world body,
// and the empty document. Every refusal names the field and changes nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { World } from '../../src/engine/model.js';
import { type AdminHub, buildAdminApi } from '../../src/server/admin-api.js';
import { MAX_PARAM_CHARS } from '../../src/server/admin-schemas.js';
import { ServerState } from '../../src/server/state.js';

const TOKEN = 'validation-token';

function world(): World {
  return {
    organizations: [
      { id: 'msp', name: 'MSP', structure: 'hierarchical', modules: [] },
      { id: 'shop', name: 'Shop', parent: 'msp', structure: 'flat', modules: ['cyberHeroApprovals'] },
    ],
    groups: [{ id: 'tills', org: 'shop', name: 'Tills', os: 'windows', agentVersion: '10.6.2' }],
    computers: [{ id: 'till-1', group: 'tills' }],
    applications: [{ id: 'putty', name: 'PuTTY', builtIn: false, rules: [{ path: 'C:\\putty.exe' }] }],
    policies: [
      { id: 'p-1', app: 'putty', appliesTo: { organization: 'shop' }, action: 'permit', order: 1, enabled: true },
    ],
    agentSettings: [],
    approvalPolicies: [
      {
        id: 'ap-1',
        org: 'shop',
        order: 1,
        active: true,
        action: 'approve',
        category: 'Shopping',
        appliesTo: { organization: 'shop' },
        countries: { mode: 'deny', list: [] },
      },
    ],
    approvalSettings: [{ org: 'shop', escalation: { emails: ['it@shop.example'] } }],
  };
}

const hub: AdminHub = {
  push: () => undefined,
  revokeStale: () => undefined,
  awaitSettingsApplied: (ids) => Promise.resolve({ applied: [], pending: [], refused: [], offline: [...ids] }),
  awaitSnapshotsApplied: (ids) => Promise.resolve({ applied: [], pending: [], refused: [], offline: [...ids] }),
};

let dir: string;
let state: ServerState;
let app: FastifyInstance;

interface Answer {
  status: number;
  problems: string[];
}

async function call(method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<Answer> {
  const response = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${TOKEN}` },
    ...(body === undefined ? {} : { payload: body as object }),
  });
  const parsed = response.json<{ error?: { problems?: string[]; message: string } }>();
  return {
    status: response.statusCode,
    problems: parsed.error === undefined ? [] : (parsed.error.problems ?? [parsed.error.message]),
  };
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-admin-validation-'));
  state = await ServerState.open({ dataDir: dir, clock: () => 1_700_000_000_000 });
  await state.importWorld(world());
  app = buildAdminApi({ state, hub, adminToken: TOKEN });
});

afterEach(async () => {
  await app.close();
  await state.close();
  rmSync(dir, { recursive: true, force: true });
});

const I32 = 'must be an integer from -2147483648 to 2147483647';
const U32 = 'must be an integer from 0 to 4294967295';

describe('orders beyond what the wire carries', () => {
  it.each([
    [2147483648, `policies[p-new]: order 2147483648 ${I32}`],
    [-2147483649, `policies[p-new]: order -2147483649 ${I32}`],
    [2 ** 53 + 2, `policies[p-new]: order 9007199254740994 ${I32}`],
    [1e300, `policies[p-new]: order 1e+300 ${I32}`],
  ])('refuses a policy with order %s, naming the field, and stores nothing', async (order, problem) => {
    const before = state.world();
    const answer = await call('POST', '/api/policies', {
      id: 'p-new',
      app: 'putty',
      appliesTo: { group: 'tills' },
      action: 'deny',
      order,
    });
    expect(answer.status).toBe(400);
    expect(answer.problems).toEqual([problem]);
    expect(state.world()).toEqual(before);
  });

  it('refuses a patch that moves a policy beyond the range', async () => {
    const answer = await call('PATCH', '/api/policies/p-1', { order: 2147483648 });
    expect(answer.status).toBe(400);
    expect(answer.problems).toEqual([`policies[p-1]: order 2147483648 ${I32}`]);
    expect(state.world().policies[0]?.order).toBe(1);
  });

  it('refuses an approval policy order beyond 32 bits', async () => {
    const answer = await call('PATCH', '/api/approval-policies/ap-1', { order: 4294967296 });
    expect(answer.status).toBe(400);
    expect(answer.problems).toEqual([`approvalPolicies[ap-1]: order 4294967296 ${U32}`]);
  });

  it('refuses a world whose agent setting order is beyond the range', async () => {
    const next = {
      ...world(),
      agentSettings: [
        {
          id: 's-1',
          type: 'prioritizeBuiltInApplications',
          value: false,
          appliesTo: { group: 'tills' },
          order: 2147483648,
        },
      ],
    };
    const answer = await call('PUT', '/api/world', next);
    expect(answer.status).toBe(400);
    expect(answer.problems).toEqual([`agentSettings[s-1]: order 2147483648 ${I32}`]);
    expect(state.world().agentSettings).toEqual([]);
  });
});

describe('error answers', () => {
  it('list at most 100 problems, counting the rest, and the message no more', async () => {
    const next = world();
    for (let i = 0; i < 250; i++) next.computers.push({ id: `bad id ${i}`, group: 'tills' });
    const response = await app.inject({
      method: 'PUT',
      url: '/api/world',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: next,
    });
    expect(response.statusCode).toBe(400);
    const error = response.json<{ error: { code: string; message: string; problems: string[] } }>().error;
    expect(error.code).toBe('invalid-input');
    expect(error.problems).toHaveLength(101);
    expect(error.problems[0]).toMatch(/^computers\[#1\]: id "bad id 0" has the character U\+0020/);
    expect(error.problems[100]).toBe('and 150 more problems');
    expect(error.message).toBe(error.problems.join('\n'));
    expect(state.world().computers).toHaveLength(1);
  });

  it('refuses a world with an id holding a lone surrogate, as any text of a body', async () => {
    const next = world();
    next.computers.push({ id: 'p\uD800', group: 'tills' });
    const answer = await call('PUT', '/api/world', next);
    expect(answer.status).toBe(400);
    expect(answer.problems).toEqual([
      'body.computers[1].id: holds a lone UTF-16 surrogate (\\uD800 at character 2); text must be valid Unicode',
    ]);
    expect(state.world().computers).toHaveLength(1);
  });

  it('cut a problem longer than 1,000 characters', async () => {
    const answer = await app.inject({
      method: 'POST',
      url: '/api/policies',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: {
        id: 'p-9',
        app: 'chrome',
        appliesTo: { computer: 'till-1' },
        action: 'permit',
        order: 9,
        ['k'.repeat(5_000)]: 1,
      },
    });
    expect(answer.statusCode).toBe(400);
    const error = answer.json<{ error: { problems: string[]; message: string } }>().error;
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.length).toBeLessThan(1_100);
    expect(error.problems[0]).toMatch(/\.\.\. \(\d+ characters\)$/);
  });
});

describe('ids', () => {
  const ID_RULE = 'an id is 1 to 128 characters, each an ASCII letter, a digit or one of - _ . : @';

  it.each([
    ['a slash', 'p/1', 'has the character "/"'],
    ['a control character', 'p\u0001', 'has the character U+0001'],
    ['a space', 'p 1', 'has the character U+0020'],
  ])('refuses a world with an id holding %s', async (_name, id, problem) => {
    const next = world();
    next.computers.push({ id, group: 'tills' });
    const answer = await call('PUT', '/api/world', next);
    expect(answer.status).toBe(400);
    expect(answer.problems).toEqual([`computers[#1]: id ${JSON.stringify(id)} ${problem}; ${ID_RULE}`]);
    expect(state.world().computers).toHaveLength(1);
  });

  it('refuses a world with an id of 10,000 characters, which no path could address', async () => {
    const next = world();
    next.computers.push({ id: 'c'.repeat(10_000), group: 'tills' });
    const answer = await call('PUT', '/api/world', next);
    expect(answer.status).toBe(400);
    expect(answer.problems[0]).toBe(
      `computers[#1]: id "${'c'.repeat(80)}"... (10000 characters) is 10000 characters long; an id has at most 128`,
    );
  });

  it('refuses a new policy whose id is no id, naming the field', async () => {
    const answer = await call('POST', '/api/policies', {
      id: 'p/2',
      app: 'putty',
      appliesTo: { group: 'tills' },
      action: 'deny',
      order: 2,
    });
    expect(answer.status).toBe(400);
    expect(answer.problems).toEqual([
      'id is not an id (1 to 128 characters, each an ASCII letter, a digit or one of - _ . : @)',
    ]);
  });

  it('refuses an id in a path that is no id, before looking it up', async () => {
    const answer = await call('DELETE', `/api/policies/${encodeURIComponent('p 1')}`);
    expect(answer.status).toBe(400);
    expect(answer.problems).toEqual([
      'path parameter id is not an id (1 to 128 characters, each an ASCII letter, a digit or one of - _ . : @)',
    ]);
  });

  it('addresses an id of the longest length, in full and percent-encoded', async () => {
    const id = `p:${'@'.repeat(126)}`;
    const created = await call('POST', '/api/policies', {
      id,
      app: 'putty',
      appliesTo: { group: 'tills' },
      action: 'deny',
      order: 2,
    });
    expect(created.status).toBe(201);
    const deleted = await call('DELETE', `/api/policies/${encodeURIComponent(id)}`);
    expect(deleted).toEqual({ status: 200, problems: [] });
    expect(state.world().policies.map((p) => p.id)).toEqual(['p-1']);
  });
});

describe('unknown keys and the empty document', () => {
  it.each([
    [
      'a misspelt field',
      (w: Record<string, unknown>) => ({ ...w, organizations: [{ id: 'bakery', name: 'Bakery', structur: 'flat' }] }),
      'organizations[bakery]: unknown field "structur"',
    ],
    [
      'a misspelt top-level list',
      (w: Record<string, unknown>) => ({ ...w, organisations: [] }),
      'the world has unknown field "organisations"',
    ],
    ['a wrapped world', (w: Record<string, unknown>) => ({ world: w }), 'organizations is required'],
    ['an empty document', () => ({}), 'organizations is required'],
  ])('refuses %s and keeps the world', async (_name, change, problem) => {
    const before = state.world();
    const body = change(world() as unknown as Record<string, unknown>);
    const answer = await call('PUT', '/api/world', body);
    expect(answer.status).toBe(400);
    expect(answer.problems).toContain(problem);
    expect(state.world()).toEqual(before);
  });

  it('refuses an unknown field deep in an entry, naming its path', async () => {
    const next = world() as unknown as { applications: Record<string, unknown>[] };
    next.applications[0] = { id: 'putty', name: 'PuTTY', rules: [{ path: 'C:\\putty.exe', sha: 'ab' }] };
    const answer = await call('PUT', '/api/world', next);
    expect(answer.problems).toEqual(['applications[putty]: unknown field "rules[0].sha"']);
  });

  it('refuses an unknown field in a policy body', async () => {
    const answer = await call('PATCH', '/api/policies/p-1', { order: 3, enabeld: false });
    expect(answer.status).toBe(400);
    expect(answer.problems).toEqual(['enabeld is not a known field']);
  });

  it.each([
    ['POST', '/api/computers/till-1/enroll'],
    ['PUT', '/api/organizations/msp/modules/cyberHeroApprovals'],
    ['DELETE', '/api/organizations/shop/modules/cyberHeroApprovals'],
    ['DELETE', '/api/policies/p-1'],
    ['DELETE', '/api/approval-policies/ap-1'],
  ] as const)(
    'refuses a body with unknown fields on %s %s, which takes none, and changes nothing',
    async (method, url) => {
      const before = state.world();
      const computers = state.computers();
      const answer = await call(method, url, { force: true });
      expect(answer.status).toBe(400);
      expect(answer.problems).toEqual(['force is not a known field']);
      expect(state.world()).toEqual(before);
      expect(state.computers()).toEqual(computers);
      // Without a body, or with an empty one, the action is taken.
      expect((await call(method, url, {})).status).toBe(200);
    },
  );

  it('accepts an explicitly empty world', async () => {
    const answer = await call('PUT', '/api/world?allowRemovals=true', { organizations: [] });
    expect(answer.status).toBe(200);
    expect(state.world().organizations).toEqual([]);
  });
});

describe('path parameters past the router bound', () => {
  it('answers 414 in the error shape of every admin error, before the token is looked at', async () => {
    const url = `/api/computers/${'a'.repeat(MAX_PARAM_CHARS + 1)}`;
    for (const headers of [{ authorization: `Bearer ${TOKEN}` }, {}]) {
      const response = await app.inject({ method: 'GET', url, headers });
      expect(response.statusCode).toBe(414);
      expect(response.json()).toEqual({
        error: { code: 'uri-too-long', message: `a path parameter is longer than ${MAX_PARAM_CHARS} characters` },
      });
    }
  });

  it('answers a malformed percent-encoding in a path in the same shape (400 bad-request)', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/computers/%zz' });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('bad-request');
  });

  it('passes a parameter at the bound on to the route, whose id rule answers it', async () => {
    const answer = await call('GET', `/api/computers/${'a'.repeat(MAX_PARAM_CHARS)}`);
    expect(answer.status).toBe(400);
    expect(answer.problems.join('\n')).toContain('128');
  });
});

describe('texts that are not valid Unicode, and bodies in another encoding', () => {
  /** A JSON text with a lone surrogate, as `JSON.stringify` writes it (`\ud83d` escaped). */
  async function raw(method: 'POST' | 'PUT', url: string, text: string, headers: Record<string, string> = {}) {
    const response = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
      payload: text,
    });
    const parsed = response.json<{ error?: { code: string; problems?: string[]; message: string } }>();
    return { status: response.statusCode, code: parsed.error?.code, problems: parsed.error?.problems ?? [] };
  }

  it('refuses a lone surrogate in a policy name, naming the field, and stores nothing', async () => {
    const before = state.world();
    const policy = {
      id: 'p-s',
      name: 'Caf\ud83d',
      app: 'putty',
      appliesTo: { group: 'tills' },
      action: 'deny',
      order: 3,
    };
    const answer = await raw('POST', '/api/policies', JSON.stringify(policy));
    expect(answer).toMatchObject({ status: 400, code: 'invalid-input' });
    expect(answer.problems).toEqual([
      'body.name: holds a lone UTF-16 surrogate (\\uD83D at character 4); text must be valid Unicode',
    ]);
    expect(state.world()).toEqual(before);
  });

  it('finds one in a key or deep in a ringfence, and takes a whole pair', async () => {
    const deep = { id: 'p-r', app: 'putty', appliesTo: { group: 'tills' }, action: 'deny', order: 3 };
    const inValue = await raw(
      'POST',
      '/api/policies',
      JSON.stringify({ ...deep, ringfence: { allow: [{ host: 'ok' }, { host: 'x\udc00' }] } }),
    );
    expect(inValue.problems).toEqual([
      'body.ringfence.allow[1].host: holds a lone UTF-16 surrogate (\\uDC00 at character 2); text must be valid Unicode',
    ]);
    const inKey = await raw('POST', '/api/policies', JSON.stringify({ ...deep, ringfence: { ['k\ud800']: 1 } }));
    expect(inKey.problems[0]).toMatch(/^body\.ringfence key "k\\ud800": holds a lone UTF-16 surrogate/);
    const pair = await raw('POST', '/api/policies', JSON.stringify({ ...deep, name: 'Café 😀' }));
    expect(pair.status).toBe(201);
    expect(state.world().policies.find((p) => p.id === 'p-r')?.name).toBe('Café 😀');
  });

  it('refuses a body whose bytes are not UTF-8, naming where, and stores nothing', async () => {
    const before = state.world();
    const head = '{"id":"p-l","name":"Caf';
    const body = Buffer.concat([
      Buffer.from(head),
      Buffer.from([0xe9]),
      Buffer.from('","app":"putty","appliesTo":{"group":"tills"},"action":"deny","order":3}'),
    ]);
    const response = await app.inject({
      method: 'POST',
      url: '/api/policies',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      payload: body,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'invalid-input',
      message: `the body is not UTF-8 text: byte 0xe9 at offset ${head.length} (line 1, column ${head.length + 1}) starts no UTF-8 character; nothing was changed`,
    });
    expect(state.world()).toEqual(before);
  });

  it('refuses a compressed body or another charset as an unsupported media type', async () => {
    const policy = JSON.stringify({ id: 'p-e', app: 'putty', appliesTo: { group: 'tills' }, action: 'deny', order: 3 });
    const gzip = await raw('POST', '/api/policies', policy, { 'content-encoding': 'gzip' });
    expect(gzip).toMatchObject({ status: 415, code: 'unsupported-media-type' });
    const utf16 = await raw('POST', '/api/policies', policy, { 'content-type': 'application/json; charset=utf-16' });
    expect(utf16).toMatchObject({ status: 415, code: 'unsupported-media-type' });
    const utf8 = await raw('POST', '/api/policies', policy, { 'content-type': 'application/json; charset="UTF-8"' });
    expect(utf8.status).toBe(201);
    // A quoted parameter holding `charset=` is not the charset; ASCII is UTF-8 too.
    const quoted = JSON.stringify({ id: 'p-q', app: 'putty', appliesTo: { group: 'tills' }, action: 'deny', order: 4 });
    const other = await raw('POST', '/api/policies', quoted, {
      'content-type': 'application/json; profile="a;charset=latin1"; charset=us-ascii',
    });
    expect(other.status).toBe(201);
  });
});

describe('query parameters', () => {
  it('tells a parameter given more than once once, whatever else it fails', async () => {
    const answer = await call('GET', '/api/requests?status=pending&status=all');
    expect(answer).toEqual({ status: 400, problems: ['status is given more than once; give it once'] });
    const limit = await call('GET', '/api/requests?limit=99999');
    expect(limit.problems).toEqual(['limit must be a whole number from 1 to 1000']);
  });
});

describe('what the world itself bounds', () => {
  it('refuses a ringfence nested past its bound, so that an exported world imports again', async () => {
    let ringfence: unknown = 'end';
    for (let i = 0; i < 33; i++) ringfence = { inner: ringfence };
    const answer = await call('POST', '/api/policies', {
      id: 'p-deep',
      app: 'putty',
      appliesTo: { group: 'tills' },
      action: 'deny',
      order: 3,
      ringfence,
    });
    expect(answer.status).toBe(400);
    expect(answer.problems).toEqual(['policies[p-deep]: ringfence nests 33 levels deep; at most 32']);
  });

  it('bounds module names and how many there are', async () => {
    const long = await call('PUT', `/api/organizations/shop/modules/${'m'.repeat(129)}`);
    expect(long.status).toBe(400);
    expect(long.problems.join('\n')).toContain('is 129 characters long; at most 128');
    const control = await call('PUT', '/api/organizations/shop/modules/%00');
    expect(control.status).toBe(400);
    expect(control.problems.join('\n')).toContain('holds a control character');
  });
});
