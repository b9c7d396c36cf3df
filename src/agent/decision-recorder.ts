import { Buffer } from 'node:buffer';
import type { Decision, FileRequest } from '../engine/model.js';
import type { ViewImage } from '../engine/view-image.js';
import type { AgentStore, DecisionLogEntry } from '../store/agent-store.js';
import { writeUtf8 } from '../wire/evaluate-codec.js';
import { fileBytes } from './decision-cache.js';

/** The default bound on the bytes of decisions held in memory between two writes. */
export const DEFAULT_MAX_PENDING_BYTES = 4 * 1024 * 1024;

export interface LoggedDecision {
  atMs: number;
  file: FileRequest;
  decision: Decision;
}

/** The fields of a file as the text buffer holds them, in FileRequest's order (field i + 1 of a stored file). */
const FILE_FIELDS = ['path', 'sha256', 'certSubject', 'certThumbprint', 'processPath', 'createdBy'] as const;
/** A stored field's number (1 byte) and UTF-8 length (4 bytes, little-endian) before its text. */
const FIELD_HEADER_BYTES = 5;
/** The text buffer's first size; it grows (doubling) to hold what is pending. */
const FIRST_TEXT_BYTES = 64 * 1024;
/** A file whose text could take more than this is held as the object it is (rare: fields are bounded). */
const MAX_STORED_FILE_BYTES = 64 * 1024;

interface WellFormed {
  isWellFormed(): boolean;
}

/**
 * The most bytes a field takes in the text buffer (0 when absent), or a
 * large negative number when UTF-8 cannot carry it (a lone surrogate).
 */
function fieldRoom(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!(value as unknown as WellFormed).isWellFormed()) return -(2 ** 40);
  // A UTF-16 unit is at most 3 bytes of UTF-8.
  return FIELD_HEADER_BYTES + 3 * value.length;
}

/** Writes a field present (its number, UTF-8 length LE32, UTF-8 bytes) at `at`; returns where it ends. */
function putField(text: Buffer, at: number, field: number, value: string | undefined): number {
  if (value === undefined) return at;
  const written = writeUtf8(text, value, at + FIELD_HEADER_BYTES);
  text[at] = field;
  text.writeUInt32LE(written, at + 1);
  return at + FIELD_HEADER_BYTES + written;
}

/**
 * The decision log's hot end: the newest `capacity` decisions in a ring in
 * memory, written to the store's bounded table by `flush` in one
 * transaction. However many decisions were made between two flushes, at
 * most `capacity` rows are written, so the cost of the log does not grow
 * with the decision rate. The ring also holds at most `maxPendingBytes` of
 * file text (decision-cache.ts fileBytes): past it the oldest unwritten
 * decisions are dropped; written ones are let go at once.
 *
 * Recording leaves nothing on the JavaScript heap that outlives the
 * request: a file the decision cache holds (`cached`) is kept by reference,
 * and any other file, most of a run of files asked once, is copied as
 * UTF-8 into one text buffer outside the heap (read back as a file when
 * written), so the files of the last seconds are not carried through V8's
 * young-generation collections and promoted to its old generation to be
 * let go there. Decisions are kept by reference (the view image's frozen
 * ones, shared by many files).
 */
export class DecisionRecorder {
  private readonly store: AgentStore;
  private readonly computerId: string;
  private readonly times: Float64Array;
  /** Per slot: the file when kept by reference; undefined when its text is in `text` (or the slot is empty). */
  private readonly files: (FileRequest | undefined)[];
  /**
   * Per slot: the decision, or the view image whose decision number `numbers[slot]` it is (`numbered[slot]` 1),
   * or null for a decision its image could not make (decisionOrNull).
   */
  private readonly decisions: (Decision | ViewImage | null | undefined)[];
  private readonly numbers: Int32Array;
  private readonly numbered: Uint8Array;
  private readonly sizes: Float64Array;
  /** Per slot: where its file's text starts in `text` and how many bytes it takes (-1: kept by reference). */
  private readonly textStarts: Int32Array;
  private readonly textLengths: Int32Array;
  /** Per slot: 1 when its text is the file's key (wire/file-key.ts fileKey, a FileInfo message), 0 when fields as storeText writes them. */
  private readonly keyed: Uint8Array;
  /** The files' texts, one after another from 0 to textEnd (those of written or dropped decisions left behind). */
  private text: Buffer = Buffer.alloc(0);
  private textEnd = 0;
  private readonly maxPendingBytes: number;
  /** How many decisions were ever recorded, and the first of those still held (older ones are written or dropped). */
  private recorded = 0;
  private first = 0;
  private pendingBytes = 0;
  /** Decisions dropped unwritten to stay within maxPendingBytes or the ring. */
  dropped = 0;

