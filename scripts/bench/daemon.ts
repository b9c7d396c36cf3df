/**
 * The daemon section: the real `tollgate daemon` as a child process holding
 * a signed snapshot of a synthetic world, at each view size of
 * --daemon-policies (100,000 and 1,000,000 policies by default), and what a
 * local client sees of it:
 *
 * - sequential round trips (one request in flight) and pipelined decisions
 *   per second (a sliding window of requests in flight on one connection),
 *   measured by a separate load-generator process (socket-load.ts), and the
 *   same two figures, in the same run, for a bare Node echo server
 *   (echo-server.ts) answering with the daemon's own response frames: the
 *   ceiling of Node on a Unix socket. Repeated files (decision cache hits)
 *   and files never asked before (decided by the engine) side by side;
 * - the time to apply a snapshot over the admin socket (`applySnapshot`, the
 *   request `tollgate snapshot apply` sends) to a daemon that holds an older
 *   version, and the seed snapshot's apply at start, from the daemon's logs;
 * - warm start: the time from spawn to the first answered decision when the
 *   data directory already holds the snapshot, against the same time for a
 *   bare `node` process that listens on a Unix socket and answers one frame
 *   (bare-node.ts), spawned alternately in the same run;
 * - the daemon's peak resident memory (VmHWM), read before it is stopped;
 * - at 1,000,000 policies, the engine's latency per rule shape over the
 *   same view (engine.ts's benchShapeSize, in the world's process).
 *
 * The world, its view, the snapshots (sealed with the bench's own signing
 * key) and the request frames are made in a child process (daemon-world.ts)
 * so a million-policy world never sits in this process's heap.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type Socket, createConnection } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { LocalClient } from '../../src/local/client.js';
import { FRAME_HEADER_BYTES } from '../../src/wire/framing.js';
import { decodeResponse } from '../../src/wire/local-api.js';
import { formatFixed, formatInt, formatMicros, formatRatio } from '../lib/stats.js';
import type { BareNodeJob } from './bare-node.js';
import type { DaemonWorld, DaemonWorldJob } from './daemon-world.js';
import {
  FLOOR_KINDS,
  SHAPE_TARGET_P99_US,
  SHAPE_TARGET_POLICIES,
  type ShapeSizeResult,
  floorRow,
  shapeNote,
} from './engine.js';
import { median } from './measure.js';
import {
  type ChildHandle,
  type ProcMemory,
  helperProgram,
  logTime,
  msg,
  procCpuMs,
  procMemory,
  sleep,
  spawnNode,
  spawnTollgate,
  workspace,
} from './processes.js';
import type { Section, SectionOptions, TargetResult } from './section.js';
import type { LatencyOutput, LoadJob, LoadOutput, RecordOutput, ThroughputOutput } from './socket-load.js';

/** The view sizes measured by default (--daemon-policies). */
export const DEFAULT_DAEMON_POLICIES = [100_000, 1_000_000] as const;
/** From this many policies a size is "large": it runs --large-rounds rounds. */
export const LARGE_DAEMON_POLICIES = 1_000_000;
/** Sequential round trip p99, daemon ÷ echo, at most. */
export const TARGET_P99_ECHO_RATIO = 2;
/** Pipelined decisions per second ÷ the echo ceiling, at least: files never asked before, and repeated files. */
export const TARGET_FIRST_SEEN_ECHO_SHARE = 0.5;
export const TARGET_REPEATED_ECHO_SHARE = 0.8;

/** The targets that depend on the view's size (issue 12), by policy count. */
export interface DaemonSizeTargets {
  /** Warm start (spawn to first answered decision) ÷ the bare node spawn-to-answer, at most. */
  warmStartRatio: number;
  /** Snapshot apply over the socket, below, ms. */
  applyMs: number;
  /** Daemon peak RSS (VmHWM), below, bytes. */
  peakRssBytes: number;
}

export const DAEMON_SIZE_TARGETS: ReadonlyMap<number, DaemonSizeTargets> = new Map([
  [100_000, { warmStartRatio: 3, applyMs: 500, peakRssBytes: 120 * 1_000_000 }],
  [1_000_000, { warmStartRatio: 10, applyMs: 5_000, peakRssBytes: 600 * 1_000_000 }],
]);

/** Requests in flight in the pipelined runs. */
export const PIPELINE_WINDOW = 256;
/** Files never asked before, per round: each round's first-seen run sends each of its own at most once. */
const FIRST_SEEN_PER_ROUND = 60_000;
/** Warm-up of a first-seen run (its requests are first-seen too). */
const FIRST_SEEN_WARMUP_MS = 100;
/** Snapshots applied over the socket (versions 2, 3, ...); the median is reported. */
const APPLY_RUNS = 3;
/** Warm starts, and as many bare node starts, alternating; the medians are reported. */
const WARM_START_RUNS = 3;
/** The smallest frame limit of the benchmark's daemons; larger when a snapshot needs it. */
const MIN_MAX_FRAME_BYTES = 256 * 1024 * 1024;
/**
 * The benchmark daemons' socket timeouts (idle, frame, first frame): a
 * million-policy snapshot is a 246 MB frame, which a loaded machine may take
 * longer than the 10 s default to carry; the client is the bench itself.
 */
const SOCKET_TIMEOUT_MS = 600_000;
/** How long a spawned process may take to answer its first request. */
const FIRST_ANSWER_TIMEOUT_MS = 300_000;

export interface DaemonBenchOptions extends SectionOptions {
  /** View sizes to measure, in policies (--daemon-policies). */
  sizes: readonly number[];
  seed: number;
  /** Synthetic requests (the load cycles through them). */
  requests: number;
  /** Wall-clock budget of each latency or throughput run, ms. */
  budgetMs: number;
  /** Rounds of (daemon, echo) latency and throughput runs below LARGE_DAEMON_POLICIES; medians are reported. */
  rounds: number;
  /** Rounds at LARGE_DAEMON_POLICIES and more (--large-rounds). */
  largeRounds: number;
  /** Requests of each rule shape for the engine's per-shape latency at SHAPE_TARGET_POLICIES (0: none). */
  shapeRequests: number;
}

/** Rounds of load at a view size. */
export function roundsAt(policies: number, opts: Pick<DaemonBenchOptions, 'rounds' | 'largeRounds'>): number {
  return policies >= LARGE_DAEMON_POLICIES ? opts.largeRounds : opts.rounds;
}

