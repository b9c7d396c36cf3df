/**
 * SHA-256 of parts of a SharedArrayBuffer worked out on a worker thread
 * while this thread does other work. A large snapshot's apply hashes its
 * bytes twice (the stored bytes' SHA-256, which its image is bound to, and
 * its view hash) beside verifying and compiling it, which take this thread;
 * on a second core the two hashes cost the apply nothing (docs/DAEMON.md,
 * "Hashing on a second core").
 *
 * The bytes are shared, not copied: the local socket's frame decoder
 * receives a frame of at least SHARED_FRAME_FROM_BYTES into shared memory
 * (framing.ts), and the snapshot inside it is a view of that memory. A hash
 * whose worker does not answer in time (it failed to start, died, or the
 * machine starved it) is worked out on this thread instead: the digest is
 * the same either way, only its cost moves.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/**
 * Frames of the local socket from this size up are received into shared
 * memory, and a snapshot of this size or more is hashed on a worker: below
 * it the two hashes cost less than the worker's start and its 10 MB
 * (measured at 100,000 policies, a 24 MB snapshot: 20 ms quicker, 12 MB
 * more at the peak; docs/DAEMON.md, "Hashing on a second core").
 */
export const SHARED_FRAME_FROM_BYTES = 64 * 1024 * 1024;

/** Hashes in one batch at most (a snapshot's apply asks two). */
const MAX_JOBS = 8;
const DIGEST_BYTES = 32;
/** The state array's slots: one per job, then the worker's "online" flag. */
const ONLINE_SLOT = MAX_JOBS;
/** How long a worker may take to start before its hashes are worked out here. */
const START_WAIT_MS = 2_000;
/** How long a started worker may take for a hash, besides a rate no machine is slower than. */
const HASH_WAIT_BASE_MS = 1_000;
const HASH_WAIT_BYTES_PER_MS = 50_000;

const PENDING = 0;
const DONE = 1;
const FAILED = -1;

/* The worker: plain JavaScript (a CommonJS script given to the Worker as text, so that it runs the same from the
 * sources under test and from the built files). Each message names a job's slot and the parts of the shared
 * buffer to hash in order; the digest goes into the job's 32 bytes of `out` and the slot's state is set. */
const WORKER_SOURCE = `'use strict';
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
let online = false;
parentPort.on('message', (m) => {
  const state = new Int32Array(m.state);
  if (!online) { online = true; Atomics.store(state, ${ONLINE_SLOT}, 1); Atomics.notify(state, ${ONLINE_SLOT}); }
  let result = ${FAILED};
  try {
    const hash = createHash('sha256');
    for (let i = 0; i < m.parts.length; i += 2) hash.update(new Uint8Array(m.buffer, m.parts[i], m.parts[i + 1]));
    new Uint8Array(m.out, m.slot * ${DIGEST_BYTES}, ${DIGEST_BYTES}).set(hash.digest());
    result = ${DONE};
  } catch {}
  Atomics.store(state, m.slot, result);
  Atomics.notify(state, m.slot);
});
`;

/**
 * Whether a worker has set `flag[slot]` to 1 (it runs), waiting for it at
 * most `waitMs` while it is 0: a thread that works on synchronously sees a
 * worker start this way, where an `online` event would come only after.
 */
export function seenRunning(flag: Int32Array, slot: number, waitMs: number): boolean {
  if (Atomics.load(flag, slot) === 0 && waitMs > 0) Atomics.wait(flag, slot, 0, waitMs);
  return Atomics.load(flag, slot) === 1;
}

/** A hash asked of a ParallelSha256. */
export interface PendingSha256 {
  /** The digest, waiting for the worker if it has not finished (or working it out here, see the file's comment). */
  digest(): Buffer;
}

/**
 * One worker and the hashes asked of it, for parts of one SharedArrayBuffer.
 * `close` ends the worker; it also ends on its own when the process does
 * (it does not hold the event loop).
 */
export class ParallelSha256 {
  private readonly state = new Int32Array(new SharedArrayBuffer(4 * (MAX_JOBS + 1)));
  private readonly out = new SharedArrayBuffer(DIGEST_BYTES * MAX_JOBS);
  private jobs = 0;
  private worker: Worker | null;
  /** Hashes worked out on this thread because the worker did not answer (tests; the daemon's docs). */
  fallbacks = 0;
  /** Whether onOnline was called. */
  private toldOnline = false;

