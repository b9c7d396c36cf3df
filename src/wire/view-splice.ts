/**
 * A computer's view encoded from its shared body (docs/PROTOCOL.md, "Encoding
 * a view once per body"): the records of every ComputerView field but
 * `computer` are written once per body, each policy and application record
 * once per entry object (bodies that hold the same entry share its bytes),
 * and a computer's view is its own `computer` record followed by the body's
 * bytes. The result is byte for byte what protobufjs writes for the whole
 * view (the fields in field-number order), so view hashes and signatures do
 * not depend on which encoder made a snapshot.
 */
import { createHash, type Hash, type KeyObject } from 'node:crypto';
import type { Application } from '../engine/model.js';
import { type ComputerView, EMPTY_VIEW_BODY, type ViewPolicy } from '../engine/view.js';
import { applicationToWire, checkUint32, policyToWire, viewToWire } from './codec.js';
import {
  VIEW_FIELDS,
  type ViewEntry,
  type ViewParts,
  noteUniqueIds,
  varintLength,
  viewParts,
  writeVarint,
} from './delta.js';
import { WIRE, pb, protobuf } from './proto.js';
import { keyId, signBytes } from './signing.js';

const LEN = 2;
/** Ed25519 signature bytes, and the key id's characters (signing.ts). */
const SIGNATURE_BYTES = 64;
const KEY_ID_CHARS = 16;

/** The part of a view shared by the computers that see the same entries. */
export type ViewBodyContent = Omit<ComputerView, 'computer'>;

/** A body's encoding: the records of fields 2 to 12 in field-number order, as slices and cut into parts. */
export interface EncodedBody {
  /**
   * The records of every field but `computer`, in field-number order, as a
   * few slices: records that lie next to each other in one buffer are one
   * slice (their concatenation is the body's encoding; it is not made).
   */
  readonly slices: readonly Buffer[];
  /** The encoding's bytes (the slices' lengths added). */
  readonly length: number;
  /** The same cut into parts (no `computer` field); the entries' spans point into buffers shared between bodies. */
  readonly parts: ViewParts;
  /** Tells this encoding apart from every other one of the process (not a content hash: cheaper). */
  readonly serial: number;
}

/**
 * Bytes of one buffer that entry records new to a body are written into,
 * one after the other in the body's order: a buffer is closed once it
 * holds this many or more (so it holds at most this and one record).
 * Bodies that list the same entries in the same order then hold them as
 * one slice; a buffer stays while one of its records is held, so this also
 * bounds what an unused record can keep.
 */
export const ENTRY_BATCH_BYTES = 64 * 1024;

/**
 * A buffer for entry records: over a SharedArrayBuffer, so that a thread
 * hashing a body (the server's signing thread) reads the records where they
 * are, rather than a copy of every body handed over.
 */
function recordBuffer(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size));
}

/** The body's encoding as one buffer (a copy of its slices). */
export function bodyBytes(body: EncodedBody): Buffer {
  return Buffer.concat(body.slices, body.length);
}

/** protobufjs's writer, which the generated encoders write into. */
type Writer = ReturnType<ReturnType<typeof protobuf>['Writer']['create']>;

/** Where a record written by RecordWriter goes once its buffer is made. */
interface NewRecord {
  id: string;
  /** The list its entry goes in and the position in it. */
  list: ViewEntry[];
  at: number;
  /** The entity it encodes, and the map that remembers its entry. */
  item: object;
  known: WeakMap<object, ViewEntry>;
}

/**
 * Writes LEN records one after the other into shared buffers of about
 * ENTRY_BATCH_BYTES, each as a ViewEntry pointing into its buffer. Each
 * record is encoded straight into its batch's writer, and a batch becomes
 * a buffer as soon as it is full, so what waits for its buffer is at most
 * one batch: a body's 190,000 messages, each encoded on its own and all
 * held until the end, outlived V8's young generation, and collecting them
 * took about as long as encoding them.
 */
