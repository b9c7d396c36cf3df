import { Buffer } from 'node:buffer';
import type { Decision, FileRequest } from '../engine/model.js';
import { fileKey, keyHash } from '../wire/file-key.js';

/** Entries the cache holds at most, both generations together (a bound, not an exact LRU). */
export const DECISION_CACHE_MAX_ENTRIES = 65_536;
/** Bytes the cache counts (fileBytes and keys) at most, both generations together (config decisionCache.maxBytes). */
export const DECISION_CACHE_MAX_BYTES = 16 * 1024 * 1024;
/**
 * The longest chain a generation keeps of keys with one hash: a file that
 * would make it longer is decided and not cached. A find by key walks the
 * chain of its hash and compares each entry, and the hash has no secret, so
 * a client asking files whose keys were made to collide would otherwise make
 * every later ask of that hash walk thousands of entries. Files of distinct
 * keys share a hash by chance about once in 2^32 pairs.
 */
export const DECISION_CACHE_MAX_CHAIN = 8;

/**
 * The longest chain a generation keeps of files with one path, for the
 * same reason (a find by file walks its path's chain). Far longer than the
 * key's: one program is asked with many parent processes, users and hashes
 * (cmd.exe, conhost.exe), and each is a file of its own.
 */
export const DECISION_CACHE_MAX_PATH_CHAIN = 256;

/**
 * The share of the bounds the current generation holds at most: a new
 * entry that would take it past this turns the generations first (the
 * previous generation, files not asked since it stopped being current, is
 * let go whole; the current one becomes the previous). The rest of the
 * bounds is room for new files, so the files of the new previous
 * generation asked while that room fills move into the current one before
 * any of them is let go.
 */
const CURRENT_SHARE = 3 / 4;
/**
 * Files of the previous generation one admission lets go of one by one,
 * about, before it turns the generations instead (a few Map operations
 * each; a turn clears two maps): an entry as large as half the bound, or
 * paths of hundreds of files each, do not make one admission let go of
 * thousands of files one by one (a path's files go together: at most
 * DECISION_CACHE_MAX_PATH_CHAIN past this).
 */
const MAX_RELEASES_PER_ADMISSION = 64;

/** Entries in the chain from `entry` (by path with `byKey` false, by key hash with it true), counted up to `limit`. */
function chainLength(entry: Entry | null | undefined, byKey: boolean, limit: number): number {
  let n = 0;
  for (let e = entry ?? null; e !== null && n < limit; e = byKey ? e.nextByKey : e.next) n++;
  return n;
}

/** What an entry costs besides its text: the map slot, the objects and their headers. */
const ENTRY_OVERHEAD_BYTES = 128;

/**
 * Files the doorkeeper remembers (by a 32-bit fingerprint) before it starts
 * over: the window in which a second ask of a file caches it. Its table has
 * twice as many slots (256 KiB).
 */
export const DOORKEEPER_MAX_FINGERPRINTS = 32_768;

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
  /** Fingerprints of files asked once that the doorkeeper holds (a power of two; DOORKEEPER_MAX_FINGERPRINTS). */
  doorkeeperFingerprints?: number | undefined;
}

/** A cached decision and the file it was first made for. */
export interface CachedDecision {
  readonly file: FileRequest;
  readonly decision: Decision;
}

/**
 * A cached decision as lookupKey finds it, with a slot for its answer's
 * encoded message (the socket layer's, evaluate-codec.ts keptDecisionBody):
 * set by the first answer that has it, and read by every later hit on the
 * entry instead of being looked up by decision. The entry keeps it as long
 * as it keeps the decision; entries of one decision share it.
 */
export interface CachedAnswer extends CachedDecision {
  body: Uint8Array | undefined;
  /** fileBytes(file), counted once when cached (what the decision log counts the file as). */
  readonly fileBytes: number;
}

/** Makes the decision for a file at a time (called on a miss; one function for every call, no closure a request). */
export type Decide = (file: FileRequest, nowMs: number) => Decision;

