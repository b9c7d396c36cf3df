/**
 * The daemon section: the real `tollgate daemon` as a child process holding
 * a signed snapshot of a synthetic world (100,000 policies by default), and
 * what a local client sees of it:
 *
 * - sequential round trips (one request in flight) and pipelined decisions
 *   per second (a sliding window of requests in flight on one connection),
 *   measured by a separate load-generator process (socket-load.ts), and the
 *   same two figures, in the same run, for a bare Node echo server
 *   (echo-server.ts) answering with the daemon's own response frames: the
 *   ceiling of Node on a Unix socket;
 * - the time to apply a snapshot over the socket (`applySnapshot`, the
 *   request `tollgate snapshot apply` sends) to a daemon that holds an older
 *   version, and the seed snapshot's apply at start, from the daemon's logs;
 * - the time from spawn to the first answered request when the data
 *   directory already holds the snapshot (the warm cache);
 * - the daemon's peak resident memory (VmHWM), read before it is stopped.
 */
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type Socket, createConnection } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { LocalClient } from '../../src/local/client.js';
import { serializeScenario } from '../../src/scenario/load.js';
import { FrameDecoder, encodeFrame } from '../../src/wire/framing.js';
import { decodeResponse, encodeRequest } from '../../src/wire/local-api.js';
import { formatFixed, formatInt, formatMicros, formatRatio } from '../lib/stats.js';
import { syntheticWorld } from '../lib/synthetic-world.js';
import { collectGarbage, median } from './measure.js';
import {
  type ChildHandle,
  type ProcMemory,
  cli,
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

/** The targets of the daemon issue, checked at this many policies. */
export const DAEMON_TARGET_POLICIES = 100_000;
export const TARGET_ROUND_TRIP_P99_US = 200;
/** Sequential round trip p99, daemon ÷ echo, at most. */
export const TARGET_P99_ECHO_RATIO = 2;
/** Pipelined decisions per second ÷ the echo ceiling, at least: files never asked before, and repeated files. */
export const TARGET_FIRST_SEEN_ECHO_SHARE = 0.5;
export const TARGET_REPEATED_ECHO_SHARE = 0.8;
export const TARGET_APPLY_MS = 2_000;
export const TARGET_WARM_START_MS = 1_000;
export const TARGET_PEAK_RSS_BYTES = 250 * 1_000_000;

/** Requests in flight in the pipelined runs. */
export const PIPELINE_WINDOW = 256;
/** Files never asked before, per round: each round's first-seen run sends each of its own at most once. */
const FIRST_SEEN_PER_ROUND = 60_000;
/** Warm-up of a first-seen run (its requests are first-seen too). */
const FIRST_SEEN_WARMUP_MS = 100;
/** Snapshots applied over the socket (versions 2, 3, ...); the median is reported. */
const APPLY_RUNS = 3;
/** Warm starts; the median is reported. */
const WARM_START_RUNS = 3;
/** Frame limit of the benchmark's daemon: a 100,000-policy snapshot (about 24 MB) must fit in one request. */
const MAX_FRAME_BYTES = 256 * 1024 * 1024;

export interface DaemonBenchOptions extends SectionOptions {
  /** Policies of the synthetic world whose snapshot the daemon holds. */
  policies: number;
  seed: number;
  /** Synthetic requests (the load cycles through them). */
  requests: number;
  /** Wall-clock budget of each latency or throughput run, ms. */
  budgetMs: number;
  /** Rounds of (daemon, echo) latency and throughput runs, alternating; medians are reported. */
  rounds: number;
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

export interface WarmStart {
  /** Spawn to the socket accepting a connection, ms. */
  acceptMs: number;
  /** Spawn to the first decision received, ms. */
  firstAnswerMs: number;
  /** Spawn to the daemon's "serving" log line (pino time, ms resolution). */
  servingLogMs: number;
  memory: ProcMemory | null;
}

export interface DaemonBenchData {
  policies: number;
  viewPolicies: number;
  snapshotBytes: number;
  requests: number;
  record: RecordOutput;
  /** Files never asked before in each round's first-seen run (at most). */
  firstSeenPerRound: number;
  /** Snapshot v1 given as seedSnapshot: "serving" to "seed snapshot applied", ms (logs). */
  seedApplyMs: number;
  /** applySnapshot round trips over the socket, versions 2.., ms. */
  applyRunsMs: number[];
  applyMs: number;
  rounds: SocketRound[];
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
  loadAverage: [number, number];
  preparationMs: number;
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

/** Sends one request frame and resolves with the decoded response. */
function roundTrip(socket: Socket, frame: Buffer): Promise<ReturnType<typeof decodeResponse>> {
  return new Promise((resolve, reject) => {
    const decoder = new FrameDecoder(16 * 1024 * 1024);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      const frames = decoder.push(chunk);
      if (frames.length > 0) resolve(decodeResponse(frames[0] as Buffer));
    });
    socket.write(frame);
  });
}

/**
 * Spawns the daemon on a data directory that already holds the snapshot,
 * connects as soon as the socket accepts (polling every millisecond) and
 * times the first decision.
 */
async function warmStart(configFile: string, socketPath: string, frame: Buffer, version: number): Promise<WarmStart> {
  const daemon = spawnTollgate(['daemon', '--config', configFile]);
  try {
    let exited = false;
    void daemon.exited.then(() => (exited = true));
    let socket: Socket | undefined;
    const deadline = performance.now() + 120_000;
    while (socket === undefined) {
      if (performance.now() > deadline) throw new Error('warm start: the socket did not accept within 120 s');
      if (exited) await daemon.waitForLog(() => false, 'answering');
      try {
        socket = await connectOnce(socketPath);
      } catch {
        await sleep(1);
      }
    }
    const acceptMs = performance.now() - daemon.spawnedAt;
    const response = await roundTrip(socket, frame);
    const firstAnswerMs = performance.now() - daemon.spawnedAt;
    socket.destroy();
    if (response.kind !== 'decision')
      throw new Error(`warm start: the first answer is ${response.kind}, not a decision`);
    if (response.decision.snapshotVersion !== version) {
      throw new Error(`warm start: answered from snapshot ${response.decision.snapshotVersion}, not ${version}`);
    }
    const serving = await daemon.waitForLog(msg('serving'), 'serving');
    const memory = procMemory(daemon.pid);
    return { acceptMs, firstAnswerMs, servingLogMs: logTime(serving) - daemon.spawnedAtEpochMs, memory };
  } finally {
    await daemon.stop();
  }
}

function fmtMs(ms: number): string {
  return `${formatFixed(ms, ms < 100 ? 1 : 0)} ms`;
}

function fmtMB(bytes: number): string {
  return `${formatFixed(bytes / 1_000_000, 1)} MB`;
}

function check(target: string, limit: string, measured: string, ok: boolean | null): TargetResult {
  return { target, limit, measured, status: ok === null ? 'SKIP' : ok ? 'PASS' : 'FAIL' };
}

export async function benchDaemon(opts: DaemonBenchOptions): Promise<Section> {
  const { log } = opts;
  const loadBefore = loadAverage();
  const prepStart = performance.now();
  const ws = workspace('daemon');
  const daemons: ChildHandle[] = [];
  try {
    // ---- The world, its scenario file, keys and signed snapshots (through the CLI, in this process).
    log(`daemon: generating a world of ${formatInt(opts.policies)} policies`);
    // The load cycles through the first `requests`; each round then sends its own slice of the rest once,
    // for the rate of files the daemon has never been asked about (the world is the same either way).
    let synthetic: ReturnType<typeof syntheticWorld> | null = syntheticWorld({
      policies: opts.policies,
      seed: opts.seed,
      requests: opts.requests + opts.rounds * FIRST_SEEN_PER_ROUND,
    });
    const { computer } = synthetic;
    const requests = synthetic.requests.slice(0, opts.requests);
    const freshRequests = synthetic.requests.slice(opts.requests);
    const scenario = join(ws.dir, 'world.json');
    writeFileSync(scenario, serializeScenario(synthetic.world, 'json'));
    synthetic = null;
    collectGarbage();
    const keys = join(ws.dir, 'keys');
    await cli(['keygen', '--out', keys]);
    const privateKey = join(keys, 'tollgate-signing.key');
    const publicKey = join(keys, 'tollgate-signing.pub');
    const snapshots: string[] = [];
    let viewPolicies = 0;
    let snapshotBytes = 0;
    for (let version = 1; version <= 1 + APPLY_RUNS; version++) {
      log(`daemon: tollgate snapshot build, version ${version}`);
      const out = join(ws.dir, `snapshot-v${version}.bin`);
      const printed = await cli([
        'snapshot',
        'build',
        scenario,
        '--computer',
        computer,
        '--key',
        privateKey,
        '--version',
        String(version),
        '--out',
        out,
      ]);
      const match = /: (\d+) policies, (\d+) bytes/.exec(printed);
      viewPolicies = Number(match?.[1] ?? 0);
      snapshotBytes = Number(match?.[2] ?? 0);
      snapshots.push(out);
    }
    const frames = join(ws.dir, 'requests.bin');
    writeFileSync(
      frames,
      Buffer.concat(requests.map((file, i) => encodeFrame(encodeRequest({ id: i + 1, kind: 'evaluateFile', file })))),
    );
    const freshFrames: string[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      const file = join(ws.dir, `first-seen-${r + 1}.bin`);
      const slice = freshRequests.slice(r * FIRST_SEEN_PER_ROUND, (r + 1) * FIRST_SEEN_PER_ROUND);
      writeFileSync(
        file,
        Buffer.concat(slice.map((f, i) => encodeFrame(encodeRequest({ id: i + 1, kind: 'evaluateFile', file: f })))),
      );
      freshFrames.push(file);
    }
    const firstFrame = encodeFrame(
      encodeRequest({ id: 1, kind: 'evaluateFile', file: requests[0] ?? { path: 'C:\\a.exe' } }),
    );

    const socketPath = join(ws.dir, 'daemon.sock');
    const dataDir = join(ws.dir, 'daemon-data');
    const config = (name: string, extra: Record<string, unknown>): string => {
      const file = join(ws.dir, `${name}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          dataDir,
          computerId: computer,
          serverPublicKey: publicKey,
          socket: { path: socketPath, maxFrameBytes: MAX_FRAME_BYTES },
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
        serverPublicKey: publicKey,
        socket: { path: join(ws.dir, 'nolog.sock'), maxFrameBytes: MAX_FRAME_BYTES },
        logLevel: 'info',
        seedSnapshot: snapshots[snapshots.length - 1],
        decisionLog: { maxEntries: 0 },
      }),
    );
    const preparationMs = performance.now() - prepStart;

    // ---- The first daemon: seeded with v1, then given v2.. over the socket.
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
        log(`daemon: snapshot v${i + 1} applied over the socket in ${fmtMs(ms)}`);
      }
    } finally {
      client.close();
    }
    const version = snapshots.length;
    const applierMemory = procMemory(applier.pid);
    const applierStopped = await applier.stop();
    if (applierStopped.code !== 0)
      throw new Error(`the daemon exited with ${applierStopped.code ?? applierStopped.signal}`);

    // ---- Warm starts: the data directory holds the newest snapshot (and the previous ones).
    const warmStarts: WarmStart[] = [];
    for (let i = 0; i < WARM_START_RUNS; i++) {
      const run = await warmStart(warmConfig, socketPath, firstFrame, version);
      warmStarts.push(run);
      log(`daemon: warm start ${i + 1}/${WARM_START_RUNS}: first answer ${fmtMs(run.firstAnswerMs)} after spawn`);
    }

    // ---- The measured daemon (warm-started, default configuration), and the same without its decision log.
    const daemon = spawnTollgate(['daemon', '--config', warmConfig]);
    daemons.push(daemon);
    await daemon.waitForLog(msg('serving'), 'serving');
    const noLogSocket = join(ws.dir, 'nolog.sock');
    const noLog = spawnTollgate(['daemon', '--config', noLogConfig]);
    daemons.push(noLog);
    await noLog.waitForLog(msg('seed snapshot applied'), 'the seed snapshot');

    // ---- Responses recorded for the echo server, and a check of every decision.
    const responses = join(ws.dir, 'responses.bin');
    const record = await runLoad<RecordOutput>({
      mode: 'record',
      socket: socketPath,
      frames,
      out: responses,
      window: PIPELINE_WINDOW,
    });
    if (record.wrongIds > 0 || record.kinds['decision'] !== requests.length) {
      throw new Error(`the daemon answered ${JSON.stringify(record.kinds)} with ${record.wrongIds} wrong ids`);
    }
    const echoSocket = join(ws.dir, 'echo.sock');
    const echo = spawnNode(helperProgram('echo-server'), [
      JSON.stringify({ socket: echoSocket, responses, maxFrameBytes: MAX_FRAME_BYTES }),
    ]);
    daemons.push(echo);
    await echo.waitForLog(msg('listening'), 'listening');

    // ---- Round trips and pipelined throughput: daemon, echo and daemon without log, alternating.
    const rounds: SocketRound[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      const before = loadAverage();
      const offset = (r * 3_331) % requests.length;
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
      log(`daemon: round ${r + 1}/${opts.rounds}: sequential round trips`);
      const daemonLatency = await runLoad<LatencyOutput>(latencyJob(socketPath));
      const echoLatency = await runLoad<LatencyOutput>(latencyJob(echoSocket));
      const noLogLatency = await runLoad<LatencyOutput>(latencyJob(noLogSocket));
      log(`daemon: round ${r + 1}/${opts.rounds}: pipelined, ${PIPELINE_WINDOW} in flight`);
      const daemonThroughput = await withCpu<ThroughputOutput>(daemon.pid, throughputJob(socketPath));
      const echoThroughput = await withCpu<ThroughputOutput>(echo.pid, throughputJob(echoSocket));
      const noLogThroughput = await withCpu<ThroughputOutput>(noLog.pid, throughputJob(noLogSocket));
      log(`daemon: round ${r + 1}/${opts.rounds}: pipelined, files never asked before`);
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
      const perDecision = (cpuMs: number | null, n: number): number | null =>
        cpuMs === null ? null : (cpuMs * 1000) / n;
      rounds.push({
        daemonLatency,
        echoLatency,
        noLogLatency,
        daemonThroughput: daemonThroughput.output,
        echoThroughput: echoThroughput.output,
        noLogThroughput: noLogThroughput.output,
        firstSeenThroughput: firstSeenThroughput.output,
        daemonCpuUsPerDecision: perDecision(daemonThroughput.cpuMs, daemonThroughput.output.responses),
        echoCpuUsPerResponse: perDecision(echoThroughput.cpuMs, echoThroughput.output.responses),
        noLogCpuUsPerDecision: perDecision(noLogThroughput.cpuMs, noLogThroughput.output.responses),
        firstSeenCpuUsPerDecision: perDecision(firstSeenThroughput.cpuMs, firstSeenThroughput.output.responses),
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

    const med = (f: (r: SocketRound) => number): number => median(rounds.map(f));
    const data: DaemonBenchData = {
      policies: opts.policies,
      viewPolicies,
      snapshotBytes,
      requests: requests.length,
      record,
      firstSeenPerRound: FIRST_SEEN_PER_ROUND,
      seedApplyMs,
      applyRunsMs,
      applyMs: median(applyRunsMs),
      rounds,
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
      loadAverage: [loadBefore, loadAverage()],
      preparationMs,
    };
    data.echoShare = data.daemonPerSecond / data.echoPerSecond;
    data.firstSeenEchoShare = data.firstSeenPerSecond / data.echoPerSecond;
    return render(data, opts);
  } finally {
    for (const child of daemons) await child.stop();
    ws.cleanup();
  }
}

function render(d: DaemonBenchData, opts: DaemonBenchOptions): Section {
  const atTarget = d.policies === DAEMON_TARGET_POLICIES;
  const where = `at ${formatInt(DAEMON_TARGET_POLICIES)} policies`;
  const cpu = (v: number | null): string => (v === null ? 'n/a' : formatFixed(v, 2));
  const medOf = (f: (r: SocketRound) => number | null): number | null => {
    const values = d.rounds.map(f).filter((v): v is number => v !== null);
    return values.length === 0 ? null : median(values);
  };
  const daemonCpu = medOf((r) => r.daemonCpuUsPerDecision);
  const echoCpu = medOf((r) => r.echoCpuUsPerResponse);
  const noLogCpu = medOf((r) => r.noLogCpuUsPerDecision);
  const firstSeenCpu = medOf((r) => r.firstSeenCpuUsPerDecision);
  const noLogP50 = medOf((r) => r.noLogLatency.p50Us) ?? Number.NaN;
  const noLogP99 = medOf((r) => r.noLogLatency.p99Us) ?? Number.NaN;
  const noLogPerSecond = medOf((r) => r.noLogThroughput.perSecond) ?? Number.NaN;
  const peak = d.peakRssBytes;
  const warm = d.warmStarts;
  const mb = (m: ProcMemory | null | undefined, key: keyof ProcMemory): string => (m ? fmtMB(m[key]) : 'n/a');

  const targets: TargetResult[] = [
    check(
      `sequential round trip p99 ${where}`,
      `<= ${TARGET_ROUND_TRIP_P99_US} µs`,
      `${formatMicros(d.daemonLatencyP99Us)} µs`,
      atTarget ? d.daemonLatencyP99Us <= TARGET_ROUND_TRIP_P99_US : null,
    ),
    check(
      `sequential round trip p99 ÷ echo p99 ${where} (repeated files: cache hits)`,
      `<= ${formatRatio(TARGET_P99_ECHO_RATIO)}`,
      formatRatio(d.daemonLatencyP99Us / d.echoLatencyP99Us),
      atTarget ? d.daemonLatencyP99Us / d.echoLatencyP99Us <= TARGET_P99_ECHO_RATIO : null,
    ),
    check(
      `pipelined decisions/s ÷ echo ceiling, files never asked before ${where}`,
      `>= ${formatInt(TARGET_FIRST_SEEN_ECHO_SHARE * 100)}%`,
      `${formatFixed(d.firstSeenEchoShare * 100, 1)}%`,
      atTarget ? d.firstSeenEchoShare >= TARGET_FIRST_SEEN_ECHO_SHARE : null,
    ),
    check(
      `pipelined decisions/s ÷ echo ceiling, repeated files (cache hits) ${where}`,
      `>= ${formatInt(TARGET_REPEATED_ECHO_SHARE * 100)}%`,
      `${formatFixed(d.echoShare * 100, 1)}%`,
      atTarget ? d.echoShare >= TARGET_REPEATED_ECHO_SHARE : null,
    ),
    check(
      `snapshot apply over the socket ${where} (median)`,
      `< ${formatInt(TARGET_APPLY_MS)} ms`,
      fmtMs(d.applyMs),
      atTarget ? d.applyMs < TARGET_APPLY_MS : null,
    ),
    check(
      `warm start, spawn to first answer ${where} (median)`,
      `< ${formatInt(TARGET_WARM_START_MS)} ms`,
      fmtMs(d.warmStartMs),
      atTarget ? d.warmStartMs < TARGET_WARM_START_MS : null,
    ),
    check(
      `daemon peak RSS (VmHWM) ${where}`,
      `< ${fmtMB(TARGET_PEAK_RSS_BYTES)}`,
      Number.isNaN(peak) ? 'not measured' : fmtMB(peak),
      atTarget && !Number.isNaN(peak) ? peak < TARGET_PEAK_RSS_BYTES : null,
    ),
  ];

  const roundRows = d.rounds.map((r, i) => [
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
  ]);
  const runs = (values: number[]): string => `${values.map((v) => formatInt(v)).join(', ')} ms`;
  const notes = [
    `Snapshot: ${formatInt(d.viewPolicies)} policies in the computer's view, ${fmtMB(d.snapshotBytes)} signed (protobuf); ` +
      `${formatInt(d.requests)} synthetic requests, cycled; every one answered with a decision and its own id before measuring ` +
      `(responses ${formatInt(d.record.responseBytes.min)} to ${formatInt(d.record.responseBytes.max)} bytes), ` +
      `so every measured request of the sequential and "repeated" runs is a decision cache hit (still read, looked up, ` +
      `counted, logged and written per request: nothing is answered from stored bytes). "Files never asked before": in each ` +
      `round, up to ${formatInt(d.firstSeenPerRound)} other synthetic requests of the same world, each sent once with ` +
      `${PIPELINE_WINDOW} in flight, each read, decided by the engine, cached, logged and written.`,
    `Round trips and throughput come from a separate load-generator process (one connection, every response decoded); ` +
      `the echo server is another process that answers each request with the daemon's recorded response to it ` +
      `(same sizes, no work). ${opts.rounds} rounds alternate daemon, echo, daemon without decision log and daemon ` +
      `on files never asked before; medians are shown. Both pipelined daemon figures are judged against the same echo ceiling.`,
    `Round trip = write of the request frame to the decoded response, one in flight, after 2,000 warm-up requests; ` +
      `pipelined = ${PIPELINE_WINDOW} requests in flight, refilled as responses arrive, for ${formatInt(opts.budgetMs)} ms after 300 ms of warm-up.`,
    `The echo ceiling is bound by the load generator (decoding every response), not by the echo server, which spends ` +
      `about ${cpu(echoCpu)} µs of CPU per response.`,
    `"without decision log" is the same daemon with decisionLog.maxEntries: 0 (for information: it shows what logging ` +
      `every decision to SQLite costs); the targets are judged on the default configuration.`,
    `Apply = the applySnapshot request (what \`tollgate snapshot apply\` sends) timed by the client, ${fmtMB(d.snapshotBytes)} ` +
      `over the socket, to a daemon holding the previous version: verify, decode, compile, store (one SQLite transaction), answer.`,
    `Warm start = spawn of \`tollgate daemon\` on the data directory holding the snapshot (and ${APPLY_RUNS} previous ones) to the ` +
      `first decision received; the client polls the socket every millisecond.`,
    `Load average (1 min) before / after the section: ${formatFixed(d.loadAverage[0], 1)} / ${formatFixed(d.loadAverage[1], 1)} ` +
      `on ${os.availableParallelism()} cores.`,
  ];
  const busiest = Math.max(...d.loadAverage, ...d.rounds.flatMap((r) => r.loadAverage));
  if (busiest > os.availableParallelism() * 0.75) {
    notes.push(
      `WARNING: the load average reached ${formatFixed(busiest, 1)} on ${os.availableParallelism()} cores: ` +
        'the daemon, the load generator and other processes competed for the CPU, so the figures are pessimistic.',
    );
  }

  return {
    id: 'daemon',
    title: `Daemon: the local socket at ${formatInt(d.policies)} policies`,
    tables: [
      {
        title: 'Round trips on the Unix socket (medians of the rounds)',
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
            formatInt(d.daemonPerSecond),
            cpu(daemonCpu),
          ],
          [
            'bare Node echo (ceiling)',
            formatMicros(d.echoLatencyP50Us),
            formatMicros(d.echoLatencyP99Us),
            formatInt(d.echoPerSecond),
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
            'tollgate daemon, files never asked before (pipelined only)',
            '',
            '',
            `${formatInt(d.firstSeenPerSecond)} (${formatFixed(d.firstSeenEchoShare * 100, 1)}%)`,
            cpu(firstSeenCpu),
          ],
          [
            'daemon without decision log (info)',
            formatMicros(noLogP50),
            formatMicros(noLogP99),
            `${formatInt(noLogPerSecond)} (${formatFixed((noLogPerSecond / d.echoPerSecond) * 100, 1)}%)`,
            cpu(noLogCpu),
          ],
        ],
        align: ['left', 'right', 'right', 'right', 'right'],
      },
      {
        title: 'Snapshot, start and memory',
        headers: ['figure', 'value', 'runs'],
        rows: [
          ['snapshot apply over the socket (median)', fmtMs(d.applyMs), runs(d.applyRunsMs)],
          ['seed snapshot apply at start (daemon logs)', fmtMs(d.seedApplyMs), ''],
          ['warm start: spawn to first answer (median)', fmtMs(d.warmStartMs), runs(warm.map((w) => w.firstAnswerMs))],
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
          ['peak RSS (VmHWM): seed + 3 applies over the socket', mb(d.applierMemory, 'peakRssBytes'), ''],
          ['peak RSS (VmHWM): warm start + every round of load', mb(d.memory, 'peakRssBytes'), ''],
          ['RSS at the end of the load', mb(d.memory, 'rssBytes'), ''],
          [
            'peak RSS of a warm-started daemon after its first answer (median)',
            warm.every((w) => w.memory !== null) ? fmtMB(median(warm.map((w) => w.memory?.peakRssBytes ?? 0))) : 'n/a',
            '',
          ],
        ],
        align: ['left', 'right', 'right'],
      },
      {
        title: 'Rounds',
        headers: [
          'round',
          'daemon p50 µs',
          'daemon p99 µs',
          'echo p50 µs',
          'echo p99 µs',
          'daemon decisions/s',
          'echo responses/s',
          'daemon without log decisions/s',
          'daemon first-seen decisions/s',
          'latency samples (daemon / echo)',
          'load avg (before / after)',
        ],
        rows: roundRows,
        align: ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
      },
    ],
    targets,
    notes,
    data: d,
  };
}
