// Agent.applyDelta: the same refusals as a snapshot, a base that must be the
// one held, the produced view's hash checked before anything changes, one
// transaction to store it, and the stored result verified again at restart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import { TollgateError } from '../../src/engine/errors.js';
import type { World } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import { AgentStore } from '../../src/store/agent-store.js';
import {
  diffViews,
  partsHash,
  sealDelta,
  signedSnapshotViewBytes,
  viewParts,
  type DeltaContent,
} from '../../src/wire/delta.js';
import { sealSnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey, parsePublicKey } from '../../src/wire/signing.js';

const keys = generateSigningKeys();
const privateKey = parsePrivateKey(keys.privateKeyPem);
const otherKey = parsePrivateKey(generateSigningKeys().privateKeyPem);
const NOW = Date.parse('2026-11-01T00:00:00Z');

function world(action: 'permit' | 'deny', extra = false): World {
  return {
    organizations: [{ id: 'o', name: 'O', structure: 'flat', modules: [] }],
    groups: [{ id: 'g', org: 'o', name: 'G', os: 'linux', agentVersion: '10.6.0' }],
    computers: [
      { id: 'c', group: 'g' },
      { id: 'd', group: 'g' },
    ],
    applications: [
      { id: 'tool', name: 'Tool', builtIn: false, rules: [{ path: '/opt/tool' }] },
      { id: 'other', name: 'Other', builtIn: false, rules: [{ path: '/opt/other' }] },
    ],
    policies: [
      { id: 'on-tool', app: 'tool', appliesTo: { group: 'g' }, action, order: 1, enabled: true },
      ...(extra
        ? [
            {
              id: 'on-other',
              app: 'other',
              appliesTo: { group: 'g' },
              action: 'deny' as const,
              order: 2,
              enabled: true,
            },
          ]
        : []),
    ],
    agentSettings: [],
    approvalPolicies: [],
    approvalSettings: [],
  };
}

function snapshot(w: World, version: number, computerId = 'c'): Uint8Array {
  return sealSnapshot(
    { computerId, version, issuedAtMs: version, settingsVersion: 0, view: buildView(w, computerId) },
    privateKey,
  );
}

/** The delta between two sealed snapshots, as the server makes it, with fields overridden. */
function delta(from: Uint8Array, to: Uint8Array, versions: [number, number], over: Partial<DeltaContent> = {}) {
  const a = viewParts(signedSnapshotViewBytes(from));
  const b = viewParts(signedSnapshotViewBytes(to));
  const content = diffViews(a, b, {
    computerId: 'c',
    baseVersion: versions[0],
    baseViewHash: partsHash(a),
    version: versions[1],
    settingsVersion: 0,
    issuedAtMs: 77,
    viewHash: partsHash(b),
  })!;
  return { ...content, ...over };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof TollgateError) return error.code;
    throw error;
  }
  return 'none';
}

