/**
 * The fleet section: the policy server at MSP size (scripts/lib/
 * fleet-world.ts: 200 customers of 50 computers, 2,000 global built-in
 * policies and 50 per customer), and the same shape at 100 computers, against
 * both stores: SQLite (one server), and PostgreSQL with two server instances
 * sharing one schema. For each store and world:
 *
 * - the import of the world into an empty store, and the start of a state
 *   with that world stored (in this process: open and check every view);
 * - the real `tollgate server` process(es) over that store, and every
 *   computer's simulated agent in two child processes (fleet-agents.ts),
 *   split between the instances: each agent says hello with the versions and
 *   view hash it holds (as a daemon that synced before does) and
 *   acknowledges everything it is sent;
 * - three changes made through the admin API of the first instance: a
 *   setting for one group, a policy for one computer and a change to one
 *   global policy, each timed until it is committed (the response) and until
 *   every affected agent acknowledged it (each change three times, the
 *   median reported and every run printed); and, during the global changes,
 *   the worst round trip of a WebSocket ping sent every 10 ms by an agent of
 *   the instance that commits.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { World } from '../../src/engine/model.js';
import { ServerState } from '../../src/server/state.js';
import { SIGNING_KEY_FILE, SIGNING_PUBLIC_KEY_FILE } from '../../src/server/signing-key.js';
import { PgStore } from '../../src/server/store/pg-store.js';
import type { ServerStore } from '../../src/server/store/server-store.js';
import { splicedViewHash } from '../../src/wire/view-splice.js';
import { MSP_FLEET, SMALL_FLEET, type FleetOptions, computerId, fleetWorld, groupId } from '../lib/fleet-world.js';
import { formatInt } from '../lib/stats.js';
import type { AgentCommand, AgentReport, AgentSpec } from './fleet-agents.js';
import { nowMs } from './fleet-agents.js';
import {
  type ChildHandle,
  commandCpuByProcess,
  commandCpuSinceMs,
  helperProgram,
  logTime,
  mainThreadCpuMs,
  msg,
  procCpuMs,
  spawnTollgate,
  workspace,
} from './processes.js';
import { AdminApi } from './admin-api.js';
import type { Section, TargetResult } from './section.js';

export const FLEET_TARGET_IMPORT_MS = 10_000;
export const FLEET_TARGET_START_MS = 3_000;
export const FLEET_TARGET_RATIO = 3;
export const FLEET_TARGET_PUSH_MS = 3_000;
export const FLEET_TARGET_PING_MS = 100;

/** Agent child processes (each holds half of the agents). */
const AGENT_PROCESSES = 2;
/** Connections each agent process opens at once while connecting. */
const CONNECT_CONCURRENCY = 100;
/** How long the agents are waited for after a change. */
const ACK_TIMEOUT_MS = 300_000;
const PING_INTERVAL_MS = 10;
/** The servers sign deltas on their event loops instead of their signing threads (an A/B comparison). */
const SIGN_INLINE = process.env['TOLLGATE_BENCH_FLEET_SIGN_INLINE'] === '1';
/** The servers' sync.deltaViewCacheBytes (see serverConfig). */
const FLEET_DELTA_VIEW_CACHE_BYTES = 1024 * 1024 * 1024;

export type FleetStoreKind = 'sqlite' | 'postgres';

export interface FleetBenchOptions {
  /** Simulated agents on the MSP fleet (default: every computer); the small fleet always has all of its own. */
  agents?: number;
  /** The stores to measure (default both; PostgreSQL is skipped, with a note, when it cannot be reached). */
  stores?: FleetStoreKind[];
  /** PostgreSQL server URL (default TOLLGATE_BENCH_PG_URL, or the local test database). */
  pgUrl?: string;
  log: (message: string) => void;
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await run();
  return { ms: performance.now() - started, value };
}

/** A PostgreSQL schema of the run's own, dropped at the end. */
interface BenchSchema {
  url: string;
  schema: string;
  drop(): Promise<void>;
}

