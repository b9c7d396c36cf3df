// The agent when its cache's disk is full: a snapshot that cannot be stored
// leaves the last good one in force (and the sync client tells the server it
// failed), an approval request that cannot be queued is answered with
// 'storage-unavailable', and decisions the log could not write are written
// once there is room. A real AgentStore on a temp file; a real WebSocket
// server on port 0 plays the policy server.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { Agent } from '../../src/agent/agent.js';
import { DecisionRecorder } from '../../src/agent/decision-recorder.js';
import { handleLocalRequest } from '../../src/agent/local-handler.js';
import { TollgateError } from '../../src/engine/errors.js';
import type { Application, Policy, World } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { migrate } from '../../src/store/migrations.js';
import { STORAGE_UNAVAILABLE } from '../../src/store/storage-error.js';
import { SyncClient } from '../../src/sync/client.js';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import { sealSnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey, parsePublicKey } from '../../src/wire/signing.js';
import { decodeAgentMessage, encodeServerMessage, type AgentMessage } from '../../src/wire/sync-messages.js';

/** A world whose snapshot for till-1 spans many database pages once `apps` applications are in it. */
function world(apps: number): World {
  const applications: Application[] = Array.from({ length: apps }, (_, i) => ({
    id: `app-${i}`,
    name: `Application ${i}`,
    builtIn: false,
    category: 'Games',
    rules: [{ path: `/opt/app-${i}/bin/**` }],
  }));
  const policies: Policy[] = applications.map((app, i) => ({
    id: `p-${i}`,
    app: app.id,
    appliesTo: { organization: 'shop' },
    action: i % 2 === 0 ? 'permit' : 'deny',
    order: i + 1,
    enabled: true,
  }));
  return {
    organizations: [{ id: 'shop', name: 'Shop', structure: 'flat', modules: ['cyberHeroApprovals'] }],
    groups: [{ id: 'tills', org: 'shop', name: 'Tills', os: 'linux', agentVersion: '10.6.2' }],
    computers: [{ id: 'till-1', group: 'tills' }],
    applications,
    policies,
    agentSettings: [],
    approvalPolicies: [],
    approvalSettings: [{ org: 'shop', escalation: { emails: ['it@shop.example'] } }],
  };
}

const keys = generateSigningKeys();
const privateKey = parsePrivateKey(keys.privateKeyPem);

function snapshot(version: number, apps: number): Uint8Array {
  return sealSnapshot(
    { computerId: 'till-1', version, issuedAtMs: 1_000, settingsVersion: 1, view: buildView(world(apps), 'till-1') },
    privateKey,
  );
}

let dir: string;
let store: AgentStore;
let agent: Agent;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-agent-storage-'));
  store = AgentStore.open(path.join(dir, 'agent.db'));
  agent = new Agent({
    store,
    publicKey: parsePublicKey(keys.publicKeyPem),
    computerId: 'till-1',
    noSnapshotAction: 'deny',
    clock: () => 1_000,
    newRequestId: () => 'req-1',
  });
  agent.applySnapshot(snapshot(1, 2));
});

afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function thrown(fn: () => unknown): TollgateError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TollgateError) return error;
    throw error;
  }
  throw new Error('nothing was thrown');
}

