/**
 * The compiled view image: one computer's view as a single byte buffer
 * (a header, a string table, fixed-width typed columns for policies,
 * applications and rules, the processing ranks of both built-in modes and
 * the rule index), and an evaluator that decides directly over typed-array
 * views of it. A warm start opens the stored bytes: checks, no decode, no
 * object graph, no re-index. docs/DAEMON.md "The compiled view image"
 * describes the layout.
 */
import { PRIORITIZE_FEATURE } from './gates.js';
import {
  type EffectiveMode,
  type EvaluateOptions,
  NO_MATCH_REASON,
  describeMode,
  effectiveMode,
  policyReasonIn,
} from './decision.js';
import { TollgateError } from './errors.js';
import {
  F_CREATED,
  F_PATH,
  F_PROCESS,
  F_SHA,
  F_SUBJECT,
  F_THUMBPRINT,
  type FoldMode,
  MATCH,
  NO_MATCH,
  foldMode,
  ruleMatches,
} from './image-match.js';
import { type NormalizedFile, compileRuleTest, hasRegexPattern, normalizeFile, ruleKeys } from './matcher.js';
import {
  type AppRule,
  type Application,
  type Decision,
  type FileRequest,
  OS_NAMES,
  type OsName,
  POLICY_ACTIONS,
  type PolicyAction,
  RULE_FIELDS,
  STRUCTURES,
  type SettingValue,
} from './model.js';
import {
  GRAM_BASE,
  GRAM_MAX,
  GRAM_MIN,
  KEY_KINDS,
  KIND_FIELD,
  KIND_NUMBER,
  KIND_PART,
  KeyCounts,
  KeyFilter,
  type KeyKind,
  PATH_FIELDS,
  RuleIndex,
  gramBasePower,
  gramPoly,
  hashStep,
  keyHash,
  kindSeed,
  mix32,
} from './rule-index.js';
import { type KeyOut, maxKeysOfBytes, ruleKeyBytes } from './rule-key-bytes.js';
import { sortNonNegative, sortRange, sortRangeByRank } from './radix-sort.js';
import { PRIORITIZE_SETTING } from './settings.js';
import type { ComputerView, ViewPolicy } from './view.js';
import { versionProblem } from './version.js';
import {
  APP_ABSENT,
  FLAG_BUILT_IN,
  FLAG_DEFAULT,
  checkApplicationRecords,
  checkPolicyIds,
  checkPolicyRecords,
  checkViewRest,
} from './view-consistency.js';

/** The layout version of the image: an image of another version is refused (and recompiled from its snapshot). */
export const IMAGE_FORMAT_VERSION = 2;
/** "TGVI" read as a little-endian 32-bit number: a big-endian reader sees another number and refuses the image. */
export const IMAGE_MAGIC = 0x49564754;
/** The error codes of openViewImage: damaged bytes, or an image of another format or snapshot. */
export const IMAGE_ERROR_CODES = Object.freeze({
  damaged: 'image-damaged',
  mismatch: 'image-mismatch',
  released: 'image-released',
} as const);

/**
 * The fixed header, little-endian: byte offsets of magic, format version,
 * total length, checksum, snapshot version (Float64, NaN for none), snapshot
 * hash flag, section count, the 32-byte snapshot hash, and the section table
 * (an offset and a length, both Uint32, per section of IMAGE_SECTIONS).
 */
export const IMAGE_HEADER = Object.freeze({
  magic: 0,
  format: 4,
  length: 8,
  checksum: 12,
  snapshotVersion: 16,
  hasHash: 24,
  sectionCount: 28,
  hash: 32,
  sections: 64,
} as const);
const H_MAGIC = IMAGE_HEADER.magic;
const H_FORMAT = IMAGE_HEADER.format;
const H_LENGTH = IMAGE_HEADER.length;
const H_CHECKSUM = IMAGE_HEADER.checksum;
const H_SNAPSHOT_VERSION = IMAGE_HEADER.snapshotVersion;
const H_HAS_HASH = IMAGE_HEADER.hasHash;
const H_SECTION_COUNT = IMAGE_HEADER.sectionCount;
const H_HASH = IMAGE_HEADER.hash;
const HASH_BYTES = 32;
const H_SECTIONS = IMAGE_HEADER.sections;
/** The checksum covers every byte after its own field. */
const CHECKSUM_FROM = H_SNAPSHOT_VERSION;

/** Each section: its name and the size of its elements (1 Uint8, 4 Int32/Uint32, 8 Float64). */
const SECTIONS = [
  ['strOffsets', 4],
  ['strBytes', 1],
  ['policyId', 4],
  ['policyName', 4],
  ['policyApp', 4],
  ['policyOrg', 4],
  ['policyFlags', 1],
  ['policyAction', 1],
  ['policyOrder', 8],
  ['policyLevelRank', 8],
  ['policyOrgDepth', 8],
  ['policyExpires', 8],
  ['policyRingfence', 4],
  ['appId', 4],
  ['appName', 4],
  ['appOrg', 4],
  ['appCategory', 4],
  ['appSubcategory', 4],
  ['appInfluence', 4],
  ['appFlags', 1],
  ['appRuleStart', 4],
  ['appRuleCount', 4],
  ['appById', 4],
  ['ruleFields', 4],
  ['ruleApp', 4],
  ['rank0', 4],
  ['rank1', 4],
  ['appStart', 4],
  ['byRank0', 4],
  ['byRank1', 4],
  ['defaults0', 4],
  ['defaults1', 4],
  ['expiries', 8],
  ['indexTable', 4],
  ['indexNext', 4],
  ['filterBits', 4],
  ['gramFilterBits', 4],
  ['fieldParts', 4],
  ['fieldGramLengths', 4],
  ['unindexed', 4],
  ['filedByKind', 4],
  ['mode', 4],
  ['meta', 1],
] as const;
const SECTION_COUNT = SECTIONS.length;
/** The sections of an image, in the order of its section table. */
export const IMAGE_SECTIONS: readonly string[] = SECTIONS.map(([name]) => name);
const DATA_FROM = align8(H_SECTIONS + SECTION_COUNT * 8);
/**
 * Where the sections lie in the image, first to last (the section table
 * gives each one's offset; a reader goes by it): the columns read from a
 * view and the string bytes first, so that a compile that counted the
 * view's entries fills them in place, then the sections worked out when
 * the view has been read, in table order.
 */
export const IMAGE_PLACEMENT: readonly string[] = [
  'policyId',
  'policyName',
  'policyApp',
  'policyOrg',
  'policyFlags',
  'policyAction',
  'policyOrder',
  'policyLevelRank',
  'policyOrgDepth',
  'policyExpires',
  'policyRingfence',
  'appId',
  'appName',
  'appOrg',
  'appCategory',
  'appSubcategory',
  'appInfluence',
  'appFlags',
  'appRuleStart',
  'appRuleCount',
  'ruleFields',
  'strBytes',
];
const PLACEMENT: readonly number[] = [
  ...IMAGE_PLACEMENT.map((name) => IMAGE_SECTIONS.indexOf(name)),
  ...IMAGE_SECTIONS.map((_, s) => s).filter((s) => !IMAGE_PLACEMENT.includes(IMAGE_SECTIONS[s] as string)),
];
/** The least room a column grows to (one sized to a view's count may have none). */
const MIN_COLUMN_ROOM = 1024;

/** Room left in an image buffer made ahead for the small sections (mode, meta and the like). */
const REST_SLACK_BYTES = 1 << 20;
/** The buffer an image is written in (ViewImageBuilder.reserve): see the builder's `arena`. */
interface Arena {
  buffer: ArrayBuffer;
  /** The most the view can take of it (its estimate). */
  need: number;
  /** Given to recycle (the buffer of an image let go), rather than made for this view. */
  recycled: boolean;
}

/** ruleFields holds RULE_FIELDS.length string numbers a rule. */
const RULE_WIDTH = RULE_FIELDS.length;
/** The mode section: os, structure, prioritization forced, setting off, gated count, then the gated features. */
const MODE_HEAD = 5;

function align8(n: number): number {
  return (n + 7) & ~7;
}

function damaged(what: string): TollgateError {
  return new TollgateError(IMAGE_ERROR_CODES.damaged, `view image damaged: ${what}`);
}

function mismatch(what: string): TollgateError {
  return new TollgateError(IMAGE_ERROR_CODES.mismatch, `view image mismatch: ${what}`);
}

/**
 * The checksum of an image: two FNV-style lanes over its 32-bit words from
 * CHECKSUM_FROM. Any change of one word changes it (each step is a bijection).
 * Chosen over SHA-256 and CRC-32 because the engine imports nothing from
 * Node.js, and it runs as fast as zlib.crc32 (about 10 ms on 50 MB).
 */
export function imageChecksum(bytes: Uint8Array): number {
  const words = new Int32Array(bytes.buffer, bytes.byteOffset + CHECKSUM_FROM, (bytes.length - CHECKSUM_FROM) >>> 2);
  let h = 0x811c9dc5 | 0;
  let g = 0x12345678;
  const n = words.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    h = Math.imul(h ^ (words[i] as number), 0x01000193);
    g = Math.imul(g ^ (words[i + 1] as number), 0x5bd1e995);
  }
  if (i < n) h = Math.imul(h ^ (words[i] as number), 0x01000193);
  return (h ^ Math.imul(g, 0x9e3779b1)) >>> 0;
}

/** Writes a (re)computed checksum into an image's header: how compileViewImage seals what it wrote. */
export function sealImage(bytes: Uint8Array): void {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.length).setUint32(H_CHECKSUM, imageChecksum(bytes), true);
}

/** The typed-array views of every section of an image. */
export interface ImageSections {
  strOffsets: Uint32Array;
  strBytes: Uint8Array;
  policyId: Int32Array;
  policyName: Int32Array;
  policyApp: Int32Array;
  policyOrg: Int32Array;
  policyFlags: Uint8Array;
  policyAction: Uint8Array;
  policyOrder: Float64Array;
  policyLevelRank: Float64Array;
  policyOrgDepth: Float64Array;
  policyExpires: Float64Array;
  policyRingfence: Int32Array;
  appId: Int32Array;
  appName: Int32Array;
  appOrg: Int32Array;
  appCategory: Int32Array;
  appSubcategory: Int32Array;
  appInfluence: Int32Array;
  appFlags: Uint8Array;
  appRuleStart: Int32Array;
  appRuleCount: Int32Array;
  appById: Int32Array;
  ruleFields: Int32Array;
  ruleApp: Int32Array;
  rank0: Int32Array;
  rank1: Int32Array;
  appStart: Int32Array;
  byRank0: Int32Array;
  byRank1: Int32Array;
  defaults0: Int32Array;
  defaults1: Int32Array;
  expiries: Float64Array;
  indexTable: Int32Array;
  indexNext: Int32Array;
  filterBits: Int32Array;
  gramFilterBits: Int32Array;
  fieldParts: Int32Array;
  fieldGramLengths: Int32Array;
  unindexed: Int32Array;
  filedByKind: Int32Array;
  mode: Int32Array;
  meta: Uint8Array;
}

type Column = Uint8Array | Uint32Array | Int32Array | Float64Array;

/** Typed-array views over an image's sections (no copy); checks only what makes the views possible. */
function viewSections(bytes: Uint8Array): ImageSections {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (dv.getUint32(H_SECTION_COUNT, true) !== SECTION_COUNT) {
    throw damaged(`section count ${dv.getUint32(H_SECTION_COUNT, true)}, expected ${SECTION_COUNT}`);
  }
  const out: Record<string, Column> = {};
  for (let s = 0; s < SECTION_COUNT; s++) {
    const [name, size] = SECTIONS[s] as (typeof SECTIONS)[number];
    const offset = dv.getUint32(H_SECTIONS + 8 * s, true);
    const length = dv.getUint32(H_SECTIONS + 8 * s + 4, true);
    if (offset < DATA_FROM || offset % 8 !== 0 || offset + length > bytes.length || length % size !== 0) {
      throw damaged(`section ${name} at ${offset} length ${length} is out of bounds of ${bytes.length} bytes`);
    }
    const at = bytes.byteOffset + offset;
    out[name] =
      size === 1
        ? new Uint8Array(bytes.buffer, at, length)
        : size === 8
          ? new Float64Array(bytes.buffer, at, length / 8)
          : name === 'strOffsets'
            ? new Uint32Array(bytes.buffer, at, length / 4)
            : new Int32Array(bytes.buffer, at, length / 4);
  }
  return out as unknown as ImageSections;
}

/*
 * The walks of validateLayout: it checks every column of an image before the
 * image is served, at every warm start, so each walk is a small function of
 * one loop over one kind of typed array, which V8 compiles to machine code
 * soon and reuses for every column of that kind (the checks written as one
 * function of two dozen loops took 40 ms of CPU at 100,000 policies, these
 * about 25). Each returns the first entry at fault, or -1.
 */

/** The first entry of `column` outside [min, max). */
function firstOutside(column: Int32Array, min: number, max: number): number {
  for (let i = 0; i < column.length; i++) {
    const v = column[i] as number;
    if (v < min || v >= max) return i;
  }
  return -1;
}

/** The first entry of `column` above `max`. */
function firstAbove(column: Uint8Array, max: number): number {
  for (let i = 0; i < column.length; i++) if ((column[i] as number) > max) return i;
  return -1;
}

/** The first entry of `offsets` lower than the one before it. */
function firstBackwards(offsets: Uint32Array): number {
  for (let i = 1; i < offsets.length; i++) if ((offsets[i] as number) < (offsets[i - 1] as number)) return i;
  return -1;
}

/** The first entry of `column` (from 1) not above the one before it. */
function firstNotIncreasing(column: Int32Array, length: number): number {
  for (let i = 1; i < length; i++) if ((column[i] as number) <= (column[i - 1] as number)) return i;
  return -1;
}

/** The first application whose rules (start, count) are not within `rules`. */
function firstAppRulesOutside(start: Int32Array, count: Int32Array, rules: number): number {
  for (let a = 0; a < start.length; a++) {
    const s = start[a] as number;
    const c = count[a] as number;
    if (s < 0 || c < 0 || s + c > rules) return a;
  }
  return -1;
}

/**
 * The first rule at fault: its application outside [-1, used), a field
 * outside [-1, strings), or, of an application (>= 0), no field set (>= 0).
 */
function firstBadRule(ruleApp: Int32Array, ruleFields: Int32Array, used: number, strings: number): number {
  for (let r = 0, at = 0; r < ruleApp.length; r++, at += RULE_WIDTH) {
    const a = ruleApp[r] as number;
    if (a < -1 || a >= used) return r;
    let any = false;
    for (let f = at; f < at + RULE_WIDTH; f++) {
      const v = ruleFields[f] as number;
      if (v < -1 || v >= strings) return r;
      if (v >= 0) any = true;
    }
    if (!any && a >= 0) return r;
  }
  return -1;
}

/** The first entry of `next` that is neither -1 nor an earlier rule of an application. */
function firstBadChain(next: Int32Array, ruleApp: Int32Array): number {
  for (let r = 0; r < next.length; r++) {
    const to = next[r] as number;
    if (to === -1) continue;
    if (to < 0 || to >= r || (ruleApp[to] as number) < 0) return r;
  }
  return -1;
}

/** The first of `rules` (rule numbers, from 0) filed for a rule of no application (`ruleApp` < 0). */
function firstOfNoApp(rules: Int32Array, ruleApp: Int32Array): number {
  for (let i = 0; i < rules.length; i++) if ((ruleApp[rules[i] as number] as number) < 0) return i;
  return -1;
}

/**
 * The first index slot at fault (its head, at odd positions, neither -1 for
 * empty nor a rule of [0, rules) of an application), or -2 when no slot is
 * empty; -1 when none is at fault and one is empty.
 */
function firstBadSlot(table: Int32Array, ruleApp: Int32Array, rules: number): number {
  let empty = false;
  for (let i = 1; i < table.length; i += 2) {
    const head = table[i] as number;
    if (head === -1) empty = true;
    else if (head < 0 || head >= rules || (ruleApp[head] as number) < 0) return i;
  }
  return empty ? -1 : -2;
}

