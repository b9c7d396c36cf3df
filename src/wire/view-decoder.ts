/**
 * Decodes a SnapshotPayload (proto/tollgate.proto) straight into the engine's
 * domain types: the payload bytes are read once with protobufjs's Reader and
 * no protobuf message object is ever built (`pb.SnapshotPayload.decode` then
 * `viewFromWire` made a temporary object graph of some 190 MB for a
 * 100,000-policy snapshot, only to convert it).
 *
 * Each message has one small function that reads its fields into locals (or
 * into a draft, for a message the wire may merge) and then checks them. Two
 * things keep the garbage collector's work down, which is most of the time
 * left: strings are decoded natively (readString), and the few values that
 * organization ids, categories and country codes take are decoded once each
 * (Vocabulary).
 *
 * The result is exactly what decoding with the generated code and converting
 * with codec.ts gives, errors included:
 *
 * - Reading follows the generated decoders of protobufjs 8: a field with the
 *   wire type its number declares is read, anything else is skipped (unknown
 *   fields, fields from a newer .proto, a known number with another wire
 *   type); strings must be valid UTF-8; a message field given twice is merged
 *   (its scalars overwritten, its lists appended), a repeated field appends.
 *   Malformed bytes throw the same reader errors, which the caller reports as
 *   an undecodable payload.
 * - Checking follows codec.ts: the same TollgateError 'bad-message' naming the
 *   same field path. A check that fails inside a list element is kept until
 *   the whole payload has been read and then reported in the order the old
 *   conversion made its checks, so that malformed bytes still win over bad
 *   content and the first problem reported is the one viewFromWire reported.
 */
import type $protobuf from 'protobufjs/minimal.js';
import { TollgateError } from '../engine/errors.js';
import { idProblem } from '../engine/limits.js';
import type { AppRule, Application, Gate, SettingValue } from '../engine/model.js';
import type { ComputerView, ViewApprovalPolicy, ViewPolicy } from '../engine/view.js';
import {
  approvalActionCodec,
  badMessage,
  checkExpiry,
  checkIssuedAt,
  checkViewSettings,
  countryModeCodec,
  osCodec,
  permitTargetCodec,
  policyActionCodec,
  ringfenceFromWire,
  setEntry,
  structureCodec,
  type SettingsRecord,
} from './codec.js';
import { WIRE, protobuf } from './proto.js';
import type { SnapshotContent, SnapshotHeader } from './signed.js';

type Reader = $protobuf.Reader;

// ------------------------------------------------------------ field keys

// Wire types (https://protobuf.dev/programming-guides/encoding/#structure).
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;

/** A field's key as the wire carries it: the field number and the wire type its type is encoded with. */
export function key(field: number, wireType: number): number {
  return (field << 3) | wireType;
}

/** The fields of each message of proto/tollgate.proto that this decoder (and view-image-payload.ts) reads, by field number. */
export const SNAPSHOT_PAYLOAD = {
  computerId: key(1, LEN),
  version: key(2, VARINT),
  issuedAtMs: key(3, I64),
  settingsVersion: key(4, VARINT),
  view: key(5, LEN),
  kind: key(6, VARINT),
};

export const COMPUTER_VIEW = {
  computer: key(1, LEN),
  orgStructure: key(2, VARINT),
  modules: key(3, LEN),
  policies: key(4, LEN),
  applications: key(5, LEN),
  settings: key(6, LEN),
  gates: key(7, LEN),
  approvalPolicies: key(8, LEN),
  permitTarget: key(9, VARINT),
  instructions: key(10, LEN),
  escalationEmails: key(11, LEN),
  approvalWarnings: key(12, LEN),
};

const COMPUTER_INFO = {
  id: key(1, LEN),
  name: key(2, LEN),
  group: key(3, LEN),
  groupName: key(4, LEN),
  org: key(5, LEN),
  os: key(6, VARINT),
  agentVersion: key(7, LEN),
};

export const POLICY = {
  id: key(1, LEN),
  name: key(2, LEN),
  app: key(3, LEN),
  builtIn: key(4, VARINT),
  action: key(5, VARINT),
  order: key(6, VARINT),
  levelRank: key(7, VARINT),
  orgDepth: key(8, VARINT),
  org: key(9, LEN),
  expiresAtMs: key(10, I64),
  isDefault: key(11, VARINT),
  ringfenceJson: key(12, LEN),
};

