/**
 * What a view must hold to be one that a valid world (validate.ts, SPEC.md
 * sections 1 to 5) gives a computer: each policy id once, the default
 * policy without an application and every other policy with one of the
 * view's applications, level ranks of SPEC.md section 1, no negative order
 * in the computer's own flat organization, texts within TEXT_LIMITS, rule
 * fields and country codes as the world validator takes them. The view
 * image's compile (view-image.ts) refuses any other view with
 * TollgateError 'bad-message' naming the field and the id at fault, so that
 * a snapshot a broken or hostile server signed never replaces a good one.
 *
 * The checks of policies, applications and rules read the image's typed
 * columns and its string table (lengths from string offsets) and allocate
 * nothing per entry; a string is decoded only to write the error.
 */
import { COUNTRY_CODES, isCountryCode } from './countries.js';
import { TollgateError } from './errors.js';
import { F_SHA, F_SUBJECT, F_THUMBPRINT } from './image-match.js';
import { APPROVAL_ORDER_MAX, APPROVAL_ORDER_MIN, MAX_MODULES, TEXT_LIMITS, isIntegerIn } from './limits.js';
import { type AppliesToLevel, LEVEL_RANK, RULE_FIELDS } from './model.js';
import { CONTROL_CHARACTER, SHA256_PATTERN, THUMBPRINT_PATTERN, isEmailAddress } from './validate.js';
import type { ComputerView } from './view.js';

/** A policy record's flags (the image's policyFlags column); FLAG_BUILT_IN also an application record's. */
export const FLAG_BUILT_IN = 1;
export const FLAG_DEFAULT = 2;
/** A used application's state (PolicyRecords.usedApp) when the view holds no application of its id. */
export const APP_ABSENT = 4;

/** The highest level rank (SPEC.md section 1: global 0 ... group 4). */
export const MAX_LEVEL_RANK = Math.max(...Object.values(LEVEL_RANK));
/** The level rank of an `organization` Applies To: from it on, a policy's organization is the computer's own. */
const OWN_ORG_LEVEL_RANK = LEVEL_RANK.organization;
const LEVEL_NAMES = Object.entries(LEVEL_RANK)
  .sort((a, b) => a[1] - b[1])
  .map(([level, rank]) => `${level as AppliesToLevel} ${rank}`)
  .join(', ');

/** An approval policy's scope rank: computers 0, groups 1, organization 2 (view.ts). */
const MAX_SCOPE_RANK = 2;

const RULE_WIDTH = RULE_FIELDS.length;
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** The image's string table: string s is strBytes[strOffsets[s], strOffsets[s + 1]). */
export interface StringTable {
  strBytes: Uint8Array;
  strOffsets: Uint32Array;
}

function text(t: StringTable, s: number): string {
  return UTF8.decode(t.strBytes.subarray(t.strOffsets[s], t.strOffsets[s + 1]));
}

/** A value as an error shows it: JSON, a text of more than 80 characters cut, with its length. */
function shown(value: unknown): string {
  if (typeof value === 'string' && value.length > 80) {
    return `${JSON.stringify(value.slice(0, 80))}... (${value.length} characters)`;
  }
  return JSON.stringify(value) ?? String(value);
}

function refused(at: string, problem: string): TollgateError {
  return new TollgateError('bad-message', `${at}: ${problem}`);
}

/**
 * The UTF-16 code units (what TEXT_LIMITS counts) of the UTF-8 bytes
 * bytes[from, to): one a character, two for one of four bytes.
 */
function utf16Units(bytes: Uint8Array, from: number, to: number): number {
  let units = 0;
  for (let i = from; i < to; i++) {
    const b = bytes[i] as number;
    if ((b & 0xc0) !== 0x80) units += b >= 0xf0 ? 2 : 1;
  }
  return units;
}

/**
 * Whether string s (-1: none) is longer than `max` UTF-16 code units. Its
 * UTF-8 bytes are never fewer than its code units: only a string of more
 * bytes than `max` is counted.
 */
function longer(t: StringTable, s: number, max: number): boolean {
  if (s < 0) return false;
  const from = t.strOffsets[s] as number;
  const to = t.strOffsets[s + 1] as number;
  return to - from > max && utf16Units(t.strBytes, from, to) > max;
}

function lengthProblem(field: string, value: string, max: number): string {
  return `${field} is ${value.length} characters long; at most ${max}`;
}

