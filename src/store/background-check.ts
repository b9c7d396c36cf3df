/**
 * The checks of the agent cache that a warm start leaves until its socket
 * serves (docs/DAEMON.md, "Start-up order"): the full quick_check after an
 * unclean stop, and the SHA-256 of the active snapshot's stored bytes (its
 * image was served without re-hashing them). They run on a worker thread
 * with its own read-only connection, so the event loop keeps answering while
 * every page of a large cache is read; the result comes back as a message.
 */
import { createRequire } from 'node:module';
import type { Worker } from 'node:worker_threads';
import { PAGE_CACHE_KIB } from './open-database.js';

/** What a background check found. */
export interface BackgroundCheck {
  /** quick_check's problems, or what made the file unreadable; [] when fine or not checked. */
  problems: string[];
  /** Whether quick_check ran. */
  checked: boolean;
  /** The version hashed and the SHA-256 of its stored bytes; null when none was asked for. */
  hash: { version: number; sha256: Buffer | null; problem: string | null } | null;
}

/**
 * The worker (CommonJS, run from text so that it is the same under the
 * compiled daemon and the test runner). Errors that say the file is damaged
 * are problems; any other error is reported as `failed` (the check could not
 * run: the caller logs it and changes nothing).
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const Database = require(workerData.sqlite);
const damage = (e) => e instanceof Database.SqliteError &&
  (e.code === 'SQLITE_NOTADB' || e.code.startsWith('SQLITE_CORRUPT') || e.code === 'SQLITE_ERROR');
const out = { problems: [], checked: false, hash: null, failed: null };
let db = null;
try {
  db = new Database(workerData.file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  // The daemon's own small page cache (open-database.ts PAGE_CACHE_KIB): quick_check reads every page through it.
  db.pragma('cache_size = -' + workerData.cacheKib);
  if (workerData.quickCheck) {
    try {
      const rows = db.pragma('quick_check');
      out.problems = rows.flatMap((r) => r.quick_check.split('\\n')).filter((l) => l !== 'ok' && !l.startsWith('*** in database'));
    } catch (e) {
      if (!damage(e)) throw e;
      out.problems = [e.message];
    }
    out.checked = true;
  }
  const version = workerData.hashVersion;
  if (version !== null && out.problems.length === 0) {
    out.hash = { version, sha256: null, problem: null };
    try {
      const row = db.prepare('SELECT bytes, parts FROM snapshots WHERE version = ?').get(version);
      if (row === undefined) {
        out.hash.problem = 'snapshot ' + version + ' is no longer stored';
      } else {
        const hash = createHash('sha256');
        if (row.parts === 0) hash.update(row.bytes);
        let parts = 0;
        for (const part of db.prepare('SELECT seq, bytes FROM snapshot_parts WHERE version = ? ORDER BY seq').iterate(version)) {
          if (part.seq !== parts) break;
          hash.update(part.bytes);
          parts++;
        }
        if (parts !== row.parts) out.hash.problem = 'snapshot ' + version + ' is stored in ' + row.parts + ' parts; found ' + parts;
        else out.hash.sha256 = hash.digest();
      }
    } catch (e) {
      if (!damage(e)) throw e;
      out.problems = [e.message];
      out.hash = null;
    }
  }
} catch (e) {
  if (damage(e)) out.problems = [e.message];
  else out.failed = e.message;
} finally {
  if (db !== null) db.close();
}
parentPort.postMessage(out);
`;

/** The result with `failed` set when the check itself could not run (no memory, the file gone). */
export type BackgroundCheckOutcome = BackgroundCheck & { failed: string | null };

/**
 * Runs the checks on a worker thread; never rejects (a worker that dies is
 * `failed`). `onWorkerOnline` is called once the worker's thread runs: by
 * then V8 has configured the worker's heap, which resets process-wide heap
 * flags a caller may have to set again (daemon/heap.ts).
 */
export async function runBackgroundCheck(
  file: string,
  what: { quickCheck: boolean; hashVersion: number | null },
  onWorkerOnline?: () => void,
): Promise<BackgroundCheckOutcome> {
  const nothing: BackgroundCheckOutcome = { problems: [], checked: false, hash: null, failed: null };
  if (!what.quickCheck && what.hashVersion === null) return nothing;
  // node:worker_threads is loaded here, when a check runs (after a warm start's first answer), not with the
  // daemon's modules before it.
  const threads = await import('node:worker_threads');
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new threads.Worker(WORKER, {
        eval: true,
        workerData: {
          file,
          sqlite: createRequire(import.meta.url).resolve('better-sqlite3'),
          cacheKib: PAGE_CACHE_KIB,
          ...what,
        },
        // Bounded: the worker holds one 1 MiB part at a time and the page cache.
        resourceLimits: { maxOldGenerationSizeMb: 64 },
      });
    } catch (error) {
      resolve({ ...nothing, failed: (error as Error).message });
      return;
    }
    // A check still running does not keep the process alive.
    worker.unref();
    if (onWorkerOnline !== undefined) worker.once('online', onWorkerOnline);
    let done = false;
    worker.once('message', (message: BackgroundCheckOutcome) => {
      done = true;
      const hash = message.hash;
      resolve({
        ...message,
        hash: hash === null ? null : { ...hash, sha256: hash.sha256 === null ? null : Buffer.from(hash.sha256) },
      });
    });
    worker.once('error', (error) => {
      if (!done) resolve({ ...nothing, failed: error.message });
      done = true;
    });
    worker.once('exit', (code) => {
      if (!done) resolve({ ...nothing, failed: `the check's worker exited with code ${code}` });
      done = true;
    });
  });
}