async function pgQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function createSchema(url: string): Promise<BenchSchema> {
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  await pgQuery(url, `CREATE SCHEMA "${schema}"`);
  return { url, schema, drop: () => pgQuery(url, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`) };
}

/** An agent child process, spoken to over IPC. */
class AgentProcess {
  private readonly child: ChildProcess;
  private readonly replies: ((report: AgentReport) => void)[] = [];
  private failed: Error | null = null;

  constructor() {
    this.child = fork(helperProgram('fleet-agents'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.child.on('message', (report: AgentReport) => {
      if (report.kind === 'error') {
        this.failed = new Error(`agent process: ${report.message}`);
        return;
      }
      this.replies.shift()?.(report);
    });
    this.child.on('exit', (code) => {
      if (this.replies.length > 0) this.failed = new Error(`agent process exited (${code})`);
    });
  }

  ask<K extends AgentReport['kind']>(command: AgentCommand): Promise<Extract<AgentReport, { kind: K }>> {
    if (this.failed !== null) return Promise.reject(this.failed);
    return new Promise((resolve) => {
      this.replies.push((report) => resolve(report as Extract<AgentReport, { kind: K }>));
      this.child.send(command);
    });
  }

  tell(command: AgentCommand): void {
    this.child.send(command);
  }

  get error(): Error | null {
    return this.failed;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  stop(): void {
    if (this.child.connected) this.tell({ kind: 'close' });
    setTimeout(() => this.child.kill('SIGKILL'), 2_000).unref();
  }
}

/** Runs of each small change (a setting for one group, a policy for one computer); the median is reported. */
export const SMALL_CHANGE_RUNS = 3;

/**
 * Runs of the change to one global policy (its action toggled, each run a
 * change); the median is reported and judged, every run printed. The first
 * after the servers start is also the first push of its size, which V8
 * compiles the push's code for while it runs.
 */
export const GLOBAL_CHANGE_RUNS = 3;

/** The run with the median acknowledgement time (the upper one of an even count). */
function medianRun(runs: readonly ChangeRun[]): ChangeRun {
  const sorted = [...runs].sort((a, b) => a.pushedMs - b.pushedMs);
  const median = sorted[Math.floor(sorted.length / 2)];
  if (median === undefined) throw new Error('no runs of a change');
  return median;
}

interface Changes {
  snapshots: string[];
  settings: string[];
}

/** One change: until committed (the admin API's response) and until every affected agent acknowledged. */
export interface ChangeRun {
  committedMs: number;
  pushedMs: number;
  affected: number;
  acked: number;
  /** CPU time (user + system) of each server process from the request until the last acknowledgement, ms. */
  serverCpuMs: number[];
  /** The same for each server process's main thread (its event loop) alone. */
  serverMainCpuMs: number[];
  /** The same for the agent processes, all together. */
  agentsCpuMs: number;
  /** PostgreSQL's processes (server and backends, every client's), with the PostgreSQL store; NaN otherwise. */
  postgresCpuMs: number;
  /** What the agents received meanwhile, by message kind. */
  kinds: Record<string, number>;
}

export interface FleetRun {
  computers: number;
  policies: number;
  agents: number;
  importMs: number;
  /** Open of the stored world until it serves (the view check runs behind). */
  startMs: number;
  /** Open of the stored world until the start-up view check is done. */
  startCheckedMs: number;
  /** The server processes: spawn to "listening", and to the end of the start-up view check. */
  serverListeningMs: number[];
  serverCheckedMs: number[];
  firstMessages: Record<string, number>;
  /** The median run (by acknowledgement time) of SMALL_CHANGE_RUNS, and every run. */
  groupSetting: ChangeRun;
  groupSettingRuns: ChangeRun[];
  computerPolicy: ChangeRun;
  computerPolicyRuns: ChangeRun[];
  /** The median run (by acknowledgement time) of GLOBAL_CHANGE_RUNS, and every run in order. */
  globalPolicy: ChangeRun;
  globalPolicyRuns: ChangeRun[];
  /** The worst ping round trip during every global change. */
  worstPingMs: number;
  pings: number;
  loadAverage: [number, number];
}

function serverConfig(dataDir: string, tokenFile: string, schema: BenchSchema | null): unknown {
  return {
    dataDir,
    listen: { port: 0 },
    adminTokenFile: tokenFile,
    logLevel: 'info',
    // Room for the old and the new views of every body of the MSP fleet (800 bodies of some 400 KB) during a change.
    // TOLLGATE_BENCH_FLEET_SIGN_INLINE=1: deltas signed on the servers' event loops, to compare with the signing thread.
    sync: { deltaViewCacheBytes: FLEET_DELTA_VIEW_CACHE_BYTES, signDeltasInWorker: !SIGN_INLINE },
    ...(schema === null ? {} : { store: { kind: 'postgres', url: schema.url, schema: schema.schema } }),
  };
}

/** The stores a state of this run opens. */
async function openState(dir: string, schema: BenchSchema | null, planInBackground = false): Promise<ServerState> {
  const store: ServerStore | undefined =
    schema === null ? undefined : await PgStore.open({ url: schema.url, schema: schema.schema });
  return ServerState.open({
    dataDir: dir,
    clock: () => Date.now(),
    planInBackground,
    ...(store === undefined ? {} : { store }),
  });
}

/** Imports, enrolls and measures one fleet over one store, then runs its servers and agents through the changes. */
async function runFleet(
  kind: FleetStoreKind,
  shape: FleetOptions,
  agentLimit: number,
  options: FleetBenchOptions,
  pgUrl: string,
): Promise<FleetRun> {
  const { log } = options;
  const world: World = fleetWorld(shape);
  const computers = world.computers.length;
  const space = workspace('fleet');
  const schema = kind === 'postgres' ? await createSchema(pgUrl) : null;
  const children: ChildHandle[] = [];
  const agentProcesses: AgentProcess[] = [];
  const load0 = os.loadavg()[0] ?? 0;
  try {
    const stateDir = join(space.dir, 'state');
    log(`fleet/${kind}: importing ${formatInt(computers)} computers, ${formatInt(world.policies.length)} policies`);
    let state = await openState(stateDir, schema);
    const imported = await timed(() => state.importWorld(world));
    const agentCount = Math.min(agentLimit, computers);
    log(`fleet/${kind}: enrolling ${formatInt(agentCount)} computers, reading the views their agents hold`);
    const specs: AgentSpec[] = [];
    for (const c of world.computers.slice(0, agentCount)) {
      const { token } = await state.enroll(c.id);
      const current = state.currentView(c.id);
      specs.push({
        id: c.id,
        token,
        snapshotVersion: current.version,
        settingsVersion: current.settingsVersion,
        viewHash: splicedViewHash(current.view).toString('hex'),
      });
    }
    await state.close();
    log(`fleet/${kind}: starting with the world stored`);
    // As `tollgate server` starts: serving once the world is loaded, the view check behind it.
    const started = await timed(() => openState(stateDir, schema, true));
    state = started.value;
    const checkedMs = started.ms + (await timed(() => state.settled)).ms;
    await state.close();

    // The servers: one over SQLite (its data directory is the state's), two sharing the PostgreSQL schema.
    const tokenFile = join(space.dir, 'admin-token');
    writeFileSync(tokenFile, randomBytes(24).toString('hex'), { mode: 0o600 });
    const dataDirs = kind === 'sqlite' ? [stateDir] : [join(space.dir, 'a'), join(space.dir, 'b')];
    if (kind === 'postgres') {
      for (const d of dataDirs) {
        mkdirSync(d, { mode: 0o700 });
        for (const file of [SIGNING_KEY_FILE, SIGNING_PUBLIC_KEY_FILE])
          copyFileSync(join(stateDir, file), join(d, file));
      }
    }
    log(`fleet/${kind}: starting ${dataDirs.length} tollgate server process(es)`);
    const servers = dataDirs.map((d, i) => {
      const config = join(space.dir, `server-${i}.json`);
      writeFileSync(config, JSON.stringify(serverConfig(d, tokenFile, schema)));
      const handle = spawnTollgate(['server', '--config', config]);
      children.push(handle);
      return handle;
    });
    const listening = await Promise.all(servers.map((s) => s.waitForLog(msg('listening'), 'listening')));
    const checked = await Promise.all(
      servers.map((s) => s.waitForLog(msg('views checked at start'), 'the view check')),
    );
    const admin = new AdminApi(String(listening[0]!['url']), readFileSync(tokenFile, 'utf8').trim());

    log(`fleet/${kind}: connecting ${formatInt(agentCount)} simulated agents in ${AGENT_PROCESSES} processes`);
    const firstMessages: Record<string, number> = {};
    // The agent that pings has a process of its own: its round trips then time the server, not the event loop
    // of a process busy with thousands of other agents' messages.
    const [pingingAgent, ...others] = specs;
    const share = Math.ceil(others.length / AGENT_PROCESSES);
    const groups = [
      { agents: pingingAgent === undefined ? [] : [pingingAgent], url: listening[0]! },
      ...Array.from({ length: AGENT_PROCESSES }, (_, i) => ({
        agents: others.slice(i * share, (i + 1) * share),
        url: listening[i % listening.length]!,
      })),
    ];
    await Promise.all(
      groups.map(async (group) => {
        const p = new AgentProcess();
        agentProcesses.push(p);
        const report = await p.ask<'connected'>({
          kind: 'connect',
          url: String(group.url['agents']),
          agents: group.agents,
          concurrency: CONNECT_CONCURRENCY,
        });
        if (report.refusals.length > 0) throw new Error(`agents refused: ${report.refusals.join('; ')}`);
        for (const [k, n] of Object.entries(report.firstMessages)) firstMessages[k] = (firstMessages[k] ?? 0) + n;
      }),
    );

    const change = async (what: string, request: () => Promise<Changes>): Promise<ChangeRun> => {
      log(`fleet/${kind}: ${what}`);
      await Promise.all(agentProcesses.map((p) => p.ask<'marked'>({ kind: 'mark' })));
      const cpuBefore = servers.map((s) => procCpuMs(s.pid));
      const mainBefore = servers.map((s) => mainThreadCpuMs(s.pid));
      const agentsBefore = agentProcesses.map((p) => (p.pid === undefined ? null : procCpuMs(p.pid)));
      const postgresBefore = kind === 'postgres' ? commandCpuByProcess('postgres') : null;
      const startedAt = nowMs();
      const changes = await request();
      const committedMs = nowMs() - startedAt;
      const ids = [...new Set([...changes.snapshots, ...changes.settings])];
      const reports = await Promise.all(
        agentProcesses.map((p) => p.ask<'acked'>({ kind: 'await', ids, timeoutMs: ACK_TIMEOUT_MS })),
      );
      // Read once every agent acknowledged: the servers' work for the change (commit, push, acknowledgements).
      const spent = (before: number | null | undefined, after: number | null): number =>
        before === null || before === undefined || after === null ? Number.NaN : after - before;
      const serverCpuMs = servers.map((s, i) => spent(cpuBefore[i], procCpuMs(s.pid)));
      const serverMainCpuMs = servers.map((s, i) => spent(mainBefore[i], mainThreadCpuMs(s.pid)));
      const agentsCpuMs = agentProcesses.reduce(
        (sum, p, i) => sum + spent(agentsBefore[i], p.pid === undefined ? null : procCpuMs(p.pid)),
        0,
      );
      const kinds: Record<string, number> = {};
      for (const r of reports) for (const [k, n] of Object.entries(r.kinds)) kinds[k] = (kinds[k] ?? 0) + n;
      const lastAck = Math.max(...reports.map((r) => r.lastAckAtMs));
      const waited = reports.reduce((n, r) => n + r.waited, 0);
      const acked = reports.reduce((n, r) => n + r.acked, 0);
      if (acked < waited) log(`fleet/${kind}: only ${acked} of ${waited} agents acknowledged ${what}`);
      return {
        committedMs,
        pushedMs: Math.max(committedMs, lastAck - startedAt),
        affected: ids.length,
        acked,
        kinds,
        serverCpuMs,
        serverMainCpuMs,
        agentsCpuMs,
        postgresCpuMs: kind === 'postgres' ? commandCpuSinceMs('postgres', postgresBefore) : Number.NaN,
      };
    };

    // The two small changes are made SMALL_CHANGE_RUNS times each (their times are tens of milliseconds, where
    // one scheduling hiccup doubles a figure): the run with the median acknowledgement time is reported.
    const groupSettingRuns: ChangeRun[] = [];
    for (let i = 0; i < SMALL_CHANGE_RUNS; i++) {
      groupSettingRuns.push(
        await change(`a setting for one group (${i + 1}/${SMALL_CHANGE_RUNS})`, async () => {
          const body = await admin.call<{ changes: Changes }>('PUT', '/api/settings?waitMs=0', {
            scope: { kind: 'group', id: groupId(1, 'ws') },
            type: 'prioritizeBuiltInApplications',
            // false, true, false, ...: each run a change.
            value: i % 2 === 1,
          });
          return body.changes;
        }),
      );
    }
    const computerPolicyRuns: ChangeRun[] = [];
    for (let i = 0; i < SMALL_CHANGE_RUNS; i++) {
      computerPolicyRuns.push(
        await change(`a policy for one computer (${i + 1}/${SMALL_CHANGE_RUNS})`, async () => {
          const body = await admin.call<{ changes: Changes }>('POST', '/api/policies', {
            app: 'builtin-00001',
            appliesTo: { computer: computerId(1, 7) },
            action: 'deny',
            order: 3 + i,
          });
          return body.changes;
        }),
      );
    }
    const groupSetting = medianRun(groupSettingRuns);
    const computerPolicy = medianRun(computerPolicyRuns);
    // The process of the pinging agent (the first made).
    const pinger = agentProcesses[0]!;
    const globalStartedAtEpochMs = Date.now();
    pinger.tell({ kind: 'ping', on: true, intervalMs: PING_INTERVAL_MS });
    const globalId = 'global-00005';
    const globalAction = world.policies.find((p) => p.id === globalId)?.action;
    if (globalAction === undefined || globalAction === 'deny')
      throw new Error(`${globalId} must be a policy not denying`);
    const globalPolicyRuns: ChangeRun[] = [];
    for (let i = 0; i < GLOBAL_CHANGE_RUNS; i++) {
      globalPolicyRuns.push(
        await change(`a change to one global policy (${i + 1}/${GLOBAL_CHANGE_RUNS})`, async () => {
          const body = await admin.call<{ changes: Changes }>('PATCH', `/api/policies/${globalId}`, {
            // deny, back, deny, ...: each run a change of every computer's view.
            action: i % 2 === 0 ? 'deny' : globalAction,
          });
          return body.changes;
        }),
      );
    }
    const globalPolicy = medianRun(globalPolicyRuns);
    const ping = await pinger.ask<'pinged'>({ kind: 'ping', on: false, intervalMs: PING_INTERVAL_MS });
    for (const p of agentProcesses) if (p.error !== null) throw p.error;
    log(
      `fleet/${kind}: worst ping ${Math.round(ping.worstMs)} ms; the pinging agents' process's own event loop ` +
        `was held up to ${Math.round(ping.ownLoopDelayMaxMs)} ms meanwhile`,
    );
    // With TOLLGATE_STALL_LOG_MS set, the servers log what held their event loop: shown for the global change.
    servers.forEach((s, i) => {
      for (const line of s.logs) {
        if (line['msg'] !== 'event loop stalled' || logTime(line) < globalStartedAtEpochMs) continue;
        const phases = Array.isArray(line['phases']) ? line['phases'].join(' > ') : '';
        log(
          `fleet/${kind}: server ${i} event loop stalled ${String(line['stalledMs'])} ms ` +
            `(${String(line['cpuMs'])} ms of CPU): ${phases}`,
        );
      }
    });

    return {
      computers,
      policies: world.policies.length,
      agents: agentCount,
      importMs: imported.ms,
      startMs: started.ms,
      startCheckedMs: checkedMs,
      serverListeningMs: servers.map((s, i) => logTime(listening[i]!) - s.spawnedAtEpochMs),
      serverCheckedMs: servers.map((s, i) => logTime(checked[i]!) - s.spawnedAtEpochMs),
      firstMessages,
      groupSetting,
      groupSettingRuns,
      computerPolicy,
      computerPolicyRuns,
      globalPolicy,
      globalPolicyRuns,
      worstPingMs: ping.worstMs,
      pings: ping.pings,
      loadAverage: [load0, os.loadavg()[0] ?? 0],
    };
  } finally {
    for (const p of agentProcesses) p.stop();
    await Promise.all(children.map((c) => c.stop()));
    await schema?.drop();
    space.cleanup();
  }
}

async function pgReachable(url: string): Promise<string | null> {
  try {
    await pgQuery(url, 'SELECT 1');
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

interface StoreResult {
  kind: FleetStoreKind;
  small: FleetRun;
  big: FleetRun;
}

export async function benchFleet(options: FleetBenchOptions): Promise<Section> {
  const { log } = options;
  const pgUrl = options.pgUrl ?? process.env['TOLLGATE_BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const notes: string[] = [];
  const results: StoreResult[] = [];
  for (const kind of options.stores ?? (['sqlite', 'postgres'] as const)) {
    if (kind === 'postgres') {
      const problem = await pgReachable(pgUrl);
      if (problem !== null) {
        const note = `PostgreSQL not measured: ${pgUrl.replace(/\/\/[^@]*@/, '//')} cannot be reached (${problem}).`;
        log(`fleet: ${note}`);
        notes.push(note);
        continue;
      }
    }
    const small = await runFleet(kind, SMALL_FLEET, Number.POSITIVE_INFINITY, options, pgUrl);
    const big = await runFleet(kind, MSP_FLEET, options.agents ?? Number.POSITIVE_INFINITY, options, pgUrl);
    results.push({ kind, small, big });
  }

  const ms = (n: number): string => `${formatInt(Math.round(n))} ms`;
  const ratio = (a: number, b: number): number => a / Math.max(b, 0.001);
  const storeName = (kind: FleetStoreKind): string => (kind === 'sqlite' ? 'SQLite' : 'PostgreSQL, 2 instances');
  const targets: TargetResult[] = [];
  const rows: string[][] = [];
  for (const { kind, small, big } of results) {
    const name = storeName(kind);
    const target = (what: string, limit: string, value: number, bound: number, format: (n: number) => string) =>
      targets.push({
        target: `${name}: ${what}`,
        limit,
        measured: format(value),
        status: value < bound ? 'PASS' : 'FAIL',
      });
    const x = (n: number): string => `${n.toFixed(1)}x`;
    target('import of the MSP fleet', `< ${ms(FLEET_TARGET_IMPORT_MS)}`, big.importMs, FLEET_TARGET_IMPORT_MS, ms);
    target('start with the fleet stored', `< ${ms(FLEET_TARGET_START_MS)}`, big.startMs, FLEET_TARGET_START_MS, ms);
    target(
      'group setting pushed, 10,000 vs 100 computers',
      `< ${FLEET_TARGET_RATIO}x`,
      ratio(big.groupSetting.pushedMs, small.groupSetting.pushedMs),
      FLEET_TARGET_RATIO,
      x,
    );
    target(
      'computer policy pushed, 10,000 vs 100 computers',
      `< ${FLEET_TARGET_RATIO}x`,
      ratio(big.computerPolicy.pushedMs, small.computerPolicy.pushedMs),
      FLEET_TARGET_RATIO,
      x,
    );
    target(
      `global policy acknowledged by ${formatInt(big.globalPolicy.acked)} agents`,
      `< ${ms(FLEET_TARGET_PUSH_MS)}`,
      big.globalPolicy.pushedMs,
      FLEET_TARGET_PUSH_MS,
      ms,
    );
    target(
      'worst ping during the global changes',
      `< ${ms(FLEET_TARGET_PING_MS)}`,
      big.worstPingMs,
      FLEET_TARGET_PING_MS,
      ms,
    );
    const change = (c: ChangeRun): string => `${ms(c.committedMs)} / ${ms(c.pushedMs)}`;
    const kinds = (c: ChangeRun): string =>
      Object.entries(c.kinds)
        .map(([k, n]) => `${formatInt(n)} ${k}`)
        .join(', ');
    rows.push(
      [name, 'import', '', ms(big.importMs)],
      [name, 'start with the world stored, until it serves (in process)', ms(small.startMs), ms(big.startMs)],
      [name, '... until the start-up view check is done', ms(small.startCheckedMs), ms(big.startCheckedMs)],
      [
        name,
        'tollgate server: listening / views checked',
        small.serverCheckedMs.map(ms).join(', '),
        big.serverListeningMs.map((l, i) => `${ms(l)} / ${ms(big.serverCheckedMs[i]!)}`).join(', '),
      ],
      [name, 'setting for one group: committed / acknowledged', change(small.groupSetting), change(big.groupSetting)],
      [
        name,
        'policy for one computer: committed / acknowledged',
        change(small.computerPolicy),
        change(big.computerPolicy),
      ],
      [name, 'one global policy: committed / acknowledged', change(small.globalPolicy), change(big.globalPolicy)],
      [
        name,
        `... every run in order (${GLOBAL_CHANGE_RUNS}): acknowledged`,
        small.globalPolicyRuns.map((r) => ms(r.pushedMs)).join(', '),
        big.globalPolicyRuns.map((r) => ms(r.pushedMs)).join(', '),
      ],
      [
        name,
        '... agents that acknowledged it (messages)',
        `${formatInt(small.globalPolicy.acked)} (${kinds(small.globalPolicy)})`,
        `${formatInt(big.globalPolicy.acked)} (${kinds(big.globalPolicy)})`,
      ],
      [
        name,
        '... CPU of the server process(es) until then',
        small.globalPolicy.serverCpuMs.map(ms).join(', '),
        big.globalPolicy.serverCpuMs.map(ms).join(', '),
      ],
      [
        name,
        '... of which their main threads (event loops)',
        small.globalPolicy.serverMainCpuMs.map(ms).join(', '),
        big.globalPolicy.serverMainCpuMs.map(ms).join(', '),
      ],
      [
        name,
        '... CPU of the agent processes until then',
        ms(small.globalPolicy.agentsCpuMs),
        ms(big.globalPolicy.agentsCpuMs),
      ],
      ...(kind === 'postgres'
        ? [
            [
              name,
              '... CPU of PostgreSQL until then (its server processes)',
              ms(small.globalPolicy.postgresCpuMs),
              ms(big.globalPolicy.postgresCpuMs),
            ],
          ]
        : []),
      [
        name,
        'worst ping round trip during the global changes (pings)',
        `${ms(small.worstPingMs)} (${small.pings})`,
        `${ms(big.worstPingMs)} (${big.pings})`,
      ],
      [
        name,
        'load average before / after',
        `${small.loadAverage[0].toFixed(1)} / ${small.loadAverage[1].toFixed(1)}`,
        `${big.loadAverage[0].toFixed(1)} / ${big.loadAverage[1].toFixed(1)}`,
      ],
    );
    notes.push(
      `${name}: first message to each agent at connection: ${Object.entries(big.firstMessages)
        .map(([k, n]) => `${formatInt(n)} ${k}`)
        .join(', ')} (10,000 computers).`,
    );
  }
  const big = results[0]?.big;
  notes.unshift(
    big === undefined
      ? 'No store measured.'
      : `World: ${formatInt(big.computers)} computers in ${MSP_FLEET.orgs} customer organizations, ${formatInt(big.policies)} policies; ` +
          `the small world has ${formatInt(SMALL_FLEET.orgs * SMALL_FLEET.computersPerOrg)} computers of the same shape.`,
    `Agents: ${AGENT_PROCESSES} child processes of plain ws clients, split between the server instances, and one process of its own ` +
      'for the agent that pings (connected to the first instance); each says hello with the ' +
      'versions and view hash it holds and acknowledges every message with the versions and view hash of its header. ' +
      'They do not verify signatures nor apply deltas, and read a delta for its header fields alone.',
    'Changes go through the admin API of the first instance; "acknowledged" is the last acknowledgement sent by an affected agent, ' +
      `on the same clock as the request. The group setting and the computer policy are made ${SMALL_CHANGE_RUNS} times each ` +
      '(the setting toggled, a new policy each time), and the global policy ' +
      `${GLOBAL_CHANGE_RUNS} times (its action toggled): the run with the median acknowledgement time is shown and judged, ` +
      'and every global run is listed in order (the first after the servers start is also the first push of its size, ' +
      'whose code V8 compiles while it runs). The CPU lines are those of the median global run.',
    `Deltas signed ${SIGN_INLINE ? "on the servers' event loops (TOLLGATE_BENCH_FLEET_SIGN_INLINE=1)" : "on each server's signing thread (sync.signDeltasInWorker)"}.`,
    'CPU of the server process(es): user + system time of each `tollgate server` process, all its threads ' +
      '(the delta signer included), from the request until the last acknowledgement, read from /proc/PID/stat ' +
      '(10 ms ticks); its main thread alone from /proc/PID/task/PID/stat; the agent processes (the pinging one ' +
      'included) likewise, and with PostgreSQL every process of the machine named `postgres` (its server and ' +
      "backends, whoever they serve: each process's growth, one started meanwhile whole, one that ended meanwhile " +
      'not at all). These depend less than the times on what else the machine runs.',
  );
  return {
    id: 'fleet',
    title: 'Fleet',
    tables: [
      {
        title: 'Measured',
        headers: ['store', 'what', '100 computers', '10,000 computers'],
        rows,
        align: ['left', 'left', 'right', 'right'],
      },
    ],
    targets,
    notes,
    data: results,
  };
}
