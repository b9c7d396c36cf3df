import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEY_KINDS, RuleIndex, hashKey, hashStep, kindSeed } from '../../src/engine/rule-index.js';

function rulesUnder(index: RuleIndex, hash: number): number[] {
  const out: number[] = [];
  for (let r = index.first(hash); r >= 0; r = index.nextRule(r)) out.push(r);
  return out.sort((a, b) => a - b);
}

describe('RuleIndex', () => {
  it('finds every rule filed under a hash, and none under another, whatever the hashes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.integer({ min: -8, max: 8 }).map((h) => h * 0x1000_0000),
          { maxLength: 60 },
        ),
        (hashes) => {
          // Few distinct hashes, many of them equal modulo the table size: chains and probing both.
          const index = new RuleIndex(hashes.length);
          hashes.forEach((hash, rule) => index.add(hash | 0, rule));
          expect(index.size).toBe(hashes.length);
          for (const hash of new Set(hashes.map((h) => h | 0))) {
            const expected = hashes.flatMap((h, rule) => ((h | 0) === hash ? [rule] : []));
            expect(rulesUnder(index, hash)).toEqual(expected);
          }
          expect(index.first(12345)).toBe(-1);
        },
      ),
    );
  });

  it('holds as many rules as it was made for', () => {
    const index = new RuleIndex(10_000);
    for (let rule = 0; rule < 10_000; rule++) index.add(hashKey('exactPath', `c:/apps/${rule}.exe`), rule);
    for (let rule = 0; rule < 10_000; rule += 997) {
      expect(rulesUnder(index, hashKey('exactPath', `c:/apps/${rule}.exe`))).toContain(rule);
    }
  });
});

describe('key hashes', () => {
  it('differ by kind for the same text', () => {
    const hashes = new Set(KEY_KINDS.map((kind) => hashKey(kind, 'c:/program files/')));
    expect(hashes.size).toBe(KEY_KINDS.length);
  });

  it('hash a range as they hash that slice, and a running hash is the hash of each prefix', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', '/', 'É', '中', '😀', 'Z') }), (text) => {
        const last = text.lastIndexOf('/') + 1;
        expect(hashKey('baseName', text, last)).toBe(hashKey('baseName', text.slice(last)));
        let hash = kindSeed('pathPrefix');
        for (let i = 0; i < text.length; i++) {
          hash = hashStep(hash, text.charCodeAt(i));
          expect(hash | 0).toBe(hashKey('pathPrefix', text.slice(0, i + 1)));
        }
      }),
    );
  });
});
