/**
 * Text from outside (an approval request's user, reason and file path, an
 * agent's suggestion, a scenario's case names) as it is shown to a person on
 * one line of a terminal or a mail: the characters that would act rather than
 * show are written as `\uXXXX`. Those are the control characters (a newline,
 * a carriage return, the escape that starts a terminal's sequences, DEL and
 * the C1 controls), the line and paragraph separators, and the invisible
 * marks and overrides of the Unicode bidirectional algorithm (U+061C,
 * U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069), which reorder what a
 * reader sees (a file name that reads "exe.txt" backwards). A lone UTF-16
 * surrogate is shown the same way.
 */

const ACTING =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `\uXXXX` for a UTF-16 unit. */
export function escapeUnit(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** `text` on one line, every character that would act written as `\uXXXX` (see above). */
export function oneLine(text: string): string {
  return text.replace(ACTING, escapeUnit);
}

/** Text of several lines (ended by LF or CRLF), each shown as oneLine shows it, joined by a newline and `indent`. */
export function linesOf(text: string, indent: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => oneLine(line))
    .join(`\n${indent}`);
}
