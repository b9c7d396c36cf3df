/**
 * Rule tests made directly over a view image's string table: a rule's
 * fields are compared with a request where they are stored (UTF-8 bytes),
 * folded on the fly, with nothing decoded, compiled or allocated. The
 * first request that reaches a rule pays no more than a later one.
 *
 * The result is the one compileRuleTest (matcher.ts) gives, or UNDECIDED
 * when a field is outside what is handled here (a `regex:` pattern, a
 * non-ASCII pattern, a `**` that shares its segment with other characters,
 * a glob of more than MAX_SEGMENTS segments): the caller then uses the
 * compiled test.
 */
import type { NormalizedFile } from './matcher.js';
import { type OsName, RULE_FIELDS } from './model.js';

/** ruleMatches: the rule matches, does not, or needs its compiled test. */
export const MATCH = 1;
export const NO_MATCH = 0;
export const UNDECIDED = -1;
export type DirectMatch = typeof MATCH | typeof NO_MATCH | typeof UNDECIDED;

/** How the patterns of an operating system are folded (matcher.ts foldPath): lower case, `\` as `/`. */
export interface FoldMode {
  lower: boolean;
  slash: boolean;
}

export function foldMode(os: OsName): FoldMode {
  return { lower: os !== 'linux', slash: os === 'windows' };
}

const F_PATH = RULE_FIELDS.indexOf('path');
const F_PROCESS = RULE_FIELDS.indexOf('processPath');
const F_CREATED = RULE_FIELDS.indexOf('createdBy');
const F_SHA = RULE_FIELDS.indexOf('sha256');
const F_SUBJECT = RULE_FIELDS.indexOf('certSubject');
const F_THUMBPRINT = RULE_FIELDS.indexOf('certThumbprint');

const STAR = 0x2a;
const QUESTION = 0x3f;
const SLASH = 0x2f;
const BACKSLASH = 0x5c;
/** "regex:" (matcher.ts REGEX_PREFIX) as bytes. */
const REGEX_PREFIX_BYTES = [0x72, 0x65, 0x67, 0x65, 0x78, 0x3a];

/** Globs with more segments than this are left to the compiled test. */
export const MAX_SEGMENTS = 128;
/** Segment kinds in the scratch list: `**`, the `**` that ends a glob after a `/` (one segment, maybe empty), or literal/wildcard. */
const GLOBSTAR = -1;
const ANY_SEGMENT = -2;
// A glob's segments, laid out by globSegments: [from, to) in the string table, or from = GLOBSTAR / ANY_SEGMENT.
const segFrom = new Int32Array(MAX_SEGMENTS + 2);
const segTo = new Int32Array(MAX_SEGMENTS + 2);

/** An ASCII byte folded as foldPath folds it; -1 for a byte of a non-ASCII character. */
function foldByte(b: number, lower: boolean, slash: boolean): number {
  if (b > 0x7f) return -1;
  if (lower && b >= 0x41 && b <= 0x5a) return b + 0x20;
  if (slash && b === BACKSLASH) return SLASH;
  return b;
}

/**
 * Whether stored bytes [from, to), lower-cased, equal `value`: compileRuleTest's
 * `f.x === want.toLowerCase()`, in one pass. Up to the first non-ASCII byte
 * bytes and code units pair one to one, so a difference there is decisive;
 * at a non-ASCII byte the rest is left to the compiled test.
 */
function equalsLowered(bytes: Uint8Array, from: number, to: number, value: string | undefined): DirectMatch {
  if (value === undefined) return NO_MATCH;
  const n = value.length;
  for (let i = from; i < to; i++) {
    const b = bytes[i] as number;
    if (b > 0x7f) return UNDECIDED;
    if (i - from >= n || (b >= 0x41 && b <= 0x5a ? b + 0x20 : b) !== value.charCodeAt(i - from)) return NO_MATCH;
  }
  return n === to - from ? MATCH : NO_MATCH;
}

/**
 * Whether path[from, to) matches the pattern bytes [pf, pt) of one glob
 * segment (literal characters, `*` and `?`, no separator): matcher.ts
 * segmentMatches over folded bytes.
 */
function segmentMatches(
  bytes: Uint8Array,
  pf: number,
  pt: number,
  path: string,
  from: number,
  to: number,
  fold: FoldMode,
): boolean {
  let p = pf;
  let i = from;
  let star = -1;
  let mark = 0;
  while (i < to) {
    const c = p < pt ? foldByte(bytes[p] as number, fold.lower, fold.slash) : -1;
    if (c === QUESTION || (c >= 0 && c !== STAR && c === path.charCodeAt(i))) {
      p++;
      i++;
    } else if (c === STAR) {
      star = p++;
      mark = i;
    } else if (star >= 0) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pt && bytes[p] === STAR) p++;
  return p === pt;
}

/**
 * Splits a glob [from, to) into segFrom/segTo as matcher.ts
 * globSegmentMatcher does; the segment count, or -1 when the glob is not
 * one it handles (a `**` inside a segment, too many segments).
 */
function globSegments(bytes: Uint8Array, from: number, to: number, slash: boolean): number {
  let m = 0;
  let start = from;
  for (let i = from; i <= to; i++) {
    const b = i < to ? (bytes[i] as number) : SLASH;
    if (b !== SLASH && !(slash && b === BACKSLASH)) continue;
    const last = i === to;
    let stars = 0;
    for (let k = start; k < i; k++) if (bytes[k] === STAR && bytes[k + 1] === STAR && k + 1 < i) stars++;
    if (stars > 0) {
      if (i - start !== 2) return -1;
      if (m + 2 > MAX_SEGMENTS) return -1;
      if (last && start > from) {
        segFrom[m] = ANY_SEGMENT;
        m++;
      }
      if (m === 0 || segFrom[m - 1] !== GLOBSTAR) {
        segFrom[m] = GLOBSTAR;
        m++;
      }
    } else {
      if (m + 1 > MAX_SEGMENTS) return -1;
      segFrom[m] = start;
      segTo[m] = i;
      m++;
    }
    start = i + 1;
  }
  return m;
}

