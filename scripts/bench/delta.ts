/**
 * The delta section: a one-policy change to a 100,000-policy view, sent to
 * one agent as a signed delta instead of the full signed snapshot.
 *
 * In one process (so that the two figures asked for are timed precisely and
 * not shared with a second process on a small machine): the real
 * ServerState (SQLite in a temp folder) and SyncHub behind an HTTP server on
 * loopback port 0, and a real Agent (its SQLite cache in a temp folder) with
 * its SyncClient. The agent syncs the view (a full snapshot), then an admin
 * change to one policy is pushed, several times; for each we record the
 * bytes of the message that reached the agent and the time the agent took
 * to verify, apply, check, compile and store it (Agent.applyDelta). For the
 * choice of the view hash, the section also times the two ways to hash the
 * 100,000-policy view: re-encoding the view object (viewToWire and
 * protobufjs) and hashing, against cutting the encoded bytes into records
 * and hashing those (what tollgate does).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { Agent } from '../../src/agent/agent.js';
import { ServerState } from '../../src/server/state.js';
import { AGENT_PATH, SyncHub } from '../../src/server/sync-hub.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { SyncClient } from '../../src/sync/client.js';
import { viewToWire } from '../../src/wire/codec.js';
import { partsHash, signedSnapshotViewBytes, viewParts } from '../../src/wire/delta.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { openSnapshot } from '../../src/wire/signed.js';
import { parsePublicKey } from '../../src/wire/signing.js';
import { encodeServerMessage } from '../../src/wire/sync-messages.js';
import { formatFixed, formatInt } from '../lib/stats.js';
import { TARGET_COMPUTER, syntheticWorld } from '../lib/synthetic-world.js';
import { collectGarbage, median } from './measure.js';
import type { Section, SectionOptions, TargetResult } from './section.js';

export const DELTA_TARGET_POLICIES = 100_000;
/** The delta must be under this share of the snapshot's bytes. */
export const TARGET_DELTA_RATIO = 1 / 1000;

export interface DeltaBenchOptions extends SectionOptions {
  policies: number;
  seed: number;
  /** One-policy changes pushed and timed; the median is reported. */
  changes: number;
}

export interface DeltaRun {
  /** The ServerMessage the agent received (delta), bytes. */
  deltaMessageBytes: number;
  /** The full snapshot's ServerMessage for the same version, bytes. */
  snapshotMessageBytes: number;
  ratio: number;
  /** Agent.applyDelta: verify, apply to the stored base and the view, check the hash, compile, store, ms. */
  applyMs: number;
  /** hub.push on the server, after the change is committed: diff the new body against the agent's view, sign the delta, send it, ms. */
  serverMs: number;
}

export interface DeltaBenchData {
  policies: number;
  viewBytes: number;
  runs: DeltaRun[];
  medianApplyMs: number;
  worstRatio: number;
  /** Hashing the view: re-encoding the view object, and cutting the encoded bytes into records. */
  hashByReencodeMs: number;
  hashByRecordsMs: number;
  /** Applying the first snapshot (verify, decode, compile, store), ms, for comparison. */
  snapshotApplyMs: number;
}

const pb = tollgate.v1;

function timed<T>(fn: () => T): { ms: number; value: T } {
  const started = performance.now();
  const value = fn();
  return { ms: performance.now() - started, value };
}