// ------------------------------------------------------------ policy ids

/** Refuses the view (TollgateError 'bad-message' naming the policy) when it holds a policy id more than once. */
export function checkPolicyIds(policyId: Int32Array, t: StringTable): void {
  const repeated = firstRepeatedPolicy(policyId, t);
  if (repeated < 0) return;
  const id = text(t, policyId[repeated] as number);
  throw refused(`view.policies[${id}]`, `the view holds policy ${id} more than once`);
}

/** The most bits of a policy id hash the first pass marks (a 4 MiB bit set, past 4 million policies). */
const MAX_SEEN_BITS = 25;

/*
 * The loops below are functions of their own, given typed arrays and
 * numbers only, with no property read, call or construction before or after
 * their loop and every comparison of the usual path made at every turn: V8
 * optimizes a loop while it runs (on-stack replacement) with the type
 * feedback gathered so far, and code met later without feedback throws the
 * optimized code away (view-image.ts, docs/DAEMON.md).
 */

/**
 * The least policy record number whose id a record before it holds, or -1.
 * Policy ids are appended to the string table without a look-up (each its
 * own string number): they are found again here by their bytes' FNV-1a
 * hashes, from a basis drawn at random (a view cannot choose its ids to
 * share hashes). A first pass marks the top bits of each hash in a bit set
 * of some 8 bits a record (1 MiB at a million policies, which stays in the
 * processor's caches where a table of every record would not: a sparser
 * set measured slower) and lists the values met again; only the records of
 * those values, about an eighth of them, are then compared, by their whole
 * hash and their bytes, in a table of their own. When ids repeat so much
 * that the list overflows, every record is compared so.
 */
function firstRepeatedPolicy(policyId: Int32Array, t: StringTable): number {
  const n = policyId.length;
  if (n < 2) return -1;
  const bits = Math.min(MAX_SEEN_BITS, Math.max(10, Math.ceil(Math.log2(n)) + 3));
  const shift = 32 - bits;
  const basis = (0x811c9dc5 ^ Math.floor(Math.random() * 0x1_0000_0000)) | 0;
  const hashes = new Int32Array(n);
  const seen = new Int32Array(1 << (bits - 5));
  // Some n / 16 values are met again (n² / 2 pairs, one in 2^bits sharing its value); more when ids repeat.
  const again = new Int32Array(Math.max(64, n >>> 3));
  const met = hashAndMark(policyId, t.strBytes, t.strOffsets, basis, shift, hashes, seen, again, again.length);
  if (met === 0) return -1;
  let marked = seen;
  let hot = 2 * met;
  if (met <= again.length) {
    // `seen` now marks the values met again: a value met m times is m records, m - 1 of them listed.
    seen.fill(0);
    markValues(again, met, seen);
  } else {
    marked = seen.fill(-1);
    hot = n;
  }
  // Half full at most.
  const slots = new Int32Array(2 * 2 ** Math.ceil(Math.log2(2 * hot)));
  return firstRepeatedAmong(hashes, shift, marked, slots, slots.length / 2 - 1, policyId, t.strBytes, t.strOffsets);
}

/**
 * Each record's hash into `hashes`, its top bits (from `shift`) marked in
 * `seen`, and listed in `again` (up to `room`) when met before; returns how
 * many were met before (more than `room` when the list overflows).
 */
function hashAndMark(
  policyId: Int32Array,
  strBytes: Uint8Array,
  strOffsets: Uint32Array,
  basis: number,
  shift: number,
  hashes: Int32Array,
  seen: Int32Array,
  again: Int32Array,
  room: number,
): number {
  let met = 0;
  for (let i = 0; i < policyId.length; i++) {
    const s = policyId[i] as number;
    const to = strOffsets[s + 1] as number;
    let hash = basis;
    for (let b = strOffsets[s] as number; b < to; b++) hash = Math.imul(hash ^ (strBytes[b] as number), 0x01000193);
    hashes[i] = hash;
    const v = hash >>> shift;
    const word = seen[v >>> 5] as number;
    seen[v >>> 5] = word | (1 << (v & 31));
    // Written at every record, kept (counted) only when met before: no branch first taken late.
    if (met < room) again[met] = v;
    met += (word >>> (v & 31)) & 1;
  }
  return met;
}

