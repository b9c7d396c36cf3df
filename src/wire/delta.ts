/**
 * Signed deltas between snapshot versions (docs/PROTOCOL.md) and the view
 * hash they are anchored to.
 *
 * A view's encoding is cut into records (key, length and bytes of each field
 * of the ComputerView message): the records of `policies` and `applications`
 * one per entry, with the entry's id, and those of every other field grouped
 * by field number. The view hash is the SHA-256 of the records in field-number
 * order (entries in list order): for a snapshot tollgate wrote, exactly the
 * bytes of its `view` field. A delta carries the entries it puts as bytes,
 * and the agent splices those very bytes into the records it holds, so that
 * server and agent hash the same bytes without either re-encoding a view.
 */
import { createHash, type KeyObject } from 'node:crypto';
import type $protobuf from 'protobufjs/minimal.js';
import { TollgateError } from '../engine/errors.js';
import type { Application } from '../engine/model.js';
import type { ComputerView, ViewPolicy } from '../engine/view.js';
import {
  checkIssuedAt,
  applicationFromWire,
  approvalPolicyFromWire,
  badMessage,
  checkUint32,
  computerFromWire,
  gateFromWire,
  permitTargetCodec,
  policyFromWire,
  requireText,
  settingsFromWire,
  checkViewSettings,
  structureCodec,
} from './codec.js';
import { WIRE, pb, protobuf } from './proto.js';
import { decodeEnvelope, openEnvelope, seal, type VerificationKeys } from './signed.js';
import { KEY_ID_HEX_CHARS } from './signing.js';

/** Bytes of a view hash (SHA-256). */
export const VIEW_HASH_BYTES = 32;

/** The largest SignedDelta an agent opens by default; a larger one is refused ('delta-too-large'). */
export const DEFAULT_MAX_DELTA_BYTES = 64 * 1024 * 1024;

/** ComputerView field numbers (proto/tollgate.proto). */
export const VIEW_FIELDS = Object.freeze({
  computer: 1,
  orgStructure: 2,
  modules: 3,
  policies: 4,
  applications: 5,
  settings: 6,
  gates: 7,
  approvalPolicies: 8,
  permitTarget: 9,
  instructions: 10,
  escalationEmails: 11,
  approvalWarnings: 12,
});

/** The fields a delta may replace whole: every field of the view but the two lists it changes by entry. */
const REPLACEABLE = new Set([1, 2, 3, 6, 7, 8, 9, 10, 11, 12]);

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const START_GROUP = 3;
const END_GROUP = 4;
const I32 = 5;

/** How deep groups may nest, as protobufjs bounds it (Reader.recursionLimit): deeper is malformed. */
const MAX_GROUP_DEPTH = 100;

type Reader = $protobuf.Reader;

// ----------------------------------------------------------------- records

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function truncated(at: string): TollgateError {
  return badMessage(at, 'is truncated (a varint runs past the end)');
}

/**
 * A varint of at most 5 bytes whose last byte is at most `lastMax`, read as
 * protobufjs reads a field's key (`lastMax` 15: below 2^32) or a length (7:
 * below 2^31); the position after it is stored in `cursor.pos`.
 */
function shortVarintAt(buf: Buffer, cursor: { pos: number }, end: number, lastMax: number, at: string): number {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    if (cursor.pos >= end) throw truncated(at);
    const byte = buf[cursor.pos++]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) return value;
  }
  if (cursor.pos >= end) throw truncated(at);
  const last = buf[cursor.pos++]!;
  if (last > lastMax) {
    throw badMessage(at, `holds a ${lastMax === 15 ? 'field key' : 'length'} longer than protobuf reads (5 bytes)`);
  }
  return value + last * 2 ** 28;
}

/** Where one record lies in `buf`: [start, end), its value from valueStart (after the length for LEN). */
interface Span {
  buf: Buffer;
  start: number;
  valueStart: number;
  end: number;
}

/**
 * Skips the value of a field of `wireType` whose key ends at `cursor.pos`,
 * as protobufjs skips an unknown field (Reader.skipType): a varint of any
 * length, a group up to the end-group key of its own field (groups nested up
 * to MAX_GROUP_DEPTH). Returns where the value starts (after the length for
 * LEN); 'bad-message' naming `at` for malformed bytes.
 */
function skipValue(
  buf: Buffer,
  cursor: { pos: number },
  end: number,
  field: number,
  wireType: number,
  depth: number,
  at: string,
): number {
  if (depth > MAX_GROUP_DEPTH) throw badMessage(at, `nests groups deeper than ${MAX_GROUP_DEPTH} levels`);
  let valueStart = cursor.pos;
  switch (wireType) {
    case VARINT:
      do {
        if (cursor.pos >= end) throw truncated(at);
      } while (buf[cursor.pos++]! & 0x80);
      break;
    case I64:
      cursor.pos += 8;
      break;
    case I32:
      cursor.pos += 4;
      break;
    case LEN: {
      const length = shortVarintAt(buf, cursor, end, 7, at);
      valueStart = cursor.pos;
      cursor.pos += length;
      break;
    }
    case START_GROUP:
      for (;;) {
        const key = shortVarintAt(buf, cursor, end, 15, at);
        const inner = Math.floor(key / 8);
        if (inner === 0) throw badMessage(at, 'holds an invalid field number 0');
        if (key % 8 === END_GROUP) {
          if (inner !== field) throw badMessage(at, `field ${field}'s group is ended by the key of field ${inner}`);
          break;
        }
        skipValue(buf, cursor, end, inner, key % 8, depth + 1, at);
      }
      break;
    case END_GROUP:
      throw badMessage(at, `field ${field} ends a group that was not started`);
    default:
      throw badMessage(at, `field ${field} has wire type ${wireType}, which protobuf does not have`);
  }
  if (cursor.pos > end) throw badMessage(at, `field ${field} runs past the end`);
  return valueStart;
}