interface Entry extends CachedAnswer {
  /** Another file with the same path (the chain is searched; most paths have one file). */
  next: Entry | null;
  /**
   * The file's key bytes (fileKey) are keySlab[keyAt, keyAt + keyLength):
   * a slab of its generation's (KeySlabs); null when it has none (then it is
   * found by path only). Copied into the current generation's slabs when the
   * entry moves there.
   */
  keySlab: Buffer | null;
  keyAt: number;
  readonly keyLength: number;
  /** The key's hash (keyHash); 0 when it has none. */
  readonly hash: number;
  /** Another entry with the same key hash. */
  nextByKey: Entry | null;
}

/** The bytes an entry counts: its file's (fileBytes) and its key's. */
function entryBytes(entry: Entry): number {
  return entry.fileBytes + entry.keyLength;
}

/** Finds the entry whose key is key[start, end) in one generation's chain of its hash, or null. */
function findByKey(first: Entry | undefined, key: Buffer, start: number, end: number): Entry | null {
  const length = end - start;
  for (let entry: Entry | null = first ?? null; entry !== null; entry = entry.nextByKey) {
    if (entry.keyLength !== length) continue;
    const at = entry.keyAt;
    if (key.compare(entry.keySlab as Buffer, at, at + length, start, end) === 0) return entry;
  }
  return null;
}

/** An entry for a decision that is not cached (too large, or its chain is full): returned, held by nothing. */
function uncached(file: FileRequest, decision: Decision, body: Uint8Array | undefined, bytes: number): Entry {
  return {
    file,
    decision,
    body,
    fileBytes: bytes,
    next: null,
    keySlab: null,
    keyAt: 0,
    keyLength: 0,
    hash: 0,
    nextByKey: null,
  };
}

/** The bytes of a key slab (KeySlabs): keys are copied into it one after another. */
const KEY_SLAB_BYTES = 64 * 1024;

/**
 * Where one generation's cached keys are kept: copied one after another
 * into slabs of KEY_SLAB_BYTES (a key longer than half a slab gets a buffer
 * of its own), each entry holding its slab and offset. A key costs its
 * bytes and two numbers, not a Buffer of its own (about 575 bytes besides
 * its bytes, measured on Node.js 20) nor a view of one (about 175), and a
 * slab holds the keys of one generation only, so it is let go with it
 * (unlike Node.js's shared pool, whose slabs other short-lived buffers
 * share and keep alive).
 */
class KeySlabs {
  private slab: Buffer | null = null;
  private at = 0;
  /** The slab the last key kept lies in (keep returns where in it: no object made per key). */
  kept: Buffer = EMPTY_SLAB;

  /** Copies key[start, end) into a slab (`kept`); returns where the bytes lie in it. */
  keep(key: Buffer, start: number, end: number): number {
    const length = end - start;
    if (length > KEY_SLAB_BYTES / 2) {
      const own = Buffer.allocUnsafeSlow(length);
      key.copy(own, 0, start, end);
      this.kept = own;
      return 0;
    }
    let slab = this.slab;
    if (slab === null || this.at + length > slab.length) {
      slab = Buffer.allocUnsafeSlow(KEY_SLAB_BYTES);
      this.slab = slab;
      this.at = 0;
    }
    const at = this.at;
    key.copy(slab, at, start, end);
    this.at = at + length;
    this.kept = slab;
    return at;
  }
}

const EMPTY_SLAB = Buffer.alloc(0);

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

