/**
 * The fleet section: the policy server's state at MSP size (scripts/lib/
 * fleet-world.ts: 200 customers of 50 computers, 2,000 global built-in
 * policies and 50 per customer), against a store from `storeFactory`
 * (SQLite by default; PostgreSQL plugs in the same way). In one run:
 *
 * - the import of the world into an empty store;
 * - the start of a server with that world stored (open, until it serves);
 * - a setting for one group and a policy for one computer, committed, on
 *   the MSP fleet and on the same shape at 100 computers (the ratio is what
 *   is judged: work proportional to the change);
 * - a change to one global policy, committed and pushed to `agents`
 *   simulated agents (plain `ws` clients speaking the protocol on loopback,
 *   acknowledging every snapshot with the versions of its header), until the
 *   last one acknowledged; and the worst round trip of a WebSocket ping to a
 *   connected agent while that change is computed and pushed.
 */
import fs from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import type { World } from '../../src/engine/model.js';
import { ServerState } from '../../src/server/state.js';
import type { ServerStore } from '../../src/server/store/server-store.js';
import { AGENT_PATH, SyncHub } from '../../src/server/sync-hub.js';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import { peekSnapshot } from '../../src/wire/signed.js';
import { decodeServerMessage, encodeAgentMessage } from '../../src/wire/sync-messages.js';
import { type FleetOptions, MSP_FLEET, SMALL_FLEET, computerId, fleetWorld, groupId } from '../lib/fleet-world.js';
import { formatInt } from '../lib/stats.js';
import type { Section, TargetResult } from './section.js';

export const FLEET_TARGET_IMPORT_MS = 10_000;
export const FLEET_TARGET_START_MS = 3_000;
export const FLEET_TARGET_RATIO = 3;
export const FLEET_TARGET_PUSH_MS = 3_000;
export const FLEET_TARGET_PING_MS = 100;

/** Makes the store a state runs over in `dataDir` (undefined: SQLite in the data directory). */
export type StoreFactory = (dataDir: string) => Promise<ServerStore | undefined>;

export interface FleetBenchOptions {
  /** Simulated agents the global change is pushed to (default: every computer of the fleet). */
  agents?: number;
  storeFactory?: StoreFactory;
  storeName?: string;
  log: (message: string) => void;
}

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-fleet-'));
}

async function open(dir: string, options: FleetBenchOptions): Promise<ServerState> {
  const store = await (options.storeFactory ?? (() => Promise.resolve(undefined)))(dir);
  return ServerState.open({ dataDir: dir, clock: () => Date.now(), ...(store === undefined ? {} : { store }) });
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}

/** The two small changes, timed on one fleet. */
async function smallChanges(state: ServerState): Promise<{ groupSettingMs: number; computerPolicyMs: number }> {
  const setting = await timed(() =>
    state.setSetting({ kind: 'group', id: groupId(1, 'ws') }, 'prioritizeBuiltInApplications', false),
  );
  const policy = await timed(() =>
    state.addPolicy({ app: 'builtin-00001', appliesTo: { computer: computerId(1, 7) }, action: 'deny', order: 3 }),
  );
  return { groupSettingMs: setting.ms, computerPolicyMs: policy.ms };
}

interface Agent {
  ws: WebSocket;
  snapshotVersion: number;
}

/** Connects simulated agents, each acknowledging what it is sent with the versions of its header. */
async function connectAgents(
  url: string,
  tokens: Map<string, string>,
  onAck: (id: string, version: number) => void,
): Promise<Map<string, Agent>> {
  const agents = new Map<string, Agent>();
  const ids = [...tokens.keys()];
  for (let i = 0; i < ids.length; i += 100) {
    await Promise.all(
      ids.slice(i, i + 100).map(
        (id) =>
          new Promise<void>((resolve, reject) => {
            const ws = new WebSocket(url);
            const agent: Agent = { ws, snapshotVersion: 0 };
            agents.set(id, agent);
            ws.on('error', reject);
            ws.on('open', () =>
              ws.send(
                encodeAgentMessage({
                  kind: 'hello',
                  computerId: id,
                  token: tokens.get(id) as string,
                  agentVersion: '4.2.0',
                  os: 'windows',
                  snapshotVersion: 0,
                  settingsVersion: 0,
                }),
              ),
            );
            ws.on('message', (data) => {
              const message = decodeServerMessage(rawDataBytes(data));
              if (message.kind !== 'snapshot') {
                resolve();
                return;
              }
              const header = peekSnapshot(message.signed);
              agent.snapshotVersion = header.version;
              ws.send(
                encodeAgentMessage({
                  kind: 'ack',
                  snapshotVersion: header.version,
                  settingsVersion: header.settingsVersion,
                  error: '',
                }),
              );
              onAck(id, header.version);
              resolve();
            });
          }),
      ),
    );
  }
  return agents;
}

