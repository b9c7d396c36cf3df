import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MATCH, NO_MATCH, UNDECIDED, foldMode, ruleMatches } from '../../src/engine/image-match.js';
import { compileRuleTest, normalizeFile } from '../../src/engine/matcher.js';
import { type AppRule, type FileRequest, OS_NAMES, type OsName, RULE_FIELDS } from '../../src/engine/model.js';

/** One rule laid out as an image lays it out: a string table and its string numbers by RULE_FIELDS. */
function table(rule: AppRule): { bytes: Uint8Array; offsets: Uint32Array; fields: Int32Array } {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const offsets = [0];
  const fields = new Int32Array(RULE_FIELDS.length).fill(-1);
  // A string before the rule's, so that its bytes do not start at 0.
  parts.push(encoder.encode('padding'));
  offsets.push(parts[0]?.length ?? 0);
  RULE_FIELDS.forEach((field, k) => {
    const text = rule[field];
    if (text === undefined) return;
    const b = encoder.encode(text);
    fields[k] = offsets.length - 1;
    parts.push(b);
    offsets.push((offsets[offsets.length - 1] as number) + b.length);
  });
  const bytes = new Uint8Array(offsets[offsets.length - 1] as number);
  let at = 0;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, offsets: Uint32Array.from(offsets), fields };
}

function direct(rule: AppRule, file: FileRequest, os: OsName): number {
  const t = table(rule);
  return ruleMatches(t.bytes, t.offsets, t.fields, 0, foldMode(os), normalizeFile(file, os));
}

// Globs and paths over a small alphabet, so that they often meet: both separators, both cases, wildcards.
// '😀' is one character of two UTF-16 code units (a `?` matches it whole).
const globChar = fc.constantFrom('a', 'B', 'c', 'Z', '.', '/', '\\', '*', '**', '?', '/**/', '**/', 'é', '😀');
const pathChar = fc.constantFrom('a', 'b', 'C', 'z', '.', '/', '\\', 'é', 'ab', 'c/', '😀', '😀😀');
const glob = fc.array(globChar, { minLength: 1, maxLength: 10 }).map((cs) => cs.join(''));
const pathText = fc.array(pathChar, { minLength: 0, maxLength: 12 }).map((cs) => cs.join(''));
const digest = fc.constantFrom('ab12', 'AB12', 'ab13', 'ab1', 'AB12Z', 'ab12z', 'Ünï', 'ünï');
const os = fc.constantFrom(...OS_NAMES);

const rule: fc.Arbitrary<AppRule> = fc
  .record(
    {
      path: fc.oneof(glob, fc.constant('regex:a.*')),
      processPath: glob,
      createdBy: glob,
      sha256: digest,
      certSubject: digest,
      certThumbprint: digest,
    },
    { requiredKeys: [] },
  )
  .filter((r) => Object.keys(r).length > 0);

const request: fc.Arbitrary<FileRequest> = fc.record(
  {
    path: pathText,
    processPath: pathText,
    createdBy: pathText,
    sha256: digest,
    certSubject: digest,
    certThumbprint: digest,
  },
  { requiredKeys: ['path'] },
);

/** A path a glob matches: its wildcards filled in. */
function filled(g: string): string {
  return g.replaceAll('**', 'a/b').replaceAll('*', 'xy').replaceAll('?', 'q');
}

