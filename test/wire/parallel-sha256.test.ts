// SHA-256 on a worker thread over shared memory (src/wire/parallel-sha256.ts): the digests are createHash's,
// whether the worker or this thread works them out, and only shared memory of the size asked goes to a worker.
import { createHash, randomFillSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { allocateShared } from '../../src/wire/large-buffer.js';
import { ParallelSha256 } from '../../src/wire/parallel-sha256.js';

function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

const started: ParallelSha256[] = [];

function start(bytes: Uint8Array, minBytes?: number): ParallelSha256 {
  const hasher = ParallelSha256.start(bytes, minBytes);
  if (hasher === null) throw new Error('no worker started');
  started.push(hasher);
  return hasher;
}

afterEach(() => {
  for (const hasher of started.splice(0)) hasher.close();
});

describe('ParallelSha256', () => {
  const shared = allocateShared(3 * 1024 * 1024 + 17);
  randomFillSync(shared);

  it('starts a worker only for shared memory of at least the size asked', () => {
    expect(ParallelSha256.start(Buffer.from(shared), 1)).toBeNull();
    expect(ParallelSha256.start(shared, shared.length + 1)).toBeNull();
    expect(ParallelSha256.start(shared.subarray(0, 99), 100)).toBeNull();
    start(shared.subarray(1, 101), 100);
  });

  it('works out on the worker the digests createHash gives, of whole buffers and of parts in the order given', () => {
    const hasher = start(shared, 1);
    const whole = hasher.hash([shared]);
    const reordered = hasher.hash([shared.subarray(1000), shared.subarray(0, 1000)]);
    const empty = hasher.hash([shared.subarray(5, 5)]);
    const middle = hasher.hash([shared.subarray(12_345, 2_000_000)]);
    expect(whole.digest()).toEqual(sha256(shared));
    expect(reordered.digest()).toEqual(sha256(shared.subarray(1000), shared.subarray(0, 1000)));
    expect(empty.digest()).toEqual(sha256());
    expect(middle.digest()).toEqual(sha256(shared.subarray(12_345, 2_000_000)));
    // Asked again, the same digest (not worked out again).
    expect(whole.digest()).toEqual(sha256(shared));
    expect(hasher.fallbacks).toBe(0);
  });

  it('works out here what the worker cannot read: a part of other memory', () => {
    const hasher = start(shared, 1);
    const other = Buffer.from('not shared');
    const mixed = hasher.hash([shared.subarray(0, 10), other]);
    expect(mixed.digest()).toEqual(sha256(shared.subarray(0, 10), other));
    expect(hasher.fallbacks).toBe(1);
    // The worker still answers the next one.
    expect(hasher.hash([shared.subarray(0, 10)]).digest()).toEqual(sha256(shared.subarray(0, 10)));
    expect(hasher.fallbacks).toBe(1);
  });

  it('works out here the hashes past the most one worker is asked', () => {
    const hasher = start(shared, 1);
    const asked = Array.from({ length: 10 }, (_, i) => hasher.hash([shared.subarray(i, i + 1000)]));
    asked.forEach((pending, i) => expect(pending.digest()).toEqual(sha256(shared.subarray(i, i + 1000))));
    expect(hasher.fallbacks).toBe(2);
  });

  it('gives the right digest when closed before it is asked for, and works out here what is asked after', () => {
    const hasher = start(shared, 1);
    const before = hasher.hash([shared]);
    hasher.close();
    expect(before.digest()).toEqual(sha256(shared));
    expect(hasher.hash([shared.subarray(0, 64)]).digest()).toEqual(sha256(shared.subarray(0, 64)));
    expect(hasher.fallbacks).toBeGreaterThanOrEqual(1);
  });
});