/** FNV-1a over one field's UTF-16 units, after a marker of the field and of whether it is present. */
function mix(hash: number, marker: number, text: string | undefined): number {
  let h = Math.imul(hash ^ (text === undefined ? marker : marker + 0x100), 0x01000193);
  if (text === undefined) return h;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

/** A 32-bit fingerprint of every field of a file that sameFile compares, never 0. */
export function fileFingerprint(file: FileRequest): number {
  let h = mix(0x811c9dc5, 1, file.path);
  h = mix(h, 2, file.sha256);
  h = mix(h, 3, file.certSubject);
  h = mix(h, 4, file.certThumbprint);
  h = mix(h, 5, file.processPath);
  h = mix(h, 6, file.createdBy);
  // A last avalanche, so that the table's low bits depend on every unit.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0 || 1;
}

/**
 * The fingerprints of files asked since it last started over, in an
 * open-addressed table of fixed size; when it holds `max` it starts over
 * (empty). Two files with the same fingerprint pass for one: the second
 * is then cached at its first ask, which costs memory, never a wrong answer.
 */
export class Doorkeeper {
  private readonly slots: Uint32Array;
  private readonly mask: number;
  private count = 0;

  /** `max`: fingerprints held at most (a power of two). */
  constructor(private readonly max = DOORKEEPER_MAX_FINGERPRINTS) {
    if (!Number.isInteger(max) || max < 1 || max > 2 ** 24 || (max & (max - 1)) !== 0) {
      throw new RangeError(`doorkeeperFingerprints must be a power of two from 1 to 2^24, not ${max}`);
    }
    this.slots = new Uint32Array(max * 2);
    this.mask = max * 2 - 1;
  }

  /** Fingerprints held now. */
  get size(): number {
    return this.count;
  }

  /** Whether `fingerprint` (not 0) was seen since the last start-over; remembers it when not. */
  seen(fingerprint: number): boolean {
    const slots = this.slots;
    let i = fingerprint & this.mask;
    for (let held = slots[i] as number; held !== 0; held = slots[i] as number) {
      if (held === fingerprint) return true;
      i = (i + 1) & this.mask;
    }
    if (this.count >= this.max) {
      slots.fill(0);
      this.count = 0;
      i = fingerprint & this.mask;
    }
    slots[i] = fingerprint;
    this.count++;
    return false;
  }
}

/** Finds the entry for `file` in one generation's chain of its path, or null. */
function find(first: Entry | undefined, file: FileRequest): Entry | null {
  for (let entry: Entry | null = first ?? null; entry !== null; entry = entry.next) {
    if (sameFile(entry.file, file)) return entry;
  }
  return null;
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
 *
 * A file is cached only when asked a second time: the first ask is
 * decided and only the file's fingerprint is kept (a Doorkeeper of
 * DOORKEEPER_MAX_FINGERPRINTS), so files asked once, most of a run of new
 * files, leave no entry to be promoted to V8's old generation and let go
 * there. The doorkeeper holds no decisions and is not cleared with them.
 *
 * Two generations share its bounds (entries, and bytes: fileBytes and the
 * key of each entry). New entries go into the current generation, and a
 * file found in the previous generation moves into the current one (out of
 * the previous). When a new entry would take the current generation past
 * three quarters of the bounds, the generations turn: the previous one is
 * let go whole and the current one becomes the previous. When a new entry
 * would take both past the bounds, the previous generation's files (none
 * asked since it stopped being current) are let go oldest first until it
 * fits. So a set of files asked again and again stays cached, every ask a
 * hit, as long as it fits three quarters of the bound (were each
 * generation bounded by half, a larger set would be partly decided again
 * at every turn); files asked again are kept however many files are asked
 * once in between; and a run of new files lets go first of the files not
 * asked for longest (an approximation of least recently used that never
 * reorders on a hit in the current generation). An admission does a
 * bounded amount of work: it lets go of about MAX_RELEASES_PER_ADMISSION
 * files one by one at most before it turns instead.
 *
 * A key lies in a slab of its generation (KeySlabs), and a slab is let go
 * only with its generation: the key bytes of files let go of or moved out
 * of the previous generation stay counted (`previousDeadKeyBytes`) until
 * the previous generation itself is let go.
 */
export class DecisionCache {
  private current = new Map<string, Entry>();
  private previous = new Map<string, Entry>();
  /** The same entries by key hash (those with a key). */
  private currentByKey = new Map<number, Entry>();
  private previousByKey = new Map<number, Entry>();
  private currentCount = 0;
  private currentBytes = 0;
  private previousCount = 0;
  private previousBytes = 0;
  /** Key bytes of entries no longer in the previous generation whose slabs it still holds. */
  private previousDeadKeyBytes = 0;
  /** The previous generation's path chains, oldest first: where letting go of its files resumes. */
  private oldest: IterableIterator<[string, Entry]> = this.previous.entries();
  /** Where the current generation's keys are kept (a new one at each turn). */
  private keySlabs = new KeySlabs();
  private readonly maxBytes: number;
  private readonly maxEntries = DECISION_CACHE_MAX_ENTRIES;
  private readonly doorkeeper: Doorkeeper;
  /** Lookups answered from the cache, and lookups that had to decide, since start (starting over keeps them). */
  hits = 0;
  misses = 0;