/** Checks every number stored in the columns against what it refers to: linear passes, no objects. */
function validateLayout(l: ImageSections): void {
  const offsets = l.strOffsets;
  if (offsets.length < 1 || offsets[0] !== 0 || offsets[offsets.length - 1] !== l.strBytes.length) {
    throw damaged('string offsets do not span the string bytes');
  }
  const back = firstBackwards(offsets);
  if (back >= 0) throw damaged(`string offset ${back} goes backwards`);
  const strings = offsets.length - 1;
  const strs = (name: string, column: Int32Array, optional: boolean): void => {
    const i = firstOutside(column, optional ? -1 : 0, strings);
    if (i >= 0) throw damaged(`${name}[${i}] = ${column[i]} is not a string number (${strings} strings)`);
  };
  const range = (name: string, column: Int32Array, min: number, max: number): void => {
    const i = firstOutside(column, min, max);
    if (i >= 0) throw damaged(`${name}[${i}] = ${column[i]} is out of range [${min}, ${max})`);
  };
  const sameLength = (name: string, column: Column, n: number): void => {
    if (column.length !== n) throw damaged(`${name} has ${column.length} entries, expected ${n}`);
  };

  const n = l.policyId.length;
  strs('policyId', l.policyId, false);
  sameLength('policyName', l.policyName, n);
  strs('policyName', l.policyName, true);
  sameLength('policyApp', l.policyApp, n);
  strs('policyApp', l.policyApp, true);
  sameLength('policyOrg', l.policyOrg, n);
  strs('policyOrg', l.policyOrg, false);
  sameLength('policyRingfence', l.policyRingfence, n);
  strs('policyRingfence', l.policyRingfence, true);
  for (const [name, column] of [
    ['policyFlags', l.policyFlags],
    ['policyAction', l.policyAction],
    ['policyOrder', l.policyOrder],
    ['policyLevelRank', l.policyLevelRank],
    ['policyOrgDepth', l.policyOrgDepth],
    ['policyExpires', l.policyExpires],
    ['rank0', l.rank0],
    ['rank1', l.rank1],
  ] as const) {
    sameLength(name, column, n);
  }
  // Which comes first, a bad action or bad flags, is the order the entries were checked in one loop.
  const badAction = firstAbove(l.policyAction, POLICY_ACTIONS.length - 1);
  const badFlags = firstAbove(l.policyFlags, FLAG_BUILT_IN | FLAG_DEFAULT);
  if (badAction >= 0 && (badFlags < 0 || badAction <= badFlags))
    throw damaged(`policyAction[${badAction}] is no action`);
  if (badFlags >= 0) throw damaged(`policyFlags[${badFlags}] is unknown`);

  const apps = l.appId.length;
  strs('appId', l.appId, false);
  for (const [name, column] of [
    ['appName', l.appName],
    ['appOrg', l.appOrg],
    ['appCategory', l.appCategory],
    ['appSubcategory', l.appSubcategory],
    ['appInfluence', l.appInfluence],
  ] as const) {
    sameLength(name, column, apps);
    strs(name, column, name !== 'appName');
  }
  sameLength('appFlags', l.appFlags, apps);
  sameLength('appRuleStart', l.appRuleStart, apps);
  sameLength('appRuleCount', l.appRuleCount, apps);
  const rules = l.ruleApp.length;
  sameLength('ruleFields', l.ruleFields, rules * RULE_WIDTH);
  const badAppFlags = firstAbove(l.appFlags, FLAG_BUILT_IN);
  const badAppRules = firstAppRulesOutside(l.appRuleStart, l.appRuleCount, rules);
  if (badAppFlags >= 0 && (badAppRules < 0 || badAppFlags <= badAppRules)) {
    throw damaged(`appFlags[${badAppFlags}] is unknown`);
  }
  if (badAppRules >= 0) throw damaged(`application ${badAppRules}'s rules are out of range`);
  range('appById', l.appById, 0, apps);

  // Policies by application (numbered by first use): every range non-empty, within byRank.
  const used = l.appStart.length - 1;
  if (used < 0 || l.appStart[0] !== 0) throw damaged('appStart does not start at 0');
  const flat = firstNotIncreasing(l.appStart, used + 1);
  if (flat >= 0) throw damaged(`appStart[${flat}] does not increase`);
  const ranged = l.appStart[used] as number;
  sameLength('byRank0', l.byRank0, ranged);
  sameLength('byRank1', l.byRank1, ranged);
  range('byRank0', l.byRank0, 0, n);
  range('byRank1', l.byRank1, 0, n);
  range('rank0', l.rank0, 0, n);
  range('rank1', l.rank1, 0, n);
  sameLength('defaults1', l.defaults1, l.defaults0.length);
  range('defaults0', l.defaults0, 0, n);
  range('defaults1', l.defaults1, 0, n);
  // Rules: each of a used application (or -1: of none), its fields string numbers (or -1), one set at least.
  // The first fault in rule order is reported: a rule's application, then its fields, then whether one is set.
  const ruleApp = l.ruleApp;
  const ruleFields = l.ruleFields;
  const badRule = firstBadRule(ruleApp, ruleFields, used, strings);
  if (badRule >= 0) {
    const r = badRule;
    if ((ruleApp[r] as number) < -1 || (ruleApp[r] as number) >= used) {
      throw damaged(`ruleApp[${r}] = ${ruleApp[r]} is out of range [-1, ${used})`);
    }
    for (let at = r * RULE_WIDTH; at < (r + 1) * RULE_WIDTH; at++) {
      const v = ruleFields[at] as number;
      if (v < -1 || v >= strings) throw damaged(`ruleFields[${at}] = ${v} is not a string number (${strings} strings)`);
    }
    throw damaged(`rule ${r} sets no field`);
  }

  // The index: a power of two slots with one empty at least (a lookup ends there), and chains that end:
  // rules are filed in increasing order, so each chain goes down to lower rule numbers, which one
  // linear pass checks (no walk of the chains); every rule a slot or a chain names is of a used application.
  const table = l.indexTable;
  const slots = table.length >>> 1;
  if (slots < 16 || (slots & (slots - 1)) !== 0 || table.length !== slots * 2) throw damaged('index table size');
  const next = l.indexNext;
  sameLength('indexNext', next, Math.max(rules, 1));
  const badChain = firstBadChain(next, ruleApp);
  if (badChain >= 0) {
    const to = next[badChain] as number;
    if (to < 0 || to >= badChain) {
      throw damaged(`indexNext[${badChain}] = ${to}: index chains must go to earlier rules`);
    }
    throw damaged(`index files rule ${to}, of no policy's application`);
  }
  const badSlot = firstBadSlot(table, ruleApp, rules);
  if (badSlot === -2) throw damaged('index table has no empty slot');
  if (badSlot >= 0) {
    const head = table[badSlot] as number;
    if (head < 0 || head >= rules) throw damaged(`index slot ${badSlot >>> 1} names rule ${head}`);
    throw damaged(`index files rule ${head}, of no policy's application`);
  }
  for (const [name, bits] of [
    ['filter', l.filterBits],
    ['gram filter', l.gramFilterBits],
  ] as const) {
    const words = bits.length;
    if (words < 32 || words > 1 << 25 || (words & (words - 1)) !== 0) throw damaged(`${name} size`);
  }
  sameLength('fieldParts', l.fieldParts, PATH_FIELDS.length);
  sameLength('fieldGramLengths', l.fieldGramLengths, PATH_FIELDS.length);
  sameLength('filedByKind', l.filedByKind, KEY_KINDS.length);
  range('unindexed', l.unindexed, 0, rules);
  const unindexedOfNoApp = firstOfNoApp(l.unindexed, ruleApp);
  if (unindexedOfNoApp >= 0) throw damaged(`unindexed[${unindexedOfNoApp}] is of no policy's application`);

  const mode = l.mode;
  if (mode.length < MODE_HEAD || mode.length !== MODE_HEAD + (mode[4] as number)) throw damaged('mode section length');
  if ((mode[0] as number) < 0 || (mode[0] as number) >= OS_NAMES.length) throw damaged('mode: unknown os');
  if ((mode[1] as number) < 0 || (mode[1] as number) >= STRUCTURES.length) throw damaged('mode: unknown structure');
  if ((mode[2] as number) >>> 1 !== 0 || (mode[3] as number) >>> 1 !== 0) throw damaged('mode: flags');
  strs('mode', mode.subarray(MODE_HEAD), false);
}

// A text that begins with U+FEFF keeps it (the default decoder drops a leading byte-order mark).
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });
/** ViewImage's leads before the first decision sets them. */
const EMPTY_LEADS = new Int32Array(0);
/**
 * Node's Buffer reads Latin-1 natively from any Uint8Array; for the short
 * ASCII strings a decision or a rule shows it is about three times as fast
 * as the TextDecoder (its subarray included). Undefined outside Node.
 */
type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
const latin1Slice = (globalThis as { Buffer?: { prototype: { latin1Slice?: Latin1Slice } } }).Buffer?.prototype
  .latin1Slice;
const UTF8_ENCODER = new TextEncoder();

type RuleTest = (file: NormalizedFile) => boolean;

/** KIND_PART number of gram keys: looked up at every window of a request's field, behind their own filter. */
const PART_GRAM = 3;
const SHA256_KIND = KIND_NUMBER.get('sha256') as number;
const THUMBPRINT_KIND = KIND_NUMBER.get('certThumbprint') as number;
const KIND_SEED_BY_NUMBER = Int32Array.from(KEY_KINDS, (kind) => kindSeed(kind));
const SHA256_SEED = kindSeed('sha256');
const THUMBPRINT_SEED = kindSeed('certThumbprint');
const SUBJECT_SEED = kindSeed('certSubject');

/** hashKey from a kind's seed. */
function hashFrom(seed: number, text: string, from: number, to: number): number {
  let hash = seed;
  for (let i = from; i < to; i++) hash = hashStep(hash, text.charCodeAt(i));
  return hash | 0;
}

const SLASH = 0x2f;

/** Per path-like field (PATH_FIELDS order): the seeds a request looks its value up by. */
const FIELD_KINDS = PATH_FIELDS.map((field) => ({
  exactSeed: kindSeed(`${field}:exact`),
  nameSeed: kindSeed(`${field}:name`),
  segmentSeed: kindSeed(`${field}:segment`),
  gramSeed: kindSeed(`${field}:gram`),
}));
/** Bits of a field's `fieldParts` entry (1 << KIND_PART): which kinds of key its rules are filed under. */
const PART_EXACT = 1;
const PART_NAME = 2;
const PART_SEGMENT = 4;
/** GRAM_BASE ** (length - 1) for every gram length, to roll a window. */
const GRAM_POWERS = Array.from({ length: GRAM_MAX + 1 }, (_, n) => gramBasePower(Math.max(0, n - 1)));

/**
 * Compiled rule tests kept, at most (about 0.7 KB each): past it they start
 * over and each is compiled again the next time a request reaches it, so a
 * long run of files never asked before does not keep a test for every rule.
 */
export const MAX_COMPILED_RULE_TESTS = 8_192;
/**
 * Decisions kept made, one per deciding policy and mode (about 0.5 KB
 * each), at most: in sets of two slots chosen by the policy's number, a
 * decision made for a full set replacing the set's less recently used (the decision cache keeps its own).
 */
export const MAX_KEPT_DECISIONS = 8_192;
/** ViewImage.decisionParts' layout: where each part of a decision's policy lies in the parts array. */
export const PART_ACTION = 0;
export const PART_ORDER = 1;
export const PART_DEFAULT = 2;
export const PART_RINGFENCE = 3;
export const PART_ID_FROM = 4;
export const PART_ID_TO = 5;
export const PART_NAME_FROM = 6;
export const PART_NAME_TO = 7;
export const PART_APP_FROM = 8;
export const PART_APP_TO = 9;
export const PART_RINGFENCE_FROM = 10;
export const PART_RINGFENCE_TO = 11;
/** The length of a decisionParts array. */
export const DECISION_PARTS = 12;
/** Moves mode 1's set of a policy away from mode 0's (an odd number below MAX_KEPT_DECISIONS / 2). */
const KEPT_MODE_SPREAD = 0x0d55;

/** The snapshot an image is compiled from: its version and the SHA-256 of its signed bytes (null: none). */
export interface ImageBinding {
  snapshotVersion: number | null;
  snapshotHash: Uint8Array | null;
}

/** The view without its policies and applications: the small part of an image, kept as JSON. */
export type ViewMeta = Omit<ComputerView, 'policies' | 'applications'>;

/**
 * One compiled view image and the evaluator over it: typed-array views of
 * the image's sections, plus bounded caches filled as requests arrive (rule
 * tests compiled on first test where the string table cannot decide them, see image-match.ts;
 * a policy's decision texts on first decision).
 */
export class ViewImage {
  /** The whole image, to store. */
  readonly bytes: Uint8Array;
  readonly snapshotVersion: number | null;
  readonly snapshotHash: Uint8Array | null;
  readonly policyCount: number;
  readonly applicationCount: number;
  private readonly l: ImageSections;
  private readonly os: OsName;
  private readonly fold: FoldMode;
  /** The two modes this agent can be in: [built-ins not prioritized, built-ins first]. */
  private readonly modes: [EffectiveMode, EffectiveMode];
  private readonly prioritizationForced: boolean;
  private readonly settingOff: boolean;
  private readonly rank: [Int32Array, Int32Array];
  private readonly byRank: [Int32Array, Int32Array];
  private readonly defaults: [Int32Array, Int32Array];
  private readonly index: RuleIndex;
  /** Every key filed but grams (digests, subjects, exact paths, names, segments), and the gram keys apart. */
  private readonly keyFilter: KeyFilter;
  private readonly gramFilter: KeyFilter;
  /** Compiled rule tests by rule number (rules image-match.ts leaves undecided): at most one per rule, and MAX_COMPILED_RULE_TESTS in all. */
  private readonly ruleTests: Map<number, RuleTest>;
  /**
   * Decisions made, in sets of two slots chosen by policy number and mode
   * (the set's two most recently used kept): MAX_KEPT_DECISIONS slots, no
   * map to grow, look up or clear. `keptKeys` holds each slot's 2 * policy + mode, -1 empty.
   */
  private readonly kept: (Decision | undefined)[] = new Array<Decision | undefined>(MAX_KEPT_DECISIONS).fill(undefined);
  private readonly keptKeys = new Int32Array(MAX_KEPT_DECISIONS).fill(-1);
  /** The implicit deny in each mode, made once. */
  private readonly noMatch: [Decision | undefined, Decision | undefined] = [undefined, undefined];
  /** Each mode's gated list (one frozen array) and how it reads in a reason. */
  private readonly modeGated: [readonly string[], readonly string[]];
  private readonly modeTexts: [string, string];
  private readonly seen: Uint32Array;
  /**
   * Per rule, the generation (decision) that last walked the chain of rules
   * it heads in the index. Every rule is filed under one key, so the chain
   * is the same at every repeat of its key in the request (a path of 32,767
   * characters can repeat a segment thousands of times), and each of its
   * rules is tested at most once a decision: each test reads the whole
   * field.
   */
  private readonly chainWalked: Uint32Array;
  private generation = 0;
  private parsedMeta: ViewMeta | undefined;
  /**
   * Per mode, each rule's lead: the best-ranked policy of its application
   * (-1 for a rule of no application), made from ruleApp, appStart and
   * byRank when the image is opened (the other mode's when first used). A
   * rule's first reads are then its lead and its application side by side,
   * not application, its policies' start, the first of them and its rank in
   * turn: at a million policies each of those reads is a cache miss.
   */
  private readonly leads: [Int32Array | undefined, Int32Array | undefined] = [undefined, undefined];
  // The search state of the decision being made (no allocation per decision).
  private best = -1;
  private bestRank = 0;
  private lead: Int32Array = EMPTY_LEADS;
  /**
   * Whether the image's bytes lie in a buffer that holds nothing anyone else
   * reads (compiled: the builder's; opened: as openViewImage was told), so
   * that its owner may write another image over it once it is retired.
   */
  readonly ownsBuffer: boolean;
  /** Set by `retire`: the buffer may be written over, and nothing is decided over it again. */
  private retired = false;

