import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnboundedPattern, UnsupportedPattern, linearSource } from '../../src/engine/linear-regex.js';
import { compileUserRegex } from '../../src/engine/matcher.js';

/** Characters whose cases JavaScript's `i` flag treats in every way there is (ASCII, beyond ASCII into ASCII, ...). */
const TRICKY = [
  'a',
  'A',
  'k',
  'K',
  '\u212a',
  's',
  'S',
  '\u017f',
  '\u00b5',
  '\u039c',
  '\u03bc',
  '\u00df',
  '\u1e9e',
  '\u03c2',
  '\u03c3',
  '\u03a3',
  '\u0130',
  '\u0131',
  'i',
  'I',
  '\u00e9',
  '\u00c9',
  '\u01c4',
  '\u01c5',
  '\u01c6',
  '\u00ff',
  '\u0178',
  '\u1c80',
  '\u0432',
  '\u0412',
  '\u2126',
  '\u03c9',
  '0',
  '9',
  '-',
  '_',
  ' ',
  '.',
  '\\',
  '/',
  '\u0000',
  'z',
];

const hex = (c: string, width: number): string => c.charCodeAt(0).toString(16).padStart(width, '0');

/** A character as a pattern writes it: as itself (escaped when it means something), in hex, or in octal. */
const charArb = fc
  .constantFrom(...TRICKY)
  .chain((c) =>
    fc.constantFrom(
      /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c === '\u0000' ? '\\0' : c,
      `\\u${hex(c, 4)}`,
      ...(c.charCodeAt(0) < 256 ? [`\\x${hex(c, 2)}`] : []),
      ...(c.charCodeAt(0) < 256 && c.charCodeAt(0) > 0 ? [`\\0${c.charCodeAt(0).toString(8)}`] : []),
      ...(/[a-zA-Z]/.test(c) && !'bBdDwWsSfnrtvcxuk'.includes(c) ? [`\\${c}`] : []),
    ),
  );

const classArb = fc
  .tuple(
    fc.boolean(),
    fc.array(
      fc.oneof(
        charArb,
        fc.constantFrom('\\d', '\\w', '\\s', '\\W', '\\D', '\\S', '-', '\\-', '\\b'),
        fc
          .tuple(
            fc.constantFrom('a', 'A', '0', '\u00c0', '\u0391', '\u0410'),
            fc.constantFrom('z', 'Z', '9', '\u00ff', '\u03c9', '\u044f'),
          )
          .map(([from, to]) => (from <= to ? `${from}-${to}` : `${to}-${from}`)),
      ),
      { maxLength: 4 },
    ),
  )
  .map(([negated, members]) => `[${negated ? '^' : ''}${members.join('')}]`);

const atomArb = fc.oneof(
  charArb,
  charArb,
  classArb,
  fc.constantFrom(
    '.',
    '\\d',
    '\\w',
    '\\W',
    '\\s',
    '\\b',
    '[]',
    '[^]',
    '\\cA',
    '\\c',
    ']',
    '{',
    '}',
    '\\u{41}',
    '[\\c_]',
  ),
);
const quantifierArb = fc.constantFrom('', '', '*', '+', '?', '{1,2}', '*?');
/** An atom's quantifier: counts past 16 too (a group's stay small: counts of counts backtrack without end in V8). */
const atomQuantifierArb = fc.oneof(quantifierArb, fc.constantFrom('{0,20}', '{2,}?', '{17}', '{3,18}'));
const patternArb: fc.Arbitrary<string> = fc.letrec<{ seq: string; group: string }>((tie) => ({
  seq: fc
    .array(
      fc.oneof({ weight: 4, arbitrary: fc.tuple(atomArb, atomQuantifierArb).map(([a, q]) => a + q) }, tie('group')),
      {
        maxLength: 5,
      },
    )
    .map((atoms) => atoms.join('')),
  group: fc
    .tuple(fc.constantFrom('(', '(?:', '(?<g>'), tie('seq'), fc.option(tie('seq'), { nil: undefined }), quantifierArb)
    .map(([open, a, b, q]) => `${open}${a}${b === undefined ? '' : `|${b}`})${q}`),
})).seq;

