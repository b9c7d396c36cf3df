/**
 * The nesting bound of scenario, fixture and config files, checked before
 * their data is made: every walk of the data after it (the schema, a
 * ringfence's copy) recurses, and so does the YAML library when it makes a
 * document of what it parsed (about 800 nested levels overflow the stack:
 * "Maximum call stack size exceeded").
 */
import type * as YamlModule from 'yaml';
import { MAX_JSON_DEPTH, jsonShapeOver } from '../engine/json-depth.js';

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
export function yamlDepthOver(tokens: Iterable<YamlModule.CST.Token>, maxDepth: number): number | null {
  for (const token of tokens) {
    if (token.type !== 'document') continue;
    const stack: [YamlModule.CST.Token | undefined, number][] = [[token.value, 1]];
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
 * The most entries (list items and map pairs, every collection's
 * together) a YAML scenario, fixture or config file may hold. The YAML
 * library takes about 1.3 KB of memory per entry whatever the entry (1.9
 * GB and 15 s for 2,000,000 one-letter items of a flow list, a 4 MB file;
 * its parser alone passed Node.js's heap limit, about 4 GB, on a 16 MiB
 * one), so a bound in bytes does not keep a file within the heap: a 16 MiB
 * YAML scenario written as usual holds about 1.2 million.
 */
export const MAX_YAML_ENTRIES = 1_500_000;
/**
 * The most values a JSON scenario, fixture or config file may hold,
 * counted as its `{`, `[` and `,` outside strings. JSON.parse takes 13 to
 * 105 bytes per value (an empty object 67), and a file written as usual
 * has one value per 19 bytes or so: 256 MiB of it holds about 14 million.
 */
export const MAX_JSON_VALUES = 16_000_000;

/**
 * The problem of a text nested deeper than MAX_JSON_DEPTH (`line L, column
 * C: nests deeper than 64 levels`) or holding more than MAX_YAML_ENTRIES
 * entries or MAX_JSON_VALUES values, or null: JSON when `yaml` (the YAML
 * library, loaded by the caller) is undefined, else YAML. Its parser,
 * which holds a whole document, runs only once the entries are within the
 * bound.
 */
export function depthProblem(text: string, yaml?: Pick<typeof YamlModule, 'Lexer' | 'Parser'>): string | null {
  if (yaml !== undefined) {
    const many = yamlEntriesOver(text, MAX_YAML_ENTRIES, yaml);
    if (many !== null) {
      return (
        `${lineAndColumn(text, many)}: holds more than ${MAX_YAML_ENTRIES} list items and map pairs, ` +
        'more than a YAML file is read with (its document would take gigabytes of memory); write it as JSON'
      );
    }
  }
  if (yaml !== undefined) {
    const deep = yamlDepthOver(new yaml.Parser().parse(text), MAX_JSON_DEPTH);
    return deep === null ? null : `${lineAndColumn(text, deep)}: nests deeper than ${MAX_JSON_DEPTH} levels`;
  }
  const over = jsonShapeOver(text, MAX_JSON_DEPTH, MAX_JSON_VALUES);
  if (over === null) return null;
  return over.deep
    ? `${lineAndColumn(text, over.index)}: nests deeper than ${MAX_JSON_DEPTH} levels`
    : `${lineAndColumn(text, over.index)}: holds more than ${MAX_JSON_VALUES} values, more than a JSON file is read with`;
}

/**
 * The offset where a YAML text's entries pass `maxEntries`, or null. Each
 * entry has one indicator at least (a pair its `:` or `?`, a block list's
 * item its `-`, a flow list's item the `,` after it or the `[` before it),
 * so a text with no more of those characters than the bound is within it,
 * found without the YAML library. Otherwise its tokens are counted (the
 * library's lexer, which keeps none of them): `:` and `?` of pairs, `-`
 * of block items, and a `,` or `[` of a flow list.
 */
export function yamlEntriesOver(
  text: string,
  maxEntries: number,
  yaml: Pick<typeof YamlModule, 'Lexer'>,
): number | null {
  let indicators = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // : ? - , [
    if (c === 0x3a || c === 0x3f || c === 0x2d || c === 0x2c || c === 0x5b) indicators++;
  }
  if (indicators <= maxEntries) return null;
  let entries = 0;
  let offset = 0;
  // The innermost flow collection's opening token ('[' or '{'), as a stack.
  const flows: string[] = [];
  for (const token of new yaml.Lexer().lex(text)) {
    switch (token) {
      case '[':
        flows.push(token);
        entries++;
        break;
      case '{':
        flows.push(token);
        break;
      case ']':
      case '}':
        flows.pop();
        break;
      case ',':
        if (flows.at(-1) === '[') entries++;
        break;
      case ':':
      case '?':
      case '-':
        entries++;
        break;
    }
    if (entries > maxEntries) return offset;
    // The lexer's markers of a document, a scalar and a flow's end are not in the text.
    if (token !== '\x02' && token !== '\x1f' && token !== '\x18') offset += token.length;
  }
  return null;
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
