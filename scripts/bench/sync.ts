/**
 * The sync section: the real `tollgate server` as a child process, and
 *
 * (a) 1,000 simulated agents in this process (plain `ws` clients speaking
 *     the protocol: hello with the enrollment token, acknowledging every
 *     snapshot and settings message with the versions of its signed
 *     payload, read without verifying) connected on loopback; an admin
 *     toggles prioritizeBuiltInApplications for their group with
 *     `PUT /api/settings?waitMs=10000`, and we time the request until the
 *     server reports all of them applied, and until the last simulated
 *     agent acknowledged;
 * (b) a server seeded with a 100,000-policy synthetic world syncing its
 *     computer's view to one agent: the real `tollgate daemon` (from hello
 *     to the server receiving its acknowledgement, from the server's logs),
 *     cold (the server builds and signs the snapshot on the hello) and warm
 *     (signed snapshot cached), and a simulated agent that verifies and
 *     decodes the snapshot with openSnapshot and counts the bytes on the wire.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { WebSocket, type RawData } from 'ws';
import type { Computer, World } from '../../src/engine/model.js';
import { serializeScenario } from '../../src/scenario/load.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import { openSnapshot, peekSnapshot } from '../../src/wire/signed.js';
import { parsePublicKey } from '../../src/wire/signing.js';
import { decodeServerMessage, encodeAgentMessage } from '../../src/wire/sync-messages.js';
import { formatFixed, formatInt, percentile } from '../lib/stats.js';
import { TARGET_COMPUTER, TARGET_GROUP, syntheticWorld } from '../lib/synthetic-world.js';
import { collectGarbage, median } from './measure.js';
import {
  type ChildHandle,
  type LogLine,
  type ProcMemory,
  logTime,
  msg,
  procCpuMs,
  procMemory,
  spawnTollgate,
  workspace,
} from './processes.js';
import { AdminApi } from './admin-api.js';
import type { Section, SectionOptions, TargetResult } from './section.js';

export const SYNC_TARGET_AGENTS = 1_000;
export const SYNC_TARGET_POLICIES = 100_000;
export const TARGET_ALL_ACKED_MS = 1_000;
export const TARGET_VIEW_SYNC_MS = 3_000;

/** Policies of the fleet's world (a few: the settings push is what is measured). */
const FLEET_POLICIES = 10;
/** The admin request waits this long at most for the agents. */
const WAIT_MS = 10_000;
/** Enrollments and connections in flight at once while setting up the fleet. */
const SETUP_CONCURRENCY = 50;
/** Real daemons synced from the 100,000-policy server: the first is cold, the others warm. */
const DAEMON_SYNC_RUNS = 3;

export interface SyncBenchOptions extends SectionOptions {
  /** Simulated agents connected at once. */
  agents: number;
  /** Policies of the world whose view is synced to one agent. */
  policies: number;
  seed: number;
  /** Settings toggles timed with the fleet connected; the median is reported. */
  toggles: number;
}

const pb = tollgate.v1;

/** The settings version of a SignedSettings, read without verifying (the simulation trusts its server). */
function settingsVersionOf(signed: Uint8Array): number {
  return pb.SettingsPayload.decode(pb.SignedSettings.decode(signed).payload).settingsVersion;
}

/** A simulated agent: hello, then acknowledge whatever the server sends with the versions of its payload. */
class SimAgent {
  ws: WebSocket | null = null;
  snapshotVersion = 0;
  settingsVersion = 0;
  /** performance.now() when the last settings message arrived, and when its ack was handed to the socket. */
  settingsAt = 0;
  ackAt = 0;
  refusal: string | null = null;
  private synced: (() => void) | null = null;

  constructor(
    readonly url: string,
    readonly computerId: string,
    readonly token: string,
  ) {}

