/**
 * Framing of the local socket (SPEC.md section 9): each frame is a 4-byte
 * big-endian length followed by that many bytes of protobuf message.
 */
import { Buffer } from 'node:buffer';
import { TollgateError } from '../engine/errors.js';
import { allocateLarge, allocateShared } from './large-buffer.js';
import { SHARED_FRAME_FROM_BYTES } from './parallel-sha256.js';
import { LOCAL_CONNECTION_ERRORS } from './protocol-codes.js';

/** The size of a frame's length header: 4 bytes, big-endian, unsigned. */
export const FRAME_HEADER_BYTES = 4;

/** The largest payload a frame header can announce. */
const MAX_FRAME_HEADER_VALUE = 0xffff_ffff;

/** The default limit on a frame's payload: 1 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/** Used-up chunks are dropped from the decoder's array once there are this many and they are half of it. */
const COMPACT_AFTER_CHUNKS = 1024;

/** A payload at least this large that does not arrive in one chunk is copied into place as it arrives. */
const ASSEMBLE_FROM_BYTES = 64 * 1024;

/** One frame: header and payload in a single allocation. */
export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.length > MAX_FRAME_HEADER_VALUE) {
    throw new TollgateError(
      LOCAL_CONNECTION_ERRORS.frameTooLarge,
      `a frame carries at most ${MAX_FRAME_HEADER_VALUE} bytes, not ${payload.length}`,
    );
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Splits a byte stream into frame payloads. Chunks are kept as they arrive
 * and copied once, into the frame that needs them; a payload inside a single
 * chunk is returned as a view of it, without copying. A large payload
 * (64 KiB or more) spread over chunks gets a buffer of its announced size
 * once its first 64 KiB have arrived, and each chunk is copied into it as
 * it arrives, so that it is held once, not twice, when it completes (from
 * SHARED_FRAME_FROM_BYTES up, in shared memory: parallel-sha256.ts). A header
 * announcing more than `maxFrameBytes` throws 'frame-too-large' before any
 * of that payload is buffered; the decoder then refuses further input.
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  /** Received chunks; those before `head` are used up (kept in an array, not shifted, to stay O(1)). */
  private chunks: Buffer[] = [];
  private head = 0;
  /** Bytes of `chunks[head]` already consumed. */
  private offset = 0;
  private buffered = 0;
  /** The payload length announced by the header just read, or null while waiting for a header. */
  private expected: number | null = null;
  /** The large payload being copied into place, and how much of it has arrived. */
  private assembly: Buffer | null = null;
  private failure: TollgateError | null = null;

  constructor(maxFrameBytes: number) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 0 || maxFrameBytes > MAX_FRAME_HEADER_VALUE) {
      throw new TollgateError(
        'bad-config',
        `maxFrameBytes must be an integer from 0 to ${MAX_FRAME_HEADER_VALUE}, not ${maxFrameBytes}`,
      );
    }
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received and not yet returned: a partial header, or the part of a payload received so far. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Whether part of a frame (some of its header or payload) has arrived and the rest has not. */
  get pending(): boolean {
    return this.buffered > 0 || this.expected !== null || this.assembly !== null;
  }

  /**
   * Adds received bytes; returns the payloads of every frame they complete,
   * in order. A header past the limit throws, unless frames before it were
   * completed by these bytes: those are returned, and the next call throws.
   */
  push(chunk: Buffer): Buffer[] {
    const frames = this.collect(chunk);
    if (this.failure !== null && frames.length === 0) throw this.failure;
    return frames;
  }

  /** The failure that stopped the decoder (a header past the limit); null while it reads on. */
  get failed(): TollgateError | null {
    return this.failure;
  }

  /** push's work: on a header past the limit, `failure` is set and the frames before it are returned. */
  private collect(chunk: Buffer): Buffer[] {
    if (this.failure !== null) throw this.failure;
    const frames: Buffer[] = [];
    const assembly = this.assembly;
    if (assembly !== null) {
      const count = Math.min(assembly.length - this.buffered, chunk.length);
      chunk.copy(assembly, this.buffered, 0, count);
      this.buffered += count;
      if (this.buffered < assembly.length) return frames;
      frames.push(assembly);
      this.assembly = null;
      this.expected = null;
      this.buffered = 0;
      chunk = chunk.subarray(count);
    }
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    for (;;) {
      if (this.expected === null) {
        if (this.buffered < FRAME_HEADER_BYTES) break;
        const length = this.takeHeader();
        if (length > this.maxFrameBytes) {
          this.failure = new TollgateError(
            LOCAL_CONNECTION_ERRORS.frameTooLarge,
            `frame of ${length} bytes announced; the limit is ${this.maxFrameBytes} bytes`,
          );
          this.chunks = [];
          this.head = 0;
          this.buffered = 0;
          return frames;
        }
        this.expected = length;
      }
      if (this.buffered < this.expected) {
        // Only once a good part of it has come: a bare header does not make the decoder allocate.
        if (this.expected >= ASSEMBLE_FROM_BYTES && this.buffered >= ASSEMBLE_FROM_BYTES) {
          const received = this.buffered;
          // A frame this large is a snapshot: shared, so that a worker can hash it while it is compiled.
          const into =
            this.expected >= SHARED_FRAME_FROM_BYTES ? allocateShared(this.expected) : allocateLarge(this.expected);
          into.set(this.take(received));
          this.assembly = into;
          this.buffered = received;
        }
        break;
      }
      frames.push(this.take(this.expected));
      this.expected = null;
    }
    return frames;
  }

  /**
   * Like push, but hands each frame's payload to `onFrame` as
   * buffer[start, end) instead of returning them: a frame that lies whole
   * in the chunk received is not given a view of its own. The range is
   * valid during the call only. `onFrame` returning false stops the
   * delivery of this chunk's other frames (the decoder keeps no state for
   * them: use it after that only to throw it away). A header past the limit
   * throws once every frame before it was delivered.
   */
  pushEach(chunk: Buffer, onFrame: (buffer: Buffer, start: number, end: number) => boolean): void {
    if (this.failure !== null) throw this.failure;
    let offset = 0;
    if (this.buffered === 0 && this.expected === null && this.assembly === null) {
      // Nothing pending: frames are read straight from the chunk.
      while (chunk.length - offset >= FRAME_HEADER_BYTES) {
        const length = chunk.readUInt32BE(offset);
        if (length > this.maxFrameBytes) break; // push refuses it below
        const end = offset + FRAME_HEADER_BYTES + length;
        if (end > chunk.length) break;
        offset = end;
        if (!onFrame(chunk, end - length, end)) return;
      }
      if (offset === chunk.length) return;
    }
    for (const frame of this.collect(offset === 0 ? chunk : chunk.subarray(offset))) {
      if (!onFrame(frame, 0, frame.length)) return;
    }
    // A header past the limit, after the frames before it were delivered.
    const failure = this.failed;
    if (failure !== null) throw failure;
  }

  /** Removes a frame header (buffered >= 4) and returns the length it announces, without allocating when it can. */
  private takeHeader(): number {
    const first = this.chunks[this.head] as Buffer;
    if (first.length - this.offset < FRAME_HEADER_BYTES) return this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
    const length = first.readUInt32BE(this.offset);
    this.buffered -= FRAME_HEADER_BYTES;
    this.advance(first, FRAME_HEADER_BYTES);
    return length;
  }

  /** Removes `n` buffered bytes (n <= buffered): a view when one chunk holds them, else one copy. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[this.head];
    if (first === undefined) return Buffer.alloc(0);
    if (first.length - this.offset >= n) {
      const out = first.subarray(this.offset, this.offset + n);
      this.advance(first, n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[this.head] as Buffer;
      const count = Math.min(chunk.length - this.offset, n - filled);
      chunk.copy(out, filled, this.offset, this.offset + count);
      filled += count;
      this.advance(chunk, count);
    }
    return out;
  }

  private advance(chunk: Buffer, n: number): void {
    this.offset += n;
    if (this.offset < chunk.length) return;
    this.offset = 0;
    this.head++;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER_CHUNKS && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
