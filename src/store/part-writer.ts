/**
 * A large snapshot's parts written to the agent cache on a worker thread
 * while the agent compiles its image (docs/DAEMON.md, "Writing a large
 * snapshot on a second core"). The snapshot's bytes are in shared memory
 * (the local socket's large frames, wire/large-buffer.ts), so the worker
 * reads them where they are; it opens its own connection to the cache and
 * commits the parts (`snapshot_parts` rows of the new version) in one
 * transaction of its own. The parts are nothing until the apply's own
 * transaction adds the `snapshots` row that names them: a process killed
 * in between leaves rows no snapshot names, which the next apply of any
 * version removes, and a start serves the snapshot that was active.
 *
 * The worker starts only after the snapshot's signature verifies. Its state
 * is shared memory, so the apply (which runs synchronously on the main
 * thread) can wait for it: PENDING until the worker takes the job (RUNNING)
 * or the apply gives up on it (CANCELLED, whichever comes first), then DONE
 * or FAILED. A job given up before the worker took it writes nothing; one
 * the worker took is always waited for, so that two connections never
 * write the snapshot's parts at once.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { seenRunning } from '../wire/parallel-sha256.js';
import { BUSY_TIMEOUT_MS, PAGE_CACHE_KIB } from './open-database.js';

const PENDING = 0;
const RUNNING = 1;
const DONE = 2;
const FAILED = 3;
const CANCELLED = 4;

/** How long the apply waits for a worker to take its job before writing the parts itself. */
const TAKE_WAIT_MS = 2_000;
/** How long a job the worker took may run, besides a rate no disk is slower than. */
const WRITE_WAIT_BASE_MS = 10_000 + BUSY_TIMEOUT_MS;
const WRITE_WAIT_BYTES_PER_MS = 5_000;

