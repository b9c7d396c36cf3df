// Views encoded once per shared body and spliced with each computer's own
// record: byte for byte what the generic encoder writes for the whole view,
// with the same view hash, parts and signature.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { World } from '../../src/engine/model.js';
import { WorldIndex } from '../../src/engine/world.js';
import { ViewPlanner, computerPart } from '../../src/server/view-planner.js';
import {
  NO_DELTA_HEADER,
  diffViews,
  partsHash,
  signedSnapshotViewBytes,
  signedSnapshotViewHash,
  viewParts,
} from '../../src/wire/delta.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { openSnapshot, sealSnapshot } from '../../src/wire/signed.js';
import { viewToWire } from '../../src/wire/codec.js';
import {
  ENTRY_BATCH_BYTES,
  ViewSplicer,
  bodyBytes,
  sealSplicedSnapshot,
  splicedSignedSnapshotBytes,
  splicedSnapshotPayload,
  splicedViewHash,
  splicedViewParts,
} from '../../src/wire/view-splice.js';
import { contractWorld } from '../support/contract-world.js';
import { paddedWorld } from '../support/padded-world.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');

function everyView(
  world: World,
  check: (id: string, index: WorldIndex, planner: ViewPlanner, splicer: ViewSplicer) => void,
) {
  const index = new WorldIndex(world);
  const planner = new ViewPlanner();
  const splicer = new ViewSplicer();
  for (const c of world.computers) check(c.id, index, planner, splicer);
}

