/**
 * The local API's hot messages without protobufjs objects: a reader for a
 * Request that asks for a file's decision (EvaluateFileRequest) and a writer
 * for the Response frame that carries the Decision. The reader reads what
 * the generated code reads and the writer writes what it writes, byte for
 * byte (test/wire/evaluate-codec.test.ts holds both to it).
 *
 * The reader answers only the shape a client writes: the id, one
 * evaluate_file holding one file and perhaps at_ms, in any order. Anything
 * else (what-if settings, another body, unknown or repeated message fields,
 * invalid UTF-8, a cut-short or overlong field, a missing path) is left to
 * decodeRequest, which answers it exactly as before, errors included.
 */
import { Buffer } from 'node:buffer';
import { POLICY_ACTIONS, type Decision, type FileRequest } from '../engine/model.js';
import {
  DECISION_PARTS,
  PART_ACTION,
  PART_APP_FROM,
  PART_APP_TO,
  PART_DEFAULT,
  PART_ID_FROM,
  PART_ID_TO,
  PART_NAME_FROM,
  PART_NAME_TO,
  PART_ORDER,
  PART_RINGFENCE,
  PART_RINGFENCE_FROM,
  PART_RINGFENCE_TO,
  type ViewImage,
} from '../engine/view-image.js';
import { checkInt32, checkUint32, policyActionCodec, ringfenceToWire, structureCodec } from './codec.js';
import { FRAME_HEADER_BYTES } from './framing.js';
import { keyHash, putKeyFieldHead, putVarint, varintBytes } from './file-key.js';
import { checkFileLimits } from './local-api.js';

// Tags: (field << 3) | wire type (0 varint, 1 fixed64, 2 length-delimited).
const TAG_REQUEST_ID = 0x08;
const TAG_REQUEST_EVALUATE_FILE = 0x12;
const TAG_EVALUATE_FILE = 0x0a;
const TAG_EVALUATE_AT_MS = 0x11;
const TAG_FILE_PATH = 0x0a;
const TAG_FILE_SHA256 = 0x12;
const TAG_FILE_CERT_SUBJECT = 0x1a;
const TAG_FILE_CERT_THUMBPRINT = 0x22;
const TAG_FILE_PROCESS_PATH = 0x2a;
const TAG_FILE_CREATED_BY = 0x32;
const TAG_RESPONSE_ID = 0x08;
const TAG_RESPONSE_DECISION = 0x12;
const TAG_DECISION_ACTION = 0x08;
const TAG_DECISION_POLICY = 0x12;
const TAG_DECISION_POLICY_NAME = 0x1a;
const TAG_DECISION_ORDER = 0x20;
const TAG_DECISION_APPLICATION = 0x2a;
const TAG_DECISION_STRUCTURE = 0x30;
const TAG_DECISION_BUILT_INS_FIRST = 0x38;
const TAG_DECISION_GATED = 0x42;
const TAG_DECISION_SNAPSHOT_VERSION = 0x48;
const TAG_DECISION_REASON = 0x52;
const TAG_DECISION_RINGFENCE = 0x5a;

/** Where a reader's field ends when it cannot be read here: the request goes to decodeRequest. */
const DECLINE = -1;
const FILE_AT = 'request.evaluateFile.file';
// Field paths of the errors, made once (not a string a call).
const DECISION_ACTION_AT = 'response.decision.action';
const DECISION_STRUCTURE_AT = 'response.decision.structure';
const DECISION_ORDER_AT = 'response.decision.order';
const DECISION_SNAPSHOT_VERSION_AT = 'response.decision.snapshotVersion';
const DECISION_RINGFENCE_AT = 'response.decision.ringfence';

const NO_BYTES = Buffer.alloc(0);
/** The first size of a reader's key buffer (it grows to the largest key read). */
const KEY_START_BYTES = 1024;
/**
 * The largest key buffer a reader keeps between chunks (releaseKey): one
 * grown past it by a large request (up to a frame's payload) is let go.
 */
export const KEY_KEEP_BYTES = 16 * 1024;

/** Node's Buffer reads UTF-8 natively through utf8Slice (what toString('utf8') ends in), without its argument parsing. */
interface Utf8Slicer {
  utf8Slice?: (start: number, end: number) => string;
}
const nativeUtf8Slice = (Buffer.prototype as Utf8Slicer).utf8Slice;
const readUtf8: (buf: Buffer, start: number, end: number) => string =
  nativeUtf8Slice === undefined
    ? (buf, start, end) => buf.toString('utf8', start, end)
    : (buf, start, end) => nativeUtf8Slice.call(buf, start, end);

/** Invalid UTF-8 is refused, a byte-order mark kept: what the generated code's string reader does. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Reads evaluate requests from frames. One reader serves one connection's
 * frames one after another: `id` and `atMs` belong to the last request read.
 */
export class EvaluateRequestReader {
  /** The id of the request read last. */
  id = 0;
  /** The `atMs` of the request read last, or undefined. */
  atMs: number | undefined = undefined;
  private buf: Buffer = NO_BYTES;
  private pos = 0;
  // The file's fields as ranges of `buf` while a request is read (start -1: absent).
  private readonly starts = new Int32Array(7);
  private readonly ends = new Int32Array(7);

