// Long work in steps that yield: a change prepared with a turn of the event
// loop after every step gives what the same change made without a turn gives
// (versions, views), and the event loop does run between the steps; a
// heartbeat round over many connections yields between them and still pings
// every one. Real ServerStates (SQLite in temp folders) and a real SyncHub
// on port 0 with raw WebSocket clients. A slice of 0 ms yields at every step,
// so nothing here depends on how fast the machine is.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { fleetWorld, groupId } from '../../scripts/lib/fleet-world.js';
import { ServerState } from '../../src/server/state.js';
import type { PhaseMarks } from '../../src/server/stall-monitor.js';
import { AGENT_PATH, SyncHub } from '../../src/server/sync-hub.js';
import { encodeAgentMessage } from '../../src/wire/sync-messages.js';
import { splicedViewHash } from '../../src/wire/view-splice.js';

const cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const WORLD = { orgs: 6, computersPerOrg: 8, globalPolicies: 60, policiesPerOrg: 6 };

/**
 * The phases marked, and how many of them had been marked each time a probe
 * on the event loop (a setImmediate chain) got a turn: a probe count between
 * two marks shows the loop ran between them.
 */
class Recorder implements PhaseMarks {
  readonly marks: string[] = [];
  readonly probes: number[] = [];
  private probing = true;

  constructor() {
    const probe = (): void => {
      this.probes.push(this.marks.length);
      if (this.probing) setImmediate(probe);
    };
    setImmediate(probe);
    cleanup.push(() => this.stop());
  }

  mark(phase: string): void {
    this.marks.push(phase);
  }

  stop(): void {
    this.probing = false;
  }

  /** Whether the probe ran after the first mark `from` and before the first mark `to` after it. */
  ranBetween(from: string, to: string): boolean {
    const start = this.marks.indexOf(from);
    const end = this.marks.indexOf(to, start + 1);
    if (start < 0 || end < 0) throw new Error(`marks ${from} / ${to} not both made: ${this.marks.join(', ')}`);
    return this.probes.some((n) => n > start && n <= end);
  }
}

async function openState(name: string, options: { sliceMs: number; phases?: PhaseMarks }): Promise<ServerState> {
  const dir = mkdtempSync(join(tmpdir(), `tollgate-long-work-${name}-`));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const state = await ServerState.open({ dataDir: dir, clock: () => 7_000, ...options });
  cleanup.push(() => state.close());
  return state;
}

/** Every computer's versions and view hash. */
function outcome(state: ServerState): Record<string, unknown> {
  return Object.fromEntries(
    state.computers().map((c) => {
      const current = state.currentView(c.id);
      return [c.id, [current.version, current.settingsVersion, splicedViewHash(current.view).toString('hex')]];
    }),
  );
}

describe('a change prepared in steps', () => {
  it('gives the versions and views of the same change made at once, and lets the event loop run between the steps', async () => {
    const stepped = new Recorder();
    const inSteps = await openState('steps', { sliceMs: 0, phases: stepped });
    const atOnce = await openState('once', { sliceMs: Number.MAX_SAFE_INTEGER });
    const world = fleetWorld(WORLD);
    for (const state of [inSteps, atOnce]) await state.importWorld(world);
    expect(outcome(inSteps)).toEqual(outcome(atOnce));

    stepped.marks.length = 0;
    const changes = await Promise.all(
      [inSteps, atOnce].map((state) => state.updatePolicy('global-00005', { action: 'deny' })),
    );
    expect(changes[0]!.changes).toEqual(changes[1]!.changes);
    expect(changes[0]!.changes.snapshots).toHaveLength(WORLD.orgs * WORLD.computersPerOrg);
    expect(outcome(inSteps)).toEqual(outcome(atOnce));

    // Each step ends with a turn of the event loop.
    expect(stepped.ranBetween('change: validate', 'change: row diff')).toBe(true);
    expect(stepped.ranBetween('change: row diff', 'change: index')).toBe(true);
    expect(stepped.ranBetween('change: index', 'change: lookups')).toBe(true);
    expect(stepped.ranBetween('change: lookups', 'change: affected computers')).toBe(true);
    expect(stepped.ranBetween('change: plan', 'change: commit')).toBe(true);

    const settings = await Promise.all(
      [inSteps, atOnce].map((state) =>
        state.setSetting({ kind: 'group', id: groupId(1, 'ws') }, 'prioritizeBuiltInApplications', false),
      ),
    );
    expect(settings[0]!.changes).toEqual(settings[1]!.changes);
    expect(outcome(inSteps)).toEqual(outcome(atOnce));
  });

  it('answers reads with the world before the change until it is committed', async () => {
    const recorder = new Recorder();
    const state = await openState('reads', { sliceMs: 0, phases: recorder });
    await state.importWorld(fleetWorld(WORLD));
    const before = state.world();
    // A read on the turn of the event loop after the lookups of the new world are built.
    const reads: Promise<boolean>[] = [];
    const original = recorder.mark.bind(recorder);
    recorder.mark = (phase: string): void => {
      original(phase);
      if (phase === 'change: lookups') {
        reads.push(new Promise((resolve) => setImmediate(() => resolve(state.world() === before))));
      }
    };
    await state.updatePolicy('global-00001', { action: 'deny' });
    expect(await Promise.all(reads)).toEqual([true]);
    expect(state.world()).not.toBe(before);
    expect(state.world().policies.find((p) => p.id === 'global-00001')?.action).toBe('deny');
  });
});

