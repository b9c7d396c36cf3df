/** The final sigma and the sigma: one letter, written two ways. */
const FINAL_SIGMA = 'ς';
const SIGMA = 'σ';

/**
 * Text folded for a case-insensitive comparison (SPEC.md: matching on
 * windows and macos, certificate subjects, approval categories, group
 * keywords): each character lower-cased on its own, so that the folded text
 * has as many characters as the text and `?` matches one character of
 * either. Two characters differ from JavaScript's toLowerCase: a capital
 * sigma at the end of a word is `σ`, not `ς`, and `ς` is `σ` too (the same
 * letter: Σ, σ and ς compare equal, as they do on Windows); and a character
 * whose lower case is longer is kept as it is (`İ`, U+0130, would become
 * `i` and a combining dot: it stays `İ`, equal to itself only, as Windows
 * compares it).
 */
export function foldCase(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length && !lower.includes(FINAL_SIGMA)) return lower;
  let out = '';
  for (const ch of text) {
    const folded = ch.toLowerCase();
    out += folded.length !== ch.length ? ch : folded === FINAL_SIGMA ? SIGMA : folded;
  }
  return out;
}
