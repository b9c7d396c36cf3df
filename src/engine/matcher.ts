import { TollgateError } from './errors.js';
import { foldCase } from './fold-case.js';
import { LINEAR_COUNTS, UnboundedPattern, UnsupportedPattern, linearSource } from './linear-regex.js';
import type { AppRule, FileRequest, OsName } from './model.js';
import { GRAM_MAX, GRAM_MIN, type KeyKind, PATH_FIELDS, type PathField } from './rule-index.js';

/** The prefix that makes a path pattern a regular expression (SPEC.md section 3). */
export const REGEX_PREFIX = 'regex:';

/** Characters that make a glob segment a wildcard. */
const GLOB_SPECIALS = /[*?]/;

/** A file normalized once per request for one operating system's rules. */
export interface NormalizedFile {
  /** The path folded for matching: `/` separators on windows, lower case on windows and macos. */
  path: string;
  /** The path as given, for `regex:` rules. */
  rawPath: string;
  processPath: string | undefined;
  rawProcessPath: string | undefined;
  createdBy: string | undefined;
  rawCreatedBy: string | undefined;
  sha256: string | undefined;
  certThumbprint: string | undefined;
  certSubject: string | undefined;
}

export function isCaseInsensitive(os: OsName): boolean {
  return os !== 'linux';
}

/** Room for the ASCII fast path of foldPath; longer paths take the general one. */
const FOLD_SCRATCH = new Uint8Array(1024);
const ASCII_DECODER = new TextDecoder();
/**
 * Node's Buffer latin1Slice, which reads bytes of any Uint8Array as Latin-1
 * (ASCII alike) in a fraction of the TextDecoder's time for a short string;
 * undefined outside Node (the decoder is used then).
 */
type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
const latin1Slice = (globalThis as { Buffer?: { prototype: { latin1Slice?: Latin1Slice } } }).Buffer?.prototype
  .latin1Slice;

/**
 * foldPath for an ASCII path, in one pass and one string: every rule's path
 * is folded when a view is compiled, and every request's path when it is
 * decided, so the general way (a string per replaced separator, then
 * another for the case) costs. Null when the path is not ASCII or too long.
 */
function foldAscii(text: string, separators: boolean): string | null {
  const n = text.length;
  if (n > FOLD_SCRATCH.length) return null;
  let changed = false;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c > 0x7f) return null;
    if (c >= 0x41 && c <= 0x5a) {
      c += 0x20;
      changed = true;
    } else if (c === 0x5c && separators) {
      c = 0x2f;
      changed = true;
    }
    FOLD_SCRATCH[i] = c;
  }
  if (!changed) return text;
  return latin1Slice !== undefined
    ? latin1Slice.call(FOLD_SCRATCH, 0, n)
    : ASCII_DECODER.decode(FOLD_SCRATCH.subarray(0, n));
}

/** Folds a path or a glob for comparison on an operating system. */
export function foldPath(text: string, os: OsName): string {
  if (os === 'linux') return text;
  const windows = os === 'windows';
  const ascii = foldAscii(text, windows);
  if (ascii !== null) return ascii;
  return foldCase(windows ? text.replaceAll('\\', '/') : text);
}

function lower(text: string | undefined): string | undefined {
  return text === undefined ? undefined : foldCase(text);
}

export function normalizeFile(file: FileRequest, os: OsName): NormalizedFile {
  return {
    path: foldPath(file.path, os),
    rawPath: file.path,
    processPath: file.processPath === undefined ? undefined : foldPath(file.processPath, os),
    rawProcessPath: file.processPath,
    createdBy: file.createdBy === undefined ? undefined : foldPath(file.createdBy, os),
    rawCreatedBy: file.createdBy,
    sha256: lower(file.sha256),
    certThumbprint: lower(file.certThumbprint),
    certSubject: lower(file.certSubject),
  };
}

const REGEX_SPECIALS = new Set('.*+?^${}()|[]\\/');

function escapeRegex(text: string): string {
  let out = '';
  for (const ch of text) out += REGEX_SPECIALS.has(ch) ? `\\${ch}` : ch;
  return out;
}

/** A surrogate pair (one character outside the Basic Multilingual Plane) in an expression without the u flag. */
const SURROGATE_PAIR = '[\\ud800-\\udbff][\\udc00-\\udfff]';

