// A snapshot received into shared memory (the local socket's large frames) is hashed on a worker thread while
// it is verified and compiled (docs/DAEMON.md, "Hashing on a second core"): the agent that applies it stores
// and serves exactly what an agent applying the same bytes from ordinary memory does, the worker did the
// hashing, a bad signature is refused as before, and the stored image opens at the next start.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import { buildView, type ComputerView } from '../../src/engine/view.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { allocateShared } from '../../src/wire/large-buffer.js';
import { ParallelSha256 } from '../../src/wire/parallel-sha256.js';
import { sealSnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey, parsePublicKey } from '../../src/wire/signing.js';
import { SYNTHETIC_NOW_MS, syntheticWorld } from '../../scripts/lib/synthetic-world.js';

const keys = generateSigningKeys();
const privateKey = parsePrivateKey(keys.privateKeyPem);
const SYNTHETIC = syntheticWorld({ policies: 3_000, seed: 11, requests: 60, requestsPerShape: 3 });
const COMPUTER = SYNTHETIC.computer;
const VIEW: ComputerView = buildView(SYNTHETIC.world, COMPUTER);
const REQUESTS = [...SYNTHETIC.requests, ...Object.values(SYNTHETIC.byShape).flat()];

function seal(version: number, view: ComputerView = VIEW): Uint8Array {
  return sealSnapshot({ computerId: COMPUTER, version, issuedAtMs: 7, settingsVersion: 0, view }, privateKey);
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function shared(bytes: Uint8Array): Uint8Array {
  const copy = allocateShared(bytes.length);
  copy.set(bytes);
  return copy;
}

describe('a snapshot in shared memory', () => {
  let dir: string;
  const stores: AgentStore[] = [];
  let started: ParallelSha256[];

  function agentIn(name: string, onWorkerOnline?: () => void): { agent: Agent; store: AgentStore } {
    const store = AgentStore.open(path.join(dir, `${name}.db`));
    stores.push(store);
    const agent = new Agent({
      store,
      publicKey: parsePublicKey(keys.publicKeyPem),
      computerId: COMPUTER,
      noSnapshotAction: 'deny',
      clock: () => SYNTHETIC_NOW_MS,
      // The synthetic world here is small: its snapshots go to the worker all the same.
      workerHashFromBytes: 1,
      ...(onWorkerOnline === undefined ? {} : { onWorkerOnline }),
    });
    return { agent, store };
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-apply-shared-'));
    started = [];
    const start = ParallelSha256.start.bind(ParallelSha256);
    vi.spyOn(ParallelSha256, 'start').mockImplementation((bytes, minBytes, onOnline) => {
      const hasher = start(bytes, minBytes, onOnline);
      if (hasher !== null) started.push(hasher);
      return hasher;
    });
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    for (const store of stores.splice(0)) {
      await store.imagesWritten();
      store.close();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is hashed on the worker and stored and served as the same bytes in ordinary memory are', async () => {
    const plain = agentIn('plain');
    const fromShared = agentIn('shared');
    for (const version of [1, 2]) {
      const bytes = seal(version);
      plain.agent.applySnapshot(bytes);
      fromShared.agent.applySnapshot(shared(bytes));
    }
    // Only the shared bytes went to a worker, which worked out both hashes of each apply.
    expect(started).toHaveLength(2);
    for (const hasher of started) expect(hasher.fallbacks).toBe(0);

    expect(fromShared.agent.snapshotVersion).toBe(2);
    expect(fromShared.agent.viewHash).toEqual(plain.agent.viewHash);
    expect(fromShared.store.activeSnapshotRecord()).toEqual(plain.store.activeSnapshotRecord());
    expect(sameBytes(fromShared.agent.activeImage?.bytes, plain.agent.activeImage?.bytes)).toBe(true);
    for (const request of REQUESTS) {
      expect(fromShared.agent.decide(request)).toEqual(plain.agent.decide(request));
    }

    // The image stored beside it is bound to the hash the worker gave: the next start opens it.
    await fromShared.store.imagesWritten();
    const again = new Agent({
      store: fromShared.store,
      publicKey: parsePublicKey(keys.publicKeyPem),
      computerId: COMPUTER,
      noSnapshotAction: 'deny',
      clock: () => SYNTHETIC_NOW_MS,
    });
    const loaded = again.loadFromStore();
    expect(loaded).toMatchObject({ snapshotVersion: 2, problems: [], warnings: [] });
    expect(sameBytes(again.activeImage?.bytes, plain.agent.activeImage?.bytes)).toBe(true);
  });

  it('tells onWorkerOnline while the apply runs, at most once for each worker it started', () => {
    let applying = 0;
    const told: number[] = [];
    const { agent } = agentIn('online', () => told.push(applying));
    for (const version of [1, 2]) {
      applying = version;
      agent.applySnapshot(shared(seal(version)));
      applying = 0;
    }
    expect(started).toHaveLength(2);
    // Called on this thread during each apply (a worker's 'online' event would come only after it): for the
    // hashing worker, and for the one writing the parts when it was seen running in time.
    expect(new Set(told)).toEqual(new Set([1, 2]));
    expect(told.length).toBeLessThanOrEqual(4);
  });

  it('with a signature that does not verify is refused before anything is compiled, and the one held serves on', () => {
    const { agent, store } = agentIn('refused');
    agent.applySnapshot(shared(seal(1)));
    const signed = tollgate.v1.SignedSnapshot.decode(seal(2));
    const signature = Buffer.from(signed.signature);
    signature.writeUInt8(signature.readUInt8(10) ^ 0x01, 10);
    signed.signature = signature;
    const forged = shared(tollgate.v1.SignedSnapshot.encode(signed).finish());
    expect(() => agent.applySnapshot(forged)).toThrow(expect.objectContaining({ code: 'bad-signature' }));
    expect(agent.snapshotVersion).toBe(1);
    expect(store.activeSnapshotRecord()?.version).toBe(1);
    expect(agent.decide(REQUESTS[0] as (typeof REQUESTS)[number]).snapshotVersion).toBe(1);
  });
});