/**
 * Calls `each` for every record of the message in buf[from, to), without
 * allocating per record; 'bad-message' naming `at` for malformed bytes.
 * Records are split as protobufjs reads them: a field's key of at most 5
 * bytes, a length of at most 5, a group one record (from its start key to
 * its end key).
 */
function scan(
  buf: Buffer,
  from: number,
  to: number,
  at: string,
  each: (field: number, wireType: number, start: number, valueStart: number, end: number) => void,
): void {
  const cursor = { pos: from };
  while (cursor.pos < to) {
    const start = cursor.pos;
    const key = shortVarintAt(buf, cursor, to, 15, at);
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (field === 0) throw badMessage(at, 'holds an invalid field number 0');
    const valueStart = skipValue(buf, cursor, to, field, wireType, 0, at);
    each(field, wireType, start, valueStart, cursor.pos);
  }
}

/** The id of a Policy or Application message in buf[from, to) (field 1; the last one wins, as decoding merges). */
function entryId(buf: Buffer, from: number, to: number, at: string): string {
  let id = '';
  scan(buf, from, to, at, (field, wireType, _start, valueStart, end) => {
    if (field === 1 && wireType === LEN) id = buf.toString('utf8', valueStart, end);
  });
  return id;
}

function varintBytes(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/** A LEN record of `field` holding `value`, as a span of its own buffer. */
function lenRecord(field: number, value: Uint8Array): Span {
  const head = [...varintBytes(field * 8 + LEN), ...varintBytes(value.length)];
  const buf = Buffer.allocUnsafe(head.length + value.length);
  buf.set(head, 0);
  buf.set(value, head.length);
  return { buf, start: 0, valueStart: head.length, end: buf.length };
}

// -------------------------------------------------------------- view parts

/** An entry of the view's policies or applications: its id and where its record is. */
export interface ViewEntry extends Span {
  id: string;
}

/** A view's encoding cut into what a delta changes (see the module comment). */
export interface ViewParts {
  /** The records of every field but policies and applications, by field number. */
  fields: Map<number, Span[]>;
  policies: ViewEntry[];
  applications: ViewEntry[];
  /** The encoding's size. */
  bytes: number;
}

/** Cuts the bytes of a ComputerView message into parts (no copy: the parts point into them); 'bad-message' for malformed bytes. */
export function viewParts(viewBytes: Uint8Array, at = 'view'): ViewParts {
  const buf = asBuffer(viewBytes);
  const parts: ViewParts = { fields: new Map(), policies: [], applications: [], bytes: buf.length };
  scan(buf, 0, buf.length, at, (field, wireType, start, valueStart, end) => {
    if ((field === VIEW_FIELDS.policies || field === VIEW_FIELDS.applications) && wireType === LEN) {
      const list = field === VIEW_FIELDS.policies ? parts.policies : parts.applications;
      list.push({ id: entryId(buf, valueStart, end, `${at}.entries`), buf, start, valueStart, end });
      return;
    }
    let list = parts.fields.get(field);
    if (list === undefined) parts.fields.set(field, (list = []));
    list.push({ buf, start, valueStart, end });
  });
  return parts;
}

/**
 * Where a field's records go: field-number order (the encoding), or hash
 * order, which is field-number order with the `computer` record (field 1)
 * moved last, so that computers whose views share every other record share
 * the hash of those records (docs/PROTOCOL.md, "The view hash").
 */
function fieldRank(field: number, order: 'encoding' | 'hash'): number {
  return order === 'hash' && field === VIEW_FIELDS.computer ? Number.MAX_SAFE_INTEGER : field;
}

/**
 * The view's records in the given order (each field's records in list
 * order), as slices: records that lie next to each other in one buffer come
 * as one slice.
 */
function* orderedSlices(parts: ViewParts, order: 'encoding' | 'hash'): Generator<Buffer> {
  const numbers = [...parts.fields.keys(), VIEW_FIELDS.policies, VIEW_FIELDS.applications].sort(
    (a, b) => fieldRank(a, order) - fieldRank(b, order),
  );
  let run: Span | null = null;
  let runEnd = 0;
  for (const field of numbers) {
    const spans: readonly Span[] =
      field === VIEW_FIELDS.policies
        ? parts.policies
        : field === VIEW_FIELDS.applications
          ? parts.applications
          : (parts.fields.get(field) ?? []);
    for (const span of spans) {
      if (run !== null && run.buf === span.buf && runEnd === span.start) {
        runEnd = span.end;
        continue;
      }
      if (run !== null) yield run.buf.subarray(run.start, runEnd);
      run = span;
      runEnd = span.end;
    }
  }
  if (run !== null) yield run.buf.subarray(run.start, runEnd);
}

/** The view hash of a view's parts: SHA-256 over its records in hash order (`computer` last). */
export function partsHash(parts: ViewParts): Buffer {
  const hash = createHash('sha256');
  for (const slice of orderedSlices(parts, 'hash')) hash.update(slice);
  return hash.digest();
}

/** The encoding of a view's parts in field-number order (what an agent stores after a delta). */
export function partsBytes(parts: ViewParts): Buffer {
  const out = Buffer.allocUnsafe(parts.bytes);
  let at = 0;
  for (const slice of orderedSlices(parts, 'encoding')) {
    out.set(slice, at);
    at += slice.length;
  }
  if (at !== out.length) throw new TollgateError('internal', `the view's parts hold ${at} bytes, not ${out.length}`);
  return out;
}

/**
 * The view hash of the bytes of a ComputerView message: when its records are
 * already in field-number order (as tollgate writes them), the SHA-256 of the
 * bytes after the leading `computer` record, then of that record, without
 * cutting out the entries.
 */
export function viewHashOf(viewBytes: Uint8Array): Buffer {
  const buf = asBuffer(viewBytes);
  let last = 0;
  let ordered = true;
  let computerEnd = 0;
  scan(buf, 0, buf.length, 'view', (field, _wireType, _start, _valueStart, end) => {
    if (field < last) ordered = false;
    last = field;
    if (field === VIEW_FIELDS.computer) computerEnd = end;
  });
  if (!ordered) return partsHash(viewParts(buf));
  return orderedViewHash(buf, computerEnd);
}

/**
 * The view hash of the bytes of a ComputerView message whose records are in
 * field-number order (the caller has read them), its `computer` records
 * ending at `computerEnd` (0: none): what viewHashOf gives, without a scan.
 */
export function orderedViewHash(viewBytes: Uint8Array, computerEnd: number): Buffer {
  const hash = createHash('sha256');
  for (const part of orderedViewParts(viewBytes, computerEnd)) hash.update(part);
  return hash.digest();
}

/** What orderedViewHash hashes, one part after the other: views of `viewBytes`. */
export function orderedViewParts(viewBytes: Uint8Array, computerEnd: number): [Uint8Array, Uint8Array] {
  return [viewBytes.subarray(computerEnd), viewBytes.subarray(0, computerEnd)];
}

/** A view hash as lowercase hex (logs, docs). */
export function hashHex(hash: Uint8Array): string {
  return asBuffer(hash).toString('hex');
}

export function sameHash(a: Uint8Array | null | undefined, b: Uint8Array | null | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined || a.length !== b.length) return false;
  return asBuffer(a).equals(b);
}

