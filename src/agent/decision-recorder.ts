import type { Decision, FileRequest } from '../engine/model.js';
import type { AgentStore, DecisionLogEntry } from '../store/agent-store.js';

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

  /**
   * The rows of the decisions recorded since the last flush that are still
   * in the ring, oldest first, made one at a time as the store takes them
   * (each is garbage as soon as it is written, not after the whole batch).
   */
  private *pendingRows(from: number, to: number): Generator<DecisionLogEntry> {
    const slots = this.times.length;
    for (let n = from; n < to; n++) {
      const slot = n % slots;
      const decision = this.decisions[slot] as Decision;
      yield {
        atMs: this.times[slot] as number,
        computerId: this.computerId,
        request: JSON.stringify(this.files[slot]),
        decision: JSON.stringify(decision),
        action: decision.action,
        policy: decision.policy,
      };
    }
  }

  /**
   * Writes what is pending and trims the table to its bound. When the write
   * fails (TollgateError 'storage-unavailable': a full disk), what was pending
   * stays in the ring for the next flush, which writes the newest `capacity`
   * of them.
   */
  flush(): void {
    const from = Math.max(this.written, this.recorded - this.times.length);
    const to = this.recorded;
    if (from === to) return;
    this.store.appendDecisions(this.pendingRows(from, to));
    this.written = to;
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