/** Marks values[0, count) in the bit set `marks`. */
function markValues(values: Int32Array, count: number, marks: Int32Array): void {
  for (let k = 0; k < count; k++) {
    const v = values[k] as number;
    marks[v >>> 5] = (marks[v >>> 5] as number) | (1 << (v & 31));
  }
}

/**
 * The least record number whose id a record before it holds, among the
 * records whose hash's top bits `marked` marks: each entered in turn into
 * `slots` (slot k: slots[2k] a hash, slots[2k + 1] its record plus one;
 * `mask` the slot count less one), found again by its whole hash and its bytes.
 */
function firstRepeatedAmong(
  hashes: Int32Array,
  shift: number,
  marked: Int32Array,
  slots: Int32Array,
  mask: number,
  policyId: Int32Array,
  strBytes: Uint8Array,
  strOffsets: Uint32Array,
): number {
  for (let i = 0; i < hashes.length; i++) {
    const hash = hashes[i] as number;
    const v = hash >>> shift;
    if (((marked[v >>> 5] as number) & (1 << (v & 31))) === 0) continue;
    let slot = hash & mask;
    let held = (slots[2 * slot + 1] as number) - 1;
    while (held >= 0) {
      if (
        slots[2 * slot] === hash &&
        sameString(strBytes, strOffsets, policyId[held] as number, policyId[i] as number)
      ) {
        return i;
      }
      slot = (slot + 1) & mask;
      held = (slots[2 * slot + 1] as number) - 1;
    }
    slots[2 * slot] = hash;
    slots[2 * slot + 1] = i + 1;
  }
  return -1;
}

/** Whether strings x and y are the same bytes. */
function sameString(strBytes: Uint8Array, strOffsets: Uint32Array, x: number, y: number): boolean {
  const from = strOffsets[x] as number;
  const at = strOffsets[y] as number;
  const n = (strOffsets[x + 1] as number) - from;
  if ((strOffsets[y + 1] as number) - at !== n) return false;
  for (let i = 0; i < n; i++) if (strBytes[from + i] !== strBytes[at + i]) return false;
  return true;
}

// -------------------------------------------------------------- policies

/** The policy columns the checks read (view-image.ts ViewImageBuilder). */
export interface PolicyRecords {
  policyId: Int32Array;
  policyName: Int32Array;
  policyApp: Int32Array;
  policyOrg: Int32Array;
  policyFlags: Uint8Array;
  policyOrder: Float64Array;
  policyLevelRank: Float64Array;
  policyRingfence: Int32Array;
  /** The used application (view-image.ts usedApplications) each policy's record names, -1 for none (a default). */
  policyUsed: Int32Array;
  /** Each used application's FLAG_BUILT_IN, or APP_ABSENT. */
  usedApp: Uint8Array;
}

/** What the policies are checked against: the computer's organization's string number (-1: none) and structure. */
export interface OwnOrganization {
  org: number;
  flat: boolean;
}

/**
 * Refuses the view (TollgateError 'bad-message' naming the policy and the
 * field) when a policy could not come from a valid world (an id held twice
 * is checkPolicyIds's): a default policy with an application or in the
 * built-in tier; another without an application, naming one the view does
 * not hold, or whose built-in flag is not its application's; a level rank
 * that is none of SPEC.md section 1; an organization-, group- or
 * computer-level policy of another organization than the computer's; a
 * negative order in the computer's organization when it is flat (SPEC.md
 * section 2.6); a name or ringfence longer than TEXT_LIMITS.
 */
export function checkPolicyRecords(p: PolicyRecords, own: OwnOrganization, t: StringTable): void {
  for (let from = 0; from < p.policyApp.length;) {
    const bad = firstBadPolicy(p, own, t.strOffsets, from);
    if (bad < 0) return;
    const problem = policyProblem(p, own, t, bad);
    if (problem !== null) throw refused(`view.policies[${text(t, p.policyId[bad] as number)}]`, problem);
    // A text of more bytes than its bound, but not of more characters.
    from = bad + 1;
  }
}

/** firstBadPolicyFrom over the records' columns. */
function firstBadPolicy(p: PolicyRecords, own: OwnOrganization, offsets: Uint32Array, from: number): number {
  return firstBadPolicyFrom(
    p.policyApp,
    p.policyFlags,
    p.policyLevelRank,
    p.policyOrder,
    p.policyOrg,
    p.policyName,
    p.policyRingfence,
    p.policyUsed,
    p.usedApp,
    offsets,
    own.org,
    own.flat,
    from,
  );
}

