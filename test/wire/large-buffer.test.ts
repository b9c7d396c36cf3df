import { describe, expect, it } from 'vitest';
import { ALWAYS_MAPPED_BYTES, LARGE_BUFFER_BYTES, allocateLarge, allocateShared } from '../../src/wire/large-buffer.js';

describe('allocateLarge', () => {
  it('gives a buffer of the size asked, cut from a mapping above 32 MiB when it is large', () => {
    for (const size of [0, 1, LARGE_BUFFER_BYTES - 1]) {
      const small = allocateLarge(size);
      expect(small.length).toBe(size);
      expect(small.buffer.byteLength).toBeLessThan(ALWAYS_MAPPED_BYTES);
    }
    for (const size of [LARGE_BUFFER_BYTES, 24 * 1024 * 1024, ALWAYS_MAPPED_BYTES + 10]) {
      const large = allocateLarge(size);
      expect(large.length).toBe(size);
      expect(large.byteOffset).toBe(0);
      expect(large.buffer.byteLength).toBe(Math.max(size, ALWAYS_MAPPED_BYTES));
      large.fill(7, size - 3);
      expect([...large.subarray(size - 4)]).toEqual([large[size - 4], 7, 7, 7]);
    }
    expect(ALWAYS_MAPPED_BYTES).toBeGreaterThan(32 * 1024 * 1024);
  });
});

describe('allocateShared', () => {
  it('gives a zeroed buffer of the size asked in shared memory, cut from a mapping above 32 MiB', () => {
    for (const size of [0, 5, 9 * 1024 * 1024]) {
      const shared = allocateShared(size);
      expect(shared.length).toBe(size);
      expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(shared.buffer.byteLength).toBe(Math.max(size, ALWAYS_MAPPED_BYTES));
      expect(shared.every((b) => b === 0)).toBe(true);
    }
  });
});