export async function benchDelta(opts: DeltaBenchOptions): Promise<Section> {
  const { log } = opts;
  const dir = mkdtempSync(join(os.tmpdir(), 'tollgate-bench-delta-'));
  const http = createServer();
  let hub: SyncHub | null = null;
  let client: SyncClient | null = null;
  let state: ServerState | null = null;
  let store: AgentStore | null = null;
  try {
    log(`delta: a server state with ${formatInt(opts.policies)} policies`);
    const synthetic = syntheticWorld({ policies: opts.policies, seed: opts.seed, requests: 0 });
    state = await ServerState.open({ dataDir: join(dir, 'server'), clock: () => Date.now() });
    await state.importWorld(synthetic.world);
    const token = (await state.enroll(TARGET_COMPUTER)).token;
    const serverState = state;
    hub = new SyncHub({
      state,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
      clock: () => Date.now(),
      pingIntervalMs: 60_000,
      pongTimeoutMs: 60_000,
      helloTimeoutMs: 60_000,
      maxMessageBytes: 1 << 20,
      maxBufferedBytes: 256 << 20,
    });
    hub.attach(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const url = `ws://127.0.0.1:${(http.address() as { port: number }).port}${AGENT_PATH}`;

    store = AgentStore.open(join(dir, 'agent.db'));
    const agent = new Agent({
      store,
      publicKey: parsePublicKey(state.publicKeyPem()),
      computerId: TARGET_COMPUTER,
      noSnapshotAction: 'deny',
      clock: () => Date.now(),
    });
    let snapshotApplyMs = 0;
    const applied: { kind: 'snapshot' | 'delta'; bytes: number; ms: number }[] = [];
    let notify: (() => void) | null = null;
    const next = (): Promise<void> => new Promise((resolve) => (notify = resolve));
    const quiet = { info: () => undefined, warn: () => undefined, debug: () => undefined };
    client = new SyncClient({
      url,
      token,
      computerId: TARGET_COMPUTER,
      agent,
      fallbackAgentVersion: '10.6.0',
      fallbackOs: 'windows',
      pingIntervalMs: 60_000,
      pongTimeoutMs: 60_000,
      backoffInitialMs: 50,
      backoffMaxMs: 1_000,
      maxMessageBytes: 256 << 20,
      logger: quiet,
      random: Math.random,
      applySnapshot: (bytes) => {
        const run = timed(() => agent.applySnapshot(bytes));
        snapshotApplyMs = run.ms;
        applied.push({
          kind: 'snapshot',
          bytes: encodeServerMessage({ kind: 'snapshot', signed: bytes }).length,
          ms: run.ms,
        });
        setImmediate(() => notify?.());
        return run.value;
      },
      applyDelta: (bytes) => {
        const run = timed(() => agent.applyDelta(bytes));
        applied.push({
          kind: 'delta',
          bytes: encodeServerMessage({ kind: 'delta', signed: bytes }).length,
          ms: run.ms,
        });
        setImmediate(() => notify?.());
        return run.value;
      },
    });
    const first = next();
    client.start();
    await first;
    log(`delta: the agent applied the ${formatInt(opts.policies)}-policy snapshot in ${formatInt(snapshotApplyMs)} ms`);

    // The view hash, two ways.
    const signed = serverState.snapshotFor(TARGET_COMPUTER).bytes;
    const view = openSnapshot(signed, parsePublicKey(serverState.publicKeyPem())).view;
    collectGarbage();
    const reencode = timed(() =>
      createHash('sha256')
        .update(pb.ComputerView.encode(viewToWire(view)).finish())
        .digest(),
    );
    collectGarbage();
    const records = timed(() => partsHash(viewParts(signedSnapshotViewBytes(signed))));
    if (!reencode.value.equals(records.value)) throw new Error('the two ways of hashing the view disagree');
    const viewBytes = signedSnapshotViewBytes(signed).length;

    const runs: DeltaRun[] = [];
    const policies = synthetic.world.policies.filter((p) => p.id !== 'pol-default');
    for (let i = 0; i < opts.changes; i++) {
      const policy = policies[(i * 7919) % policies.length]!;
      const current = serverState.world().policies.find((p) => p.id === policy.id)!;
      const { changes } = await serverState.updatePolicy(policy.id, {
        action: current.action === 'deny' ? 'permit' : 'deny',
      });
      const got = next();
      collectGarbage();
      const pushStarted = performance.now();
      hub.push(changes);
      await hub.pushed();
      const pushed = { ms: performance.now() - pushStarted };
      await got;
      const last = applied[applied.length - 1]!;
      if (last.kind !== 'delta') throw new Error(`change ${i + 1} reached the agent as a ${last.kind}`);
      const snapshotMessageBytes = encodeServerMessage({
        kind: 'snapshot',
        signed: serverState.snapshotFor(TARGET_COMPUTER).bytes,
      }).length;
      runs.push({
        deltaMessageBytes: last.bytes,
        snapshotMessageBytes,
        ratio: last.bytes / snapshotMessageBytes,
        applyMs: last.ms,
        serverMs: pushed.ms,
      });
      log(
        `delta: change ${i + 1}/${opts.changes}: ${formatInt(last.bytes)} bytes against ${formatInt(snapshotMessageBytes)}, applied in ${formatFixed(last.ms, 1)} ms`,
      );
    }
    return render({
      policies: opts.policies,
      viewBytes,
      runs,
      medianApplyMs: median(runs.map((r) => r.applyMs)),
      worstRatio: Math.max(...runs.map((r) => r.ratio)),
      hashByReencodeMs: reencode.ms,
      hashByRecordsMs: records.ms,
      snapshotApplyMs,
    });
  } finally {
    client?.close();
    await hub?.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await state?.close();
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function render(d: DeltaBenchData): Section {
  const atTarget = d.policies === DELTA_TARGET_POLICIES;
  const targets: TargetResult[] = [
    {
      target: `one-policy change to a ${formatInt(DELTA_TARGET_POLICIES)}-policy view: delta bytes / snapshot bytes (worst of ${d.runs.length})`,
      limit: `< 1/${formatInt(1 / TARGET_DELTA_RATIO)}`,
      measured: `1/${formatInt(1 / d.worstRatio)}`,
      status: !atTarget ? 'SKIP' : d.worstRatio < TARGET_DELTA_RATIO ? 'PASS' : 'FAIL',
    },
  ];
  return {
    id: 'delta',
    title: 'Deltas: a one-policy change to a large view, sent to one agent',
    tables: [
      {
        title: `One-policy changes to a ${formatInt(d.policies)}-policy view`,
        headers: [
          'change',
          'delta message bytes',
          'snapshot message bytes',
          'ratio',
          'agent apply (ms)',
          'server push (ms)',
        ],
        rows: d.runs.map((r, i) => [
          String(i + 1),
          formatInt(r.deltaMessageBytes),
          formatInt(r.snapshotMessageBytes),
          `1/${formatInt(1 / r.ratio)}`,
          formatFixed(r.applyMs, 1),
          formatFixed(r.serverMs, 1),
        ]),
        align: ['right', 'right', 'right', 'right', 'right', 'right'],
      },
      {
        title: `Hashing the ${formatInt(d.policies)}-policy view (${formatInt(d.viewBytes)} bytes), ms`,
        headers: ['how', 'ms'],
        rows: [
          ['re-encode the view object (viewToWire + protobufjs) and SHA-256', formatFixed(d.hashByReencodeMs, 1)],
          ['cut the encoded bytes into records and SHA-256 them (tollgate)', formatFixed(d.hashByRecordsMs, 1)],
        ],
        align: ['left', 'right'],
      },
    ],
    targets,
    notes: [
      `In one process: the real ServerState and SyncHub on loopback, a real Agent with its SyncClient and SQLite cache; ${os.availableParallelism()} cores.`,
      `Agent apply = Agent.applyDelta: verify the signature, apply the changes to the stored base's encoding and to a copy of the view, check the produced view's hash, compile the view and store it (one SQLite transaction). Median ${formatFixed(d.medianApplyMs, 1)} ms; the first full snapshot took ${formatInt(d.snapshotApplyMs)} ms to apply.`,
      'Server push = SyncHub.push for the change: build and sign the new snapshot version (as before deltas), cut its view into records, diff it against the view the agent holds and sign the delta.',
    ],
    data: d,
  };
}