/**
 * The first policy record from `from` on that checkPolicyRecords may
 * refuse, or -1. Texts are measured in bytes here: only one of more bytes
 * than its bound can be longer (policyProblem counts its characters).
 */
function firstBadPolicyFrom(
  policyApp: Int32Array,
  policyFlags: Uint8Array,
  policyLevelRank: Float64Array,
  policyOrder: Float64Array,
  policyOrg: Int32Array,
  policyName: Int32Array,
  policyRingfence: Int32Array,
  policyUsed: Int32Array,
  usedApp: Uint8Array,
  offsets: Uint32Array,
  ownOrg: number,
  flat: boolean,
  from: number,
): number {
  // Every test below is made at every record (no comparison or load first met late, without type feedback).
  for (let i = from; i < policyApp.length; i++) {
    const flags = policyFlags[i] as number;
    const builtIn = flags & FLAG_BUILT_IN;
    const app = policyApp[i] as number;
    // A default policy: no application, not built in. Another: an application the view holds, built in as it is
    // (the state of the used application, numbered as policies first name it: read nearly in order).
    const defaultBad = ((app >= 0 ? 1 : 0) | builtIn) !== 0;
    const used = policyUsed[i] as number;
    const otherBad = (used >= 0 ? (usedApp[Math.max(used, 0)] as number) : APP_ABSENT) !== builtIn;
    const rank = policyLevelRank[i] as number;
    const ownLevel = rank >= OWN_ORG_LEVEL_RANK;
    const negative = (policyOrder[i] as number) < 0;
    const ownOrgBad = (policyOrg[i] as number) === ownOrg ? flat && negative : ownLevel;
    // Strings absent (-1) are measured as string 0 (a policy's or application's id, far below the bounds).
    const name = Math.max(policyName[i] as number, 0);
    const nameBytes = (offsets[name + 1] as number) - (offsets[name] as number);
    const ringfence = Math.max(policyRingfence[i] as number, 0);
    const ringfenceBytes = (offsets[ringfence + 1] as number) - (offsets[ringfence] as number);
    if (
      ((flags & FLAG_DEFAULT) !== 0 ? defaultBad : otherBad) ||
      !isLevelRank(rank) ||
      ownOrgBad ||
      nameBytes > TEXT_LIMITS.name ||
      ringfenceBytes > RINGFENCE_MAX
    ) {
      return i;
    }
  }
  return -1;
}

const RINGFENCE_MAX = TEXT_LIMITS.ringfenceJson;

/** Whether a number is a level rank of SPEC.md section 1 (an integer from 0 to MAX_LEVEL_RANK). */
function isLevelRank(rank: number): boolean {
  return rank >>> 0 === rank && rank <= MAX_LEVEL_RANK;
}

/**
 * What is wrong with policy record i (firstBadPolicy found it), in the words
 * of validate.ts where it has them; null when nothing is (a text of more
 * bytes than its bound, but not of more characters).
 */
function policyProblem(p: PolicyRecords, own: OwnOrganization, t: StringTable, i: number): string | null {
  const flags = p.policyFlags[i] as number;
  const app = p.policyApp[i] as number;
  const builtIn = (flags & FLAG_BUILT_IN) !== 0;
  if ((flags & FLAG_DEFAULT) !== 0) {
    if (app >= 0) return `app ${shown(text(t, app))} is set on the default policy, which names no application`;
    return 'builtIn is set on the default policy, which is of no application';
  }
  if (app < 0) return 'app is missing (only the default policy has none)';
  const state = p.usedApp[p.policyUsed[i] as number] as number;
  if (state === APP_ABSENT) return `app ${shown(text(t, app))} is not an application of the view`;
  if ((state === FLAG_BUILT_IN) !== builtIn) {
    return `builtIn is ${builtIn}, but application ${text(t, app)} is ${builtIn ? 'not ' : ''}built in`;
  }
  const rank = p.policyLevelRank[i] as number;
  if (!isLevelRank(rank)) {
    return `levelRank ${rank} is not a level rank (${LEVEL_NAMES})`;
  }
  const org = text(t, p.policyOrg[i] as number);
  if ((p.policyOrg[i] as number) !== own.org && rank >= OWN_ORG_LEVEL_RANK) {
    return `levelRank ${rank} covers the computer's own organization only, but the policy is of organization ${org}`;
  }
  if (own.flat && (p.policyOrg[i] as number) === own.org && (p.policyOrder[i] as number) < 0) {
    return `order ${p.policyOrder[i]} is negative, but organization ${org} uses the flat structure`;
  }
  const name = p.policyName[i] as number;
  if (longer(t, name, TEXT_LIMITS.name)) return lengthProblem('name', text(t, name), TEXT_LIMITS.name);
  const ringfence = p.policyRingfence[i] as number;
  if (longer(t, ringfence, RINGFENCE_MAX)) {
    return `ringfence is ${text(t, ringfence).length} characters as JSON; at most ${RINGFENCE_MAX}`;
  }
  return null;
}