/**
 * The bytes of the view of a SignedSnapshot (not verified: the caller's own,
 * or one it verified), from its payload's `view` field; 'bad-message' when
 * the payload has none. A `view` field given more than once is one view, the
 * records of each after those of the one before, as protobuf merges them.
 */
export function signedSnapshotViewBytes(signedSnapshot: Uint8Array): Uint8Array {
  const { payload } = decodeEnvelope('snapshot', (b) => pb().SignedSnapshot.decode(b), signedSnapshot);
  const buf = asBuffer(payload);
  const views: Buffer[] = [];
  scan(buf, 0, buf.length, 'snapshot', (field, wireType, _start, valueStart, end) => {
    if (field === 5 && wireType === LEN) views.push(buf.subarray(valueStart, end));
  });
  if (views.length === 0) throw badMessage('snapshot.view', 'is missing');
  return views.length === 1 ? views[0]! : Buffer.concat(views);
}

/** The view hash of a SignedSnapshot's view. */
export function signedSnapshotViewHash(signedSnapshot: Uint8Array): Buffer {
  return viewHashOf(signedSnapshotViewBytes(signedSnapshot));
}

// ------------------------------------------------------------------ deltas

/** An entry a delta puts: its index in the resulting list and its message bytes. */
export interface PutEntry {
  position: number;
  message: Uint8Array;
}

/** What a delta carries (see DeltaPayload in proto/tollgate.proto). */
export interface DeltaContent {
  computerId: string;
  baseVersion: number;
  baseViewHash: Uint8Array;
  version: number;
  settingsVersion: number;
  issuedAtMs: number;
  viewHash: Uint8Array;
  policies: PutEntry[];
  removedPolicies: string[];
  applications: PutEntry[];
  removedApplications: string[];
  /** ComputerView field numbers replaced whole, ascending. */
  replacedFields: number[];
  /** A ComputerView message holding the replaced fields' records. */
  replaced: Uint8Array;
}

/** How a list changes: entries put (with their position) and ids removed. */
interface ListChanges {
  put: { position: number; entry: ViewEntry }[];
  removed: string[];
}

/** The indices (into `seq`) of a longest strictly increasing subsequence. */
function longestIncreasing(seq: readonly number[]): Set<number> {
  const tails: number[] = [];
  const previous = new Array<number>(seq.length).fill(-1);
  for (let i = 0; i < seq.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seq[tails[mid]!]! < seq[i]!) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[i] = tails[lo - 1]!;
    tails[lo] = i;
  }
  const kept = new Set<number>();
  for (let i = tails.length === 0 ? -1 : tails[tails.length - 1]!; i !== -1; i = previous[i]!) kept.add(i);
  return kept;
}

/** Whether two records hold the same bytes (compared in place). */
function sameSpan(a: Span, b: Span): boolean {
  // Views encoded from shared bodies share their unchanged entries' records.
  if (a === b) return true;
  return a.end - a.start === b.end - b.start && a.buf.compare(b.buf, b.start, b.end, a.start, a.end) === 0;
}

/** Whether a list of entries repeats an id (kept per list: a body's lists are diffed many times). */
function repeatsId(list: readonly ViewEntry[]): boolean {
  let repeats = repeatedIds.get(list);
  if (repeats === undefined) {
    const ids = new Set<string>();
    for (const entry of list) ids.add(entry.id);
    repeats = ids.size !== list.length;
    repeatedIds.set(list, repeats);
  }
  return repeats;
}

