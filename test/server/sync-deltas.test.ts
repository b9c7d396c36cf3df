// The sync hub's choice between a delta and a snapshot, against a real
// SyncHub and ServerState (SQLite in a temp folder) behind a real HTTP server
// on port 0, and raw WebSocket agents that verify what they get.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import type { KeyObject } from 'node:crypto';
import { TollgateError } from '../../src/engine/errors.js';
import { type DeltaSigner, WorkerDeltaSigner } from '../../src/server/delta-signer.js';
import { firstBatchHeld } from '../support/held-signer.js';
import { ServerState } from '../../src/server/state.js';
import { AGENT_PATH, SyncHub, type SyncHubOptions } from '../../src/server/sync-hub.js';
import {
  applyDeltaToParts,
  openDelta,
  partsHash,
  sealDelta,
  signedSnapshotViewBytes,
  signedSnapshotViewHash,
  viewParts,
} from '../../src/wire/delta.js';
import { rawDataBytes } from '../../src/wire/raw-data.js';
import { peekSnapshot } from '../../src/wire/signed.js';
import { parsePublicKey } from '../../src/wire/signing.js';
import { decodeServerMessage, encodeAgentMessage, type ServerMessage } from '../../src/wire/sync-messages.js';
import { ApplyingAgent } from '../support/applying-agent.js';
import { paddedWorld } from '../support/padded-world.js';

const WORLD = paddedWorld(100, 200);

interface Logged {
  msg: string;
  obj: Record<string, unknown>;
}

let dir: string;
let state: ServerState;
let hub: SyncHub;
let http: Server;
let url: string;
let logs: Logged[];
const tokens = new Map<string, string>();
const clients: WebSocket[] = [];