  /** Connects and resolves once the first snapshot (or "up to date") was acknowledged. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.synced = resolve;
      const ws = new WebSocket(this.url, { perMessageDeflate: false });
      this.ws = ws;
      ws.binaryType = 'nodebuffer';
      ws.on('open', () => {
        ws.send(
          encodeAgentMessage({
            kind: 'hello',
            computerId: this.computerId,
            token: this.token,
            agentVersion: '10.6.0',
            os: 'windows',
            snapshotVersion: this.snapshotVersion,
            settingsVersion: this.settingsVersion,
          }),
        );
      });
      ws.on('message', (data: RawData) => this.receive(data));
      ws.on('error', reject);
      ws.on('close', (code, reason) => {
        if (this.synced !== null)
          reject(new Error(`${this.computerId}: closed (${code} ${reason.toString()}) ${this.refusal ?? ''}`));
      });
    });
  }

  private ack(): void {
    this.ws?.send(
      encodeAgentMessage({
        kind: 'ack',
        snapshotVersion: this.snapshotVersion,
        settingsVersion: this.settingsVersion,
        error: '',
      }),
    );
  }

  private receive(data: RawData): void {
    const message = decodeServerMessage(rawDataBytes(data));
    switch (message.kind) {
      case 'snapshot': {
        const header = peekSnapshot(message.signed);
        this.snapshotVersion = header.version;
        this.settingsVersion = Math.max(this.settingsVersion, header.settingsVersion);
        this.ack();
        this.synced?.();
        this.synced = null;
        break;
      }
      case 'settings':
        this.settingsAt = performance.now();
        this.settingsVersion = settingsVersionOf(message.signed);
        this.ack();
        this.ackAt = performance.now();
        break;
      case 'upToDate':
        this.synced?.();
        this.synced = null;
        break;
      case 'refusal':
        this.refusal = `${message.code}: ${message.message}`;
        break;
      case 'receipt':
        // Approval receipts: this simulated agent submits no approval requests.
        break;
      case 'delta':
        // Never sent: this simulated agent reports no view hash, so every change comes as a snapshot.
        break;
    }
  }

  close(): void {
    this.ws?.close(1000, 'benchmark done');
  }
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function loadAverage(): number {
  return os.loadavg()[0] ?? 0;
}

interface StartedServer {
  handle: ChildHandle;
  admin: AdminApi;
  agentUrl: string;
  /** Spawn to the "listening" log line, ms. */
  startMs: number;
}

async function startServer(dir: string, name: string, scenario: string, logLevel: string): Promise<StartedServer> {
  const dataDir = join(dir, `${name}-data`);
  const config = join(dir, `${name}.json`);
  writeFileSync(config, JSON.stringify({ dataDir, listen: { port: 0 }, seedScenario: scenario, logLevel }));
  const handle = spawnTollgate(['server', '--config', config]);
  const listening = await handle.waitForLog(msg('listening'), 'listening');
  const url = String(listening['url']);
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  return {
    handle,
    admin: new AdminApi(url, token),
    agentUrl: String(listening['agents']),
    startMs: logTime(listening) - handle.spawnedAtEpochMs,
  };
}

// ------------------------------------------------------------------ (a) fleet

export interface ToggleRun {
  value: boolean;
  /** PUT /api/settings?waitMs=... until its response (the server saw every agent acknowledge), ms. */
  responseMs: number;
  /** From the request to the first / median / last settings message received by a simulated agent, ms. */
  firstPushMs: number;
  medianPushMs: number;
  lastPushMs: number;
  /** From the request to the last acknowledgement sent by a simulated agent, ms. */
  lastAckMs: number;
  applied: number;
  pending: number;
  offline: number;
  /** Server CPU time during the request, ms. */
  serverCpuMs: number | null;
  loadAverage: [number, number];
}

export interface FleetData {
  agents: number;
  policies: number;
  serverStartMs: number;
  enrollMs: number;
  connectMs: number;
  toggles: ToggleRun[];
  responseMs: number;
  lastAckMs: number;
  serverMemory: ProcMemory | null;
}

