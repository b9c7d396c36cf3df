// A push to many agents in slices: a real SyncHub and ServerState (SQLite in
// a temp folder) behind a real HTTP server on port 0, real WebSocket agents
// that hold their views, and the real signing thread. With a slice of 0 ms
// the push yields after every step, so what is asserted is an order (a ping
// answered before the push reached the agent that sent it), never a time.
// Every agent gets exactly its delta: one message, from the view it holds to
// its computer's new view, with the view hashes the thread took.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { fleetWorld } from '../../scripts/lib/fleet-world.js';
import { type DeltaSigner, type ViewHashJob, WorkerDeltaSigner } from '../../src/server/delta-signer.js';
import { ServerState } from '../../src/server/state.js';
import { AGENT_PATH, SyncHub } from '../../src/server/sync-hub.js';
import { openDelta } from '../../src/wire/delta.js';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import { parsePublicKey } from '../../src/wire/signing.js';
import { decodeServerMessage, encodeAgentMessage, type ServerMessage } from '../../src/wire/sync-messages.js';
import { splicedViewHash } from '../../src/wire/view-splice.js';

const cleanup: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const WORLD = { orgs: 8, computersPerOrg: 10, globalPolicies: 40, policiesPerOrg: 4 };

/** An agent: what it was sent, in order, and each pong it got, as events. */
class Agent {
  readonly ws: WebSocket;
  readonly events: ('pong' | ServerMessage)[] = [];
  private wake: (() => void) | null = null;

  constructor(
    url: string,
    readonly computerId: string,
  ) {
    this.ws = new WebSocket(url);
    cleanup.push(() => this.ws.terminate());
    this.ws.on('message', (data) => this.add(decodeServerMessage(rawDataBytes(data))));
    this.ws.on('pong', () => this.add('pong'));
  }

