// The server when its database cannot be written: a real SyncHub and
// ServerState (SQLite in a temp folder, its writes made to fail by a full or
// read-only database) behind a real HTTP server on port 0, raw WebSocket
// agents, and the admin API on the same state. Every failure is logged and
// answered as the server's, the server keeps running, and it works again as
// soon as the database can be written.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { World } from '../../src/engine/model.js';
import { buildAdminApi } from '../../src/server/admin-api.js';
import { ServerState } from '../../src/server/state.js';
import { AGENT_PATH, CLOSE_CODES, SyncHub } from '../../src/server/sync-hub.js';
import { STORAGE_UNAVAILABLE } from '../../src/store/storage-error.js';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import {
  decodeServerMessage,
  encodeAgentMessage,
  type AgentMessage,
  type ApprovalSubmission,
  type ServerMessage,
} from '../../src/wire/sync-messages.js';

const WORLD: World = {
  organizations: [{ id: 'shop', name: 'Shop', structure: 'flat', modules: ['cyberHeroApprovals'] }],
  groups: [{ id: 'tills', org: 'shop', name: 'Tills', os: 'linux', agentVersion: '10.6.2' }],
  computers: [
    { id: 'till-1', group: 'tills' },
    { id: 'till-2', group: 'tills' },
  ],
  applications: [],
  policies: [],
  agentSettings: [],
  approvalPolicies: [],
  approvalSettings: [{ org: 'shop', escalation: { emails: ['it@shop.example'] } }],
};

interface Logged {
  level: string;
  msg: string;
  obj: Record<string, unknown>;
}

let dir: string;
let state: ServerState;
let hub: SyncHub;
let http: Server;
let admin: FastifyInstance;
let url: string;
let logs: Logged[];
let logWaiters: { predicate: (l: Logged) => boolean; resolve: () => void }[];
const tokens = new Map<string, string>();
const ADMIN_TOKEN = 'admin-token-for-tests';

