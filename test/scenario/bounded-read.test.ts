import { chmod, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import {
  BOUNDED_READ_CODES,
  readBounded,
  readBoundedFile,
  readBoundedSync,
  readBoundedText,
  utf8Text,
} from '../../src/scenario/bounded-read.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-bounded-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(read: Promise<unknown>): Promise<TollgateError> {
  const error = await read.catch((err: unknown) => err);
  expect(error).toBeInstanceOf(TollgateError);
  return error as TollgateError;
}

describe('readBounded', () => {
  it('reads a file of exactly the bound, and refuses one byte more before reading it', async () => {
    const file = join(dir, 'exact.txt');
    await writeFile(file, 'héllo');
    const bytes = Buffer.byteLength('héllo');
    expect(await readBoundedText(file, bytes, 'too large')).toBe('héllo');
    const over = await failure(readBounded(file, bytes - 1, 'is too large'));
    expect(over.code).toBe(BOUNDED_READ_CODES.tooLarge);
    expect(over.message).toBe('is too large');
    // A sparse file of 1 TiB is refused by its size: nothing is read or allocated.
    const huge = join(dir, 'huge.bin');
    await writeFile(huge, '');
    await truncate(huge, 2 ** 40);
    expect((await failure(readBounded(huge, 1024, 'huge'))).code).toBe(BOUNDED_READ_CODES.tooLarge);
  });

  it('reads an empty file and a file the system reports as empty (/proc) whole', async () => {
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '');
    expect((await readBounded(empty, 10, 'x')).length).toBe(0);
    const status = await readBoundedText('/proc/self/status', 1024 * 1024, 'x');
    expect(status).toMatch(/^Name:/);
    expect(status).toContain('VmRSS:');
  });

  // A FIFO, whose open would wait without end before this check, is met by the CLI's process tests
  // (test/cli/user-files.test.ts), which can kill what waits.
  it('refuses what is not a regular file at once, naming what it is, before it is read', async () => {
    const socketPath = join(dir, 'listening.sock');
    const listener = createServer();
    await new Promise<void>((done) => listener.listen(socketPath, done));
    try {
      for (const [file, kind] of [
        ['/dev/zero', 'a character device'],
        [socketPath, 'a socket'],
        [dir, 'a folder'],
      ] as const) {
        const error = await failure(readBounded(file, 3 * 1024 * 1024 + 5, 'past the bound'));
        expect(error.code).toBe(BOUNDED_READ_CODES.unreadable);
        expect(error.message).toBe(`cannot be read: it is ${kind}, not a regular file`);
        expect(() => readBoundedSync(file, 1024, 'past the bound')).toThrow(
          `cannot be read: it is ${kind}, not a regular file`,
        );
      }
    } finally {
      await new Promise((done) => listener.close(done));
    }
  });

  it("names the system's reason for a file it cannot open or read", async () => {
    const missing = await failure(readBounded(join(dir, 'missing'), 10, 'x'));
    expect(missing.code).toBe(BOUNDED_READ_CODES.unreadable);
    expect(missing.message).toMatch(/^cannot be read: ENOENT/);
    expect(() => readBoundedSync(join(dir, 'missing'), 10, 'x')).toThrow(/^cannot be read: ENOENT/);
  });

  it("gives the file's mode with its bytes", async () => {
    const file = join(dir, 'mode.txt');
    await writeFile(file, 'secret');
    await chmod(file, 0o640);
    const read = await readBoundedFile(file, 10, 'x');
    expect(read.bytes.toString('utf8')).toBe('secret');
    expect(read.mode & 0o777).toBe(0o640);
  });
});

describe('readBoundedSync', () => {
  it('reads a file up to the bound as readBounded does', async () => {
    const file = join(dir, 'sync.txt');
    await writeFile(file, 'héllo');
    const bytes = Buffer.byteLength('héllo');
    expect(readBoundedSync(file, bytes, 'too large').toString('utf8')).toBe('héllo');
    expect(() => readBoundedSync(file, bytes - 1, 'is too large')).toThrow('is too large');
    expect(readBoundedSync('/proc/self/status', 1024 * 1024, 'x').toString('utf8')).toMatch(/^Name:/);
    expect(() => readBoundedSync('/proc/self/status', 16, 'past the bound')).toThrow('past the bound');
  });
});