/* The worker (CommonJS run from text, the same under the built daemon and the test runner). */
const WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const online = new Int32Array(workerData.online);
Atomics.store(online, 0, 1);
Atomics.notify(online, 0);
const Database = require(workerData.sqlite);
parentPort.on('message', (m) => {
  const state = new Int32Array(m.state);
  if (Atomics.compareExchange(state, 0, ${PENDING}, ${RUNNING}) !== ${PENDING}) {
    parentPort.postMessage(null);
    return;
  }
  // A failure leaves the parts to the apply's own transaction: FAILED is all it needs to know.
  let result = ${FAILED};
  let db = null;
  try {
    db = new Database(m.file, { fileMustExist: true });
    db.pragma('busy_timeout = ${BUSY_TIMEOUT_MS}');
    db.pragma('synchronous = FULL');
    db.pragma('cache_size = -${PAGE_CACHE_KIB}');
    // The WAL is checkpointed by the daemon's own connection after the apply, as for its own writes.
    db.pragma('wal_autocheckpoint = 0');
    const orphans = db.prepare('DELETE FROM snapshot_parts WHERE version = ? AND version NOT IN (SELECT version FROM snapshots)');
    const insert = db.prepare('INSERT INTO snapshot_parts (version, seq, bytes) VALUES (?, ?, ?)');
    db.transaction(() => {
      orphans.run(m.version);
      let seq = 0;
      for (let from = m.from; from < m.to; from += m.partBytes) {
        insert.run(m.version, seq++, Buffer.from(m.buffer, from, Math.min(m.partBytes, m.to - from)));
      }
    }).immediate();
    result = ${DONE};
  } catch {
  } finally {
    try { if (db !== null) db.close(); } catch {}
  }
  Atomics.store(state, 0, result);
  Atomics.notify(state, 0);
  parentPort.postMessage(null);
});
`;

/** The parts of one snapshot written by a worker (SnapshotPartWriter.prepare, then begin). */
export class SnapshotPartWriter {
  private readonly state = new Int32Array(new SharedArrayBuffer(4));
  private begun = false;
  private toldOnline = false;
  private settled: 'written' | 'not-written' | null = null;
  private readonly finished: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    private readonly snapshot: Uint8Array,
    /** Set to 1 by the worker once it runs. */
    private readonly online: Int32Array,
  ) {
    this.finished = new Promise((resolve) => {
      // The worker's one message: its job has ended (or was given up before it began).
      worker.once('message', () => resolve());
      worker.once('error', () => resolve());
      worker.once('exit', () => resolve());
    });
    // A worker that fails is noticed by its state: its error is not the process's.
    worker.on('error', () => {});
    worker.unref();
  }

  /**
   * A worker for writing `bytes` (a view of shared memory) as a snapshot's
   * parts, started now so that it is running by the time the snapshot has
   * been verified (begin gives it the job); null when the bytes are not in
   * shared memory or no worker can be started (the apply writes them itself).
   */
  static prepare(bytes: Uint8Array): SnapshotPartWriter | null {
    if (!(bytes.buffer instanceof SharedArrayBuffer)) return null;
    const online = new SharedArrayBuffer(4);
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { sqlite: createRequire(import.meta.url).resolve('better-sqlite3'), online },
        // None of this process's flags (a profiler's, a heap size): the worker only writes.
        execArgv: [],
        stdout: true,
        stderr: true,
        // It holds one part at a time and the page cache.
        resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 },
      });
    } catch {
      return null;
    }
    return new SnapshotPartWriter(worker, bytes, new Int32Array(online));
  }

  /**
   * Calls `onOnline` on this thread once the worker is seen running
   * (waiting for it at most `waitMs`), as ParallelSha256.noticeOnline does:
   * V8 sets some of its flags back for the whole process when it configures
   * the worker's isolate.
   */
  noticeOnline(waitMs: number, onOnline: (() => void) | undefined): void {
    if (this.toldOnline || !seenRunning(this.online, 0, waitMs)) return;
    this.toldOnline = true;
    onOnline?.();
  }

  /**
   * Whether this writer's job may still commit: given and not ended (the
   * worker has not taken it yet, or is writing). An apply that gave up
   * waiting for it (wait threw) leaves it so until the worker ends.
   */
  get writing(): boolean {
    if (!this.begun) return false;
    const state = Atomics.load(this.state, 0);
    return state === PENDING || state === RUNNING;
  }

  /** Whether the worker took the job given it (it is writing the parts, or has ended). */
  get taken(): boolean {
    const state = Atomics.load(this.state, 0);
    return this.begun && state !== PENDING && state !== CANCELLED;
  }

  /** Gives the worker its job: the bytes as the parts of `version` (`partBytes` each) in the cache at `file`. */
  begin(file: string, version: number, partBytes: number): void {
    if (this.begun) return;
    this.begun = true;
    const bytes = this.snapshot;
    this.worker.postMessage({
      state: this.state.buffer,
      file,
      version,
      buffer: bytes.buffer,
      from: bytes.byteOffset,
      to: bytes.byteOffset + bytes.byteLength,
      partBytes,
    });
  }

  /**
   * Waits for the parts: 'written' once the worker committed them,
   * 'not-written' when it failed or never took the job (nothing of it is
   * committed then; the caller writes them). A job the worker took is
   * waited for until it ends (at most WRITE_WAIT_BASE_MS and a slow disk's
   * rate); one still running past that throws, as a storage fault would.
   */
  wait(): 'written' | 'not-written' {
    if (this.settled !== null) return this.settled;
    if (!this.begun) return this.settle('not-written');
    const state = this.state;
    if (Atomics.load(state, 0) === PENDING) Atomics.wait(state, 0, PENDING, TAKE_WAIT_MS);
    if (Atomics.compareExchange(state, 0, PENDING, CANCELLED) === PENDING) return this.settle('not-written');
    if (Atomics.load(state, 0) === RUNNING) {
      Atomics.wait(state, 0, RUNNING, WRITE_WAIT_BASE_MS + this.snapshot.byteLength / WRITE_WAIT_BYTES_PER_MS);
    }
    const now = Atomics.load(state, 0);
    if (now === RUNNING) {
      throw new Error(`the snapshot's parts were still being written after ${WRITE_WAIT_BASE_MS} ms and more`);
    }
    return this.settle(now === DONE ? 'written' : 'not-written');
  }

  /**
   * Gives the job up (the apply failed): a job not yet taken is never
   * written; once one taken has ended, `cleanUp` is called (to remove what it
   * committed, which no snapshot names). The worker is ended either way.
   */
  discard(cleanUp: () => void): void {
    this.settled ??= 'not-written';
    if (!this.begun || Atomics.compareExchange(this.state, 0, PENDING, CANCELLED) === PENDING) {
      this.close();
      return;
    }
    void this.finished.then(() => {
      this.close();
      cleanUp();
    });
  }

  /** Ends the worker: now when it has no job running, else once that job has ended (it takes no other). */
  close(): void {
    const state = Atomics.load(this.state, 0);
    if (!this.begun || state === CANCELLED || state === DONE || state === FAILED) void this.worker.terminate();
    else void this.finished.then(() => this.worker.terminate());
  }

  private settle(outcome: 'written' | 'not-written'): 'written' | 'not-written' {
    this.settled = outcome;
    return outcome;
  }
}
