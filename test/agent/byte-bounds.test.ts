// Long unique paths from a local client cannot grow the daemon without bound:
// the decision cache, the decision log's ring and its table each hold at
// most their configured bytes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import { DecisionCache, fileBytes } from '../../src/agent/decision-cache.js';
import { DecisionRecorder } from '../../src/agent/decision-recorder.js';
import type { Decision, FileRequest } from '../../src/engine/model.js';
import { buildView } from '../../src/engine/view.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { EvaluateRequestReader } from '../../src/wire/evaluate-codec.js';
import { FRAME_HEADER_BYTES, encodeFrame } from '../../src/wire/framing.js';
import { encodeRequest, REQUEST_FIELD_LIMITS } from '../../src/wire/local-api.js';
import { sealSnapshot } from '../../src/wire/signed.js';
import { generateSigningKeys, parsePrivateKey, parsePublicKey } from '../../src/wire/signing.js';
import { contractWorld } from '../support/contract-world.js';

const keys = generateSigningKeys();
const KIB = 1024;
const MIB = 1024 * KIB;

const DECISION: Decision = {
  action: 'deny',
  policy: null,
  policyName: null,
  order: null,
  application: null,
  structure: 'flat',
  builtInsFirst: true,
  gated: [],
  snapshotVersion: 1,
  reason: 'r',
};

/** A path of the longest length a request may carry, unique by `n`. */
function longPath(n: number): string {
  const head = `C:\\${String(n).padStart(8, '0')}\\`;
  return head + 'a'.repeat(REQUEST_FIELD_LIMITS.path - head.length);
}

