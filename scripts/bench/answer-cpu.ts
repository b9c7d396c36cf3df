/**
 * The daemon's CPU per answered decision over the Unix socket, measured
 * without the wall clock, for one or more builds of tollgate side by side:
 *
 *   node dist/scripts/bench/answer-cpu.js [--policies N] [--trials N]
 *     [--first-seen N] [--hits N] [--passes N] [--decode-all] [--socket-load]
 *     [--world DIR] [--no-log] [--build DIR]... [--json]
 *
 * Each --build is the root of a built checkout (its bin/tollgate.js runs its
 * dist/); without one, this checkout. One world (synthetic, --policies, its
 * view sealed as a snapshot with the bench's own key) and its request frames
 * are made once by daemon-world.ts; every build seeds a data directory of
 * its own from the snapshot once, and each trial copies that directory and
 * warm-starts the build's daemon on the copy. The builds alternate, trial
 * by trial, in an order that swaps every trial, so a busy machine weighs on
 * each alike. In a trial, after the first answer and once the daemon is
 * idle (its background check done):
 *
 * - warm-up: --first-seen other files never asked, pipelined (256 in flight);
 * - first-seen: --first-seen files never asked before, pipelined, the
 *   daemon's CPU (user + system from /proc/PID/stat, every thread; and its
 *   main thread alone from /proc/PID/task/PID/stat) read before and after;
 * - hits: --hits of those files asked twice more (the decision cache keeps
 *   a file from its second ask), then --passes passes of them, each a cache
 *   hit, CPU read around the passes.
 *
 * Prints, per build, the median and every trial's CPU µs per answer (process
 * and main thread), the scavenges and the bytes they copied per answer, and
 * the daemon's peak RSS. The CPU figures depend on the load only as much as
 * CPU time does (caches, frequency), not on other processes' share of the
 * cores; the collection counts and bytes are operation counts. A window
 * shorter than the decision log's flush interval (5 s) takes in a flush (up
 * to 10,000 rows, tens of ms) or not, by chance: with the log, a trial's
 * hit figure moves by up to 1 µs for it. --no-log runs the daemons without
 * their decision log; --world DIR keeps the world there for later runs;
 * --socket-load measures as the bench's daemon section does, through
 * socket-load.ts (CPU around its run ÷ every response of it); --decode-all
 * decodes every response (a slower client).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FrameDecoder } from '../../src/wire/framing.js';
import { decodeResponse } from '../../src/wire/local-api.js';
import type { DaemonWorld, DaemonWorldJob } from './daemon-world.js';
import { median } from './measure.js';
import {
  CHILD_NODE_ARGS,
  type ChildHandle,
  ROOT,
  helperProgram,
  mainThreadCpuMs,
  msg,
  procCpuMs,
  procMemory,
  sleep,
  spawnNode,
  workspace,
} from './processes.js';
import { type LoadJob, type ThroughputOutput, connect, splitFrames } from './socket-load.js';

const WINDOW = 256;

interface Cpu {
  /** The whole process, every thread, ms (per answer: µs). */
  processMs: number;
  /** The main thread, ms (per answer: µs). */
  mainMs: number;
  /** Young-generation collections (scavenges) so far, from --trace-gc-nvp (per answer: per 1,000 answers). */
  scavenges: number;
  /** Full collections (mark-compact) so far (per answer: per 1,000 answers). */
  fullGcs: number;
  /** The main thread's time in scavenges so far, ms, as --trace-gc-nvp reports it (per answer: µs). */
  scavengeMs: number;
  /** Bytes the scavenges copied so far (per answer: bytes per answer). */
  copiedBytes: number;
  /** Write and read system calls of the process so far, from /proc/PID/io (per answer: per 1,000 answers). */
  writes: number;
  reads: number;
}

/** The write and read system calls of a process so far (/proc/PID/io syscw, syscr); NaN when unreadable. */
function syscalls(pid: number): { writes: number; reads: number } {
  let text = '';
  try {
    text = readFileSync(`/proc/${pid}/io`, 'utf8');
  } catch {
    return { writes: Number.NaN, reads: Number.NaN };
  }
  const count = (name: string): number => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { writes: count('syscw'), reads: count('syscr') };
}