/**
 * Turns a folded glob into an anchored expression: `*` stays within a
 * segment, `**` crosses segments (and `/**\/` may match a single `/`), `?`
 * is one character other than `/`.
 */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  let literal = '';
  const flush = (): void => {
    out += escapeRegex(literal);
    literal = '';
  };
  for (let i = 0; i < glob.length; i++) {
    const ch = glob.charAt(i);
    if (ch === '*') {
      flush();
      if (glob.charAt(i + 1) === '*') {
        i++;
        if (glob.charAt(i + 1) === '/' && (i - 1 === 0 || glob.charAt(i - 2) === '/')) {
          i++;
          out += '(?:.*/)?';
        } else {
          out += '.*';
        }
      } else {
        out += '[^/]*';
      }
    } else if (ch === '?') {
      flush();
      // One character: a surrogate pair whole (the expression has no u flag), else any code unit but `/` that
      // does not start a pair (backtracking must not read a pair as two characters).
      out += `(?:${SURROGATE_PAIR}|(?!${SURROGATE_PAIR})[^/])`;
    } else {
      literal += ch;
    }
  }
  flush();
  return new RegExp(`^${out}$`, 's');
}

/**
 * A test for the common glob shapes without a regular expression:
 * `DIR/**`, `**\/NAME` and one `*` in the last segment. Null for other shapes.
 */
export function globFastPath(glob: string): ((path: string) => boolean) | null {
  if (glob.endsWith('/**') && !GLOB_SPECIALS.test(glob.slice(0, -2))) {
    const prefix = glob.slice(0, -2);
    return (path) => path.startsWith(prefix);
  }
  if (glob.startsWith('**/') && !GLOB_SPECIALS.test(glob.slice(3))) {
    const name = glob.slice(3);
    const suffix = '/' + name;
    return (path) => path === name || path.endsWith(suffix);
  }
  const star = glob.indexOf('*');
  if (star >= 0 && glob.indexOf('*', star + 1) < 0 && !glob.includes('?') && !glob.includes('/', star)) {
    const head = glob.slice(0, star);
    const tail = glob.slice(star + 1);
    const minLength = head.length + tail.length;
    return (path) =>
      path.length >= minLength && path.startsWith(head) && path.endsWith(tail) && path.indexOf('/', head.length) === -1;
  }
  return null;
}

/** A glob segment of globSegmentMatcher: `**` (any number of path segments), or one segment's pattern. */
const GLOBSTAR = 0;
const ANY_SEGMENT = 1;
type GlobSegment = typeof GLOBSTAR | typeof ANY_SEGMENT | string;

/**
 * The UTF-16 code units of the character at text[i] before `to`: 2 for a
 * surrogate pair (a character outside the Basic Multilingual Plane, an
 * emoji), else 1. A glob's `?` is one character (SPEC.md section 3), and a
 * `*` gives back whole characters.
 */
export function charWidth(text: string, i: number, to: number): number {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff || i + 1 >= to) return 1;
  const next = text.charCodeAt(i + 1);
  return next >= 0xdc00 && next <= 0xdfff ? 2 : 1;
}