  /** Use compileViewImage or openViewImage. */
  protected constructor(
    bytes: Uint8Array,
    layout: ImageSections,
    ruleTests?: Map<number, RuleTest>,
    ownsBuffer = false,
  ) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    this.bytes = bytes;
    this.ownsBuffer = ownsBuffer;
    this.l = layout;
    const version = dv.getFloat64(H_SNAPSHOT_VERSION, true);
    this.snapshotVersion = Number.isNaN(version) ? null : version;
    this.snapshotHash = dv.getUint32(H_HAS_HASH, true) === 1 ? bytes.subarray(H_HASH, H_HASH + HASH_BYTES) : null;
    this.policyCount = layout.policyId.length;
    this.applicationCount = layout.appId.length;
    const mode = layout.mode;
    this.os = OS_NAMES[mode[0] as number] as OsName;
    this.fold = foldMode(this.os);
    const structure = STRUCTURES[mode[1] as number] as EffectiveMode['structure'];
    this.prioritizationForced = mode[2] === 1;
    this.settingOff = mode[3] === 1;
    const gated = Array.from(mode.subarray(MODE_HEAD), (s) => this.str(s));
    this.modes = [
      { structure, gated, builtInsFirst: this.prioritizationForced },
      { structure, gated, builtInsFirst: true },
    ];
    this.modeGated = [Object.freeze([...this.modes[0].gated]), Object.freeze([...this.modes[1].gated])];
    this.modeTexts = [describeMode(this.modes[0]), describeMode(this.modes[1])];
    this.rank = [layout.rank0, layout.rank1];
    this.byRank = [layout.byRank0, layout.byRank1];
    this.defaults = [layout.defaults0, layout.defaults1];
    let filed = 0;
    for (const n of layout.filedByKind) filed += n;
    this.index = new RuleIndex({ table: layout.indexTable, next: layout.indexNext, size: filed });
    this.keyFilter = new KeyFilter(layout.filterBits);
    this.gramFilter = new KeyFilter(layout.gramFilterBits);
    this.ruleTests = ruleTests ?? new Map<number, RuleTest>();
    this.seen = new Uint32Array(layout.appStart.length - 1);
    this.chainWalked = new Uint32Array(layout.ruleApp.length);
    this.leadsOf(this.mode().builtInsFirst ? 1 : 0);
  }

  /** The leads of mode m's rules (see `leads`), made on first use. */
  private leadsOf(m: 0 | 1): Int32Array {
    let leads = this.leads[m];
    if (leads === undefined) {
      const ruleApp = this.l.ruleApp;
      const appStart = this.l.appStart;
      const byRank = this.byRank[m];
      leads = new Int32Array(ruleApp.length);
      for (let r = 0; r < ruleApp.length; r++) {
        const a = ruleApp[r] as number;
        leads[r] = a < 0 ? -1 : (byRank[appStart[a] as number] as number);
      }
      this.leads[m] = leads;
    }
    return leads;
  }

  /** String number `s` of the string table. */
  private str(s: number): string {
    const offsets = this.l.strOffsets;
    return this.strBetween(offsets[s] as number, offsets[s + 1] as number);
  }

  /** The string stored at bytes [from, to) of the string table. */
  private strBetween(from: number, to: number): string {
    const bytes = this.l.strBytes;
    if (latin1Slice !== undefined) {
      let i = from;
      while (i < to && (bytes[i] as number) < 0x80) i++;
      // ASCII reads the same as Latin-1 (a byte-order mark is not ASCII: the decoder drops it as before).
      if (i === to) return latin1Slice.call(bytes, from, to);
    }
    return UTF8.decode(bytes.subarray(from, to));
  }

  private optionalStr(s: number): string | undefined {
    return s < 0 ? undefined : this.str(s);
  }

  /** A JSON value stored as a string; damage shows as an image error, not a SyntaxError. */
  private json(s: number, what: string): unknown {
    try {
      return JSON.parse(this.str(s)) as unknown;
    } catch (error) {
      throw new TollgateError(IMAGE_ERROR_CODES.damaged, `view image damaged: ${what} is not JSON`, { cause: error });
    }
  }

  /** How the rules are filed: by kind of key, and how many have none (tested for every request). */
  indexStats(): { rules: number; unindexed: number; byKind: Partial<Record<KeyKind, number>> } {
    if (this.retired) throw retiredError();
    const byKind: Partial<Record<KeyKind, number>> = {};
    KEY_KINDS.forEach((kind, i) => {
      const n = this.l.filedByKind[i] as number;
      if (n > 0) byKind[kind] = n;
    });
    let rules = 0;
    for (const a of this.l.ruleApp) if (a >= 0) rules++;
    return { rules, unindexed: this.l.unindexed.length, byKind };
  }

  /** The first policy expiry after `nowMs` (Infinity when none): decisions cannot change before it. */
  nextExpiryAfter(nowMs: number): number {
    if (this.retired) throw retiredError();
    const times = this.l.expiries;
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((times[mid] as number) <= nowMs) lo = mid + 1;
      else hi = mid;
    }
    return lo < times.length ? (times[lo] as number) : Infinity;
  }

  /** The effective mode with these setting overrides (gates still apply). */
  mode(overrides?: Readonly<Record<string, SettingValue>>): EffectiveMode {
    const override = overrides?.[PRIORITIZE_SETTING];
    const off = override === undefined ? this.settingOff : override === false;
    return this.modes[this.prioritizationForced || !off ? 1 : 0];
  }

  /** The view without its policies and applications, parsed on first use. */
  get meta(): ViewMeta {
    if (this.retired) throw retiredError();
    if (this.parsedMeta === undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(UTF8.decode(this.l.meta)) as unknown;
      } catch (error) {
        throw new TollgateError(IMAGE_ERROR_CODES.damaged, 'view image damaged: meta is not JSON', { cause: error });
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw damaged('meta is not an object');
      this.parsedMeta = parsed as ViewMeta;
    }
    return this.parsedMeta;
  }

  /** Policy number `i` (0 to policyCount - 1) as the view had it. */
  policy(i: number): ViewPolicy {
    if (this.retired) throw retiredError();
    if (!Number.isInteger(i) || i < 0 || i >= this.policyCount) {
      throw new TollgateError('invalid-input', `policy number ${i} is not in the image (${this.policyCount} policies)`);
    }
    const l = this.l;
    const flags = l.policyFlags[i] as number;
    const expires = l.policyExpires[i] as number;
    const policy: ViewPolicy = {
      id: this.str(l.policyId[i] as number),
      name: this.optionalStr(l.policyName[i] as number) ?? null,
      app: this.optionalStr(l.policyApp[i] as number) ?? null,
      builtIn: (flags & FLAG_BUILT_IN) !== 0,
      action: POLICY_ACTIONS[l.policyAction[i] as number] as PolicyAction,
      order: l.policyOrder[i] as number,
      levelRank: l.policyLevelRank[i] as number,
      orgDepth: l.policyOrgDepth[i] as number,
      org: this.str(l.policyOrg[i] as number),
      expiresAtMs: Number.isNaN(expires) ? null : expires,
      isDefault: (flags & FLAG_DEFAULT) !== 0,
    };
    const ringfence = l.policyRingfence[i] as number;
    if (ringfence >= 0)
      policy.ringfence = this.json(ringfence, `policy ${policy.id}'s ringfence`) as Record<string, unknown>;
    return policy;
  }

  /** The rules of application record `a`. */
  private rule(r: number): AppRule {
    const fields = this.l.ruleFields;
    const rule: AppRule = {};
    for (let k = 0; k < RULE_WIDTH; k++) {
      const s = fields[r * RULE_WIDTH + k] as number;
      if (s >= 0) rule[RULE_FIELDS[k] as keyof AppRule] = this.str(s);
    }
    return rule;
  }

  private applicationAt(a: number): Application {
    const l = this.l;
    const app: Application = {
      id: this.str(l.appId[a] as number),
      name: this.str(l.appName[a] as number),
      builtIn: (l.appFlags[a] as number) === FLAG_BUILT_IN,
      rules: [],
    };
    const org = this.optionalStr(l.appOrg[a] as number);
    if (org !== undefined) app.org = org;
    const category = this.optionalStr(l.appCategory[a] as number);
    if (category !== undefined) app.category = category;
    const subcategory = this.optionalStr(l.appSubcategory[a] as number);
    if (subcategory !== undefined) app.subcategory = subcategory;
    const influence = l.appInfluence[a] as number;
    if (influence >= 0) {
      const lists = this.json(influence, `application ${app.id}'s influence lists`);
      if (Array.isArray(lists)) {
        if (Array.isArray(lists[0])) app.primaryCompanyInfluence = lists[0] as string[];
        if (Array.isArray(lists[1])) app.developmentInfluence = lists[1] as string[];
      }
    }
    const start = l.appRuleStart[a] as number;
    const end = start + (l.appRuleCount[a] as number);
    for (let r = start; r < end; r++) app.rules.push(this.rule(r));
    return app;
  }

  /** The application with this id (the last the view named, as a lookup by id finds it), or undefined. */
  application(id: string): Application | undefined {
    if (this.retired) throw retiredError();
    const want = UTF8_ENCODER.encode(id);
    const l = this.l;
    const sorted = l.appById;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const a = sorted[mid] as number;
      const c = compareStored(l.strBytes, l.strOffsets, l.appId[a] as number, want);
      if (c === 0) return this.applicationAt(a);
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return undefined;
  }

  /** The whole view again (for tools and deltas): equal to the view the image was compiled from. */
  toView(): ComputerView {
    if (this.retired) throw retiredError();
    const meta = this.meta;
    const policies: ViewPolicy[] = [];
    for (let i = 0; i < this.policyCount; i++) policies.push(this.policy(i));
    const applications: Application[] = [];
    for (let a = 0; a < this.applicationCount; a++) applications.push(this.applicationAt(a));
    return { ...meta, policies, applications };
  }

  private isLive(p: number, nowMs: number): boolean {
    const expires = this.l.policyExpires[p] as number;
    return !(nowMs >= expires);
  }

  private testOf(r: number): RuleTest {
    let test = this.ruleTests.get(r);
    if (test === undefined) {
      test = compileRuleTest(this.rule(r), this.os);
      if (this.ruleTests.size >= MAX_COMPILED_RULE_TESTS) this.ruleTests.clear();
      this.ruleTests.set(r, test);
    }
    return test;
  }

  /** Tests one rule, keeping the best-ranked live policy of its application if it matches and ranks better. */
  private considerRule(r: number, file: NormalizedFile, m: 0 | 1, nowMs: number): void {
    const l = this.l;
    const first = this.lead[r] as number;
    const a = l.ruleApp[r] as number;
    if (this.seen[a] === this.generation) return;
    const rank = this.rank[m];
    const firstRank = rank[first] as number;
    // Skip the rule test when even this app's first policy comes too late.
    if (firstRank >= this.bestRank) return;
    // Tested over the string table's bytes; only what that cannot decide (a `regex:` pattern) is compiled.
    const direct = ruleMatches(l.strBytes, l.strOffsets, l.ruleFields, r * RULE_WIDTH, this.fold, file);
    if (direct === NO_MATCH) return;
    if (direct !== MATCH && !this.testOf(r)(file)) return;
    this.seen[a] = this.generation;
    if (this.isLive(first, nowMs)) {
      this.best = first;
      this.bestRank = firstRank;
      return;
    }
    const byRank = this.byRank[m];
    const to = l.appStart[a + 1] as number;
    for (let i = (l.appStart[a] as number) + 1; i < to; i++) {
      const p = byRank[i] as number;
      const pr = rank[p] as number;
      if (pr >= this.bestRank) break;
      if (this.isLive(p, nowMs)) {
        this.best = p;
        this.bestRank = pr;
        break;
      }
    }
  }

  /** Tests the rules filed under one key hash. */
  private consider(hash: number, file: NormalizedFile, m: 0 | 1, nowMs: number): void {
    const index = this.index;
    const head = index.first(hash);
    if (head < 0) return;
    // The request repeats this key (a path repeating a segment): its rules were all considered at its first.
    if (this.chainWalked[head] === this.generation) return;
    this.chainWalked[head] = this.generation;
    for (let r = head; r >= 0; r = index.nextRule(r)) this.considerRule(r, file, m, nowMs);
  }

  /** Tests the rules filed under the keys of one folded path-like field of the request (PATH_FIELDS[f]). */
  private lookUpField(f: number, value: string, file: NormalizedFile, m: 0 | 1, nowMs: number): void {
    const parts = this.l.fieldParts[f] as number;
    const grams = this.l.fieldGramLengths[f] as number;
    if (parts === 0 && grams === 0) return;
    const fk = FIELD_KINDS[f] as (typeof FIELD_KINDS)[number];
    const n = value.length;
    const filter = this.keyFilter;
    if ((parts & (PART_EXACT | PART_NAME | PART_SEGMENT)) !== 0) {
      // One pass: the whole value's hash, every non-empty segment's (behind the filter) and the last one's
      // as a name, three independent hash chains over each character read once.
      const probeSegments = (parts & PART_SEGMENT) !== 0;
      const segmentSeed = fk.segmentSeed;
      const nameSeed = fk.nameSeed;
      let exact = fk.exactSeed;
      let segment = segmentSeed;
      let name = nameSeed;
      let length = 0;
      for (let i = 0; i < n; i++) {
        const code = value.charCodeAt(i);
        exact = hashStep(exact, code);
        if (code === SLASH) {
          if (probeSegments && length > 0 && filter.has(segment)) this.consider(segment, file, m, nowMs);
          segment = segmentSeed;
          name = nameSeed;
          length = 0;
        } else {
          segment = hashStep(segment, code);
          name = hashStep(name, code);
          length++;
        }
      }
      if (probeSegments && length > 0 && filter.has(segment)) this.consider(segment, file, m, nowMs);
      if ((parts & PART_EXACT) !== 0 && filter.has(exact)) this.consider(exact, file, m, nowMs);
      if ((parts & PART_NAME) !== 0 && filter.has(name)) this.consider(name, file, m, nowMs);
    }
    if (grams !== 0) {
      // Every window of each gram length in use, rolled, behind the gram keys' own filter (a few KB: cached).
      const gramFilter = this.gramFilter;
      for (let length = GRAM_MIN; length <= GRAM_MAX && length <= n; length++) {
        if ((grams & (1 << length)) === 0) continue;
        const outPower = GRAM_POWERS[length] as number;
        let poly = gramPoly(value, 0, length);
        for (let i = 0; ; i++) {
          const hash = mix32(poly ^ fk.gramSeed);
          if (gramFilter.has(hash)) this.consider(hash, file, m, nowMs);
          if (i + length >= n) break;
          poly =
            (Math.imul(poly - Math.imul(value.charCodeAt(i), outPower), GRAM_BASE) + value.charCodeAt(i + length)) | 0;
        }
      }
    }
  }

  /**
   * The decision of policy `p` in mode `m` (frozen, answered for every file
   * it decides): its texts are decoded from the string table once, while
   * it stays among the MAX_KEPT_DECISIONS kept.
   */
  private decisionOf(p: number, m: 0 | 1, mode: EffectiveMode): Decision {
    const key = 2 * p + m;
    // Two slots a set, the newer first; both modes of one policy in different sets, and every set used
    // when only one mode is.
    const set = ((p ^ (m * KEPT_MODE_SPREAD)) & (MAX_KEPT_DECISIONS / 2 - 1)) * 2;
    const keys = this.keptKeys;
    const kept = this.kept;
    if (keys[set] === key) return kept[set] as Decision;
    if (keys[set + 1] === key) {
      const hit = kept[set + 1] as Decision;
      keys[set + 1] = keys[set] as number;
      kept[set + 1] = kept[set];
      keys[set] = key;
      kept[set] = hit;
      return hit;
    }
    const l = this.l;
    // The policy's columns, then its texts' offsets, each read before any is used: at a million policies
    // every read is a cache miss, and independent reads wait for memory together rather than in turn.
    const idString = l.policyId[p] as number;
    const appString = l.policyApp[p] as number;
    const nameString = l.policyName[p] as number;
    const action = l.policyAction[p] as number;
    const order = l.policyOrder[p] as number;
    const flags = l.policyFlags[p] as number;
    const offsets = l.strOffsets;
    const idFrom = offsets[idString] as number;
    const idTo = offsets[idString + 1] as number;
    const appFrom = appString < 0 ? 0 : (offsets[appString] as number);
    const appTo = appString < 0 ? 0 : (offsets[appString + 1] as number);
    const nameFrom = nameString < 0 ? 0 : (offsets[nameString] as number);
    const nameTo = nameString < 0 ? 0 : (offsets[nameString + 1] as number);
    const deciding = {
      id: this.strBetween(idFrom, idTo),
      app: appString < 0 ? null : this.strBetween(appFrom, appTo),
      action: POLICY_ACTIONS[action] as PolicyAction,
      order,
      isDefault: (flags & FLAG_DEFAULT) !== 0,
    };
    const decision: Decision = {
      action: deciding.action,
      policy: deciding.id,
      policyName: nameString < 0 ? null : this.strBetween(nameFrom, nameTo),
      order: deciding.order,
      application: deciding.app,
      structure: mode.structure,
      builtInsFirst: mode.builtInsFirst,
      // The mode's one frozen list: the Decision type names a mutable array, but no decision is changed.
      gated: this.modeGated[m] as string[],
      snapshotVersion: this.snapshotVersion,
      reason: policyReasonIn(deciding, this.modeTexts[m]),
    };
    const ringfence = l.policyRingfence[p] as number;
    if (ringfence >= 0) {
      decision.ringfence = this.json(ringfence, `policy ${deciding.id}'s ringfence`) as Record<string, unknown>;
    }
    Object.freeze(decision);
    // The older of the set's two goes.
    keys[set + 1] = keys[set] as number;
    kept[set + 1] = kept[set];
    keys[set] = key;
    kept[set] = decision;
    return decision;
  }

  /** Decides on one file (SPEC.md section 2). The decision is frozen: every file a policy decides in a mode gets the same one. */
  evaluate(file: FileRequest, options: EvaluateOptions): Decision {
    return this.decisionAt(this.decide(file, options));
  }

  /**
   * Decides on one file as `evaluate` does, giving the decision's number
   * (see decisionAt) instead of the decision: nothing is made for it.
   */
  decide(file: FileRequest, options: EvaluateOptions): number {
    if (this.retired) throw retiredError();
    const mode = this.mode(options.settings);
    const m = mode.builtInsFirst ? 1 : 0;
    const rank = this.rank[m];
    const nowMs = options.nowMs;
    this.lead = this.leads[m] ?? this.leadsOf(m);
    this.best = -1;
    this.bestRank = Number.MAX_SAFE_INTEGER;
    const defaults = this.defaults[m];
    for (let i = 0; i < defaults.length; i++) {
      const p = defaults[i] as number;
      if (this.isLive(p, nowMs)) {
        this.best = p;
        this.bestRank = rank[p] as number;
        break;
      }
    }

    const nf = normalizeFile(file, this.os);
    this.generation = (this.generation + 1) >>> 0;
    if (this.generation === 0) {
      this.seen.fill(0);
      this.chainWalked.fill(0);
      this.generation = 1;
    }
    // Every key is looked up behind the filter: most are keys of no rule, answered without the index.
    const filter = this.keyFilter;
    const sha = nf.sha256;
    if (sha !== undefined) {
      const hash = hashFrom(SHA256_SEED, sha, 0, sha.length);
      if (filter.has(hash)) this.consider(hash, nf, m, nowMs);
    }
    const thumbprint = nf.certThumbprint;
    if (thumbprint !== undefined) {
      const hash = hashFrom(THUMBPRINT_SEED, thumbprint, 0, thumbprint.length);
      if (filter.has(hash)) this.consider(hash, nf, m, nowMs);
    }
    const subject = nf.certSubject;
    if (subject !== undefined) {
      const hash = hashFrom(SUBJECT_SEED, subject, 0, subject.length);
      if (filter.has(hash)) this.consider(hash, nf, m, nowMs);
    }
    this.lookUpField(0, nf.path, nf, m, nowMs);
    if (nf.processPath !== undefined) this.lookUpField(1, nf.processPath, nf, m, nowMs);
    if (nf.createdBy !== undefined) this.lookUpField(2, nf.createdBy, nf, m, nowMs);
    const unindexed = this.l.unindexed;
    for (let i = 0; i < unindexed.length; i++) this.considerRule(unindexed[i] as number, nf, m, nowMs);

    const best = this.best;
    return best >= 0 ? 2 * best + m : -1 - m;
  }

  /**
   * Decision number `n` of `decide`: policy n >> 1's decision in mode n & 1
   * (0: built-ins not prioritized, 1: built-ins first) for n >= 0, the
   * implicit deny in mode -1 - n for n < 0. The decision is frozen: made
   * once per policy and mode and answered for every file it decides.
   */
  decisionAt(n: number): Decision {
    if (this.retired) throw retiredError();
    if (n >= 0) {
      const m = (n & 1) as 0 | 1;
      return this.decisionOf(n >>> 1, m, this.modes[m]);
    }
    const m = n === -1 ? 0 : 1;
    const mode = this.modes[m];
    return (this.noMatch[m] ??= Object.freeze({
      action: 'deny',
      policy: null,
      policyName: null,
      order: null,
      application: null,
      structure: mode.structure,
      builtInsFirst: mode.builtInsFirst,
      gated: this.modeGated[m] as string[],
      snapshotVersion: this.snapshotVersion,
      reason: NO_MATCH_REASON,
    }));
  }

  /** The action of decision number `n` (decisionAt), without the decision. */
  actionAt(n: number): PolicyAction {
    if (this.retired) throw retiredError();
    return n < 0 ? 'deny' : (POLICY_ACTIONS[this.l.policyAction[n >>> 1] as number] as PolicyAction);
  }

  /**
   * The string table's bytes, which decisionParts' ranges index: the texts
   * a decision shows, as UTF-8, for a writer that copies them.
   */
  get stringBytes(): Uint8Array {
    if (this.retired) throw retiredError();
    return this.l.strBytes;
  }

  /** Mode m's effective mode (0: built-ins not prioritized, 1: built-ins first) and its reason text (describeMode). */
  modeAt(m: 0 | 1): { mode: EffectiveMode; gated: readonly string[]; text: string } {
    return { mode: this.modes[m], gated: this.modeGated[m], text: this.modeTexts[m] };
  }

  /**
   * What decisionAt(n) shows of its policy, for n >= 0, into `parts`
   * (DECISION_PARTS): the action's number in POLICY_ACTIONS, the order,
   * the default flag, the ringfence's string (-1: none), and the byte
   * ranges in stringBytes of the id, the name, the application and the
   * ringfence's JSON (from -1: none).
   */
  decisionParts(n: number, parts: Int32Array): void {
    if (this.retired) throw retiredError();
    const l = this.l;
    const p = n >>> 1;
    const idString = l.policyId[p] as number;
    const nameString = l.policyName[p] as number;
    const appString = l.policyApp[p] as number;
    const ringfence = l.policyRingfence[p] as number;
    const offsets = l.strOffsets;
    parts[PART_ACTION] = l.policyAction[p] as number;
    parts[PART_ORDER] = l.policyOrder[p] as number;
    parts[PART_DEFAULT] = ((l.policyFlags[p] as number) & FLAG_DEFAULT) !== 0 ? 1 : 0;
    parts[PART_RINGFENCE] = ringfence;
    parts[PART_ID_FROM] = offsets[idString] as number;
    parts[PART_ID_TO] = offsets[idString + 1] as number;
    parts[PART_NAME_FROM] = nameString < 0 ? -1 : (offsets[nameString] as number);
    parts[PART_NAME_TO] = nameString < 0 ? -1 : (offsets[nameString + 1] as number);
    parts[PART_APP_FROM] = appString < 0 ? -1 : (offsets[appString] as number);
    parts[PART_APP_TO] = appString < 0 ? -1 : (offsets[appString + 1] as number);
    parts[PART_RINGFENCE_FROM] = ringfence < 0 ? -1 : (offsets[ringfence] as number);
    parts[PART_RINGFENCE_TO] = ringfence < 0 ? -1 : (offsets[ringfence + 1] as number);
  }

  /**
   * Lets the image go for good: its owner may write another image over its
   * buffer (the agent's next apply, docs/DAEMON.md "One image buffer, written
   * over at each apply"). From then on every method that reads the buffer
   * throws 'image-released' rather than read bytes that may be another
   * image's.
   */
  retire(): void {
    this.retired = true;
  }

  /** An evaluator over checked sections (openViewImage) or freshly written ones (compileViewImage). */
  static fromLayout(
    bytes: Uint8Array,
    layout: ImageSections,
    ruleTests?: Map<number, RuleTest>,
    ownsBuffer = false,
  ): ViewImage {
    return new ViewImage(bytes, layout, ruleTests, ownsBuffer);
  }
}