describe('rule tests over the string table (image-match.ts)', () => {
  it('read a `?` as one character, a surrogate pair whole', () => {
    for (const o of OS_NAMES) {
      expect(direct({ path: '/x/?.bin' }, { path: '/x/😀.bin' }, o)).toBe(MATCH);
      expect(direct({ path: '/x/??.bin' }, { path: '/x/😀.bin' }, o)).toBe(NO_MATCH);
      expect(direct({ path: '/x/*??' }, { path: '/x/😀' }, o)).toBe(NO_MATCH);
      expect(direct({ path: '/x/*??' }, { path: '/x/😀y' }, o)).toBe(MATCH);
    }
  });

  it('answer as the compiled rule test does, or leave the rule to it', () => {
    fc.assert(
      fc.property(rule, fc.array(request, { minLength: 1, maxLength: 8 }), os, (r, files, o) => {
        const compiled = compileRuleTest(r, o);
        // Paths built to match, and ones one character or one segment longer.
        const near = (g: string | undefined): string[] => {
          const f = filled(g ?? 'x');
          return [f, `${f}a`, `${f}/a`, f.slice(0, -1)];
        };
        const pathsNear = near(r.path);
        const processNear = near(r.processPath);
        const withMatches: FileRequest[] = [...files];
        for (let i = 0; i < pathsNear.length; i++) {
          withMatches.push({ ...files[0], path: pathsNear[i] as string, processPath: processNear[i] });
        }
        for (const file of withMatches) {
          const got = direct(r, file, o);
          if (got === UNDECIDED) continue;
          expect(got, `${JSON.stringify(r)} on ${JSON.stringify(file)} (${o})`).toBe(
            compiled(normalizeFile(file, o)) ? MATCH : NO_MATCH,
          );
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('decide every ASCII glob without a `**` inside a segment, and no `regex:` pattern with a group', () => {
    const plain = fc
      .array(fc.constantFrom('a', 'B', '.', '/', '\\', '*', '?', '/**/', '**/'), { minLength: 1, maxLength: 10 })
      .map((cs) => cs.join(''))
      .filter((g) => !/[^/\\]\*\*|\*\*[^/\\]|\*\*\*/.test(g));
    fc.assert(
      fc.property(plain, pathText, (g, p) => {
        // On linux `\` is a character, which may sit beside a `**`: those globs are checked on windows.
        expect(direct({ path: g }, { path: p }, g.includes('\\') ? 'windows' : 'linux')).not.toBe(UNDECIDED);
      }),
      { numRuns: 1000 },
    );
    expect(direct({ path: 'regex:(a|b).*' }, { path: 'abc' }, 'linux')).toBe(UNDECIDED);
    expect(direct({ path: 'regex:a.*' }, { path: 'abc' }, 'linux')).toBe(MATCH);
    expect(direct({ path: 'c:/é/*' }, { path: 'c:/é/x' }, 'windows')).toBe(UNDECIDED);
  });

  it.each<[AppRule, FileRequest, OsName, number]>([
    [{ path: 'C:\\Program Files\\Vendor\\**' }, { path: 'c:/program files/vendor/a/b.exe' }, 'windows', MATCH],
    [{ path: 'C:\\Program Files\\Vendor\\**' }, { path: 'c:/program files/vendorx/b.exe' }, 'windows', NO_MATCH],
    [{ path: '**/putty.exe' }, { path: 'C:\\Tools\\PuTTY.exe' }, 'windows', MATCH],
    [{ path: '**/putty.exe' }, { path: '/tools/PuTTY.exe' }, 'linux', NO_MATCH],
    [{ path: '/opt/*/bin/x' }, { path: '/opt/a/bin/x' }, 'linux', MATCH],
    [{ path: '/opt/*/bin/x' }, { path: '/opt/a/b/bin/x' }, 'linux', NO_MATCH],
    [{ path: '/Apps/**/x?.app' }, { path: '/apps/x1.app' }, 'macos', MATCH],
    [{ sha256: 'ABCD' }, { path: '/x', sha256: 'abcd' }, 'linux', MATCH],
    [{ sha256: 'ABCD', path: '/y' }, { path: '/x', sha256: 'abcd' }, 'linux', NO_MATCH],
    [{ processPath: '/bin/*' }, { path: '/x' }, 'linux', NO_MATCH],
    [{ certSubject: 'CN=Ünï' }, { path: '/x', certSubject: 'cn=ünï' }, 'linux', UNDECIDED],
  ])('%j on %j (%s) is %d', (r, file, o, want) => {
    expect(direct(r, file, o)).toBe(want);
  });
});

// Expressions over pieces that meet the paths below: plain ones, and forms left to the compiled expression.
const regexPiece = fc.constantFrom(
  'a',
  'B',
  'z',
  '.',
  '\\.',
  '\\\\',
  '/',
  '\\/',
  '-',
  '\\-',
  '_',
  '\\d',
  '\\D',
  '\\w',
  '\\W',
  '[a-c]',
  '[^a]',
  '[A-Z_]',
  '[Z-a]',
  '[\\d.]',
  '[\\w-]',
  '[-a]',
  '[a-]',
  '[^]',
  '[]',
  '[\\\\/]',
  '*',
  '+',
  '?',
  '*?',
  '{2}',
  '{1,}',
  '{0,2}',
  '{2,1}',
  '{',
  '}',
  ']',
  '^',
  '$',
  '(',
  ')',
  '|',
  '\\b',
  '\\s',
  '\\1',
  'é',
  '[é]',
);
const regexText = fc.array(regexPiece, { minLength: 0, maxLength: 8 }).map((ps) => ps.join(''));
const regexPath = fc
  .array(fc.constantFrom('a', 'A', 'b', 'Z', 'z', '1', '9', '.', '-', '_', '/', '\\', ' ', 'é', '[', '\n', 'ſ'), {
    maxLength: 10,
  })
  .map((cs) => cs.join(''));

describe('`regex:` patterns over the string table', () => {
  it('answer as the compiled expression does, or leave the rule to it', () => {
    let decided = 0;
    fc.assert(
      fc.property(regexText, fc.array(regexPath, { minLength: 1, maxLength: 6 }), os, (pattern, paths, o) => {
        const r: AppRule = { path: `regex:${pattern}` };
        let compiled: ReturnType<typeof compileRuleTest> | undefined;
        try {
          compiled = compileRuleTest(r, o);
        } catch {
          compiled = undefined;
        }
        // Paths built to match: the expression's characters read as literal text, and the pieces alone.
        const literal = pattern.replace(/\\(.)/g, '$1').replace(/[[\]^$*+?{}()|]/g, '');
        for (const path of [...paths, literal, literal.toUpperCase(), literal.replaceAll('/', '\\')]) {
          const got = direct(r, { path }, o);
          if (compiled === undefined) {
            expect(got, `${pattern} is refused when compiled`).toBe(UNDECIDED);
            continue;
          }
          if (got === UNDECIDED) continue;
          decided++;
          expect(got, `${JSON.stringify(pattern)} on ${JSON.stringify(path)} (${o})`).toBe(
            compiled(normalizeFile({ path }, o)) ? MATCH : NO_MATCH,
          );
        }
      }),
      { numRuns: 6000 },
    );
    expect(decided).toBeGreaterThan(5000);
  });

  it.each<[string, string, OsName, number]>([
    ['C:\\\\Tools\\\\Vendor1\\\\vendor1-[0-9]+\\.exe', 'c:/tools/VENDOR1/vendor1-42.EXE', 'windows', MATCH],
    ['C:\\\\Tools\\\\Vendor1\\\\vendor1-[0-9]+\\.exe', 'C:\\Tools\\Vendor1\\vendor1-.exe', 'windows', NO_MATCH],
    ['C:/Tools/.*\\.exe', 'C:\\Tools\\x\\y.exe', 'windows', MATCH],
    ['/opt/[a-z]+/bin', '/opt/Abc/bin', 'linux', NO_MATCH],
    ['/opt/[a-z]+/bin', '/opt/Abc/bin', 'macos', MATCH],
    ['/opt/a{2,3}', '/opt/aaaa', 'linux', NO_MATCH],
    ['/opt/a{2,3}', '/opt/aaa', 'linux', MATCH],
    ['/opt/(a|b)', '/opt/a', 'linux', UNDECIDED],
    ['/opt/\\s', '/opt/ ', 'linux', UNDECIDED],
    ['/opt/x{', '/opt/x{', 'linux', UNDECIDED],
    ['/opt/.', '/opt/\n', 'linux', MATCH],
    ['/opt/\\w', '/opt/ſ', 'macos', NO_MATCH],
    ['/opt/k', '/opt/\u212a', 'macos', NO_MATCH],
  ])('regex:%s on %j (%s) is %d', (pattern, path, o, want) => {
    expect(direct({ path: `regex:${pattern}` }, { path }, o)).toBe(want);
  });
});
