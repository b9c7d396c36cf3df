import { TollgateError } from './errors.js';
import type { AppRule, FileRequest, OsName } from './model.js';

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
  return changed ? ASCII_DECODER.decode(FOLD_SCRATCH.subarray(0, n)) : text;
}

/** Folds a path or a glob for comparison on an operating system. */
export function foldPath(text: string, os: OsName): string {
  if (os === 'linux') return text;
  const windows = os === 'windows';
  const ascii = foldAscii(text, windows);
  if (ascii !== null) return ascii;
  return windows ? text.replaceAll('\\', '/').toLowerCase() : text.toLowerCase();
}

function lower(text: string | undefined): string | undefined {
  return text === undefined ? undefined : text.toLowerCase();
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
      out += '[^/]';
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

/** Compiles a `regex:` pattern, anchored to the whole path; throws naming the pattern when it is invalid. */
export function compileUserRegex(pattern: string, os: OsName): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`, isCaseInsensitive(os) ? 'is' : 's');
  } catch (error) {
    throw new TollgateError('bad-regex', `invalid regular expression "${pattern}": ${(error as Error).message}`, {
      cause: error,
    });
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
  const fast = globFastPath(folded);
  if (fast !== null) return (path) => fast(path);
  // Compiled on first use: most rules of a large view are never tested.
  let re: RegExp | null = null;
  return (path) => (re ??= globToRegExp(folded)).test(path);
}

/** How the indexed evaluator finds a rule without testing it: by its most selective field. */
export type RuleKey =
  | { kind: 'sha256' | 'certThumbprint' | 'certSubject' | 'exactPath' | 'baseName' | 'pathPrefix'; key: string }
  | { kind: 'unindexed' };

export interface CompiledRule {
  readonly key: RuleKey;
  readonly test: (file: NormalizedFile) => boolean;
}

/** The last segment of a folded path. */
export function baseName(folded: string): string {
  return folded.slice(folded.lastIndexOf('/') + 1);
}

function pathRuleKey(pattern: string, os: OsName): RuleKey {
  if (pattern.startsWith(REGEX_PREFIX)) return { kind: 'unindexed' };
  const folded = foldPath(pattern, os);
  if (!GLOB_SPECIALS.test(folded)) return { kind: 'exactPath', key: folded };
  const last = baseName(folded);
  if (last.length > 0 && !GLOB_SPECIALS.test(last) && folded.length > last.length) {
    return { kind: 'baseName', key: last };
  }
  const firstWild = folded.search(GLOB_SPECIALS);
  const slash = folded.lastIndexOf('/', firstWild);
  if (slash >= 0) return { kind: 'pathPrefix', key: folded.slice(0, slash + 1) };
  return { kind: 'unindexed' };
}

/** The index key of a rule: its most selective field (what CompiledView files it under). */
export function ruleKey(rule: AppRule, os: OsName): RuleKey {
  if (rule.sha256 !== undefined) return { kind: 'sha256', key: rule.sha256.toLowerCase() };
  if (rule.certThumbprint !== undefined) return { kind: 'certThumbprint', key: rule.certThumbprint.toLowerCase() };
  if (rule.path !== undefined) {
    const key = pathRuleKey(rule.path, os);
    if (key.kind === 'exactPath' || key.kind === 'baseName') return key;
    if (rule.certSubject !== undefined) return { kind: 'certSubject', key: rule.certSubject.toLowerCase() };
    return key;
  }
  if (rule.certSubject !== undefined) return { kind: 'certSubject', key: rule.certSubject.toLowerCase() };
  return { kind: 'unindexed' };
}

/** Whether a rule has a `regex:` pattern, whose syntax is checked only by compiling it. */
export function hasRegexPattern(rule: AppRule): boolean {
  return [rule.path, rule.processPath, rule.createdBy].some((p) => p?.startsWith(REGEX_PREFIX) === true);
}

/** Compiles one application rule for an operating system; every field it sets must match. */
export function compileRule(rule: AppRule, os: OsName): CompiledRule {
  return { key: ruleKey(rule, os), test: compileRuleTest(rule, os) };
}

/** The test of one application rule: true when every field it sets matches the file. */
export function compileRuleTest(rule: AppRule, os: OsName): (file: NormalizedFile) => boolean {
  const tests: ((file: NormalizedFile) => boolean)[] = [];
  if (rule.sha256 !== undefined) {
    const want = rule.sha256.toLowerCase();
    tests.push((f) => f.sha256 === want);
  }
  if (rule.certThumbprint !== undefined) {
    const want = rule.certThumbprint.toLowerCase();
    tests.push((f) => f.certThumbprint === want);
  }
  if (rule.certSubject !== undefined) {
    const want = rule.certSubject.toLowerCase();
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