// ---------------------------------------------------------- applications

/** The application columns the checks read (view-image.ts ViewImageBuilder). */
export interface ApplicationRecords {
  appId: Int32Array;
  appName: Int32Array;
  appCategory: Int32Array;
  appSubcategory: Int32Array;
  appInfluence: Int32Array;
  appRuleStart: Int32Array;
  appRuleCount: Int32Array;
  ruleFields: Int32Array;
}

/**
 * Refuses the view (TollgateError 'bad-message' naming the application, and
 * the rule) when an application could not come from a valid world: a name,
 * category or subcategory longer than TEXT_LIMITS; an influence list entry
 * that is not an ISO 3166-1 alpha-2 code (`" CN"` would meet no approval
 * policy's list, and so pass a deny list); a rule field that is empty, a
 * pattern or certificate subject longer than TEXT_LIMITS, a sha256 that is
 * not 64 hex characters or a certThumbprint not 40 or 64.
 */
export function checkApplicationRecords(a: ApplicationRecords, t: StringTable): void {
  const n = a.appId.length;
  // Influence lists repeat (one string each distinct pair): each is read once, marked here by string number.
  const checked = new Uint8Array(n === 0 ? 0 : t.strOffsets.length);
  for (let from = 0; from < n;) {
    const { appName, appCategory, appSubcategory, appInfluence } = a;
    const bad = firstBadApplication(
      appName,
      appCategory,
      appSubcategory,
      appInfluence,
      checked,
      t.strBytes,
      t.strOffsets,
      from,
    );
    if (bad < 0) break;
    const problem = applicationProblem(a, t, bad);
    if (problem !== null) throw refused(`view.applications[${text(t, a.appId[bad] as number)}]`, problem);
    from = bad + 1;
  }
  const bytes = new DataView(t.strBytes.buffer, t.strBytes.byteOffset, t.strBytes.byteLength);
  for (let from = 0; from * RULE_WIDTH < a.ruleFields.length;) {
    const rule = firstBadRule(a.ruleFields, bytes, t.strOffsets, from);
    if (rule < 0) return;
    const problem = ruleProblem(a, t, rule);
    if (problem !== null) throw refused(`${ruleAt(a, t, rule)}`, problem);
    from = rule + 1;
  }
}

/** `view.applications[ID].rules[N]` of rule r. */
function ruleAt(a: ApplicationRecords, t: StringTable, r: number): string {
  for (let app = 0; app < a.appId.length; app++) {
    const start = a.appRuleStart[app] as number;
    if (r >= start && r < start + (a.appRuleCount[app] as number)) {
      return `view.applications[${text(t, a.appId[app] as number)}].rules[${r - start}]`;
    }
  }
  return `view.applications: rule ${r}`;
}

/**
 * The first application record from `from` on that checkApplicationRecords
 * may refuse for its own fields, or -1; texts measured in bytes (see
 * firstBadPolicyFrom). An influence list string is read once (`checked`).
 */
