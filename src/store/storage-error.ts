/**
 * Storage failures of the SQLite databases (a full disk, a file system gone
 * read-only, an I/O error), turned into one TollgateError code that both
 * processes answer with, never crash on.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { TollgateError } from '../engine/errors.js';

/** The code of every storage failure met while running (the admin API answers it with 503). */
export const STORAGE_UNAVAILABLE = 'storage-unavailable';

/**
 * SQLite result codes (primary part) that mean the storage let the process
 * down rather than a bug in a statement: full, read-only, I/O, locks held too
 * long, no memory, damage found while running.
 */
const STORAGE_CODES: readonly string[] = [
  'SQLITE_FULL',
  'SQLITE_READONLY',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_NOMEM',
  'SQLITE_PERM',
  'SQLITE_PROTOCOL',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
];

/** Whether `error` is a storage failure: one raised here, or an SQLite error of the codes above. */
export function isStorageFailure(error: unknown): boolean {
  if (error instanceof TollgateError) return error.code === STORAGE_UNAVAILABLE;
  if (!(error instanceof Database.SqliteError)) return false;
  const primary = error.code.split('_').slice(0, 2).join('_');
  return STORAGE_CODES.includes(primary);
}

/** Runs a database call; an SQLite storage failure comes out as TollgateError 'storage-unavailable' naming the file. */
export function guardStorage<T>(file: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (error instanceof TollgateError || !isStorageFailure(error)) throw error;
    const { code, message } = error as InstanceType<typeof Database.SqliteError>;
    throw new TollgateError(STORAGE_UNAVAILABLE, `${path.basename(file)} cannot be used: ${message} (${code})`, {
      cause: error,
    });
  }
}

/** Faults a test can put on a database connection: see `simulateStorageFault`. */
export type StorageFault = 'disk-full' | 'read-only' | 'none';

/** SQLite's own default of max_page_count, restored by the fault 'none'. */
const DEFAULT_MAX_PAGE_COUNT = 0xfffffffe;

/**
 * Test-only: makes the connection's writes fail as on a full disk (`PRAGMA
 * max_page_count` at the current size: every write that needs another page
 * gets SQLITE_FULL, after a VACUUM leaves no free page to reuse) or on a file system gone read-only (`PRAGMA query_only`:
 * every write gets SQLITE_READONLY); 'none' lifts both.
 */
export function simulateStorageFault(db: Database.Database, fault: StorageFault): void {
  db.pragma(`query_only = ${fault === 'read-only' ? 1 : 0}`);
  if (fault === 'disk-full') {
    // No free pages left to reuse either: the file is exactly as large as what it holds.
    db.exec('VACUUM');
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
  } else {
    db.pragma(`max_page_count = ${DEFAULT_MAX_PAGE_COUNT}`);
  }
}
