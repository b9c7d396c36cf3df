import type { Structure } from './model.js';

/** What the processing order of SPEC.md section 2.5 looks at. */
export interface Sortable {
  readonly id: string;
  readonly order: number;
  readonly levelRank: number;
  readonly orgDepth: number;
  readonly builtIn: boolean;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Flat: order, then level rank, then organization depth, then id. */
export function compareFlat(a: Sortable, b: Sortable): number {
  return a.order - b.order || a.levelRank - b.levelRank || a.orgDepth - b.orgDepth || compareIds(a.id, b.id);
}

/** Hierarchical: level rank, then organization depth, then order, then id. */
export function compareHierarchical(a: Sortable, b: Sortable): number {
  return a.levelRank - b.levelRank || a.orgDepth - b.orgDepth || a.order - b.order || compareIds(a.id, b.id);
}

/** The full processing order: the built-in tier first when it applies, then the structure's key. */
export function processingComparator(
  structure: Structure,
  builtInsFirst: boolean,
): (a: Sortable, b: Sortable) => number {
  const byKey = structure === 'flat' ? compareFlat : compareHierarchical;
  if (!builtInsFirst) return byKey;
  return (a, b) => (a.builtIn === b.builtIn ? byKey(a, b) : a.builtIn ? -1 : 1);
}

/** A sorted copy. */
export function sortForProcessing<T extends Sortable>(
  items: readonly T[],
  structure: Structure,
  builtInsFirst: boolean,
): T[] {
  return [...items].sort(processingComparator(structure, builtInsFirst));
}
