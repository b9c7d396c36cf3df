import type { Decision, FileRequest } from '../engine/model.js';

/** Past this many entries the cache starts over (a bound, not an LRU: hot files come back at once). */
export const DECISION_CACHE_MAX_ENTRIES = 65_536;
/** Past this many bytes of file keys the decisions by file start over (config decisionCache.maxBytes). */
export const DECISION_CACHE_MAX_BYTES = 32 * 1024 * 1024;
/** What an entry costs besides its text: the map slot, the objects and their headers. */
const ENTRY_OVERHEAD_BYTES = 128;

/** The memory a file's text may take: two bytes per UTF-16 unit of each field, at most. */
export function fileBytes(file: FileRequest): number {
  const units =
    file.path.length +
    (file.sha256?.length ?? 0) +
    (file.certSubject?.length ?? 0) +
    (file.certThumbprint?.length ?? 0) +
    (file.processPath?.length ?? 0) +
    (file.createdBy?.length ?? 0);
  return 2 * units + ENTRY_OVERHEAD_BYTES;
}

/** The byte bounds of a DecisionCache. */
export interface DecisionCacheBounds {
  maxBytes?: number | undefined;
}

/** A cached decision and the file it was first made for. */
export interface CachedDecision {
  readonly file: FileRequest;
  readonly decision: Decision;
}

/** Makes the decision for a file at a time (called on a miss; one function for every call, no closure a request). */
export type Decide = (file: FileRequest, nowMs: number) => Decision;

interface Entry extends CachedDecision {
  /** Another file with the same path (the chain is searched; most paths have one file). */
  next: Entry | null;
}

/** Whether two files with the same path are the same question: every other field a rule can look at. */
function sameFile(a: FileRequest, b: FileRequest): boolean {
  return (
    a.sha256 === b.sha256 &&
    a.certSubject === b.certSubject &&
    a.certThumbprint === b.certThumbprint &&
    a.processPath === b.processPath &&
    a.createdBy === b.createdBy
  );
}

/**
 * Decisions of the active snapshot and settings, by file. A decision
 * depends on the file, the snapshot, the settings and the time only through
 * policy expiry, so the cache is cleared when any of the first three change
 * and when the evaluation time reaches the next expiry.
 *
 * Entries are found by path, then by the other fields, without building a
 * key; each keeps the file it was first made for, which a caller can hold
 * on to (the decision log does) instead of the copy it was just asked with,
 * so that a repeated question leaves nothing behind that outlives it.
 */
export class DecisionCache {
  private readonly entries = new Map<string, Entry>();
  private entryCount = 0;
  private entryBytes = 0;
  private readonly maxBytes: number;
  /** Lookups answered from the cache, and lookups that had to decide, since start (starting over keeps them). */
  hits = 0;
  misses = 0;

  constructor(bounds: DecisionCacheBounds = {}) {
    this.maxBytes = bounds.maxBytes ?? DECISION_CACHE_MAX_BYTES;
  }

  /** The bytes the cache counts as held (decision-cache.ts fileBytes of each entry's file). */
  get heldBytes(): number {
    return this.entryBytes;
  }
  /** Entries are good from the time they were first made until the next policy expiry. */
  private validFromMs = Infinity;
  private validUntilMs = -Infinity;

  /** Forgets everything (a new snapshot or new settings). */
  clear(): void {
    this.entries.clear();
    this.entryCount = 0;
    this.entryBytes = 0;
    this.validFromMs = Infinity;
    this.validUntilMs = -Infinity;
  }

  /** Starts over when `nowMs` is outside the window the entries are good for. */
  private checkTime(nowMs: number, nextExpiryAfter: (nowMs: number) => number): void {
    // A clock that jumps back before the entries were made may bring an expired policy back.
    if (nowMs >= this.validUntilMs || nowMs < this.validFromMs) {
      this.clear();
      this.validFromMs = nowMs;
      this.validUntilMs = nextExpiryAfter(nowMs);
    }
  }

  /** The cached decision for a file at `nowMs`, or what `decide(file, nowMs)` returns (then cached, frozen). */
  get(file: FileRequest, nowMs: number, nextExpiryAfter: (nowMs: number) => number, decide: Decide): Decision {
    return this.lookup(file, nowMs, nextExpiryAfter, decide).decision;
  }

  /**
   * Like get, with the file the decision was first made for (`file` itself
   * when it was just made, or when it is too large to cache).
   */
  lookup(file: FileRequest, nowMs: number, nextExpiryAfter: (nowMs: number) => number, decide: Decide): CachedDecision {
    this.checkTime(nowMs, nextExpiryAfter);
    const first = this.entries.get(file.path);
    for (let entry: Entry | null = first ?? null; entry !== null; entry = entry.next) {
      if (sameFile(entry.file, file)) {
        this.hits++;
        return entry;
      }
    }
    this.misses++;
    const entry: Entry = { file, decision: Object.freeze(decide(file, nowMs)), next: first ?? null };
    const bytes = fileBytes(file);
    if (bytes > this.maxBytes) return entry;
    if (this.entryCount >= DECISION_CACHE_MAX_ENTRIES || this.entryBytes + bytes > this.maxBytes) {
      // The entries start over; the time window they are good for stays.
      this.entries.clear();
      this.entryCount = 0;
      this.entryBytes = 0;
      entry.next = null;
    }
    this.entries.set(file.path, entry);
    this.entryCount++;
    this.entryBytes += bytes;
    return entry;
  }
}