function retiredError(): TollgateError {
  return new TollgateError(IMAGE_ERROR_CODES.released, 'this view image was let go (a newer snapshot replaced it)');
}

/** Compares stored string `s` with UTF-8 bytes, bytewise. */
function compareStored(strBytes: Uint8Array, offsets: Uint32Array, s: number, want: Uint8Array): number {
  const from = offsets[s] as number;
  const length = (offsets[s + 1] as number) - from;
  const n = Math.min(length, want.length);
  for (let i = 0; i < n; i++) {
    const d = (strBytes[from + i] as number) - (want[i] as number);
    if (d !== 0) return d;
  }
  return length - want.length;
}

/** The compiled form of a view before it is laid out: every section's content. */
interface Built {
  layout: ImageSections;
  ruleTests: Map<number, RuleTest>;
}

/** A growable column of numbers. */
class Grow<T extends Int32Array | Uint32Array | Uint8Array | Float64Array> {
  data: T;
  length = 0;

  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024);
  }

  /** Makes room for exactly `n` numbers in all (when known beforehand: no doubling, no spare room). */
  reserve(n: number): void {
    if (n <= this.data.length) return;
    const sized = this.make(n);
    sized.set(this.data.subarray(0, this.length));
    this.data = sized;
  }

  /** Stores the column in `room` (of an image being written in place) from now on, what was pushed copied in. */
  place(room: T): void {
    room.set(this.data.subarray(0, this.length));
    this.data = room;
  }

  push(value: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = value;
  }

  /** Doubles the column's room (a column made for no entries gets some). */
  protected grow(): void {
    const grown = this.make(Math.max(MIN_COLUMN_ROOM, this.data.length * 2));
    grown.set(this.data);
    this.data = grown;
  }

  /**
   * The numbers pushed, as a view of the column (no copy: writeImage copies
   * every section into the image, and the columns are garbage after that).
   */
  finish(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/*
 * A column of each kind has a push of its own: one push for all of them
 * stores into three kinds of typed array and is slower at each of its
 * millions of calls than a push that only ever stores into one.
 */
class Int32Column extends Grow<Int32Array> {
  override push(value: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = value;
  }
}

class Float64Column extends Grow<Float64Array> {
  override push(value: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = value;
  }
}

class Uint8Column extends Grow<Uint8Array> {
  override push(value: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = value;
  }
}

class Uint32Column extends Grow<Uint32Array> {
  override push(value: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = value;
  }
}

const int32s = (): Int32Column => new Int32Column((n) => new Int32Array(n));
const float64s = (): Float64Column => new Float64Column((n) => new Float64Array(n));
const uint8s = (): Uint8Column => new Uint8Column((n) => new Uint8Array(n));

/**
 * The string lookup table is grown past this share of its slots in use:
 * probes stay short (a slot holds the hash, and a run of slots shares a
 * cache line), and the table stays at 11 to 21 bytes a distinct string.
 */
const MAX_LOAD = 0.75;

/** How many distinct texts addRepeated keeps (a view has a few organizations and categories). */
const REPEATED_KEPT = 64;

/** Strings shorter than this are copied into the string table byte by byte. */
const LOOP_COPY_BYTES = 1024;

/**
 * The string table being built: every string added by addBytes (or add)
 * once (by its UTF-8 bytes), found again through an open-addressing table
 * keyed by a hash of the bytes (strings added by appendBytes are not looked
 * for: each gets a number of its own),
 * so that strings given as text and as a payload's bytes get the same
 * numbers, and no JavaScript string is kept. A slot holds a string's hash
 * beside its number (one cache line for both): a probe compares the bytes
 * only when the hashes agree, and growing the table moves hashes without
 * reading a string again.
 */
export class ImageStrings {
  private bytes = new Uint8Array(1 << 16);
  private length = 0;
  private readonly offsets = new Uint32Column((n) => new Uint32Array(n));
  /**
   * The FNV-1a offset basis of this table's hashes, drawn at random: the
   * strings come from the snapshot, and with a basis known in advance a
   * view's ids can be chosen to share their slot bits (80,000 such ids took
   * 7 s to apply, each probing past all the others). Only the table being
   * built uses the hashes; the image holds none.
   */
  private readonly basis = (0x811c9dc5 ^ Math.floor(Math.random() * 0x1_0000_0000)) | 0;
  /** Slot i is slots[2i] (the hash) and slots[2i + 1] (the string number, -1 when empty). */
  private slots = ImageStrings.emptySlots(1 << 12);
  /** Strings added in all, and those of them in the lookup table (added by addBytes). */
  private count = 0;
  private looked = 0;
  private scratch = new Uint8Array(256);
  /** The hash of the text writeAscii last wrote. */
  private asciiHash = 0;
  /** Texts given to addRepeated and their numbers. */
  private readonly repeated = new Map<string, number>();
  /**
   * Whether the bytes last given to addBytes hold a byte beyond ASCII: a
   * caller that must check they are UTF-8 need only look at them then.
   */
  beyondAscii = false;

  constructor() {
    this.offsets.push(0);
  }

  private static emptySlots(n: number): Int32Array {
    const slots = new Int32Array(2 * n);
    for (let i = 1; i < slots.length; i += 2) slots[i] = -1;
    return slots;
  }

  /**
   * Makes room for about `bytes` bytes of `strings` strings (an estimate: a
   * caller that knows its input's size), so the table is not grown by
   * doubling and copying; room never written is never resident. `room`, of
   * `bytes` bytes, is where the bytes go (the image being written in place).
   */
  reserve(bytes: number, strings: number, room?: Uint8Array<ArrayBuffer>): void {
    if (room !== undefined || bytes > this.bytes.length) {
      const sized = room ?? new Uint8Array(bytes);
      sized.set(this.bytes.subarray(0, this.length));
      this.bytes = sized;
    }
    // The lookup table is not sized here: it grows by doubling (moving hashes, reading no string), and sized
    // ahead of the strings it measured higher at the peak of a daemon's apply (docs/DAEMON.md).
    this.offsets.reserve(strings + 1);
  }

  /** The number of the string whose UTF-8 bytes are buf[from, to) (the caller has checked they are UTF-8). */
  addBytes(buf: Uint8Array, from: number, to: number): number {
    if (this.slots.length === 0) throw new TollgateError('invalid-input', 'the string table is finished');
    // FNV-1a over the bytes (from the table's basis), noting on the way whether any is beyond ASCII.
    let hash = this.basis;
    let any = 0;
    for (let i = from; i < to; i++) {
      const b = buf[i] as number;
      any |= b;
      hash = Math.imul(hash ^ b, 0x01000193);
    }
    this.beyondAscii = any > 0x7f;
    const slot = this.slotOf(hash, buf, from, to);
    const found = this.slots[2 * slot + 1] as number;
    if (found >= 0) return found;
    const n = to - from;
    this.room(n);
    const bytes = this.bytes;
    const at = this.length;
    // Most strings are short: a loop costs less than a subarray (an object to collect) and a copy.
    if (n < LOOP_COPY_BYTES) for (let i = 0; i < n; i++) bytes[at + i] = buf[from + i] as number;
    else bytes.set(buf.subarray(from, to), at);
    return this.enter(slot, hash, n);
  }

  /** The slot of the lookup table that holds the string of these bytes and hash, or the empty slot where it goes. */
  private slotOf(hash: number, buf: Uint8Array, from: number, to: number): number {
    const slots = this.slots;
    const mask = (slots.length >>> 1) - 1;
    let slot = hash & mask;
    for (;;) {
      const s = slots[2 * slot + 1] as number;
      if (s < 0) return slot;
      if (slots[2 * slot] === hash && this.equals(s, buf, from, to)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  /** Makes the `n` bytes written at the end of the blob a string, entered in the lookup table at empty `slot`. */
  private enter(slot: number, hash: number, n: number): number {
    this.length += n;
    this.offsets.push(this.length);
    const number = this.count++;
    const slots = this.slots;
    slots[2 * slot] = hash;
    slots[2 * slot + 1] = number;
    if (++this.looked > (slots.length >>> 1) * MAX_LOAD) this.grow();
    return number;
  }

  /** Makes room for `n` more bytes in the blob (doubling it, at least). */
  private room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.length + n, this.bytes.length * 2));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /**
   * A new string number for the UTF-8 bytes buf[from, to) (the caller has
   * checked they are UTF-8), without looking for them among the strings
   * added: for the fields whose values hardly repeat (policy ids and names,
   * application names, rule fields), which would cost a look-up each and
   * save next to no bytes. A string added this way is never found by
   * addBytes, so nothing may compare such strings by their numbers (ids an
   * entry is looked up by, application ids and the ids policies name, are
   * added with addBytes).
   */
  appendBytes(buf: Uint8Array, from: number, to: number): number {
    if (this.slots.length === 0) throw new TollgateError('invalid-input', 'the string table is finished');
    const n = to - from;
    this.room(n);
    const bytes = this.bytes;
    const at = this.length;
    let any = 0;
    if (n < LOOP_COPY_BYTES) {
      for (let i = 0; i < n; i++) {
        const b = buf[from + i] as number;
        any |= b;
        bytes[at + i] = b;
      }
    } else {
      for (let i = from; i < to; i++) any |= buf[i] as number;
      bytes.set(buf.subarray(from, to), at);
    }
    this.beyondAscii = any > 0x7f;
    this.length = at + n;
    this.offsets.push(this.length);
    return this.count++;
  }

  /** `text`'s UTF-8 bytes written at the start of the scratch buffer; returns how many. */
  private toScratch(text: string): number {
    if (text.length * 3 > this.scratch.length) this.scratch = new Uint8Array(text.length * 3);
    return UTF8_ENCODER.encodeInto(text, this.scratch).written;
  }

  /**
   * Writes `text` at the end of the blob (not yet a string) when it is all
   * ASCII, its FNV-1a hash (that of its bytes, as addBytes hashes them) in
   * `asciiHash`; false when it is not (nothing written). Most strings of a
   * view are short ASCII: a loop over the text costs less than a call to
   * the encoder, a scratch buffer and a copy.
   */
  private writeAscii(text: string): boolean {
    // Not text (a view not validated): the encoder refuses it.
    if (typeof text !== 'string') return false;
    const n = text.length;
    this.room(n);
    const bytes = this.bytes;
    const at = this.length;
    let hash = this.basis;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) {
        // Bytes past the end stay zero (the image's padding may lie there).
        bytes.fill(0, at, at + i);
        return false;
      }
      bytes[at + i] = c;
      hash = Math.imul(hash ^ c, 0x01000193);
    }
    this.asciiHash = hash;
    return true;
  }

  /** appendBytes of a string given as text. */
  append(text: string): number {
    if (this.slots.length === 0) throw new TollgateError('invalid-input', 'the string table is finished');
    if (this.writeAscii(text)) {
      this.beyondAscii = false;
      this.length += text.length;
      this.offsets.push(this.length);
      return this.count++;
    }
    // Encoded first: a longer text gets a new scratch buffer.
    const written = this.toScratch(text);
    return this.appendBytes(this.scratch, 0, written);
  }

  optionalAppend(text: string | null | undefined): number {
    return text === undefined || text === null ? -1 : this.append(text);
  }

  /** The number of a string given as text. */
  add(text: string): number {
    if (this.slots.length === 0) throw new TollgateError('invalid-input', 'the string table is finished');
    if (this.writeAscii(text)) {
      this.beyondAscii = false;
      const hash = this.asciiHash;
      const at = this.length;
      const n = text.length;
      const slot = this.slotOf(hash, this.bytes, at, at + n);
      const found = this.slots[2 * slot + 1] as number;
      if (found < 0) return this.enter(slot, hash, n);
      this.bytes.fill(0, at, at + n);
      return found;
    }
    // Encoded first: a longer text gets a new scratch buffer.
    const written = this.toScratch(text);
    return this.addBytes(this.scratch, 0, written);
  }

  optional(text: string | null | undefined): number {
    return text === undefined || text === null ? -1 : this.add(text);
  }

  /** The number add gives `text` when it was added (by add or addBytes; never one appended), else -1; adds nothing. */
  find(text: string): number {
    if (this.slots.length === 0) throw new TollgateError('invalid-input', 'the string table is finished');
    const written = this.toScratch(text);
    const scratch = this.scratch;
    let hash = this.basis;
    for (let i = 0; i < written; i++) hash = Math.imul(hash ^ (scratch[i] as number), 0x01000193);
    return this.slots[2 * this.slotOf(hash, scratch, 0, written) + 1] as number;
  }

  /**
   * add for text that repeats from entry to entry (an organization, a
   * category): found by the text itself among the first REPEATED_KEPT
   * distinct texts given, without encoding, hashing and comparing its
   * bytes again. The same number as add gives.
   */
  addRepeated(text: string): number {
    if (this.slots.length === 0) throw new TollgateError('invalid-input', 'the string table is finished');
    const known = this.repeated.get(text);
    if (known !== undefined) return known;
    const s = this.add(text);
    if (this.repeated.size < REPEATED_KEPT) this.repeated.set(text, s);
    return s;
  }

  optionalRepeated(text: string | null | undefined): number {
    return text === undefined || text === null ? -1 : this.addRepeated(text);
  }

  /**
   * The number of JSON.stringify([first ?? null, second ?? null]) for two
   * lists of strings (or none), its bytes written straight into the table
   * (no JSON text made); -1, nothing added, when either is not a list of
   * strings that JSON writes as they are (listJsonBytes): the caller adds
   * JSON.stringify's text then.
   */
  addListPairJson(first: unknown, second: unknown): number {
    if (this.slots.length === 0) throw new TollgateError('invalid-input', 'the string table is finished');
    const firstBytes = listJsonBytes(first);
    const secondBytes = firstBytes < 0 ? -1 : listJsonBytes(second);
    if (secondBytes < 0) return -1;
    const n = firstBytes + secondBytes + 3;
    this.room(n);
    const bytes = this.bytes;
    const at = this.length;
    bytes[at] = 0x5b; // [
    const comma = writeListJson(bytes, at + 1, first);
    bytes[comma] = 0x2c; // ,
    bytes[writeListJson(bytes, comma + 1, second)] = 0x5d; // ]
    let hash = this.basis;
    for (let i = at; i < at + n; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
    this.beyondAscii = false;
    const slot = this.slotOf(hash, bytes, at, at + n);
    const found = this.slots[2 * slot + 1] as number;
    if (found < 0) return this.enter(slot, hash, n);
    bytes.fill(0, at, at + n);
    return found;
  }

  /** String `s` as text (the builder decodes a rule's strings to file it in the index). */
  text(s: number): string {
    const offsets = this.offsets.data;
    return UTF8.decode(this.bytes.subarray(offsets[s], offsets[s + 1]));
  }

  private equals(s: number, buf: Uint8Array, from: number, to: number): boolean {
    const offsets = this.offsets.data;
    const start = offsets[s] as number;
    const n = to - from;
    if ((offsets[s + 1] as number) - start !== n) return false;
    const bytes = this.bytes;
    for (let i = 0; i < n; i++) if (bytes[start + i] !== buf[from + i]) return false;
    return true;
  }

  /** Doubles the lookup table, moving each slot's hash and number (no string is read again). */
  private grow(): void {
    const old = this.slots;
    const slots = ImageStrings.emptySlots(old.length);
    const mask = old.length - 1; // twice the old number of slots, less one
    for (let i = 1; i < old.length; i += 2) {
      const s = old[i] as number;
      if (s < 0) continue;
      const hash = old[i - 1] as number;
      let slot = hash & mask;
      while ((slots[2 * slot + 1] as number) >= 0) slot = (slot + 1) & mask;
      slots[2 * slot] = hash;
      slots[2 * slot + 1] = s;
    }
    this.slots = slots;
  }

  /** The table's sections; the lookup table is let go (no string is added after this). */
  finish(): { strOffsets: Uint32Array; strBytes: Uint8Array } {
    this.slots = new Int32Array(0);
    return { strOffsets: this.offsets.finish(), strBytes: this.bytes.subarray(0, this.length) };
  }
}

/**
 * The bytes of JSON.stringify(list ?? null) when `list` is none or an
 * array of strings of printable ASCII other than `"` and `\\` (written as
 * they are, between quotes); -1 for anything else.
 */
function listJsonBytes(list: unknown): number {
  if (list === undefined || list === null) return 4;
  if (!Array.isArray(list) || (list as { toJSON?: unknown }).toJSON !== undefined) return -1;
  let n = list.length === 0 ? 2 : list.length + 1;
  for (let k = 0; k < list.length; k++) {
    const text: unknown = list[k];
    if (typeof text !== 'string') return -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return -1;
    }
    n += text.length + 2;
  }
  return n;
}

