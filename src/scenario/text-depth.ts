/**
 * The nesting bound of scenario, fixture and config files, checked before
 * their data is made: every walk of the data after it (the schema, a
 * ringfence's copy) recurses, and so does the YAML library when it makes a
 * document of what it parsed (about 800 nested levels overflow the stack:
 * "Maximum call stack size exceeded").
 */
import type { CST } from 'yaml';
import { MAX_JSON_DEPTH, jsonDepthOver } from '../engine/json-depth.js';

/** `line L, column C` of an offset of a text (both from 1). */
export function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/**
 * The offset of the first collection of a YAML text nested deeper than
 * `maxDepth` (the top collection is the first level, as in jsonDepthOver),
 * or null, from the tokens of the YAML library's parser (which keeps its own
 * stack: `new Parser().parse(text)`). Walked without recursion.
 */
export function yamlDepthOver(tokens: Iterable<CST.Token>, maxDepth: number): number | null {
  for (const token of tokens) {
    if (token.type !== 'document') continue;
    const stack: [CST.Token | undefined, number][] = [[token.value, 1]];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      const [node, depth] = next;
      if (node?.type !== 'block-map' && node?.type !== 'block-seq' && node?.type !== 'flow-collection') continue;
      if (depth > maxDepth) return node.offset;
      // A pair in a flow sequence (`[a: 1]`) is a map of its own inside it: a level more.
      const sequence = node.type === 'flow-collection' && node.start.type === 'flow-seq-start';
      for (const item of node.items) {
        const pair =
          sequence &&
          ((item.key !== undefined && item.key !== null) || item.sep?.some((t) => t.type === 'map-value-ind') === true);
        const inner = depth + (pair ? 2 : 1);
        if (pair && inner - 1 > maxDepth) return node.offset;
        stack.push([item.key ?? undefined, inner], [item.value, inner]);
      }
    }
  }
  return null;
}

/**
 * The problem of a text nested deeper than MAX_JSON_DEPTH (`line L, column
 * C: nests deeper than 64 levels`), or null: JSON when `yamlTokens` is
 * undefined, else YAML given as its parser's tokens.
 */
export function depthProblem(text: string, yamlTokens?: Iterable<CST.Token>): string | null {
  const deep =
    yamlTokens === undefined ? jsonDepthOver(text, MAX_JSON_DEPTH) : yamlDepthOver(yamlTokens, MAX_JSON_DEPTH);
  return deep === null ? null : `${lineAndColumn(text, deep)}: nests deeper than ${MAX_JSON_DEPTH} levels`;
}

/**
 * Whether parsed data nests objects and lists deeper than `maxDepth` (the
 * top one is the first level). YAML aliases can repeat a node inside
 * another: the text's depth does not bound the data's. Walked without
 * recursion, and no further than `maxDepth + 1` levels.
 */
export function dataDepthOver(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, depth] = next;
    if (node === null || typeof node !== 'object') continue;
    if (depth > maxDepth) return true;
    for (const child of Array.isArray(node) ? (node as unknown[]) : Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** The problem of YAML data nested past MAX_JSON_DEPTH through its aliases, or null. */
export function aliasDepthProblem(value: unknown): string | null {
  return dataDepthOver(value, MAX_JSON_DEPTH)
    ? `nests deeper than ${MAX_JSON_DEPTH} levels through its aliases (*name), which repeat nodes inside others`
    : null;
}
