/** The nesting bound of JSON texts (admin request bodies, scenario and fixture files), checked before they are parsed. */

/**
 * The deepest nesting of objects and lists a JSON text may have. A world
 * needs about six levels; a body past this is refused with 400
 * `body-too-deep`, a file with an error naming the line, before either is
 * parsed.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The index of the first `{` or `[` that opens a level deeper than
 * `maxDepth` (outside strings), or null when the text stays within it.
 * Linear in the text and iterative, so no body can overflow the stack here.
 */
export function jsonDepthOver(text: string, maxDepth: number): number | null {
  const over = jsonShapeOver(text, maxDepth, Infinity);
  return over === null ? null : over.index;
}

/**
 * In one pass over a JSON text (outside strings): the index of the first
 * `{` or `[` that opens a level deeper than `maxDepth` (`deep`); else of
 * the `{`, `[` or `,` past which the text holds more than `maxValues` of
 * them; null when it stays within both.
 */
export function jsonShapeOver(
  text: string,
  maxDepth: number,
  maxValues: number,
): { index: number; deep: boolean } | null {
  let depth = 0;
  let values = 0;
  let valuesOver = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > maxDepth) return { index: i, deep: true };
      if (++values > maxValues && valuesOver < 0) valuesOver = i;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c) {
      if (++values > maxValues && valuesOver < 0) valuesOver = i;
    }
  }
  return valuesOver < 0 ? null : { index: valuesOver, deep: false };
}
