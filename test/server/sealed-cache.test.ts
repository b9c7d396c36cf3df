// The server's cache of signed messages is bounded by bytes, least recently used first out.
import { describe, expect, it } from 'vitest';
import { MAX_SEALED_CACHE_BYTES, SealedCache } from '../../src/server/sealed-cache.js';

const sealed = (bytes: number, version = 1) => ({ version, bytes: new Uint8Array(bytes) });

describe('SealedCache', () => {
  it('lets the least recently used entries go once the bytes are over the bound', () => {
    const cache = new SealedCache<ReturnType<typeof sealed>>(100);
    cache.set('a', sealed(40));
    cache.set('b', sealed(40));
    expect(cache.get('a')?.bytes.length).toBe(40); // a is now the most recently used
    cache.set('c', sealed(40)); // 120 > 100: b goes
    expect([...cache.keys()]).toEqual(['a', 'c']);
    expect(cache.bytes).toBe(80);
    expect(cache.get('b')).toBeUndefined();
  });

  it('counts a replaced entry once, and keeps nothing larger than the bound', () => {
    const cache = new SealedCache<ReturnType<typeof sealed>>(100);
    cache.set('a', sealed(60));
    cache.set('a', sealed(90, 2));
    expect(cache.bytes).toBe(90);
    expect(cache.get('a')?.version).toBe(2);
    cache.set('huge', sealed(101));
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  it('stays within its bound whatever is stored', () => {
    const cache = new SealedCache<ReturnType<typeof sealed>>(1000);
    for (let i = 0; i < 500; i++) {
      cache.set(`c${i % 37}`, sealed((i * 7919) % 300));
      expect(cache.bytes).toBeLessThanOrEqual(1000);
    }
    expect(MAX_SEALED_CACHE_BYTES).toBe(128 * 1024 * 1024);
  });

  it('clears every entry and its bytes', () => {
    const cache = new SealedCache<ReturnType<typeof sealed>>(100);
    cache.set('a', sealed(30));
    cache.set('b', sealed(30));
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
    cache.set('c', sealed(100));
    expect([...cache.keys()]).toEqual(['c']);
  });

  it('deletes', () => {
    const cache = new SealedCache<ReturnType<typeof sealed>>(100);
    cache.set('a', sealed(10));
    expect(cache.delete('a')).toBe(true);
    expect(cache.delete('a')).toBe(false);
    expect(cache.bytes).toBe(0);
  });
});
