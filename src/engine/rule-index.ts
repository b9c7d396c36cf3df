/** The path-like fields of a rule (SPEC.md section 3): each has its own kinds of index key. */
export const PATH_FIELDS = ['path', 'processPath', 'createdBy'] as const;
export type PathField = (typeof PATH_FIELDS)[number];

/**
 * How a path-like field files a rule: `exact` a literal pattern, `name` the
 * literal last segment of a glob, `segment` another literal segment,
 * `gram` a few literal characters (a glob with no literal segment, or a
 * literal a `regex:` pattern requires).
 */
export type PathKeyPart = 'exact' | 'name' | 'segment' | 'gram';
export type KeyKind = 'sha256' | 'certThumbprint' | 'certSubject' | `${PathField}:${PathKeyPart}`;

/** Every kind of index key, in the order that seeds their hashes apart. */
export const KEY_KINDS: readonly KeyKind[] = [
  'sha256',
  'certThumbprint',
  'certSubject',
  'path:exact',
  'path:name',
  'path:segment',
  'path:gram',
  'processPath:exact',
  'processPath:name',
  'processPath:segment',
  'processPath:gram',
  'createdBy:exact',
  'createdBy:name',
  'createdBy:segment',
  'createdBy:gram',
];

/** Grams are this many characters at most (a longer literal is keyed by one of its windows)... */
export const GRAM_MAX = 8;
/** ... and at least this many: a shorter literal is too common to find a rule by. */
export const GRAM_MIN = 3;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
export const GRAM_BASE = 0x01000193;

/** A kind of key's number: its position in KEY_KINDS. */
export const KIND_NUMBER: ReadonlyMap<KeyKind, number> = new Map(KEY_KINDS.map((kind, i) => [kind, i]));
/** By kind number: the path-like field (PATH_FIELDS index) or -1, and the part (0 exact, 1 name, 2 segment, 3 gram) or -1. */
export const KIND_FIELD = Int8Array.from(KEY_KINDS, (kind) => PATH_FIELDS.indexOf(kind.split(':')[0] as PathField));
export const KIND_PART = Int8Array.from(KEY_KINDS, (kind) =>
  ['exact', 'name', 'segment', 'gram'].indexOf(kind.split(':')[1] ?? ''),
);
const KIND_SEEDS = Int32Array.from(KEY_KINDS, (_, i) => Math.imul(FNV_OFFSET ^ (i + 1), FNV_PRIME));

/** The hash of a kind of key before any of its characters. */
export function kindSeed(kind: KeyKind): number {
  return KIND_SEEDS[KIND_NUMBER.get(kind) as number] as number;
}

/** Whether a kind of key is a gram (hashed by gramHash, looked up at every window of a request's field). */
export function isGramKind(kind: KeyKind): boolean {
  return KIND_PART[KIND_NUMBER.get(kind) as number] === 3;
}

/** One more character (a UTF-16 code unit) into a hash (FNV-1a over both bytes of it). */
export function hashStep(hash: number, code: number): number {
  return Math.imul(Math.imul(hash ^ (code & 0xff), FNV_PRIME) ^ (code >>> 8), FNV_PRIME);
}

/** The hash of `text[from, to)` as a key of `kind` (not a gram). */
export function hashKey(kind: KeyKind, text: string, from = 0, to = text.length): number {
  let hash = kindSeed(kind);
  for (let i = from; i < to; i++) hash = hashStep(hash, text.charCodeAt(i));
  return hash | 0;
}

/** murmur3's finalizer: spreads a polynomial hash over every bit. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** The polynomial hash of `text[from, from + length)`, before mixing: what GramWindows rolls. */
export function gramPoly(text: string, from: number, length: number): number {
  let h = 0;
  for (let i = from; i < from + length; i++) h = (Math.imul(h, GRAM_BASE) + text.charCodeAt(i)) | 0;
  return h;
}

/** The hash of a gram of `kind`: `text[from, from + length)`. */
export function gramHash(kind: KeyKind, text: string, from = 0, length = text.length - from): number {
  return mix32(gramPoly(text, from, length) ^ kindSeed(kind));
}

/** The hash of any key as the index files it. */
export function keyHash(kind: KeyKind, text: string): number {
  return isGramKind(kind) ? gramHash(kind, text) : hashKey(kind, text);
}

/** GRAM_BASE to the power n (mod 2^32), for rolling a window of n + 1 characters. */
export function gramBasePower(n: number): number {
  let p = 1;
  for (let i = 0; i < n; i++) p = Math.imul(p, GRAM_BASE);
  return p;
}

/**
 * Rule numbers by a 32-bit hash of their index key: open addressing in
 * typed arrays, rules of one hash chained. No key is kept: a hash may
 * bring a rule whose key differs, which is harmless because every
 * candidate is confirmed by its rule's own test; and a large view's index
 * costs a few bytes a rule, with nothing for the garbage collector.
 */
export class RuleIndex {
  private readonly mask: number;
  /** Slot s is table[2s] (its hash) and table[2s + 1] (the first rule of its chain, or -1 when empty): one cache line for both. */
  readonly table: Int32Array;
  /** next[rule]: the next rule in its chain, or -1. */
  readonly next: Int32Array;
  private count = 0;
  /** The last rule filed (add takes them in increasing order). */
  private last = -1;