/** Writes JSON.stringify(list ?? null) at bytes[at...] for a list listJsonBytes measured; returns where it ends. */
function writeListJson(bytes: Uint8Array, at: number, list: unknown): number {
  if (list === undefined || list === null) {
    bytes[at] = 0x6e; // null
    bytes[at + 1] = 0x75;
    bytes[at + 2] = 0x6c;
    bytes[at + 3] = 0x6c;
    return at + 4;
  }
  const texts = list as readonly string[];
  bytes[at++] = 0x5b; // [
  for (let k = 0; k < texts.length; k++) {
    if (k > 0) bytes[at++] = 0x2c; // ,
    const text = texts[k] as string;
    bytes[at++] = 0x22; // "
    for (let i = 0; i < text.length; i++) bytes[at++] = text.charCodeAt(i);
    bytes[at++] = 0x22;
  }
  bytes[at++] = 0x5d; // ]
  return at;
}

/**
 * The columns of a view being compiled, filled policy by policy and
 * application by application: by compileViewImage from a view's objects,
 * and by the wire layer straight from a snapshot's bytes. `finish` works
 * out the processing ranks and the rule index and writes the image.
 */
export class ViewImageBuilder {
  readonly strings = new ImageStrings();
  private readonly policyId = int32s();
  private readonly policyName = int32s();
  private readonly policyApp = int32s();
  private readonly policyOrg = int32s();
  private readonly policyFlags = uint8s();
  private readonly policyAction = uint8s();
  private readonly policyOrder = float64s();
  private readonly policyLevelRank = float64s();
  private readonly policyOrgDepth = float64s();
  private readonly policyExpires = float64s();
  private readonly policyRingfence = int32s();
  private readonly appId = int32s();
  private readonly appName = int32s();
  private readonly appOrg = int32s();
  private readonly appCategory = int32s();
  private readonly appSubcategory = int32s();
  private readonly appInfluence = int32s();
  private readonly appFlags = uint8s();
  private readonly appRuleStart = int32s();
  private readonly appRuleCount = int32s();
  private readonly ruleFields = int32s();
  /**
   * The buffer the image is written in, its columns and string bytes in place, what the view can take of it,
   * and whether it was given to recycle; null: written when finished.
   */
  private arena: Arena | null = null;

  /**
   * Sizes the columns for this many policies, applications and rules in all
   * (a caller that counted them first): the columns are then never doubled
   * and copied, and hold no spare room. Given about how many bytes and
   * strings the string table will hold (at most), the image's buffer is
   * made now and the columns and the string bytes are filled where they lie
   * in it (IMAGE_PLACEMENT), so that finishing copies only what is worked
   * out then: the buffer is sized for the most that can come (room never
   * written is never resident), and should more come after all, the image
   * is written into a buffer of its own as without it.
   */
  reserve(
    policies: number,
    applications: number,
    rules: number,
    strings?: { bytes: number; count: number },
    recycle?: ArrayBuffer,
  ): void {
    if (strings !== undefined) {
      this.reserveImage(policies, applications, rules, strings, recycle);
      return;
    }
    for (const column of [
      this.policyId,
      this.policyName,
      this.policyApp,
      this.policyOrg,
      this.policyFlags,
      this.policyAction,
      this.policyOrder,
      this.policyLevelRank,
      this.policyOrgDepth,
      this.policyExpires,
      this.policyRingfence,
    ]) {
      column.reserve(policies);
    }
    for (const column of [
      this.appId,
      this.appName,
      this.appOrg,
      this.appCategory,
      this.appSubcategory,
      this.appInfluence,
      this.appFlags,
      this.appRuleStart,
      this.appRuleCount,
    ]) {
      column.reserve(applications);
    }
    this.ruleFields.reserve(rules * RULE_WIDTH);
  }

  private reserveImage(
    policies: number,
    applications: number,
    rules: number,
    strings: { bytes: number; count: number },
    recycle: ArrayBuffer | undefined,
  ): void {
    const columns: [Grow<Int32Array> | Grow<Uint8Array> | Grow<Float64Array>, number, number][] = [
      [this.policyId, policies, 4],
      [this.policyName, policies, 4],
      [this.policyApp, policies, 4],
      [this.policyOrg, policies, 4],
      [this.policyFlags, policies, 1],
      [this.policyAction, policies, 1],
      [this.policyOrder, policies, 8],
      [this.policyLevelRank, policies, 8],
      [this.policyOrgDepth, policies, 8],
      [this.policyExpires, policies, 8],
      [this.policyRingfence, policies, 4],
      [this.appId, applications, 4],
      [this.appName, applications, 4],
      [this.appOrg, applications, 4],
      [this.appCategory, applications, 4],
      [this.appSubcategory, applications, 4],
      [this.appInfluence, applications, 4],
      [this.appFlags, applications, 1],
      [this.appRuleStart, applications, 4],
      [this.appRuleCount, applications, 4],
      [this.ruleFields, rules * RULE_WIDTH, 4],
    ];
    let at = DATA_FROM;
    for (const [, n, size] of columns) at = align8(at + n * size);
    const stringsAt = at;
    at = align8(at + strings.bytes);
    // The most the sections worked out when finishing can take (string offsets, ranks, ranges, index, filter...).
    const indexSlots = 2 ** Math.ceil(Math.log2(Math.max(16, rules * 1.5)));
    const rest =
      4 * (strings.count + 2) +
      48 * policies +
      8 * applications +
      8 * rules +
      8 * indexSlots +
      4 * Math.max(rules, 1) +
      4 * (2 ** Math.ceil(Math.log2(Math.max(32, rules))) + 32) +
      REST_SLACK_BYTES;
    if (at + rest > 0xffffffff) {
      this.reserve(policies, applications, rules);
      this.strings.reserve(strings.bytes, strings.count);
      return;
    }
    const need = at + rest;
    // A buffer given to recycle is written over when, beside the columns and the rest, it has room for at least
    // half the string bytes estimated (the estimate is a payload's whole size, about twice the strings a view
    // holds; should more come, they move to an array of their own and the image is written where it fits, as
    // without a buffer). Every byte of the image is written again: the columns and strings as they are added, the
    // header, the other sections and the gaps between them when finishing (writeImage). Otherwise a new buffer,
    // with an eighth more room than this view can take, never written (nor resident) unless a later view needs
    // it, so that the next apply of a somewhat larger view is compiled over it too.
    const spare = recycle === undefined ? -1 : recycle.byteLength - stringsAt - rest;
    const recycled = recycle !== undefined && spare >= Math.ceil(strings.bytes / 2);
    const arena = recycled ? recycle : new ArrayBuffer(Math.min(need + Math.floor(need / 8), 0xffffffff));
    const stringRoom = recycled ? Math.min(strings.bytes, spare) : strings.bytes;
    at = DATA_FROM;
    for (const [column, n, size] of columns) {
      if (size === 8) (column as Grow<Float64Array>).place(new Float64Array(arena, at, n));
      else if (size === 4) (column as Grow<Int32Array>).place(new Int32Array(arena, at, n));
      else (column as Grow<Uint8Array>).place(new Uint8Array(arena, at, n));
      at = align8(at + n * size);
    }
    this.strings.reserve(stringRoom, strings.count, new Uint8Array(arena, stringsAt, stringRoom));
    this.arena = { buffer: arena, need, recycled };
  }

  /** How many rules have been added: an application's rules are those added since its start. */
  get ruleCount(): number {
    return this.ruleFields.length / RULE_WIDTH;
  }

  /**
   * One policy; strings as string numbers (-1 absent), `action` a number of
   * POLICY_ACTIONS, `expiresAtMs` NaN for none, `ringfence` its JSON's number or -1.
   */
  addPolicy(
    id: number,
    name: number,
    app: number,
    org: number,
    builtIn: boolean,
    isDefault: boolean,
    action: number,
    order: number,
    levelRank: number,
    orgDepth: number,
    expiresAtMs: number,
    ringfence: number,
  ): void {
    this.policyId.push(id);
    this.policyName.push(name);
    this.policyApp.push(app);
    this.policyOrg.push(org);
    this.policyFlags.push((builtIn ? FLAG_BUILT_IN : 0) | (isDefault ? FLAG_DEFAULT : 0));
    this.policyAction.push(action);
    this.policyOrder.push(order);
    this.policyLevelRank.push(levelRank);
    this.policyOrgDepth.push(orgDepth);
    // One NaN for "never", whatever NaN the wire carried, so the image does not depend on how it was read.
    this.policyExpires.push(Number.isNaN(expiresAtMs) ? NaN : expiresAtMs);
    this.policyRingfence.push(ringfence);
  }

  /** One rule of the application being added: a string number (or -1) per RULE_FIELDS entry. */
  addRule(fields: ArrayLike<number>): void {
    for (let k = 0; k < RULE_WIDTH; k++) this.ruleFields.push(fields[k] as number);
  }

  /**
   * One application, whose rules are those added since `ruleStart` (read
   * `ruleCount` before adding them); `influence` is the number of the JSON of
   * [primaryCompanyInfluence, developmentInfluence] (null for either absent), or -1.
   */
  addApplication(
    ruleStart: number,
    id: number,
    name: number,
    builtIn: boolean,
    org: number,
    category: number,
    subcategory: number,
    influence: number,
  ): void {
    this.appId.push(id);
    this.appName.push(name);
    this.appOrg.push(org);
    this.appCategory.push(category);
    this.appSubcategory.push(subcategory);
    this.appInfluence.push(influence);
    this.appFlags.push(builtIn ? FLAG_BUILT_IN : 0);
    this.appRuleStart.push(ruleStart);
    this.appRuleCount.push(this.ruleCount - ruleStart);
  }

  /**
   * Adds a view's policies and applications. A builder that has nothing
   * yet sizes its columns and its image's buffer from the view's counts
   * first (reserve): nothing is grown by doubling and copied, and the
   * image is written where its columns lie.
   */
  addView(view: ComputerView): void {
    if (!Array.isArray(view.policies) || !Array.isArray(view.applications)) {
      throw new TollgateError('invalid-input', 'view: policies and applications must be lists');
    }
    if (this.policyId.length === 0 && this.appId.length === 0 && this.arena === null) {
      const size = viewSize(view);
      this.reserve(view.policies.length, view.applications.length, size.rules, {
        bytes: size.bytes,
        count: size.strings,
      });
    }
    const strings = this.strings;
    // Indexed loops: one pass over a view is often made before the loop is optimized, and an iterator allocates a
    // result a step until it is.
    const policies = view.policies;
    for (let i = 0; i < policies.length; i++) {
      const p = policies[i] as ViewPolicy;
      const action = ACTION_CODE.get(p.action);
      if (action === undefined)
        throw new TollgateError('invalid-input', `policy ${p.id}: unknown action "${p.action}"`);
      this.addPolicy(
        strings.append(p.id),
        strings.optionalAppend(p.name),
        strings.optional(p.app),
        strings.addRepeated(p.org),
        p.builtIn,
        p.isDefault,
        action,
        p.order,
        p.levelRank,
        p.orgDepth,
        p.expiresAtMs ?? NaN,
        p.ringfence === undefined ? -1 : strings.add(JSON.stringify(p.ringfence)),
      );
    }
    const fields = new Int32Array(RULE_WIDTH);
    const applications = view.applications;
    for (let a = 0; a < applications.length; a++) {
      const app = applications[a] as Application;
      const start = this.ruleCount;
      const rules = app.rules;
      if (!Array.isArray(rules)) throw new TollgateError('invalid-input', `application ${app.id}: rules is not a list`);
      for (let r = 0; r < rules.length; r++) {
        const rule = rules[r] as AppRule;
        // Field by field in RULE_FIELDS order (a named read each: a read by a changing key costs more).
        fields[F_PATH] = strings.optionalAppend(rule.path);
        fields[F_PROCESS] = strings.optionalAppend(rule.processPath);
        fields[F_CREATED] = strings.optionalAppend(rule.createdBy);
        fields[F_SHA] = strings.optionalAppend(rule.sha256);
        fields[F_SUBJECT] = strings.optionalAppend(rule.certSubject);
        fields[F_THUMBPRINT] = strings.optionalAppend(rule.certThumbprint);
        this.addRule(fields);
      }
      this.addApplication(
        start,
        strings.add(app.id),
        strings.append(app.name),
        app.builtIn,
        strings.optionalRepeated(app.org),
        strings.optionalRepeated(app.category),
        strings.optionalRepeated(app.subcategory),
        app.primaryCompanyInfluence === undefined && app.developmentInfluence === undefined
          ? -1
          : influenceString(strings, app.primaryCompanyInfluence, app.developmentInfluence),
      );
    }
  }

  /** The image's bytes and its compiled rule tests (CompiledView makes its image from them). */
  image(meta: ViewMeta, binding: ImageBinding): { bytes: Uint8Array; ruleTests: Map<number, RuleTest> } {
    const { layout, ruleTests } = this.sections(meta);
    const bytes = writeImage(layout, binding, this.arena);
    this.arena = null;
    return { bytes, ruleTests };
  }

  /**
   * Works out the processing ranks and the rule index and writes the image.
   * Every rule of the applications policies name is filed under a literal
   * every file it matches must have (matcher.ts ruleKeys; the rarest when
   * there are several), so a request tests only the rules that could match
   * it. Rules with a `regex:` pattern, and rules no index can find, are
   * compiled now, so a bad expression or an empty rule is refused with the view.
   */
  finish(meta: ViewMeta, binding: ImageBinding): ViewImage {
    const { bytes, ruleTests } = this.image(meta, binding);
    return ViewImage.fromLayout(bytes, viewSections(bytes), ruleTests, true);
  }

