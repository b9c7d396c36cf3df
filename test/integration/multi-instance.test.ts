// Two policy server processes on one PostgreSQL schema (the real local
// database, a schema of this test's own), with real daemons connected to each:
// a change made through one instance reaches the agents of the other and its
// admin answer lists them as applied; an instance killed with SIGKILL hands its
// agents to the other, which catches them up; two admins changing the same
// policy on both instances at once lose neither change; versions never go
// down across instances and restarts.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalClient } from '../../src/local/client.js';
import type { AgentStatus } from '../../src/wire/local-api.js';
import {
  cli,
  startDaemon,
  startTollgate,
  workspace,
  type DaemonHandle,
  type ProcessHandle,
  type Workspace,
} from '../support/daemon-process.js';
import { createTestSchema, pgQuery, type TestSchema } from '../support/postgres.js';

const WORLD = `
organizations:
  - {id: msp, name: MSP, structure: flat}
  - {id: shop, name: Shop, parent: msp, structure: flat}
groups:
  - {id: tills, org: shop, name: Tills, os: windows, agentVersion: "10.6.2"}
computers:
  - {id: till-1, group: tills}
  - {id: till-2, group: tills}
  - {id: till-3, group: tills}
applications:
  - {id: chrome, name: Chrome, builtIn: true, rules: [{path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe'}]}
  - {id: chrome-custom, name: Chrome folder, builtIn: false, rules: [{path: 'C:\\Program Files\\Google\\**'}]}
  - {id: npp, name: Notepad++, builtIn: false, rules: [{path: 'C:\\Tools\\npp\\notepad++.exe'}]}
policies:
  - {id: chrome-ok, app: chrome, appliesTo: {global: msp}, action: permit, order: 101}
  - {id: chrome-block, app: chrome-custom, appliesTo: {organization: shop}, action: deny, order: 20}
  - {id: npp-shop, app: npp, appliesTo: {organization: shop}, action: permit, order: 50}
`;

/** Two server processes and three daemons start on a machine that may be busy: more than the default 30 s. */
const START_TIMEOUT_MS = 120_000;
const TEST_TIMEOUT_MS = 90_000;