/** A SyncHub over `state` behind an HTTP server on port 0, slices of 0 ms: its agents' URL. */
async function startHub(state: ServerState, options: { pingIntervalMs: number; phases?: PhaseMarks }): Promise<string> {
  const silent = (): void => undefined;
  const hub = new SyncHub({
    state,
    logger: { info: silent, warn: silent, error: silent, debug: silent },
    clock: () => 7_000,
    pongTimeoutMs: 60_000,
    helloTimeoutMs: 60_000,
    maxMessageBytes: 1 << 20,
    sliceMs: 0,
    ...options,
  });
  cleanup.push(() => hub.close());
  const http: Server = createServer();
  hub.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
  return `ws://127.0.0.1:${(http.address() as { port: number }).port}${AGENT_PATH}`;
}

describe('the heartbeat', () => {
  it('pings every connection in slices, the event loop running between them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-long-work-hub-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const state = await ServerState.open({ dataDir: dir, clock: () => 7_000 });
    cleanup.push(() => state.close());
    const recorder = new Recorder();
    const url = await startHub(state, { pingIntervalMs: 50, phases: recorder });
    const clients = 12;
    const pinged = await Promise.all(
      Array.from({ length: clients }, async () => {
        const ws = new WebSocket(url);
        cleanup.push(() => ws.terminate());
        // Connected but silent (no hello): the heartbeat pings these too.
        const ping = new Promise<boolean>((resolve) => ws.once('ping', () => resolve(true)));
        await new Promise((resolve) => ws.once('open', resolve));
        return ping;
      }),
    );
    expect(pinged).toEqual(Array.from({ length: clients }, () => true));
    // One turn of the event loop per connection after the first, in the same round.
    const beats = recorder.marks.filter((m) => m === 'heartbeat').length;
    expect(beats).toBeGreaterThanOrEqual(clients - 1);
    const first = recorder.marks.indexOf('heartbeat');
    const last = recorder.marks.lastIndexOf('heartbeat');
    expect(recorder.probes.some((n) => n > first && n <= last)).toBe(true);
  });

  it('skips a connection heard from since the round before, and pings it once it falls silent', async () => {
    const state = await openState('heard', { sliceMs: 0 });
    await state.importWorld(fleetWorld(WORLD));
    const [talker, silentOne] = state.computers().map((c) => c.id);
    const url = await startHub(state, { pingIntervalMs: 200 });

    // Two agents holding their computers' views: each hello is answered upToDate.
    const connect = async (id: string): Promise<{ ws: WebSocket; pings: number; ack: () => void }> => {
      const { token } = await state.enroll(id);
      const ws = new WebSocket(url);
      cleanup.push(() => ws.terminate());
      await new Promise((resolve) => ws.once('open', resolve));
      const current = state.currentView(id);
      const answered = new Promise((resolve) => ws.once('message', resolve));
      ws.send(
        encodeAgentMessage({
          kind: 'hello',
          computerId: id,
          token,
          agentVersion: '10.6.2',
          os: 'windows',
          snapshotVersion: current.version,
          settingsVersion: current.settingsVersion,
          viewHash: splicedViewHash(current.view),
        }),
      );
      await answered;
      const agent = {
        ws,
        pings: 0,
        ack: () =>
          ws.send(
            encodeAgentMessage({
              kind: 'ack',
              snapshotVersion: current.version,
              settingsVersion: current.settingsVersion,
              error: '',
            }),
          ),
      };
      ws.on('ping', () => agent.pings++);
      return agent;
    };
    const a = await connect(talker!);
    const b = await connect(silentOne!);
    // The talker acknowledges again each time the silent one is pinged: it is heard from before every round
    // after the first, which pings only the silent one.
    b.ws.on('ping', () => a.ack());
    a.ack();
    while (b.pings < 6) await new Promise((resolve) => b.ws.once('ping', resolve));
    // Pinged in the first round at most, and in a round its acknowledgement was late for (a stall of this
    // process): a talker pinged in every round would have 6.
    expect(a.pings).toBeLessThanOrEqual(2);

    // Silent from now on: the talker is pinged again.
    b.ws.removeAllListeners('ping');
    b.ws.on('ping', () => b.pings++);
    await new Promise((resolve) => a.ws.once('ping', resolve));
    expect(a.pings).toBeGreaterThanOrEqual(1);
  });
});
