import type { Decision, FileRequest } from '../engine/model.js';

/** Past this many entries the cache starts over (a bound, not an LRU: hot files come back at once). */
export const DECISION_CACHE_MAX_ENTRIES = 65_536;
/** Past this many bytes of file keys the decisions by file start over (config decisionCache.maxBytes). */
export const DECISION_CACHE_MAX_BYTES = 32 * 1024 * 1024;
/** Past this many bytes of request keys, files and response bodies the stored answers start over. */
export const ANSWER_CACHE_MAX_BYTES = 16 * 1024 * 1024;
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
  maxAnswerBytes?: number | undefined;
}

/** The cache key of a file: every field a rule can look at. */
export function fileKey(file: FileRequest): string {
  return `${file.path}\u0000${file.sha256 ?? ''}\u0000${file.certSubject ?? ''}\u0000${file.certThumbprint ?? ''}\u0000${file.processPath ?? ''}\u0000${file.createdBy ?? ''}`;
}

/** A decision stored with the encoded response that carries it (without the request id). */
export interface StoredAnswer {
  readonly file: FileRequest;
  readonly decision: Decision;
  readonly body: Uint8Array;
}

/**
 * Decisions of the active snapshot and settings, by file and by the encoded
 * request that asked for them. A decision depends on the file, the
 * snapshot, the settings and the time only through policy expiry, so the
 * cache is cleared when any of the first three change and when the
 * evaluation time reaches the next expiry.
 *
 * Stored answers let the local socket answer a request whose bytes (its id
 * aside) it has seen before without decoding it or encoding the response.
 */
export class DecisionCache {
  private readonly entries = new Map<string, Decision>();
  private entryBytes = 0;
  private readonly answers = new Map<string, StoredAnswer>();
  private answerBytes = 0;
  private readonly maxBytes: number;
  private readonly maxAnswerBytes: number;

  constructor(bounds: DecisionCacheBounds = {}) {
    this.maxBytes = bounds.maxBytes ?? DECISION_CACHE_MAX_BYTES;
    this.maxAnswerBytes = bounds.maxAnswerBytes ?? ANSWER_CACHE_MAX_BYTES;
  }

  /** The bytes the cache counts as held: decisions by file, and stored answers. */
  get heldBytes(): { entries: number; answers: number } {
    return { entries: this.entryBytes, answers: this.answerBytes };
  }
  /** Entries are good from the time they were first made until the next policy expiry. */
  private validFromMs = Infinity;
  private validUntilMs = -Infinity;

  /** Forgets everything (a new snapshot or new settings). */
  clear(): void {
    this.entries.clear();
    this.entryBytes = 0;
    this.answers.clear();
    this.answerBytes = 0;
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

  /** The cached decision for a file at `nowMs`, or what `decide` returns (then cached, frozen). */
  get(file: FileRequest, nowMs: number, nextExpiryAfter: (nowMs: number) => number, decide: () => Decision): Decision {
    this.checkTime(nowMs, nextExpiryAfter);
    const key = fileKey(file);
    const cached = this.entries.get(key);
    if (cached !== undefined) return cached;
    const decision = Object.freeze(decide());
    // The key is the file's text in one string: at most two bytes a unit.
    const bytes = 2 * key.length + ENTRY_OVERHEAD_BYTES;
    if (bytes > this.maxBytes) return decision;
    if (this.entries.size >= DECISION_CACHE_MAX_ENTRIES || this.entryBytes + bytes > this.maxBytes) {
      this.entries.clear();
      this.entryBytes = 0;
    }
    this.entries.set(key, decision);
    this.entryBytes += bytes;
    return decision;
  }

  /** The answer stored for an encoded request at `nowMs`, if any. */
  answer(key: string, nowMs: number, nextExpiryAfter: (nowMs: number) => number): StoredAnswer | undefined {
    this.checkTime(nowMs, nextExpiryAfter);
    return this.answers.get(key);
  }

  /** Stores the answer to an encoded request, made at a time `answer` was just asked about. */
  storeAnswer(key: string, answer: StoredAnswer): void {
    // The key is latin1 text (a byte a unit); the file's fields are strings of their own.
    const bytes = key.length + answer.body.length + fileBytes(answer.file);
    if (bytes > this.maxAnswerBytes) return;
    if (this.answers.size >= DECISION_CACHE_MAX_ENTRIES || this.answerBytes + bytes > this.maxAnswerBytes) {
      this.answers.clear();
      this.answerBytes = 0;
    }
    this.answers.set(key, answer);
    this.answerBytes += bytes;
  }
}
