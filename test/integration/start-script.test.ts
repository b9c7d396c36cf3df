// `npm start` (dist/scripts/start.js) as a terminal job: the script in a
// process group of its own, its server and daemon each in another. A Ctrl-C
// (SIGINT to the script's group) reaches the script only, which stops each
// child with one SIGTERM and waits for it: the children exit 0, remove their
// sockets and checkpoint their databases.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalClient } from '../../src/local/client.js';
import { ROOT } from '../support/daemon-process.js';

const START = join(ROOT, 'dist', 'scripts', 'start.js');
const CHROME = { path: 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', certSubject: 'CN=Google LLC' };

interface Started {
  child: ChildProcess;
  home: string;
  url: string;
  serverPid: number;
  daemonPid: number;
  /** Everything the script printed. */
  output: string[];
  /** The script's exit, once its output is closed. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let current: { child: ChildProcess; home: string; pids: number[] } | null = null;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

afterEach(() => {
  if (current === null) return;
  // Each of the script, the server and the daemon leads a process group of its own.
  for (const pid of [current.child.pid ?? 0, ...current.pids]) {
    if (pid > 0 && alive(pid)) process.kill(-pid, 'SIGKILL');
  }
  rmSync(current.home, { recursive: true, force: true });
  current = null;
});

/** Runs start.js like a terminal job (a process group of its own) and resolves once it reports the daemon ready. */
function startScript(): Promise<Started> {
  const home = mkdtempSync(join(tmpdir(), 'tollgate-start-'));
  const child = spawn(process.execPath, [START], {
    cwd: home,
    env: { ...process.env, TOLLGATE_HOME: home, TOLLGATE_PORT: '0', TOLLGATE_COMPUTER: 'till-1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  current = { child, home, pids: [] };
  const output: string[] = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    let url: string | null = null;
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      url ??= /a policy server at (http:\/\/\S+)/.exec(line)?.[1] ?? null;
      const pids = /^Processes: the server (\d+), the daemon (\d+)\./.exec(line);
      if (pids !== null && url !== null) {
        const serverPid = Number(pids[1]);
        const daemonPid = Number(pids[2]);
        current?.pids.push(serverPid, daemonPid);
        resolve({ child, home, url, serverPid, daemonPid, output, closed });
      }
    });
    void closed.then((exit) =>
      reject(new Error(`start.js exited before it was ready (${JSON.stringify(exit)}): ${stderr}`)),
    );
  });
}

function logLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A WAL file left by a clean close is absent or empty: everything was checkpointed into the database. */
function walBytes(database: string): number {
  const wal = `${database}-wal`;
  return existsSync(wal) ? statSync(wal).size : 0;
}

function integrity(database: string): unknown {
  const db = new Database(database, { readonly: true, fileMustExist: true });
  try {
    return db.pragma('integrity_check', { simple: true });
  } finally {
    db.close();
  }
}

async function expectStoppedCleanly(started: Started): Promise<void> {
  const { home, serverPid, daemonPid } = started;
  expect(await started.closed).toEqual({ code: 0, signal: null });
  expect(started.output).toContain('stopped.');

  // Both children were waited for: neither outlives the script.
  expect(alive(serverPid)).toBe(false);
  expect(alive(daemonPid)).toBe(false);

  // Each child received exactly one signal, the script's SIGTERM (the terminal's SIGINT never reached it).
  for (const log of [join(home, 'server.log'), join(home, 'till-1.log')]) {
    const lines = logLines(log);
    expect(lines.filter((l) => l['msg'] === 'stopping').map((l) => l['signal'])).toEqual(['SIGTERM']);
    expect(lines.filter((l) => l['msg'] === 'already stopping')).toEqual([]);
    expect(lines.some((l) => l['msg'] === 'stopped')).toBe(true);
  }

  expect(existsSync(join(home, 'till-1.sock'))).toBe(false);
  expect(existsSync(join(home, 'till-1.admin.sock'))).toBe(false);

  const agentDb = join(home, 'till-1-data', 'agent.db');
  const serverDb = join(home, 'server', 'server.db');
  expect(walBytes(agentDb)).toBe(0);
  expect(walBytes(serverDb)).toBe(0);
  expect(integrity(agentDb)).toBe('ok');
  expect(integrity(serverDb)).toBe('ok');
}

describe('npm start (scripts/start.ts) and Ctrl-C', () => {
  async function startAndAsk(): Promise<Started> {
    const started = await startScript();
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(started.url).not.toMatch(/:0$/);
    expect(existsSync(join(started.home, 'till-1.sock'))).toBe(true);
    const client = await LocalClient.connect(join(started.home, 'till-1.sock'));
    try {
      const response = await client.request({ kind: 'evaluateFile', file: CHROME });
      expect(response).toMatchObject({ kind: 'decision', decision: { action: 'permit', policy: 'msp-chrome-permit' } });
    } finally {
      client.close();
    }
    return started;
  }

  it('stops the daemon and the server cleanly on one SIGINT to the terminal job', async () => {
    const started = await startAndAsk();
    process.kill(-started.child.pid!, 'SIGINT');
    await expectStoppedCleanly(started);
  });

  it('stops them just as cleanly on two SIGINTs in quick succession', async () => {
    const started = await startAndAsk();
    process.kill(-started.child.pid!, 'SIGINT');
    process.kill(-started.child.pid!, 'SIGINT');
    await expectStoppedCleanly(started);
  });
});