async function startServer(options: Partial<SyncHubOptions> = {}, world = WORLD): Promise<void> {
  state = await ServerState.open({ dataDir: dir, clock: () => 5_000 });
  await state.importWorld(world);
  for (const c of world.computers) tokens.set(c.id, (await state.enroll(c.id)).token);
  const log = (obj: object, msg: string) => void logs.push({ msg, obj: obj as Record<string, unknown> });
  hub = new SyncHub({
    state,
    logger: { info: log, warn: log, error: log, debug: log },
    clock: () => 5_000,
    pingIntervalMs: 60_000,
    pongTimeoutMs: 60_000,
    helloTimeoutMs: 60_000,
    maxMessageBytes: 1 << 20,
    ...options,
  });
  http = createServer();
  hub.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(http.address() as { port: number }).port}${AGENT_PATH}`;
}

/** A raw agent: receives messages in order and acknowledges as told. */
class RawAgent {
  readonly ws: WebSocket;
  private readonly queue: ServerMessage[] = [];
  private waiting: ((m: ServerMessage) => void) | null = null;

  constructor(readonly computerId: string) {
    this.ws = new WebSocket(url);
    clients.push(this.ws);
    this.ws.on('message', (data) => {
      const message = decodeServerMessage(rawDataBytes(data));
      if (this.waiting !== null) {
        const resolve = this.waiting;
        this.waiting = null;
        resolve(message);
      } else this.queue.push(message);
    });
  }

  opened(): Promise<void> {
    return new Promise((resolve) => this.ws.once('open', () => resolve()));
  }

  next(): Promise<ServerMessage> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  hello(snapshotVersion: number, viewHash?: Uint8Array): void {
    this.ws.send(
      encodeAgentMessage({
        kind: 'hello',
        computerId: this.computerId,
        token: tokens.get(this.computerId)!,
        agentVersion: '10.6.2',
        os: 'linux',
        snapshotVersion,
        settingsVersion: 0,
        ...(viewHash === undefined ? {} : { viewHash }),
      }),
    );
  }

  /** Messages received and not yet taken with next(). */
  get waitingCount(): number {
    return this.queue.length;
  }

  /** Resolves once every message the server sent before this was received (a ping's pong comes after them). */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      this.ws.once('pong', () => resolve());
      this.ws.ping();
    });
  }

  ack(snapshotVersion: number, viewHash: Uint8Array, error = '', errorCode?: string, settingsVersion = 1): void {
    this.ws.send(
      encodeAgentMessage({
        kind: 'ack',
        snapshotVersion,
        settingsVersion,
        error,
        viewHash,
        ...(errorCode === undefined ? {} : { errorCode }),
      }),
    );
  }
}

async function connected(computerId: string, snapshotVersion = 0, viewHash?: Uint8Array): Promise<RawAgent> {
  const agent = new RawAgent(computerId);
  await agent.opened();
  agent.hello(snapshotVersion, viewHash);
  return agent;
}

/** Receives a snapshot, acknowledges it with its view hash, and returns it. */
async function takeSnapshot(agent: RawAgent): Promise<{ signed: Uint8Array; version: number; hash: Buffer }> {
  const message = await agent.next();
  if (message.kind !== 'snapshot') throw new Error(`expected a snapshot, got ${message.kind}`);
  const version = peekSnapshot(message.signed).version;
  const hash = signedSnapshotViewHash(message.signed);
  agent.ack(version, hash);
  // Recorded before the test goes on: a change made before would be caught up by the acknowledgement itself.
  await hub.awaitSnapshotsApplied([agent.computerId], 10_000);
  return { signed: message.signed, version, hash };
}

async function changePolicy(i: number): Promise<void> {
  await state.updatePolicy(`pol-${i}`, { action: 'deny' });
}

const sentReasons = () => logs.filter((l) => l.msg === 'snapshot sent').map((l) => l.obj['reason']);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-hub-deltas-'));
  logs = [];
  tokens.clear();
});

afterEach(async () => {
  for (const ws of clients.splice(0)) ws.terminate();
  await hub.close();
  await new Promise<void>((resolve) => http.close(() => resolve()));
  await state.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('what the sync hub sends once', () => {
  const viewMessages = () => logs.filter((l) => l.msg === 'snapshot sent' || l.msg === 'delta sent').length;

  it('sends nothing for a push whose change an earlier push already sent (both made before either was sent)', async () => {
    await startServer();
    const agent = await connected('till-1');
    const first = await takeSnapshot(agent);
    const before = viewMessages();
    await changePolicy(1);
    // Two pushes of the change (two changes in a row, say), the second made before the first was sent: the first
    // sends the newest view, which the second would send again, whole.
    hub.push({ snapshots: ['till-1'], settings: [] });
    hub.push({ snapshots: ['till-1'], settings: [] });
    await hub.pushed();
    const delta = await agent.next();
    expect(delta.kind).toBe('delta');
    await agent.drained();
    expect(agent.waitingCount).toBe(0);
    expect(viewMessages() - before).toBe(1);
    expect(sentReasons()).not.toContain('base-not-older');
    expect(state.issuedVersions('till-1').snapshotVersion).toBe(first.version + 1);

    // A push made after that one was sent still sends the version again (a re-signed snapshot, say).
    hub.push({ snapshots: ['till-1'], settings: [] });
    await hub.pushed();
    expect((await agent.next()).kind).toBe('snapshot');
  });

  it('sends new settings once, also when two pushes carry them or an older acknowledgement comes after them', async () => {
    await startServer();
    const agent = await connected('till-1');
    const first = await takeSnapshot(agent);
    const held = state.issuedVersions('till-1').settingsVersion;
    await state.setSetting({ kind: 'computer', id: 'till-1' }, 'prioritizeBuiltInApplications', false);
    hub.push({ snapshots: [], settings: ['till-1'] });
    hub.push({ snapshots: [], settings: ['till-1'] });
    await hub.pushed();
    const settings = await agent.next();
    expect(settings.kind).toBe('settings');
    const version = state.issuedVersions('till-1').settingsVersion;
    expect(version).toBeGreaterThan(held);

    // An acknowledgement of what the agent held before (sent before the settings reached it), then of them.
    agent.ack(first.version, first.hash, '', undefined, held);
    agent.ack(first.version, first.hash, '', undefined, version);
    await hub.awaitSettingsApplied(['till-1'], 10_000);
    await agent.drained();
    expect(agent.waitingCount).toBe(0);
    expect(logs.filter((l) => l.msg === 'agent refused what it was sent')).toEqual([]);
  });

  it('takes an acknowledgement of less than was sent and acknowledged as it is, and sends nothing again', async () => {
    await startServer();
    const agent = await connected('till-1');
    const first = await takeSnapshot(agent);
    await state.setSetting({ kind: 'computer', id: 'till-1' }, 'prioritizeBuiltInApplications', false);
    hub.push({ snapshots: [], settings: ['till-1'] });
    await hub.pushed();
    expect((await agent.next()).kind).toBe('settings');
    const settings = state.issuedVersions('till-1').settingsVersion;
    expect(settings).toBeGreaterThan(0);
    agent.ack(first.version, first.hash, '', undefined, settings);
    await hub.awaitSettingsApplied(['till-1'], 10_000);
    agent.ack(0, first.hash, '', undefined, 0);
    await vi.waitFor(() =>
      expect(state.computers().find((c) => c.id === 'till-1')).toMatchObject({
        ackedSnapshotVersion: 0,
        ackedSettingsVersion: 0,
      }),
    );
    await agent.drained();
    expect(agent.waitingCount).toBe(0);
  });
});

describe('deltas from the sync hub', () => {
  it('sends a change as a signed delta from the view the agent holds, which rebuilds the new snapshot', async () => {
    await startServer();
    const agent = await connected('till-1');
    const first = await takeSnapshot(agent);
    expect(sentReasons()).toEqual(['no-base']);

    await changePolicy(7);
    hub.push({ snapshots: ['till-1'], settings: [] });
    const message = await agent.next();
    expect(message.kind).toBe('delta');
    const current = state.snapshotFor('till-1');
    const signed = (message as { signed: Uint8Array }).signed;
    expect(signed.length * 20).toBeLessThan(current.bytes.length);
    const delta = openDelta(signed, parsePublicKey(state.publicKeyPem()));
    expect(delta).toMatchObject({ computerId: 'till-1', baseVersion: first.version, version: current.version });
    expect(Buffer.from(delta.baseViewHash).equals(first.hash)).toBe(true);
    const parts = applyDeltaToParts(viewParts(signedSnapshotViewBytes(first.signed)), delta);
    expect(partsHash(parts).equals(signedSnapshotViewHash(current.bytes))).toBe(true);
    expect(logs.find((l) => l.msg === 'delta sent')?.obj).toMatchObject({
      computerId: 'till-1',
      baseVersion: first.version,
      bytes: signed.length,
      snapshotBytes: current.bytes.length,
    });

    // A change that lands before the agent acknowledges is a delta from what is on its way.
    await changePolicy(8);
    hub.push({ snapshots: ['till-1'], settings: [] });
    const second = await agent.next();
    expect(second.kind).toBe('delta');
    const next = openDelta((second as { signed: Uint8Array }).signed, parsePublicKey(state.publicKeyPem()));
    expect(next.baseVersion).toBe(current.version);
  });

  it('sends the full snapshot to an agent whose view it does not have, or that did not say which', async () => {
    await startServer();
    const agent = await connected('till-1', 0);
    const first = await takeSnapshot(agent);
    agent.ws.terminate();
    await changePolicy(3);
    // An agent reporting a view the server never sent.
    const stranger = await connected('till-1', first.version, Buffer.alloc(32, 1));
    await takeSnapshot(stranger);
    stranger.ws.terminate();
    await changePolicy(4);
    // An older agent whose hello carries no view hash.
    const old = await connected('till-1', first.version + 1);
    await takeSnapshot(old);
    expect(sentReasons()).toEqual(['no-base', 'base-unknown', 'no-base']);
  });

  /** An agent given a delta refuses it with `error` (and the code asking for the snapshot): it gets the full one. */
  async function refuseDelta(
    error: string,
  ): Promise<{ agent: RawAgent; first: { version: number; hash: Uint8Array } }> {
    await startServer();
    const agent = await connected('till-1');
    const first = await takeSnapshot(agent);
    await changePolicy(1);
    hub.push({ snapshots: ['till-1'], settings: [] });
    expect((await agent.next()).kind).toBe('delta');
    agent.ack(first.version, first.hash, error, 'delta-hash-mismatch');
    const full = await takeSnapshot(agent);
    expect(full.version).toBe(state.snapshotFor('till-1').version);
    expect(sentReasons()).toEqual(['no-base', 'requested']);
    return { agent, first };
  }

  it('answers a refused delta with the full snapshot, once', async () => {
    const { agent, first } = await refuseDelta('the delta produces another view');
    // A second refusal of the same version does not send it again.
    agent.ack(first.version, first.hash, 'again', 'delta-hash-mismatch');
    await changePolicy(2);
    hub.push({ snapshots: ['till-1'], settings: [] });
    expect((await agent.next()).kind).toBe('delta');
  });

  it('takes an acknowledgement with a code and no text as the refusal it is', async () => {
    const { agent, first } = await refuseDelta('');
    agent.ack(first.version, first.hash, '', 'bad-signature');
    await vi.waitFor(() => expect(state.computerState('till-1')?.lastError).toBe('refused (bad-signature)'));
  });

  it('keeps views within its byte bound, least recently used first, and sends no delta with a bound of 0', async () => {
    await startServer();
    const viewBytes = signedSnapshotViewBytes(state.snapshotFor('till-1').bytes).length;
    await hub.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await state.close();
    logs = [];
    // Room for one view and a half: the second computer's view pushes the first one's out.
    await startServer({ deltaViewCacheBytes: Math.floor(viewBytes * 1.5) });
    const a = await connected('till-1');
    await takeSnapshot(a);
    const b = await connected('till-2');
    await takeSnapshot(b);
    // Both acknowledgements recorded before the change: neither is caught up by its acknowledgement.
    await hub.awaitSnapshotsApplied(['till-1', 'till-2'], 10_000);
    await changePolicy(5);
    hub.push({ snapshots: ['till-2', 'till-1'], settings: [] });
    expect((await a.next()).kind).toBe('snapshot');
    expect((await b.next()).kind).toBe('delta');
    expect(sentReasons()).toEqual(['no-base', 'no-base', 'base-unknown']);
    // The view let go is named in a warning, so that the operator raises the bound.
    const warned = logs.filter((l) => l.msg.startsWith('full snapshot sent: the delta cache let go'));
    expect(warned.map((l) => l.obj)).toEqual([
      expect.objectContaining({ computerId: 'till-1', evictedViews: expect.any(Number) as unknown }),
    ]);
    expect(warned[0]?.obj['evictedViews']).toBeGreaterThan(0);
    expect(hub.deltaViewCacheBytes).toBeLessThanOrEqual(Math.floor(viewBytes * 1.5));
    for (const ws of clients.splice(0)) ws.terminate();
    await hub.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await state.close();

    logs = [];
    await startServer({ deltaViewCacheBytes: 0 });
    const c = await connected('till-1');
    await takeSnapshot(c);
    await hub.awaitSnapshotsApplied(['till-1'], 10_000);
    await changePolicy(6);
    hub.push({ snapshots: ['till-1'], settings: [] });
    expect((await c.next()).kind).toBe('snapshot');
    expect(sentReasons()).toEqual(['disabled', 'disabled']);
  });

  it('takes the view an agent says it holds as a base, also after a restart of the server that sent it', async () => {
    await startServer();
    const agent = await connected('till-1');
    const first = await takeSnapshot(agent);
    agent.ws.terminate();
    clients.splice(0);
    await hub.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await state.close();
    logs = [];
    await startServer();

    const back = await connected('till-1', first.version, first.hash);
    // Its hello names no settings version: the settings come, no snapshot.
    expect((await back.next()).kind).toBe('settings');
    await changePolicy(9);
    hub.push({ snapshots: ['till-1'], settings: [] });
    const message = await back.next();
    expect(message.kind).toBe('delta');
    const delta = openDelta((message as { signed: Uint8Array }).signed, parsePublicKey(state.publicKeyPem()));
    const parts = applyDeltaToParts(viewParts(signedSnapshotViewBytes(first.signed)), delta);
    expect(partsHash(parts).equals(signedSnapshotViewHash(state.snapshotFor('till-1').bytes))).toBe(true);
    expect(sentReasons()).toEqual([]);

    // A hash that is not the newest view's is not taken: the next change is the full snapshot.
    back.ws.terminate();
    const wrong = await connected('till-1', delta.version, Buffer.alloc(32, 7));
    expect((await wrong.next()).kind).toBe('settings');
    await changePolicy(10);
    hub.push({ snapshots: ['till-1'], settings: [] });
    expect((await wrong.next()).kind).toBe('snapshot');
    expect(sentReasons()).toEqual(['base-unknown']);
  });

  it("sends one change of a shared body and of a computer's own record as deltas that rebuild each snapshot", async () => {
    await startServer();
    const a = await connected('till-1');
    const firstA = await takeSnapshot(a);
    const b = await connected('till-2');
    const firstB = await takeSnapshot(b);
    // The two views share their body: it is kept (and counted) once.
    const viewBytes = signedSnapshotViewBytes(firstA.signed).length;
    expect(hub.deltaViewCacheBytes).toBeGreaterThanOrEqual(viewBytes);
    expect(hub.deltaViewCacheBytes).toBeLessThan(viewBytes + 1_000);
    const changes = await state.applyWorld((world) => ({
      ...world,
      computers: world.computers.map((c) => (c.id === 'till-1' ? { ...c, name: 'Front till' } : c)),
      policies: world.policies.map((p) => (p.id === 'pol-3' ? { ...p, action: 'deny' as const } : p)),
    }));
    expect(changes.snapshots.sort()).toEqual(['till-1', 'till-2']);
    hub.push(changes);
    const key = parsePublicKey(state.publicKeyPem());
    for (const [agent, first, id] of [
      [a, firstA, 'till-1'],
      [b, firstB, 'till-2'],
    ] as const) {
      const message = await agent.next();
      expect(message.kind, id).toBe('delta');
      const delta = openDelta((message as { signed: Uint8Array }).signed, key);
      expect(delta.computerId).toBe(id);
      expect(delta.replacedFields.includes(1), id).toBe(id === 'till-1');
      const parts = applyDeltaToParts(viewParts(signedSnapshotViewBytes(first.signed)), delta);
      const current = state.snapshotFor(id).bytes;
      expect(partsHash(parts).equals(signedSnapshotViewHash(current)), id).toBe(true);
      expect(Buffer.from(delta.viewHash).equals(signedSnapshotViewHash(current)), id).toBe(true);
    }
  });

  describe('with a delta signer', () => {
    const ids = ['till-1', 'till-2', 'till-3'];

    /** A real signer whose every batch waits to be signed until its answer (in `answers`) is called. */
    function heldSigner(): { signer: DeltaSigner; answers: (() => void)[] } {
      const real = new WorkerDeltaSigner();
      const answers: (() => void)[] = [];
      const signer: DeltaSigner = {
        sign: (payloads, key) =>
          new Promise((resolve, reject) => {
            answers.push(() => void real.sign(payloads, key).then(resolve, reject));
          }),
        close: () => real.close(),
      };
      return { signer, answers };
    }

    /** Three agents that hold their first snapshot, then a change to a policy every one of them sees. */
    async function pushToThree(
      signer: DeltaSigner,
      takeBackFromSigner = false,
    ): Promise<{ agents: RawAgent[]; firsts: Buffer[] }> {
      await startServer(
        { deltaSigner: signer, signBatch: 2, takeBackFromSigner },
        { ...WORLD, computers: ids.map((id) => ({ id, group: 'tills' })) },
      );
      const agents: RawAgent[] = [];
      const firsts: Buffer[] = [];
      for (const id of ids) {
        const agent = await connected(id);
        agents.push(agent);
        firsts.push((await takeSnapshot(agent)).hash);
      }
      // Their acknowledgements are recorded before the change: none of them is caught up by its acknowledgement.
      expect((await hub.awaitSnapshotsApplied(ids, 10_000)).applied).toEqual(ids);
      await changePolicy(5);
      hub.push({ snapshots: ids, settings: [] });
      return { agents, firsts };
    }

    /** Each agent got a delta from its view that verifies and whose bytes are what the event loop signs. */
    async function expectDeltas(agents: RawAgent[], firsts: Buffer[]): Promise<void> {
      const key = parsePublicKey(state.publicKeyPem());
      for (const [i, agent] of agents.entries()) {
        const message = await agent.next();
        expect(message.kind, ids[i]).toBe('delta');
        const signed = (message as { signed: Uint8Array }).signed;
        const delta = openDelta(signed, key);
        expect(delta.computerId).toBe(ids[i]);
        expect(Buffer.from(delta.baseViewHash).equals(firsts[i]!)).toBe(true);
        expect(Buffer.from(delta.viewHash).equals(signedSnapshotViewHash(state.snapshotFor(ids[i]!).bytes))).toBe(true);
        expect(Buffer.from(signed).equals(Buffer.from(sealDelta(delta, state.deltaSigningKey())))).toBe(true);
      }
    }

    it("signs a push's deltas in batches on the signing thread: the bytes the event loop signs", async () => {
      const signer = new WorkerDeltaSigner();
      const { agents, firsts } = await pushToThree(signer);
      await expectDeltas(agents, firsts);
      await hub.pushed();
      expect(signer.worker).not.toBeNull();
      expect(signer.inFlight).toBe(0);
      expect(logs.filter((l) => l.msg === 'delta sent')).toHaveLength(3);
      expect(logs.some((l) => l.msg.startsWith('the delta signer did not sign'))).toBe(false);
      await hub.close();
      expect(signer.worker).toBeNull();
    });

    it('loses no push when the signing thread crashes under a batch: the event loop signs it', async () => {
      const real = new WorkerDeltaSigner();
      let crashes = 0;
      const crashing: DeltaSigner = {
        sign(payloads: readonly Uint8Array[], key: KeyObject) {
          const signed = real.sign(payloads, key);
          // The thread dies while it holds the batch.
          crashes++;
          void real.worker?.terminate();
          return signed;
        },
        close: () => real.close(),
      };
      const { agents, firsts } = await pushToThree(crashing);
      await expectDeltas(agents, firsts);
      expect(crashes).toBe(2);
      const failed = logs.filter(
        (l) => l.msg === 'the delta signer did not sign a batch: signing it on the event loop',
      );
      expect(failed.map((l) => l.obj['code'])).toEqual(['signer-failed', 'signer-failed']);
      expect(failed.map((l) => l.obj['deltas'])).toEqual([2, 1]);
    });

    it('takes back what the signer has not signed yet and signs it on the event loop, losing nothing', async () => {
      // The signer answers only once the push is over: the push never waits for it.
      const { signer: slow, answers } = heldSigner();
      const { agents, firsts } = await pushToThree(slow, true);
      await expectDeltas(agents, firsts);
      await hub.pushed();
      expect(answers).toHaveLength(2);
      for (const answer of answers) answer();
      expect(logs.filter((l) => l.msg === 'delta sent')).toHaveLength(3);
    });

    it('sends nothing an acknowledgement asks for while the delta that brings it waits for its signature', async () => {
      const { signer: slow, answers } = heldSigner();
      await startServer({ deltaSigner: slow, signBatch: 2, takeBackFromSigner: false });
      const agent = await connected('till-1');
      const first = await takeSnapshot(agent);
      const heldSettings = state.issuedVersions('till-1').settingsVersion;
      // New settings and a policy change: the push's delta brings both.
      await state.setSetting({ kind: 'computer', id: 'till-1' }, 'prioritizeBuiltInApplications', false);
      await changePolicy(5);
      expect(state.issuedVersions('till-1').settingsVersion).toBeGreaterThan(heldSettings);
      hub.push({ snapshots: ['till-1'], settings: [] });
      await vi.waitFor(() => expect(answers).toHaveLength(1));
      // An acknowledgement of what it held, sent before the change reached it, heard while the delta is signed.
      const acknowledged = () => logs.filter((l) => l.msg === 'agent acknowledged').length;
      const before = acknowledged();
      agent.ack(first.version, first.hash, '', undefined, heldSettings);
      await vi.waitFor(() => expect(acknowledged()).toBe(before + 1));
      for (const answer of answers) answer();
      await hub.pushed();
      expect((await agent.next()).kind).toBe('delta');
      await agent.drained();
      expect(agent.waitingCount).toBe(0);
    });

    it("sends a push's delta before the catch-up an acknowledgement asks for while that delta waits for its signature", async () => {
      // The push's batch waits to be signed until released; the batches after it are signed at once.
      const held = firstBatchHeld();
      await startServer({ deltaSigner: held.signer, signBatch: 2, takeBackFromSigner: false });
      const key = parsePublicKey(state.publicKeyPem());
      const agent = await ApplyingAgent.connect(url, 'till-1', tokens.get('till-1')!, key);
      clients.push(agent.ws);
      // The agent's acknowledgement of its first snapshot is late: it comes while the next change's delta is signed.
      agent.holdAcks = true;
      await agent.received(1);
      const v1 = agent.heldVersion;
      await changePolicy(1);
      hub.push({ snapshots: ['till-1'], settings: [] });
      await vi.waitFor(() => expect(held.holding()).toBe(true));
      // A third version is issued meanwhile, its push queued behind this one.
      await changePolicy(2);
      const v3 = state.issuedVersions('till-1').snapshotVersion;
      expect(v3).toBe(v1 + 2);
      hub.push({ snapshots: ['till-1'], settings: [] });
      // The acknowledgement of the first version is behind what was issued: it catches the agent up to the third.
      agent.sendHeldAcks();
      await vi.waitFor(() => expect(logs.some((l) => l.msg === 'agent acknowledged')).toBe(true));
      held.release();
      await agent.holds(v3);
      await hub.pushed();
      await agent.drained();
      // Each delta on the base the agent holds when it arrives, in version order: nothing refused, no full snapshot.
      expect(agent.got).toEqual([
        { kind: 'snapshot', version: v1, refused: null },
        { kind: 'delta', baseVersion: v1, version: v1 + 1, refused: null },
        { kind: 'delta', baseVersion: v1 + 1, version: v3, refused: null },
      ]);
      expect((await hub.awaitSnapshotsApplied(['till-1'], 10_000)).applied).toEqual(['till-1']);
      expect(sentReasons()).toEqual(['no-base']);
    });

    it('signs on the event loop what a busy signer refuses', async () => {
      const busy: DeltaSigner = {
        sign: () => Promise.reject(new TollgateError('signer-busy', 'busy')),
        close: () => Promise.resolve(),
      };
      const { agents, firsts } = await pushToThree(busy);
      await expectDeltas(agents, firsts);
      expect(logs.filter((l) => l.obj['code'] === 'signer-busy')).toHaveLength(2);
    });

    it('signs on the event loop what a signer throws on instead of rejecting', async () => {
      const throwing: DeltaSigner = {
        sign: () => {
          throw new Error('no thread to be had');
        },
        close: () => Promise.resolve(),
      };
      const { agents, firsts } = await pushToThree(throwing);
      await expectDeltas(agents, firsts);
      const failed = logs.filter(
        (l) => l.msg === 'the delta signer did not sign a batch: signing it on the event loop',
      );
      expect(failed.map((l) => l.obj['deltas'])).toEqual([2, 1]);
    });

    it('loses no push when the signing thread cannot be started, and starts one for a later batch', async () => {
      const signer = new WorkerDeltaSigner();
      const start = (signer as unknown as { start: () => unknown }).start.bind(signer);
      // The push's first request to the thread asks for view hashes, its second is the first batch to sign.
      let refusals = 2;
      (signer as unknown as { start: () => unknown }).start = () => {
        if (refusals-- > 0) throw new Error('ERR_WORKER_INIT_FAILED EAGAIN');
        return start();
      };
      const { agents, firsts } = await pushToThree(signer);
      await expectDeltas(agents, firsts);
      await hub.pushed();
      const failed = logs.filter(
        (l) => l.msg === 'the delta signer did not sign a batch: signing it on the event loop',
      );
      expect(failed.map((l) => [l.obj['code'], l.obj['deltas']])).toEqual([['signer-failed', 2]]);
      expect(String(failed[0]!.obj['err'])).toContain('cannot start the signing thread');
      const unhashed = logs.filter((l) => l.msg.startsWith('the signing thread did not hash views'));
      expect(unhashed.map((l) => [l.obj['code'], l.obj['views']])).toEqual([['signer-failed', 3]]);
      expect(signer.worker).not.toBeNull();
    });

    it('sends no second copy of a version to an agent that a late acknowledgement caught up while a push waited', async () => {
      const real = new WorkerDeltaSigner();
      let calls = 0;
      const released: (() => void)[] = [];
      const gated: DeltaSigner = {
        sign: (payloads, key) => {
          // The first push's second batch (till-2's delta) waits until released: that push is under way
          // while the next change is made and pushed.
          if (++calls !== 2) return real.sign(payloads, key);
          return new Promise((resolve, reject) =>
            released.push(() => void real.sign(payloads, key).then(resolve, reject)),
          );
        },
        close: () => real.close(),
      };
      await startServer(
        { deltaSigner: gated, signBatch: 1, takeBackFromSigner: false },
        { ...WORLD, computers: ['till-1', 'till-2'].map((id) => ({ id, group: 'tills' })) },
      );
      const a = await connected('till-1');
      await takeSnapshot(a);
      const b = await connected('till-2');
      const firstB = await takeSnapshot(b);
      const key = parsePublicKey(state.publicKeyPem());
      const deltaOf = (message: ServerMessage) => {
        expect(message.kind).toBe('delta');
        return openDelta((message as { signed: Uint8Array }).signed, key);
      };

      await changePolicy(1);
      const v2 = state.snapshotFor('till-1');
      hub.push({ snapshots: ['till-1', 'till-2'], settings: [] });
      expect(deltaOf(await a.next()).version).toBe(v2.version);
      // The second change is committed and pushed while the first push waits for till-2's signature.
      await changePolicy(2);
      const v3 = state.snapshotFor('till-1');
      hub.push({ snapshots: ['till-1', 'till-2'], settings: [] });
      // till-1 acknowledges the first change only now: the acknowledgement catches it up to the second.
      a.ack(v2.version, signedSnapshotViewHash(v2.bytes));
      const caughtUp = deltaOf(await a.next());
      expect([caughtUp.baseVersion, caughtUp.version]).toEqual([v2.version, v3.version]);
      expect(released).toHaveLength(1);
      released[0]!();
      await hub.pushed();
      // till-2 got each change as its delta, in order.
      const b2 = deltaOf(await b.next());
      const b3 = deltaOf(await b.next());
      expect([b2.baseVersion, b2.version, b3.baseVersion, b3.version]).toEqual([
        firstB.version,
        state.snapshotFor('till-2').version - 1,
        state.snapshotFor('till-2').version - 1,
        state.snapshotFor('till-2').version,
      ]);
      // The second push sent till-1 nothing: the next message it gets is the delta of the change after.
      await changePolicy(3);
      hub.push({ snapshots: ['till-1', 'till-2'], settings: [] });
      const next = deltaOf(await a.next());
      expect([next.baseVersion, next.version]).toEqual([v3.version, state.snapshotFor('till-1').version]);
      expect(deltaOf(await b.next()).baseVersion).toBe(b3.version);
      expect(sentReasons()).toEqual(['no-base', 'no-base']);
    });

    it("closes a push's batches at the signer's byte bound rather than having them refused", async () => {
      const real = new WorkerDeltaSigner();
      const batches: number[] = [];
      const small: DeltaSigner = {
        // Room for one delta of this world per batch, not two.
        maxBatchBytes: 1,
        sign: (payloads, key) => {
          batches.push(payloads.length);
          return real.sign(payloads, key);
        },
        close: () => real.close(),
      };
      const { agents, firsts } = await pushToThree(small);
      await expectDeltas(agents, firsts);
      await hub.pushed();
      expect(batches).toEqual([1, 1, 1]);
    });
  });
});