export async function benchFleet(options: FleetBenchOptions): Promise<Section> {
  const { log } = options;
  const world: World = fleetWorld(MSP_FLEET);
  const computers = world.computers.length;
  const cleanup: string[] = [];
  try {
    // Import into an empty store.
    const dir = tempDir();
    cleanup.push(dir);
    let state = await open(dir, options);
    log(`fleet: importing ${formatInt(computers)} computers, ${formatInt(world.policies.length)} policies`);
    const imported = await timed(() => state.importWorld(world));
    await state.close();

    // Start with the world stored: open and check every view against its stored hashes.
    log('fleet: starting with the world stored');
    const started = await timed(() => open(dir, options));
    state = started.value;

    const big = await smallChanges(state);
    const smallDir = tempDir();
    cleanup.push(smallDir);
    const small = await open(smallDir, options);
    await small.importWorld(fleetWorld(SMALL_FLEET));
    const little = await smallChanges(small);
    await small.close();

    // The global change, pushed to connected agents.
    const agentCount = Math.min(options.agents ?? computers, computers);
    log(`fleet: enrolling and connecting ${formatInt(agentCount)} simulated agents`);
    const tokens = new Map<string, string>();
    for (const c of world.computers.slice(0, agentCount)) tokens.set(c.id, (await state.enroll(c.id)).token);
    const silent = (): void => undefined;
    const hub = new SyncHub({
      state,
      logger: { info: silent, warn: silent, error: silent, debug: silent },
      clock: () => Date.now(),
      pingIntervalMs: 600_000,
      pongTimeoutMs: 600_000,
      helloTimeoutMs: 600_000,
      maxMessageBytes: 1 << 20,
      maxPendingHellos: 100_000,
    });
    const http = createServer();
    hub.attach(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const url = `ws://127.0.0.1:${(http.address() as { port: number }).port}${AGENT_PATH}`;
    let target = Number.POSITIVE_INFINITY;
    let waiting = 0;
    let allAcked: () => void = () => undefined;
    const agents = await connectAgents(url, tokens, (_id, version) => {
      if (version >= target && --waiting === 0) allAcked();
    });
    log('fleet: changing one global policy');
    let worstPingMs = 0;
    let pinging = true;
    const pinger = [...agents.values()][0]?.ws;
    const pingLoop = (async () => {
      while (pinging && pinger !== undefined) {
        const sent = performance.now();
        await new Promise<void>((resolve) => {
          pinger.once('pong', () => resolve());
          pinger.ping();
        });
        worstPingMs = Math.max(worstPingMs, performance.now() - sent);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const pushStarted = performance.now();
    const acked = new Promise<void>((resolve) => (allAcked = resolve));
    const { changes } = await state.updatePolicy('global-00005', { action: 'deny' });
    waiting = changes.snapshots.filter((id) => agents.has(id)).length;
    target = state.computerState(computerId(0, 0)).snapshotVersion;
    for (const [, agent] of agents) if (agent.snapshotVersion >= target) waiting--;
    const committedMs = performance.now() - pushStarted;
    hub.push(changes);
    if (waiting > 0) await acked;
    const pushMs = performance.now() - pushStarted;
    pinging = false;
    await pingLoop;
    for (const agent of agents.values()) agent.ws.terminate();
    await hub.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await state.close();

    const ratio = (a: number, b: number): number => a / Math.max(b, 0.001);
    const groupRatio = ratio(big.groupSettingMs, little.groupSettingMs);
    const computerRatio = ratio(big.computerPolicyMs, little.computerPolicyMs);
    const ms = (n: number): string => `${formatInt(Math.round(n))} ms`;
    const targets: TargetResult[] = [
      target_('import of the MSP fleet', `< ${ms(FLEET_TARGET_IMPORT_MS)}`, imported.ms, FLEET_TARGET_IMPORT_MS, ms),
      target_('start with the fleet stored', `< ${ms(FLEET_TARGET_START_MS)}`, started.ms, FLEET_TARGET_START_MS, ms),
      target_(
        'group setting, 10,000 vs 100 computers',
        `< ${FLEET_TARGET_RATIO}x`,
        groupRatio,
        3,
        (n) => `${n.toFixed(1)}x`,
      ),
      target_(
        'computer policy, 10,000 vs 100 computers',
        `< ${FLEET_TARGET_RATIO}x`,
        computerRatio,
        3,
        (n) => `${n.toFixed(1)}x`,
      ),
      target_(
        `global policy change acknowledged by ${formatInt(agentCount)} agents`,
        `< ${ms(FLEET_TARGET_PUSH_MS)}`,
        pushMs,
        FLEET_TARGET_PUSH_MS,
        ms,
      ),
      target_('worst ping round trip during that change', `< ${ms(FLEET_TARGET_PING_MS)}`, worstPingMs, 100, ms),
    ];
    return {
      id: 'fleet',
      title: `Fleet (${options.storeName ?? 'SQLite'} store)`,
      tables: [
        {
          title: 'Measured',
          headers: ['what', '100 computers', '10,000 computers'],
          rows: [
            ['import', '', ms(imported.ms)],
            ['start with the world stored', '', ms(started.ms)],
            ['setting for one group, committed', ms(little.groupSettingMs), ms(big.groupSettingMs)],
            ['policy for one computer, committed', ms(little.computerPolicyMs), ms(big.computerPolicyMs)],
            ['one global policy, committed', '', ms(committedMs)],
            [`... and acknowledged by ${formatInt(agentCount)} agents`, '', ms(pushMs)],
            ['worst ping round trip meanwhile', '', ms(worstPingMs)],
          ],
          align: ['left', 'right', 'right'],
        },
      ],
      targets,
      notes: [
        `World: ${formatInt(computers)} computers in ${MSP_FLEET.orgs} customer organizations, ${formatInt(world.policies.length)} policies, ${formatInt(world.applications.length)} applications.`,
        'Agents are plain ws clients in the benchmark process, acknowledging with the versions of the snapshot header (not verifying it).',
      ],
      data: { imported: imported.ms, started: started.ms, big, little, committedMs, pushMs, worstPingMs, agentCount },
    };
  } finally {
    for (const dir of cleanup) fs.rmSync(dir, { recursive: true, force: true });
  }
}

function target_(
  target: string,
  limit: string,
  value: number,
  bound: number,
  format: (n: number) => string,
): TargetResult {
  return { target, limit, measured: format(value), status: value < bound ? 'PASS' : 'FAIL' };
}

export type { FleetOptions };
