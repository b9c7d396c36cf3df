import type { Decision, FileRequest } from '../engine/model.js';
import type { AgentStore } from '../store/agent-store.js';

export interface LoggedDecision {
  atMs: number;
  file: FileRequest;
  decision: Decision;
}

/**
 * Buffers decisions in memory and writes them to the bounded decision log in
 * one transaction per flush, so logging stays off the decision's hot path.
 */
export class DecisionRecorder {
  private readonly store: AgentStore;
  private readonly computerId: string;
  private buffer: LoggedDecision[] = [];

  constructor(store: AgentStore, computerId: string) {
    this.store = store;
    this.computerId = computerId;
  }

  record(entry: LoggedDecision): void {
    this.buffer.push(entry);
  }

  /** Writes what is buffered; a failing write is dropped (the log is best effort, decisions are not). */
  flush(): void {
    if (this.buffer.length === 0) return;
    const entries = this.buffer;
    this.buffer = [];
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
  }

  /** The newest `limit` logged decisions, oldest first. */
  export(limit: number): LoggedDecision[] {
    return this.store.exportDecisions(limit).map((row) => ({
      atMs: row.atMs,
      file: JSON.parse(row.request) as FileRequest,
      decision: JSON.parse(row.decision) as Decision,
    }));
  }
}
