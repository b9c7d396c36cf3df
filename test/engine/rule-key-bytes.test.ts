/**
 * A rule's index keys worked out from its strings' bytes (rule-key-bytes.ts)
 * are the keys matcher.ts ruleKeys gives the decoded rule, hashed as the
 * index files them, in the same order; a rule the bytes cannot do is left to
 * ruleKeys with nothing written.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ruleKeys } from '../../src/engine/matcher.js';
import { type AppRule, OS_NAMES, type OsName, RULE_FIELDS } from '../../src/engine/model.js';
import { type KeyOut, maxKeysOfBytes, ruleKeyBytes } from '../../src/engine/rule-key-bytes.js';
import { KIND_NUMBER, keyHash } from '../../src/engine/rule-index.js';

const ENCODER = new TextEncoder();

/** The rule's strings as a string table (bytes and offsets) and its fields as string numbers. */
function table(rule: AppRule): { bytes: Uint8Array; offsets: Uint32Array; fields: Int32Array; total: number } {
  const parts: Uint8Array[] = [];
  const offsets = [0];
  const fields = new Int32Array(RULE_FIELDS.length).fill(-1);
  RULE_FIELDS.forEach((field, k) => {
    const text = rule[field];
    if (text === undefined) return;
    const bytes = ENCODER.encode(text);
    fields[k] = parts.length;
    parts.push(bytes);
    offsets.push((offsets[offsets.length - 1] as number) + bytes.length);
  });
  const total = offsets[offsets.length - 1] as number;
  const bytes = new Uint8Array(total);
  parts.forEach((p, i) => bytes.set(p, offsets[i]));
  return { bytes, offsets: Uint32Array.from(offsets), fields, total };
}

/** [hash, kind number] of every key ruleKeyBytes writes (after two keys already there), or null when it leaves the rule. */
function byteKeys(rule: AppRule, os: OsName): [number, number][] | null {
  const { bytes, offsets, fields, total } = table(rule);
  const room = 2 + maxKeysOfBytes(total);
  const out: KeyOut = { hashes: new Int32Array(room).fill(7), kinds: new Uint8Array(room).fill(7), count: 2 };
  if (!ruleKeyBytes(bytes, offsets, fields, 0, os, out)) {
    expect(out.count).toBe(2);
    return null;
  }
  const keys: [number, number][] = [];
  for (let k = 2; k < out.count; k++) keys.push([out.hashes[k] as number, out.kinds[k] as number]);
  return keys;
}

function expectedKeys(rule: AppRule, os: OsName): [number, number][] {
  return ruleKeys(rule, os).map((key) => [keyHash(key.kind, key.text), KIND_NUMBER.get(key.kind) as number]);
}

const PATTERNS = [
  'C:\\Program Files\\Contoso\\app.exe',
  'C:/Program Files/Contoso/App.EXE',
  'C:\\Program Files\\Contoso\\**',
  'C:\\Program Files\\**\\*.dll',
  '**/Setup.exe',
  '**\\setup-*.exe',
  'C:\\Users\\*\\AppData\\Local\\Temp\\*.exe',
  '/usr/local/bin/tool',
  '/opt/*/bin/tool?',
  '/opt/vendor/**',
  '*.exe',
  '?',
  '**',
  '',
  '/',
  '//a//b*//',
  'a/b/c',
  'regex:^C:\\\\Tools\\\\.*\\.exe$',
  'regex:(',
  'C:\\Programme\\Müller\\app.exe',
  'C:\\Programme\\Müller\\*.exe',
  '/home/日本/**',
];

describe('rule keys from bytes', () => {
  it('are the keys ruleKeys gives, for every operating system and pattern, in every path-like field', () => {
    let byBytes = 0;
    for (const os of OS_NAMES) {
      for (const pattern of PATTERNS) {
        for (const field of ['path', 'processPath', 'createdBy'] as const) {
          for (const subject of [undefined, 'CN=Contoso Ltd', 'CN=Müller']) {
            const rule: AppRule = { [field]: pattern, ...(subject === undefined ? {} : { certSubject: subject }) };
            const got = byteKeys(rule, os);
            if (got === null) continue;
            byBytes++;
            expect(got, `${os} ${JSON.stringify(rule)}`).toEqual(expectedKeys(rule, os));
          }
        }
      }
    }
    expect(byBytes).toBeGreaterThan(200);
  });

  it('leave to ruleKeys what the bytes cannot do: regex, text beyond ASCII, globs with no literal segment', () => {
    for (const rule of [
      { path: 'regex:^a$' },
      { path: 'C:\\Tools\\app.exe', processPath: 'regex:(' },
      { path: 'C:\\Müller\\*.exe' },
      { path: '*.exe' },
      { path: '**\\*', certSubject: 'CN=a' },
      { path: '**/x/*', certSubject: 'CN=Müller' },
    ] satisfies AppRule[]) {
      expect(byteKeys(rule, 'windows'), JSON.stringify(rule)).toBeNull();
    }
  });

  it('on random rules of several fields: the keys ruleKeys gives, whenever the bytes do', () => {
    const piece = fc.constantFrom('C:', 'Program Files', 'Contoso', '**', '*', '*.exe', 'a?c', 'App.EXE', 'x', '');
    const pattern = fc
      .tuple(fc.array(piece, { maxLength: 5 }), fc.constantFrom('/', '\\'))
      .map(([pieces, sep]) => pieces.join(sep));
    const rule = fc.record(
      {
        path: pattern,
        processPath: pattern,
        createdBy: pattern,
        certSubject: fc.constantFrom('CN=Contoso', 'O=Fabrikam, C=US', ''),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(rule, fc.constantFrom(...OS_NAMES), (r, os) => {
        const got = byteKeys(r, os);
        if (got !== null) expect(got).toEqual(expectedKeys(r, os));
      }),
      { numRuns: 2000 },
    );
  });
});