  constructor(store: AgentStore, computerId: string, capacity: number, maxPendingBytes = DEFAULT_MAX_PENDING_BYTES) {
    this.store = store;
    this.computerId = computerId;
    this.maxPendingBytes = maxPendingBytes;
    const slots = Math.max(1, capacity);
    this.times = new Float64Array(slots);
    this.sizes = new Float64Array(slots);
    this.textStarts = new Int32Array(slots).fill(-1);
    this.textLengths = new Int32Array(slots);
    this.keyed = new Uint8Array(slots);
    this.files = new Array<FileRequest | undefined>(slots).fill(undefined);
    this.decisions = new Array<Decision | ViewImage | null | undefined>(slots).fill(undefined);
    this.numbers = new Int32Array(slots);
    this.numbered = new Uint8Array(slots);
  }

  /**
   * Records a decision made at `atMs` for `file`. `cached`: the file is the
   * decision cache's own (kept there anyway), held by reference; otherwise
   * its text is copied and the object is not held. `bytes`: the file's
   * fileBytes when the caller knows them (the decision cache counts them
   * once), so that a repeated file's texts are not read again.
   */
  record(atMs: number, file: FileRequest, decision: Decision, cached = false, bytes = -1): void {
    const slot = this.slotFor(atMs, file, cached, undefined, 0, 0, bytes);
    this.decisions[slot] = decision;
    this.numbered[slot] = 0;
  }

  /**
   * Records decision `n` of `image` (ViewImage.decisionAt) made at `atMs`
   * for `file` (the request's own, whose text is copied): the decision is
   * made when written, not held meanwhile. What is written is what
   * `record` with image.decisionAt(n) writes. `key`: the file's key
   * (wire/file-key.ts fileKey) at key[keyStart, keyEnd), when the caller
   * has it (the request's bytes): copied as it is instead of the file's
   * text being encoded again.
   */
  recordNumber(
    atMs: number,
    file: FileRequest,
    image: ViewImage,
    n: number,
    key?: Buffer,
    keyStart = 0,
    keyEnd = 0,
  ): void {
    const slot = this.slotFor(atMs, file, false, key, keyStart, keyEnd);
    this.decisions[slot] = image;
    this.numbers[slot] = n;
    this.numbered[slot] = 1;
  }

  /**
   * Makes the decisions recorded by number in `image` (recordNumber), so
   * that the image is not held: called when it stops being the active one.
   */
  settle(image: ViewImage): void {
    const slots = this.times.length;
    for (let n = this.first; n < this.recorded; n++) {
      const slot = n % slots;
      if (this.numbered[slot] === 1 && this.decisions[slot] === image) {
        this.decisions[slot] = decisionOrNull(image, this.numbers[slot] as number);
        this.numbered[slot] = 0;
      }
    }
  }

  /** Takes the next slot for a decision made at `atMs` for `file` (see record); the caller fills in its decision. */
  private slotFor(
    atMs: number,
    file: FileRequest,
    cached: boolean,
    key?: Buffer,
    keyStart = 0,
    keyEnd = 0,
    known = -1,
  ): number {
    const slots = this.times.length;
    const slot = this.recorded % slots;
    if (this.recorded - this.first >= slots) this.forgetFirst();
    const bytes = known >= 0 ? known : fileBytes(file);
    this.times[slot] = atMs;
    this.sizes[slot] = bytes;
    if (cached || !(key === undefined ? this.storeText(slot, file) : this.storeKey(slot, key, keyStart, keyEnd))) {
      this.files[slot] = file;
      this.textStarts[slot] = -1;
    }
    this.recorded++;
    this.pendingBytes += bytes;
    // The newest decision is kept whatever its size (a request's fields are bounded).
    while (this.pendingBytes > this.maxPendingBytes && this.recorded - this.first > 1) this.forgetFirst();
    return slot;
  }

