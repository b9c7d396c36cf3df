/**
 * Reading a file the user names, up to a bound. Only a regular file is
 * read: a FIFO, a socket, a device or a folder is refused, naming what it
 * is, before anything waits on it (opening a FIFO for reading would wait
 * for a writer without end) or reads it; but one of the process's own
 * descriptors (`/dev/stdin`, `/dev/fd/N`: a pipe the caller connected) is
 * read through the descriptor it holds, as it comes, up to the bound. A regular file's size is checked
 * before any byte is read, and one that keeps growing is not read past the
 * bound.
 */
import { isUtf8 } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, read, readSync, statSync, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { TollgateError } from '../engine/errors.js';

/**
 * The error codes of readBounded and utf8Text: the file is past the bound,
 * the system refused it, or its text is not UTF-8.
 */
export const BOUNDED_READ_CODES = Object.freeze({
  tooLarge: 'file-too-large',
  unreadable: 'unreadable',
  notUtf8: 'invalid-input',
});

const CHUNK_BYTES = 1024 * 1024;

/**
 * How a file the user names is opened: without waiting (a FIFO put in its
 * place after it was checked opens at once and is refused by its fstat) and
 * without becoming the process's controlling terminal.
 */
export const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * The descriptor number `path` names when it is one of the process's own
 * (`/dev/stdin` 0, `/dev/stdout` 1, `/dev/stderr` 2, `/dev/fd/N`,
 * `/proc/self/fd/N`), else null. What the caller connected it to (a pipe, a
 * shell's `<(...)`, a terminal, a file) is theirs: it is read or written
 * through the descriptor the process holds, never opened again by its path
 * (a FIFO opened again would wait for a new writer, and a socket cannot be).
 */
export function ownDescriptor(path: string): number | null {
  const named = /^\/dev\/(stdin|stdout|stderr)$/.exec(path);
  if (named !== null) return ['stdin', 'stdout', 'stderr'].indexOf(named[1] as string);
  const numbered = /^(?:\/dev\/fd|\/proc\/self\/fd)\/(\d{1,9})$/.exec(path);
  return numbered === null ? null : Number(numbered[1]);
}

/** The bytes read from descriptor `fd` (left open) to its end, at most `maxBytes`; EAGAIN waits and reads on. */
async function readDescriptor(fd: number, maxBytes: number, tooLarge: string): Promise<Buffer> {
  const got = new ReadChunks(-1, maxBytes, tooLarge);
  for (;;) {
    const chunk = got.next();
    let bytesRead: number;
    try {
      bytesRead = await new Promise<number>((done, fail) => {
        read(fd, chunk, 0, chunk.length, null, (error, n) => (error === null ? done(n) : fail(error)));
      });
    } catch (error) {
      // A descriptor left non-blocking by whoever made it: wait a little for more.
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
        await new Promise((done) => setTimeout(done, DESCRIPTOR_WAIT_MS));
        continue;
      }
      throw unreadable(error);
    }
    if (!got.add(chunk, bytesRead)) return got.bytes();
  }
}

/** readDescriptor for a caller that cannot wait. */
function readDescriptorSync(fd: number, maxBytes: number, tooLarge: string): Buffer {
  const got = new ReadChunks(-1, maxBytes, tooLarge);
  for (;;) {
    const chunk = got.next();
    let bytesRead: number;
    try {
      bytesRead = readSync(fd, chunk, 0, chunk.length, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, DESCRIPTOR_WAIT_MS);
        continue;
      }
      throw unreadable(error);
    }
    if (!got.add(chunk, bytesRead)) return got.bytes();
  }
}

/** How long a read of a non-blocking descriptor with nothing to read waits before it tries again. */
const DESCRIPTOR_WAIT_MS = 5;

/** The process's own descriptor `fd`, checked to be something to read (not a folder); its mode. */
function ownDescriptorMode(fd: number): number {
  let info: Stats;
  try {
    info = fstatSync(fd);
  } catch (error) {
    throw unreadable(error);
  }
  if (info.isDirectory()) throw unreadable(new NotRegularFile(info));
  return info.mode;
}

