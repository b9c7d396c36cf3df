/**
 * The index keys of a rule worked out from its strings' UTF-8 bytes, for
 * compiling a view image without a JavaScript string or object per rule:
 * the same key hashes, in the same order, as keyHash over matcher.ts
 * ruleKeys of the rule decoded, for the rules whose keys need no more than
 * bytes (ASCII patterns that are not `regex:`, and globs with a literal
 * segment). Any other rule (a `regex:` pattern, text beyond ASCII, a glob
 * whose only literals are grams) is left to ruleKeys: the caller is told so
 * and decodes the rule.
 */
import { RULE_FIELDS, type OsName } from './model.js';
import { KIND_NUMBER, PATH_FIELDS, hashStep, kindSeed } from './rule-index.js';

const RULE_WIDTH = RULE_FIELDS.length;
const PATH_FIELD_INDEXES = PATH_FIELDS.map((f) => RULE_FIELDS.indexOf(f));
const CERT_SUBJECT = RULE_FIELDS.indexOf('certSubject');
const CERT_SUBJECT_KIND = KIND_NUMBER.get('certSubject') as number;
const CERT_SUBJECT_SEED = kindSeed('certSubject');
/** Per path-like field (PATH_FIELDS order): the kind numbers and seeds of its exact, name and segment keys. */
const FIELD_KEYS = PATH_FIELDS.map((field) => ({
  exactKind: KIND_NUMBER.get(`${field}:exact`) as number,
  exactSeed: kindSeed(`${field}:exact`),
  nameKind: KIND_NUMBER.get(`${field}:name`) as number,
  nameSeed: kindSeed(`${field}:name`),
  segmentKind: KIND_NUMBER.get(`${field}:segment`) as number,
  segmentSeed: kindSeed(`${field}:segment`),
}));
const REGEX_PREFIX_BYTES = [0x72, 0x65, 0x67, 0x65, 0x78, 0x3a]; // "regex:"
const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const STAR = 0x2a;
const QUESTION = 0x3f;

/** Where the keys of one rule are written: hashes and kind numbers, from `count` on (the caller makes room). */
export interface KeyOut {
  hashes: Int32Array;
  kinds: Uint8Array;
  count: number;
}

/** The most keys ruleKeyBytes can write for a rule whose string fields hold `bytes` bytes in all. */
export function maxKeysOfBytes(bytes: number): number {
  return bytes + 2;
}

/** Whether bytes[from, to) starts with `regex:`. */
function isRegex(bytes: Uint8Array, from: number, to: number): boolean {
  if (to - from < REGEX_PREFIX_BYTES.length) return false;
  for (let i = 0; i < REGEX_PREFIX_BYTES.length; i++) if (bytes[from + i] !== REGEX_PREFIX_BYTES[i]) return false;
  return true;
}

let folded = new Uint8Array(1024);

/** The hash (from `seed`) of text[from, to). */
function hashFolded(text: Uint8Array, seed: number, from: number, to: number): number {
  let hash = seed;
  for (let i = from; i < to; i++) hash = hashStep(hash, text[i] as number);
  return hash | 0;
}

function hasSpecial(text: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text[i] as number;
    if (c === STAR || c === QUESTION) return true;
  }
  return false;
}

/**
 * Writes the keys of the pattern bytes[from, to) of path-like field `f`
 * (PATH_FIELDS index) as matcher.ts pathKeys gives them: returns 1 for a
 * literal (its one exact key written), 0 for a glob (its name and segment
 * keys written, at least one), -1 when the bytes do not do (a `regex:`
 * pattern, a byte beyond ASCII, a glob with no literal segment): then
 * nothing is written.
 */