export const APPLICATION = {
  id: key(1, LEN),
  name: key(2, LEN),
  builtIn: key(3, VARINT),
  org: key(4, LEN),
  category: key(5, LEN),
  subcategory: key(6, LEN),
  rules: key(9, LEN),
  primaryCompanyInfluence: key(10, LEN),
  developmentInfluence: key(11, LEN),
};

export const APP_RULE = {
  path: key(1, LEN),
  processPath: key(2, LEN),
  createdBy: key(3, LEN),
  sha256: key(4, LEN),
  certSubject: key(5, LEN),
  certThumbprint: key(6, LEN),
};

export const STRING_LIST = {
  values: key(1, LEN),
};

const SETTING = {
  name: key(1, LEN),
  value: key(2, LEN),
  source: key(3, LEN),
};

const SETTING_VALUE = {
  boolValue: key(1, VARINT),
  numberValue: key(2, I64),
  stringValue: key(3, LEN),
};

const GATE = {
  feature: key(1, LEN),
  os: key(2, VARINT),
  minVersion: key(3, LEN),
};

const APPROVAL_POLICY = {
  id: key(1, LEN),
  order: key(2, VARINT),
  scopeRank: key(3, VARINT),
  action: key(4, VARINT),
  category: key(5, LEN),
  subcategory: key(6, LEN),
  countriesMode: key(7, VARINT),
  countries: key(8, LEN),
};

// How deep each message sits, as the generated decoders count it for skipping unknown groups.
const PAYLOAD_DEPTH = 0;
const VIEW_DEPTH = 1;
const ELEMENT_DEPTH = 2;
const NESTED_DEPTH = 3;

// ---------------------------------------------------------------- reading

/** Skips a field this decoder does not read, exactly as the generated decoders do. */
function skipField(reader: Reader, tag: number, depth: number): void {
  reader.skipType(tag & 7, depth, tag >>> 3);
}

/**
 * Reads a string that must be valid UTF-8, as `reader.stringVerify()` does,
 * but fast: on a Buffer, `reader.string()` is one native call that makes one
 * flat string, where `stringVerify` pieces short strings together character by
 * character (a large share of the time and garbage of opening a snapshot).
 * Invalid UTF-8 always comes out of it with a U+FFFD replacement character;
 * only then (or for a string that really holds one) is it read again
 * strictly, to keep it or to refuse it.
 */
function readString(reader: Reader): string {
  const start = reader.pos;
  const value = reader.string();
  if (!value.includes('\uFFFD')) return value;
  reader.pos = start;
  return reader.stringVerify();
}

/**
 * The strings of fields that take a few distinct values over a whole view:
 * organization ids, categories, country codes. Each distinct value is decoded
 * once; a later occurrence of the same bytes is the very same string again.
 * That spares decoding it, and the view holds one string where it held one
 * per policy or application: for 100,000 policies, some 500,000 strings and
 * 17 MB fewer for the collector to copy and keep. Values beyond the ones a
 * vocabulary keeps are simply decoded each time.
 */
class Vocabulary {
  /** The words decoded so far (where their bytes are, and their text) by a hash of their bytes. */
  private readonly words = new Map<number, { from: number; to: number; text: string }>();

  constructor(private readonly reader: Reader) {}

  /** Reads a string field, exactly as readString does. */
  read(): string {
    const reader = this.reader;
    const start = reader.pos;
    const length = reader.size();
    const from = reader.pos;
    const to = from + length;
    if (to > reader.len) {
      reader.pos = start;
      return readString(reader); // which refuses it
    }
    const hash = hashBytes(reader.buf, from, to);
    const word = this.words.get(hash);
    if (word !== undefined && sameBytes(reader.buf, word, from, to)) {
      reader.pos = to;
      return word.text;
    }
    reader.pos = start;
    const text = readString(reader);
    if (word === undefined && this.words.size < VOCABULARY_SIZE) this.words.set(hash, { from, to, text });
    return text;
  }
}

/** How many words a vocabulary keeps, at most. */
const VOCABULARY_SIZE = 256;

