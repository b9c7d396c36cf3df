/**
 * Ed25519 signatures of delta payloads off the event loop (docs/SERVER.md,
 * "Signing deltas off the event loop"): a change to a global policy sends
 * one signed delta to each of thousands of agents, and signing them one by
 * one on the main thread holds it for about 50 us each. A worker thread
 * signs them in batches instead: the payloads of a batch travel in one
 * transferred buffer and the signatures come back in another. Batches in
 * flight are bounded; a batch the worker cannot sign (an error, a crash)
 * is rejected, and the caller signs it itself, so no push is lost.
 *
 * The same thread takes the view hashes of new bodies (`hashViews`): SHA-256
 * over a 400 KB body costs about a millisecond, and a global change makes
 * hundreds of new bodies. A request holds bodies with the `computer` records
 * of the computers that share each, and the hashes come back in order.
 */
import type { KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { TollgateError } from '../engine/errors.js';

/** Signs delta payloads: the signatures in the payloads' order. */
export interface DeltaSigner {
  /**
   * The Ed25519 signatures of `payloads` by `key`, in order. Rejects with a
   * TollgateError ('signer-busy', 'signer-failed',
   * 'signer-closed', 'invalid-input') when it does not sign them.
   */
  sign(payloads: readonly Uint8Array[], key: KeyObject): Promise<Uint8Array[]>;
  /**
   * The view hashes (docs/PROTOCOL.md) of the views made of each job's body
   * and each of its `computer` records: for each job, a hash per record, in
   * order. Rejects like `sign` (a request over `maxBatchBytes` with
   * 'invalid-input'; more than `maxInFlightHashes` requests with 'signer-busy').
   * Absent: the caller hashes on the event loop.
   */
  hashViews?(jobs: readonly ViewHashJob[]): Promise<Buffer[][]>;
  /** The most bytes of payloads one batch may hold (a push closes its batches there); unset: no bound. */
  readonly maxBatchBytes?: number;
  /** Stops signing: batches in flight are rejected. Safe to call twice. */
  close(): Promise<void>;
}

/** A body's encoding (its slices, in order) and the `computer` records of the views to hash with it. */
export interface ViewHashJob {
  body: readonly Uint8Array[];
  computers: readonly Uint8Array[];
}

/** SHA-256 digest bytes. */
export const SHA256_BYTES = 32;

/** The worker signer's default bounds (docs/SERVER.md, "Bounds"). */
export const DELTA_SIGNER_DEFAULTS = Object.freeze({
  /** hashViews requests sent to the worker and not answered yet, at most; more are refused ('signer-busy'). */
  maxInFlightHashes: 2,
  /** Payloads in one batch, at most. */
  maxBatchPayloads: 1024,
  /** Bytes of payloads in one batch, at most. */
  maxBatchBytes: 8 * 1024 * 1024,
  /** Batches sent to the worker and not answered yet, at most; more are refused ('signer-busy'). */
  maxInFlightBatches: 4,
});

/** Ed25519 signature bytes. */
export const ED25519_SIGNATURE_BYTES = 64;

export interface WorkerDeltaSignerOptions {
  /** Default DELTA_SIGNER_DEFAULTS.maxBatchPayloads. */
  maxBatchPayloads?: number;
  /** Default DELTA_SIGNER_DEFAULTS.maxBatchBytes. */
  maxBatchBytes?: number;
  /** Default DELTA_SIGNER_DEFAULTS.maxInFlightBatches. */
  maxInFlightBatches?: number;
  /** Default DELTA_SIGNER_DEFAULTS.maxInFlightHashes. */
  maxInFlightHashes?: number;
  /** Told when the worker thread fails (an uncaught error, an exit); the next batch starts a new one. */
  onWorkerFailure?: (error: Error) => void;
}

/** A batch to the worker: the payloads one after the other in `bytes`, each ending at its `ends` offset. */
interface BatchRequest {
  id: number;
  /** The key, when the worker does not hold it yet. */
  key?: KeyObject;
  bytes: Uint8Array;
  ends: number[];
}

/**
 * A view hash request to the worker. A piece of a body over a SharedArrayBuffer (a body's entry records) is
 * handed over as it is, read in place by the worker; the other bytes (the rest of a body, the records) are
 * copied one after the other into `bytes`, a piece of them named by its [start, end] in it.
 */
interface HashRequest {
  id: number;
  hash: true;
  bytes: Uint8Array;
  jobs: { body: (Uint8Array | [number, number])[]; computers: [number, number][] }[];
}

type BatchReply =
  { id: number; signatures: Uint8Array } | { id: number; hashes: Uint8Array } | { id: number; error: string };

/**
 * The worker's program (CommonJS, run with `eval`: no file to find next to
 * the compiled code, and nothing of tollgate's to load in the thread).
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash, sign } = require('node:crypto');
let key = null;
parentPort.on('message', (m) => {
  try {
    if (m.hash === true) {
      let count = 0;
      for (const job of m.jobs) count += job.computers.length;
      const out = new Uint8Array(count * ${SHA256_BYTES});
      const piece = (p) => (Array.isArray(p) ? m.bytes.subarray(p[0], p[1]) : p);
      let at = 0;
      for (const job of m.jobs) {
        const body = createHash('sha256');
        for (const p of job.body) body.update(piece(p));
        for (const c of job.computers) {
          out.set(body.copy().update(piece(c)).digest(), at);
          at += ${SHA256_BYTES};
        }
      }
      parentPort.postMessage({ id: m.id, hashes: out }, [out.buffer]);
      return;
    }
    if (m.key !== undefined) key = m.key;
    if (key === null) throw new Error('no signing key was given');
    const out = new Uint8Array(m.ends.length * ${ED25519_SIGNATURE_BYTES});
    let start = 0;
    for (let i = 0; i < m.ends.length; i++) {
      const end = m.ends[i];
      const signature = sign(null, m.bytes.subarray(start, end), key);
      if (signature.length !== ${ED25519_SIGNATURE_BYTES}) {
        throw new Error('the key made a ' + signature.length + '-byte signature: not an Ed25519 key');
      }
      out.set(signature, i * ${ED25519_SIGNATURE_BYTES});
      start = end;
    }
    parentPort.postMessage({ id: m.id, signatures: out }, [out.buffer]);
  } catch (error) {
    parentPort.postMessage({ id: m.id, error: String((error && error.message) || error) });
  }
});
`;

interface Outstanding {
  count: number;
  resolve: (signatures: Uint8Array[]) => void;
  reject: (error: Error) => void;
  /** A hashViews request: the number of hashes of each job, and where its answer goes. */
  hashes?: { counts: number[]; resolve: (hashes: Buffer[][]) => void };
}