/** The --max-old-space-size (MiB) of the world's process: the default suffices below 200,000 policies. */
export function worldHeapMiB(policies: number): number {
  return Math.max(4_096, Math.ceil((policies / 1_000_000) * 10_240));
}

export interface SocketRound {
  daemonLatency: LatencyOutput;
  echoLatency: LatencyOutput;
  /** The same daemon configured without a decision log (for information: where the time goes). */
  noLogLatency: LatencyOutput;
  daemonThroughput: ThroughputOutput;
  echoThroughput: ThroughputOutput;
  noLogThroughput: ThroughputOutput;
  /** Pipelined, each request a file the daemon was never asked about (decided by the engine, not the cache). */
  firstSeenThroughput: ThroughputOutput;
  /** Daemon CPU time per decision in the throughput run (user + system, every thread), µs. */
  daemonCpuUsPerDecision: number | null;
  /** Echo server CPU time per response in its throughput run, µs. */
  echoCpuUsPerResponse: number | null;
  noLogCpuUsPerDecision: number | null;
  firstSeenCpuUsPerDecision: number | null;
  loadAverage: [number, number];
}

/** One spawn of a process timed to its first answer. */
export interface SpawnToAnswer {
  /** Spawn to the socket accepting a connection, ms. */
  acceptMs: number;
  /** Spawn to the first response received, ms. */
  firstAnswerMs: number;
  memory: ProcMemory | null;
}

export interface WarmStart extends SpawnToAnswer {
  /** Spawn to the daemon's "serving" log line (pino time, ms resolution). */
  servingLogMs: number;
}

export interface DaemonSizeData {
  policies: number;
  rounds: number;
  viewPolicies: number;
  applications: number;
  snapshotBytes: number;
  requests: number;
  /** The world's process: view build and seal times, its peak RSS. */
  worldBuildViewMs: number;
  worldSealMs: number[];
  worldMaxRssBytes: number;
  record: RecordOutput;
  /** Files never asked before in each round's first-seen run (at most). */
  firstSeenPerRound: number;
  /** Snapshot v1 given as seedSnapshot: "serving" to "seed snapshot applied", ms (logs). */
  seedApplyMs: number;
  /** applySnapshot round trips over the socket, versions 2.., ms. */
  applyRunsMs: number[];
  applyMs: number;
  socketRounds: SocketRound[];
  daemonLatencyP50Us: number;
  daemonLatencyP99Us: number;
  echoLatencyP50Us: number;
  echoLatencyP99Us: number;
  /** Pipelined, repeated files (decision cache hits). */
  daemonPerSecond: number;
  /** Pipelined, files never asked before. */
  firstSeenPerSecond: number;
  echoPerSecond: number;
  /** Daemon pipelined throughput (repeated files) ÷ echo pipelined throughput. */
  echoShare: number;
  /** Daemon pipelined throughput (files never asked before) ÷ echo pipelined throughput. */
  firstSeenEchoShare: number;
  /** The daemon that was seeded and applied the snapshots over the socket, before it was stopped. */
  applierMemory: ProcMemory | null;
  /** The measured daemon (warm start, then every round) before it was stopped. */
  memory: ProcMemory | null;
  /** The larger of the two peaks (VmHWM). */
  peakRssBytes: number;
  warmStarts: WarmStart[];
  warmStartMs: number;
  /** The bare node process, spawned alternately with the warm starts. */
  bareStarts: SpawnToAnswer[];
  bareStartMs: number;
  /** The engine per rule shape over this view (at SHAPE_TARGET_POLICIES), or null. */
  shapes: ShapeSizeResult | null;
  loadAverage: [number, number];
  preparationMs: number;
}

/** A size whose run failed: what went wrong, and the figures taken before it did. */
export interface DaemonSizeFailure {
  policies: number;
  error: string;
  partial: Partial<DaemonSizeData>;
}

export type DaemonSizeResult = DaemonSizeData | DaemonSizeFailure;

export interface DaemonBenchData {
  sizes: DaemonSizeResult[];
}

function loadAverage(): number {
  return os.loadavg()[0] ?? 0;
}

/** Runs the load generator in its own process and returns its result line. */
async function runLoad<T extends LoadOutput>(job: LoadJob): Promise<T> {
  const child = spawnNode(helperProgram('socket-load'), [JSON.stringify(job)]);
  const line = await child.waitForLog((l) => l['mode'] === job.mode, 'its result');
  const exit = await child.exited;
  if (exit.code !== 0) throw new Error(`socket-load ${job.mode} exited with ${exit.code ?? exit.signal}`);
  return line as unknown as T;
}

/** Runs a load job against a process and reads that process's CPU time around it. */
async function withCpu<T extends LoadOutput>(pid: number, job: LoadJob): Promise<{ output: T; cpuMs: number | null }> {
  const before = procCpuMs(pid);
  const output = await runLoad<T>(job);
  const after = procCpuMs(pid);
  return { output, cpuMs: before === null || after === null ? null : after - before };
}

function connectOnce(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
  });
}

/** Sends one request frame and resolves with the whole response frame (length prefix included). */
export function askOneFrame(socket: Socket, frame: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let pending = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('the socket closed before a whole response frame')));
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (pending.length < FRAME_HEADER_BYTES) return;
      const end = FRAME_HEADER_BYTES + pending.readUInt32BE(0);
      if (pending.length >= end) resolve(pending.subarray(0, end));
    });
    socket.write(frame);
  });
}

/**
 * Times a spawned process to its first answer: connects as soon as the
 * socket accepts (polling every millisecond), sends `frame` and waits for
 * one whole response frame. Rejects if the process exits first.
 */
export async function timeFirstAnswer(
  child: ChildHandle,
  socketPath: string,
  frame: Buffer,
  timeoutMs = FIRST_ANSWER_TIMEOUT_MS,
): Promise<SpawnToAnswer & { response: Buffer }> {
  let exited = false;
  void child.exited.then(() => (exited = true));
  let socket: Socket | undefined;
  const deadline = performance.now() + timeoutMs;
  while (socket === undefined) {
    if (performance.now() > deadline) throw new Error(`the socket did not accept within ${timeoutMs} ms`);
    if (exited) await child.waitForLog(() => false, 'answering');
    try {
      socket = await connectOnce(socketPath);
    } catch {
      await sleep(1);
    }
  }
  const acceptMs = performance.now() - child.spawnedAt;
  try {
    const response = await askOneFrame(socket, frame);
    const firstAnswerMs = performance.now() - child.spawnedAt;
    return { acceptMs, firstAnswerMs, memory: procMemory(child.pid), response };
  } finally {
    socket.destroy();
  }
}