const CHROME = { path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe' };

type Server = ProcessHandle & { ready: Record<string, unknown> };

interface ComputerView {
  id: string;
  connected: boolean;
  snapshotVersion: number;
  settingsVersion: number;
}

async function call(socket: string, request: Parameters<LocalClient['call']>[0]) {
  const client = await LocalClient.connect(socket);
  try {
    return await client.call(request);
  } finally {
    client.close();
  }
}

async function status(socket: string): Promise<AgentStatus> {
  const response = await call(socket, { kind: 'status' });
  if (response.kind !== 'status') throw new Error(`unexpected ${response.kind}`);
  return response.status;
}

async function decide(socket: string) {
  const response = await call(socket, { kind: 'evaluateFile', file: CHROME });
  if (response.kind !== 'decision') throw new Error(`unexpected ${response.kind}`);
  return response.decision;
}

/** Polls `probe` until it returns a value (not undefined), failing after `limitMs`. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, limitMs = 15_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('two server instances on one PostgreSQL schema', () => {
  let ws: Workspace;
  let schema: TestSchema;
  let token: string;
  let publicKey: string;
  const configs: string[] = [];
  const servers: (Server | null)[] = [null, null];
  const daemons = new Map<string, DaemonHandle>();
  const enrollment = new Map<string, string>();
  /** Every version each computer was seen at, in order, through either instance. */
  const seen = new Map<string, { snapshotVersion: number; settingsVersion: number }[]>();

  const httpUrl = (i: number): string => String(servers[i]!.ready['url']);
  const agentUrl = (i: number): string => httpUrl(i).replace(/^http/, 'ws') + '/agent';

  async function admin(i: number, method: string, path: string, body?: unknown) {
    const response = await fetch(httpUrl(i) + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** The computers as instance `i` lists them; their versions are recorded to check they never go down. */
  async function computers(i: number): Promise<ComputerView[]> {
    const listed = (await admin(i, 'GET', '/api/computers')).body['computers'] as ComputerView[];
    for (const c of listed) {
      const history = seen.get(c.id) ?? [];
      history.push({ snapshotVersion: c.snapshotVersion, settingsVersion: c.settingsVersion });
      seen.set(c.id, history);
    }
    return listed;
  }

  async function startInstance(i: number): Promise<void> {
    const server = await startTollgate(['server', '--config', configs[i]!], 'listening');
    servers[i] = server;
    // A restart comes back on the same port: the agents know this URL.
    const config = JSON.parse(readFileSync(configs[i]!, 'utf8')) as { listen: { port: number } };
    config.listen.port = Number(new URL(String(server.ready['url'])).port);
    writeFileSync(configs[i]!, JSON.stringify(config));
  }

  async function startAgent(computer: string, urls: string[]): Promise<DaemonHandle> {
    const file = join(ws.dir, `${computer}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        dataDir: join(ws.dir, `${computer}-data`),
        computerId: computer,
        serverPublicKey: publicKey,
        socket: { path: join(ws.dir, `${computer}.sock`) },
        logLevel: 'debug',
        server: { urls, token: enrollment.get(computer), backoffInitialMs: 50, backoffMaxMs: 400 },
      }),
    );
    const daemon = await startDaemon(file, join(ws.dir, `${computer}.sock`));
    daemons.set(computer, daemon);
    return daemon;
  }

  beforeAll(async () => {
    ws = await workspace();
    schema = await createTestSchema();
    const scenario = join(ws.dir, 'world.yaml');
    writeFileSync(scenario, WORLD);
    const tokenFile = join(ws.dir, 'admin-token');
    for (const i of [0, 1]) {
      const file = join(ws.dir, `server-${i}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          dataDir: join(ws.dir, `server-${i}-data`),
          listen: { port: 0 },
          adminTokenFile: tokenFile,
          logLevel: 'debug',
          store: { kind: 'postgres', url: schema.url, schema: schema.schema, poolSize: 4 },
          ...(i === 0 ? { seedScenario: scenario } : {}),
        }),
      );
      configs.push(file);
    }
    // Every instance signs with the same key: the second gets a copy of the first's.
    const key = await cli(['server', 'public-key', '--config', configs[0]!]);
    expect(key.code).toBe(0);
    publicKey = key.stdout;
    mkdirSync(join(ws.dir, 'server-1-data'), { recursive: true, mode: 0o700 });
    for (const name of ['signing.key', 'signing.pub']) {
      copyFileSync(join(ws.dir, 'server-0-data', name), join(ws.dir, 'server-1-data', name));
    }
    await startInstance(0);
    await startInstance(1);
    token = readFileSync(tokenFile, 'utf8').trim();
    for (const computer of ['till-1', 'till-2', 'till-3']) {
      const enrolled = await admin(0, 'POST', `/api/computers/${computer}/enroll`);
      expect(enrolled.status).toBe(200);
      enrollment.set(computer, String(enrolled.body['token']));
    }
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    for (const daemon of daemons.values()) await daemon.stop();
    for (const server of servers) await server?.stop();
    await schema?.drop();
    ws?.cleanup();
  }, START_TIMEOUT_MS);

  it(
    'a setting changed through instance 1 reaches the daemons on instance 2, and its answer lists them as applied',
    async () => {
      const till1 = await startAgent('till-1', [agentUrl(0)]);
      const till2 = await startAgent('till-2', [agentUrl(1)]);
      const till3 = await startAgent('till-3', [agentUrl(0), agentUrl(1)]);
      for (const daemon of [till1, till2, till3]) await daemon.waitForLog((l) => l['msg'] === 'snapshot applied');
      // Each instance has recorded where its agents are connected.
      await eventually('every agent recorded as connected', async () => {
        const rows = await pgQuery(
          `SELECT count(*)::int AS n FROM "${schema.schema}".computer_state WHERE connected_instance IS NOT NULL`,
        );
        return (rows.rows[0] as { n: number }).n === 3 ? true : undefined;
      });
      expect((await status(till2.socket)).serverUrl).toBe(agentUrl(1));
      expect((await status(till3.socket)).serverUrl).toBe(agentUrl(0));
      await computers(0);

      const changed = await admin(0, 'PUT', '/api/settings?waitMs=20000', {
        scope: { kind: 'group', id: 'tills' },
        type: 'prioritizeBuiltInApplications',
        value: false,
      });
      expect(changed.status).toBe(200);
      expect((changed.body['applied'] as string[]).sort()).toEqual(['till-1', 'till-2', 'till-3']);
      expect(changed.body['pending']).toEqual([]);
      expect(changed.body['offline']).toEqual([]);
      expect(await decide(till2.socket)).toMatchObject({
        action: 'deny',
        policy: 'chrome-block',
        builtInsFirst: false,
      });
      const listed = await computers(1);
      expect(listed.find((c) => c.id === 'till-2')?.connected).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'instance 1 killed with SIGKILL: its daemons with both URLs reconnect to instance 2 and catch up',
    async () => {
      const till3 = daemons.get('till-3')!;
      // till-1 knows instance 1 only: stopped first, so that instance 1 records it gone before it dies.
      await daemons.get('till-1')!.stop();
      daemons.delete('till-1');
      await eventually('till-1 recorded as connected nowhere', async () => {
        const row = await pgQuery(
          `SELECT connected_instance FROM "${schema.schema}".computer_state WHERE computer_id = $1`,
          ['till-1'],
        );
        return (row.rows[0] as { connected_instance: string | null }).connected_instance === null ? true : undefined;
      });
      const before = till3.logs.length;
      servers[0]!.child.kill('SIGKILL');
      await servers[0]!.exited;
      servers[0] = null;
      await till3.waitForLog(
        (l) => till3.logs.indexOf(l) >= before && l['msg'] === 'connected to the server' && l['url'] === agentUrl(1),
      );
      expect((await status(till3.socket)).serverUrl).toBe(agentUrl(1));
      // Instance 2 serves it once its hello is in: a change made now reaches it.
      await eventually('till-3 connected to instance 2', async () =>
        (await computers(1)).find((c) => c.id === 'till-3' && c.connected),
      );
      const cleared = await admin(1, 'DELETE', '/api/settings?waitMs=20000', {
        scope: { kind: 'group', id: 'tills' },
        type: 'prioritizeBuiltInApplications',
      });
      expect(cleared.status).toBe(200);
      expect((cleared.body['applied'] as string[]).sort()).toEqual(['till-2', 'till-3']);
      expect(cleared.body['pending']).toEqual([]);
      expect(cleared.body['offline']).toEqual(['till-1']);
      expect(await decide(till3.socket)).toMatchObject({ action: 'permit', policy: 'chrome-ok', builtInsFirst: true });
      await computers(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'two admins changing the same policy on the two instances at once: the second is applied after the first',
    async () => {
      await startInstance(0);
      const [first, second] = await Promise.all([
        admin(0, 'PATCH', '/api/policies/npp-shop', { order: 60 }),
        admin(1, 'PATCH', '/api/policies/npp-shop', { action: 'deny' }),
      ]);
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      for (const i of [0, 1]) {
        const policy = await eventually(`both changes on instance ${i + 1}`, async () => {
          const policies = (await admin(i, 'GET', '/api/policies')).body['policies'] as Record<string, unknown>[];
          const npp = policies.find((p) => p['id'] === 'npp-shop');
          return npp?.['order'] === 60 && npp['action'] === 'deny' ? npp : undefined;
        });
        expect(policy).toMatchObject({ order: 60, action: 'deny' });
      }
      await computers(0);
      await computers(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'versions never went down, whichever instance issued or listed them, across the restart',
    async () => {
      await admin(1, 'PUT', '/api/settings?waitMs=0', {
        scope: { kind: 'group', id: 'tills' },
        type: 'prioritizeBuiltInApplications',
        value: false,
      });
      const newest = await eventually('instance 1 caught up', async () => {
        const one = await computers(0);
        const two = await computers(1);
        const same = one.every((c) => {
          const other = two.find((o) => o.id === c.id);
          return other?.snapshotVersion === c.snapshotVersion && other.settingsVersion === c.settingsVersion;
        });
        return same ? two : undefined;
      });
      for (const [id, history] of seen) {
        for (let i = 1; i < history.length; i++) {
          expect(history[i]!.snapshotVersion, id).toBeGreaterThanOrEqual(history[i - 1]!.snapshotVersion);
          expect(history[i]!.settingsVersion, id).toBeGreaterThanOrEqual(history[i - 1]!.settingsVersion);
        }
        const first = history[0]!;
        const last = newest.find((c) => c.id === id)!;
        // Three setting changes and a policy change (twice) since the first look: versions moved up.
        expect(last.settingsVersion + last.snapshotVersion).toBeGreaterThan(
          first.settingsVersion + first.snapshotVersion,
        );
      }
    },
    TEST_TIMEOUT_MS,
  );
});
