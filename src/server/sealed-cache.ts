/**
 * The server's in-memory cache of signed messages (snapshots and settings,
 * per computer), bounded by bytes: past the bound the least recently used
 * entries go, and are signed again when next asked for.
 */

/** The bytes each cache of signed messages holds at most (docs/SERVER.md, "Bounds"). */
export const MAX_SEALED_CACHE_BYTES = 128 * 1024 * 1024;

/** A Map of signed messages by computer id whose values' bytes add up to at most `maxBytes`. */
export class SealedCache<V extends { bytes: Uint8Array }> {
  private readonly entries = new Map<string, V>();
  private readonly maxBytes: number;
  private held = 0;

  constructor(maxBytes: number = MAX_SEALED_CACHE_BYTES) {
    this.maxBytes = maxBytes;
  }

  /** The entry of `key`, now the most recently used; undefined when absent. */
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** Stores an entry, then lets the least recently used ones go until the bytes fit (a value larger than the bound is not kept). */
  set(key: string, value: V): void {
    this.delete(key);
    this.entries.set(key, value);
    this.held += value.bytes.length;
    for (const [oldest, old] of this.entries) {
      if (this.held <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.held -= old.bytes.length;
    }
  }

  delete(key: string): boolean {
    const value = this.entries.get(key);
    if (value === undefined) return false;
    this.entries.delete(key);
    this.held -= value.bytes.length;
    return true;
  }

  /** Drops every entry (after a signing key switch, say). */
  clear(): void {
    this.entries.clear();
    this.held = 0;
  }

  keys(): IterableIterator<string> {
    return [...this.entries.keys()][Symbol.iterator]();
  }

  /** The bytes held, all entries together. */
  get bytes(): number {
    return this.held;
  }

  get size(): number {
    return this.entries.size;
  }
}