  /**
   * An index for at most `rules` rules, numbered from 0; or one over the
   * arrays of an index built before (a view image's): `table` of a power of
   * two slots with at least one empty, chains going to lower rule numbers
   * (so without cycles), which the caller has checked (a lookup would not
   * end otherwise).
   */
  constructor(rules: number | { table: Int32Array; next: Int32Array; size: number }) {
    if (typeof rules !== 'number') {
      this.table = rules.table;
      this.next = rules.next;
      this.mask = (rules.table.length >>> 1) - 1;
      this.count = rules.size;
      return;
    }
    let capacity = 16;
    while (capacity < rules * 1.5) capacity *= 2;
    this.mask = capacity - 1;
    this.table = new Int32Array(capacity * 2);
    for (let i = 1; i < this.table.length; i += 2) this.table[i] = -1;
    this.next = new Int32Array(Math.max(rules, 1)).fill(-1);
  }

  /** How many rules are filed. */
  get size(): number {
    return this.count;
  }

  /** The table position of a hash's slot (2 * slot): its own, or the empty one where it would go. */
  private slotOf(hash: number): number {
    const table = this.table;
    let slot = hash & this.mask;
    while (table[2 * slot + 1] !== -1 && table[2 * slot] !== hash) slot = (slot + 1) & this.mask;
    return 2 * slot;
  }

  /**
   * Files rule `rule` under a key hash. Rules are filed in increasing
   * order, each at most once, so that every chain goes down to lower rule
   * numbers: what lets a stored image's chains be checked in one linear
   * pass (view-image.ts, validateLayout).
   */
  add(hash: number, rule: number): void {
    if (rule <= this.last)
      throw new RangeError(`rule ${rule} filed after rule ${this.last}: rules go in increasing order`);
    this.last = rule;
    const at = this.slotOf(hash);
    this.table[at] = hash;
    this.next[rule] = this.table[at + 1] as number;
    this.table[at + 1] = rule;
    this.count++;
  }

  /** The first rule filed under a hash, or -1; the others follow by `nextRule`. */
  first(hash: number): number {
    return this.table[this.slotOf(hash) + 1] as number;
  }

  nextRule(rule: number): number {
    return this.next[rule] as number;
  }
}

/**
 * A set of key hashes as three bits in one 32-bit word each (a blocked
 * Bloom filter): a request looks up every segment and every window of its
 * path, and most of them are keys of no rule; this table, far smaller than
 * the index, answers those without touching the index. One word read per
 * look-up; with about 16 bits a key, about one key in a hundred that was
 * never added is answered yes. It may say yes wrongly, never no.
 */
export class KeyFilter {
  readonly bits: Int32Array;
  /** 32 less the log2 of the number of words: a hash's word is the top bits of its product. */
  private readonly shift: number;

  /** A filter for about `keys` keys, 16 bits a key; or one over the words of a filter built before (a power of two, 32 to 2^25). */
  constructor(keys: number | Int32Array) {
    if (typeof keys !== 'number') {
      this.bits = keys;
      this.shift = 32 - (31 - Math.clz32(keys.length));
      return;
    }
    let log = 10;
    while (log < 30 && 1 << log < keys * 16) log++;
    this.bits = new Int32Array(1 << (log - 5));
    this.shift = 32 - (log - 5);
  }

  private word(hash: number): number {
    return Math.imul(hash, 0x9e3779b1) >>> this.shift;
  }

  /** The key's three bits in its word, from another product than the word's. */
  private static mask(hash: number): number {
    const h = Math.imul(hash ^ (hash >>> 15), 0x85ebca6b);
    return (1 << (h >>> 27)) | (1 << ((h >>> 22) & 31)) | (1 << ((h >>> 17) & 31));
  }

  add(hash: number): void {
    const w = this.word(hash);
    this.bits[w] = (this.bits[w] as number) | KeyFilter.mask(hash);
  }

  has(hash: number): boolean {
    const m = KeyFilter.mask(hash);
    return ((this.bits[this.word(hash)] as number) & m) === m;
  }
}

/** A counter of KeyCounts stops here: a key this common is common, whichever count it has. */
const MAX_KEY_COUNT = 0xffff;

/**
 * Counts of key hashes, approximately (a fixed table of counters, keys that
 * share a counter add up, and a counter stops at 65,535): enough to tell a
 * rare key from a common one when a rule can be filed under several. The
 * counters are 16 bits: from 100,000 policies on, this table at 32 bits
 * (4,194,304 counters, 16.8 MB) was the compile's largest work array,
 * made at the compile's peak of memory.
 */
export class KeyCounts {
  private readonly counts: Uint16Array;
  private readonly shift: number;

  constructor(keys: number) {
    let log = 10;
    while (log < 22 && 1 << log < keys * 2) log++;
    this.counts = new Uint16Array(1 << log);
    this.shift = 32 - log;
  }

  private slot(hash: number): number {
    return Math.imul(hash, 0x9e3779b1) >>> this.shift;
  }

  add(hash: number): void {
    const slot = this.slot(hash);
    const count = this.counts[slot] as number;
    if (count < MAX_KEY_COUNT) this.counts[slot] = count + 1;
  }

  get(hash: number): number {
    return this.counts[this.slot(hash)] as number;
  }
}
