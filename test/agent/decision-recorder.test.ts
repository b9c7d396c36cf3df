import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DecisionRecorder, type LoggedDecision } from '../../src/agent/decision-recorder.js';
import type { Decision } from '../../src/engine/model.js';
import { AgentStore } from '../../src/store/agent-store.js';

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
});
