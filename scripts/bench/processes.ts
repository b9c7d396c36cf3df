/**
 * Real processes for the daemon and sync sections: a temp folder, the
 * `tollgate` CLI run in this process, `tollgate daemon` / `tollgate server`
 * (and the benchmark's own helper programs) started as child processes that
 * are waited on by their JSON log lines rather than by timers, and the
 * kernel's view of a child's memory and CPU time.
 *
 * The approach is the one of test/support/daemon-process.ts, copied here in
 * the small pieces the benchmark needs (scripts never import test code).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { run } from '../../daemon/main.js';
import type { CliIo } from '../../src/cli/io.js';

/** The project root: the nearest folder above this module with tollgate's package.json (works from dist/ too). */
function findRoot(): string {
  let dir = import.meta.dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (pkg.name === 'tollgate') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no tollgate package.json above ${import.meta.dirname}`);
    dir = parent;
  }
}

export const ROOT = findRoot();
/** The `tollgate` command (bin/tollgate.js runs dist/daemon/main.js). */
export const CLI = join(ROOT, 'bin', 'tollgate.js');

/** A compiled benchmark helper program next to this module (dist/scripts/bench/NAME.js). */
export function helperProgram(name: string): string {
  return join(import.meta.dirname, `${name}.js`);
}

/** A temp folder for one section; removed by cleanup(). Unix socket paths stay well under 108 bytes. */
export function workspace(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `tollgate-bench-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a `tollgate` CLI command in this process; throws with its stderr when it fails. */
export async function cli(args: string[]): Promise<string> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), nowMs: () => Date.now() };
  const code = await run(args, io);
  if (code !== 0) throw new Error(`tollgate ${args.join(' ')} failed (${code}): ${stderr}`);
  return stdout;
}

export type LogLine = Record<string, unknown>;

