import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TollgateError } from '../../src/engine/errors.js';
import { BOUNDED_READ_CODES, readBounded, readBoundedText } from '../../src/scenario/bounded-read.js';

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

  it('stops reading a device that never ends at the bound', async () => {
    const error = await failure(readBounded('/dev/zero', 3 * 1024 * 1024 + 5, 'past the bound'));
    expect(error.code).toBe(BOUNDED_READ_CODES.tooLarge);
    expect(error.message).toBe('past the bound');
  });

  it("names the system's reason for a file it cannot open or read", async () => {
    const missing = await failure(readBounded(join(dir, 'missing'), 10, 'x'));
    expect(missing.code).toBe(BOUNDED_READ_CODES.unreadable);
    expect(missing.message).toMatch(/^cannot be read: ENOENT/);
    const folder = await failure(readBounded(dir, 10, 'x'));
    expect(folder.code).toBe(BOUNDED_READ_CODES.unreadable);
    expect(folder.message).toMatch(/^cannot be read: EISDIR/);
  });
});