  /** The bytes of file text held for decisions not yet written. */
  get heldBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Copies a file's fields into the text buffer for `slot`: each present
   * field's number, UTF-8 length (LE32) and UTF-8 bytes. False when the
   * file is kept as it is instead: a field that UTF-8 cannot carry (a lone
   * surrogate) or a file too large.
   */
  private storeText(slot: number, file: FileRequest): boolean {
    const { path, sha256, certSubject, certThumbprint, processPath, createdBy } = file;
    // A UTF-16 unit is at most 3 bytes of UTF-8.
    const most =
      fieldRoom(path) +
      fieldRoom(sha256) +
      fieldRoom(certSubject) +
      fieldRoom(certThumbprint) +
      fieldRoom(processPath) +
      fieldRoom(createdBy);
    if (most < 0 || most > MAX_STORED_FILE_BYTES) return false;
    if (this.textEnd + most > this.text.length) this.makeRoom(most);
    const text = this.text;
    const start = this.textEnd;
    let at = putField(text, start, 1, path);
    at = putField(text, at, 2, sha256);
    at = putField(text, at, 3, certSubject);
    at = putField(text, at, 4, certThumbprint);
    at = putField(text, at, 5, processPath);
    at = putField(text, at, 6, createdBy);
    this.files[slot] = undefined;
    this.textStarts[slot] = start;
    this.textLengths[slot] = at - start;
    this.keyed[slot] = 0;
    this.textEnd = at;
    return true;
  }

  /** Copies a file's key (key[start, end)) into the text buffer for `slot`; false when it is too large (see storeText). */
  private storeKey(slot: number, key: Buffer, start: number, end: number): boolean {
    const length = end - start;
    if (length > MAX_STORED_FILE_BYTES) return false;
    if (this.textEnd + length > this.text.length) this.makeRoom(length);
    const at = this.textEnd;
    key.copy(this.text, at, start, end);
    this.files[slot] = undefined;
    this.textStarts[slot] = at;
    this.textLengths[slot] = length;
    this.keyed[slot] = 1;
    this.textEnd = at + length;
    return true;
  }

  /**
   * Makes room for `bytes` more at the end of the text buffer: the texts of
   * the decisions still held move to its start, in a buffer twice as large
   * when they would fill more than half of it.
   */
  private makeRoom(bytes: number): void {
    const slots = this.times.length;
    let live = 0;
    for (let n = this.first; n < this.recorded; n++) {
      const slot = n % slots;
      if ((this.textStarts[slot] as number) >= 0) live += this.textLengths[slot] as number;
    }
    let size = Math.max(this.text.length, FIRST_TEXT_BYTES);
    while (size < 2 * (live + bytes)) size *= 2;
    const from = this.text;
    const to = size === from.length ? from : Buffer.allocUnsafe(size);
    let at = 0;
    // In recording order, so that within one buffer a text only ever moves towards the start.
    for (let n = this.first; n < this.recorded; n++) {
      const slot = n % slots;
      const start = this.textStarts[slot] as number;
      if (start < 0) continue;
      const length = this.textLengths[slot] as number;
      if (to !== from || start !== at) from.copy(to, at, start, start + length);
      this.textStarts[slot] = at;
      at += length;
    }
    this.text = to;
    this.textEnd = at;
  }

