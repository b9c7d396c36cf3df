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
import $protobuf from 'protobufjs/minimal.js';
import type { Application } from '../engine/model.js';
import { type ComputerView, EMPTY_VIEW_BODY, type ViewPolicy } from '../engine/view.js';
import { applicationToWire, checkUint32, policyToWire, viewToWire } from './codec.js';
import { VIEW_FIELDS, type ViewEntry, type ViewParts, viewParts } from './delta.js';
import { tollgate } from './generated/tollgate.js';
import { seal } from './signed.js';

const pb = tollgate.v1;

const LEN = 2;

/** The part of a view shared by the computers that see the same entries. */
export type ViewBodyContent = Omit<ComputerView, 'computer'>;

/** A body's encoding: the records of fields 2 to 12 in field-number order, and the same cut into parts. */
export interface EncodedBody {
  /** The records of every field but `computer`, in field-number order. */
  readonly bytes: Buffer;
  /** `bytes` cut into parts (no `computer` field); the entries' spans point into buffers shared between bodies. */
  readonly parts: ViewParts;
  /** Tells this encoding apart from every other one of the process (not a content hash: cheaper). */
  readonly serial: number;
}

function varintLength(value: number): number {
  let n = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return n;
}

function writeVarint(buf: Buffer, at: number, value: number): number {
  let v = value;
  let pos = at;
  while (v >= 0x80) {
    buf[pos++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[pos++] = v;
  return pos;
}

/** A LEN record of `field` around `message`, as a ViewEntry of its own buffer. */
function entryRecord(field: number, id: string, message: Uint8Array): ViewEntry {
  const key = field * 8 + LEN;
  const head = varintLength(key) + varintLength(message.length);
  const buf = Buffer.allocUnsafe(head + message.length);
  writeVarint(buf, writeVarint(buf, 0, key), message.length);
  buf.set(message, head);
  return { id, buf, start: 0, valueStart: head, end: buf.length };
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
 * Encodes views from shared bodies. Entry records are kept per entry object
 * (a WeakMap: they go with the objects), body encodings per body object.
 */
export class ViewSplicer {
  private readonly policies = new WeakMap<ViewPolicy, ViewEntry>();
  private readonly applications = new WeakMap<Application, ViewEntry>();
  private readonly bodies = new WeakMap<object, EncodedBody>();

  /** The encoding of a body (once per body object; `at` names the view in errors). */
  body(body: ViewBodyContent, at = 'view'): EncodedBody {
    let encoded = this.bodies.get(body);
    if (encoded === undefined) {
      encoded = this.encodeBody(body, at);
      this.bodies.set(body, encoded);
    }
    return encoded;
  }

  private encodeBody(body: ViewBodyContent, at: string): EncodedBody {
    // The fields that are not lists of entries, converted (and checked) as the whole view's encoder does.
    const wire = viewToWire({ computer: DUMMY_COMPUTER, ...body, policies: [], applications: [] }, at);
    const head = Buffer.from(
      pb.ComputerView.encode({ orgStructure: wire.orgStructure, modules: wire.modules }).finish(),
    );
    const tail = Buffer.from(
      pb.ComputerView.encode({
        settings: wire.settings,
        gates: wire.gates,
        approvalPolicies: wire.approvalPolicies,
        permitTarget: wire.permitTarget,
        instructions: wire.instructions,
        escalationEmails: wire.escalationEmails,
        approvalWarnings: wire.approvalWarnings,
      }).finish(),
    );
    const policies = body.policies.map((p, i) => {
      let entry = this.policies.get(p);
      if (entry === undefined) {
        const message = pb.Policy.encode(policyToWire(p, `${at}.policies[${i}]`)).finish();
        entry = entryRecord(VIEW_FIELDS.policies, p.id, message);
        this.policies.set(p, entry);
      }
      return entry;
    });
    const applications = body.applications.map((a) => {
      let entry = this.applications.get(a);
      if (entry === undefined) {
        entry = entryRecord(VIEW_FIELDS.applications, a.id, pb.Application.encode(applicationToWire(a)).finish());
        this.applications.set(a, entry);
      }
      return entry;
    });
    const bytes = Buffer.concat([head, ...policies.map((e) => e.buf), ...applications.map((e) => e.buf), tail]);
    const fields = new Map(viewParts(head).fields);
    for (const [field, spans] of viewParts(tail).fields) fields.set(field, spans);
    const parts: ViewParts = { fields, policies, applications, bytes: bytes.length };
    return { bytes, parts, serial: ++bodySerial };
  }

  /** The `computer` record (field 1) of a computer's view. */
  computerRecord(computer: ComputerView['computer'], at = 'view'): Buffer {
    const wire = viewToWire({ computer, ...EMPTY_VIEW_BODY }, at);
    return Buffer.from(pb.ComputerView.encode({ computer: wire.computer }).finish());
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
    bodyHash = createHash('sha256').update(view.body.bytes);
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
  return { ...view.body.parts, fields, bytes: computer.length + view.body.bytes.length };
}

/** A snapshot's header: what SnapshotPayload carries besides the view. */
export interface SplicedSnapshotHeader {
  computerId: string;
  version: number;
  issuedAtMs: number;
  settingsVersion: number;
}

/** The SnapshotPayload bytes of a spliced view: what pb.SnapshotPayload.encode writes for the same content. */
export function splicedSnapshotPayload(header: SplicedSnapshotHeader, view: SplicedView): Buffer {
  const viewLength = view.computer.length + view.body.bytes.length;
  const w = $protobuf.Writer.create();
  const version = checkUint32(header.version, 'snapshot.version');
  const settingsVersion = checkUint32(header.settingsVersion, 'snapshot.settingsVersion');
  // Default values are left out, as protobufjs leaves them out.
  if (header.computerId !== '') w.uint32((1 << 3) | LEN).string(header.computerId);
  if (version !== 0) w.uint32(2 << 3).uint32(version);
  if (!Object.is(header.issuedAtMs, 0)) w.uint32((3 << 3) | 1).double(header.issuedAtMs);
  if (settingsVersion !== 0) w.uint32(4 << 3).uint32(settingsVersion);
  w.uint32((5 << 3) | LEN).uint32(viewLength);
  const before = w.finish();
  const after = $protobuf.Writer.create()
    .uint32(6 << 3)
    .int32(pb.PayloadKind.PAYLOAD_KIND_SNAPSHOT)
    .finish();
  return Buffer.concat([before, view.computer, view.body.bytes, after]);
}

/** Signs a spliced snapshot: the SignedSnapshot bytes, as sealSnapshot makes them for the same content. */
export function sealSplicedSnapshot(
  header: SplicedSnapshotHeader,
  view: SplicedView,
  privateKey: KeyObject,
): Uint8Array {
  return pb.SignedSnapshot.encode(seal(splicedSnapshotPayload(header, view), privateKey)).finish();
}

/** Ed25519 signature bytes, and the key id's characters (signing.ts). */
const SIGNATURE_BYTES = 64;
const KEY_ID_CHARS = 16;

/** The length of the SignedSnapshot sealSplicedSnapshot makes for this content, without encoding or signing it. */
export function splicedSignedSnapshotBytes(header: SplicedSnapshotHeader, view: SplicedView): number {
  const viewLength = view.computer.length + view.body.bytes.length;
  const w = $protobuf.Writer.create();
  if (header.computerId !== '') w.uint32((1 << 3) | LEN).string(header.computerId);
  if (header.version !== 0) w.uint32(2 << 3).uint32(header.version);
  if (!Object.is(header.issuedAtMs, 0)) w.uint32((3 << 3) | 1).double(header.issuedAtMs);
  if (header.settingsVersion !== 0) w.uint32(4 << 3).uint32(header.settingsVersion);
  const payload = w.len + 1 + varintLength(viewLength) + viewLength + 2;
  return 1 + varintLength(payload) + payload + 2 + SIGNATURE_BYTES + 2 + KEY_ID_CHARS;
}