  private add(event: 'pong' | ServerMessage): void {
    this.events.push(event);
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Waits until `n` messages (pongs not counted) have come. */
  async messages(n: number): Promise<ServerMessage[]> {
    for (;;) {
      const got = this.events.filter((e): e is ServerMessage => e !== 'pong');
      if (got.length >= n) return got;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/** A server (state, hub, signing thread) and an agent for each computer of the fleet, each holding its view. */
async function fleet() {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-push-slices-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const state = await ServerState.open({ dataDir: dir, clock: () => 9_000 });
  cleanup.push(() => state.close());
  await state.importWorld(fleetWorld(WORLD));
  const ids = state.computers().map((c) => c.id);
  expect(ids).toHaveLength(WORLD.orgs * WORLD.computersPerOrg);
  const tokens = new Map<string, string>();
  for (const id of ids) tokens.set(id, (await state.enroll(id)).token);

  const thread = new WorkerDeltaSigner();
  const hashed: number[] = [];
  const signer: DeltaSigner = {
    sign: (payloads, key) => thread.sign(payloads, key),
    hashViews: (jobs: readonly ViewHashJob[]) => {
      hashed.push(jobs.reduce((n, job) => n + job.computers.length, 0));
      return thread.hashViews(jobs);
    },
    maxBatchBytes: thread.maxBatchBytes,
    close: () => thread.close(),
  };
  const silent = (): void => undefined;
  const hub = new SyncHub({
    state,
    logger: { info: silent, warn: silent, error: silent, debug: silent },
    clock: () => 9_000,
    pingIntervalMs: 60_000,
    pongTimeoutMs: 60_000,
    helloTimeoutMs: 60_000,
    maxMessageBytes: 1 << 20,
    sliceMs: 0,
    deltaSigner: signer,
    signBatch: 8,
  });
  cleanup.push(() => hub.close());
  const http: Server = createServer();
  hub.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
  const url = `ws://127.0.0.1:${(http.address() as { port: number }).port}${AGENT_PATH}`;

  // Every agent holds its computer's view (the server learns it from the hello) and is told it is up to date.
  const held = new Map<string, { version: number; hash: Buffer }>();
  const agents = await Promise.all(
    ids.map(async (id) => {
      const agent = new Agent(url, id);
      await new Promise((resolve) => agent.ws.once('open', resolve));
      const current = state.currentView(id);
      const hash = splicedViewHash(current.view);
      held.set(id, { version: current.version, hash });
      agent.ws.send(
        encodeAgentMessage({
          kind: 'hello',
          computerId: id,
          token: tokens.get(id)!,
          agentVersion: '10.6.2',
          os: 'windows',
          snapshotVersion: current.version,
          settingsVersion: current.settingsVersion,
          viewHash: hash,
        }),
      );
      expect((await agent.messages(1))[0]!.kind).toBe('upToDate');
      return agent;
    }),
  );

  return { state, hub, agents, ids, held, hashed };
}

it('answers a ping while a push to many agents is under way, and sends each agent exactly its delta', async () => {
  const { state, hub, agents, ids, held, hashed } = await fleet();
  const { changes } = await state.updatePolicy('global-00003', { action: 'deny' });
  expect([...changes.snapshots].sort()).toEqual([...ids].sort());
  // The agent that pings is the push's last; it pings once the push reached the first.
  const pinger = agents.at(-1)!;
  agents[0]!.ws.once('message', () => pinger.ws.ping());
  hub.push({ snapshots: agents.map((a) => a.computerId), settings: [] });
  await hub.pushed();

  const key = parsePublicKey(state.publicKeyPem());
  for (const agent of agents) {
    const [, message] = await agent.messages(2);
    expect(message!.kind, agent.computerId).toBe('delta');
    const delta = openDelta((message as { signed: Uint8Array }).signed, key);
    const current = state.currentView(agent.computerId);
    const base = held.get(agent.computerId)!;
    expect(delta.computerId).toBe(agent.computerId);
    expect([delta.baseVersion, delta.version]).toEqual([base.version, current.version]);
    expect(Buffer.from(delta.baseViewHash).equals(base.hash), agent.computerId).toBe(true);
    expect(Buffer.from(delta.viewHash).equals(splicedViewHash(current.view)), agent.computerId).toBe(true);
    held.set(agent.computerId, { version: current.version, hash: Buffer.from(delta.viewHash) });
  }
  // The pong came before the push reached the agent that pinged.
  const kinds = pinger.events.map((e) => (e === 'pong' ? e : e.kind));
  expect(kinds).toEqual(['upToDate', 'pong', 'delta']);
  // The new views' hashes were taken on the signing thread, every one of them once.
  expect(hashed.reduce((a, b) => a + b, 0)).toBe(ids.length);

  // Nothing else was sent: each agent's next message is the delta of the next change, from the view it got.
  await state.updatePolicy('global-00004', { action: 'deny' });
  hub.push({ snapshots: ids, settings: [] });
  for (const agent of agents) {
    const [, , message] = await agent.messages(3);
    const delta = openDelta((message as { signed: Uint8Array }).signed, key);
    expect(delta.baseVersion).toBe(held.get(agent.computerId)!.version);
    expect(Buffer.from(delta.baseViewHash).equals(held.get(agent.computerId)!.hash)).toBe(true);
  }
});

it('pushes to the other agents when a change committed after the push was made removed one computer', async () => {
  const { state, hub, agents, ids } = await fleet();
  const { changes } = await state.updatePolicy('global-00003', { action: 'deny' });
  // A later change removes a computer whose agent is still connected, before this push runs.
  const world = state.world();
  // One that nothing else in the world names (no computer-level policy or setting).
  const named = JSON.stringify({ ...world, computers: [] });
  const gone = ids.find((id) => !named.includes(`"${id}"`))!;
  expect(gone).toBeDefined();
  await state.replaceWorld(
    { ...world, computers: world.computers.filter((c) => c.id !== gone) },
    { dryRun: false, allowRemovals: true },
  );
  // Its agent does not read (so its connection stays until the refusal's close is cut off) while the push runs.
  agents.find((a) => a.computerId === gone)!.ws.pause();
  hub.push({ snapshots: [...changes.snapshots], settings: [gone] });
  await hub.pushed();
  for (const agent of agents.filter((a) => a.computerId !== gone)) {
    const [, message] = await agent.messages(2);
    expect([agent.computerId, message!.kind]).toEqual([agent.computerId, 'delta']);
  }
  expect(state.hasComputer(gone)).toBe(false);
});

it('stops without waiting on an agent that does not answer its close frame', { timeout: 15_000 }, async () => {
  const { hub, agents } = await fleet();
  // A stopped agent process: its socket is not read, so the server's close frame is never answered.
  agents[0]!.ws.pause();
  const closed = new Promise<number>((resolve) => agents[0]!.ws.once('close', (code) => resolve(code)));
  await hub.close();
  // The stop ended with the connection cut off: read again, the agent finds the server's close frame and the end.
  agents[0]!.ws.resume();
  expect(await closed).toBe(1001);
});
