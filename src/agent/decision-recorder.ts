import type { Decision, FileRequest } from '../engine/model.js';
import type { AgentStore } from '../store/agent-store.js';

export interface LoggedDecision {
  atMs: number;
  file: FileRequest;
  decision: Decision;
}

/**
 * The decision log's hot end: the newest `capacity` decisions in a ring in
 * memory (recording one is an array store), written to the store's bounded
 * table by `flush` in one transaction. However many decisions were made
 * between two flushes, at most `capacity` rows are written, so the cost of
 * the log does not grow with the decision rate.
 */
export class DecisionRecorder {
  private readonly store: AgentStore;
  private readonly computerId: string;
  private readonly ring: (LoggedDecision | undefined)[];
  /** How many decisions were ever recorded, and how many of those are written. */
  private recorded = 0;
  private written = 0;

  constructor(store: AgentStore, computerId: string, capacity: number) {
    this.store = store;
    this.computerId = computerId;
    this.ring = new Array<LoggedDecision | undefined>(Math.max(1, capacity));
  }

  record(entry: LoggedDecision): void {
    this.ring[this.recorded % this.ring.length] = entry;
    this.recorded++;
  }

  /** Decisions recorded since the last flush that are still in the ring, oldest first. */
  private pending(): LoggedDecision[] {
    const from = Math.max(this.written, this.recorded - this.ring.length);
    const out: LoggedDecision[] = [];
    for (let n = from; n < this.recorded; n++) out.push(this.ring[n % this.ring.length] as LoggedDecision);
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
