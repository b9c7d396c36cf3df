// canonicalJson: the text the server hashes to tell whether a view changed. It must be the same text for the
// same content, whatever the key order, and the same text release after release (stored view hashes are
// compared with it after an upgrade): keys sorted by UTF-16 code units at every level, members whose value is
// undefined left out, everything else as JSON.stringify writes it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/server/view-hash.js';

/** The definition, written out member by member. */
function byDefinition(value: unknown): string {
  if (Array.isArray(value))
    return `[${value.map((v: unknown) => (v === undefined ? 'null' : byDefinition(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).filter((k) => record[k] !== undefined);
    keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${byDefinition(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const key = fc.oneof(
  fc.constantFrom('id', 'name', 'app', '10', '2', '', 'a"b', 'tab\t', 'é', '\u2028', '__proto_', '$x'),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
);
const leaf = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('tree'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('tree'), { maxKeys: 5 }),
}));

describe('canonicalJson', () => {
  it('writes any value as the definition does', () => {
    fc.assert(
      fc.property(tree, (value) => {
        expect(canonicalJson(value)).toBe(byDefinition(value));
      }),
      { numRuns: 2_000, seed: 20261206 },
    );
  });

  it('gives the same text whatever the order of the keys', () => {
    const a = { order: 5, id: 'p1', app: null, ringfence: { b: [1, { y: 2, x: 1 }], a: 'z' }, name: undefined };
    const b = { ringfence: { a: 'z', b: [1, { x: 1, y: 2 }] }, app: null, id: 'p1', order: 5 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"app":null,"id":"p1","order":5,"ringfence":{"a":"z","b":[1,{"x":1,"y":2}]}}');
    // Integer-like keys sort as text, not in the order the engine keeps them.
    expect(canonicalJson({ 10: 'x', 2: 'y', b: 1 })).toBe('{"10":"x","2":"y","b":1}');
  });
});
