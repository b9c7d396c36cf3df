/**
 * Where a JSON text first goes wrong. JSON.parse on Node 20 does not always say
 * (`Unexpected token ']', ... is not valid JSON`), and a problem must name a line.
 */

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /[0-9a-fA-F]{4}/y;
const WHITESPACE = ' \t\n\r';
const ESCAPES = '"\\/bfnrt';

/** Thrown inside the scan to unwind to the offset where it stopped. */
class ScanStop extends Error {
  readonly offset: number;

  constructor(offset: number) {
    super(`JSON syntax error at offset ${offset}`);
    this.offset = offset;
  }
}

/** The offset of the first syntax error of a JSON text, or null when it is valid JSON. */
export function jsonErrorOffset(text: string): number | null {
  let i = 0;
  const fail = (): never => {
    throw new ScanStop(i);
  };
  const skipWhitespace = (): void => {
    while (i < text.length && WHITESPACE.includes(text.charAt(i))) i++;
  };
  const expect = (char: string): void => {
    if (text.charAt(i) !== char) fail();
    i++;
  };
  const matchSticky = (pattern: RegExp): boolean => {
    pattern.lastIndex = i;
    if (!pattern.test(text)) return false;
    i = pattern.lastIndex;
    return true;
  };
  const string = (): void => {
    expect('"');
    for (;;) {
      const c = text.charAt(i);
      if (c === '' || c < ' ') fail();
      i++;
      if (c === '"') return;
      if (c !== '\\') continue;
      const escape = text.charAt(i);
      i++;
      if (escape === 'u') {
        if (!matchSticky(HEX4)) fail();
      } else if (escape === '' || !ESCAPES.includes(escape)) {
        i--;
        fail();
      }
    }
  };
  const sequence = (close: string, item: () => void): void => {
    i++;
    skipWhitespace();
    if (text.charAt(i) === close) {
      i++;
      return;
    }
    for (;;) {
      item();
      skipWhitespace();
      if (text.charAt(i) !== ',') break;
      i++;
    }
    expect(close);
  };
  const value = (): void => {
    skipWhitespace();
    const c = text.charAt(i);
    if (c === '{') {
      sequence('}', () => {
        skipWhitespace();
        string();
        skipWhitespace();
        expect(':');
        value();
      });
    } else if (c === '[') {
      sequence(']', value);
    } else if (c === '"') {
      string();
    } else {
      const literal = ['true', 'false', 'null'].find((l) => text.startsWith(l, i));
      if (literal !== undefined) i += literal.length;
      else if (!matchSticky(NUMBER)) fail();
    }
  };
  try {
    value();
    skipWhitespace();
    if (i < text.length) fail();
    return null;
  } catch (err) {
    if (err instanceof ScanStop) return err.offset;
    throw err;
  }
}
