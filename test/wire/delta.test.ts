import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import protobuf from 'protobufjs';
import { TollgateError } from '../../src/engine/errors.js';
import type { World } from '../../src/engine/model.js';
import { buildView, type ComputerView } from '../../src/engine/view.js';
import {
  deltaServerMessage,
  signedDeltaBytes,
  applyDeltaToParts,
  applyDeltaToView,
  decodeDeltaPayload,
  diffViews,
  encodeDeltaChanges,
  encodeDeltaPayload,
  joinDeltaPayload,
  openDelta,
  partsBytes,
  partsHash,
  sealDelta,
  signedSnapshotViewBytes,
  signedSnapshotViewHash,
  viewHashOf,
  viewParts,
  type DeltaContent,
} from '../../src/wire/delta.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { openSnapshot, sealSnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey, parsePublicKey, signBytes } from '../../src/wire/signing.js';
import { encodeServerMessage } from '../../src/wire/sync-messages.js';
import { decodeViewBytes } from '../../src/wire/view-decoder.js';
import { TARGET_COMPUTER, syntheticWorld } from '../../scripts/lib/synthetic-world.js';

const pb = tollgate.v1;

const pair = generateSigningKeys();
const privateKey = parsePrivateKey(pair.privateKeyPem);
const publicKey = parsePublicKey(pair.publicKeyPem);
const other = generateSigningKeys();
const otherPrivate = parsePrivateKey(other.privateKeyPem);

const base: World = syntheticWorld({ policies: 300, seed: 11, requests: 0 }).world;

function seal(view: ComputerView, version: number): Uint8Array {
  return sealSnapshot(
    { computerId: TARGET_COMPUTER, version, issuedAtMs: 1000 * version, settingsVersion: version, view },
    privateKey,
  );
}

/** The delta from one sealed snapshot to another, as the server makes it. */
function deltaBetween(from: Uint8Array, to: Uint8Array, fromVersion: number, toVersion: number): DeltaContent {
  const a = viewParts(signedSnapshotViewBytes(from));
  const b = viewParts(signedSnapshotViewBytes(to));
  const delta = diffViews(a, b, {
    computerId: TARGET_COMPUTER,
    baseVersion: fromVersion,
    baseViewHash: partsHash(a),
    version: toVersion,
    settingsVersion: toVersion,
    issuedAtMs: 5000,
    viewHash: partsHash(b),
  });
  if (delta === null) throw new Error('no delta');
  return delta;
}

function changed(change: (w: World) => void): World {
  const w = structuredClone(base);
  change(w);
  return w;
}

const worlds: [string, World][] = [
  [
    'one policy changed',
    changed((w) => {
      w.policies[5]!.action = w.policies[5]!.action === 'deny' ? 'permit' : 'deny';
    }),
  ],
  ['one policy added at the end', changed((w) => void w.policies.push({ ...w.policies[3]!, id: 'pol-new' }))],
  [
    'one policy inserted in the middle',
    changed((w) => void w.policies.splice(40, 0, { ...w.policies[3]!, id: 'pol-mid' })),
  ],
  ['policies removed', changed((w) => void w.policies.splice(10, 3))],
  [
    'policies reordered',
    changed((w) => {
      const [moved] = w.policies.splice(2, 1);
      w.policies.splice(200, 0, moved!);
      w.policies.reverse();
    }),
  ],
  [
    'an agent setting and the computer changed',
    changed((w) => {
      w.agentSettings.push({
        id: 'set-x',
        type: 'prioritizeBuiltInApplications',
        value: false,
        appliesTo: { computer: TARGET_COMPUTER },
        order: 1,
      });
      w.computers[0]!.name = 'RENAMED';
    }),
  ],
  ['an application changed', changed((w) => void (w.applications[0]!.name = 'Renamed app'))],
];

/**
 * The view hash as docs/PROTOCOL.md defines it, for a view written in field
 * order: the `computer` record (field 1, first) read with protobufjs' own
 * reader and moved after the other records.
 */
function hashOrderSha256(viewBytes: Uint8Array): Buffer {
  const bytes = Buffer.from(viewBytes);
  const reader = protobuf.Reader.create(bytes);
  const tag = reader.uint32();
  if (tag >>> 3 !== 1) throw new Error('the view does not start with its computer record');
  const length = reader.uint32();
  const end = reader.pos + length;
  return createHash('sha256').update(bytes.subarray(end)).update(bytes.subarray(0, end)).digest();
}