  private constructor(
    private readonly buffer: SharedArrayBuffer,
    worker: Worker,
    private readonly onOnline: (() => void) | undefined,
  ) {
    this.worker = worker;
  }

  /**
   * A worker for hashes of `bytes`'s buffer, started now, or null when
   * `bytes` is not a view of shared memory or is shorter than `minBytes`
   * (hashed here, as before), or no worker can be started.
   */
  static start(bytes: Uint8Array, minBytes = SHARED_FRAME_FROM_BYTES, onOnline?: () => void): ParallelSha256 | null {
    if (!(bytes.buffer instanceof SharedArrayBuffer) || bytes.byteLength < minBytes) return null;
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        // None of this process's flags (a profiler's, a heap size): the worker only hashes.
        execArgv: [],
        stdout: true,
        stderr: true,
        resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
      });
    } catch {
      return null;
    }
    // A worker that fails is noticed by its hashes' waits timing out; its error is not the process's.
    worker.on('error', () => {});
    worker.unref();
    return new ParallelSha256(bytes.buffer, worker, onOnline);
  }

  /**
   * Calls the `onOnline` given to start, on this thread, once the worker is
   * seen running (waiting for it at most `waitMs`): its heap is configured
   * by then. V8 sets some of its flags back for the whole process when it
   * configures a new isolate (the daemon's young-generation setting,
   * daemon/heap.ts), and this thread's work goes on synchronously while the
   * worker starts, so an `online` event would come only after it.
   */
  noticeOnline(waitMs: number): void {
    if (this.toldOnline || this.worker === null || !seenRunning(this.state, ONLINE_SLOT, waitMs)) return;
    this.toldOnline = true;
    this.onOnline?.();
  }

  /**
   * Asks for the SHA-256 of `parts` one after the other; each must be a view
   * of the buffer given to start. The worker hashes them in the order asked.
   */
  hash(parts: readonly Uint8Array[]): PendingSha256 {
    const slot = this.jobs;
    const own = parts.every((p) => p.buffer === this.buffer);
    if (slot >= MAX_JOBS || this.worker === null || !own) return { digest: () => this.here(parts) };
    this.jobs++;
    const offsets: number[] = [];
    let bytes = 0;
    for (const p of parts) {
      offsets.push(p.byteOffset, p.byteLength);
      bytes += p.byteLength;
    }
    this.worker.postMessage({ buffer: this.buffer, parts: offsets, state: this.state.buffer, out: this.out, slot });
    let digest: Buffer | null = null;
    return {
      digest: () =>
        (digest ??= this.wait(slot, bytes)
          ? Buffer.from(new Uint8Array(this.out, slot * DIGEST_BYTES, DIGEST_BYTES))
          : this.here(parts)),
    };
  }

  /** Ends the worker (its hashes not yet taken are worked out here when asked). */
  close(): void {
    const worker = this.worker;
    this.worker = null;
    if (worker !== null) void worker.terminate();
  }

  /** Waits for the job in `slot` (of `bytes` bytes): whether the worker hashed it. */
  private wait(slot: number, bytes: number): boolean {
    const state = this.state;
    if (Atomics.load(state, slot) === PENDING && this.worker !== null) {
      if (Atomics.load(state, ONLINE_SLOT) === 0) Atomics.wait(state, ONLINE_SLOT, 0, START_WAIT_MS);
      if (Atomics.load(state, ONLINE_SLOT) === 1) {
        this.noticeOnline(0);
        Atomics.wait(state, slot, PENDING, HASH_WAIT_BASE_MS + bytes / HASH_WAIT_BYTES_PER_MS);
      }
    }
    if (Atomics.load(state, slot) === DONE) return true;
    // Not answered in time, or failed: the worker is not asked again.
    this.close();
    return false;
  }

  private here(parts: readonly Uint8Array[]): Buffer {
    this.fallbacks++;
    const hash = createHash('sha256');
    for (const p of parts) hash.update(p);
    return hash.digest();
  }
}