/** What a file is, as a phrase ("a FIFO (named pipe)", "a folder", ...), for errors that refuse it. */
export function fileKind(info: Stats): string {
  if (info.isFile()) return 'a regular file';
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSymbolicLink()) return 'a symbolic link';
  return 'a special file';
}

/** A regular file read up to a bound, with its mode (permission bits and type) as the open file had it. */
export interface BoundedFile {
  bytes: Buffer;
  mode: number;
}

/**
 * The bytes of `file`, at most `maxBytes`. Throws TollgateError
 * 'file-too-large' (`tooLarge` its message) when it holds more, and
 * 'unreadable' (`cannot be read: ` and the system's reason, or what the
 * file is when it is not a regular file) when it cannot be opened or read.
 * The messages are phrases that follow the file's name: the caller names
 * the file as it names it elsewhere.
 */
export async function readBounded(file: string, maxBytes: number, tooLarge: string): Promise<Buffer> {
  return (await readBoundedFile(file, maxBytes, tooLarge)).bytes;
}

/** readBounded's bytes and the file's mode (its permissions, say). */
export async function readBoundedFile(file: string, maxBytes: number, tooLarge: string): Promise<BoundedFile> {
  const fd = ownDescriptor(file);
  if (fd !== null) {
    const mode = ownDescriptorMode(fd);
    return { bytes: await readDescriptor(fd, maxBytes, tooLarge), mode };
  }
  let handle;
  try {
    // Looked at before it is opened: opening a device may act on it (a tape rewinds).
    checkRegular(await stat(file));
    handle = await open(file, READ_FLAGS);
  } catch (error) {
    throw unreadable(error);
  }
  try {
    let info: Stats;
    try {
      // The path may have been given another file since it was looked at: what was opened is checked.
      info = await handle.stat();
      checkRegular(info);
    } catch (error) {
      throw unreadable(error);
    }
    const got = new ReadChunks(sizeToRead(info, maxBytes, tooLarge), maxBytes, tooLarge);
    for (;;) {
      const chunk = got.next();
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(chunk, 0, chunk.length, null));
      } catch (error) {
        throw unreadable(error);
      }
      if (!got.add(chunk, bytesRead)) return { bytes: got.bytes(), mode: info.mode };
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** readBounded's bytes as UTF-8 text (utf8Text: bytes that are not UTF-8 are refused). */
export async function readBoundedText(file: string, maxBytes: number, tooLarge: string): Promise<string> {
  return utf8Text(await readBounded(file, maxBytes, tooLarge));
}

/**
 * `bytes` as text, when they are UTF-8 (a byte order mark at the start is
 * kept, as `toString('utf8')` keeps it); otherwise TollgateError
 * 'invalid-input' whose message, a phrase that follows the file's name,
 * gives the offset, line and column of the first byte that starts no UTF-8
 * character. Decoding leniently would read such bytes as U+FFFD: a path or
 * a hash the writer never meant, accepted without a word.
 */
export function utf8Text(bytes: Uint8Array): string {
  if (!isUtf8(bytes)) {
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
      throw new TollgateError(
        BOUNDED_READ_CODES.notUtf8,
        'is not UTF-8 text: it is UTF-16 (it begins with a UTF-16 byte order mark); save it as UTF-8',
      );
    }
    const at = firstNonUtf8(bytes);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    const column = utf8CharCount(bytes, lineStart, at) + 1;
    const hex = (bytes[at] as number).toString(16).padStart(2, '0');
    throw new TollgateError(
      BOUNDED_READ_CODES.notUtf8,
      `is not UTF-8 text: byte 0x${hex} at offset ${at} (line ${line}, column ${column}) starts no UTF-8 character`,
    );
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** The offset of the first byte that does not begin a well-formed UTF-8 character (RFC 3629); bytes.length if none. */
function firstNonUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const length = utf8CharLength(bytes, i);
    if (length === 0) return i;
    i += length;
  }
  return bytes.length;
}

