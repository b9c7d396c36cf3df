// Text from outside shown on one line (src/engine/display-text.ts): what would act instead of show is escaped.
import { describe, expect, it } from 'vitest';
import { linesOf, oneLine } from '../../src/engine/display-text.js';

describe('oneLine', () => {
  it('escapes control characters, line separators and bidirectional marks, and nothing else', () => {
    expect(oneLine('a\nb\r\u001b[8mc\u007f\u0085')).toBe('a\\u000ab\\u000d\\u001b[8mc\\u007f\\u0085');
    expect(oneLine('gpj\u202Eexe.txt')).toBe('gpj\\u202eexe.txt');
    for (const mark of ['\u061c', '\u200e', '\u200f', '\u2028', '\u2029', '\u202a', '\u202d', '\u2066', '\u2069']) {
      expect(oneLine(`x${mark}y`)).toBe(`x\\u${mark.charCodeAt(0).toString(16).padStart(4, '0')}y`);
    }
    // A lone surrogate is escaped, a pair is a character.
    expect(oneLine('\ud83d!')).toBe('\\ud83d!');
    expect(oneLine('!\ude00')).toBe('!\\ude00');
    const shown = 'C:\\Program Files\\Café 😀\\app.exe \u05e9\u05dc\u05d5\u05dd\t'.slice(0, -1);
    expect(oneLine(shown)).toBe(shown);
  });

  it('keeps the lines of a text of several lines, each on its own with an indent', () => {
    expect(linesOf('one\ntwo\u001b\n', '  ')).toBe('one\n  two\\u001b\n  ');
    expect(linesOf('one\r\ntwo\rthree', '  ')).toBe('one\n  two\\u000dthree');
  });
});
