/**
 * Compiles a verified snapshot's payload (proto/tollgate.proto
 * SnapshotPayload) straight into a view image: the policies and
 * applications are read from the protobuf bytes into the columns of a
 * ViewImageBuilder, their strings added as byte ranges of the payload. No
 * ComputerView, no protobuf message objects, no string per policy.
 *
 *   compileSnapshotImage(payload: Uint8Array, snapshot: { version: number; sha256: Uint8Array })
 *     => { header: SnapshotHeader; bytes: Uint8Array; image: ViewImage }
 *
 * What the agent calls when it accepts a verified snapshot (`payload` is the
 * signed bytes of the SignedSnapshot, `sha256` the SHA-256 the image is bound
 * to): `bytes` is the image to store beside the snapshot, `image` decides.
 *
 *   compileViewImageFromPayload(payload: Uint8Array, binding: ImageBinding) => ViewImage
 *
 * The image is byte for byte the one compileViewImage makes of the view
 * decodeSnapshotPayload (view-decoder.ts) decodes from the same payload, and
 * a payload that decoder refuses is refused with its very error. The fast
 * reader handles the payloads the server writes; on anything else (an
 * unknown field, a field of another wire type, a merged view, a string it
 * cannot tell is valid UTF-8, an id or action it would refuse, malformed
 * bytes, a check that fails) it gives up and the payload goes through the
 * decoder and compileViewImage, which accept it or raise the error.
 *
 * The small rest of the view (computer, settings, gates, approval policies,
 * lists of text) is cut out of the payload as its fields' bytes and decoded
 * with decodeViewBytes: one path for its checks.
 */
import { Buffer } from 'node:buffer';
import { TollgateError } from '../engine/errors.js';
import { MAX_ID_CHARS } from '../engine/limits.js';
import { POLICY_ACTIONS, RULE_FIELDS } from '../engine/model.js';
import {
  type ImageBinding,
  ImageStrings,
  type ViewImage,
  ViewImageBuilder,
  type ViewMeta,
  compileViewImage,
  viewMeta,
} from '../engine/view-image.js';
import { policyActionCodec } from './codec.js';
import type { SnapshotHeader } from './signed.js';
import { MAX_JSON_DEPTH, jsonDepthOver } from '../engine/json-depth.js';
import {
  APPLICATION,
  COMPUTER_VIEW,
  I64,
  LEN,
  POLICY,
  SNAPSHOT_PAYLOAD,
  STRING_LIST,
  VARINT,
  decodeSnapshotHeader,
  decodeSnapshotPayload,
  decodeViewBytes,
} from './view-decoder.js';

const I32 = 5;
const PAYLOAD_VIEW = SNAPSHOT_PAYLOAD.view;
const VIEW_POLICIES = COMPUTER_VIEW.policies;
const VIEW_APPLICATIONS = COMPUTER_VIEW.applications;
const VIEW_COMPUTER_FIELD = COMPUTER_VIEW.computer >>> 3;

/** AppRule field number (1 path ... 6 certThumbprint) to its index in RULE_FIELDS. */
const RULE_FIELD_BY_NUMBER = (
  ['path', 'processPath', 'createdBy', 'sha256', 'certSubject', 'certThumbprint'] as const
).map((field) => RULE_FIELDS.indexOf(field));
const RULE_WIDTH = RULE_FIELDS.length;
const STRING_LIST_VALUES = STRING_LIST.values;

/** A wire PolicyAction number to its POLICY_ACTIONS index, -1 for one the codec refuses. */
const ACTION_INDEX = Int8Array.from({ length: 16 }, (_, n) => {
  try {
    return POLICY_ACTIONS.indexOf(policyActionCodec.fromWire(n, 'action'));
  } catch {
    return -1;
  }
});

/** The bytes an id may hold (limits.ts ID_PATTERN: ASCII letters, digits and - _ . : @). */
const ID_BYTE = Uint8Array.from({ length: 256 }, (_, b) => (/^[A-Za-z0-9_.:@-]$/.test(String.fromCharCode(b)) ? 1 : 0));

/** Thrown (one instance, no stack) where the fast reader gives up and the decoder takes over. */
class Irregular extends Error {}
const IRREGULAR = new Irregular('irregular payload');
function irregular(): never {
  throw IRREGULAR;
}