describe('Agent.applyDelta', () => {
  let dir: string;
  let store: AgentStore;
  let agent: Agent;
  const v1 = snapshot(world('permit'), 1);
  const v2 = snapshot(world('deny', true), 2);
  let imageProblems: string[] = [];

  function newAgent(): Agent {
    imageProblems = [];
    return new Agent({
      store,
      publicKey: parsePublicKey(keys.publicKeyPem),
      computerId: 'c',
      noSnapshotAction: 'deny',
      clock: () => NOW,
      onImageProblem: (problem) => imageProblems.push(problem),
    });
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-delta-'));
    store = AgentStore.open(path.join(dir, 'agent.db'));
    agent = newAgent();
    agent.applySnapshot(v1);
  });

  afterEach(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const serving = () => ({
    version: agent.snapshotVersion,
    stored: store.activeSnapshot()?.version,
    tool: agent.decide({ path: '/opt/tool' }).action,
    other: agent.decide({ path: '/opt/other' }).policy,
  });
  const before = { version: 1, stored: 1, tool: 'permit', other: null };

  it('applies a delta: decisions change, the hash is the new snapshot view hash, and a restart serves it again', async () => {
    expect(agent.viewHash).toEqual(partsHash(viewParts(signedSnapshotViewBytes(v1))));
    const signed = sealDelta(delta(v1, v2, [1, 2]), privateKey);
    expect(agent.applyDelta(signed)).toEqual({ version: 2 });
    const after = { version: 2, stored: 2, tool: 'deny', other: 'on-other' };
    expect(serving()).toEqual(after);
    expect(agent.viewHash).toEqual(partsHash(viewParts(signedSnapshotViewBytes(v2))));
    expect(agent.status().snapshotIssuedAtMs).toBe(77);
    // What is stored is the resulting view with its delta: verified again and served after a restart.
    expect(store.activeSnapshot()?.delta?.equals(signed)).toBe(true);
    expect(store.activeSnapshot()?.bytes.equals(signedSnapshotViewBytes(v2))).toBe(true);
    // Its image file is written after the apply returns.
    await store.imagesWritten();
    agent = newAgent();
    expect(agent.loadFromStore()).toEqual({ snapshotVersion: 2, problems: [], warnings: [] });
    // Served from the stored image of the delta-reached version (nothing compiled again).
    expect(imageProblems).toEqual([]);
    expect(serving()).toEqual(after);
    expect(agent.viewHash).toEqual(partsHash(viewParts(signedSnapshotViewBytes(v2))));
    // And a delta from the delta-reached version applies too.
    const v3 = snapshot(world('permit', true), 3);
    agent.applyDelta(sealDelta(delta(v2, v3, [2, 3]), privateKey));
    expect(serving()).toEqual({ version: 3, stored: 3, tool: 'permit', other: 'on-other' });
  });

  it('refuses a bad signature, another computer, an older version, a NaN signing time and a delta over the bound', () => {
    const good = delta(v1, v2, [1, 2]);
    expect(codeOf(() => agent.applyDelta(sealDelta(good, otherKey)))).toBe('unknown-key');
    expect(codeOf(() => agent.applyDelta(sealDelta({ ...good, computerId: 'd' }, privateKey)))).toBe('wrong-computer');
    expect(codeOf(() => agent.applyDelta(sealDelta({ ...good, version: 1 }, privateKey)))).toBe('stale-version');
    // A signing time that is no time would become the snapshot's.
    expect(() => agent.applyDelta(sealDelta({ ...good, issuedAtMs: Number.NaN }, privateKey))).toThrow(
      /^delta\.issuedAtMs: is NaN, not a time$/,
    );
    const small = new Agent({
      store,
      publicKey: parsePublicKey(keys.publicKeyPem),
      computerId: 'c',
      noSnapshotAction: 'deny',
      clock: () => NOW,
      maxDeltaBytes: 10,
    });
    small.loadFromStore();
    expect(codeOf(() => small.applyDelta(sealDelta(good, privateKey)))).toBe('delta-too-large');
    expect(serving()).toEqual(before);
  });

  it('refuses a delta from another base version or view, and one whose result has another hash', () => {
    const good = delta(v1, v2, [1, 2]);
    expect(codeOf(() => agent.applyDelta(sealDelta({ ...good, baseVersion: 0 }, privateKey)))).toBe(
      'delta-base-mismatch',
    );
    const otherBase = new Uint8Array(32).fill(7);
    expect(codeOf(() => agent.applyDelta(sealDelta({ ...good, baseViewHash: otherBase }, privateKey)))).toBe(
      'delta-base-mismatch',
    );
    const wrongResult = new Uint8Array(32).fill(9);
    expect(codeOf(() => agent.applyDelta(sealDelta({ ...good, viewHash: wrongResult }, privateKey)))).toBe(
      'delta-hash-mismatch',
    );
    expect(codeOf(() => agent.applyDelta(sealDelta({ ...good, removedPolicies: ['nope'] }, privateKey)))).toBe(
      'delta-inapplicable',
    );
    expect(serving()).toEqual(before);
    // Nothing was lost: the right delta still applies.
    agent.applyDelta(sealDelta(good, privateKey));
    expect(serving().version).toBe(2);
  });

  it('refuses a delta whose resulting view no valid world gives, naming the field and id, and keeps the view in force', () => {
    // The view of version 2 without the application its new policy names.
    const view = buildView(world('deny', true), 'c');
    view.applications = view.applications.filter((a) => a.id !== 'other');
    const broken = sealSnapshot({ computerId: 'c', version: 2, issuedAtMs: 2, settingsVersion: 0, view }, privateKey);
    expect(() => agent.applyDelta(sealDelta(delta(v1, broken, [1, 2]), privateKey))).toThrow(
      expect.objectContaining({
        code: 'bad-message',
        message: 'view.policies[on-other]: app "other" is not an application of the view',
      }),
    );
    expect(serving()).toEqual(before);
    agent.applyDelta(sealDelta(delta(v1, v2, [1, 2]), privateKey));
    expect(serving()).toEqual({ version: 2, stored: 2, tool: 'deny', other: 'on-other' });
  });

  it('a damaged stored base is refused as such and the view in force stays', () => {
    const db = new Database(path.join(dir, 'agent.db'));
    db.prepare('UPDATE snapshot_parts SET bytes = zeroblob(length(bytes)) WHERE version = 1').run();
    db.close();
    expect(codeOf(() => agent.applyDelta(sealDelta(delta(v1, v2, [1, 2]), privateKey)))).toBe('delta-base-damaged');
    expect(agent.snapshotVersion).toBe(1);
    expect(agent.decide({ path: '/opt/tool' }).action).toBe('permit');
  });

  it('stores nothing and keeps the view in force when the store refuses the write', () => {
    const signed = sealDelta(delta(v1, v2, [1, 2]), privateKey);
    expect(() =>
      agent.applyDelta(signed, {
        beforeCommit: () => {
          throw new Error('disk full');
        },
      }),
    ).toThrow('disk full');
    expect(serving()).toEqual(before);
    agent.applyDelta(signed);
    expect(serving().version).toBe(2);
  });

  it('a stored delta-reached view that no longer matches its signed hash is not served at restart: the version before it is', () => {
    agent.applyDelta(sealDelta(delta(v1, v2, [1, 2]), privateKey));
    const db = new Database(path.join(dir, 'agent.db'));
    // Flip one byte of the stored view (its last byte is part of a string).
    const part = db
      .prepare<[], { seq: number; bytes: Buffer }>(
        'SELECT seq, bytes FROM snapshot_parts WHERE version = 2 ORDER BY seq DESC LIMIT 1',
      )
      .get()!;
    part.bytes[part.bytes.length - 1] = part.bytes[part.bytes.length - 1]! ^ 1;
    db.prepare('UPDATE snapshot_parts SET bytes = ? WHERE version = 2 AND seq = ?').run(part.bytes, part.seq);
    db.close();
    agent = newAgent();
    const loaded = agent.loadFromStore();
    expect(loaded.snapshotVersion).toBe(1);
    expect(loaded.problems).toEqual([
      expect.stringMatching(
        /^stored snapshot 2 cannot be used: .*hashes to.*: removed from the cache; stored snapshot 1 serves until the server sends a newer one$/,
      ),
    ]);
  });
});