/** Spawns the bare node baseline on `socketPath`, answering every frame with `response`. */
export function spawnBareNode(socketPath: string, response: Buffer): ChildHandle {
  const job: BareNodeJob = { socket: socketPath, responseBase64: response.toString('base64') };
  return spawnNode(helperProgram('bare-node'), [JSON.stringify(job)]);
}

/** Spawns the daemon on a data directory that already holds the snapshot and times its first decision. */
async function warmStart(configFile: string, socketPath: string, frame: Buffer, version: number): Promise<WarmStart> {
  const daemon = spawnTollgate(['daemon', '--config', configFile]);
  try {
    const run = await timeFirstAnswer(daemon, socketPath, frame);
    const response = decodeResponse(run.response.subarray(FRAME_HEADER_BYTES));
    if (response.kind !== 'decision')
      throw new Error(`warm start: the first answer is ${response.kind}, not a decision`);
    if (response.decision.snapshotVersion !== version) {
      throw new Error(`warm start: answered from snapshot ${response.decision.snapshotVersion}, not ${version}`);
    }
    const serving = await daemon.waitForLog(msg('serving'), 'serving');
    return {
      acceptMs: run.acceptMs,
      firstAnswerMs: run.firstAnswerMs,
      memory: run.memory,
      servingLogMs: logTime(serving) - daemon.spawnedAtEpochMs,
    };
  } finally {
    await daemon.stop();
  }
}

/** Spawns the bare node baseline and times its first answer. */
async function bareStart(socketPath: string, frame: Buffer, response: Buffer): Promise<SpawnToAnswer> {
  const bare = spawnBareNode(socketPath, response);
  try {
    const run = await timeFirstAnswer(bare, socketPath, frame);
    if (!run.response.equals(response)) throw new Error('the bare node process answered another frame');
    return { acceptMs: run.acceptMs, firstAnswerMs: run.firstAnswerMs, memory: run.memory };
  } finally {
    await bare.stop();
  }
}

/** Makes the world, its snapshots and frames in a child process (daemon-world.ts). */
async function makeWorld(job: DaemonWorldJob, log: (message: string) => void): Promise<DaemonWorld> {
  const child = spawnNode(
    helperProgram('daemon-world'),
    [JSON.stringify(job)],
    [`--max-old-space-size=${worldHeapMiB(job.policies)}`],
  );
  child.child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim() !== '') log(`daemon: ${line.trim()}`);
  });
  const world = (await child.waitForLog(msg('world'), 'the world')) as unknown as DaemonWorld;
  const exit = await child.exited;
  if (exit.code !== 0) throw new Error(`daemon-world exited with ${exit.code ?? exit.signal}`);
  return world;
}

function fmtMs(ms: number): string {
  return `${formatFixed(ms, ms < 100 ? 1 : 0)} ms`;
}

function fmtMB(bytes: number): string {
  return `${formatFixed(bytes / 1_000_000, 1)} MB`;
}

