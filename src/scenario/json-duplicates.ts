/**
 * The first key a JSON object gives twice. JSON.parse keeps the last
 * silently; configuration files refuse it, as YAML does. The text must be
 * valid JSON (JSON.parse took it): the walk only tells strings, the
 * punctuation and the values apart. Walked without recursion, so any
 * nesting JSON.parse took is walked.
 */

/** The key given twice, as JSON.parse reads it, and the offset of its second occurrence; null when none is. */
export function jsonDuplicateKey(text: string): { key: string; offset: number } | null {
  // One entry per open collection: the keys of an object so far, null for an array.
  const open: (Set<string> | null)[] = [];
  // Whether the next string of the innermost object is a key (after `{` or `,`).
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: to its closing quote, escapes skipped.
      const start = i;
      i++;
      while (i < text.length && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
      const keys = open.at(-1);
      if (expectKey && keys !== undefined && keys !== null) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (keys.has(key)) return { key, offset: start };
        keys.add(key);
      }
      expectKey = false;
    } else if (c === 0x7b) {
      open.push(new Set());
      expectKey = true;
    } else if (c === 0x5b) {
      open.push(null);
      expectKey = false;
    } else if (c === 0x7d || c === 0x5d) {
      open.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      expectKey = open.at(-1) instanceof Set;
    }
  }
  return null;
}