describe('spliced views', () => {
  for (const [name, world] of [
    ['contract world', contractWorld()],
    ['padded world', paddedWorld(50, 20)],
  ] as const) {
    it(`encode every computer of the ${name} as the generic encoder does`, () => {
      everyView(world, (id, index, planner, splicer) => {
        const computer = index.computer(id);
        const view = planner.viewOf(index, id);
        const spliced = {
          computer: splicer.computerRecord(computerPart(index, computer)),
          body: splicer.body(planner.bodyOf(index, computer).view),
        };
        const generic = tollgate.v1.ComputerView.encode(viewToWire(view)).finish();
        expect(Buffer.concat([spliced.computer, bodyBytes(spliced.body)]).equals(Buffer.from(generic)), id).toBe(true);
        expect(splicedViewHash(spliced).equals(partsHash(viewParts(generic))), id).toBe(true);
        const parts = splicedViewParts(spliced);
        expect(parts.bytes).toBe(generic.length);
        expect(partsHash(parts).equals(partsHash(viewParts(generic))), id).toBe(true);
        expect(parts.policies.map((p) => p.id)).toEqual(view.policies.map((p) => p.id));
        expect(parts.applications.map((a) => a.id)).toEqual(view.applications.map((a) => a.id));

        const header = { computerId: id, version: 7, issuedAtMs: 1_750_000_000_123, settingsVersion: 3 };
        const payload = tollgate.v1.SnapshotPayload.encode({
          ...header,
          view: viewToWire(view),
          kind: tollgate.v1.PayloadKind.PAYLOAD_KIND_SNAPSHOT,
        }).finish();
        expect(splicedSnapshotPayload(header, spliced).equals(Buffer.from(payload)), id).toBe(true);
        const signed = sealSplicedSnapshot(header, spliced, privateKey);
        expect(Buffer.from(signed).equals(Buffer.from(sealSnapshot({ ...header, view }, privateKey))), id).toBe(true);
        expect(openSnapshot(signed, publicKey)).toEqual({ ...header, view });
        expect(signedSnapshotViewHash(signed).equals(splicedViewHash(spliced))).toBe(true);
        expect(Buffer.from(signedSnapshotViewBytes(signed)).equals(Buffer.from(generic))).toBe(true);
      });
    });
  }

  it('leaves default header values out, as protobufjs does', () => {
    everyView(paddedWorld(3, 1), (id, index, planner, splicer) => {
      const computer = index.computer(id);
      const spliced = {
        computer: splicer.computerRecord(computerPart(index, computer)),
        body: splicer.body(planner.bodyOf(index, computer).view),
      };
      const header = { computerId: id, version: 0, issuedAtMs: 0, settingsVersion: 0 };
      const payload = tollgate.v1.SnapshotPayload.encode({
        ...header,
        view: viewToWire(planner.viewOf(index, id)),
        kind: tollgate.v1.PayloadKind.PAYLOAD_KIND_SNAPSHOT,
      }).finish();
      expect(splicedSnapshotPayload(header, spliced).equals(Buffer.from(payload))).toBe(true);
    });
  });

  it('encodes a body once, and an entry once for every body that holds it', () => {
    const world = contractWorld();
    const index = new WorldIndex(world);
    const planner = new ViewPlanner();
    const splicer = new ViewSplicer();
    const [a, b] = world.computers;
    const bodyA = splicer.body(planner.bodyOf(index, index.computer(a!.id)).view);
    expect(splicer.body(planner.bodyOf(index, index.computer(a!.id)).view)).toBe(bodyA);
    const bodyB = splicer.body(planner.bodyOf(index, index.computer(b!.id)).view);
    const shared = bodyA.parts.policies.filter((p) => bodyB.parts.policies.some((q) => q.id === p.id));
    expect(bodyB).not.toBe(bodyA);
    expect(shared.length).toBeGreaterThan(0);
    for (const entry of shared) expect(bodyB.parts.policies.find((q) => q.id === entry.id)).toBe(entry);
  });
  it('writes new records next to each other, so that a body changed in one entry is a few slices', () => {
    // Large enough for several batches of records.
    const world = paddedWorld(2000, 40);
    const planner = new ViewPlanner();
    const splicer = new ViewSplicer();
    const encode = (w: World) => {
      const index = new WorldIndex(w);
      const computer = index.computer('till-1');
      const spliced = {
        computer: splicer.computerRecord(computerPart(index, computer)),
        body: splicer.body(planner.bodyOf(index, computer).view),
      };
      const generic = tollgate.v1.ComputerView.encode(viewToWire(planner.viewOf(index, 'till-1'))).finish();
      expect(Buffer.concat([spliced.computer, bodyBytes(spliced.body)]).equals(Buffer.from(generic))).toBe(true);
      expect(splicedViewHash(spliced).equals(partsHash(viewParts(generic)))).toBe(true);
      return spliced.body;
    };
    const before = encode(world);
    const batches = Math.ceil(before.length / ENTRY_BATCH_BYTES);
    expect(batches).toBeGreaterThan(2);
    // The head and tail records, and the batches the entries were written into.
    expect(before.slices.length).toBeLessThanOrEqual(batches + 3);
    const changed = { ...world.policies[1000]!, action: 'deny' as const };
    const after = encode({ ...world, policies: world.policies.map((p, i) => (i === 1000 ? changed : p)) });
    expect(after.length).toBe(before.length);
    // The changed record cuts one batch in two.
    expect(after.slices.length).toBeLessThanOrEqual(before.slices.length + 2);
    expect(after.parts.policies[999]).toBe(before.parts.policies[999]);
    expect(after.parts.policies[1000]).not.toBe(before.parts.policies[1000]);
  });
  it('makes the encoding of a body derived from another from that one, byte for byte the same', () => {
    // Frozen, as the server's worlds are: the planner derives bodies only from frozen lists.
    const world = frozen(paddedWorld(300, 20));
    const planner = new ViewPlanner();
    const splicer = new ViewSplicer({ uniqueIds: true });
    // Encoded as the server does: a derived body from its source's encoding.
    const encode = (w: World, id: string) => {
      const index = new WorldIndex(w);
      const computer = index.computer(id);
      const planned = planner.bodyOf(index, computer).view;
      const spliced = {
        computer: splicer.computerRecord(computerPart(index, computer)),
        body: splicer.body(planned, 'view', () => planner.takeSource(planned)),
      };
      const generic = tollgate.v1.ComputerView.encode(viewToWire(planner.viewOf(index, id))).finish();
      expect(Buffer.concat([spliced.computer, bodyBytes(spliced.body)]).equals(Buffer.from(generic)), id).toBe(true);
      expect(splicedViewHash(spliced).equals(partsHash(viewParts(generic))), id).toBe(true);
      return spliced.body;
    };
    const ids = world.computers.map((c) => c.id);
    const before = ids.map((id) => encode(world, id));
    // Two policies changed, one after the other.
    let next = world;
    for (const [at, action] of [
      [150, 'deny'],
      [10, 'deny'],
    ] as const) {
      next = frozen({ ...next, policies: next.policies.map((p, i) => (i === at ? { ...p, action } : p)) });
      const after = ids.map((id) => encode(next, id));
      for (const [i, body] of after.entries()) {
        const base = before[i]!;
        expect(body.serial).not.toBe(base.serial);
        // Only the changed entries are other records; the rest, and the applications, are taken over.
        expect(body.parts.applications).toBe(base.parts.applications);
        expect(body.parts.fields).toBe(base.parts.fields);
        const other = body.parts.policies.filter((e, k) => e !== base.parts.policies[k]);
        expect(other.length).toBeLessThanOrEqual(1);
        expect(diffViews(base.parts, body.parts, NO_DELTA_HEADER)?.policies.length).toBe(other.length);
      }
      before.splice(0, before.length, ...after);
    }
    // A source that differs in more than policies is not taken over: the body is encoded whole.
    const index = new WorldIndex(next);
    const computer = index.computer(ids[0]!);
    const planned = planner.bodyOf(index, computer).view;
    const other = { ...planned, policies: [...planned.policies], settings: { ...planned.settings } };
    const fresh = new ViewSplicer();
    fresh.body(planned);
    const whole = fresh.body(other, 'view', () => planned);
    expect(bodyBytes(whole).equals(bodyBytes(fresh.body(planned)))).toBe(true);
    expect(whole.parts.fields).not.toBe(fresh.body(planned).parts.fields);
  });
});

function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) frozen(v);
    Object.freeze(value);
  }
  return value;
}

describe('the length of a spliced snapshot', () => {
  it('is that of the signed bytes, without signing', () => {
    everyView(contractWorld(), (id, index, planner, splicer) => {
      const computer = index.computer(id);
      const spliced = {
        computer: splicer.computerRecord(computerPart(index, computer)),
        body: splicer.body(planner.bodyOf(index, computer).view),
      };
      for (const header of [
        { computerId: id, version: 300, issuedAtMs: 1_750_000_000_123, settingsVersion: 2 },
        { computerId: id, version: 1, issuedAtMs: 0, settingsVersion: 0 },
      ]) {
        const signed = sealSplicedSnapshot(header, spliced, privateKey);
        expect(splicedSignedSnapshotBytes(header, spliced), id).toBe(signed.length);
      }
    });
  });
});