describe('signed deltas between snapshot versions', () => {
  const v1 = seal(buildView(base, TARGET_COMPUTER), 1);
  const baseView = openSnapshot(v1, publicKey).view;

  it.each(worlds)('%s: the delta rebuilds the exact bytes, hash and view of the new snapshot', (_, world) => {
    const view2 = buildView(world, TARGET_COMPUTER);
    const v2 = seal(view2, 2);
    const signed = sealDelta(deltaBetween(v1, v2, 1, 2), privateKey);
    expect(signed.length).toBeLessThan(v2.length);
    const delta = openDelta(signed, publicKey);
    expect(delta).toMatchObject({ computerId: TARGET_COMPUTER, baseVersion: 1, version: 2, settingsVersion: 2 });

    const parts = applyDeltaToParts(viewParts(signedSnapshotViewBytes(v1)), delta);
    // The view hash is the SHA-256 of the new snapshot's view bytes in hash order (computer record last).
    const expected = hashOrderSha256(signedSnapshotViewBytes(v2));
    expect(partsHash(parts).equals(expected)).toBe(true);
    expect(Buffer.from(delta.viewHash).equals(expected)).toBe(true);
    expect(partsBytes(parts).equals(signedSnapshotViewBytes(v2))).toBe(true);

    const patched = applyDeltaToView(baseView, delta);
    expect(patched).toEqual(openSnapshot(v2, publicKey).view);
    expect(decodeViewBytes(partsBytes(parts))).toEqual(patched);
    // The base view is not changed.
    expect(baseView).toEqual(openSnapshot(v1, publicKey).view);
  });

  it('a one-policy change carries that policy alone', () => {
    const world = worlds[0]![1];
    const delta = deltaBetween(v1, seal(buildView(world, TARGET_COMPUTER), 2), 1, 2);
    expect(delta.policies).toHaveLength(1);
    expect(delta.removedPolicies).toEqual([]);
    expect(delta.applications).toEqual([]);
    expect(delta.replacedFields).toEqual([]);
    expect(pb.Policy.decode(delta.policies[0]!.message).id).toBe(world.policies[5]!.id);
  });

  it('the snapshot view hash is the SHA-256 of its records with the computer last, whatever their order', () => {
    const bytes = signedSnapshotViewBytes(v1);
    const expected = hashOrderSha256(bytes).toString('hex');
    expect(expected).not.toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(signedSnapshotViewHash(v1).toString('hex')).toBe(expected);
    expect(partsHash(viewParts(bytes)).toString('hex')).toBe(expected);
    // The same records with the computer (field 1) moved to the end hash as the canonical layout.
    const parts = viewParts(bytes);
    const computer = parts.fields.get(1)![0]!;
    const rest = Buffer.from(bytes).subarray(computer.end);
    const shuffled = Buffer.concat([rest, Buffer.from(bytes).subarray(computer.start, computer.end)]);
    expect(viewHashOf(shuffled).toString('hex')).toBe(expected);
  });

  describe('refusals', () => {
    const v2 = seal(buildView(worlds[0]![1], TARGET_COMPUTER), 2);
    const content = deltaBetween(v1, v2, 1, 2);
    const signed = sealDelta(content, privateKey);

    function code(fn: () => unknown): string {
      try {
        fn();
      } catch (error) {
        if (error instanceof TollgateError) return error.code;
        throw error;
      }
      throw new Error('no error');
    }

    it('a delta signed by another key or with a changed payload is refused', () => {
      expect(code(() => openDelta(sealDelta(content, otherPrivate), publicKey))).toBe('unknown-key');
      const envelope = pb.SignedDelta.decode(signed);
      const payload = Buffer.from(envelope.payload);
      payload[payload.length - 1] = payload[payload.length - 1]! ^ 1;
      const tampered = pb.SignedDelta.encode({ ...envelope, payload }).finish();
      expect(code(() => openDelta(tampered, publicKey))).toBe('bad-signature');
      const unsigned = pb.SignedDelta.encode({ ...envelope, signature: new Uint8Array(0) }).finish();
      expect(code(() => openDelta(unsigned, publicKey))).toBe('bad-signature');
    });

    it('a snapshot payload signed as a delta is refused by its kind', () => {
      const snapshotPayload = pb.SignedSnapshot.decode(v1).payload;
      const forged = pb.SignedDelta.encode({
        payload: snapshotPayload,
        signature: signBytes(snapshotPayload, privateKey),
        keyId: pb.SignedSnapshot.decode(v1).keyId,
      }).finish();
      expect(code(() => openDelta(forged, publicKey))).toBe('bad-message');
    });

    it('an oversize delta is refused before it is read', () => {
      expect(code(() => openDelta(signed, publicKey, { maxBytes: signed.length - 1 }))).toBe('delta-too-large');
      expect(openDelta(signed, publicKey, { maxBytes: signed.length }).version).toBe(2);
    });

    it('a delta that does not fit the base is inapplicable, and a wrong base gives another hash', () => {
      const removesUnknown = { ...content, removedPolicies: ['pol-not-there'] };
      expect(code(() => applyDeltaToParts(viewParts(signedSnapshotViewBytes(v1)), removesUnknown))).toBe(
        'delta-inapplicable',
      );
      expect(code(() => applyDeltaToView(baseView, removesUnknown))).toBe('delta-inapplicable');
      const pastEnd = { ...content, policies: [{ ...content.policies[0]!, position: 0 }] };
      // A policy the base holds stays in place: position 0 is not where it is.
      expect(code(() => applyDeltaToView(baseView, pastEnd))).toBe('delta-inapplicable');
      // Applied to another view (one with a policy more), the result's hash is not the signed one.
      const other = seal(buildView(worlds[1]![1], TARGET_COMPUTER), 3);
      const wrongBase = applyDeltaToParts(viewParts(signedSnapshotViewBytes(other)), content);
      expect(partsHash(wrongBase).equals(Buffer.from(content.viewHash))).toBe(false);
    });

    it("a replaced computer record of another computer is refused as a snapshot's would be, naming it", () => {
      const { group, org } = baseView.computer;
      const replaced = pb.ComputerView.encode({
        computer: { id: 'till-2', group, org, os: 1, agentVersion: '10.6.0' },
      }).finish();
      const moved = { ...content, replaced, replacedFields: [1] };
      const e = (() => {
        try {
          applyDeltaToView(baseView, moved);
        } catch (error) {
          return error as TollgateError;
        }
        throw new Error('not refused');
      })();
      expect(e.code).toBe('bad-message');
      expect(e.message).toBe(`delta.replaced.computer.id: is till-2, but the delta is for ${TARGET_COMPUTER}`);
    });

    it('hashes must be SHA-256 long and positions match the entries', () => {
      const payload = pb.SignedDelta.decode(signed).payload;
      const decoded = decodeDeltaPayload(payload);
      expect(decoded.policies).toHaveLength(1);
      const short = { ...content, viewHash: new Uint8Array(5) };
      expect(() => sealDelta(short, privateKey)).toThrow(/delta\.viewHash/);
    });
  });
});

