/**
 * Frames the size of a large snapshot (tens of MB) come and go with every
 * snapshot a daemon is sent over its socket (framing.ts; docs/DAEMON.md,
 * "Memory", has the measurement that keeps this). glibc's malloc serves such a request
 * from a fresh mapping, unmapped when freed, only until one of that size has
 * been freed: its mmap threshold then rises to that size (up to 32 MiB), and
 * later ones come from its heap, which it returns to the system only past a
 * trim threshold that rose with it. Resident memory would creep up by a
 * snapshot or two. A request above 32 MiB is always a fresh mapping, so a
 * large buffer is cut from one at least that big: pages never written are
 * never resident, so the unused tail costs address space, not memory. Other
 * allocators do not care either way.
 */
import { Buffer } from 'node:buffer';

/** Buffers from this size up are cut from a mapping of at least ALWAYS_MAPPED_BYTES. */
export const LARGE_BUFFER_BYTES = 1024 * 1024;
/** Above glibc's highest mmap threshold (32 MiB on 64-bit systems). */
export const ALWAYS_MAPPED_BYTES = 32 * 1024 * 1024 + 4096;

/** An uninitialized buffer of `size` bytes (see above for how a large one is allocated). */
export function allocateLarge(size: number): Buffer {
  if (size < LARGE_BUFFER_BYTES) return Buffer.allocUnsafe(size);
  return Buffer.allocUnsafeSlow(Math.max(size, ALWAYS_MAPPED_BYTES)).subarray(0, size);
}

/**
 * A buffer of `size` bytes (zeroed) in shared memory, which a worker thread
 * can read without a copy (parallel-sha256.ts); cut, like allocateLarge's,
 * from a mapping of at least ALWAYS_MAPPED_BYTES, whose pages are zero
 * without being written.
 */
export function allocateShared(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(Math.max(size, ALWAYS_MAPPED_BYTES)), 0, size);
}
