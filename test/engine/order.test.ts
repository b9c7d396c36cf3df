/** SPEC.md sections 1 and 2.5: level ranks and the two sort keys with every tie-break. */
import { describe, expect, it } from 'vitest';
import { LEVEL_RANK } from '../../src/engine/model.js';
import {
  type Sortable,
  compareFlat,
  compareHierarchical,
  processingComparator,
  sortForProcessing,
} from '../../src/engine/order.js';
import { appliesToLevel } from '../../src/engine/world.js';
import { seededRandom, shuffleList } from '../support/arbitraries.js';

function s(id: string, order: number, levelRank: number, orgDepth: number, builtIn = false): Sortable {
  return { id, order, levelRank, orgDepth, builtIn };
}

describe('level rank', () => {
  it('is global, globalGroup, organization, computer, group', () => {
    expect(LEVEL_RANK).toEqual({ global: 0, globalGroup: 1, organization: 2, computer: 3, group: 4 });
    expect(Object.isFrozen(LEVEL_RANK)).toBe(true);
  });

  it.each([
    [{ global: 'o' }, 'global'],
    [{ globalGroup: { org: 'o', keyword: 'k' } }, 'globalGroup'],
    [{ organization: 'o' }, 'organization'],
    [{ group: 'g' }, 'group'],
    [{ computer: 'c' }, 'computer'],
  ] as const)('appliesToLevel(%j) = %s', (appliesTo, level) => {
    expect(appliesToLevel(appliesTo)).toBe(level);
  });
});

describe('flat key: order, level rank, organization depth, id', () => {
  it.each<[string, Sortable, Sortable]>([
    ['lower order first, whatever the level', s('z', 1, 4, 3), s('a', 2, 0, 0)],
    ['negative order first', s('z', -1, 4, 3), s('a', 0, 0, 0)],
    ['equal order: lower level rank first', s('z', 5, 0, 3), s('a', 5, 1, 0)],
    ['equal order: computer (3) before group (4)', s('z', 5, 3, 3), s('a', 5, 4, 0)],
    ['equal order and level: ancestor first', s('z', 5, 2, 0), s('a', 5, 2, 1)],
    ['equal order, level and depth: smaller id first', s('a', 5, 2, 1), s('b', 5, 2, 1)],
    ['ids compare by code unit (upper case first)', s('B', 5, 2, 1), s('a', 5, 2, 1)],
  ])('%s', (_name, first, second) => {
    expect(compareFlat(first, second)).toBeLessThan(0);
    expect(compareFlat(second, first)).toBeGreaterThan(0);
  });

  it('the same item is equal to itself', () => {
    expect(compareFlat(s('a', 1, 1, 1), s('a', 1, 1, 1))).toBe(0);
  });
});

describe('hierarchical key: level rank, organization depth, order, id', () => {
  it.each<[string, Sortable, Sortable]>([
    ['lower level rank first, whatever the order', s('z', 100, 2, 0), s('a', 1, 4, 0)],
    ['lower level rank first, whatever the depth', s('z', 1, 0, 3), s('a', 1, 1, 0)],
    ['computer (3) before group (4)', s('z', 9, 3, 0), s('a', 1, 4, 0)],
    ['equal level: ancestor first, whatever the order', s('z', 100, 0, 0), s('a', -5, 0, 1)],
    ['equal level and depth: lower order first', s('z', -3, 2, 1), s('a', 0, 2, 1)],
    ['equal level, depth and order: smaller id first', s('a', 5, 2, 1), s('b', 5, 2, 1)],
  ])('%s', (_name, first, second) => {
    expect(compareHierarchical(first, second)).toBeLessThan(0);
    expect(compareHierarchical(second, first)).toBeGreaterThan(0);
  });
});

describe('the built-in tier', () => {
  const items = [
    s('custom-1', 1, 0, 0),
    s('builtin-9', 9, 4, 2, true),
    s('custom-2', 2, 0, 0),
    s('builtin-3', 3, 4, 2, true),
  ];

  it.each<['flat' | 'hierarchical', boolean, string[]]>([
    ['flat', true, ['builtin-3', 'builtin-9', 'custom-1', 'custom-2']],
    ['flat', false, ['custom-1', 'custom-2', 'builtin-3', 'builtin-9']],
    ['hierarchical', true, ['builtin-3', 'builtin-9', 'custom-1', 'custom-2']],
    ['hierarchical', false, ['custom-1', 'custom-2', 'builtin-3', 'builtin-9']],
  ])('%s, built-ins first %s', (structure, builtInsFirst, expected) => {
    expect(sortForProcessing(items, structure, builtInsFirst).map((i) => i.id)).toEqual(expected);
  });

  it('comparator: a built-in before a custom item whatever the keys', () => {
    const cmp = processingComparator('flat', true);
    expect(cmp(s('z', 1000, 4, 9, true), s('a', -1000, 0, 0))).toBeLessThan(0);
    expect(cmp(s('a', -1000, 0, 0), s('z', 1000, 4, 9, true))).toBeGreaterThan(0);
  });

  it('without the tier the comparator is the plain key', () => {
    expect(processingComparator('flat', false)).toBe(compareFlat);
    expect(processingComparator('hierarchical', false)).toBe(compareHierarchical);
  });

  it('sortForProcessing returns a copy', () => {
    const copy = [...items];
    sortForProcessing(items, 'flat', true);
    expect(items).toEqual(copy);
  });

  it('the sort is total: every permutation sorts the same', () => {
    const many = [
      s('a', 5, 0, 0),
      s('b', 5, 0, 0),
      s('c', 5, 0, 1),
      s('d', 5, 1, 0),
      s('e', 4, 4, 2),
      s('f', 5, 0, 0, true),
      s('g', -1, 3, 1),
    ];
    for (const structure of ['flat', 'hierarchical'] as const) {
      for (const tier of [true, false]) {
        const want = sortForProcessing(many, structure, tier).map((i) => i.id);
        const random = seededRandom(42);
        for (let k = 0; k < 50; k++) {
          expect(sortForProcessing(shuffleList(many, random), structure, tier).map((i) => i.id)).toEqual(want);
        }
      }
    }
  });
});