async function benchFleet(opts: SyncBenchOptions, dir: string, children: ChildHandle[]): Promise<FleetData> {
  const { log } = opts;
  const { world } = syntheticWorld({ policies: FLEET_POLICIES, seed: opts.seed, requests: 0 });
  const computers: Computer[] = [{ id: TARGET_COMPUTER, group: TARGET_GROUP, name: 'TARGET-WS-001' }];
  for (let i = 1; i < opts.agents; i++) {
    computers.push({ id: `pc-${String(i).padStart(6, '0')}`, group: TARGET_GROUP, name: `HOST-${i}` });
  }
  const fleetWorld: World = { ...world, computers };
  const scenario = join(dir, 'fleet.json');
  writeFileSync(scenario, serializeScenario(fleetWorld, 'json'));

  log(`sync: starting a server with ${formatInt(opts.agents)} computers in one group`);
  const server = await startServer(dir, 'fleet-server', scenario, 'info');
  children.push(server.handle);

  log(`sync: enrolling ${formatInt(opts.agents)} computers through the admin API`);
  const enrollStart = performance.now();
  const tokens = new Map<string, string>();
  await eachLimited(computers, SETUP_CONCURRENCY, async (c) => {
    const body = await server.admin.call<{ token: string }>('POST', `/api/computers/${c.id}/enroll`);
    tokens.set(c.id, body.token);
  });
  const enrollMs = performance.now() - enrollStart;

  log(`sync: connecting ${formatInt(opts.agents)} simulated agents`);
  const agents = computers.map((c) => new SimAgent(server.agentUrl, c.id, tokens.get(c.id) as string));
  const connectStart = performance.now();
  try {
    await eachLimited(agents, SETUP_CONCURRENCY, (a) => a.connect());
    const connectMs = performance.now() - connectStart;
    // The server must have recorded every first acknowledgement before the clock starts.
    const deadline = performance.now() + 60_000;
    for (;;) {
      if (performance.now() > deadline) throw new Error('the server did not list every agent as synced within 60 s');
      const { computers: states } = await server.admin.call<{
        computers: { connected: boolean; ackedSnapshotVersion: number; snapshotVersion: number }[];
      }>('GET', '/api/computers');
      if (states.every((s) => s.connected && s.ackedSnapshotVersion === s.snapshotVersion)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    log(`sync: ${formatInt(opts.agents)} agents connected and synced in ${formatInt(connectMs)} ms`);

    const toggles: ToggleRun[] = [];
    for (let t = 0; t < opts.toggles; t++) {
      const value = t % 2 === 1;
      const before = new Map(agents.map((a) => [a, a.settingsVersion]));
      const loadBefore = loadAverage();
      collectGarbage();
      const cpuBefore = procCpuMs(server.handle.pid);
      const start = performance.now();
      const report = await server.admin.call<{ applied: string[]; pending: string[]; offline: string[] }>(
        'PUT',
        `/api/settings?waitMs=${WAIT_MS}`,
        { scope: { kind: 'group', id: TARGET_GROUP }, type: 'prioritizeBuiltInApplications', value },
      );
      const responseMs = performance.now() - start;
      // The last acks may still be in this process's queue: let them through before reading the clocks.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const cpuAfter = procCpuMs(server.handle.pid);
      const updated = agents.filter((a) => a.settingsVersion > (before.get(a) as number));
      if (updated.length !== agents.length) {
        throw new Error(`only ${updated.length} of ${agents.length} simulated agents received the settings change`);
      }
      const pushes = Float64Array.from(agents.map((a) => a.settingsAt - start)).sort();
      const run: ToggleRun = {
        value,
        responseMs,
        firstPushMs: pushes[0] as number,
        medianPushMs: percentile(pushes, 50),
        lastPushMs: pushes[pushes.length - 1] as number,
        lastAckMs: Math.max(...agents.map((a) => a.ackAt - start)),
        applied: report.applied.length,
        pending: report.pending.length,
        offline: report.offline.length,
        serverCpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
        loadAverage: [loadBefore, loadAverage()],
      };
      toggles.push(run);
      log(
        `sync: toggle ${t + 1}/${opts.toggles} (${String(value)}): server reported ${run.applied} applied, ` +
          `${run.pending} pending, ${run.offline} offline in ${formatInt(responseMs)} ms; last agent ack at ${formatInt(run.lastAckMs)} ms`,
      );
    }
    const serverMemory = procMemory(server.handle.pid);
    return {
      agents: opts.agents,
      policies: FLEET_POLICIES,
      serverStartMs: server.startMs,
      enrollMs,
      connectMs,
      toggles,
      responseMs: median(toggles.map((t) => t.responseMs)),
      lastAckMs: median(toggles.map((t) => t.lastAckMs)),
      serverMemory,
    };
  } finally {
    for (const a of agents) a.close();
    await server.handle.stop();
  }
}

// ------------------------------------------------------------------ (b) one large view

export interface DaemonSyncRun {
  /** The server built and signed the snapshot on this hello (its first request for it). */
  cold: boolean;
  /** Server log "agent connected" (the hello) to "agent acknowledged", ms (server clock, ms resolution). */
  helloToAckMs: number;
  /** Server's hello to the daemon's "snapshot applied" log line, ms (same machine clock). */
  helloToAppliedMs: number;
  /** Spawn of the daemon to the server's acknowledgement, ms. */
  spawnToAckMs: number;
  daemonMemory: ProcMemory | null;
}

export interface SimulatedSync {
  /** hello sent to the snapshot message received whole, ms. */
  receiveMs: number;
  /** openSnapshot: verify the signature and decode the view, ms. */
  openMs: number;
  /** hello sent to the ack sent, ms. */
  totalMs: number;
  /** The WebSocket message (a ServerMessage holding the SignedSnapshot), bytes. */
  messageBytes: number;
  /** TCP bytes the agent read: the upgrade response, WebSocket framing and the message. */
  bytesRead: number;
  /** TCP bytes the agent wrote: the upgrade request, hello and ack (masked frames). */
  bytesWritten: number;
  policies: number;
}

export interface ViewSyncData {
  policies: number;
  serverStartMs: number;
  runs: DaemonSyncRun[];
  coldMs: number;
  warmMs: number | null;
  simulated: SimulatedSync;
  serverMemory: ProcMemory | null;
}

async function simulatedVerifyingSync(url: string, token: string, publicKeyPem: string): Promise<SimulatedSync> {
  const publicKey = parsePublicKey(publicKeyPem);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1024 * 1024 * 1024 });
    ws.binaryType = 'nodebuffer';
    let tcp: Socket | null = null;
    let helloAt = 0;
    ws.on('upgrade', (response) => {
      tcp = response.socket;
    });
    ws.on('open', () => {
      helloAt = performance.now();
      ws.send(
        encodeAgentMessage({
          kind: 'hello',
          computerId: TARGET_COMPUTER,
          token,
          agentVersion: '10.6.0',
          os: 'windows',
          snapshotVersion: 0,
          settingsVersion: 0,
        }),
      );
    });
    ws.on('error', reject);
    ws.on('message', (data: RawData) => {
      const receivedAt = performance.now();
      const bytes = rawDataBytes(data);
      const message = decodeServerMessage(bytes);
      if (message.kind !== 'snapshot') {
        reject(new Error(`expected a snapshot, got ${message.kind}`));
        return;
      }
      const content = openSnapshot(message.signed, publicKey);
      const openedAt = performance.now();
      ws.send(
        encodeAgentMessage({
          kind: 'ack',
          snapshotVersion: content.version,
          settingsVersion: content.settingsVersion,
          error: '',
        }),
        () => {
          const ackAt = performance.now();
          const socket = tcp;
          resolve({
            receiveMs: receivedAt - helloAt,
            openMs: openedAt - receivedAt,
            totalMs: ackAt - helloAt,
            messageBytes: bytes.length,
            bytesRead: socket?.bytesRead ?? Number.NaN,
            bytesWritten: socket?.bytesWritten ?? Number.NaN,
            policies: content.view.policies.length,
          });
          ws.close(1000, 'benchmark done');
        },
      );
    });
  });
}