  /** The content of every section. */
  sections(meta: ViewMeta): Built {
    const strings = this.strings;
    const os = meta.computer.os;
    const osCode = OS_NAMES.indexOf(os);
    if (osCode < 0) throw new TollgateError('invalid-input', `view: unknown os "${String(os)}"`);
    checkViewVersions(meta);
    checkViewRest(meta);
    const base = effectiveMode(meta);
    const mode = new Int32Array(MODE_HEAD + base.gated.length);
    mode[0] = osCode;
    mode[1] = STRUCTURES.indexOf(base.structure);
    mode[2] = base.gated.includes(PRIORITIZE_FEATURE) ? 1 : 0;
    mode[3] = meta.settings[PRIORITIZE_SETTING] === false ? 1 : 0;
    mode[4] = base.gated.length;
    mode.set(
      base.gated.map((g) => strings.add(g)),
      MODE_HEAD,
    );
    // The computer's organization, as the policies of it name it (-1: none does).
    const ownOrg = { org: strings.find(meta.computer.org), flat: meta.orgStructure === 'flat' };
    // Every string is in the table from here on.
    const { strOffsets, strBytes } = strings.finish();

    const policyId = this.policyId.finish();
    const policyApp = this.policyApp.finish();
    const policyFlags = this.policyFlags.finish();
    const order = this.policyOrder.finish();
    const levelRank = this.policyLevelRank.finish();
    const orgDepth = this.policyOrgDepth.finish();
    const policyExpires = this.policyExpires.finish();
    const table = { strBytes, strOffsets };
    // First, while few other arrays are held: it takes about 8 bytes a policy while it runs.
    checkPolicyIds(policyId, table);

    // Each step is a function of its own: a step's loop is optimized while it runs (on-stack replacement) without
    // the code of the steps after it, which has not run yet and would throw the optimized code away.
    const { sortedStrict, rank0, rank1 } = processingRanks(
      base.structure === 'flat',
      order,
      levelRank,
      orgDepth,
      policyFlags,
      strBytes,
      strOffsets,
      policyId,
    );
    const stringCount = strOffsets.length - 1;
    const { usedApps, policyUsed, defaults0, defaults1, appStart, byRank0, byRank1 } = usedApplications(
      policyFlags,
      policyApp,
      stringCount,
      sortedStrict,
      rank0,
      rank1,
    );
    const appId = this.appId.finish();
    const appRuleStart = this.appRuleStart.finish();
    const appRuleCount = this.appRuleCount.finish();
    const ruleFields = this.ruleFields.finish();
    const ruleCount = ruleFields.length / RULE_WIDTH;
    const appFlags = this.appFlags.finish();
    const { appById, ruleApp, usedApp } = applicationsById(
      appId,
      appRuleStart,
      appRuleCount,
      appFlags,
      stringCount,
      strBytes,
      strOffsets,
      usedApps,
      ruleCount,
    );
    const policyName = this.policyName.finish();
    const policyOrg = this.policyOrg.finish();
    const policyRingfence = this.policyRingfence.finish();
    const appName = this.appName.finish();
    const appCategory = this.appCategory.finish();
    const appSubcategory = this.appSubcategory.finish();
    const appInfluence = this.appInfluence.finish();
    checkPolicyRecords(
      {
        policyId,
        policyName,
        policyApp,
        policyOrg,
        policyFlags,
        policyOrder: order,
        policyLevelRank: levelRank,
        policyRingfence,
        policyUsed,
        usedApp,
      },
      ownOrg,
      table,
    );
    checkApplicationRecords(
      { appId, appName, appCategory, appSubcategory, appInfluence, appRuleStart, appRuleCount, ruleFields },
      table,
    );
    let filed: { keys: RuleKeyColumns; chosen: Int32Array; rules: ReturnType<typeof fileRules> };
    try {
      const keys = ruleKeyColumns(ruleFields, ruleApp, os, strBytes, strOffsets);
      const chosen = chooseKeys(keys, ruleCount);
      filed = { keys, chosen, rules: fileRules(keys, chosen, ruleApp, os, ruleFields, strBytes, strOffsets) };
      checkUnusedRules(ruleFields, ruleApp, os, strBytes, strOffsets);
    } catch (error) {
      throw namedRuleError(error, { ruleFields, appId, appRuleStart, appRuleCount, os, strBytes, strOffsets });
    }
    const { keys } = filed;
    const { index, keyFilter, gramFilter, fieldParts, fieldGramLengths, filedByKind, unindexed } = filed.rules;
    const { ruleTests } = keys;

    const expiries = policyExpires.filter((t) => !Number.isNaN(t)).sort();
    const layout: ImageSections = {
      strOffsets,
      strBytes,
      policyId,
      policyName,
      policyApp,
      policyOrg,
      policyFlags,
      policyAction: this.policyAction.finish(),
      policyOrder: order,
      policyLevelRank: levelRank,
      policyOrgDepth: orgDepth,
      policyExpires,
      policyRingfence,
      appId,
      appName,
      appOrg: this.appOrg.finish(),
      appCategory,
      appSubcategory,
      appInfluence,
      appFlags,
      appRuleStart,
      appRuleCount,
      appById,
      ruleFields,
      ruleApp,
      rank0,
      rank1,
      appStart,
      byRank0,
      byRank1,
      defaults0,
      defaults1,
      expiries,
      indexTable: index.table,
      indexNext: index.next,
      filterBits: keyFilter.bits,
      gramFilterBits: gramFilter.bits,
      fieldParts,
      fieldGramLengths,
      unindexed: Int32Array.from(unindexed),
      filedByKind,
      mode,
      meta: UTF8_ENCODER.encode(JSON.stringify(meta)),
    };
    return { layout, ruleTests };
  }
}

/** The number of an application's influence: the JSON of [primaryCompanyInfluence, developmentInfluence]. */
/**
 * Throws 'bad-version' naming the field when the view's agent version or a
 * gate's minimum version is not a version (SPEC.md section 4): the gates
 * compare them, and a signed snapshot is refused naming what is wrong.
 */
function checkViewVersions(meta: Pick<ViewMeta, 'computer' | 'gates'>): void {
  const named = (field: string, value: unknown): void => {
    const problem = typeof value === 'string' ? versionProblem(value) : 'is not a version';
    if (problem === null) return;
    // A version is a few dozen characters: a longer text is shown by its start, not echoed whole.
    const shown =
      typeof value === 'string' && value.length > 80
        ? `${JSON.stringify(value.slice(0, 80))}... (${value.length} characters)`
        : JSON.stringify(value);
    throw new TollgateError('bad-version', `${field}: ${shown} ${problem}`);
  };
  named('view.computer.agentVersion', meta.computer.agentVersion);
  meta.gates.forEach((gate, i) => named(`view.gates[${i}].minVersion`, gate.minVersion));
}

function influenceString(strings: ImageStrings, primary: unknown, development: unknown): number {
  const s = strings.addListPairJson(primary, development);
  return s >= 0 ? s : strings.add(JSON.stringify([primary ?? null, development ?? null]));
}

/**
 * Room for the strings found again (viewSize), per policy and per
 * application: the bytes of a distinct organization, application id a
 * policy names without the view holding it, category or influence list
 * every 8 to 16 entries.
 */
const FOUND_ROOM_POLICY = 2;
const FOUND_ROOM_APPLICATION = 4;

/** A string's length, 0 for none (viewSize counts what addView adds). */
function lengthOf(text: unknown): number {
  return typeof text === 'string' ? text.length : 0;
}

/** 1 for a field addView adds a string for, 0 for one it leaves out (undefined or null). */
function given(value: unknown): number {
  return value === undefined || value === null ? 0 : 1;
}

/**
 * What addView will add for a view: its rules, at most how many strings,
 * and about how many string bytes. The bytes counted are those of the text
 * each entry has its own string for (ids and names, rule fields), as ASCII;
 * the strings found again (organizations, application ids policies name,
 * categories, influences, ringfences: few distinct in a view) are given
 * room per entry instead of being measured: reading every string's length
 * reads the view's text twice. More bytes than that (text beyond ASCII, many
 * distinct influences), and the builder grows its table past them.
 */
function viewSize(view: ComputerView): { rules: number; strings: number; bytes: number } {
  let rules = 0;
  // The strings the view's meta adds (gated features), a few.
  let strings = 64;
  let chars = 0;
  const policies = view.policies;
  for (let i = 0; i < policies.length; i++) {
    const p = policies[i] as ViewPolicy;
    chars += lengthOf(p.id) + lengthOf(p.name);
    strings += 2 + given(p.name) + given(p.app) + given(p.ringfence);
  }
  const applications = view.applications;
  for (let a = 0; a < applications.length; a++) {
    const app = applications[a] as Application;
    chars += lengthOf(app.id) + lengthOf(app.name);
    strings += 2 + given(app.org) + given(app.category) + given(app.subcategory);
    strings += app.primaryCompanyInfluence !== undefined || app.developmentInfluence !== undefined ? 1 : 0;
    const appRules: readonly AppRule[] = Array.isArray(app.rules) ? app.rules : [];
    for (let r = 0; r < appRules.length; r++) {
      const rule = appRules[r] as AppRule;
      rules++;
      const { path, processPath, createdBy, sha256, certSubject, certThumbprint } = rule;
      chars += lengthOf(path) + lengthOf(processPath) + lengthOf(createdBy);
      chars += lengthOf(sha256) + lengthOf(certSubject) + lengthOf(certThumbprint);
      strings += given(path) + given(processPath) + given(createdBy);
      strings += given(sha256) + given(certSubject) + given(certThumbprint);
    }
  }
  const found = FOUND_ROOM_POLICY * view.policies.length + FOUND_ROOM_APPLICATION * view.applications.length;
  return { rules, strings, bytes: chars + (chars >>> 4) + found + 65536 };
}

/**
 * The processing ranks (sections): the strict order of the policies
 * (`sortedStrict`), each policy's place in it (`rank0`), and in the order
 * with the built-in tier first (`rank1`, a stable partition of the strict
 * order: the order is total, ids break ties).
 */
function processingRanks(
  flat: boolean,
  order: Float64Array,
  levelRank: Float64Array,
  orgDepth: Float64Array,
  policyFlags: Uint8Array,
  strBytes: Uint8Array,
  strOffsets: Uint32Array,
  policyId: Int32Array,
): { sortedStrict: Int32Array; rank0: Int32Array; rank1: Int32Array } {
  const n = policyId.length;
  const byId = (x: number, y: number): number =>
    compareStrings(strBytes, strOffsets, policyId[x] as number, policyId[y] as number);
  const strict = flat
    ? (x: number, y: number): number =>
        (order[x] as number) - (order[y] as number) ||
        (levelRank[x] as number) - (levelRank[y] as number) ||
        (orgDepth[x] as number) - (orgDepth[y] as number) ||
        byId(x, y)
    : (x: number, y: number): number =>
        (levelRank[x] as number) - (levelRank[y] as number) ||
        (orgDepth[x] as number) - (orgDepth[y] as number) ||
        (order[x] as number) - (order[y] as number) ||
        byId(x, y);
  const sortedStrict = sortByNumbers(flat ? [order, levelRank, orgDepth] : [levelRank, orgDepth, order], n, strict);
  const rank0 = new Int32Array(n);
  const rank1 = new Int32Array(n);
  rankOthers(sortedStrict, policyFlags, rank1, rankStrict(sortedStrict, policyFlags, rank0, rank1));
  return { sortedStrict, rank0, rank1 };
}

/** rank0: each policy's place in `sorted`; rank1 of the built-in ones, in that order. Returns how many are built in. */
function rankStrict(sorted: Int32Array, policyFlags: Uint8Array, rank0: Int32Array, rank1: Int32Array): number {
  let r1 = 0;
  for (let k = 0; k < sorted.length; k++) {
    const p = sorted[k] as number;
    rank0[p] = k;
    if (((policyFlags[p] as number) & FLAG_BUILT_IN) !== 0) rank1[p] = r1++;
  }
  return r1;
}

/** rank1 of the policies not built in, from `r1` on, in the order of `sorted`. */
function rankOthers(sorted: Int32Array, policyFlags: Uint8Array, rank1: Int32Array, r1: number): void {
  for (let k = 0; k < sorted.length; k++) {
    const p = sorted[k] as number;
    if (((policyFlags[p] as number) & FLAG_BUILT_IN) === 0) rank1[p] = r1++;
  }
}

/**
 * The applications policies name, by first use (by string number: one per
 * distinct id), and each one's policies in both processing orders
 * (`appStart` ranges of `byRank0` and `byRank1`); the default policies in
 * both orders.
 */
function usedApplications(
  policyFlags: Uint8Array,
  policyApp: Int32Array,
  stringCount: number,
  sortedStrict: Int32Array,
  rank0: Int32Array,
  rank1: Int32Array,
): {
  usedApps: Int32Array;
  policyUsed: Int32Array;
  defaults0: Int32Array;
  defaults1: Int32Array;
  appStart: Int32Array;
  byRank0: Int32Array;
  byRank1: Int32Array;
} {
  const n = policyApp.length;
  // -1: none, or a default policy. Typed arrays indexed by string number rather than maps: a million applications
  // fit in a few MB.
  const usedOf = new Int32Array(stringCount).fill(-1);
  // At most one used application a policy: filled to `used`, then cut to that length (no growing array).
  const usedAll = new Int32Array(n);
  const policyUsed = new Int32Array(n).fill(-1);
  const defaults: number[] = [];
  const used = markUsed(policyFlags, policyApp, usedOf, usedAll, policyUsed, defaults);
  const defaults0 = Int32Array.from(defaults).sort((x, y) => (rank0[x] as number) - (rank0[y] as number));
  const defaults1 = Int32Array.from(defaults).sort((x, y) => (rank1[x] as number) - (rank1[y] as number));
  const usedApps = usedAll.subarray(0, used);
  const appStart = new Int32Array(used + 1);
  countUses(policyUsed, appStart);
  prefixSums(appStart);
  const byRank0 = new Int32Array(appStart[used] as number);
  // Filled in strict rank order, each application's range comes out sorted for mode 0.
  fillInOrder(sortedStrict, policyUsed, appStart.slice(0, used), byRank0);
  const byRank1 = byRank0.slice();
  sortRangesByRank(byRank1, appStart, rank1);
  return { usedApps, policyUsed, defaults0, defaults1, appStart, byRank0, byRank1 };
}

/*
 * The loops of usedApplications and fileRules, each a function of its own
 * with nothing after its loop (see sortByNumbers): optimized once with the
 * feedback of all its code, and entered optimized by the next compile.
 */

/**
 * Numbers the applications policies name by first use (usedOf by string
 * number, usedAll by use number, policyUsed by policy) and lists the
 * default policies; returns how many applications are used.
 */
function markUsed(
  policyFlags: Uint8Array,
  policyApp: Int32Array,
  usedOf: Int32Array,
  usedAll: Int32Array,
  policyUsed: Int32Array,
  defaults: number[],
): number {
  let used = 0;
  for (let i = 0; i < policyApp.length; i++) {
    if (((policyFlags[i] as number) & FLAG_DEFAULT) !== 0) defaults.push(i);
    else if ((policyApp[i] as number) >= 0) {
      const app = policyApp[i] as number;
      let u = usedOf[app] as number;
      if (u < 0) {
        u = used++;
        usedOf[app] = u;
        usedAll[u] = app;
      }
      policyUsed[i] = u;
    }
  }
  return used;
}

/** counts[u + 1]: the policies of used application u. */
function countUses(policyUsed: Int32Array, counts: Int32Array): void {
  for (let i = 0; i < policyUsed.length; i++) {
    const u = policyUsed[i] as number;
    if (u >= 0) counts[u + 1] = (counts[u + 1] as number) + 1;
  }
}

/** Counts into running totals, in place. */
function prefixSums(counts: Int32Array): void {
  for (let u = 1; u < counts.length; u++) counts[u] = (counts[u] as number) + (counts[u - 1] as number);
}

/** Each used application's policies into its range of `out` (from `fill`, its starts), in `order`. */
function fillInOrder(order: Int32Array, policyUsed: Int32Array, fill: Int32Array, out: Int32Array): void {
  for (let k = 0; k < order.length; k++) {
    const p = order[k] as number;
    const u = policyUsed[p] as number;
    if (u < 0) continue;
    const at = fill[u] as number;
    out[at] = p;
    fill[u] = at + 1;
  }
}

/** Sorts each range [starts[u], starts[u + 1]) of `records` by `rank`. */
function sortRangesByRank(records: Int32Array, starts: Int32Array, rank: Int32Array): void {
  for (let u = 0; u + 1 < starts.length; u++) {
    const from = starts[u] as number;
    const to = starts[u + 1] as number;
    if (to - from > 1) sortRangeByRank(records, from, to, rank);
  }
}

/**
 * The applications sorted by id (`appById`: each id once, its last record,
 * as a lookup by id would find it when the view names an application
 * twice), for each rule the used application (`usedApps` number) it is
 * a rule of, -1 for none, and for each used application whether it is built
 * in or the view does not hold it (`usedApp`, view-consistency.ts).
 */