function pathKeyBytes(bytes: Uint8Array, from: number, to: number, os: OsName, f: number, out: KeyOut): number {
  const n = to - from;
  if (isRegex(bytes, from, to)) return -1;
  if (n > folded.length) folded = new Uint8Array(n * 2);
  const text = folded;
  // foldPath: as given on linux; lower case elsewhere, and `\` read as `/` on windows.
  const lowerCase = os !== 'linux';
  const windows = os === 'windows';
  let special = false;
  for (let i = 0; i < n; i++) {
    let c = bytes[from + i] as number;
    if (c > 0x7f) return -1;
    if (lowerCase && c >= 0x41 && c <= 0x5a) c += 0x20;
    else if (windows && c === BACKSLASH) c = SLASH;
    else if (c === STAR || c === QUESTION) special = true;
    text[i] = c;
  }
  const keys = FIELD_KEYS[f] as (typeof FIELD_KEYS)[number];
  if (!special) {
    out.hashes[out.count] = hashFolded(text, keys.exactSeed, 0, n);
    out.kinds[out.count++] = keys.exactKind;
    return 1;
  }
  const start = out.count;
  let lastSlash = -1;
  for (let i = n - 1; i >= 0; i--) {
    if (text[i] === SLASH) {
      lastSlash = i;
      break;
    }
  }
  // The name: the last segment when there is more than one, not empty and literal.
  if (lastSlash >= 0 && lastSlash + 1 < n && !hasSpecial(text, lastSlash + 1, n)) {
    out.hashes[out.count] = hashFolded(text, keys.nameSeed, lastSlash + 1, n);
    out.kinds[out.count++] = keys.nameKind;
  }
  // Then every other segment that is not empty and literal, in order.
  let segment = 0;
  for (let i = 0; i <= lastSlash; i++) {
    if (text[i] !== SLASH) continue;
    if (i > segment && !hasSpecial(text, segment, i)) {
      out.hashes[out.count] = hashFolded(text, keys.segmentSeed, segment, i);
      out.kinds[out.count++] = keys.segmentKind;
    }
    segment = i + 1;
  }
  if (out.count > start) return 0;
  return -1;
}

/**
 * Writes the keys of rule `r` (string numbers per RULE_FIELDS entry in
 * `fields`, -1 absent) that has no sha256 or certThumbprint, as keyHash over
 * ruleKeys(rule, os) gives them, and returns true; or returns false, having
 * written nothing (out.count unchanged), when ruleKeys must work them out
 * from the decoded rule. The caller has made room for
 * maxKeysOfBytes(the rule's string bytes) keys.
 */
export function ruleKeyBytes(
  strBytes: Uint8Array,
  offsets: Uint32Array,
  fields: Int32Array,
  r: number,
  os: OsName,
  out: KeyOut,
): boolean {
  const start = out.count;
  // A `regex:` pattern in any field (even after a literal that decides the keys) is the decoded rule's: it is compiled.
  for (let f = 0; f < PATH_FIELD_INDEXES.length; f++) {
    const s = fields[r * RULE_WIDTH + (PATH_FIELD_INDEXES[f] as number)] as number;
    if (s >= 0 && isRegex(strBytes, offsets[s] as number, offsets[s + 1] as number)) return false;
  }
  for (let f = 0; f < PATH_FIELD_INDEXES.length; f++) {
    const s = fields[r * RULE_WIDTH + (PATH_FIELD_INDEXES[f] as number)] as number;
    if (s < 0) continue;
    const mark = out.count;
    const got = pathKeyBytes(strBytes, offsets[s] as number, offsets[s + 1] as number, os, f, out);
    if (got < 0) {
      out.count = start;
      return false;
    }
    if (got === 1) {
      // A literal decides alone: ruleKeys returns its one key.
      out.hashes[start] = out.hashes[mark] as number;
      out.kinds[start] = out.kinds[mark] as number;
      out.count = start + 1;
      return true;
    }
  }
  const subject = fields[r * RULE_WIDTH + CERT_SUBJECT] as number;
  if (subject >= 0) {
    let hash = CERT_SUBJECT_SEED;
    for (let i = offsets[subject] as number; i < (offsets[subject + 1] as number); i++) {
      const c = strBytes[i] as number;
      if (c > 0x7f) {
        out.count = start;
        return false;
      }
      hash = hashStep(hash, c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
    }
    out.hashes[out.count] = hash | 0;
    out.kinds[out.count++] = CERT_SUBJECT_KIND;
  }
  return true;
}