  /**
   * The file's key (wire/file-key.ts fileKey) of the request scanned last:
   * bytes [keyStart, keyEnd) of keySource(the frame's buffer), hashed to
   * keyHash. A FileInfo written as fileKey writes it is its own key, read
   * where it lies in the frame; any other is written into `keyBytes`.
   */
  keyStart = 0;
  keyEnd = 0;
  keyHash = 0;
  /** Whether the key of the request scanned last lies in its frame (else in keyBytes). */
  keyInFrame = false;
  /**
   * The reader's own key buffer, for FileInfos not written as fileKey writes
   * them: a buffer of its own (a view of Node's shared pool would keep a
   * whole pool slab alive as long as the connection).
   */
  keyBytes: Buffer = Buffer.allocUnsafeSlow(KEY_START_BYTES);
  // Where the FileInfo scanned last lies, and whether it is written as its key.
  private fileStart = 0;
  private fileEnd = 0;
  private asKey = false;

  /** The buffer the key of the request scanned last lies in: `frame` (the one scanned) or keyBytes. */
  keySource(frame: Buffer): Buffer {
    return this.keyInFrame ? frame : this.keyBytes;
  }

  /**
   * Lets go of a key buffer grown past KEY_KEEP_BYTES, so that a connection
   * that once sent a large request (its file's fields out of order, up to a
   * frame's payload, refused or not) does not keep a buffer of that size
   * while it stays open. The key of the request scanned last is not valid
   * after it: call it once that request is answered (the socket layer does
   * after each chunk).
   */
  releaseKey(): void {
    if (this.keyBytes.length > KEY_KEEP_BYTES) {
      this.keyBytes = Buffer.allocUnsafeSlow(KEY_START_BYTES);
      this.keyInFrame = false;
      this.keyStart = 0;
      this.keyEnd = 0;
    }
  }

  /**
   * The file a frame's payload (buffer[start, end)) asks about, or
   * undefined when it is not a request this reader reads (decodeRequest
   * then decides). Throws TollgateError 'field-too-long' naming the first
   * field past REQUEST_FIELD_LIMITS, as decodeRequest does.
   */
  read(buffer: Buffer, start: number, end: number): FileRequest | undefined {
    return this.scan(buffer, start, end) ? this.file(buffer) : undefined;
  }

  /**
   * Reads a frame's payload (buffer[start, end)) without decoding the
   * file's text: true when it has the shape this reader reads, and then
   * `id`, `atMs` and the file's key (keySource, keyStart, keyEnd, keyHash) are the
   * request's, and `file(buffer)` gives the file (or declines it); false
   * when decodeRequest decides. Whether the text is UTF-8 and within
   * REQUEST_FIELD_LIMITS is not known until `file`.
   */
  scan(buffer: Buffer, start: number, end: number): boolean {
    this.buf = buffer;
    try {
      return this.scanRequest(start, end);
    } finally {
      // The chunk the frame came in is not kept alive by an idle connection's reader.
      this.buf = NO_BYTES;
    }
  }

  /**
   * The file of the request scanned last (`buffer` is the one scanned), or
   * undefined to leave it to decodeRequest (text that is not UTF-8). Throws
   * TollgateError 'field-too-long' naming the first field past
   * REQUEST_FIELD_LIMITS, as decodeRequest does.
   */
  file(buffer: Buffer): FileRequest | undefined {
    this.buf = buffer;
    try {
      const file = this.fileFromRanges();
      if (file !== undefined) checkFileLimits(file, FILE_AT);
      return file;
    } finally {
      this.buf = NO_BYTES;
    }
  }

  private scanRequest(start: number, end: number): boolean {
    const buffer = this.buf;
    this.pos = start;
    let id = 0;
    let bodyEnd = DECLINE;
    while (this.pos < end) {
      const tag = buffer[this.pos++];
      if (tag === TAG_REQUEST_ID) {
        const value = this.varint32(end);
        if (value < 0) return false;
        id = value;
      } else if (tag === TAG_REQUEST_EVALUATE_FILE && bodyEnd === DECLINE) {
        bodyEnd = this.evaluateFile(end);
        if (bodyEnd === DECLINE) return false;
      } else {
        return false;
      }
    }
    if (bodyEnd === DECLINE) return false;
    // An empty path is a missing one: decodeRequest refuses it.
    const path = TAG_FILE_PATH >>> 3;
    if ((this.starts[path] as number) < 0 || this.starts[path] === this.ends[path]) return false;
    this.id = id;
    this.noteKey();
    return true;
  }

  /**
   * Notes the scanned file's key (fileKey's bytes) and hashes it (keyHash):
   * the FileInfo's own bytes when it is written as fileKey writes it, else
   * the key written into keyBytes from the fields' ranges (the last of a
   * field given twice, as decodeRequest reads it).
   */
  private noteKey(): void {
    if (this.asKey) {
      this.keyInFrame = true;
      this.keyStart = this.fileStart;
      this.keyEnd = this.fileEnd;
      this.keyHash = keyHash(this.buf, this.fileStart, this.fileEnd);
      return;
    }
    const { starts, ends } = this;
    let bytes = 0;
    for (let field = 1; field <= 6; field++) {
      const s = starts[field] as number;
      if (s >= 0) bytes += 1 + varintBytes((ends[field] as number) - s) + (ends[field] as number) - s;
    }
    // At most a frame's payload: bounded by the frame limit (and let go after the chunk past KEY_KEEP_BYTES).
    if (bytes > this.keyBytes.length) {
      this.keyBytes = Buffer.allocUnsafeSlow(Math.max(bytes, this.keyBytes.length * 2));
    }
    const key = this.keyBytes;
    const buf = this.buf;
    let at = 0;
    for (let field = 1; field <= 6; field++) {
      const s = starts[field] as number;
      if (s < 0) continue;
      const e = ends[field] as number;
      at = putKeyFieldHead(key, at, field, e - s);
      for (let i = s; i < e; i++) key[at++] = buf[i] as number;
    }
    this.keyInFrame = false;
    this.keyStart = 0;
    this.keyEnd = at;
    this.keyHash = keyHash(key, 0, at);
  }