const repeatedIds = new WeakMap<readonly ViewEntry[], boolean>();

/** Notes that a list of entries repeats no id (the caller knows it: a validated world's), sparing the diff its check. */
export function noteUniqueIds(list: readonly ViewEntry[]): void {
  repeatedIds.set(list, false);
}

/** Whether two entries are the same entry with the same record. */
function sameEntry(a: ViewEntry, b: ViewEntry): boolean {
  return a === b || (a.id === b.id && sameSpan(a, b));
}

/**
 * The changes from one list to the next: ids removed, and entries put
 * (added, changed, or moved: an entry out of the order the others keep is
 * removed and put again). Null when either list repeats an id.
 */
function listChanges(base: readonly ViewEntry[], next: readonly ViewEntry[]): ListChanges | null {
  if (repeatsId(base) || repeatsId(next)) return null;
  // Bodies made one from another share the lists that did not change.
  if (base === next) return { put: [], removed: [] };
  // The same entries at the start and at the end of both lists are not changes (and any longest run in
  // order keeps them), so only what lies between is compared by id: for a change of a few entries, a
  // walk of the lists without a map.
  const shorter = Math.min(base.length, next.length);
  let from = 0;
  while (from < shorter && sameEntry(base[from]!, next[from]!)) from++;
  let baseTo = base.length;
  let nextTo = next.length;
  while (baseTo > from && nextTo > from && sameEntry(base[baseTo - 1]!, next[nextTo - 1]!)) {
    baseTo--;
    nextTo--;
  }
  const baseIndex = new Map<string, number>();
  for (let i = from; i < baseTo; i++) baseIndex.set(base[i]!.id, i);
  const nextIds = new Set<string>();
  for (let i = from; i < nextTo; i++) nextIds.add(next[i]!.id);
  const removed: string[] = [];
  for (let i = from; i < baseTo; i++) if (!nextIds.has(base[i]!.id)) removed.push(base[i]!.id);
  // Entries in both lists, in the next order, by their base index: those off a longest increasing run moved.
  const common: number[] = [];
  const commonAt: number[] = [];
  for (let i = from; i < nextTo; i++) {
    const at = baseIndex.get(next[i]!.id);
    if (at !== undefined) {
      common.push(at);
      commonAt.push(i);
    }
  }
  let inOrder = true;
  for (let i = 1; i < common.length && inOrder; i++) inOrder = common[i - 1]! < common[i]!;
  const moved = new Set<number>();
  if (!inOrder) {
    const kept = longestIncreasing(common);
    for (let i = 0; i < common.length; i++) if (!kept.has(i)) moved.add(commonAt[i]!);
  }
  const put: ListChanges['put'] = [];
  for (let i = from; i < nextTo; i++) {
    const entry = next[i]!;
    const at = baseIndex.get(entry.id);
    if (at === undefined) put.push({ position: i, entry });
    else if (moved.has(i)) {
      removed.push(entry.id);
      put.push({ position: i, entry });
    } else if (!sameSpan(base[at]!, entry)) put.push({ position: i, entry });
  }
  return { put, removed };
}

