/**
 * Reading a file the user names, up to a bound: a device (`/dev/zero`), a
 * pipe or a file that keeps growing is not read without end, and a file
 * larger than what reads it can hold in memory is refused before it is
 * read. A regular file's size is checked before any byte is read.
 */
import { open } from 'node:fs/promises';
import { TollgateError } from '../engine/errors.js';

/** The error codes of readBounded: the file is past the bound, or the system refused it. */
export const BOUNDED_READ_CODES = Object.freeze({ tooLarge: 'file-too-large', unreadable: 'unreadable' });

const CHUNK_BYTES = 1024 * 1024;

/**
 * The bytes of `file`, at most `maxBytes`. Throws TollgateError
 * 'file-too-large' (`tooLarge` its message) when it holds more, and
 * 'unreadable' (`cannot be read: ` and the system's reason) when it cannot
 * be opened or read. The messages are phrases that follow the file's name:
 * the caller names the file as it names it elsewhere.
 */
export async function readBounded(file: string, maxBytes: number, tooLarge: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw unreadable(error);
  }
  try {
    let size = -1;
    try {
      const stat = await handle.stat();
      // A size of 0 is also what files of /proc report: those are read in chunks.
      if (stat.isFile() && stat.size > 0) size = stat.size;
    } catch (error) {
      throw unreadable(error);
    }
    if (size > maxBytes) throw new TollgateError(BOUNDED_READ_CODES.tooLarge, tooLarge);
    // A regular file is read into one buffer of its size (and a byte more, to see it grow); anything else in chunks.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const room = size >= 0 && chunks.length === 0 ? size + 1 : Math.min(CHUNK_BYTES, maxBytes + 1 - total);
      const chunk = Buffer.allocUnsafe(Math.max(1, room));
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(chunk, 0, chunk.length, null));
      } catch (error) {
        throw unreadable(error);
      }
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw new TollgateError(BOUNDED_READ_CODES.tooLarge, tooLarge);
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** readBounded's bytes as UTF-8 text (as `readFile(file, 'utf8')` gives them). */
export async function readBoundedText(file: string, maxBytes: number, tooLarge: string): Promise<string> {
  return (await readBounded(file, maxBytes, tooLarge)).toString('utf8');
}

function unreadable(error: unknown): TollgateError {
  return new TollgateError(BOUNDED_READ_CODES.unreadable, `cannot be read: ${(error as Error).message}`, {
    cause: error,
  });
}