/** A cursor over the payload; every read is bounded by `end`, the end of the message being read. */
class Cursor {
  pos = 0;
  readonly text: Buffer;

  constructor(readonly buf: Uint8Array) {
    this.text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** A varint of at most 5 bytes whose value fits 32 bits (what the server writes); anything else is irregular. */
  varint(end: number): number {
    const buf = this.buf;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= end) irregular();
      const b = buf[this.pos++] as number;
      if (shift === 28) {
        if (b > 0x0f) irregular();
        return (value | (b << 28)) >>> 0;
      }
      value |= (b & 0x7f) << shift;
      if (b < 0x80) return value >>> 0;
    }
    return irregular();
  }

  /** A bool written as one byte, 0 or 1. */
  bool(end: number): boolean {
    if (this.pos >= end) irregular();
    const b = this.buf[this.pos++] as number;
    if (b > 1) irregular();
    return b === 1;
  }

  double(end: number): number {
    if (this.pos + 8 > end) irregular();
    // Read through the Buffer view: no DataView made per number.
    const value = this.text.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }

  /** A length-delimited field: returns its end, with `pos` at its first byte. */
  len(end: number): number {
    const n = this.varint(end);
    const to = this.pos + n;
    if (to > end) irregular();
    return to;
  }

  /** Skips a field of wire type VARINT, I64, LEN or I32 (groups are irregular). */
  skip(tag: number, end: number): void {
    switch (tag & 7) {
      case VARINT:
        for (;;) {
          if (this.pos >= end) irregular();
          if ((this.buf[this.pos++] as number) < 0x80) break;
        }
        return;
      case I64:
        if (this.pos + 8 > end) irregular();
        this.pos += 8;
        return;
      case LEN:
        this.pos = this.len(end);
        return;
      case I32:
        if (this.pos + 4 > end) irregular();
        this.pos += 4;
        return;
      default:
        irregular();
    }
  }

  /** Checks that buf[from, to) is UTF-8 as the decoder reads it (ASCII at once; else no replacement character). */
  utf8(from: number, to: number): void {
    const buf = this.buf;
    for (let i = from; i < to; i++) {
      if ((buf[i] as number) > 0x7f) {
        if (this.text.toString('utf8', from, to).includes('\uFFFD')) irregular();
        return;
      }
    }
  }

  string(from: number, to: number): string {
    this.utf8(from, to);
    return this.text.toString('utf8', from, to);
  }

  /** Checks that buf[from, to) is an id (limits.ts isValidId). */
  id(from: number, to: number): void {
    if (to <= from || to - from > MAX_ID_CHARS) irregular();
    const buf = this.buf;
    for (let i = from; i < to; i++) if (ID_BYTE[buf[i] as number] !== 1) irregular();
  }
}

/** The fields of the payload's view message: where they are, and how many policies, applications and rules. */
interface ViewFields extends PayloadView {
  policies: number;
  applications: number;
  rules: number;
}

/**
 * Where a payload's view message lies in it (`from` to `to`), whether its
 * records are in field-number order, and where its leading `computer`
 * records end (`computerEnd`, from `from`): what its view hash needs
 * (wire/delta.ts orderedViewHash).
 */
export interface PayloadView {
  from: number;
  to: number;
  ordered: boolean;
  computerEnd: number;
}

/** Finds the payload's one view field and counts what it holds; irregular if it is absent or given twice. */
function findView(c: Cursor): ViewFields {
  const end = c.buf.length;
  let view: ViewFields | undefined;
  c.pos = 0;
  while (c.pos < end) {
    const tag = c.varint(end);
    if (tag === PAYLOAD_VIEW) {
      if (view !== undefined) irregular();
      const to = c.len(end);
      view = { from: c.pos, to, ordered: true, computerEnd: 0, policies: 0, applications: 0, rules: 0 };
      c.pos = to;
    } else {
      c.skip(tag, end);
    }
  }
  if (view === undefined) return irregular();
  c.pos = view.from;
  countView(c, view);
  return view;
}

/**
 * Counts the view's policies, applications and rules (c.pos at its first
 * record), and notes whether its records are in field-number order and where
 * its `computer` records end. Nothing before its loop has type feedback and
 * nothing comes after it (see readPolicyRecords).
 */