class RecordWriter {
  private writer: Writer = protobuf().Writer.create();
  private pending: NewRecord[] = [];
  /** Each pending record's offset in the batch. */
  private starts: number[] = [];

  /** Adds a record of `field` whose message `encode` writes into the writer it is given. */
  add(field: number, encode: (writer: Writer) => Writer, record: NewRecord): void {
    const writer = this.writer;
    this.starts.push(writer.len);
    encode(writer.uint32(field * 8 + LEN).fork()).ldelim();
    this.pending.push(record);
    if (writer.len >= ENTRY_BATCH_BYTES) this.flush();
  }

  /** Writes the records added since the last flush. */
  flush(): void {
    const records = this.pending;
    if (records.length === 0) return;
    const bytes = this.writer.finish();
    const buf = recordBuffer(bytes.length);
    buf.set(bytes);
    const starts = this.starts;
    for (let k = 0; k < records.length; k++) {
      const r = records[k]!;
      const start = starts[k]!;
      const end = k + 1 < records.length ? starts[k + 1]! : buf.length;
      // The record's tag, then its length (varints both): its value is what follows them.
      let valueStart = start;
      while ((buf[valueStart++]! & 0x80) !== 0);
      while ((buf[valueStart++]! & 0x80) !== 0);
      const entry: ViewEntry = { id: r.id, buf, start, valueStart, end };
      r.list[r.at] = entry;
      r.known.set(r.item, entry);
    }
    this.writer = protobuf().Writer.create();
    this.pending = [];
    this.starts = [];
  }
}

/**
 * The body's records as slices, in field-number order: the head's and
 * tail's records, and the entries' records, those that follow each other
 * in one buffer joined into one slice.
 */
function joinedSlices(
  head: Buffer,
  policies: readonly ViewEntry[],
  applications: readonly ViewEntry[],
  tail: Buffer,
): Buffer[] {
  const slices: Buffer[] = [];
  let run: Buffer = head;
  let runStart = 0;
  let runEnd = head.length;
  const add = (buf: Buffer, start: number, end: number): void => {
    if (run === buf && runEnd === start) {
      runEnd = end;
      return;
    }
    if (runEnd > runStart) slices.push(run.subarray(runStart, runEnd));
    run = buf;
    runStart = start;
    runEnd = end;
  };
  for (const e of policies) add(e.buf, e.start, e.end);
  for (const e of applications) add(e.buf, e.start, e.end);
  add(tail, 0, tail.length);
  if (runEnd > runStart) slices.push(run.subarray(runStart, runEnd));
  return slices;
}

let bodySerial = 0;

const DUMMY_COMPUTER: ComputerView['computer'] = {
  id: 'x',
  name: null,
  group: 'x',
  groupName: '',
  org: 'x',
  os: 'windows',
  agentVersion: '',
};

/**
 * The records of a list's entries: an entry at the same place in the body
 * encoded last is found by a comparison, another by its entry object; the
 * rest are handed to `fresh` to be written (their places filled then).
 */
function entriesOf<T extends { id: string }>(
  list: readonly T[],
  last: { content: readonly T[]; entries: readonly ViewEntry[] } | null,
  known: WeakMap<T, ViewEntry>,
  field: number,
  encode: (item: T, i: number, writer: Writer) => Writer,
  fresh: RecordWriter,
): ViewEntry[] {
  const entries = new Array<ViewEntry>(list.length);
  for (let i = 0; i < list.length; i++) {
    const item = list[i]!;
    const entry = last?.content[i] === item ? last.entries[i] : known.get(item);
    if (entry !== undefined) entries[i] = entry;
    else fresh.add(field, (writer) => encode(item, i, writer), { id: item.id, list: entries, at: i, item, known });
  }
  return entries;
}

/**
 * Encodes views from shared bodies. Entry records are kept per entry object
 * (a WeakMap: they go with the objects), body encodings per body object.
 */
