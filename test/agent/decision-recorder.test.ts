import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileBytes } from '../../src/agent/decision-cache.js';
import { DecisionRecorder, type LoggedDecision } from '../../src/agent/decision-recorder.js';
import type { Decision, FileRequest } from '../../src/engine/model.js';
import type { ViewImage } from '../../src/engine/view-image.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { fileKey } from '../../src/wire/file-key.js';

function entry(n: number): LoggedDecision {
  const decision: Decision = {
    action: n % 2 === 0 ? 'permit' : 'deny',
    policy: `p-${n}`,
    policyName: null,
    order: n,
    application: null,
    structure: 'flat',
    builtInsFirst: true,
    gated: [],
    snapshotVersion: 1,
    reason: `decision ${n}`,
  };
  return { atMs: 1_000 + n, file: { path: `C:\\f${n}.exe` }, decision };
}

function recordEntry(recorder: DecisionRecorder, e: LoggedDecision): void {
  recorder.record(e.atMs, e.file, e.decision);
}

describe('DecisionRecorder', () => {
  let dir: string;
  let store: AgentStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-recorder-'));
    store = AgentStore.open(join(dir, 'agent.db'), { maxDecisionLog: 5 });
  });

  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the same rows whether decisions are shared frozen objects or copies: export gives each as recorded', () => {
    const shared = [entry(1), entry(2)].map((e) => Object.freeze({ ...e.decision, gated: Object.freeze(['x']) }));
    const recorder = new DecisionRecorder(store, 'pc-1', 5);
    const recorded: LoggedDecision[] = [];
    for (let n = 0; n < 5; n++) {
      // Frozen decisions shared by several files (as the view image makes them), and a plain copy.
      const decision = n === 4 ? { ...(shared[0] as Decision), gated: ['x'] } : (shared[n % 2] as Decision);
      const e: LoggedDecision = {
        atMs: 2_000 + n,
        file: { path: `C:\\shared${n}.exe`, sha256: 'ab'.repeat(32) },
        decision,
      };
      recorded.push(e);
      recordEntry(recorder, e);
    }
    recorder.flush();
    const rows = store.exportDecisions(10);
    expect(rows.map((r) => r.decision)).toEqual(recorded.map((e) => JSON.stringify(e.decision)));
    expect(rows.map((r) => r.request)).toEqual(recorded.map((e) => JSON.stringify(e.file)));
    expect(recorder.export(10)).toEqual(recorded.map((e) => JSON.parse(JSON.stringify(e)) as LoggedDecision));
    // A second flush writes the shared decisions again, in full.
    for (const e of recorded.slice(0, 2)) recordEntry(recorder, e);
    expect(recorder.export(2).map((e) => e.decision)).toEqual([shared[0], shared[1]]);
  });

  it('writes nothing until flushed, then every new decision once, oldest first', () => {
    const recorder = new DecisionRecorder(store, 'pc-1', 5);
    for (let n = 0; n < 3; n++) recordEntry(recorder, entry(n));
    expect(store.decisionCount()).toBe(0);
    recorder.flush();
    recorder.flush();
    expect(store.decisionCount()).toBe(3);
    expect(recorder.export(10).map((e) => e.decision.policy)).toEqual(['p-0', 'p-1', 'p-2']);
  });

  it('writes at most its capacity per flush, keeping the newest, and the table stays bounded', () => {
    const recorder = new DecisionRecorder(store, 'pc-1', 5);
    for (let n = 0; n < 1_000; n++) recordEntry(recorder, entry(n));
    recorder.flush();
    expect(store.decisionCount()).toBe(5);
    for (let n = 1_000; n < 1_003; n++) recordEntry(recorder, entry(n));
    const exported = recorder.export(10);
    expect(exported.map((e) => e.decision.policy)).toEqual(
      ['p-997', 'p-998', 'p-999', 'p-1000', 'p-1001', 'p-1002'].slice(-5),
    );
    expect(exported[0]).toEqual(entry(998));
  });

  it('writes back every field of files copied as text, of files held by reference and of files UTF-8 cannot carry', () => {
    const bigStore = AgentStore.open(join(dir, 'big.db'), { maxDecisionLog: 5_000 });
    try {
      const recorder = new DecisionRecorder(bigStore, 'pc-1', 5_000);
      const recorded: LoggedDecision[] = [];
      for (let n = 0; n < 3_000; n++) {
        const base = entry(n);
        const file =
          n % 3 === 0
            ? {
                path: `C:\\Programme\\Größe ${n}\\日本語.exe`,
                sha256: (n % 16).toString(16).repeat(64),
                certSubject: `CN=Vendor ${n} 🙂`,
                certThumbprint: 'ab'.repeat(20),
                processPath: 'C:\\Windows\\explorer.exe',
                createdBy: `user-${n}`,
              }
            : n % 3 === 1
              ? { path: `C:\\lone-\ud800-${n}.exe`, createdBy: '\udfff' }
              : { path: `C:\\p\\${'x'.repeat(n % 200)}.exe`, sha256: 'cd'.repeat(32) };
        const e: LoggedDecision = { atMs: base.atMs, file, decision: base.decision };
        recorded.push(e);
        // Every fifth is the decision cache's own file, kept by reference.
        recorder.record(e.atMs, e.file, e.decision, n % 5 === 0);
      }
      recorder.flush();
      const rows = bigStore.exportDecisions(5_000);
      expect(rows.map((r) => r.request)).toEqual(recorded.map((e) => JSON.stringify(e.file)));
      expect(rows.map((r) => r.decision)).toEqual(recorded.map((e) => JSON.stringify(e.decision)));
      // After a flush the text buffer starts over: later files are written whole too.
      const later = { path: 'C:\\after.exe', processPath: 'C:\\x.exe' };
      recorder.record(9_999, later, entry(1).decision);
      expect(recorder.export(1)[0]?.file).toEqual(later);
    } finally {
      bigStore.close();
    }
  });

  it('writes back a file recorded by number from its key bytes as the same row as from its text', () => {
    const bigStore = AgentStore.open(join(dir, 'keyed.db'), { maxDecisionLog: 5_000 });
    try {
      const recorder = new DecisionRecorder(bigStore, 'pc-1', 5_000);
      // A stand-in for a view image: decision n is entry(n)'s.
      const image = { decisionAt: (n: number) => entry(n).decision } as unknown as ViewImage;
      const files: FileRequest[] = [];
      for (let n = 0; n < 3_000; n++) {
        const file: FileRequest =
          n % 100 === 2
            ? // Too large to be copied (over 64 KiB): held as it is.
              { path: `C:\\${'y'.repeat(70_000)}-${n}.exe` }
            : n % 4 === 0
              ? {
                  path: `C:\\Programme\\Größe ${n}\\日本語.exe`,
                  sha256: (n % 16).toString(16).repeat(64),
                  certSubject: `CN=Vendor ${n} 🙂`,
                  certThumbprint: '',
                  processPath: 'C:\\Windows\\explorer.exe',
                  createdBy: `user-${n}`,
                }
              : n % 4 === 1
                ? { path: `C:\\p\\${'x'.repeat(n % 300)}.exe`, sha256: 'cd'.repeat(32) }
                : { path: `C:\\plain-${n}.exe`, createdBy: 'svc' };
        files.push(file);
        const key = fileKey(file) as Buffer;
        // The key inside a larger buffer, as it lies in a request's frame; every third file by its text.
        const frame = Buffer.concat([Buffer.from([1, 2, 3]), key, Buffer.from([4])]);
        if (n % 3 !== 0) recorder.recordNumber(2_000 + n, file, image, n, frame, 3, 3 + key.length);
        else recorder.recordNumber(2_000 + n, file, image, n);
        if (n === 1_500) recorder.flush();
      }
      recorder.flush();
      const rows = bigStore.exportDecisions(5_000);
      expect(rows.map((r) => r.request)).toEqual(files.map((f) => JSON.stringify(f)));
      expect(rows.map((r) => r.decision)).toEqual(files.map((_, n) => JSON.stringify(entry(n).decision)));
      expect(rows.map((r) => r.atMs)).toEqual(files.map((_, n) => 2_000 + n));
      expect(recorder.dropped).toBe(0);
    } finally {
      bigStore.close();
    }
  });

  it('counts a file as the bytes its caller gives, or as fileBytes of it', () => {
    const recorder = new DecisionRecorder(store, 'pc-1', 5);
    const e = entry(1);
    recorder.record(e.atMs, e.file, e.decision, true, 1_000);
    expect(recorder.heldBytes).toBe(1_000);
    recorder.record(e.atMs, e.file, e.decision, true);
    expect(recorder.heldBytes).toBe(1_000 + fileBytes(e.file));
    recorder.flush();
    expect(store.exportDecisions(5).map((row) => row.request)).toEqual([e.file, e.file].map((f) => JSON.stringify(f)));
  });

  it('keeps the newest files whole when older ones are dropped between flushes', () => {
    const recorder = new DecisionRecorder(store, 'pc-1', 5, 2_000);
    for (let n = 0; n < 20_000; n++) {
      recorder.record(n, { path: `C:\\dir-${n % 97}\\${'f'.repeat(n % 300)}-${n}.exe` }, entry(n).decision);
    }
    expect(recorder.heldBytes).toBeLessThanOrEqual(2_000);
    expect(recorder.dropped).toBeGreaterThan(19_000);
    const exported = recorder.export(5);
    const last = exported[exported.length - 1];
    expect(last?.file.path).toBe(`C:\\dir-${19_999 % 97}\\${'f'.repeat(19_999 % 300)}-19999.exe`);
    expect(last?.atMs).toBe(19_999);
    for (const e of exported)
      expect(e.file.path).toBe(`C:\\dir-${e.atMs % 97}\\${'f'.repeat(e.atMs % 300)}-${e.atMs}.exe`);
  });
});