function countView(c: Cursor, view: ViewFields): void {
  let lastField = 0;
  while (c.pos < view.to) {
    const tag = c.varint(view.to);
    const field = tag >>> 3;
    if (field < lastField) view.ordered = false;
    lastField = field;
    if (tag === VIEW_POLICIES) {
      view.policies++;
      c.pos = c.len(view.to);
    } else if (tag === VIEW_APPLICATIONS) {
      view.applications++;
      const to = c.len(view.to);
      while (c.pos < to) {
        const inner = c.varint(to);
        if (inner === APPLICATION.rules) view.rules++;
        c.skip(inner, to);
      }
    } else {
      c.skip(tag, view.to);
      if (field === VIEW_COMPUTER_FIELD) view.computerEnd = c.pos - view.from;
    }
  }
}

/** Ringfence texts whose string number is kept while one payload is read (a bound on that memory). */
const MAX_RINGFENCES_KEPT = 4096;

/**
 * Ringfences repeat (a few per organization): each distinct ringfence's
 * JSON is parsed and written again once per payload, and found again by its
 * bytes (the same bytes give the same JSON, checked to be UTF-8 the first
 * time). At most MAX_RINGFENCES_KEPT are kept: past it they start over.
 */
class RingfenceCache {
  private keys = new ImageStrings();
  private readonly numbers: number[] = [];

  /** The string number of the ringfence JSON of the bytes buf[from, to) when they were seen before, else -1. */
  known(buf: Uint8Array, from: number, to: number): number {
    const k = this.keys.addBytes(buf, from, to);
    return k < this.numbers.length ? (this.numbers[k] as number) : -1;
  }

  /** Keeps `s` as the string number of the ringfence of buf[from, to) (just given to known); returns it. */
  remember(buf: Uint8Array, from: number, to: number, s: number): number {
    if (this.numbers.length >= MAX_RINGFENCES_KEPT) {
      this.keys = new ImageStrings();
      this.numbers.length = 0;
      this.keys.addBytes(buf, from, to);
    }
    this.numbers.push(s);
    return s;
  }
}

/**
 * The string number of the text buf[from, to), checked to be UTF-8 as the
 * decoder reads it: the string table notes a byte beyond ASCII while it
 * hashes them, and only then are they checked (after they are added: a
 * failed check gives the payload up, builder and all).
 */
function addText(c: Cursor, strings: ImageStrings, from: number, to: number): number {
  const s = strings.addBytes(c.buf, from, to);
  if (strings.beyondAscii) c.utf8(from, to);
  return s;
}

/** addText for a field whose values hardly repeat: added without a look-up (ImageStrings.appendBytes). */
function appendText(c: Cursor, strings: ImageStrings, from: number, to: number): number {
  const s = strings.appendBytes(c.buf, from, to);
  if (strings.beyondAscii) c.utf8(from, to);
  return s;
}