const inputArb = fc.array(fc.constantFrom(...TRICKY), { maxLength: 6 }).map((chars) => chars.join(''));

function compiles(source: string, flags: string): RegExp | null {
  try {
    return new RegExp(`^(?:${source})$`, flags);
  } catch {
    return null;
  }
}

describe('regex: patterns rewritten to match without the i flag', () => {
  it('match exactly what the pattern matches with the i flag, on random patterns and inputs', () => {
    fc.assert(
      fc.property(patternArb, fc.array(inputArb, { minLength: 1, maxLength: 8 }), (pattern, inputs) => {
        const withFlag = compiles(pattern, 'is');
        fc.pre(withFlag !== null && !/\(\?<g>.*\(\?<g>/.test(pattern));
        const rewritten = new RegExp(`^(?:${linearSource(pattern, true)})$`, 's');
        for (const input of inputs)
          expect([pattern, input, rewritten.test(input)]).toEqual([pattern, input, withFlag.test(input)]);
      }),
      { numRuns: 3_000 },
    );
  });

  it('give each character the cases the i flag gives it, for every character of the Basic Multilingual Plane', () => {
    // Each character that has cases, against each of those and its neighbours.
    for (let c = 0; c < 0x10000; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const ch = String.fromCharCode(c);
      if (ch.toUpperCase() === ch && ch.toLowerCase() === ch) continue;
      const pattern = `\\u${c.toString(16).padStart(4, '0')}`;
      const withFlag = new RegExp(`^${pattern}$`, 'i');
      const rewritten = new RegExp(`^${linearSource(pattern, true)}$`);
      const others = new Set([
        ch.toUpperCase(),
        ch.toLowerCase(),
        String.fromCharCode(c + 1),
        String.fromCharCode(c - 1),
      ]);
      for (const other of [...others].flatMap((o) => [o, o.toUpperCase(), o.toLowerCase()])) {
        if (rewritten.test(other) !== withFlag.test(other))
          throw new Error(`${pattern} against ${JSON.stringify(other)}`);
      }
    }
  });

  it('match what the pattern matches on a case-sensitive system, its groups and counts rewritten', () => {
    fc.assert(
      fc.property(patternArb, fc.array(inputArb, { minLength: 1, maxLength: 8 }), (pattern, inputs) => {
        const written = compiles(pattern, 's');
        fc.pre(written !== null && !/\(\?<g>.*\(\?<g>/.test(pattern));
        const rewritten = new RegExp(`^(?:${linearSource(pattern, false)})$`, 's');
        for (const input of inputs) {
          expect([pattern, input, rewritten.test(input)]).toEqual([pattern, input, written.test(input)]);
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('make groups non-capturing, split counts past 16, and keep class escapes and anchors as written', () => {
    expect(linearSource('(?<Name>ab)\\k', true)).toBe('(?:[Aa][Bb])[Kk]');
    expect(linearSource('^[^a-c\\d]\\w+\\b$', true)).toBe('^[^\\dA-Ca-c]\\w+\\b$');
    expect(linearSource('C:\\\\Tools\\\\x\\.exe', true)).toBe('[Cc]:\\\\[Tt][Oo][Oo][Ll][Ss]\\\\[Xx]\\.[Ee][Xx][Ee]');
    expect(linearSource('[0-9a-f]{40}', false)).toBe('(?:[0-9a-f]{16}[0-9a-f]{16}[0-9a-f]{8})');
    expect(linearSource('(ab){1,20}?x{17,}', false)).toBe('(?:(?:ab){1}(?:ab){0,16}(?:ab){0,3})(?:x{16}x{1}x*)');
    expect(linearSource('x{2,5}{a}', false)).toBe('x{2,5}{a}');
  });
});

describe('regex: patterns that cannot be matched in linear time', () => {
  it.each([
    ['(?=a)a', 'a lookaround ((?=) at character 1'],
    ['a(?!b)', 'a lookaround ((?!) at character 2'],
    ['(?<=a)b', 'a lookaround ((?<=) at character 1'],
    ['(?<!a)b', 'a lookaround ((?<!) at character 1'],
    ['(a)\\1', 'a backreference (\\1) at character 4'],
    ['(?<x>a)\\k<x>', 'a backreference (\\k<...>) at character 8'],
  ])('refuses %s on every system, naming what and where', (pattern, what) => {
    for (const os of ['linux', 'windows', 'macos'] as const) {
      expect(() => linearSource(pattern, os !== 'linux')).toThrow(UnboundedPattern);
      expect(() => compileUserRegex(pattern, os)).toThrow(
        expect.objectContaining({
          code: 'bad-regex',
          message: `invalid regular expression "${pattern}": ${what} cannot be matched in a time linear in the path (tollgate takes no backreference and no lookaround)`,
        }),
      );
    }
  });

  it('takes what only looks like them: escaped, or in a class', () => {
    for (const pattern of ['\\(?=a\\)', '[(?=]x', '[\\1]', '\\\\1']) {
      expect(() => compileUserRegex(pattern, 'windows')).not.toThrow();
    }
  });

  it('names a syntax error of the pattern as written', () => {
    expect(() => compileUserRegex('[a', 'windows')).toThrow(
      expect.objectContaining({
        code: 'bad-regex',
        message: expect.stringMatching(
          /^invalid regular expression "\[a": Invalid regular expression: \/\^\(\?:\[a\)\$\/is: Unterminated character class/,
        ) as unknown,
      }),
    );
  });
});

describe('regex: patterns V8 would leave to its backtracking engine', () => {
  it('are written so that its linear-time engine takes them, and end in linear time on a path they fail on', () => {
    const cases: [string, string][] = [
      ['(\\w+\\s?)+\\.[a-z]{1,20}', `${'a'.repeat(3_000)}!`],
      ['(\\w|\\d){1,64}\\.exe', `${'1'.repeat(60)}.ex`],
      ['(a|a){1,64}', `${'a'.repeat(60)}!`],
      ['C:\\\\Users\\\\.*\\\\.*\\\\.*\\\\[0-9a-f]{32}\\.exe', `C:\\Users\\${'a\\'.repeat(1_500)}`],
      ['(a+){00000000000000000000000000000000000000001,}b{17}', `${'a'.repeat(40)}${'b'.repeat(16)}`],
    ];
    for (const os of ['linux', 'windows', 'macos'] as const) {
      for (const [pattern, path] of cases) {
        const re = compileUserRegex(pattern, os);
        expect([pattern, os, re.test(path)]).toEqual([pattern, os, false]);
      }
    }
    expect(compileUserRegex('(\\w+\\s?)+\\.[a-z]{1,20}', 'windows').test('Setup Tool.EXE')).toBe(true);
  });

  it('refuses what its linear-time engine still does not take, or counts written out too far', () => {
    expect(() => compileUserRegex('((ab){1,16}){1,16}', 'linux')).toThrow(
      expect.objectContaining({
        code: 'bad-regex',
        message: expect.stringContaining('cannot be matched in a time linear in the path (V8') as unknown,
      }),
    );
    expect(() => compileUserRegex('a{100000}', 'linux')).toThrow(
      expect.objectContaining({
        code: 'bad-regex',
        message: expect.stringContaining('counts ({100000} at character 2) written out past 256 copies') as unknown,
      }),
    );
  });

  it("refuses inline modifiers (newer V8 reads them; the case rule is the system's)", () => {
    expect(() => linearSource('(?i:a)', true)).toThrow(UnsupportedPattern);
    expect(() => linearSource('x(?-i:a)', false)).toThrow('inline modifiers ((?-i...) at character 2');
  });
});
