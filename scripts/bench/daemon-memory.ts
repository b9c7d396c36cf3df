/**
 * The daemon's peak resident memory (VmHWM) when it applies a snapshot and
 * when it starts warm, at a given number of policies (docs/DAEMON.md,
 * "Memory"). Each figure is a fresh `tollgate daemon` process:
 *
 * - apply: an empty data directory and a seed snapshot; read once it logs
 *   that the seed is applied (start-up, verify, compile, commit), then
 *   stopped (SIGTERM: the stop waits for the image file written after the
 *   apply);
 * - warm start: the same data directory again (the stored image), no seed;
 *   read once the first decision is answered (asked as soon as the socket
 *   accepts);
 * - applies: a warm-started daemon that is sent `applies` newer snapshots
 *   over its admin socket one after the other (`tollgate snapshot apply`);
 *   peak and current resident memory read after the last.
 *
 * Usage: node dist/scripts/bench/daemon-memory.js [policies] [runs] [-- node flags...]
 * Prints one JSON line per run and the medians.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { LocalClient } from '../../src/local/client.js';
import { serializeScenario } from '../../src/scenario/load.js';
import { syntheticWorld } from '../lib/synthetic-world.js';
import { procMemory } from './processes.js';
import { run as tollgate } from '../../daemon/main.js';

/** Newer snapshot versions sent over the socket in the applies phase. */
const APPLIES = 3;

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'bin', 'tollgate.js');

async function cliOk(args: string[]): Promise<void> {
  let err = '';
  const code = await tollgate(args, {
    stdout: () => undefined,
    stderr: (t) => void (err += t),
    nowMs: () => Date.now(),
  });
  if (code !== 0) throw new Error(err);
}

/**
 * Runs the daemon until a log line satisfies `until` (then `then`), and
 * returns its VmHWM at that point. The daemon is then stopped (SIGTERM), so
 * that the image file it writes after an apply is whole for the warm start.
 */
async function daemonPeak(
  config: string,
  nodeFlags: string[],
  until: (line: Record<string, unknown>) => boolean,
  then: (line: Record<string, unknown>, pid: number) => Promise<void>,
): Promise<{ peak: number; ms: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeFlags, BIN, 'daemon', '--config', config], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const lines = createInterface({ input: child.stdout });
    for await (const text of lines) {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (typeof line['msg'] === 'string' && /not applied|cannot be used/.test(line['msg'])) {
        throw new Error(text);
      }
      if (until(line)) {
        await then(line, child.pid as number);
        const ms = performance.now() - started;
        return { peak: procMemory(child.pid as number)?.peakRssBytes ?? Number.NaN, ms };
      }
    }
    throw new Error('the daemon ended before the expected log line');
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

/**
 * Runs the daemon on `config`, sends one evaluate request as soon as its
 * socket accepts (its log lines are written only after its first answer),
 * and returns its VmHWM once the decision is back.
 */
async function firstAnswerPeak(
  config: string,
  nodeFlags: string[],
  socket: string,
): Promise<{ peak: number; ms: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeFlags, BIN, 'daemon', '--config', config], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((done) => child.once('exit', done));
  try {
    for (;;) {
      let client: LocalClient;
      try {
        client = await LocalClient.connect(socket);
      } catch {
        if (child.exitCode !== null) throw new Error('the daemon ended before it answered');
        await new Promise((done) => setTimeout(done, 1));
        continue;
      }
      try {
        await client.request({ kind: 'evaluateFile', file: { path: 'C:\\Windows\\notepad.exe' } });
      } finally {
        client.close();
      }
      const ms = performance.now() - started;
      return { peak: procMemory(child.pid as number)?.peakRssBytes ?? Number.NaN, ms };
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

async function main(): Promise<void> {
  const [policiesArg, runsArg, ...rest] = process.argv.slice(2);
  const policies = Number(policiesArg ?? 100_000);
  const runs = Number(runsArg ?? 3);
  const nodeFlags = rest[0] === '--' ? rest.slice(1) : rest;
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-memory-'));
  try {
    const synthetic = syntheticWorld({ policies, seed: 7, requests: 0 });
    const scenario = join(dir, 'world.json');
    writeFileSync(scenario, serializeScenario(synthetic.world, 'json'));
    await cliOk(['keygen', '--out', join(dir, 'keys')]);
    const build = (version: number, out: string): Promise<void> =>
      cliOk([
        'snapshot',
        'build',
        scenario,
        '--computer',
        synthetic.computer,
        '--key',
        join(dir, 'keys', 'tollgate-signing.key'),
        '--version',
        String(version),
        '--out',
        out,
      ]);
    const snapshot = join(dir, 'snapshot.bin');
    await build(1, snapshot);
    const newer: string[] = [];
    for (let v = 2; v < 2 + APPLIES; v++) {
      const out = join(dir, `snapshot-${v}.bin`);
      await build(v, out);
      newer.push(out);
    }
    const results: { apply: number; warm: number; warmMs: number; applies: number; rssAfterApplies: number }[] = [];
    for (let r = 0; r < runs; r++) {
      const dataDir = join(dir, `data-${r}`);
      const socket = join(dir, `d${r}.sock`);
      const base = {
        dataDir,
        computerId: synthetic.computer,
        serverPublicKey: join(dir, 'keys', 'tollgate-signing.pub'),
        // A 24 MB frame can take more than the default 5 s to arrive on a busy machine.
        socket: { path: socket, maxFrameBytes: 64 << 20, firstFrameTimeoutMs: 120_000, frameTimeoutMs: 120_000 },
        logLevel: 'info',
      };
      const seeded = join(dir, `seeded-${r}.json`);
      writeFileSync(seeded, JSON.stringify({ ...base, seedSnapshot: snapshot }));
      const warmConfig = join(dir, `warm-${r}.json`);
      writeFileSync(warmConfig, JSON.stringify(base));
      const apply = await daemonPeak(
        seeded,
        nodeFlags,
        (l) => l['msg'] === 'seed snapshot applied',
        () => Promise.resolve(),
      );
      const warm = await firstAnswerPeak(warmConfig, nodeFlags, socket);
      let rssAfterApplies = Number.NaN;
      const applies = await daemonPeak(
        warmConfig,
        nodeFlags,
        (l) => l['msg'] === 'serving',
        async (line, pid) => {
          for (const file of newer) await cliOk(['snapshot', 'apply', file, '--socket', String(line['adminSocket'])]);
          await new Promise((done) => setTimeout(done, 500));
          rssAfterApplies = procMemory(pid)?.rssBytes ?? Number.NaN;
        },
      );
      const result = { apply: apply.peak, warm: warm.peak, warmMs: warm.ms, applies: applies.peak, rssAfterApplies };
      results.push(result);
      console.log(JSON.stringify({ run: r, policies, nodeFlags, ...result }));
    }
    const median = (xs: number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      return s[Math.floor(s.length / 2)] as number;
    };
    const mb = (n: number): string => `${(n / 1_000_000).toFixed(1)} MB`;
    console.log(
      JSON.stringify({
        policies,
        nodeFlags,
        medianApplyPeak: mb(median(results.map((x) => x.apply))),
        medianWarmPeak: mb(median(results.map((x) => x.warm))),
        medianWarmMs: Math.round(median(results.map((x) => x.warmMs))),
        medianAppliesPeak: mb(median(results.map((x) => x.applies))),
        medianRssAfterApplies: mb(median(results.map((x) => x.rssAfterApplies))),
      }),
    );
  } finally {
    if (process.env['KEEP_DIR'] === undefined) rmSync(dir, { recursive: true, force: true });
    else console.log(dir);
  }
}

await main();