/** Reads one Policy message (c.pos at its first byte, `end` its end) into the builder. */
function readPolicy(c: Cursor, builder: ViewImageBuilder, end: number, ringfences: RingfenceCache): void {
  let idFrom = -1;
  let idTo = -1;
  let nameFrom = -1;
  let nameTo = -1;
  let appFrom = -1;
  let appTo = -1;
  let orgFrom = -1;
  let orgTo = -1;
  let ringFrom = -1;
  let ringTo = -1;
  let builtIn = false;
  let isDefault = false;
  let action = 0;
  let order = 0;
  let levelRank = 0;
  let orgDepth = 0;
  let expiresAtMs = NaN;
  while (c.pos < end) {
    const tag = c.varint(end);
    switch (tag) {
      // A text field given twice is left to the decoder, which checks every copy is UTF-8 and keeps the last.
      case POLICY.id:
        if (idFrom >= 0) irregular();
        idTo = c.len(end);
        idFrom = c.pos;
        c.pos = idTo;
        break;
      case POLICY.name:
        if (nameFrom >= 0) irregular();
        nameTo = c.len(end);
        nameFrom = c.pos;
        c.pos = nameTo;
        break;
      case POLICY.app:
        if (appFrom >= 0) irregular();
        appTo = c.len(end);
        appFrom = c.pos;
        c.pos = appTo;
        break;
      case POLICY.org:
        if (orgFrom >= 0) irregular();
        orgTo = c.len(end);
        orgFrom = c.pos;
        c.pos = orgTo;
        break;
      case POLICY.ringfenceJson:
        if (ringFrom >= 0) irregular();
        ringTo = c.len(end);
        ringFrom = c.pos;
        c.pos = ringTo;
        break;
      case POLICY.builtIn:
        builtIn = c.bool(end);
        break;
      case POLICY.isDefault:
        isDefault = c.bool(end);
        break;
      case POLICY.action:
        action = c.varint(end);
        break;
      case POLICY.order: {
        const v = c.varint(end);
        order = ((v >>> 1) ^ -(v & 1)) | 0;
        break;
      }
      case POLICY.levelRank:
        levelRank = c.varint(end);
        break;
      case POLICY.orgDepth:
        orgDepth = c.varint(end);
        break;
      case POLICY.expiresAtMs:
        expiresAtMs = c.double(end);
        // NaN stands for no expiry here: one on the wire is left to the decoder, which refuses it.
        if (Number.isNaN(expiresAtMs)) irregular();
        break;
      default:
        irregular();
    }
  }
  // The checks of view-decoder.ts readPolicy; any failure is the decoder's to report.
  if (idFrom < 0) irregular();
  c.id(idFrom, idTo);
  if (appFrom >= 0) c.id(appFrom, appTo);
  if (orgFrom < 0) irregular();
  c.id(orgFrom, orgTo);
  const actionIndex = action < ACTION_INDEX.length ? (ACTION_INDEX[action] as number) : -1;
  if (actionIndex < 0) irregular();
  // A ringfence seen before in this payload (the same bytes) has its string number; another is parsed now.
  let ringfence = -1;
  let ringfenceJson: string | undefined;
  if (ringFrom >= 0) {
    ringfence = ringfences.known(c.buf, ringFrom, ringTo);
    if (ringfence < 0) {
      let value: unknown;
      const text = c.string(ringFrom, ringTo);
      // Too deep to write again (the decoder refuses it, naming the policy).
      if (jsonDepthOver(text, MAX_JSON_DEPTH) !== null) irregular();
      try {
        value = JSON.parse(text);
      } catch {
        irregular();
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) irregular();
      // As ViewImageBuilder.addView stores it: the parsed object written again.
      ringfenceJson = JSON.stringify(value);
    }
  }
  // Strings in the order addView adds them, and as it adds them: id, name, app, org, ringfence.
  const strings = builder.strings;
  const buf = c.buf;
  const id = strings.appendBytes(buf, idFrom, idTo);
  const name = nameFrom < 0 ? -1 : appendText(c, strings, nameFrom, nameTo);
  const app = appFrom < 0 ? -1 : strings.addBytes(buf, appFrom, appTo);
  const org = strings.addBytes(buf, orgFrom, orgTo);
  builder.addPolicy(
    id,
    name,
    app,
    org,
    builtIn,
    isDefault,
    actionIndex,
    order,
    levelRank,
    orgDepth,
    expiresAtMs,
    ringfenceJson === undefined ? ringfence : ringfences.remember(c.buf, ringFrom, ringTo, strings.add(ringfenceJson)),
  );
}

/** Reads a StringList message (c.pos at its first byte), appending its values to `values`. */
function readStringList(c: Cursor, end: number, values: string[]): string[] {
  while (c.pos < end) {
    const tag = c.varint(end);
    if (tag !== STRING_LIST_VALUES) irregular();
    const to = c.len(end);
    values.push(c.string(c.pos, to));
    c.pos = to;
  }
  return values;
}

/** Bytes JSON.stringify writes as they are: printable ASCII but `"` and `\`. */
const PLAIN_BYTE = Uint8Array.from({ length: 256 }, (_, b) =>
  b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? 1 : 0,
);

/** Whether the StringList message buf[from, to) is regular and every value is plain (no escape in its JSON). */
function plainStringList(c: Cursor, from: number, to: number): boolean {
  const buf = c.buf;
  const pos = c.pos;
  c.pos = from;
  while (c.pos < to) {
    const tag = c.varint(to);
    if (tag !== STRING_LIST_VALUES) irregular();
    const valueTo = c.len(to);
    for (let i = c.pos; i < valueTo; i++) {
      if (PLAIN_BYTE[buf[i] as number] !== 1) {
        c.pos = pos;
        return false;
      }
    }
    c.pos = valueTo;
  }
  c.pos = pos;
  return true;
}

let jsonScratch = new Uint8Array(1024);