/** The length of the well-formed UTF-8 character at bytes[i], 0 when none starts there. */
function utf8CharLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] as number;
  if (b0 < 0x80) return 1;
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) length = 2;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    length = 3;
    if (b0 === 0xe0) low = 0xa0; // no overlong form
    if (b0 === 0xed) high = 0x9f; // no surrogate
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    length = 4;
    if (b0 === 0xf0) low = 0x90; // no overlong form
    if (b0 === 0xf4) high = 0x8f; // nothing past U+10FFFF
  } else return 0;
  if (i + length > bytes.length) return 0;
  const b1 = bytes[i + 1] as number;
  if (b1 < low || b1 > high) return 0;
  for (let k = 2; k < length; k++) {
    const b = bytes[i + k] as number;
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return length;
}

/** The characters of the UTF-8 bytes[from, to) (well formed). */
function utf8CharCount(bytes: Uint8Array, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if (((bytes[i] as number) & 0xc0) !== 0x80) count++;
  return count;
}

/**
 * readBounded for a caller that cannot wait (a small file read while a
 * command line is parsed): the same checks and errors, read synchronously.
 */
export function readBoundedSync(file: string, maxBytes: number, tooLarge: string): Buffer {
  const own = ownDescriptor(file);
  if (own !== null) {
    ownDescriptorMode(own);
    return readDescriptorSync(own, maxBytes, tooLarge);
  }
  let fd: number;
  try {
    checkRegular(statSync(file));
    fd = openSync(file, READ_FLAGS);
  } catch (error) {
    throw unreadable(error);
  }
  try {
    let info: Stats;
    try {
      info = fstatSync(fd);
      checkRegular(info);
    } catch (error) {
      throw unreadable(error);
    }
    const got = new ReadChunks(sizeToRead(info, maxBytes, tooLarge), maxBytes, tooLarge);
    for (;;) {
      const chunk = got.next();
      let bytesRead: number;
      try {
        bytesRead = readSync(fd, chunk, 0, chunk.length, null);
      } catch (error) {
        throw unreadable(error);
      }
      if (!got.add(chunk, bytesRead)) return got.bytes();
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The size a regular file says it has, -1 for none (what files of /proc
 * report: those are read in chunks); TollgateError 'file-too-large' past
 * the bound, before a byte is read.
 */
function sizeToRead(info: Stats, maxBytes: number, tooLarge: string): number {
  const size = info.size > 0 ? info.size : -1;
  if (size > maxBytes) throw new TollgateError(BOUNDED_READ_CODES.tooLarge, tooLarge);
  return size;
}

/**
 * What one read of a file or descriptor has gathered: `next` is the buffer
 * for the next read (the whole file and a byte more, to see it grow, when
 * its size is known, else chunks up to a byte past the bound), `add` keeps
 * what a read gave (false at the end, TollgateError 'file-too-large' past
 * the bound).
 */
class ReadChunks {
  private readonly chunks: Buffer[] = [];
  private total = 0;

  constructor(
    /** The size the file says it has; -1 for none (a pipe, files of /proc). */
    private readonly size: number,
    private readonly maxBytes: number,
    private readonly tooLarge: string,
  ) {}

  next(): Buffer {
    const room =
      this.size >= 0 && this.chunks.length === 0
        ? this.size + 1
        : Math.min(CHUNK_BYTES, this.maxBytes + 1 - this.total);
    return Buffer.allocUnsafe(Math.max(1, room));
  }

  add(chunk: Buffer, bytesRead: number): boolean {
    if (bytesRead === 0) return false;
    this.total += bytesRead;
    if (this.total > this.maxBytes) throw new TollgateError(BOUNDED_READ_CODES.tooLarge, this.tooLarge);
    this.chunks.push(chunk.subarray(0, bytesRead));
    return true;
  }

  bytes(): Buffer {
    return this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.total);
  }
}

/** Throws (an error unreadable() words) when `info` is not a regular file's. */
function checkRegular(info: Stats): void {
  if (!info.isFile()) throw new NotRegularFile(info);
}

class NotRegularFile extends Error {
  constructor(info: Stats) {
    super(`it is ${fileKind(info)}, not a regular file`);
  }
}

function unreadable(error: unknown): TollgateError {
  return new TollgateError(BOUNDED_READ_CODES.unreadable, `cannot be read: ${(error as Error).message}`, {
    cause: error,
  });
}
