// The delta signer's worker thread (a real node:worker_threads Worker):
// it signs what the event loop would, reports what it cannot sign, keeps
// its bounds, and a crash rejects the batches it held and is recovered from.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import { ED25519_SIGNATURE_BYTES, WorkerDeltaSigner } from '../../src/server/delta-signer.js';
import {
  type DeltaContent,
  encodeDeltaPayload,
  openDelta,
  sealDelta,
  signedDeltaBytes,
  signedDeltaLength,
} from '../../src/wire/delta.js';
import { keyId, signBytes } from '../../src/wire/signing.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');

function delta(i: number): DeltaContent {
  return {
    computerId: `till-${i}`,
    baseVersion: i,
    baseViewHash: Buffer.alloc(32, i),
    version: i + 1,
    settingsVersion: 1,
    issuedAtMs: 1_700_000_000_000 + i,
    viewHash: Buffer.alloc(32, i + 1),
    policies: [],
    removedPolicies: [`pol-${i}`],
    applications: [],
    removedApplications: [],
    replacedFields: [],
    replaced: Buffer.alloc(0),
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TollgateError) return error.code;
    throw error;
  }
  throw new Error('it did not fail');
}

const signers: WorkerDeltaSigner[] = [];
function signer(options: ConstructorParameters<typeof WorkerDeltaSigner>[0] = {}): WorkerDeltaSigner {
  const made = new WorkerDeltaSigner(options);
  signers.push(made);
  return made;
}

afterEach(async () => {
  for (const s of signers.splice(0)) await s.close();
});