async function benchViewSync(opts: SyncBenchOptions, dir: string, children: ChildHandle[]): Promise<ViewSyncData> {
  const { log } = opts;
  log(`sync: generating a world of ${formatInt(opts.policies)} policies`);
  let synthetic: ReturnType<typeof syntheticWorld> | null = syntheticWorld({
    policies: opts.policies,
    seed: opts.seed,
    requests: 0,
  });
  const scenario = join(dir, 'large.json');
  writeFileSync(scenario, serializeScenario(synthetic.world, 'json'));
  synthetic = null;
  collectGarbage();

  log(`sync: starting a server seeded with ${formatInt(opts.policies)} policies`);
  // debug: the server then logs each acknowledgement, with its time.
  const server = await startServer(dir, 'large-server', scenario, 'debug');
  children.push(server.handle);
  try {
    log(`sync: server listening ${formatInt(server.startMs)} ms after spawn (seed scenario imported)`);
    const { token } = await server.admin.call<{ token: string }>('POST', `/api/computers/${TARGET_COMPUTER}/enroll`);
    const { publicKey } = await server.admin.call<{ publicKey: string }>('GET', '/api/public-key');
    const publicKeyFile = join(dir, 'large-server.pub');
    writeFileSync(publicKeyFile, publicKey);

    const runs: DaemonSyncRun[] = [];
    for (let i = 0; i < DAEMON_SYNC_RUNS; i++) {
      const seen = new Set<LogLine>(server.handle.logs);
      const fresh = (text: string) => (l: LogLine) =>
        l['msg'] === text && l['computerId'] === TARGET_COMPUTER && !seen.has(l);
      const config = join(dir, `agent-${i}.json`);
      writeFileSync(
        config,
        JSON.stringify({
          dataDir: join(dir, `agent-${i}-data`),
          computerId: TARGET_COMPUTER,
          serverPublicKey: publicKeyFile,
          socket: { path: join(dir, `agent-${i}.sock`) },
          logLevel: 'info',
          server: { url: server.agentUrl, token, backoffInitialMs: 50, backoffMaxMs: 1_000 },
        }),
      );
      const daemon = spawnTollgate(['daemon', '--config', config]);
      children.push(daemon);
      try {
        const connected = await server.handle.waitForLog(fresh('agent connected'), 'the hello');
        const acked = await server.handle.waitForLog(fresh('agent acknowledged'), 'the acknowledgement');
        const applied = await daemon.waitForLog(msg('snapshot applied'), 'snapshot applied');
        const run: DaemonSyncRun = {
          cold: i === 0,
          helloToAckMs: logTime(acked) - logTime(connected),
          helloToAppliedMs: logTime(applied) - logTime(connected),
          spawnToAckMs: logTime(acked) - daemon.spawnedAtEpochMs,
          daemonMemory: procMemory(daemon.pid),
        };
        runs.push(run);
        log(
          `sync: daemon ${i + 1}/${DAEMON_SYNC_RUNS} (${run.cold ? 'cold' : 'warm'}): hello to acknowledged ${formatInt(run.helloToAckMs)} ms`,
        );
      } finally {
        await daemon.stop();
      }
      await server.handle.waitForLog(fresh('agent disconnected'), 'the disconnection');
    }

    log('sync: a simulated agent that verifies and decodes the snapshot');
    const simulated = await simulatedVerifyingSync(server.agentUrl, token, publicKey);
    const serverMemory = procMemory(server.handle.pid);
    const warm = runs.filter((r) => !r.cold).map((r) => r.helloToAckMs);
    return {
      policies: opts.policies,
      serverStartMs: server.startMs,
      runs,
      coldMs: runs[0]?.helloToAckMs ?? Number.NaN,
      warmMs: warm.length === 0 ? null : median(warm),
      simulated,
      serverMemory,
    };
  } finally {
    await server.handle.stop();
  }
}