describe('the agent on a full disk', () => {
  it('keeps the last good snapshot when a new one cannot be stored, and applies it once there is room', () => {
    store.simulateStorageFault('disk-full');
    const error = thrown(() => agent.applySnapshot(snapshot(2, 3_000)));
    expect(error.code).toBe(STORAGE_UNAVAILABLE);
    expect(agent.snapshotVersion).toBe(1);
    expect(agent.decide({ path: '/opt/app-1/bin/run' }).policy).toBe('p-1');
    expect(agent.decide({ path: '/opt/app-7/bin/run' }).snapshotVersion).toBe(1);

    store.simulateStorageFault('none');
    expect(agent.applySnapshot(snapshot(2, 3_000)).version).toBe(2);
    expect(agent.decide({ path: '/opt/app-7/bin/run' }).policy).toBe('p-7');
  });

  /** An agent over a cache created with 4 KiB pages, as caches were before they got 16 KiB pages. */
  function agentWithSmallPages(): { small: AgentStore; smallAgent: Agent } {
    const file = path.join(dir, 'small-pages.db');
    const created = new Database(file);
    created.pragma('page_size = 4096');
    migrate(created);
    created.pragma('journal_mode = WAL');
    created.close();
    const small = AgentStore.open(file);
    const smallAgent = new Agent({
      store: small,
      publicKey: parsePublicKey(keys.publicKeyPem),
      computerId: 'till-1',
      noSnapshotAction: 'deny',
      clock: () => 1_000,
      newRequestId: () => 'req-1',
    });
    smallAgent.applySnapshot(snapshot(1, 2));
    return { small, smallAgent };
  }

  it('answers an approval request it cannot queue with storage-unavailable, and queues nothing', () => {
    // An approval request is a few KB at most (its reason at most 4,000 characters): the last 16 KiB page of a
    // full new cache may still hold one, so the disk fills up under a cache of 4 KiB pages.
    const { small, smallAgent } = agentWithSmallPages();
    small.simulateStorageFault('disk-full');
    const error = thrown(() =>
      handleLocalRequest(
        smallAgent,
        {
          id: 3,
          kind: 'evaluateApproval',
          query: { category: 'Games' },
          submit: true,
          file: { path: '/opt/game' },
          user: 'alice',
          // Larger than a database page, so storing it needs a page the full disk does not have.
          reason: 'r'.repeat(3_999),
        },
        { computerId: 'till-1', exportDecisions: () => [] },
      ),
    );
    expect(error.code).toBe(STORAGE_UNAVAILABLE);
    expect(error.message).toMatch(/small-pages\.db/);
    small.simulateStorageFault('none');
    expect(small.outboxDepth()).toBe(0);
    small.close();
  });

  it('keeps the decisions it could not write and writes them once there is room', () => {
    const recorder = new DecisionRecorder(store, 'till-1', 500);
    for (let n = 0; n < 200; n++) {
      const file = { path: `/opt/app-${n % 2}/bin/${'x'.repeat(100)}-${n}` };
      recorder.record(1_000 + n, file, agent.decide(file));
    }
    store.simulateStorageFault('disk-full');
    expect(thrown(() => recorder.flush()).code).toBe(STORAGE_UNAVAILABLE);
    expect(store.decisionCount()).toBe(0);
    store.simulateStorageFault('none');
    recorder.flush();
    expect(store.decisionCount()).toBe(200);
    expect(recorder.export(1)[0]?.atMs).toBe(1_199);
  });

  it('tells the server a snapshot it could not store failed, and keeps serving the last good one', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => wss.once('listening', resolve));
    const acks: Extract<AgentMessage, { kind: 'ack' }>[] = [];
    const acked = new Promise<void>((resolve) => {
      wss.on('connection', (socket) => {
        socket.on('message', (data) => {
          const message = decodeAgentMessage(rawDataBytes(data));
          if (message.kind === 'hello')
            socket.send(encodeServerMessage({ kind: 'snapshot', signed: snapshot(2, 3_000) }));
          else if (message.kind === 'ack') {
            acks.push(message);
            resolve();
          } else throw new Error(`unexpected ${message.kind}`);
        });
      });
    });
    const silent = (): void => undefined;
    store.simulateStorageFault('disk-full');
    const client = new SyncClient({
      url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
      token: 'token',
      computerId: 'till-1',
      agent,
      fallbackAgentVersion: '10.6.2',
      fallbackOs: 'linux',
      pingIntervalMs: 60_000,
      pongTimeoutMs: 60_000,
      backoffInitialMs: 1,
      backoffMaxMs: 5,
      maxMessageBytes: 1 << 24,
      logger: { info: silent, warn: silent, debug: silent },
      random: () => 0.5,
      outbox: store,
    });
    try {
      client.start();
      await acked;
      expect(acks[0]).toMatchObject({ snapshotVersion: 1 });
      expect(acks[0]!.error).toMatch(/agent\.db cannot be used: .*SQLITE_FULL/);
      expect(agent.snapshotVersion).toBe(1);
    } finally {
      client.close();
      await new Promise((resolve) => wss.close(resolve));
    }
  });
});