  /** Reads an EvaluateFileRequest's length and fields; returns where it ends, or DECLINE. */
  private evaluateFile(limit: number): number {
    const end = this.length(limit);
    if (end === DECLINE) return DECLINE;
    let fileEnd = DECLINE;
    this.atMs = undefined;
    while (this.pos < end) {
      const tag = this.buf[this.pos++];
      if (tag === TAG_EVALUATE_FILE && fileEnd === DECLINE) {
        fileEnd = this.fileInfo(end);
        if (fileEnd === DECLINE) return DECLINE;
      } else if (tag === TAG_EVALUATE_AT_MS) {
        if (this.pos + 8 > end) return DECLINE;
        this.atMs = this.buf.readDoubleLE(this.pos);
        this.pos += 8;
      } else {
        return DECLINE;
      }
    }
    return fileEnd === DECLINE ? DECLINE : end;
  }

  /** Reads a FileInfo's length and notes where each field's text lies; returns where it ends, or DECLINE. */
  private fileInfo(limit: number): number {
    const end = this.length(limit);
    if (end === DECLINE) return DECLINE;
    const { starts, ends } = this;
    for (let field = 1; field <= 6; field++) starts[field] = -1;
    this.fileStart = this.pos;
    this.fileEnd = end;
    // Written as its key (fileKey): fields in number order, each once, lengths in the fewest bytes.
    let asKey = true;
    let last = 0;
    while (this.pos < end) {
      const tag = this.buf[this.pos++] as number;
      const field = tag >>> 3;
      if ((tag & 7) !== 2 || field < 1 || field > 6) return DECLINE;
      const lengthAt = this.pos;
      const textEnd = this.length(end);
      if (textEnd === DECLINE) return DECLINE;
      if (field <= last || this.pos - lengthAt !== varintBytes(textEnd - this.pos)) asKey = false;
      last = field;
      // A field given twice is left to the generated code, which checks every copy's UTF-8 (the last one counts).
      if ((starts[field] as number) >= 0) return DECLINE;
      starts[field] = this.pos;
      ends[field] = textEnd;
      this.pos = textEnd;
    }
    this.asKey = asKey;
    return end;
  }

  /** The file from the noted ranges, its fields in decodeRequest's order; undefined to decline. */
  private fileFromRanges(): FileRequest | undefined {
    const path = this.text(TAG_FILE_PATH >>> 3);
    // An empty path is a missing one: decodeRequest refuses it.
    if (path === undefined || path === null || path === '') return undefined;
    const file: FileRequest = { path };
    const sha256 = this.text(TAG_FILE_SHA256 >>> 3);
    const certSubject = this.text(TAG_FILE_CERT_SUBJECT >>> 3);
    const certThumbprint = this.text(TAG_FILE_CERT_THUMBPRINT >>> 3);
    const processPath = this.text(TAG_FILE_PROCESS_PATH >>> 3);
    const createdBy = this.text(TAG_FILE_CREATED_BY >>> 3);
    if (
      sha256 === null ||
      certSubject === null ||
      certThumbprint === null ||
      processPath === null ||
      createdBy === null
    ) {
      return undefined;
    }
    if (sha256 !== undefined) file.sha256 = sha256;
    if (certSubject !== undefined) file.certSubject = certSubject;
    if (certThumbprint !== undefined) file.certThumbprint = certThumbprint;
    if (processPath !== undefined) file.processPath = processPath;
    if (createdBy !== undefined) file.createdBy = createdBy;
    return file;
  }

  /** A noted field's text: undefined when absent, null when it is not valid UTF-8. */
  private text(field: number): string | undefined | null {
    const start = this.starts[field] as number;
    if (start < 0) return undefined;
    const end = this.ends[field] as number;
    const text = readUtf8(this.buf, start, end);
    // Node's decoder replaces what is not UTF-8; the strict one says whether a U+FFFD was sent as such.
    if (text.indexOf('\ufffd') === -1) return text;
    try {
      return strictUtf8.decode(this.buf.subarray(start, end));
    } catch {
      return null;
    }
  }

  /** A length prefix (at most 4 bytes) and where the field it announces ends within `limit`; DECLINE otherwise. */
  private length(limit: number): number {
    const buf = this.buf;
    let value = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (this.pos >= limit) return DECLINE;
      const byte = buf[this.pos++] as number;
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        const end = this.pos + value;
        return end <= limit ? end : DECLINE;
      }
    }
    return DECLINE;
  }

  /** A uint32 varint of at most 5 bytes (its low 32 bits, as the generated code keeps them); -1 otherwise. */
  private varint32(limit: number): number {
    const buf = this.buf;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= limit) return -1;
      const byte = buf[this.pos++] as number;
      value = (value | ((byte & 0x7f) << shift)) >>> 0;
      if (byte < 0x80) return value;
    }
    return -1;
  }
}

// ------------------------------------------------------------------ writer

