/**
 * The compiled view images beside the agent cache: one file a snapshot
 * version, `<db>.images/<sha256>.img`, named by the SHA-256 of the stored
 * snapshot bytes it was compiled from. A file is written whole or not at
 * all (a temporary file, fsync, rename, fsync of the folder), so a crash
 * leaves either the old set of files or the new one, plus at most a
 * temporary file that the next prune removes. What a file holds is not
 * trusted here: the agent checks it (its header is bound to the snapshot's
 * hash) and recompiles from the verified snapshot when anything is wrong.
 */
import {
  closeSync,
  fstatSync,
  fsyncSync,
  openSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { mkdir, open, readdir, rename, rm, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { TollgateError } from '../engine/errors.js';
import { READ_FLAGS, fileKind } from '../scenario/bounded-read.js';
import { makeDirs } from '../scenario/make-dirs.js';

/** The largest image file written or read by default (a larger one is not kept: warm start recompiles). */
export const DEFAULT_MAX_IMAGE_BYTES = 1024 * 1024 * 1024;

const IMAGE_SUFFIX = '.img';
const TEMP_SUFFIX = '.tmp';
const SHA256_BYTES = 32;
/** The bytes an image file is written in at a time. */
const WRITE_SLICE_BYTES = 4 * 1024 * 1024;
/**
 * An image file is read into a buffer of this many fourths of its size
 * (1.75 times), the rest never written and so never resident: the agent
 * compiles its next image over the buffer of the one it replaces
 * (Agent.applySnapshot). The builder's estimate for a view of the same size
 * is about 1.55 times the image at 100,000 policies and more, 1.65 to 1.8
 * times at 15,000 to 40,000, but it writes over a buffer that has room for
 * half the string bytes it estimates (ViewImageBuilder.reserve), which an
 * image of the same view is well within.
 */
const READ_ROOM_FOURTHS = 7;
/** Numbers the temporary files of writeLater within this process. */
let laterWrites = 0;

/** Test-only fault points of writing an image file. */
export interface ImageWriteHooks {
  /** Runs once half of the image's bytes are written to the temporary file (before its fsync and rename). */
  duringImageWrite?: () => void;
}

/** What `writeLater` did: wrote the file, wrote nothing (larger than maxBytes), or stopped (no longer wanted). */
export type LaterWrite = 'written' | 'too-large' | 'stopped';

/** The folder of image files beside the database `file`. */
export function imageFolder(file: string): string {
  return `${file}.images`;
}

function nameOf(sha256: Uint8Array): string {
  if (sha256.length !== SHA256_BYTES) {
    throw new TollgateError('invalid-argument', `an image is named by a SHA-256 of 32 bytes, not ${sha256.length}`);
  }
  return Buffer.from(sha256.buffer, sha256.byteOffset, sha256.length).toString('hex') + IMAGE_SUFFIX;
}

/**
 * An image file's bytes read ahead of their use (`prefetchImage`). `bytes`
 * is null once they were handed over (ImageFiles.offer): whatever still
 * holds this object (the promise that delivered it, kept by a start for the
 * process's life) does not hold the image's bytes past the next snapshot.
 */
export interface PrefetchedImage {
  file: string;
  bytes: Buffer | null;
}

/**
 * Reads the image file of `folder` ahead of its use, off the main thread
 * (one read on libuv's thread pool), when the folder holds exactly one
 * (after an apply the store keeps the active snapshot's image only): a
 * warm start reads it while its modules load, and `ImageFiles.read` then
 * takes these bytes for that file instead of reading it again. Whatever
 * the bytes are, the agent checks them as it checks a file it reads itself.
 * Resolves to null (never rejects) when there is no single file to read, it
 * is larger than `maxBytes`, or reading fails: the file is then read when
 * it is needed, as without this.
 */
export async function prefetchImage(
  folder: string,
  maxBytes = DEFAULT_MAX_IMAGE_BYTES,
): Promise<PrefetchedImage | null> {
  try {
    const images = (await readdir(folder)).filter((name) => name.endsWith(IMAGE_SUFFIX));
    if (images.length !== 1) return null;
    const file = join(folder, images[0] as string);
    // Not blocking: a FIFO put in the image's place would otherwise hold the start until something writes to it.
    const handle = await open(file, READ_FLAGS);
    try {
      const info = await handle.stat();
      if (!info.isFile()) return null;
      const size = info.size;
      if (size > maxBytes) return null;
      const bytes = withRoom(size);
      let done = 0;
      while (done < size) {
        const { bytesRead } = await handle.read(bytes, done, size - done, done);
        if (bytesRead === 0) return null;
        done += bytesRead;
      }
      return { file, bytes: bytes.subarray(0, size) };
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}

/** The image files of one agent cache, in `folder`, at most `maxBytes` each. */
export class ImageFiles {
  /** Bytes read ahead for one file (prefetchImage), taken by the next read of that file. */
  private prefetched: PrefetchedImage | null = null;
  /**
   * The names of the temporary files of this process's writes in progress
   * (writeLater): a prune leaves them to their write, which deletes its file
   * itself when it stops or fails. A temporary file not named here was left
   * by a crash, or by a write of another process, and is pruned.
   */
  private readonly writing = new Set<string>();

  constructor(
    readonly folder: string,
    readonly maxBytes: number,
  ) {}

  /**
   * Hands over bytes read ahead (prefetchImage): the next read of that file
   * returns them instead of reading it. They are taken from `prefetched`
   * (its bytes set to null), and let go by the next read of any file or the
   * next offer (null lets them go unused).
   */
  offer(prefetched: PrefetchedImage | null): void {
    this.prefetched = null;
    if (prefetched === null || prefetched.bytes === null) return;
    this.prefetched = { file: prefetched.file, bytes: prefetched.bytes };
    prefetched.bytes = null;
  }

  /** The path of the image of the snapshot whose stored bytes hash to `sha256`. */
  path(sha256: Uint8Array): string {
    return join(this.folder, nameOf(sha256));
  }

  /**
   * Writes the image of `sha256` durably (temporary file, fsync, rename,
   * fsync of the folder). Returns false, writing nothing, when the image is
   * larger than maxBytes. Throws on a file system error (nothing replaced).
   */
  write(sha256: Uint8Array, parts: readonly Uint8Array[], hooks: ImageWriteHooks = {}): boolean {
    const total = parts.reduce((n, p) => n + p.length, 0);
    if (total > this.maxBytes) return false;
    makeDirs(this.folder, 0o750);
    const target = this.path(sha256);
    const temp = target + TEMP_SUFFIX;
    // Made new (a leftover of a crash removed first): never written through a link put in its place.
    rmSync(temp, { force: true });
    const fd = openSync(temp, 'wx', 0o640);
    try {
      let written = 0;
      let halfway = hooks.duringImageWrite === undefined;
      for (const part of parts) {
        let at = 0;
        while (at < part.length) {
          // Written in slices so that a fault point can stop a write half done.
          const slice = Math.min(part.length - at, WRITE_SLICE_BYTES);
          at += writeSync(fd, part, at, slice);
          written += slice;
          if (!halfway && written * 2 >= total) {
            halfway = true;
            hooks.duringImageWrite?.();
          }
        }
      }
      fsyncSync(fd);
    } catch (error) {
      closeSync(fd);
      unlinkQuietly(temp);
      throw error;
    }
    closeSync(fd);
    renameSync(temp, target);
    syncFolder(this.folder);
    return true;
  }

  /**
   * Writes the image of `sha256` as `write` does, a slice (4 MiB) at a
   * time: each slice is copied into a buffer of this write's own on the main
   * thread, and written (and at the end fsynced and renamed) on libuv's
   * thread pool, so requests are answered meanwhile. It goes to a temporary
   * file of its own (`<sha256>.img.<n>.tmp`: a synchronous write of the same
   * image does not share it). `wanted` is asked before each slice and after
   * the rename: once false, the write stops ('stopped'), its temporary file
   * or its renamed file deleted, so an image no longer wanted is not left
   * behind. The parts are read from `held` at each slice and never kept in
   * between (a write in flight holds the slice buffer only): once
   * `held.parts` is set to null (the write is given up), nothing here holds
   * the image, so a newer apply does not hold two images. Once every byte is
   * written and fsynced, `keep` (by default `wanted`) alone decides whether
   * the file is renamed into place and kept: a whole image of a snapshot
   * that is in force (its write given up, then that snapshot active again)
   * is kept. Rejects on a file system error (its temporary file deleted,
   * nothing replaced).
   */
  async writeLater(
    sha256: Uint8Array,
    held: HeldParts,
    wanted: () => boolean,
    hooks: ImageWriteHooks = {},
    keep: () => boolean = wanted,
  ): Promise<LaterWrite> {
    const total = (held.parts ?? []).reduce((n, p) => n + p.length, 0);
    if (total > this.maxBytes) return 'too-large';
    // The folder only, not its parent: a cache folder removed meanwhile is not made again.
    await mkdir(this.folder, { mode: 0o750 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    if (!wanted()) return 'stopped';
    const target = this.path(sha256);
    const temp = `${target}.${++laterWrites}${TEMP_SUFFIX}`;
    const tempName = basename(temp);
    this.writing.add(tempName);
    try {
      return await this.writeTemporary(target, temp, total, held, wanted, hooks, keep);
    } finally {
      this.writing.delete(tempName);
    }
  }

  private async writeTemporary(
    target: string,
    temp: string,
    total: number,
    held: HeldParts,
    wanted: () => boolean,
    hooks: ImageWriteHooks,
    keep: () => boolean,
  ): Promise<LaterWrite> {
    await rm(temp, { force: true });
    const handle = await open(temp, 'wx', 0o640);
    let stopped = false;
    try {
      const at: SlicePosition = { part: 0, offset: 0, written: 0 };
      const slice = Buffer.allocUnsafeSlow(Math.min(Math.max(total, 1), WRITE_SLICE_BYTES));
      let halfway = hooks.duringImageWrite === undefined;
      for (;;) {
        if (held.parts === null || !wanted()) {
          stopped = true;
          break;
        }
        const n = fillSlice(held.parts, at, slice);
        if (n === 0) break;
        for (let done = 0; done < n;) {
          const { bytesWritten } = await handle.write(slice, done, n - done);
          if (bytesWritten === 0) throw new Error(`writing ${temp} made no progress`);
          done += bytesWritten;
        }
        at.written += n;
        if (!halfway && at.written * 2 >= total) {
          halfway = true;
          hooks.duringImageWrite?.();
        }
      }
      if (!stopped) await handle.sync();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlinkLater(temp);
      throw error;
    }
    try {
      await handle.close();
    } catch (error) {
      await unlinkLater(temp);
      throw error;
    }
    if (stopped || !keep()) {
      await unlinkLater(temp);
      return 'stopped';
    }
    try {
      await rename(temp, target);
    } catch (error) {
      await unlinkLater(temp);
      throw error;
    }
    // A newer snapshot committed during the rename: its prune may have missed this file.
    if (!keep()) {
      await unlinkLater(target);
      return 'stopped';
    }
    const folder = await open(this.folder, 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
    return 'written';
  }

  /**
   * The bytes of the image of `sha256`; null when there is no such file.
   * A file larger than maxBytes throws TollgateError 'image-damaged'.
   */
  read(sha256: Uint8Array): Buffer | null {
    const file = this.path(sha256);
    const ahead = this.prefetched;
    this.prefetched = null;
    if (ahead !== null && ahead.file === file && ahead.bytes !== null && ahead.bytes.length <= this.maxBytes) {
      return ahead.bytes;
    }
    let fd: number;
    try {
      // Not blocking, and checked to be a regular file: a FIFO in its place would hold the daemon without end.
      fd = openSync(file, READ_FLAGS);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      const info = fstatSync(fd);
      if (!info.isFile()) {
        throw new TollgateError('image-damaged', `view image file ${file} is ${fileKind(info)}, not a regular file`);
      }
      const size = info.size;
      if (size > this.maxBytes) {
        throw new TollgateError('image-damaged', `view image file of ${size} bytes is larger than ${this.maxBytes}`);
      }
      return readWithRoom(fd, size);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Deletes every image file but those of `keep` (SHA-256 hashes), and every
   * temporary file but those of this process's writes in progress.
   */
  prune(keep: readonly Uint8Array[]): void {
    let names: string[];
    try {
      names = readdirSync(this.folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const kept = new Set(keep.map(nameOf));
    let removed = false;
    for (const name of names) {
      if (!this.prunable(name, kept)) continue;
      unlinkQuietly(join(this.folder, name));
      removed = true;
    }
    if (removed) syncFolder(this.folder);
  }

  /**
   * prune on libuv's thread pool: the folder listed, `keep` asked once the
   * list is in (null: nothing is deleted), every other image file and every
   * temporary file but those of writes in progress unlinked, and the folder fsynced when any was. Rejects on
   * a file system error other than a file or the folder already gone.
   */
  async pruneLater(keep: () => readonly Uint8Array[] | null): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const keeping = keep();
    if (keeping === null) return;
    const kept = new Set(keeping.map(nameOf));
    const gone = names.filter((name) => this.prunable(name, kept));
    if (gone.length === 0) return;
    for (const name of gone) await unlinkLater(join(this.folder, name));
    const folder = await open(this.folder, 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  }

  /** Whether a prune deletes the file `name`: an image file not kept, or a temporary file no write here owns. */
  private prunable(name: string, kept: ReadonlySet<string>): boolean {
    if (name.endsWith(IMAGE_SUFFIX)) return !kept.has(name);
    return name.endsWith(TEMP_SUFFIX) && !this.writing.has(name);
  }

  /** The names of the files in the folder (tests and diagnostics). */
  list(): string[] {
    try {
      return readdirSync(this.folder).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone, or the next prune tries again.
  }
}

/** The parts of an image being written later (ImageFiles.writeLater); null once the write is given up. */
export interface HeldParts {
  parts: readonly Uint8Array[] | null;
}

/** Where a write by slices is: the part, the offset in it, and the bytes written so far. */
interface SlicePosition {
  part: number;
  offset: number;
  written: number;
}

/**
 * Copies the next slice of `parts` from `at` into `into` (from one part, at
 * most into.length bytes) and moves `at` past it; 0 when everything was copied.
 */
function fillSlice(parts: readonly Uint8Array[], at: SlicePosition, into: Buffer): number {
  let part = parts[at.part];
  while (part !== undefined && at.offset >= part.length) {
    at.part++;
    at.offset = 0;
    part = parts[at.part];
  }
  if (part === undefined) return 0;
  const n = Math.min(part.length - at.offset, into.length);
  into.set(part.subarray(at.offset, at.offset + n), 0);
  at.offset += n;
  return n;
}

/** A buffer for `size` bytes of an image file, with room after them (READ_ROOM_FOURTHS). */
function withRoom(size: number): Buffer {
  const room = Math.min(Math.floor((size * READ_ROOM_FOURTHS) / 4), 0xffffffff);
  return Buffer.allocUnsafeSlow(Math.max(size, room, 1));
}

/** Reads at most `size` bytes of the file open as `fd` into a buffer with room (withRoom); fewer at its end. */
function readWithRoom(fd: number, size: number): Buffer {
  const bytes = withRoom(size);
  let done = 0;
  while (done < size) {
    const n = readSync(fd, bytes, done, size - done, done);
    if (n === 0) break;
    done += n;
  }
  return bytes.subarray(0, done);
}

async function unlinkLater(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch {
    // Already gone (pruned), or the next prune tries again.
  }
}

/** Makes a rename or unlink in `folder` durable. */
function syncFolder(folder: string): void {
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