/**
 * The string number of JSON.stringify([primary ?? null, development ?? null])
 * for the plain StringList records at `primaryAt` and `developmentAt` (-1: absent),
 * written from their bytes.
 */
function influenceJson(c: Cursor, strings: ImageStrings, primaryAt: number, developmentAt: number): number {
  const buf = c.buf;
  let n = 0;
  const put = (b: number): void => {
    if (n === jsonScratch.length) {
      const grown = new Uint8Array(jsonScratch.length * 2);
      grown.set(jsonScratch);
      jsonScratch = grown;
    }
    jsonScratch[n++] = b;
  };
  const list = (at: number): void => {
    if (at < 0) {
      for (const b of NULL_BYTES) put(b);
      return;
    }
    c.pos = at;
    const to = c.len(buf.length);
    put(0x5b); // [
    let first = true;
    while (c.pos < to) {
      c.varint(to);
      const valueTo = c.len(to);
      if (!first) put(0x2c); // ,
      first = false;
      put(0x22); // "
      for (let i = c.pos; i < valueTo; i++) put(buf[i] as number);
      put(0x22);
      c.pos = valueTo;
    }
    put(0x5d); // ]
  };
  put(0x5b);
  list(primaryAt);
  put(0x2c);
  list(developmentAt);
  put(0x5d);
  return strings.addBytes(jsonScratch, 0, n);
}
const NULL_BYTES = [0x6e, 0x75, 0x6c, 0x6c]; // null

/** Distinct pairs of influence lists whose JSON's string number is kept while one payload is read (a bound). */
const MAX_INFLUENCES_KEPT = 4096;

/**
 * Influence lists repeat (a few pairs per category): the JSON of each
 * distinct pair of plain records is written once per payload, found again
 * by the records' bytes (the same bytes give the same JSON). At most
 * MAX_INFLUENCES_KEPT pairs are kept: past it they start over.
 */
class InfluenceCache {
  private keys = new ImageStrings();
  private readonly numbers: number[] = [];
  private key = new Uint8Array(256);

  /** influenceJson(c, strings, primaryAt, developmentAt), from the pair's bytes when they were seen before. */
  json(c: Cursor, strings: ImageStrings, primaryAt: number, developmentAt: number): number {
    // The key: per list, 0 when absent, else 1 and the record's bytes (its length first: no two pairs share a key).
    const n = this.keyPart(c, developmentAt, this.keyPart(c, primaryAt, 0));
    const k = this.keys.addBytes(this.key, 0, n);
    if (k < this.numbers.length) return this.numbers[k] as number;
    const s = influenceJson(c, strings, primaryAt, developmentAt);
    if (this.numbers.length >= MAX_INFLUENCES_KEPT) {
      this.keys = new ImageStrings();
      this.numbers.length = 0;
    } else {
      this.numbers.push(s);
    }
    return s;
  }

  /** Writes the key's part for the list record at `at` (-1: absent) from key[n]; returns the key's length after it. */
  private keyPart(c: Cursor, at: number, n: number): number {
    if (at < 0) {
      this.room(n + 1);
      this.key[n] = 0;
      return n + 1;
    }
    const buf = c.buf;
    c.pos = at;
    const to = c.len(buf.length);
    this.room(n + 1 + to - at);
    const key = this.key;
    key[n++] = 1;
    for (let i = at; i < to; i++) key[n++] = buf[i] as number;
    return n;
  }

  private room(n: number): void {
    if (n <= this.key.length) return;
    const grown = new Uint8Array(Math.max(n, this.key.length * 2));
    grown.set(this.key);
    this.key = grown;
  }
}

