import fc from 'fast-check';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { yamlDuplicateKey } from '../../src/scenario/yaml-keys.js';

/** The library's own verdict: the offsets of its "Map keys must be unique" errors (in the order it composes). */
function libraryDuplicates(text: string): number[] {
  const doc = YAML.parseDocument(text, { prettyErrors: false });
  return doc.errors.filter((e) => e.code === 'DUPLICATE_KEY').map((e) => e.pos[0]);
}

function ours(text: string): number | null {
  return yamlDuplicateKey(YAML.parseDocument(text, { uniqueKeys: false }), YAML);
}

describe('yamlDuplicateKey', () => {
  it('finds a key given twice in any map, at the second, and no other', () => {
    expect(ours('a: 1\nb: 2\na: 3\n')).toBe(10);
    expect(ours('list:\n  - {x: 1, y: 2}\n  - {x: 1, x: 2}\n')).toBe(34);
    expect(ours('a: {b: {c: 1, c: 2}}\n')).toBe(14);
    // The same key in two maps, keys equal only as text, and complex keys are not given twice.
    expect(ours('a: {k: 1}\nb: {k: 2}\n')).toBeNull();
    expect(ours("{1: a, '1': b, true: c, 'true': d, null: e, '': f}")).toBeNull();
    expect(ours('? [a]\n: 1\n? [a]\n: 2\n')).toBeNull();
    expect(ours('x: &k {a: 1}\ny: *k\n')).toBeNull();
    // Maps inside the pairs of a list (`!!pairs`, `!!omap`) are looked at too.
    const pairs = 'r: !!pairs [ {files: {n: 1, n: 2}} ]\n';
    expect(ours(pairs)).toBe(libraryDuplicates(pairs)[0]);
    expect(ours(pairs)).not.toBeNull();
    // YAML 1.1's merge key may be given twice, as the library allows; not under YAML 1.2.
    const merged = '%YAML 1.1\n---\na: &a {x: 1}\nb:\n  <<: *a\n  <<: {y: 2}\n';
    expect(libraryDuplicates(merged)).toEqual([]);
    expect(ours(merged)).toBeNull();
    const plain = 'b:\n  <<: {x: 1}\n  <<: {y: 2}\n';
    expect(ours(plain)).toBe(libraryDuplicates(plain)[0]);
  });

  it("agrees with the library's own check on random maps", () => {
    const key = fc.constantFrom(
      'a',
      'b',
      '1',
      "'1'",
      '"a"',
      'true',
      '~',
      'null',
      "'b'",
      '0x1',
      '1.0',
      '.nan',
      '-0',
      '0',
      '',
    );
    const scalar = fc.constantFrom('1', 'x', "'y'", '[]', '{}');
    const node: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        scalar,
        fc
          .array(fc.tuple(key, tie('node')), { maxLength: 5 })
          .map((pairs) => `{${pairs.map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
        fc.array(tie('node'), { maxLength: 4 }).map((items) => `[${items.join(', ')}]`),
      ),
    })).node;
    fc.assert(
      fc.property(node, (text) => {
        const library = libraryDuplicates(text);
        const found = ours(text);
        // The same verdict, and a key the library refuses too (it may name another of them first).
        if (library.length === 0) expect(found).toBeNull();
        else expect(library).toContain(found);
      }),
      { numRuns: 1000 },
    );
  });
});