/** The daemon at one view size: world, seed, applies, warm starts against bare node, then rounds of load. */
async function benchDaemonSize(
  policies: number,
  opts: DaemonBenchOptions,
  partial: Partial<DaemonSizeData>,
): Promise<DaemonSizeData> {
  const { log } = opts;
  const rounds = roundsAt(policies, opts);
  const loadBefore = loadAverage();
  const prepStart = performance.now();
  const ws = workspace('daemon');
  const daemons: ChildHandle[] = [];
  try {
    // ---- The world, keys, signed snapshots and request frames, in a process of their own.
    log(`daemon: ${formatInt(policies)} policies: making the world, its snapshots and frames in a child process`);
    const worldDir = join(ws.dir, 'world');
    mkdirSync(worldDir);
    const world = await makeWorld(
      {
        dir: worldDir,
        policies,
        seed: opts.seed,
        requests: opts.requests,
        firstSeenPerRound: FIRST_SEEN_PER_ROUND,
        rounds,
        versions: 1 + APPLY_RUNS,
        shapeRequests: policies === SHAPE_TARGET_POLICIES ? opts.shapeRequests : 0,
      },
      log,
    );
    Object.assign(partial, {
      viewPolicies: world.viewPolicies,
      applications: world.applications,
      snapshotBytes: world.snapshotBytes,
      worldBuildViewMs: world.buildViewMs,
      worldSealMs: world.sealMs,
      worldMaxRssBytes: world.maxRssBytes,
      shapes: world.shapes,
    });
    const { computer, snapshots, frames, freshFrames } = world;
    const firstFrame = Buffer.from(world.firstFrameBase64, 'base64');
    const maxFrameBytes = Math.max(MIN_MAX_FRAME_BYTES, Math.ceil(world.snapshotBytes * 1.25) + 1024 * 1024);

    const socketTimeouts = {
      idleTimeoutMs: SOCKET_TIMEOUT_MS,
      frameTimeoutMs: SOCKET_TIMEOUT_MS,
      firstFrameTimeoutMs: SOCKET_TIMEOUT_MS,
    };
    const socketPath = join(ws.dir, 'daemon.sock');
    const dataDir = join(ws.dir, 'daemon-data');
    const config = (name: string, extra: Record<string, unknown>): string => {
      const file = join(ws.dir, `${name}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          dataDir,
          computerId: computer,
          serverPublicKey: world.publicKey,
          socket: { path: socketPath, maxFrameBytes, ...socketTimeouts },
          logLevel: 'info',
          ...extra,
        }),
      );
      return file;
    };
    const seededConfig = config('daemon-seeded', { seedSnapshot: snapshots[0] });
    const warmConfig = config('daemon-warm', {});
    // The same daemon without its decision log (decisionLog.maxEntries: 0), to show what the log costs.
    const noLogConfig = join(ws.dir, 'daemon-nolog.json');
    writeFileSync(
      noLogConfig,
      JSON.stringify({
        dataDir: join(ws.dir, 'nolog-data'),
        computerId: computer,
        serverPublicKey: world.publicKey,
        socket: { path: join(ws.dir, 'nolog.sock'), maxFrameBytes, ...socketTimeouts },
        logLevel: 'info',
        seedSnapshot: snapshots[snapshots.length - 1],
        decisionLog: { maxEntries: 0 },
      }),
    );
    const preparationMs = performance.now() - prepStart;

    // ---- The first daemon: seeded with v1, then given v2.. over the admin socket.
    log('daemon: starting the daemon with the seed snapshot');
    const applier = spawnTollgate(['daemon', '--config', seededConfig]);
    daemons.push(applier);
    const serving = await applier.waitForLog(msg('serving'), 'serving');
    const seeded = await applier.waitForLog(
      (l) => l['msg'] === 'seed snapshot applied' || l['msg'] === 'seed snapshot not applied',
      'the seed snapshot',
    );
    if (seeded['msg'] !== 'seed snapshot applied') {
      throw new Error(`the seed snapshot was not applied: ${JSON.stringify(seeded)}`);
    }
    const seedApplyMs = logTime(seeded) - logTime(serving);
    log(`daemon: seed snapshot applied in ${fmtMs(seedApplyMs)} (from the daemon's logs)`);
    partial.seedApplyMs = seedApplyMs;
    // The daemon's answer to the warm start's request: what the bare node process answers with.
    const firstResponse = await connectOnce(socketPath).then(async (socket) => {
      try {
        return await askOneFrame(socket, firstFrame);
      } finally {
        socket.destroy();
      }
    });

    const applyRunsMs: number[] = [];
    // Snapshots are applied on the admin socket (adminSocket.path: by default .admin before the extension).
    const client = await LocalClient.connect(join(ws.dir, 'daemon.admin.sock'));
    try {
      for (let i = 1; i < snapshots.length; i++) {
        const bytes = await readFile(snapshots[i] as string);
        const start = performance.now();
        const response = await client.request({ kind: 'applySnapshot', snapshot: bytes });
        const ms = performance.now() - start;
        if (response.kind !== 'applied' || response.snapshotVersion !== i + 1) {
          throw new Error(`applySnapshot v${i + 1}: ${JSON.stringify(response)}`);
        }
        applyRunsMs.push(ms);
        partial.applyRunsMs = applyRunsMs;
        log(`daemon: snapshot v${i + 1} applied over the socket in ${fmtMs(ms)}`);
      }
    } finally {
      client.close();
    }
    const version = snapshots.length;
    const applierMemory = procMemory(applier.pid);
    partial.applierMemory = applierMemory;
    const applierStopped = await applier.stop();
    if (applierStopped.code !== 0)
      throw new Error(`the daemon exited with ${applierStopped.code ?? applierStopped.signal}`);

    // ---- Warm starts (the data directory holds the newest snapshot and the previous ones), each after a
    // bare node start on the same socket path: the two alternate, so both see the same machine.
    const warmStarts: WarmStart[] = [];
    const bareStarts: SpawnToAnswer[] = [];
    for (let i = 0; i < WARM_START_RUNS; i++) {
      const bare = await bareStart(socketPath, firstFrame, firstResponse);
      bareStarts.push(bare);
      const run = await warmStart(warmConfig, socketPath, firstFrame, version);
      warmStarts.push(run);
      Object.assign(partial, { warmStarts, bareStarts });
      log(
        `daemon: warm start ${i + 1}/${WARM_START_RUNS}: first answer ${fmtMs(run.firstAnswerMs)} after spawn ` +
          `(bare node ${fmtMs(bare.firstAnswerMs)})`,
      );
    }

    // ---- The measured daemon (warm-started, default configuration), and the same without its decision log.
    const daemon = spawnTollgate(['daemon', '--config', warmConfig]);
    daemons.push(daemon);
    await daemon.waitForLog(msg('serving'), 'serving');
    const noLogSocket = join(ws.dir, 'nolog.sock');
    const noLog = spawnTollgate(['daemon', '--config', noLogConfig]);
    daemons.push(noLog);
    await noLog.waitForLog(msg('seed snapshot applied'), 'the seed snapshot');

    // ---- Responses recorded for the echo server, and a check of every decision. Each request is asked twice of
    // both daemons before measuring: the decision cache keeps a file from its second ask.
    const responses = join(ws.dir, 'responses.bin');
    let record: RecordOutput | undefined;
    for (const [socket, out] of [
      [socketPath, join(ws.dir, 'responses-first.bin')],
      [socketPath, responses],
      [noLogSocket, join(ws.dir, 'nolog-first.bin')],
      [noLogSocket, join(ws.dir, 'nolog-second.bin')],
    ] as const) {
      const recorded = await runLoad<RecordOutput>({ mode: 'record', socket, frames, out, window: PIPELINE_WINDOW });
      if (recorded.wrongIds > 0 || recorded.kinds['decision'] !== world.requests) {
        throw new Error(`the daemon answered ${JSON.stringify(recorded.kinds)} with ${recorded.wrongIds} wrong ids`);
      }
      if (out === responses) record = recorded;
    }
    if (record === undefined) throw new Error('no responses were recorded for the echo server');
    const echoSocket = join(ws.dir, 'echo.sock');
    const echo = spawnNode(helperProgram('echo-server'), [
      JSON.stringify({ socket: echoSocket, responses, maxFrameBytes }),
    ]);
    daemons.push(echo);
    await echo.waitForLog(msg('listening'), 'listening');

    // ---- Round trips and pipelined throughput: daemon, echo and daemon without log, alternating.
    const socketRounds: SocketRound[] = [];
    for (let r = 0; r < rounds; r++) {
      const before = loadAverage();
      const offset = (r * 3_331) % world.requests;
      const latencyJob = (socket: string): LoadJob => ({
        mode: 'latency',
        socket,
        frames,
        warmup: 2_000,
        minSamples: 5_000,
        maxSamples: 200_000,
        budgetMs: opts.budgetMs,
        offset,
      });
      const throughputJob = (socket: string): LoadJob => ({
        mode: 'throughput',
        socket,
        frames,
        window: PIPELINE_WINDOW,
        warmupMs: 300,
        budgetMs: opts.budgetMs,
        offset,
      });
      log(`daemon: round ${r + 1}/${rounds}: sequential round trips`);
      const daemonLatency = await runLoad<LatencyOutput>(latencyJob(socketPath));
      const echoLatency = await runLoad<LatencyOutput>(latencyJob(echoSocket));
      const noLogLatency = await runLoad<LatencyOutput>(latencyJob(noLogSocket));
      log(`daemon: round ${r + 1}/${rounds}: pipelined, ${PIPELINE_WINDOW} in flight`);
      const daemonThroughput = await withCpu<ThroughputOutput>(daemon.pid, throughputJob(socketPath));
      const echoThroughput = await withCpu<ThroughputOutput>(echo.pid, throughputJob(echoSocket));
      const noLogThroughput = await withCpu<ThroughputOutput>(noLog.pid, throughputJob(noLogSocket));
      log(`daemon: round ${r + 1}/${rounds}: pipelined, files never asked before`);
      const firstSeenThroughput = await withCpu<ThroughputOutput>(daemon.pid, {
        mode: 'throughput',
        socket: socketPath,
        frames: freshFrames[r] as string,
        window: PIPELINE_WINDOW,
        warmupMs: FIRST_SEEN_WARMUP_MS,
        budgetMs: opts.budgetMs,
        offset: 0,
        once: true,
      });
      const outputs = [
        daemonLatency,
        echoLatency,
        noLogLatency,
        daemonThroughput.output,
        echoThroughput.output,
        noLogThroughput.output,
        firstSeenThroughput.output,
      ];
      for (const out of outputs) {
        if (out.notDecisions > 0) throw new Error(`${out.notDecisions} responses were not decisions`);
      }
      // The CPU is read around the whole run (its warm-up too): divided by every response of the run.
      const perDecision = (cpuMs: number | null, n: number): number | null =>
        cpuMs === null ? null : (cpuMs * 1000) / n;
      socketRounds.push({
        daemonLatency,
        echoLatency,
        noLogLatency,
        daemonThroughput: daemonThroughput.output,
        echoThroughput: echoThroughput.output,
        noLogThroughput: noLogThroughput.output,
        firstSeenThroughput: firstSeenThroughput.output,
        daemonCpuUsPerDecision: perDecision(daemonThroughput.cpuMs, daemonThroughput.output.answered),
        echoCpuUsPerResponse: perDecision(echoThroughput.cpuMs, echoThroughput.output.answered),
        noLogCpuUsPerDecision: perDecision(noLogThroughput.cpuMs, noLogThroughput.output.answered),
        firstSeenCpuUsPerDecision: perDecision(firstSeenThroughput.cpuMs, firstSeenThroughput.output.answered),
        loadAverage: [before, loadAverage()],
      });
      log(
        `daemon: round ${r + 1}: daemon p50 ${formatMicros(daemonLatency.p50Us)} µs p99 ${formatMicros(daemonLatency.p99Us)} µs ` +
          `${formatInt(daemonThroughput.output.perSecond)}/s; echo p50 ${formatMicros(echoLatency.p50Us)} µs ` +
          `p99 ${formatMicros(echoLatency.p99Us)} µs ${formatInt(echoThroughput.output.perSecond)}/s; ` +
          `without decision log ${formatInt(noLogThroughput.output.perSecond)}/s; ` +
          `files never asked before ${formatInt(firstSeenThroughput.output.perSecond)}/s`,
      );
    }
    const memory = procMemory(daemon.pid);
    await echo.stop();
    await noLog.stop();
    const stopped = await daemon.stop();
    if (stopped.code !== 0) throw new Error(`the daemon exited with ${stopped.code ?? stopped.signal}`);

    const med = (f: (r: SocketRound) => number): number => median(socketRounds.map(f));
    const data: DaemonSizeData = {
      policies,
      rounds,
      viewPolicies: world.viewPolicies,
      applications: world.applications,
      snapshotBytes: world.snapshotBytes,
      requests: world.requests,
      worldBuildViewMs: world.buildViewMs,
      worldSealMs: world.sealMs,
      worldMaxRssBytes: world.maxRssBytes,
      record,
      firstSeenPerRound: FIRST_SEEN_PER_ROUND,
      seedApplyMs,
      applyRunsMs,
      applyMs: median(applyRunsMs),
      socketRounds,
      daemonLatencyP50Us: med((r) => r.daemonLatency.p50Us),
      daemonLatencyP99Us: med((r) => r.daemonLatency.p99Us),
      echoLatencyP50Us: med((r) => r.echoLatency.p50Us),
      echoLatencyP99Us: med((r) => r.echoLatency.p99Us),
      daemonPerSecond: med((r) => r.daemonThroughput.perSecond),
      firstSeenPerSecond: med((r) => r.firstSeenThroughput.perSecond),
      echoPerSecond: med((r) => r.echoThroughput.perSecond),
      echoShare: 0,
      firstSeenEchoShare: 0,
      applierMemory,
      memory,
      peakRssBytes: Math.max(applierMemory?.peakRssBytes ?? Number.NaN, memory?.peakRssBytes ?? Number.NaN),
      warmStarts,
      warmStartMs: median(warmStarts.map((w) => w.firstAnswerMs)),
      bareStarts,
      bareStartMs: median(bareStarts.map((b) => b.firstAnswerMs)),
      shapes: world.shapes,
      loadAverage: [loadBefore, loadAverage()],
      preparationMs,
    };
    data.echoShare = data.daemonPerSecond / data.echoPerSecond;
    data.firstSeenEchoShare = data.firstSeenPerSecond / data.echoPerSecond;
    return data;
  } finally {
    for (const child of daemons) await child.stop();
    ws.cleanup();
  }
}

/** Every size of --daemon-policies in turn; a size that fails is reported as failed and the next one still runs. */
export async function benchDaemon(opts: DaemonBenchOptions): Promise<Section> {
  const sizes: DaemonSizeResult[] = [];
  for (const policies of opts.sizes) {
    const partial: Partial<DaemonSizeData> = {};
    try {
      sizes.push(await benchDaemonSize(policies, opts, partial));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      opts.log(`daemon: ${formatInt(policies)} policies FAILED: ${message}`);
      sizes.push({ policies, error: message.slice(0, 2_000), partial });
    }
  }
  return render({ sizes }, opts);
}

/** The figures the targets are judged on, at one size (NaN: not measured). */
export interface DaemonTargetFigures {
  policies: number;
  warmStartMs: number;
  bareStartMs: number;
  applyMs: number;
  peakRssBytes: number;
  firstSeenEchoShare: number;
  echoShare: number;
  daemonLatencyP99Us: number;
  echoLatencyP99Us: number;
  /** First-evaluation engine p99 of each rule shape (SHAPE_TARGET_POLICIES only), or null when not measured. */
  shapeP99Us: { shape: string; p99Us: number }[] | null;
}

function status(ok: boolean, measured: number, judged: boolean): TargetResult['status'] {
  if (!judged) return 'SKIP';
  return Number.isNaN(measured) ? 'FAIL' : ok ? 'PASS' : 'FAIL';
}

/**
 * The targets of issue 12 at one view size, each with its limit and PASS or
 * FAIL; SKIP at sizes the issue names no target for. A figure that was not
 * measured (NaN) fails.
 */
export function daemonTargetResults(f: DaemonTargetFigures): TargetResult[] {
  const at = `at ${formatInt(f.policies)} policies`;
  const sized = DAEMON_SIZE_TARGETS.get(f.policies);
  const judged = sized !== undefined;
  const shown = (v: number, text: (v: number) => string): string => (Number.isNaN(v) ? 'not measured' : text(v));
  const warmRatio = f.warmStartMs / f.bareStartMs;
  const p99Ratio = f.daemonLatencyP99Us / f.echoLatencyP99Us;
  const results: TargetResult[] = [
    {
      target: `warm start ÷ bare node spawn-to-answer ${at} (medians)`,
      limit: sized === undefined ? 'none at this size' : `<= ${formatRatio(sized.warmStartRatio)}`,
      measured: shown(warmRatio, (v) => `${formatRatio(v)} (${fmtMs(f.warmStartMs)} ÷ ${fmtMs(f.bareStartMs)})`),
      status: status(warmRatio <= (sized?.warmStartRatio ?? 0), warmRatio, judged),
    },
    {
      target: `snapshot apply over the socket ${at} (median)`,
      limit: sized === undefined ? 'none at this size' : `< ${formatInt(sized.applyMs)} ms`,
      measured: shown(f.applyMs, fmtMs),
      status: status(f.applyMs < (sized?.applyMs ?? 0), f.applyMs, judged),
    },
    {
      target: `daemon peak RSS (VmHWM) ${at}`,
      limit: sized === undefined ? 'none at this size' : `< ${fmtMB(sized.peakRssBytes)}`,
      measured: shown(f.peakRssBytes, fmtMB),
      status: status(f.peakRssBytes < (sized?.peakRssBytes ?? 0), f.peakRssBytes, judged),
    },
    {
      target: `pipelined decisions/s ÷ echo ceiling, files never asked before (not cache hits) ${at}`,
      limit: `>= ${formatInt(TARGET_FIRST_SEEN_ECHO_SHARE * 100)}%`,
      measured: shown(f.firstSeenEchoShare, (v) => `${formatFixed(v * 100, 1)}%`),
      status: status(f.firstSeenEchoShare >= TARGET_FIRST_SEEN_ECHO_SHARE, f.firstSeenEchoShare, judged),
    },
    {
      target: `pipelined decisions/s ÷ echo ceiling, repeated files (cache hits) ${at}`,
      limit: `>= ${formatInt(TARGET_REPEATED_ECHO_SHARE * 100)}%`,
      measured: shown(f.echoShare, (v) => `${formatFixed(v * 100, 1)}%`),
      status: status(f.echoShare >= TARGET_REPEATED_ECHO_SHARE, f.echoShare, judged),
    },
    {
      target: `sequential round trip p99 ÷ echo p99, repeated files (cache hits) ${at}`,
      limit: `<= ${formatRatio(TARGET_P99_ECHO_RATIO)}`,
      measured: shown(p99Ratio, formatRatio),
      status: status(p99Ratio <= TARGET_P99_ECHO_RATIO, p99Ratio, judged),
    },
  ];
  if (f.policies === SHAPE_TARGET_POLICIES) {
    const shapes = f.shapeP99Us ?? [{ shape: 'every shape', p99Us: Number.NaN }];
    for (const { shape, p99Us } of shapes) {
      results.push({
        target: `engine p99 per decision (decide + answer frame), rule shape "${shape}", first evaluation ${at}`,
        limit: `<= ${formatInt(SHAPE_TARGET_P99_US)} µs`,
        measured: shown(p99Us, (v) => `${formatMicros(v)} µs`),
        status: status(p99Us <= SHAPE_TARGET_P99_US, p99Us, true),
      });
    }
  }
  return results;
}

/** The target figures of a measured size. */
export function targetFigures(d: DaemonSizeData): DaemonTargetFigures {
  return {
    policies: d.policies,
    warmStartMs: d.warmStartMs,
    bareStartMs: d.bareStartMs,
    applyMs: d.applyMs,
    peakRssBytes: d.peakRssBytes,
    firstSeenEchoShare: d.firstSeenEchoShare,
    echoShare: d.echoShare,
    daemonLatencyP99Us: d.daemonLatencyP99Us,
    echoLatencyP99Us: d.echoLatencyP99Us,
    shapeP99Us:
      d.shapes === null
        ? null
        : d.shapes.shapes.filter((s) => s.shape !== 'all').map((s) => ({ shape: s.shape, p99Us: s.first.p99Us })),
  };
}

/** The figures of a size that failed: those taken before it did; the others fail their targets. */
function failedFigures(policies: number, partial: Partial<DaemonSizeData>): DaemonTargetFigures {
  const nan = Number.NaN;
  const applyRuns = partial.applyRunsMs ?? [];
  const warm = partial.warmStarts ?? [];
  const bare = partial.bareStarts ?? [];
  const shapes = partial.shapes ?? null;
  return {
    policies,
    warmStartMs: nan,
    bareStartMs: nan,
    applyMs: nan,
    peakRssBytes: nan,
    firstSeenEchoShare: nan,
    echoShare: nan,
    daemonLatencyP99Us: nan,
    echoLatencyP99Us: nan,
    shapeP99Us:
      shapes === null
        ? null
        : shapes.shapes.filter((x) => x.shape !== 'all').map((x) => ({ shape: x.shape, p99Us: x.first.p99Us })),
    ...(applyRuns.length === 0 ? {} : { applyMs: median(applyRuns) }),
    ...(warm.length === 0 || bare.length === 0
      ? {}
      : {
          warmStartMs: median(warm.map((w) => w.firstAnswerMs)),
          bareStartMs: median(bare.map((b) => b.firstAnswerMs)),
        }),
  };
}

function isFailure(result: DaemonSizeResult): result is DaemonSizeFailure {
  return 'error' in result;
}

function sizeTables(d: DaemonSizeData): Section['tables'] {
  const at = `${formatInt(d.policies)} policies`;
  const cpu = (v: number | null): string => (v === null ? 'n/a' : formatFixed(v, 2));
  const medOf = (f: (r: SocketRound) => number | null): number | null => {
    const values = d.socketRounds.map(f).filter((v): v is number => v !== null);
    return values.length === 0 ? null : median(values);
  };
  const daemonCpu = medOf((r) => r.daemonCpuUsPerDecision);
  const echoCpu = medOf((r) => r.echoCpuUsPerResponse);
  const noLogCpu = medOf((r) => r.noLogCpuUsPerDecision);
  const firstSeenCpu = medOf((r) => r.firstSeenCpuUsPerDecision);
  const noLogP50 = medOf((r) => r.noLogLatency.p50Us) ?? Number.NaN;
  const noLogP99 = medOf((r) => r.noLogLatency.p99Us) ?? Number.NaN;
  const noLogPerSecond = medOf((r) => r.noLogThroughput.perSecond) ?? Number.NaN;
  const warm = d.warmStarts;
  const bare = d.bareStarts;
  const mb = (m: ProcMemory | null | undefined, key: keyof ProcMemory): string => (m ? fmtMB(m[key]) : 'n/a');
  const runs = (values: number[]): string => `${values.map((v) => formatInt(v)).join(', ')} ms`;
  const tables: Section['tables'] = [
    {
      title: `Round trips on the Unix socket at ${at} (medians of ${d.rounds} rounds)`,
      headers: [
        'server',
        'sequential p50 µs',
        'sequential p99 µs',
        'pipelined decisions/s',
        'server CPU µs per answer',
      ],
      rows: [
        [
          'tollgate daemon, repeated files (decision cache hits)',
          formatMicros(d.daemonLatencyP50Us),
          formatMicros(d.daemonLatencyP99Us),
          `${formatInt(d.daemonPerSecond)} (${formatFixed(d.echoShare * 100, 1)}%)`,
          cpu(daemonCpu),
        ],
        [
          'tollgate daemon, files never asked before (engine, not cache hits; pipelined only)',
          '',
          '',
          `${formatInt(d.firstSeenPerSecond)} (${formatFixed(d.firstSeenEchoShare * 100, 1)}%)`,
          cpu(firstSeenCpu),
        ],
        [
          'bare Node echo (ceiling)',
          formatMicros(d.echoLatencyP50Us),
          formatMicros(d.echoLatencyP99Us),
          `${formatInt(d.echoPerSecond)} (100%)`,
          cpu(echoCpu),
        ],
        [
          'daemon (repeated) ÷ echo',
          formatRatio(d.daemonLatencyP50Us / d.echoLatencyP50Us),
          formatRatio(d.daemonLatencyP99Us / d.echoLatencyP99Us),
          `${formatFixed(d.echoShare * 100, 1)}%`,
          daemonCpu === null || echoCpu === null ? 'n/a' : formatRatio(daemonCpu / echoCpu),
        ],
        [
          'daemon without decision log, repeated files (info)',
          formatMicros(noLogP50),
          formatMicros(noLogP99),
          `${formatInt(noLogPerSecond)} (${formatFixed((noLogPerSecond / d.echoPerSecond) * 100, 1)}%)`,
          cpu(noLogCpu),
        ],
      ],
      align: ['left', 'right', 'right', 'right', 'right'],
    },
    {
      title: `Snapshot, start and memory at ${at}`,
      headers: ['figure', 'value', 'runs'],
      rows: [
        ['snapshot apply over the socket (median)', fmtMs(d.applyMs), runs(d.applyRunsMs)],
        ['seed snapshot apply at start (daemon logs)', fmtMs(d.seedApplyMs), ''],
        [
          'warm start: spawn to first answered decision (median)',
          fmtMs(d.warmStartMs),
          runs(warm.map((w) => w.firstAnswerMs)),
        ],
        [
          'bare node: spawn to first answered frame (median)',
          fmtMs(d.bareStartMs),
          runs(bare.map((b) => b.firstAnswerMs)),
        ],
        ['warm start ÷ bare node', formatRatio(d.warmStartMs / d.bareStartMs), ''],
        [
          'warm start: spawn to socket accepting',
          fmtMs(median(warm.map((w) => w.acceptMs))),
          runs(warm.map((w) => w.acceptMs)),
        ],
        [
          'warm start: spawn to "serving" log line',
          fmtMs(median(warm.map((w) => w.servingLogMs))),
          runs(warm.map((w) => w.servingLogMs)),
        ],
        [`peak RSS (VmHWM): seed + ${APPLY_RUNS} applies over the socket`, mb(d.applierMemory, 'peakRssBytes'), ''],
        ['peak RSS (VmHWM): warm start + every round of load', mb(d.memory, 'peakRssBytes'), ''],
        ['RSS at the end of the load', mb(d.memory, 'rssBytes'), ''],
        [
          'peak RSS of a warm-started daemon after its first answer (median)',
          warm.every((w) => w.memory !== null) ? fmtMB(median(warm.map((w) => w.memory?.peakRssBytes ?? 0))) : 'n/a',
          '',
        ],
        [
          'peak RSS of the bare node process after its first answer (median)',
          bare.every((b) => b.memory !== null) ? fmtMB(median(bare.map((b) => b.memory?.peakRssBytes ?? 0))) : 'n/a',
          '',
        ],
      ],
      align: ['left', 'right', 'right'],
    },
    {
      title: `Rounds at ${at}`,
      headers: [
        'round',
        'daemon p50 µs',
        'daemon p99 µs',
        'echo p50 µs',
        'echo p99 µs',
        'daemon repeated decisions/s',
        'echo responses/s',
        'daemon without log decisions/s',
        'daemon first-seen decisions/s',
        'latency samples (daemon / echo)',
        'load avg (before / after)',
      ],
      rows: d.socketRounds.map((r, i) => [
        String(i + 1),
        formatMicros(r.daemonLatency.p50Us),
        formatMicros(r.daemonLatency.p99Us),
        formatMicros(r.echoLatency.p50Us),
        formatMicros(r.echoLatency.p99Us),
        formatInt(r.daemonThroughput.perSecond),
        formatInt(r.echoThroughput.perSecond),
        formatInt(r.noLogThroughput.perSecond),
        formatInt(r.firstSeenThroughput.perSecond),
        `${formatInt(r.daemonLatency.samples)} / ${formatInt(r.echoLatency.samples)}`,
        `${formatFixed(r.loadAverage[0], 1)} / ${formatFixed(r.loadAverage[1], 1)}`,
      ]),
      align: ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
    },
  ];
  if (d.shapes !== null) tables.push(shapeTable(d.shapes, at));
  return tables;
}

function shapeTable(shapes: ShapeSizeResult, at: string): Section['tables'][number] {
  const floor = shapes.floor;
  return {
    title: `Engine latency per rule shape over the daemon's view at ${at} (µs, one decision each, no cache; first and repeated: decide + answer frame, as the daemon answers a file not cached)`,
    headers: [
      'shape of the matching rule',
      'requests',
      'first p50',
      'first p99',
      'repeated p50',
      'repeated p99',
      'evaluate first p50',
      'evaluate first p99',
    ],
    rows: [
      ...shapes.shapes.map((s) => [
        s.shape === 'all' ? '**all shapes**' : s.shape,
        formatInt(s.requests),
        formatMicros(s.first.p50Us),
        formatMicros(s.first.p99Us),
        formatMicros(s.repeated.p50Us),
        formatMicros(s.repeated.p99Us),
        formatMicros(s.objects.first.p50Us),
        formatMicros(s.objects.first.p99Us),
      ]),
      ...FLOOR_KINDS.flatMap((kind) => {
        const f = floor?.find((x) => x.kind === kind);
        return f === undefined
          ? []
          : [[floorRow(kind), formatInt(f.samples), formatMicros(f.p50Us), formatMicros(f.p99Us), '', '', '', '']];
      }),
    ],
    align: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
  };
}

function render(data: DaemonBenchData, opts: DaemonBenchOptions): Section {
  const targets: TargetResult[] = [];
  const tables: Section['tables'] = [];
  const notes: string[] = [];
  for (const size of data.sizes) {
    if (isFailure(size)) {
      targets.push(...daemonTargetResults(failedFigures(size.policies, size.partial)));
      const p = size.partial;
      const taken = [
        p.snapshotBytes === undefined ? null : `snapshot ${fmtMB(p.snapshotBytes)} signed`,
        p.worldSealMs === undefined ? null : `sealed in ${runsText(p.worldSealMs)}`,
        p.seedApplyMs === undefined ? null : `seed snapshot applied in ${fmtMs(p.seedApplyMs)} (daemon logs)`,
        p.applyRunsMs === undefined ? null : `applies over the socket ${runsText(p.applyRunsMs)}`,
        p.applierMemory === undefined || p.applierMemory === null
          ? null
          : `applier peak RSS ${fmtMB(p.applierMemory.peakRssBytes)}`,
      ].filter((t): t is string => t !== null);
      notes.push(
        `FAILED at ${formatInt(size.policies)} policies: ${size.error}` +
          (taken.length === 0 ? '' : `; taken before the failure: ${taken.join('; ')}`),
      );
      if (p.shapes !== undefined && p.shapes !== null)
        tables.push(shapeTable(p.shapes, `${formatInt(size.policies)} policies`));
      continue;
    }
    targets.push(...daemonTargetResults(targetFigures(size)));
    tables.push(...sizeTables(size));
    notes.push(
      `At ${formatInt(size.policies)} policies: ${formatInt(size.viewPolicies)} policies and ${formatInt(size.applications)} ` +
        `applications in the computer's view, ${fmtMB(size.snapshotBytes)} signed (protobuf); the world's process built the ` +
        `view in ${fmtMs(size.worldBuildViewMs)} and sealed each snapshot in ${runsText(size.worldSealMs)} ` +
        `(peak RSS ${fmtMB(size.worldMaxRssBytes)}); ${formatInt(size.requests)} synthetic requests cycled, responses ` +
        `${formatInt(size.record.responseBytes.min)} to ${formatInt(size.record.responseBytes.max)} bytes; ` +
        `load average before / after ${formatFixed(size.loadAverage[0], 1)} / ${formatFixed(size.loadAverage[1], 1)}.`,
    );
  }
  const sizes = data.sizes.map((s) => formatInt(s.policies)).join(' and ');
  notes.push(
    `Cache hits: every measured request of the sequential runs and of the "repeated files" pipelined runs is a decision ` +
      `cache hit (each of the cycled requests was answered twice before measuring, the decision cache keeping a file ` +
      `from its second ask; still read, looked up, counted, logged and written per request). "Files never asked ` +
      `before" are not cache hits: in each round, up to ${formatInt(FIRST_SEEN_PER_ROUND)} other synthetic requests of ` +
      `the same world, each sent once with ${PIPELINE_WINDOW} in flight, each decided by the engine, logged and written ` +
      `(not cached: asked once). Both pipelined figures are judged against the same echo ceiling.`,
    `Round trips and throughput come from a separate load-generator process (one connection, every response decoded); ` +
      `the echo server is another process that answers each request with the daemon's recorded response to it (same ` +
      `sizes, no work). Rounds alternate daemon, echo, daemon without decision log and daemon on files never asked ` +
      `before (${opts.rounds} rounds below ${formatInt(LARGE_DAEMON_POLICIES)} policies, --large-rounds ` +
      `${opts.largeRounds} from it); medians are shown. Round trip = write of the request frame to the decoded ` +
      `response, one in flight, after 2,000 warm-up requests; pipelined = ${PIPELINE_WINDOW} requests in flight for ` +
      `${formatInt(opts.budgetMs)} ms after 300 ms of warm-up.`,
    `Apply = the applySnapshot request (what \`tollgate snapshot apply\` sends) timed by the client over the admin ` +
      `socket, to a daemon holding the previous version: verify, decode, compile, store, answer.`,
    `Warm start = spawn of \`tollgate daemon --config FILE\` on the data directory holding the snapshot (and ` +
      `${APPLY_RUNS} previous ones) to the first decision received; the bare node baseline (bare-node.ts: node:net ` +
      `only, answers each frame with the daemon's recorded decision) is spawned the same way on the same socket path, ` +
      `alternating with the daemon, ${WARM_START_RUNS} times each; the client polls the socket every millisecond.`,
    `Engine per rule shape (at ${formatInt(SHAPE_TARGET_POLICIES)} policies), over the daemon's view: ` +
      `${shapeNote(opts.shapeRequests)} The target is judged on "first".`,
    `Sizes measured: ${sizes} policies, on ${os.availableParallelism()} cores.`,
  );
  const busiest = Math.max(
    0,
    ...data.sizes.flatMap((s) =>
      isFailure(s) ? [] : [...s.loadAverage, ...s.socketRounds.flatMap((r) => r.loadAverage)],
    ),
  );
  if (busiest > os.availableParallelism() * 0.75) {
    notes.push(
      `WARNING: the load average reached ${formatFixed(busiest, 1)} on ${os.availableParallelism()} cores: ` +
        'the daemon, the load generator and other processes competed for the CPU, so the figures are pessimistic.',
    );
  }
  return {
    id: 'daemon',
    title: `Daemon: the local socket at ${sizes} policies`,
    tables,
    targets,
    notes,
    data,
  };
}

function runsText(values: number[]): string {
  return `${values.map((v) => formatInt(v)).join(', ')} ms`;
}
