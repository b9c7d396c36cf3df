// Agent.applySnapshot: refusals from the signature and header alone, and the
// previous snapshot back in service when a verified one fails later (its
// view cannot be compiled, or the store cannot take it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent, isUnusableStored } from '../../src/agent/agent.js';
import { TollgateError } from '../../src/engine/errors.js';
import type { World } from '../../src/engine/model.js';
import { buildView, type ComputerView } from '../../src/engine/view.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { tollgate } from '../../src/wire/generated/tollgate.js';
import { sealSettings, sealSnapshot, verifySnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey, parsePublicKey, signBytes } from '../../src/wire/signing.js';

const keys = generateSigningKeys();
const privateKey = parsePrivateKey(keys.privateKeyPem);
const NOW = Date.parse('2026-11-01T00:00:00Z');

const WORLD: World = {
  organizations: [{ id: 'o', name: 'O', structure: 'flat', modules: [] }],
  groups: [{ id: 'g', org: 'o', name: 'G', os: 'linux', agentVersion: '10.6.0' }],
  computers: [{ id: 'c', group: 'g' }],
  applications: [{ id: 'tool', name: 'Tool', builtIn: false, rules: [{ path: '/opt/tool' }] }],
  policies: [{ id: 'allow-tool', app: 'tool', appliesTo: { group: 'g' }, action: 'permit', order: 1, enabled: true }],
  agentSettings: [],
  approvalPolicies: [],
  approvalSettings: [],
};

function seal(view: ComputerView, version: number, computerId = 'c'): Uint8Array {
  return sealSnapshot({ computerId, version, issuedAtMs: 0, settingsVersion: 0, view }, privateKey);
}

/** An agent of computer `computerId` over `store`, told nothing beyond what it needs. */
function agentOf(store: AgentStore, computerId: string): Agent {
  return new Agent({
    store,
    publicKey: parsePublicKey(keys.publicKeyPem),
    computerId,
    noSnapshotAction: 'deny',
    clock: () => NOW,
  });
}

/** A signed snapshot whose header is fine and whose view field is not a view at all. */
function sealedWithGarbageView(version: number, computerId = 'c'): Uint8Array {
  const head = tollgate.v1.SnapshotPayload.encode({
    computerId,
    version,
    issuedAtMs: 0,
    settingsVersion: 0,
    kind: tollgate.v1.PayloadKind.PAYLOAD_KIND_SNAPSHOT,
  }).finish();
  const garbage = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
  const payload = Buffer.concat([head, Buffer.from([(5 << 3) | 2, garbage.length]), garbage]);
  return tollgate.v1.SignedSnapshot.encode({ payload, signature: signBytes(payload, privateKey) }).finish();
}

describe('isUnusableStored: which failures to load a stored snapshot remove it', () => {
  const wrapped = (code: string, cause: Error) => new TollgateError(code, `snapshot: ${cause.message}`, { cause });

  it('damage and what this build refuses remove it', () => {
    expect(isUnusableStored(new TollgateError('store-damaged', 'snapshot 1 is stored in 2 parts'))).toBe(true);
    expect(isUnusableStored(new TollgateError('bad-signature', 'the signature does not match'))).toBe(true);
    expect(isUnusableStored(new TollgateError('bad-regex', 'invalid regular expression'))).toBe(true);
    expect(isUnusableStored(wrapped('bad-message', new RangeError('index out of range: 70 + 10 > 75')))).toBe(true);
  });

  it('the process running out of memory or stack, the storage, and another computer remove nothing', () => {
    expect(isUnusableStored(wrapped('bad-message', new RangeError('Array buffer allocation failed')))).toBe(false);
    expect(isUnusableStored(wrapped('bad-message', new RangeError('Maximum call stack size exceeded')))).toBe(false);
    expect(isUnusableStored(new TollgateError('storage-unavailable', 'agent.db cannot be used: disk I/O error'))).toBe(
      false,
    );
    expect(isUnusableStored(new TollgateError('wrong-computer', 'the snapshot is for computer d'))).toBe(false);
    expect(isUnusableStored(new Error('unexpected'))).toBe(false);
  });
});