describe('byte bounds', () => {
  let dir: string;
  let store: AgentStore;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-bounds-'));
    store = AgentStore.open(path.join(dir, 'agent.db'), { maxDecisionLog: 10_000, maxDecisionLogBytes: 2 * MIB });
  });

  afterEach(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('holds long unique paths asked over the socket within every configured bound', () => {
    const recorder = new DecisionRecorder(store, 'till-1', 10_000, 1 * MIB);
    const agent = new Agent({
      store,
      publicKey: parsePublicKey(keys.publicKeyPem),
      computerId: 'till-1',
      noSnapshotAction: 'deny',
      clock: () => Date.parse('2026-11-01T00:00:00Z'),
      decisionCache: { maxBytes: 1 * MIB },
      onDecision: (atMs, file, decision) => recorder.record(atMs, file, decision),
    });
    agent.applySnapshot(
      sealSnapshot(
        {
          computerId: 'till-1',
          version: 1,
          issuedAtMs: 0,
          settingsVersion: 0,
          view: buildView(contractWorld(), 'till-1'),
        },
        parsePrivateKey(keys.privateKeyPem),
      ),
    );
    const reader = new EvaluateRequestReader();
    for (let n = 0; n < 300; n++) {
      const frame = encodeFrame(encodeRequest({ id: n + 1, kind: 'evaluateFile', file: { path: longPath(n) } }));
      // Each asked twice: the second ask is what caches it.
      for (let ask = 0; ask < 2; ask++) {
        const file = reader.read(frame, FRAME_HEADER_BYTES, frame.length);
        expect(file).toBeDefined();
        expect(agent.decide(file as FileRequest).action).toBeDefined();
        expect(agent.cachedBytes).toBeLessThanOrEqual(1 * MIB);
      }
      expect(recorder.heldBytes).toBeLessThanOrEqual(1 * MIB);
      if (n % 50 === 49) recorder.flush();
    }
    // 300 files of 32 KiB paths asked twice: about 38 MiB asked for, most of it dropped along the way.
    expect(agent.cachedBytes).toBeGreaterThan(0);
    expect(recorder.dropped).toBeGreaterThan(0);
    recorder.flush();
    expect(recorder.heldBytes).toBe(0);
    expect(store.decisionLogBytes()).toBeLessThanOrEqual(2 * MIB);
    expect(store.decisionCount()).toBeGreaterThan(0);
  });

  it('DecisionCache keeps a file asked again and again however many new files pass, within maxBytes', () => {
    const cache = new DecisionCache({ maxBytes: 64 * KIB });
    const never = (): number => Infinity;
    let decided = 0;
    const decide = (): Decision => {
      decided++;
      return DECISION;
    };
    const hot: FileRequest = { path: '/opt/hot.exe' };
    // Cached at its second ask.
    cache.get(hot, 0, never, decide);
    cache.get({ ...hot }, 0, never, decide);
    expect(decided).toBe(2);
    for (let n = 0; n < 200; n++) {
      // 200 files of about 2 KiB each, asked twice: many times what one generation (32 KiB) holds.
      const passing = { path: `/opt/twice/${n}/${'x'.repeat(KIB)}` };
      cache.get(passing, 0, never, decide);
      cache.get({ ...passing }, 0, never, decide);
      expect(cache.get({ ...hot }, 0, never, decide)).toBe(DECISION);
      expect(cache.heldBytes).toBeLessThanOrEqual(64 * KIB);
    }
    expect(decided).toBe(2 + 400);
    // A file cached long ago is gone: it is decided again (and cached again, its fingerprint still known).
    cache.get({ path: `/opt/twice/0/${'x'.repeat(KIB)}` }, 0, never, decide);
    cache.get({ path: `/opt/twice/0/${'x'.repeat(KIB)}` }, 0, never, decide);
    expect(decided).toBe(403);
    // The newest files cached are still there.
    cache.get({ path: `/opt/twice/199/${'x'.repeat(KIB)}` }, 0, never, decide);
    expect(decided).toBe(403);
  });

  it('DecisionCache keeps no entry for files asked once, however many', () => {
    const cache = new DecisionCache({ maxBytes: 64 * KIB, doorkeeperFingerprints: 64 });
    const never = (): number => Infinity;
    let decided = 0;
    const decide = (): Decision => {
      decided++;
      return DECISION;
    };
    for (let n = 0; n < 1_000; n++) {
      const file = { path: `/opt/once/${n}/${'z'.repeat(KIB)}` };
      expect(cache.lookup(file, 0, never, decide).file).toBe(file);
      expect(cache.heldBytes).toBe(0);
    }
    expect(decided).toBe(1_000);
    expect(cache.misses).toBe(1_000);
    // Past its 64 fingerprints the doorkeeper started over: the newest files asked once are still known, the
    // oldest not.
    cache.get({ path: `/opt/once/999/${'z'.repeat(KIB)}` }, 0, never, decide);
    expect(cache.heldBytes).toBeGreaterThan(0);
    const heldBefore = cache.heldBytes;
    cache.get({ path: `/opt/once/0/${'z'.repeat(KIB)}` }, 0, never, decide);
    expect(cache.heldBytes).toBe(heldBefore);
    expect(decided).toBe(1_002);
  });

  it('DecisionCache keeps files that share a path apart across generations', () => {
    const cache = new DecisionCache({ maxBytes: 16 * KIB });
    const never = (): number => Infinity;
    const made = new Map<string, number>();
    const decide = (file: FileRequest): Decision => {
      const key = file.sha256 ?? '-';
      if (file.path === '/opt/same') made.set(key, (made.get(key) ?? 0) + 1);
      return { ...DECISION, reason: key };
    };
    const variants: FileRequest[] = [
      { path: '/opt/same' },
      { path: '/opt/same', sha256: 'aa' },
      { path: '/opt/same', sha256: 'bb' },
    ];
    for (let n = 0; n < 100; n++) {
      for (const file of variants) expect(cache.get({ ...file }, 0, never, decide).reason).toBe(file.sha256 ?? '-');
      const passing = { path: `/opt/twice/${n}/${'y'.repeat(512)}` };
      cache.get(passing, 0, never, decide);
      cache.get({ ...passing }, 0, never, decide);
    }
    // Each variant decided twice (its first ask is not kept), though the generations turned many times.
    for (const file of variants) expect(made.get(file.sha256 ?? '-')).toBe(2);
    expect(cache.heldBytes).toBeLessThanOrEqual(16 * KIB);
  });

  it('DecisionCache lets go of its older generation past maxBytes and does not cache an entry larger than half the bound', () => {
    const cache = new DecisionCache({ maxBytes: 64 * KIB });
    const never = (): number => Infinity;
    let decided = 0;
    const decide = (): Decision => {
      decided++;
      return DECISION;
    };
    for (let n = 0; n < 20; n++) {
      cache.get({ path: `/opt/${n}/${'b'.repeat(8 * KIB)}` }, 0, never, decide);
      cache.get({ path: `/opt/${n}/${'b'.repeat(8 * KIB)}` }, 0, never, decide);
      expect(cache.heldBytes).toBeLessThanOrEqual(64 * KIB);
    }
    expect(cache.heldBytes).toBeGreaterThan(0);
    // Larger than one generation (32 KiB of the 64): never cached.
    const huge: FileRequest = { path: 'c'.repeat(17 * KIB) };
    cache.get(huge, 0, never, decide);
    cache.get(huge, 0, never, decide);
    cache.get(huge, 0, never, decide);
    expect(decided).toBe(43);
  });

  it('DecisionRecorder drops the oldest unwritten decisions past maxPendingBytes and lets written ones go', () => {
    const recorder = new DecisionRecorder(store, 'pc-1', 100, 3 * fileBytes({ path: 'x'.repeat(1000) }));
    for (let n = 0; n < 5; n++) recorder.record(n, { path: String(n).repeat(1000) }, DECISION);
    expect(recorder.dropped).toBe(2);
    recorder.flush();
    expect(recorder.heldBytes).toBe(0);
    expect(recorder.export(10).map((e) => e.file.path[0])).toEqual(['2', '3', '4']);
  });

  it('the store prunes the decision log to its byte bound, oldest rows first', () => {
    const row = (n: number) => ({
      atMs: n,
      computerId: 'pc-1',
      request: JSON.stringify({ path: `${n}`.padEnd(100 * KIB, 'z') }),
      decision: JSON.stringify(DECISION),
      action: 'deny',
      policy: null,
    });
    store.appendDecisions(Array.from({ length: 30 }, (_, n) => row(n)));
    expect(store.decisionLogBytes()).toBeGreaterThan(2 * MIB);
    expect(store.pruneDecisionLog()).toBeGreaterThan(0);
    expect(store.decisionLogBytes()).toBeLessThanOrEqual(2 * MIB);
    const kept = store.exportDecisions(100).map((e) => e.atMs);
    expect(kept.at(-1)).toBe(29);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 30 - kept.length + i));
    // Appending more keeps the running count right: pruning again trims to the bound again.
    store.appendDecisions([row(30), row(31), row(32)]);
    store.pruneDecisionLog();
    expect(store.decisionLogBytes()).toBeLessThanOrEqual(2 * MIB);
    expect(store.exportDecisions(1)[0]?.atMs).toBe(32);
  });
});