// ------------------------------------------------------------------ the section

export interface SyncBenchData {
  fleet: FleetData;
  view: ViewSyncData;
  loadAverage: [number, number];
}

function fmtMs(ms: number): string {
  return `${formatFixed(ms, ms < 100 ? 1 : 0)} ms`;
}

function fmtMB(bytes: number): string {
  return `${formatFixed(bytes / 1_000_000, 1)} MB`;
}

export async function benchSync(opts: SyncBenchOptions): Promise<Section> {
  const loadBefore = loadAverage();
  const ws = workspace('sync');
  const children: ChildHandle[] = [];
  try {
    const fleet = await benchFleet(opts, ws.dir, children);
    const view = await benchViewSync(opts, ws.dir, children);
    return render({ fleet, view, loadAverage: [loadBefore, loadAverage()] }, opts);
  } finally {
    for (const child of children) await child.stop();
    ws.cleanup();
  }
}

function render(d: SyncBenchData, opts: SyncBenchOptions): Section {
  const { fleet, view } = d;
  const fleetAtTarget = fleet.agents === SYNC_TARGET_AGENTS;
  const viewAtTarget = view.policies === SYNC_TARGET_POLICIES;
  const status = (atTarget: boolean, ok: boolean): TargetResult['status'] =>
    !atTarget ? 'SKIP' : ok ? 'PASS' : 'FAIL';
  const allApplied = fleet.toggles.every((t) => t.applied === fleet.agents && t.pending === 0 && t.offline === 0);
  const targets: TargetResult[] = [
    {
      target: `settings change acknowledged by all ${formatInt(SYNC_TARGET_AGENTS)} agents (admin request to response, median)`,
      limit: `<= ${formatInt(TARGET_ALL_ACKED_MS)} ms`,
      measured: fmtMs(fleet.responseMs),
      status: status(fleetAtTarget, allApplied && fleet.responseMs <= TARGET_ALL_ACKED_MS),
    },
    {
      target: `same, slowest of the ${fleet.toggles.length} toggles (info)`,
      limit: `<= ${formatInt(TARGET_ALL_ACKED_MS)} ms`,
      measured: fmtMs(Math.max(...fleet.toggles.map((t) => t.responseMs))),
      status: status(
        fleetAtTarget,
        allApplied && Math.max(...fleet.toggles.map((t) => t.responseMs)) <= TARGET_ALL_ACKED_MS,
      ),
    },
    {
      target: `${formatInt(SYNC_TARGET_POLICIES)}-policy view synced to one daemon, hello to acknowledged (cold: built and signed on the hello)`,
      limit: `< ${formatInt(TARGET_VIEW_SYNC_MS)} ms`,
      measured: fmtMs(view.coldMs),
      status: status(viewAtTarget, view.coldMs < TARGET_VIEW_SYNC_MS),
    },
    {
      target: `same, warm (signed snapshot cached on the server), median`,
      limit: `< ${formatInt(TARGET_VIEW_SYNC_MS)} ms`,
      measured: view.warmMs === null ? 'not measured' : fmtMs(view.warmMs),
      status: view.warmMs === null ? 'SKIP' : status(viewAtTarget, view.warmMs < TARGET_VIEW_SYNC_MS),
    },
  ];

  const toggleRows = fleet.toggles.map((t, i) => [
    String(i + 1),
    String(t.value),
    formatInt(t.responseMs),
    formatFixed(t.firstPushMs, 1),
    formatInt(t.medianPushMs),
    formatInt(t.lastPushMs),
    formatInt(t.lastAckMs),
    `${t.applied} / ${t.pending} / ${t.offline}`,
    t.serverCpuMs === null ? 'n/a' : formatInt(t.serverCpuMs),
    `${formatFixed(t.loadAverage[0], 1)} / ${formatFixed(t.loadAverage[1], 1)}`,
  ]);
  const runRows = view.runs.map((r, i) => [
    String(i + 1),
    r.cold ? 'cold' : 'warm',
    formatInt(r.helloToAckMs),
    formatInt(r.helloToAppliedMs),
    formatInt(r.spawnToAckMs),
    r.daemonMemory === null ? 'n/a' : fmtMB(r.daemonMemory.peakRssBytes),
  ]);
  const sim = view.simulated;
  const notes = [
    `Fleet: ${formatInt(fleet.agents)} computers in one group of a ${formatInt(fleet.policies)}-policy synthetic world; ` +
      `the simulated agents are \`ws\` clients in the benchmark process (one core's worth of event loop for all of them), ` +
      `the server a real \`tollgate server\` process; both share the machine's ${os.availableParallelism()} cores.`,
    `Fleet setup (not targets): server start ${formatInt(fleet.serverStartMs)} ms, ${formatInt(fleet.agents)} enrollments ` +
      `${formatInt(fleet.enrollMs)} ms (${SETUP_CONCURRENCY} in flight), connect + first snapshot of every agent ${formatInt(fleet.connectMs)} ms; ` +
      `server peak RSS ${fleet.serverMemory === null ? 'n/a' : fmtMB(fleet.serverMemory.peakRssBytes)}.`,
    `Each toggle flips prioritizeBuiltInApplications for the group with PUT /api/settings?waitMs=${WAIT_MS}; ` +
      `response = the server saw all acknowledgements; push/ack times are read by the simulated agents on the same clock as the request.`,
    `${formatInt(view.policies)}-policy view: the server (seeded with the synthetic world; start and import ${formatInt(view.serverStartMs)} ms) ` +
      `syncs a fresh \`tollgate daemon\` (empty cache: hello with version 0) that verifies, decodes, compiles, stores and acknowledges; ` +
      `times from the server's debug log lines (ms resolution). Run 1 is cold (the server builds and signs the view on the hello), the others warm.`,
    `Bytes on the wire (simulated agent, no compression): the snapshot message ${fmtMB(sim.messageBytes)}; TCP bytes read by the agent ` +
      `${formatInt(sim.bytesRead)} (upgrade response and framing included), written ${formatInt(sim.bytesWritten)}. ` +
      `It received the message ${formatInt(sim.receiveMs)} ms after its hello, verified and decoded it (openSnapshot) in ${formatInt(sim.openMs)} ms, ` +
      `acknowledged ${formatInt(sim.totalMs)} ms after the hello.`,
    `Load average (1 min) before / after the section: ${formatFixed(d.loadAverage[0], 1)} / ${formatFixed(d.loadAverage[1], 1)} on ${os.availableParallelism()} cores.`,
  ];
  const busiest = Math.max(...d.loadAverage, ...fleet.toggles.flatMap((t) => t.loadAverage));
  if (busiest > os.availableParallelism() * 0.75) {
    notes.push(
      `WARNING: the load average reached ${formatFixed(busiest, 1)} on ${os.availableParallelism()} cores: other processes competed for the CPU, so the figures are pessimistic.`,
    );
  }
  void opts;
  return {
    id: 'sync',
    title: 'Sync: the policy server and its agents on loopback',
    tables: [
      {
        title: `A settings change acknowledged by ${formatInt(fleet.agents)} simulated agents (ms from the admin request)`,
        headers: [
          'toggle',
          'value',
          'all applied (response)',
          'first push',
          'median push',
          'last push',
          'last ack sent',
          'applied / pending / offline',
          'server CPU ms',
          'load avg (before / after)',
        ],
        rows: toggleRows,
        align: ['right', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
      },
      {
        title: `A ${formatInt(view.policies)}-policy view synced to one daemon (ms)`,
        headers: [
          'run',
          'server cache',
          'hello to acknowledged',
          'hello to applied (daemon log)',
          'daemon spawn to acknowledged',
          'daemon peak RSS',
        ],
        rows: runRows,
        align: ['right', 'left', 'right', 'right', 'right', 'right'],
      },
      {
        title: 'Bytes on the wire for the view (one agent, empty cache)',
        headers: ['what', 'bytes'],
        rows: [
          ['snapshot message (ServerMessage with the SignedSnapshot)', formatInt(sim.messageBytes)],
          ['server to agent, TCP (upgrade response + WebSocket framing + message)', formatInt(sim.bytesRead)],
          ['agent to server, TCP (upgrade request + hello + ack)', formatInt(sim.bytesWritten)],
        ],
        align: ['left', 'right'],
      },
    ],
    targets,
    notes,
    data: d,
  };
}