/** Whether path[from, to) matches a segment pattern of literal characters, `*` and `?` (no separator in either). */
function segmentMatches(pattern: string, path: string, from: number, to: number): boolean {
  const m = pattern.length;
  let p = 0;
  let i = from;
  let star = -1;
  let mark = 0;
  while (i < to) {
    const c = p < m ? pattern.charCodeAt(p) : -1;
    if (c === 0x3f) {
      p++;
      i += charWidth(path, i, to);
    } else if (c >= 0 && c !== 0x2a && c === path.charCodeAt(i)) {
      p++;
      i++;
    } else if (c === 0x2a) {
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
  while (p < m && pattern.charCodeAt(p) === 0x2a) p++;
  return p === m;
}

/**
 * A test of a folded glob segment by segment, without a regular expression:
 * cheap to make, so a file that reaches a rule for the first time does not
 * pay for compiling one. Each `*` and `?` stays in its segment; `**` as a
 * whole segment matches any number of segments (at least one at the end,
 * as in `dir/**`, which is `dir/` and anything after). Null when a `**`
 * shares its segment with other characters (globToRegExp handles those).
 */
export function globSegmentMatcher(glob: string): ((path: string) => boolean) | null {
  const parts = glob.split('/');
  const segs: GlobSegment[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (part === '**') {
      if (i === parts.length - 1 && i > 0) segs.push(ANY_SEGMENT);
      if (segs[segs.length - 1] !== GLOBSTAR) segs.push(GLOBSTAR);
    } else if (part.includes('**')) {
      return null;
    } else {
      segs.push(part);
    }
  }
  const m = segs.length;
  return (path) => {
    // Path segments are path[start, end) between separators, walked with the classic
    // wildcard algorithm one level up: a `**` is a star, every other glob segment one unit.
    let j = 0;
    let start = 0;
    let star = -1;
    let markStart = 0;
    const n = path.length;
    for (;;) {
      if (start > n) break;
      let end = path.indexOf('/', start);
      if (end < 0) end = n;
      const g = j < m ? (segs[j] as GlobSegment) : undefined;
      if (g !== undefined && g !== GLOBSTAR && (g === ANY_SEGMENT || segmentMatches(g, path, start, end))) {
        j++;
        start = end + 1;
      } else if (g === GLOBSTAR) {
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
    while (j < m && segs[j] === GLOBSTAR) j++;
    return j === m;
  };
}

/**
 * Compiles a `regex:` pattern, anchored to the whole path; throws
 * TollgateError 'bad-regex' naming the pattern when it is invalid or holds
 * what cannot be matched in a time linear in the path (linear-regex.ts). On
 * the case-insensitive operating systems the expression is the pattern
 * rewritten to match without the `i` flag what it matches with it, so that
 * V8 can finish any match on its linear-time engine.
 */
export function compileUserRegex(pattern: string, os: OsName): RegExp {
  const caseless = isCaseInsensitive(os);
  const bad = (why: string, cause?: unknown): TollgateError =>
    new TollgateError('bad-regex', `invalid regular expression "${pattern}": ${why}`, { cause });
  let written: RegExp;
  try {
    // As written first: its own syntax errors are the ones named.
    written = new RegExp(`^(?:${pattern})$`, caseless ? 'is' : 's');
  } catch (error) {
    throw bad((error as Error).message, error);
  }
  const linear = linearPattern(pattern, caseless);
  if ('problem' in linear) throw bad(linear.problem);
  if (linear.source === pattern && !caseless) return written;
  try {
    return new RegExp(`^(?:${linear.source})$`, 's');
  } catch (error) {
    throw bad((error as Error).message, error);
  }
}

/**
 * The source compileUserRegex compiles for a pattern that compiles as
 * written (linear-regex.ts: counts split, groups non-capturing, and case
 * classes when `caseless`), or the problem that keeps it from being matched
 * in a time linear in the path: a backreference or lookaround, inline
 * modifiers, counts written out past their bound, or (where this process
 * can ask V8's linear-time engine) an expression that engine does not take.
 */
export function linearPattern(pattern: string, caseless: boolean): { source: string } | { problem: string } {
  // Without a backslash before a digit or `k`, a group or a count, a pattern holds none of what is refused or
  // rewritten: on a case-sensitive system it is compiled as written.
  if (!caseless && !/\\[1-9k]|[({]/.test(pattern)) return { source: pattern };
  let source: string;
  try {
    source = linearSource(pattern, caseless);
  } catch (error) {
    if (error instanceof UnboundedPattern) {
      return { problem: `${error.message} cannot be matched in a time linear in the path (${error.why})` };
    }
    if (error instanceof UnsupportedPattern) return { problem: `${error.message} are not taken` };
    throw error;
  }
  // Every count now at most 16, V8's linear-time engine takes the expression unless counts nest too deep; one it
  // does not take would run on the backtracking engine alone, so it is refused (where this process can ask).
  if (LINEAR_ENGINE && /[({]/.test(source) && !linearEngineTakes(`^(?:${source})$`)) {
    return { problem: `cannot be matched in a time linear in the path (${LINEAR_COUNTS})` };
  }
  return { source };
}

/** Whether this process reads the `l` flag (V8's linear-time engine, turned on by the `tollgate` command). */
const LINEAR_ENGINE = linearEngineTakes('');

function linearEngineTakes(source: string): boolean {
  try {
    new RegExp(source, 'sl');
    return true;
  } catch {
    return false;
  }
}

type PathTest = (folded: string, raw: string) => boolean;

/** A path-like field's test: a glob on the folded path, or a regex on the path as given. */
export function compilePathPattern(pattern: string, os: OsName): PathTest {
  if (pattern.startsWith(REGEX_PREFIX)) {
    const re = compileUserRegex(pattern.slice(REGEX_PREFIX.length), os);
    if (os === 'windows') {
      // Either separator may be written in the expression: try both spellings.
      return (_folded, raw) => re.test(raw.replace(/\//g, '\\')) || re.test(raw.replace(/\\/g, '/'));
    }
    return (_folded, raw) => re.test(raw);
  }
  const folded = foldPath(pattern, os);
  if (!GLOB_SPECIALS.test(folded)) return (path) => path === folded;
  const fast = globFastPath(folded) ?? globSegmentMatcher(folded);
  if (fast !== null) return (path) => fast(path);
  // Compiled on first use: most rules of a large view are never tested.
  let re: RegExp | null = null;
  return (path) => (re ??= globToRegExp(folded)).test(path);
}

/** A key the indexed evaluator may find a rule by: its kind and its text (folded as the request's will be). */
export interface RuleKey {
  kind: KeyKind;
  text: string;
}

export interface CompiledRule {
  readonly keys: readonly RuleKey[];
  readonly test: (file: NormalizedFile) => boolean;
}

/** The last segment of a folded path. */
export function baseName(folded: string): string {
  return folded.slice(folded.lastIndexOf('/') + 1);
}

/** Literal runs of a glob (between wildcards and separators). */
function globLiteralRuns(folded: string): string[] {
  return folded.split(/[*?/]+/).filter((run) => run.length > 0);
}

/** Gram keys for literal runs: every window of GRAM_MAX characters (or the whole run when shorter). */
function gramKeys(kind: KeyKind, runs: readonly string[]): RuleKey[] {
  const out: RuleKey[] = [];
  for (const run of runs) {
    if (run.length < GRAM_MIN) continue;
    const n = Math.min(run.length, GRAM_MAX);
    for (let i = 0; i + n <= run.length; i++) out.push({ kind, text: run.slice(i, i + n) });
  }
  return out;
}

/** Characters a literal run of a regular expression may hold: printable ASCII other than separators. */
function isPlainRegexChar(code: number): boolean {
  return code >= 0x20 && code < 0x7f && code !== 0x2f && code !== 0x5c;
}

/**
 * The literal runs every match of a `regex:` pattern must contain, or []
 * when none can be told safely. Conservative: only characters outside any
 * group, class or alternation count, a quantified character ends its run
 * without itself, and an escape this reader does not know gives up. Runs
 * hold ASCII characters other than separators, so that a match's run is in
 * the request's folded field too (lower-cased when `caseInsensitive`).
 */
export function regexLiterals(source: string, caseInsensitive: boolean): string[] {
  const runs: string[] = [];
  let run = '';
  const end = (): void => {
    if (run.length > 0) runs.push(run);
    run = '';
  };
  const n = source.length;
  let i = 0;
  while (i < n) {
    const ch = source.charAt(i);
    const code = source.charCodeAt(i);
    if (ch === '|') return [];
    if (ch === '\\') {
      const next = source.charCodeAt(i + 1);
      if (Number.isNaN(next)) return [];
      const nextCh = source.charAt(i + 1);
      if (/[A-Za-z0-9_]/.test(nextCh)) {
        // \d, \w, \s, \b...: a class or an assertion; \u, \x, \c, \p, \k and digits consume more.
        if (/[uxcpPk0-9]/.test(nextCh)) return [];
        end();
      } else if (isPlainRegexChar(next)) {
        run += nextCh;
      } else {
        end();
      }
      i += 2;
      continue;
    }
    if (ch === '[') {
      end();
      i++;
      if (source.charAt(i) === '^') i++;
      while (i < n && source.charAt(i) !== ']') i += source.charAt(i) === '\\' ? 2 : 1;
      if (i >= n) return [];
      i++;
      continue;
    }
    if (ch === '(') {
      end();
      let depth = 0;
      while (i < n) {
        const c = source.charAt(i);
        if (c === '\\') i += 2;
        else if (c === '[') {
          i++;
          if (source.charAt(i) === '^') i++;
          while (i < n && source.charAt(i) !== ']') i += source.charAt(i) === '\\' ? 2 : 1;
          i++;
        } else {
          if (c === '(') depth++;
          else if (c === ')') depth--;
          i++;
          if (depth === 0) break;
        }
      }
      if (depth !== 0) return [];
      continue;
    }
    if (ch === ')') return [];
    if (ch === '*' || ch === '?') {
      run = run.slice(0, -1);
      end();
      i++;
      continue;
    }
    if (ch === '{') {
      // A quantifier when it reads {n}, {n,} or {n,m}; otherwise a literal brace, left out.
      const quantifier = /^\{\d+(?:,\d*)?\}/.exec(source.slice(i, i + 24));
      if (quantifier !== null) run = run.slice(0, -1);
      end();
      i += quantifier === null ? 1 : quantifier[0].length;
      continue;
    }
    if (ch === '+' || ch === '.' || ch === '^' || ch === '$') {
      end();
      i++;
      continue;
    }
    if (isPlainRegexChar(code)) run += ch;
    else end();
    i++;
  }
  end();
  return caseInsensitive ? runs.map((r) => foldCase(r)) : runs;
}

/** The keys a path-like field's pattern may file its rule under; [] when it has no literal to find it by. */
export function pathKeys(pattern: string, os: OsName, field: PathField): RuleKey[] {
  if (pattern.startsWith(REGEX_PREFIX)) {
    return gramKeys(`${field}:gram`, regexLiterals(pattern.slice(REGEX_PREFIX.length), isCaseInsensitive(os)));
  }
  const folded = foldPath(pattern, os);
  if (!GLOB_SPECIALS.test(folded)) return [{ kind: `${field}:exact`, text: folded }];
  const segments = folded.split('/');
  const out: RuleKey[] = [];
  const last = segments.length - 1;
  const name = segments[last] as string;
  // A literal segment of a glob is a whole segment of every path it matches: separators delimit it on both sides.
  if (last > 0 && name.length > 0 && !GLOB_SPECIALS.test(name)) out.push({ kind: `${field}:name`, text: name });
  for (let i = 0; i < last; i++) {
    const seg = segments[i] as string;
    if (seg.length > 0 && !GLOB_SPECIALS.test(seg)) out.push({ kind: `${field}:segment`, text: seg });
  }
  if (out.length > 0) return out;
  return gramKeys(`${field}:gram`, globLiteralRuns(folded));
}

/**
 * The keys the indexed evaluator may file a rule under: a file the rule
 * matches has every one of them (a rule matches only when every field it
 * sets does). One key when it is decisive (a hash, a thumbprint, a literal
 * path); several when the evaluator should pick the rarest; none when the
 * rule must be tested for every request.
 */
export function ruleKeys(rule: AppRule, os: OsName): RuleKey[] {
  if (rule.sha256 !== undefined) return [{ kind: 'sha256', text: foldCase(rule.sha256) }];
  if (rule.certThumbprint !== undefined) return [{ kind: 'certThumbprint', text: foldCase(rule.certThumbprint) }];
  const out: RuleKey[] = [];
  for (const field of PATH_FIELDS) {
    const pattern = rule[field];
    if (pattern === undefined) continue;
    const keys = pathKeys(pattern, os, field);
    if (keys.length === 1 && keys[0]?.kind === `${field}:exact`) return keys;
    out.push(...keys);
  }
  if (rule.certSubject !== undefined) out.push({ kind: 'certSubject', text: foldCase(rule.certSubject) });
  return out;
}

/** Whether a rule has a `regex:` pattern, whose syntax is checked only by compiling it. */
export function hasRegexPattern(rule: AppRule): boolean {
  return [rule.path, rule.processPath, rule.createdBy].some((p) => p?.startsWith(REGEX_PREFIX) === true);
}

/** Compiles one application rule for an operating system; every field it sets must match. */
export function compileRule(rule: AppRule, os: OsName): CompiledRule {
  return { keys: ruleKeys(rule, os), test: compileRuleTest(rule, os) };
}

/** The test of one application rule: true when every field it sets matches the file. */
export function compileRuleTest(rule: AppRule, os: OsName): (file: NormalizedFile) => boolean {
  const tests: ((file: NormalizedFile) => boolean)[] = [];
  if (rule.sha256 !== undefined) {
    const want = foldCase(rule.sha256);
    tests.push((f) => f.sha256 === want);
  }
  if (rule.certThumbprint !== undefined) {
    const want = foldCase(rule.certThumbprint);
    tests.push((f) => f.certThumbprint === want);
  }
  if (rule.certSubject !== undefined) {
    const want = foldCase(rule.certSubject);
    tests.push((f) => f.certSubject === want);
  }
  if (rule.path !== undefined) {
    const t = compilePathPattern(rule.path, os);
    tests.push((f) => t(f.path, f.rawPath));
  }
  if (rule.processPath !== undefined) {
    const t = compilePathPattern(rule.processPath, os);
    tests.push((f) => f.processPath !== undefined && t(f.processPath, f.rawProcessPath as string));
  }
  if (rule.createdBy !== undefined) {
    const t = compilePathPattern(rule.createdBy, os);
    tests.push((f) => f.createdBy !== undefined && t(f.createdBy, f.rawCreatedBy as string));
  }
  if (tests.length === 0) throw new TollgateError('empty-rule', 'an application rule must set at least one field');
  return tests.length === 1
    ? (tests[0] as (f: NormalizedFile) => boolean)
    : (f: NormalizedFile) => tests.every((t) => t(f));
}
