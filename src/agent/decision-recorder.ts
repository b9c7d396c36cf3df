import type { Decision, FileRequest } from '../engine/model.js';
import type { AgentStore } from '../store/agent-store.js';

export interface LoggedDecision {
  atMs: number;
  file: FileRequest;
  decision: Decision;
}

/**
 * The decision log's hot end: the newest `capacity` decisions in a ring in
 * memory (recording one is three array stores, no allocation: a decision
 * answered from the cache is logged by reference), written to the store's bounded
 * table by `flush` in one transaction. However many decisions were made
 * between two flushes, at most `capacity` rows are written, so the cost of
 * the log does not grow with the decision rate.
 */
export class DecisionRecorder {
  private readonly store: AgentStore;
  private readonly computerId: string;
  private readonly times: Float64Array;
  private readonly files: (FileRequest | undefined)[];
  private readonly decisions: (Decision | undefined)[];
  /** How many decisions were ever recorded, and how many of those are written. */
  private recorded = 0;
  private written = 0;

  constructor(store: AgentStore, computerId: string, capacity: number) {
    this.store = store;
    this.computerId = computerId;
    const slots = Math.max(1, capacity);
    this.times = new Float64Array(slots);
    this.files = new Array<FileRequest | undefined>(slots).fill(undefined);
    this.decisions = new Array<Decision | undefined>(slots).fill(undefined);
  }

  record(atMs: number, file: FileRequest, decision: Decision): void {
    const slot = this.recorded % this.times.length;
    this.times[slot] = atMs;
    this.files[slot] = file;
    this.decisions[slot] = decision;
    this.recorded++;
  }

  /** Decisions recorded since the last flush that are still in the ring, oldest first. */
  private pending(): LoggedDecision[] {
    const slots = this.times.length;
    const from = Math.max(this.written, this.recorded - slots);
    const out: LoggedDecision[] = [];
    for (let n = from; n < this.recorded; n++) {
      const slot = n % slots;
      out.push({
        atMs: this.times[slot] as number,
        file: this.files[slot] as FileRequest,
        decision: this.decisions[slot] as Decision,
      });
    }
    return out;
  }

  /** Writes what is pending and trims the table to its bound. */
  flush(): void {
    const entries = this.pending();
    this.written = this.recorded;
    if (entries.length === 0) return;
    this.store.appendDecisions(
      entries.map((e) => ({
        atMs: e.atMs,
        computerId: this.computerId,
        request: JSON.stringify(e.file),
        decision: JSON.stringify(e.decision),
        action: e.decision.action,
        policy: e.decision.policy,
      })),
    );
    this.store.pruneDecisionLog();
  }

  /** The newest `limit` logged decisions, oldest first. */
  export(limit: number): LoggedDecision[] {
    this.flush();
    return this.store.exportDecisions(limit).map((row) => ({
      atMs: row.atMs,
      file: JSON.parse(row.request) as FileRequest,
      decision: JSON.parse(row.decision) as Decision,
    }));
  }
}
