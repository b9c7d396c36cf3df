/**
 * What admin API tests share: the real server state in a temp directory,
 * what it has stored (read back from server.db), a hub that records pushes
 * and answers waits from a fixed set of computers, and small worlds.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { WebSocket, type RawData } from 'ws';
import type { World } from '../../src/engine/model.js';
import { SERVER_DB_FILE, ServerState } from '../../src/server/state.js';
import { type AdminApiOptions, type ApplyReport, buildAdminApi } from '../../src/server/admin-api.js';
import { type HubPresence, SyncHub } from '../../src/server/sync-hub.js';
import type { ViewChanges } from '../../src/server/types.js';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import { type ServerMessage, decodeServerMessage, encodeAgentMessage } from '../../src/wire/sync-messages.js';

export function emptyWorld(): World {
  return {
    organizations: [],
    groups: [],
    computers: [],
    applications: [],
    policies: [],
    agentSettings: [],
    approvalPolicies: [],
    approvalSettings: [],
  };
}

/** A real ServerState over a fresh temp directory, holding `world`. */
export interface TempState {
  state: ServerState;
  dir: string;
  /** Closes the state and removes the directory. */
  close(): Promise<void>;
}

export async function openTempState(
  world: World = emptyWorld(),
  clock: () => number = () => 1_000,
): Promise<TempState> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-admin-'));
  const state = await ServerState.open({ dataDir: dir, clock });
  if (world.organizations.length > 0) await state.importWorld(world);
  return {
    state,
    dir,
    async close() {
      await state.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** sha256 of server.db and its write-ahead log, as bytes on disk: equal digests, not a byte written. */
export function dbFileDigest(dir: string): string {
  const hash = createHash('sha256');
  for (const file of [SERVER_DB_FILE, `${SERVER_DB_FILE}-wal`]) {
    const path = join(dir, file);
    hash.update(file);
    if (existsSync(path)) hash.update(readFileSync(path));
  }
  return hash.digest('hex');
}

/**
 * Every row server.db holds (the world's entities, each computer's token
 * hash and versions, the approval requests), read through a second
 * connection, as one string: equal strings, equal stored state.
 */
export function storedRows(dir: string): string {
  const db = new Database(join(dir, SERVER_DB_FILE), { readonly: true, fileMustExist: true });
  try {
    const tables = {
      entities: db.prepare('SELECT kind, id, seq, body FROM entities ORDER BY kind, id').all(),
      computers: db.prepare('SELECT * FROM computer_state ORDER BY computer_id').all(),
      requests: db.prepare('SELECT * FROM approval_requests ORDER BY seq').all(),
    };
    return JSON.stringify(tables, (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString('hex') : value));
  } finally {
    db.close();
  }
}

/** A sync hub that records pushes and waits, and answers from a fixed set of connected computers. */
export class RecordingHub {
  readonly pushes: ViewChanges[] = [];
  readonly waits: { kind: 'settings' | 'snapshots'; ids: string[]; timeoutMs: number }[] = [];
  /** How many times the API asked for stale connections to be closed (after an enrollment). */
  revocations = 0;
  /**
   * Connected computers that acknowledge; `pending` are connected but silent; `refused` connected and
   * refusing, with their error; the rest are offline.
   */
  connected = new Set<string>();
  pending = new Set<string>();
  refused = new Map<string, string>();

  push(changes: ViewChanges): void {
    this.pushes.push(structuredClone(changes));
  }

  revokeStale(): void {
    this.revocations++;
  }

  private report(ids: readonly string[]): ApplyReport {
    const notApplied = (id: string): boolean => this.pending.has(id) || this.refused.has(id);
    return {
      applied: ids.filter((id) => this.connected.has(id) && !notApplied(id)),
      pending: ids.filter(notApplied),
      refused: ids.flatMap((id) => {
        const error = this.refused.get(id);
        return error === undefined ? [] : [{ computer: id, error }];
      }),
      offline: ids.filter((id) => !this.connected.has(id) && !notApplied(id)),
    };
  }

  awaitSettingsApplied(ids: readonly string[], timeoutMs: number): Promise<ApplyReport> {
    this.waits.push({ kind: 'settings', ids: [...ids], timeoutMs });
    return Promise.resolve(this.report(ids));
  }

  awaitSnapshotsApplied(ids: readonly string[], timeoutMs: number): Promise<ApplyReport> {
    this.waits.push({ kind: 'snapshots', ids: [...ids], timeoutMs });
    return Promise.resolve(this.report(ids));
  }
}

/**
 * A small world for admin API and CLI tests:
 *
 *   msp      flat, root
 *   └─ shop  hierarchical, windows on 10.6.0: ready for the flat upgrade
 *   acme     flat, root
 *   old      hierarchical, root
 *   └─ school  hierarchical under a hierarchical parent, windows on 10.4.0: every upgrade condition unmet
 */
export function adminWorld(): World {
  return {
    organizations: [
      { id: 'msp', name: 'MSP', structure: 'flat', modules: [] },
      { id: 'shop', name: 'Shop', parent: 'msp', structure: 'hierarchical', modules: [] },
      { id: 'acme', name: 'Acme', structure: 'flat', modules: [] },
      { id: 'old', name: 'Old MSP', structure: 'hierarchical', modules: [] },
      { id: 'school', name: 'School', parent: 'old', structure: 'hierarchical', modules: [] },
    ],
    groups: [
      { id: 'shop-pcs', org: 'shop', name: 'Shop PCs', os: 'windows', agentVersion: '10.6.0' },
      { id: 'acme-pcs', org: 'acme', name: 'Acme PCs', os: 'windows', agentVersion: '10.6.0' },
      { id: 'school-labs', org: 'school', name: 'Labs', os: 'windows', agentVersion: '10.4.0' },
    ],
    computers: [
      { id: 'pc-1', group: 'shop-pcs' },
      { id: 'pc-2', group: 'shop-pcs' },
      { id: 'a-1', group: 'acme-pcs' },
      { id: 'lab-1', group: 'school-labs' },
    ],
    applications: [
      { id: 'chrome', name: 'Chrome', builtIn: true, rules: [{ path: 'C:\\Chrome\\chrome.exe' }] },
      { id: 'notepad', name: 'Notepad++', builtIn: false, org: 'shop', rules: [{ path: 'C:\\Notepad\\*.exe' }] },
    ],
    policies: [
      { id: 'p-chrome', app: 'chrome', appliesTo: { organization: 'shop' }, action: 'permit', order: 1, enabled: true },
      { id: 'p-notepad', app: 'notepad', appliesTo: { group: 'shop-pcs' }, action: 'deny', order: 2, enabled: true },
      {
        id: 'p-acme-chrome',
        app: 'chrome',
        appliesTo: { group: 'acme-pcs' },
        action: 'permit',
        order: 5,
        enabled: true,
      },
      {
        id: 'p-acme-default',
        default: true,
        appliesTo: { organization: 'acme' },
        action: 'deny',
        order: 1000,
        enabled: true,
      },
    ],
    agentSettings: [],
    approvalPolicies: [],
    approvalSettings: [],
  };
}

/** A hub logger that keeps nothing. */
export const QUIET_HUB_LOGGER = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

/** A real sync hub over `state` with the tests' clock, long timers and quiet logger; `presence` for several instances. */
export function quietSyncHub(state: ServerState, presence?: HubPresence): SyncHub {
  return new SyncHub({
    state,
    logger: QUIET_HUB_LOGGER,
    clock: () => 5_000,
    pingIntervalMs: 60_000,
    pongTimeoutMs: 60_000,
    helloTimeoutMs: 60_000,
    maxMessageBytes: 1 << 20,
    ...(presence === undefined ? {} : { presence }),
  });
}

/** The real admin API and sync hub over `state`, listening on 127.0.0.1 port 0. */
export async function startAdminServer(
  state: ServerState,
  token: string,
  logger: FastifyBaseLogger | false = false,
  listener: Pick<AdminApiOptions, 'maxConnections' | 'httpTimeouts'> = {},
): Promise<{ app: FastifyInstance; hub: SyncHub; url: string; close(): Promise<void> }> {
  const hub = quietSyncHub(state);
  const app = buildAdminApi({ state, adminToken: token, hub, logger, checkAnswers: true, ...listener });
  hub.attach(app.server);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    hub,
    url,
    async close() {
      await hub.close();
      await app.close();
    },
  };
}

/** The real admin API over `state` with a RecordingHub (no agents), listening on 127.0.0.1 port 0. */
export async function startRecordedAdminApi(
  state: ServerState,
  token: string,
  defaultApprovalPolicies: AdminApiOptions['defaultApprovalPolicies'] = [],
): Promise<{ app: FastifyInstance; url: string }> {
  const app = buildAdminApi({
    state,
    adminToken: token,
    hub: new RecordingHub(),
    logger: false,
    defaultApprovalPolicies,
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url };
}

/**
 * A test agent over a real WebSocket: says hello, and hands over the server's
 * messages in order, so a test can tell exactly what the server pushed.
 */
export class TestAgent {
  private readonly queue: ServerMessage[] = [];
  private readonly waiting: ((message: ServerMessage) => void)[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: RawData) => {
      const message = decodeServerMessage(rawDataBytes(data));
      const waiter = this.waiting.shift();
      if (waiter === undefined) this.queue.push(message);
      else waiter(message);
    });
  }

  static async connect(url: string): Promise<TestAgent> {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/agent`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new TestAgent(ws);
  }

  hello(computerId: string, token: string, versions = { snapshotVersion: 0, settingsVersion: 0 }): void {
    this.ws.send(
      encodeAgentMessage({ kind: 'hello', computerId, token, agentVersion: '10.6.0', os: 'windows', ...versions }),
    );
  }

  ack(snapshotVersion: number, settingsVersion: number): void {
    this.ws.send(encodeAgentMessage({ kind: 'ack', snapshotVersion, settingsVersion, error: '' }));
  }

  /** An acknowledgement that refuses what was sent, reporting these versions held, with a text and a code. */
  refuse(snapshotVersion: number, settingsVersion: number, error: string, errorCode: string): void {
    this.ws.send(encodeAgentMessage({ kind: 'ack', snapshotVersion, settingsVersion, error, errorCode }));
  }

  /** The next message the server sent (waiting for it). */
  next(): Promise<ServerMessage> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  close(): void {
    this.ws.terminate();
  }
}