function firstBadApplication(
  appName: Int32Array,
  appCategory: Int32Array,
  appSubcategory: Int32Array,
  appInfluence: Int32Array,
  checked: Uint8Array,
  bytes: Uint8Array,
  offsets: Uint32Array,
  from: number,
): number {
  for (let i = from; i < appName.length; i++) {
    // Strings absent (-1) are measured as string 0 (a policy's or application's id, far below the bounds).
    const name = appName[i] as number;
    const category = Math.max(appCategory[i] as number, 0);
    const subcategory = Math.max(appSubcategory[i] as number, 0);
    const nameBytes = (offsets[name + 1] as number) - (offsets[name] as number);
    const categoryBytes = (offsets[category + 1] as number) - (offsets[category] as number);
    const subcategoryBytes = (offsets[subcategory + 1] as number) - (offsets[subcategory] as number);
    if (nameBytes > TEXT_LIMITS.name || categoryBytes > CATEGORY_MAX || subcategoryBytes > CATEGORY_MAX) return i;
    const influence = appInfluence[i] as number;
    if (influence >= 0 && checked[influence] !== 1) {
      if (!influenceCodes(bytes, offsets, influence)) return i;
      checked[influence] = 1;
    }
  }
  return -1;
}

const CATEGORY_MAX = TEXT_LIMITS.category;

/** Each officially assigned code, by (first letter, second letter), 0 to 25 each, in any case. */
const COUNTRY_BY_LETTERS = (() => {
  const table = new Uint8Array(26 * 26);
  for (const code of COUNTRY_CODES) table[(code.charCodeAt(0) - 65) * 26 + (code.charCodeAt(1) - 65)] = 1;
  return table;
})();

/** A letter's number 0 to 25 (either case), else -1. */
function letter(b: number): number {
  const upper = b & ~0x20;
  return upper >= 0x41 && upper <= 0x5a ? upper - 0x41 : -1;
}

/**
 * Whether influence string s, the JSON of [primaryCompanyInfluence,
 * developmentInfluence] as the image stores it (each `null` or a list of
 * strings, written without spaces), lists ISO 3166-1 alpha-2 codes only.
 */
function influenceCodes(bytes: Uint8Array, offsets: Uint32Array, s: number): boolean {
  const to = offsets[s + 1] as number;
  let at = offsets[s] as number;
  if (bytes[at++] !== 0x5b) return false; // [
  for (let list = 0; list < 2; list++) {
    if (list === 1 && bytes[at++] !== 0x2c) return false; // ,
    if (bytes[at] === 0x6e) {
      // null
      if (bytes[at + 1] !== 0x75 || bytes[at + 2] !== 0x6c || bytes[at + 3] !== 0x6c) return false;
      at += 4;
      continue;
    }
    if (bytes[at++] !== 0x5b) return false; // [
    if (bytes[at] === 0x5d) {
      at++;
      continue;
    }
    for (;;) {
      // "XY": two letters of an assigned code between quotes.
      if (at + 4 > to || bytes[at] !== 0x22 || bytes[at + 3] !== 0x22) return false;
      const first = letter(bytes[at + 1] as number);
      const second = letter(bytes[at + 2] as number);
      if (first < 0 || second < 0 || COUNTRY_BY_LETTERS[first * 26 + second] !== 1) return false;
      at += 4;
      const next = bytes[at++];
      if (next === 0x5d) break; // ]
      if (next !== 0x2c) return false;
    }
  }
  return bytes[at] === 0x5d && at + 1 === to;
}

/** What is wrong with application record i (firstBadApplication found it); null when nothing is. */
function applicationProblem(a: ApplicationRecords, t: StringTable, i: number): string | null {
  for (const [field, column, max] of [
    ['name', a.appName, TEXT_LIMITS.name],
    ['category', a.appCategory, TEXT_LIMITS.category],
    ['subcategory', a.appSubcategory, TEXT_LIMITS.category],
  ] as const) {
    const s = column[i] as number;
    if (longer(t, s, max)) return lengthProblem(field, text(t, s), max);
  }
  const influence = a.appInfluence[i] as number;
  if (influence < 0 || influenceCodes(t.strBytes, t.strOffsets, influence)) return null;
  let lists: unknown;
  try {
    lists = JSON.parse(text(t, influence));
  } catch {
    lists = null;
  }
  if (!Array.isArray(lists) || lists.length !== 2) {
    return 'primaryCompanyInfluence and developmentInfluence are not lists of country codes';
  }
  // The quick byte check above takes codes of two ASCII letters; the world's validator takes any text that is a
  // code once upper-cased (isCountryCode: "ıt" is IT), so such a list is checked here as it does.
  const fields = ['primaryCompanyInfluence', 'developmentInfluence'] as const;
  for (let k = 0; k < fields.length; k++) {
    const list: unknown = lists[k];
    if (list === null || list === undefined) continue;
    if (!Array.isArray(list)) return `${fields[k]} is not a list`;
    for (const code of list as unknown[]) {
      if (typeof code !== 'string' || !isCountryCode(code)) {
        return `${fields[k]} ${shown(code)} is not an ISO 3166-1 alpha-2 country code`;
      }
    }
  }
  return null;
}