/** FNV-1a over some bytes. */
function hashBytes(buf: Uint8Array, from: number, to: number): number {
  let hash = 0x811c9dc5;
  for (let i = from; i < to; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
  return hash;
}

/** Whether two stretches of `buf` hold the same bytes. */
function sameBytes(buf: Uint8Array, a: { from: number; to: number }, from: number, to: number): boolean {
  if (a.to - a.from !== to - from) return false;
  for (let i = 0; i < to - from; i++) if (buf[a.from + i] !== buf[from + i]) return false;
  return true;
}

/** The payload being read: the reader, and a vocabulary for each kind of field that repeats a few values. */
interface Source {
  reader: Reader;
  /** Organization ids: of the computer, and of every policy and application. */
  orgs: Vocabulary;
  /** The categories and subcategories of applications and approval policies. */
  categories: Vocabulary;
  /** Country codes: the influence lists of applications, the countries of approval policies. */
  countries: Vocabulary;
  /** Influence lists by their codes: tens of thousands of applications share a few lists. */
  countryLists: Map<string, string[]>;
  /** The same for lists of one code, by that code. */
  singleCountryLists: Map<string, string[]>;
}

/** Distinct influence lists shared between applications; past this many, a list is an application's own. */
const SHARED_LISTS = 4096;

/** One frozen array for every application with the same influence list (nothing changes them). */
function sharedList(source: Source, list: string[]): string[] {
  if (list.length === 0) return list;
  // A single code is its own key (the common case), in a map of its own; a longer list's key is its JSON.
  const lists = list.length === 1 ? source.singleCountryLists : source.countryLists;
  const key = list.length === 1 ? (list[0] as string) : JSON.stringify(list);
  const shared = lists.get(key);
  if (shared !== undefined) return shared;
  const own = Object.freeze(list.slice()) as string[];
  if (source.singleCountryLists.size + source.countryLists.size < SHARED_LISTS) lists.set(key, own);
  return own;
}

/**
 * Narrows the reader to the length-delimited message that starts here (its
 * fields are read while `reader.pos < reader.len`); returns the limit to
 * restore with `leave`.
 */
function enter(reader: Reader): number {
  const length = reader.size(); // before reading `pos`, which it moves past the length
  const end = reader.pos + length;
  if (end > reader.len) throw new RangeError('index out of range');
  const outer = reader.len;
  reader.len = end;
  return outer;
}

/** Leaves a message entered with `enter` (checking, as the generated code does, that it was read to its end). */
function leave(reader: Reader, outer: number): void {
  if (reader.pos !== reader.len) throw new RangeError('index out of range');
  reader.len = outer;
}

// --------------------------------------------------------------- checking

/** A string field that must be set (codec.ts requireText); `at` is the message's path. */
function required(value: string, at: string, field: string): string {
  if (value === '') throw badMessage(`${at}.${field}`, 'is missing');
  return value;
}

/** An id field that must be set and follow the id rule (codec.ts requireId). */
function requiredId(value: string, at: string, field: string): string {
  const problem = idProblem(required(value, at, field));
  if (problem !== null) throw badMessage(`${at}.${field}`, problem);
  return value;
}

const PAYLOAD_KINDS = {
  snapshot: WIRE.PayloadKind.PAYLOAD_KIND_SNAPSHOT,
  settings: WIRE.PayloadKind.PAYLOAD_KIND_SETTINGS,
};
/** Every kind a payload is signed as, by name: those checkPayloadKind is asked for and the delta's. */
const KNOWN_PAYLOAD_KINDS = { ...PAYLOAD_KINDS, delta: WIRE.PayloadKind.PAYLOAD_KIND_DELTA };

/** Refuses a payload signed as another kind: a signed settings push is no snapshot, nor a delta, and the reverse. */
export function checkPayloadKind(what: keyof typeof PAYLOAD_KINDS, kind: number): void {
  if (kind === PAYLOAD_KINDS[what]) return;
  const found = Object.entries(KNOWN_PAYLOAD_KINDS).find(([, n]) => n === kind)?.[0];
  throw badMessage(
    `${what}.kind`,
    found !== undefined
      ? `the payload is ${found}, not ${what}`
      : kind === WIRE.PayloadKind.PAYLOAD_KIND_UNSPECIFIED
        ? 'is unspecified'
        : `unknown payload kind ${kind}`,
  );
}

/**
 * A short list kept in the view, without spare room. An array that `push`
 * grew has room for 17 elements after the first, which over 100,000
 * applications' rules and influence lists came to 34 MB of spare room. The
 * copy has the right size; the grown array is garbage at once, which costs
 * the collector next to nothing.
 */
function compact<T>(list: T[]): T[] {
  return list.length === 0 ? list : list.slice();
}

/**
 * The elements of a repeated field and the first problem found in one of
 * them, kept to be reported once the payload has been read in full.
 */
interface CheckedList<T> {
  items: T[];
  problem: TollgateError | undefined;
}

/**
 * Reads the next element of a list with `read`. A TollgateError is the
 * element's content failing a check: it becomes the list's problem, unless an
 * earlier element already failed (then the element's index no longer matters).
 * Anything else is malformed bytes, reported at once.
 */
function readElement<T>(
  source: Source,
  list: CheckedList<T>,
  read: (source: Source, at: string) => T,
  listAt: string,
): void {
  try {
    list.items.push(read(source, `${listAt}[${list.items.length}]`));
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
    list.problem ??= error;
  }
}

/** The elements of a list, or its first problem. */
function checked<T>(list: CheckedList<T>): T[] {
  if (list.problem !== undefined) throw list.problem;
  return list.items;
}

function emptyList<T>(): CheckedList<T> {
  return { items: [], problem: undefined };
}

// ------------------------------------------------------------- the payload

/** Reads a payload with `read`, turning what protobufjs throws into 'bad-message'. */
function decodeWith<T>(bytes: Uint8Array, read: (source: Source) => T): T {
  try {
    // A Buffer over the same memory, for the native string decoding of protobufjs's BufferReader.
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const reader = protobuf().Reader.create(buffer);
    return read({
      reader,
      orgs: new Vocabulary(reader),
      categories: new Vocabulary(reader),
      countries: new Vocabulary(reader),
      countryLists: new Map(),
      singleCountryLists: new Map(),
    });
  } catch (error) {
    if (error instanceof TollgateError) throw error;
    throw badMessage('snapshot', `undecodable payload: ${(error as Error).message}`, error);
  }
}

/**
 * Decodes and checks the payload of a SignedSnapshot (whose signature the
 * caller has verified). Throws TollgateError 'bad-message': for undecodable
 * bytes ('snapshot: undecodable payload: ...'), a payload of another kind,
 * or content that fails a check (naming the field, as `snapshot.view.policies[3].action`).
 */
export function decodeSnapshotPayload(bytes: Uint8Array): SnapshotContent {
  return decodeWith(bytes, (source) => {
    const { header, view } = readSnapshotPayload(source, true);
    if (view === undefined) throw badMessage('snapshot.view', 'is missing');
    const content: SnapshotContent = { ...header, view: finishView(view, 'snapshot.view') };
    if (content.view.computer.id !== header.computerId) {
      throw badMessage(
        'snapshot.view.computer.id',
        `is ${content.view.computer.id}, but the snapshot is for ${header.computerId}`,
      );
    }
    return content;
  });
}

/**
 * The header of a SignedSnapshot's payload (whose signature the caller has
 * verified) without decoding its view: the view field is skipped whole.
 * Errors as for decodeSnapshotPayload.
 */
export function decodeSnapshotHeader(bytes: Uint8Array): SnapshotHeader {
  return decodeWith(bytes, (source) => readSnapshotPayload(source, false).header);
}

/** The payload's fields, and its view when `withView` (else the view field is skipped). */
function readSnapshotPayload(source: Source, withView: boolean): { header: SnapshotHeader; view?: ViewDraft } {
  const { reader } = source;
  let computerId = '';
  let version = 0;
  let issuedAtMs = 0;
  let settingsVersion = 0;
  let view: ViewDraft | undefined;
  let kind: number = WIRE.PayloadKind.PAYLOAD_KIND_UNSPECIFIED;
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    switch (tag) {
      case SNAPSHOT_PAYLOAD.computerId:
        computerId = readString(reader);
        break;
      case SNAPSHOT_PAYLOAD.version:
        version = reader.uint32();
        break;
      case SNAPSHOT_PAYLOAD.issuedAtMs:
        issuedAtMs = reader.double();
        break;
      case SNAPSHOT_PAYLOAD.settingsVersion:
        settingsVersion = reader.uint32();
        break;
      case SNAPSHOT_PAYLOAD.view:
        if (withView) view = readView(source, view ?? newViewDraft(), 'snapshot.view');
        else skipField(reader, tag, PAYLOAD_DEPTH);
        break;
      case SNAPSHOT_PAYLOAD.kind:
        kind = reader.int32();
        break;
      default:
        skipField(reader, tag, PAYLOAD_DEPTH);
    }
  }

  checkPayloadKind('snapshot', kind);
  requiredId(computerId, 'snapshot', 'computerId');
  checkIssuedAt(issuedAtMs, 'snapshot');
  const header: SnapshotHeader = { computerId, version, issuedAtMs, settingsVersion };
  return view === undefined ? { header } : { header, view };
}