describe('the delta signer', () => {
  it("hashes views on its thread as the event loop does: each body once, each computer's record after it", async () => {
    const s = signer();
    // Entry records lie in shared memory (read in place by the thread), the rest is copied to it.
    const shared = Buffer.from(new SharedArrayBuffer(70_000)).fill(7);
    const bodyA = [Buffer.from('body A, first slice;'), shared.subarray(10, 69_000), Buffer.from('last slice')];
    const bodyB = [Buffer.alloc(1000, 3)];
    const records = [Buffer.from('computer 1'), Buffer.from('computer 22'), Buffer.from('computer 333')];
    const jobs = [
      { body: bodyA, computers: [records[0]!, records[1]!] },
      { body: bodyB, computers: [] },
      { body: bodyB, computers: [records[2]!] },
    ];
    const hashes = await s.hashViews(jobs);
    const expected = jobs.map((job) =>
      job.computers.map((c) => {
        const h = createHash('sha256');
        for (const slice of job.body) h.update(slice);
        return h.update(c).digest();
      }),
    );
    expect(hashes).toEqual(expected);
    expect(s.inFlight).toBe(0);
  });

  it('keeps its view hash bounds: bytes per request and requests in flight, naming them', async () => {
    const s = signer({ maxBatchBytes: 1000, maxInFlightHashes: 1 });
    const over = s.hashViews([{ body: [Buffer.alloc(990)], computers: [Buffer.alloc(11)] }]);
    await expect(over).rejects.toThrow(/^jobs: .*over the bound \(1000 bytes\)$/);
    const job = { body: [Buffer.alloc(500)], computers: [Buffer.alloc(10)] };
    const first = s.hashViews([job]);
    expect(await codeOf(s.hashViews([job]))).toBe('signer-busy');
    // Signing has bounds of its own: a hash request under way does not make it busy.
    const signed = await s.sign([encodeDeltaPayload(delta(1))], privateKey);
    expect(signed).toHaveLength(1);
    expect((await first)[0]).toHaveLength(1);
    expect(await s.hashViews([job])).toHaveLength(1);
  });

  it('signs on its thread exactly what sealDelta signs on the event loop', async () => {
    const contents = Array.from({ length: 50 }, (_, i) => delta(i));
    const payloads = contents.map(encodeDeltaPayload);
    const signatures = await signer().sign(payloads, privateKey);
    expect(signatures).toHaveLength(50);
    for (const [i, content] of contents.entries()) {
      expect(signatures[i]).toHaveLength(ED25519_SIGNATURE_BYTES);
      expect(Buffer.from(signatures[i]!).equals(Buffer.from(signBytes(payloads[i]!, privateKey)))).toBe(true);
      const signed = signedDeltaBytes(payloads[i]!, signatures[i]!, keyId(privateKey));
      // Ed25519 is deterministic: the same bytes as signing on the event loop.
      expect(Buffer.from(signed).equals(Buffer.from(sealDelta(content, privateKey)))).toBe(true);
      expect(signed.length).toBe(signedDeltaLength(payloads[i]!.length));
      expect(openDelta(signed, publicKey).computerId).toBe(`till-${i}`);
    }
  });

  it('knows the signed length of payloads of every size without signing', () => {
    // A payload is never empty (it always carries the header).
    for (const size of [1, 127, 128, 16_383, 16_384, 300_000]) {
      const signed = signedDeltaBytes(new Uint8Array(size), new Uint8Array(64), keyId(privateKey));
      expect(signedDeltaLength(size)).toBe(signed.length);
    }
  });

  it('reports a batch it cannot sign, and signs the next one', async () => {
    const s = signer();
    const notEd25519 = generateKeyPairSync('x25519').privateKey;
    await expect(s.sign([encodeDeltaPayload(delta(1))], notEd25519)).rejects.toThrow(/signing thread could not sign/);
    expect(await codeOf(s.sign([encodeDeltaPayload(delta(1))], notEd25519))).toBe('signer-failed');
    const [signature] = await s.sign([encodeDeltaPayload(delta(2))], privateKey);
    expect(Buffer.from(signature!).equals(Buffer.from(signBytes(encodeDeltaPayload(delta(2)), privateKey)))).toBe(true);
  });

  it('keeps its bounds: batches in flight, payloads and bytes per batch', async () => {
    const s = signer({ maxInFlightBatches: 2, maxBatchPayloads: 3, maxBatchBytes: 1000 });
    const one = [encodeDeltaPayload(delta(1))];
    const first = s.sign(one, privateKey);
    const second = s.sign(one, privateKey);
    expect(s.inFlight).toBe(2);
    expect(await codeOf(s.sign(one, privateKey))).toBe('signer-busy');
    await Promise.all([first, second]);
    expect(s.inFlight).toBe(0);
    await expect(s.sign([...one, ...one, ...one, ...one], privateKey)).rejects.toThrow(/^payloads: a batch of 4/);
    await expect(s.sign([new Uint8Array(1001)], privateKey)).rejects.toThrow(/1001 bytes\) is over the bound/);
    expect(await s.sign([], privateKey)).toEqual([]);
  });

  it('rejects the batches a crashed thread held, tells of it, and starts a new thread for the next', async () => {
    const failures: string[] = [];
    const s = signer({ onWorkerFailure: (error) => failures.push(error.message) });
    await s.sign([encodeDeltaPayload(delta(1))], privateKey);
    const crashed = s.worker!;
    const held = codeOf(s.sign([encodeDeltaPayload(delta(2))], privateKey));
    await crashed.terminate();
    expect(await held).toBe('signer-failed');
    expect(failures).toEqual([expect.stringMatching(/exited with code 1/)]);
    expect(s.inFlight).toBe(0);
    // The new thread does not hold the key yet: it is sent again.
    const [signature] = await s.sign([encodeDeltaPayload(delta(3))], privateKey);
    expect(s.worker).not.toBe(crashed);
    expect(Buffer.from(signature!).equals(Buffer.from(signBytes(encodeDeltaPayload(delta(3)), privateKey)))).toBe(true);
  });

  it('signs with the key it is given, also when it changes between batches', async () => {
    const s = signer();
    const next = generateKeyPairSync('ed25519');
    const payload = encodeDeltaPayload(delta(4));
    const [a] = await s.sign([payload], privateKey);
    const [b] = await s.sign([payload], next.privateKey);
    const [c] = await s.sign([payload], privateKey);
    expect(Buffer.from(a!).equals(Buffer.from(signBytes(payload, privateKey)))).toBe(true);
    expect(Buffer.from(b!).equals(Buffer.from(signBytes(payload, next.privateKey)))).toBe(true);
    expect(Buffer.from(c!).equals(Buffer.from(a!))).toBe(true);
  });

  it('rejects what it holds when closed, and every batch after', async () => {
    const s = signer();
    const held = codeOf(s.sign([encodeDeltaPayload(delta(1))], privateKey));
    await s.close();
    await s.close();
    expect(await held).toBe('signer-closed');
    expect(await codeOf(s.sign([encodeDeltaPayload(delta(1))], privateKey))).toBe('signer-closed');
    expect(s.worker).toBeNull();
  });
});