describe('utf8Text and readBoundedText: text that is not UTF-8', () => {
  function refusal(bytes: number[]): string {
    try {
      utf8Text(Uint8Array.from(bytes));
    } catch (error) {
      expect(error).toBeInstanceOf(TollgateError);
      expect((error as TollgateError).code).toBe(BOUNDED_READ_CODES.notUtf8);
      return (error as TollgateError).message;
    }
    throw new Error('not refused');
  }
  const ascii = (text: string): number[] => [...Buffer.from(text, 'latin1')];

  it('refuses every ill-formed sequence, naming the first bad byte, its line and its column', () => {
    // A Latin-1 é in the second line, after a two-byte é in the same line.
    expect(refusal([...ascii('a: 1\n'), 0xc3, 0xa9, ...ascii('x'), 0xe9, ...ascii('\n')])).toBe(
      'is not UTF-8 text: byte 0xe9 at offset 8 (line 2, column 3) starts no UTF-8 character',
    );
    const at = (bytes: number[]): string => /at offset (\d+)/.exec(refusal(bytes))?.[1] ?? '';
    expect(at([0x41, 0x80])).toBe('1'); // a lone continuation byte
    expect(at([0xc0, 0x80])).toBe('0'); // an overlong NUL
    expect(at([0xc1, 0xbf])).toBe('0'); // an overlong two-byte form
    expect(at([0xe0, 0x9f, 0xbf])).toBe('0'); // an overlong three-byte form
    expect(at([0xf0, 0x8f, 0xbf, 0xbf])).toBe('0'); // an overlong four-byte form
    expect(at([0x41, 0xed, 0xa0, 0x80])).toBe('1'); // a UTF-16 surrogate written as UTF-8
    expect(at([0xf4, 0x90, 0x80, 0x80])).toBe('0'); // past U+10FFFF
    expect(at([0xf5, 0x80, 0x80, 0x80])).toBe('0');
    expect(at([0x41, 0x42, 0xe2, 0x82])).toBe('2'); // cut short at the end
    expect(at([0xe2, 0x41, 0x82])).toBe('0'); // cut short by another character
    expect(at([0xff])).toBe('0');
  });

  it('names UTF-16 text by its byte order mark', () => {
    for (const bom of [
      [0xff, 0xfe],
      [0xfe, 0xff],
    ]) {
      expect(refusal([...bom, 0x61, 0x00])).toBe(
        'is not UTF-8 text: it is UTF-16 (it begins with a UTF-16 byte order mark); save it as UTF-8',
      );
    }
  });

  it('takes what is UTF-8 as it is, a byte order mark kept', () => {
    const text = '\uFEFFname: Café 😀 \u0000 \uFFFD \u{10FFFF}';
    expect(utf8Text(Buffer.from(text, 'utf8'))).toBe(text);
    expect(utf8Text(new Uint8Array(0))).toBe('');
    expect(utf8Text(Buffer.from('xyzab').subarray(1, 4))).toBe('yza');
  });

  it('refuses exactly what a strict decoder refuses, at the offset where the valid prefix ends', () => {
    const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const byte = fc.oneof(
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0x80, max: 0xbf }),
      fc.integer({ min: 0xc0, max: 0xff }),
    );
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 12 }), (bytes) => {
        const input = Uint8Array.from(bytes);
        let valid = true;
        try {
          strict.decode(input);
        } catch {
          valid = false;
        }
        if (valid) {
          expect(utf8Text(input)).toBe(strict.decode(input));
          return;
        }
        const message = refusal(bytes);
        if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
          expect(message).toMatch(/it is UTF-16/);
          return;
        }
        const offset = Number(/at offset (\d+)/.exec(message)?.[1]);
        // The bytes before it are UTF-8; with the byte there, no UTF-8 text of any continuation starts.
        expect(() => strict.decode(input.subarray(0, offset))).not.toThrow();
        const decoded = new TextDecoder('utf-8').decode(input.subarray(offset, offset + 4));
        expect(decoded.startsWith('\uFFFD')).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('a file that is not UTF-8 is refused as a whole, naming where', async () => {
    const file = join(dir, 'latin1.yaml');
    await writeFile(file, Buffer.from('name: caf\xe9\n', 'latin1'));
    const error = await failure(readBoundedText(file, 1024, 'x'));
    expect(error.code).toBe('invalid-input');
    expect(error.message).toBe(
      'is not UTF-8 text: byte 0xe9 at offset 9 (line 1, column 10) starts no UTF-8 character',
    );
  });
});