  constructor(bounds: DecisionCacheBounds = {}) {
    this.maxBytes = bounds.maxBytes ?? DECISION_CACHE_MAX_BYTES;
    this.doorkeeper = new Doorkeeper(bounds.doorkeeperFingerprints ?? DOORKEEPER_MAX_FINGERPRINTS);
  }

  /** The bytes the cache counts as held: fileBytes and the key of each entry, and the key bytes its slabs still hold. */
  get heldBytes(): number {
    return this.currentBytes + this.previousBytes + this.previousDeadKeyBytes;
  }
  /** Entries held, both generations. */
  get size(): number {
    return this.currentCount + this.previousCount;
  }
  /** Entries are good from the time they were first made until the next policy expiry. */
  private validFromMs = Infinity;
  private validUntilMs = -Infinity;

  /** Forgets everything (a new snapshot or new settings). */
  clear(): void {
    this.current.clear();
    this.previous.clear();
    this.currentByKey.clear();
    this.previousByKey.clear();
    this.currentCount = 0;
    this.currentBytes = 0;
    this.previousCount = 0;
    this.previousBytes = 0;
    this.previousDeadKeyBytes = 0;
    this.oldest = this.previous.entries();
    this.keySlabs = new KeySlabs();
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

  /**
   * The cached decision for a file at `nowMs`, or what `decide(file, nowMs)`
   * returns (frozen; cached when the file was asked before in the doorkeeper's window).
   */
  get(file: FileRequest, nowMs: number, nextExpiryAfter: (nowMs: number) => number, decide: Decide): Decision {
    return this.lookup(file, nowMs, nextExpiryAfter, decide).decision;
  }

  /**
   * The cached entry for the file whose key (fileKey) is key[start, end)
   * and hashes to `hash` (keyHash), counted as a hit; null when it is not
   * cached, counted as nothing (the caller then asks `lookup` with the file,
   * which counts the miss). Nothing is allocated on a hit.
   */
  lookupKey(
    key: Buffer,
    start: number,
    end: number,
    hash: number,
    nowMs: number,
    nextExpiryAfter: (nowMs: number) => number,
  ): CachedAnswer | null {
    this.checkTime(nowMs, nextExpiryAfter);
    const hit = findByKey(this.currentByKey.get(hash), key, start, end);
    if (hit !== null) {
      this.hits++;
      return hit;
    }
    const old = findByKey(this.previousByKey.get(hash), key, start, end);
    if (old === null) return null;
    this.hits++;
    this.promote(old);
    return old;
  }

  /**
   * Like get, with the file the cached decision was made for (`file` itself
   * when it was just made, or when it is too large to cache).
   */
  lookup(file: FileRequest, nowMs: number, nextExpiryAfter: (nowMs: number) => number, decide: Decide): CachedDecision {
    this.checkTime(nowMs, nextExpiryAfter);
    const hit = find(this.current.get(file.path), file);
    if (hit !== null) {
      this.hits++;
      return hit;
    }
    const old = find(this.previous.get(file.path), file);
    if (old !== null) {
      this.hits++;
      this.promote(old);
      return old;
    }
    return this.decideMiss(file, nowMs, decide, fileFingerprint(file));
  }

  /**
   * What `decide(file, nowMs)` returns for a file just looked up by its key
   * and not found (lookupKey gave null: `keyHash` is its key's hash), as
   * `lookup` would answer it, without looking the file up again by path.
   * A file with a key is found by it whenever it is cached, so the key's
   * miss is the file's; `keyHash` stands in for fileFingerprint in the
   * doorkeeper (a file asked once each way is cached an ask later).
   */
  decideMissed(
    file: FileRequest,
    keyHash: number,
    nowMs: number,
    nextExpiryAfter: (nowMs: number) => number,
    decide: Decide,
  ): CachedDecision {
    this.checkTime(nowMs, nextExpiryAfter);
    return this.decideMiss(file, nowMs, decide, keyHash >>> 0 || 1);
  }

  /**
   * decideMissed with the decision as a number (`decideNumber`, as
   * ViewImage.decide gives it): the Decision is made (`decisionAt`) only
   * when the file is cached, from its second ask in the doorkeeper's
   * window; a file asked once makes none. `key`: the file's key (fileKey)
   * at key[keyStart, keyEnd), hashing to `keyHash`, when the caller has
   * it (the request's bytes): copied when the file is cached, instead of
   * being encoded again.
   */
  decideMissedNumber(
    file: FileRequest,
    keyHash: number,
    nowMs: number,
    nextExpiryAfter: (nowMs: number) => number,
    decideNumber: (file: FileRequest, nowMs: number) => number,
    decisionAt: (n: number) => Decision,
    key?: Buffer,
    keyStart = 0,
    keyEnd = 0,
  ): number {
    this.checkTime(nowMs, nextExpiryAfter);
    this.misses++;
    const n = decideNumber(file, nowMs);
    if (this.doorkeeper.seen(keyHash >>> 0 || 1)) {
      if (key === undefined) this.add(file, decisionAt(n), fileKey(file));
      else this.add(file, decisionAt(n), key, keyStart, keyEnd, keyHash);
    }
    return n;
  }

  /** Decides on a file not cached, caching it when the doorkeeper has seen `fingerprint` (never 0) before. */
  private decideMiss(file: FileRequest, nowMs: number, decide: Decide, fingerprint: number): CachedDecision {
    this.misses++;
    const decision = Object.freeze(decide(file, nowMs));
    // Asked for the first time (in the doorkeeper's window): decided, not kept.
    if (!this.doorkeeper.seen(fingerprint)) return { file, decision };
    return this.add(file, decision, fileKey(file));
  }

  /**
   * Adds a new entry for `file` (its key: key[keyStart, keyEnd), hashing
   * to `hash`, or null) to the current generation, when it can be kept.
   */
  private add(
    file: FileRequest,
    decision: Decision,
    key: Buffer | null,
    keyStart = 0,
    keyEnd = key === null ? 0 : key.length,
    hash = key === null ? 0 : keyHash(key, keyStart, keyEnd),
  ): Entry {
    const ownBytes = fileBytes(file);
    if (key === null) {
      const entry = uncached(file, decision, undefined, ownBytes);
      return this.admit(entry) ? this.link(entry) : entry;
    }
    const entry: Entry = {
      file,
      decision,
      body: undefined,
      fileBytes: ownBytes,
      next: null,
      keySlab: null,
      keyAt: 0,
      keyLength: keyEnd - keyStart,
      hash,
      nextByKey: null,
    };
    if (!this.admit(entry)) return entry;
    entry.keyAt = this.keySlabs.keep(key, keyStart, keyEnd);
    entry.keySlab = this.keySlabs.kept;
    return this.link(entry);
  }

  /**
   * Moves an entry found in the previous generation into the current one,
   * its key copied into the current generation's slabs; when the current
   * generation cannot take it (a full chain), it is let go.
   */
  private promote(entry: Entry): void {
    this.unlinkPrevious(entry);
    const slab = entry.keySlab;
    if (!this.admit(entry)) return;
    if (slab !== null) {
      entry.keyAt = this.keySlabs.keep(slab, entry.keyAt, entry.keyAt + entry.keyLength);
      entry.keySlab = this.keySlabs.kept;
    }
    this.link(entry);
  }

  /**
   * Whether `entry` may join the current generation: it is no larger than
   * half the bytes bound, and neither its path's chain nor its key hash's
   * is full there. Makes room for it first (nothing is let go for an entry
   * that is not kept).
   */
  private admit(entry: Entry): boolean {
    const bytes = entryBytes(entry);
    if (bytes > this.maxBytes / 2 || this.chainsFull(entry)) return false;
    if (
      this.currentBytes + bytes > this.maxBytes * CURRENT_SHARE ||
      this.currentCount >= this.maxEntries * CURRENT_SHARE
    ) {
      this.turn();
    }
    let releases = 0;
    while (this.currentCount + this.previousCount >= this.maxEntries || this.heldBytes + bytes > this.maxBytes) {
      if (this.previousCount > 0 && releases < MAX_RELEASES_PER_ADMISSION) {
        releases += this.releaseOldest();
      } else {
        this.turn();
        releases = 0;
      }
    }
    // Letting go of files and turning only shorten the current generation's chains.
    return true;
  }

  /** Whether the current generation's chain of the entry's path, or of its key hash, is full. */
  private chainsFull(entry: Entry): boolean {
    const path = this.current.get(entry.file.path);
    if (chainLength(path, false, DECISION_CACHE_MAX_PATH_CHAIN) >= DECISION_CACHE_MAX_PATH_CHAIN) return true;
    if (entry.keyLength === 0) return false;
    return chainLength(this.currentByKey.get(entry.hash), true, DECISION_CACHE_MAX_CHAIN) >= DECISION_CACHE_MAX_CHAIN;
  }

  /** Puts an admitted entry at the head of its chains in the current generation, and counts it. */
  private link(entry: Entry): Entry {
    const path = entry.file.path;
    entry.next = this.current.get(path) ?? null;
    this.current.set(path, entry);
    if (entry.keyLength > 0) {
      entry.nextByKey = this.currentByKey.get(entry.hash) ?? null;
      this.currentByKey.set(entry.hash, entry);
    } else {
      entry.nextByKey = null;
    }
    this.currentCount++;
    this.currentBytes += entryBytes(entry);
    return entry;
  }

  /** Takes an entry out of the previous generation's chains (its key bytes stay counted until the generation goes). */
  private unlinkPrevious(entry: Entry): void {
    const path = entry.file.path;
    const head = this.previous.get(path);
    if (head === entry) {
      if (entry.next === null) this.previous.delete(path);
      else this.previous.set(path, entry.next);
    } else {
      for (let e = head ?? null; e !== null; e = e.next) {
        if (e.next === entry) {
          e.next = entry.next;
          break;
        }
      }
    }
    this.forgetPrevious(entry);
  }

  /**
   * Takes an entry out of the previous generation's chain of its key hash
   * and out of its counts, once out of its path's chain.
   */
  private forgetPrevious(entry: Entry): void {
    if (entry.keyLength > 0) this.unlinkPreviousKey(entry);
    entry.next = null;
    entry.nextByKey = null;
    this.previousCount--;
    this.previousBytes -= entryBytes(entry);
    this.previousDeadKeyBytes += entry.keyLength;
  }

  /** Takes an entry out of the previous generation's chain of its key hash. */
  private unlinkPreviousKey(entry: Entry): void {
    const head = this.previousByKey.get(entry.hash);
    if (head === entry) {
      if (entry.nextByKey === null) this.previousByKey.delete(entry.hash);
      else this.previousByKey.set(entry.hash, entry.nextByKey);
      return;
    }
    for (let e = head ?? null; e !== null; e = e.nextByKey) {
      if (e.nextByKey === entry) {
        e.nextByKey = entry.nextByKey;
        return;
      }
    }
  }

  /** Lets go of the files of the previous generation's oldest path still held; returns how many. */
  private releaseOldest(): number {
    const next = this.oldest.next();
    if (next.done === true) {
      // Nothing left to let go of one by one (only dead key bytes): the previous generation goes whole.
      this.turn();
      return 0;
    }
    // The whole chain goes: its path once, then each file.
    this.previous.delete(next.value[0]);
    let released = 0;
    for (let e: Entry | null = next.value[1]; e !== null; released++) {
      const after: Entry | null = e.next;
      this.forgetPrevious(e);
      e = after;
    }
    return released;
  }

  /** The current generation becomes the previous one; the previous one, and its key slabs, are let go. */
  private turn(): void {
    const emptied = this.previous;
    emptied.clear();
    this.previous = this.current;
    this.current = emptied;
    const emptiedByKey = this.previousByKey;
    emptiedByKey.clear();
    this.previousByKey = this.currentByKey;
    this.currentByKey = emptiedByKey;
    this.previousCount = this.currentCount;
    this.previousBytes = this.currentBytes;
    this.previousDeadKeyBytes = 0;
    this.currentCount = 0;
    this.currentBytes = 0;
    this.oldest = this.previous.entries();
    // No slab holds keys of two generations.
    this.keySlabs = new KeySlabs();
  }
}