/** Reads one Application message (c.pos at its first byte, `end` its end) and its rules into the builder. */
function readApplication(
  c: Cursor,
  builder: ViewImageBuilder,
  end: number,
  fields: Int32Array,
  ranges: Int32Array,
  influences: InfluenceCache,
): void {
  const strings = builder.strings;
  const buf = c.buf;
  const ruleStart = builder.ruleCount;
  let idFrom = -1;
  let idTo = -1;
  let nameFrom = -1;
  let nameTo = -1;
  let orgFrom = -1;
  let orgTo = -1;
  let categoryFrom = -1;
  let categoryTo = -1;
  let subcategoryFrom = -1;
  let subcategoryTo = -1;
  let builtIn = false;
  let primary: string[] | undefined;
  let development: string[] | undefined;
  // The influence lists' JSON, written from the payload's bytes while every value is plain text.
  let influencePlain = true;
  let primaryAt = -1;
  let developmentAt = -1;
  // Rule strings are added as each rule is read: addView adds an application's rules before its own strings.
  while (c.pos < end) {
    const tag = c.varint(end);
    switch (tag) {
      case APPLICATION.id:
        if (idFrom >= 0) irregular();
        idTo = c.len(end);
        idFrom = c.pos;
        c.pos = idTo;
        break;
      case APPLICATION.name:
        if (nameFrom >= 0) irregular();
        nameTo = c.len(end);
        nameFrom = c.pos;
        c.pos = nameTo;
        break;
      case APPLICATION.org:
        if (orgFrom >= 0) irregular();
        orgTo = c.len(end);
        orgFrom = c.pos;
        c.pos = orgTo;
        break;
      case APPLICATION.category:
        if (categoryFrom >= 0) irregular();
        categoryTo = c.len(end);
        categoryFrom = c.pos;
        c.pos = categoryTo;
        break;
      case APPLICATION.subcategory:
        if (subcategoryFrom >= 0) irregular();
        subcategoryTo = c.len(end);
        subcategoryFrom = c.pos;
        c.pos = subcategoryTo;
        break;
      case APPLICATION.builtIn:
        builtIn = c.bool(end);
        break;
      case APPLICATION.rules: {
        const to = c.len(end);
        ranges.fill(-1);
        while (c.pos < to) {
          const tag = c.varint(to);
          const field = tag >>> 3;
          if ((tag & 7) !== LEN || field < 1 || field > RULE_WIDTH) irregular();
          const k = RULE_FIELD_BY_NUMBER[field - 1] as number;
          // A field given twice: the decoder reads both (each must be UTF-8) and keeps the last.
          if ((ranges[2 * k] as number) >= 0) irregular();
          const valueTo = c.len(to);
          ranges[2 * k] = c.pos;
          ranges[2 * k + 1] = valueTo;
          c.pos = valueTo;
        }
        for (let k = 0; k < RULE_WIDTH; k++) {
          const from = ranges[2 * k] as number;
          if (from < 0) {
            fields[k] = -1;
            continue;
          }
          fields[k] = appendText(c, strings, from, ranges[2 * k + 1] as number);
        }
        builder.addRule(fields);
        break;
      }
      case APPLICATION.primaryCompanyInfluence:
      case APPLICATION.developmentInfluence: {
        const at = c.pos;
        const to = c.len(end);
        const primaryList = tag === APPLICATION.primaryCompanyInfluence;
        // One record of each list is what the server writes; a list given twice is read as text.
        if ((primaryList ? primaryAt : developmentAt) >= 0) influencePlain = false;
        if (influencePlain && plainStringList(c, c.pos, to)) {
          if (primaryList) primaryAt = at;
          else developmentAt = at;
          c.pos = to;
        } else {
          influencePlain = false;
          if (primaryList) primary = readStringList(c, to, primary ?? []);
          else development = readStringList(c, to, development ?? []);
        }
        break;
      }
      default:
        irregular();
    }
  }
  if (idFrom < 0) irregular();
  c.id(idFrom, idTo);
  // Strings in the order addView adds them: id, name, org, category, subcategory, influence.
  const id = strings.addBytes(buf, idFrom, idTo);
  let name: number;
  if (nameFrom < 0) {
    name = strings.appendBytes(buf, 0, 0);
  } else {
    name = appendText(c, strings, nameFrom, nameTo);
  }
  const org = orgFrom < 0 ? -1 : addText(c, strings, orgFrom, orgTo);
  const category = categoryFrom < 0 ? -1 : addText(c, strings, categoryFrom, categoryTo);
  const subcategory = subcategoryFrom < 0 ? -1 : addText(c, strings, subcategoryFrom, subcategoryTo);
  let influence: number;
  if (primaryAt < 0 && developmentAt < 0 && primary === undefined && development === undefined) {
    influence = -1;
  } else if (influencePlain) {
    influence = influences.json(c, strings, primaryAt, developmentAt);
    c.pos = end;
  } else {
    // Lists read as text before the first one that was not plain: read them again as text.
    if (primaryAt >= 0) {
      c.pos = primaryAt;
      const to = c.len(end);
      primary = readStringList(c, to, []).concat(primary ?? []);
    }
    if (developmentAt >= 0) {
      c.pos = developmentAt;
      const to = c.len(end);
      development = readStringList(c, to, []).concat(development ?? []);
    }
    c.pos = end;
    influence = strings.add(JSON.stringify([primary ?? null, development ?? null]));
  }
  builder.addApplication(ruleStart, id, name, builtIn, org, category, subcategory, influence);
}