// ---------------------------------------------------------------- the view

/** A ComputerView as read so far: a second occurrence of the field merges into it. */
interface ViewDraft {
  computer: ComputerDraft | undefined;
  orgStructure: number;
  modules: string[];
  policies: CheckedList<ViewPolicy>;
  applications: CheckedList<Application>;
  settings: SettingDraft[];
  gates: CheckedList<Gate>;
  approvalPolicies: CheckedList<ViewApprovalPolicy>;
  permitTarget: number;
  instructions: string;
  escalationEmails: string[];
  approvalWarnings: string[];
}

function newViewDraft(): ViewDraft {
  return {
    computer: undefined,
    orgStructure: 0,
    modules: [],
    policies: emptyList(),
    applications: emptyList(),
    settings: [],
    gates: emptyList(),
    approvalPolicies: emptyList(),
    permitTarget: 0,
    instructions: '',
    escalationEmails: [],
    approvalWarnings: [],
  };
}

function readView(source: Source, view: ViewDraft, at: string): ViewDraft {
  const outer = enter(source.reader);
  readViewFields(source, view, at);
  leave(source.reader, outer);
  return view;
}

/**
 * Decodes and checks the bytes of a ComputerView message (a view whose
 * signed hash the caller has checked: see wire/delta.ts). Errors as for
 * decodeSnapshotPayload, with `at` as the view's path.
 */