function logged(predicate: (l: Logged) => boolean): Promise<void> {
  if (logs.some(predicate)) return Promise.resolve();
  return new Promise((resolve) => logWaiters.push({ predicate, resolve }));
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-storage-'));
  logs = [];
  logWaiters = [];
  state = await ServerState.open({ dataDir: dir, clock: () => 5_000 });
  await state.importWorld(WORLD);
  for (const id of ['till-1', 'till-2']) tokens.set(id, (await state.enroll(id)).token);
  const log = (level: string) => (obj: object, msg: string) => {
    const line = { level, msg, obj: obj as Record<string, unknown> };
    logs.push(line);
    for (const w of [...logWaiters]) {
      if (w.predicate(line)) {
        logWaiters.splice(logWaiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  hub = new SyncHub({
    state,
    logger: { info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug') },
    clock: () => 5_000,
    pingIntervalMs: 60_000,
    pongTimeoutMs: 60_000,
    helloTimeoutMs: 60_000,
    maxMessageBytes: 1 << 20,
  });
  admin = buildAdminApi({ state, adminToken: ADMIN_TOKEN, hub });
  http = createServer();
  hub.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(http.address() as { port: number }).port}${AGENT_PATH}`;
});

afterEach(async () => {
  await hub.close();
  await admin.close();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await state.close();
  rmSync(dir, { recursive: true, force: true });
});

interface RawAgent {
  send(message: AgentMessage): void;
  next(kind: ServerMessage['kind']): Promise<ServerMessage>;
  closed: Promise<number>;
  close(): void;
}

/** A raw agent connection that collects every server message and its close code. */
async function connect(): Promise<RawAgent> {
  const ws = new WebSocket(url);
  const inbox: ServerMessage[] = [];
  const waiters: { kind: string; resolve: (m: ServerMessage) => void }[] = [];
  ws.on('message', (data) => {
    const message = decodeServerMessage(rawDataBytes(data));
    const waiter = waiters.find((w) => w.kind === message.kind);
    if (waiter === undefined) inbox.push(message);
    else {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    }
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise((resolve) => ws.once('open', resolve));
  return {
    send: (message) => ws.send(encodeAgentMessage(message)),
    next: (kind) => {
      const i = inbox.findIndex((m) => m.kind === kind);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]!);
      return new Promise((resolve) => waiters.push({ kind, resolve }));
    },
    closed,
    close: () => ws.close(),
  };
}

function hello(computerId: string, agentVersion = '10.6.2'): AgentMessage {
  return {
    kind: 'hello',
    computerId,
    token: tokens.get(computerId)!,
    agentVersion,
    os: 'linux',
    snapshotVersion: 0,
    settingsVersion: 0,
  };
}

function submission(requestId: string): ApprovalSubmission {
  return {
    requestId,
    submittedAtMs: 1_000,
    file: { path: '/opt/game/game' },
    user: 'alice',
    // Larger than a database page: storing it always needs pages the full database does not have.
    reason: 'r'.repeat(3_900),
    query: { category: 'Games' },
    suggestion: {
      suggestion: 'escalate',
      policy: null,
      reason: 'no matching approval policy',
      permitTarget: 'computer',
      instructions: '',
      escalationEmails: [],
      warnings: [],
    },
  };
}

async function expectStorageRefusal(agent: RawAgent): Promise<void> {
  const refusal = await agent.next('refusal');
  expect(refusal).toMatchObject({ kind: 'refusal', code: STORAGE_UNAVAILABLE });
  expect(await agent.closed).toBe(CLOSE_CODES.storageUnavailable);
}

describe('the sync hub when the database cannot be written', () => {
  it('survives an agent connecting and disconnecting, tells it so, and serves it once writes work again', async () => {
    state.simulateStorageFault('read-only');
    const agent = await connect();
    agent.send(hello('till-1'));
    await expectStorageRefusal(agent);
    // The close handler's write fails too: logged, not thrown (a throw there takes the process down).
    await logged((l) => l.msg === 'cannot record that an agent disconnected');
    expect(logs.find((l) => l.msg === 'cannot use the server database')).toMatchObject({
      level: 'error',
      obj: { computerId: 'till-1', message: 'hello' },
    });
    expect(state.computerState('till-1').connected).toBe(false);
    expect(hub.connectedCount).toBe(0);

    state.simulateStorageFault('none');
    const again = await connect();
    again.send(hello('till-1'));
    expect((await again.next('snapshot')).kind).toBe('snapshot');
    expect(state.computerState('till-1')).toMatchObject({ connected: true, lastSeenMs: 5_000 });
    again.close();
  });

  it('refuses a hello it cannot record on a read-only database with storage-unavailable, not bad-message', async () => {
    state.simulateStorageFault('read-only');
    const agent = await connect();
    agent.send(hello('till-2'));
    await expectStorageRefusal(agent);
    expect(logs.some((l) => l.obj['code'] === 'bad-message')).toBe(false);
  });

  it('gives no receipt for an approval request it cannot store, and records it once when sent again later', async () => {
    const agent = await connect();
    agent.send(hello('till-1'));
    await agent.next('snapshot');
    state.simulateStorageFault('disk-full');
    agent.send({ kind: 'approval', submission: submission('req-full') });
    await expectStorageRefusal(agent);
    expect(await state.approvalRequests()).toEqual([]);

    state.simulateStorageFault('none');
    const again = await connect();
    again.send(hello('till-1'));
    await again.next('snapshot');
    again.send({ kind: 'approval', submission: submission('req-full') });
    expect(await again.next('receipt')).toEqual({ kind: 'receipt', requestId: 'req-full' });
    again.send({ kind: 'approval', submission: submission('req-full') });
    expect(await again.next('receipt')).toEqual({ kind: 'receipt', requestId: 'req-full' });
    expect((await state.approvalRequests()).map((r) => r.id)).toEqual(['req-full']);
    again.close();
  });

  it('stops cleanly with agents connected while writes fail', async () => {
    const agent = await connect();
    agent.send(hello('till-1'));
    await agent.next('snapshot');
    state.simulateStorageFault('read-only');
    await hub.close();
    expect(await agent.closed).toBe(CLOSE_CODES.shuttingDown);
    await logged((l) => l.msg === 'cannot record that an agent disconnected' && l.obj['computerId'] === 'till-1');
    expect(state.computerState('till-1').connected).toBe(false);
  });

  it('refuses an acknowledgement it cannot record with storage-unavailable', async () => {
    const agent = await connect();
    agent.send(hello('till-1'));
    await agent.next('snapshot');
    state.simulateStorageFault('read-only');
    agent.send({ kind: 'ack', snapshotVersion: 1, settingsVersion: 1, error: '' });
    await expectStorageRefusal(agent);
    expect(state.computerState('till-1').ackedSnapshotVersion).toBe(0);
    // Its next hello, holding the newest versions, stands for the acknowledgement that was lost.
    state.simulateStorageFault('none');
    const { snapshotVersion, settingsVersion } = state.issuedVersions('till-1');
    const again = await connect();
    again.send({ ...(hello('till-1') as Extract<AgentMessage, { kind: 'hello' }>), snapshotVersion, settingsVersion });
    expect((await again.next('upToDate')).kind).toBe('upToDate');
    expect(state.computerState('till-1')).toMatchObject({
      ackedSnapshotVersion: snapshotVersion,
      ackedSettingsVersion: settingsVersion,
      lastError: null,
    });
    again.close();
  });
});

describe('the admin API when the database cannot be written', () => {
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const bigger = (): World => ({
    ...WORLD,
    applications: Array.from({ length: 60 }, (_, i) => ({
      id: `app-${i}`,
      name: `Application number ${i}`,
      builtIn: false,
      rules: [{ path: `/opt/app-${i}/**` }],
    })),
  });

  it.each(['disk-full', 'read-only'] as const)(
    'answers a write with 503 storage-unavailable (%s), changes nothing, and takes it once writes work',
    async (fault) => {
      state.simulateStorageFault(fault);
      const refused = await admin.inject({ method: 'PUT', url: '/api/world', headers: auth, payload: bigger() });
      expect(refused.statusCode).toBe(503);
      const body = refused.json<{ error: { code: string; message: string } }>();
      expect(body.error.code).toBe(STORAGE_UNAVAILABLE);
      expect(body.error.message).toMatch(/server\.db cannot be used: .*(SQLITE_FULL|SQLITE_READONLY)/);
      // Reads still answer, from what was stored before.
      const world = await admin.inject({ method: 'GET', url: '/api/world', headers: auth });
      expect(world.statusCode).toBe(200);
      expect(world.json<World>().applications).toEqual([]);

      state.simulateStorageFault('none');
      const taken = await admin.inject({ method: 'PUT', url: '/api/world', headers: auth, payload: bigger() });
      expect(taken.statusCode).toBe(200);
      expect(state.world().applications).toHaveLength(60);
    },
  );

  it('answers enrollment it cannot store with 503, and the old token keeps working', async () => {
    state.simulateStorageFault('read-only');
    const refused = await admin.inject({ method: 'POST', url: '/api/computers/till-1/enroll', headers: auth });
    expect(refused.statusCode).toBe(503);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe(STORAGE_UNAVAILABLE);
    expect(state.authenticate('till-1', tokens.get('till-1')!)).toBe(true);
  });
});
