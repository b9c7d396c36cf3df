import type { Decision, FileRequest } from '../engine/model.js';

/** Past this many entries the cache starts over (a bound, not an LRU: hot files come back at once). */
export const DECISION_CACHE_MAX_ENTRIES = 65_536;

/** The cache key of a file: every field a rule can look at. */
export function fileKey(file: FileRequest): string {
  return `${file.path}\u0000${file.sha256 ?? ''}\u0000${file.certSubject ?? ''}\u0000${file.certThumbprint ?? ''}\u0000${file.processPath ?? ''}\u0000${file.createdBy ?? ''}`;
}

/**
 * Decisions of the active snapshot and settings by file. A decision depends
 * on the file, the snapshot, the settings and the time only through policy
 * expiry, so the cache is cleared when any of the first three change and
 * when the evaluation time reaches the next expiry.
 */
export class DecisionCache {
  private readonly entries = new Map<string, Decision>();
  /** Entries are good from the time they were first made until the next policy expiry. */
  private validFromMs = Infinity;
  private validUntilMs = -Infinity;

  /** Forgets everything (a new snapshot or new settings). */
  clear(): void {
    this.entries.clear();
    this.validFromMs = Infinity;
    this.validUntilMs = -Infinity;
  }

  /** The cached decision for a file at `nowMs`, or what `decide` returns (then cached, frozen). */
  get(file: FileRequest, nowMs: number, nextExpiryAfter: (nowMs: number) => number, decide: () => Decision): Decision {
    // A clock that jumps back before the entries were made may bring an expired policy back.
    if (nowMs >= this.validUntilMs || nowMs < this.validFromMs) {
      this.entries.clear();
      this.validFromMs = nowMs;
      this.validUntilMs = nextExpiryAfter(nowMs);
    }
    const key = fileKey(file);
    const cached = this.entries.get(key);
    if (cached !== undefined) return cached;
    if (this.entries.size >= DECISION_CACHE_MAX_ENTRIES) this.entries.clear();
    const decision = Object.freeze(decide());
    this.entries.set(key, decision);
    return decision;
  }
}
