// An apply compiles the new view image over the buffer of the image it
// replaces (docs/DAEMON.md, "Memory"): the image is byte for byte the one a
// new buffer gets, whatever the buffer held; the retired image refuses to
// decide; decisions follow the new snapshot; and a verified snapshot that
// fails after the old buffer was written over leaves the previous snapshot
// serving, read again from the store.
import { randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileActiveImageFromPayload, type ActiveBinding } from '../../src/agent/active-image.js';
import { Agent } from '../../src/agent/agent.js';
import { TollgateError } from '../../src/engine/errors.js';
import { LinearEvaluator } from '../../src/engine/evaluate.js';
import type { Application, FileRequest, Policy, World } from '../../src/engine/model.js';
import { buildView, type ComputerView } from '../../src/engine/view.js';
import { IMAGE_ERROR_CODES, IMAGE_HEADER } from '../../src/engine/view-image.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { sealSnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey, parsePublicKey } from '../../src/wire/signing.js';
import { SYNTHETIC_NOW_MS, syntheticWorld } from '../../scripts/lib/synthetic-world.js';

const keys = generateSigningKeys();
const privateKey = parsePrivateKey(keys.privateKeyPem);
// Large enough that the image fills most of the buffer it is written in (a small image is copied into a
// buffer of its own size, and there is nothing worth writing over).
const SYNTHETIC = syntheticWorld({ policies: 20_000, seed: 5, requests: 40, requestsPerShape: 4 });
const COMPUTER = SYNTHETIC.computer;
const MARKER: FileRequest = { path: 'C:\\Marker\\marker-tool.exe' };
// Every rule shape, some stray files, and the marker (the linear reference walks 20,000 policies for each).
const REQUESTS: FileRequest[] = [
  ...SYNTHETIC.requests.slice(0, 40),
  ...Object.values(SYNTHETIC.byShape).flat(),
  MARKER,
];

/** The synthetic world, and in `marked` one more application and policy (first in order) that denies MARKER. */
function view(marked: boolean): ComputerView {
  const world: World = SYNTHETIC.world;
  if (!marked) return buildView(world, COMPUTER);
  const first = world.policies[0] as Policy;
  const app: Application = { id: 'marker-app', name: 'Marker', builtIn: false, rules: [{ path: MARKER.path }] };
  const policy: Policy = { ...first, id: 'marker-policy', app: app.id, action: 'deny', order: 0 };
  return buildView(
    { ...world, applications: [...world.applications, app], policies: [policy, ...world.policies] },
    COMPUTER,
  );
}

const VIEWS = [view(false), view(true)];

function seal(version: number, v: ComputerView): Uint8Array {
  return sealSnapshot({ computerId: COMPUTER, version, issuedAtMs: 5, settingsVersion: 0, view: v }, privateKey);
}

describe('an image compiled over a retired buffer', () => {
  const payload = tollgate.v1.SignedSnapshot.decode(seal(3, VIEWS[1] as ComputerView)).payload;
  const binding: ActiveBinding = {
    snapshotVersion: 3,
    snapshotHash: Uint8Array.from({ length: 32 }, (_, i) => i),
    computerId: COMPUTER,
    agentVersion: undefined,
    os: undefined,
  };

  it('is byte for byte the image a new buffer gets, whatever the buffer held, and lives in that buffer', () => {
    const fresh = compileActiveImageFromPayload(payload, binding);
    const used = new ArrayBuffer(fresh.bytes.buffer.byteLength);
    randomFillSync(new Uint8Array(used));
    const recycled = compileActiveImageFromPayload(payload, binding, { recycle: used });
    // Compared as booleans: a failing match of buffers this size would print megabytes.
    expect(recycled.bytes.buffer === used).toBe(true);
    expect(Buffer.from(recycled.bytes).equals(Buffer.from(fresh.bytes))).toBe(true);
    for (const file of REQUESTS) {
      const options = { nowMs: SYNTHETIC_NOW_MS };
      expect(recycled.evaluate(file, options)).toEqual(fresh.evaluate(file, options));
    }
  });

  it('is the same bytes over a buffer of any size, written over when it has room enough', () => {
    const fresh = compileActiveImageFromPayload(payload, binding);
    const made = fresh.bytes.buffer.byteLength;
    const outcomes = new Set<boolean>();
    // From smaller than the image to the size of the buffer made for it: too small, room for part of the
    // estimated string bytes (the strings may or may not fit), room for all of them.
    for (const share of [0.5, 0.6, 0.65, 0.7, 0.8, 0.9, 1]) {
      const used = new ArrayBuffer(Math.floor(made * share));
      randomFillSync(new Uint8Array(used));
      const image = compileActiveImageFromPayload(payload, binding, { recycle: used });
      expect(Buffer.from(image.bytes).equals(Buffer.from(fresh.bytes))).toBe(true);
      outcomes.add(image.bytes.buffer === used);
    }
    expect([...outcomes].sort()).toEqual([false, true]);
  });
});