/**
 * Counts the collections a daemon started with --trace-gc-nvp prints on its
 * stdout, and the bytes its scavenges copied (kept in the young generation
 * or promoted): the scavenger's work, an operation count that a busy
 * machine does not change.
 */
class GcCounter {
  scavenges = 0;
  fullGcs = 0;
  scavengeMs = 0;
  copiedBytes = 0;
  private rest = '';
  constructor(daemon: ChildHandle) {
    daemon.child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (this.rest + chunk.toString('latin1')).split('\n');
      this.rest = lines.pop() ?? '';
      for (const line of lines) {
        if (line.includes(' gc=s ')) {
          this.scavenges++;
          this.scavengeMs += field(line, 'pause');
          this.copiedBytes += field(line, 'promoted') + field(line, 'new_space_survived');
        } else if (line.includes(' gc=mc ')) this.fullGcs++;
      }
    });
  }
}

/** A number of a --trace-gc-nvp line (0 when absent). */
function field(line: string, name: string): number {
  const at = line.indexOf(` ${name}=`);
  if (at < 0) return 0;
  const value = Number.parseFloat(line.slice(at + name.length + 2));
  return Number.isFinite(value) ? value : 0;
}

/** A CPU time read from /proc (procCpuMs, mainThreadCpuMs), which must be there: the daemon is running. */
function known(ms: number | null, pid: number): number {
  if (ms === null) throw new Error(`cannot read the CPU time of process ${pid}`);
  return ms;
}

/** The daemon's CPU so far and its collections (read after a pause, so its last trace lines have come). */
async function cpuOf(pid: number, gc: GcCounter): Promise<Cpu> {
  await sleep(50);
  return {
    processMs: known(procCpuMs(pid), pid),
    mainMs: known(mainThreadCpuMs(pid), pid),
    scavenges: gc.scavenges,
    fullGcs: gc.fullGcs,
    scavengeMs: gc.scavengeMs,
    copiedBytes: gc.copiedBytes,
    ...syscalls(pid),
  };
}

/**
 * Sends every frame once, WINDOW in flight; checks one response in 1,000 is
 * a decision, or every one with `decodeAll` (a slower client, as
 * socket-load.ts: the daemon then reads smaller batches).
 */