export function decodeViewBytes(bytes: Uint8Array, at = 'view'): ComputerView {
  return decodeWith(bytes, (source) => finishView(readViewFields(source, newViewDraft(), at), at));
}

/** Reads the fields of a view up to the reader's limit. */
function readViewFields(source: Source, view: ViewDraft, at: string): ViewDraft {
  const { reader } = source;
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    switch (tag) {
      case COMPUTER_VIEW.computer:
        view.computer = readComputerInfo(source, view.computer ?? newComputerDraft());
        break;
      case COMPUTER_VIEW.orgStructure:
        view.orgStructure = reader.int32();
        break;
      case COMPUTER_VIEW.modules:
        view.modules.push(readString(reader));
        break;
      case COMPUTER_VIEW.policies:
        readElement(source, view.policies, readPolicy, `${at}.policies`);
        break;
      case COMPUTER_VIEW.applications:
        readElement(source, view.applications, readApplication, `${at}.applications`);
        break;
      case COMPUTER_VIEW.settings:
        view.settings.push(readSetting(source));
        break;
      case COMPUTER_VIEW.gates:
        readElement(source, view.gates, readGate, `${at}.gates`);
        break;
      case COMPUTER_VIEW.approvalPolicies:
        readElement(source, view.approvalPolicies, readApprovalPolicy, `${at}.approvalPolicies`);
        break;
      case COMPUTER_VIEW.permitTarget:
        view.permitTarget = reader.int32();
        break;
      case COMPUTER_VIEW.instructions:
        view.instructions = readString(reader);
        break;
      case COMPUTER_VIEW.escalationEmails:
        view.escalationEmails.push(readString(reader));
        break;
      case COMPUTER_VIEW.approvalWarnings:
        view.approvalWarnings.push(readString(reader));
        break;
      default:
        skipField(reader, tag, VIEW_DEPTH);
    }
  }
  return view;
}

