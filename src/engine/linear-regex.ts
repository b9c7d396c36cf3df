/**
 * `regex:` patterns as the daemon runs them: in a time linear in the path.
 *
 * V8's default engine backtracks, and an expression with nested quantifiers
 * (`(\w+\s?)+`, `(a+)+`) takes a time exponential in the path it fails on:
 * one careless pattern in a policy would stop every daemon that is asked
 * about such a path. The `tollgate` command sets V8's flag that finishes
 * such a match on its linear-time engine (bin/tollgate.js), which takes
 * every expression but those with the `i` flag, backreferences and
 * lookaround. So here:
 *
 * - a pattern with a backreference (`\1`, `\k<name>`) or lookaround
 *   (`(?=`, `(?!`, `(?<=`, `(?<!`) is refused: no engine can match those in
 *   linear time;
 * - on the case-insensitive operating systems the pattern is rewritten to
 *   match without the `i` flag exactly what it matches with it: each
 *   character that has other cases becomes a class of them (`a` is `[aA]`),
 *   each class takes in the other cases of its characters. The cases are
 *   JavaScript's own for an expression without the `u` flag (ECMA-262
 *   Canonicalize: a character's single upper-case character, not mapping a
 *   character beyond ASCII into ASCII);
 * - that engine takes no count past about 16 (its counts, multiplied
 *   through nesting, are written out): each larger count is written as
 *   counts of at most 16 side by side, and every group made non-capturing.
 *   What the engine still does not take (counts of counts) is refused by
 *   compileUserRegex, which can ask the engine (matcher.ts).
 *
 * The pattern is read with the grammar V8 reads it with (ECMA-262 Annex B,
 * no `u` flag); it has compiled before it is read here.
 */

/** What a `regex:` pattern may not hold, in the words of its errors. */
export const LINEAR_ONLY = 'tollgate takes no backreference and no lookaround';
/** What V8's linear-time engine does not take once counts are split, in the words of errors. */
export const LINEAR_COUNTS =
  "V8's linear-time engine does not take it: a count of a group that holds a count, such as ((ab){5}){5}";

/** A pattern that cannot be matched in linear time: what in it, and where; `why` says what tollgate takes. */
export class UnboundedPattern extends Error {
  constructor(
    message: string,
    readonly why: string = LINEAR_ONLY,
  ) {
    super(message);
  }
}

/** A pattern holding what tollgate does not take (inline modifiers: the case rule is the system's). */
export class UnsupportedPattern extends Error {}

const HEX = /^[0-9A-Fa-f]+$/;
const CLASS_ESCAPES = 'dDwWsS';
const CONTROL_ESCAPES: Readonly<Record<string, number>> = { f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b };

/** canon[c]: ECMA-262 Canonicalize of code unit c (no `u` flag); made at the first use. */
let canon: Uint16Array | null = null;
/** The code units of each canonical value that more than one has, by that value. */
let sharing: Map<number, number[]> | null = null;
/** The code units that have other cases (members of `sharing`), in order. */
let cased: Uint16Array | null = null;

function canonicalize(c: number): number {
  const upper = String.fromCharCode(c).toUpperCase();
  if (upper.length !== 1) return c;
  const u = upper.charCodeAt(0);
  return c >= 128 && u < 128 ? c : u;
}

function tables(): { canon: Uint16Array; sharing: Map<number, number[]>; cased: Uint16Array } {
  if (canon === null || sharing === null || cased === null) {
    const made = new Uint16Array(0x10000);
    const count = new Uint16Array(0x10000);
    for (let c = 0; c < 0x10000; c++) {
      const k = canonicalize(c);
      made[c] = k;
      count[k] = (count[k] as number) + 1;
    }
    const groups = new Map<number, number[]>();
    for (let c = 0; c < 0x10000; c++) {
      const k = made[c] as number;
      if ((count[k] as number) < 2) continue;
      const group = groups.get(k);
      if (group === undefined) groups.set(k, [c]);
      else group.push(c);
    }
    canon = made;
    sharing = groups;
    cased = Uint16Array.from([...groups.values()].flat()).sort();
  }
  return { canon, sharing, cased };
}

/** casedClass's answers, by code unit, as they are asked for. */
const casedClasses: (string | undefined)[] = [];