/**
 * The image the fast reader alone makes of a payload, or null where it gives
 * up or a check fails (compileViewImageFromPayload then asks the decoder).
 * Exported so that tests can tell the fast reader handled a payload.
 */
export function compileRegularPayload(
  payload: Uint8Array,
  binding: ImageBinding,
  adjust?: AdjustMeta,
  onView?: (view: PayloadView) => void,
  recycle?: ArrayBuffer,
  onViewFound?: (view: PayloadView) => void,
): ViewImage | null {
  try {
    return compileFast(payload, binding, adjust, onView, recycle, onViewFound);
  } catch {
    return null;
  }
}

/** Reads the view's policies into the builder; returns the records of the view's small rest, their bytes in order. */
function readPolicies(c: Cursor, builder: ViewImageBuilder, view: ViewFields): Uint8Array {
  const rest: number[] = [];
  c.pos = view.from;
  const restBytes = readPolicyRecords(c, builder, view.to, new RingfenceCache(), rest);
  const restPayload = new Uint8Array(restBytes);
  let filled = 0;
  for (let i = 0; i < rest.length; i += 2) {
    const from = rest[i] as number;
    const to = rest[i + 1] as number;
    restPayload.set(c.buf.subarray(from, to), filled);
    filled += to - from;
  }
  return restPayload;
}

/*
 * The loops over the view's records (readPolicyRecords, readApplicationRecords)
 * are functions of their own with nothing before their loop that V8 keeps
 * type feedback for (no property, call or construction: the caller does
 * those), and nothing after it. A function's first call runs without
 * feedback until its loop has run a while; optimized during that call, it
 * would have none for what came before the loop, and the next compile's
 * call would throw the optimized code away there and optimize again.
 */

/**
 * Reads the view's records from c.pos to `to`: its policies into the
 * builder, its applications skipped, every other record's range pushed on
 * `rest`; returns the bytes of those.
 */
function readPolicyRecords(
  c: Cursor,
  builder: ViewImageBuilder,
  to: number,
  ringfences: RingfenceCache,
  rest: number[],
): number {
  let restBytes = 0;
  while (c.pos < to) {
    const at = c.pos;
    const tag = c.varint(to);
    if (tag === VIEW_POLICIES) {
      const end = c.len(to);
      readPolicy(c, builder, end, ringfences);
    } else if (tag === VIEW_APPLICATIONS) {
      c.pos = c.len(to);
    } else {
      c.skip(tag, to);
      rest.push(at, c.pos);
      restBytes += c.pos - at;
    }
  }
  return restBytes;
}

/** Reads the view's applications and their rules into the builder. */
function readApplications(c: Cursor, builder: ViewImageBuilder, view: ViewFields): void {
  c.pos = view.from;
  // A rule's fields as string numbers, and as byte ranges (from, to), -1 absent.
  readApplicationRecords(
    c,
    builder,
    view.to,
    new Int32Array(RULE_WIDTH),
    new Int32Array(RULE_WIDTH * 2),
    new InfluenceCache(),
  );
}

/** Reads the view's applications from c.pos to `to` into the builder (other records skipped). */
function readApplicationRecords(
  c: Cursor,
  builder: ViewImageBuilder,
  to: number,
  fields: Int32Array,
  ranges: Int32Array,
  influences: InfluenceCache,
): void {
  while (c.pos < to) {
    const tag = c.varint(to);
    if (tag === VIEW_APPLICATIONS) {
      const end = c.len(to);
      readApplication(c, builder, end, fields, ranges, influences);
    } else {
      c.skip(tag, to);
    }
  }
}

