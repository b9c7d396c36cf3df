/**
 * Making a folder and its missing parents. Node.js's own recursive mkdir
 * (`mkdir(dir, { recursive: true })`) never returns for some paths: under
 * `/proc`, where creating a folder fails with ENOENT although its parent
 * exists, it tries the parent again without end (seen on Node.js 20), and a
 * daemon, server or `keygen` given such a path hung at start. Here each
 * missing folder is made once, top down, and the first failure is thrown.
 */
import { type Stats, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Makes folder `dir` and the folders above it that do not exist (each with
 * `mode`, before the umask). Does nothing when `dir` is a folder already;
 * throws the system's error (ENOTDIR when something above it, or `dir`
 * itself, is a file; EACCES; ENOENT where no folder can be made).
 */
export function makeDirs(dir: string, mode = 0o777): void {
  const missing: string[] = [];
  for (let at = resolve(dir); ;) {
    const found = statOrNull(at);
    if (found !== null) {
      if (!found.isDirectory()) {
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), { code: 'ENOTDIR', path: at });
      }
      break;
    }
    missing.push(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder, { mode });
    } catch (error) {
      // Made meanwhile by another process: fine when it is a folder.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || statOrNull(folder)?.isDirectory() !== true) throw error;
    }
  }
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
