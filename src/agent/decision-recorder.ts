import type { Decision, FileRequest } from '../engine/model.js';
import type { AgentStore, DecisionLogEntry } from '../store/agent-store.js';
import { fileBytes } from './decision-cache.js';

/** The default bound on the bytes of decisions held in memory between two writes. */
export const DEFAULT_MAX_PENDING_BYTES = 4 * 1024 * 1024;

export interface LoggedDecision {
  atMs: number;
  file: FileRequest;
  decision: Decision;
}

/**
 * The decision log's hot end: the newest `capacity` decisions in a ring in
 * memory (recording one is a few array stores, no allocation: a decision
 * answered from the cache is logged by reference), written to the store's bounded
 * table by `flush` in one transaction. However many decisions were made
 * between two flushes, at most `capacity` rows are written, so the cost of
 * the log does not grow with the decision rate. The ring also holds at most
 * `maxPendingBytes` of file text (decision-cache.ts fileBytes): past it the
 * oldest unwritten decisions are dropped; written ones are let go at once.
 */
export class DecisionRecorder {
  private readonly store: AgentStore;
  private readonly computerId: string;
  private readonly times: Float64Array;
  private readonly files: (FileRequest | undefined)[];
  private readonly decisions: (Decision | undefined)[];
  private readonly sizes: Float64Array;
  private readonly maxPendingBytes: number;
  /** How many decisions were ever recorded, and the first of those still held (older ones are written or dropped). */
  private recorded = 0;
  private first = 0;
  private pendingBytes = 0;
  /** Decisions dropped unwritten to stay within maxPendingBytes or the ring. */
  dropped = 0;

  constructor(store: AgentStore, computerId: string, capacity: number, maxPendingBytes = DEFAULT_MAX_PENDING_BYTES) {
    this.store = store;
    this.computerId = computerId;
    this.maxPendingBytes = maxPendingBytes;
    const slots = Math.max(1, capacity);
    this.times = new Float64Array(slots);
    this.sizes = new Float64Array(slots);
    this.files = new Array<FileRequest | undefined>(slots).fill(undefined);
    this.decisions = new Array<Decision | undefined>(slots).fill(undefined);
  }

  record(atMs: number, file: FileRequest, decision: Decision): void {
    const slots = this.times.length;
    const slot = this.recorded % slots;
    if (this.recorded - this.first >= slots) this.forgetFirst();
    const bytes = fileBytes(file);
    this.times[slot] = atMs;
    this.files[slot] = file;
    this.decisions[slot] = decision;
    this.sizes[slot] = bytes;
    this.recorded++;
    this.pendingBytes += bytes;
    // The newest decision is kept whatever its size (a request's fields are bounded).
    while (this.pendingBytes > this.maxPendingBytes && this.recorded - this.first > 1) this.forgetFirst();
  }

  /** The bytes of file text held for decisions not yet written. */
  get heldBytes(): number {
    return this.pendingBytes;
  }

  /** Drops the oldest unwritten decision. */
  private forgetFirst(): void {
    const slot = this.first % this.times.length;
    this.pendingBytes -= this.sizes[slot] as number;
    this.files[slot] = undefined;
    this.decisions[slot] = undefined;
    this.first++;
    this.dropped++;
  }

  /**
   * The rows of the decisions recorded since the last flush that are still
   * in the ring, oldest first, made one at a time as the store takes them
   * (each is garbage as soon as it is written, not after the whole batch).
   */
  private *pendingRows(from: number, to: number): Generator<DecisionLogEntry> {
    const slots = this.times.length;
    // Most decisions are shared by many files (one frozen decision per deciding policy): each is
    // written as JSON once a flush. The texts are let go with the flush.
    const texts = new Map<Decision, string>();
    try {
      for (let n = from; n < to; n++) {
        const slot = n % slots;
        const decision = this.decisions[slot] as Decision;
        let text = texts.get(decision);
        if (text === undefined) {
          text = JSON.stringify(decision);
          if (Object.isFrozen(decision)) texts.set(decision, text);
        }
        yield {
          atMs: this.times[slot] as number,
          computerId: this.computerId,
          request: JSON.stringify(this.files[slot]),
          decision: text,
          action: decision.action,
          policy: decision.policy,
        };
      }
    } finally {
      texts.clear();
    }
  }

  /**
   * Writes what is pending, lets it go and trims the table to its bounds.
   * When the write fails (TollgateError 'storage-unavailable': a full disk),
   * what was pending stays in the ring for the next flush.
   */
  flush(): void {
    const from = this.first;
    const to = this.recorded;
    if (from === to) return;
    this.store.appendDecisions(this.pendingRows(from, to));
    const slots = this.times.length;
    for (let n = from; n < to; n++) {
      this.files[n % slots] = undefined;
      this.decisions[n % slots] = undefined;
    }
    this.first = to;
    this.pendingBytes = 0;
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