  /** The file recorded in `slot`. */
  private fileAt(slot: number): FileRequest {
    const start = this.textStarts[slot] as number;
    if (start < 0) return this.files[slot] as FileRequest;
    const text = this.text;
    const end = start + (this.textLengths[slot] as number);
    const fields: Partial<Record<(typeof FILE_FIELDS)[number], string>> = {};
    if (this.keyed[slot] === 1) {
      // A FileInfo message: per field, its tag (number << 3 | 2), its length as a varint, its UTF-8 bytes.
      for (let at = start; at < end;) {
        const field = FILE_FIELDS[((text[at++] as number) >>> 3) - 1] as (typeof FILE_FIELDS)[number];
        let length = 0;
        for (let shift = 0; ; shift += 7) {
          const byte = text[at++] as number;
          length += (byte & 0x7f) * 2 ** shift;
          if (byte < 0x80) break;
        }
        fields[field] = text.toString('utf8', at, at + length);
        at += length;
      }
      return fields as FileRequest;
    }
    for (let at = start; at < end;) {
      const field = FILE_FIELDS[(text[at] as number) - 1] as (typeof FILE_FIELDS)[number];
      const length = text.readUInt32LE(at + 1);
      at += FIELD_HEADER_BYTES;
      fields[field] = text.toString('utf8', at, at + length);
      at += length;
    }
    return fields as FileRequest;
  }

  /** Lets go of a slot's file and decision. */
  private release(slot: number): void {
    this.files[slot] = undefined;
    this.decisions[slot] = undefined;
    this.textStarts[slot] = -1;
  }

  /** Drops the oldest unwritten decision. */
  private forgetFirst(): void {
    const slot = this.first % this.times.length;
    this.pendingBytes -= this.sizes[slot] as number;
    this.release(slot);
    this.first++;
    this.dropped++;
    if (this.first === this.recorded) this.textEnd = 0;
  }

  /**
   * The rows of the decisions recorded since the last flush that are still
   * in the ring, oldest first, made one at a time as the store takes them
   * (each is garbage as soon as it is written, not after the whole batch).
   */
  private *pendingRows(from: number, to: number): Generator<DecisionLogEntry> {
    const slots = this.times.length;
    // Most decisions are shared by many files (one frozen decision per deciding policy): each is
    // written as JSON once a flush. The texts are let go with the flush.
    const texts = new Map<Decision, string>();
    try {
      for (let n = from; n < to; n++) {
        const slot = n % slots;
        const held = this.decisions[slot];
        const decision =
          this.numbered[slot] === 1
            ? decisionOrNull(held as ViewImage, this.numbers[slot] as number)
            : (held as Decision | null);
        // A decision its image could not make (damaged texts the image's checks do not parse): no row.
        if (decision === null) continue;
        let text = texts.get(decision);
        if (text === undefined) {
          text = JSON.stringify(decision);
          if (Object.isFrozen(decision)) texts.set(decision, text);
        }
        yield {
          atMs: this.times[slot] as number,
          computerId: this.computerId,
          request: JSON.stringify(this.fileAt(slot)),
          decision: text,
          action: decision.action,
          policy: decision.policy,
        };
      }
    } finally {
      texts.clear();
    }
  }

  /**
   * Writes what is pending, lets it go and trims the table to its bounds.
   * When the write fails (TollgateError 'storage-unavailable': a full disk),
   * what was pending stays in the ring for the next flush.
   */
  flush(): void {
    const from = this.first;
    const to = this.recorded;
    if (from === to) return;
    this.store.appendDecisions(this.pendingRows(from, to));
    const slots = this.times.length;
    for (let n = from; n < to; n++) this.release(n % slots);
    this.first = to;
    this.textEnd = 0;
    this.pendingBytes = 0;
    this.store.pruneDecisionLog();
  }

  /** The newest `limit` logged decisions, oldest first. */
  export(limit: number): LoggedDecision[] {
    this.flush();
    return this.store.exportDecisions(limit).map((row) => ({
      atMs: row.atMs,
      file: JSON.parse(row.request) as FileRequest,
      decision: JSON.parse(row.decision) as Decision,
    }));
  }
}

/**
 * The decision `n` of `image`, or null when the image cannot make it: its
 * texts are checked for bounds when it is opened, not parsed, so a stored
 * image whose ringfence JSON is damaged (and whose checksum was made over
 * the damage) decides, but cannot describe the decision. The request that
 * decided it got an error answer; its log row is left out, and the log
 * goes on with the others.
 */
function decisionOrNull(image: ViewImage, n: number): Decision | null {
  try {
    return image.decisionAt(n);
  } catch {
    return null;
  }
}