/** The class of the code units that match `c` under the `i` flag (`[Aa]`); '' when only `c` does. */
function casedClass(c: number): string {
  let known = casedClasses[c];
  if (known === undefined) {
    const t = tables();
    const cases = t.sharing.get(t.canon[c] as number);
    known = cases === undefined ? '' : `[${cases.map(unit).join('')}]`;
    casedClasses[c] = known;
  }
  return known;
}

/** Code unit `c` as a member of a class: itself when a letter or digit of ASCII, else escaped. */
function unit(c: number): string {
  const plain = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  return plain ? String.fromCharCode(c) : `\\u${c.toString(16).padStart(4, '0')}`;
}

/** Code unit ranges (pairs from, to; in any order, overlapping) as the members of a class, merged. */
function rangesText(pairs: readonly number[]): string {
  const order = Array.from({ length: pairs.length / 2 }, (_, k) => k).sort(
    (x, y) => (pairs[2 * x] as number) - (pairs[2 * y] as number),
  );
  let text = '';
  let from = -1;
  let to = -2;
  const flush = (): void => {
    if (from < 0) return;
    text += to === from ? unit(from) : to === from + 1 ? unit(from) + unit(to) : `${unit(from)}-${unit(to)}`;
  };
  for (const k of order) {
    const a = pairs[2 * k] as number;
    const b = pairs[2 * k + 1] as number;
    if (a <= to + 1) {
      to = Math.max(to, b);
    } else {
      flush();
      from = a;
      to = b;
    }
  }
  flush();
  return text;
}

/** A character read from an escape: its code unit, and where the pattern goes on. */
interface Escaped {
  code: number;
  next: number;
}

/** A legacy octal escape (`\101`) at `at` (its first digit): at most 0o377. */
function octal(p: string, at: number): Escaped {
  let value = 0;
  let next = at;
  const max = p.charCodeAt(at) <= 0x33 ? 3 : 2; // ZeroToThree takes two more digits, FourToSeven one
  while (next < at + max && next < p.length && p.charCodeAt(next) >= 0x30 && p.charCodeAt(next) <= 0x37) {
    value = value * 8 + (p.charCodeAt(next) - 0x30);
    next++;
  }
  return { code: value, next };
}

/** `\x` or `\u` and its hex digits at `at` (the letter); null when they do not follow (an identity escape). */
function hexEscape(p: string, at: number): Escaped | null {
  const digits = p[at] === 'x' ? 2 : 4;
  const hex = p.slice(at + 1, at + 1 + digits);
  return hex.length === digits && HEX.test(hex) ? { code: parseInt(hex, 16), next: at + 1 + digits } : null;
}

/** The most copies of counted atoms one pattern may be written out into (a count past 16 is split into copies). */
export const MAX_COUNT_COPIES = 256;
/** V8's linear-time engine takes a count of at most this. */
const LINEAR_COUNT = 16;
const COUNT = /\{(\d+)(,(\d*))?\}/y;

/** An atom counted `{min,max}` (max Infinity: unbounded) written as counts of at most LINEAR_COUNT each. */
function splitCount(atom: string, min: number, max: number): { text: string; copies: number } {
  const parts: string[] = [];
  for (let need = min; need > 0; need -= LINEAR_COUNT) parts.push(`${atom}{${Math.min(need, LINEAR_COUNT)}}`);
  if (max === Infinity) parts.push(`${atom}*`);
  else
    for (let extra = max - min; extra > 0; extra -= LINEAR_COUNT)
      parts.push(`${atom}{0,${Math.min(extra, LINEAR_COUNT)}}`);
  return { text: `(?:${parts.join('')})`, copies: parts.length };
}

/**
 * The source of an expression that matches what `pattern` matches (with
 * the `i` flag when `caseless`) without that flag, in a form V8's
 * linear-time engine can take: every group non-capturing (nothing may refer
 * to one), every count past 16 split into counts of at most 16 side by side
 * (`[0-9a-f]{64}` is four `[0-9a-f]{16}`; a match only asks whether the
 * whole path matches, so how a count is split does not change the answer),
 * and, when `caseless`, each character with other cases made a class of
 * them. Throws UnboundedPattern for a backreference, a lookaround or counts
 * that would be written out past MAX_COUNT_COPIES copies, and
 * UnsupportedPattern for inline modifiers.
 */