/** Checks a view read in full, in the order of codec.ts viewFromWire. */
function finishView(view: ViewDraft, at: string): ComputerView {
  if (view.computer === undefined) throw badMessage(`${at}.computer`, 'is missing');
  const settings = finishSettings(view.settings, `${at}.settings`);
  return {
    computer: finishComputer(view.computer, `${at}.computer`),
    orgStructure: structureCodec.fromWire(view.orgStructure, `${at}.orgStructure`),
    modules: view.modules,
    policies: checked(view.policies),
    applications: checked(view.applications),
    settings: settings.values,
    settingSources: settings.sources,
    gates: checked(view.gates),
    approvalPolicies: checked(view.approvalPolicies),
    permitTarget: permitTargetCodec.fromWire(view.permitTarget, `${at}.permitTarget`),
    instructions: view.instructions,
    escalationEmails: view.escalationEmails,
    approvalWarnings: view.approvalWarnings,
  };
}

// ------------------------------------------------------------ the computer

/** A ComputerInfo as read so far: a second occurrence of the field merges into it. */
interface ComputerDraft {
  id: string;
  name: string | undefined;
  group: string;
  groupName: string;
  org: string;
  os: number;
  agentVersion: string;
}

function newComputerDraft(): ComputerDraft {
  return { id: '', name: undefined, group: '', groupName: '', org: '', os: 0, agentVersion: '' };
}

function readComputerInfo(source: Source, computer: ComputerDraft): ComputerDraft {
  const { reader } = source;
  const outer = enter(reader);
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    switch (tag) {
      case COMPUTER_INFO.id:
        computer.id = readString(reader);
        break;
      case COMPUTER_INFO.name:
        computer.name = readString(reader);
        break;
      case COMPUTER_INFO.group:
        computer.group = readString(reader);
        break;
      case COMPUTER_INFO.groupName:
        computer.groupName = readString(reader);
        break;
      case COMPUTER_INFO.org:
        computer.org = source.orgs.read();
        break;
      case COMPUTER_INFO.os:
        computer.os = reader.int32();
        break;
      case COMPUTER_INFO.agentVersion:
        computer.agentVersion = readString(reader);
        break;
      default:
        skipField(reader, tag, ELEMENT_DEPTH);
    }
  }
  leave(reader, outer);
  return computer;
}

function finishComputer(c: ComputerDraft, at: string): ComputerView['computer'] {
  return {
    id: requiredId(c.id, at, 'id'),
    name: c.name ?? null,
    group: requiredId(c.group, at, 'group'),
    groupName: c.groupName,
    org: requiredId(c.org, at, 'org'),
    os: osCodec.fromWire(c.os, `${at}.os`),
    agentVersion: required(c.agentVersion, at, 'agentVersion'),
  };
}

// ---------------------------------------------------------------- policies

function readPolicy(source: Source, at: string): ViewPolicy {
  const { reader } = source;
  let id = '';
  let name: string | undefined;
  let app: string | undefined;
  let builtIn = false;
  let action = 0;
  let order = 0;
  let levelRank = 0;
  let orgDepth = 0;
  let org = '';
  let expiresAtMs: number | undefined;
  let isDefault = false;
  let ringfenceJson: string | undefined;
  const outer = enter(reader);
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    switch (tag) {
      case POLICY.id:
        id = readString(reader);
        break;
      case POLICY.name:
        name = readString(reader);
        break;
      case POLICY.app:
        app = readString(reader);
        break;
      case POLICY.builtIn:
        builtIn = reader.bool();
        break;
      case POLICY.action:
        action = reader.int32();
        break;
      case POLICY.order:
        order = reader.sint32();
        break;
      case POLICY.levelRank:
        levelRank = reader.uint32();
        break;
      case POLICY.orgDepth:
        orgDepth = reader.uint32();
        break;
      case POLICY.org:
        org = source.orgs.read();
        break;
      case POLICY.expiresAtMs:
        expiresAtMs = reader.double();
        break;
      case POLICY.isDefault:
        isDefault = reader.bool();
        break;
      case POLICY.ringfenceJson:
        ringfenceJson = readString(reader);
        break;
      default:
        skipField(reader, tag, ELEMENT_DEPTH);
    }
  }
  leave(reader, outer);

  const policy: ViewPolicy = {
    id: requiredId(id, at, 'id'),
    name: name ?? null,
    app: app === undefined ? null : requiredId(app, at, 'app'),
    builtIn,
    action: policyActionCodec.fromWire(action, `${at}.action`),
    order,
    levelRank,
    orgDepth,
    org: requiredId(org, at, 'org'),
    expiresAtMs: expiresAtMs ?? null,
    isDefault,
  };
  // Checked once the message is read (the list reads on after a problem), in codec.ts policyFromWire's order.
  checkExpiry(policy.expiresAtMs, at);
  const ringfence = ringfenceFromWire(ringfenceJson, `${at}.ringfenceJson`);
  if (ringfence !== undefined) policy.ringfence = ringfence;
  return policy;
}