/** Whether bytes lie in a SharedArrayBuffer: handed to the worker, they are shared, not copied. */
function isShared(bytes: Uint8Array): boolean {
  return bytes.buffer instanceof SharedArrayBuffer;
}

/** A DeltaSigner over one worker thread, started at the first batch and again after a failure. */
export class WorkerDeltaSigner implements DeltaSigner {
  private readonly bounds: Required<Omit<WorkerDeltaSignerOptions, 'onWorkerFailure'>>;
  private running: Worker | null = null;
  /** The key the running worker holds. */
  private heldKey: KeyObject | null = null;
  private readonly outstanding = new Map<number, Outstanding>();
  /** hashViews requests among `outstanding`. */
  private hashesInFlight = 0;
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: WorkerDeltaSignerOptions = {}) {
    this.bounds = {
      maxBatchPayloads: options.maxBatchPayloads ?? DELTA_SIGNER_DEFAULTS.maxBatchPayloads,
      maxBatchBytes: options.maxBatchBytes ?? DELTA_SIGNER_DEFAULTS.maxBatchBytes,
      maxInFlightBatches: options.maxInFlightBatches ?? DELTA_SIGNER_DEFAULTS.maxInFlightBatches,
      maxInFlightHashes: options.maxInFlightHashes ?? DELTA_SIGNER_DEFAULTS.maxInFlightHashes,
    };
  }

  /** Batches sent to the worker and not answered yet (at most `maxInFlightBatches`). */
  get inFlight(): number {
    return this.outstanding.size;
  }

  /** The running worker thread, if one is (diagnostics and tests). */
  get worker(): Worker | null {
    return this.running;
  }

  get maxBatchBytes(): number {
    return this.bounds.maxBatchBytes;
  }

  /** The largest batch `sign` takes, in payloads and in bytes. */
  get maxBatch(): { payloads: number; bytes: number } {
    return { payloads: this.bounds.maxBatchPayloads, bytes: this.bounds.maxBatchBytes };
  }

  sign(payloads: readonly Uint8Array[], key: KeyObject): Promise<Uint8Array[]> {
    if (this.closed) return Promise.reject(new TollgateError('signer-closed', 'the delta signer is closed'));
    if (payloads.length === 0) return Promise.resolve([]);
    let total = 0;
    for (const p of payloads) total += p.length;
    if (payloads.length > this.bounds.maxBatchPayloads || total > this.bounds.maxBatchBytes) {
      return Promise.reject(
        new TollgateError(
          'invalid-input',
          `payloads: a batch of ${payloads.length} payloads (${total} bytes) is over the bound ` +
            `(${this.bounds.maxBatchPayloads} payloads, ${this.bounds.maxBatchBytes} bytes)`,
        ),
      );
    }
    const signing = this.outstanding.size - this.hashesInFlight;
    if (signing >= this.bounds.maxInFlightBatches) {
      return Promise.reject(
        new TollgateError('signer-busy', `${signing} batches are being signed already (maxInFlightBatches)`),
      );
    }
    // One buffer of its own (not a pooled slice), moved to the worker rather than copied.
    const bytes = new Uint8Array(total);
    const ends: number[] = [];
    let at = 0;
    for (const p of payloads) {
      bytes.set(p, at);
      at += p.length;
      ends.push(at);
    }
    // No thread to be had (a process or thread limit reached): this batch is signed by the caller; the next
    // batch tries to start one again.
    const worker = this.startOrFail();
    if (worker instanceof TollgateError) return Promise.reject(worker);
    const id = this.nextId++;
    const request: BatchRequest = { id, bytes, ends };
    if (this.heldKey !== key) {
      request.key = key;
      this.heldKey = key;
    }
    return new Promise((resolve, reject) => {
      this.outstanding.set(id, { count: payloads.length, resolve, reject });
      try {
        worker.postMessage(request, [bytes.buffer]);
      } catch (error) {
        this.settled(id);
        this.heldKey = null;
        reject(new TollgateError('signer-failed', `cannot hand a batch to the signing thread`, { cause: error }));
      }
    });
  }

  hashViews(jobs: readonly ViewHashJob[]): Promise<Buffer[][]> {
    if (this.closed) return Promise.reject(new TollgateError('signer-closed', 'the delta signer is closed'));
    let total = 0;
    let copied = 0;
    let count = 0;
    for (const job of jobs) {
      for (const slice of job.body) {
        total += slice.length;
        if (!isShared(slice)) copied += slice.length;
      }
      for (const record of job.computers) {
        total += record.length;
        copied += record.length;
      }
      count += job.computers.length;
    }
    if (count === 0) return Promise.resolve(jobs.map(() => []));
    if (total > this.bounds.maxBatchBytes) {
      return Promise.reject(
        new TollgateError(
          'invalid-input',
          `jobs: ${jobs.length} bodies and records of ${total} bytes are over the bound (${this.bounds.maxBatchBytes} bytes)`,
        ),
      );
    }
    if (this.hashesInFlight >= this.bounds.maxInFlightHashes) {
      return Promise.reject(
        new TollgateError('signer-busy', `${this.hashesInFlight} hash requests are under way (maxInFlightHashes)`),
      );
    }
    // The bytes not shared already, in one buffer of their own, moved to the worker rather than copied.
    const bytes = new Uint8Array(copied);
    let at = 0;
    const copy = (slice: Uint8Array): [number, number] => {
      bytes.set(slice, at);
      at += slice.length;
      return [at - slice.length, at];
    };
    const layout: HashRequest['jobs'] = jobs.map((job) => ({
      body: job.body.map((slice) => (isShared(slice) ? slice : copy(slice))),
      computers: job.computers.map(copy),
    }));
    const worker = this.startOrFail();
    if (worker instanceof TollgateError) return Promise.reject(worker);
    const id = this.nextId++;
    const request: HashRequest = { id, hash: true, bytes, jobs: layout };
    return new Promise((resolve, reject) => {
      this.outstanding.set(id, {
        count,
        resolve: () => undefined,
        reject,
        hashes: { counts: jobs.map((job) => job.computers.length), resolve },
      });
      this.hashesInFlight++;
      try {
        worker.postMessage(request, [bytes.buffer]);
      } catch (error) {
        this.settled(id);
        reject(new TollgateError('signer-failed', `cannot hand a request to the signing thread`, { cause: error }));
      }
    });
  }

  /** Forgets an outstanding request; returns it. */
  private settled(id: number): Outstanding | undefined {
    const waiting = this.outstanding.get(id);
    if (waiting === undefined) return undefined;
    this.outstanding.delete(id);
    if (waiting.hashes !== undefined) this.hashesInFlight--;
    return waiting;
  }

  /** The signing thread (started when none runs), or the 'signer-failed' error when none can be started. */
  private startOrFail(): Worker | TollgateError {
    try {
      return this.start();
    } catch (error) {
      return new TollgateError('signer-failed', `cannot start the signing thread: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  private start(): Worker {
    if (this.running !== null) return this.running;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    // A signer nobody closed does not keep the process alive.
    worker.unref();
    worker.on('message', (reply: BatchReply) => this.answer(reply));
    worker.on('error', (error: Error) => this.fail(worker, error));
    worker.on('exit', (code: number) => this.fail(worker, new Error(`the signing thread exited with code ${code}`)));
    this.running = worker;
    this.heldKey = null;
    return worker;
  }

  private answer(reply: BatchReply): void {
    const waiting = this.settled(reply.id);
    if (waiting === undefined) return;
    if ('error' in reply) {
      waiting.reject(new TollgateError('signer-failed', `the signing thread could not sign: ${reply.error}`));
      return;
    }
    if ('hashes' in reply) {
      const { hashes } = reply;
      if (waiting.hashes === undefined || hashes.length !== waiting.count * SHA256_BYTES) {
        waiting.reject(
          new TollgateError(
            'signer-failed',
            `the signing thread sent ${hashes.length} bytes for ${waiting.count} hashes`,
          ),
        );
        return;
      }
      const all = Buffer.from(hashes.buffer, hashes.byteOffset, hashes.length);
      let at = 0;
      const out = waiting.hashes.counts.map((n) => {
        const job: Buffer[] = [];
        for (let i = 0; i < n; i++, at += SHA256_BYTES) job.push(all.subarray(at, at + SHA256_BYTES));
        return job;
      });
      waiting.hashes.resolve(out);
      return;
    }
    if (waiting.hashes !== undefined) {
      waiting.reject(new TollgateError('signer-failed', 'the signing thread sent signatures for a hash request'));
      return;
    }
    const { signatures } = reply;
    if (signatures.length !== waiting.count * ED25519_SIGNATURE_BYTES) {
      waiting.reject(
        new TollgateError(
          'signer-failed',
          `the signing thread sent ${signatures.length} bytes for ${waiting.count} signatures`,
        ),
      );
      return;
    }
    const out: Uint8Array[] = [];
    for (let i = 0; i < waiting.count; i++) {
      out.push(signatures.subarray(i * ED25519_SIGNATURE_BYTES, (i + 1) * ED25519_SIGNATURE_BYTES));
    }
    waiting.resolve(out);
  }

  /** The worker failed: every batch it held is rejected, and the next batch starts a new worker. */
  private fail(worker: Worker, error: Error): void {
    if (this.running !== worker) return;
    this.running = null;
    this.heldKey = null;
    const lost = [...this.outstanding.values()];
    this.outstanding.clear();
    this.hashesInFlight = 0;
    if (!this.closed) this.options.onWorkerFailure?.(error);
    for (const waiting of lost) {
      waiting.reject(
        new TollgateError(
          this.closed ? 'signer-closed' : 'signer-failed',
          `the signing thread failed: ${error.message}`,
          { cause: error },
        ),
      );
    }
    void worker.terminate().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.running;
    if (worker === null) return;
    this.fail(worker, new Error('the delta signer was closed'));
    await worker.terminate();
  }
}