function sameRecords(a: readonly Span[] | undefined, b: readonly Span[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((r, i) => sameSpan(r, y[i]!));
}

/** The message bytes of an entry. */
function messageOf(entry: Span): Uint8Array {
  return entry.buf.subarray(entry.valueStart, entry.end);
}

/** The header of a delta: everything but the changes. */
export type DeltaHeader = Pick<
  DeltaContent,
  'computerId' | 'baseVersion' | 'baseViewHash' | 'version' | 'settingsVersion' | 'issuedAtMs' | 'viewHash'
>;

/**
 * The delta from the view of `base` to the view of `next`; null when the two
 * cannot be told apart entry by entry (an id repeated in a list) or a field
 * beyond the view's (from a newer .proto) changed.
 */
export function diffViews(base: ViewParts, next: ViewParts, header: DeltaHeader): DeltaContent | null {
  const policies = listChanges(base.policies, next.policies);
  const applications = listChanges(base.applications, next.applications);
  if (policies === null || applications === null) return null;
  const replacedFields: number[] = [];
  const replacedRecords: Buffer[] = [];
  const numbers = new Set([...base.fields.keys(), ...next.fields.keys()]);
  for (const field of [...numbers].sort((a, b) => a - b)) {
    if (sameRecords(base.fields.get(field), next.fields.get(field))) continue;
    if (!REPLACEABLE.has(field)) return null;
    replacedFields.push(field);
    for (const r of next.fields.get(field) ?? []) replacedRecords.push(r.buf.subarray(r.start, r.end));
  }
  return {
    ...header,
    policies: policies.put.map((p) => ({ position: p.position, message: messageOf(p.entry) })),
    removedPolicies: policies.removed,
    applications: applications.put.map((p) => ({ position: p.position, message: messageOf(p.entry) })),
    removedApplications: applications.removed,
    replacedFields,
    replaced: Buffer.concat(replacedRecords),
  };
}

/** An empty header, for diffing bodies whose changes are shared by several computers' deltas. */
export const NO_DELTA_HEADER: DeltaHeader = Object.freeze({
  computerId: '',
  baseVersion: 0,
  baseViewHash: new Uint8Array(0),
  version: 0,
  settingsVersion: 0,
  issuedAtMs: 0,
  viewHash: new Uint8Array(0),
});

function checkHash(hash: Uint8Array, at: string): Uint8Array {
  if (hash.length !== VIEW_HASH_BYTES)
    throw badMessage(at, `is ${hash.length} bytes, not a SHA-256 (${VIEW_HASH_BYTES})`);
  return hash;
}

/** A DeltaPayload's bytes; the entries are written exactly as given. */
export function encodeDeltaPayload(delta: DeltaContent): Uint8Array {
  return joinDeltaPayload(delta, encodeDeltaChanges(delta));
}

/** What a delta changes: everything but its header. */
export type DeltaChanges = Omit<DeltaContent, keyof DeltaHeader>;

/**
 * The records of a DeltaPayload after its header (fields 9 to 16: the
 * entries put and removed, the fields replaced), written exactly as given:
 * the same for every computer whose delta makes the same changes, so a
 * change to thousands of computers encodes them once per pair of bodies.
 */
export function encodeDeltaChanges(changes: DeltaChanges): Uint8Array {
  const w = protobuf().Writer.create();
  const key = (field: number, wireType: number): number => field * 8 + wireType;
  const list = (entries: PutEntry[], removed: string[], fields: [number, number, number]): void => {
    for (const e of entries) w.uint32(key(fields[0], LEN)).bytes(e.message);
    if (entries.length > 0) {
      w.uint32(key(fields[1], LEN)).fork();
      for (const e of entries) w.uint32(checkUint32(e.position, 'delta.position'));
      w.ldelim();
    }
    for (const id of removed) w.uint32(key(fields[2], LEN)).string(id);
  };
  list(changes.policies, changes.removedPolicies, [9, 10, 11]);
  list(changes.applications, changes.removedApplications, [12, 13, 14]);
  if (changes.replacedFields.length > 0) {
    w.uint32(key(15, LEN)).fork();
    for (const f of changes.replacedFields) w.uint32(f);
    w.ldelim();
    w.uint32(key(16, LEN)).bytes(changes.replaced);
  }
  return w.finish();
}

/** Writes protobuf records into a buffer sized beforehand (joinDeltaPayload, deltaServerMessage). */
class RecordWriter {
  at = 0;

  constructor(readonly out: Buffer) {}

  byte(value: number): void {
    this.out[this.at++] = value;
  }

  varint(value: number): void {
    this.at = writeVarint(this.out, this.at, value);
  }

  raw(bytes: Uint8Array): void {
    this.out.set(bytes, this.at);
    this.at += bytes.length;
  }

  text(value: string): void {
    this.at += this.out.write(value, this.at, 'utf8');
  }

  /** A length-delimited record: its key, its length, its bytes. */
  record(key: number, value: Uint8Array): void {
    this.byte(key);
    this.varint(value.length);
    this.raw(value);
  }
}

/**
 * A DeltaPayload's bytes: its header's records (fields 1 to 8, every one
 * written, in field order) followed by `changes` (encodeDeltaChanges), in
 * one buffer: byte for byte what one protobuf writer makes of the whole.
 */
export function joinDeltaPayload(header: DeltaHeader, changes: Uint8Array): Buffer {
  const baseVersion = checkUint32(header.baseVersion, 'delta.baseVersion');
  const baseViewHash = checkHash(header.baseViewHash, 'delta.baseViewHash');
  const version = checkUint32(header.version, 'delta.version');
  const settingsVersion = checkUint32(header.settingsVersion, 'delta.settingsVersion');
  const viewHash = checkHash(header.viewHash, 'delta.viewHash');
  const idBytes = Buffer.byteLength(header.computerId, 'utf8');
  const kind = WIRE.PayloadKind.PAYLOAD_KIND_DELTA;
  const length =
    1 +
    varintLength(idBytes) +
    idBytes +
    (1 + varintLength(baseVersion)) +
    (1 + varintLength(baseViewHash.length) + baseViewHash.length) +
    (1 + varintLength(version)) +
    (1 + varintLength(settingsVersion)) +
    (1 + 8) +
    (1 + varintLength(viewHash.length) + viewHash.length) +
    (1 + varintLength(kind)) +
    changes.length;
  const w = new RecordWriter(Buffer.allocUnsafe(length));
  w.byte(1 * 8 + LEN);
  w.varint(idBytes);
  w.text(header.computerId);
  w.byte(2 * 8 + VARINT);
  w.varint(baseVersion);
  w.record(3 * 8 + LEN, baseViewHash);
  w.byte(4 * 8 + VARINT);
  w.varint(version);
  w.byte(5 * 8 + VARINT);
  w.varint(settingsVersion);
  w.byte(6 * 8 + I64);
  w.at = w.out.writeDoubleLE(header.issuedAtMs, w.at);
  w.record(7 * 8 + LEN, viewHash);
  w.byte(8 * 8 + VARINT);
  w.varint(kind);
  w.raw(changes);
  if (w.at !== length) throw new TollgateError('internal', `a delta payload of ${w.at} bytes, not ${length}`);
  return w.out;
}

/** Encodes and signs a delta; returns the SignedDelta bytes. */
export function sealDelta(delta: DeltaContent, privateKey: KeyObject): Uint8Array {
  return pb()
    .SignedDelta.encode(seal(encodeDeltaPayload(delta), privateKey))
    .finish();
}

/**
 * The SignedDelta bytes of an encoded DeltaPayload and its Ed25519 signature
 * by the key `signerKeyId` names: what sealDelta makes when the payload is
 * signed elsewhere (the server's signing thread).
 */
export function signedDeltaBytes(payload: Uint8Array, signature: Uint8Array, signerKeyId: string): Uint8Array {
  return pb().SignedDelta.encode({ payload, signature, keyId: signerKeyId }).finish();
}

/**
 * The ServerMessage that carries the SignedDelta of an encoded payload and
 * its signature (field `delta`), written into one buffer: byte for byte what
 * encodeServerMessage makes of signedDeltaBytes' output, without the two
 * protobuf writers and copies per agent of a push. `signed` is the
 * SignedDelta within it.
 */
export function deltaServerMessage(
  payload: Uint8Array,
  signature: Uint8Array,
  signerKeyId: string,
): { message: Buffer; signed: Buffer } {
  const keyBytes = Buffer.byteLength(signerKeyId, 'utf8');
  // A field left out when empty, as protobufjs leaves it out.
  const field = (n: number): number => (n === 0 ? 0 : 1 + varintLength(n) + n);
  const signedLength = field(payload.length) + field(signature.length) + field(keyBytes);
  const head = 1 + varintLength(signedLength);
  const w = new RecordWriter(Buffer.allocUnsafe(head + signedLength));
  w.byte((6 << 3) | LEN);
  w.varint(signedLength);
  if (payload.length > 0) w.record((1 << 3) | LEN, payload);
  if (signature.length > 0) w.record((2 << 3) | LEN, signature);
  if (keyBytes > 0) {
    w.byte((3 << 3) | LEN);
    w.varint(keyBytes);
    w.text(signerKeyId);
  }
  return { message: w.out, signed: w.out.subarray(head) };
}

/** Ed25519 signature bytes. */
const SIGNATURE_BYTES = 64;

/** The length of the SignedDelta of a `payloadBytes`-byte payload (a key id of KEY_ID_HEX_CHARS), without signing. */
export function signedDeltaLength(payloadBytes: number): number {
  // Three length-delimited fields with one-byte keys: payload, signature, key id.
  return 1 + varintLength(payloadBytes) + payloadBytes + 2 + SIGNATURE_BYTES + 2 + KEY_ID_HEX_CHARS;
}

/** The bytes of `value` as a protobuf varint. */
export function varintLength(value: number): number {
  let n = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return n;
}

/** Writes `value` as a protobuf varint at `at`; returns the offset after it. */
export function writeVarint(buf: Uint8Array, at: number, value: number): number {
  let v = value;
  let pos = at;
  while (v >= 0x80) {
    buf[pos++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[pos++] = v;
  return pos;
}

/** A generated decoder, called as a generated decoder calls it for a message field: on its reader, `depth` levels down. */
type NestedDecode = (reader: Reader, length: number, end: undefined, depth: number) => unknown;

/**
 * The bytes of the message field at the reader's position (after its key),
 * checked as the generated DeltaPayload decoder reads it (`decode`, one level
 * down) but not kept as an object: the entries and `replaced` are used as the
 * bytes they were sent as.
 */
function messageBytes(reader: Reader, decode: NestedDecode): Uint8Array {
  const length = reader.size();
  const from = reader.pos;
  decode(reader, length, undefined, 1);
  return reader.buf.subarray(from, from + length);
}

/**
 * Decodes a DeltaPayload (whose signature the caller verified); 'bad-message'
 * naming the field at fault. The payload is read exactly as the generated
 * decoder (`pb().DeltaPayload.decode`) reads it, with protobufjs's reader:
 * a field of another wire type than its number's is skipped as unknown, as
 * are groups; a uint32 keeps the low 32 bits of its varint; a repeated uint32
 * is packed or not; a string must be UTF-8; a message field given twice is
 * merged (the `replaced` occurrences one after the other); every entry and
 * `replaced` must decode. Bytes it does not decode are 'bad-message'
 * (`delta: undecodable payload: ...`).
 */
export function decodeDeltaPayload(payload: Uint8Array): DeltaContent {
  let computerId = '';
  let baseVersion = 0;
  let baseViewHash: Uint8Array = new Uint8Array(0);
  let version = 0;
  let settingsVersion = 0;
  let issuedAtMs = 0;
  let viewHash: Uint8Array = new Uint8Array(0);
  let kind = 0;
  const policies: Uint8Array[] = [];
  const policyPositions: number[] = [];
  const removedPolicies: string[] = [];
  const applications: Uint8Array[] = [];
  const applicationPositions: number[] = [];
  const removedApplications: string[] = [];
  const replacedFields: number[] = [];
  const replacedParts: Uint8Array[] = [];
  try {
    const reader = protobuf().Reader.create(asBuffer(payload));
    const messages = pb();
    const decodePolicy = messages.Policy.decode.bind(messages.Policy) as unknown as NestedDecode;
    const decodeApplication = messages.Application.decode.bind(messages.Application) as unknown as NestedDecode;
    const decodeView = messages.ComputerView.decode.bind(messages.ComputerView) as unknown as NestedDecode;
    while (reader.pos < reader.len) {
      const tag = reader.tag();
      const wireType = tag & 7;
      const field = tag >>> 3;
      switch (field) {
        case 1:
          if (wireType !== LEN) break;
          computerId = reader.stringVerify();
          continue;
        case 2:
          if (wireType !== VARINT) break;
          baseVersion = reader.uint32();
          continue;
        case 3:
          if (wireType !== LEN) break;
          baseViewHash = reader.bytes();
          continue;
        case 4:
          if (wireType !== VARINT) break;
          version = reader.uint32();
          continue;
        case 5:
          if (wireType !== VARINT) break;
          settingsVersion = reader.uint32();
          continue;
        case 6:
          if (wireType !== I64) break;
          issuedAtMs = reader.double();
          continue;
        case 7:
          if (wireType !== LEN) break;
          viewHash = reader.bytes();
          continue;
        case 8:
          if (wireType !== VARINT) break;
          kind = reader.int32();
          continue;
        case 9:
          if (wireType !== LEN) break;
          policies.push(messageBytes(reader, decodePolicy));
          continue;
        case 11:
          if (wireType !== LEN) break;
          removedPolicies.push(reader.stringVerify());
          continue;
        case 12:
          if (wireType !== LEN) break;
          applications.push(messageBytes(reader, decodeApplication));
          continue;
        case 14:
          if (wireType !== LEN) break;
          removedApplications.push(reader.stringVerify());
          continue;
        case 16:
          if (wireType !== LEN) break;
          replacedParts.push(messageBytes(reader, decodeView));
          continue;
        case 10:
        case 13:
        case 15: {
          const list = field === 10 ? policyPositions : field === 13 ? applicationPositions : replacedFields;
          if (wireType === LEN) reader.uint32s(list);
          else if (wireType === VARINT) list.push(reader.uint32());
          else break;
          continue;
        }
      }
      reader.skipType(wireType, 0, field);
    }
  } catch (error) {
    if (error instanceof TollgateError) throw error;
    throw badMessage('delta', `undecodable payload: ${(error as Error).message}`, error);
  }
  const replaced = replacedParts.length === 1 ? replacedParts[0]! : Buffer.concat(replacedParts);
  const deltaKind: number = WIRE.PayloadKind.PAYLOAD_KIND_DELTA;
  if (kind !== deltaKind) {
    throw badMessage('delta.kind', `is ${kind}, not a delta (${deltaKind})`);
  }
  requireText(computerId, 'delta.computerId');
  checkIssuedAt(issuedAtMs, 'delta');
  checkHash(baseViewHash, 'delta.baseViewHash');
  checkHash(viewHash, 'delta.viewHash');
  const positioned = (messages: Uint8Array[], positions: number[], at: string): PutEntry[] => {
    if (positions.length !== messages.length) {
      throw badMessage(`delta.${at}Positions`, `has ${positions.length} positions for ${messages.length} entries`);
    }
    return messages.map((message, i) => ({ position: positions[i]!, message }));
  };
  const seen = new Set<number>();
  for (const f of replacedFields) {
    if (!REPLACEABLE.has(f)) throw badMessage('delta.replacedFields', `field ${f} cannot be replaced whole`);
    if (seen.has(f)) throw badMessage('delta.replacedFields', `lists field ${f} twice`);
    seen.add(f);
  }
  return {
    computerId,
    baseVersion,
    baseViewHash,
    version,
    settingsVersion,
    issuedAtMs,
    viewHash,
    policies: positioned(policies, policyPositions, 'policy'),
    removedPolicies,
    applications: positioned(applications, applicationPositions, 'application'),
    removedApplications,
    replacedFields,
    replaced,
  };
}

/**
 * Verifies and decodes a SignedDelta: larger than `maxBytes` is
 * 'delta-too-large' (before anything is read); otherwise errors as for
 * openSnapshot ('bad-message', 'unknown-key', 'bad-signature').
 */
export function openDelta(
  bytes: Uint8Array,
  keys: VerificationKeys,
  options: { maxBytes?: number } = {},
): DeltaContent & { keyId: string } {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DELTA_BYTES;
  if (bytes.length > maxBytes) {
    throw new TollgateError('delta-too-large', `the delta is ${bytes.length} bytes; at most ${maxBytes}`);
  }
  const opened = openEnvelope('delta', (b) => pb().SignedDelta.decode(b), bytes, keys);
  return { ...decodeDeltaPayload(opened.payload), keyId: opened.keyId };
}

/** Decodes a SignedDelta WITHOUT checking its signature: as openStoredSnapshotUnverified, for a stored delta. */
export function openStoredDeltaUnverified(bytes: Uint8Array): DeltaContent & { keyId: string } {
  const envelope = decodeEnvelope('delta', (b) => pb().SignedDelta.decode(b), bytes);
  return { ...decodeDeltaPayload(envelope.payload), keyId: envelope.keyId };
}

// --------------------------------------------------------------- applying

/** The error of a delta that does not fit the view it names as its base: the agent asks for the full snapshot. */
function inapplicable(problem: string): TollgateError {
  return new TollgateError('delta-inapplicable', `the delta does not apply to the view held: ${problem}`);
}

/**
 * Applies list changes: the removed ids go, an entry put whose id remains
 * replaces it in place, the others are inserted at their positions (in
 * ascending order); then every entry put must sit at its position.
 */
function applyList<T>(
  list: readonly T[],
  idOf: (item: T) => string,
  removed: readonly string[],
  put: readonly { position: number; id: string; item: T }[],
  what: string,
): T[] {
  const gone = new Set(removed);
  const kept: T[] = [];
  const index = new Map<string, number>();
  let removedCount = 0;
  for (const item of list) {
    const id = idOf(item);
    if (gone.has(id)) {
      removedCount++;
      continue;
    }
    index.set(id, kept.length);
    kept.push(item);
  }
  if (removedCount !== gone.size || gone.size !== removed.length) {
    throw inapplicable(`it removes ${what} the view does not hold (or one twice)`);
  }
  const inserts: { position: number; item: T }[] = [];
  for (const p of put) {
    const at = index.get(p.id);
    if (at === undefined) inserts.push(p);
    else kept[at] = p.item;
  }
  inserts.sort((a, b) => a.position - b.position);
  const out: T[] = [];
  let k = 0;
  for (const insert of inserts) {
    if (insert.position < out.length) throw inapplicable(`two ${what} are put at position ${insert.position}`);
    while (out.length < insert.position && k < kept.length) out.push(kept[k++]!);
    if (out.length !== insert.position)
      throw inapplicable(`position ${insert.position} is past the end of the ${what}`);
    out.push(insert.item);
  }
  while (k < kept.length) out.push(kept[k++]!);
  for (const p of put) {
    const item = out[p.position];
    if (item === undefined || idOf(item) !== p.id) {
      throw inapplicable(`${what} ${p.id} does not end at its position ${p.position}`);
    }
  }
  return out;
}

/** The parts of the view a delta produces from `base` (the caller checks the hash). */
export function applyDeltaToParts(base: ViewParts, delta: DeltaContent): ViewParts {
  const entries = (puts: PutEntry[], field: number, what: string) =>
    puts.map((p, i) => {
      const span = lenRecord(field, p.message);
      const id = entryId(span.buf, span.valueStart, span.end, `delta.${what}[${i}]`);
      return { position: p.position, id, item: { id, ...span } };
    });
  const fields = new Map(base.fields);
  for (const f of delta.replacedFields) fields.delete(f);
  const replaced = asBuffer(delta.replaced);
  scan(replaced, 0, replaced.length, 'delta.replaced', (field, _wireType, start, valueStart, end) => {
    if (!delta.replacedFields.includes(field)) {
      throw badMessage('delta.replaced', `holds field ${field}, which replacedFields does not list`);
    }
    let list = fields.get(field);
    if (list === undefined) fields.set(field, (list = []));
    list.push({ buf: replaced, start, valueStart, end });
  });
  const policies = applyList(
    base.policies,
    (e) => e.id,
    delta.removedPolicies,
    entries(delta.policies, VIEW_FIELDS.policies, 'policies'),
    'policies',
  );
  const applications = applyList(
    base.applications,
    (e) => e.id,
    delta.removedApplications,
    entries(delta.applications, VIEW_FIELDS.applications, 'applications'),
    'applications',
  );
  let bytes = 0;
  for (const list of fields.values()) for (const r of list) bytes += r.end - r.start;
  for (const e of policies) bytes += e.end - e.start;
  for (const e of applications) bytes += e.end - e.start;
  return { fields, policies, applications, bytes };
}

function decodeWith<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof TollgateError) throw error;
    throw badMessage(what, `undecodable: ${(error as Error).message}`, error);
  }
}