// ------------------------------------------------------------ applications

function readApplication(source: Source, at: string): Application {
  const { reader } = source;
  let id = '';
  let name = '';
  let builtIn = false;
  let org: string | undefined;
  let category: string | undefined;
  let subcategory: string | undefined;
  const rules: AppRule[] = [];
  let primaryCompanyInfluence: string[] | undefined;
  let developmentInfluence: string[] | undefined;
  const outer = enter(reader);
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    switch (tag) {
      case APPLICATION.id:
        id = readString(reader);
        break;
      case APPLICATION.name:
        name = readString(reader);
        break;
      case APPLICATION.builtIn:
        builtIn = reader.bool();
        break;
      case APPLICATION.org:
        org = source.orgs.read();
        break;
      case APPLICATION.category:
        category = source.categories.read();
        break;
      case APPLICATION.subcategory:
        subcategory = source.categories.read();
        break;
      case APPLICATION.rules:
        rules.push(readAppRule(source));
        break;
      case APPLICATION.primaryCompanyInfluence:
        primaryCompanyInfluence = readStringList(source, primaryCompanyInfluence ?? []);
        break;
      case APPLICATION.developmentInfluence:
        developmentInfluence = readStringList(source, developmentInfluence ?? []);
        break;
      default:
        skipField(reader, tag, ELEMENT_DEPTH);
    }
  }
  leave(reader, outer);

  const application: Application = { id: requiredId(id, at, 'id'), name, builtIn, rules: compact(rules) };
  if (org !== undefined) application.org = org;
  if (category !== undefined) application.category = category;
  if (subcategory !== undefined) application.subcategory = subcategory;
  if (primaryCompanyInfluence !== undefined) {
    application.primaryCompanyInfluence = sharedList(source, primaryCompanyInfluence);
  }
  if (developmentInfluence !== undefined) application.developmentInfluence = sharedList(source, developmentInfluence);
  return application;
}

function readAppRule(source: Source): AppRule {
  const { reader } = source;
  let path: string | undefined;
  let processPath: string | undefined;
  let createdBy: string | undefined;
  let sha256: string | undefined;
  let certSubject: string | undefined;
  let certThumbprint: string | undefined;
  const outer = enter(reader);
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    switch (tag) {
      case APP_RULE.path:
        path = readString(reader);
        break;
      case APP_RULE.processPath:
        processPath = readString(reader);
        break;
      case APP_RULE.createdBy:
        createdBy = readString(reader);
        break;
      case APP_RULE.sha256:
        sha256 = readString(reader);
        break;
      case APP_RULE.certSubject:
        certSubject = readString(reader);
        break;
      case APP_RULE.certThumbprint:
        certThumbprint = readString(reader);
        break;
      default:
        skipField(reader, tag, NESTED_DEPTH);
    }
  }
  leave(reader, outer);

  const rule: AppRule = {};
  if (path !== undefined) rule.path = path;
  if (processPath !== undefined) rule.processPath = processPath;
  if (createdBy !== undefined) rule.createdBy = createdBy;
  if (sha256 !== undefined) rule.sha256 = sha256;
  if (certSubject !== undefined) rule.certSubject = certSubject;
  if (certThumbprint !== undefined) rule.certThumbprint = certThumbprint;
  return rule;
}

/** Reads a StringList, appending its values to `values` (a list given twice is merged). */
function readStringList(source: Source, values: string[]): string[] {
  const { reader } = source;
  const outer = enter(reader);
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    if (tag === STRING_LIST.values) values.push(source.countries.read());
    else skipField(reader, tag, NESTED_DEPTH);
  }
  leave(reader, outer);
  return values;
}

// ---------------------------------------------------------------- settings

/** A Setting as read; its checks involve the other settings, so they wait for finishSettings. */
interface SettingDraft {
  name: string;
  value: SettingValue | undefined;
  source: string | undefined;
}

