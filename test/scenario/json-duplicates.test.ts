import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDuplicateKey } from '../../src/scenario/json-duplicates.js';

describe('jsonDuplicateKey', () => {
  it('finds the second occurrence of a key in one object, at any depth, as JSON.parse reads keys', () => {
    expect(jsonDuplicateKey('{"a": 1, "b": 2, "a": 3}')).toEqual({ key: 'a', offset: 17 });
    expect(jsonDuplicateKey('{"x": [{"a": 1}, {"a": 2, "\\u0061": 3}]}')).toEqual({ key: 'a', offset: 26 });
    expect(jsonDuplicateKey('{"a": {"a": {"a": "a"}}, "b": ["a", "a"]}')).toBeNull();
    expect(jsonDuplicateKey('{"a\\"": 1, "a\\\\": 2, "a": 3}')).toBeNull();
    expect(jsonDuplicateKey('[{"k": "v"}, {"k": "v"}]')).toBeNull();
    expect(jsonDuplicateKey('{"__proto__": 1, "__proto__": 2}')).toEqual({ key: '__proto__', offset: 17 });
  });

  it('agrees with JSON.parse on random JSON: a duplicate exactly when an object loses a key', () => {
    const keyArb = fc.constantFrom('a', 'b', 'é', '\u0061', 'a"', '"');
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), tie('object'), tie('array')),
      object: fc.array(fc.tuple(keyArb, tie('value')), { maxLength: 4 }),
      array: fc.array(tie('value'), { maxLength: 4 }),
    }));
    const write = (v: unknown): string =>
      Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string')
        ? `{${(v as [string, unknown][]).map(([k, e]) => `${JSON.stringify(k)}:${write(e)}`).join(',')}}`
        : Array.isArray(v)
          ? `[${v.map(write).join(', ')}]`
          : JSON.stringify(v);
    const losesKey = (v: unknown): boolean => {
      if (!Array.isArray(v)) return false;
      if (v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string')) {
        const keys = (v as [string, unknown][]).map(([k]) => k);
        return new Set(keys).size !== keys.length || (v as [string, unknown][]).some(([, e]) => losesKey(e));
      }
      return v.some(losesKey);
    };
    fc.assert(
      fc.property(json.object, (object) => {
        const text = write(object);
        JSON.parse(text);
        expect(jsonDuplicateKey(text) !== null).toBe(losesKey(object));
      }),
    );
  });
});