/** Per rule field (RULE_FIELDS order): the most bytes it may have unless counted (badRuleField); -1 for a hash. */
const FIELD_BYTES = Int32Array.from(RULE_FIELDS, (_, k) =>
  k === F_SHA || k === F_THUMBPRINT ? -1 : k === F_SUBJECT ? TEXT_LIMITS.certSubject : TEXT_LIMITS.pathPattern,
);

/** Whether field k of a rule, string s, is refused (see ruleProblem). */
function badRuleField(t: StringTable, k: number, s: number): boolean {
  const from = t.strOffsets[s] as number;
  const to = t.strOffsets[s + 1] as number;
  const n = to - from;
  if (n === 0) return true;
  // The world validator's own patterns: a hash the agent takes is one a world may hold.
  if (k === F_SHA) return n !== 64 || !SHA256_PATTERN.test(text(t, s));
  if (k === F_THUMBPRINT) return (n !== 40 && n !== 64) || !THUMBPRINT_PATTERN.test(text(t, s));
  if (k === F_SUBJECT) return longer(t, s, TEXT_LIMITS.certSubject);
  return longer(t, s, TEXT_LIMITS.pathPattern);
}

/**
 * The first rule from `from` on with a field checkApplicationRecords may
 * refuse, or -1: a field that is empty, of more bytes than its bound, or a
 * hash that is not 64 hex digits (a thumbprint 40 or 64).
 */
function firstBadRule(ruleFields: Int32Array, bytes: DataView, offsets: Uint32Array, from: number): number {
  for (let at = from * RULE_WIDTH; at < ruleFields.length; at += RULE_WIDTH) {
    for (let k = 0; k < RULE_WIDTH; k++) {
      const s = ruleFields[at + k] as number;
      if (s < 0) continue;
      const start = offsets[s] as number;
      const n = (offsets[s + 1] as number) - start;
      const max = FIELD_BYTES[k] as number;
      const digest = max < 0 && (n === 64 || (n === 40 && k === F_THUMBPRINT)) && hexDigits(bytes, start, n);
      if (max < 0 ? !digest : n === 0 || n > max) return at / RULE_WIDTH;
    }
  }
  return -1;
}

/**
 * Whether the n bytes from `from` (n a multiple of 4) are all hex digits:
 * four bytes at a time. With no byte's high bit set (checked last: `| w`),
 * adding 0x50 to a byte carries into its high bit exactly when it is at
 * least 0x30, 0x46 when at least 0x3a, and none carries into the next byte;
 * so `digit` has a byte's high bit set for 0-9 and `letter` for a-f in
 * either case (0x20 set first).
 */
function hexDigits(view: DataView, from: number, n: number): boolean {
  let bad = 0;
  for (let i = from; i < from + n; i += 4) {
    const w = view.getUint32(i, true);
    const lower = w | 0x20202020;
    const digit = (w + 0x50505050) & ~(w + 0x46464646);
    const letter = (lower + 0x1f1f1f1f) & ~(lower + 0x19191919);
    bad |= ~(digit | letter) | w;
  }
  return (bad & 0x80808080) === 0;
}

/** What is wrong with rule r (firstBadRule found it); null when nothing is. */
function ruleProblem(a: ApplicationRecords, t: StringTable, r: number): string | null {
  for (let k = 0; k < RULE_WIDTH; k++) {
    const s = a.ruleFields[r * RULE_WIDTH + k] as number;
    if (s < 0 || !badRuleField(t, k, s)) continue;
    const field = RULE_FIELDS[k] as string;
    const value = text(t, s);
    if (value === '') return `${field} must not be empty`;
    if (k === F_SHA) return `sha256 ${shown(value)} is not 64 hex characters`;
    if (k === F_THUMBPRINT) return `certThumbprint ${shown(value)} is not 40 or 64 hex characters`;
    const max = k === F_SUBJECT ? TEXT_LIMITS.certSubject : TEXT_LIMITS.pathPattern;
    return lengthProblem(field, value, max);
  }
  return null;
}

// ------------------------------------------------------ the rest of the view

