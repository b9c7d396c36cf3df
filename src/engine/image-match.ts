/**
 * Rule tests made directly over a view image's string table: a rule's
 * fields are compared with a request where they are stored (UTF-8 bytes),
 * folded on the fly, with nothing decoded, compiled or allocated. The
 * first request that reaches a rule pays no more than a later one.
 *
 * The result is the one compileRuleTest (matcher.ts) gives, or UNDECIDED
 * when a field is outside what is handled here (a `regex:` pattern beyond
 * the plain ones regexMatches reads, a non-ASCII pattern, a `**` that
 * shares its segment with other characters, a glob of more than
 * MAX_SEGMENTS segments): the caller then uses the compiled test.
 */
import { type NormalizedFile, charWidth } from './matcher.js';
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

/** Each rule field's place in a rule's string numbers (the image's ruleFields; RULE_FIELDS order, as the wire's). */
export const F_PATH = RULE_FIELDS.indexOf('path');
export const F_PROCESS = RULE_FIELDS.indexOf('processPath');
export const F_CREATED = RULE_FIELDS.indexOf('createdBy');
export const F_SHA = RULE_FIELDS.indexOf('sha256');
export const F_SUBJECT = RULE_FIELDS.indexOf('certSubject');
export const F_THUMBPRINT = RULE_FIELDS.indexOf('certThumbprint');

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
    if (c === QUESTION) {
      p++;
      i += charWidth(path, i, to);
    } else if (c >= 0 && c !== STAR && c === path.charCodeAt(i)) {
      p++;
      i++;
    } else if (c === STAR) {
      star = p++;
      mark = i;
    } else if (star >= 0) {
      p = star + 1;
      mark += charWidth(path, mark, to);
      i = mark;
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
  // A glob whose last segment is not `**` matches only a path whose last segment that segment matches (the walk
  // below ends on it): tested first, so that a long path of many segments is walked only when it can match.
  const lastGlob = m > 0 ? (segFrom[m - 1] as number) : GLOBSTAR;
  if (
    lastGlob >= 0 &&
    !segmentMatches(bytes, lastGlob, segTo[m - 1] as number, path, path.lastIndexOf('/') + 1, path.length, fold)
  ) {
    return false;
  }
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

// Plain `regex:` patterns, read from the string table (compileUserRegex's `^(?:pattern)$`, flags `s`, and `i`
// when the operating system folds case): a sequence of single-character atoms (a character, `.`, a class,
// `\d` or `\w` and their negations), each at most once quantified (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`,
// greedy or lazy: for a whole-value test both find a match alike), and `^` `$`. Groups, alternatives,
// other escapes and every form Annex B reads leniently are left to the compiled expression.
/** Atoms of a plain expression after its counted quantifiers are spelled out, and classes in one. */
const MAX_ATOMS = 256;
const MAX_CLASSES = 32;
/** Atom kinds: one given character (canonical under `i`), any character, a class, `^`, `$`. */
const A_CHAR = 0;
const A_ANY = 1;
const A_CLASS = 2;
const A_START = 3;
const A_END = 4;
/** Atom quantities: may be left out, may repeat. */
const Q_OPTIONAL = 1;
const Q_REPEAT = 2;
/** Larger counts of a `{n,m}` are left to the compiled expression. */
const MAX_COUNT = 999;
const atomKind = new Uint8Array(MAX_ATOMS);
const atomValue = new Int32Array(MAX_ATOMS);
const atomQuant = new Uint8Array(MAX_ATOMS);
/** Each class's 128 ASCII bits (canonical under `i`), and whether it is negated. */
const classBits = new Int32Array(MAX_CLASSES * 4);
const classNegated = new Uint8Array(MAX_CLASSES);
/** The atoms an expression may be at, before and after each character: two lists of up to MAX_ATOMS + 1. */
const states = new Int32Array(2 * (MAX_ATOMS + 1));
/** An atom's mark: equal to `stamp` once it is in the list being built. */
const stateMark = new Int32Array(MAX_ATOMS + 1);
let stamp = 0;

const CARET = 0x5e;
const DOLLAR = 0x24;
const DOT = 0x2e;
const PLUS = 0x2b;
const DASH = 0x2d;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_PAREN = 0x28;
const CLOSE_PAREN = 0x29;
const BAR = 0x7c;
const LETTER_D = 0x64;
const LETTER_W = 0x77;
const UPPER_D = 0x44;
const UPPER_W = 0x57;

/** A character as the `i` flag without `u` compares it (toUpperCase, never from outside ASCII into it). */
function canonical(c: number, caseless: boolean): number {
  return caseless && c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
}

function isAlphanumeric(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

function addToClass(k: number, c: number, caseless: boolean): void {
  const u = canonical(c, caseless);
  classBits[k * 4 + (u >>> 5)] = (classBits[k * 4 + (u >>> 5)] as number) | (1 << (u & 31));
}

function addRange(k: number, lo: number, hi: number, caseless: boolean): void {
  for (let c = lo; c <= hi; c++) addToClass(k, c, caseless);
}

/** `\d` or `\w` (by its letter, lower case) into class k. */
function addClassEscape(k: number, letter: number, caseless: boolean): void {
  addRange(k, 0x30, 0x39, caseless);
  if (letter === LETTER_W) {
    addRange(k, 0x41, 0x5a, caseless);
    addRange(k, 0x61, 0x7a, caseless);
    addToClass(k, 0x5f, caseless);
  }
}

/**
 * Reads the bracketed class at `i` (its `[`) into class k: the position
 * after its `]`, or -1 when it is not a plain one.
 */
function parseClass(bytes: Uint8Array, i: number, to: number, k: number, caseless: boolean): number {
  i++;
  if (i < to && bytes[i] === CARET) {
    classNegated[k] = 1;
    i++;
  }
  for (;;) {
    if (i >= to) return -1;
    const b = bytes[i] as number;
    if (b > 0x7f) return -1;
    if (b === CLOSE_BRACKET) return i + 1;
    let lo: number;
    if (b === BACKSLASH) {
      if (i + 1 >= to) return -1;
      const e = bytes[i + 1] as number;
      if (e > 0x7f) return -1;
      i += 2;
      if (e === LETTER_D || e === LETTER_W) {
        // A class escape beside a `-` is a form Annex B reads leniently.
        if (i < to && bytes[i] === DASH && i + 1 < to && bytes[i + 1] !== CLOSE_BRACKET) return -1;
        addClassEscape(k, e, caseless);
        continue;
      }
      if (isAlphanumeric(e)) return -1;
      lo = e;
    } else {
      lo = b;
      i++;
    }
    if (i + 1 < to && bytes[i] === DASH && bytes[i + 1] !== CLOSE_BRACKET) {
      i++;
      let hi = bytes[i] as number;
      if (hi > 0x7f) return -1;
      if (hi === BACKSLASH) {
        if (i + 1 >= to) return -1;
        hi = bytes[i + 1] as number;
        if (hi > 0x7f || isAlphanumeric(hi)) return -1;
        i += 2;
      } else {
        i++;
      }
      if (hi < lo) return -1;
      addRange(k, lo, hi, caseless);
    } else {
      addToClass(k, lo, caseless);
    }
  }
}

function isQuantifier(b: number): boolean {
  return b === STAR || b === PLUS || b === QUESTION || b === OPEN_BRACE;
}

/** The atoms of the expression [from, to) into atomKind/atomValue/atomQuant; their count, or -1 when it is not a plain one. */
function regexAtoms(bytes: Uint8Array, from: number, to: number, caseless: boolean): number {
  let n = 0;
  let classes = 0;
  let i = from;
  while (i < to) {
    const b = bytes[i] as number;
    if (b > 0x7f) return -1;
    let kind: number;
    let value = 0;
    if (b === CARET || b === DOLLAR) {
      kind = b === CARET ? A_START : A_END;
      i++;
      // An assertion takes no quantifier.
      if (i < to && isQuantifier(bytes[i] as number)) return -1;
    } else if (b === DOT) {
      kind = A_ANY;
      i++;
    } else if (b === BACKSLASH) {
      if (i + 1 >= to) return -1;
      const e = bytes[i + 1] as number;
      if (e > 0x7f) return -1;
      i += 2;
      if (e === LETTER_D || e === LETTER_W || e === UPPER_D || e === UPPER_W) {
        if (classes >= MAX_CLASSES) return -1;
        kind = A_CLASS;
        value = classes++;
        classBits.fill(0, value * 4, value * 4 + 4);
        classNegated[value] = e === UPPER_D || e === UPPER_W ? 1 : 0;
        addClassEscape(value, e | 0x20, caseless);
      } else if (isAlphanumeric(e)) {
        return -1;
      } else {
        kind = A_CHAR;
        value = e;
      }
    } else if (b === OPEN_BRACKET) {
      if (classes >= MAX_CLASSES) return -1;
      kind = A_CLASS;
      value = classes++;
      classBits.fill(0, value * 4, value * 4 + 4);
      classNegated[value] = 0;
      i = parseClass(bytes, i, to, value, caseless);
      if (i < 0) return -1;
    } else if (
      isQuantifier(b) ||
      b === OPEN_PAREN ||
      b === CLOSE_PAREN ||
      b === BAR ||
      b === CLOSE_BRACE ||
      b === CLOSE_BRACKET
    ) {
      return -1;
    } else {
      kind = A_CHAR;
      value = b;
      i++;
    }
    if (kind === A_CHAR) value = canonical(value, caseless);
    let min = 1;
    let max = 1;
    if (i < to && isQuantifier(bytes[i] as number)) {
      const q = bytes[i] as number;
      i++;
      if (q === STAR) {
        min = 0;
        max = -1;
      } else if (q === PLUS) {
        max = -1;
      } else if (q === QUESTION) {
        min = 0;
      } else {
        // `{n}`, `{n,}` or `{n,m}`; anything else is a form Annex B reads leniently.
        let digits = 0;
        min = 0;
        while (i < to && (bytes[i] as number) >= 0x30 && (bytes[i] as number) <= 0x39) {
          min = min * 10 + (bytes[i] as number) - 0x30;
          i++;
          digits++;
        }
        if (digits === 0 || min > MAX_COUNT) return -1;
        max = min;
        if (i < to && bytes[i] === COMMA) {
          i++;
          digits = 0;
          let m = 0;
          while (i < to && (bytes[i] as number) >= 0x30 && (bytes[i] as number) <= 0x39) {
            m = m * 10 + (bytes[i] as number) - 0x30;
            i++;
            digits++;
          }
          if (digits === 0) max = -1;
          else if (m > MAX_COUNT || m < min) return -1;
          else max = m;
        }
        if (i >= to || bytes[i] !== CLOSE_BRACE) return -1;
        i++;
      }
      // Lazy: the same whole-value answer.
      if (i < to && bytes[i] === QUESTION) i++;
      if (i < to && isQuantifier(bytes[i] as number)) return -1;
    }
    const copies = max < 0 ? min + 1 : max;
    if (n + copies > MAX_ATOMS) return -1;
    for (let c = 0; c < copies; c++) {
      atomKind[n] = kind;
      atomValue[n] = value;
      atomQuant[n] = c < min ? 0 : max < 0 ? Q_OPTIONAL | Q_REPEAT : Q_OPTIONAL;
      n++;
    }
  }
  return n;
}

/**
 * Adds atom j to the list at `row` (of `length` so far) with every atom
 * reachable from it without reading a character, at `pos` of `n`; the new length.
 */
function addState(j: number, m: number, row: number, length: number, pos: number, n: number): number {
  for (;;) {
    if (stateMark[j] === stamp) return length;
    stateMark[j] = stamp;
    states[row + length++] = j;
    if (j >= m) return length;
    const kind = atomKind[j] as number;
    const skip =
      kind === A_START ? pos === 0 : kind === A_END ? pos === n : ((atomQuant[j] as number) & Q_OPTIONAL) !== 0;
    if (!skip) return length;
    j++;
  }
}

/** A new mark for the atoms of the next list (the marks cleared when the counter would run out). */
function nextStamp(): void {
  if (stamp >= 0x3fffffff) {
    stateMark.fill(0);
    stamp = 0;
  }
  stamp++;
}

/**
 * Whether the m atoms laid out match the whole of `value`, read with `/`
 * as `\` (separators 1), `\` as `/` (2) or as it is (0): the atoms the
 * expression may be at, listed and advanced together one character at a
 * time (each at most once a character, so no expression takes more than
 * m steps a character).
 */
function atomsMatch(m: number, value: string, separators: number, caseless: boolean): boolean {
  const n = value.length;
  let now = 0;
  let next = MAX_ATOMS + 1;
  nextStamp();
  let count = addState(0, m, now, 0, 0, n);
  for (let i = 0; i < n; i++) {
    let c = value.charCodeAt(i);
    if (separators === 1 && c === SLASH) c = BACKSLASH;
    else if (separators === 2 && c === BACKSLASH) c = SLASH;
    const u = canonical(c, caseless);
    nextStamp();
    let nextCount = 0;
    for (let s = 0; s < count; s++) {
      const j = states[now + s] as number;
      if (j >= m) continue;
      const kind = atomKind[j] as number;
      let accepts: boolean;
      if (kind === A_CHAR) accepts = atomValue[j] === u;
      else if (kind === A_ANY) accepts = true;
      else if (kind === A_CLASS) {
        const k = atomValue[j] as number;
        const inSet = u < 0x80 && ((classBits[k * 4 + (u >>> 5)] as number) & (1 << (u & 31))) !== 0;
        accepts = inSet !== (classNegated[k] === 1);
      } else accepts = false;
      if (!accepts) continue;
      if (((atomQuant[j] as number) & Q_REPEAT) !== 0) nextCount = addState(j, m, next, nextCount, i + 1, n);
      nextCount = addState(j + 1, m, next, nextCount, i + 1, n);
    }
    if (nextCount === 0) return false;
    count = nextCount;
    const t = now;
    now = next;
    next = t;
  }
  for (let s = 0; s < count; s++) if (states[now + s] === m) return true;
  return false;
}

/**
 * A `regex:` pattern's expression [from, to) against a value as given:
 * compilePathPattern's answer for a plain expression (on windows, the
 * value with either separator written as the other), UNDECIDED for any other.
 */
export function regexMatches(bytes: Uint8Array, from: number, to: number, raw: string, fold: FoldMode): DirectMatch {
  const caseless = fold.lower;
  const m = regexAtoms(bytes, from, to, caseless);
  if (m < 0) return UNDECIDED;
  if (!fold.slash) return atomsMatch(m, raw, 0, caseless) ? MATCH : NO_MATCH;
  return atomsMatch(m, raw, 1, caseless) || atomsMatch(m, raw, 2, caseless) ? MATCH : NO_MATCH;
}

/**
 * A path-like field's pattern [from, to) against a request's folded value
 * (a `regex:` pattern against the value as given, `raw`): compilePathPattern's answer.
 */
function pathMatches(
  bytes: Uint8Array,
  from: number,
  to: number,
  value: string,
  raw: string,
  fold: FoldMode,
): DirectMatch {
  const length = to - from;
  if (length >= REGEX_PREFIX_BYTES.length) {
    let k = 0;
    while (k < REGEX_PREFIX_BYTES.length && bytes[from + k] === REGEX_PREFIX_BYTES[k]) k++;
    if (k === REGEX_PREFIX_BYTES.length) return regexMatches(bytes, from + k, to, raw, fold);
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
    const r = pathMatches(bytes, offsets[path] as number, offsets[path + 1] as number, file.path, file.rawPath, fold);
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
      file.rawProcessPath as string,
      fold,
    );
    if (r === NO_MATCH) return NO_MATCH;
    if (r === UNDECIDED) undecided = true;
  }
  const createdBy = fields[base + F_CREATED] as number;
  if (createdBy >= 0) {
    set++;
    if (file.createdBy === undefined) return NO_MATCH;
    const r = pathMatches(
      bytes,
      offsets[createdBy] as number,
      offsets[createdBy + 1] as number,
      file.createdBy,
      file.rawCreatedBy as string,
      fold,
    );
    if (r === NO_MATCH) return NO_MATCH;
    if (r === UNDECIDED) undecided = true;
  }
  return undecided || set === 0 ? UNDECIDED : MATCH;
}
