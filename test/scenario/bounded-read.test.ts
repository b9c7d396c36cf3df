import { chmod, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import {
  BOUNDED_READ_CODES,
  readBounded,
  readBoundedFile,
  readBoundedSync,
  readBoundedText,
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
