/**
 * Keys given twice in one YAML map, found in linear time. The YAML
 * library's own check (`uniqueKeys`) compares each new key with every key
 * before it: a map of 20,000 keys took 2.4 s to read, one of 200,000 keys
 * (a 2.4 MB file) 405 s. Documents are read with that check off and this
 * one run on what they hold; keys compare as the library compares them (a
 * scalar by its value and type, any other node only with itself).
 */
import type * as YamlModule from 'yaml';

/** The library's node tests (given: a JSON config is read without loading the library). */
type NodeTests = Pick<typeof YamlModule, 'isAlias' | 'isMap' | 'isPair' | 'isScalar' | 'isSeq'>;

/** The source offset of the first key given twice in one map of `doc`, or null. */
export function yamlDuplicateKey(doc: YamlModule.Document.Parsed, yaml: NodeTests): number | null {
  const { isAlias, isMap, isPair, isScalar, isSeq } = yaml;
  // Under YAML 1.1's merge keys (`%YAML 1.1`), `<<` may be given more than once, as the library allows.
  const merges = doc.schema.tags.some((tag) => tag.tag === MERGE_TAG && Boolean(tag.default));
  const stack: unknown[] = [doc.contents];
  const inside = (pair: YamlModule.Pair): void => {
    const key = pair.key as YamlModule.Node | null;
    if (key !== null && !isAlias(key)) stack.push(key);
    // Nothing undefined on the stack: popping it would end the walk.
    if (pair.value !== undefined && pair.value !== null) stack.push(pair.value);
  };
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (isSeq(node)) {
      // A pair in a list (`!!pairs`, `!!omap`) may hold maps too.
      for (const item of node.items) {
        if (isPair(item)) inside(item);
        else if (item !== undefined && item !== null) stack.push(item);
      }
    } else if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key as YamlModule.Node | null;
        // The library reads such a key as the symbol `<<` (or tagged as a merge).
        const merge =
          merges && isScalar(key) && (typeof key.value === 'symbol' || key.value === '<<' || key.tag === MERGE_TAG);
        if (!merge) {
          const identity = key === null ? NO_KEY : isScalar(key) ? scalarIdentity(key.value) : key;
          if (seen.has(identity)) return key?.range?.[0] ?? 0;
          seen.add(identity);
        }
        inside(pair);
      }
    }
  }
  return null;
}

/** The tag of YAML 1.1's merge key. */
const MERGE_TAG = 'tag:yaml.org,2002:merge';

/** A pair with no key (`{: a}`): two of them are the same key, as for the library. */
const NO_KEY = Symbol('no key');

/** A scalar key's value with its type, so that `1` and `'1'` are two keys and `~` and `null` one (as for the library). */
function scalarIdentity(value: unknown): unknown {
  // NaN equals no value, itself included.
  if ((value !== null && typeof value === 'object') || Number.isNaN(value)) return {};
  return `${typeof value}:${String(value)}`;
}