/** matcher.ts globSegmentMatcher's walk, over the segments globSegments laid out. */
function segmentsMatch(bytes: Uint8Array, m: number, path: string, fold: FoldMode): boolean {
  let j = 0;
  let start = 0;
  let star = -1;
  let markStart = 0;
  const n = path.length;
  for (;;) {
    if (start > n) break;
    let end = path.indexOf('/', start);
    if (end < 0) end = n;
    const g = j < m ? (segFrom[j] as number) : GLOBSTAR - 10;
    if (
      j < m &&
      g !== GLOBSTAR &&
      (g === ANY_SEGMENT || segmentMatches(bytes, g, segTo[j] as number, path, start, end, fold))
    ) {
      j++;
      start = end + 1;
    } else if (j < m && g === GLOBSTAR) {
      star = j++;
      markStart = start;
    } else if (star >= 0) {
      j = star + 1;
      let next = path.indexOf('/', markStart);
      if (next < 0) next = n;
      markStart = next + 1;
      start = markStart;
    } else {
      return false;
    }
  }
  while (j < m && segFrom[j] === GLOBSTAR) j++;
  return j === m;
}

/** A path-like field's pattern [from, to) against a request's folded value: compilePathPattern's answer. */
function pathMatches(bytes: Uint8Array, from: number, to: number, value: string, fold: FoldMode): DirectMatch {
  const length = to - from;
  if (length >= REGEX_PREFIX_BYTES.length) {
    let k = 0;
    while (k < REGEX_PREFIX_BYTES.length && bytes[from + k] === REGEX_PREFIX_BYTES[k]) k++;
    if (k === REGEX_PREFIX_BYTES.length) return UNDECIDED;
  }
  let wild = false;
  for (let i = from; i < to; i++) {
    const b = bytes[i] as number;
    if (b > 0x7f) return UNDECIDED;
    if (b === STAR || b === QUESTION) wild = true;
  }
  if (!wild) {
    if (value.length !== length) return NO_MATCH;
    for (let i = from; i < to; i++) {
      if (foldByte(bytes[i] as number, fold.lower, fold.slash) !== value.charCodeAt(i - from)) return NO_MATCH;
    }
    return MATCH;
  }
  const m = globSegments(bytes, from, to, fold.slash);
  if (m < 0) return UNDECIDED;
  return segmentsMatch(bytes, m, value, fold) ? MATCH : NO_MATCH;
}

/**
 * Rule `base / RULE_FIELDS.length` of an image (its string numbers at
 * fields[base...], -1 for a field it does not set) against a normalized
 * request: MATCH or NO_MATCH as its compiled test would answer, or
 * UNDECIDED (also for a rule that sets no field, which compiling refuses).
 */
export function ruleMatches(
  bytes: Uint8Array,
  offsets: Uint32Array,
  fields: Int32Array,
  base: number,
  fold: FoldMode,
  file: NormalizedFile,
): DirectMatch {
  let undecided = false;
  let set = 0;
  // The digests first: they decide most rules that have one, in a few bytes.
  const sha = fields[base + F_SHA] as number;
  if (sha >= 0) {
    set++;
    const r = equalsLowered(bytes, offsets[sha] as number, offsets[sha + 1] as number, file.sha256);
    if (r === NO_MATCH) return NO_MATCH;
    if (r === UNDECIDED) undecided = true;
  }
  const thumbprint = fields[base + F_THUMBPRINT] as number;
  if (thumbprint >= 0) {
    set++;
    const r = equalsLowered(
      bytes,
      offsets[thumbprint] as number,
      offsets[thumbprint + 1] as number,
      file.certThumbprint,
    );
    if (r === NO_MATCH) return NO_MATCH;
    if (r === UNDECIDED) undecided = true;
  }
  const subject = fields[base + F_SUBJECT] as number;
  if (subject >= 0) {
    set++;
    const r = equalsLowered(bytes, offsets[subject] as number, offsets[subject + 1] as number, file.certSubject);
    if (r === NO_MATCH) return NO_MATCH;
    if (r === UNDECIDED) undecided = true;
  }
  const path = fields[base + F_PATH] as number;
  if (path >= 0) {
    set++;
    const r = pathMatches(bytes, offsets[path] as number, offsets[path + 1] as number, file.path, fold);
    if (r === NO_MATCH) return NO_MATCH;
    if (r === UNDECIDED) undecided = true;
  }
  const processPath = fields[base + F_PROCESS] as number;
  if (processPath >= 0) {
    set++;
    if (file.processPath === undefined) return NO_MATCH;
    const r = pathMatches(
      bytes,
      offsets[processPath] as number,
      offsets[processPath + 1] as number,
      file.processPath,
      fold,
    );
    if (r === NO_MATCH) return NO_MATCH;
    if (r === UNDECIDED) undecided = true;
  }
  const createdBy = fields[base + F_CREATED] as number;
  if (createdBy >= 0) {
    set++;
    if (file.createdBy === undefined) return NO_MATCH;
    const r = pathMatches(bytes, offsets[createdBy] as number, offsets[createdBy + 1] as number, file.createdBy, fold);
    if (r === NO_MATCH) return NO_MATCH;
    if (r === UNDECIDED) undecided = true;
  }
  return undecided || set === 0 ? UNDECIDED : MATCH;
}