export class ViewSplicer {
  private readonly policies = new WeakMap<ViewPolicy, ViewEntry>();
  private readonly applications = new WeakMap<Application, ViewEntry>();
  private readonly bodies = new WeakMap<object, EncodedBody>();
  /** The records of each body's fields that are not lists of entries: before the entries and after them. */
  private readonly ends = new WeakMap<EncodedBody, { head: Buffer; tail: Buffer }>();
  /** The body encoded last, with its entries' records. */
  private last: { content: ViewBodyContent; policies: ViewEntry[]; applications: ViewEntry[] } | null = null;

  /**
   * With `uniqueIds`, the bodies are known to list each policy and
   * application id once (the views of validated worlds), so a diff of two
   * bodies does not check it again.
   */
  constructor(private readonly options: { uniqueIds?: boolean } = {}) {}

  /**
   * The encoding of a body (once per body object; `at` names the view in
   * errors). `source`, asked only when the body is not encoded yet, may
   * name a body it was made from: when that one is encoded and the two
   * differ only in some policies (every other field the same object, as
   * many policies), the encoding is made from that one's: its records are
   * taken over and only the policies that are other objects are looked up.
   * The bytes are the same either way.
   */
  body(body: ViewBodyContent, at = 'view', source?: () => ViewBodyContent | undefined): EncodedBody {
    let encoded = this.bodies.get(body);
    if (encoded === undefined) {
      const from = source?.();
      encoded = (from === undefined ? undefined : this.derive(body, from, at)) ?? this.encodeBody(body, at);
      this.bodies.set(body, encoded);
    }
    return encoded;
  }

  /** The encoding of `body` made from that of `source` (see body), or undefined when it cannot be. */
  private derive(body: ViewBodyContent, source: ViewBodyContent, at: string): EncodedBody | undefined {
    const base = this.bodies.get(source);
    const ends = base === undefined ? undefined : this.ends.get(base);
    if (base === undefined || ends === undefined || body.policies.length !== source.policies.length) return undefined;
    const keys = Object.keys(body) as (keyof ViewBodyContent)[];
    if (keys.length !== Object.keys(source).length) return undefined;
    for (const key of keys) if (key !== 'policies' && body[key] !== source[key]) return undefined;
    const fresh = new RecordWriter();
    const before = base.parts.policies;
    let policies: ViewEntry[] | null = null;
    for (let i = 0; i < body.policies.length; i++) {
      const item = body.policies[i]!;
      if (item === source.policies[i]) continue;
      policies ??= before.slice();
      const entry = this.policies.get(item);
      if (entry !== undefined) policies[i] = entry;
      else {
        const known = this.policies as WeakMap<object, ViewEntry>;
        const wire = policyToWire(item, `${at}.policies[${i}]`);
        fresh.add(VIEW_FIELDS.policies, (writer) => pb().Policy.encode(wire, writer), {
          id: item.id,
          list: policies,
          at: i,
          item,
          known,
        });
      }
    }
    if (policies === null) return base;
    fresh.flush();
    const { applications } = base.parts;
    this.last = { content: body, policies, applications };
    if (this.options.uniqueIds === true) noteUniqueIds(policies);
    const slices = joinedSlices(ends.head, policies, applications, ends.tail);
    let length = 0;
    for (const slice of slices) length += slice.length;
    const encoded: EncodedBody = {
      slices,
      length,
      parts: { fields: base.parts.fields, policies, applications, bytes: length },
      serial: ++bodySerial,
    };
    this.ends.set(encoded, ends);
    return encoded;
  }