/** The most bytes a frame's header, the response id field and the decision's tag and length take. */
const MAX_PREFIX_BYTES = FRAME_HEADER_BYTES + 1 + 5 + 1 + 5;
/** The most bytes a varint field (tag and value) takes. */
const MAX_VARINT_FIELD_BYTES = 11;
/** The most bytes a string field takes besides its text (tag and length). */
const MAX_STRING_OVERHEAD_BYTES = 6;

/** Ringfences are the policies' own objects: each is written as JSON once. */
const ringfenceJson = new WeakMap<object, string>();

function ringfenceText(decision: Decision): string | undefined {
  const ringfence = decision.ringfence;
  if (ringfence === undefined) return undefined;
  let json = ringfenceJson.get(ringfence);
  if (json === undefined) {
    // Text for any ringfence given (undefined only for none).
    json = ringfenceToWire(ringfence, DECISION_RINGFENCE_AT) ?? '';
    ringfenceJson.set(ringfence, json);
  }
  return json;
}

function stringBound(value: string | null | undefined): number {
  // A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair, 2 units, is 4).
  return value === null || value === undefined ? 0 : MAX_STRING_OVERHEAD_BYTES + 3 * value.length;
}

/**
 * Encoded Decision messages of frozen decisions, by decision. A frozen
 * decision is one the view image made once for every file its policy
 * decides (engine/view-image.ts), so most answers repeat one of a few
 * thousand: such a decision's message is written in full the first two
 * times it is answered and copied from here from then on. An entry goes
 * with its decision: the decision cache and the view image bound how many
 * live.
 */
const bodies = new WeakMap<Decision, Uint8Array>();

/**
 * Frozen decisions answered once (and not kept in `bodies`), in a table of
 * ANSWERED_ONCE_SLOTS slots by a hash of the deciding policy: a decision
 * found in its slot is answered a second time and its message is kept (as
 * is that of a decision answered from the decision cache, known to be a
 * repeat, whatever the table holds). A
 * run of files never asked before meets a new decision object at most of
 * its answers (the view image keeps a bounded number), and an entry in a
 * WeakMap costs about a microsecond to add and to let go: a slot costs a
 * store. Two decisions in one slot push each other out, which only keeps
 * their messages later; the table holds at most its slots' decisions alive.
 */
const ANSWERED_ONCE_SLOTS = 8_192;
const answeredOnce: (Decision | undefined)[] = new Array<Decision | undefined>(ANSWERED_ONCE_SLOTS).fill(undefined);

/** The slot of answeredOnce for a decision: FNV-1a over its order and the last units of its policy's id. */
function answeredOnceSlot(decision: Decision): number {
  let h = Math.imul(0x811c9dc5 ^ (decision.order ?? -1), 0x01000193);
  const policy = decision.policy;
  if (policy !== null) {
    const n = policy.length;
    h = Math.imul(h ^ n, 0x01000193);
    for (let i = n > 12 ? n - 12 : 0; i < n; i++) h = Math.imul(h ^ policy.charCodeAt(i), 0x01000193);
  }
  h ^= h >>> 15;
  return h & (ANSWERED_ONCE_SLOTS - 1);
}

/** An upper bound on the bytes writeDecisionFrame writes for `decision`. */
export function decisionFrameBound(decision: Decision): number {
  const body = bodies.get(decision);
  if (body !== undefined) return MAX_PREFIX_BYTES + body.length;
  let bytes = MAX_PREFIX_BYTES + 5 * MAX_VARINT_FIELD_BYTES;
  bytes += stringBound(decision.policy) + stringBound(decision.policyName) + stringBound(decision.application);
  bytes += stringBound(decision.reason) + stringBound(ringfenceText(decision));
  const gated = decision.gated;
  for (let i = 0; i < gated.length; i++) bytes += stringBound(gated[i]);
  return bytes;
}

/** Node's Buffer writes UTF-8 natively through utf8Write (what protobufjs uses too), without write()'s argument parsing. */
interface Utf8Writer {
  utf8Write?: (text: string, offset: number) => number;
}
const nativeUtf8Write = (Buffer.prototype as Utf8Writer).utf8Write;
/** Writes `text` as UTF-8 at `offset` of `out` (which has room for it); returns the bytes written. */
export const writeUtf8: (out: Buffer, text: string, offset: number) => number =
  nativeUtf8Write === undefined
    ? (out, text, offset) => out.write(text, offset, 'utf8')
    : (out, text, offset) => nativeUtf8Write.call(out, text, offset);