/**
 * The view a delta produces from `view` (a copy: `view` is not changed;
 * entries it does not touch are shared). Errors: 'bad-message' naming the
 * field for content that does not convert, 'delta-inapplicable' when the
 * changes do not fit the view.
 */
export function applyDeltaToView(view: ComputerView, delta: DeltaContent): ComputerView {
  const policies = applyList<ViewPolicy>(
    view.policies,
    (p) => p.id,
    delta.removedPolicies,
    delta.policies.map((p, i) => {
      const at = `delta.policies[${i}]`;
      const item = policyFromWire(
        decodeWith(at, () => pb().Policy.decode(p.message)),
        at,
      );
      return { position: p.position, id: item.id, item };
    }),
    'policies',
  );
  const applications = applyList<Application>(
    view.applications,
    (a) => a.id,
    delta.removedApplications,
    delta.applications.map((a, i) => {
      const at = `delta.applications[${i}]`;
      const item = applicationFromWire(
        decodeWith(at, () => pb().Application.decode(a.message)),
        at,
      );
      return { position: a.position, id: item.id, item };
    }),
    'applications',
  );
  const next: ComputerView = { ...view, policies, applications };
  if (delta.replacedFields.length === 0) return next;
  const r = decodeWith('delta.replaced', () => pb().ComputerView.decode(delta.replaced));
  const at = 'delta.replaced';
  for (const field of delta.replacedFields) {
    switch (field) {
      case VIEW_FIELDS.computer:
        next.computer = computerFromWire(r.computer, `${at}.computer`);
        // As for a snapshot (decodeSnapshotPayload): the view is of the computer the delta names.
        if (next.computer.id !== delta.computerId) {
          throw badMessage(`${at}.computer.id`, `is ${next.computer.id}, but the delta is for ${delta.computerId}`);
        }
        break;
      case VIEW_FIELDS.orgStructure:
        next.orgStructure = structureCodec.fromWire(r.orgStructure, `${at}.orgStructure`);
        break;
      case VIEW_FIELDS.modules:
        next.modules = [...r.modules];
        break;
      case VIEW_FIELDS.settings: {
        const settings = settingsFromWire(r.settings, `${at}.settings`);
        checkViewSettings(settings.values, `${at}.settings`, settings.sources);
        next.settings = settings.values;
        next.settingSources = settings.sources;
        break;
      }
      case VIEW_FIELDS.gates:
        next.gates = r.gates.map((g, i) => gateFromWire(g, `${at}.gates[${i}]`));
        break;
      case VIEW_FIELDS.approvalPolicies:
        next.approvalPolicies = r.approvalPolicies.map((p, i) =>
          approvalPolicyFromWire(p, `${at}.approvalPolicies[${i}]`),
        );
        break;
      case VIEW_FIELDS.permitTarget:
        next.permitTarget = permitTargetCodec.fromWire(r.permitTarget, `${at}.permitTarget`);
        break;
      case VIEW_FIELDS.instructions:
        next.instructions = r.instructions;
        break;
      case VIEW_FIELDS.escalationEmails:
        next.escalationEmails = [...r.escalationEmails];
        break;
      case VIEW_FIELDS.approvalWarnings:
        next.approvalWarnings = [...r.approvalWarnings];
        break;
    }
  }
  return next;
}