describe('Agent.applySnapshot', () => {
  let dir: string;
  let store: AgentStore;
  let agent: Agent;
  let lost: string[];
  let removed: string[];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-apply-'));
    store = AgentStore.open(path.join(dir, 'agent.db'), { maxDecisionLog: 10 });
    lost = [];
    removed = [];
    agent = new Agent({
      store,
      publicKey: parsePublicKey(keys.publicKeyPem),
      computerId: 'c',
      noSnapshotAction: 'deny',
      clock: () => NOW,
      onSnapshotLost: (problem) => lost.push(problem),
      onStoredSnapshotRemoved: (problem) => removed.push(problem),
    });
    agent.applySnapshot(seal(buildView(WORLD, 'c'), 1));
  });

  afterEach(async () => {
    // An image file still being written (a snapshot compiled again at a load) would put its folder back while
    // the directory is removed.
    await store.imagesWritten();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const serving = () => ({
    version: agent.snapshotVersion,
    stored: store.activeSnapshot()?.version,
    decision: agent.decide({ path: '/opt/tool' }).policy,
  });

  it('refuses an old version and another computer from the header, without decoding the view', () => {
    expect(verifySnapshot(sealedWithGarbageView(1), parsePublicKey(keys.publicKeyPem)).header.version).toBe(1);
    expect(() => agent.applySnapshot(sealedWithGarbageView(1))).toThrow(
      expect.objectContaining({ code: 'stale-version' }),
    );
    expect(() => agent.applySnapshot(sealedWithGarbageView(9, 'other'))).toThrow(
      expect.objectContaining({ code: 'wrong-computer' }),
    );
    expect(serving()).toEqual({ version: 1, stored: 1, decision: 'allow-tool' });
  });

  it('refuses a signed snapshot whose issue time or a policy expiry is NaN, naming the field, and keeps the one it holds', () => {
    const view = buildView(WORLD, 'c');
    const nanIssued = sealSnapshot(
      { computerId: 'c', version: 2, issuedAtMs: NaN, settingsVersion: 0, view },
      privateKey,
    );
    expect(() => agent.applySnapshot(nanIssued)).toThrow(/^snapshot\.issuedAtMs: is NaN, not a time$/);
    // A fraction of a ms, or a time past a safe integer, is no time this agent keeps: refused, not an internal failure.
    for (const issuedAtMs of [1_700_000_000_000.5, 9.3e18]) {
      const odd = sealSnapshot({ computerId: 'c', version: 2, issuedAtMs, settingsVersion: 0, view }, privateKey);
      expect(() => agent.applySnapshot(odd)).toThrow(/^snapshot\.issuedAtMs: is .* not a whole number of ms/);
      expect(() => agent.applySnapshot(odd)).toThrow(expect.objectContaining({ code: 'bad-message' }));
    }
    // NaN would never compare as expired: the policy would decide for ever.
    const payload = tollgate.v1.SnapshotPayload.decode(tollgate.v1.SignedSnapshot.decode(seal(view, 3)).payload);
    payload.view!.policies![0]!.expiresAtMs = NaN;
    const bytes = tollgate.v1.SnapshotPayload.encode(payload).finish();
    const nanExpiry = tollgate.v1.SignedSnapshot.encode({
      payload: bytes,
      signature: signBytes(bytes, privateKey),
    }).finish();
    expect(() => agent.applySnapshot(nanExpiry)).toThrow(
      /^snapshot\.view\.policies\[0\]\.expiresAtMs: is NaN, not a time$/,
    );
    expect(serving()).toEqual({ version: 1, stored: 1, decision: 'allow-tool' });
  });

  it('serves the previous snapshot again when a newer one cannot be decoded or compiled', () => {
    expect(() => agent.applySnapshot(sealedWithGarbageView(2))).toThrow(
      expect.objectContaining({ code: 'bad-message' }),
    );
    expect(serving()).toEqual({ version: 1, stored: 1, decision: 'allow-tool' });

    const badRegex = buildView(WORLD, 'c');
    badRegex.applications = [{ id: 'tool', name: 'Tool', builtIn: false, rules: [{ path: 'regex:(' }] }];
    expect(() => agent.applySnapshot(seal(badRegex, 3))).toThrow(expect.objectContaining({ code: 'bad-regex' }));
    expect(serving()).toEqual({ version: 1, stored: 1, decision: 'allow-tool' });
  });

  it('refuses a signed view no valid world gives, naming the field and id, and keeps serving the previous one', () => {
    // The server never writes these; a broken or hostile one, or a snapshot applied locally, can.
    const absentApp = buildView(WORLD, 'c');
    absentApp.applications = [];
    expect(() => agent.applySnapshot(seal(absentApp, 2))).toThrow(
      expect.objectContaining({
        code: 'bad-message',
        message: 'view.policies[allow-tool]: app "tool" is not an application of the view',
      }),
    );
    expect(serving()).toEqual({ version: 1, stored: 1, decision: 'allow-tool' });
    const negative = buildView(WORLD, 'c');
    negative.policies = negative.policies.map((p) => ({ ...p, order: -1 }));
    expect(() => agent.applySnapshot(seal(negative, 3))).toThrow(
      'view.policies[allow-tool]: order -1 is negative, but organization o uses the flat structure',
    );
    const country = buildView(WORLD, 'c');
    country.approvalPolicies = [
      {
        id: 'ap',
        order: 1,
        scopeRank: 2,
        action: 'approve',
        category: 'Games',
        countries: { mode: 'deny', list: [' CN'] },
      },
    ];
    expect(() => agent.applySnapshot(seal(country, 4))).toThrow(
      'view.approvalPolicies[ap]: countries.list " CN" is not an ISO 3166-1 alpha-2 country code',
    );
    expect(serving()).toEqual({ version: 1, stored: 1, decision: 'allow-tool' });
    // The same view made right is applied.
    country.approvalPolicies = [
      {
        ...(country.approvalPolicies[0] as (typeof country.approvalPolicies)[number]),
        countries: { mode: 'deny', list: ['CN'] },
      },
    ];
    agent.applySnapshot(seal(country, 5));
    expect(serving()).toEqual({ version: 5, stored: 5, decision: 'allow-tool' });
  });

  it('serves the previous snapshot again when the store cannot take the new one', () => {
    const next = buildView(WORLD, 'c');
    next.policies = next.policies.map((p) => ({ ...p, id: 'allow-tool-v2' }));
    expect(() =>
      agent.applySnapshot(seal(next, 2), {
        beforeCommit: () => {
          throw new Error('disk full');
        },
      }),
    ).toThrow('disk full');
    expect(serving()).toEqual({ version: 1, stored: 1, decision: 'allow-tool' });
    expect(agent.applySnapshot(seal(next, 2))).toEqual({ version: 2 });
    expect(serving()).toEqual({ version: 2, stored: 2, decision: 'allow-tool-v2' });
  });

  it('says so, naming both failures, when the previous snapshot cannot be restored either', () => {
    // Another process damages the cache: the active snapshot's parts are gone.
    const other = new Database(path.join(dir, 'agent.db'));
    other.prepare('DELETE FROM snapshot_parts WHERE version = 1').run();
    other.close();
    const badRegex = buildView(WORLD, 'c');
    badRegex.applications = [{ id: 'tool', name: 'Tool', builtIn: false, rules: [{ path: 'regex:(' }] }];
    let thrown: unknown;
    try {
      agent.applySnapshot(seal(badRegex, 2));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TollgateError);
    expect((thrown as TollgateError).code).toBe('snapshot-lost');
    expect((thrown as Error).message).toMatch(
      /^snapshot 2 failed \(view\.applications\[tool\]\.rules\[0\]: invalid regular expression.*\) and stored snapshot 1 cannot be used: snapshot 1 is stored in .*: removed from the cache; no earlier snapshot is kept/,
    );
    // The damaged snapshot removed (told apart), then the loss.
    expect(removed).toEqual([expect.stringMatching(/^stored snapshot 1 cannot be used: .*: removed from the cache/)]);
    expect(lost).toHaveLength(1);
    expect(agent.snapshotVersion).toBeNull();
    const decision = agent.decide({ path: '/opt/tool' });
    expect(decision).toMatchObject({ action: 'deny', policy: null, reason: 'no policy snapshot' });
    // A good snapshot puts the agent back in business.
    expect(agent.applySnapshot(seal(buildView(WORLD, 'c'), 3))).toEqual({ version: 3 });
    expect(serving()).toEqual({ version: 3, stored: 3, decision: 'allow-tool' });
  });

  it("takes this computer's snapshot and settings, whatever their versions, over another computer's in its cache", () => {
    // Caches of computer d (a disk copied from it): snapshot 50 and settings 40, and then snapshot 60 with 50 kept.
    const two: World = { ...WORLD, computers: [...WORLD.computers, { id: 'd', group: 'g' }] };
    const settingsOf = (computerId: string, settingsVersion: number) =>
      sealSettings(
        { computerId, settingsVersion, issuedAtMs: 0, settings: { prioritizeBuiltInApplications: false } },
        privateKey,
      );
    const copied = (name: string, versions: number[]): AgentStore => {
      const copy = AgentStore.open(path.join(dir, name));
      const ofD = agentOf(copy, 'd');
      for (const version of versions) ofD.applySnapshot(seal(buildView(two, 'd'), version, 'd'));
      ofD.applySettings(settingsOf('d', 40));
      return copy;
    };
    const stores = [copied('same.db', [50]), copied('older.db', [50, 60])];
    try {
      for (const [copy, version] of [
        [stores[0], 50],
        [stores[1], 55],
      ] as const) {
        const onC = agentOf(copy!, 'c');
        const loaded = onC.loadFromStore();
        expect(loaded.snapshotVersion).toBeNull();
        expect(loaded.problems).toEqual([
          expect.stringMatching(/snapshot (50|60) cannot be used: .*computer d/),
          expect.stringMatching(/^stored settings 40 cannot be used: the settings is for computer d, this agent is c/),
        ]);
        expect(onC.settingsVersion).toBe(0);
        // Its own, of the version the cache holds or one between those it holds: taken.
        expect(onC.applySnapshot(seal(buildView(two, 'c'), version))).toEqual({ version });
        expect(onC.applySettings(settingsOf('c', 3))).toEqual({ settingsVersion: 3 });
        expect(onC.decide({ path: '/opt/tool' }).policy).toBe('allow-tool');
        // And they are what the next start serves.
        const again = agentOf(copy!, 'c');
        expect(again.loadFromStore()).toMatchObject({ snapshotVersion: version, problems: [] });
        expect(again.settingsVersion).toBe(3);
        expect(() => again.applySnapshot(seal(buildView(two, 'c'), version))).toThrow(
          expect.objectContaining({ code: 'stale-version' }),
        );
      }
    } finally {
      for (const copy of stores) copy.close();
    }
  });

  it('keeps the stale check when its own stored snapshot cannot be read, serving none', async () => {
    agent.applySnapshot(seal(buildView(WORLD, 'c'), 7));
    // Its image written before the folder is removed below (a write still going would put it back).
    await store.imagesWritten();
    store.close();
    // The stored snapshot cannot be read at start, for a reason that removes nothing (the storage).
    const failing = AgentStore.open(path.join(dir, 'agent.db'), { maxDecisionLog: 10 });
    store = failing;
    const read = failing.activeSnapshot.bind(failing);
    failing.activeSnapshot = () => {
      throw new TollgateError('storage-unavailable', 'agent.db cannot be used: disk I/O error');
    };
    fs.rmSync(path.join(dir, 'agent.db.images'), { recursive: true, force: true });
    agent = agentOf(failing, 'c');
    expect(agent.loadFromStore().snapshotVersion).toBeNull();
    failing.activeSnapshot = read;
    // An older snapshot of its own (a seed file, say) does not replace the newer one it holds, which, readable
    // again, serves.
    expect(() => agent.applySnapshot(seal(buildView(WORLD, 'c'), 3))).toThrow(
      expect.objectContaining({ code: 'stale-version' }),
    );
    expect(failing.activeSnapshotRecord()?.version).toBe(7);
    expect(serving()).toEqual({ version: 7, stored: 7, decision: 'allow-tool' });
  });

  it("removes a stored version whose bytes are another version's signed snapshot, and serves the one before", async () => {
    agent.applySnapshot(seal(buildView(WORLD, 'c'), 2));
    await store.imagesWritten();
    store.close();
    // Version 2's row given version 1's bytes, and no image to serve from: the start compiles the bytes again.
    const db = new Database(path.join(dir, 'agent.db'));
    db.prepare('DELETE FROM snapshot_parts WHERE version = 2').run();
    db.prepare(
      'INSERT INTO snapshot_parts (version, seq, bytes) SELECT 2, seq, bytes FROM snapshot_parts WHERE version = 1',
    ).run();
    db.close();
    fs.rmSync(path.join(dir, 'agent.db.images'), { recursive: true, force: true });
    store = AgentStore.open(path.join(dir, 'agent.db'), { maxDecisionLog: 10 });
    agent = agentOf(store, 'c');
    const loaded = agent.loadFromStore();
    expect(loaded.snapshotVersion).toBe(1);
    expect(loaded.problems).toEqual([
      expect.stringMatching(
        /^stored snapshot 2 cannot be used: its bytes are the signed snapshot of version 1: removed from the cache/,
      ),
    ]);
    expect(serving()).toEqual({ version: 1, stored: 1, decision: 'allow-tool' });
  });
});