function putString(out: Buffer, pos: number, tag: number, value: string): number {
  out[pos++] = tag;
  // A UTF-16 unit is at most 3 bytes of UTF-8: most texts are known to need a length of one byte.
  const units = value.length;
  if (3 * units < 0x80) {
    const bytes = writeUtf8(out, value, pos + 1);
    out[pos] = bytes;
    return pos + 1 + bytes;
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  pos = putVarint(out, pos, bytes);
  return pos + writeUtf8(out, value, pos);
}

/** Writes a Decision message's fields at `pos`; returns where they end. */
function putDecision(out: Buffer, pos: number, d: Decision): number {
  const action = policyActionCodec.toWire(d.action, DECISION_ACTION_AT);
  const structure = structureCodec.toWire(d.structure, DECISION_STRUCTURE_AT);
  // Fields in number order, proto3 defaults left off, as the generated encoder writes them.
  if (action !== 0) {
    out[pos++] = TAG_DECISION_ACTION;
    pos = putVarint(out, pos, action);
  }
  if (d.policy !== null) pos = putString(out, pos, TAG_DECISION_POLICY, d.policy);
  if (d.policyName !== null) pos = putString(out, pos, TAG_DECISION_POLICY_NAME, d.policyName);
  if (d.order !== null) {
    const order = checkInt32(d.order, DECISION_ORDER_AT);
    out[pos++] = TAG_DECISION_ORDER;
    pos = putVarint(out, pos, ((order << 1) ^ (order >> 31)) >>> 0);
  }
  if (d.application !== null) pos = putString(out, pos, TAG_DECISION_APPLICATION, d.application);
  if (structure !== 0) {
    out[pos++] = TAG_DECISION_STRUCTURE;
    pos = putVarint(out, pos, structure);
  }
  if (d.builtInsFirst) {
    out[pos++] = TAG_DECISION_BUILT_INS_FIRST;
    out[pos++] = 1;
  }
  const gated = d.gated;
  for (let i = 0; i < gated.length; i++) pos = putString(out, pos, TAG_DECISION_GATED, gated[i] as string);
  if (d.snapshotVersion !== null) {
    out[pos++] = TAG_DECISION_SNAPSHOT_VERSION;
    pos = putVarint(out, pos, checkUint32(d.snapshotVersion, DECISION_SNAPSHOT_VERSION_AT));
  }
  if (d.reason !== '') pos = putString(out, pos, TAG_DECISION_REASON, d.reason);
  const ringfence = ringfenceText(d);
  if (ringfence !== undefined) pos = putString(out, pos, TAG_DECISION_RINGFENCE, ringfence);
  return pos;
}

/**
 * The encoded Decision message kept for `decision` (see `bodies`), which
 * writeBodyFrame copies into a frame; undefined when the decision's answer
 * is written by writeDecisionFrame (the first two times a frozen decision
 * is answered, and every time for one not frozen).
 */
export function keptDecisionBody(decision: Decision): Uint8Array | undefined {
  return bodies.get(decision);
}

/** An upper bound on the bytes writeBodyFrame writes for `body`. */
export function bodyFrameBound(body: Uint8Array): number {
  return MAX_PREFIX_BYTES + body.length;
}

/**
 * Writes the whole frame of a decision response with `id` whose Decision
 * message is `body` (keptDecisionBody) at `offset` of `out`, which must
 * hold bodyFrameBound(body) bytes from there; returns the offset after it.
 * The bytes are those writeDecisionFrame writes for the body's decision.
 */
export function writeBodyFrame(out: Buffer, offset: number, id: number, body: Uint8Array): number {
  checkUint32(id, 'response.id');
  const bodyBytes = body.length;
  const idBytes = id === 0 ? 0 : 1 + varintBytes(id);
  const payloadBytes = idBytes + 1 + varintBytes(bodyBytes) + bodyBytes;
  const pos = putPrefix(out, offset, payloadBytes, id, bodyBytes);
  out.set(body, pos);
  return pos + bodyBytes;
}

/** Writes a decision response's frame header, id field and the decision's tag and length; returns where the body goes. */
function putPrefix(out: Buffer, offset: number, payloadBytes: number, id: number, bodyBytes: number): number {
  let pos = offset;
  out[pos++] = payloadBytes >>> 24;
  out[pos++] = (payloadBytes >>> 16) & 0xff;
  out[pos++] = (payloadBytes >>> 8) & 0xff;
  out[pos++] = payloadBytes & 0xff;
  if (id !== 0) {
    out[pos++] = TAG_RESPONSE_ID;
    pos = putVarint(out, pos, id);
  }
  out[pos++] = TAG_RESPONSE_DECISION;
  return putVarint(out, pos, bodyBytes);
}

/**
 * Writes the whole frame (header, then the Response with `id` and
 * `decision`) at `offset` of `out`, which must hold decisionFrameBound(decision)
 * bytes from there; returns the offset after it. The bytes are those of
 * encodeFrame(encodeResponse({ id, kind: 'decision', decision })). `again`:
 * the decision is known to have been answered before (a decision cache
 * hit), so a frozen one's message is kept at once.
 */
export function writeDecisionFrame(out: Buffer, offset: number, id: number, decision: Decision, again = false): number {
  const kept = bodies.get(decision);
  if (kept !== undefined) return writeBodyFrame(out, offset, id, kept);
  checkUint32(id, 'response.id');
  const bodyStart = offset + MAX_PREFIX_BYTES;
  const bodyEnd = putDecision(out, bodyStart, decision);
  if (Object.isFrozen(decision)) {
    const slot = answeredOnceSlot(decision);
    if (again || answeredOnce[slot] === decision) {
      if (answeredOnce[slot] === decision) answeredOnce[slot] = undefined;
      // A buffer of its own, made once per decision: a view of Node's shared pool would keep the whole
      // 8 KiB pool slab (and every other buffer cut from it) alive as long as the decision.
      const body = Buffer.allocUnsafeSlow(bodyEnd - bodyStart);
      out.copy(body, 0, bodyStart, bodyEnd);
      bodies.set(decision, body);
    } else {
      answeredOnce[slot] = decision;
    }
  }
  const bodyBytes = bodyEnd - bodyStart;
  const idBytes = id === 0 ? 0 : 1 + varintBytes(id);
  const payloadBytes = idBytes + 1 + varintBytes(bodyBytes) + bodyBytes;
  const pos = putPrefix(out, offset, payloadBytes, id, bodyBytes);
  // The prefix is shorter than the room left for it: the body moves up against it.
  if (pos !== bodyStart) out.copyWithin(pos, bodyStart, bodyEnd);
  return pos + bodyBytes;
}

/** The frame of a decision response in a buffer of its own. */
export function encodeDecisionFrame(id: number, decision: Decision): Buffer {
  const out = Buffer.allocUnsafe(decisionFrameBound(decision));
  return out.subarray(0, writeDecisionFrame(out, 0, id, decision));
}

// ------------------------------------------------- writer from a view image

/** What a decision of one mode of an image writes besides its policy's texts. */
interface ModeWriting {
  structure: number;
  builtInsFirst: boolean;
  gated: readonly string[];
  /** The mode's text in a reason (describeMode), as UTF-8. */
  text: Buffer;
}

interface ImageWriting {
  modes: [ModeWriting, ModeWriting];
  snapshotVersion: number | null;
  /** The most bytes the gated fields take (tags, lengths and texts). */
  gatedBound: [number, number];
  /**
   * Whether a ringfence's stored JSON is what the wire carries (ringfenceAsIs),
   * by string number in RINGFENCE_MEMO slots: `ringfenceKeys` the string (-1: none), `ringfenceAsIs` 1 for yes.
   */
  ringfenceKeys: Int32Array;
  ringfenceAsIs: Uint8Array;
}

/** Slots of an image's memo of ringfence texts written as stored (a power of two; a ringfence not in it is checked again). */
const RINGFENCE_MEMO = 1024;

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
/** The actions as a reason starts with them, and their wire numbers, by POLICY_ACTIONS number. */
const ACTION_TEXTS: readonly Buffer[] = POLICY_ACTIONS.map(ascii);
const ACTION_WIRE: readonly number[] = POLICY_ACTIONS.map((action) =>
  policyActionCodec.toWire(action, DECISION_ACTION_AT),
);
// The reason's fixed parts (engine/decision.ts policyReasonIn).
const REASON_BY_POLICY = ascii(' by policy ');
const REASON_ORDER = ascii(' (order ');
const REASON_DEFAULT = ascii(') for the default policy (');
const REASON_APPLICATION = ascii(') for application ');
const REASON_NO_APPLICATION = ascii('?');
const REASON_MODE = ascii(' (');
const REASON_END = ascii(')');
/** The most decimal characters an int32 takes, its sign included. */
const MAX_INT32_CHARS = 11;
/** The most bytes of a reason besides its id, application and mode text: the longest action, the order and the fixed parts. */
const REASON_FIXED_BYTES =
  Math.max(...ACTION_TEXTS.map((text) => text.length)) +
  REASON_BY_POLICY.length +
  REASON_ORDER.length +
  MAX_INT32_CHARS +
  Math.max(REASON_DEFAULT.length, REASON_APPLICATION.length + REASON_NO_APPLICATION.length + REASON_MODE.length) +
  REASON_END.length;

/** Per image, what its frames are written with: weakly held, so a replaced image is not kept alive here. */
const writings = new WeakMap<ViewImage, ImageWriting>();
/** A scratch parts array (ViewImage.decisionParts): read and used at once, never kept across calls. */
const parts = new Int32Array(DECISION_PARTS);
/**
 * The decision imageDecisionFrameBound read into `parts` last (its image
 * and number, and what fromBytes said), which the writeImageDecisionFrame
 * right after it uses instead of reading it again; that call lets go of
 * the image (a replaced image is not kept alive here).
 */
let boundImage: ViewImage | null = null;
let boundNumber = -1;
let boundFromBytes = false;

function writingOf(image: ViewImage): ImageWriting {
  let writing = writings.get(image);
  if (writing === undefined) {
    const modeWriting = (m: 0 | 1): ModeWriting => {
      const { mode, gated, text } = image.modeAt(m);
      return {
        structure: structureCodec.toWire(mode.structure, DECISION_STRUCTURE_AT),
        builtInsFirst: mode.builtInsFirst,
        gated,
        text: Buffer.from(text, 'utf8'),
      };
    };
    const modes: [ModeWriting, ModeWriting] = [modeWriting(0), modeWriting(1)];
    const gatedBound = (mode: ModeWriting): number => mode.gated.reduce((sum, text) => sum + stringBound(text), 0);
    const version = image.snapshotVersion;
    writing = {
      modes,
      snapshotVersion: version === null ? null : checkUint32(version, DECISION_SNAPSHOT_VERSION_AT),
      gatedBound: [gatedBound(modes[0]), gatedBound(modes[1])],
      ringfenceKeys: new Int32Array(RINGFENCE_MEMO).fill(-1),
      ringfenceAsIs: new Uint8Array(RINGFENCE_MEMO),
    };
    writings.set(image, writing);
  }
  return writing;
}

/** Whether bytes [from, to) of `bytes` are ASCII (from -1: none, which is). */
function isAscii(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if ((bytes[i] as number) >= 0x80) return false;
  return true;
}

/**
 * Whether ringfence string `s` (stored JSON at bytes[from, to)) is written
 * as stored: ASCII, and the text of a JSON object that JSON.parse and then
 * JSON.stringify (what the decision's ringfence goes through) give back as
 * it is. Remembered per image in RINGFENCE_MEMO slots.
 */
function ringfenceAsIs(writing: ImageWriting, s: number, bytes: Uint8Array, from: number, to: number): boolean {
  const slot = s & (RINGFENCE_MEMO - 1);
  if (writing.ringfenceKeys[slot] === s) return writing.ringfenceAsIs[slot] === 1;
  let asIs = false;
  if (isAscii(bytes, from, to)) {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('latin1');
    try {
      const value = JSON.parse(text) as unknown;
      asIs = typeof value === 'object' && value !== null && JSON.stringify(value) === text;
    } catch {
      asIs = false;
    }
  }
  writing.ringfenceKeys[slot] = s;
  writing.ringfenceAsIs[slot] = asIs ? 1 : 0;
  return asIs;
}

/**
 * Whether decision `n` of `image` is written from the image's bytes (into
 * `parts`): a policy's decision whose id, name and application are ASCII
 * (read back as the same text) and whose ringfence, if any, is written as
 * stored (ringfenceAsIs). Any other is written from its Decision object
 * (decisionAt), as writeDecisionFrame writes it.
 */
function fromBytes(image: ViewImage, n: number): boolean {
  boundImage = null;
  if (n < 0) return false;
  image.decisionParts(n, parts);
  const bytes = image.stringBytes;
  const ringfence = parts[PART_RINGFENCE] as number;
  if (
    ringfence >= 0 &&
    !ringfenceAsIs(
      writingOf(image),
      ringfence,
      bytes,
      parts[PART_RINGFENCE_FROM] as number,
      parts[PART_RINGFENCE_TO] as number,
    )
  ) {
    return false;
  }
  return (
    isAscii(bytes, parts[PART_ID_FROM] as number, parts[PART_ID_TO] as number) &&
    isAscii(bytes, parts[PART_NAME_FROM] as number, parts[PART_NAME_TO] as number) &&
    isAscii(bytes, parts[PART_APP_FROM] as number, parts[PART_APP_TO] as number)
  );
}

/** Decimal characters of an int32 (its sign included). */
function decimalChars(value: number): number {
  let n = value < 0 ? 2 : 1;
  for (let v = Math.abs(value); v >= 10; v = Math.floor(v / 10)) n++;
  return n;
}

function putBytes(out: Buffer, pos: number, from: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) out[pos++] = from[i] as number;
  return pos;
}

