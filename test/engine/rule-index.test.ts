import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  GRAM_BASE,
  KEY_KINDS,
  KeyCounts,
  KeyFilter,
  RuleIndex,
  gramBasePower,
  gramHash,
  gramPoly,
  hashKey,
  hashStep,
  kindSeed,
  mix32,
} from '../../src/engine/rule-index.js';

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

  it('files rules in increasing order only, so every chain goes to lower rule numbers', () => {
    const index = new RuleIndex(10);
    index.add(7, 3);
    index.add(7, 5);
    expect(() => index.add(7, 5)).toThrow(/rule 5 filed after rule 5/);
    expect(() => index.add(9, 4)).toThrow(/increasing order/);
    expect(index.first(7)).toBe(5);
    expect(index.nextRule(5)).toBe(3);
    expect(index.nextRule(3)).toBe(-1);
  });

  it('holds as many rules as it was made for', () => {
    const index = new RuleIndex(10_000);
    for (let rule = 0; rule < 10_000; rule++) index.add(hashKey('path:exact', `c:/apps/${rule}.exe`), rule);
    for (let rule = 0; rule < 10_000; rule += 997) {
      expect(rulesUnder(index, hashKey('path:exact', `c:/apps/${rule}.exe`))).toContain(rule);
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
        expect(hashKey('path:name', text, last)).toBe(hashKey('path:name', text.slice(last)));
        let hash = kindSeed('path:segment');
        for (let i = 0; i < text.length; i++) {
          hash = hashStep(hash, text.charCodeAt(i));
          expect(hash | 0).toBe(hashKey('path:segment', text.slice(0, i + 1)));
        }
      }),
    );
  });
});

describe('gram hashes', () => {
  it('roll: each window of a text hashes as that slice does', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', '/', 'É', '中', 'Z', '.'), maxLength: 30 }),
        fc.integer({ min: 1, max: 8 }),
        (text, length) => {
          if (text.length < length) return;
          const out = gramBasePower(length - 1);
          let poly = gramPoly(text, 0, length);
          for (let i = 0; ; i++) {
            expect(mix32(poly ^ kindSeed('path:gram'))).toBe(gramHash('path:gram', text.slice(i, i + length)));
            if (i + length >= text.length) break;
            poly = (Math.imul(poly - Math.imul(text.charCodeAt(i), out), GRAM_BASE) + text.charCodeAt(i + length)) | 0;
          }
        },
      ),
    );
  });

  it('differ by kind', () => {
    expect(gramHash('path:gram', 'vendor')).not.toBe(gramHash('processPath:gram', 'vendor'));
  });
});

describe('KeyFilter and KeyCounts', () => {
  it('a filter never forgets a key it was given, and says no to most others', () => {
    const filter = new KeyFilter(1_000);
    for (let k = 0; k < 1_000; k++) filter.add(hashKey('path:segment', `seg${k}`));
    for (let k = 0; k < 1_000; k++) expect(filter.has(hashKey('path:segment', `seg${k}`))).toBe(true);
    let wrong = 0;
    for (let k = 0; k < 10_000; k++) if (filter.has(hashKey('path:segment', `other${k}`))) wrong++;
    expect(wrong).toBeLessThan(1_000);
  });

  it('counts at least as many as were added', () => {
    const counts = new KeyCounts(100);
    for (let k = 0; k < 100; k++) for (let j = 0; j <= k % 5; j++) counts.add(hashKey('certSubject', `s${k}`));
    for (let k = 0; k < 100; k++)
      expect(counts.get(hashKey('certSubject', `s${k}`))).toBeGreaterThanOrEqual((k % 5) + 1);
  });

  it('a count stops at 65,535 rather than wrapping round to a rare one', () => {
    const counts = new KeyCounts(100);
    const common = hashKey('certSubject', 'common');
    for (let k = 0; k < 70_000; k++) counts.add(common);
    expect(counts.get(common)).toBe(65_535);
    counts.add(common);
    expect(counts.get(common)).toBe(65_535);
  });
});