function applicationsById(
  appId: Int32Array,
  appRuleStart: Int32Array,
  appRuleCount: Int32Array,
  appFlags: Uint8Array,
  stringCount: number,
  strBytes: Uint8Array,
  strOffsets: Uint32Array,
  usedApps: Int32Array,
  ruleCount: number,
): { appById: Int32Array; ruleApp: Int32Array; usedApp: Uint8Array } {
  const lastRecord = new Int32Array(stringCount).fill(-1);
  const distinct = lastRecords(appId, lastRecord);
  if (distinct !== appId.length) {
    // A view names each application once (the server's worlds do): one named twice would be looked up by its
    // last record here and by its first in an approval's reference, so the view is refused.
    for (let a = 0; a < appId.length; a++) {
      if (lastRecord[appId[a] as number] === a) continue;
      const s = appId[a] as number;
      const id = UTF8.decode(strBytes.subarray(strOffsets[s], strOffsets[s + 1]));
      throw new TollgateError(
        'bad-message',
        `view.applications[${id}]: the view holds application ${id} more than once`,
      );
    }
  }
  // Every id once; the ids differ, so the sorted order does not depend on the order found.
  const appById = new Int32Array(distinct);
  listLastRecords(appId, lastRecord, appById);
  sortByLeadingBytes(appById, strBytes, strOffsets, appId, (x, y) =>
    compareStrings(strBytes, strOffsets, appId[x] as number, appId[y] as number),
  );
  const ruleApp = new Int32Array(ruleCount).fill(-1);
  const usedApp = new Uint8Array(usedApps.length);
  markRuleApps(usedApps, lastRecord, appRuleStart, appRuleCount, appFlags, ruleApp, usedApp);
  return { appById, ruleApp, usedApp };
}

/** lastRecord[id]: the last record of each application id (by string number); returns how many ids. */
function lastRecords(appId: Int32Array, lastRecord: Int32Array): number {
  let distinct = 0;
  for (let a = 0; a < appId.length; a++) {
    const id = appId[a] as number;
    if ((lastRecord[id] as number) < 0) distinct++;
    lastRecord[id] = a;
  }
  return distinct;
}

/** The records that are their id's last, in order, into `out`. */
function listLastRecords(appId: Int32Array, lastRecord: Int32Array, out: Int32Array): void {
  for (let a = 0, k = 0; a < appId.length; a++) if (lastRecord[appId[a] as number] === a) out[k++] = a;
}

/**
 * ruleApp[r]: the used application (its use number) that rule r is a rule
 * of; usedApp[u]: used application u's built-in flag, or APP_ABSENT when the
 * view does not hold it.
 */
function markRuleApps(
  usedApps: Int32Array,
  lastRecord: Int32Array,
  appRuleStart: Int32Array,
  appRuleCount: Int32Array,
  appFlags: Uint8Array,
  ruleApp: Int32Array,
  usedApp: Uint8Array,
): void {
  for (let u = 0; u < usedApps.length; u++) {
    const a = lastRecord[usedApps[u] as number] as number;
    if (a < 0) {
      usedApp[u] = APP_ABSENT;
      continue;
    }
    usedApp[u] = (appFlags[a] as number) & FLAG_BUILT_IN;
    const start = appRuleStart[a] as number;
    ruleApp.fill(u, start, start + (appRuleCount[a] as number));
  }
}

/** Every used rule's keys: rule r's are keyHashes and keyKinds [keyStart[r], keyStart[r + 1]). */
interface RuleKeyColumns {
  keyStart: Int32Array;
  keyHashes: Int32Array;
  keyKinds: Uint8Array;
  keyCount: number;
  /** The rules compiled now: those with a `regex:` pattern, so a bad expression is refused with the view. */
  ruleTests: Map<number, RuleTest>;
}

/**
 * A rule's error (a `regex:` that does not compile, a rule that sets no
 * field) naming the application and the rule at fault: the first used rule
 * whose test does not compile, found again once the compile has failed (so
 * nothing on the way of a good view pays for it). Any other error is
 * returned as it is.
 */
function namedRuleError(
  error: unknown,
  at: {
    ruleFields: Int32Array;
    appId: Int32Array;
    appRuleStart: Int32Array;
    appRuleCount: Int32Array;
    os: OsName;
    strBytes: Uint8Array;
    strOffsets: Uint32Array;
  },
): unknown {
  if (!(error instanceof TollgateError) || (error.code !== 'bad-regex' && error.code !== 'empty-rule')) return error;
  const { ruleFields, appId, appRuleStart, appRuleCount, os, strBytes, strOffsets } = at;
  // Application records in the view's order, each its rules in theirs: the first rule that cannot be tested.
  for (let a = 0; a < appId.length; a++) {
    const start = appRuleStart[a] as number;
    for (let n = 0; n < (appRuleCount[a] as number); n++) {
      try {
        compileRuleTest(ruleAt(ruleFields, strBytes, strOffsets, start + n), os);
      } catch (found) {
        if (!(found instanceof TollgateError)) return error;
        const s = appId[a] as number;
        const id = UTF8.decode(strBytes.subarray(strOffsets[s], strOffsets[s + 1]));
        return new TollgateError(found.code, `view.applications[${id}].rules[${n}]: ${found.message}`, {
          cause: found,
        });
      }
    }
  }
  return error;
}

/**
 * The rules of applications no policy of the view uses are never tested,
 * but the view is refused for them as for the others (as the linear
 * reference refuses it): a rule that sets no field (`empty-rule`), or a
 * `regex:` pattern that does not compile (`bad-regex`). Only those rules
 * are decoded.
 */
function checkUnusedRules(
  ruleFields: Int32Array,
  ruleApp: Int32Array,
  os: OsName,
  strBytes: Uint8Array,
  strOffsets: Uint32Array,
): void {
  for (let r = 0; r < ruleApp.length; r++) {
    if ((ruleApp[r] as number) >= 0) continue;
    let set = false;
    for (let k = 0; k < RULE_WIDTH && !set; k++) set = (ruleFields[r * RULE_WIDTH + k] as number) >= 0;
    if (!set || hasRegexField(strBytes, strOffsets, ruleFields, r)) {
      compileRuleTest(ruleAt(ruleFields, strBytes, strOffsets, r), os);
    }
  }
}

/** Each used rule's keys (matcher.ts ruleKeys), hashed. */
function ruleKeyColumns(
  ruleFields: Int32Array,
  ruleApp: Int32Array,
  os: OsName,
  strBytes: Uint8Array,
  strOffsets: Uint32Array,
): RuleKeyColumns {
  const ruleCount = ruleApp.length;
  const keyStart = new Int32Array(ruleCount + 1);
  const keys = new RuleKeyWriter(ruleCount);
  writeAllRuleKeys(keys, keyStart, ruleApp, ruleFields, os, strBytes, strOffsets);
  return { keyStart, keyHashes: keys.hashes, keyKinds: keys.kinds, keyCount: keys.count, ruleTests: keys.ruleTests };
}

/**
 * Writes every used rule's keys (keyStart[r + 1]: the keys written up to
 * rule r). The loop only calls: the work of a rule is a function called for
 * every rule, optimized as a whole. Nothing before the loop has type
 * feedback, nothing comes after it (see sortByNumbers).
 */
function writeAllRuleKeys(
  keys: RuleKeyWriter,
  keyStart: Int32Array,
  ruleApp: Int32Array,
  ruleFields: Int32Array,
  os: OsName,
  strBytes: Uint8Array,
  strOffsets: Uint32Array,
): void {
  for (let r = 0; r < ruleApp.length; r++) {
    keys.rule = r;
    if ((ruleApp[r] as number) >= 0) writeRuleKeys(keys, ruleFields, r, os, strBytes, strOffsets);
    keyStart[r + 1] = keys.count;
  }
}

/**
 * The key columns being written (ruleKeyColumns), and the rules compiled on
 * the way. A class rather than an object literal: every compile's writer
 * has the one shape its constructor gives, so the key functions optimized
 * for it in one compile are not thrown away (a code dependency on the
 * literal's shape) in the next.
 */
class RuleKeyWriter implements KeyOut {
  hashes: Int32Array;
  kinds: Uint8Array;
  count = 0;
  readonly ruleTests = new Map<number, RuleTest>();
  /** The rule being written, of `rules` in all (the columns grow to what the rules so far foretell). */
  rule = 0;

  constructor(readonly rules: number) {
    this.hashes = new Int32Array(Math.max(16, rules * 2));
    this.kinds = new Uint8Array(Math.max(16, rules * 2));
  }
}

/**
 * Grows the key columns so that they hold `room` keys: to half as large
 * again at least, and at once to what the rules written so far foretell for
 * all of them (an eighth over it) when that is more, so that a view with
 * more keys a rule than the first guess grows its columns once or twice,
 * not doubling three times (each column left behind is garbage until V8's
 * next full collection, and the columns are the compile's largest arrays).
 */
function ensureKeyRoom(keys: RuleKeyWriter, room: number): void {
  if (room <= keys.hashes.length) return;
  const foretold = keys.rule > 0 ? Math.ceil((keys.count / keys.rule) * keys.rules * 1.125) : 0;
  const size = Math.max(keys.hashes.length + (keys.hashes.length >>> 1), room, foretold);
  const hashes = new Int32Array(size);
  hashes.set(keys.hashes);
  keys.hashes = hashes;
  const kinds = new Uint8Array(size);
  kinds.set(keys.kinds);
  keys.kinds = kinds;
}

const SHA_FIELD = RULE_FIELDS.indexOf('sha256');
const THUMBPRINT_FIELD = RULE_FIELDS.indexOf('certThumbprint');

/** Appends the keys of used rule `r` to the key columns. */
function writeRuleKeys(
  keys: RuleKeyWriter,
  ruleFields: Int32Array,
  r: number,
  os: OsName,
  strBytes: Uint8Array,
  strOffsets: Uint32Array,
): void {
  ensureKeyRoom(keys, keys.count + 64);
  // Hashes and thumbprints (a third of a typical view) are hashed from the string table's bytes.
  const digestField = (ruleFields[r * RULE_WIDTH + SHA_FIELD] as number) >= 0 ? SHA_FIELD : THUMBPRINT_FIELD;
  const digest = ruleFields[r * RULE_WIDTH + digestField] as number;
  if (digest >= 0 && isAscii(strBytes, strOffsets, digest)) {
    const kind = digestField === SHA_FIELD ? SHA256_KIND : THUMBPRINT_KIND;
    keys.hashes[keys.count] = hashLowerAscii(KIND_SEED_BY_NUMBER[kind] as number, strBytes, strOffsets, digest);
    keys.kinds[keys.count++] = kind;
    if (hasRegexField(strBytes, strOffsets, ruleFields, r))
      keepCompiled(keys.ruleTests, r, compileRuleTest(ruleAt(ruleFields, strBytes, strOffsets, r), os));
    return;
  }
  // Most other rules' keys come from their strings' bytes; the rest are decoded for ruleKeys.
  if (digest < 0) {
    let bytes = 0;
    for (let k = 0; k < RULE_WIDTH; k++) {
      const s = ruleFields[r * RULE_WIDTH + k] as number;
      if (s >= 0) bytes += (strOffsets[s + 1] as number) - (strOffsets[s] as number);
    }
    ensureKeyRoom(keys, keys.count + maxKeysOfBytes(bytes));
    if (ruleKeyBytes(strBytes, strOffsets, ruleFields, r, os, keys)) return;
  }
  decodedRuleKeys(keys, ruleAt(ruleFields, strBytes, strOffsets, r), r, os);
}

/**
 * Rule r as an object, decoded from the string table (to key it and compile
 * its test). A function of the module, not a closure made per compile: code
 * optimized with a closure inlined is thrown away once that closure is
 * garbage, and optimized again at the next compile.
 */
function ruleAt(ruleFields: Int32Array, strBytes: Uint8Array, strOffsets: Uint32Array, r: number): AppRule {
  const rule: AppRule = {};
  for (let k = 0; k < RULE_WIDTH; k++) {
    const s = ruleFields[r * RULE_WIDTH + k] as number;
    if (s >= 0)
      rule[RULE_FIELDS[k] as keyof AppRule] = UTF8.decode(strBytes.subarray(strOffsets[s], strOffsets[s + 1]));
  }
  return rule;
}

/** Appends the keys of rule `r`, decoded as `rule`, worked out by ruleKeys (compiling a `regex:` rule). */
function decodedRuleKeys(keys: RuleKeyWriter, rule: AppRule, r: number, os: OsName): void {
  // Rules with a `regex:` pattern are compiled now, so a bad expression is refused with the view.
  if (hasRegexPattern(rule)) keepCompiled(keys.ruleTests, r, compileRuleTest(rule, os));
  const found = ruleKeys(rule, os);
  ensureKeyRoom(keys, keys.count + found.length);
  for (const key of found) {
    keys.hashes[keys.count] = keyHash(key.kind, key.text);
    const kindNumber = KIND_NUMBER.get(key.kind) as number;
    keys.kinds[keys.count++] = kindNumber | (KIND_PART[kindNumber] === PART_GRAM ? key.text.length << 4 : 0);
  }
}

/**
 * Keeps the test of `regex:` rule r, compiled to refuse a bad expression
 * with the view, while the compiled tests are fewer than half their bound
 * (MAX_COMPILED_RULE_TESTS): the rest of it is left for the rules no key
 * files (fileEach), which every request walks. A view's own tests are
 * bounded as those compiled later are: a view of 1,000,000 policies
 * compiled some 27,000.
 */
function keepCompiled(tests: Map<number, RuleTest>, r: number, test: RuleTest): void {
  if (tests.size < MAX_COMPILED_RULE_TESTS >>> 1) tests.set(r, test);
}

/** The key each rule is filed under (an index into the key columns; -1: none): the rarest of its keys. */
function chooseKeys(keys: RuleKeyColumns, ruleCount: number): Int32Array {
  const counts = new KeyCounts(keys.keyCount);
  countKeys(counts, keys.keyHashes, keys.keyCount);
  const chosen = new Int32Array(ruleCount);
  chooseRarest(counts, keys.keyStart, keys.keyHashes, chosen);
  return chosen;
}

/** Counts the first `n` key hashes. */
function countKeys(counts: KeyCounts, keyHashes: Int32Array, n: number): void {
  for (let k = 0; k < n; k++) counts.add(keyHashes[k] as number);
}

/** chosen[rule]: the rarest of the rule's keys by `counts` (the first of equals), -1 for none. */
function chooseRarest(counts: KeyCounts, keyStart: Int32Array, keyHashes: Int32Array, chosen: Int32Array): void {
  for (let rule = 0; rule < chosen.length; rule++) {
    const from = keyStart[rule] as number;
    const to = keyStart[rule + 1] as number;
    let best = -1;
    let bestCount = Infinity;
    for (let k = from; k < to; k++) {
      const c = counts.get(keyHashes[k] as number);
      if (c < bestCount) {
        best = k;
        bestCount = c;
      }
    }
    chosen[rule] = best;
  }
}

/**
 * Files every used rule under its chosen key (the index, the key filters,
 * which parts of which fields are filed), or among the rules no index can
 * find (`unindexed`, compiled now: an empty rule is refused with the view).
 */
function fileRules(
  keys: RuleKeyColumns,
  chosen: Int32Array,
  ruleApp: Int32Array,
  os: OsName,
  ruleFields: Int32Array,
  strBytes: Uint8Array,
  strOffsets: Uint32Array,
): FiledRules {
  const ruleCount = ruleApp.length;
  const gramKeys = countGramKeys(chosen, keys.keyKinds);
  const filed: FiledRules = {
    index: new RuleIndex(ruleCount),
    keyFilter: new KeyFilter(countChosen(chosen) - gramKeys),
    gramFilter: new KeyFilter(gramKeys),
    fieldParts: new Int32Array(PATH_FIELDS.length),
    fieldGramLengths: new Int32Array(PATH_FIELDS.length),
    filedByKind: new Int32Array(KEY_KINDS.length),
    unindexed: [],
  };
  fileEach(keys, chosen, ruleApp, os, ruleFields, strBytes, strOffsets, filed);
  return filed;
}

/** What fileRules gives. */
interface FiledRules {
  index: RuleIndex;
  keyFilter: KeyFilter;
  gramFilter: KeyFilter;
  fieldParts: Int32Array;
  fieldGramLengths: Int32Array;
  filedByKind: Int32Array;
  unindexed: number[];
}

/** How many rules have a chosen key. */
function countChosen(chosen: Int32Array): number {
  let n = 0;
  for (let rule = 0; rule < chosen.length; rule++) if ((chosen[rule] as number) >= 0) n++;
  return n;
}

/** How many rules have a gram key chosen. */
function countGramKeys(chosen: Int32Array, keyKinds: Uint8Array): number {
  let n = 0;
  for (let rule = 0; rule < chosen.length; rule++) {
    const best = chosen[rule] as number;
    if (best >= 0 && (KIND_PART[(keyKinds[best] as number) & 15] as number) === PART_GRAM) n++;
  }
  return n;
}

/** fileRules' filing of every used rule into `filed`. */
function fileEach(
  keys: RuleKeyColumns,
  chosen: Int32Array,
  ruleApp: Int32Array,
  os: OsName,
  ruleFields: Int32Array,
  strBytes: Uint8Array,
  strOffsets: Uint32Array,
  filed: FiledRules,
): void {
  // Fields read in the loop, not before it (nothing before the loop has type feedback: see readPolicyRecords).
  for (let rule = 0; rule < ruleApp.length; rule++) {
    if ((ruleApp[rule] as number) < 0) continue;
    const k = chosen[rule] as number;
    if (k < 0) {
      filed.unindexed.push(rule);
      // Walked by every request: compiled now while the bound allows (past it, when a request reaches it).
      if (!keys.ruleTests.has(rule) && keys.ruleTests.size < MAX_COMPILED_RULE_TESTS)
        keys.ruleTests.set(rule, compileRuleTest(ruleAt(ruleFields, strBytes, strOffsets, rule), os));
      continue;
    }
    const hash = keys.keyHashes[k] as number;
    const kinds = keys.keyKinds[k] as number;
    const kindNumber = kinds & 15;
    filed.index.add(hash, rule);
    const filedByKind = filed.filedByKind;
    filedByKind[kindNumber] = (filedByKind[kindNumber] as number) + 1;
    const f = KIND_FIELD[kindNumber] as number;
    const part = KIND_PART[kindNumber] as number;
    if (part === PART_GRAM) filed.gramFilter.add(hash);
    else filed.keyFilter.add(hash);
    if (f < 0) continue;
    if (part === PART_GRAM) {
      const lengths = filed.fieldGramLengths;
      lengths[f] = (lengths[f] as number) | (1 << (kinds >>> 4));
    } else {
      const parts = filed.fieldParts;
      parts[f] = (parts[f] as number) | (1 << part);
    }
  }
}

