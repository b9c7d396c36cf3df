/**
 * The files commands write (`--output`, `--out`): whole or not at all, and
 * never over one of the command's own inputs.
 */
import { constants, createWriteStream, fstatSync, type Stats } from 'node:fs';
import type { Writable } from 'node:stream';
import { lstat, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TollgateError } from '../engine/errors.js';
import { fileKind, ownDescriptor } from '../scenario/bounded-read.js';

/** Errors that say the output path itself is wrong (no such folder, not a folder, not allowed). */
const BAD_PATH_CODES: ReadonlySet<string> = new Set([
  'ENOENT',
  'ENOTDIR',
  'EISDIR',
  'EACCES',
  'EPERM',
  'EROFS',
  'ELOOP',
  'ENAMETOOLONG',
]);

/** TollgateError `kind` naming `path` and the system's error that kept it from being written. */
function cannotWrite(kind: 'invalid-output' | 'write-failed', path: string, error: unknown): TollgateError {
  const { code, message } = error as NodeJS.ErrnoException;
  return new TollgateError(kind, `${path}: cannot be written (${code ?? 'error'}: ${message})`, { cause: error });
}

/** Refuses ('output-is-input') an output `path`, found to be `target`, that is the same file as one of `inputs`. */
async function refuseInputs(path: string, target: Stats, inputs: readonly string[]): Promise<void> {
  for (const input of inputs) {
    const source = await stat(input).catch(() => null);
    if (source !== null && source.dev === target.dev && source.ino === target.ino) {
      throw new TollgateError('output-is-input', `${path}: is the input ${input}; refusing to write over it`);
    }
  }
}

/**
 * Writes `data` through descriptor `fd` the process holds (`path` names it:
 * /dev/stdout, /dev/fd/N), whatever the caller connected it to; never its
 * standard input (opened for writing, a pipe's would take the bytes back),
 * nor a file that is one of `inputs`.
 */
async function writeDescriptor(
  path: string,
  fd: number,
  data: string | Uint8Array,
  inputs: readonly string[],
): Promise<void> {
  if (fd === 0) {
    throw new TollgateError('invalid-output', `${path}: is the command's standard input, not somewhere to write`);
  }
  let target: Stats;
  try {
    target = fstatSync(fd);
  } catch (error) {
    throw cannotWrite('invalid-output', path, error);
  }
  if (target.isDirectory()) throw new TollgateError('invalid-output', `${path}: is a folder, not somewhere to write`);
  if (target.isFile()) await refuseInputs(path, target, inputs);
  const stream: Writable =
    fd === 1 ? process.stdout : fd === 2 ? process.stderr : createWriteStream('', { fd, autoClose: false });
  await new Promise<void>((done, fail) => {
    stream.once('error', fail);
    stream.write(data, (error) => (error === null || error === undefined ? done() : fail(error)));
  }).catch((error: unknown) => {
    throw cannotWrite('write-failed', path, error);
  });
}

/** Numbers the temporary files of this process. */
let written = 0;

/**
 * Writes `data` to `path`, always as a regular file. Refused (TollgateError
 * 'output-is-input', naming both) when `path` is one of `inputs` (the same
 * file by device and inode, whatever the paths say: a snapshot written over
 * its signing key, a report over its fixtures); refused ('invalid-output')
 * when `path` is, or is a symbolic link to, anything but a regular file: a
 * folder, a FIFO (opening it would wait for a reader), a socket or a device,
 * but for one of the process's own descriptors (`/dev/stdout`, `/dev/fd/N`:
 * written through the descriptor, whatever the caller connected it to; not
 * `/dev/stdin`) and a character device named as itself (`/dev/null`), which
 * take the bytes as they are. The file is written to a temporary file
 * beside it, flushed and renamed over it, so a failure (a full disk, a file
 * size limit) leaves it as it was and a symbolic link in its place (to a
 * regular file, or to nothing) is replaced, its target left as it is. A
 * failure names the path: TollgateError 'invalid-output' when the path
 * cannot be written (no such folder, not allowed), 'write-failed'
 * otherwise (a full disk).
 */
export async function writeOutputFile(
  path: string,
  data: string | Uint8Array,
  inputs: readonly string[],
): Promise<void> {
  const fd = ownDescriptor(path);
  if (fd !== null) {
    await writeDescriptor(path, fd, data, inputs);
    return;
  }
  const target = await stat(path).catch(() => null);
  let through = false;
  if (target !== null) {
    const link = await lstat(path).catch(() => null);
    // A character device named as itself (/dev/null) takes the bytes as they are; nothing is renamed over it.
    through = link?.isCharacterDevice() === true && target.isCharacterDevice();
    if (!target.isFile() && !through) {
      const what = link?.isSymbolicLink() === true ? `a symbolic link to ${fileKind(target)}` : fileKind(target);
      // Renamed over, a device's node would be replaced (/dev/null); written into, it takes the bytes or waits.
      throw new TollgateError(
        'invalid-output',
        `${path}: is ${what}, not a regular file: an output is written only as a regular file`,
      );
    }
    await refuseInputs(path, target, inputs);
  }
  try {
    if (through) {
      const handle = await open(path, constants.O_WRONLY | constants.O_NOCTTY);
      try {
        await handle.writeFile(data);
      } finally {
        await handle.close();
      }
      return;
    }
    const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${++written}.tmp`);
    try {
      const handle = await open(temp, 'wx', target === null ? 0o666 : target.mode & 0o777);
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    // A path that cannot be a file to write is the command's input at fault (exit 2); a full disk is not (exit 1).
    throw cannotWrite(code !== undefined && BAD_PATH_CODES.has(code) ? 'invalid-output' : 'write-failed', path, error);
  }
}
