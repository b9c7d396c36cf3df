// Runs the real daemon as a child process for integration tests: the
// compiled entry point (npm test builds first), a temp folder, and a wait on
// the daemon's own "serving" log line rather than on a timer.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { run } from '../../daemon/main.js';
import type { CliIo } from '../../src/cli/io.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'bin', 'tollgate.js');
export const CONTRACT_SCENARIO = resolve(ROOT, 'examples/contract/example-scenario.yaml');
export const CONTRACT_CASES = resolve(ROOT, 'examples/contract/example-cases.yaml');

/** Runs a CLI command in this process and captures what it prints. */
export async function cli(
  args: string[],
  nowMs = Date.now(),
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), nowMs: () => nowMs };
  const code = await run(args, io);
  return { code, stdout, stderr };
}

export interface Workspace {
  dir: string;
  keys: string;
  privateKey: string;
  publicKey: string;
  /** Builds a signed snapshot of a scenario computer; returns its path. */
  snapshot(
    computer: string,
    version: number,
    options?: { scenario?: string; key?: string; name?: string },
  ): Promise<string>;
  cleanup(): void;
}

export async function workspace(): Promise<Workspace> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-it-'));
  const keys = join(dir, 'keys');
  const made = await cli(['keygen', '--out', keys]);
  if (made.code !== 0) throw new Error(made.stderr);
  const privateKey = join(keys, 'tollgate-signing.key');
  return {
    dir,
    keys,
    privateKey,
    publicKey: join(keys, 'tollgate-signing.pub'),
    async snapshot(computer, version, options = {}) {
      const out = join(dir, options.name ?? `${computer}-v${version}.bin`);
      const result = await cli([
        'snapshot',
        'build',
        options.scenario ?? CONTRACT_SCENARIO,
        '--computer',
        computer,
        '--key',
        options.key ?? privateKey,
        '--version',
        String(version),
        '--out',
        out,
      ]);
      if (result.code !== 0) throw new Error(result.stderr);
      return out;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every process started here, so none outlives the test run even when a test fails before stopping it. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export interface DaemonHandle {
  child: ChildProcess;
  socket: string;
  /** The admin socket (snapshot apply, decision export): the configured default next to `socket`. */
  adminSocket: string;
  config: string;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  /** Resolves with the first log line that satisfies the predicate (past or future). */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function writeConfig(ws: Workspace, name: string, config: Record<string, unknown>): string {
  const file = join(ws.dir, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      dataDir: join(ws.dir, `${name}-data`),
      computerId: 'till-1',
      serverPublicKey: ws.publicKey,
      socket: { path: join(ws.dir, `${name}.sock`) },
      logLevel: 'debug',
      ...config,
    }),
  );
  return file;
}

/** Starts `tollgate daemon --config FILE` and resolves once it logs that it is serving. */
export async function startDaemon(
  configFile: string,
  socket: string,
  env: Record<string, string | undefined> = {},
): Promise<DaemonHandle> {
  const handle = await startTollgate(['daemon', '--config', configFile], 'serving', env);
  return { ...handle, socket, adminSocket: String(handle.ready['adminSocket']), config: configFile };
}

export type ProcessHandle = Omit<DaemonHandle, 'socket' | 'adminSocket' | 'config'>;

/**
 * Starts `tollgate ARGS` and resolves once it logs the `ready` message; the handle has every JSON log line.
 * `env` is added to this process's environment (a variable set to undefined is left out).
 */
export async function startTollgate(
  args: string[],
  ready: string,
  env: Record<string, string | undefined> = {},
): Promise<ProcessHandle & { ready: Record<string, unknown> }> {
  const child = track(
    spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const logs: Record<string, unknown>[] = [];
  const waiters: {
    predicate: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
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
  const waitForLog = (predicate: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    const seen = logs.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolveLine, reject) => {
      waiters.push({ predicate, resolve: resolveLine });
      void exited.then(({ code, signal }) =>
        reject(new Error(`daemon exited (${code ?? signal}) before the expected log line; stderr: ${stderr}`)),
      );
    });
  };
  const readyLine = await waitForLog((l) => l['msg'] === ready);
  return {
    ready: readyLine,
    child,
    logs,
    waitForLog,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