/** The payload read by the fast reader, or irregular. */
function compileFast(
  payload: Uint8Array,
  binding: ImageBinding,
  adjust: AdjustMeta | undefined,
  onView: ((view: PayloadView) => void) | undefined,
  recycle: ArrayBuffer | undefined,
  onViewFound: ((view: PayloadView) => void) | undefined,
): ViewImage {
  const header = decodeSnapshotHeader(payload);
  const c = new Cursor(payload);
  const view = findView(c);
  onViewFound?.({ from: view.from, to: view.to, ordered: view.ordered, computerEnd: view.computerEnd });
  const builder = new ViewImageBuilder();
  // The image's buffer, its columns filled in place. Its string bytes: at most the payload's bytes (less: strings
  // repeat, and tags and numbers are not strings); at most one string per string field: 5 a policy, 6 an
  // application, 6 a rule (fewer in practice, and room left unwritten is not resident).
  builder.reserve(
    view.policies,
    view.applications,
    view.rules,
    {
      bytes: payload.length,
      count: 5 * view.policies + 6 * view.applications + 6 * view.rules,
    },
    recycle,
  );

  // Policies first, then applications: the order addView adds their strings in. Each pass is a function of its
  // own, so that its loop is optimized while it runs without the code after it.
  const restPayload = readPolicies(c, builder, view);
  readApplications(c, builder, view);
  // The rest of the view, its fields' bytes in their order, decoded and checked by the decoder.
  const small = decodeViewBytes(restPayload, 'snapshot.view');
  if (small.computer.id !== header.computerId) irregular();
  const meta = viewMeta(small);
  const image = builder.finish(adjust === undefined ? meta : adjust(meta), binding);
  onView?.({ from: view.from, to: view.to, ordered: view.ordered, computerEnd: view.computerEnd });
  return image;
}

/**
 * Compiles the image of a verified snapshot payload: byte for byte what
 * compileViewImage makes of decodeSnapshotPayload(payload).view, and the
 * same TollgateError for a payload that decoder (or compileViewImage) refuses.
 * `onView` is told where the view lies when the fast reader read it (not
 * when the decoder did); `onViewFound`, as soon as the fast reader has found
 * it, before it reads it (it may then find it irregular and leave it to the
 * decoder: `onView` is not told then). `recycle`: a buffer nothing reads any
 * more (the image this one replaces), written over instead of a new buffer
 * when the image fits (ViewImageBuilder.reserve).
 */
export function compileViewImageFromPayload(
  payload: Uint8Array,
  binding: ImageBinding,
  adjust?: AdjustMeta,
  onView?: (view: PayloadView) => void,
  recycle?: ArrayBuffer,
  onViewFound?: (view: PayloadView) => void,
): ViewImage {
  // Irregular, or refused: the decoder and compileViewImage decide, and raise the error they raise.
  const regular = compileRegularPayload(payload, binding, adjust, onView, recycle, onViewFound);
  if (regular !== null) return regular;
  const { view } = decodeSnapshotPayload(payload);
  return compileViewImage(adjust === undefined ? view : { ...view, ...adjust(viewMeta(view)) }, binding);
}

/**
 * Changes the small rest of the view (everything but its policies and
 * applications) before it is compiled in: the agent puts its configured
 * agent version and os in the computer's place this way.
 */
export type AdjustMeta = (meta: ViewMeta) => ViewMeta;

/** What compileSnapshotImage gives: the snapshot's header, the image bytes to store, and the image to decide with. */
export interface SnapshotImage {
  header: SnapshotHeader;
  bytes: Uint8Array;
  image: ViewImage;
}

/**
 * Compiles the image of a verified snapshot (its SignedSnapshot's payload
 * bytes), bound to its version and the SHA-256 given. Throws TollgateError
 * 'bad-message' as decodeSnapshotPayload does, and 'invalid-input' when
 * `version` is not the payload's or `sha256` is not 32 bytes.
 */
export function compileSnapshotImage(
  payload: Uint8Array,
  snapshot: { version: number; sha256: Uint8Array },
): SnapshotImage {
  if (snapshot.sha256.length !== 32) {
    throw new TollgateError('invalid-input', `snapshot sha256 is ${snapshot.sha256.length} bytes, expected 32`);
  }
  const header = decodeSnapshotHeader(payload);
  if (header.version !== snapshot.version) {
    throw new TollgateError('invalid-input', `snapshot version is ${header.version}, not ${snapshot.version}`);
  }
  const image = compileViewImageFromPayload(payload, {
    snapshotVersion: snapshot.version,
    snapshotHash: snapshot.sha256,
  });
  return { header, bytes: image.bytes, image };
}