export function linearSource(pattern: string, caseless: boolean): string {
  const p = pattern;
  let out = '';
  let i = 0;
  /** Where in `out` the atom a quantifier would apply to starts; -1 after none. */
  let atom = -1;
  const groups: number[] = [];
  let copies = 0;
  const literal = (code: number, text: string): string => {
    if (!caseless) return text;
    const cases = casedClass(code);
    return cases === '' ? text : cases;
  };
  const emitAtom = (text: string): void => {
    atom = out.length;
    out += text;
  };
  while (i < p.length) {
    const c = p[i] as string;
    if (c === '\\') {
      const n = p[i + 1];
      if (n === undefined) {
        emitAtom(c);
        i++;
      } else if (n === 'b' || n === 'B') {
        out += c + n;
        atom = -1;
        i += 2;
      } else if (CLASS_ESCAPES.includes(n) || n in CONTROL_ESCAPES) {
        emitAtom(c + n);
        i += 2;
      } else if (n >= '1' && n <= '9') {
        // Also an octal escape where the pattern has fewer groups: refused alike (write \xHH).
        throw new UnboundedPattern(`a backreference (\\${n}) at character ${i + 1}`);
      } else if (n === 'k' && p[i + 2] === '<') {
        throw new UnboundedPattern(`a backreference (\\k<...>) at character ${i + 1}`);
      } else if (n === '0') {
        const o = octal(p, i + 1);
        emitAtom(literal(o.code, p.slice(i, o.next)));
        i = o.next;
      } else if (n === 'x' || n === 'u') {
        const h = hexEscape(p, i + 1);
        emitAtom(h === null ? literal(n.charCodeAt(0), c + n) : literal(h.code, p.slice(i, h.next)));
        i = h === null ? i + 2 : h.next;
      } else if (n === 'c') {
        const letter = p[i + 2];
        if (letter !== undefined && /[A-Za-z]/.test(letter)) {
          emitAtom(p.slice(i, i + 3));
          i += 3;
        } else {
          // `\c` before no letter is a backslash, and the `c` a character of its own.
          emitAtom('\\\\');
          i++;
        }
      } else {
        emitAtom(literal(n.charCodeAt(0), c + n));
        i += 2;
      }
    } else if (c === '[') {
      const read = charClass(p, i, caseless);
      emitAtom(read.text);
      i = read.next;
    } else if (c === '(') {
      groups.push(out.length);
      if (p[i + 1] !== '?') {
        // A capturing group: nothing refers to it (no backreference is taken), so it captures nothing.
        out += '(?:';
        i++;
        continue;
      }
      const kind = p[i + 2] === '<' ? p.slice(i, i + 4) : p.slice(i, i + 3);
      if (kind === '(?=' || kind === '(?!' || kind === '(?<=' || kind === '(?<!') {
        throw new UnboundedPattern(`a lookaround (${kind}) at character ${i + 1}`);
      }
      if (/^[a-z-]$/.test(p[i + 2] ?? '')) {
        // Inline modifiers ((?i:...), (?-i:...)), which newer V8 versions read: the flags are the system's.
        throw new UnsupportedPattern(`inline modifiers (${p.slice(i, i + 4)}...) at character ${i + 1}`);
      }
      if (p[i + 2] === '<') {
        // A named group, made one without a name like the others.
        const end = p.indexOf('>', i);
        i = end < 0 ? p.length : end + 1;
      } else {
        i += 3; // (?:
      }
      out += '(?:';
    } else if (c === ')') {
      out += c;
      atom = groups.pop() ?? -1;
      i++;
    } else if (c === '{') {
      COUNT.lastIndex = i;
      const count = COUNT.exec(p);
      if (count === null || atom < 0) {
        emitAtom(c);
        i++;
        continue;
      }
      i += count[0].length;
      // Lazy or greedy alike: a whole-path match is found either way.
      if (p[i] === '?') i++;
      const min = Number(count[1]);
      const max = count[2] === undefined ? min : count[3] === '' ? Infinity : Number(count[3]);
      if (min <= LINEAR_COUNT && (max === Infinity || max <= LINEAR_COUNT)) {
        out += max === min ? `{${min}}` : max === Infinity ? `{${min},}` : `{${min},${max}}`;
      } else {
        const split = splitCount(out.slice(atom), min, max);
        copies += split.copies;
        if (copies > MAX_COUNT_COPIES) {
          throw new UnboundedPattern(
            `counts (${count[0]} at character ${i - count[0].length + 1}) written out past ${MAX_COUNT_COPIES} copies`,
            'write a large count as + or *',
          );
        }
        out = out.slice(0, atom) + split.text;
      }
      atom = -1;
    } else if (c === '*' || c === '+' || c === '?') {
      out += c;
      if (p[i + 1] === '?') {
        out += '?';
        i++;
      }
      atom = -1;
      i++;
    } else if (c === '|' || c === '^' || c === '$') {
      out += c;
      atom = -1;
      i++;
    } else {
      emitAtom(literal(c.charCodeAt(0), c));
      i++;
    }
  }
  return out;
}