describe('the diff of two lists of entries', () => {
  /** A view of policies named by id and revision, cut into parts. */
  function policiesView(list: readonly (readonly [string, number])[]) {
    const bytes = pb.ComputerView.encode({
      policies: list.map(([id, revision]) => ({ id, name: `revision ${revision}` })),
    }).finish();
    return viewParts(bytes);
  }

  it('puts and removes exactly what turns one list into the other, whatever is shared', () => {
    const entry = fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 2 }));
    const list = fc.uniqueArray(entry, { selector: ([id]) => id, maxLength: 25 });
    fc.assert(
      fc.property(list, list, fc.boolean(), (before, after, shareObjects) => {
        const a = before.map(([id, r]) => [`pol-${id}`, r] as const);
        const b = after.map(([id, r]) => [`pol-${id}`, r] as const);
        const baseParts = policiesView(a);
        const nextParts = policiesView(b);
        if (shareObjects) {
          // As bodies encoded by one splicer: an unchanged entry is the same object in both lists.
          nextParts.policies = nextParts.policies.map((e, i) => {
            const same = baseParts.policies.find((x, j) => x.id === e.id && a[j]![1] === b[i]![1]);
            return same ?? e;
          });
        }
        const delta = diffViews(baseParts, nextParts, {
          computerId: 'c',
          baseVersion: 1,
          baseViewHash: partsHash(baseParts),
          version: 2,
          settingsVersion: 1,
          issuedAtMs: 0,
          viewHash: partsHash(nextParts),
        });
        expect(delta).not.toBeNull();
        const applied = applyDeltaToParts(baseParts, delta!);
        expect(partsBytes(applied).equals(partsBytes(nextParts))).toBe(true);
        // Entries at the same place with the same record at the start and the end are never sent.
        let same = 0;
        while (same < Math.min(a.length, b.length) && a[same]![0] === b[same]![0] && a[same]![1] === b[same]![1]) {
          same++;
        }
        expect(delta!.policies.every((p) => p.position >= same)).toBe(true);
        expect(delta!.removedPolicies.every((id) => a.findIndex(([x]) => x === id) >= same)).toBe(true);
      }),
    );
  });

  it('cannot tell lists that repeat an id apart', () => {
    const parts = policiesView([
      ['pol-1', 0],
      ['pol-1', 1],
    ]);
    const header = {
      computerId: 'c',
      baseVersion: 1,
      baseViewHash: partsHash(parts),
      version: 2,
      settingsVersion: 1,
      issuedAtMs: 0,
      viewHash: partsHash(parts),
    };
    expect(diffViews(parts, policiesView([['pol-1', 0]]), header)).toBeNull();
    expect(diffViews(policiesView([['pol-1', 0]]), parts, header)).toBeNull();
  });
});