  private encodeBody(body: ViewBodyContent, at: string): EncodedBody {
    // The fields that are not lists of entries, converted (and checked) as the whole view's encoder does.
    const wire = viewToWire({ computer: DUMMY_COMPUTER, ...body, policies: [], applications: [] }, at);
    const head = Buffer.from(
      pb().ComputerView.encode({ orgStructure: wire.orgStructure, modules: wire.modules }).finish(),
    );
    const tail = Buffer.from(
      pb()
        .ComputerView.encode({
          settings: wire.settings,
          gates: wire.gates,
          approvalPolicies: wire.approvalPolicies,
          permitTarget: wire.permitTarget,
          instructions: wire.instructions,
          escalationEmails: wire.escalationEmails,
          approvalWarnings: wire.approvalWarnings,
        })
        .finish(),
    );
    // Records not encoded yet are written one after the other into shared buffers, in the body's order.
    const fresh = new RecordWriter();
    // The body encoded last (bodies are mostly encoded one group after the other) lists most of the same
    // entries at the same places: those are found by a comparison, not a lookup each.
    const last = this.last;
    const policies = entriesOf(
      body.policies,
      last === null ? null : { content: last.content.policies, entries: last.policies },
      this.policies,
      VIEW_FIELDS.policies,
      (p, i, writer) => pb().Policy.encode(policyToWire(p, `${at}.policies[${i}]`), writer),
      fresh,
    );
    const applications = entriesOf(
      body.applications,
      last === null ? null : { content: last.content.applications, entries: last.applications },
      this.applications,
      VIEW_FIELDS.applications,
      (a, _, writer) => pb().Application.encode(applicationToWire(a), writer),
      fresh,
    );
    fresh.flush();
    this.last = { content: body, policies, applications };
    if (this.options.uniqueIds === true) {
      noteUniqueIds(policies);
      noteUniqueIds(applications);
    }
    const slices = joinedSlices(head, policies, applications, tail);
    let length = 0;
    for (const slice of slices) length += slice.length;
    const fields = new Map(viewParts(head).fields);
    for (const [field, spans] of viewParts(tail).fields) fields.set(field, spans);
    const parts: ViewParts = { fields, policies, applications, bytes: length };
    const encoded: EncodedBody = { slices, length, parts, serial: ++bodySerial };
    this.ends.set(encoded, { head, tail });
    return encoded;
  }

  /** The `computer` record (field 1) of a computer's view. */
  computerRecord(computer: ComputerView['computer'], at = 'view'): Buffer {
    const wire = viewToWire({ computer, ...EMPTY_VIEW_BODY }, at);
    return Buffer.from(pb().ComputerView.encode({ computer: wire.computer }).finish());
  }
}

/** A computer's view as its `computer` record and its body's encoding. */
export interface SplicedView {
  computer: Uint8Array;
  body: EncodedBody;
}

/**
 * The view hash (docs/PROTOCOL.md): SHA-256 of the view's records in hash
 * order, the body's records first and the `computer` record last. The body's
 * part is hashed once per body; each computer's hash continues a copy of it.
 */
export function splicedViewHash(view: SplicedView): Buffer {
  let bodyHash = bodyHashes.get(view.body);
  if (bodyHash === undefined) {
    bodyHash = createHash('sha256');
    for (const slice of view.body.slices) bodyHash.update(slice);
    bodyHashes.set(view.body, bodyHash);
  }
  return bodyHash.copy().update(view.computer).digest();
}

/** The hash state over each body's bytes (kept while the body is). */
const bodyHashes = new WeakMap<EncodedBody, Hash>();

/** The view's parts: the body's, with the `computer` record added. */
export function splicedViewParts(view: SplicedView): ViewParts {
  const computer = Buffer.isBuffer(view.computer) ? view.computer : Buffer.from(view.computer);
  const fields = new Map(view.body.parts.fields);
  fields.set(VIEW_FIELDS.computer, [...viewParts(computer).fields.values()].flat());
  return { ...view.body.parts, fields, bytes: computer.length + view.body.length };
}

/** A snapshot's header: what SnapshotPayload carries besides the view. */
export interface SplicedSnapshotHeader {
  computerId: string;
  version: number;
  issuedAtMs: number;
  settingsVersion: number;
}

