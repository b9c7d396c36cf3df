import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonErrorOffset } from '../../src/scenario/json-position.js';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('jsonErrorOffset', () => {
  it.each([
    ['{"a": [1,]}', 9],
    ['{"a": 1 "b": 2}', 8],
    ['{"a": tru}', 6],
    ['{"a": 1}}', 8],
    ['{"a": "x', 8],
    ['01', 1],
    ['"\\x"', 2],
    ['', 0],
  ])('finds the error in %j at %i', (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
  });

  it('agrees with JSON.parse on valid JSON and on corrupted JSON', () => {
    const corrupted = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', ']', '}', '"', ':', '\\', '0', ' ', 'e', '-', '.'))
      .map(([json, at, insert]) => {
        const i = at % (json.length + 1);
        return `${json.slice(0, i)}${insert}${json.slice(i + (insert === '' ? 1 : 0))}`;
      });
    fc.assert(
      fc.property(fc.oneof(fc.json(), corrupted), (text) => {
        expect(jsonErrorOffset(text) === null).toBe(parses(text));
      }),
      { numRuns: 2000 },
    );
  });
});