describe('the ServerMessage of a signed delta in one buffer', () => {
  it('is byte for byte what the protobuf encoders make, for any payload, signature and key id', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 20_000 }),
        fc.uint8Array({ maxLength: 70 }),
        fc.string({ maxLength: 40 }),
        (payload, signature, keyId) => {
          const { message, signed } = deltaServerMessage(payload, signature, keyId);
          const expected = signedDeltaBytes(payload, signature, keyId);
          expect(Buffer.from(signed).equals(Buffer.from(expected))).toBe(true);
          const envelope = encodeServerMessage({ kind: 'delta', signed: expected });
          expect(Buffer.from(message).equals(Buffer.from(envelope))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('a delta payload written as header and shared changes', () => {
  // The whole payload as one protobuf writer writes it, every header field included.
  function oneWriter(delta: DeltaContent): Uint8Array {
    const w = protobuf.Writer.create();
    w.uint32(10).string(delta.computerId);
    w.uint32(16).uint32(delta.baseVersion);
    w.uint32(26).bytes(delta.baseViewHash);
    w.uint32(32).uint32(delta.version);
    w.uint32(40).uint32(delta.settingsVersion);
    w.uint32(49).double(delta.issuedAtMs);
    w.uint32(58).bytes(delta.viewHash);
    w.uint32(64).int32(tollgate.v1.PayloadKind.PAYLOAD_KIND_DELTA);
    return Buffer.concat([w.finish(), encodeDeltaChanges(delta)]);
  }

  it('is byte for byte what one protobuf writer makes of the whole, and decodes to the delta', () => {
    const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
    const entry = fc.record({ position: fc.nat({ max: 0xffff_ffff }), message: fc.uint8Array({ maxLength: 40 }) });
    fc.assert(
      fc.property(
        fc.record({
          computerId: fc.string({ maxLength: 30 }),
          baseVersion: fc.nat({ max: 0xffff_ffff }),
          baseViewHash: hash,
          version: fc.nat({ max: 0xffff_ffff }),
          settingsVersion: fc.nat({ max: 0xffff_ffff }),
          issuedAtMs: fc.maxSafeInteger(),
          viewHash: hash,
          policies: fc.array(entry, { maxLength: 3 }),
          removedPolicies: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
          applications: fc.array(entry, { maxLength: 3 }),
          removedApplications: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
          replacedFields: fc.array(fc.integer({ min: 1, max: 20 }), { maxLength: 3 }),
          replaced: fc.uint8Array({ maxLength: 40 }),
        }),
        (delta) => {
          const payload = encodeDeltaPayload(delta);
          expect(Buffer.from(payload).equals(Buffer.from(oneWriter(delta)))).toBe(true);
          const changes = encodeDeltaChanges(delta);
          expect(joinDeltaPayload(delta, changes).equals(Buffer.from(payload))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    const delta: DeltaContent = {
      computerId: 'pc-ü-1',
      baseVersion: 4,
      baseViewHash: Buffer.alloc(32, 1),
      version: 5,
      settingsVersion: 2,
      issuedAtMs: 1_750_000_000_123,
      viewHash: Buffer.alloc(32, 2),
      policies: [{ position: 3, message: tollgate.v1.Policy.encode({ id: 'pol-9' }).finish() }],
      removedPolicies: ['pol-2'],
      applications: [],
      removedApplications: [],
      replacedFields: [],
      replaced: new Uint8Array(0),
    };
    const decoded = decodeDeltaPayload(joinDeltaPayload(delta, encodeDeltaChanges(delta)));
    expect(decoded.computerId).toBe('pc-ü-1');
    expect([decoded.baseVersion, decoded.version, decoded.settingsVersion]).toEqual([4, 5, 2]);
    expect(decoded.issuedAtMs).toBe(1_750_000_000_123);
    expect(Buffer.from(decoded.viewHash).equals(delta.viewHash as Buffer)).toBe(true);
    expect(decoded.policies.map((p) => p.position)).toEqual([3]);
    expect(decoded.removedPolicies).toEqual(['pol-2']);
  });

  it('refuses a version that is not an unsigned 32-bit integer and a hash that is not 32 bytes', () => {
    const header = {
      computerId: 'pc-1',
      baseVersion: 1,
      baseViewHash: Buffer.alloc(32),
      version: 2,
      settingsVersion: 1,
      issuedAtMs: 0,
      viewHash: Buffer.alloc(32),
    };
    expect(() => joinDeltaPayload({ ...header, version: 2 ** 32 }, new Uint8Array(0))).toThrow(TollgateError);
    expect(() => joinDeltaPayload({ ...header, baseVersion: -1 }, new Uint8Array(0))).toThrow(TollgateError);
    expect(() => joinDeltaPayload({ ...header, viewHash: Buffer.alloc(31) }, new Uint8Array(0))).toThrow(TollgateError);
  });
});