function putAll(out: Buffer, pos: number, from: Uint8Array): number {
  return putBytes(out, pos, from, 0, from.length);
}

function putDecimal(out: Buffer, pos: number, value: number, chars: number): number {
  let at = pos + chars;
  let v = Math.abs(value);
  do {
    out[--at] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  } while (v > 0);
  if (value < 0) out[--at] = 0x2d;
  return pos + chars;
}

/** A string field of `length` bytes: its tag and length; returns where its bytes go. */
function putStringHead(out: Buffer, pos: number, tag: number, length: number): number {
  out[pos++] = tag;
  return putVarint(out, pos, length);
}

/**
 * An upper bound on the bytes writeImageDecisionFrame writes for decision
 * `n` (ViewImage.decide) of `image`.
 */
export function imageDecisionFrameBound(image: ViewImage, n: number): number {
  const asBytes = fromBytes(image, n);
  boundImage = image;
  boundNumber = n;
  boundFromBytes = asBytes;
  if (!asBytes) return decisionFrameBound(image.decisionAt(n));
  const writing = writingOf(image);
  const m = n & 1;
  const idBytes = (parts[PART_ID_TO] as number) - (parts[PART_ID_FROM] as number);
  const nameBytes = (parts[PART_NAME_TO] as number) - (parts[PART_NAME_FROM] as number);
  const appBytes = (parts[PART_APP_TO] as number) - (parts[PART_APP_FROM] as number);
  const ringfenceBytes = (parts[PART_RINGFENCE_TO] as number) - (parts[PART_RINGFENCE_FROM] as number);
  // The reason: the action, the id, the order, the application and the mode's text, and its fixed parts.
  const reasonBytes = MAX_STRING_OVERHEAD_BYTES + REASON_FIXED_BYTES + idBytes + appBytes;
  return (
    MAX_PREFIX_BYTES +
    5 * MAX_VARINT_FIELD_BYTES +
    3 * MAX_STRING_OVERHEAD_BYTES +
    idBytes +
    nameBytes +
    appBytes +
    reasonBytes +
    (writing.modes[m] as ModeWriting).text.length +
    (writing.gatedBound[m] as number) +
    (ringfenceBytes === 0 ? 0 : MAX_STRING_OVERHEAD_BYTES + ringfenceBytes)
  );
}