describe('Agent.applySnapshot over the active image', () => {
  let dir: string;
  let store: AgentStore;
  let agent: Agent;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-recycle-'));
    store = AgentStore.open(path.join(dir, 'agent.db'));
    agent = new Agent({
      store,
      publicKey: parsePublicKey(keys.publicKeyPem),
      computerId: COMPUTER,
      noSnapshotAction: 'deny',
      clock: () => SYNTHETIC_NOW_MS,
    });
  });

  afterEach(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The agent's decisions on REQUESTS match the linear reference over `v`. */
  function expectServing(v: ComputerView): void {
    const linear = new LinearEvaluator(v);
    for (const file of REQUESTS) {
      const reference = linear.evaluate(file, { nowMs: SYNTHETIC_NOW_MS });
      const decision = agent.decide(file);
      expect({ action: decision.action, policy: decision.policy }).toEqual({
        action: reference.action,
        policy: reference.policy,
      });
    }
  }

  it('writes the new image over the old one, which then refuses to decide', async () => {
    agent.applySnapshot(seal(1, VIEWS[0] as ComputerView));
    await store.imagesWritten();
    const first = agent.activeImage;
    expect(first).not.toBeNull();
    const buffer = first?.bytes.buffer;
    expect(agent.decide(MARKER).policy).not.toBe('marker-policy');

    agent.applySnapshot(seal(2, VIEWS[1] as ComputerView));
    const second = agent.activeImage;
    expect(second !== null && second !== first && second.bytes.buffer === buffer).toBe(true);
    expect(() => first?.decide(MARKER, { nowMs: SYNTHETIC_NOW_MS })).toThrow(
      expect.objectContaining({ code: IMAGE_ERROR_CODES.released }),
    );
    expect(() => first?.decisionAt(0)).toThrow(TollgateError);
    expect(agent.decide(MARKER).policy).toBe('marker-policy');
    expectServing(VIEWS[1] as ComputerView);
  });

  it('writes the next image over the one a warm start read from its file', async () => {
    agent.applySnapshot(seal(1, VIEWS[0] as ComputerView));
    await store.imagesWritten();
    const warm = new Agent({
      store,
      publicKey: parsePublicKey(keys.publicKeyPem),
      computerId: COMPUTER,
      noSnapshotAction: 'deny',
      clock: () => SYNTHETIC_NOW_MS,
      onImageProblem: (problem) => expect.fail(problem),
    });
    warm.loadFromStore();
    const read = warm.activeImage;
    // Read from the file into a buffer with room for the next compile (ImageFiles.read), not compiled again.
    expect(read !== null && read.bytes.buffer.byteLength > read.bytes.length).toBe(true);
    warm.applySnapshot(seal(2, VIEWS[1] as ComputerView));
    expect(warm.activeImage !== null && warm.activeImage.bytes.buffer === read?.bytes.buffer).toBe(true);
    expect(warm.decide(MARKER).policy).toBe('marker-policy');
  });

  it('serves the previous snapshot again when the store refuses the new one after its image was compiled', async () => {
    agent.applySnapshot(seal(1, VIEWS[0] as ComputerView));
    await store.imagesWritten();
    const buffer = agent.activeImage?.bytes.buffer as ArrayBuffer;
    let versionInBuffer = Number.NaN;
    expect(() =>
      agent.applySnapshot(seal(2, VIEWS[1] as ComputerView), {
        beforeCommit: () => {
          // The new image has been compiled over the previous one's buffer by now.
          versionInBuffer = new DataView(buffer).getFloat64(IMAGE_HEADER.snapshotVersion, true);
          throw new Error('disk full');
        },
      }),
    ).toThrow(/disk full/);
    expect(versionInBuffer).toBe(2);
    expect(agent.snapshotVersion).toBe(1);
    expect(agent.activeImage !== null && agent.activeImage.bytes.buffer !== buffer).toBe(true);
    expect(agent.decide(MARKER).policy).not.toBe('marker-policy');
    expectServing(VIEWS[0] as ComputerView);
  });

  it('serves the previous snapshot again when the new view fails to compile over its buffer', async () => {
    agent.applySnapshot(seal(1, VIEWS[0] as ComputerView));
    await store.imagesWritten();
    const bad = VIEWS[1] as ComputerView;
    const broken: ComputerView = {
      ...bad,
      applications: bad.applications.map((a, i) =>
        i === bad.applications.length - 1 ? { ...a, rules: [...a.rules, { path: 'regex:(' }] } : a,
      ),
    };
    const buffer = agent.activeImage?.bytes.buffer as ArrayBuffer;
    const before = Buffer.from(buffer.slice(0));
    expect(() => agent.applySnapshot(seal(2, broken))).toThrow(TollgateError);
    // The compile got as far as writing over the previous image's buffer before it failed.
    expect(before.equals(Buffer.from(buffer))).toBe(false);
    expect(agent.snapshotVersion).toBe(1);
    expect(agent.decide(MARKER).policy).not.toBe('marker-policy');
    expectServing(VIEWS[0] as ComputerView);
  });

  it('compiles the previous snapshot again when its image file is gone as well', () => {
    agent.applySnapshot(seal(1, VIEWS[0] as ComputerView));
    // No image file yet (written after the apply returns): the previous snapshot is compiled from the store.
    expect(() =>
      agent.applySnapshot(seal(2, VIEWS[1] as ComputerView), {
        beforeCommit: () => {
          throw new Error('disk full');
        },
      }),
    ).toThrow(/disk full/);
    expect(agent.snapshotVersion).toBe(1);
    expectServing(VIEWS[0] as ComputerView);
  });
});