/** The SnapshotPayload fields before the view's bytes (the view's tag and length included) and after them. */
function payloadEnds(header: SplicedSnapshotHeader, viewLength: number): { before: Uint8Array; after: Uint8Array } {
  const w = protobuf().Writer.create();
  const version = checkUint32(header.version, 'snapshot.version');
  const settingsVersion = checkUint32(header.settingsVersion, 'snapshot.settingsVersion');
  // Default values are left out, as protobufjs leaves them out.
  if (header.computerId !== '') w.uint32((1 << 3) | LEN).string(header.computerId);
  if (version !== 0) w.uint32(2 << 3).uint32(version);
  if (!Object.is(header.issuedAtMs, 0)) w.uint32((3 << 3) | 1).double(header.issuedAtMs);
  if (settingsVersion !== 0) w.uint32(4 << 3).uint32(settingsVersion);
  w.uint32((5 << 3) | LEN).uint32(viewLength);
  const before = w.finish();
  const after = protobuf()
    .Writer.create()
    .uint32(6 << 3)
    .int32(WIRE.PayloadKind.PAYLOAD_KIND_SNAPSHOT)
    .finish();
  return { before, after };
}

/** The SnapshotPayload bytes of a spliced view: what pb().SnapshotPayload.encode writes for the same content. */
export function splicedSnapshotPayload(header: SplicedSnapshotHeader, view: SplicedView): Buffer {
  const { before, after } = payloadEnds(header, view.computer.length + view.body.length);
  return Buffer.concat([before, view.computer, ...view.body.slices, after]);
}

/**
 * Signs a spliced snapshot: the SignedSnapshot bytes, as sealSnapshot makes
 * them for the same content. The payload is written once, in place in the
 * SignedSnapshot's buffer, and signed there: a 100,000-policy view's 24 MB
 * are not copied (and their pages faulted in) a second time.
 */
export function sealSplicedSnapshot(
  header: SplicedSnapshotHeader,
  view: SplicedView,
  privateKey: KeyObject,
): Uint8Array {
  const { before, after } = payloadEnds(header, view.computer.length + view.body.length);
  const payloadLength = before.length + view.computer.length + view.body.length + after.length;
  const id = Buffer.from(keyId(privateKey), 'utf8');
  const head = 1 + varintLength(payloadLength);
  // Fields 2 and 3 follow the payload (a signature is never empty, nor a key id: protobufjs writes both).
  const signatureField = 1 + varintLength(SIGNATURE_BYTES) + SIGNATURE_BYTES;
  const out = Buffer.allocUnsafe(head + payloadLength + signatureField + 1 + varintLength(id.length) + id.length);
  let pos = writeVarint(out, writeVarint(out, 0, (1 << 3) | LEN), payloadLength);
  for (const part of [before, view.computer, ...view.body.slices, after]) {
    out.set(part, pos);
    pos += part.length;
  }
  const signature = signBytes(out.subarray(head, pos), privateKey);
  if (signature.length !== SIGNATURE_BYTES) throw new Error(`an Ed25519 signature of ${signature.length} bytes`);
  pos = writeVarint(out, writeVarint(out, pos, (2 << 3) | LEN), SIGNATURE_BYTES);
  out.set(signature, pos);
  pos = writeVarint(out, writeVarint(out, pos + SIGNATURE_BYTES, (3 << 3) | LEN), id.length);
  out.set(id, pos);
  return out;
}

/** The length of the SignedSnapshot sealSplicedSnapshot makes for this content, without encoding or signing it. */
export function splicedSignedSnapshotBytes(header: SplicedSnapshotHeader, view: SplicedView): number {
  const viewLength = view.computer.length + view.body.length;
  // The header fields as splicedSnapshotPayload writes them (one byte of key each), counted without writing.
  let headerBytes = 0;
  if (header.computerId !== '') {
    const idBytes = Buffer.byteLength(header.computerId, 'utf8');
    headerBytes += 1 + varintLength(idBytes) + idBytes;
  }
  if (header.version !== 0) headerBytes += 1 + varintLength(header.version);
  if (!Object.is(header.issuedAtMs, 0)) headerBytes += 1 + 8;
  if (header.settingsVersion !== 0) headerBytes += 1 + varintLength(header.settingsVersion);
  const payload = headerBytes + 1 + varintLength(viewLength) + viewLength + 2;
  return 1 + varintLength(payload) + payload + 2 + SIGNATURE_BYTES + 2 + KEY_ID_CHARS;
}