async function pipeline(socket: Socket, frames: readonly Buffer[], decodeAll: boolean): Promise<void> {
  const decoder = new FrameDecoder(16 * 1024 * 1024);
  let sent = 0;
  let received = 0;
  const send = (count: number): void => {
    const end = Math.min(frames.length, sent + count);
    if (end <= sent) return;
    socket.write(end - sent === 1 ? (frames[sent] as Buffer) : Buffer.concat(frames.slice(sent, end)));
    sent = end;
  };
  await new Promise<void>((done, reject) => {
    const onError = (error: Error): void => reject(error);
    const onClose = (): void => reject(new Error(`the socket closed after ${received} responses`));
    const onData = (chunk: Buffer): void => {
      let got = 0;
      for (const payload of decoder.push(chunk)) {
        if (decodeAll || (received + got) % 1000 === 0) {
          const response = decodeResponse(payload);
          if (response.kind !== 'decision') {
            reject(new Error(`a response was ${response.kind}: ${JSON.stringify(response)}`));
            return;
          }
        }
        got++;
      }
      received += got;
      if (received === frames.length) {
        socket.off('data', onData);
        socket.off('error', onError);
        socket.off('close', onClose);
        done();
      } else send(got);
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    send(WINDOW);
  });
}

/** Waits until the process spends under 20 ms of CPU in 300 ms (its start-up work done), at most 20 s. */
async function idle(pid: number): Promise<void> {
  const deadline = performance.now() + 20_000;
  let before = known(procCpuMs(pid), pid);
  while (performance.now() < deadline) {
    await sleep(300);
    const now = known(procCpuMs(pid), pid);
    if (now - before < 20) return;
    before = now;
  }
}

/** From x to y, per answer of n. */
function per(x: Cpu, y: Cpu, n: number): Cpu {
  return {
    processMs: ((y.processMs - x.processMs) * 1000) / n,
    mainMs: ((y.mainMs - x.mainMs) * 1000) / n,
    scavenges: ((y.scavenges - x.scavenges) * 1000) / n,
    fullGcs: ((y.fullGcs - x.fullGcs) * 1000) / n,
    scavengeMs: ((y.scavengeMs - x.scavengeMs) * 1000) / n,
    copiedBytes: (y.copiedBytes - x.copiedBytes) / n,
    writes: ((y.writes - x.writes) * 1000) / n,
    reads: ((y.reads - x.reads) * 1000) / n,
  };
}

interface Trial {
  firstSeen: Cpu;
  hits: Cpu;
  /** The daemon's peak resident memory (VmHWM) at the end of the trial, bytes. */
  peakRssBytes: number;
}

interface BuildSetup {
  root: string;
  seeded: string;
}

/** Whether the daemons run without their decision log (--no-log). */
let noLog = false;

function writeConfig(file: string, dataDir: string, socket: string, world: DaemonWorld, seed?: string): void {
  writeFileSync(
    file,
    JSON.stringify({
      dataDir,
      computerId: world.computer,
      serverPublicKey: world.publicKey,
      socket: { path: socket, maxFrameBytes: 512 * 1024 * 1024 },
      logLevel: 'info',
      ...(seed === undefined ? {} : { seedSnapshot: seed }),
      ...(noLog ? { decisionLog: { maxEntries: 0 } } : {}),
    }),
  );
}

function spawnDaemon(root: string, config: string, nodeArgs: string[] = []): ChildHandle {
  return spawnNode(join(root, 'bin', 'tollgate.js'), ['daemon', '--config', config], nodeArgs);
}

async function seed(root: string, dir: string, world: DaemonWorld): Promise<string> {
  const dataDir = join(dir, 'seeded');
  const config = join(dir, 'seed.json');
  writeConfig(config, dataDir, join(dir, 's.sock'), world, world.snapshots[0]);
  const daemon = spawnDaemon(root, config);
  const line = await daemon.waitForLog(
    (l) => l['msg'] === 'seed snapshot applied' || l['msg'] === 'seed snapshot not applied',
    'the seed snapshot',
  );
  await daemon.stop();
  if (line['msg'] !== 'seed snapshot applied') throw new Error(`${root}: ${JSON.stringify(line)}`);
  return dataDir;
}

async function trial(
  build: BuildSetup,
  dir: string,
  world: DaemonWorld,
  frames: { warm: Buffer[]; fresh: Buffer[]; hits: Buffer[]; benchFiles?: { hits: string; fresh2: string } },
  passes: number,
  decodeAll: boolean,
): Promise<Trial> {
  const dataDir = join(dir, 'data');
  cpSync(build.seeded, dataDir, { recursive: true });
  const socketPath = join(dir, 'd.sock');
  const config = join(dir, 'daemon.json');
  writeConfig(config, dataDir, socketPath, world);
  const daemon = spawnDaemon(build.root, config, ['--trace-gc-nvp', ...CHILD_NODE_ARGS]);
  const gc = new GcCounter(daemon);
  try {
    await daemon.waitForLog(msg('serving'), 'serving');
    const socket = await connect(socketPath);
    try {
      await pipeline(socket, frames.warm.slice(0, 1), true);
      await idle(daemon.pid);
      await pipeline(socket, frames.warm, decodeAll);
      const a = await cpuOf(daemon.pid, gc);
      await pipeline(socket, frames.fresh, decodeAll);
      const b = await cpuOf(daemon.pid, gc);
      await pipeline(socket, frames.hits, decodeAll);
      await pipeline(socket, frames.hits, decodeAll);
      const c = await cpuOf(daemon.pid, gc);
      for (let p = 0; p < passes; p++) await pipeline(socket, frames.hits, decodeAll);
      const d = await cpuOf(daemon.pid, gc);
      if (frames.benchFiles !== undefined) {
        // As the bench's daemon section counts: CPU around a socket-load.ts run ÷ every response of the run.
        const load = async (job: LoadJob): Promise<Cpu> => {
          const before = await cpuOf(daemon.pid, gc);
          const child = spawnNode(helperProgram('socket-load'), [JSON.stringify(job)]);
          const line = (await child.waitForLog(
            (l) => l['mode'] === job.mode,
            'its result',
          )) as unknown as ThroughputOutput;
          await child.exited;
          return per(before, await cpuOf(daemon.pid, gc), line.answered);
        };
        const files = frames.benchFiles;
        const hitRun = await load({
          mode: 'throughput',
          socket: socketPath,
          frames: files.hits,
          window: WINDOW,
          warmupMs: 300,
          budgetMs: 1000,
          offset: 0,
        });
        const freshRun = await load({
          mode: 'throughput',
          socket: socketPath,
          frames: files.fresh2,
          window: WINDOW,
          warmupMs: 100,
          budgetMs: 1000,
          offset: 0,
          once: true,
        });
        return { firstSeen: freshRun, hits: hitRun, peakRssBytes: procMemory(daemon.pid)?.peakRssBytes ?? Number.NaN };
      }
      return {
        firstSeen: per(a, b, frames.fresh.length),
        hits: per(c, d, frames.hits.length * passes),
        peakRssBytes: procMemory(daemon.pid)?.peakRssBytes ?? Number.NaN,
      };
    } finally {
      socket.destroy();
    }
  } finally {
    await daemon.stop();
  }
}

/** The world of `job`, made by daemon-world.ts, or read from `keep` (a folder) when made there before. */
async function makeWorld(job: DaemonWorldJob, keep: string | undefined): Promise<DaemonWorld> {
  const saved = keep === undefined ? undefined : join(resolve(keep), `world-${job.policies}-${job.seed}.json`);
  if (saved !== undefined && existsSync(saved)) return JSON.parse(readFileSync(saved, 'utf8')) as DaemonWorld;
  if (keep !== undefined) {
    job.dir = join(resolve(keep), `world-${job.policies}-${job.seed}`);
    mkdirSync(job.dir, { recursive: true });
  }
  const maker = spawnNode(helperProgram('daemon-world'), [JSON.stringify(job)], ['--max-old-space-size=8192']);
  const world = (await maker.waitForLog(msg('world'), 'the world')) as unknown as DaemonWorld;
  await maker.exited;
  if (saved !== undefined) writeFileSync(saved, JSON.stringify(world));
  return world;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      policies: { type: 'string', default: '100000' },
      trials: { type: 'string', default: '5' },
      'first-seen': { type: 'string', default: '60000' },
      hits: { type: 'string', default: '10000' },
      passes: { type: 'string', default: '10' },
      seed: { type: 'string', default: '42' },
      build: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      'decode-all': { type: 'boolean', default: false },
      'socket-load': { type: 'boolean', default: false },
      world: { type: 'string' },
      'no-log': { type: 'boolean', default: false },
    },
  });
  const policies = Number(values.policies);
  const trials = Number(values.trials);
  const firstSeen = Number(values['first-seen']);
  const hits = Math.min(Number(values.hits), firstSeen);
  const passes = Number(values.passes);
  const roots = (values.build ?? [ROOT]).map((r) => resolve(r));
  noLog = values['no-log'];
  const log = (text: string): void => void process.stderr.write(`[answer-cpu] ${text}\n`);
  const ws = workspace('answer-cpu');
  try {
    const worldDir = join(ws.dir, 'world');
    mkdirSync(worldDir);
    const job: DaemonWorldJob = {
      dir: worldDir,
      policies,
      seed: Number(values.seed),
      requests: 1,
      firstSeenPerRound: firstSeen,
      rounds: 3,
      versions: 1,
      shapeRequests: 0,
    };
    log(`making a world of ${policies} policies`);
    const world = await makeWorld(job, values.world);
    const warm = splitFrames(readFileSync(world.freshFrames[0] as string));
    const fresh = splitFrames(readFileSync(world.freshFrames[1] as string));
    const hitsFile = join(ws.dir, 'hits.bin');
    writeFileSync(hitsFile, Buffer.concat(fresh.slice(0, hits)));
    const frames = {
      warm,
      fresh,
      hits: fresh.slice(0, hits),
      ...(values['socket-load'] ? { benchFiles: { hits: hitsFile, fresh2: world.freshFrames[2] as string } } : {}),
    };
    const builds: BuildSetup[] = [];
    for (const [i, root] of roots.entries()) {
      const dir = join(ws.dir, `build-${i}`);
      mkdirSync(dir);
      log(`seeding ${root}`);
      builds.push({ root, seeded: await seed(root, dir, world) });
    }
    const results: Trial[][] = builds.map(() => []);
    for (let t = 0; t < trials; t++) {
      const order = builds.map((_, i) => i);
      if (t % 2 === 1) order.reverse();
      for (const i of order) {
        const dir = join(ws.dir, `trial-${t}-${i}`);
        mkdirSync(dir);
        const r = await trial(builds[i] as BuildSetup, dir, world, frames, passes, values['decode-all']);
        (results[i] as Trial[]).push(r);
        log(
          `trial ${t + 1} ${roots[i]}: first-seen ${r.firstSeen.processMs.toFixed(2)} µs (main ${r.firstSeen.mainMs.toFixed(2)}), ` +
            `hit ${r.hits.processMs.toFixed(2)} µs (main ${r.hits.mainMs.toFixed(2)}); scavenges per 1,000 ${r.firstSeen.scavenges.toFixed(2)} / ${r.hits.scavenges.toFixed(2)} (${r.firstSeen.scavengeMs.toFixed(2)} µs, ${r.firstSeen.copiedBytes.toFixed(0)} bytes copied per first-seen); ` +
            `writes / reads per 1,000 ${r.firstSeen.writes.toFixed(1)} / ${r.firstSeen.reads.toFixed(1)} first-seen, ${r.hits.writes.toFixed(1)} / ${r.hits.reads.toFixed(1)} hits; load ${os.loadavg()[0]?.toFixed(1)}`,
        );
      }
    }
    const summary = roots.map((root, i) => {
      const rs = results[i] as Trial[];
      const med = (f: (t: Trial) => number): number => median(rs.map(f));
      return {
        root,
        firstSeenUs: med((t) => t.firstSeen.processMs),
        firstSeenMainUs: med((t) => t.firstSeen.mainMs),
        hitUs: med((t) => t.hits.processMs),
        hitMainUs: med((t) => t.hits.mainMs),
        peakRssMB: med((t) => t.peakRssBytes) / 1e6,
        firstSeenScavenges: med((t) => t.firstSeen.scavenges),
        hitScavenges: med((t) => t.hits.scavenges),
        firstSeenScavengeUs: med((t) => t.firstSeen.scavengeMs),
        firstSeenCopied: med((t) => t.firstSeen.copiedBytes),
        firstSeenFullGcs: med((t) => t.firstSeen.fullGcs),
        hitFullGcs: med((t) => t.hits.fullGcs),
        hitCopied: med((t) => t.hits.copiedBytes),
        firstSeenWrites: med((t) => t.firstSeen.writes),
        hitWrites: med((t) => t.hits.writes),
        trials: rs,
      };
    });
    if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      for (const s of summary) {
        const list = (f: (t: Trial) => number): string => s.trials.map((t) => f(t).toFixed(2)).join(' ');
        process.stdout.write(
          `${s.root}\n  first-seen CPU µs/answer median ${s.firstSeenUs.toFixed(2)} (main thread ${s.firstSeenMainUs.toFixed(2)}): ` +
            `${list((t) => t.firstSeen.processMs)}\n  hit CPU µs/answer median ${s.hitUs.toFixed(2)} ` +
            `(main thread ${s.hitMainUs.toFixed(2)}): ${list((t) => t.hits.processMs)}\n` +
            `  scavenges per 1,000 answers, median: first-seen ${s.firstSeenScavenges.toFixed(2)}, hits ${s.hitScavenges.toFixed(2)}; ` +
            `main thread in scavenges per first-seen answer ${s.firstSeenScavengeUs.toFixed(2)} µs; ` +
            `bytes copied by scavenges per answer: first-seen ${s.firstSeenCopied.toFixed(0)}, hits ${s.hitCopied.toFixed(0)}; ` +
            `full collections per 1,000,000 answers: first-seen ${(s.firstSeenFullGcs * 1000).toFixed(0)}, hits ${(s.hitFullGcs * 1000).toFixed(0)}; ` +
            `write system calls per 1,000 answers: first-seen ${s.firstSeenWrites.toFixed(1)}, hits ${s.hitWrites.toFixed(1)}\n` +
            `  peak RSS median ${s.peakRssMB.toFixed(1)} MB: ${list((t) => t.peakRssBytes / 1e6)}\n`,
        );
      }
    }
  } finally {
    ws.cleanup();
  }
}

await main();