/**
 * Writes the whole frame of the response with `id` and decision `n` of
 * `image` (ViewImage.decide) at `offset` of `out`, which must hold
 * imageDecisionFrameBound(image, n) bytes from there; returns the offset
 * after it. The bytes are those writeDecisionFrame writes for
 * image.decisionAt(n), which is made only when the decision cannot be
 * written from the image's bytes (see fromBytes).
 */
export function writeImageDecisionFrame(out: Buffer, offset: number, id: number, image: ViewImage, n: number): number {
  // `parts` still holds decision n when the bound of just this decision was the last one taken.
  const bound = boundImage === image && boundNumber === n;
  boundImage = null;
  if (!(bound ? boundFromBytes : fromBytes(image, n))) return writeDecisionFrame(out, offset, id, image.decisionAt(n));
  checkUint32(id, 'response.id');
  const writing = writingOf(image);
  const mode = writing.modes[n & 1] as ModeWriting;
  const bytes = image.stringBytes;
  const action = parts[PART_ACTION] as number;
  const order = checkInt32(parts[PART_ORDER] as number, DECISION_ORDER_AT);
  const idFrom = parts[PART_ID_FROM] as number;
  const idTo = parts[PART_ID_TO] as number;
  const nameFrom = parts[PART_NAME_FROM] as number;
  const nameTo = parts[PART_NAME_TO] as number;
  const appFrom = parts[PART_APP_FROM] as number;
  const appTo = parts[PART_APP_TO] as number;
  const ringfenceFrom = parts[PART_RINGFENCE_FROM] as number;
  const ringfenceTo = parts[PART_RINGFENCE_TO] as number;
  const isDefault = parts[PART_DEFAULT] === 1;
  const actionWire = ACTION_WIRE[action] as number;
  const actionText = ACTION_TEXTS[action] as Buffer;
  const orderChars = decimalChars(order);
  const idBytes = idTo - idFrom;
  const reasonBytes =
    actionText.length +
    REASON_BY_POLICY.length +
    idBytes +
    REASON_ORDER.length +
    orderChars +
    (isDefault
      ? REASON_DEFAULT.length
      : REASON_APPLICATION.length +
        (appFrom < 0 ? REASON_NO_APPLICATION.length : appTo - appFrom) +
        REASON_MODE.length) +
    mode.text.length +
    REASON_END.length;
  // The Decision message's length, field by field in the order putDecision writes them.
  const zigzagOrder = ((order << 1) ^ (order >> 31)) >>> 0;
  let bodyBytes = actionWire === 0 ? 0 : 1 + varintBytes(actionWire);
  bodyBytes += 1 + varintBytes(idBytes) + idBytes;
  if (nameFrom >= 0) bodyBytes += 1 + varintBytes(nameTo - nameFrom) + nameTo - nameFrom;
  bodyBytes += 1 + varintBytes(zigzagOrder);
  if (appFrom >= 0) bodyBytes += 1 + varintBytes(appTo - appFrom) + appTo - appFrom;
  if (mode.structure !== 0) bodyBytes += 1 + varintBytes(mode.structure);
  if (mode.builtInsFirst) bodyBytes += 2;
  const gated = mode.gated;
  for (let i = 0; i < gated.length; i++) {
    const length = Buffer.byteLength(gated[i] as string, 'utf8');
    bodyBytes += 1 + varintBytes(length) + length;
  }
  if (writing.snapshotVersion !== null) bodyBytes += 1 + varintBytes(writing.snapshotVersion);
  bodyBytes += 1 + varintBytes(reasonBytes) + reasonBytes;
  if (ringfenceFrom >= 0) bodyBytes += 1 + varintBytes(ringfenceTo - ringfenceFrom) + ringfenceTo - ringfenceFrom;

  const idFieldBytes = id === 0 ? 0 : 1 + varintBytes(id);
  const payloadBytes = idFieldBytes + 1 + varintBytes(bodyBytes) + bodyBytes;
  let pos = putPrefix(out, offset, payloadBytes, id, bodyBytes);
  if (actionWire !== 0) {
    out[pos++] = TAG_DECISION_ACTION;
    pos = putVarint(out, pos, actionWire);
  }
  pos = putBytes(out, putStringHead(out, pos, TAG_DECISION_POLICY, idBytes), bytes, idFrom, idTo);
  if (nameFrom >= 0) {
    pos = putBytes(out, putStringHead(out, pos, TAG_DECISION_POLICY_NAME, nameTo - nameFrom), bytes, nameFrom, nameTo);
  }
  out[pos++] = TAG_DECISION_ORDER;
  pos = putVarint(out, pos, zigzagOrder);
  if (appFrom >= 0) {
    pos = putBytes(out, putStringHead(out, pos, TAG_DECISION_APPLICATION, appTo - appFrom), bytes, appFrom, appTo);
  }
  if (mode.structure !== 0) {
    out[pos++] = TAG_DECISION_STRUCTURE;
    pos = putVarint(out, pos, mode.structure);
  }
  if (mode.builtInsFirst) {
    out[pos++] = TAG_DECISION_BUILT_INS_FIRST;
    out[pos++] = 1;
  }
  for (let i = 0; i < gated.length; i++) pos = putString(out, pos, TAG_DECISION_GATED, gated[i] as string);
  if (writing.snapshotVersion !== null) {
    out[pos++] = TAG_DECISION_SNAPSHOT_VERSION;
    pos = putVarint(out, pos, writing.snapshotVersion);
  }
  pos = putStringHead(out, pos, TAG_DECISION_REASON, reasonBytes);
  pos = putAll(out, pos, actionText);
  pos = putAll(out, pos, REASON_BY_POLICY);
  pos = putBytes(out, pos, bytes, idFrom, idTo);
  pos = putAll(out, pos, REASON_ORDER);
  pos = putDecimal(out, pos, order, orderChars);
  if (isDefault) {
    pos = putAll(out, pos, REASON_DEFAULT);
  } else {
    pos = putAll(out, pos, REASON_APPLICATION);
    pos = appFrom < 0 ? putAll(out, pos, REASON_NO_APPLICATION) : putBytes(out, pos, bytes, appFrom, appTo);
    pos = putAll(out, pos, REASON_MODE);
  }
  pos = putAll(out, pos, mode.text);
  pos = putAll(out, pos, REASON_END);
  if (ringfenceFrom >= 0) {
    const length = ringfenceTo - ringfenceFrom;
    pos = putBytes(out, putStringHead(out, pos, TAG_DECISION_RINGFENCE, length), bytes, ringfenceFrom, ringfenceTo);
  }
  return pos;
}