/** The small rest of a view (everything but its policies and applications). */
export type ViewRest = Omit<ComputerView, 'policies' | 'applications'>;

/**
 * Refuses the view (TollgateError 'bad-message' naming the field) when the
 * rest of it could not come from a valid world: the computer's or its
 * group's name longer than TEXT_LIMITS; more than MAX_MODULES modules, or one
 * empty, too long or holding a control character; a gate's feature likewise;
 * an escalation address that is not one; an approval policy whose id another
 * holds, whose scope rank or order is out of range, whose category is empty
 * or too long (or subcategory too long), whose country list holds anything
 * but ISO 3166-1 alpha-2 codes, or that allows an empty list.
 */
export function checkViewRest(rest: ViewRest): void {
  const { computer } = rest;
  for (const [field, value] of [
    ['name', computer.name],
    ['groupName', computer.groupName],
  ] as const) {
    if (typeof value === 'string' && value.length > TEXT_LIMITS.name) {
      throw refused(`view.computer.${field}`, `is ${value.length} characters long; at most ${TEXT_LIMITS.name}`);
    }
  }
  const modules: readonly unknown[] = rest.modules;
  if (modules.length > MAX_MODULES) throw refused('view.modules', `has more than ${MAX_MODULES} entries`);
  modules.forEach((module, i) => {
    const problem = wordProblem(module);
    if (problem !== null) throw refused(`view.modules[${i}]`, problem);
  });
  rest.gates.forEach((gate, i) => {
    // A gate's feature may be blank but not empty, as the world's validator takes it.
    const problem = wordProblem(gate.feature, false);
    if (problem !== null) throw refused(`view.gates[${i}].feature`, problem);
  });
  rest.escalationEmails.forEach((email, i) => {
    if (typeof email !== 'string' || !isEmailAddress(email)) {
      throw refused(`view.escalationEmails[${i}]`, `${shown(email)} is not a valid email address`);
    }
  });
  const ids = new Set<string>();
  rest.approvalPolicies.forEach((policy, i) => {
    const at = typeof policy.id === 'string' ? `view.approvalPolicies[${policy.id}]` : `view.approvalPolicies[#${i}]`;
    if (ids.has(policy.id)) throw refused(at, `the view holds approval policy ${policy.id} more than once`);
    ids.add(policy.id);
    const problem = approvalPolicyProblem(policy);
    if (problem !== null) throw refused(at, problem);
  });
}

/** What is wrong with a module name or a gate's feature (a plain word, validate.ts), or null. */
function wordProblem(word: unknown, blankRefused = true): string | null {
  if (typeof word !== 'string' || word === '' || (blankRefused && word.trim() === '')) {
    return 'must be a non-empty text';
  }
  if (word.length > TEXT_LIMITS.module) return `is ${word.length} characters long; at most ${TEXT_LIMITS.module}`;
  if (CONTROL_CHARACTER.test(word)) return `${shown(word)} holds a control character`;
  return null;
}

function approvalPolicyProblem(policy: ViewRest['approvalPolicies'][number]): string | null {
  if (!isIntegerIn(policy.scopeRank, 0, MAX_SCOPE_RANK)) {
    return `scopeRank ${shown(policy.scopeRank)} is not a scope rank (computers 0, groups 1, organization 2)`;
  }
  if (!isIntegerIn(policy.order, APPROVAL_ORDER_MIN, APPROVAL_ORDER_MAX)) {
    return `order ${shown(policy.order)} must be an integer from ${APPROVAL_ORDER_MIN} to ${APPROVAL_ORDER_MAX}`;
  }
  if (typeof policy.category !== 'string' || policy.category.trim() === '') {
    return 'category is required and must not be empty';
  }
  for (const [field, value] of [
    ['category', policy.category],
    ['subcategory', policy.subcategory],
  ] as const) {
    if (typeof value === 'string' && value.length > TEXT_LIMITS.category) {
      return lengthProblem(field, value, TEXT_LIMITS.category);
    }
  }
  const list: readonly unknown[] = policy.countries.list;
  for (const code of list) {
    if (typeof code !== 'string' || !isCountryCode(code)) {
      return `countries.list ${shown(code)} is not an ISO 3166-1 alpha-2 country code`;
    }
  }
  if (policy.countries.mode === 'allow' && list.length === 0) {
    return 'countries.list must name at least one country when mode is allow';
  }
  return null;
}