export interface ChildHandle {
  child: ChildProcess;
  pid: number;
  /** performance.now() just before spawn(). */
  spawnedAt: number;
  /** Date.now() just before spawn(): pino's `time` is on this clock. */
  spawnedAtEpochMs: number;
  /** Every JSON line the child printed on stdout so far. */
  logs: LogLine[];
  /** Resolves with the first line that satisfies the predicate (past or future); rejects if the child exits first. */
  waitForLog(predicate: (line: LogLine) => boolean, what?: string): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node PROGRAM ARGS` with stdout read as JSON lines (other lines are ignored) and stderr kept for errors. */
export function spawnNode(
  program: string,
  args: string[],
  nodeArgs: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): ChildHandle {
  const spawnedAtEpochMs = Date.now();
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, program, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const logs: LogLine[] = [];
  const waiters: { predicate: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stderr.length > 20_000) stderr = stderr.slice(-20_000);
  });
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return;
    }
    if (line === null || typeof line !== 'object') return;
    logs.push(line);
    for (const w of [...waiters]) {
      if (w.predicate(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.on('exit', (code, signal) => resolveExit({ code, signal })),
  );
  const waitForLog = (predicate: (l: LogLine) => boolean, what = 'the expected log line'): Promise<LogLine> => {
    const seen = logs.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolveLine, reject) => {
      waiters.push({ predicate, resolve: resolveLine });
      void exited.then(({ code, signal }) =>
        reject(new Error(`${program} ${args.join(' ')} exited (${code ?? signal}) before ${what}; stderr: ${stderr}`)),
      );
    });
  };
  if (child.pid === undefined) throw new Error(`cannot start ${program}`);
  return {
    child,
    pid: child.pid,
    spawnedAt,
    spawnedAtEpochMs,
    logs,
    waitForLog,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * Extra Node.js options for the `tollgate` child processes, from the
 * environment, for profiling them in place (NODE_OPTIONS refuses
 * --cpu-prof): TOLLGATE_BENCH_CHILD_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
 */
export const CHILD_NODE_ARGS = (process.env['TOLLGATE_BENCH_CHILD_NODE_ARGS'] ?? '')
  .split(/\s+/)
  .filter((a) => a.length > 0);

/**
 * Set by bench.ts when it ran itself again to give every process the
 * daemon's glibc malloc settings (daemon/allocator.ts): the policy server's
 * unit does not set them, so the servers it starts run without them.
 */
export const ALLOCATOR_ADDED_ENV = 'TOLLGATE_BENCH_ALLOCATOR_ADDED';

/** The environment of a `tollgate ARGS` process: the policy server's without settings only the benchmark added. */
export function tollgateEnvironment(args: readonly string[], env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (args[0] !== 'server' || env[ALLOCATOR_ADDED_ENV] !== '1') return env;
  const { GLIBC_TUNABLES: _added, ...rest } = env;
  return rest;
}

/** Starts `tollgate ARGS` (the real CLI, as a child process). */
export function spawnTollgate(args: string[]): ChildHandle {
  return spawnNode(CLI, args, CHILD_NODE_ARGS, tollgateEnvironment(args));
}

/** A log line with this pino `msg`. */
export const msg =
  (text: string) =>
  (line: LogLine): boolean =>
    line['msg'] === text;

/** pino's `time` of a log line (ms since the epoch). */
export function logTime(line: LogLine): number {
  const time = line['time'];
  if (typeof time !== 'number') throw new Error(`log line without a time: ${JSON.stringify(line)}`);
  return time;
}

export interface ProcMemory {
  /** Peak resident set size (VmHWM), bytes. */
  peakRssBytes: number;
  /** Current resident set size (VmRSS), bytes. */
  rssBytes: number;
}

/** A live process's resident memory from /proc/PID/status (Linux); null elsewhere or once it is gone. */
export function procMemory(pid: number): ProcMemory | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kib = (key: string): number => {
    const match = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return match === null ? Number.NaN : Number(match[1]) * 1024;
  };
  return { peakRssBytes: kib('VmHWM'), rssBytes: kib('VmRSS') };
}

/** Clock ticks per second of /proc/PID/stat's CPU times (USER_HZ: 100 on Linux). */
const USER_HZ = 100;

/** A process's CPU time so far (user + system, every thread), in ms, from /proc/PID/stat; null when unavailable. */
export function procCpuMs(pid: number): number | null {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** The CPU time (user + system, ms) of a process's main thread alone (its event loop); null as procCpuMs. */
export function mainThreadCpuMs(pid: number): number | null {
  return statCpuMs(`/proc/${pid}/task/${pid}/stat`);
}

function statCpuMs(file: string): number | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  return statFields(text).cpuMs;
}

/** The CPU time (user + system, ms; null when unreadable) and start time (clock ticks) of a /proc stat text. */
function statFields(text: string): { cpuMs: number | null; startTime: string | undefined } {
  // The command name (field 2) may hold spaces: split after its closing parenthesis. After it: state is field 3,
  // utime and stime fields 14 and 15, starttime field 22.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { cpuMs: Number.isFinite(ticks) ? (ticks / USER_HZ) * 1000 : null, startTime: fields[19] };
}

/**
 * CPU time (user + system, ms) of each process of the machine named
 * `command` (its /proc/PID/stat name), keyed by pid and start time (a pid
 * used again is another process); null when /proc cannot be read.
 */
export function commandCpuByProcess(command: string): Map<string, number> | null {
  const out = new Map<string, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^[0-9]+$/.test(name));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    if (text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')) !== command) continue;
    const { cpuMs, startTime } = statFields(text);
    if (cpuMs !== null) out.set(`${pid}@${startTime}`, cpuMs);
  }
  return out;
}

/**
 * The CPU time the processes named `command` used since `before` was read
 * (commandCpuByProcess): each process's growth, a process started since
 * counted whole. A process that ended meanwhile is not counted (its time is
 * gone with it). NaN when /proc could not be read either time.
 */
export function commandCpuSinceMs(command: string, before: ReadonlyMap<string, number> | null): number {
  const now = commandCpuByProcess(command);
  if (before === null || now === null) return Number.NaN;
  let total = 0;
  for (const [key, ms] of now) total += ms - (before.get(key) ?? 0);
  return total;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
