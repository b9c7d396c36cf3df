import type { RuleKey } from './matcher.js';

/** The kinds of index key (matcher.ts RuleKey), as numbers that seed their hashes apart. */
export const KEY_KINDS = ['sha256', 'certThumbprint', 'certSubject', 'exactPath', 'baseName', 'pathPrefix'] as const;
export type IndexedKind = Exclude<RuleKey['kind'], 'unindexed'>;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** The hash of a kind of key before any of its characters. */
export function kindSeed(kind: IndexedKind): number {
  return Math.imul(FNV_OFFSET ^ (KEY_KINDS.indexOf(kind) + 1), FNV_PRIME);
}

/** One more character (a UTF-16 code unit) into a hash (FNV-1a over both bytes of it). */
export function hashStep(hash: number, code: number): number {
  return Math.imul(Math.imul(hash ^ (code & 0xff), FNV_PRIME) ^ (code >>> 8), FNV_PRIME);
}

/** The hash of `text[from, to)` as a key of `kind`. */
export function hashKey(kind: IndexedKind, text: string, from = 0, to = text.length): number {
  let hash = kindSeed(kind);
  for (let i = from; i < to; i++) hash = hashStep(hash, text.charCodeAt(i));
  return hash | 0;
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
  private readonly hashes: Int32Array;
  /** The first rule of a slot's chain, or -1 for an empty slot. */
  private readonly heads: Int32Array;
  /** next[rule]: the next rule in its chain, or -1. */
  private readonly next: Int32Array;
  private count = 0;

  /** An index for at most `rules` rules, numbered from 0. */
  constructor(rules: number) {
    let capacity = 16;
    while (capacity < rules * 1.5) capacity *= 2;
    this.mask = capacity - 1;
    this.hashes = new Int32Array(capacity);
    this.heads = new Int32Array(capacity).fill(-1);
    this.next = new Int32Array(Math.max(rules, 1)).fill(-1);
  }

  /** How many rules are filed. */
  get size(): number {
    return this.count;
  }

  private slotOf(hash: number): number {
    let slot = hash & this.mask;
    while (this.heads[slot] !== -1 && this.hashes[slot] !== hash) slot = (slot + 1) & this.mask;
    return slot;
  }

  /** Files rule `rule` (each rule at most once) under a key hash. */
  add(hash: number, rule: number): void {
    const slot = this.slotOf(hash);
    this.hashes[slot] = hash;
    this.next[rule] = this.heads[slot] as number;
    this.heads[slot] = rule;
    this.count++;
  }

  /** The first rule filed under a hash, or -1; the others follow by `nextRule`. */
  first(hash: number): number {
    return this.heads[this.slotOf(hash)] as number;
  }

  nextRule(rule: number): number {
    return this.next[rule] as number;
  }
}