const ACTION_CODE = new Map<string, number>(POLICY_ACTIONS.map((a, i) => [a, i]));
const REGEX_PREFIX_BYTES = UTF8_ENCODER.encode('regex:');
const PATH_FIELD_INDEXES = PATH_FIELDS.map((f) => RULE_FIELDS.indexOf(f));

/** Whether stored string `s` is ASCII. */
function isAscii(strBytes: Uint8Array, offsets: Uint32Array, s: number): boolean {
  const to = offsets[s + 1] as number;
  for (let i = offsets[s] as number; i < to; i++) if ((strBytes[i] as number) > 0x7f) return false;
  return true;
}

/** hashKey of an ASCII stored string, lower-cased: what hashKey(kind, text.toLowerCase()) gives. */
function hashLowerAscii(seed: number, strBytes: Uint8Array, offsets: Uint32Array, s: number): number {
  let hash = seed;
  const to = offsets[s + 1] as number;
  for (let i = offsets[s] as number; i < to; i++) {
    const c = strBytes[i] as number;
    hash = hashStep(hash, c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  }
  return hash | 0;
}

/** Whether a rule's path-like fields include a `regex:` pattern, read from the string table. */
function hasRegexField(strBytes: Uint8Array, offsets: Uint32Array, fields: Int32Array, r: number): boolean {
  for (const k of PATH_FIELD_INDEXES) {
    const s = fields[r * RULE_WIDTH + k] as number;
    if (s < 0) continue;
    const from = offsets[s] as number;
    if ((offsets[s + 1] as number) - from < REGEX_PREFIX_BYTES.length) continue;
    let prefix = true;
    for (let i = 0; i < REGEX_PREFIX_BYTES.length; i++)
      if (strBytes[from + i] !== REGEX_PREFIX_BYTES[i]) prefix = false;
    if (prefix) return true;
  }
  return false;
}

/**
 * Record numbers 0 to n - 1 sorted by `compare`, whose first criteria are
 * the numeric `columns` in that order (ascending), the rest a tie-break.
 * While the columns hold integers whose ranges fit a 53-bit number beside
 * the record number (as views do: orders, ranks and depths are 32-bit
 * integers), records are sorted by that number with the engine's native
 * numeric sort, and only runs equal in every column packed are sorted again
 * with `compare`; otherwise everything is sorted with `compare`. The order
 * is the same either way (compare decides every tie it is given).
 */
function sortByNumbers(columns: Float64Array[], n: number, compare: (x: number, y: number) => number): Int32Array {
  const out = identity(n);
  const recordScale = 2 ** Math.max(1, Math.ceil(Math.log2(n + 1)));
  // Which leading columns fit the key (integers whose ranges multiply within 53 bits, the record number's included).
  const mins: number[] = [];
  const ranges: number[] = [];
  let room = 2 ** 53 / recordScale;
  const span = new Float64Array(2);
  for (let c = 0; c < columns.length; c++) {
    if (!integerSpan(columns[c] as Float64Array, n, span)) break;
    const min = span[0] as number;
    const range = (span[1] as number) - min + 1;
    if (!(range <= room)) break;
    mins.push(min);
    ranges.push(range);
    room = Math.floor(room / range);
  }
  if (mins.length === 0 || n < 2) return out.sort(compare);
  const keys = new Float64Array(n);
  for (let c = 0; c < mins.length; c++) {
    addKeyColumn(keys, columns[c] as Float64Array, mins[c] as number, ranges[c] as number);
  }
  addRecords(keys, recordScale);
  sortPacked(out, keys, recordScale, compare);
  return out;
}

/*
 * The loops of sortByNumbers, each a function of its own with nothing
 * before its loop that V8 keeps type feedback for (no property read, call
 * or construction) and nothing after it. Such a function, called once per
 * compile, is optimized while its loop runs with the feedback of all its
 * code, and the next compile enters that code. Otherwise code before the
 * loop (run before the function's feedback is allocated, during its first
 * loop) or after it (not yet run) has none, the next compile throws the
 * optimized code away there, and the loop is optimized on the stack again
 * (code that is not kept from one call to the next).
 */

/** The record numbers 0 to n - 1. */
function identity(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** Whether column[0, n) holds integers only; if so `span` gets their least and greatest. */
function integerSpan(column: Float64Array, n: number, span: Float64Array): boolean {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = column[i] as number;
    if (!Number.isInteger(v)) return false;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  span[0] = min;
  span[1] = max;
  return true;
}

/** keys[i] = keys[i] * range + column[i] - min: one more column packed into the keys. */
function addKeyColumn(keys: Float64Array, column: Float64Array, min: number, range: number): void {
  for (let i = 0; i < keys.length; i++) keys[i] = (keys[i] as number) * range + (column[i] as number) - min;
}

/** keys[i] = keys[i] * scale + i: the record number beside its key. */
function addRecords(keys: Float64Array, scale: number): void {
  for (let i = 0; i < keys.length; i++) keys[i] = (keys[i] as number) * scale + i;
}

/**
 * Sorts the packed keys (key * scale + record, never negative) by their
 * bytes (radix-sort.ts), writes their records in that order into `sorted`,
 * and sorts again with `compare` every run that shares its key.
 */
function sortPacked(
  sorted: Int32Array,
  keys: Float64Array,
  scale: number,
  compare: (x: number, y: number) => number,
): void {
  sortNonNegative(keys);
  for (let k = 0; k < sorted.length; k++) {
    const v = keys[k] as number;
    sorted[k] = v - Math.floor(v / scale) * scale;
  }
  sortRuns(sorted, keys, scale, compare);
}

/** Sorts again with `compare` every run of `sorted` whose packed keys (key * scale + record) share their key. */
function sortRuns(
  sorted: Int32Array,
  keys: Float64Array,
  scale: number,
  compare: (x: number, y: number) => number,
): void {
  let from = 0;
  let runKey = Math.floor((keys[0] as number) / scale);
  for (let k = 1; k <= sorted.length; k++) {
    const key = k < sorted.length ? Math.floor((keys[k] as number) / scale) : NaN;
    if (key === runKey) continue;
    if (k - from > 1) sortRange(sorted, from, k, compare);
    from = k;
    runKey = key;
  }
}

/**
 * Sorts `records` by `compare`, which orders them by their strings
 * (`strings[record]`, a string number) bytewise: by the first 4 bytes where
 * the strings can differ (after the prefix all of them share), packed
 * beside the record number and sorted natively, then runs that agree on
 * those bytes with `compare`.
 */
function sortByLeadingBytes(
  records: Int32Array,
  strBytes: Uint8Array,
  offsets: Uint32Array,
  strings: Int32Array,
  compare: (x: number, y: number) => number,
): void {
  const n = records.length;
  if (n < 2) return;
  // The longest prefix every string shares.
  const first = strings[records[0] as number] as number;
  const firstFrom = offsets[first] as number;
  const prefix = sharedPrefix(
    records,
    strBytes,
    offsets,
    strings,
    firstFrom,
    (offsets[first + 1] as number) - firstFrom,
  );
  const scale = 2 ** Math.max(1, Math.ceil(Math.log2(greatest(records) + 1)));
  if (scale > 2 ** 21) {
    records.sort(compare);
    return;
  }
  const keys = new Float64Array(n);
  leadingKeys(records, strBytes, offsets, strings, prefix, scale, keys);
  sortPacked(records, keys, scale, compare);
}

/*
 * The loops of sortByLeadingBytes, functions of their own with nothing
 * before their loop that has type feedback and nothing after it (see
 * readPolicyRecords in wire/view-image-payload.ts).
 */

/** How many of the `prefix` bytes at firstFrom every record's string starts with. */
function sharedPrefix(
  records: Int32Array,
  strBytes: Uint8Array,
  offsets: Uint32Array,
  strings: Int32Array,
  firstFrom: number,
  prefix: number,
): number {
  for (let k = 1; k < records.length && prefix > 0; k++) {
    const s = strings[records[k] as number] as number;
    const from = offsets[s] as number;
    const length = Math.min(prefix, (offsets[s + 1] as number) - from);
    let i = 0;
    while (i < length && strBytes[from + i] === strBytes[firstFrom + i]) i++;
    prefix = i;
  }
  return prefix;
}

/** The greatest of `values` (0 for none or only negatives). */
function greatest(values: Int32Array): number {
  let most = 0;
  for (let k = 0; k < values.length; k++) most = Math.max(most, values[k] as number);
  return most;
}

/** keys[k]: the 4 bytes after `prefix` of record k's string, then the record (key * scale + record). */
function leadingKeys(
  records: Int32Array,
  strBytes: Uint8Array,
  offsets: Uint32Array,
  strings: Int32Array,
  prefix: number,
  scale: number,
  keys: Float64Array,
): void {
  for (let k = 0; k < records.length; k++) {
    const r = records[k] as number;
    const s = strings[r] as number;
    const from = (offsets[s] as number) + prefix;
    const to = offsets[s + 1] as number;
    // Missing bytes count as 0, below any byte: a string ordered before another never gets a larger key.
    let key = 0;
    for (let i = 0; i < 4; i++) key = key * 256 + (from + i < to ? (strBytes[from + i] as number) : 0);
    keys[k] = key * scale + r;
  }
}

/** Compares two stored strings by their UTF-8 bytes (the same order as by text for ASCII, which every id is). */
function compareStrings(strBytes: Uint8Array, offsets: Uint32Array, x: number, y: number): number {
  if (x === y) return 0;
  const xf = offsets[x] as number;
  const yf = offsets[y] as number;
  const xn = (offsets[x + 1] as number) - xf;
  const yn = (offsets[y + 1] as number) - yf;
  const n = Math.min(xn, yn);
  for (let i = 0; i < n; i++) {
    const d = (strBytes[xf + i] as number) - (strBytes[yf + i] as number);
    if (d !== 0) return d;
  }
  return xn - yn;
}

/**
 * Lays out built sections in one buffer (IMAGE_PLACEMENT order), writes the
 * header and seals it with its checksum. Given the buffer the columns were
 * filled in (ViewImageBuilder.reserve), the image is written there when
 * every section already in it lies where the placement puts it and the rest
 * fits: only the sections elsewhere are copied in.
 */
function writeImage(layout: ImageSections, binding: ImageBinding, placed: Arena | null = null): Uint8Array {
  const arena = placed === null ? null : placed.buffer;
  let total = DATA_FROM;
  const at: number[] = new Array<number>(SECTION_COUNT);
  for (const s of PLACEMENT) {
    at[s] = total;
    total = align8(total + layout[(SECTIONS[s] as (typeof SECTIONS)[number])[0]].byteLength);
  }
  if (total > 0xffffffff) throw new TollgateError('invalid-input', `view image of ${total} bytes is too large`);
  let inPlace = arena !== null && total <= arena.byteLength;
  for (let s = 0; s < SECTION_COUNT && inPlace; s++) {
    const column = layout[(SECTIONS[s] as (typeof SECTIONS)[number])[0]];
    if (column.buffer === arena && column.byteOffset !== at[s]) inPlace = false;
  }
  const bytes = inPlace ? new Uint8Array(arena as ArrayBuffer, 0, total) : new Uint8Array(total);
  if (inPlace) {
    // The arena may be a recycled buffer: the header's unused bytes and the padding after each section are
    // zeroed, as a new buffer's are, so that the image is the same bytes whatever the buffer held.
    bytes.fill(0, 0, DATA_FROM);
    for (let i = 0; i < PLACEMENT.length; i++) {
      const s = PLACEMENT[i] as number;
      const end = (at[s] as number) + layout[(SECTIONS[s] as (typeof SECTIONS)[number])[0]].byteLength;
      const next = i + 1 < PLACEMENT.length ? (at[PLACEMENT[i + 1] as number] as number) : total;
      bytes.fill(0, end, next);
    }
  }
  const dv = new DataView(bytes.buffer, 0, total);
  dv.setUint32(H_MAGIC, IMAGE_MAGIC, true);
  dv.setUint32(H_FORMAT, IMAGE_FORMAT_VERSION, true);
  dv.setUint32(H_LENGTH, total, true);
  dv.setFloat64(H_SNAPSHOT_VERSION, binding.snapshotVersion ?? NaN, true);
  // Read once: a binding may work it out when asked (the agent's, while its worker hashes the snapshot).
  const snapshotHash = binding.snapshotHash;
  if (snapshotHash !== null) {
    if (snapshotHash.length !== HASH_BYTES) {
      throw new TollgateError('invalid-input', `snapshot hash of ${snapshotHash.length} bytes, expected ${HASH_BYTES}`);
    }
    dv.setUint32(H_HAS_HASH, 1, true);
    bytes.set(snapshotHash, H_HASH);
  }
  dv.setUint32(H_SECTION_COUNT, SECTION_COUNT, true);
  SECTIONS.forEach(([name], s) => {
    const column = layout[name];
    dv.setUint32(H_SECTIONS + 8 * s, at[s] as number, true);
    dv.setUint32(H_SECTIONS + 8 * s + 4, column.byteLength, true);
    if (column.buffer !== bytes.buffer) {
      bytes.set(new Uint8Array(column.buffer, column.byteOffset, column.byteLength), at[s]);
    }
  });
  sealImage(bytes);
  // Written in a buffer made ahead for more than twice its size (a small view: the buffer's fixed room for the
  // small sections dominates), or given to recycle and more than twice its size (a much smaller view than the
  // one before, whose pages stay resident): the image keeps a buffer of its own size instead of holding the rest.
  if (inPlace && placed !== null) {
    if (total * 2 < placed.need || (placed.recycled && total * 2 < placed.buffer.byteLength)) return bytes.slice();
  }
  return bytes;
}

/**
 * Compiles a view into its image, bound to the snapshot it came from.
 * Throws a TollgateError for what the view cannot be decided with (a bad
 * `regex:` pattern, an empty rule).
 */
export function compileViewImage(view: ComputerView, binding: ImageBinding): ViewImage {
  const builder = new ViewImageBuilder();
  builder.addView(view);
  return builder.finish(viewMeta(view), binding);
}

/** A view without its policies and applications. */
export function viewMeta(view: ComputerView): ViewMeta {
  const { policies: _policies, applications: _applications, ...meta } = view;
  return meta;
}

/**
 * Opens stored image bytes without copying them (unless they are not 8-byte
 * aligned): checks the header, the snapshot it is bound to, the checksum and
 * every number in its columns, and throws a TollgateError ('image-damaged'
 * or 'image-mismatch') naming what is wrong. `regex:` patterns are not
 * compiled here: a rule's test is compiled the first time a request reaches it
 * (only for the rules image-match.ts cannot decide over the string table).
 * `ownsBuffer`: the caller gives the image a buffer nothing else reads
 * (ViewImage.ownsBuffer).
 */
export function openViewImage(
  bytes: Uint8Array,
  expect: { snapshotHash: Uint8Array | null; ownsBuffer?: boolean },
): ViewImage {
  if (bytes.length < DATA_FROM) throw damaged(`${bytes.length} bytes is shorter than the header`);
  let owned = expect.ownsBuffer === true;
  if (bytes.byteOffset % 8 !== 0) {
    // A copy (a Buffer's slice would be a view of the same misaligned bytes), which is the image's own.
    bytes = new Uint8Array(bytes);
    owned = true;
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (dv.getUint32(H_MAGIC, true) !== IMAGE_MAGIC) throw damaged('not a view image (magic)');
  const format = dv.getUint32(H_FORMAT, true);
  if (format !== IMAGE_FORMAT_VERSION) throw mismatch(`format version ${format}, expected ${IMAGE_FORMAT_VERSION}`);
  const length = dv.getUint32(H_LENGTH, true);
  if (length !== bytes.length) throw damaged(`header says ${length} bytes, got ${bytes.length} (truncated?)`);
  if (length % 8 !== 0) throw damaged(`length ${length} is not a multiple of 8`);
  const hasHash = dv.getUint32(H_HAS_HASH, true);
  if (hasHash > 1) throw damaged('snapshot hash flag');
  const stored = hasHash === 1 ? bytes.subarray(H_HASH, H_HASH + HASH_BYTES) : null;
  if (!sameHash(stored, expect.snapshotHash)) throw mismatch('bound to another snapshot (snapshot hash differs)');
  const checksum = dv.getUint32(H_CHECKSUM, true);
  if (checksum !== imageChecksum(bytes)) throw damaged('checksum differs');
  const layout = viewSections(bytes);
  validateLayout(layout);
  return ViewImage.fromLayout(bytes, layout, undefined, owned);
}

function sameHash(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A view compiled for fast decisions: its image, evaluated directly, and the
 * view itself for callers that read it. What every caller that holds a view
 * (the agent, the server's approval actions, replay, the benchmark) decides with.
 */
export class CompiledView extends ViewImage {
  readonly view: ComputerView;

  constructor(view: ComputerView, snapshotVersion: number | null = null) {
    const builder = new ViewImageBuilder();
    builder.addView(view);
    const { bytes, ruleTests } = builder.image(viewMeta(view), { snapshotVersion, snapshotHash: null });
    super(bytes, viewSections(bytes), ruleTests);
    this.view = view;
  }
}