/** One member of a class: a code unit, or a class escape (`\d`...) kept as written. */
type Member = { code: number; escape?: undefined } | { escape: string; code?: undefined };

/** The member of a class at `at`, and where the class goes on. */
function classMember(p: string, at: number): { member: Member; next: number } {
  if (p[at] !== '\\') return { member: { code: p.charCodeAt(at) }, next: at + 1 };
  const n = p[at + 1];
  if (n === undefined) return { member: { code: 0x5c }, next: at + 1 };
  if (CLASS_ESCAPES.includes(n)) return { member: { escape: `\\${n}` }, next: at + 2 };
  if (n === 'b') return { member: { code: 0x08 }, next: at + 2 };
  const control = CONTROL_ESCAPES[n];
  if (control !== undefined) return { member: { code: control }, next: at + 2 };
  if (n >= '0' && n <= '7') {
    const o = octal(p, at + 1);
    return { member: { code: o.code }, next: o.next };
  }
  if (n === 'x' || n === 'u') {
    const h = hexEscape(p, at + 1);
    return h === null
      ? { member: { code: n.charCodeAt(0) }, next: at + 2 }
      : { member: { code: h.code }, next: h.next };
  }
  if (n === 'c') {
    const letter = p[at + 2];
    // In a class, `\c` also takes a digit or `_` (Annex B ClassControlLetter).
    if (letter !== undefined && /[A-Za-z0-9_]/.test(letter)) {
      return { member: { code: letter.charCodeAt(0) % 32 }, next: at + 3 };
    }
    return { member: { code: 0x5c }, next: at + 1 };
  }
  return { member: { code: n.charCodeAt(0) }, next: at + 2 };
}

/**
 * The class at `at` (its `[`) rebuilt with the other cases of its characters
 * when `caseless` (as written otherwise), and where the pattern goes on.
 * Its characters are kept as ranges: the work is in the class's members and
 * in the characters that have other cases, not in the 65,536 code units.
 */
function charClass(p: string, at: number, caseless: boolean): { text: string; next: number } {
  let i = at + 1;
  const negated = p[i] === '^';
  if (negated) i++;
  const escapes: string[] = [];
  const ranges: number[] = [];
  const add = (member: Member): void => {
    if (member.code === undefined) escapes.push(member.escape);
    else ranges.push(member.code, member.code);
  };
  while (i < p.length && p[i] !== ']') {
    const first = classMember(p, i);
    i = first.next;
    if (p[i] === '-' && i + 1 < p.length && p[i + 1] !== ']') {
      const second = classMember(p, i + 1);
      i = second.next;
      if (first.member.code !== undefined && second.member.code !== undefined) {
        ranges.push(first.member.code, second.member.code);
      } else {
        // A class escape on either side of the `-`: the three are members each (Annex B).
        add(first.member);
        add({ code: 0x2d });
        add(second.member);
      }
      continue;
    }
    add(first.member);
  }
  const next = Math.min(i + 1, p.length);
  if (!caseless) return { text: p.slice(at, next), next };
  // Each character with other cases that a range holds brings them in.
  const { canon: canonical, sharing: shared, cased } = tables();
  const all = ranges.slice();
  for (let r = 0; r < ranges.length; r += 2) {
    const from = ranges[r] as number;
    const to = ranges[r + 1] as number;
    for (let k = firstAtLeast(cased, from); k < cased.length && (cased[k] as number) <= to; k++) {
      const group = shared.get(canonical[cased[k] as number] as number) as number[];
      for (const other of group) all.push(other, other);
    }
  }
  return { text: `[${negated ? '^' : ''}${escapes.join('')}${rangesText(all)}]`, next };
}

/** The index of the first element of sorted `list` at least `value` (list.length when none). */
function firstAtLeast(list: Uint16Array, value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