function readSetting(source: Source): SettingDraft {
  const { reader } = source;
  const setting: SettingDraft = { name: '', value: undefined, source: undefined };
  const outer = enter(reader);
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    switch (tag) {
      case SETTING.name:
        setting.name = readString(reader);
        break;
      case SETTING.value:
        setting.value = readSettingValue(source, setting.value);
        break;
      case SETTING.source:
        setting.source = readString(reader);
        break;
      default:
        skipField(reader, tag, ELEMENT_DEPTH);
    }
  }
  leave(reader, outer);
  return setting;
}

/** Reads a SettingValue merged into `value`: the oneof member read last wins; undefined if none was set. */
function readSettingValue(source: Source, value: SettingValue | undefined): SettingValue | undefined {
  const { reader } = source;
  const outer = enter(reader);
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    switch (tag) {
      case SETTING_VALUE.boolValue:
        value = reader.bool();
        break;
      case SETTING_VALUE.numberValue:
        value = reader.double();
        break;
      case SETTING_VALUE.stringValue:
        value = readString(reader);
        break;
      default:
        skipField(reader, tag, NESTED_DEPTH);
    }
  }
  leave(reader, outer);
  return value;
}

/** Setting values and sources, checked as codec.ts settingsFromWire: names set and unique, values set. */
function finishSettings(settings: readonly SettingDraft[], at: string): SettingsRecord {
  const values: Record<string, SettingValue> = {};
  const sources: Record<string, string | null> = {};
  settings.forEach((setting, i) => {
    const name = required(setting.name, `${at}[${i}]`, 'name');
    if (Object.hasOwn(values, name)) throw badMessage(`${at}[${i}].name`, `setting ${name} appears twice`);
    if (setting.value === undefined) throw badMessage(`${at}[${i}].value`, 'is missing');
    setEntry(values, name, setting.value);
    setEntry(sources, name, setting.source ?? null);
  });
  checkViewSettings(values, at, sources);
  return { values, sources };
}

// ------------------------------------------------------------------- gates

function readGate(source: Source, at: string): Gate {
  const { reader } = source;
  let feature = '';
  let os = 0;
  let minVersion = '';
  const outer = enter(reader);
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    switch (tag) {
      case GATE.feature:
        feature = readString(reader);
        break;
      case GATE.os:
        os = reader.int32();
        break;
      case GATE.minVersion:
        minVersion = readString(reader);
        break;
      default:
        skipField(reader, tag, ELEMENT_DEPTH);
    }
  }
  leave(reader, outer);

  return {
    feature: required(feature, at, 'feature'),
    os: osCodec.fromWire(os, `${at}.os`),
    minVersion: required(minVersion, at, 'minVersion'),
  };
}

// -------------------------------------------------------- approval policies

function readApprovalPolicy(source: Source, at: string): ViewApprovalPolicy {
  const { reader } = source;
  let id = '';
  let order = 0;
  let scopeRank = 0;
  let action = 0;
  let category = '';
  let subcategory: string | undefined;
  let countriesMode = 0;
  const countries: string[] = [];
  const outer = enter(reader);
  while (reader.pos < reader.len) {
    const tag = reader.tag();
    switch (tag) {
      case APPROVAL_POLICY.id:
        id = readString(reader);
        break;
      case APPROVAL_POLICY.order:
        order = reader.uint32();
        break;
      case APPROVAL_POLICY.scopeRank:
        scopeRank = reader.uint32();
        break;
      case APPROVAL_POLICY.action:
        action = reader.int32();
        break;
      case APPROVAL_POLICY.category:
        category = source.categories.read();
        break;
      case APPROVAL_POLICY.subcategory:
        subcategory = source.categories.read();
        break;
      case APPROVAL_POLICY.countriesMode:
        countriesMode = reader.int32();
        break;
      case APPROVAL_POLICY.countries:
        countries.push(source.countries.read());
        break;
      default:
        skipField(reader, tag, ELEMENT_DEPTH);
    }
  }
  leave(reader, outer);

  const policy: ViewApprovalPolicy = {
    id: requiredId(id, at, 'id'),
    order,
    scopeRank,
    action: approvalActionCodec.fromWire(action, `${at}.action`),
    category: required(category, at, 'category'),
    countries: { mode: countryModeCodec.fromWire(countriesMode, `${at}.countriesMode`), list: compact(countries) },
  };
  if (subcategory !== undefined) policy.subcategory = subcategory;
  return policy;
}
